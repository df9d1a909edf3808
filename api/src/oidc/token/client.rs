//! The one client authentication of a token request, and which clients a grant admits.

use super::request::TokenForm;
use crate::oidc::client_auth::{ClientAuthentication, Credentials};
use crate::oidc::error::{OAuthCode, OAuthError};
use crate::state::AppState;
use actix_web::HttpRequest;
use domain::application::ApplicationType;

/// Which clients may use a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clients {
    /// The user grants: every client but machine-to-machine ones. Public clients (SPA,
    /// Native) authenticate with `none` and prove possession through PKCE or the refresh
    /// token itself.
    Interactive,
    /// Device-flow applications (`customClientMetadata.isDeviceFlow`, RFC 8628), public
    /// ones with `none`.
    DeviceFlow,
    /// Machine-to-machine clients, with their secret.
    MachineToMachine,
    /// Any client with its secret (authenticated before an unsupported grant type is
    /// refused).
    Confidential,
}

impl Clients {
    /// `unauthorized_client` unless the authenticated `client` may use the grant.
    fn admit(self, client: &ClientAuthentication) -> Result<(), OAuthError> {
        let app = client.state()?;
        let machine = app.app_type == ApplicationType::MachineToMachine;
        let refusal = match self {
            Self::DeviceFlow if !app.allows_device_flow() => {
                "this client may not use the device authorization grant"
            }
            Self::Interactive if machine => "this client may not use this grant",
            Self::MachineToMachine if !machine => {
                "this client may not use the client_credentials grant"
            }
            _ => return Ok(()),
        };
        Err(OAuthError::new(OAuthCode::UnauthorizedClient, refusal))
    }
}

/// The client of a token request, authenticated (`client_auth.rs`) and admitted by
/// `clients`. Without a secret where `clients` needs one, `invalid_client` before the
/// directory is asked.
pub async fn authenticate(
    state: &AppState,
    req: &HttpRequest,
    form: &TokenForm,
    clients: Clients,
) -> Result<ClientAuthentication, OAuthError> {
    let credentials =
        Credentials::presented(req, form.get("client_id"), form.get("client_secret"))?;
    let public_allowed = matches!(clients, Clients::Interactive | Clients::DeviceFlow);
    if credentials.secret.is_none() && !public_allowed {
        return Err(OAuthError::invalid_client(credentials.basic));
    }
    let client = credentials.verify(state).await?;
    clients.admit(&client)?;
    Ok(client)
}
