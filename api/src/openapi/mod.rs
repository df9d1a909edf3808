//! The OpenAPI 3.1 document of every route Tessera serves, generated from the handlers'
//! `#[utoipa::path]` attributes, served at `GET /api/swagger.json` (public, like Logto's)
//! with Swagger UI at `/api/docs/` (bundled in the binary).
//!
//! Which operations need the Management API token is not written per route: [`Security`]
//! derives it from the operation's tag ([`documented_access`]), one tag per surface, as
//! `routes::configure` mounts each surface under one access class. The route-walking
//! test (`tests/blackbox/security.rs`) calls every documented operation and fails where the
//! document and the guards disagree.

pub mod oidc_schemas;
pub mod responses;
pub mod schemas;

use crate::guard::access::Access;
use crate::support::error::{ApiError, ErrorBody};
use actix_web::http::header::LOCATION;
use actix_web::{web, HttpResponse};
use std::sync::LazyLock;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

/// Where the document is served.
pub const DOCUMENT_PATH: &str = "/api/swagger.json";
/// Where Swagger UI is served (its assets live below).
pub const DOCS_PATH: &str = "/api/docs";
/// The security scheme's name in the document.
const BEARER: &str = "managementApi";
/// The Account API's scheme (named in the routes' own `security(...)`).
const ACCOUNT: &str = "accountApi";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tessera",
        description = "Event-sourced identity provider compatible with Logto: the Management API \
            (`/api/...`, Bearer JWT for the resource `https://default.logto.app/api` with scope \
            `all`, obtained by client credentials), the Experience API, the OIDC provider under \
            `/oidc`, the hosted sign-in pages, health and metrics."
    ),
    paths(
        crate::ops::home::home,
        crate::ops::status::status,
        crate::ops::status::status_head,
        crate::ops::status::projections,
        crate::ops::metrics::metrics,
        crate::management::applications::list,
        crate::management::applications::create,
        crate::management::applications::get,
        crate::management::applications::update,
        crate::management::applications::delete,
        crate::management::applications::secrets::list_secrets,
        crate::management::applications::secrets::add_secret,
        crate::management::applications::secrets::delete_secret,
        crate::management::applications::m2m_roles::list_roles,
        crate::management::applications::m2m_roles::assign_roles,
        crate::management::applications::m2m_roles::replace_roles,
        crate::management::applications::m2m_roles::remove_role,
        crate::management::applications::sign_in_experience::get,
        crate::management::applications::sign_in_experience::put,
        crate::management::resources::list,
        crate::management::resources::create,
        crate::management::resources::get,
        crate::management::resources::update,
        crate::management::resources::set_default,
        crate::management::resources::delete,
        crate::management::resources::list_scopes,
        crate::management::resources::create_scope,
        crate::management::resources::update_scope,
        crate::management::resources::delete_scope,
        crate::management::roles::list,
        crate::management::roles::create,
        crate::management::roles::get,
        crate::management::roles::update,
        crate::management::roles::delete,
        crate::management::roles::list_scopes,
        crate::management::roles::add_scopes,
        crate::management::roles::remove_scope,
        crate::management::roles::list_applications,
        crate::management::roles::add_applications,
        crate::management::roles::remove_application,
        crate::management::user_roles::list_roles,
        crate::management::user_roles::assign_roles,
        crate::management::user_roles::replace_roles,
        crate::management::user_roles::remove_role,
        crate::management::user_roles::list_users,
        crate::management::user_roles::add_users,
        crate::management::user_roles::remove_user,
        crate::management::users::list,
        crate::management::users::create,
        crate::management::users::get,
        crate::management::users::manage::update,
        crate::management::users::manage::delete,
        crate::management::users::mfa::list,
        crate::management::users::mfa::create,
        crate::management::users::mfa::delete,
        crate::management::users::logto_config::get,
        crate::management::users::logto_config::patch,
        crate::management::users::manage::set_password,
        crate::management::users::manage::verify_password,
        crate::management::users::manage::has_password,
        crate::management::users::manage::custom_data,
        crate::management::users::manage::update_custom_data,
        crate::management::users::manage::update_profile,
        crate::management::users::manage::set_suspended,
        crate::management::sessions::list,
        crate::management::sessions::get,
        crate::management::sessions::delete,
        crate::management::grants::list,
        crate::management::grants::delete,
        crate::management::subject_tokens::create,
        crate::management::users::personal_access_tokens::list,
        crate::management::users::personal_access_tokens::create,
        crate::management::users::personal_access_tokens::rename,
        crate::management::users::personal_access_tokens::rename_by_body,
        crate::management::users::personal_access_tokens::delete,
        crate::management::users::personal_access_tokens::delete_by_body,
        crate::management::logs::list,
        crate::management::logs::get,
        crate::account::my_account::get,
        crate::account::my_account::patch,
        crate::account::my_account::patch_profile,
        crate::account::my_account::password,
        crate::account::my_account::sessions,
        crate::account::my_account::revoke_session,
        crate::account::my_account::grants,
        crate::account::my_account::revoke_grant,
        crate::account::verifications::password,
        crate::account::verifications::send_code,
        crate::account::verifications::verify_code,
        crate::account::identifiers::set_email,
        crate::account::identifiers::remove_email,
        crate::account::identifiers::set_phone,
        crate::account::identifiers::remove_phone,
        crate::account::mfa::list,
        crate::account::mfa::add,
        crate::account::mfa::replace_totp,
        crate::account::mfa::generate_totp_secret,
        crate::account::mfa::generate_backup_codes,
        crate::account::mfa::backup_codes,
        crate::account::mfa::remove,
        crate::account::logto_config::get,
        crate::account::logto_config::patch,
        crate::management::account_center::get,
        crate::management::account_center::patch,
        crate::management::oidc_config::get,
        crate::management::oidc_config::patch,
        crate::management::sign_in_experience::get,
        crate::management::custom_profile_fields::list_fields,
        crate::management::custom_profile_fields::create,
        crate::management::custom_profile_fields::get,
        crate::management::custom_profile_fields::replace,
        crate::management::custom_profile_fields::delete,
        crate::management::custom_profile_fields::reorder,
        crate::management::sign_in_experience::patch,
        crate::signin::well_known::sign_in_exp,
        crate::signin::well_known::phrases,
        crate::management::custom_phrases::list,
        crate::management::custom_phrases::get,
        crate::management::custom_phrases::put,
        crate::management::custom_phrases::delete,
        crate::oidc::discovery::discovery,
        crate::oidc::discovery::jwks,
        crate::oidc::token::token,
        crate::oidc::authorize::get,
        crate::oidc::authorize::post,
        crate::oidc::par::push,
        crate::oidc::device::authorize,
        crate::oidc::userinfo::userinfo,
        crate::oidc::introspect::introspect,
        crate::oidc::revoke::revoke,
        crate::oidc::end_session::get,
        crate::oidc::end_session::post,
        crate::oidc::end_session::confirm,
        crate::management::signing_keys::list,
        crate::management::signing_keys::rotate,
        crate::management::signing_keys::delete,
        crate::management::hooks::list,
        crate::management::hooks::create,
        crate::management::hooks::get,
        crate::management::hooks::update,
        crate::management::hooks::delete,
        crate::management::hooks::rotate_signing_key,
        crate::management::hooks::test_delivery::test,
        crate::management::hooks::recent_logs::recent_logs,
        crate::management::connectors::list,
        crate::management::connectors::create,
        crate::management::connectors::get,
        crate::management::connectors::update,
        crate::management::connectors::delete,
        crate::management::connectors::test,
        crate::management::connectors::factories,
        crate::signin::experience::start,
        crate::signin::experience::set_event,
        crate::signin::experience::show,
        crate::signin::experience::submit,
        crate::signin::experience::resume,
        crate::signin::experience::verification::password,
        crate::signin::experience::verification::new_password_identity,
        crate::signin::experience::verification::identification,
        crate::signin::experience::code::send,
        crate::signin::experience::code::verify,
        crate::signin::experience::mfa::totp_secret,
        crate::signin::experience::mfa::totp_verify,
        crate::signin::experience::mfa::backup_code_generate,
        crate::signin::experience::mfa::backup_code_verify,
        crate::signin::experience::mfa::bind,
        crate::signin::experience::mfa::skip,
        crate::signin::experience::mfa::skip_suggestion,
        crate::signin::experience::profile::add,
        crate::signin::experience::profile::reset_password,
        crate::signin::form::show_sign_in,
        crate::signin::form::sign_in,
        crate::signin::code_routes::show_code_sign_in,
        crate::signin::code_routes::send_sign_in_code,
        crate::signin::code_routes::show_sign_in_code,
        crate::signin::code_routes::verify_sign_in_code,
        crate::signin::code_routes::show_forgot_password,
        crate::signin::code_routes::send_forgot_password_code,
        crate::signin::code_routes::show_forgot_password_code,
        crate::signin::code_routes::verify_forgot_password_code,
        crate::signin::forgot::show_new_password,
        crate::signin::forgot::set_new_password,
        crate::signin::register::show_register,
        crate::signin::register::register,
        crate::signin::code_routes::show_register_code,
        crate::signin::code_routes::send_register_code,
        crate::signin::code_routes::show_register_code_entry,
        crate::signin::code_routes::verify_register_code,
        crate::signin::profile_step::show_profile,
        crate::signin::profile_step::register_profile,
        crate::signin::mfa::show,
        crate::signin::mfa::verify,
        crate::signin::mfa::bind,
        crate::signin::mfa::backup_codes,
        crate::signin::mfa::skip,
        crate::signin::mfa::proceed,
        crate::signin::consent::show_consent,
        crate::signin::consent::consent,
        crate::signin::device::show_code,
        crate::signin::device::enter_code,
        crate::signin::device::show_confirm,
        crate::signin::device::confirm,
        swagger_json,
        docs_redirect,
        docs_page,
    ),
    components(schemas(ErrorBody, oidc_schemas::WellKnownName)),
    modifiers(&Security, &UniqueOperationIds),
    tags(
        (name = "Users", description = "Management API: users"),
        (name = "Applications", description = "Management API: applications, secrets, roles"),
        (name = "Resources", description = "Management API: API resources and their scopes"),
        (name = "Roles", description = "Management API: roles, scopes, assignments"),
        (name = "Configs", description = "Management API: OIDC signing keys and session"),
        (name = "Hooks", description = "Management API: webhooks and their delivery logs"),
        (name = "Connectors", description = "Management API: the Email and SMS connectors that deliver one-time codes"),
        (name = "Logs", description = "Management API: the audit log"),
        (name = "Subject tokens", description = "Management API: impersonation tokens for the token exchange"),
        (name = "Account", description = "Logto's Account API: the signed-in user's own account (user access token)"),
        (name = "Experience", description = "Logto's Experience API (anonymous, interaction cookie)"),
        (name = "OIDC", description = "OpenID Connect provider (Logto's paths)"),
        (name = "Sign-in pages", description = "Hosted HTML sign-in (password or one-time code), forgot password, registration, consent and the device flow's pages"),
        (name = "Sign-in experience", description = "Management API: the sign-in experience settings"),
        (name = "Custom profile fields", description = "Management API: what registration asks a new user on its last step"),
        (name = "Custom phrases", description = "Management API: the operator's wording of the hosted pages, per language"),
        (name = "Well-known", description = "Public settings a sign-in UI reads"),
        (name = "Operations", description = "Health, projections, metrics and this document"),
    )
)]
pub struct ApiDoc;

