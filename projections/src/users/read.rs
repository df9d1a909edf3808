//! Queries over the `users` read model: what the API reads.

use super::query::{Joint, MatchMode, SearchMatch, UserQuery};
use super::row::{UserRow, COLUMNS};
use super::search::fts_prefilter;
use crate::error::ProjectionError;
use crate::sql::Dialect;
use sqlx::{AnyConnection, AnyPool, Connection, Row};

/// The user with this id, if it exists and is not deleted.
pub async fn get(pool: &AnyPool, id: &str) -> Result<Option<UserRow>, ProjectionError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(row.as_ref().map(UserRow::from_row).transpose()?)
}

/// Turns a `LIKE` pattern (with `\` as escape) into a SQLite `GLOB` pattern: SQLite's
/// `LIKE` ignores ASCII case, `GLOB` does not, so case-sensitive searches use `GLOB`.
fn like_to_glob(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' => out.push('*'),
            '_' => out.push('?'),
            '\\' => match chars.next() {
                Some(escaped) => push_glob_literal(&mut out, escaped),
                None => push_glob_literal(&mut out, '\\'),
            },
            other => push_glob_literal(&mut out, other),
        }
    }
    out
}

fn push_glob_literal(out: &mut String, c: char) {
    match c {
        '*' | '?' | '[' => {
            out.push('[');
            out.push(c);
            out.push(']');
        }
        other => out.push(other),
    }
}

/// A `WHERE` clause and its bind values (placeholders numbered from `$1`).
struct Filter {
    sql: String,
    binds: Vec<String>,
}

