//! A tiny SMTP server for tests: listens on 127.0.0.1:0, speaks just enough SMTP (EHLO/HELO,
//! MAIL, RCPT, DATA, RSET, NOOP, QUIT) for `lettre` with `?tls=none`, and keeps every message
//! it accepts so a test can wait for one.
//!
//! ```ignore
//! let sink = SmtpSink::start().await;
//! config.smtp_url = Some(sink.url());
//! let mail = sink.wait_for(|m| m.to.contains(&"a@b.org".into()), Duration::from_secs(10)).await;
//! ```

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// One accepted message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkMessage {
    /// The envelope sender (`MAIL FROM`).
    pub from: String,
    /// The envelope recipients (`RCPT TO`).
    pub to: Vec<String>,
    /// The `Subject` header, unfolded.
    pub subject: String,
    /// The `Message-ID` header.
    pub message_id: String,
    /// The body after the headers, dot-unstuffed, with quoted-printable soft breaks undone
    /// when the message says it is quoted-printable.
    pub text: String,
    /// Headers and body as received.
    pub raw: String,
}

#[derive(Default)]
struct Shared {
    messages: Mutex<Vec<SinkMessage>>,
    arrived: Notify,
}

pub struct SmtpSink {
    pub port: u16,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind smtp sink");
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(Shared::default());
        let accepting = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = accepting.clone();
                tokio::spawn(async move {
                    let _ = session(stream, shared).await;
                });
            }
        });
        SmtpSink { port, shared, task }
    }

    /// The value for `PARLEY_SMTP_URL`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    pub fn messages(&self) -> Vec<SinkMessage> {
        self.shared.messages.lock().unwrap().clone()
    }

    /// The first message (arrived or arriving) that matches; panics after `timeout`.
    pub async fn wait_for(
        &self,
        predicate: impl Fn(&SinkMessage) -> bool,
        timeout: Duration,
    ) -> SinkMessage {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.arrived.notified();
            if let Some(m) = self.messages().into_iter().find(|m| predicate(m)) {
                return m;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "no matching email within {timeout:?}; received: {:#?}",
                    self.messages()
                );
            }
        }
    }
}

async fn session(stream: TcpStream, shared: Arc<Shared>) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.test ESMTP ready\r\n").await?;
    let (mut from, mut to) = (String::new(), Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_string();
        let upper = command.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            write
                .write_all(b"250-sink.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                .await?;
        } else if upper.starts_with("HELO") {
            write.write_all(b"250 sink.test\r\n").await?;
        } else if upper.starts_with("MAIL FROM:") {
            from = address(&command["MAIL FROM:".len()..]);
            to.clear();
            write.write_all(b"250 OK\r\n").await?;
        } else if upper.starts_with("RCPT TO:") {
            to.push(address(&command["RCPT TO:".len()..]));
            write.write_all(b"250 OK\r\n").await?;
        } else if upper == "DATA" {
            write.write_all(b"354 end with .\r\n").await?;
            let mut raw = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                let l = line.trim_end_matches(['\r', '\n']);
                if l == "." {
                    break;
                }
                raw.push_str(l.strip_prefix('.').unwrap_or(l));
                raw.push('\n');
            }
            let message = parse(&from, &to, raw);
            shared.messages.lock().unwrap().push(message);
            shared.arrived.notify_waiters();
            write.write_all(b"250 OK queued\r\n").await?;
        } else if upper == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else if upper == "RSET" || upper == "NOOP" {
            write.write_all(b"250 OK\r\n").await?;
        } else {
            write.write_all(b"502 not implemented\r\n").await?;
        }
    }
}

/// `<a@b.org> SIZE=…` -> `a@b.org`.
fn address(arg: &str) -> String {
    let arg = arg.trim();
    match (arg.find('<'), arg.find('>')) {
        (Some(a), Some(b)) if a < b => arg[a + 1..b].to_string(),
        _ => arg.split_whitespace().next().unwrap_or("").to_string(),
    }
}

fn parse(from: &str, to: &[String], raw: String) -> SinkMessage {
    let (head, body) = raw.split_once("\n\n").unwrap_or((raw.as_str(), ""));
    // Unfold continuation lines, then read the headers we need.
    let unfolded = head.replace("\n ", " ").replace("\n\t", " ");
    let header = |name: &str| {
        unfolded
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
            })
            .unwrap_or_default()
    };
    let quoted_printable =
        header("Content-Transfer-Encoding").eq_ignore_ascii_case("quoted-printable");
    let text = if quoted_printable {
        decode_quoted_printable(body)
    } else {
        body.to_string()
    };
    SinkMessage {
        from: from.to_string(),
        to: to.to_vec(),
        subject: header("Subject"),
        message_id: header("Message-ID"),
        text: text.trim_end().to_string(),
        raw: raw.clone(),
    }
}

fn decode_quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && let Some(hex) = joined.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
