//! A chatbot's public settings and the rules they must follow.

use crate::validation::{FieldErrors, max_text, required_text};
use serde::{Deserialize, Serialize};

pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_ORIGINS: usize = 50;

/// How the widget looks on the host page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Appearance {
    /// Shown in the widget's header.
    pub title: String,
    /// The bot's first message to a new visitor.
    pub greeting: String,
    /// Accent colour, `#rrggbb`.
    pub primary_color: String,
    pub position: Position,
    /// An `https://` (or `http://`) image URL, or null for the default avatar.
    #[cfg_attr(feature = "openapi", schema(required))]
    pub avatar_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Position {
    Left,
    Right,
}

/// How the bot answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Behaviour {
    /// Instructions given to the language model before every conversation.
    pub system_prompt: String,
    /// How many recent turns are kept verbatim in the model's memory (1 to 50).
    pub memory_turns: u32,
    /// Said when the bot cannot answer (no knowledge, or the model failed).
    pub fallback_message: String,
    /// Intents that hand the conversation to a person by themselves (besides asking for
    /// one, saying yes to the bot's offer, and repeated fallbacks).
    #[serde(default = "default_handoff_intents")]
    pub handoff_intents: Vec<String>,
    /// When people answer; null means always. Outside them (or with nobody online) a
    /// visitor asking for a person is told the team answers by email.
    #[serde(default)]
    pub business_hours: Option<BusinessHours>,
    /// Hand each request for a person to the next online agent in turn.
    #[serde(default)]
    pub auto_assign: bool,
    /// Fallback answers in a row after which the bot hands off by itself (0 to 10; 0
    /// never).
    #[serde(default = "default_fallbacks_before_handoff")]
    pub fallbacks_before_handoff: u32,
}

fn default_fallbacks_before_handoff() -> u32 {
    3
}

fn default_handoff_intents() -> Vec<String> {
    vec![crate::insight::intent::names::HUMAN_AGENT.to_string()]
}

/// Opening hours in one time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// An IANA time zone, e.g. `Europe/Berlin` or `America/Denver`.
    pub timezone: String,
    /// Open periods; a day not listed is closed.
    pub days: Vec<OpenHours>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpenHours {
    pub day: Weekday,
    /// `HH:MM`, 24-hour, local time.
    pub open: String,
    /// `HH:MM`, after `open`.
    pub close: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

/// Minutes after midnight of an `HH:MM` time.
pub fn minutes_of(hhmm: &str) -> Option<u32> {
    let (h, m) = hhmm.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60)
        .then_some(h * 60 + m)
        .or((h == 24 && m == 0).then_some(1440))
}

impl BusinessHours {
    /// Whether `(weekday, minute of the day)` in the hours' own time zone is open.
    pub fn is_open_at(&self, day: Weekday, minute: u32) -> bool {
        self.days.iter().any(|d| {
            d.day == day
                && matches!(
                    (minutes_of(&d.open), minutes_of(&d.close)),
                    (Some(open), Some(close)) if (open..close).contains(&minute)
                )
        })
    }

    /// Records what is wrong; `known_zone` says whether a time zone name exists.
    pub fn validate(&self, errors: &mut FieldErrors, known_zone: impl Fn(&str) -> bool) {
        errors.check(
            known_zone(&self.timezone),
            "behaviour.business_hours.timezone",
            "must be an IANA time zone such as Europe/Berlin",
        );
        errors.check(
            self.days.len() <= 21,
            "behaviour.business_hours.days",
            "at most 21 periods",
        );
        for d in &self.days {
            let ok =
                matches!((minutes_of(&d.open), minutes_of(&d.close)), (Some(o), Some(c)) if o < c);
            errors.check(
                ok,
                "behaviour.business_hours.days",
                "each period needs open and close as HH:MM, open before close",
            );
        }
    }
}

