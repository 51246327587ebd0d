//! Builders for the strict JSON-Schema subset every OpenAI-compatible server accepts: objects
//! list every property as required and forbid others, optional values are nullable, and no
//! `minimum`/`maxLength`-style keywords (older strict modes reject them; the validators
//! enforce ranges instead, and the descriptions tell the model).

use serde_json::{Map, Value, json};

/// An object schema whose properties are all required, in the order given.
pub(crate) fn object(description: &str, properties: &[(&str, Value)]) -> Value {
    let mut props = Map::new();
    for (name, schema) in properties {
        props.insert((*name).to_string(), schema.clone());
    }
    let required: Vec<&str> = properties.iter().map(|(n, _)| *n).collect();
    json!({
        "type": "object",
        "description": description,
        "properties": props,
        "required": required,
        "additionalProperties": false,
    })
}

pub(crate) fn string(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

pub(crate) fn nullable_string(description: &str) -> Value {
    json!({"type": ["string", "null"], "description": description})
}

pub(crate) fn number(description: &str) -> Value {
    json!({"type": "number", "description": description})
}

pub(crate) fn nullable_number(description: &str) -> Value {
    json!({"type": ["number", "null"], "description": description})
}

pub(crate) fn integer(description: &str) -> Value {
    json!({"type": "integer", "description": description})
}

pub(crate) fn boolean(description: &str) -> Value {
    json!({"type": "boolean", "description": description})
}

pub(crate) fn one_of(description: &str, values: &[&str]) -> Value {
    json!({"type": "string", "enum": values, "description": description})
}

pub(crate) fn array(description: &str, items: Value) -> Value {
    json!({"type": "array", "items": items, "description": description})
}

/// A confidence from 0 to 1, described the same way in every kind.
pub(crate) fn confidence() -> Value {
    number("How sure you are, from 0 (guess) to 1 (certain).")
}

#[cfg(test)]
pub(crate) mod tests {
    use serde_json::Value;

    /// Walks a schema and asserts the strict-mode rules hold at every object.
    pub(crate) fn assert_strict(schema: &Value) {
        match schema {
            Value::Object(map) => {
                if map.get("type") == Some(&Value::String("object".into())) {
                    let props = map["properties"].as_object().expect("properties");
                    let required: Vec<&str> = map["required"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_str().unwrap())
                        .collect();
                    let mut names: Vec<&str> = props.keys().map(String::as_str).collect();
                    names.sort_unstable();
                    let mut req = required.clone();
                    req.sort_unstable();
                    assert_eq!(names, req, "every property must be required");
                    assert_eq!(map["additionalProperties"], Value::Bool(false));
                }
                for forbidden in [
                    "minimum",
                    "maximum",
                    "maxLength",
                    "minLength",
                    "maxItems",
                    "pattern",
                ] {
                    assert!(
                        !map.contains_key(forbidden),
                        "{forbidden} is outside the strict subset"
                    );
                }
                map.values().for_each(assert_strict);
            }
            Value::Array(items) => items.iter().for_each(assert_strict),
            _ => {}
        }
    }
}
