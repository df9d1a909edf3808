//! Logto's Management API (`/api/...` with a Management token): users, applications,
//! resources, roles, hooks, connectors, sessions and grants, audit logs, settings and signing keys.
//! Every route here is mounted under the Management access class (`routes.rs`).

pub mod account_center;
pub mod applications;
pub mod connectors;
pub mod custom_phrases;
pub mod custom_profile_fields;
pub mod grants;
pub mod hooks;
pub mod just_created;
pub mod logs;
pub mod oidc_config;
pub mod resources;
pub mod roles;
pub mod sessions;
pub mod sign_in_experience;
pub mod signing_keys;
pub mod subject_tokens;
pub mod user_roles;
pub mod users;

use crate::guard::access::Routes;

pub fn configure(management: &mut Routes) {
    users::configure(management);
    applications::configure(management);
    resources::configure(management);
    roles::configure(management);
    hooks::configure(management);
    connectors::configure(management);
    user_roles::configure(management);
    sessions::configure(management);
    grants::configure(management);
    subject_tokens::configure(management);
    account_center::configure(management);
    logs::configure(management);
    oidc_config::configure(management);
    signing_keys::configure(management);
    sign_in_experience::configure(management);
    custom_profile_fields::configure(management);
    custom_phrases::configure(management);
}