/// The whole document.
pub fn document() -> Document {
    ApiDoc::openapi()
}

/// Adds the Bearer scheme, and the scheme plus its 401/403 answers to every operation on
/// a path the authentication middleware guards.
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut Document) {
        let components = doc.components.get_or_insert_with(Default::default);
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.bearer_format = Some("JWT".to_owned());
        bearer.description = Some(
            "Access token for `https://default.logto.app/api` with scope `all` \
             (client credentials at `/oidc/token`)."
                .to_owned(),
        );
        components
            .security_schemes
            .insert(BEARER.to_owned(), SecurityScheme::Http(bearer));
        let mut account = Http::new(HttpAuthScheme::Bearer);
        account.description = Some(
            "The end user's own access token (Account API): a JWT for the Logto Account \
             API resource or an opaque token, with the scopes each route names."
                .to_owned(),
        );
        components
            .security_schemes
            .insert(ACCOUNT.to_owned(), SecurityScheme::Http(account));
        let error = |text: &str| {
            ResponseBuilder::new()
                .description(text)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for item in doc.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.options,
                &mut item.head,
                &mut item.patch,
                &mut item.trace,
            ];
            for operation in operations.into_iter().flatten() {
                if documented_access(operation) != Access::Management {
                    continue;
                }
                operation.security =
                    Some(vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]);
                let responses = &mut operation.responses.responses;
                responses.entry("401".to_owned()).or_insert_with(|| {
                    error("`auth.unauthorized`: missing or invalid token").into()
                });
                responses
                    .entry("403".to_owned())
                    .or_insert_with(|| error("`auth.forbidden`: the token lacks `all`").into());
            }
        }
    }
}