fn filter(query: &UserQuery, dialect: Dialect) -> Filter {
    let search = &query.search;
    let mut binds = Vec::new();
    let mut parts = Vec::new();
    for SearchMatch {
        fields,
        mode,
        values,
    } in &search.matches
    {
        // SQLite: the trigram index narrows a LIKE to candidate ids first. Its bind goes
        // first: SQLite's `?` placeholders bind in textual order.
        let prefilter = match (dialect, mode, values.first()) {
            (Dialect::Sqlite, MatchMode::Like, Some(value)) => fts_prefilter(fields, value),
            _ => None,
        };
        if let Some(expression) = &prefilter {
            binds.push(expression.clone());
        }
        let mut ors = Vec::new();
        for field in fields {
            let col = field.column();
            let cond = match mode {
                MatchMode::Exact => {
                    let list = values
                        .iter()
                        .map(|v| {
                            binds.push(v.clone());
                            let p = dialect.param(binds.len());
                            if search.case_sensitive {
                                p
                            } else {
                                format!("lower({p})")
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    if search.case_sensitive {
                        format!("{col} IN ({list})")
                    } else {
                        format!("lower({col}) IN ({list})")
                    }
                }
                MatchMode::SimilarTo | MatchMode::Posix => {
                    let value = values.first().map(String::as_str).unwrap_or_default();
                    binds.push(value.to_owned());
                    let p = dialect.param(binds.len());
                    let op = match (mode, search.case_sensitive) {
                        (MatchMode::SimilarTo, _) => "SIMILAR TO",
                        (_, true) => "~",
                        (_, false) => "~*",
                    };
                    format!("{col} {op} {p}")
                }
                MatchMode::Like => {
                    // Non-exact matches hold exactly one value (checked when parsing).
                    let value = values.first().map(String::as_str).unwrap_or_default();
                    let sqlite = dialect == Dialect::Sqlite;
                    binds.push(if search.case_sensitive && sqlite {
                        like_to_glob(value)
                    } else {
                        value.to_owned()
                    });
                    let p = dialect.param(binds.len());
                    if search.case_sensitive && sqlite {
                        format!("{col} GLOB {p}")
                    } else if search.case_sensitive {
                        format!("{col} LIKE {p} ESCAPE '\\'")
                    } else {
                        format!("lower({col}) LIKE lower({p}) ESCAPE '\\'")
                    }
                }
            };
            ors.push(cond);
        }
        let exact = format!("({})", ors.join(" OR "));
        parts.push(match prefilter {
            Some(_) => format!(
                "(id IN (SELECT id FROM users_search WHERE users_search MATCH ?) AND {exact})"
            ),
            None => exact,
        });
    }
    let joint = match search.joint {
        Joint::Or => " OR ",
        Joint::And => " AND ",
    };
    let mut conditions = Vec::new();
    if !parts.is_empty() {
        conditions.push(format!("({})", parts.join(joint)));
    }
    if let Some(role_id) = &query.exclude_role_id {
        binds.push(role_id.clone());
        conditions.push(format!(
            "id NOT IN (SELECT user_id FROM user_roles WHERE role_id = {})",
            dialect.param(binds.len())
        ));
    }
    let sql = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    Filter { sql, binds }
}

/// One page of users, newest first (then by id), and the total number matching.
///
/// The regular-expression modes (`similar_to`, `posix`; Postgres only) run in a transaction
/// with `SET LOCAL statement_timeout = query.regex_timeout`: a pattern's cost is the
/// caller's to choose, and one expensive enough must not hold a connection and a core for
/// as long as it likes. Past the timeout, and for a pattern the database refuses (invalid
/// regular expression or escape), the answer is [`ProjectionError::Search`], a client error.
pub async fn list(
    pool: &AnyPool,
    query: &UserQuery,
) -> Result<(Vec<UserRow>, u64), ProjectionError> {
    let mut conn = pool.acquire().await?;
    let dialect = Dialect::of(&conn);
    if dialect == Dialect::Postgres && query.needs_postgres() {
        let mut tx = conn.begin().await?;
        let ms = query.regex_timeout.as_millis().max(1);
        sqlx::query(&format!("SET LOCAL statement_timeout = {ms}"))
            .execute(&mut *tx)
            .await?;
        let page = run(&mut tx, dialect, query)
            .await
            .map_err(|e| search_error(e, ms))?;
        tx.commit().await?;
        Ok(page)
    } else {
        run(&mut conn, dialect, query)
            .await
            .map_err(|e| search_error(e, 0))
    }
}

/// A database error the search pattern caused, as a client error; others unchanged.
fn search_error(err: sqlx::Error, timeout_ms: u128) -> ProjectionError {
    let code = match &err {
        sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
        _ => None,
    };
    match code.as_deref() {
        // query_canceled: the statement timeout (nothing else cancels these queries).
        Some("57014") if timeout_ms > 0 => ProjectionError::Search(format!(
            "the search took longer than {timeout_ms} ms; use a simpler pattern"
        )),
        // Class 22, data exception: invalid regular expression (2201B), invalid escape
        // (22025), and the like — the pattern's fault.
        Some(c) if c.starts_with("22") => {
            let message = match &err {
                sqlx::Error::Database(db) => db.message().to_owned(),
                other => other.to_string(),
            };
            ProjectionError::Search(format!("the search pattern is invalid: {message}"))
        }
        _ => err.into(),
    }
}

async fn run(
    conn: &mut AnyConnection,
    dialect: Dialect,
    query: &UserQuery,
) -> Result<(Vec<UserRow>, u64), sqlx::Error> {
    let Filter { sql: cond, binds } = filter(query, dialect);
    // A search is sent as an unnamed statement, planned with its actual pattern. A prepared
    // one gets Postgres' generic plan after five runs, and for `lower(col) LIKE $1 ... ORDER
    // BY created_at LIMIT 20` that plan walks `users_created_at` and filters every row: seen
    // at 1M users, 8 s for a one-user term that the trigram indexes answer in ~20 ms.
    let searching = !query.search.matches.is_empty();

    let total: i64 = if binds.is_empty() {
        // No filter: the projector's running count, not a scan of every row.
        sqlx::query("SELECT COALESCE((SELECT total FROM users_total WHERE id = 1), 0)")
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?
    } else {
        let count_sql = format!("SELECT count(*) FROM users {cond}");
        let mut count = sqlx::query(&count_sql).persistent(!searching);
        for b in &binds {
            count = count.bind(b.as_str());
        }
        count.fetch_one(&mut *conn).await?.try_get(0)?
    };

    let limit = i64::try_from(query.page_size).unwrap_or(i64::MAX);
    let offset = i64::try_from(query.offset()).unwrap_or(i64::MAX);
    let page_sql = format!(
        "SELECT {COLUMNS} FROM users {cond} ORDER BY created_at DESC, id LIMIT {} OFFSET {}",
        dialect.param(binds.len() + 1),
        dialect.param(binds.len() + 2)
    );
    let mut page = sqlx::query(&page_sql).persistent(!searching);
    for b in &binds {
        page = page.bind(b.as_str());
    }
    let rows = page.bind(limit).bind(offset).fetch_all(&mut *conn).await?;
    let users = rows
        .iter()
        .map(UserRow::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((users, u64::try_from(total).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_translate_to_glob_keeping_literals_literal() {
        assert_eq!(like_to_glob("%ali_e%"), "*ali?e*");
        assert_eq!(like_to_glob(r"50\%*"), "50%[*]");
        assert_eq!(like_to_glob("a[b?"), "a[[]b[?]");
    }

    #[test]
    fn filters_bind_values_in_placeholder_order() {
        let q = UserQuery::from_pairs([
            ("search", "%a%"),
            ("search.primaryEmail", "x@y.z"),
            ("mode.primaryEmail", "exact"),
            ("joint", "and"),
        ])
        .unwrap();
        let f = filter(&q, Dialect::Postgres);
        assert_eq!(f.binds.len(), 6);
        assert!(f.sql.contains(" AND "));
        assert!(f.sql.contains("lower(primary_email) IN (lower($6))"));
    }
}
