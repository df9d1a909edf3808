//! A local SMTP server for black-box tests: speaks enough SMTP (EHLO/HELO, AUTH PLAIN,
//! MAIL, RCPT, DATA, RSET, NOOP, QUIT) on a free 127.0.0.1 port to capture what the
//! server sends, without TLS (the SMTP connector's default, opportunistic STARTTLS, stays
//! plain when STARTTLS is not offered). Each captured message is handed out once, in
//! arrival order, by [`SmtpReceiver::next_message`] and [`SmtpReceiver::wait_for`].

use base64::Engine;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// One message as it arrived.
#[derive(Debug, Clone)]
pub struct Mail {
    /// `MAIL FROM` address.
    pub from: String,
    /// `RCPT TO` addresses.
    pub to: Vec<String>,
    /// The `AUTH PLAIN` credentials of the session, if it authenticated.
    pub auth: Option<(String, String)>,
    /// The message (headers and body), dot-unstuffed, CRLF line ends.
    pub data: String,
}

impl Mail {
    fn split(&self) -> (&str, &str) {
        self.data.split_once("\r\n\r\n").unwrap_or((&self.data, ""))
    }

    /// A header's value (first occurrence, folded lines joined), case-insensitive name.
    pub fn header(&self, name: &str) -> Option<String> {
        let (head, _) = self.split();
        let mut value: Option<String> = None;
        for line in head.split("\r\n") {
            match &mut value {
                Some(v) if line.starts_with([' ', '\t']) => v.push_str(line.trim_start()),
                Some(_) => break,
                None => {
                    if let Some((k, v)) = line.split_once(':') {
                        if k.eq_ignore_ascii_case(name) {
                            value = Some(v.trim().to_owned());
                        }
                    }
                }
            }
        }
        value
    }

    pub fn subject(&self) -> String {
        self.header("subject").unwrap_or_default()
    }

    /// The body, decoded from its transfer encoding (7bit, quoted-printable, base64).
    pub fn body(&self) -> String {
        let (_, body) = self.split();
        match self
            .header("content-transfer-encoding")
            .map(|e| e.to_ascii_lowercase())
            .as_deref()
        {
            Some("base64") => {
                let compact: String = body.split_whitespace().collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .expect("base64 body");
                String::from_utf8_lossy(&bytes).into_owned()
            }
            Some("quoted-printable") => decode_quoted_printable(body),
            _ => body.to_owned(),
        }
    }

    /// The first run of exactly `len` ASCII digits in the body (a one-time code).
    pub fn code(&self, len: usize) -> Option<String> {
        first_digits(&self.body(), len)
    }
}

/// The first run of exactly `len` ASCII digits in `text`.
pub fn first_digits(text: &str, len: usize) -> Option<String> {
    text.split(|c: char| !c.is_ascii_digit())
        .find(|run| run.len() == len)
        .map(str::to_owned)
}

fn decode_quoted_printable(text: &str) -> String {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') => i += 3,
            b'=' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(b) => out.push(b),
                    Err(_) => out.extend_from_slice(&bytes[i..i + 3]),
                }
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Default)]
struct State {
    mails: Vec<Mail>,
    /// How many of `mails` were handed out by `next_message`/`wait_for`.
    taken: Vec<bool>,
}

#[derive(Clone)]
pub struct SmtpReceiver {
    pub host: String,
    pub port: u16,
    state: Arc<Mutex<State>>,
    arrived: Arc<Notify>,
}

