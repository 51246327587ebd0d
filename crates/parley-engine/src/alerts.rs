//! Alert rules, their evaluation and delivery (email, Slack, signed webhook) as jobs.
//!
//! Evaluation is a job ([`EVALUATE_JOB`]): every node enqueues one per tick under the same
//! unique key (`alerts.evaluate:<tick>`), so in a cluster exactly one node evaluates each
//! tick, and a tick missed while every node was down is simply skipped. The evaluator
//! compares the conditions it finds with the stored alert states (`alert_states`) in one
//! transaction: a new condition fires (occurrence + 1), one still present is repeated once
//! `repeat_hours` have passed since its last notice, one gone is resolved. Each notice is
//! queued as a delivery job per channel keyed by workspace, alert, occurrence, event and
//! channel, so it survives restarts and is never sent twice; the state lives in the
//! database, so a restart neither fires again nor forgets what was firing.
//!
//! "The database is unreachable" cannot go through the database: each node checks it
//! itself ([`DatabaseWatch`]) and, when a ping fails twice in a row, posts the notice
//! directly from memory to the webhooks of the workspaces whose rule is on (best effort,
//! once per outage), then "resolved" when the database answers again.

use crate::integrations::Integrations;
use crate::vault::Vault;
use crate::worker::{JobError, JobHandler};
use crate::workflows::actions::sign;
use crate::{Actor, EngineError, EngineResult};
use async_trait::async_trait;
use parley_domain::FieldErrors;
use parley_domain::egress::{AllowHosts, is_public};
use parley_integrations::Provider;
use parley_store::jobs::{self, ClaimedJob, NewJob};
use parley_store::repo::alerts::{self as repo, AlertEvent, AlertState, FIRING, RESOLVED};
use parley_store::repo::{audit, integrations};
use parley_store::{ConnectionTrait, Store, StoreResult, now_ms};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use uuid::Uuid;

pub const EVALUATE_JOB: &str = "alerts.evaluate";
pub const DELIVER_JOB: &str = "alerts.deliver";

/// The kinds of alert rules, each with what its threshold means.
pub const INTEGRATION_DISCONNECTED: &str = "integration_disconnected";
/// Threshold: failure percentage over 15 minutes; `min_count` ended executions.
pub const WORKFLOW_FAILURES: &str = "workflow_failures";
/// Threshold: minutes the oldest due job has waited.
pub const QUEUE_AGE: &str = "queue_age";
/// Threshold: error percentage of model calls over 15 minutes; `min_count` calls.
pub const PROVIDER_ERRORS: &str = "provider_errors";
pub const DEAD_JOB: &str = "dead_job";
/// Threshold: free space percentage of the SQLite data directory's file system.
pub const DISK_SPACE: &str = "disk_space";
pub const DATABASE_DOWN: &str = "database_down";

pub const KINDS: [&str; 7] = [
    INTEGRATION_DISCONNECTED,
    WORKFLOW_FAILURES,
    QUEUE_AGE,
    PROVIDER_ERRORS,
    DEAD_JOB,
    DISK_SPACE,
    DATABASE_DOWN,
];

/// The window failure and error rates are measured over.
const RATE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Most dead-letter alerts one evaluation raises per workspace.
const MAX_DEAD_ALERTS: usize = 20;

