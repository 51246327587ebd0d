//! Parley's image analysis, with no IO of its own beyond one optional subprocess (tesseract).
//!
//! The flow an upload takes through this crate:
//!
//! 1. [`normalize::normalize`] turns the visitor's bytes into a safe, upright, metadata-free
//!    JPEG or PNG (and its pixels), or refuses with a message the visitor can act on.
//! 2. Either a vision model judges it: [`openai::build_request`] gives the chat-completions
//!    body to send, [`openai::parse_response`] turns the answer into a validated [`Analysis`];
//! 3. or, with no model, [`offline::OfflineAnalyzer`] does what can honestly be done locally:
//!    invoices by OCR, counts as an estimate, condition as a photo-quality gate that always
//!    leaves the verdict to a person.
//!
//! Every function here is synchronous and CPU-bound: callers on an async runtime run it with
//! `spawn_blocking`. Nothing here sends HTTP; the engine does, with its own client.

pub mod condition;
pub mod count;
pub mod counting;
pub mod describe;
pub mod extract;
#[cfg(feature = "testing")]
pub mod fixtures;
pub mod invoice;
pub mod normalize;
pub mod ocr;
pub mod offline;
pub mod openai;
pub mod quality;
mod schema;

use serde::{Deserialize, Serialize};
use std::fmt;

pub use condition::Condition;
pub use count::Count;
pub use describe::Describe;
pub use invoice::Invoice;
pub use normalize::{NormalizeError, NormalizeOptions, Normalized, normalize};