/// The access class an operation is documented with, from its tag: the Account API's
/// routes are mounted as [`Access::EndUser`], the Experience API's as
/// [`Access::Experience`], the hosted pages as [`Access::HostedPage`], the protocol and
/// operations routes as [`Access::Public`], and every other tag is a Management API
/// surface.
pub fn documented_access(operation: &utoipa::openapi::path::Operation) -> Access {
    let tag = operation
        .tags
        .as_ref()
        .and_then(|tags| tags.first())
        .map_or("", String::as_str);
    match tag {
        "Account" => Access::EndUser,
        "Experience" => Access::Experience,
        "Sign-in pages" => Access::HostedPage,
        "OIDC" | "Operations" | "Well-known" => Access::Public,
        _ => Access::Management,
    }
}

/// One handler may serve two methods (`GET|POST /oidc/me`, `/oidc/session/end`, `/oidc/auth`)
/// and is then documented once with `method(get, post)`; OpenAPI wants operation ids
/// unique, so a repeated id gets its method as a prefix (`PostUserinfo`).
struct UniqueOperationIds;

impl Modify for UniqueOperationIds {
    fn modify(&self, doc: &mut Document) {
        let mut seen = std::collections::HashMap::<String, usize>::new();
        for item in doc.paths.paths.values() {
            for op in operations(item) {
                if let Some(id) = &op.operation_id {
                    *seen.entry(id.clone()).or_default() += 1;
                }
            }
        }
        for item in doc.paths.paths.values_mut() {
            let methods = [
                ("Get", &mut item.get),
                ("Put", &mut item.put),
                ("Post", &mut item.post),
                ("Delete", &mut item.delete),
                ("Options", &mut item.options),
                ("Head", &mut item.head),
                ("Patch", &mut item.patch),
                ("Trace", &mut item.trace),
            ];
            for (method, op) in methods {
                let Some(op) = op else { continue };
                let Some(id) = &op.operation_id else { continue };
                if seen.get(id).copied().unwrap_or(0) > 1 {
                    op.operation_id = Some(format!("{method}{id}"));
                }
            }
        }
    }
}

