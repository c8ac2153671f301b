//! Identifier conventions: how progenitor names methods, and how imported operations and schemas are named.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// `getSSHKeys` -> `get_ssh_keys`, with heck, the crate progenitor names methods with.
pub fn snake_case(s: &str) -> String {
    s.to_snake_case()
}

/// `getSSHKeys` -> `GetSshKeys`.
pub fn pascal_case(s: &str) -> String {
    s.to_upper_camel_case()
}

/// Rust keywords, which progenitor suffixes with `_` when an operationId turns into one.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern", "false", "fn",
    "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "self",
    "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become",
    "box", "do", "final", "macro", "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// The name of the generated client method for an operationId, as progenitor derives it
/// (`sanitize(operation_id, Case::Snake)`).
pub fn rust_method(operation_id: &str) -> String {
    let cleaned: String = operation_id
        .replace('\'', "")
        .chars()
        .map(|c| if c.is_alphanumeric() || c == '_' { c } else { '-' })
        .collect();
    let mut out = snake_case(&cleaned);
    match out.chars().next() {
        None => out = "x".to_string(),
        Some(c) if !(c.is_alphabetic() || c == '_') => out = format!("_{out}"),
        Some(_) => {}
    }
    if KEYWORDS.contains(&out.as_str()) || out == "_" {
        out.push('_');
    }
    out
}

/// An operationId for an operation that has none: the method followed by the path's words, with each
/// `{param}` segment written as `By{Param}`. `GET /instances/{id}/logs` -> `getInstancesByIdLogs`.
pub fn derive_operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_lowercase();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => {
                id.push_str("By");
                id.push_str(&pascal_case(param));
            }
            None => id.push_str(&pascal_case(segment)),
        }
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_matches_progenitor() {
        assert_eq!(rust_method("getAllInstances"), "get_all_instances");
        assert_eq!(rust_method("getSSHKeys"), "get_ssh_keys");
        assert_eq!(rust_method("getV2Things"), "get_v2_things");
        assert_eq!(rust_method("get-volume_types"), "get_volume_types");
        assert_eq!(rust_method("type"), "type_");
        assert_eq!(rust_method("1up"), "_1up");
    }

    #[test]
    fn pascal_case_for_schema_names() {
        assert_eq!(pascal_case("getClusterById"), "GetClusterById");
        assert_eq!(pascal_case("get_ssh-keys"), "GetSshKeys");
    }

    #[test]
    fn derived_ids() {
        assert_eq!(
            derive_operation_id("GET", "/instances/{id}/logs"),
            "getInstancesByIdLogs"
        );
        assert_eq!(derive_operation_id("post", "/instance-types"), "postInstanceTypes");
    }
}
