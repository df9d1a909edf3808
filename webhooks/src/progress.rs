//! How far webhook delivery has come, for `/metrics`. Read from the database rather than
//! from this process's tasks: only one node holds the relay's lease, and every node should
//! report the same figures whichever it is.

use sqlx::{AnyPool, Row};

/// One log follower of webhook delivery and its committed checkpoint: the RabbitMQ relay
/// (`relay:<exchange>`) or the embedded dispatcher (`embedded:<name>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowerCheckpoint {
    pub follower: String,
    pub position: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WebhookProgress {
    pub followers: Vec<FollowerCheckpoint>,
    /// Jobs in the embedded transport's due-queue (`webhook_jobs`), due or waiting for a
    /// retry; with RabbitMQ the jobs are in the broker's queues instead.
    pub embedded_jobs_queued: u64,
    /// Of those, the ones due at `now_ms` (a growing figure means delivery falls behind).
    pub embedded_jobs_due: u64,
}

pub async fn read(pool: &AnyPool, now_ms: i64) -> Result<WebhookProgress, sqlx::Error> {
    let mut followers = Vec::new();
    for (prefix, sql) in [
        (
            "relay",
            "SELECT exchange, position FROM webhook_relay_checkpoints ORDER BY exchange",
        ),
        (
            "embedded",
            "SELECT name, position FROM webhook_dispatch_checkpoint ORDER BY name",
        ),
    ] {
        for row in sqlx::query(sql).fetch_all(pool).await? {
            let name: String = row.try_get(0)?;
            let position: i64 = row.try_get(1)?;
            followers.push(FollowerCheckpoint {
                follower: format!("{prefix}:{name}"),
                position: u64::try_from(position).unwrap_or(0),
            });
        }
    }
    let row = sqlx::query(
        "SELECT count(*), coalesce(sum(CASE WHEN next_attempt_at <= $1 THEN 1 ELSE 0 END), 0) \
         FROM webhook_jobs",
    )
    .bind(now_ms)
    .fetch_one(pool)
    .await?;
    let count = |i: usize| -> Result<u64, sqlx::Error> {
        Ok(u64::try_from(row.try_get::<i64, _>(i)?).unwrap_or(0))
    };
    Ok(WebhookProgress {
        followers,
        embedded_jobs_queued: count(0)?,
        embedded_jobs_due: count(1)?,
    })
}
