//! Whether end users may create their own accounts: decided here and only here.
//!
//! Every self-service path that creates a user (the hosted `/register` form, the
//! Experience API's `Register` event and its identification) needs a [`Permit`] to build
//! the `CreateUser` origin [`crate::commands::users::Origin::SelfService`], and a permit
//! can only come from [`permit`], which reads `TESSERA_REGISTRATION` (the deployment's
//! switch) and the sign-in experience's `signInMode` (the operator's). A new path that
//! forgot to ask cannot compile; the Experience API also asks when the event is set (so
//! `Register` is refused at `PUT /api/experience` and at `PUT …/interaction-event`, as
//! Logto does) and again at identification (where the user is created).

use crate::context::AppContext;

/// Proof that registration was open when a self-service creation was decided. Only
/// [`permit`] makes one.
#[derive(Debug, Clone, Copy)]
pub struct Permit {
    _private: (),
}

/// Registration is closed (`TESSERA_REGISTRATION=false`, or `signInMode` is `SignIn`).
/// Logto answers a disabled
/// interaction event with 403 `auth.forbidden`.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("registration is disabled")]
pub struct Closed;

impl Closed {
    pub const CODE: &'static str = "auth.forbidden";
    pub const MESSAGE: &'static str = "Registration is disabled.";
}

/// A permit to create an account through a self-service path, if registration is open.
/// Settings that cannot be read close it (and are logged): a self-service account is
/// never created on a guess.
pub async fn permit(state: &AppContext) -> Result<Permit, Closed> {
    if !state.sign_in.registration {
        return Err(Closed);
    }
    let open = match crate::sign_in_experience::current(state).await {
        Ok(settings) => settings.sign_in_mode.allows_registration(),
        Err(e) => {
            tracing::error!(error = %e, "cannot read the sign-in experience; registration refused");
            false
        }
    };
    if open {
        Ok(Permit { _private: () })
    } else {
        Err(Closed)
    }
}
