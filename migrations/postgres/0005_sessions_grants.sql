-- Session and grant read models (projections crate: `sessions`, `grants`). Portable types
-- only (BIGINT, TEXT), identical on both backends. Rows leave when the log says the
-- session or grant ended; time-based expiry is applied by the queries (`expires_at`).

-- Signed-in sessions (SignedIn .. SignedOut/Expired). No IP or user agent here: those are
-- personal data sealed in the log, read from it when needed.
CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    client_id    TEXT NOT NULL,
    auth_time    BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id, auth_time);

-- Grants from GrantIssued until GrantRevoked; `redeemed` once the code was exchanged
-- (a grant whose code was never redeemed holds no token).
CREATE TABLE grants (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL,
    client_id    TEXT NOT NULL,
    session_id   TEXT,
    scopes       TEXT NOT NULL,
    issued_at    BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    redeemed     BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL
);
CREATE INDEX grants_user_client ON grants (user_id, client_id, issued_at);

-- Redeemed, unrevoked grants per user and application (the concurrent-grant limit).
CREATE TABLE grant_counts (
    user_id   TEXT NOT NULL,
    client_id TEXT NOT NULL,
    active    BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id)
);
