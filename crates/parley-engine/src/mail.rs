//! Outgoing email: messages are jobs (`mail.send`), delivered over SMTP by `lettre`, so a restart neither loses nor repeats one.
//!
//! A caller enqueues an [`OutgoingMail`] in its own transaction (the invitation and its email
//! commit together, or neither does); a worker sends it. Delivery is at least once: a worker
//! that dies after the server accepted the message but before the job was marked done sends
//! it again on the retry. The job id is the message's `Message-ID`, so a duplicate is
//! recognisable (and most mail systems drop it).
//!
//! The SMTP URL carries the password; it is parsed once at startup into [`SmtpSettings`],
//! whose `Debug` output leaves the password out, and no error message quotes the URL.

use crate::error::invalid;
use crate::worker::{JobError, JobHandler};
use crate::{EngineError, EngineResult};
use async_trait::async_trait;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use parley_store::ConnectionTrait;
use parley_store::jobs::{self, ClaimedJob, NewJob};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// The job that sends one email.
pub const SEND_JOB: &str = "mail.send";
/// Attempts before a message is dead-lettered: with the queue's backoff (2 s doubling, at
/// most 15 min) eight attempts cover roughly half an hour of an unreachable mail server.
const MAX_ATTEMPTS: i32 = 8;
/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// One plain-text email to one recipient.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

/// Enqueues one email; `key` makes a repeated enqueue (a retried caller) a no-op.
///
/// The recipient is checked here, so a typo fails the caller's request rather than a job
/// nobody watches.
pub async fn enqueue(c: &impl ConnectionTrait, mail: &OutgoingMail, key: &str) -> EngineResult<()> {
    if mail.to.parse::<Mailbox>().is_err() {
        return Err(invalid("to", "must be an email address"));
    }
    let payload = serde_json::to_value(mail).map_err(|e| EngineError::Internal(e.to_string()))?;
    jobs::enqueue(
        c,
        NewJob::new(SEND_JOB, payload)
            .max_attempts(MAX_ATTEMPTS)
            .unique_key(format!("mail:{key}")),
    )
    .await?;
    Ok(())
}

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// `smtps://`: TLS from the first byte (port 465).
    Implicit,
    /// `smtp://` (the default): STARTTLS, required.
    StartTls,
    /// `smtp://…?tls=opportunistic`: STARTTLS when the server offers it.
    Opportunistic,
    /// `smtp://…?tls=none`: plain text, for a relay on the same host or a test server.
    None,
}

