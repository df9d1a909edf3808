-- Substring search over users (`search=%term%`) without a full scan: an FTS5 trigram index of
-- the default search fields, kept by the `users` projector (rowid = the `users` row's rowid).
-- Only a prefilter: the query still applies the exact LIKE/GLOB condition to the rows it finds.
CREATE VIRTUAL TABLE users_search USING fts5(
    id, username, primary_email, primary_phone, name,
    tokenize = 'trigram'
);
INSERT INTO users_search (rowid, id, username, primary_email, primary_phone, name)
    SELECT rowid, id, username, primary_email, primary_phone, name FROM users;

-- The number of live users, so an unfiltered list answers Total-Number without count(*).
CREATE TABLE users_total (
    id    BIGINT PRIMARY KEY,
    total BIGINT NOT NULL
);
INSERT INTO users_total (id, total) SELECT 1, count(*) FROM users;
