//! The `users` projector: Logto's user object per live user; deleted users are removed.

use super::row::{MfaEntry, UserRow, COLUMNS};
use super::search;
use crate::error::ProjectionError;
use crate::projector::{Projector, TableSpec};
use crate::sql::Dialect;
use async_trait::async_trait;
use domain::user::{
    User, UserCreated, UserCustomDataUpdated, UserDeleted, UserDetailsFields, UserDetailsUpdated,
    UserEvent, UserPasswordSet, UserSuspended, UserUnsuspended,
};
use domain::Aggregate;
use serde_json::{Map, Value};
use sqlx::{Any, Transaction};
use std::collections::{HashMap, HashSet};
use store::RecordedEvent;

pub const NAME: &str = "users";

const TABLES: &[TableSpec] = &[
    TableSpec {
        name: "users",
        order_by: "id",
    },
    TableSpec {
        name: "users_total",
        order_by: "id",
    },
];

#[derive(Debug, Default, Clone, Copy)]
pub struct UsersProjector;

fn json_text(map: Option<&Map<String, Value>>) -> Result<String, ProjectionError> {
    match map {
        Some(map) => serde_json::to_string(map)
            .map_err(|e| ProjectionError::Corrupt(format!("unserialisable JSON object: {e}"))),
        None => Ok("{}".to_owned()),
    }
}

fn set_details(row: &mut UserRow, details: UserDetailsFields) -> Result<(), ProjectionError> {
    row.profile = json_text(details.profile.as_ref())?;
    row.username = details.username;
    row.primary_email = details.primary_email;
    row.primary_phone = details.primary_phone;
    row.name = details.name;
    row.avatar = details.avatar;
    Ok(())
}

/// Applies one event to the user's row in memory. Mirrors `User::apply`: an event for a
/// user that is not live changes nothing.
fn apply(
    slot: &mut Option<UserRow>,
    id: &str,
    event: UserEvent,
    at: i64,
    version: i64,
) -> Result<(), ProjectionError> {
    if let UserEvent::UserCreated(created) = event {
        let mut row = UserRow {
            id: id.to_owned(),
            username: None,
            primary_email: None,
            primary_phone: None,
            name: None,
            avatar: None,
            custom_data: json_text(created.custom_data.as_ref())?,
            identities: "{}".to_owned(),
            profile: "{}".to_owned(),
            application_id: created.application_id,
            is_suspended: false,
            has_password: created.password.is_some(),
            last_sign_in_at: None,
            created_at: at,
            updated_at: at,
            version,
            mfa_verifications: "[]".to_owned(),
        };
        set_details(&mut row, created.details)?;
        *slot = Some(row);
        return Ok(());
    }
    if matches!(event, UserEvent::UserDeleted(_)) {
        *slot = None;
        return Ok(());
    }
    let Some(row) = slot.as_mut() else {
        return Ok(());
    };
    match event {
        UserEvent::UserDetailsUpdated(updated) => set_details(row, updated.details)?,
        UserEvent::UserCustomDataUpdated(updated) => {
            row.custom_data = json_text(updated.custom_data.as_ref())?
        }
        UserEvent::UserPasswordSet(set) => row.has_password = set.password.is_some(),
        // The same password under a new digest: nothing Logto's user object shows changes.
        UserEvent::UserPasswordRehashed(_) => {
            row.version = version;
            return Ok(());
        }
        UserEvent::UserSuspended(_) => row.is_suspended = true,
        UserEvent::UserUnsuspended(_) => row.is_suspended = false,
        // Role assignments live in the `user_roles` read model; the row only follows the
        // stream version (Logto's `updatedAt` does not move when roles change).
        UserEvent::UserRolesAssigned(_) | UserEvent::UserRoleRemoved(_) => {
            row.version = version;
            return Ok(());
        }
        UserEvent::MfaTotpBound(e) => {
            let mut mfa = row.mfa()?;
            mfa.push(MfaEntry {
                id: e.verification_id,
                factor: e.factor.as_str().to_owned(),
                created_at: at,
                last_used_at: None,
                codes_used_at: None,
            });
            set_mfa(row, &mfa)?;
        }
        UserEvent::MfaBackupCodesGenerated(e) => {
            let mut mfa = row.mfa()?;
            mfa.push(MfaEntry {
                id: e.verification_id,
                factor: e.factor.as_str().to_owned(),
                created_at: at,
                last_used_at: None,
                codes_used_at: Some(vec![None; e.code_digests.len()]),
            });
            set_mfa(row, &mfa)?;
        }
        UserEvent::MfaTotpUsed(e) => {
            let mut mfa = row.mfa()?;
            for entry in mfa.iter_mut().filter(|m| m.id == e.verification_id) {
                entry.last_used_at = Some(at);
            }
            set_mfa(row, &mfa)?;
        }
        UserEvent::MfaBackupCodeUsed(e) => {
            let mut mfa = row.mfa()?;
            for entry in mfa.iter_mut().filter(|m| m.id == e.verification_id) {
                entry.last_used_at = Some(at);
                if let Some(used) = entry
                    .codes_used_at
                    .as_mut()
                    .and_then(|c| c.get_mut(e.index))
                {
                    *used = Some(at);
                }
            }
            set_mfa(row, &mfa)?;
        }
        UserEvent::MfaVerificationRemoved(e) => {
            let mut mfa = row.mfa()?;
            mfa.retain(|m| m.id != e.verification_id);
            set_mfa(row, &mfa)?;
        }
        // Nothing the user object shows: a pending secret, a failed verification, the
        // user's MFA choices (read from the stream by `…/logto-configs`).
        UserEvent::MfaTotpSecretGenerated(_)
        | UserEvent::MfaVerificationFailed(_)
        | UserEvent::UserLogtoConfigUpdated(_) => {
            row.version = version;
            return Ok(());
        }
        UserEvent::UserCreated(_) | UserEvent::UserDeleted(_) => {}
    }
    row.updated_at = at;
    row.version = version;
    Ok(())
}

