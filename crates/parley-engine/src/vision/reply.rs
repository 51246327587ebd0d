//! What the bot tells the visitor about their image, and what workflows get with
//! `image.analyzed`. Pure, so the wording and the payload are tested without a database.

use parley_vision::condition::Verdict;
use parley_vision::{Analysis, Kind};
use serde_json::{Value, json};

/// The bot's message for a finished analysis: what it saw, in a sentence or two, and what
/// the visitor can do when the photo was not good enough.
pub fn bot_text(analysis: &Analysis) -> String {
    match analysis {
        Analysis::Condition(c) => {
            let issues: Vec<&str> = c
                .quality_issues
                .iter()
                .map(|q| q.message.as_str())
                .collect();
            match c.verdict {
                Verdict::Damaged => {
                    let seen: Vec<String> = c
                        .damages
                        .iter()
                        .map(|d| format!("{} on the {}", d.description, d.location))
                        .collect();
                    format!("I can see {}.", join(&seen))
                }
                Verdict::LikeNew => "The item looks like new in your photo.".to_string(),
                Verdict::Used => "The item looks used, but I can't see any damage.".to_string(),
                Verdict::NeedsReview if !issues.is_empty() => format!(
                    "I couldn't judge the item from this photo. {} A person from our team will also take a look.",
                    issues.join(" ")
                ),
                Verdict::NeedsReview => {
                    "Thanks for the photo. A person from our team will check the item's condition."
                        .to_string()
                }
            }
        }
        Analysis::Invoice(i) => {
            let mut text = format!("I read this invoice: {}.", analysis.summary());
            if i.total.is_none() {
                text.push_str(" If you can, send a sharper, straight-on photo of the whole page.");
            }
            text
        }
        // "About 12 screws (an estimate; ...)" reads on as "I count about 12 screws ...".
        Analysis::Count(_) => {
            let summary = analysis.summary();
            match summary.strip_prefix("About ") {
                Some(rest) => format!("I count about {rest}."),
                None => format!("I count {summary}."),
            }
        }
        Analysis::Describe(d) => d.summary(),
    }
}

fn join(items: &[String]) -> String {
    match items {
        [] => "damage".to_string(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The `image.analyzed` payload: the ids, the kind, the status and summary, and the typed
/// result nested under its kind (`image.condition.verdict`, `image.invoice.total`), with the
/// fields the workflow templates read at the top (`condition`, `confidence`, `intent`).
pub fn event_payload(base: Value, analysis: Option<&Analysis>, intent: Option<&str>) -> Value {
    let mut out = base;
    out["intent"] = json!(intent);
    let Some(analysis) = analysis else {
        return out;
    };
    let result = json!(analysis);
    out["result"] = result.clone();
    out[analysis.kind().as_str()] = result.clone();
    out["image"] = json!({ "kind": analysis.kind(), analysis.kind().as_str(): result });
    if let Some(confidence) = result.get("confidence") {
        out["confidence"] = confidence.clone();
    }
    match analysis {
        // The template compares the verdict itself: `event.payload.condition == "damaged"`.
        Analysis::Condition(c) => {
            out["condition"] = json!(c.verdict.as_str());
            out["verdict"] = json!(c.verdict.as_str());
        }
        Analysis::Invoice(i) => out["total"] = json!(i.total),
        Analysis::Count(c) => out["count"] = json!(c.count),
        Analysis::Describe(_) => {}
    }
    debug_assert!(Kind::parse(out["kind"].as_str().unwrap_or_default()).is_some());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use parley_vision::Condition;
    use parley_vision::condition::{Damage, Severity};

    fn damaged() -> Analysis {
        Analysis::Condition(Condition {
            verdict: Verdict::Damaged,
            damages: vec![Damage {
                location: "left hinge".into(),
                description: "a crack".into(),
                severity: Severity::Moderate,
            }],
            reasons: vec!["The hinge is cracked.".into()],
            confidence: 0.9,
            quality_issues: vec![],
        })
    }

    #[test]
    fn the_bot_says_what_it_saw() {
        assert_eq!(bot_text(&damaged()), "I can see a crack on the left hinge.");
    }

    #[test]
    fn workflows_get_the_verdict_at_the_top_and_the_result_under_its_kind() {
        let base = json!({"conversation_id": "c1", "kind": "condition", "status": "done"});
        let p = event_payload(base, Some(&damaged()), Some("return_request"));
        assert_eq!(p["conversation_id"], "c1");
        assert_eq!(p["condition"], "damaged");
        assert_eq!(p["confidence"], 0.9);
        assert_eq!(p["intent"], "return_request");
        assert_eq!(p["image"]["condition"]["verdict"], "damaged");
        assert_eq!(p["condition_result"], Value::Null);
        assert_eq!(p["result"]["damages"][0]["location"], "left hinge");
    }
}
