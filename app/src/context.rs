//! What the application services run in: the store, the projection runner, the clock and
//! randomness, the directory cache, and the settings the services read. The HTTP crate's
//! `AppContext` holds one (and dereferences to it); the CLI builds its own.

use crate::directory::Directory;
use crate::error::AppError;
use crate::hashing::Hasher;
use crate::system::{Clock, RandomSource};
use projections::ProjectionRunner;
use std::sync::Arc;
use std::time::Duration;
use store::{Position, Store};

#[derive(Clone)]
pub struct AppContext {
    pub store: Store,
    pub projections: ProjectionRunner,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn RandomSource>,
    /// Applications, roles and resources cached for the token endpoint and Management
    /// access; [`crate::transact`] evicts what an append touched.
    pub directory: Arc<Directory>,
    /// Sign-in and registration settings (registration on or off, lockout, passwords).
    pub sign_in: SignInSettings,
    /// Webhook HTTP side: the address policy for hook URLs and the test delivery.
    pub webhooks: webhooks::sender::Sender,
}

/// Sign-in and registration settings.
#[derive(Debug, Clone)]
pub struct SignInSettings {
    pub registration: bool,
    pub lifetimes: domain::oauth::lifetimes::Lifetimes,
    pub sentinel: domain::sentinel::SentinelPolicy,
    /// One-time codes by email and SMS (length, lifetime, attempts).
    pub code_policy: domain::verification_code::CodePolicy,
    /// How often codes may go to one address (`domain::code_sends`).
    pub send_policy: domain::code_sends::SendPolicy,
    pub password_policy: domain::password::policy::PasswordPolicy,
    pub hasher: Arc<Hasher>,
    pub pwned_api: Option<String>,
}

impl Default for SignInSettings {
    fn default() -> Self {
        Self {
            registration: true,
            lifetimes: Default::default(),
            sentinel: Default::default(),
            code_policy: Default::default(),
            send_policy: Default::default(),
            password_policy: Default::default(),
            hasher: Default::default(),
            pwned_api: None,
        }
    }
}

impl AppContext {
    /// Waits until projector `name` has committed everything up to the log head as it is
    /// now, for at most `bound`. Returns whether it got there.
    pub async fn await_projection_head(
        &self,
        name: &str,
        bound: Duration,
    ) -> Result<bool, AppError> {
        let head = self.store.log.head().await?;
        self.await_projection(name, head, bound).await
    }

    /// Waits until projector `name`'s committed checkpoint is at least `target`: on the
    /// runner's in-memory checkpoint signal, then (in case another node's runner did the
    /// work) once more on the checkpoint row itself.
    pub async fn await_projection(
        &self,
        name: &str,
        target: Position,
        bound: Duration,
    ) -> Result<bool, AppError> {
        if self.projections.wait_for(name, target, bound).await? {
            return Ok(true);
        }
        let checkpoint = projections::checkpoint::load(&self.store.read_pool, name).await?;
        if checkpoint >= target {
            return Ok(true);
        }
        tracing::warn!(
            projector = name,
            checkpoint = checkpoint.0,
            target = target.0,
            "read answered before the projector caught up"
        );
        Ok(false)
    }
}
