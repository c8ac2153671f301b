//! Loading OpenAPI documents, writing `openapi.yaml` in its canonical form, and walking operations and `$ref`s.
//!
//! Documents are handled as [`serde_json::Value`] with key order preserved (the `preserve_order` feature), so
//! the canonical form keeps paths, operations and keys in the order they were authored.

use serde_json::{Map, Value};

/// The HTTP methods a path item can hold, in the order OpenAPI lists them.
pub const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Parses YAML text into a JSON value, keeping key order.
pub fn parse_yaml(text: &str) -> Result<Value, String> {
    let value: Value = serde_norway::from_str(text).map_err(|e| format!("not valid YAML: {e}"))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err("the document is not a YAML mapping".to_string())
    }
}

/// Parses an upstream document, which may be JSON or YAML.
pub fn parse_any(text: &str) -> Result<Value, String> {
    if text.trim_start().starts_with('{') {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
        Ok(value)
    } else {
        parse_yaml(text)
    }
}

/// The canonical text of a document: serde_norway's fixed YAML style, keys in their stored order.
pub fn canonical(doc: &Value) -> Result<String, String> {
    serde_norway::to_string(doc).map_err(|e| format!("cannot write the document as YAML: {e}"))
}

/// One operation of a document.
pub struct Operation<'a> {
    /// Lower-case HTTP method, as the key in the path item.
    pub method: &'static str,
    /// The path template, e.g. `/instances/{id}`.
    pub path: &'a str,
    /// The path item holding the operation (for path-level parameters).
    pub item: &'a Map<String, Value>,
    /// The operation object.
    pub op: &'a Map<String, Value>,
}

impl<'a> Operation<'a> {
    /// The operationId, if it is a string.
    pub fn id(&self) -> Option<&str> {
        self.op.get("operationId").and_then(Value::as_str)
    }

    /// The operation's tags that are strings.
    pub fn tags(&self) -> Vec<&'a str> {
        let tags = self.op.get("tags").and_then(Value::as_array);
        tags.into_iter().flatten().filter_map(Value::as_str).collect()
    }

    /// `GET /instances`.
    pub fn route(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }

    /// How messages name the operation: `operation getAllInstances (GET /instances)`.
    pub fn label(&self) -> String {
        match self.id() {
            Some(id) => format!("operation {id} ({})", self.route()),
            None => format!("operation {}", self.route()),
        }
    }

    /// The effective parameters (path-level then operation-level), with `$ref`s followed in `doc`.
    pub fn parameters<'d>(&self, doc: &'d Value) -> Vec<&'d Map<String, Value>>
    where
        'a: 'd,
    {
        [self.item.get("parameters"), self.op.get("parameters")]
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
            .flatten()
            .filter_map(|p| deref(doc, p).as_object())
            .collect()
    }
}

/// Every operation in `doc`, in authored order.
pub fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Vec::new();
    };
    let mut ops = Vec::new();
    for (path, item) in paths {
        let Some(item) = item.as_object() else { continue };
        for (key, op) in item {
            let Some(method) = METHODS.iter().find(|m| **m == key.as_str()) else {
                continue;
            };
            if let Some(op) = op.as_object() {
                ops.push(Operation { method, path, item, op });
            }
        }
    }
    ops
}

/// A path with every `{param}` segment replaced by `{}`, so paths differing only in parameter names compare equal.
pub fn normalize_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push('{');
            }
            '}' => {
                in_param = false;
                out.push('}');
            }
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// The `{param}` names of a path template, in order.
pub fn path_params(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

/// The value a local reference (`#/components/schemas/X`) points to, if any.
pub fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    if pointer.is_empty() {
        return Some(doc);
    }
    // JSON pointers escape `~` and `/`; `Value::pointer` undoes that itself.
    doc.pointer(pointer)
}

/// Follows `$ref` (up to a fixed depth); returns the last value reached, the input if nothing resolves.
pub fn deref<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match ref_of(value).and_then(|r| resolve(doc, r)) {
            Some(target) => value = target,
            None => break,
        }
    }
    value
}

/// The `$ref` string of a value, if it has one.
pub fn ref_of(value: &Value) -> Option<&str> {
    value.get("$ref").and_then(Value::as_str)
}

/// `X` for a `{$ref: '#/components/schemas/X'}` value.
pub fn schema_ref_name(value: &Value) -> Option<&str> {
    ref_of(value)?.strip_prefix("#/components/schemas/")
}

/// A `{$ref: '#/components/schemas/name'}` value.
pub fn schema_ref(name: &str) -> Value {
    let mut map = Map::new();
    map.insert("$ref".into(), Value::String(format!("#/components/schemas/{name}")));
    Value::Object(map)
}

/// Whether a media type carries JSON (`application/json`, `application/problem+json`, ...).
pub fn is_json_media(media_type: &str) -> bool {
    let essence = media_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

/// The component schemas of a document (empty if it has none).
pub fn component_schemas(doc: &Value) -> Option<&Map<String, Value>> {
    doc.pointer("/components/schemas").and_then(Value::as_object)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_is_idempotent_and_keeps_order() {
        let text = "openapi: \"3.0.3\"\npaths:\n  /b: {}\n  /a: {}\nresponses:\n  200: {description: ok}\n";
        let once = canonical(&parse_yaml(text).unwrap()).unwrap();
        let twice = canonical(&parse_yaml(&once).unwrap()).unwrap();
        assert_eq!(once, twice);
        assert!(once.find("/b").unwrap() < once.find("/a").unwrap());
        assert!(once.contains("'200'"), "{once}");
    }

    #[test]
    fn paths_normalize() {
        assert_eq!(normalize_path("/a/{id}/b/{x_y}"), "/a/{}/b/{}");
        assert_eq!(path_params("/a/{id}/b/{x_y}"), ["id", "x_y"]);
    }

    #[test]
    fn malformed_input_is_an_error() {
        assert!(parse_yaml("a: [").is_err());
        assert!(parse_yaml("- 1").is_err());
        assert!(parse_any("{\"a\": ").is_err());
    }
}
