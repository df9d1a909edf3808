//! The OIDC session settings (Logto's `/api/configs/oidc/session`) as sign-ins read them:
//! the `OidcConfig` aggregate read with `load_cached`, so a change made on any node
//! applies to the next session everywhere without a restart.

use crate::AppContext;
use domain::oidc_config::{OidcConfig, SESSION_STREAM};

/// The current configuration (any node's latest change included).
pub async fn current(ctx: &AppContext) -> Result<OidcConfig, store::StoreError> {
    Ok(ctx
        .store
        .repository()
        .load_cached::<OidcConfig>(SESSION_STREAM)
        .await?
        .aggregate)
}
