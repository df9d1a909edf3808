//! The OpenID Connect / OAuth 2.0 provider under `/oidc` (Logto's paths, docs/logto/oidc.md#paths):
//! discovery, JWKS and the token endpoint, plus the signing-key routes of the Management
//! API (`/api/configs/oidc/private-keys`).

pub mod discovery;
pub mod error;
pub mod token;
// The interactive flow: authorization, code and refresh grants, userinfo, introspection,
// revocation, end session.
pub mod authorize;
pub mod claims;
pub mod client_auth;
pub mod device;
pub mod end_session;
pub mod introspect;
pub mod issued;
pub mod par;
pub mod resource_token;
pub mod revoke;
pub mod user_routes;
pub mod userinfo;

use actix_web::web;
use app::directory::Directory;
use app::keys::{KeyError, KeyRing};
use app::system::{Clock, RandomSource};
use domain::EventMetadata;
use std::sync::Arc;
use store::{EventLog, Store};

/// The provider's shared state.
pub struct Oidc {
    /// `<TESSERA_ENDPOINT>/oidc`, no trailing slash (docs/logto/oidc.md#paths).
    pub issuer: String,
    pub keys: KeyRing,
    pub directory: Arc<Directory>,
    /// Management API tokens already verified (saves a P-384 verification per request).
    pub verified_tokens: crate::guard::verified_tokens::VerifiedTokens,
    /// Device-flow polls: when each device last polled, for `slow_down` (in memory:
    /// `app::device_authorizations`).
    pub device_polls: app::device_authorizations::PollTracker,
    /// Failed user-code lookups on `/device`, per address and overall (`signin/device.rs`).
    pub device_guesses: crate::signin::device::Guesses,
}

impl Oidc {
    /// Loads the signing keys (creating the first on a fresh deployment) and starts the
    /// follower that keeps the caches and the key ring in step with the log. The
    /// follower ends when the store closes. `follow` is the log the follower reads: the
    /// projectors' shared tail in the server, so it costs no read of its own.
    pub async fn start(
        store: &Store,
        follow: Arc<dyn EventLog>,
        endpoint: &str,
        clock: &dyn Clock,
        random: &dyn RandomSource,
    ) -> Result<Arc<Self>, KeyError> {
        let metadata = EventMetadata::system(clock.now(), "startup");
        let keys = KeyRing::load(store, &metadata, &mut random.rng()).await?;
        let oidc = Arc::new(Self {
            issuer: format!("{}/oidc", endpoint.trim_end_matches('/')),
            keys,
            directory: Arc::new(Directory::new(store.clone())),
            verified_tokens: Default::default(),
            device_polls: Default::default(),
            device_guesses: Default::default(),
        });
        let weak = Arc::downgrade(&oidc);
        tokio::spawn(oidc.directory.clone().follow(follow, move || {
            let weak = weak.clone();
            async move {
                if let Some(oidc) = weak.upgrade() {
                    match oidc.keys.reload().await {
                        Ok(()) => tracing::info!("signing keys changed; key ring reloaded"),
                        Err(e) => tracing::error!(error = %e, "cannot reload signing keys"),
                    }
                }
            }
        }));
        Ok(oidc)
    }
}

pub fn configure(routes: &mut crate::guard::access::Routes) {
    discovery::configure(routes);
    routes.resource(
        web::resource("/oidc/request")
            .route(web::post().to(par::push))
            .default_service(web::to(crate::support::error::method_not_allowed)),
    );
    routes.resource(
        web::resource("/oidc/device/auth")
            .route(web::post().to(device::authorize))
            .default_service(web::to(crate::support::error::method_not_allowed)),
    );
    routes.resource(
        web::resource("/oidc/token")
            .route(web::post().to(token::token))
            .default_service(web::to(crate::support::error::method_not_allowed)),
    );
    user_routes::configure(routes);
}
