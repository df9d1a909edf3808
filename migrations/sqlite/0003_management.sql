-- Management read models (projections crate): applications, API resources and scopes,
-- roles, and the relations that decide an M2M app's scopes. Portable types only (BIGINT,
-- TEXT, JSON as TEXT, booleans as BIGINT 0/1), identical on both backends.

-- Logto's Application object minus secrets (those are digests in the log, never here).
CREATE TABLE applications (
    id                     TEXT PRIMARY KEY,
    name                   TEXT NOT NULL,
    description            TEXT,
    app_type               TEXT NOT NULL,
    oidc_client_metadata   TEXT NOT NULL,
    custom_client_metadata TEXT NOT NULL,
    custom_data            TEXT NOT NULL,
    is_third_party         BIGINT NOT NULL,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL
);
CREATE INDEX applications_created_at ON applications (created_at DESC, id);

-- Secret names and lifetimes only: the value is shown once at creation and never stored.
CREATE TABLE application_secrets (
    application_id TEXT NOT NULL,
    name           TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT,
    PRIMARY KEY (application_id, name)
);

CREATE TABLE application_roles (
    application_id TEXT NOT NULL,
    role_id        TEXT NOT NULL,
    created_at     BIGINT NOT NULL,
    PRIMARY KEY (application_id, role_id)
);
CREATE INDEX application_roles_role ON application_roles (role_id);

-- Not UNIQUE on indicator: uniqueness is enforced in the log (IdentifierClaim); a batch
-- that deletes one resource and creates another with its indicator must still apply.
CREATE TABLE resources (
    id               TEXT PRIMARY KEY,
    name             TEXT NOT NULL,
    indicator        TEXT NOT NULL,
    is_default       BIGINT NOT NULL,
    access_token_ttl BIGINT NOT NULL,
    created_at       BIGINT NOT NULL
);
CREATE INDEX resources_indicator ON resources (indicator);

CREATE TABLE scopes (
    id          TEXT PRIMARY KEY,
    resource_id TEXT NOT NULL,
    name        TEXT NOT NULL,
    description TEXT,
    created_at  BIGINT NOT NULL
);
CREATE INDEX scopes_resource ON scopes (resource_id);

CREATE TABLE roles (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    role_type   TEXT NOT NULL,
    is_default  BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX roles_created_at ON roles (created_at DESC, id);

CREATE TABLE role_scopes (
    role_id    TEXT NOT NULL,
    scope_id   TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (role_id, scope_id)
);
CREATE INDEX role_scopes_scope ON role_scopes (scope_id);
