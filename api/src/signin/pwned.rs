//! The optional online breached-password check (`TESSERA_PASSWORD_PWNED_API`, e.g.
//! `https://api.pwnedpasswords.com`): Have I Been Pwned's k-anonymity range API. Only the
//! first five hexadecimal characters of the password's SHA-1 leave the server; the answer
//! lists the suffixes of every breached password with that prefix, and the match is made
//! here. The offline check (`domain::password::policy`) runs first and always; when the
//! range API cannot be reached the password is judged by the offline check alone (a
//! warning is logged): registration must not stop because a third party is down.

use aws_lc_rs::digest::{digest, SHA1_FOR_LEGACY_USE_ONLY};

/// A range answer is about 800 lines of 40 bytes; anything far beyond is not one.
const MAX_BODY: usize = 1 << 20;

/// The range query's prefix and the suffix to look for (upper-case hex of SHA-1).
pub fn split(password: &str) -> (String, String) {
    let hex: String = digest(&SHA1_FOR_LEGACY_USE_ONLY, password.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    let (prefix, suffix) = hex.split_at(5);
    (prefix.to_owned(), suffix.to_owned())
}

/// Whether a range answer (`SUFFIX:COUNT` per line) lists `suffix` with a count above 0
/// (padding entries have count 0).
pub fn listed(body: &str, suffix: &str) -> bool {
    body.lines().any(|line| {
        line.trim().split_once(':').is_some_and(|(s, count)| {
            s.eq_ignore_ascii_case(suffix) && count.trim().parse::<u64>().is_ok_and(|n| n > 0)
        })
    })
}

/// Asks the range API at `base`; `None` when it gave no usable answer.
pub async fn is_breached(
    sender: &webhooks::sender::Sender,
    base: &str,
    password: &str,
) -> Option<bool> {
    let (prefix, suffix) = split(password);
    let url = format!("{}/range/{prefix}", base.trim_end_matches('/'));
    match sender.get(&url, MAX_BODY).await {
        Ok((200, body)) => Some(listed(&body, &suffix)),
        Ok((status, _)) => {
            tracing::warn!(
                status,
                "breached-password range API refused; offline check only"
            );
            None
        }
        Err(error) => {
            tracing::warn!(%error, "breached-password range API unreachable; offline check only");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefix_is_all_that_leaves_and_suffixes_match() {
        // SHA-1("password") = 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8 (RFC-free, well known).
        let (prefix, suffix) = split("password");
        assert_eq!(prefix, "5BAA6");
        assert_eq!(suffix, "1E4C9B93F3F0682250B6CF8331B7EE68FD8");
        let body = "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n1e4c9b93f3f0682250b6cf8331b7ee68fd8:3730471\r\n";
        assert!(listed(body, &suffix));
        assert!(
            !listed("1E4C9B93F3F0682250B6CF8331B7EE68FD8:0\r\n", &suffix),
            "padding"
        );
        assert!(!listed("0018A45C4D1DEF81644B54AB7F969B88D65:1", &suffix));
    }
}
