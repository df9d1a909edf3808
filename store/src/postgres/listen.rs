//! LISTEN for commits from any node (`tessera_events`, payload: the new head) and for key
//! erasures (`tessera_keys`, payload: the subject), reconnecting on error. A lost
//! notification only costs latency: followers poll too.

use crate::codec::Codec;
use crate::envelope::Position;
use crate::group::publish;
use sqlx::postgres::PgListener;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub(super) fn spawn(
    pool: PgPool,
    head: Arc<watch::Sender<Position>>,
    codec: Arc<Codec>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = listen(&pool, &head, &codec).await {
                tracing::warn!(error = %e, "event log listener lost its connection; reconnecting");
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    })
}

async fn listen(
    pool: &PgPool,
    head: &watch::Sender<Position>,
    codec: &Codec,
) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener
        .listen_all(["tessera_events", "tessera_keys"])
        .await?;
    // Commits made while we were not listening: catch the head up once.
    if let Ok(h) = super::read::head(pool).await {
        publish(head, h);
    }
    loop {
        let n = listener.recv().await?;
        match n.channel() {
            "tessera_events" => {
                if let Ok(p) = n.payload().parse::<u64>() {
                    publish(head, Position(p));
                }
            }
            "tessera_keys" => codec.vault.forget(n.payload()),
            _ => {}
        }
    }
}
