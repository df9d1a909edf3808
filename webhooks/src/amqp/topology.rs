//! The RabbitMQ topology, declared idempotently by every connection before use.
//!
//! ```text
//! log ─relay─▶ {p}.events (topic, key = event type) ─▶ {p}.delivery (queue)
//!                                                         │ event workers: jobs_for
//!                                                         ▼
//!             {p}.jobs (direct, key "job") ─────────▶ {p}.jobs (queue) ─▶ job workers: attempt
//!                  ▲                                                     │ RetryLater
//!                  └──dead-lettered on expiry── {p}.retry.<ms>ms (TTL) ◀─┘ (one queue per delay)
//!                                                                        │ schedule exhausted
//!                                                                        ▼
//!                                                                   {p}.dead (queue)
//! ```
//!
//! Retries wait in the broker, not in a consumer: a retry queue has no consumers, a fixed
//! `x-message-ttl`, and `x-dead-letter-exchange` pointing back at the jobs exchange, so an
//! expired job reappears on the jobs queue. One queue per delay keeps expiry in FIFO order
//! (RabbitMQ expires messages only at the head of a queue). A queue's name carries its
//! delay, so changing the schedule declares new queues instead of redeclaring an existing
//! one with different arguments (which the broker refuses).

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{Channel, ExchangeKind};
use std::time::Duration;

/// The routing key of every job message on the jobs exchange.
pub const JOB_ROUTING_KEY: &str = "job";

/// Exchange and queue names under one prefix (`TESSERA_AMQP_PREFIX`, default `tessera`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    prefix: String,
}

impl Names {
    pub fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
        }
    }

    /// The durable topic exchange the relay publishes every event to.
    pub fn events_exchange(&self) -> String {
        format!("{}.events", self.prefix)
    }

    /// The queue event workers consume: events that can become webhook deliveries.
    pub fn delivery_queue(&self) -> String {
        format!("{}.delivery", self.prefix)
    }

    /// Exchange and queue of per-hook delivery jobs (same name, different namespaces).
    pub fn jobs(&self) -> String {
        format!("{}.jobs", self.prefix)
    }

    /// The retry queue that holds a job for `delay`.
    pub fn retry_queue(&self, delay: Duration) -> String {
        format!("{}.retry.{}ms", self.prefix, delay.as_millis())
    }

    /// Jobs whose retry schedule is exhausted.
    pub fn dead_letter_queue(&self) -> String {
        format!("{}.dead", self.prefix)
    }
}

fn durable_queue() -> QueueDeclareOptions {
    QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    }
}

fn durable_exchange() -> ExchangeDeclareOptions {
    ExchangeDeclareOptions {
        durable: true,
        ..ExchangeDeclareOptions::default()
    }
}

fn short(s: &str) -> ShortString {
    s.into()
}

/// Declares the events exchange only (what the relay needs).
async fn declare_events_exchange(channel: &Channel, names: &Names) -> lapin::Result<()> {
    channel
        .exchange_declare(
            short(&names.events_exchange()),
            ExchangeKind::Topic,
            durable_exchange(),
            FieldTable::default(),
        )
        .await
}

/// Declares everything the workers use: the events exchange, the delivery queue bound to
/// `routing_keys` (event types; `#` for all), the jobs exchange and queue, one retry queue
/// per distinct delay, and the dead-letter queue.
pub async fn declare_all(
    channel: &Channel,
    names: &Names,
    routing_keys: &[String],
    delays: &[Duration],
) -> lapin::Result<()> {
    declare_events_exchange(channel, names).await?;
    let delivery = names.delivery_queue();
    channel
        .queue_declare(short(&delivery), durable_queue(), FieldTable::default())
        .await?;
    for key in routing_keys {
        channel
            .queue_bind(
                short(&delivery),
                short(&names.events_exchange()),
                short(key),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
    }

    let jobs = names.jobs();
    channel
        .exchange_declare(
            short(&jobs),
            ExchangeKind::Direct,
            durable_exchange(),
            FieldTable::default(),
        )
        .await?;
    channel
        .queue_declare(short(&jobs), durable_queue(), FieldTable::default())
        .await?;
    channel
        .queue_bind(
            short(&jobs),
            short(&jobs),
            short(JOB_ROUTING_KEY),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;

    for delay in distinct(delays) {
        let mut args = FieldTable::default();
        let ttl = i64::try_from(delay.as_millis()).unwrap_or(i64::MAX);
        args.insert(short("x-message-ttl"), AMQPValue::LongLongInt(ttl));
        args.insert(
            short("x-dead-letter-exchange"),
            AMQPValue::LongString(LongString::from(jobs.as_str())),
        );
        args.insert(
            short("x-dead-letter-routing-key"),
            AMQPValue::LongString(LongString::from(JOB_ROUTING_KEY)),
        );
        channel
            .queue_declare(short(&names.retry_queue(delay)), durable_queue(), args)
            .await?;
    }

    channel
        .queue_declare(
            short(&names.dead_letter_queue()),
            durable_queue(),
            FieldTable::default(),
        )
        .await?;
    Ok(())
}

fn distinct(delays: &[Duration]) -> Vec<Duration> {
    let mut out: Vec<Duration> = delays.to_vec();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_share_the_prefix_and_retry_queues_carry_their_delay() {
        let names = Names::new("t1");
        assert_eq!(names.events_exchange(), "t1.events");
        assert_eq!(names.delivery_queue(), "t1.delivery");
        assert_eq!(names.jobs(), "t1.jobs");
        assert_eq!(names.dead_letter_queue(), "t1.dead");
        assert_eq!(names.retry_queue(Duration::from_secs(5)), "t1.retry.5000ms");
        assert_eq!(
            distinct(&[
                Duration::from_secs(2),
                Duration::from_secs(1),
                Duration::from_secs(2)
            ]),
            vec![Duration::from_secs(1), Duration::from_secs(2)]
        );
    }
}