/// One rule: on or off, its threshold and (for rates) the least count it needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub kind: String,
    pub enabled: bool,
    /// Percent (failures, errors, free disk) or minutes (queue age); unused by the others.
    #[serde(default)]
    pub threshold: Option<f64>,
    /// Least executions or calls in the window before a rate counts.
    #[serde(default)]
    pub min_count: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmailChannel {
    pub enabled: bool,
    /// Empty: the workspace's owners and admins.
    #[serde(default)]
    pub recipients: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlackChannel {
    pub enabled: bool,
    /// A channel id or `#name` the workspace's Slack connection can post to.
    #[serde(default)]
    pub channel: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookChannel {
    pub enabled: bool,
    #[serde(default)]
    pub url: String,
}

/// A workspace's alerting: its rules, how often a lasting alert repeats, where notices go.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertSettings {
    pub rules: Vec<Rule>,
    pub repeat_hours: i64,
    pub email: EmailChannel,
    pub slack: SlackChannel,
    pub webhook: WebhookChannel,
}

impl Default for AlertSettings {
    /// Every rule on, email to owners and admins, repeats every 4 hours.
    fn default() -> Self {
        let rule = |kind: &str, threshold: Option<f64>, min_count: Option<i64>| Rule {
            kind: kind.to_string(),
            enabled: true,
            threshold,
            min_count,
        };
        AlertSettings {
            rules: vec![
                rule(INTEGRATION_DISCONNECTED, None, None),
                rule(WORKFLOW_FAILURES, Some(20.0), Some(5)),
                rule(QUEUE_AGE, Some(10.0), None),
                rule(PROVIDER_ERRORS, Some(20.0), Some(5)),
                rule(DEAD_JOB, None, None),
                rule(DISK_SPACE, Some(10.0), None),
                rule(DATABASE_DOWN, None, None),
            ],
            repeat_hours: 4,
            email: EmailChannel {
                enabled: true,
                recipients: vec![],
            },
            slack: SlackChannel {
                enabled: false,
                channel: String::new(),
            },
            webhook: WebhookChannel {
                enabled: false,
                url: String::new(),
            },
        }
    }
}

impl AlertSettings {
    /// The rule of `kind` when it is on.
    pub fn rule(&self, kind: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.kind == kind && r.enabled)
    }

    /// Rules in the canonical order, with any kind missing from a stored document (an
    /// older version) at its default.
    fn normalized(mut self) -> Self {
        let defaults = AlertSettings::default();
        let mut rules = Vec::with_capacity(KINDS.len());
        for d in defaults.rules {
            rules.push(
                self.rules
                    .iter()
                    .find(|r| r.kind == d.kind)
                    .cloned()
                    .unwrap_or(d),
            );
        }
        self.rules = rules;
        self
    }

    fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut seen = HashSet::new();
        for (i, r) in self.rules.iter().enumerate() {
            if !KINDS.contains(&r.kind.as_str()) {
                errors.add(
                    format!("rules[{i}].kind"),
                    format!("must be one of {}", KINDS.join(", ")),
                );
                continue;
            }
            if !seen.insert(r.kind.clone()) {
                errors.add(format!("rules[{i}].kind"), "appears twice");
            }
            let percent = matches!(
                r.kind.as_str(),
                WORKFLOW_FAILURES | PROVIDER_ERRORS | DISK_SPACE
            );
            if let Some(t) = r.threshold {
                if percent && !(t > 0.0 && t <= 100.0) {
                    errors.add(
                        format!("rules[{i}].threshold"),
                        "must be a percentage above 0 and at most 100",
                    );
                }
                if r.kind == QUEUE_AGE && !(1.0..=1440.0).contains(&t) {
                    errors.add(format!("rules[{i}].threshold"), "must be 1 to 1440 minutes");
                }
            } else if percent || r.kind == QUEUE_AGE {
                errors.add(format!("rules[{i}].threshold"), "is required for this rule");
            }
            if let Some(n) = r.min_count
                && !(1..=100_000).contains(&n)
            {
                errors.add(format!("rules[{i}].min_count"), "must be 1 to 100000");
            }
        }
        errors.check(
            (1..=168).contains(&self.repeat_hours),
            "repeat_hours",
            "must be 1 to 168 hours",
        );
        for (i, to) in self.email.recipients.iter().enumerate() {
            let ok = to.len() <= 254
                && to
                    .split_once('@')
                    .is_some_and(|(a, d)| !a.is_empty() && d.contains('.'))
                && !to.contains(char::is_whitespace);
            errors.check(
                ok,
                &format!("email.recipients[{i}]"),
                "must be an email address",
            );
        }
        errors.check(
            self.email.recipients.len() <= 50,
            "email.recipients",
            "at most 50 recipients",
        );
        if self.slack.enabled {
            errors.check(
                !self.slack.channel.trim().is_empty(),
                "slack.channel",
                "name the channel (an id or #name) to post alerts to",
            );
        }
        if self.webhook.enabled || !self.webhook.url.is_empty() {
            let ok = reqwest::Url::parse(&self.webhook.url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
            errors.check(ok, "webhook.url", "must be an http or https URL");
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// What alerting needs: storage, the vault (webhook secrets, Slack tokens), the Slack
/// connection, the egress allow-list, Parley's public URL for links, and (on a SQLite
/// node) the free-space percentage of the data directory.
#[derive(Clone)]
pub struct Alerting {
    pub store: Store,
    pub vault: Vault,
    pub integrations: Arc<Integrations>,
    pub allow: AllowHosts,
    pub public_url: String,
    pub disk_free_percent: Option<Arc<dyn Fn() -> Option<f64> + Send + Sync>>,
    /// This node's SMTP, for the notice sent while the database is unreachable.
    pub mailer: crate::mail::Mailer,
}

/// A workspace's settings and the webhook secret in the clear (managers only).
#[derive(Debug, Clone)]
pub struct SettingsView {
    pub settings: AlertSettings,
    pub webhook_secret: Option<String>,
}

async fn load(
    c: &impl ConnectionTrait,
    vault: &Vault,
    ws: Uuid,
) -> StoreResult<(AlertSettings, Option<String>)> {
    Ok(match repo::settings(c, ws).await? {
        Some(stored) => (
            serde_json::from_value::<AlertSettings>(stored.settings)
                .map(AlertSettings::normalized)
                .unwrap_or_default(),
            stored.webhook_secret.and_then(|s| vault.open(&s)),
        ),
        None => (AlertSettings::default(), None),
    })
}

/// The workspace's alert settings (defaults when never saved).
pub async fn settings(al: &Alerting, actor: &Actor) -> EngineResult<SettingsView> {
    actor.require_manager()?;
    let (settings, webhook_secret) = load(al.store.db(), &al.vault, actor.workspace_id).await?;
    Ok(SettingsView {
        settings,
        webhook_secret,
    })
}

/// Replaces the workspace's alert settings (audited). A webhook secret is made the first
/// time a webhook URL is set and kept afterwards.
pub async fn put_settings(
    al: &Alerting,
    actor: &Actor,
    settings: AlertSettings,
) -> EngineResult<SettingsView> {
    actor.require_manager()?;
    settings.validate()?;
    let settings = settings.normalized();
    let ws = actor.workspace_id;
    let tx = al.store.begin().await?;
    let (_, secret) = load(&tx, &al.vault, ws).await?;
    let secret = match secret {
        Some(s) => Some(s),
        None if !settings.webhook.url.is_empty() => Some(crate::secrets::random_secret("whsec_")),
        None => None,
    };
    repo::put_settings(
        &tx,
        ws,
        &repo::StoredSettings {
            settings: serde_json::to_value(&settings).expect("plain data serializes"),
            webhook_secret: secret.as_deref().map(|s| al.vault.seal(s)),
        },
    )
    .await?;
    audit::record(
        &tx,
        ws,
        actor.audit(
            "alerts.settings_changed",
            None,
            json!({
                "enabled": settings.rules.iter().filter(|r| r.enabled).map(|r| r.kind.clone()).collect::<Vec<_>>(),
                "email": settings.email.enabled, "slack": settings.slack.enabled,
                "webhook": settings.webhook.enabled,
            }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(SettingsView {
        settings,
        webhook_secret: secret,
    })
}

/// The workspace's newest alert events.
pub async fn recent(al: &Alerting, actor: &Actor, limit: u64) -> EngineResult<Vec<AlertEvent>> {
    actor.require_manager()?;
    Ok(repo::events(al.store.db(), actor.workspace_id, limit.clamp(1, 200)).await?)
}

/// The workspace's alerts firing now.
pub async fn firing(al: &Alerting, actor: &Actor) -> EngineResult<Vec<AlertState>> {
    actor.require_manager()?;
    Ok(repo::states(al.store.db(), actor.workspace_id)
        .await?
        .into_iter()
        .filter(|s| s.status == FIRING)
        .collect())
}

/// Sends a test notice through every enabled channel (as jobs, like real notices).
/// Returns the channels it went to.
pub async fn send_test(al: &Alerting, actor: &Actor) -> EngineResult<Vec<String>> {
    actor.require_manager()?;
    let ws = actor.workspace_id;
    let (settings, _) = load(al.store.db(), &al.vault, ws).await?;
    let tx = al.store.begin().await?;
    let notice = Notice {
        workspace_id: ws,
        alert_key: "test".into(),
        kind: "test".into(),
        event: "test".into(),
        summary: "This is a test alert from Parley; delivery works.".into(),
        link: format!("{}/app/system", al.public_url.trim_end_matches('/')),
        at: now_ms(),
    };
    let id = Uuid::now_v7();
    let channels = queue_notice(&tx, &settings, &notice, &format!("test:{id}")).await?;
    tx.commit().await?;
    if channels.is_empty() {
        return Err(EngineError::Invalid({
            let mut e = FieldErrors::new();
            e.add(
                "channels",
                "no channel is enabled: turn on email, Slack or a webhook first",
            );
            e
        }));
    }
    Ok(channels)
}

/// A notice about an alert, as delivered.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notice {
    pub workspace_id: Uuid,
    pub alert_key: String,
    pub kind: String,
    /// `fired`, `repeated`, `resolved` or `test`.
    pub event: String,
    pub summary: String,
    pub link: String,
    pub at: i64,
}

impl Notice {
    pub fn subject(&self) -> String {
        let word = match self.event.as_str() {
            "resolved" => "RESOLVED",
            "test" => "TEST",
            "repeated" => "STILL FIRING",
            _ => "FIRING",
        };
        format!("[Parley] {word}: {}", self.summary)
    }

    pub fn text(&self) -> String {
        let when = crate::alerts::rfc3339(self.at);
        format!(
            "{}\n\nAlert: {} ({})\nAt: {when}\n\nSee the System page: {}\n",
            self.subject(),
            self.alert_key,
            self.kind,
            self.link
        )
    }
}

fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// A delivery job's payload.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Delivery {
    /// Carried for the System page's tenancy (see `jobs::workspace_of`).
    workspace_id: Uuid,
    channel: String,
    /// For email: the recipients.
    #[serde(default)]
    to: Vec<String>,
    notice: Notice,
    /// The idempotency key receivers see.
    key: String,
}

/// Queues `notice` on every enabled channel of `settings`, one job per channel (and email
/// recipient) keyed by `key`; returns the channels used.
async fn queue_notice(
    c: &impl ConnectionTrait,
    settings: &AlertSettings,
    notice: &Notice,
    key: &str,
) -> EngineResult<Vec<String>> {
    let ws = notice.workspace_id;
    let mut channels = Vec::new();
    let mut queued: Vec<(&str, Vec<String>)> = Vec::new();
    if settings.email.enabled {
        let to = recipients(c, settings, ws).await?;
        if !to.is_empty() {
            channels.push("email".to_string());
        }
        let mail = crate::mail::OutgoingMail {
            to: String::new(),
            subject: notice.subject(),
            text: notice.text(),
        };
        for to in to {
            let mail = crate::mail::OutgoingMail {
                to: to.clone(),
                ..mail.clone()
            };
            crate::mail::enqueue(c, &mail, &format!("alert:{ws}:{key}:email:{to}")).await?;
        }
    }
    if settings.slack.enabled {
        channels.push("slack".to_string());
        queued.push(("slack", vec![]));
    }
    if settings.webhook.enabled {
        channels.push("webhook".to_string());
        queued.push(("webhook", vec![]));
    }
    for (channel, to) in queued {
        let job_key = format!("alert:{ws}:{key}:{channel}");
        let delivery = Delivery {
            workspace_id: ws,
            channel: channel.to_string(),
            to,
            notice: notice.clone(),
            key: job_key.clone(),
        };
        jobs::enqueue(
            c,
            NewJob::new(
                DELIVER_JOB,
                serde_json::to_value(&delivery).expect("serializes"),
            )
            .max_attempts(8)
            .unique_key(job_key),
        )
        .await?;
    }
    repo::add_event(
        c,
        &AlertEvent {
            id: Uuid::now_v7(),
            workspace_id: ws,
            alert_key: notice.alert_key.clone(),
            kind: notice.kind.clone(),
            event: notice.event.clone(),
            summary: notice.summary.clone(),
            created_at: notice.at,
        },
    )
    .await?;
    Ok(channels)
}

/// Who gets a workspace's alert emails: the configured recipients, or its owners and
/// admins.
async fn recipients(
    c: &impl ConnectionTrait,
    settings: &AlertSettings,
    ws: Uuid,
) -> StoreResult<Vec<String>> {
    if settings.email.recipients.is_empty() {
        repo::manager_emails(c, ws).await
    } else {
        Ok(settings.email.recipients.clone())
    }
}

/// A condition found by evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub key: String,
    pub kind: &'static str,
    pub summary: String,
}

/// What an evaluation changed, for tests and logs.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub fired: Vec<String>,
    pub repeated: Vec<String>,
    pub resolved: Vec<String>,
}

/// Facts shared by every workspace in one evaluation.
struct Instance {
    oldest_due_age_ms: i64,
    disk_free_percent: Option<f64>,
}

async fn conditions(
    al: &Alerting,
    ws: Uuid,
    settings: &AlertSettings,
    instance: &Instance,
    now: i64,
) -> StoreResult<Vec<Condition>> {
    let db = al.store.db();
    let mut out = Vec::new();
    if settings.rule(INTEGRATION_DISCONNECTED).is_some() {
        for c in integrations::list(db, ws).await? {
            if c.state != integrations::CONNECTED {
                let why = c
                    .last_error
                    .as_deref()
                    .unwrap_or("the connection stopped working");
                out.push(Condition {
                    key: format!("integration:{}", c.provider),
                    kind: INTEGRATION_DISCONNECTED,
                    summary: format!("{} needs reconnecting ({why})", title_case(&c.provider)),
                });
            }
        }
    }
    if let Some(rule) = settings.rule(WORKFLOW_FAILURES) {
        let pct = rule.threshold.unwrap_or(20.0);
        let min = rule.min_count.unwrap_or(5);
        let names: std::collections::HashMap<Uuid, String> =
            parley_store::repo::workflows::list(db, ws)
                .await?
                .into_iter()
                .map(|w| (w.id, w.name))
                .collect();
        for (wf, failed, ended) in repo::execution_outcomes(db, ws, now - RATE_WINDOW_MS).await? {
            if ended >= min && failed as f64 * 100.0 >= pct * ended as f64 {
                let name = names.get(&wf).map_or("a workflow", String::as_str);
                out.push(Condition {
                    key: format!("workflow_failures:{wf}"),
                    kind: WORKFLOW_FAILURES,
                    summary: format!(
                        "Workflow \"{name}\": {failed} of {ended} executions failed in 15 minutes"
                    ),
                });
            }
        }
    }
    if let Some(rule) = settings.rule(QUEUE_AGE) {
        let minutes = rule.threshold.unwrap_or(10.0);
        if instance.oldest_due_age_ms as f64 > minutes * 60_000.0 {
            out.push(Condition {
                key: "queue_age".into(),
                kind: QUEUE_AGE,
                summary: format!(
                    "The oldest due job has waited {} minutes (limit {minutes})",
                    instance.oldest_due_age_ms / 60_000
                ),
            });
        }
    }
    if let Some(rule) = settings.rule(PROVIDER_ERRORS) {
        let pct = rule.threshold.unwrap_or(20.0);
        let min = rule.min_count.unwrap_or(5);
        let bots = parley_store::repo::bots::list(db, ws).await?;
        for s in
            crate::monitoring::provider_summaries(&al.store, Some(ws), now - RATE_WINDOW_MS).await?
        {
            if s.requests >= min && s.errors as f64 * 100.0 >= pct * s.requests as f64 {
                let name = bots
                    .iter()
                    .find(|b| b.id == s.bot_id)
                    .map_or("a bot", |b| b.name.as_str());
                let what = if s.errors == s.requests {
                    format!(
                        "is unreachable (all {} calls in 15 minutes failed)",
                        s.requests
                    )
                } else {
                    format!("failed {} of {} calls in 15 minutes", s.errors, s.requests)
                };
                let last = s
                    .last_error
                    .as_deref()
                    .map(|e| format!(": {}", e.chars().take(200).collect::<String>()))
                    .unwrap_or_default();
                out.push(Condition {
                    key: format!("provider:{}", s.bot_id),
                    kind: PROVIDER_ERRORS,
                    summary: format!("The model of bot \"{name}\" {what}{last}"),
                });
            }
        }
    }
    if settings.rule(DEAD_JOB).is_some() {
        for job in crate::monitoring::workspace_dead_jobs(&al.store, ws, 200).await? {
            // A notice that could not be delivered does not raise another notice.
            if job.kind == DELIVER_JOB || job.kind.starts_with("mail.") {
                continue;
            }
            if out.iter().filter(|c| c.kind == DEAD_JOB).count() >= MAX_DEAD_ALERTS {
                break;
            }
            let error = job.last_error.as_deref().unwrap_or("no error recorded");
            let error: String = error.chars().take(300).collect();
            out.push(Condition {
                key: format!("dead_job:{}", job.id),
                kind: DEAD_JOB,
                summary: format!(
                    "A {} job failed {} times and was dead-lettered: {error}",
                    job.kind, job.attempts
                ),
            });
        }
    }
    if let (Some(rule), Some(free)) = (settings.rule(DISK_SPACE), instance.disk_free_percent) {
        let pct = rule.threshold.unwrap_or(10.0);
        if free < pct {
            out.push(Condition {
                key: "disk_space".into(),
                kind: DISK_SPACE,
                summary: format!("The data directory's disk has {free:.1}% free (limit {pct}%)"),
            });
        }
    }
    Ok(out)
}

fn title_case(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Evaluates every workspace's rules once. Exactly one node runs this per tick (it is a
/// job with a per-tick unique key).
pub async fn evaluate(al: &Alerting) -> EngineResult<Outcome> {
    let now = now_ms();
    let queue = crate::monitoring::queue(&al.store, None).await?;
    let instance = Instance {
        oldest_due_age_ms: queue.oldest_due_age_ms,
        disk_free_percent: al.disk_free_percent.as_ref().and_then(|f| f()),
    };
    let mut outcome = Outcome::default();
    for ws in repo::workspace_ids(al.store.db()).await? {
        let (settings, _) = load(al.store.db(), &al.vault, ws).await?;
        let found = conditions(al, ws, &settings, &instance, now).await?;
        apply(al, ws, &settings, found, now, &mut outcome).await?;
    }
    Ok(outcome)
}

/// Compares the conditions found with the stored states and queues the notices, in one
/// transaction.
async fn apply(
    al: &Alerting,
    ws: Uuid,
    settings: &AlertSettings,
    found: Vec<Condition>,
    now: i64,
    outcome: &mut Outcome,
) -> EngineResult<()> {
    let states = repo::states(al.store.db(), ws).await?;
    let repeat_ms = settings.repeat_hours.max(1) * 3_600_000;
    let link = format!("{}/app/system", al.public_url.trim_end_matches('/'));
    let mut changes: Vec<(AlertState, Option<&'static str>)> = Vec::new();
    let keys: HashSet<&str> = found.iter().map(|c| c.key.as_str()).collect();
    for c in &found {
        let old = states.iter().find(|s| s.alert_key == c.key);
        match old {
            Some(s) if s.status == FIRING => {
                if now - s.last_sent_at >= repeat_ms {
                    let mut s = s.clone();
                    s.repeats += 1;
                    s.last_sent_at = now;
                    s.summary = c.summary.clone();
                    changes.push((s, Some("repeated")));
                } else if s.summary != c.summary {
                    let mut s = s.clone();
                    s.summary = c.summary.clone();
                    changes.push((s, None));
                }
            }
            _ => changes.push((
                AlertState {
                    workspace_id: ws,
                    alert_key: c.key.clone(),
                    kind: c.kind.to_string(),
                    status: FIRING.into(),
                    occurrence: old.map_or(0, |s| s.occurrence) + 1,
                    repeats: 0,
                    summary: c.summary.clone(),
                    fired_at: now,
                    last_sent_at: now,
                    resolved_at: None,
                },
                Some("fired"),
            )),
        }
    }
    for s in &states {
        // The database alert is raised and resolved by the nodes themselves.
        if s.status == FIRING && s.kind != DATABASE_DOWN && !keys.contains(s.alert_key.as_str()) {
            let mut s = s.clone();
            s.status = RESOLVED.into();
            s.resolved_at = Some(now);
            changes.push((s, Some("resolved")));
        }
    }
    if changes.is_empty() {
        return Ok(());
    }
    let tx = al.store.begin().await?;
    for (state, event) in &changes {
        repo::save_state(&tx, state).await?;
        let Some(event) = event else { continue };
        let notice = Notice {
            workspace_id: ws,
            alert_key: state.alert_key.clone(),
            kind: state.kind.clone(),
            event: event.to_string(),
            summary: state.summary.clone(),
            link: link.clone(),
            at: now,
        };
        let key = format!(
            "{}:{}:{event}:{}",
            state.alert_key, state.occurrence, state.repeats
        );
        queue_notice(&tx, settings, &notice, &key).await?;
        match *event {
            "fired" => outcome.fired.push(state.alert_key.clone()),
            "repeated" => outcome.repeated.push(state.alert_key.clone()),
            _ => outcome.resolved.push(state.alert_key.clone()),
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Runs [`EVALUATE_JOB`].
pub struct EvaluateHandler(pub Alerting);

#[async_trait]
impl JobHandler for EvaluateHandler {
    async fn run(&self, _job: &ClaimedJob) -> Result<(), JobError> {
        let outcome = evaluate(&self.0)
            .await
            .map_err(|e| JobError::Retry(e.to_string()))?;
        if outcome != Outcome::default() {
            tracing::info!(fired = ?outcome.fired, repeated = ?outcome.repeated, resolved = ?outcome.resolved, "alerts changed");
        }
        Ok(())
    }
}

/// The job that evaluates the tick `now` falls in; every node enqueues the same one.
pub fn evaluate_job(now: i64, interval: Duration) -> NewJob {
    let tick = now / (interval.as_millis().max(1) as i64);
    NewJob::new(EVALUATE_JOB, json!({}))
        .max_attempts(1)
        .priority(5)
        .unique_key(format!("{EVALUATE_JOB}:{}:{tick}", interval.as_millis()))
}

/// Runs [`DELIVER_JOB`]: one notice over one channel.
pub struct DeliverHandler(pub Alerting);

#[async_trait]
impl JobHandler for DeliverHandler {
    async fn run(&self, job: &ClaimedJob) -> Result<(), JobError> {
        let d: Delivery = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobError::Permanent(format!("bad payload: {e}")))?;
        let al = &self.0;
        let (settings, secret) = load(al.store.db(), &al.vault, d.workspace_id).await?;
        match d.channel.as_str() {
            "webhook" => {
                let secret = secret.ok_or_else(|| {
                    JobError::Permanent("the workspace has no alert webhook secret".into())
                })?;
                post_signed(
                    &al.allow,
                    &settings.webhook.url,
                    &secret,
                    &d.key,
                    &webhook_body(&d.notice),
                )
                .await
            }
            "slack" => {
                post_slack(
                    al,
                    d.workspace_id,
                    &settings.slack.channel,
                    &d.notice,
                    &d.key,
                )
                .await
            }
            other => Err(JobError::Permanent(format!("unknown channel {other}"))),
        }
    }
}

fn webhook_body(n: &Notice) -> serde_json::Value {
    json!({
        "type": "parley.alert",
        "event": n.event,
        "alert": n.alert_key,
        "kind": n.kind,
        "summary": n.summary,
        "workspace_id": n.workspace_id,
        "at": rfc3339(n.at),
        "url": n.link,
    })
}

async fn post_slack(
    al: &Alerting,
    ws: Uuid,
    channel: &str,
    notice: &Notice,
    key: &str,
) -> Result<(), JobError> {
    let integ = &al.integrations;
    let map = |e: crate::integrations::TokenError| match e {
        crate::integrations::TokenError::NotConnected(m) => JobError::Permanent(m),
        crate::integrations::TokenError::Vendor(v) => JobError::Retry(v.to_string()),
        crate::integrations::TokenError::Store(s) => JobError::Retry(s.to_string()),
    };
    let channel = match channel.trim().strip_prefix('#') {
        None => channel.trim().to_string(),
        Some(name) => integ
            .with_token(ws, Provider::Slack, |t| async move {
                integ.slack.channels(&t).await
            })
            .await
            .map_err(map)?
            .into_iter()
            .find(|c| c.name == name)
            .map(|c| c.id)
            .ok_or_else(|| {
                JobError::Permanent(format!("Slack has no channel #{name} the app can see"))
            })?,
    };
    let text = format!(
        "{}\n<{}|Open the System page>",
        notice.subject(),
        notice.link
    );
    let channel = channel.as_str();
    integ
        .with_token(ws, Provider::Slack, |t| {
            let text = text.clone();
            async move {
                integ
                    .slack
                    .post_message(&t, channel, &text, None, key)
                    .await
            }
        })
        .await
        .map_err(map)?;
    Ok(())
}

/// POSTs `body` to `url` signed with `secret` (`X-Parley-Signature`, like the webhook
/// action) with `key` as its `Idempotency-Key`, to a checked address only: a host that
/// resolves to a private, loopback or link-local address is refused unless the operator
/// allowed it (`PARLEY_WEBHOOK_ALLOW_HOSTS`), and the connection goes to the addresses
/// checked, with no redirects.
pub async fn post_signed(
    allow: &AllowHosts,
    url: &str,
    secret: &str,
    key: &str,
    body: &serde_json::Value,
) -> Result<(), JobError> {
    let url = reqwest::Url::parse(url)
        .map_err(|e| JobError::Permanent(format!("the webhook URL is not valid: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(JobError::Permanent(
            "the webhook URL must be http or https".into(),
        ));
    }
    let host = url
        .host_str()
        .ok_or_else(|| JobError::Permanent("the webhook URL has no host".into()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = url.port_or_known_default().unwrap_or(80);
    let addrs: Vec<SocketAddr> = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::net::lookup_host((host.as_str(), port)),
    )
    .await
    .map_err(|_| JobError::Retry(format!("resolving {host} timed out")))?
    .map_err(|e| JobError::Retry(format!("resolving {host}: {e}")))?
    .collect();
    if addrs.is_empty() {
        return Err(JobError::Retry(format!("{host} has no addresses")));
    }
    if !allow.allows(&host, port) && addrs.iter().any(|a| !is_public(a.ip())) {
        return Err(JobError::Permanent(format!(
            "refusing to call {host}: it resolves to a private, loopback or link-local address (an operator can allow it with PARLEY_WEBHOOK_ALLOW_HOSTS)"
        )));
    }
    let client = reqwest::Client::builder()
        .resolve_to_addrs(&host, &addrs)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .user_agent(concat!("parley-alerts/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| JobError::Retry(format!("building the HTTP client: {e}")))?;
    let bytes = serde_json::to_vec(body).expect("JSON values serialize");
    let response = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("idempotency-key", key)
        .header(
            crate::workflows::actions::SIGNATURE_HEADER,
            sign(secret, &bytes),
        )
        .body(bytes)
        .send()
        .await
        .map_err(|e| {
            let kind = if e.is_timeout() {
                "timed out"
            } else {
                "could not connect"
            };
            JobError::Retry(format!("calling {host}: {kind}"))
        })?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else if status.is_server_error() || matches!(status.as_u16(), 408 | 429) {
        Err(JobError::Retry(format!("{host} answered {status}")))
    } else {
        Err(JobError::Permanent(format!("{host} answered {status}")))
    }
}

// ---------------------------------------------------------------------------------------
// The database, watched by each node

/// Where one workspace's "database unreachable" notice goes while the database cannot be
/// read: its webhook and email recipients, remembered from the last time it could.
#[derive(Clone)]
struct DirectTarget {
    workspace_id: Uuid,
    webhook: Option<(String, String)>,
    emails: Vec<String>,
}

/// One node's watch on the database: pings it every tick; after two failures in a row it
/// posts "unreachable" directly (from memory) to the webhooks of the workspaces whose rule
/// is on, once per outage, and "resolved" when the database answers again, recording both
/// in each workspace's alert history once it can write.
pub struct DatabaseWatch {
    al: Alerting,
    targets: Mutex<Vec<DirectTarget>>,
    failures: Mutex<u32>,
    down_since: Mutex<Option<(i64, bool)>>,
}

impl DatabaseWatch {
    pub fn new(al: Alerting) -> Self {
        DatabaseWatch {
            al,
            targets: Mutex::new(Vec::new()),
            failures: Mutex::new(0),
            down_since: Mutex::new(None),
        }
    }

    /// One tick: ping, remember targets while up, notify on outage and recovery.
    pub async fn tick(&self) {
        let up = matches!(
            tokio::time::timeout(Duration::from_secs(2), self.al.store.ping()).await,
            Ok(Ok(()))
        );
        if up {
            *self.failures.lock().unwrap_or_else(|e| e.into_inner()) = 0;
            let was_down = self
                .down_since
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            if let Some((since, notified)) = was_down
                && notified
            {
                self.recovered(since).await;
            }
            if let Ok(targets) = self.targets().await {
                *self.targets.lock().unwrap_or_else(|e| e.into_inner()) = targets;
            }
            return;
        }
        let failures = {
            let mut f = self.failures.lock().unwrap_or_else(|e| e.into_inner());
            *f += 1;
            *f
        };
        let notify = {
            let mut down = self.down_since.lock().unwrap_or_else(|e| e.into_inner());
            let entry = down.get_or_insert((now_ms(), false));
            if failures >= 2 && !entry.1 {
                entry.1 = true;
                Some(entry.0)
            } else {
                None
            }
        };
        if let Some(since) = notify {
            tracing::error!(
                "the database is unreachable; notifying alert webhooks and email directly"
            );
            self.send_direct("fired", "The database is unreachable", since)
                .await;
        }
    }

    async fn targets(&self) -> StoreResult<Vec<DirectTarget>> {
        let mut out = Vec::new();
        for ws in repo::workspace_ids(self.al.store.db()).await? {
            let (settings, secret) = load(self.al.store.db(), &self.al.vault, ws).await?;
            if settings.rule(DATABASE_DOWN).is_none() {
                continue;
            }
            let webhook = match secret {
                Some(secret) if settings.webhook.enabled => {
                    Some((settings.webhook.url.clone(), secret))
                }
                _ => None,
            };
            let emails = if settings.email.enabled && self.al.mailer.configured() {
                recipients(self.al.store.db(), &settings, ws).await?
            } else {
                vec![]
            };
            if webhook.is_some() || !emails.is_empty() {
                out.push(DirectTarget {
                    workspace_id: ws,
                    webhook,
                    emails,
                });
            }
        }
        Ok(out)
    }

    async fn send_direct(&self, event: &str, summary: &str, since: i64) {
        let targets = self
            .targets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        let node = *crate::monitoring::NODE_ID;
        for t in targets {
            let notice = Notice {
                workspace_id: t.workspace_id,
                alert_key: "database".into(),
                kind: DATABASE_DOWN.into(),
                event: event.into(),
                summary: summary.into(),
                link: format!("{}/app/system", self.al.public_url.trim_end_matches('/')),
                at: now_ms(),
            };
            let key = format!("alert:{}:database:{node}:{since}:{event}", t.workspace_id);
            if let Some((url, secret)) = &t.webhook
                && let Err(e) =
                    post_signed(&self.al.allow, url, secret, &key, &webhook_body(&notice)).await
            {
                tracing::warn!(error = %e, workspace = %t.workspace_id, "could not post the database alert");
            }
            for to in &t.emails {
                let mail = crate::mail::OutgoingMail {
                    to: to.clone(),
                    subject: notice.subject(),
                    text: notice.text(),
                };
                let id = Uuid::now_v7().to_string();
                if let Err(e) = self.al.mailer.send(&mail, &id).await {
                    tracing::warn!(error = %e, workspace = %t.workspace_id, "could not email the database alert");
                }
            }
        }
    }

    async fn recovered(&self, since: i64) {
        let minutes = (now_ms() - since) / 60_000;
        self.send_direct(
            "resolved",
            &format!("The database answers again (unreachable for about {minutes} min)"),
            since,
        )
        .await;
        let targets = self
            .targets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for t in targets {
            for (event, summary, at) in [
                ("fired", "The database was unreachable".to_string(), since),
                (
                    "resolved",
                    "The database answers again".to_string(),
                    now_ms(),
                ),
            ] {
                let e = AlertEvent {
                    id: Uuid::now_v7(),
                    workspace_id: t.workspace_id,
                    alert_key: "database".into(),
                    kind: DATABASE_DOWN.into(),
                    event: event.into(),
                    summary,
                    created_at: at,
                };
                if let Err(error) = repo::add_event(self.al.store.db(), &e).await {
                    tracing::warn!(%error, "could not record the database alert");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_every_rule_is_on() {
        let d = AlertSettings::default();
        d.validate().unwrap();
        assert_eq!(d.rules.len(), KINDS.len());
        assert!(d.rules.iter().all(|r| r.enabled));
    }

    #[test]
    fn invalid_settings_name_their_fields() {
        let mut s = AlertSettings::default();
        s.rules[1].threshold = Some(150.0);
        s.repeat_hours = 0;
        s.email.recipients = vec!["nope".into()];
        s.webhook = WebhookChannel {
            enabled: true,
            url: "ftp://x".into(),
        };
        let e = s.validate().unwrap_err();
        for f in [
            "rules[1].threshold",
            "repeat_hours",
            "email.recipients[0]",
            "webhook.url",
        ] {
            assert!(e.get(f).is_some(), "{f} missing in {e:?}");
        }
    }

    #[test]
    fn a_stored_document_missing_a_rule_gets_its_default() {
        let mut s = AlertSettings::default();
        s.rules.retain(|r| r.kind != DISK_SPACE);
        s.rules[0].enabled = false;
        let n = s.normalized();
        assert_eq!(n.rules.len(), KINDS.len());
        assert!(!n.rules[0].enabled);
        assert!(n.rule(DISK_SPACE).is_some());
    }
}
