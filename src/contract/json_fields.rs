//! The one reader of JSON request bodies field by field: every mistake gets a message naming
//! the field, `null` is told apart from "left out" where that matters, and unknown fields can be
//! refused (a misspelt `redirectURIs` would otherwise be dropped without a word).

use serde_json::{Map, Value};

use super::error::ApiError;

/// A request body's fields.
pub type Fields = Map<String, Value>;
pub type FieldResult<T> = Result<T, ApiError>;

/// The body as an object.
pub fn object(body: &Value) -> FieldResult<&Fields> {
    body.as_object().ok_or_else(not_an_object)
}

/// The body as an object, taken.
pub fn into_object(body: Value) -> FieldResult<Fields> {
    match body {
        Value::Object(fields) => Ok(fields),
        _ => Err(not_an_object()),
    }
}

fn not_an_object() -> ApiError {
    ApiError::invalid_request("the request body must be a JSON object")
}

/// `400`: `key` is required.
pub fn missing(key: &str) -> ApiError {
    ApiError::invalid_request(format!("`{key}` is required"))
}

/// Refuses a field not in `allowed`, with `hint`'s word for it or the list of the fields.
pub fn refuse_unknown(fields: &Fields, allowed: &[&str], hint: impl Fn(&str) -> Option<String>) -> FieldResult<()> {
    refuse_unknown_with(fields, allowed, &hint)
}

/// [`refuse_unknown`]'s body, compiled once (not once per caller's closure: the size budget).
#[inline(never)]
fn refuse_unknown_with(fields: &Fields, allowed: &[&str], hint: &dyn Fn(&str) -> Option<String>) -> FieldResult<()> {
    match fields.keys().find(|k| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some(key) => {
            Err(ApiError::invalid_request(hint(key).unwrap_or_else(|| format!("unknown field `{key}`; the fields are {}", allowed.join(", ")))))
        }
    }
}

/// A string field; `null` is a mistake (it is not "left out").
pub fn str_field<'a>(fields: &'a Fields, key: &str) -> FieldResult<Option<&'a str>> {
    match fields.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(not_a_string(key)),
    }
}

/// A string field where `null` means "left out".
pub fn optional_str<'a>(fields: &'a Fields, key: &str) -> FieldResult<Option<&'a str>> {
    match fields.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(not_a_string(key)),
    }
}

fn not_a_string(key: &str) -> ApiError {
    ApiError::invalid_request(format!("`{key}` must be a string"))
}

pub fn bool_field(fields: &Fields, key: &str) -> FieldResult<Option<bool>> {
    match fields.get(key) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::invalid_request(format!("`{key}` must be true or false"))),
    }
}

/// One of `values`, by its name.
pub fn enum_field<T: Copy>(fields: &Fields, key: &str, values: &[(&str, T)]) -> FieldResult<Option<T>> {
    let Some(given) = fields.get(key) else { return Ok(None) };
    let found = given.as_str().and_then(|s| values.iter().find(|(name, _)| *name == s));
    match found {
        Some((_, value)) => Ok(Some(*value)),
        None => {
            let names: Vec<String> = values.iter().map(|(name, _)| format!("\"{name}\"")).collect();
            Err(ApiError::invalid_request(format!("`{key}` must be one of {}", names.join(", "))))
        }
    }
}

/// A list of at most `max_len` strings, each checked (and normalized) by `check`; duplicates
/// after normalization are dropped, order kept.
pub fn list_field(fields: &Fields, key: &str, max_len: usize, check: impl Fn(&str) -> Result<String, String>) -> FieldResult<Option<Vec<String>>> {
    list_field_with(fields, key, max_len, &check)
}

/// [`list_field`]'s body, compiled once (not once per caller's closure: the size budget).
#[inline(never)]
fn list_field_with(fields: &Fields, key: &str, max_len: usize, check: &dyn Fn(&str) -> Result<String, String>) -> FieldResult<Option<Vec<String>>> {
    let Some(given) = fields.get(key) else { return Ok(None) };
    let Some(items) = given.as_array() else {
        return Err(ApiError::invalid_request(format!("`{key}` must be an array of strings")));
    };
    if items.len() > max_len {
        return Err(ApiError::invalid_request(format!("`{key}` may list at most {max_len} entries")));
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let Some(s) = item.as_str() else {
            return Err(ApiError::invalid_request(format!("`{key}` must be an array of strings")));
        };
        let value = check(s).map_err(|why| ApiError::invalid_request(format!("`{key}`: {}: {why}", quoted(s))))?;
        if !out.contains(&value) {
            out.push(value);
        }
    }
    Ok(Some(out))
}

/// A value quoted for an error message, shortened and without control characters.
pub fn quoted(s: &str) -> String {
    let shown: String = s.chars().take(80).map(|c| if c.is_control() { '\u{fffd}' } else { c }).collect();
    let ellipsis = if s.chars().count() > 80 { "…" } else { "" };
    format!("\"{shown}{ellipsis}\"")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(v: Value) -> Fields {
        into_object(v).unwrap()
    }

    #[test]
    fn a_body_must_be_an_object() {
        assert!(object(&json!([])).is_err());
        assert!(into_object(json!("x")).unwrap_err().message.contains("JSON object"));
        assert!(object(&json!({})).unwrap().is_empty());
    }

    #[test]
    fn null_is_a_mistake_or_left_out_as_asked() {
        let f = fields(json!({"a": null, "b": "x", "c": 1}));
        assert!(str_field(&f, "a").unwrap_err().message.contains("`a` must be a string"));
        assert_eq!(optional_str(&f, "a").unwrap(), None);
        assert_eq!(str_field(&f, "b").unwrap(), Some("x"));
        assert_eq!(optional_str(&f, "missing").unwrap(), None);
        assert!(optional_str(&f, "c").is_err());
    }

    #[test]
    fn enums_and_lists_name_the_field() {
        let f = fields(json!({"e": "nope", "l": ["a", "A", "b"], "n": [1]}));
        assert!(enum_field(&f, "e", &[("yes", 1)]).unwrap_err().message.contains("`e` must be one of \"yes\""));
        let lower = |s: &str| Ok(s.to_ascii_lowercase());
        assert_eq!(list_field(&f, "l", 5, lower).unwrap().unwrap(), vec!["a", "b"]);
        assert!(list_field(&f, "l", 2, lower).unwrap_err().message.contains("at most 2"));
        assert!(list_field(&f, "n", 5, lower).unwrap_err().message.contains("array of strings"));
        assert!(refuse_unknown(&f, &["e"], |_| None).unwrap_err().message.contains("unknown field"));
    }

    #[test]
    fn quoted_values_are_short_and_on_one_line() {
        assert_eq!(quoted("a\nb"), "\"a\u{fffd}b\"");
        assert!(quoted(&"x".repeat(100)).ends_with("…\""));
    }
}
