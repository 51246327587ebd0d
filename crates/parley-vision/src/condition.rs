//! The `condition` kind: is the product in the photo like new, used or damaged?
//!
//! Only a vision model may say `like_new`, `used` or `damaged`. Offline, and whenever the
//! model is unsure or the photo is poor, the verdict is `needs_review`: a refund rests on it.

use crate::schema::{self, object};
use crate::{Invalid, Kind, Problems, clean};
use serde::{Deserialize, Serialize};

/// Below this confidence a model's verdict is turned into `needs_review`.
pub const REVIEW_BELOW: f64 = 0.5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    LikeNew,
    Used,
    Damaged,
    /// A person must look: the model was unsure, the photo was poor, or no model is set up.
    NeedsReview,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::LikeNew => "like_new",
            Verdict::Used => "used",
            Verdict::Damaged => "damaged",
            Verdict::NeedsReview => "needs_review",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Minor,
    Moderate,
    Severe,
}

/// One visible defect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Damage {
    /// Where on the item ("left hinge", "screen, top right corner").
    pub location: String,
    /// What it is ("a crack about 2 cm long").
    pub description: String,
    pub severity: Severity,
}

/// Why a photo cannot be judged well, in terms the visitor can fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityIssueKind {
    Blurry,
    TooDark,
    TooBright,
    LowResolution,
    LowContrast,
    /// The item is cut off, hidden or not in the photo.
    ItemNotVisible,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityIssue {
    pub kind: QualityIssueKind,
    /// A sentence for the visitor that says what to do ("please retake it in daylight").
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    pub verdict: Verdict,
    pub damages: Vec<Damage>,
    /// Plain-language reasons for the verdict, for the agent and the visitor.
    pub reasons: Vec<String>,
    pub confidence: f64,
    pub quality_issues: Vec<QualityIssue>,
}

impl Condition {
    pub fn schema() -> serde_json::Value {
        let damage = object(
            "One visible defect.",
            &[
                (
                    "location",
                    schema::string("Where on the item, e.g. \"left hinge\"."),
                ),
                (
                    "description",
                    schema::string("What the defect is, e.g. \"a 2 cm crack\"."),
                ),
                (
                    "severity",
                    schema::one_of("How bad it is.", &["minor", "moderate", "severe"]),
                ),
            ],
        );
        let issue = object(
            "A problem with the photo itself.",
            &[
                (
                    "kind",
                    schema::one_of(
                        "The problem.",
                        &[
                            "blurry",
                            "too_dark",
                            "too_bright",
                            "low_resolution",
                            "low_contrast",
                            "item_not_visible",
                            "other",
                        ],
                    ),
                ),
                (
                    "message",
                    schema::string("What the customer should do for a better photo."),
                ),
            ],
        );
        object(
            "The condition of the product in the photo.",
            &[
                (
                    "verdict",
                    schema::one_of(
                        "like_new: no visible wear; used: wear but no damage; damaged: at least \
                         one defect; needs_review: you cannot tell from this photo.",
                        &["like_new", "used", "damaged", "needs_review"],
                    ),
                ),
                (
                    "damages",
                    schema::array("Every visible defect; empty when none.", damage),
                ),
                (
                    "reasons",
                    schema::array(
                        "Why, in plain words; at least one.",
                        schema::string("A reason."),
                    ),
                ),
                ("confidence", schema::confidence()),
                (
                    "quality_issues",
                    schema::array("Problems with the photo; empty when none.", issue),
                ),
            ],
        )
    }

    /// Checks the result against the kind's rules and applies its policy: a verdict must be
    /// explained and consistent with the damages listed, and an unsure verdict becomes
    /// `needs_review` (with a reason that says so).
    pub fn validate(mut self) -> Result<Condition, Invalid> {
        let mut p = Problems::new(Kind::Condition);
        p.check_confidence(self.confidence);
        self.reasons = self
            .reasons
            .into_iter()
            .filter_map(|r| clean(Some(r)))
            .collect();
        if self.reasons.is_empty() {
            p.push("no reason is given for the verdict");
        }
        for d in &mut self.damages {
            d.location = d.location.trim().to_string();
            d.description = d.description.trim().to_string();
            if d.location.is_empty() {
                p.push("a damage has no location");
            }
            if d.description.is_empty() {
                p.push("a damage has no description");
            }
        }
        for q in &mut self.quality_issues {
            q.message = q.message.trim().to_string();
            if q.message.is_empty() {
                p.push("a quality issue has no message");
            }
        }
        match self.verdict {
            Verdict::Damaged if self.damages.is_empty() => {
                p.push("verdict damaged lists no damage")
            }
            Verdict::LikeNew if !self.damages.is_empty() => {
                p.push("verdict like_new lists damages")
            }
            _ => {}
        }
        if self.verdict != Verdict::NeedsReview
            && self.confidence < REVIEW_BELOW
            && self.confidence >= 0.0
        {
            self.reasons.push(format!(
                "The model was not sure (it said {}, confidence {:.2}), so a person should check.",
                self.verdict.as_str(),
                self.confidence
            ));
            self.verdict = Verdict::NeedsReview;
        }
        p.finish(self)
    }

