//! Rules 11 to 14: what the document promises about the API's answers must cover everything the API
//! really sends. Each rule stops a class of decode failure found by comparing the spec with the official
//! SDKs: an unexpected 2xx status, an answer without a body, an array sent as `null`, a missing field.

use std::collections::{BTreeSet, HashSet};

use serde_json::Value;

use crate::build_script::TYPE_EXTENSION;
use crate::spec::{self, Operation};
use crate::violation::{Rule, Violation};

/// Field names that may be `required` in any schema an answer uses: what identifies the object.
pub const IDENTITY_FIELDS: &[&str] = &["id", "name", "key", "code", "instanceId"];

/// Other fields that stay `required` in answers, per schema: every official SDK that models the field
/// requires it (Python: no default and not `Optional`; Go: neither a pointer nor `omitempty`), and the object
/// means nothing without it. Anything else must be optional, because one SDK or the other accepts answers
/// without it.
pub const REQUIRED_IN_ANSWERS: &[(&str, &[&str])] = &[
    ("Balance", &["amount", "currency"]),
    ("TokenResponse", &["access_token"]),
    ("Instance", &["instance_type", "status", "hostname"]),
    ("Cluster", &["cluster_type", "status", "hostname"]),
    ("Volume", &["status", "size", "type"]),
    ("Image", &["image_type"]),
    ("InstanceTypeInfo", &["instance_type", "price_per_hour", "currency"]),
    ("ClusterTypeInfo", &["cluster_type", "price_per_hour", "currency"]),
    ("ContainerType", &["instance_type"]),
    ("InstanceAvailability", &["location_code"]),
    ("ClusterAvailability", &["location_code"]),
    ("PriceHistoryRecord", &["date"]),
    ("VolumeTypeDetails", &["type"]),
    ("InstanceActionResult", &["status"]),
    ("DeploymentStatusInfo", &["status"]),
    ("JobDeploymentStatus", &["status"]),
    ("Replica", &["status"]),
    ("ComputeSpec", &["size"]),
    ("Container", &["image"]),
    ("ContainerImage", &["image"]),
    ("ContainerEnvVarGroup", &["container_name"]),
    ("EnvVar", &["value_or_reference_to_secret", "type"]),
    ("VolumeMount", &["type", "mount_path"]),
    ("RegistrySettings", &["is_private"]),
    ("Autoupdate", &["enabled"]),
];

/// Checks rules 11 to 14.
pub fn check(doc: &Value, ops: &[Operation<'_>], out: &mut Vec<Violation>) {
    for op in ops {
        check_any_success(op, out);
        check_empty_answer(doc, op, out);
    }
    let Some(schemas) = spec::component_schemas(doc) else {
        return;
    };
    for name in answer_schemas(doc, ops) {
        let Some(schema) = schemas.get(&name) else {
            continue;
        };
        if schema.get(TYPE_EXTENSION).is_some() {
            continue;
        }
        check_nullable_arrays(&name, schema, out);
        check_required(&name, schema, out);
    }
}

/// The 2xx statuses an operation declares one by one.
fn single_success_statuses<'a>(op: &Operation<'a>) -> Vec<&'a str> {
    responses(op)
        .map(|(status, _)| status)
        .filter(|status| status.len() == 3 && status.starts_with('2') && *status != "2XX")
        .collect()
}

/// An operation's responses as `(status, response)` pairs.
fn responses<'a>(op: &Operation<'a>) -> impl Iterator<Item = (&'a str, &'a Value)> {
    op.op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(status, response)| (status.as_str(), response))
}

/// Rule 11: the success answer is the `2XX` range, so a 200, 201, 202 or 204 all decode.
fn check_any_success(op: &Operation<'_>, out: &mut Vec<Violation>) {
    let mut push = |detail: String| {
        out.push(Violation {
            subject: op.label(),
            rule: Rule::AnySuccess,
            detail,
        })
    };
    if !responses(op).any(|(status, _)| status == "2XX") {
        push("declares no `2XX` response; the API may answer any 2xx status".into());
    }
    let single = single_success_statuses(op);
    if !single.is_empty() {
        push(format!(
            "declares {} besides `2XX`; describe every success as one `2XX` response",
            single.join(", ")
        ));
    }
}