/// A parsed `PARLEY_SMTP_URL` and sender.
#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub tls: TlsMode,
    pub username: Option<String>,
    password: Option<String>,
    pub from: Mailbox,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl SmtpSettings {
    /// Parses `smtp[s]://[user[:password]@]host[:port][?tls=required|opportunistic|none]`
    /// and the sender (`Name <addr>` or `addr`; defaults to `parley@<host>`). Errors never
    /// quote the URL, which holds the password.
    pub fn parse(url: &str, from: Option<&str>) -> Result<Self, String> {
        let parsed = reqwest::Url::parse(url.trim())
            .map_err(|e| format!("PARLEY_SMTP_URL is not a URL ({e})"))?;
        let implicit = match parsed.scheme() {
            "smtps" => true,
            "smtp" => false,
            other => {
                return Err(format!(
                    "PARLEY_SMTP_URL must start with smtp:// or smtps://, not {other}://"
                ));
            }
        };
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("PARLEY_SMTP_URL has no host")?
            .trim_matches(['[', ']'])
            .to_string();
        let mut tls = if implicit {
            TlsMode::Implicit
        } else {
            TlsMode::StartTls
        };
        for (key, value) in parsed.query_pairs() {
            match (key.as_ref(), value.as_ref(), implicit) {
                ("tls", "required" | "starttls", false) => tls = TlsMode::StartTls,
                ("tls", "opportunistic", false) => tls = TlsMode::Opportunistic,
                ("tls", "none", false) => tls = TlsMode::None,
                ("tls", _, true) => {
                    return Err("PARLEY_SMTP_URL: smtps:// is always TLS; drop ?tls=".into());
                }
                ("tls", v, _) => {
                    return Err(format!(
                        "PARLEY_SMTP_URL: tls must be required, opportunistic or none, not {v:?}"
                    ));
                }
                (k, _, _) => return Err(format!("PARLEY_SMTP_URL: unknown parameter {k:?}")),
            }
        }
        let port = parsed.port().unwrap_or(match tls {
            TlsMode::Implicit => 465,
            _ => 587,
        });
        let decode = |s: &str| {
            percent_decode(s).map_err(|_| "PARLEY_SMTP_URL: bad percent-encoding".to_string())
        };
        let username = (!parsed.username().is_empty())
            .then(|| decode(parsed.username()))
            .transpose()?;
        let password = parsed.password().map(decode).transpose()?;
        let from = match from.map(str::trim).filter(|f| !f.is_empty()) {
            Some(f) => f
                .parse::<Mailbox>()
                .map_err(|_| "PARLEY_SMTP_FROM must be an email address".to_string())?,
            None => format!("Parley <parley@{host}>")
                .parse::<Mailbox>()
                .map_err(|_| "set PARLEY_SMTP_FROM: no sender can be made from the host")?,
        };
        Ok(Self {
            host,
            port,
            tls,
            username,
            password,
            from,
        })
    }

    fn transport(&self) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
        let params =
            || TlsParameters::new(self.host.clone()).map_err(|e| format!("TLS parameters: {e}"));
        let tls = match self.tls {
            TlsMode::Implicit => Tls::Wrapper(params()?),
            TlsMode::StartTls => Tls::Required(params()?),
            TlsMode::Opportunistic => Tls::Opportunistic(params()?),
            TlsMode::None => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&self.host)
            .port(self.port)
            .tls(tls)
            .timeout(Some(SMTP_TIMEOUT));
        if let Some(user) = &self.username {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                self.password.clone().unwrap_or_default(),
            ));
        }
        Ok(builder.build())
    }
}

fn percent_decode(s: &str) -> Result<String, ()> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3).ok_or(())?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| ())?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| ())
}

/// This node's way out for email: SMTP settings, or none.
#[derive(Clone, Debug, Default)]
pub struct Mailer {
    smtp: Option<Arc<SmtpSettings>>,
}

impl Mailer {
    pub fn new(smtp: Option<SmtpSettings>) -> Self {
        Self {
            smtp: smtp.map(Arc::new),
        }
    }

    /// Whether SMTP is configured on this node (invitations then show a link to copy instead).
    pub fn configured(&self) -> bool {
        self.smtp.is_some()
    }

    /// Sends one message now; `message_id` becomes its `Message-ID` (the job id, so a
    /// repeat after a lost acknowledgement is recognisable).
    pub async fn send(&self, mail: &OutgoingMail, message_id: &str) -> Result<(), JobError> {
        let Some(smtp) = &self.smtp else {
            return Err(JobError::Permanent(
                "email is not configured on this node: set PARLEY_SMTP_URL".into(),
            ));
        };
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|_| JobError::Permanent(format!("bad recipient {:?}", mail.to)))?;
        let domain = smtp.from.email.domain().to_string();
        let message = Message::builder()
            .from(smtp.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(format!("<{message_id}@{domain}>")))
            .header(ContentType::TEXT_PLAIN)
            .body(mail.text.clone())
            .map_err(|e| JobError::Permanent(format!("building the message: {e}")))?;
        let transport = smtp.transport().map_err(JobError::Permanent)?;
        match transport.send(message).await {
            Ok(_) => {
                metrics::counter!("parley_mail_sent_total", "outcome" => "sent").increment(1);
                Ok(())
            }
            Err(e) => {
                metrics::counter!("parley_mail_sent_total", "outcome" => "failed").increment(1);
                // lettre's errors name the server's reply, never the credentials.
                let text = format!("SMTP {}:{}: {e}", smtp.host, smtp.port);
                if e.is_permanent() {
                    Err(JobError::Permanent(text))
                } else {
                    Err(JobError::Retry(text))
                }
            }
        }
    }
}

