//! Embedding vectors: their stored form and the nearest-neighbour search over them.
//!
//! Vectors are kept unit-length, so cosine similarity is a dot product. Search is exact
//! (a scan): a shop's knowledge is thousands of chunks, which a scan ranks in about a
//! millisecond, with none of an approximate index's recall loss or build cost.

/// Little-endian `f32`s, the form stored in `chunks.embedding`.
pub fn encode(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// The vector in `bytes`, or `None` when they are not a whole number of `f32`s.
pub fn decode(bytes: &[u8]) -> Option<Vec<f32>> {
    if bytes.is_empty() || !bytes.len().is_multiple_of(4) {
        return None;
    }
    Some(
        bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect(),
    )
}

/// The vector scaled to length 1; `None` for a zero or non-finite vector.
pub fn normalized(mut vector: Vec<f32>) -> Option<Vec<f32>> {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if !norm.is_finite() || norm == 0.0 {
        return None;
    }
    vector.iter_mut().for_each(|x| *x /= norm);
    Some(vector)
}

/// Indexes of the `k` vectors most similar to `query` (all unit-length), best first, with
/// their cosine similarity. Vectors of another dimension (a changed model) are skipped.
pub fn nearest(query: &[f32], vectors: &[Vec<f32>], k: usize) -> Vec<(usize, f32)> {
    let mut scored: Vec<(usize, f32)> = vectors
        .iter()
        .enumerate()
        .filter(|(_, v)| v.len() == query.len())
        .map(|(i, v)| (i, v.iter().zip(query).map(|(a, b)| a * b).sum()))
        .collect();
    let k = k.min(scored.len());
    if k == 0 {
        return Vec::new();
    }
    scored.select_nth_unstable_by(k - 1, |a, b| b.1.total_cmp(&a.1));
    scored.truncate(k);
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_form_round_trips() {
        let v = vec![0.25, -1.5, 3.0];
        assert_eq!(decode(&encode(&v)), Some(v));
        assert_eq!(decode(&[1, 2, 3]), None);
        assert_eq!(decode(&[]), None);
    }

    #[test]
    fn nearest_ranks_by_cosine_and_skips_other_dimensions() {
        let vectors: Vec<Vec<f32>> = [
            vec![1.0, 0.0],
            vec![0.0, 1.0],
            vec![1.0, 1.0],
            vec![1.0, 0.0, 0.0],
        ]
        .into_iter()
        .map(|v| normalized(v).unwrap())
        .collect();
        let query = normalized(vec![1.0, 0.2]).unwrap();
        let found = nearest(&query, &vectors, 2);
        assert_eq!(found.iter().map(|(i, _)| *i).collect::<Vec<_>>(), [0, 2]);
        assert!(found[0].1 > found[1].1);
        assert_eq!(
            nearest(&query, &vectors, 10).len(),
            3,
            "the 3-d vector is skipped"
        );
        assert!(nearest(&query, &[], 3).is_empty());
        assert_eq!(normalized(vec![0.0, 0.0]), None);
    }
}
