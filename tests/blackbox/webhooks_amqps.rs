//! `amqps://` (issue 5 on a production broker): Tessera reaches RabbitMQ over TLS and
//! verifies the broker's certificate, with a private CA given in `TESSERA_AMQP_CA_FILE`; a
//! broker it cannot verify gets no AMQP traffic at all; a URL that is not `amqp(s)://` stops
//! the server at startup instead of leaving it retrying.
//!
//! The local RabbitMQ speaks plain AMQP, so each test puts a TLS listener in front of it:
//! the certificate for `localhost` in `tests/fixtures/amqp-tls/` (signed by the test CA
//! `ca.pem` there; test-only keys, valid until 2125) terminates TLS and forwards the bytes
//! to 127.0.0.1:5672. The transport is the same on both backends, so SQLite suffices.

use crate::common;
use crate::common::webhook_receiver;

use common::{json, Backend, Deployment, Server};
use lapin::options::QueueDeleteOptions;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde_json::json;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use webhook_receiver::Receiver;

const WAIT: Duration = Duration::from_secs(30);

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/amqp-tls")
        .join(name)
}

/// A TLS listener in front of the local RabbitMQ; counts completed handshakes.
struct TlsFront {
    port: u16,
    handshakes: Arc<AtomicUsize>,
}

impl TlsFront {
    async fn start() -> Self {
        let certs = CertificateDer::pem_file_iter(fixture("server.pem"))
            .expect("server.pem")
            .collect::<Result<Vec<_>, _>>()
            .expect("server certificate");
        let key = PrivateKeyDer::from_pem_file(fixture("server.key")).expect("server.key");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .expect("server config");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("address").port();
        let handshakes = Arc::new(AtomicUsize::new(0));
        let counted = handshakes.clone();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let (acceptor, counted) = (acceptor.clone(), counted.clone());
                tokio::spawn(async move {
                    // A client that rejects the certificate aborts here: nothing is forwarded.
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    counted.fetch_add(1, Ordering::SeqCst);
                    if let Ok(mut broker) = TcpStream::connect("127.0.0.1:5672").await {
                        let _ = tokio::io::copy_bidirectional(&mut tls, &mut broker).await;
                    }
                });
            }
        });
        Self { port, handshakes }
    }

    fn url(&self) -> String {
        format!("amqps://guest:guest@localhost:{}/%2f", self.port)
    }
}

fn prefix() -> String {
    format!("tls{}", uuid::Uuid::now_v7().simple())
}

/// Deletes what a server with `prefix` and a one-step retry schedule declared.
async fn cleanup(prefix: &str) {
    let Ok(connection) =
        lapin::Connection::connect("amqp://guest:guest@127.0.0.1:5672/%2f", Default::default())
            .await
    else {
        return;
    };
    if let Ok(channel) = connection.create_channel().await {
        for queue in ["delivery", "jobs", "dead", "retry.1000ms"] {
            let name = format!("{prefix}.{queue}");
            let _ = channel
                .queue_delete(name.as_str().into(), QueueDeleteOptions::default())
                .await;
        }
        for exchange in ["events", "jobs"] {
            let name = format!("{prefix}.{exchange}");
            let _ = channel
                .exchange_delete(name.as_str().into(), Default::default())
                .await;
        }
    }
    let _ = connection.close(200, "done".into()).await;
}

async fn start(deployment: &Deployment, front: &TlsFront, prefix: &str, ca: bool) -> Server {
    let url = front.url();
    let ca_file = fixture("ca.pem").display().to_string();
    let mut env = vec![
        ("TESSERA_AMQP_URL", url.as_str()),
        ("TESSERA_AMQP_PREFIX", prefix),
        ("TESSERA_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("TESSERA_WEBHOOK_RETRY_SCHEDULE", "1s"),
    ];
    if ca {
        env.push(("TESSERA_AMQP_CA_FILE", ca_file.as_str()));
    }
    deployment.start_with(&env).await
}

#[tokio::test]
async fn amqps_with_the_brokers_ca_delivers() {
    // Not while a test in webhooks_rabbitmq closes every broker connection.
    let _shared = common::BROKER.read().await;
    let Some(deployment) = Deployment::new(Backend::Sqlite).await else {
        return;
    };
    let front = TlsFront::start().await;
    let prefix = prefix();
    let server = start(&deployment, &front, &prefix, true).await;
    let receiver = Receiver::start(&[], 204).await;
    let hook = server
        .post_json(
            "/api/hooks",
            &json!({"name": "tls", "events": ["User.Created"], "config": {"url": receiver.url}}),
        )
        .await;
    assert_eq!(hook.status(), 201);
    let user = json(
        server
            .post_json("/api/users", &json!({"username": "tls_user"}))
            .await,
    )
    .await;
    let delivered = receiver.wait_for("User.Created", 1, WAIT).await;
    assert_eq!(delivered[0].json()["data"]["id"], user["id"]);
    assert!(
        front.handshakes.load(Ordering::SeqCst) >= 1,
        "the broker was reached through the TLS listener"
    );
    assert!(server.log().contains("tls=true"), "{}", server.log());
    cleanup(&prefix).await;
}

#[tokio::test]
async fn amqps_refuses_a_broker_it_cannot_verify() {
    // Not while a test in webhooks_rabbitmq closes every broker connection.
    let _shared = common::BROKER.read().await;
    let Some(deployment) = Deployment::new(Backend::Sqlite).await else {
        return;
    };
    let front = TlsFront::start().await;
    let prefix = prefix();
    // No TESSERA_AMQP_CA_FILE: the test CA is not among the Mozilla roots.
    let server = start(&deployment, &front, &prefix, false).await;
    server.wait_for_log("UnknownIssuer", WAIT).await;
    assert_eq!(
        front.handshakes.load(Ordering::SeqCst),
        0,
        "no TLS session, so no AMQP byte (nor the password) went out"
    );
    cleanup(&prefix).await;
}

#[tokio::test]
async fn a_url_that_is_not_amqp_stops_the_server_at_startup() {
    let Some(deployment) = Deployment::new(Backend::Sqlite).await else {
        return;
    };
    for (url, ca) in [
        ("http://guest:s3cret@127.0.0.1:5672/", None),
        ("amqp://guest:s3cret@127.0.0.1:notaport/", None),
        ("amqp://guest:s3cret@127.0.0.1:5672/%2f", Some("ca.pem")),
        (
            "amqps://guest:s3cret@localhost:5671/%2f",
            Some("server.key"),
        ),
    ] {
        let mut command = deployment.command();
        command
            .arg("serve")
            .env("TESSERA_BIND", "127.0.0.1:0")
            .env("TESSERA_AMQP_URL", url)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        if let Some(name) = ca {
            command.env("TESSERA_AMQP_CA_FILE", fixture(name));
        }
        let mut child = command.spawn().expect("start tessera");
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("{url}: the server kept running");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
            .expect("read stderr");
        assert!(!status.success(), "{url}: {stderr}");
        assert!(stderr.contains("TESSERA_AMQP"), "{url}: {stderr}");
        assert!(!stderr.contains("s3cret"), "{url}: {stderr}");
    }
}
