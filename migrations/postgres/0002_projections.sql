-- Read models and their checkpoints (projections crate). Portable types only (BIGINT, TEXT,
-- JSON as TEXT, booleans as BIGINT 0/1) so each projector's SQL runs unchanged on both backends.

-- One row per projector: the log position its read model reflects. Written in the same
-- transaction as the read-model rows (invariant 3).
CREATE TABLE projection_checkpoints (
    name       TEXT PRIMARY KEY,
    position   BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Logto's user object as the Management API returns it. Times are epoch ms.
CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    username        TEXT,
    primary_email   TEXT,
    primary_phone   TEXT,
    name            TEXT,
    avatar          TEXT,
    custom_data     TEXT NOT NULL,
    identities      TEXT NOT NULL,
    profile         TEXT NOT NULL,
    application_id  TEXT,
    is_suspended    BIGINT NOT NULL,
    has_password    BIGINT NOT NULL,
    last_sign_in_at BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL
);
-- Lists are newest first; text_pattern_ops serves both exact and prefix (`abc%`) searches on lower().
CREATE INDEX users_created_at ON users (created_at DESC, id);
CREATE INDEX users_username_lower ON users (lower(username) text_pattern_ops);
CREATE INDEX users_primary_email_lower ON users (lower(primary_email) text_pattern_ops);
CREATE INDEX users_primary_phone_lower ON users (lower(primary_phone) text_pattern_ops);

-- Events per type per UTC day: a counter, so a doubled application shows up as a wrong count.
CREATE TABLE event_stats (
    event_type TEXT NOT NULL,
    day        TEXT NOT NULL,
    total      BIGINT NOT NULL,
    PRIMARY KEY (event_type, day)
);
