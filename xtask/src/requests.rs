//! Rules 15 to 18: what the SDK sends must be what the API expects, and each object is described once.
//! Each rule stops a class of silent difference found by comparing the spec with the official SDKs: a
//! field they always send that ours left out, a query flag spelled the way the server does not read, a
//! list answered with `null`, and two schemas of the same object that drift apart.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::answers;
use crate::build_script::TYPE_EXTENSION;
use crate::spec::{self, Operation};
use crate::violation::{Rule, Violation};

/// Request fields the official SDKs always send, with where they do: `(schema, field, evidence)`. Each must
/// be `required` or declare a `default` (build.rs makes a field with a default always part of the body).
pub const ALWAYS_SENT: &[(&str, &str, &str)] = &[
    (
        "DeployInstanceRequest",
        "ssh_key_ids",
        "Python instances/_instances.py:161,210 sends [] when unset; the 2023 document requires it",
    ),
    (
        "CreateClusterRequest",
        "ssh_key_ids",
        "Python clusters/_clusters.py:158,199 sends []; Go sends null",
    ),
    (
        "CreateClusterRequest",
        "description",
        "both SDKs send it, empty when unset",
    ),
    (
        "CreateDeploymentRequest",
        "scaling",
        "Python containers/_containers.py:414,822 posts null when unset; Go always sends an object",
    ),
    ("CreateDeploymentRequest", "is_spot", "both SDKs send false when unset"),
    (
        "CreateDeploymentRequest",
        "container_registry_settings",
        "both SDKs send {is_private: false} when unset",
    ),
    (
        "CreateJobDeploymentRequest",
        "scaling",
        "Go requires it; Python job_deployments/_job_deployments.py:42-44 always sends all three fields",
    ),
    (
        "EnvVar",
        "type",
        "Python containers/_containers.py:131 and Go always send it",
    ),
];

/// The query flag the SDKs spell two ways (`is_spot` in Go, `isSpot` in Python), and the schema that sends
/// both spellings at once.
pub const SPOT_PARAMETERS: &[&str] = &["is_spot", "isSpot"];

/// The schema every spot query parameter uses.
pub const SPOT_FLAG_SCHEMA: &str = "SpotFlag";

/// Pairs of schemas with the same shape that describe different objects, so rule 18 lets them be.
pub const SAME_SHAPE_DIFFERENT_OBJECTS: &[(&str, &str)] = &[
    // The compute of a deployment (a resource name and a count) and the shared volume of a cluster (a
    // volume name and a size in GB) are both {name, size}.
    ("ClusterSharedVolumeRequest", "ComputeSpecRequest"),
];

/// Checks rules 15 to 18.
pub fn check(doc: &Value, ops: &[Operation<'_>], out: &mut Vec<Violation>) {
    check_always_sent(doc, out);
    for op in ops {
        check_spot_parameters(doc, op, out);
        check_list_answer(doc, op, out);
    }
    check_duplicate_schemas(doc, out);
}

/// Rule 15: every field of [`ALWAYS_SENT`] whose schema the document has exists and is `required` or has a
/// `default` (a test keeps every schema of the table in openapi.yaml).
fn check_always_sent(doc: &Value, out: &mut Vec<Violation>) {
    let schemas = spec::component_schemas(doc);
    for (schema_name, field, evidence) in ALWAYS_SENT {
        let mut push = |detail: String| {
            out.push(Violation {
                subject: format!("schema {schema_name}"),
                rule: Rule::AlwaysSent,
                detail,
            })
        };
        let Some(schema) = schemas.and_then(|s| s.get(*schema_name)) else {
            continue;
        };
        let Some(property) = schema.get("properties").and_then(|p| p.get(*field)) else {
            push(format!(
                "has no property {field:?}, which must always be sent ({evidence})"
            ));
            continue;
        };
        let required = schema
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| r.iter().any(|f| f.as_str() == Some(*field)));
        if !required && property.get("default").is_none() {
            push(format!(
                "{field:?} must always be sent ({evidence}): make it required or give it a `default`"
            ));
        }
    }
}

