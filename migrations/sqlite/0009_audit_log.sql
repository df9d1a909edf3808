-- The audit read model (projections crate: `audit`). One row per event in the log, keyed
-- by the event id; the Management API's `/api/logs` reads only these tables. Portable
-- types only, identical on both backends.
--
-- `ip` and `user_agent` are personal data: the projector blanks them on every row of a
-- user when it sees that user's deletion, and blanks them on the user's later rows too
-- (`audit_erased_users`). The other columns hold ids, keys and reasons, never PII.
CREATE TABLE audit_logs (
    id             TEXT PRIMARY KEY,
    position       BIGINT NOT NULL,
    created_at     BIGINT NOT NULL,
    log_key        TEXT NOT NULL,
    result         TEXT NOT NULL,
    event_type     TEXT NOT NULL,
    stream_type    TEXT NOT NULL,
    stream_id      TEXT NOT NULL,
    actor_type     TEXT NOT NULL,
    actor_id       TEXT,
    user_id        TEXT,
    application_id TEXT,
    session_id     TEXT,
    ip             TEXT,
    user_agent     TEXT,
    correlation_id TEXT NOT NULL,
    error          TEXT,
    params         TEXT NOT NULL
);
-- Every list is newest first over (created_at, id), with or without one equality filter;
-- each index ends with (created_at, id) so a page (or a cursor step) is one index range.
CREATE INDEX audit_logs_time ON audit_logs (created_at, id);
CREATE INDEX audit_logs_user ON audit_logs (user_id, created_at, id);
CREATE INDEX audit_logs_application ON audit_logs (application_id, created_at, id);
CREATE INDEX audit_logs_key ON audit_logs (log_key, created_at, id);
CREATE INDEX audit_logs_event_type ON audit_logs (event_type, created_at, id);

-- The user, application and session a stream belongs to, learnt from the first of its
-- events that names them (e.g. `GrantIssued`), so later events of the stream
-- (`RefreshTokenRotated`, `GrantRevoked`, `SignedOut`) are attributed without reading
-- any other read model.
CREATE TABLE audit_stream_context (
    stream_type    TEXT NOT NULL,
    stream_id      TEXT NOT NULL,
    user_id        TEXT,
    application_id TEXT,
    session_id     TEXT,
    PRIMARY KEY (stream_type, stream_id)
);

-- Users whose deletion the projector has seen: their later rows are written without PII.
CREATE TABLE audit_erased_users (
    user_id TEXT PRIMARY KEY
);
