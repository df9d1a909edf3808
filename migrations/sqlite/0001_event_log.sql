-- The global event log. `position` is the rowid: the single writer assigns it in commit
-- order, so a follower reading `position > checkpoint` never skips (invariant 2).
CREATE TABLE IF NOT EXISTS events (
    position        INTEGER PRIMARY KEY,
    event_id        TEXT    NOT NULL UNIQUE,
    stream_type     TEXT    NOT NULL,
    stream_id       TEXT    NOT NULL,
    stream_version  INTEGER NOT NULL,
    event_type      TEXT    NOT NULL,
    schema_version  INTEGER NOT NULL,
    payload         TEXT    NOT NULL,
    metadata        TEXT    NOT NULL,
    -- Backstop for optimistic concurrency and the index behind stream reads.
    UNIQUE (stream_type, stream_id, stream_version)
);

-- Per-subject data keys (invariant 8), wrapped under the KEK. Erasure sets `wrapped_key`
-- to NULL: the subject's encrypted fields then read as absent.
CREATE TABLE IF NOT EXISTS data_keys (
    subject_id    TEXT    PRIMARY KEY,
    wrapped_key   BLOB,
    created_at    INTEGER NOT NULL,
    destroyed_at  INTEGER
);

-- A value sealed under the KEK when the database is created, so that starting with a
-- different KEK fails at once with a clear error instead of producing unreadable data.
CREATE TABLE IF NOT EXISTS kek_check (
    id     INTEGER PRIMARY KEY,
    sealed BLOB NOT NULL
);