/// Rule 16: a spot query parameter is `SpotFlag`, which sends both spellings with the same value.
fn check_spot_parameters(doc: &Value, op: &Operation<'_>, out: &mut Vec<Violation>) {
    for parameter in op.parameters(doc) {
        let is_query = parameter.get("in").and_then(Value::as_str) == Some("query");
        let name = parameter.get("name").and_then(Value::as_str).unwrap_or("");
        if !is_query || !SPOT_PARAMETERS.contains(&name) {
            continue;
        }
        let schema = parameter.get("schema").and_then(spec::schema_ref_name);
        if schema != Some(SPOT_FLAG_SCHEMA) || name != SPOT_PARAMETERS[0] {
            out.push(Violation {
                subject: op.label(),
                rule: Rule::SpotQuery,
                detail: format!(
                    "query parameter {name:?} must be one `{}` parameter with `$ref: '#/components/schemas/{SPOT_FLAG_SCHEMA}'`, \
                     which sends is_spot and isSpot alike",
                    SPOT_PARAMETERS[0]
                ),
            });
        }
    }
}

/// Rule 17: a list a GET answers is a named array schema without `nullable` and without a hand-written type:
/// build.rs makes exactly those accept `null` and an empty body as an empty list.
fn check_list_answer(doc: &Value, op: &Operation<'_>, out: &mut Vec<Violation>) {
    if op.method != "get" {
        return;
    }
    let Some(schema) = answers::success_json_schema(doc, op) else {
        return;
    };
    let resolved = spec::deref(doc, schema);
    if resolved.get("type").and_then(Value::as_str) != Some("array") {
        return;
    }
    let problem = if spec::schema_ref_name(schema).is_none() {
        "is an inline array"
    } else if resolved.get("nullable") == Some(&Value::Bool(true)) {
        "is `nullable` (generated as an Option)"
    } else if resolved.get(TYPE_EXTENSION).is_some() {
        "has a hand-written type"
    } else {
        return;
    };
    out.push(Violation {
        subject: op.label(),
        rule: Rule::ListAnswers,
        detail: format!(
            "the list it answers {problem}; name a plain array schema, which accepts null as an empty list"
        ),
    });
}

/// The schema with every `description` removed, for comparing what two schemas describe.
fn without_descriptions(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, value)| !(key.as_str() == "description" && value.is_string()))
                .map(|(key, value)| (key.clone(), without_descriptions(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_descriptions).collect()),
        other => other.clone(),
    }
}

/// Whether two schemas of the same shape are vetted as different objects.
fn distinct_objects(a: &str, b: &str) -> bool {
    SAME_SHAPE_DIFFERENT_OBJECTS
        .iter()
        .any(|pair| *pair == (a, b) || *pair == (b, a))
}

