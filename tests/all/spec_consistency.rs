//! Checks that tie `openapi.yaml` to the code: every operation is exercised on the wire by some
//! test, and every open enum knows exactly the values the spec lists.

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;

use datacrunch::types;

fn spec() -> serde_json::Value {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi.yaml")).unwrap();
    serde_norway::from_str(&text).unwrap()
}

/// `getSshKeyById` -> `get_ssh_key_by_id`, as progenitor names methods (with heck).
fn snake_case(operation_id: &str) -> String {
    heck::ToSnakeCase::to_snake_case(operation_id)
}

#[test]
fn every_operation_is_exercised_by_a_wire_test() {
    let tests_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("all");
    let mut sources = String::new();
    for entry in std::fs::read_dir(&tests_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("spec_consistency.rs") {
            sources.push_str(&std::fs::read_to_string(path).unwrap());
        }
    }
    let spec = spec();
    let mut operations = 0;
    let mut missing = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let Some(id) = operation.get("operationId").and_then(|v| v.as_str()) else {
                continue;
            };
            operations += 1;
            let call = format!(".{}()", snake_case(id));
            if !sources.contains(&call) {
                missing.push(format!(
                    "{} {path} ({id}: no test calls `{call}`)",
                    method.to_uppercase()
                ));
            }
        }
    }
    assert!(operations > 0, "openapi.yaml lists no operations");
    assert!(
        missing.is_empty(),
        "operations no test exercises:\n{}",
        missing.join("\n")
    );
}

/// Every open enum, by the schema name that wires it in.
fn known_values(schema: &str) -> Option<&'static [&'static str]> {
    macro_rules! table {
        ($($name:ident),+ $(,)?) => {
            match schema {
                $(stringify!($name) => Some(types::$name::KNOWN),)+
                _ => None,
            }
        };
    }
    common::with_open_enums!(table)
}

#[test]
fn open_enums_know_exactly_the_values_the_spec_lists() {
    let spec = spec();
    let mut checked = 0;
    for (name, schema) in spec["components"]["schemas"].as_object().unwrap() {
        let Some(listed) = schema.get("enum").and_then(|e| e.as_array()) else {
            continue;
        };
        let listed: BTreeSet<&str> = listed.iter().map(|v| v.as_str().unwrap()).collect();
        let known = known_values(name).unwrap_or_else(|| panic!("schema {name} has an enum but no open enum type"));
        assert_eq!(listed, known.iter().copied().collect::<BTreeSet<_>>(), "schema {name}");
        checked += 1;
    }
    macro_rules! count {
        ($($name:ident),+ $(,)?) => { [$(stringify!($name)),+].len() };
    }
    assert_eq!(
        checked,
        common::with_open_enums!(count),
        "every open enum is listed in openapi.yaml"
    );
}
