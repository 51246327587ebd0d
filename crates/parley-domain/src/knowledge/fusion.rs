//! Reciprocal rank fusion: merges ranked lists from different retrievers (full text,
//! vectors) without comparing their incomparable scores.

use std::collections::HashMap;
use std::hash::Hash;

/// The constant from Cormack et al. (2009): damps the advantage of the very top ranks.
pub const RRF_K: f32 = 60.0;

/// Fuses ranked lists (best first) into one, best first: each item scores the sum of
/// `1 / (k + rank)` over the lists it appears in.
pub fn reciprocal_rank_fusion<T: Eq + Hash + Clone>(lists: &[Vec<T>]) -> Vec<(T, f32)> {
    let mut scores: HashMap<T, (f32, usize)> = HashMap::new();
    let mut order = 0;
    for list in lists {
        for (rank, item) in list.iter().enumerate() {
            let entry = scores.entry(item.clone()).or_insert_with(|| {
                order += 1;
                (0.0, order)
            });
            entry.0 += 1.0 / (RRF_K + rank as f32 + 1.0);
        }
    }
    let mut fused: Vec<(T, f32, usize)> = scores.into_iter().map(|(t, (s, o))| (t, s, o)).collect();
    fused.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)));
    fused.into_iter().map(|(t, s, _)| (t, s)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_in_both_lists_rise() {
        let fused = reciprocal_rank_fusion(&[vec!["a", "b", "c"], vec!["b", "d"]]);
        let order: Vec<&str> = fused.iter().map(|(t, _)| *t).collect();
        assert_eq!(order, ["b", "a", "d", "c"]);
        assert!(order.iter().position(|t| *t == "d") > order.iter().position(|t| *t == "a"));
    }
}