/// Rule 18: no two component schemas describe the same object (they differ at most in descriptions).
fn check_duplicate_schemas(doc: &Value, out: &mut Vec<Violation>) {
    let mut first_of: BTreeMap<String, &str> = BTreeMap::new();
    for (name, schema) in spec::component_schemas(doc).into_iter().flatten() {
        let shape = without_descriptions(schema).to_string();
        match first_of.get(&shape) {
            Some(first) if distinct_objects(first, name) => {}
            Some(first) => out.push(Violation {
                subject: format!("schema {name}"),
                rule: Rule::NoDuplicateSchemas,
                detail: format!("describes the same object as {first}; use one schema for both"),
            }),
            None => {
                first_of.insert(shape, name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::check as check_all;

    /// A document with one request schema, one list answer and one spot query; tests break one rule at a time.
    const GOOD: &str = concat!(
        crate::rules::test_document_head!(),
        r##"    SpotFlag:
      x-datacrunch-type: SpotFlag
      type: boolean
    Thing:
      type: object
      required: [id]
      properties:
        id: {type: string}
    ThingList:
      type: array
      items: {$ref: '#/components/schemas/Thing'}
    EnvVar:
      type: object
      required: [name, type]
      properties:
        name: {type: string, description: the name}
        type: {type: string}
paths:
  /things:
    get:
      operationId: getThings
      tags: [Things]
      parameters:
      - {name: is_spot, in: query, schema: {$ref: '#/components/schemas/SpotFlag'}}
      responses:
        2XX:
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/ThingList'}
        4XX: {$ref: '#/components/responses/Error'}
        5XX: {$ref: '#/components/responses/Error'}
"##
    );

    /// The violations of GOOD with `from` replaced by `to`, of `rule` only.
    fn with(from: &str, to: &str, rule: Rule) -> Vec<Violation> {
        assert!(GOOD.contains(from), "{from}");
        let doc = spec::parse_yaml(&GOOD.replacen(from, to, 1)).unwrap();
        check_all(&doc).into_iter().filter(|v| v.rule == rule).collect()
    }

    #[test]
    fn good_document_passes() {
        assert_eq!(check_all(&spec::parse_yaml(GOOD).unwrap()), vec![]);
    }

    #[test]
    fn rule_15_always_sent() {
        let found = with("required: [name, type]", "required: [name]", Rule::AlwaysSent);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(found[0].subject == "schema EnvVar" && found[0].detail.contains("\"type\""));
        let defaulted = GOOD.replacen("required: [name, type]", "required: [name]", 1).replacen(
            "        type: {type: string}",
            "        type: {type: string, default: plain}",
            1,
        );
        let found = check_all(&spec::parse_yaml(&defaulted).unwrap());
        assert!(found.iter().all(|v| v.rule != Rule::AlwaysSent), "{found:#?}");
        let renamed = with(
            "        type: {type: string}",
            "        kind: {type: string}",
            Rule::AlwaysSent,
        );
        assert!(renamed[0].detail.contains("has no property"), "{renamed:#?}");
    }

    #[test]
    fn rule_16_spot_query() {
        let boolean = "{name: is_spot, in: query, schema: {type: boolean}}";
        assert_eq!(
            with(
                "{name: is_spot, in: query, schema: {$ref: '#/components/schemas/SpotFlag'}}",
                boolean,
                Rule::SpotQuery
            )
            .len(),
            1
        );
        assert_eq!(with("{name: is_spot,", "{name: isSpot,", Rule::SpotQuery).len(), 1);
    }

    #[test]
    fn rule_17_list_answers() {
        let nullable = with(
            "    ThingList:\n      type: array",
            "    ThingList:\n      nullable: true\n      type: array",
            Rule::ListAnswers,
        );
        assert!(nullable[0].detail.contains("nullable"), "{nullable:#?}");
        let handwritten = with(
            "    ThingList:\n      type: array",
            "    ThingList:\n      x-datacrunch-type: List\n      type: array",
            Rule::ListAnswers,
        );
        assert!(handwritten[0].detail.contains("hand-written"), "{handwritten:#?}");
    }

    #[test]
    fn rule_18_duplicate_schemas() {
        let twin = "    EnvVar:\n      type: object\n      required: [name, type]\n      properties:\n        name: {type: string}\n        type: {type: string}\n    EnvVarTwin:\n      type: object\n      required: [name, type]\n      properties:\n        name: {type: string, description: other words}\n        type: {type: string}\n    Unused:";
        let found = with("    EnvVar:", twin, Rule::NoDuplicateSchemas);
        assert!(
            found
                .iter()
                .any(|v| v.subject == "schema EnvVarTwin" && v.detail.contains("EnvVar")),
            "{found:#?}"
        );
        assert!(distinct_objects("ComputeSpecRequest", "ClusterSharedVolumeRequest"));
    }

    #[test]
    fn every_schema_of_the_tables_is_in_openapi_yaml() {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml")).unwrap();
        let doc = spec::parse_yaml(&text).unwrap();
        let schemas = spec::component_schemas(&doc).unwrap();
        for (schema, field, _) in ALWAYS_SENT {
            assert!(
                schemas
                    .get(*schema)
                    .and_then(|s| s.pointer(&format!("/properties/{field}")))
                    .is_some(),
                "{schema}.{field}"
            );
        }
        for (a, b) in SAME_SHAPE_DIFFERENT_OBJECTS {
            assert!(schemas.contains_key(*a) && schemas.contains_key(*b), "{a} {b}");
        }
        assert!(schemas.contains_key(SPOT_FLAG_SCHEMA));
    }
}