/// Runs `mail.send` jobs.
pub struct SendHandler {
    pub mailer: Mailer,
}

#[async_trait]
impl JobHandler for SendHandler {
    async fn run(&self, job: &ClaimedJob) -> Result<(), JobError> {
        let mail: OutgoingMail = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("bad mail payload: {e}")))?;
        self.mailer.send(&mail, &job.id.to_string()).await?;
        tracing::info!(job = %job.id, subject = %mail.subject, "email sent");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_tls_and_port_and_hide_the_password() {
        let s = SmtpSettings::parse("smtp://me%40x.org:p%40ss@mail.example.org", None).unwrap();
        assert_eq!(s.tls, TlsMode::StartTls);
        assert_eq!(s.port, 587);
        assert_eq!(s.username.as_deref(), Some("me@x.org"));
        assert_eq!(s.password.as_deref(), Some("p@ss"));
        assert_eq!(s.from.email.to_string(), "parley@mail.example.org");
        assert!(!format!("{s:?}").contains("p@ss"));

        let s = SmtpSettings::parse("smtps://mail.example.org", Some("Help <help@x.org>")).unwrap();
        assert_eq!((s.tls, s.port), (TlsMode::Implicit, 465));
        assert_eq!(s.from.email.to_string(), "help@x.org");

        let s = SmtpSettings::parse("smtp://127.0.0.1:2525?tls=none", None).unwrap();
        assert_eq!((s.tls, s.port), (TlsMode::None, 2525));
        assert!(s.username.is_none());

        for bad in [
            "http://x.org",
            "smtp://x.org?tls=maybe",
            "smtps://x.org?tls=none",
            "smtp://x.org?debug=1",
            "smtp://",
        ] {
            assert!(SmtpSettings::parse(bad, None).is_err(), "{bad}");
        }
        let err = SmtpSettings::parse("smtp://u:secret@x.org?tls=bad", None).unwrap_err();
        assert!(!err.contains("secret"));
        assert!(SmtpSettings::parse("smtp://x.org", Some("not an address")).is_err());
    }

    /// An unreachable server is worth retrying: the job backs off instead of dying.
    #[tokio::test]
    async fn an_unreachable_server_is_retried_and_the_error_hides_the_password() {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let url = format!("smtp://me:hunter2secret@127.0.0.1:{port}?tls=none");
        let handler = SendHandler {
            mailer: Mailer::new(Some(SmtpSettings::parse(&url, None).unwrap())),
        };
        let job = ClaimedJob {
            id: uuid::Uuid::now_v7(),
            kind: SEND_JOB.into(),
            payload: serde_json::json!({"to": "a@b.org", "subject": "s", "text": "t"}),
            attempts: 1,
            max_attempts: MAX_ATTEMPTS,
            lease_token: uuid::Uuid::now_v7(),
        };
        match handler.run(&job).await {
            Err(JobError::Retry(e)) => assert!(!e.contains("hunter2secret"), "{e}"),
            other => panic!("expected a retry, got {other:?}"),
        }
        let bad = ClaimedJob {
            payload: serde_json::json!({"to": 1}),
            ..job
        };
        assert!(matches!(
            handler.run(&bad).await,
            Err(JobError::Permanent(_))
        ));
    }

    #[tokio::test]
    async fn without_smtp_sending_fails_for_good() {
        let mail = OutgoingMail {
            to: "a@b.org".into(),
            subject: "s".into(),
            text: "t".into(),
        };
        let err = Mailer::default().send(&mail, "id").await.unwrap_err();
        assert!(matches!(err, JobError::Permanent(m) if m.contains("PARLEY_SMTP_URL")));
    }
}