impl SmtpReceiver {
    /// Listens on a free port of 127.0.0.1 until the test ends.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind SMTP");
        let port = listener.local_addr().expect("SMTP address").port();
        let receiver = Self {
            host: "127.0.0.1".into(),
            port,
            state: Arc::default(),
            arrived: Arc::new(Notify::new()),
        };
        let r = receiver.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let r = r.clone();
                tokio::spawn(async move { r.session(stream).await });
            }
        });
        receiver
    }

    /// Every message received so far (taken or not).
    pub fn messages(&self) -> Vec<Mail> {
        self.state.lock().expect("SMTP state").mails.clone()
    }

    /// The oldest message not handed out yet, waiting up to `within` (panics after).
    pub async fn next_message(&self, within: Duration) -> Mail {
        self.take(|_| true, "any recipient", within).await
    }

    /// The oldest message to `to` not handed out yet, waiting up to `within` (panics
    /// after).
    pub async fn wait_for(&self, to: &str, within: Duration) -> Mail {
        let want = to.to_ascii_lowercase();
        self.take(
            |m| m.to.iter().any(|t| t.to_ascii_lowercase() == want),
            to,
            within,
        )
        .await
    }

    async fn take(&self, matches: impl Fn(&Mail) -> bool, what: &str, within: Duration) -> Mail {
        let deadline = Instant::now() + within;
        loop {
            let notified = self.arrived.notified();
            {
                let mut s = self.state.lock().expect("SMTP state");
                let State { mails, taken } = &mut *s;
                if let Some(i) = (0..mails.len()).find(|&i| !taken[i] && matches(&mails[i])) {
                    taken[i] = true;
                    return mails[i].clone();
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                panic!(
                    "no message for {what} within {within:?}; received: {:?}",
                    self.messages()
                );
            }
            let _ = tokio::time::timeout(left.min(Duration::from_millis(200)), notified).await;
        }
    }

    async fn session(&self, stream: TcpStream) {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        if write
            .write_all(b"220 tessera-test ESMTP\r\n")
            .await
            .is_err()
        {
            return;
        }
        let mut from = String::new();
        let mut to = Vec::new();
        let mut auth = None;
        let mut line = String::new();
        loop {
            line.clear();
            match lines.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let command = line.trim_end().to_owned();
            let upper = command.to_ascii_uppercase();
            let answer: String = if upper.starts_with("EHLO") {
                "250-tessera-test\r\n250-8BITMIME\r\n250-AUTH PLAIN\r\n250 SMTPUTF8\r\n".into()
            } else if upper.starts_with("HELO") {
                "250 tessera-test\r\n".into()
            } else if upper.starts_with("AUTH PLAIN") {
                let encoded = command.get(11..).unwrap_or("").trim();
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(encoded)
                    .unwrap_or_default();
                let parts: Vec<String> = decoded
                    .split(|b| *b == 0)
                    .map(|p| String::from_utf8_lossy(p).into_owned())
                    .collect();
                match parts.as_slice() {
                    [_, user, pass] => {
                        auth = Some((user.clone(), pass.clone()));
                        "235 2.7.0 accepted\r\n".into()
                    }
                    _ => "501 malformed AUTH PLAIN\r\n".into(),
                }
            } else if upper.starts_with("MAIL FROM:") {
                from = address(&command[10..]);
                to.clear();
                "250 ok\r\n".into()
            } else if upper.starts_with("RCPT TO:") {
                to.push(address(&command[8..]));
                "250 ok\r\n".into()
            } else if upper == "DATA" {
                if write
                    .write_all(b"354 end with <CRLF>.<CRLF>\r\n")
                    .await
                    .is_err()
                {
                    return;
                }
                let mut data = String::new();
                loop {
                    line.clear();
                    match lines.read_line(&mut line).await {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    let unstuffed = line.strip_prefix('.').unwrap_or(&line);
                    data.push_str(unstuffed.trim_end_matches(['\r', '\n']));
                    data.push_str("\r\n");
                }
                {
                    let mut s = self.state.lock().expect("SMTP state");
                    s.mails.push(Mail {
                        from: from.clone(),
                        to: to.clone(),
                        auth: auth.clone(),
                        data,
                    });
                    s.taken.push(false);
                }
                self.arrived.notify_waiters();
                "250 queued\r\n".into()
            } else if upper == "RSET" || upper == "NOOP" {
                "250 ok\r\n".into()
            } else if upper == "QUIT" {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            } else {
                "502 not implemented\r\n".into()
            };
            if write.write_all(answer.as_bytes()).await.is_err() {
                return;
            }
        }
    }
}

/// `<a@b> SIZE=…` → `a@b`.
fn address(arg: &str) -> String {
    let arg = arg.trim();
    match (arg.find('<'), arg.find('>')) {
        (Some(start), Some(end)) if start < end => arg[start + 1..end].to_owned(),
        _ => arg.split_whitespace().next().unwrap_or("").to_owned(),
    }
}
