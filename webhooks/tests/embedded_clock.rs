//! The embedded transport reads time only through the injected clock: with a
//! `domain::TestClock` standing still, a failed delivery is rescheduled exactly one retry
//! delay after the pinned instant, is not tried again until the clock is moved, and each
//! attempt is recorded at the clock's time. Reading the wall clock anywhere on that path
//! (the job's due time, the claim, the reschedule, the attempt's event) fails this test;
//! no test sleeps through a retry delay.

// Test code: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use domain::hook::delivery::{delivery_id, Delivery, DeliveryEvent};
use domain::hook::{Headers, Hook, HookCommand, HookSettings};
use domain::user::{User, UserCommand, UserDetails, UserDetailsFields};
use domain::{Aggregate, Clock, TestClock, Timestamp};
use projections::{CancellationToken, ProjectionRunner};
use sqlx::Row;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use store::testing::decide_and_append;
use store::{SealPurpose, Store, StreamRef};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use webhooks::delivery::Deliverer;
use webhooks::embedded::EmbeddedDelivery;
use webhooks::schedule::RetrySchedule;
use webhooks::sender::Sender;

/// Far from today, so a wall-clock read cannot pass for the pinned time.
const T0: i64 = 4_000_000_000_000;

/// Whether `buf` holds a whole request (head and `Content-Length` body).
fn complete(buf: &[u8]) -> bool {
    let text = String::from_utf8_lossy(buf);
    let Some(head_end) = text.find("\r\n\r\n") else {
        return false;
    };
    let length = text[..head_end]
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            if name.eq_ignore_ascii_case("content-length") {
                value.trim().parse::<usize>().ok()
            } else {
                None
            }
        })
        .unwrap_or(0);
    buf.len() >= head_end + 4 + length
}

/// A receiver that answers 500 to every request and counts them.
async fn failing_receiver() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !complete(&buf) {
                    match socket.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                seen.fetch_add(1, Ordering::SeqCst);
                let answer = b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 4\r\n\
                               connection: close\r\n\r\noops";
                let _ = socket.write_all(answer).await;
            });
        }
    });
    (url, count)
}

/// The one queued job as (attempt, next_attempt_at), or `None` once it is gone.
async fn job(store: &Store) -> Option<(i64, i64)> {
    sqlx::query("SELECT attempt, next_attempt_at FROM webhook_jobs")
        .fetch_optional(&store.read_pool)
        .await
        .unwrap()
        .map(|row| (row.get::<i64, _>(0), row.get::<i64, _>(1)))
}

async fn wait_until(what: &str, store: &Store, expected: Option<(i64, i64)>) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let now = job(store).await;
        if now == expected {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}: job is {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_follow_the_schedule_on_the_injected_clock() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&store::testing::sqlite_config(dir.path()))
        .await
        .unwrap();
    let clock = TestClock::at(Timestamp::from_millis(T0));
    let runner = ProjectionRunner::standard(store.log.clone(), store.read_pool.clone());
    let shutdown = CancellationToken::new();
    let projectors = runner.start(shutdown.clone()).await.unwrap();

    let (url, received) = failing_receiver().await;
    let sealed_key = store
        .seal(SealPurpose::HookSigningKey, "h1", b"signing-key")
        .unwrap();
    let settings = HookSettings {
        name: "h".into(),
        events: vec!["User.Created".into()],
        url,
        headers: Headers::new(),
        enabled: true,
    };
    let now = clock.now();
    let create_hook = HookCommand::Create {
        settings,
        sealed_headers: None,
        sealed_signing_key: sealed_key,
    };
    decide_and_append::<Hook>(&store, "h1", create_hook, now).await;
    let details = UserDetails::new(UserDetailsFields {
        username: Some("alice".into()),
        ..Default::default()
    })
    .unwrap();
    let create_user = UserCommand::Create {
        details,
        custom_data: Default::default(),
        password: None,
        application_id: None,
    };
    decide_and_append::<User>(&store, "u1", create_user, now).await;

    let deliverer = Deliverer::new(
        store.clone(),
        runner.clone(),
        Sender::new(true).unwrap(),
        Arc::new(clock.clone()),
    );
    let schedule = RetrySchedule::new(vec![Duration::from_secs(5), Duration::from_secs(30)]);
    let stop = CancellationToken::new();
    let delivery = EmbeddedDelivery::start(store.clone(), deliverer, schedule, stop.clone());

    // Attempt 1 at T0 fails; attempt 2 is due exactly 5 s later on the pinned clock.
    wait_until("the first retry", &store, Some((2, T0 + 5_000))).await;
    assert_eq!(received.load(Ordering::SeqCst), 1);
    // The clock stands still: nothing is due, however long the worker polls.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(
        received.load(Ordering::SeqCst),
        1,
        "not due before the clock moves"
    );
    assert_eq!(job(&store).await, Some((2, T0 + 5_000)));

    clock.advance(Duration::from_secs(5));
    wait_until("the second retry", &store, Some((3, T0 + 35_000))).await;
    assert_eq!(received.load(Ordering::SeqCst), 2);

    // The schedule has two delays: the third failure exhausts the delivery.
    clock.advance(Duration::from_secs(30));
    wait_until("the delivery to be given up", &store, None).await;
    assert_eq!(received.load(Ordering::SeqCst), 3);

    let user_stream = StreamRef::new(User::STREAM_TYPE, "u1");
    let user_created = store.log.read_stream(&user_stream).await.unwrap();
    let id = delivery_id(user_created[0].event_id, "h1", "User.Created");
    let delivery_stream = StreamRef::new(Delivery::STREAM_TYPE, &id);
    let recorded = store.log.read_stream(&delivery_stream).await.unwrap();
    let timeline: Vec<(String, i64)> = recorded
        .iter()
        .map(|e| {
            let what = match e.decode::<DeliveryEvent>().unwrap() {
                DeliveryEvent::DeliveryAttempted(a) => format!("attempt {}", a.attempt),
                _ => e.event_type.clone(),
            };
            (what, e.metadata.occurred_at.as_millis())
        })
        .collect();
    assert_eq!(
        timeline,
        vec![
            ("attempt 1".to_owned(), T0),
            ("attempt 2".to_owned(), T0 + 5_000),
            ("attempt 3".to_owned(), T0 + 35_000),
            ("DeliveryExhausted".to_owned(), T0 + 35_000),
        ],
        "every attempt is dated by the injected clock"
    );

    stop.cancel();
    delivery.join().await;
    shutdown.cancel();
    projectors.join().await;
    store.close().await;
}