    /// Adds the issues of our own photo-quality gate. When the gate found any, the verdict
    /// becomes `needs_review`: a verdict from a photo we judged poor is not one to act on.
    pub fn with_quality_issues(mut self, issues: &[QualityIssue]) -> Condition {
        for issue in issues {
            if !self.quality_issues.iter().any(|q| q.kind == issue.kind) {
                self.quality_issues.push(issue.clone());
            }
        }
        if !issues.is_empty() && self.verdict != Verdict::NeedsReview {
            self.reasons.push(format!(
                "The photo has problems ({}), so the verdict {} needs a person to confirm it.",
                issues
                    .iter()
                    .map(|i| i.message.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                self.verdict.as_str()
            ));
            self.verdict = Verdict::NeedsReview;
        }
        self
    }

    pub fn summary(&self) -> String {
        let head = match self.verdict {
            Verdict::LikeNew => "Looks like new".to_string(),
            Verdict::Used => "Used, no damage seen".to_string(),
            Verdict::Damaged => {
                let worst = self.damages.iter().max_by_key(|d| d.severity);
                match worst {
                    Some(d) => format!("Damaged: {} ({})", d.description, d.location),
                    None => "Damaged".to_string(),
                }
            }
            Verdict::NeedsReview => "Needs a person to review".to_string(),
        };
        match self.quality_issues.first() {
            Some(q) => format!("{head}. {}", q.message),
            None => head,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::tests::assert_strict;

    fn damaged() -> Condition {
        Condition {
            verdict: Verdict::Damaged,
            damages: vec![Damage {
                location: "left hinge".into(),
                description: "a crack".into(),
                severity: Severity::Moderate,
            }],
            reasons: vec!["The hinge is cracked.".into()],
            confidence: 0.9,
            quality_issues: vec![],
        }
    }

    #[test]
    fn schema_is_strict_and_parses_its_own_example() {
        assert_strict(&Condition::schema());
        let json = serde_json::to_string(&damaged()).unwrap();
        let back: Condition = serde_json::from_str(&json).unwrap();
        assert_eq!(back.validate().unwrap(), damaged());
    }

    #[test]
    fn damaged_without_damages_and_unexplained_verdicts_are_refused() {
        let mut c = damaged();
        c.damages.clear();
        c.reasons = vec!["  ".into()];
        c.confidence = 1.5;
        let e = c.validate().unwrap_err();
        assert_eq!(e.problems.len(), 3, "{e}");
    }

    #[test]
    fn like_new_with_damages_is_refused() {
        let mut c = damaged();
        c.verdict = Verdict::LikeNew;
        assert!(c.validate().is_err());
    }

    #[test]
    fn an_unsure_verdict_becomes_needs_review_with_a_reason() {
        let mut c = damaged();
        c.confidence = 0.3;
        let c = c.validate().unwrap();
        assert_eq!(c.verdict, Verdict::NeedsReview);
        assert!(c.reasons.last().unwrap().contains("not sure"));
    }

    #[test]
    fn our_quality_issues_turn_a_verdict_into_review() {
        let issue = QualityIssue {
            kind: QualityIssueKind::Blurry,
            message: "The photo is blurry.".into(),
        };
        let c = damaged().with_quality_issues(std::slice::from_ref(&issue));
        assert_eq!(c.verdict, Verdict::NeedsReview);
        assert_eq!(c.quality_issues, vec![issue]);
        assert!(c.summary().contains("blurry"));
        assert_eq!(damaged().with_quality_issues(&[]).verdict, Verdict::Damaged);
    }

    #[test]
    fn summary_names_the_worst_damage() {
        assert_eq!(damaged().summary(), "Damaged: a crack (left hinge)");
    }
}
