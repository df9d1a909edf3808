-- hook_logs keeps the body each receiver got, which holds the user's personal data in
-- clear. A user's deletion blanks the bodies of that user's rows, and the user is
-- remembered so later rows about them (the User.Deleted delivery itself, retries) are
-- stored blank too; a replay does the same at the same event.
ALTER TABLE hook_logs ADD COLUMN subject TEXT;
CREATE INDEX hook_logs_by_subject ON hook_logs (subject);
CREATE TABLE hook_logs_erased_subjects (
    subject TEXT PRIMARY KEY
);
-- Rows written before this migration have no subject: rebuild the read model from the log
-- (the projector starts again from position 0 when its checkpoint row is missing).
DELETE FROM hook_logs;
DELETE FROM projection_checkpoints WHERE name = 'hook_logs';
