//! Whole-table dumps in key order, for replay-equivalence checks.

use crate::error::ProjectionError;
use crate::projector::Projector;
use sqlx::{AnyPool, Column, Row};

/// One table's rows: every column rendered as text (`None` for NULL), in key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDump {
    pub table: &'static str,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
}

/// Dumps every table `projector` owns.
pub async fn dump(
    pool: &AnyPool,
    projector: &dyn Projector,
) -> Result<Vec<TableDump>, ProjectionError> {
    let mut out = Vec::new();
    for spec in projector.tables() {
        let sql = format!("SELECT * FROM {} ORDER BY {}", spec.name, spec.order_by);
        let rows = sqlx::query(&sql).fetch_all(pool).await?;
        let columns = rows
            .first()
            .map(|r| r.columns().iter().map(|c| c.name().to_owned()).collect())
            .unwrap_or_default();
        let mut dumped = Vec::with_capacity(rows.len());
        for row in &rows {
            let mut values = Vec::with_capacity(row.len());
            for i in 0..row.len() {
                // The Any driver decodes by kind: integers, then text, then floats.
                let value = if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
                    v.map(|v| v.to_string())
                } else if let Ok(v) = row.try_get::<Option<String>, _>(i) {
                    v
                } else {
                    row.try_get::<Option<f64>, _>(i)?.map(|v| v.to_string())
                };
                values.push(value);
            }
            dumped.push(values);
        }
        out.push(TableDump {
            table: spec.name,
            columns,
            rows: dumped,
        });
    }
    Ok(out)
}