impl Default for Appearance {
    fn default() -> Self {
        Self {
            title: "Chat with us".into(),
            greeting: "Hi! How can we help you today?".into(),
            primary_color: "#2563eb".into(),
            position: Position::Right,
            avatar_url: None,
        }
    }
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            system_prompt: "You are a friendly, concise support assistant. Answer only from the \
                            provided knowledge; when it does not cover the question, say so and \
                            offer to connect the visitor with a person."
                .into(),
            memory_turns: 8,
            fallback_message: "Sorry, I don't know that yet. Would you like to talk to a person?"
                .into(),
            handoff_intents: default_handoff_intents(),
            business_hours: None,
            auto_assign: false,
            fallbacks_before_handoff: default_fallbacks_before_handoff(),
        }
    }
}

impl Appearance {
    pub fn validate(&self, errors: &mut FieldErrors) {
        required_text(errors, "appearance.title", &self.title, 80);
        max_text(errors, "appearance.greeting", &self.greeting, 500);
        errors.check(
            is_hex_color(&self.primary_color),
            "appearance.primary_color",
            "must be a colour like #2563eb",
        );
        if let Some(url) = &self.avatar_url {
            errors.check(
                is_http_url(url) && url.len() <= 2048,
                "appearance.avatar_url",
                "must be an http(s) URL",
            );
        }
    }
}

impl Behaviour {
    pub fn validate(&self, errors: &mut FieldErrors) {
        max_text(errors, "behaviour.system_prompt", &self.system_prompt, 8000);
        errors.check(
            (1..=50).contains(&self.memory_turns),
            "behaviour.memory_turns",
            "must be between 1 and 50",
        );
        required_text(
            errors,
            "behaviour.fallback_message",
            &self.fallback_message,
            1000,
        );
        errors.check(
            self.handoff_intents.len() <= 20
                && self
                    .handoff_intents
                    .iter()
                    .all(|i| !i.trim().is_empty() && i.len() <= 64),
            "behaviour.handoff_intents",
            "at most 20 intent names of 1 to 64 characters",
        );
        errors.check(
            self.fallbacks_before_handoff <= 10,
            "behaviour.fallbacks_before_handoff",
            "must be between 0 (never) and 10",
        );
    }
}

/// The language model a bot answers with (any OpenAI-compatible endpoint). Without one, the
/// bot answers extractively from its knowledge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ModelSettings {
    /// Which kind of server: decides how the key is sent (Azure OpenAI takes it as
    /// `api-key`); the others speak the OpenAI API as it is.
    #[serde(default)]
    pub provider: ModelProvider,
    /// Up to and including `/v1`: `https://api.openai.com/v1`, `http://localhost:11434/v1`, ...
    pub base_url: String,
    /// The provider's model name, e.g. `gpt-4o-mini` or `llama3.1`.
    pub model: String,
    /// 0 to 2.
    pub temperature: f32,
    /// Longest answer, in tokens (1 to 8192).
    pub max_tokens: u32,
    /// The model's context window, in tokens (1024 to 1,000,000): the prompt gets what the
    /// answer leaves.
    pub context_tokens: u32,
    /// The same provider's embedding model (e.g. `text-embedding-3-small`, `nomic-embed-text`).
    /// When set, passages are also found by meaning and fused with full-text results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding_model: Option<String>,
    /// Whether the model is sent the visitor's images (it must accept image input).
    #[serde(default)]
    pub vision: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ModelProvider {
    Openai,
    AzureOpenai,
    Ollama,
    Vllm,
    LmStudio,
    /// Any other OpenAI-compatible server.
    #[default]
    Custom,
}

impl ModelSettings {
    pub fn validate(&self, errors: &mut FieldErrors) {
        if let Some(name) = &self.embedding_model {
            required_text(errors, "model.embedding_model", name, 200);
        }
        errors.check(
            is_http_url(&self.base_url) && self.base_url.len() <= 500,
            "model.base_url",
            "must be an http(s) URL",
        );
        required_text(errors, "model.model", &self.model, 200);
        errors.check(
            (0.0..=2.0).contains(&self.temperature),
            "model.temperature",
            "must be between 0 and 2",
        );
        errors.check(
            (1..=8192).contains(&self.max_tokens),
            "model.max_tokens",
            "must be between 1 and 8192",
        );
        errors.check(
            (1024..=1_000_000).contains(&self.context_tokens)
                && self.context_tokens > self.max_tokens,
            "model.context_tokens",
            "must be between 1024 and 1,000,000 and larger than max_tokens",
        );
    }
}