fn operations(
    item: &utoipa::openapi::PathItem,
) -> impl Iterator<Item = &utoipa::openapi::path::Operation> {
    [
        &item.get,
        &item.put,
        &item.post,
        &item.delete,
        &item.options,
        &item.head,
        &item.patch,
        &item.trace,
    ]
    .into_iter()
    .flatten()
}

/// The document serialised once per process.
static DOCUMENT_JSON: LazyLock<Result<String, String>> =
    LazyLock::new(|| document().to_json().map_err(|e| e.to_string()));

pub fn configure(routes: &mut crate::guard::access::Routes) {
    let na = || web::to(crate::support::error::method_not_allowed);
    routes
        .resource(
            // Literal paths: tests/blackbox/openapi.rs reads the registrations from the source.
            web::resource("/api/swagger.json")
                .route(web::get().to(swagger_json))
                .default_service(na()),
        )
        .resource(
            web::resource("/api/docs")
                .route(web::get().to(docs_redirect))
                .default_service(na()),
        );
    routes.public_service(
        utoipa_swagger_ui::SwaggerUi::new("/api/docs/{_:.*}")
            .config(utoipa_swagger_ui::Config::new([DOCUMENT_PATH])),
    );
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/swagger.json",
    tag = "Operations",
    operation_id = "GetSwaggerJson",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object))
)]
async fn swagger_json() -> Result<HttpResponse, ApiError> {
    match DOCUMENT_JSON.as_ref() {
        Ok(json) => Ok(HttpResponse::Ok()
            .content_type("application/json")
            .body(json.clone())),
        Err(e) => Err(ApiError::internal(e)),
    }
}

/// Swagger UI lives at `/api/docs/`: its relative asset links need the trailing slash.
#[utoipa::path(
    get,
    path = "/api/docs",
    tag = "Operations",
    operation_id = "GetDocsRedirect",
    responses((status = 308, description = "Redirect to `/api/docs/`"))
)]
async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((LOCATION, "/api/docs/"))
        .finish()
}

/// The interactive documentation (Swagger UI) and its assets; served by
/// `utoipa_swagger_ui::SwaggerUi` (registered in [`configure`]), documented here.
#[utoipa::path(
    get,
    path = "/api/docs/{path}",
    tag = "Operations",
    operation_id = "GetDocs",
    params(("path" = String, Path, description = "`` (the page), `index.html` or an asset")),
    responses(
        (status = 200, description = "Swagger UI page or asset", content_type = "text/html", body = String),
        (status = 404, description = "No such asset")
    )
)]
#[allow(dead_code)]
fn docs_page() {}
