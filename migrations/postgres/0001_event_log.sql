-- Positions come from a sequence with no per-session cache, so they increase in the order
-- they are taken across all sessions (the gap algorithm in ARCHITECTURE.md relies on it).
CREATE SEQUENCE IF NOT EXISTS events_position_seq AS BIGINT START 1 CACHE 1 NO CYCLE;

CREATE TABLE IF NOT EXISTS events (
    position        BIGINT  PRIMARY KEY DEFAULT nextval('events_position_seq'),
    -- Forced (SELECT pg_current_xact_id()) before any position is taken; see read_all.
    tx_id           xid8    NOT NULL DEFAULT pg_current_xact_id(),
    event_id        UUID    NOT NULL,
    stream_type     TEXT    NOT NULL,
    stream_id       TEXT    NOT NULL,
    stream_version  BIGINT  NOT NULL,
    event_type      TEXT    NOT NULL,
    schema_version  INTEGER NOT NULL,
    payload         JSONB   NOT NULL,
    metadata        JSONB   NOT NULL,
    CONSTRAINT events_event_id_key UNIQUE (event_id),
    -- Backstop against other nodes; the writer maps a violation to a Conflict.
    CONSTRAINT events_stream_version_key UNIQUE (stream_type, stream_id, stream_version)
);

ALTER SEQUENCE events_position_seq OWNED BY events.position;

CREATE TABLE IF NOT EXISTS data_keys (
    subject_id    TEXT   PRIMARY KEY,
    wrapped_key   BYTEA,
    created_at    BIGINT NOT NULL,
    destroyed_at  BIGINT
);

CREATE TABLE IF NOT EXISTS kek_check (
    id     INTEGER PRIMARY KEY,
    sealed BYTEA NOT NULL
);
