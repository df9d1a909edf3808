//! The `device_user_codes` read model: which device authorization request (RFC 8628) a
//! user code names while it waits for the user (`/device`). Keyed by the code's digest
//! (the event holds only that), removed once the user decides; rows past their expiry are
//! ignored by [`waiting`] and swept when a later request is recorded (by the event's time,
//! so a replay builds the same table).

use crate::error::ProjectionError;
use crate::projector::{Projector, TableSpec};
use crate::read_model::{decode, occurred_at};
use async_trait::async_trait;
use domain::oauth::device_authorization::{DeviceAuthorization, DeviceAuthorizationEvent};
use domain::Aggregate;
use sqlx::{Any, AnyPool, Row, Transaction};
use store::RecordedEvent;

pub const NAME: &str = "device_codes";

const TABLES: &[TableSpec] = &[TableSpec {
    name: "device_user_codes",
    order_by: "user_code",
}];

/// The device authorization waiting under the user code whose digest is `user_code`, if
/// it has not expired at `now_ms`.
pub async fn waiting(
    pool: &AnyPool,
    user_code: &str,
    now_ms: i64,
) -> Result<Option<String>, ProjectionError> {
    let row = sqlx::query(
        "SELECT device_id FROM device_user_codes WHERE user_code = $1 AND expires_at > $2",
    )
    .bind(user_code)
    .bind(now_ms)
    .fetch_optional(pool)
    .await?;
    Ok(match row {
        Some(r) => Some(r.try_get(0)?),
        None => None,
    })
}

#[derive(Debug, Default, Clone, Copy)]
pub struct DeviceCodesProjector;

async fn apply(
    tx: &mut Transaction<'_, Any>,
    recorded: &RecordedEvent,
) -> Result<(), ProjectionError> {
    let id = recorded.stream.stream_id.as_str();
    match decode::<DeviceAuthorizationEvent>(recorded)? {
        DeviceAuthorizationEvent::DeviceAuthorizationRequested(e) => {
            sqlx::query("DELETE FROM device_user_codes WHERE expires_at <= $1")
                .bind(occurred_at(recorded))
                .execute(&mut **tx)
                .await?;
            // A code still waiting is never handed out again (the service checks); one
            // that expired is replaced.
            sqlx::query(
                "INSERT INTO device_user_codes (user_code, device_id, expires_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (user_code) DO UPDATE \
                 SET device_id = $2, expires_at = $3",
            )
            .bind(e.user_code.as_str().to_owned())
            .bind(id)
            .bind(e.expires_at.as_millis())
            .execute(&mut **tx)
            .await?;
        }
        DeviceAuthorizationEvent::DeviceAuthorizationApproved(_)
        | DeviceAuthorizationEvent::DeviceAuthorizationDenied(_)
        | DeviceAuthorizationEvent::DeviceAuthorizationRedeemed(_) => {
            sqlx::query("DELETE FROM device_user_codes WHERE device_id = $1")
                .bind(id)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

#[async_trait]
impl Projector for DeviceCodesProjector {
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
        for recorded in events
            .iter()
            .filter(|e| e.stream.stream_type == DeviceAuthorization::STREAM_TYPE)
        {
            apply(tx, recorded).await?;
        }
        Ok(())
    }
}
