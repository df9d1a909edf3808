//! Webhooks: turning logged events into signed HTTP deliveries that are never lost.
//!
//! Two transports share one delivery core: with `TESSERA_AMQP_URL` the relay publishes the
//! log to RabbitMQ and workers consume it (`amqp`); without it, delivery runs in-process
//! straight from the log with its state in the embedded store (`embedded`).

pub mod amqp;
pub mod delivery;
pub mod embedded;
pub mod payload;
pub mod progress;
pub mod schedule;
pub mod sender;
pub mod signature;
pub mod ssrf;
