//! Which actions exist and what parameters each takes. The compiler checks every action
//! node against an [`ActionCatalog`]; the executor implements the catalog (usually by
//! wrapping [`BuiltinCatalog`]) and runs the actions.

use super::template::Template;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Longest URL parameter, in characters.
pub const MAX_URL_CHARS: usize = 2_048;

/// What a parameter holds. Strings may contain `{{templates}}` unless noted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", content = "values", rename_all = "snake_case")]
pub enum ParamKind {
    /// Non-empty text.
    Text,
    /// A JSON number, or a template that renders to one (`"{{lead.budget}}"`).
    Number,
    /// `true`/`false`, or a template that renders to one.
    Bool,
    /// An `http(s)` URL. Scheme and host must be written out; templates may only fill the
    /// path or query (their values are percent-encoded), so a visitor can't pick the host.
    Url,
    /// One of a fixed set of words; no templates.
    Enum(Vec<String>),
    /// Text of a JSON document (a webhook payload, a row of cells). Placeholders inside JSON
    /// strings are escaped as string content, placeholders outside become JSON values, so it
    /// always renders to valid JSON.
    Json,
}

/// One parameter of an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParamSpec {
    pub name: String,
    pub kind: ParamKind,
}

/// An action kind's contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionSpec {
    pub kind: String,
    pub required: Vec<ParamSpec>,
    pub optional: Vec<ParamSpec>,
    /// The integration (connection) the action runs through, e.g. `"slack"`. The graph is
    /// valid without it; the executor decides whether a missing connection blocks
    /// activation ([`super::Compiled::integrations`] lists what a workflow needs).
    pub needs_integration: Option<String>,
}

impl ActionSpec {
    /// The spec of parameter `name`, if the action has one.
    pub fn param(&self, name: &str) -> Option<&ParamSpec> {
        self.required
            .iter()
            .chain(&self.optional)
            .find(|p| p.name == name)
    }
}

/// Looks up action kinds; implemented by the executor.
pub trait ActionCatalog {
    fn spec(&self, kind: &str) -> Option<ActionSpec>;
}

/// Parley's built-in actions.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuiltinCatalog;

impl BuiltinCatalog {
    /// Every built-in action, for the builder's palette.
    pub fn specs() -> Vec<ActionSpec> {
        use ParamKind::*;
        let stages = ["new", "qualified", "contacted", "won", "lost"];
        vec![
            spec("add_note", &[("text", Text)], &[], None),
            spec("tag_conversation", &[("tag", Text)], &[], None),
            spec("reply", &[("text", Text)], &[], None),
            spec("handoff", &[], &[("reason", Text)], None),
            spec(
                "set_lead_stage",
                &[("stage", Enum(stages.map(String::from).to_vec()))],
                &[],
                None,
            ),
            spec("approve_return", &[], &[("reason", Text)], None),
            // An owner for the conversation: a member by email, or round the team.
            spec("assign_owner", &[], &[("agent_email", Text)], None),
            spec(
                "webhook",
                &[("url", Url)],
                &[("payload", Json), ("secret_name", Text)],
                None,
            ),
            spec(
                "slack_message",
                &[("text", Text)],
                &[
                    // A channel id (`C0123`) or `#name`; or `user_email` for a direct message.
                    ("channel", Text),
                    ("user_email", Text),
                    (
                        "style",
                        Enum(
                            [
                                "plain",
                                "negative_sentiment",
                                "qualified_lead",
                                "image_analyzed",
                                "escalation",
                            ]
                            .map(String::from)
                            .to_vec(),
                        ),
                    ),
                ],
                Some("slack"),
            ),
            spec(
                "hubspot_contact",
                &[("email", Text)],
                &[
                    ("firstname", Text),
                    ("lastname", Text),
                    ("phone", Text),
                    ("company", Text),
                    // More HubSpot properties: `{"hs_lead_status": "{{lead.priority}}"}`.
                    ("properties", Json),
                ],
                Some("hubspot"),
            ),
            spec(
                "hubspot_deal",
                &[("name", Text)],
                &[
                    ("amount", Number),
                    ("pipeline", Text),
                    ("stage", Text),
                    // The contact (by email) the deal is associated with.
                    ("email", Text),
                    // `urgent`, `high` or `normal` (HubSpot's deal priority high/medium/low).
                    ("priority", Text),
                ],
                Some("hubspot"),
            ),
            spec(
                "sheets_append_row",
                &[("spreadsheet_id", Text), ("sheet", Text), ("values", Json)],
                &[],
                Some("google_sheets"),
            ),
            spec(
                "sheets_read_range",
                &[("spreadsheet_id", Text), ("range", Text)],
                &[],
                Some("google_sheets"),
            ),
        ]
    }
}

impl ActionCatalog for BuiltinCatalog {
    fn spec(&self, kind: &str) -> Option<ActionSpec> {
        Self::specs().into_iter().find(|s| s.kind == kind)
    }
}

fn spec(
    kind: &str,
    required: &[(&str, ParamKind)],
    optional: &[(&str, ParamKind)],
    needs: Option<&str>,
) -> ActionSpec {
    let params = |list: &[(&str, ParamKind)]| {
        list.iter()
            .map(|(n, k)| ParamSpec {
                name: (*n).to_owned(),
                kind: k.clone(),
            })
            .collect()
    };
    ActionSpec {
        kind: kind.to_owned(),
        required: params(required),
        optional: params(optional),
        needs_integration: needs.map(str::to_owned),
    }
}

/// A parameter problem: whether it is a template syntax error, and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParamProblem {
    pub template: bool,
    pub message: String,
}

fn problem(message: impl Into<String>) -> ParamProblem {
    ParamProblem {
        template: false,
        message: message.into(),
    }
}

