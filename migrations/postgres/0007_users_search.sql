-- Substring search over users (`search=%term%`, case-insensitive by default) without a full
-- scan: trigram GIN indexes on the lower-cased default search fields serve
-- `lower(col) LIKE lower($1)` for any pattern with a literal run of three characters.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX users_id_trgm ON users USING gin (lower(id) gin_trgm_ops);
CREATE INDEX users_username_trgm ON users USING gin (lower(username) gin_trgm_ops);
CREATE INDEX users_primary_email_trgm ON users USING gin (lower(primary_email) gin_trgm_ops);
CREATE INDEX users_primary_phone_trgm ON users USING gin (lower(primary_phone) gin_trgm_ops);
CREATE INDEX users_name_trgm ON users USING gin (lower(name) gin_trgm_ops);

-- The number of live users, so an unfiltered list answers Total-Number without count(*).
CREATE TABLE users_total (
    id    BIGINT PRIMARY KEY,
    total BIGINT NOT NULL
);
INSERT INTO users_total (id, total) SELECT 1, count(*) FROM users;