/// Checks a bot name.
pub fn validate_name(errors: &mut FieldErrors, name: &str) {
    required_text(errors, "name", name, MAX_NAME_CHARS);
}

/// Normalizes the origins a bot's widget may be embedded on (`https://shop.example`), or
/// records why they are refused. An empty list allows every origin.
pub fn normalize_origins(errors: &mut FieldErrors, origins: &[String]) -> Vec<String> {
    if origins.len() > MAX_ORIGINS {
        errors.add("allowed_origins", format!("at most {MAX_ORIGINS} origins"));
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::with_capacity(origins.len());
    for raw in origins {
        match normalize_origin(raw) {
            Some(origin) if !out.contains(&origin) => out.push(origin),
            Some(_) => {}
            None => {
                errors.add(
                    "allowed_origins",
                    format!("{raw:?} is not an origin like https://shop.example"),
                );
            }
        }
    }
    out
}

/// `scheme://host[:port]`, lower-cased, with no path, query or trailing slash.
pub fn normalize_origin(raw: &str) -> Option<String> {
    let lower = raw.trim().trim_end_matches('/').to_lowercase();
    let (scheme, rest) = lower.split_once("://")?;
    if !matches!(scheme, "http" | "https") || rest.is_empty() {
        return None;
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || rest.starts_with('[') => (h, Some(p)),
        _ => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'))
        && !host.starts_with('.')
        && !host.starts_with('-');
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    (host_ok && port_ok).then_some(lower)
}

/// The one line a business pastes into its pages.
pub fn embed_snippet(public_base_url: &str, public_key: &str) -> String {
    let base = public_base_url.trim_end_matches('/');
    format!(r#"<script src="{base}/widget.js" data-bot="{public_key}" async></script>"#)
}

fn is_hex_color(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

fn is_http_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://"))
        && s.len() > "https://".len()
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '<')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid() {
        let mut e = FieldErrors::new();
        Appearance::default().validate(&mut e);
        Behaviour::default().validate(&mut e);
        assert!(e.is_empty(), "{e}");
    }

    #[test]
    fn appearance_errors_name_the_field() {
        let mut e = FieldErrors::new();
        Appearance {
            title: " ".into(),
            primary_color: "blue".into(),
            avatar_url: Some("javascript:alert(1)".into()),
            ..Appearance::default()
        }
        .validate(&mut e);
        assert!(e.get("appearance.title").is_some());
        assert!(e.get("appearance.primary_color").is_some());
        assert!(e.get("appearance.avatar_url").is_some());
    }

    #[test]
    fn behaviour_memory_bounds() {
        for (turns, ok) in [(0, false), (1, true), (50, true), (51, false)] {
            let mut e = FieldErrors::new();
            Behaviour {
                memory_turns: turns,
                ..Behaviour::default()
            }
            .validate(&mut e);
            assert_eq!(e.is_empty(), ok, "{turns}");
        }
    }

    #[test]
    fn origins_are_normalized_deduplicated_and_checked() {
        let mut e = FieldErrors::new();
        let out = normalize_origins(
            &mut e,
            &[
                "https://Shop.Example/".into(),
                "https://shop.example".into(),
                "http://localhost:8080".into(),
            ],
        );
        assert!(e.is_empty());
        assert_eq!(out, vec!["https://shop.example", "http://localhost:8080"]);
        for bad in [
            "shop.example",
            "ftp://x.io",
            "https://",
            "https://a.io:99999",
            "https://a b.io",
        ] {
            let mut e = FieldErrors::new();
            normalize_origins(&mut e, &[bad.into()]);
            assert!(e.get("allowed_origins").is_some(), "{bad}");
        }
    }

    #[test]
    fn snippet_names_script_and_key() {
        assert_eq!(
            embed_snippet("https://chat.example/", "pk_abc"),
            r#"<script src="https://chat.example/widget.js" data-bot="pk_abc" async></script>"#
        );
    }
}
