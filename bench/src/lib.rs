//! Shared helpers for the benchmark binaries.

use std::net::{IpAddr, ToSocketAddrs};
use std::time::Duration;

/// How long the HTTP load drivers send before they start measuring.
pub const WARMUP: Duration = Duration::from_secs(2);

/// Logto's Management API resource indicator.
pub const MANAGEMENT_API: &str = "https://default.logto.app/api";

/// Refuses any target that is not on this machine: `url` must be `http://<host>:<port>…`
/// and every address `host` resolves to must be a loopback address.
pub fn loopback_only(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("--url must be http://<loopback>:<port>")?;
    let host_port = rest.split('/').next().unwrap_or(rest);
    let addrs: Vec<IpAddr> = host_port
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host_port}: {e}"))?
        .map(|a| a.ip())
        .collect();
    if addrs.is_empty() || !addrs.iter().all(IpAddr::is_loopback) {
        return Err(format!("{host_port} is not a loopback address; refusing"));
    }
    Ok(())
}

/// The `p` quantile (0..=1, nearest rank) of latencies in microseconds, in milliseconds.
/// `sorted` must be sorted ascending; an empty slice gives 0.
pub fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

/// An `application/x-www-form-urlencoded` body.
pub fn form_body(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn encode(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_accepted_and_anything_else_refused() {
        assert!(loopback_only("http://127.0.0.1:3001").is_ok());
        assert!(loopback_only("http://127.0.0.1:3001/oidc").is_ok());
        assert!(loopback_only("https://127.0.0.1:3001").is_err());
        assert!(loopback_only("http://10.0.0.1:3001").is_err());
    }

    #[test]
    fn forms_are_percent_encoded() {
        assert_eq!(
            form_body(&[("resource", "https://a.example/api"), ("scope", "a b")]),
            "resource=https%3A%2F%2Fa.example%2Fapi&scope=a%20b"
        );
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let sorted: Vec<u64> = (1..=100).map(|i| i * 1000).collect();
        assert_eq!(percentile(&sorted, 0.5), 51.0);
        assert_eq!(percentile(&sorted, 0.99), 99.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }
}
