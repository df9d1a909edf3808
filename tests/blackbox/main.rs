//! The black-box tests: the real `tessera` binary started on a free port and driven over
//! HTTP and its CLI, on SQLite and Postgres. One integration-test target (one link instead
//! of one per file); each module is what used to be one `tests/*.rs` file, and `common/`
//! holds the helpers they share.
//!
//! One process runs every module on parallel threads, so nothing here may rely on
//! process-wide state: each test gets its own server, data directory, Postgres database,
//! ports and RabbitMQ prefix, and tests that disrupt the shared broker take
//! [`common::BROKER`].

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
mod common;

mod account_api;
mod account_scopes;
mod audit_log;
mod basics;
mod browser;
mod code_send_throttle;
mod connectors;
mod cross_app;
mod grant_limit;
mod hooks_api;
mod hooks_hardening;
mod languages;
mod legacy_hashes;
mod management;
mod management_access;
mod metrics_appends;
mod mfa;
mod mfa_sign_in;
mod oidc_client_credentials;
mod oidc_code_flow;
mod oidc_device;
mod oidc_par;
mod oidc_security;
mod oidc_token_exchange;
mod openapi;
mod password_security;
mod profile_fields;
mod projection_crash;
mod purpose_keys;
mod security;
mod sessions_grants;
mod sign_in_experience;
mod user_roles;
mod users_api;
mod users_search_limits;
mod verification_code_flows;
mod verification_code_pages;
mod verification_codes;
mod webhooks_amqps;
mod webhooks_embedded;
mod webhooks_rabbitmq;
