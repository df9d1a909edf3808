//! Which addresses a hook may reach. A hook URL is refused when its host is, or resolves
//! to, an address inside the server's own networks (loopback, private, link-local — which
//! includes cloud metadata at 169.254.169.254 — unspecified, multicast, CGNAT, ULA, and the
//! same hidden in IPv4-mapped/compatible IPv6), unless `TESSERA_WEBHOOK_ALLOW_PRIVATE`.
//!
//! The check runs when a hook is saved and again at every delivery, inside the HTTP
//! client's DNS resolver ([`CheckedResolver`]): the connection goes only to addresses that
//! passed, so a name that re-resolves to a private address between check and connect
//! (DNS rebinding) is refused too.

use hyper_util::client::legacy::connect::dns::Name;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefused {
    #[error("{0}")]
    Invalid(String),
    #[error("{host} resolves to {addr}, a private or reserved address")]
    Private { host: String, addr: IpAddr },
    #[error("{host} does not resolve: {reason}")]
    Unresolvable { host: String, reason: String },
}

/// Whether `addr` is public (routable on the internet and not a special-purpose range).
pub fn is_public(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            let seg = v6.segments();
            // IPv4-compatible (::a.b.c.d, deprecated) and NAT64 (64:ff9b::/96) embed v4.
            if seg[..6] == [0, 0, 0, 0, 0, 0] || seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                let o = v6.octets();
                let v4 = Ipv4Addr::new(o[12], o[13], o[14], o[15]);
                return !v6.is_loopback() && !v6.is_unspecified() && is_public_v4(v4);
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (seg[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (seg[0] & 0xffc0) == 0xfec0 // site-local (deprecated) fec0::/10
                || (seg[0] == 0x2001 && seg[1] == 0x0db8) // documentation
                || (seg[0] == 0x0100 && seg[1..4] == [0, 0, 0])) // discard-only 100::/64
        }
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let o = v4.octets();
    !(v4.is_private()
        || v4.is_loopback()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_multicast()
        || v4.is_broadcast()
        || v4.is_documentation()
        || o[0] == 0 // "this network"
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // CGNAT 100.64.0.0/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking 198.18.0.0/15
        || o[0] >= 240) // reserved
}

/// The address policy: everything, or public addresses only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressPolicy {
    pub allow_private: bool,
}

impl AddressPolicy {
    pub fn permits(&self, addr: IpAddr) -> bool {
        self.allow_private || is_public(addr)
    }

    /// Parses `url` and resolves its host: the URL is refused if it is not http(s) or
    /// if any address it resolves to is refused (a host with one private address is
    /// treated as private, so round-robin DNS cannot sneak one in).
    pub async fn check_url(&self, url: &str) -> Result<(), UrlRefused> {
        let parsed = url::Url::parse(url).map_err(|e| UrlRefused::Invalid(e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(UrlRefused::Invalid("must be an http or https URL".into()));
        }
        let host = match parsed.host() {
            Some(url::Host::Ipv4(v4)) => return self.check_addr(&v4.to_string(), v4.into()),
            Some(url::Host::Ipv6(v6)) => return self.check_addr(&v6.to_string(), v6.into()),
            Some(url::Host::Domain(d)) => d.to_owned(),
            None => return Err(UrlRefused::Invalid("must name a host".into())),
        };
        self.resolve(&host).await.map(|_| ())
    }

    fn check_addr(&self, host: &str, addr: IpAddr) -> Result<(), UrlRefused> {
        if self.permits(addr) {
            Ok(())
        } else {
            Err(UrlRefused::Private {
                host: host.to_owned(),
                addr,
            })
        }
    }

    /// Resolves `host` and returns its addresses if every one is permitted.
    pub async fn resolve(&self, host: &str) -> Result<Vec<SocketAddr>, UrlRefused> {
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, 0))
            .await
            .map_err(|e| UrlRefused::Unresolvable {
                host: host.to_owned(),
                reason: e.to_string(),
            })?
            .collect();
        if addrs.is_empty() {
            return Err(UrlRefused::Unresolvable {
                host: host.to_owned(),
                reason: "no addresses".into(),
            });
        }
        for a in &addrs {
            self.check_addr(host, a.ip())?;
        }
        Ok(addrs)
    }
}

/// The HTTP client's DNS resolver with the policy applied: what it returns is what the
/// client connects to. (IP-literal URLs bypass resolvers; [`AddressPolicy::check_url`]
/// covers them before every request.)
#[derive(Debug, Clone, Copy)]
pub struct CheckedResolver {
    pub policy: AddressPolicy,
}

type Resolving =
    Pin<Box<dyn Future<Output = Result<std::vec::IntoIter<SocketAddr>, UrlRefused>> + Send>>;

impl tower_service::Service<Name> for CheckedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = UrlRefused;
    type Future = Resolving;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), UrlRefused>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let policy = self.policy;
        Box::pin(async move { Ok(policy.resolve(name.as_str()).await?.into_iter()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public(s.parse().unwrap())
    }

    #[test]
    fn reserved_ranges_are_refused_in_both_families() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "100.64.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::10.0.0.1",
        ] {
            assert!(!public(private), "{private} must be refused");
        }
        for ok in [
            "93.184.216.34",
            "2606:2800:220:1:248:1893:25c8:1946",
            "::ffff:8.8.8.8",
        ] {
            assert!(public(ok), "{ok} must be allowed");
        }
    }

    #[tokio::test]
    async fn literal_and_resolved_hosts_are_checked() {
        let strict = AddressPolicy {
            allow_private: false,
        };
        assert!(matches!(
            strict.check_url("http://127.0.0.1:9/x").await,
            Err(UrlRefused::Private { .. })
        ));
        assert!(matches!(
            strict.check_url("http://[::ffff:10.0.0.1]/").await,
            Err(UrlRefused::Private { .. })
        ));
        assert!(matches!(
            strict.check_url("http://localhost:9/").await,
            Err(UrlRefused::Private { .. })
        ));
        assert!(matches!(
            strict.check_url("file:///etc/passwd").await,
            Err(UrlRefused::Invalid(_))
        ));
        let open = AddressPolicy {
            allow_private: true,
        };
        assert!(open.check_url("http://127.0.0.1:9/x").await.is_ok());
    }
}