fn set_mfa(row: &mut UserRow, mfa: &[MfaEntry]) -> Result<(), ProjectionError> {
    row.mfa_verifications = serde_json::to_string(mfa)
        .map_err(|e| ProjectionError::Corrupt(format!("unserialisable MFA entries: {e}")))?;
    Ok(())
}

/// Rows (or ids) per JSON parameter: bounds statement size, not bind counts.
const ROWS_PER_STATEMENT: usize = 5_000;

fn json_array<T: serde::Serialize>(items: &[T]) -> Result<String, ProjectionError> {
    serde_json::to_string(items)
        .map_err(|e| ProjectionError::Corrupt(format!("cannot serialise a batch: {e}")))
}

/// Decodes straight from the borrowed payload. `RecordedEvent::decode` clones the payload
/// into a tagged wrapper first; on replay that clone was a measurable share of the time.
fn decode(recorded: &RecordedEvent) -> Result<UserEvent, ProjectionError> {
    use serde::Deserialize;
    let p: &serde_json::Value = &recorded.payload;
    let event = match recorded.event_type.as_str() {
        "UserCreated" => UserCreated::deserialize(p).map(UserEvent::UserCreated),
        "UserDetailsUpdated" => {
            UserDetailsUpdated::deserialize(p).map(UserEvent::UserDetailsUpdated)
        }
        "UserCustomDataUpdated" => {
            UserCustomDataUpdated::deserialize(p).map(UserEvent::UserCustomDataUpdated)
        }
        "UserPasswordSet" => UserPasswordSet::deserialize(p).map(UserEvent::UserPasswordSet),
        "UserSuspended" => Ok(UserEvent::UserSuspended(UserSuspended {})),
        "UserUnsuspended" => Ok(UserEvent::UserUnsuspended(UserUnsuspended {})),
        "UserDeleted" => Ok(UserEvent::UserDeleted(UserDeleted {})),
        // Anything else (a type added later) goes through the domain's own decoder.
        _ => recorded.decode::<UserEvent>(),
    };
    event.map_err(|e| ProjectionError::Decode {
        position: recorded.position,
        event_type: recorded.event_type.clone(),
        reason: e.to_string(),
    })
}

async fn load(
    tx: &mut Transaction<'_, Any>,
    ids: &[&str],
) -> Result<HashMap<String, UserRow>, ProjectionError> {
    let mut rows = HashMap::with_capacity(ids.len());
    let dialect = Dialect::of(tx);
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT {COLUMNS} FROM users WHERE {}",
            dialect.in_json_strings("id")
        );
        // Unprepared: see `Dialect::in_json_strings`.
        let found = sqlx::query(&sql)
            .persistent(false)
            .bind(json_array(chunk)?)
            .fetch_all(&mut **tx)
            .await?;
        for row in found {
            let row = UserRow::from_row(&row)?;
            rows.insert(row.id.clone(), row);
        }
    }
    Ok(rows)
}

