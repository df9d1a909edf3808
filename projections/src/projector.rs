use crate::error::ProjectionError;
use async_trait::async_trait;
use sqlx::{Any, Transaction};
use store::RecordedEvent;

/// A read-model table owned by one projector, with the key that orders a dump of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSpec {
    pub name: &'static str,
    /// Comma-separated key columns: `ORDER BY` for replay-equivalence dumps.
    pub order_by: &'static str,
}

/// Builds one read model from the global log.
///
/// The runner hands a projector the events of one batch inside a transaction that also
/// moves the projector's checkpoint (invariant 3), so a projector never tracks positions
/// itself and needs no idempotency: a batch is applied exactly once or not at all.
/// Projectors work per batch (load affected rows once, apply in memory, write back with
/// multi-row statements) because per-statement cost dominates replay time.
#[async_trait]
pub trait Projector: Send + Sync + 'static {
    /// Stable name: the checkpoint row's key and the `--projection` argument.
    fn name(&self) -> &'static str;

    /// The tables this projector owns (emptied by [`Projector::reset`]).
    fn tables(&self) -> &'static [TableSpec];

    /// Applies `events` (contiguous, in position order; may include events this projector
    /// ignores). Must only write through `tx`.
    async fn apply_batch(
        &self,
        tx: &mut Transaction<'_, Any>,
        events: &[RecordedEvent],
    ) -> Result<(), ProjectionError>;

    /// Empties the read model for a rebuild. The default deletes every row of
    /// [`Projector::tables`]; `DELETE` rather than `TRUNCATE` because SQLite has no
    /// `TRUNCATE` and it stays transactional on both backends.
    async fn reset(&self, tx: &mut Transaction<'_, Any>) -> Result<(), ProjectionError> {
        for table in self.tables() {
            sqlx::query(&format!("DELETE FROM {}", table.name))
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }
}
