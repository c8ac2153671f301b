//! The project's rules for `openapi.yaml`. Each broken rule becomes a [`Violation`] naming the operation or
//! schema and the rule.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use crate::spec::{self, Operation};
use crate::violation::{Rule, Violation};

use crate::build_script::TYPE_EXTENSION;

/// The response every operation must use for `4XX` and `5XX`.
pub const ERROR_RESPONSE: &str = "#/components/responses/Error";

/// The operations of the provider's 2023 document and the operationIds they must keep: (method, path, id).
pub const LEGACY_OPERATION_IDS: &[(&str, &str, &str)] = &[
    ("GET", "/instances", "getAllInstances"),
    ("POST", "/instances", "deployInstance"),
    ("PUT", "/instances", "instanceAction"),
    ("GET", "/instances/{id}", "getInstanceById"),
    ("GET", "/sshkeys", "getSshKeys"),
    ("POST", "/sshkeys", "addSshKeys"),
    ("DELETE", "/sshkeys", "deleteSshKeys"),
    ("GET", "/sshkeys/{id}", "getSshKeyById"),
    ("DELETE", "/sshkeys/{id}", "deleteSshKeyById"),
    ("GET", "/scripts", "getScripts"),
    ("POST", "/scripts", "addScripts"),
    ("DELETE", "/scripts", "deleteScripts"),
    ("GET", "/scripts/{id}", "getScriptById"),
    ("DELETE", "/scripts/{id}", "deleteScriptById"),
    ("GET", "/balance", "getBalance"),
    ("POST", "/oauth2/token", "getAccessToken"),
    ("GET", "/images", "getImages"),
    ("GET", "/instance-types", "getInstancesTypes"),
    ("GET", "/volumes", "getAllVolumes"),
    ("PUT", "/volumes", "volumeAction"),
    ("POST", "/volumes", "createVolume"),
    ("GET", "/volumes/{id}", "getVolumeById"),
    ("DELETE", "/volumes/{id}", "deleteVolumeById"),
    ("GET", "/volume-types", "getVolumeTypes"),
    ("GET", "/instance-availability/{instance_type}", "getAvailability"),
    ("GET", "/locations", "getLocations"),
    ("GET", "/instance-availability", "getAllAvailability"),
];

/// The operationId the 2023 document gives `method path`, if it has the operation.
pub fn legacy_operation_id(method: &str, path: &str) -> Option<&'static str> {
    let path = spec::normalize_path(path);
    LEGACY_OPERATION_IDS
        .iter()
        .find(|(m, p, _)| m.eq_ignore_ascii_case(method) && spec::normalize_path(p) == path)
        .map(|(_, _, id)| *id)
}

/// Checks rules 1 to 9 and 11 to 18 and returns every violation, in document order per rule.
pub fn check(doc: &Value) -> Vec<Violation> {
    let mut out = Vec::new();
    check_version(doc, &mut out);
    let ops = spec::operations(doc);
    check_ids_and_tags(doc, &ops, &mut out);
    check_legacy_ids(&ops, &mut out);
    check_bodies(doc, &ops, &mut out);
    check_walk(doc, &mut out);
    check_error_responses(&ops, &mut out);
    check_path_parameters(doc, &ops, &mut out);
    crate::answers::check(doc, &ops, &mut out);
    crate::requests::check(doc, &ops, &mut out);
    out
}

/// Rule 1.
fn check_version(doc: &Value, out: &mut Vec<Violation>) {
    let violation = |detail: String| Violation {
        subject: "document".into(),
        rule: Rule::OpenApi30,
        detail,
    };
    match doc.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.0.") => {}
        Some(v) => out.push(violation(format!("`openapi` is {v:?}, expected 3.0.x"))),
        None => out.push(violation("`openapi: 3.0.x` is missing".into())),
    }
    if let Err(e) = serde_json::from_value::<openapiv3::OpenAPI>(doc.clone()) {
        out.push(violation(format!("does not parse as openapiv3::OpenAPI: {e}")));
    }
}

