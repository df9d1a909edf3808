-- The webhook relay's checkpoint (webhooks/src/amqp): the log position up to which every
-- event has been confirmed by RabbitMQ. One row per events exchange, so two deployments
-- (or tests) publishing to differently prefixed exchanges keep separate positions. Moved
-- only after the broker's publisher confirms, never ahead of them.
CREATE TABLE webhook_relay_checkpoints (
    exchange   TEXT PRIMARY KEY,
    position   BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
