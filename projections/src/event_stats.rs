//! `event_stats`: how many events of each type were recorded per UTC day — the seed of
//! sign-in analytics. It is a counter (`total = total + n`), not an idempotent upsert, so
//! an event applied twice shows up as a wrong count: tests use it to detect doubling.

use crate::error::ProjectionError;
use crate::projector::{Projector, TableSpec};
use crate::sql::{rows_per_statement, Dialect};
use async_trait::async_trait;
use sqlx::{Any, AnyPool, Row, Transaction};
use std::collections::BTreeMap;
use store::RecordedEvent;

pub const NAME: &str = "event_stats";

const TABLES: &[TableSpec] = &[TableSpec {
    name: "event_stats",
    order_by: "event_type, day",
}];

#[derive(Debug, Default, Clone, Copy)]
pub struct EventStatsProjector;

/// `YYYY-MM-DD` (UTC) of an epoch-millisecond timestamp.
pub fn utc_day(epoch_ms: i64) -> String {
    // Howard Hinnant's days-to-civil algorithm: exact for the proleptic Gregorian calendar.
    let z = epoch_ms.div_euclid(86_400_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[async_trait]
impl Projector for EventStatsProjector {
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
        let mut counts: BTreeMap<(&str, String), i64> = BTreeMap::new();
        for event in events {
            let key = (
                event.event_type.as_str(),
                utc_day(event.metadata.occurred_at.as_millis()),
            );
            *counts.entry(key).or_default() += 1;
        }
        let rows: Vec<_> = counts.into_iter().collect();
        let dialect = Dialect::of(tx);
        for chunk in rows.chunks(rows_per_statement(3)) {
            let sql = format!(
                "INSERT INTO event_stats (event_type, day, total) VALUES {} \
                 ON CONFLICT (event_type, day) DO UPDATE SET total = event_stats.total + excluded.total",
                dialect.values(chunk.len(), 3)
            );
            let mut query = sqlx::query(&sql);
            for ((event_type, day), n) in chunk {
                query = query.bind(*event_type).bind(day.as_str()).bind(*n);
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }
}

/// One row of the read model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventStat {
    pub event_type: String,
    pub day: String,
    pub total: i64,
}

/// All counts, ordered by event type and day.
pub async fn all(pool: &AnyPool) -> Result<Vec<EventStat>, ProjectionError> {
    let rows =
        sqlx::query("SELECT event_type, day, total FROM event_stats ORDER BY event_type, day")
            .fetch_all(pool)
            .await?;
    rows.iter()
        .map(|row| {
            Ok(EventStat {
                event_type: row.try_get(0)?,
                day: row.try_get(1)?,
                total: row.try_get(2)?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::utc_day;

    #[test]
    fn days_are_utc_calendar_dates() {
        assert_eq!(utc_day(0), "1970-01-01");
        assert_eq!(utc_day(86_399_999), "1970-01-01");
        assert_eq!(utc_day(86_400_000), "1970-01-02");
        assert_eq!(utc_day(-1), "1969-12-31");
        // 2024-02-29T12:00:00Z, a leap day.
        assert_eq!(utc_day(1_709_208_000_000), "2024-02-29");
        assert_eq!(utc_day(1_700_000_000_000), "2023-11-14");
    }
}
