//! User claims per scope (docs/logto/oidc.md#claims), shared by the ID token and `/oidc/me`.
//!
//! Values come from the `User` aggregate (the decision must see the latest profile);
//! `created_at`/`updated_at` (epoch ms, as Logto) come from the users read model when it
//! has the user, and are omitted otherwise. `roles` (the names of the user's `User`
//! roles) comes from the `user_roles` read model.

use crate::state::AppState;
use domain::user::User;
use serde_json::{json, Map, Value};
use store::StoreError;

/// Profile keys (camelCase in the user's `profile`) and their claim names.
const PROFILE_CLAIMS: &[(&str, &str)] = &[
    ("givenName", "given_name"),
    ("familyName", "family_name"),
    ("middleName", "middle_name"),
    ("nickname", "nickname"),
    ("profile", "profile"),
    ("website", "website"),
    ("gender", "gender"),
    ("birthdate", "birthdate"),
    ("zoneinfo", "zoneinfo"),
    ("locale", "locale"),
];

/// Where the claims go: `custom_data` only reaches userinfo (Logto's default ID-token
/// configuration leaves it out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    IdToken,
    UserInfo,
}

/// Why claims could not be read (a server failure, never the client's fault).
#[derive(Debug, thiserror::Error)]
pub enum ClaimsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Projection(#[from] projections::ProjectionError),
}

/// `sub` plus the claims of `scopes`; `None` when the user no longer exists or is
/// suspended (their tokens stop working).
pub async fn of_user(
    state: &AppState,
    user_id: &str,
    scopes: &[String],
    target: Target,
) -> Result<Option<Map<String, Value>>, ClaimsError> {
    let loaded = state.store.repository().load::<User>(user_id).await?;
    let Some(user) = loaded.aggregate.state() else {
        return Ok(None);
    };
    if user.is_suspended {
        return Ok(None);
    }
    let has = |s: &str| scopes.iter().any(|g| g == s);
    let d = &user.details;
    let profile = d.profile.clone().unwrap_or_default();
    let mut c = Map::new();
    c.insert("sub".into(), json!(user_id));
    if has("profile") {
        c.insert("name".into(), json!(d.name));
        c.insert("picture".into(), json!(d.avatar));
        c.insert("username".into(), json!(d.username));
        let preferred = profile
            .get("preferredUsername")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| d.username.clone());
        if let Some(p) = preferred {
            c.insert("preferred_username".into(), json!(p));
        }
        for (key, claim) in PROFILE_CLAIMS {
            if let Some(v) = profile.get(*key).filter(|v| !v.is_null()) {
                c.insert((*claim).into(), v.clone());
            }
        }
        if let Ok(Some(row)) = projections::users::get(&state.store.read_pool, user_id).await {
            c.insert("created_at".into(), json!(row.created_at));
            c.insert("updated_at".into(), json!(row.updated_at));
        }
    }
    if has("email") {
        c.insert("email".into(), json!(d.primary_email));
        c.insert("email_verified".into(), json!(d.primary_email.is_some()));
    }
    if has("phone") {
        c.insert("phone_number".into(), json!(d.primary_phone));
        c.insert(
            "phone_number_verified".into(),
            json!(d.primary_phone.is_some()),
        );
    }
    if has("address") {
        if let Some(a) = profile.get("address").filter(|v| !v.is_null()) {
            c.insert("address".into(), a.clone());
        }
    }
    if has("roles") {
        // Logto's default ID-token configuration includes `roles`; userinfo always does.
        let names = projections::access::user_role_names(&state.store.read_pool, user_id).await?;
        c.insert("roles".into(), json!(names));
    }
    if has("custom_data") && target == Target::UserInfo {
        c.insert(
            "custom_data".into(),
            Value::Object(user.custom_data.clone()),
        );
    }
    Ok(Some(c))
}