/// `r.value ->> 0, …` in [`COLUMNS`] order, integers cast back from JSON.
fn json_columns() -> String {
    COLUMNS
        .split(", ")
        .enumerate()
        .map(|(i, col)| {
            if UserRow::INTEGER_COLUMNS.contains(&col) {
                format!("CAST(r.value ->> {i} AS BIGINT)")
            } else {
                format!("r.value ->> {i}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

async fn upsert(tx: &mut Transaction<'_, Any>, rows: &[&UserRow]) -> Result<(), ProjectionError> {
    let updates = COLUMNS
        .split(", ")
        .filter(|c| *c != "id")
        .map(|c| format!("{c} = excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    // `WHERE true`: SQLite needs it to parse `INSERT … SELECT … ON CONFLICT`.
    let sql = format!(
        "INSERT INTO users ({COLUMNS}) SELECT {} FROM {} WHERE true \
         ON CONFLICT (id) DO UPDATE SET {updates}",
        json_columns(),
        Dialect::of(tx).json_rows()
    );
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        sqlx::query(&sql)
            .bind(json_array(chunk)?)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn delete(tx: &mut Transaction<'_, Any>, ids: &[&str]) -> Result<(), ProjectionError> {
    let sql = format!(
        "DELETE FROM users WHERE {}",
        Dialect::of(tx).in_json_strings("id")
    );
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        // Unprepared: see `Dialect::in_json_strings`.
        sqlx::query(&sql)
            .persistent(false)
            .bind(json_array(chunk)?)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

#[async_trait]
impl Projector for UsersProjector {
    fn name(&self) -> &'static str {
        NAME
    }

    fn tables(&self) -> &'static [TableSpec] {
        TABLES
    }

    async fn apply_batch(
        &self,
        tx: &mut Transaction<'_, Any>,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        let user_events: Vec<&RecordedEvent> = events
            .iter()
            .filter(|e| e.stream.stream_type == User::STREAM_TYPE)
            .collect();
        if user_events.is_empty() {
            return Ok(());
        }
        let mut seen = HashSet::new();
        let ids: Vec<&str> = user_events
            .iter()
            .map(|e| e.stream.stream_id.as_str())
            .filter(|id| seen.insert(*id))
            .collect();

        // One read for the whole batch, then every event applies in memory.
        let mut existing = load(tx, &ids).await?;
        let had_row: HashSet<String> = existing.keys().cloned().collect();
        let mut state: HashMap<&str, Option<UserRow>> = HashMap::with_capacity(ids.len());
        for recorded in user_events {
            let id = recorded.stream.stream_id.as_str();
            let event = decode(recorded)?;
            let slot = state.entry(id).or_insert_with(|| existing.remove(id));
            let version = i64::try_from(recorded.stream_version).unwrap_or(i64::MAX);
            apply(
                slot,
                id,
                event,
                recorded.metadata.occurred_at.as_millis(),
                version,
            )?;
        }

        // One multi-row upsert for the survivors, one delete for users that went away.
        let mut live: Vec<&UserRow> = Vec::with_capacity(state.len());
        let mut gone: Vec<&str> = Vec::new();
        for id in &ids {
            match state.get(id) {
                Some(Some(row)) => live.push(row),
                Some(None) if had_row.contains(*id) => gone.push(id),
                _ => {}
            }
        }
        let created = live.iter().filter(|r| !had_row.contains(&r.id)).count();
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            search::unindex(tx, &json_array(chunk)?).await?;
        }
        upsert(tx, &live).await?;
        delete(tx, &gone).await?;
        for chunk in ids.chunks(ROWS_PER_STATEMENT) {
            search::index(tx, &json_array(chunk)?).await?;
        }
        let delta = i64::try_from(created).unwrap_or(i64::MAX)
            - i64::try_from(gone.len()).unwrap_or(i64::MAX);
        search::add_to_total(tx, delta).await?;
        Ok(())
    }

    async fn reset(&self, tx: &mut Transaction<'_, Any>) -> Result<(), ProjectionError> {
        for table in TABLES {
            sqlx::query(&format!("DELETE FROM {}", table.name))
                .execute(&mut **tx)
                .await?;
        }
        search::reset(tx).await
    }
}
