//! What the authorization endpoint validated, carried (sealed) through the sign-in pages.

use domain::oauth::pkce::CodeChallenge;
use domain::Timestamp;
use serde::{Deserialize, Serialize};

/// A validated authorization request waiting for the user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Interaction {
    /// The `Session` stream this attempt lives on (failures included).
    pub session_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<CodeChallenge>,
    /// Third-party applications need the user's consent on a screen.
    pub needs_consent: bool,
    /// The user already signed in (the session cookie was good) and only consent is left.
    #[serde(default)]
    pub signed_in: Option<SessionCookie>,
    /// Echoed by every form of this interaction (CSRF).
    pub csrf: String,
    pub expires_at: Timestamp,
}

/// The `_session` cookie: which session stream this browser holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionCookie {
    pub session_id: String,
    pub user_id: String,
    pub auth_time: Timestamp,
}
