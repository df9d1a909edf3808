//! The `projection_checkpoints` table: one row per projector.

use domain::Timestamp;
use sqlx::{Any, AnyPool, Row, Transaction};
use store::Position;

fn to_db(position: Position) -> i64 {
    i64::try_from(position.0).unwrap_or(i64::MAX)
}

fn from_db(value: i64) -> Position {
    Position(u64::try_from(value).unwrap_or(0))
}

// `now` below only dates the row (`updated_at` bookkeeping); read-model contents take
// their times from event metadata so replays are exact.

/// Creates the checkpoint row at position 0 if the projector has none yet.
pub async fn ensure(pool: &AnyPool, name: &str, now: Timestamp) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO projection_checkpoints (name, position, updated_at) VALUES ($1, 0, $2) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(now.as_millis())
    .execute(pool)
    .await?;
    Ok(())
}

/// The committed checkpoint (0 when the row is missing).
pub async fn load(pool: &AnyPool, name: &str) -> Result<Position, sqlx::Error> {
    let row = sqlx::query("SELECT position FROM projection_checkpoints WHERE name = $1")
        .bind(name)
        .fetch_optional(pool)
        .await?;
    Ok(match row {
        Some(row) => from_db(row.try_get::<i64, _>(0)?),
        None => Position(0),
    })
}

/// Moves the checkpoint from `from` to `to` inside `tx`, only if it is still at `from`.
///
/// Returns false when another runner (another node, or a `replay` from the CLI) moved it
/// meanwhile: the caller must roll back and reload. Runners do this as the *first*
/// statement of a batch transaction, so on Postgres the row lock serialises competing
/// runners and on SQLite the transaction takes the write lock before it reads anything.
pub async fn advance(
    tx: &mut Transaction<'_, Any>,
    name: &str,
    from: Position,
    to: Position,
    now: Timestamp,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE projection_checkpoints SET position = $1, updated_at = $2 \
         WHERE name = $3 AND position = $4",
    )
    .bind(to_db(to))
    .bind(now.as_millis())
    .bind(name)
    .bind(to_db(from))
    .execute(&mut **tx)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets the checkpoint unconditionally (used by reset, inside the reset transaction).
pub async fn set(
    tx: &mut Transaction<'_, Any>,
    name: &str,
    to: Position,
    now: Timestamp,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO projection_checkpoints (name, position, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at",
    )
    .bind(name)
    .bind(to_db(to))
    .bind(now.as_millis())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
