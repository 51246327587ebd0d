//! Dotted paths into the execution context (`lead.score`, `event.payload.items.0.sku`),
//! shared by expressions and templates so both read the context the same way.

use serde_json::Value;
use std::fmt;

/// Most segments a path may have; deeper context is not something a workflow should need.
pub const MAX_SEGMENTS: usize = 16;
/// Longest segment, in bytes.
pub const MAX_SEGMENT_LEN: usize = 64;

/// A parsed path: object keys, or array indexes for all-digit segments.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Path(Vec<String>);

impl Path {
    /// Parses `a.b.c`. Segments are ASCII letters, digits and `_`; the first must not be a
    /// number (so `1.5` is never mistaken for a path). Returns the reason on failure.
    pub fn parse(text: &str) -> Result<Path, String> {
        if text.is_empty() {
            return Err("expected a path such as `visitor.email`".into());
        }
        let mut segments = Vec::new();
        for (i, seg) in text.split('.').enumerate() {
            if seg.is_empty() {
                return Err(format!("empty segment in path `{text}`"));
            }
            if seg.len() > MAX_SEGMENT_LEN {
                return Err(format!(
                    "path segment longer than {MAX_SEGMENT_LEN} characters"
                ));
            }
            if !seg.bytes().all(is_segment_byte) {
                return Err(format!(
                    "path `{text}` may only contain letters, digits, `_` and `.`"
                ));
            }
            if i == 0 && seg.as_bytes()[0].is_ascii_digit() {
                return Err(format!("path `{text}` must start with a letter or `_`"));
            }
            segments.push(seg.to_owned());
        }
        if segments.len() > MAX_SEGMENTS {
            return Err(format!("path has more than {MAX_SEGMENTS} segments"));
        }
        Ok(Path(segments))
    }

    /// The value at this path, or `None` when any step is missing (callers treat that as
    /// `null`, so a workflow never fails because a field is absent).
    pub fn lookup<'a>(&self, ctx: &'a Value) -> Option<&'a Value> {
        let mut cur = ctx;
        for seg in &self.0 {
            cur = match cur {
                Value::Object(map) => map.get(seg)?,
                Value::Array(items) => items.get(seg.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(cur)
    }

    pub fn segments(&self) -> &[String] {
        &self.0
    }
}

/// Bytes allowed inside a path segment.
pub(crate) fn is_segment_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join("."))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn looks_up_objects_and_array_indexes() {
        let ctx = json!({"a": {"b": [10, {"c": "x"}]}});
        let p = Path::parse("a.b.1.c").unwrap();
        assert_eq!(p.lookup(&ctx), Some(&json!("x")));
        assert_eq!(Path::parse("a.b.0").unwrap().lookup(&ctx), Some(&json!(10)));
        assert_eq!(Path::parse("a.zz").unwrap().lookup(&ctx), None);
        assert_eq!(Path::parse("a.b.9").unwrap().lookup(&ctx), None);
        assert_eq!(p.to_string(), "a.b.1.c");
    }

    #[test]
    fn rejects_bad_paths() {
        for bad in ["", "a..b", ".a", "a.", "1a", "a-b", "a b", "é"] {
            assert!(Path::parse(bad).is_err(), "{bad}");
        }
        let deep = vec!["a"; MAX_SEGMENTS + 1].join(".");
        assert!(Path::parse(&deep).is_err());
    }
}
