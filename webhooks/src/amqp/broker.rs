//! Where RabbitMQ is and how to reach it: `TESSERA_AMQP_URL` parsed once at startup, so a
//! mistyped URL stops the server with a message instead of a reconnect loop, and
//! `amqps://` runs over TLS (rustls on the aws-lc-rs provider the rest of Tessera uses)
//! verified against the Mozilla roots plus any CA given in `TESSERA_AMQP_CA_FILE`.

use lapin::tcp::OwnedTLSConfig;
use lapin::uri::{AMQPScheme, AMQPUri};
use lapin::{Connection, ConnectionProperties};
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum BrokerConfigError {
    #[error("TESSERA_AMQP_URL is not an amqp:// or amqps:// URL: {0}")]
    Url(String),
    #[error("TESSERA_AMQP_CA_FILE {path}: {reason}")]
    CaFile { path: String, reason: String },
    #[error("TESSERA_AMQP_CA_FILE is set but TESSERA_AMQP_URL is amqp://: the CA is only used with amqps://")]
    CaWithoutTls,
}

/// A validated broker address and its TLS settings.
#[derive(Clone)]
pub struct Broker {
    uri: AMQPUri,
    tls: OwnedTLSConfig,
}

impl std::fmt::Debug for Broker {
    /// Never prints the credentials.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker")
            .field("tls", &self.is_tls())
            .field("host", &self.uri.authority.host)
            .field("port", &self.uri.authority.port)
            .field("vhost", &self.uri.vhost)
            .finish_non_exhaustive()
    }
}

impl Broker {
    /// `url`: `amqp://` or `amqps://user:pass@host:port/vhost`; `ca_file`: PEM
    /// certificates to trust for `amqps://` besides the Mozilla roots (a private CA).
    pub fn new(url: &str, ca_file: Option<&Path>) -> Result<Self, BrokerConfigError> {
        // lapin's parser defaults a missing scheme to amqp; only an explicit one is taken.
        if !(url.starts_with("amqp://") || url.starts_with("amqps://")) {
            return Err(BrokerConfigError::Url(scheme_of(url)));
        }
        let uri: AMQPUri = url.parse().map_err(|e: String| BrokerConfigError::Url(e))?;
        let mut tls = OwnedTLSConfig::default();
        if let Some(path) = ca_file {
            if uri.scheme != AMQPScheme::AMQPS {
                return Err(BrokerConfigError::CaWithoutTls);
            }
            let ca_error = |reason: String| BrokerConfigError::CaFile {
                path: path.display().to_string(),
                reason,
            };
            let pem = std::fs::read_to_string(path).map_err(|e| ca_error(e.to_string()))?;
            if !pem.contains("-----BEGIN CERTIFICATE-----") {
                return Err(ca_error("holds no PEM certificate".into()));
            }
            tls.cert_chain = Some(pem);
        }
        Ok(Self { uri, tls })
    }

    pub fn is_tls(&self) -> bool {
        self.uri.scheme == AMQPScheme::AMQPS
    }

    /// Opens a connection named `name` (shown in RabbitMQ's management UI).
    pub async fn connect(&self, name: &str) -> Result<Connection, lapin::Error> {
        Connection::connect_uri_with_config(
            self.uri.clone(),
            ConnectionProperties::default().with_connection_name(name.into()),
            self.tls.clone(),
            lapin::runtime::default_runtime()?,
        )
        .await
    }
}

/// What the URL starts with, for the error message (never the credentials after it).
fn scheme_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, _)) => format!("the scheme is {scheme:?}"),
        None => "no scheme".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_amqp_and_amqps_urls_are_accepted() {
        assert!(!Broker::new("amqp://guest:guest@127.0.0.1:5672/%2f", None)
            .unwrap()
            .is_tls());
        assert!(Broker::new("amqps://u:p@rabbit.example:5671/%2f", None)
            .unwrap()
            .is_tls());
        for bad in ["http://x", "rabbit:5672", "amqpx://h", "amqp://h:notaport"] {
            let error = Broker::new(bad, None).expect_err(bad).to_string();
            assert!(error.contains("TESSERA_AMQP_URL"), "{bad}: {error}");
        }
    }

    #[test]
    fn errors_and_debug_output_keep_the_password_out() {
        let error = Broker::new("http://user:s3cret@host", None)
            .unwrap_err()
            .to_string();
        assert!(!error.contains("s3cret"), "{error}");
        let broker = Broker::new("amqps://user:s3cret@host:5671/%2f", None).unwrap();
        assert!(!format!("{broker:?}").contains("s3cret"));
    }

    #[test]
    fn a_ca_file_must_hold_certificates_and_needs_amqps() {
        let dir = std::env::temp_dir().join(format!("tessera-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate").unwrap();
        assert!(matches!(
            Broker::new("amqps://h:5671/%2f", Some(&empty)),
            Err(BrokerConfigError::CaFile { .. })
        ));
        assert!(matches!(
            Broker::new("amqps://h:5671/%2f", Some(&dir.join("missing.pem"))),
            Err(BrokerConfigError::CaFile { .. })
        ));
        assert!(matches!(
            Broker::new("amqp://h:5672/%2f", Some(&empty)),
            Err(BrokerConfigError::CaWithoutTls)
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
