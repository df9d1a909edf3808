//! Helpers for building multi-row statements. sqlx-sqlite costs ~85 µs per statement, so
//! projectors write one statement per chunk of rows rather than one per row.

/// `($1,$2,$3),($4,$5,$6)…` for `rows` rows of `cols` columns, numbering from `$1`.
pub fn values_placeholders(rows: usize, cols: usize) -> String {
    let mut out = String::with_capacity(rows * cols * 5);
    let mut n = 1;
    for r in 0..rows {
        if r > 0 {
            out.push(',');
        }
        out.push('(');
        for c in 0..cols {
            if c > 0 {
                out.push(',');
            }
            out.push('$');
            out.push_str(&n.to_string());
            n += 1;
        }
        out.push(')');
    }
    out
}

/// `$start,$start+1,…` (`count` placeholders), for `IN (…)` lists.
pub fn list_placeholders(start: usize, count: usize) -> String {
    (start..start + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Rows per multi-row statement such that the bind count stays well under SQLite's
/// 32,766 and Postgres's 65,535 parameter limits.
pub fn rows_per_statement(cols: usize) -> usize {
    (8_000 / cols.max(1)).max(1)
}

/// Milliseconds since the epoch on this machine's clock (for `updated_at` bookkeeping only;
/// read-model contents take their times from event metadata so replays are exact).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_rows_and_columns_in_order() {
        assert_eq!(values_placeholders(2, 3), "($1,$2,$3),($4,$5,$6)");
        assert_eq!(list_placeholders(3, 3), "$3,$4,$5");
    }
}
