//! Helpers for building multi-row statements. sqlx-sqlite costs ~85 µs per statement, so
//! projectors write one statement per chunk of rows rather than one per row.

use sqlx::AnyConnection;

/// How bind parameters are spelled. Postgres needs `$n`. SQLite accepts `$n` too, but
/// sqlx-sqlite resolves each named parameter with `sqlite3_bind_parameter_name`, a linear
/// scan, so a statement with thousands of `$n` costs O(n²) to bind (it was 70% of replay
/// time); anonymous `?` parameters bind in order at no cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    pub fn of(conn: &AnyConnection) -> Self {
        if conn.backend_name().eq_ignore_ascii_case("sqlite") {
            Self::Sqlite
        } else {
            Self::Postgres
        }
    }

    /// The `n`-th (1-based) parameter. With `?` the binds must follow textual order,
    /// which every statement built here does.
    pub fn param(self, n: usize) -> String {
        match self {
            Self::Sqlite => "?".to_owned(),
            Self::Postgres => format!("${n}"),
        }
    }

    /// `(p1,p2,p3),(p4,p5,p6)…` for `rows` rows of `cols` columns, numbering from 1.
    pub fn values(self, rows: usize, cols: usize) -> String {
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
                out.push_str(&self.param(n));
                n += 1;
            }
            out.push(')');
        }
        out
    }

    /// `count` parameters numbered from `start`, comma-separated, for `IN (…)` lists.
    pub fn list(self, start: usize, count: usize) -> String {
        (start..start + count)
            .map(|n| self.param(n))
            .collect::<Vec<_>>()
            .join(",")
    }
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
    use super::Dialect::*;

    #[test]
    fn placeholders_number_rows_and_columns_in_order() {
        assert_eq!(Postgres.values(2, 3), "($1,$2,$3),($4,$5,$6)");
        assert_eq!(Sqlite.values(2, 2), "(?,?),(?,?)");
        assert_eq!(Postgres.list(3, 3), "$3,$4,$5");
        assert_eq!(Sqlite.list(3, 2), "?,?");
    }
}
