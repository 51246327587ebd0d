//! `{{path}}` templates in action parameters ("Hi {{visitor.name}}"), parsed once and
//! rendered against the execution context.
//!
//! Values come from visitors, so rendering escapes them for where the text is going
//! ([`Escape`]); the template's own text is the bot owner's and is never escaped. A missing
//! value renders as the empty string, a string as itself, anything else as its JSON text
//! (`{{lead.score}}` → `85`). There is no way to write a literal `{{`; nothing needs one.

use super::path::Path;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// Longest template accepted, in characters.
pub const MAX_TEMPLATE_CHARS: usize = 10_000;

/// How substituted values are escaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Escape {
    /// As is: chat replies, notes, Slack text.
    Plain,
    /// Escaped for the inside of a JSON string literal (no surrounding quotes added).
    Json,
    /// HTML-escaped (`& < > " '`), for markup.
    Html,
    /// Percent-encoded (everything but `A-Z a-z 0-9 - _ . ~`), so a value cannot change the
    /// host, path or query of a URL it is placed in.
    Url,
}

/// Why a template did not parse; `column` is 1-based, in characters.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} at column {column}")]
pub struct TemplateError {
    pub column: usize,
    pub message: String,
}

/// A parsed template. Serializes as its source text.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    source: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Value(Path),
}

impl Template {
    /// Parses `source`. `{{ path }}` may have spaces inside the braces; an unclosed `{{` or a
    /// bad path is an error pointing at it.
    pub fn parse(source: &str) -> Result<Template, TemplateError> {
        let column = |byte: usize| source[..byte].chars().count() + 1;
        if source.chars().count() > MAX_TEMPLATE_CHARS {
            return Err(TemplateError {
                column: MAX_TEMPLATE_CHARS + 1,
                message: format!("template is longer than {MAX_TEMPLATE_CHARS} characters"),
            });
        }
        let mut parts = Vec::new();
        let mut rest = 0;
        while let Some(open) = source[rest..].find("{{").map(|i| i + rest) {
            let inner_start = open + 2;
            let Some(close) = source[inner_start..].find("}}").map(|i| i + inner_start) else {
                return Err(TemplateError {
                    column: column(open),
                    message: "unclosed `{{`: expected `}}`".into(),
                });
            };
            let raw = &source[inner_start..close];
            let lead = raw.len() - raw.trim_start().len();
            let path = Path::parse(raw.trim()).map_err(|m| TemplateError {
                column: column(inner_start + lead),
                message: m,
            })?;
            if open > rest {
                parts.push(Part::Text(source[rest..open].to_owned()));
            }
            parts.push(Part::Value(path));
            rest = close + 2;
        }
        if rest < source.len() {
            parts.push(Part::Text(source[rest..].to_owned()));
        }
        Ok(Template {
            source: source.to_owned(),
            parts,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// True when there is nothing to substitute.
    pub fn is_literal(&self) -> bool {
        self.parts.iter().all(|p| matches!(p, Part::Text(_)))
    }

    /// The paths referenced, in order, without repeats.
    pub fn paths(&self) -> Vec<&Path> {
        let mut out: Vec<&Path> = Vec::new();
        for part in &self.parts {
            if let Part::Value(p) = part
                && !out.contains(&p)
            {
                out.push(p);
            }
        }
        out
    }

    /// The text before the first placeholder (all of it for a literal template).
    pub fn literal_prefix(&self) -> &str {
        match self.parts.first() {
            Some(Part::Text(t)) => t,
            _ => "",
        }
    }

    /// Renders against `ctx`, escaping substituted values with `escape`.
    pub fn render(&self, ctx: &Value, escape: Escape) -> String {
        let mut out = String::with_capacity(self.source.len());
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Value(p) => escape_into(&mut out, &text_of(p.lookup(ctx)), escape),
            }
        }
        out
    }

    /// Renders a template whose text is a JSON document (a webhook payload): a placeholder
    /// inside a JSON string is escaped as string content; one outside a string becomes the
    /// value's JSON (`null` when missing, a quoted string for text). So a template that is
    /// valid JSON with its placeholders removed stays valid JSON whatever the visitor sent,
    /// and a value can never add keys or close the document.
    pub fn render_json_text(&self, ctx: &Value) -> String {
        let mut out = String::with_capacity(self.source.len());
        let mut in_string = false;
        let mut escaped = false;
        for part in &self.parts {
            match part {
                Part::Text(t) => {
                    for c in t.chars() {
                        if in_string {
                            if escaped {
                                escaped = false;
                            } else if c == '\\' {
                                escaped = true;
                            } else if c == '"' {
                                in_string = false;
                            }
                        } else if c == '"' {
                            in_string = true;
                        }
                    }
                    out.push_str(t);
                }
                Part::Value(p) if in_string => {
                    escape_into(&mut out, &text_of(p.lookup(ctx)), Escape::Json)
                }
                Part::Value(p) => {
                    let v = p.lookup(ctx).unwrap_or(&Value::Null);
                    out.push_str(&v.to_string());
                }
            }
        }
        out
    }
}

/// The text a value renders as before escaping.
fn text_of(v: Option<&Value>) -> Cow<'_, str> {
    match v {
        None | Some(Value::Null) => Cow::Borrowed(""),
        Some(Value::String(s)) => Cow::Borrowed(s),
        Some(other) => Cow::Owned(other.to_string()),
    }
}