/// The kinds of analysis, each with its own result type and JSON schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Is the product in the photo like new, used or damaged?
    Condition,
    /// The fields of an invoice or receipt, with their arithmetic checked.
    Invoice,
    /// How many of something the photo shows.
    Count,
    /// A short description and tags, optionally the answer to a free question.
    Describe,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Condition, Kind::Invoice, Kind::Count, Kind::Describe];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Condition => "condition",
            Kind::Invoice => "invoice",
            Kind::Count => "count",
            Kind::Describe => "describe",
        }
    }

    /// The kind named `name` (as in the API and in events), if there is one.
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// The JSON Schema a model's answer must match: OpenAI's strict structured-output subset
    /// (every property required, optional ones nullable, no additional properties), which
    /// Ollama, vLLM and LM Studio accept as well.
    pub fn schema(self) -> serde_json::Value {
        match self {
            Kind::Condition => Condition::schema(),
            Kind::Invoice => Invoice::schema(),
            Kind::Count => Count::schema(),
            Kind::Describe => Describe::schema(),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is asked about one image: the kind, plus what the kind needs to know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Task {
    Condition,
    Invoice,
    /// `what`: the thing to count ("boxes", "screws"), when the visitor said; otherwise the
    /// model decides what the photo is mostly of.
    Count {
        #[serde(default)]
        what: Option<String>,
    },
    /// `question`: a free question about the image ("is the seal broken?").
    Describe {
        #[serde(default)]
        question: Option<String>,
    },
}

impl Task {
    pub fn kind(&self) -> Kind {
        match self {
            Task::Condition => Kind::Condition,
            Task::Invoice => Kind::Invoice,
            Task::Count { .. } => Kind::Count,
            Task::Describe { .. } => Kind::Describe,
        }
    }

    /// The question of a describe task, trimmed; `None` when there is none or it is blank.
    pub fn question(&self) -> Option<&str> {
        match self {
            Task::Describe { question } => {
                question.as_deref().map(str::trim).filter(|q| !q.is_empty())
            }
            _ => None,
        }
    }

    /// What a count task counts, trimmed; `None` when the visitor did not say.
    pub fn count_what(&self) -> Option<&str> {
        match self {
            Task::Count { what } => what.as_deref().map(str::trim).filter(|w| !w.is_empty()),
            _ => None,
        }
    }
}

/// One analysis result, tagged with its kind (`{"kind": "invoice", "total": 58.85, ...}`), as
/// it goes into events and storage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Analysis {
    Condition(Condition),
    Invoice(Invoice),
    Count(Count),
    Describe(Describe),
}

impl Analysis {
    pub fn kind(&self) -> Kind {
        match self {
            Analysis::Condition(_) => Kind::Condition,
            Analysis::Invoice(_) => Kind::Invoice,
            Analysis::Count(_) => Kind::Count,
            Analysis::Describe(_) => Kind::Describe,
        }
    }

    /// Parses a model's JSON answer for `task` and checks it against the kind's own rules.
    /// The model's schema conformance is never taken on trust: a server may ignore the
    /// response format, and a schema cannot say that items must add up to a subtotal.
    pub fn from_model_json(task: &Task, json: &str) -> Result<Analysis, Invalid> {
        let kind = task.kind();
        let bad_json =
            |e: serde_json::Error| Invalid::new(kind, vec![format!("not the {kind} schema: {e}")]);
        match kind {
            Kind::Condition => serde_json::from_str::<Condition>(json)
                .map_err(bad_json)?
                .validate()
                .map(Analysis::Condition),
            Kind::Invoice => serde_json::from_str::<Invoice>(json)
                .map_err(bad_json)?
                .validate()
                .map(Analysis::Invoice),
            Kind::Count => serde_json::from_str::<Count>(json)
                .map_err(bad_json)?
                .validate()
                .map(Analysis::Count),
            Kind::Describe => serde_json::from_str::<Describe>(json)
                .map_err(bad_json)?
                .validate(task.question())
                .map(Analysis::Describe),
        }
    }

    /// A one-line summary for the widget (under the image) and the inbox.
    pub fn summary(&self) -> String {
        match self {
            Analysis::Condition(c) => c.summary(),
            Analysis::Invoice(i) => i.summary(),
            Analysis::Count(c) => c.summary(),
            Analysis::Describe(d) => d.summary(),
        }
    }
}

/// A result that breaks its kind's rules, with every problem found (not just the first), so
/// a retry prompt or a log line can say all of them.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the {kind} answer breaks its rules: {}", problems.join("; "))]
pub struct Invalid {
    pub kind: Kind,
    pub problems: Vec<String>,
}

impl Invalid {
    pub fn new(kind: Kind, problems: Vec<String>) -> Invalid {
        Invalid { kind, problems }
    }
}

/// Collects problems while a validator walks a result; `finish` turns them into the verdict.
pub(crate) struct Problems {
    kind: Kind,
    list: Vec<String>,
}

impl Problems {
    pub(crate) fn new(kind: Kind) -> Problems {
        Problems {
            kind,
            list: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, problem: impl Into<String>) {
        self.list.push(problem.into());
    }

    pub(crate) fn check_confidence(&mut self, confidence: f64) {
        if !(0.0..=1.0).contains(&confidence) {
            self.push(format!("confidence {confidence} is outside 0..1"));
        }
    }

    pub(crate) fn finish<T>(self, value: T) -> Result<T, Invalid> {
        if self.list.is_empty() {
            Ok(value)
        } else {
            Err(Invalid::new(self.kind, self.list))
        }
    }
}

/// Trims a string and drops it when nothing is left: models answer "" where they mean null.
pub(crate) fn clean(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_by_name() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        assert_eq!(Kind::parse("selfie"), None);
    }

    #[test]
    fn tasks_read_from_api_json() {
        let t: Task = serde_json::from_str(r#"{"kind":"count","what":" screws "}"#).unwrap();
        assert_eq!(t.count_what(), Some("screws"));
        let t: Task = serde_json::from_str(r#"{"kind":"describe"}"#).unwrap();
        assert_eq!(t.question(), None);
        let t: Task = serde_json::from_str(r#"{"kind":"describe","question":"  "}"#).unwrap();
        assert_eq!(t.question(), None, "a blank question is no question");
    }

    #[test]
    fn analysis_is_tagged_with_its_kind() {
        let json = r#"{"description":"A red mug.","tags":["mug"],"answer":null,"confidence":0.9}"#;
        let a = Analysis::from_model_json(&Task::Describe { question: None }, json).unwrap();
        let v = serde_json::to_value(&a).unwrap();
        assert_eq!(v["kind"], "describe");
        assert_eq!(v["description"], "A red mug.");
        let back: Analysis = serde_json::from_value(v).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn answers_that_are_not_the_schema_are_refused_with_the_reason() {
        let e = Analysis::from_model_json(&Task::Invoice, r#"{"vendor": 5}"#).unwrap_err();
        assert_eq!(e.kind, Kind::Invoice);
        assert!(e.problems[0].contains("not the invoice schema"), "{e}");
    }
}
