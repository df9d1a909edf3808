//! What keeps `GET /api/users?search=…` off a full scan, and `Total-Number` off `count(*)`.
//!
//! * Postgres: trigram GIN indexes on `lower(<field>)` (migration 0007) serve the
//!   `lower(col) LIKE lower($n)` conditions as they are; nothing to maintain here.
//! * SQLite: an FTS5 trigram table `users_search` (rowid = the `users` row's rowid) that this
//!   module keeps in step with `users`, and a prefilter ([`fts_prefilter`]) the query ANDs
//!   in front of the exact condition. FTS5 folds case more widely than SQLite's ASCII-only
//!   `LIKE`, so its matches are a superset and the exact condition decides.
//! * Both: `users_total`, the number of live users, moved by the projector per batch.

use super::query::UserField;
use crate::error::ProjectionError;
use crate::sql::Dialect;
use sqlx::{Any, Transaction};

/// The `users_search` column of a field (the same names as in `users`).
fn fts_column(field: UserField) -> &'static str {
    field.column()
}

/// The literal runs of a `LIKE` pattern (with `\` escaping), split at its wildcards.
fn literal_runs(pattern: &str) -> Vec<String> {
    let mut runs = vec![String::new()];
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '%' | '_' => runs.push(String::new()),
            '\\' => {
                let literal = chars.next().unwrap_or('\\');
                if let Some(run) = runs.last_mut() {
                    run.push(literal);
                }
            }
            other => {
                if let Some(run) = runs.last_mut() {
                    run.push(other);
                }
            }
        }
    }
    runs
}

/// An FTS5 `MATCH` expression that every row matching `pattern` on `fields` also matches,
/// or `None` when the pattern has no literal run of three characters (trigrams need three;
/// such a search scans).
pub(crate) fn fts_prefilter(fields: &[UserField], pattern: &str) -> Option<String> {
    let longest = literal_runs(pattern)
        .into_iter()
        .max_by_key(|run| run.chars().count())?;
    if longest.chars().count() < 3 {
        return None;
    }
    let columns: Vec<&str> = fields.iter().copied().map(fts_column).collect();
    // A quoted string is one phrase; a `"` inside is written twice.
    let phrase = longest.replace('"', "\"\"");
    Some(format!("{{{}}} : \"{phrase}\"", columns.join(" ")))
}

/// Before the batch's `users` writes (SQLite): drops the search rows of `ids`.
pub(crate) async fn unindex(
    tx: &mut Transaction<'_, Any>,
    ids: &str,
) -> Result<(), ProjectionError> {
    if Dialect::of(tx) != Dialect::Sqlite {
        return Ok(());
    }
    let sql = format!(
        "DELETE FROM users_search WHERE rowid IN (SELECT rowid FROM users WHERE id IN ({}))",
        Dialect::Sqlite.json_strings()
    );
    sqlx::query(&sql).bind(ids).execute(&mut **tx).await?;
    Ok(())
}

/// After the batch's `users` writes (SQLite): indexes the live rows among `ids` again.
pub(crate) async fn index(tx: &mut Transaction<'_, Any>, ids: &str) -> Result<(), ProjectionError> {
    if Dialect::of(tx) != Dialect::Sqlite {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO users_search (rowid, id, username, primary_email, primary_phone, name) \
         SELECT rowid, id, username, primary_email, primary_phone, name FROM users \
         WHERE id IN ({})",
        Dialect::Sqlite.json_strings()
    );
    sqlx::query(&sql).bind(ids).execute(&mut **tx).await?;
    Ok(())
}

/// Empties the search index (SQLite) for a rebuild.
pub(crate) async fn reset(tx: &mut Transaction<'_, Any>) -> Result<(), ProjectionError> {
    if Dialect::of(tx) == Dialect::Sqlite {
        sqlx::query("DELETE FROM users_search")
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Moves the live-user count by `delta`.
pub(crate) async fn add_to_total(
    tx: &mut Transaction<'_, Any>,
    delta: i64,
) -> Result<(), ProjectionError> {
    if delta == 0 {
        return Ok(());
    }
    let p = Dialect::of(tx).param(1);
    sqlx::query(&format!(
        "INSERT INTO users_total (id, total) VALUES (1, {p}) \
         ON CONFLICT (id) DO UPDATE SET total = users_total.total + excluded.total"
    ))
    .bind(delta)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefilter_uses_the_longest_literal_run() {
        assert_eq!(
            fts_prefilter(&[UserField::Username], "%ali_ce%").as_deref(),
            Some("{username} : \"ali\"")
        );
        assert_eq!(
            fts_prefilter(&UserField::ALL, "%smith%").as_deref(),
            Some("{id primary_email primary_phone username name} : \"smith\"")
        );
        assert_eq!(
            fts_prefilter(&[UserField::Name], r#"%a"b\%c%"#).as_deref(),
            Some("{name} : \"a\"\"b%c\"")
        );
        assert_eq!(fts_prefilter(&[UserField::Name], "%ab%"), None);
        assert_eq!(fts_prefilter(&[UserField::Name], "a_b_c"), None);
    }
}
