//! Stream versions this process has seen (from commits and stream reads). Versions only
//! grow, so a cached version is a lower bound of the truth; that is enough to plan most
//! appends without asking the database first — the unique index on
//! (stream_type, stream_id, stream_version) catches the rest, and the writer then
//! re-plans against the database.

use crate::envelope::{AppendBatch, ExpectedVersion, StreamRef};
use std::collections::HashMap;
use std::sync::Mutex;

/// Bound on remembered streams; past it the map is emptied (a miss costs one query).
const LIMIT: usize = 200_000;

#[derive(Default)]
pub(crate) struct VersionCache {
    map: Mutex<HashMap<StreamRef, u64>>,
}

impl VersionCache {
    pub(crate) fn observe(&self, stream: &StreamRef, version: u64) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= LIMIT {
                map.clear();
            }
            let v = map.entry(stream.clone()).or_insert(0);
            *v = (*v).max(version);
        }
    }

    pub(crate) fn forget(&self, streams: &[&StreamRef]) {
        if let Ok(mut map) = self.map.lock() {
            for s in streams {
                map.remove(*s);
            }
        }
    }

    /// The version to plan `stream` against without a query, if one is safe to assume:
    /// the cached lower bound when it does not contradict an exact expectation (if it is
    /// behind, another node appended: ask the database), or 0 for a stream expected empty.
    pub(crate) fn assumed(
        &self,
        stream: &StreamRef,
        expectations: impl Iterator<Item = ExpectedVersion>,
    ) -> Option<u64> {
        let cached = self.map.lock().ok().and_then(|m| m.get(stream).copied());
        let mut assumed = cached;
        for e in expectations {
            match (e, cached) {
                (ExpectedVersion::Exact(v), Some(c)) if c < v => return None,
                (ExpectedVersion::Exact(_), None) | (ExpectedVersion::Any, None) => return None,
                (ExpectedVersion::NoStream, None) => assumed = Some(0),
                _ => {}
            }
        }
        assumed
    }
}

/// Splits a group's streams into versions safe to assume from `cache` and streams whose
/// version must be read from the database. `verified` (a retry after a race) trusts nothing.
pub(crate) fn known_and_unknown<'a>(
    cache: &VersionCache,
    group: &[&'a AppendBatch],
    verified: bool,
) -> (HashMap<StreamRef, u64>, Vec<&'a StreamRef>) {
    let mut known = HashMap::new();
    let mut unknown = Vec::new();
    for stream in crate::group::streams_of(group) {
        let named = || {
            group
                .iter()
                .flat_map(|b| b.streams.iter())
                .filter(|s| &s.stream == stream)
        };
        // A stream named without events is a pure version check: no insert (and so no
        // unique index) would catch a stale assumption, so ask the database.
        let check_only = named().any(|s| s.events.is_empty());
        match cache.assumed(stream, named().map(|s| s.expected)) {
            Some(v) if !verified && !check_only => {
                known.insert(stream.clone(), v);
            }
            _ => unknown.push(stream),
        }
    }
    (known, unknown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ExpectedVersion::*;

    #[test]
    fn assumptions_are_only_made_when_the_unique_index_can_catch_them() {
        let cache = VersionCache::default();
        let s = StreamRef::new("t", "s");
        // Unknown stream: NoStream may assume 0 (an existing stream collides on version 1);
        // Exact/Any need the database.
        assert_eq!(cache.assumed(&s, [NoStream].into_iter()), Some(0));
        assert_eq!(cache.assumed(&s, [Exact(2)].into_iter()), None);
        assert_eq!(cache.assumed(&s, [Any].into_iter()), None);
        cache.observe(&s, 3);
        assert_eq!(cache.assumed(&s, [Exact(3)].into_iter()), Some(3));
        assert_eq!(cache.assumed(&s, [Any].into_iter()), Some(3));
        // Behind an exact expectation: another node appended; ask.
        assert_eq!(cache.assumed(&s, [Exact(5)].into_iter()), None);
        // Ahead of it: a certain conflict, which planning reports.
        assert_eq!(cache.assumed(&s, [Exact(1)].into_iter()), Some(3));
        // Versions never go back.
        cache.observe(&s, 2);
        assert_eq!(cache.assumed(&s, [Any].into_iter()), Some(3));
        cache.forget(&[&s]);
        assert_eq!(cache.assumed(&s, [Any].into_iter()), None);
    }
}
