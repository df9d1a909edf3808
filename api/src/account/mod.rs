//! Logto's Account API (`/api/my-account`, `/api/verifications`): an end user acting on
//! their own account with an access token from `/oidc/token`, within what the account
//! center settings allow. Mounted under the EndUser access class (`routes.rs`).

pub mod caller;
pub mod identifiers;
pub mod logto_config;
pub mod mfa;
pub mod my_account;
pub mod verifications;

use crate::guard::access::Routes;

pub fn configure(end_user: &mut Routes) {
    my_account::configure(end_user);
    identifiers::configure(end_user);
    mfa::configure(end_user);
    logto_config::configure(end_user);
    verifications::configure(end_user);
}
