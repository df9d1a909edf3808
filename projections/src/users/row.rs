//! The `users` table row and Logto's user JSON (`UserView`).

use crate::error::ProjectionError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;

/// Column list in the order [`UserRow::from_row`] and the JSON serialisation use.
pub(crate) const COLUMNS: &str = "id, username, primary_email, primary_phone, name, avatar, \
     custom_data, identities, profile, application_id, is_suspended, has_password, \
     last_sign_in_at, created_at, updated_at, version, mfa_verifications";

/// One row of the `users` read model. JSON objects are kept as their text (serde_json's
/// map is ordered, so the text is canonical and replays compare byte for byte).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: String,
    pub username: Option<String>,
    pub primary_email: Option<String>,
    pub primary_phone: Option<String>,
    pub name: Option<String>,
    pub avatar: Option<String>,
    pub custom_data: String,
    pub identities: String,
    pub profile: String,
    pub application_id: Option<String>,
    pub is_suspended: bool,
    pub has_password: bool,
    pub last_sign_in_at: Option<i64>,
    /// Epoch ms, from the `occurred_at` of the creating event.
    pub created_at: i64,
    /// Epoch ms, from the `occurred_at` of the latest event applied.
    pub updated_at: i64,
    /// The user stream's version this row reflects (for read-your-writes checks).
    pub version: i64,
    /// The second factors bound, as a JSON array of [`MfaEntry`] (no secret, no code).
    pub mfa_verifications: String,
}

/// One bound factor as the read model keeps it: Logto's `mfaVerifications` entry without
/// its secret or codes. Times are epoch ms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MfaEntry {
    pub id: String,
    #[serde(rename = "type")]
    pub factor: String,
    pub created_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<i64>,
    /// Backup codes only: when each code of the set was used, in order (`None`: unused).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codes_used_at: Option<Vec<Option<i64>>>,
}

/// Serialises as a JSON array in [`COLUMNS`] order (booleans as 0/1): the element shape
/// the projector's JSON-parameter upsert reads with `->> N`.
impl Serialize for UserRow {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut t = s.serialize_tuple(17)?;
        t.serialize_element(&self.id)?;
        t.serialize_element(&self.username)?;
        t.serialize_element(&self.primary_email)?;
        t.serialize_element(&self.primary_phone)?;
        t.serialize_element(&self.name)?;
        t.serialize_element(&self.avatar)?;
        t.serialize_element(&self.custom_data)?;
        t.serialize_element(&self.identities)?;
        t.serialize_element(&self.profile)?;
        t.serialize_element(&self.application_id)?;
        t.serialize_element(&i64::from(self.is_suspended))?;
        t.serialize_element(&i64::from(self.has_password))?;
        t.serialize_element(&self.last_sign_in_at)?;
        t.serialize_element(&self.created_at)?;
        t.serialize_element(&self.updated_at)?;
        t.serialize_element(&self.version)?;
        t.serialize_element(&self.mfa_verifications)?;
        t.end()
    }
}

impl UserRow {
    /// Columns holding integers (everything else is text).
    pub(crate) const INTEGER_COLUMNS: &'static [&'static str] = &[
        "is_suspended",
        "has_password",
        "last_sign_in_at",
        "created_at",
        "updated_at",
        "version",
    ];

    pub(crate) fn from_row(row: &AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get(0)?,
            username: row.try_get(1)?,
            primary_email: row.try_get(2)?,
            primary_phone: row.try_get(3)?,
            name: row.try_get(4)?,
            avatar: row.try_get(5)?,
            custom_data: row.try_get(6)?,
            identities: row.try_get(7)?,
            profile: row.try_get(8)?,
            application_id: row.try_get(9)?,
            is_suspended: row.try_get::<i64, _>(10)? != 0,
            has_password: row.try_get::<i64, _>(11)? != 0,
            last_sign_in_at: row.try_get(12)?,
            created_at: row.try_get(13)?,
            updated_at: row.try_get(14)?,
            version: row.try_get(15)?,
            mfa_verifications: row.try_get(16)?,
        })
    }

    /// The user's bound factors, in binding order.
    pub fn mfa(&self) -> Result<Vec<MfaEntry>, ProjectionError> {
        serde_json::from_str(&self.mfa_verifications).map_err(|e| {
            ProjectionError::Corrupt(format!("users.mfa_verifications of {}: {e}", self.id))
        })
    }

    /// The user as Logto's Management API returns it.
    pub fn to_view(&self) -> Result<UserView, ProjectionError> {
        let json = |field: &str, text: &str| {
            serde_json::from_str::<Value>(text)
                .map_err(|e| ProjectionError::Corrupt(format!("users.{field} of {}: {e}", self.id)))
        };
        Ok(UserView {
            id: self.id.clone(),
            username: self.username.clone(),
            primary_email: self.primary_email.clone(),
            primary_phone: self.primary_phone.clone(),
            name: self.name.clone(),
            avatar: self.avatar.clone(),
            custom_data: json("custom_data", &self.custom_data)?,
            identities: json("identities", &self.identities)?,
            last_sign_in_at: self.last_sign_in_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            profile: json("profile", &self.profile)?,
            application_id: self.application_id.clone(),
            is_suspended: self.is_suspended,
            has_password: self.has_password,
        })
    }
}

/// Logto's user object (Management API): camelCase, epoch-ms times, nullable strings as
/// `null`. Serialise it directly as the response body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserView {
    pub id: String,
    pub username: Option<String>,
    pub primary_email: Option<String>,
    pub primary_phone: Option<String>,
    pub name: Option<String>,
    pub avatar: Option<String>,
    pub custom_data: Value,
    pub identities: Value,
    pub last_sign_in_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub profile: Value,
    pub application_id: Option<String>,
    pub is_suspended: bool,
    pub has_password: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_view_serialises_as_logtos_user_json() {
        let row = UserRow {
            id: "u1".into(),
            username: Some("alice".into()),
            primary_email: None,
            primary_phone: None,
            name: None,
            avatar: None,
            custom_data: r#"{"a":1}"#.into(),
            identities: "{}".into(),
            profile: r#"{"givenName":"Al"}"#.into(),
            application_id: None,
            is_suspended: false,
            has_password: true,
            last_sign_in_at: None,
            created_at: 1,
            updated_at: 2,
            version: 3,
            mfa_verifications: "[]".into(),
        };
        let value = serde_json::to_value(row.to_view().unwrap()).unwrap();
        assert_eq!(
            value,
            json!({
                "id": "u1", "username": "alice", "primaryEmail": null, "primaryPhone": null,
                "name": null, "avatar": null, "customData": {"a": 1}, "identities": {},
                "lastSignInAt": null, "createdAt": 1, "updatedAt": 2,
                "profile": {"givenName": "Al"}, "applicationId": null,
                "isSuspended": false, "hasPassword": true
            })
        );
    }
}
