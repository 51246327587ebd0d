//! The `describe` kind: a short description and tags, and the answer to a free question.

use crate::schema::{self, object};
use crate::{Invalid, Kind, Problems, clean};
use serde::{Deserialize, Serialize};

/// Longest description kept, in characters: it is shown under the image.
pub const MAX_DESCRIPTION_CHARS: usize = 600;
/// Most tags kept.
pub const MAX_TAGS: usize = 12;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Describe {
    pub description: String,
    /// Lowercase, without duplicates.
    pub tags: Vec<String>,
    /// The answer to the visitor's question, when one was asked.
    pub answer: Option<String>,
    pub confidence: f64,
}

impl Describe {
    pub fn schema() -> serde_json::Value {
        object(
            "What the image shows.",
            &[
                (
                    "description",
                    schema::string("One or two sentences about the image."),
                ),
                (
                    "tags",
                    schema::array("Up to 12 short lowercase tags.", schema::string("A tag.")),
                ),
                (
                    "answer",
                    schema::nullable_string(
                        "The answer to the question asked, or null when none was asked.",
                    ),
                ),
                ("confidence", schema::confidence()),
            ],
        )
    }

    /// Checks the result for the question that was asked (`None`: none was): a question must
    /// be answered, and an answer to no question is dropped. Tags are tidied rather than
    /// refused; a description longer than fits under an image is cut at a word.
    pub fn validate(mut self, question: Option<&str>) -> Result<Describe, Invalid> {
        let mut p = Problems::new(Kind::Describe);
        p.check_confidence(self.confidence);
        self.description = self.description.trim().to_string();
        if self.description.is_empty() {
            p.push("the description is empty");
        }
        if self.description.chars().count() > MAX_DESCRIPTION_CHARS {
            let cut: String = self
                .description
                .chars()
                .take(MAX_DESCRIPTION_CHARS)
                .collect();
            let at = cut.rfind(' ').unwrap_or(cut.len());
            self.description = format!("{}…", cut[..at].trim_end());
        }
        let mut tags: Vec<String> = Vec::new();
        for tag in self.tags.drain(..) {
            let tag = tag.trim().to_lowercase();
            if !tag.is_empty() && tag.chars().count() <= 40 && !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        tags.truncate(MAX_TAGS);
        self.tags = tags;
        self.answer = clean(self.answer);
        match (question, &self.answer) {
            (Some(q), None) => p.push(format!("the question {q:?} is not answered")),
            (None, Some(_)) => self.answer = None,
            _ => {}
        }
        p.finish(self)
    }

    pub fn summary(&self) -> String {
        match &self.answer {
            Some(a) => a.clone(),
            None => self.description.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::tests::assert_strict;

    fn mug() -> Describe {
        Describe {
            description: "A red mug on a desk.".into(),
            tags: vec!["Mug".into(), "mug".into(), " red ".into(), "".into()],
            answer: None,
            confidence: 0.9,
        }
    }

    #[test]
    fn schema_is_strict() {
        assert_strict(&Describe::schema());
    }

    #[test]
    fn tags_are_tidied() {
        assert_eq!(mug().validate(None).unwrap().tags, vec!["mug", "red"]);
    }

    #[test]
    fn a_question_must_be_answered_and_no_question_drops_the_answer() {
        let e = mug().validate(Some("Is the handle chipped?")).unwrap_err();
        assert!(e.problems[0].contains("not answered"));
        let mut m = mug();
        m.answer = Some("No.".into());
        assert_eq!(
            m.clone()
                .validate(Some("Is the handle chipped?"))
                .unwrap()
                .summary(),
            "No."
        );
        assert_eq!(m.validate(None).unwrap().answer, None);
    }

    #[test]
    fn long_descriptions_are_cut_at_a_word() {
        let mut m = mug();
        m.description = "word ".repeat(200);
        let d = m.validate(None).unwrap().description;
        assert!(d.chars().count() <= MAX_DESCRIPTION_CHARS + 1);
        assert!(d.ends_with("word…"), "{d}");
    }

    #[test]
    fn an_empty_description_is_refused() {
        let mut m = mug();
        m.description = " ".into();
        assert!(m.validate(None).is_err());
    }
}