/// The schema of the JSON body of an operation's `2XX` answer, if it has one.
pub(crate) fn success_json_schema<'a>(doc: &'a Value, op: &Operation<'a>) -> Option<&'a Value> {
    let (_, response) = responses(op).find(|(status, _)| *status == "2XX")?;
    let content = spec::deref(doc, response).get("content")?.as_object()?;
    content
        .iter()
        .find(|(media, _)| spec::is_json_media(media))
        .and_then(|(_, media)| media.get("schema"))
}

/// Rule 12: an operation that changes something may answer without a body, so its typed answer accepts `null`.
fn check_empty_answer(doc: &Value, op: &Operation<'_>, out: &mut Vec<Violation>) {
    if op.method == "get" {
        return;
    }
    let Some(schema) = success_json_schema(doc, op) else {
        return;
    };
    let resolved = spec::deref(doc, schema);
    let accepts_null = resolved.get("nullable") == Some(&Value::Bool(true)) || resolved.get(TYPE_EXTENSION).is_some();
    if !accepts_null {
        out.push(Violation {
            subject: op.label(),
            rule: Rule::EmptyAnswer,
            detail: format!(
                "the `2XX` body {} does not accept an answer without a body; make the schema nullable or wrap it in Maybe<..>",
                spec::schema_ref_name(schema).unwrap_or("(inline)")
            ),
        });
    }
}

/// The component schemas any success answer uses, directly or through other schemas.
fn answer_schemas(doc: &Value, ops: &[Operation<'_>]) -> BTreeSet<String> {
    let mut todo: Vec<&Value> = ops
        .iter()
        .flat_map(responses)
        .filter(|(status, _)| status.starts_with('2'))
        .map(|(_, response)| spec::deref(doc, response))
        .collect();
    let mut seen: HashSet<String> = HashSet::new();
    while let Some(value) = todo.pop() {
        match value {
            Value::Object(map) => {
                if let Some(name) = spec::schema_ref_name(value)
                    && seen.insert(name.to_owned())
                {
                    todo.extend(spec::component_schemas(doc).and_then(|s| s.get(name)));
                }
                todo.extend(map.values());
            }
            Value::Array(items) => todo.extend(items),
            _ => {}
        }
    }
    seen.into_iter().collect()
}

/// Rule 13: Go encodes an empty slice as `null`, so every array field of an answer may arrive as `null`.
fn check_nullable_arrays(name: &str, schema: &Value, out: &mut Vec<Violation>) {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else {
        return;
    };
    for (field, property) in properties {
        let is_array = property.get("type").and_then(Value::as_str) == Some("array");
        if is_array && property.get("nullable") != Some(&Value::Bool(true)) {
            out.push(Violation {
                subject: format!("schema {name}"),
                rule: Rule::NullableArrays,
                detail: format!("array field {field:?} is used in answers and must be `nullable: true`"),
            });
        }
    }
}

/// Rule 14: an answer may leave out any field an official SDK treats as optional, so `required` names only
/// identity fields and the vetted exceptions of [`REQUIRED_IN_ANSWERS`].
fn check_required(name: &str, schema: &Value, out: &mut Vec<Violation>) {
    let vetted = REQUIRED_IN_ANSWERS
        .iter()
        .find(|(schema_name, _)| *schema_name == name)
        .map(|(_, fields)| *fields)
        .unwrap_or(&[]);
    let required = schema.get("required").and_then(Value::as_array).into_iter().flatten();
    for field in required.filter_map(Value::as_str) {
        if !IDENTITY_FIELDS.contains(&field) && !vetted.contains(&field) {
            out.push(Violation {
                subject: format!("schema {name}"),
                rule: Rule::RequiredInAnswers,
                detail: format!(
                    "{field:?} is required but the schema is used in answers; make it optional, or add it to \
                     REQUIRED_IN_ANSWERS once both official SDKs are shown to require it"
                ),
            });
        }
    }
}
