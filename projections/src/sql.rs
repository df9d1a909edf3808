//! Helpers for building batch statements. sqlx-sqlite costs ~85 µs per statement, so
//! projectors write one statement per chunk of rows rather than one per row.

use sqlx::AnyConnection;

/// The few places where the two backends' SQL differs.
///
/// Bind parameters: Postgres needs `$n`. SQLite accepts `$n` too, but sqlx-sqlite resolves
/// each named parameter with `sqlite3_bind_parameter_name`, a linear scan, so a statement
/// with thousands of `$n` costs O(n²) to bind (it was 70% of replay time); anonymous `?`
/// parameters bind in order at no cost.
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

    /// A row source over a JSON array bound as one text parameter (`$1`): one row per
    /// element, the element in column `value` of alias `r`. Element fields are read with
    /// `r.value ->> N`, which means the same on both backends (SQLite ≥ 3.38, Postgres).
    /// Shipping a batch as one JSON parameter replaces thousands of binds (each converted
    /// by sqlx's Any layer) with one string that the database parses in C.
    pub fn json_rows(self) -> &'static str {
        match self {
            Self::Sqlite => "json_each(?) AS r",
            // jsonb: `->>` on `json` re-parses the element text on every call.
            Self::Postgres => "jsonb_array_elements($1::jsonb) AS r(value)",
        }
    }

    /// `column` is one of the strings of a JSON array bound as `$1`. On Postgres an
    /// array compared with `= ANY`, which is probed through `column`'s index: `IN` over a
    /// set-returning function is estimated at 100 rows and planned as a hash join over a
    /// sequential scan of the whole table (7 ms at 30,000 users against 0.3 ms).
    ///
    /// Run these statements unprepared (`persistent(false)`): a plan cached per connection
    /// while the table was nearly empty is a sequential scan, and where nothing analyses
    /// the table (autovacuum off) it is never replaced.
    pub fn in_json_strings(self, column: &str) -> String {
        match self {
            Self::Sqlite => format!("{column} IN (SELECT value FROM json_each(?))"),
            Self::Postgres => {
                format!("{column} = ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))")
            }
        }
    }

    /// A one-column subquery over a JSON array of strings bound as `$1`, for `IN (…)`.
    pub fn json_strings(self) -> &'static str {
        match self {
            Self::Sqlite => "SELECT value FROM json_each(?)",
            Self::Postgres => "SELECT jsonb_array_elements_text($1::jsonb)",
        }
    }
}

/// Rows per multi-row statement such that the bind count stays well under SQLite's
/// 32,766 and Postgres's 65,535 parameter limits.
pub fn rows_per_statement(cols: usize) -> usize {
    (8_000 / cols.max(1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::Dialect::*;

    #[test]
    fn placeholders_number_rows_and_columns_in_order() {
        assert_eq!(Postgres.values(2, 3), "($1,$2,$3),($4,$5,$6)");
        assert_eq!(Sqlite.values(2, 2), "(?,?),(?,?)");
    }
}
