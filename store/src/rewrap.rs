//! Data keys wrapped by the first scheme (directly under the KEK) are wrapped again under
//! the data-key key derived from it (keys by purpose, `vault/purpose.rs`) when the store
//! opens. Each row is replaced by compare-and-set on its old value, so a key destroyed
//! meanwhile (erasure) stays destroyed and two nodes starting together do no harm; a key
//! an older node wraps during a rolling upgrade still unwraps and is re-wrapped at the next
//! start. When nothing is left to re-wrap this costs one scan of `data_keys`.

use crate::connect::Store;
use crate::error::StoreError;

/// Rows per page of the scan.
const PAGE: i64 = 500;
/// Length of a scheme-1 wrapped key (nonce ‖ key ‖ tag).
const SCHEME_1_LEN: i64 = 60;

impl Store {
    /// Re-wraps every scheme-1 data key; returns how many were re-wrapped.
    pub(crate) async fn rewrap_data_keys(&self) -> Result<u64, StoreError> {
        let vault = &self.codec.vault;
        let mut after = String::new();
        let mut rewrapped = 0;
        loop {
            let rows = self.scheme_1_keys(&after).await?;
            let Some((last, _)) = rows.last() else { break };
            after = last.clone();
            for (subject, old) in rows {
                if !crate::vault::Vault::is_scheme_1_wrap(&old) {
                    continue;
                }
                let new = vault.rewrap(&subject, &old)?;
                rewrapped += self.replace_wrapped(&subject, &old, &new).await?;
            }
        }
        if rewrapped > 0 {
            tracing::info!(
                rewrapped,
                "data keys re-wrapped under the KEK-derived data-key key"
            );
        }
        Ok(rewrapped)
    }

    async fn scheme_1_keys(&self, after: &str) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        Ok(match self.inner() {
            crate::connect::InnerRef::Sqlite(pool) => {
                sqlx::query_as(
                    "SELECT subject_id, wrapped_key FROM data_keys \
                     WHERE subject_id > ? AND length(wrapped_key) = ? \
                     ORDER BY subject_id LIMIT ?",
                )
                .bind(after)
                .bind(SCHEME_1_LEN)
                .bind(PAGE)
                .fetch_all(pool)
                .await?
            }
            crate::connect::InnerRef::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT subject_id, wrapped_key FROM data_keys \
                     WHERE subject_id > $1 AND octet_length(wrapped_key) = $2 \
                     ORDER BY subject_id LIMIT $3",
                )
                .bind(after)
                .bind(SCHEME_1_LEN as i32)
                .bind(PAGE)
                .fetch_all(pool)
                .await?
            }
        })
    }

    async fn replace_wrapped(
        &self,
        subject: &str,
        old: &[u8],
        new: &[u8],
    ) -> Result<u64, StoreError> {
        let done = match self.inner() {
            crate::connect::InnerRef::Sqlite(pool) => sqlx::query(
                "UPDATE data_keys SET wrapped_key = ? WHERE subject_id = ? AND wrapped_key = ?",
            )
            .bind(new)
            .bind(subject)
            .bind(old)
            .execute(pool)
            .await?
            .rows_affected(),
            crate::connect::InnerRef::Postgres(pool) => sqlx::query(
                "UPDATE data_keys SET wrapped_key = $1 WHERE subject_id = $2 AND wrapped_key = $3",
            )
            .bind(new)
            .bind(subject)
            .bind(old)
            .execute(pool)
            .await?
            .rows_affected(),
        };
        Ok(done)
    }
}