/// Rule 2.
fn check_ids_and_tags(doc: &Value, ops: &[Operation<'_>], out: &mut Vec<Violation>) {
    let declared: HashSet<&str> = doc
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("name").and_then(Value::as_str))
        .collect();
    let mut seen: HashMap<&str, String> = HashMap::new();
    for op in ops {
        let mut push = |detail: String| {
            out.push(Violation {
                subject: op.label(),
                rule: Rule::IdsAndTags,
                detail,
            })
        };
        match op.id() {
            None | Some("") => push("has no operationId".into()),
            Some(id) => {
                if let Some(first) = seen.get(id) {
                    push(format!("operationId {id} is also used by {first}"));
                } else {
                    seen.insert(id, op.route());
                }
            }
        }
        let tags = op.tags();
        if tags.is_empty() {
            push("has no tag".into());
        }
        for tag in tags {
            if !declared.contains(tag) {
                push(format!("tag {tag:?} is not declared in the top-level `tags`"));
            }
        }
    }
}

/// Rule 3.
fn check_legacy_ids(ops: &[Operation<'_>], out: &mut Vec<Violation>) {
    for op in ops {
        let Some(expected) = legacy_operation_id(op.method, op.path) else {
            continue;
        };
        if op.id() != Some(expected) {
            out.push(Violation {
                subject: op.label(),
                rule: Rule::LegacyIds,
                detail: format!("the 2023 document calls this operation {expected}; keep that operationId"),
            });
        }
    }
}

/// Rule 4: JSON bodies must be `$ref`s to component schemas. A non-JSON body (bare text) may use a plain
/// `type: string` schema.
fn check_bodies(doc: &Value, ops: &[Operation<'_>], out: &mut Vec<Violation>) {
    for op in ops {
        let mut bodies: Vec<(String, &Value)> = Vec::new();
        if let Some(body) = op.op.get("requestBody") {
            bodies.push(("request body".into(), spec::deref(doc, body)));
        }
        if let Some(responses) = op.op.get("responses").and_then(Value::as_object) {
            for (status, response) in responses {
                bodies.push((format!("response {status}"), spec::deref(doc, response)));
            }
        }
        for (what, body) in bodies {
            let Some(content) = body.get("content").and_then(Value::as_object) else {
                continue;
            };
            for (media, media_obj) in content {
                let Some(schema) = media_obj.get("schema") else {
                    continue;
                };
                if spec::schema_ref_name(schema).is_some() {
                    continue;
                }
                let plain_text = !spec::is_json_media(media)
                    && schema.get("type").and_then(Value::as_str) == Some("string")
                    && schema
                        .as_object()
                        .is_some_and(|m| m.keys().all(|k| k == "type" || k == "description"));
                if !plain_text {
                    out.push(Violation {
                        subject: op.label(),
                        rule: Rule::NamedBodies,
                        detail: format!("{what} ({media}) has an inline schema; name it in components/schemas"),
                    });
                }
            }
        }
    }
}

/// Rule 7.
fn check_error_responses(ops: &[Operation<'_>], out: &mut Vec<Violation>) {
    for op in ops {
        for status in ["4XX", "5XX"] {
            let response = op.op.get("responses").and_then(|r| r.get(status));
            if response.and_then(spec::ref_of) != Some(ERROR_RESPONSE) {
                out.push(Violation {
                    subject: op.label(),
                    rule: Rule::ErrorResponses,
                    detail: format!("response {status} must be `$ref: '{ERROR_RESPONSE}'`"),
                });
            }
        }
    }
}

/// Rule 8.
fn check_path_parameters(doc: &Value, ops: &[Operation<'_>], out: &mut Vec<Violation>) {
    for op in ops {
        let in_path: Vec<&str> = spec::path_params(op.path);
        let declared: Vec<&str> = op
            .parameters(doc)
            .into_iter()
            .filter(|p| p.get("in").and_then(Value::as_str) == Some("path"))
            .filter_map(|p| p.get("name").and_then(Value::as_str))
            .collect();
        let mut push = |detail: String| {
            out.push(Violation {
                subject: op.label(),
                rule: Rule::PathParameters,
                detail,
            })
        };
        for name in &in_path {
            if !declared.contains(name) {
                push(format!(
                    "{{{name}}} appears in the path but is not declared as a path parameter"
                ));
            }
        }
        for name in &declared {
            if !in_path.contains(name) {
                push(format!("path parameter {name:?} does not appear in the path"));
            }
        }
    }
}

/// Keys whose values are free-form data or extensions, not schemas or OpenAPI objects.
fn is_free_form(key: &str) -> bool {
    key.starts_with("x-") || matches!(key, "example" | "examples" | "default" | "enum")
}

/// Rules 5, 6 and 9: walks every object of the document.
fn check_walk(doc: &Value, out: &mut Vec<Violation>) {
    let mut pointer = Vec::new();
    walk(doc, doc, &mut pointer, out);
}

/// Visits `value` (found at `pointer`) and its children.
fn walk(doc: &Value, value: &Value, pointer: &mut Vec<String>, out: &mut Vec<Violation>) {
    let Some(map) = value.as_object() else {
        if let Some(items) = value.as_array() {
            for (i, item) in items.iter().enumerate() {
                pointer.push(i.to_string());
                walk(doc, item, pointer, out);
                pointer.pop();
            }
        }
        return;
    };
    // The keys of a `properties` or `responses` map are names (`default` is a status), not keywords.
    let names_map = pointer.last().is_some_and(|k| k == "properties" || k == "responses");
    if !names_map {
        visit(doc, map, pointer, out);
    }
    for (key, child) in map {
        if !names_map && is_free_form(key) {
            continue;
        }
        pointer.push(key.clone());
        walk(doc, child, pointer, out);
        pointer.pop();
    }
}

/// Applies rules 5, 6 and 9 to one object.
fn visit(doc: &Value, map: &Map<String, Value>, pointer: &[String], out: &mut Vec<Violation>) {
    let at = pointer_string(pointer);
    if map.contains_key("enum") && !in_replaced_schema(doc, pointer) {
        out.push(Violation {
            subject: subject(doc, pointer),
            rule: Rule::NoInlineEnum,
            detail: format!("inline `enum` at {at}; reference an open-enum schema with {TYPE_EXTENSION} instead"),
        });
    }
    if map.get("additionalProperties") == Some(&Value::Bool(false)) {
        out.push(Violation {
            subject: subject(doc, pointer),
            rule: Rule::OpenObjects,
            detail: format!("`additionalProperties: false` at {at}; unknown fields must be tolerated"),
        });
    }
    if let Some(reference) = map.get("$ref") {
        let resolved = reference.as_str().and_then(|r| spec::resolve(doc, r));
        if resolved.is_none() {
            out.push(Violation {
                subject: subject(doc, pointer),
                rule: Rule::RefsResolve,
                detail: format!("`$ref: {reference}` at {at} does not resolve in this document"),
            });
        }
    }
}

/// Whether `pointer` is inside a component schema that carries [`TYPE_EXTENSION`].
fn in_replaced_schema(doc: &Value, pointer: &[String]) -> bool {
    match pointer {
        [components, schemas, name, ..] if components == "components" && schemas == "schemas" => {
            spec::component_schemas(doc)
                .and_then(|s| s.get(name))
                .is_some_and(|s| s.get(TYPE_EXTENSION).is_some())
        }
        _ => false,
    }
}

/// Names what owns the object at `pointer`: an operation, a schema, another component, or the document.
fn subject(doc: &Value, pointer: &[String]) -> String {
    match pointer {
        [paths, path, method, ..] if paths == "paths" && spec::METHODS.contains(&method.as_str()) => {
            spec::operations(doc)
                .into_iter()
                .find(|op| op.path == path && op.method == method)
                .map(|op| op.label())
                .unwrap_or_else(|| format!("operation {} {path}", method.to_uppercase()))
        }
        [paths, path, ..] if paths == "paths" => format!("path {path}"),
        [components, schemas, name, ..] if components == "components" && schemas == "schemas" => {
            format!("schema {name}")
        }
        [components, kind, name, ..] if components == "components" => format!("component {kind}/{name}"),
        _ => "document".into(),
    }
}

/// A JSON pointer for messages: `/paths/~1instances/get`.
fn pointer_string(pointer: &[String]) -> String {
    if pointer.is_empty() {
        return "/".into();
    }
    pointer
        .iter()
        .map(|p| format!("/{}", p.replace('~', "~0").replace('/', "~1")))
        .collect()
}

/// The start every test document of the rule checks shares: the version, a tag, and the shared
/// `Error` response with its schema. A test document goes on with its own schemas.
#[cfg(test)]
macro_rules! test_document_head {
    () => {
        r##"
openapi: 3.0.3
info: {title: t, version: '1'}
tags:
- name: Things
components:
  responses:
    Error:
      description: error
      content:
        application/json:
          schema: {$ref: '#/components/schemas/ApiError'}
  schemas:
    ApiError:
      type: object
      properties:
        message: {type: string}
"##
    };
}
#[cfg(test)]
pub(crate) use test_document_head;

#[cfg(test)]
mod tests {
    use super::*;

    /// A small valid document; tests break one rule at a time.
    const GOOD: &str = concat!(
        crate::rules::test_document_head!(),
        r##"    Status:
      x-datacrunch-type: Status
      type: string
      enum: [a, b]
    Thing:
      type: object
      required: [id]
      properties:
        id: {type: string}
        labels: {type: array, nullable: true, items: {type: string}}
        status: {$ref: '#/components/schemas/Status'}
        enum: {type: string}
paths:
  /things/{id}:
    get:
      operationId: getThing
      tags: [Things]
      parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        2XX:
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
            text/plain:
              schema: {type: string}
        4XX: {$ref: '#/components/responses/Error'}
        5XX: {$ref: '#/components/responses/Error'}
"##
    );

    fn violations(text: &str) -> Vec<Violation> {
        check(&spec::parse_yaml(text).unwrap())
    }

    /// The violations of GOOD with `from` replaced by `to`; asserts the replacement happened.
    fn with(from: &str, to: &str) -> Vec<Violation> {
        assert!(GOOD.contains(from), "{from}");
        violations(&GOOD.replacen(from, to, 1))
    }

    fn assert_one(found: Vec<Violation>, rule: Rule, subject: &str) {
        assert!(
            found.iter().any(|v| v.rule == rule && v.subject.contains(subject)),
            "{rule:?} {subject}: {found:#?}"
        );
    }

    #[test]
    fn good_document_passes() {
        assert_eq!(violations(GOOD), vec![]);
    }

    #[test]
    fn rule_1_version() {
        assert_one(with("openapi: 3.0.3", "openapi: 3.1.0"), Rule::OpenApi30, "document");
        assert_one(with("info: {title: t, version: '1'}", ""), Rule::OpenApi30, "document");
    }

    #[test]
    fn rule_2_ids_and_tags() {
        assert_one(with("operationId: getThing", ""), Rule::IdsAndTags, "GET /things/{id}");
        assert_one(with("tags: [Things]", "tags: [Other]"), Rule::IdsAndTags, "getThing");
        assert_one(with("tags: [Things]", "tags: []"), Rule::IdsAndTags, "getThing");
        let delete = r##"  /things/{id}:
    delete:
      operationId: getThing
      tags: [Things]
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {4XX: {$ref: '#/components/responses/Error'}, 5XX: {$ref: '#/components/responses/Error'}}
    get:"##;
        let dup = GOOD.replace("  /things/{id}:\n    get:", delete);
        let found = violations(&dup);
        assert!(
            found
                .iter()
                .any(|v| v.rule == Rule::IdsAndTags && v.detail.contains("also used by")),
            "{found:#?}"
        );
    }

    #[test]
    fn rule_3_legacy_ids() {
        let found = with("/things/{id}:", "/instances/{instance_id}:");
        assert_one(found.clone(), Rule::LegacyIds, "getThing");
        assert!(found.iter().any(|v| v.detail.contains("getInstanceById")));
    }

    #[test]
    fn rule_4_inline_bodies() {
        let found = with("schema: {$ref: '#/components/schemas/Thing'}", "schema: {type: object}");
        assert_one(found, Rule::NamedBodies, "getThing");
        let text_body = "text/plain:\n              schema: {type: string}";
        let found = with(text_body, &text_body.replace("string", "integer"));
        assert_one(found, Rule::NamedBodies, "getThing");
    }

    #[test]
    fn rule_5_inline_enum() {
        assert_one(
            with("id: {type: string}", "id: {type: string, enum: [x]}"),
            Rule::NoInlineEnum,
            "schema Thing",
        );
        let found = with("schema: {type: string}}", "schema: {type: string, enum: [x]}}");
        assert_one(found, Rule::NoInlineEnum, "getThing");
    }

    #[test]
    fn rule_6_closed_objects() {
        let found = with(
            "    Thing:\n      type: object",
            "    Thing:\n      additionalProperties: false\n      type: object",
        );
        assert_one(found, Rule::OpenObjects, "schema Thing");
    }

    #[test]
    fn rule_7_error_responses() {
        assert_one(
            with("        5XX: {$ref: '#/components/responses/Error'}\n", ""),
            Rule::ErrorResponses,
            "getThing",
        );
    }

    #[test]
    fn rule_8_path_parameters() {
        assert_one(
            with("{name: id, in: path", "{name: thing_id, in: path"),
            Rule::PathParameters,
            "getThing",
        );
    }

    #[test]
    fn rule_9_refs_resolve() {
        let found = with(
            "$ref: '#/components/schemas/Status'",
            "$ref: '#/components/schemas/Missing'",
        );
        assert_one(found, Rule::RefsResolve, "schema Thing");
    }

    #[test]
    fn rule_11_any_success() {
        assert_one(with("        2XX:", "        '200':"), Rule::AnySuccess, "getThing");
        let both = with("        4XX:", "        '201': {description: created}\n        4XX:");
        assert!(
            both.iter()
                .any(|v| v.rule == Rule::AnySuccess && v.detail.contains("201")),
            "{both:#?}"
        );
    }

    #[test]
    fn rule_12_empty_answer() {
        assert_eq!(
            with(
                "    get:\n      operationId: getThing",
                "    put:\n      operationId: getThing"
            )
            .iter()
            .filter(|v| v.rule == Rule::EmptyAnswer)
            .count(),
            1
        );
        let nullable = GOOD
            .replace(
                "    get:\n      operationId: getThing",
                "    put:\n      operationId: getThing",
            )
            .replace(
                "    Thing:\n      type: object",
                "    Thing:\n      nullable: true\n      type: object",
            );
        assert_eq!(violations(&nullable), vec![]);
    }

    #[test]
    fn rule_13_nullable_arrays() {
        assert_one(
            with("labels: {type: array, nullable: true,", "labels: {type: array,"),
            Rule::NullableArrays,
            "schema Thing",
        );
    }

    #[test]
    fn rule_14_required_in_answers() {
        assert_one(
            with("required: [id]", "required: [id, enum]"),
            Rule::RequiredInAnswers,
            "schema Thing",
        );
    }

    #[test]
    fn legacy_table_matches_normalized_paths() {
        assert_eq!(
            legacy_operation_id("get", "/instances/{instance_id}"),
            Some("getInstanceById")
        );
        assert_eq!(legacy_operation_id("PATCH", "/instances"), None);
    }
}
