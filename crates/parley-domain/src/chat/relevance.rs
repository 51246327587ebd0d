//! Whether retrieved passages answer a question at all: the share of the question's terms the
//! best passage (with its heading) holds. The bar is provisional until it is calibrated on the
//! labelled question set (issue 28).

use super::Passage;
use crate::knowledge::terms::term_set;

pub const RELEVANCE_BAR: f32 = 0.3;

pub fn relevance(question: &str, passages: &[Passage<'_>]) -> f32 {
    let q = term_set(question);
    if q.is_empty() {
        return 0.0;
    }
    passages
        .iter()
        .map(|p| {
            let t = term_set(&format!("{}\n{}", p.heading, p.text));
            q.iter().filter(|w| t.binary_search(w).is_ok()).count() as f32 / q.len() as f32
        })
        .fold(0.0, f32::max)
}
