-- Webhooks (issue 5): the hooks read model and the delivery log read model (projections
-- crate), and the embedded transport's durable state (webhooks/src/embedded). Portable
-- types only, identical on both backends.

-- Logto's Hook object. The signing key stays sealed under the KEK here too (invariant 7);
-- the API opens it when it answers. `created_position`: the log position of HookCreated,
-- so a delivery for an earlier event never goes to a hook created after it.
CREATE TABLE hooks (
    id                 TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    events             TEXT NOT NULL,
    url                TEXT NOT NULL,
    headers            TEXT NOT NULL,
    enabled            BIGINT NOT NULL,
    sealed_signing_key TEXT NOT NULL,
    created_at         BIGINT NOT NULL,
    created_position   BIGINT NOT NULL
);
CREATE INDEX hooks_created_at ON hooks (created_at DESC, id);

-- One row per delivery attempt (Logto's `TriggerHook.<Event>` logs), keyed by the
-- attempt event's id.
CREATE TABLE hook_logs (
    id         TEXT PRIMARY KEY,
    hook_id    TEXT NOT NULL,
    log_key    TEXT NOT NULL,
    result     TEXT NOT NULL,
    payload    TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX hook_logs_by_hook ON hook_logs (hook_id, created_at DESC, id);

-- Embedded delivery: how far the dispatcher has turned log events into jobs, and the jobs
-- still due. A batch of new jobs and the checkpoint move commit in one transaction; a job
-- row leaves only once its attempt's outcome is recorded in the log.
CREATE TABLE webhook_dispatch_checkpoint (
    name     TEXT PRIMARY KEY,
    position BIGINT NOT NULL
);
CREATE TABLE webhook_jobs (
    event_id        TEXT NOT NULL,
    hook_id         TEXT NOT NULL,
    logto_event     TEXT NOT NULL,
    position        BIGINT NOT NULL,
    attempt         BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    PRIMARY KEY (event_id, hook_id, logto_event)
);
CREATE INDEX webhook_jobs_due ON webhook_jobs (next_attempt_at);