fn escape_into(out: &mut String, text: &str, escape: Escape) {
    match escape {
        Escape::Plain => out.push_str(text),
        Escape::Json => {
            let quoted = Value::String(text.to_owned()).to_string();
            out.push_str(&quoted[1..quoted.len() - 1]);
        }
        Escape::Html => {
            for c in text.chars() {
                match c {
                    '&' => out.push_str("&amp;"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '"' => out.push_str("&quot;"),
                    '\'' => out.push_str("&#39;"),
                    c => out.push(c),
                }
            }
        }
        Escape::Url => {
            for b in text.bytes() {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                    out.push(b as char);
                } else {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        }
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl Serialize for Template {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Template {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Template::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Value {
        json!({
            "visitor": {"name": "Ann <\"A&B\">", "email": "ann@example.com"},
            "lead": {"score": 85, "tags": ["a", "b"], "ok": true},
            "q": "a b/c?d=é",
        })
    }

    #[test]
    fn renders_values_missing_and_non_strings() {
        let t = Template::parse("Hi {{visitor.email}}, score {{ lead.score }}{{nope}}!").unwrap();
        assert_eq!(
            t.render(&ctx(), Escape::Plain),
            "Hi ann@example.com, score 85!"
        );
        let t = Template::parse("{{lead.tags}} {{lead.ok}} {{lead}}").unwrap();
        assert_eq!(
            t.render(&ctx(), Escape::Plain),
            r#"["a","b"] true {"ok":true,"score":85,"tags":["a","b"]}"#
        );
        assert!(Template::parse("plain text } {").unwrap().is_literal());
    }

    #[test]
    fn escapes_by_mode() {
        let t = Template::parse("<b>{{visitor.name}}</b>").unwrap();
        assert_eq!(t.render(&ctx(), Escape::Plain), "<b>Ann <\"A&B\"></b>");
        assert_eq!(
            t.render(&ctx(), Escape::Html),
            "<b>Ann &lt;&quot;A&amp;B&quot;&gt;</b>"
        );
        assert_eq!(t.render(&ctx(), Escape::Json), r#"<b>Ann <\"A&B\"></b>"#);
        let t = Template::parse("https://x.test/s?q={{q}}").unwrap();
        assert_eq!(
            t.render(&ctx(), Escape::Url),
            "https://x.test/s?q=a%20b%2Fc%3Fd%3D%C3%A9"
        );
    }

    #[test]
    fn json_documents_stay_valid() {
        let t = Template::parse(
            r#"{"name": "{{visitor.name}}", "score": {{lead.score}}, "who": {{visitor.name}}, "x": {{missing}}, "s": "a\"{{q}}"}"#,
        )
        .unwrap();
        let text = t.render_json_text(&ctx());
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            v,
            json!({"name": "Ann <\"A&B\">", "score": 85, "who": "Ann <\"A&B\">", "x": null, "s": "a\"a b/c?d=é"})
        );
    }

    #[test]
    fn parse_errors_have_positions() {
        let e = Template::parse("Hello {{visitor.name").unwrap_err();
        assert_eq!(e.to_string(), "unclosed `{{`: expected `}}` at column 7");
        let e = Template::parse("é {{ bad path }}").unwrap_err();
        assert_eq!(e.column, 6);
        let e = Template::parse("{{}}").unwrap_err();
        assert_eq!(e.column, 3);
        let long = "x".repeat(MAX_TEMPLATE_CHARS + 1);
        assert!(Template::parse(&long).is_err());
    }

    #[test]
    fn lists_paths_and_prefix() {
        let t = Template::parse("https://h/{{a.b}}/{{c}}/{{a.b}}").unwrap();
        let paths: Vec<String> = t.paths().iter().map(|p| p.to_string()).collect();
        assert_eq!(paths, ["a.b", "c"]);
        assert_eq!(t.literal_prefix(), "https://h/");
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,60}") {
            if let Ok(t) = Template::parse(&s) {
                let _ = t.render(&ctx(), Escape::Html);
                let _ = t.render_json_text(&ctx());
            }
        }

        #[test]
        fn braces_soup_never_panics(s in "[{}a. é]{0,40}") {
            if let Ok(t) = Template::parse(&s) {
                let _ = t.render(&ctx(), Escape::Url);
            }
        }
    }
}