/// Checks one parameter value against its kind.
pub(crate) fn check_param(kind: &ParamKind, value: &Value) -> Result<(), ParamProblem> {
    let text = match value {
        Value::String(s) => Some(s.as_str()),
        Value::Number(_) | Value::Bool(_) => None,
        _ => return Err(problem("must be text, a number or true/false")),
    };
    let template = match text {
        Some(t) => Some(Template::parse(t).map_err(|e| ParamProblem {
            template: true,
            message: e.to_string(),
        })?),
        None => None,
    };
    let templated = template.as_ref().is_some_and(|t| !t.is_literal());
    match (kind, value, &template) {
        (ParamKind::Number, Value::Number(_), _) | (ParamKind::Bool, Value::Bool(_), _) => Ok(()),
        (ParamKind::Number | ParamKind::Bool, Value::String(_), _) if templated => Ok(()),
        (ParamKind::Number, _, _) => Err(problem("must be a number or a {{template}}")),
        (ParamKind::Bool, _, _) => Err(problem("must be true, false or a {{template}}")),
        (_, _, None) => Err(problem("must be text")),
        (ParamKind::Text, _, Some(t)) => {
            if t.source().trim().is_empty() {
                Err(problem("must not be empty"))
            } else {
                Ok(())
            }
        }
        (ParamKind::Enum(values), _, Some(t)) => {
            if values.iter().any(|v| v == t.source()) {
                Ok(())
            } else {
                Err(problem(format!(
                    "must be one of {} (not `{}`)",
                    values.join(", "),
                    t.source()
                )))
            }
        }
        (ParamKind::Url, _, Some(t)) => check_url(t),
        (ParamKind::Json, _, Some(t)) => {
            serde_json::from_str::<Value>(&t.render_json_text(&Value::Null))
                .map(|_| ())
                .map_err(|e| problem(format!("is not valid JSON: {e}")))
        }
    }
}

fn check_url(t: &Template) -> Result<(), ParamProblem> {
    if t.source().chars().count() > MAX_URL_CHARS {
        return Err(problem(format!(
            "is longer than {MAX_URL_CHARS} characters"
        )));
    }
    let prefix = t.literal_prefix();
    let Some(rest) = prefix
        .strip_prefix("https://")
        .or_else(|| prefix.strip_prefix("http://"))
    else {
        return Err(problem("must start with https:// or http://"));
    };
    let host_end = rest.find(['/', '?', '#']);
    let host = &rest[..host_end.unwrap_or(rest.len())];
    if host.is_empty() || host.contains(char::is_whitespace) || host.contains('@') {
        return Err(problem("must name a host, e.g. https://example.com/hook"));
    }
    if !t.is_literal() && host_end.is_none() {
        return Err(problem(
            "must spell out the host before any {{template}} (end it with `/`)",
        ));
    }
    if t.source().contains(char::is_whitespace) && t.is_literal() {
        return Err(problem("must not contain spaces"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(kind: ParamKind, v: Value) -> bool {
        check_param(&kind, &v).is_ok()
    }

    #[test]
    fn builtins_are_unique_and_found() {
        let specs = BuiltinCatalog::specs();
        let mut kinds: Vec<_> = specs.iter().map(|s| s.kind.clone()).collect();
        kinds.sort();
        kinds.dedup();
        assert_eq!(kinds.len(), specs.len());
        let slack = BuiltinCatalog.spec("slack_message").unwrap();
        assert_eq!(slack.needs_integration.as_deref(), Some("slack"));
        assert!(BuiltinCatalog.spec("launch_rocket").is_none());
        assert!(slack.param("channel").is_some());
    }

    #[test]
    fn checks_param_kinds() {
        use ParamKind::*;
        assert!(ok(Text, json!("Hi {{visitor.name}}")));
        assert!(!ok(Text, json!("  ")));
        assert!(!ok(Text, json!(5)));
        assert!(!ok(Text, json!({"a": 1})));
        let e = check_param(&Text, &json!("Hi {{visitor.name")).unwrap_err();
        assert!(e.template && e.message.contains("column 4"), "{e:?}");
        assert!(ok(Number, json!(12.5)));
        assert!(ok(Number, json!("{{lead.budget}}")));
        assert!(!ok(Number, json!("12")));
        assert!(ok(Bool, json!(true)));
        assert!(!ok(Bool, json!("yes")));
        let stages = Enum(vec!["new".into(), "won".into()]);
        assert!(ok(stages.clone(), json!("won")));
        assert!(!ok(stages.clone(), json!("Won")));
        assert!(!ok(stages, json!("{{x}}")));
        assert!(ok(
            Json,
            json!(r#"{"email": "{{visitor.email}}", "score": {{lead.score}}}"#)
        ));
        assert!(!ok(Json, json!(r#"{"email": "#)));
    }

    #[test]
    fn urls_keep_scheme_and_host_literal() {
        use ParamKind::Url;
        assert!(ok(Url, json!("https://hooks.example.com/in/abc")));
        assert!(ok(
            Url,
            json!("http://localhost:8080/x?q={{visitor.email}}")
        ));
        assert!(ok(Url, json!("https://example.com/{{a}}")));
        assert!(!ok(Url, json!("{{lead.webhook}}")));
        assert!(!ok(Url, json!("https://{{host}}/x")));
        assert!(!ok(Url, json!("https://example.com{{path}}")));
        assert!(!ok(Url, json!("https://user@evil.example/")));
        assert!(!ok(Url, json!("ftp://example.com/")));
        assert!(!ok(Url, json!("https://")));
        assert!(!ok(Url, json!("https://exa mple.com/")));
    }
}
