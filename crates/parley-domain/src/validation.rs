//! Field-level validation errors, collected so a client learns every problem at once.

use std::collections::BTreeMap;

/// Problems with named input fields: `field -> message`. Empty means valid.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem with `field`; the first message for a field wins.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_insert_with(|| message.into());
    }

    /// Records `message` for `field` when `check` failed.
    pub fn check(&mut self, ok: bool, field: &str, message: &str) {
        if !ok {
            self.add(field, message);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn into_map(self) -> BTreeMap<String, String> {
        self.0
    }

    /// `Ok(value)` when nothing was recorded, else the errors.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// One line naming every field, for logs and CLI output.
    pub fn summary(&self) -> String {
        self.0
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl std::fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.summary())
    }
}

impl std::error::Error for FieldErrors {}

/// Checks a required, trimmed, length-limited text: the shared rule for names and titles.
pub fn required_text(errors: &mut FieldErrors, field: &str, value: &str, max_chars: usize) {
    if value.trim().is_empty() {
        errors.add(field, "must not be empty");
    } else {
        max_text(errors, field, value, max_chars);
    }
}

/// Checks an optional text's length in characters.
pub fn max_text(errors: &mut FieldErrors, field: &str, value: &str, max_chars: usize) {
    if value.chars().count() > max_chars {
        errors.add(field, format!("must be at most {max_chars} characters"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_message_per_field_wins_and_summary_lists_all() {
        let mut e = FieldErrors::new();
        e.add("name", "must not be empty");
        e.add("name", "too long");
        e.add("color", "bad");
        assert_eq!(e.get("name"), Some("must not be empty"));
        assert_eq!(e.summary(), "color: bad; name: must not be empty");
        assert!(e.into_result(()).is_err());
    }

    #[test]
    fn text_rules() {
        let mut e = FieldErrors::new();
        required_text(&mut e, "a", "   ", 5);
        required_text(&mut e, "b", "abcdef", 5);
        required_text(&mut e, "c", "héllo", 5);
        assert_eq!(e.get("a"), Some("must not be empty"));
        assert_eq!(e.get("b"), Some("must be at most 5 characters"));
        assert_eq!(e.get("c"), None);
    }
}
