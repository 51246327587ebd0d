//! Whether retrieved passages answer a question at all (baseline, to be calibrated).

use super::Passage;
use crate::knowledge::terms::term_set;

pub const RELEVANCE_BAR: f32 = 0.5;

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
