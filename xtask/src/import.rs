//! `--from FILE`: compares an upstream OpenAPI document with ours and merges the operations we lack, rewritten
//! to follow the project's rules. Existing operations and schemas are never overwritten.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use serde_json::{Map, Value, json};

use crate::build_script;
use crate::naming;
use crate::rules::{self, ERROR_RESPONSE};
use crate::spec::{self, Operation};

/// The tag given to imported operations that have none.
pub const UNCATEGORIZED: &str = "Uncategorized";

/// `(METHOD, normalized path)`: how operations are matched between documents.
type RouteKey = (String, String);

/// The key of an operation.
fn route_key(op: &Operation<'_>) -> RouteKey {
    (op.method.to_uppercase(), spec::normalize_path(op.path))
}

/// Describes what differs between `ours` and `theirs`, one line per finding, grouped under headings.
pub fn compare(ours: &Value, theirs: &Value) -> Vec<String> {
    let our_ops: HashMap<RouteKey, Operation<'_>> =
        spec::operations(ours).into_iter().map(|o| (route_key(&o), o)).collect();
    let their_ops = spec::operations(theirs);
    let their_keys: HashSet<RouteKey> = their_ops.iter().map(route_key).collect();

    let mut added = Vec::new();
    let mut changed = Vec::new();
    for op in &their_ops {
        match our_ops.get(&route_key(op)) {
            None => added.push(format!("  + {}", describe(op))),
            Some(our) => {
                let diffs = op_differences(ours, our, theirs, op);
                if !diffs.is_empty() {
                    changed.push(format!("  ~ {}: {}", describe(our), diffs.join("; ")));
                }
            }
        }
    }
    let removed: Vec<String> = spec::operations(ours)
        .iter()
        .filter(|o| !their_keys.contains(&route_key(o)))
        .map(|o| format!("  - {}", describe(o)))
        .collect();

    let mut lines = Vec::new();
    section(&mut lines, "Operations added upstream", added);
    section(&mut lines, "Operations removed upstream", removed);
    section(&mut lines, "Operations changed upstream", changed);
    let (fields_added, fields_removed, fields_changed) = field_differences(ours, theirs);
    section(&mut lines, "Schema fields added upstream", fields_added);
    section(&mut lines, "Schema fields removed upstream", fields_removed);
    section(&mut lines, "Schema fields changed upstream", fields_changed);
    lines
}

/// Appends a heading with a count, then the items.
fn section(lines: &mut Vec<String>, title: &str, items: Vec<String>) {
    lines.push(format!("{title} ({}):", items.len()));
    lines.extend(items);
}

/// `GET /instances (getAllInstances)`.
fn describe(op: &Operation<'_>) -> String {
    match op.id() {
        Some(id) => format!("{} ({id})", op.route()),
        None => op.route(),
    }
}

/// What changed in one operation: operationId, parameters, request body, success statuses.
fn op_differences(ours: &Value, our: &Operation<'_>, theirs: &Value, their: &Operation<'_>) -> Vec<String> {
    let mut diffs = Vec::new();
    if let (Some(a), Some(b)) = (our.id(), their.id())
        && a != b
    {
        diffs.push(format!("operationId {a} -> {b}"));
    }
    let (a, b) = (parameter_set(ours, our), parameter_set(theirs, their));
    for p in b.difference(&a) {
        diffs.push(format!("parameter added: {p}"));
    }
    for p in a.difference(&b) {
        diffs.push(format!("parameter removed: {p}"));
    }
    let (a, b) = (body_required(ours, our), body_required(theirs, their));
    if a != b {
        diffs.push(format!("request body {} -> {}", body_label(a), body_label(b)));
    }
    let (a, b) = (success_statuses(our), success_statuses(their));
    // Our `2XX` already covers any single 2xx status upstream declares.
    let covered = |ours: &[String], theirs: &[String]| ours == ["2XX"] && !theirs.is_empty();
    if a != b && !covered(&a, &b) {
        diffs.push(format!("success statuses [{}] -> [{}]", a.join(", "), b.join(", ")));
    }
    diffs
}

/// Parameters as `in name` (path parameters without their name, which may differ harmlessly), `!` if required.
fn parameter_set(doc: &Value, op: &Operation<'_>) -> BTreeSet<String> {
    let mut path_count = 0;
    op.parameters(doc)
        .into_iter()
        .map(|p| {
            let location = p.get("in").and_then(Value::as_str).unwrap_or("?");
            let required = if p.get("required") == Some(&Value::Bool(true)) {
                " (required)"
            } else {
                ""
            };
            if location == "path" {
                path_count += 1;
                format!("path parameter #{path_count}")
            } else {
                let name = p.get("name").and_then(Value::as_str).unwrap_or("?");
                format!("{location} {name}{required}")
            }
        })
        .collect()
}

/// `None` without a request body, else whether it is required.
fn body_required(doc: &Value, op: &Operation<'_>) -> Option<bool> {
    let body = spec::deref(doc, op.op.get("requestBody")?);
    Some(body.get("required") == Some(&Value::Bool(true)))
}

/// How [`body_required`] reads in a report.
fn body_label(body: Option<bool>) -> &'static str {
    match body {
        None => "none",
        Some(true) => "required",
        Some(false) => "optional",
    }
}

/// The 2xx statuses of an operation, sorted.
fn success_statuses(op: &Operation<'_>) -> Vec<String> {
    let mut statuses: Vec<String> = op
        .op
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|r| r.keys())
        .filter(|s| s.starts_with('2'))
        .cloned()
        .collect();
    statuses.sort();
    statuses
}

/// Field differences of the component schemas both documents have: (added, removed, changed) lines.
fn field_differences(ours: &Value, theirs: &Value) -> (Vec<String>, Vec<String>, Vec<String>) {
    let (mut added, mut removed, mut changed) = (Vec::new(), Vec::new(), Vec::new());
    let (Some(our_schemas), Some(their_schemas)) = (spec::component_schemas(ours), spec::component_schemas(theirs))
    else {
        return (added, removed, changed);
    };
    for (name, their_schema) in their_schemas {
        let Some(our_schema) = our_schemas.get(name) else {
            continue;
        };
        let our_props = properties(our_schema);
        let their_props = properties(their_schema);
        let our_required = required(our_schema);
        let their_required = required(their_schema);
        for (field, their_field) in &their_props {
            let their_type = type_summary(theirs, their_field, 0);
            match our_props.get(field) {
                None => added.push(format!("  + {name}.{field}: {their_type}")),
                Some(our_field) => {
                    let our_type = type_summary(ours, our_field, 0);
                    let mut diffs = Vec::new();
                    if our_type != their_type {
                        diffs.push(format!("{our_type} -> {their_type}"));
                    }
                    match (our_required.contains(field), their_required.contains(field)) {
                        (false, true) => diffs.push("now required".into()),
                        (true, false) => diffs.push("no longer required".into()),
                        _ => {}
                    }
                    if !diffs.is_empty() {
                        changed.push(format!("  ~ {name}.{field}: {}", diffs.join(", ")));
                    }
                }
            }
        }
        for field in our_props.keys() {
            if !their_props.contains_key(field) {
                removed.push(format!("  - {name}.{field}"));
            }
        }
    }
    (added, removed, changed)
}

/// The `properties` of a schema (empty if it has none).
fn properties(schema: &Value) -> Map<String, Value> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// The `required` names of a schema.
fn required(schema: &Value) -> HashSet<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(String::from)
        .collect()
}

/// A short type description used to compare fields: scalars by JSON type (following `$ref`s to scalar schemas,
/// so a typed id still reads `string`), object schemas by name, arrays as `array<item>`, alternatives as `a|b`.
/// Formats and enums are ignored, since the project drops them on purpose.
fn type_summary(doc: &Value, schema: &Value, depth: usize) -> String {
    if depth > 8 {
        return "...".into();
    }
    if let Some(reference) = spec::ref_of(schema) {
        let name = reference.rsplit('/').next().unwrap_or(reference).to_string();
        return match spec::resolve(doc, reference) {
            Some(target) if is_scalar(target) => type_summary(doc, target, depth + 1),
            _ => name,
        };
    }
    let alternatives = ["oneOf", "anyOf"]
        .iter()
        .find_map(|k| schema.get(*k).and_then(Value::as_array));
    if let Some(alternatives) = alternatives {
        let set: BTreeSet<String> = alternatives.iter().map(|s| type_summary(doc, s, depth + 1)).collect();
        return set.into_iter().collect::<Vec<_>>().join("|");
    }
    match schema.get("type") {
        Some(Value::String(t)) if t == "array" => {
            let items = schema
                .get("items")
                .map_or("any".into(), |i| type_summary(doc, i, depth + 1));
            format!("array<{items}>")
        }
        Some(Value::String(t)) => t.clone(),
        // OpenAPI 3.1 type lists: `[string, "null"]` reads `string`.
        Some(Value::Array(types)) => types
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect::<Vec<_>>()
            .join("|"),
        _ if schema.get("properties").is_some() => "object".into(),
        _ => "any".into(),
    }
}

/// Whether a schema is a scalar or a union of scalars (no properties, not an object or array).
fn is_scalar(schema: &Value) -> bool {
    if schema.get("properties").is_some() {
        return false;
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") | Some("array") => false,
        Some(_) => true,
        None => schema
            .get("oneOf")
            .or_else(|| schema.get("anyOf"))
            .and_then(Value::as_array)
            .is_some_and(|alts| {
                alts.iter().all(|a| {
                    a.get("type")
                        .and_then(Value::as_str)
                        .is_some_and(|t| t != "object" && t != "array")
                })
            }),
    }
}

/// Merges the operations of `theirs` that `ours` lacks into `ours`, applying the project's rules. Returns one
/// line per merged operation and per note (e.g. an upstream schema that is referenced but missing).
pub fn merge(ours: &mut Value, theirs: &Value) -> Result<Vec<String>, String> {
    if !ours.is_object() {
        return Err("openapi.yaml is not a mapping".into());
    }
    let mut importer = Importer::new(ours, theirs);
    let mut new_ops: Vec<(String, &'static str, Map<String, Value>)> = Vec::new();
    let mut path_keys: HashMap<String, String> = spec::operations(ours)
        .iter()
        .map(|o| (spec::normalize_path(o.path), o.path.to_string()))
        .collect();
    if let Some(paths) = ours.get("paths").and_then(Value::as_object) {
        for path in paths.keys() {
            path_keys
                .entry(spec::normalize_path(path))
                .or_insert_with(|| path.clone());
        }
    }
    let existing: HashSet<RouteKey> = spec::operations(ours).iter().map(route_key).collect();
    for op in spec::operations(theirs) {
        if existing.contains(&route_key(&op)) {
            continue;
        }
        let target = path_keys
            .entry(spec::normalize_path(op.path))
            .or_insert_with(|| op.path.to_string())
            .clone();
        let our_item = ours.pointer(&format!("/paths/{}", target.replace('~', "~0").replace('/', "~1")));
        let merged = importer.operation(&op, &target, our_item);
        importer.notes.push(format!(
            "  merged {} {target} as {}",
            op.method.to_uppercase(),
            merged_id(&merged)
        ));
        new_ops.push((target, op.method, merged));
    }
    importer.copy_referenced_schemas();
    let Importer {
        notes,
        new_schemas,
        tags,
        ..
    } = importer;

    let root = ours.as_object_mut().ok_or("openapi.yaml is not a mapping")?;
    let paths = object_entry(root, "paths")?;
    for (path, method, op) in new_ops {
        let item = object_entry(paths, &path)?;
        item.insert(method.to_string(), Value::Object(op));
    }
    if !new_schemas.is_empty() {
        let components = object_entry(root, "components")?;
        let schemas = object_entry(components, "schemas")?;
        schemas.extend(new_schemas);
    }
    if !tags.is_empty() {
        let declared = root.entry("tags").or_insert_with(|| Value::Array(Vec::new()));
        let declared = declared.as_array_mut().ok_or("openapi.yaml: `tags` is not a list")?;
        declared.extend(tags);
    }
    Ok(notes)
}

/// The operationId of a merged operation.
fn merged_id(op: &Map<String, Value>) -> &str {
    op.get("operationId").and_then(Value::as_str).unwrap_or("?")
}

/// The object under `key` in `map`, created empty if missing.
fn object_entry<'m>(map: &'m mut Map<String, Value>, key: &str) -> Result<&'m mut Map<String, Value>, String> {
    map.entry(key.to_string())
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| format!("openapi.yaml: `{key}` is not a mapping"))
}

/// State of one merge: names taken, schemas to add, tags to declare.
struct Importer<'t> {
    /// The upstream document.
    theirs: &'t Value,
    /// Component schema names in ours (never overwritten).
    our_schemas: HashSet<String>,
    /// Schemas to append to ours, in order.
    new_schemas: Map<String, Value>,
    /// Upstream schema names referenced by merged operations, to copy if ours lacks them.
    queue: VecDeque<String>,
    /// operationIds in use.
    ids: HashSet<String>,
    /// Tags declared in ours.
    declared_tags: HashSet<String>,
    /// Tag declarations to append to ours.
    tags: Vec<Value>,
    /// Report lines.
    notes: Vec<String>,
}

impl<'t> Importer<'t> {
    /// Starts a merge into `ours`.
    fn new(ours: &Value, theirs: &'t Value) -> Self {
        let schemas = spec::component_schemas(ours);
        Importer {
            theirs,
            our_schemas: schemas.into_iter().flat_map(|s| s.keys().cloned()).collect(),
            new_schemas: Map::new(),
            queue: VecDeque::new(),
            ids: spec::operations(ours)
                .iter()
                .filter_map(|o| o.id().map(String::from))
                .collect(),
            declared_tags: ours
                .get("tags")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|t| t.get("name").and_then(Value::as_str).map(String::from))
                .collect(),
            tags: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Rewrites one upstream operation for `target` (our spelling of its path; `our_item` is our path item).
    fn operation(&mut self, op: &Operation<'_>, target: &str, our_item: Option<&Value>) -> Map<String, Value> {
        let mut out = op.op.clone();

        let id = match op.id().filter(|id| !id.is_empty()) {
            Some(id) => id.to_string(),
            None => self.unique_id(
                rules::legacy_operation_id(op.method, op.path)
                    .map(String::from)
                    .unwrap_or_else(|| naming::derive_operation_id(op.method, target)),
            ),
        };
        self.ids.insert(id.clone());
        let type_base = naming::pascal_case(&id);

        let mut tags: Vec<String> = op.tags().into_iter().map(String::from).collect();
        if tags.is_empty() {
            tags.push(UNCATEGORIZED.to_string());
        }
        for tag in &tags {
            self.declare_tag(tag);
        }

        // Rebuild so the operation reads in a fixed order: tags, operationId, then the rest as upstream had it.
        out.remove("tags");
        out.remove("operationId");
        let mut rebuilt = Map::new();
        rebuilt.insert("tags".into(), json!(tags));
        rebuilt.insert("operationId".into(), Value::String(id));
        for key in ["summary", "description"] {
            if let Some(v) = out.remove(key) {
                rebuilt.insert(key.into(), v);
            }
        }

        let parameters = self.parameters(op, target, our_item);
        out.remove("parameters");
        if !parameters.is_empty() {
            rebuilt.insert("parameters".into(), Value::Array(parameters));
        }

        if let Some(body) = out.remove("requestBody") {
            let mut body = spec::deref(self.theirs, &body).clone();
            let mut named = Vec::new();
            self.name_content(&mut body, &format!("{type_base}Request"), &mut named);
            rebuilt.insert("requestBody".into(), body);
        }

        let mut responses = Map::new();
        let upstream: Vec<(String, Value)> = out
            .remove("responses")
            .and_then(|r| r.as_object().cloned())
            .unwrap_or_default()
            .into_iter()
            .filter(|(status, _)| !(status.starts_with('4') || status.starts_with('5') || status == "default"))
            .map(|(status, response)| (status, spec::deref(self.theirs, &response).clone()))
            .collect();
        // Rule 11: one `2XX` answer, the first success with a body (else the first success), stands for all.
        let success = upstream
            .iter()
            .filter(|(status, _)| status.starts_with('2'))
            .find(|(_, response)| response.get("content").is_some())
            .or_else(|| upstream.iter().find(|(status, _)| status.starts_with('2')));
        if let Some((_, response)) = success {
            let mut response = response.clone();
            self.name_content(&mut response, &format!("{type_base}Response"), &mut Vec::new());
            if op.method != "get" {
                self.accept_empty_answer(&mut response);
            }
            responses.insert("2XX".into(), response);
        }
        for (status, response) in upstream.into_iter().filter(|(status, _)| !status.starts_with('2')) {
            responses.insert(status, response);
        }
        for status in ["4XX", "5XX"] {
            responses.insert(status.into(), json!({ "$ref": ERROR_RESPONSE }));
        }
        rebuilt.insert("responses".into(), Value::Object(responses));
        rebuilt.extend(out);
        rebuilt
    }

    /// Rule 12: the JSON answer of an operation that changes something accepts `null`. A schema this merge
    /// named becomes nullable; a reference to any other schema `X` is wrapped in `XOrEmpty` (`Maybe<X>`).
    fn accept_empty_answer(&mut self, response: &mut Value) {
        let Some(content) = response.get_mut("content").and_then(Value::as_object_mut) else {
            return;
        };
        for (media, media_obj) in content.iter_mut() {
            let Some(schema) = media_obj.get_mut("schema").filter(|_| spec::is_json_media(media)) else {
                continue;
            };
            let Some(name) = spec::schema_ref_name(schema).map(String::from) else {
                continue;
            };
            if let Some(Value::Object(named)) = self.new_schemas.get_mut(&name) {
                named.insert("nullable".into(), Value::Bool(true));
                continue;
            }
            let wrapper = format!("{name}OrEmpty");
            if !self.our_schemas.contains(&wrapper) && !self.new_schemas.contains_key(&wrapper) {
                let mut schema = Map::new();
                schema.insert(
                    build_script::TYPE_EXTENSION.into(),
                    Value::String(format!("Maybe<{name}>")),
                );
                schema.insert(
                    "description".into(),
                    Value::String(format!("{name}, or null when the answer had no body.")),
                );
                schema.insert("allOf".into(), json!([spec::schema_ref(&name)]));
                schema.insert("nullable".into(), Value::Bool(true));
                self.new_schemas.insert(wrapper.clone(), Value::Object(schema));
            }
            *schema = spec::schema_ref(&wrapper);
        }
    }

    /// An operationId not yet in use: `base`, else `base2`, `base3`, ...
    fn unique_id(&self, base: String) -> String {
        if !self.ids.contains(&base) {
            return base;
        }
        (2..)
            .map(|n| format!("{base}{n}"))
            .find(|id| !self.ids.contains(id))
            .unwrap_or(base)
    }

    /// Declares `tag` in ours (copying upstream's declaration if there is one) unless it is declared already.
    fn declare_tag(&mut self, tag: &str) {
        if !self.declared_tags.insert(tag.to_string()) {
            return;
        }
        let upstream = self
            .theirs
            .get("tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find(|t| t.get("name").and_then(Value::as_str) == Some(tag));
        let description = upstream
            .and_then(|t| t.get("description"))
            .and_then(Value::as_str)
            .map(String::from)
            .unwrap_or_else(|| match tag {
                UNCATEGORIZED => "Operations imported from upstream that have no area yet.".into(),
                _ => "Imported from the upstream document.".into(),
            });
        self.tags.push(json!({ "name": tag, "description": description }));
    }

    /// The operation's parameters with `$ref`s inlined, path-level ones included, path parameters renamed to
    /// our path's spelling, and those our path item already declares left out.
    fn parameters(&mut self, op: &Operation<'_>, target: &str, our_item: Option<&Value>) -> Vec<Value> {
        let renames: HashMap<&str, &str> = spec::path_params(op.path)
            .into_iter()
            .zip(spec::path_params(target))
            .collect();
        let ours_declared: HashSet<(String, String)> = our_item
            .and_then(|i| i.get("parameters"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| Some((p.get("in")?.as_str()?.to_string(), p.get("name")?.as_str()?.to_string())))
            .collect();
        let mut out: Vec<Value> = Vec::new();
        for parameter in op.parameters(self.theirs) {
            let mut parameter = parameter.clone();
            let location = parameter.get("in").and_then(Value::as_str).unwrap_or("").to_string();
            let mut name = parameter.get("name").and_then(Value::as_str).unwrap_or("").to_string();
            if location == "path"
                && let Some(ours) = renames.get(name.as_str())
            {
                name = ours.to_string();
                parameter.insert("name".into(), Value::String(name.clone()));
            }
            if ours_declared.contains(&(location.clone(), name.clone())) {
                continue;
            }
            if let Some(schema) = parameter.get_mut("schema") {
                self.treat_schema(schema);
            }
            // An operation-level parameter overrides a path-level one with the same name and location.
            out.retain(|p| !(p.get("in") == parameter.get("in") && p.get("name") == parameter.get("name")));
            out.push(Value::Object(parameter));
        }
        out
    }

    /// Replaces each inline body schema of a request body or response by a named component schema.
    /// `named` holds the inline schemas already named for this operation, to reuse the name of an equal one.
    fn name_content(&mut self, body: &mut Value, base: &str, named: &mut Vec<(Value, String)>) {
        let Some(content) = body.get_mut("content").and_then(Value::as_object_mut) else {
            return;
        };
        for (media, media_obj) in content.iter_mut() {
            let Some(schema) = media_obj.get_mut("schema") else {
                continue;
            };
            if let Some(name) = spec::schema_ref_name(schema) {
                self.queue.push_back(name.to_string());
                continue;
            }
            let plain_text =
                !spec::is_json_media(media) && schema.get("type").and_then(Value::as_str) == Some("string");
            if plain_text {
                *schema = json!({ "type": "string" });
                continue;
            }
            let name = match named.iter().find(|(s, _)| s == schema) {
                Some((_, name)) => name.clone(),
                None => {
                    let name = self.unique_schema_name(base);
                    named.push((schema.clone(), name.clone()));
                    let mut treated = schema.clone();
                    self.treat_schema(&mut treated);
                    self.new_schemas.insert(name.clone(), treated);
                    name
                }
            };
            *schema = spec::schema_ref(&name);
        }
    }

    /// A component schema name not used in ours or by this merge: `base`, else `base2`, ...
    fn unique_schema_name(&self, base: &str) -> String {
        let taken = |n: &str| self.our_schemas.contains(n) || self.new_schemas.contains_key(n);
        if !taken(base) {
            return base.to_string();
        }
        (2..)
            .map(|n| format!("{base}{n}"))
            .find(|n| !taken(n))
            .unwrap_or_else(|| base.to_string())
    }

    /// Applies the rules to an upstream schema, recursively: inline `enum` becomes a plain type with the known
    /// values in the description; `format: uuid` / `date-time` and `additionalProperties: false` are dropped;
    /// OpenAPI 3.1 `type: [t, "null"]` becomes `type: t, nullable: true`; array fields become nullable (rule 13);
    /// referenced schemas are queued.
    fn treat_schema(&mut self, schema: &mut Value) {
        let Some(map) = schema.as_object_mut() else { return };
        if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
            if let Some(name) = reference.strip_prefix("#/components/schemas/") {
                self.queue.push_back(name.to_string());
            }
            return;
        }
        if let Some(Value::Array(types)) = map.get("type") {
            let non_null: Vec<Value> = types.iter().filter(|t| t.as_str() != Some("null")).cloned().collect();
            let nullable = non_null.len() < types.len();
            if non_null.len() == 1 {
                map.insert("type".into(), non_null[0].clone());
            } else if non_null.is_empty() {
                map.remove("type");
            }
            if nullable {
                map.insert("nullable".into(), Value::Bool(true));
            }
        }
        if let Some(values) = map.remove("enum") {
            let known: Vec<String> = values
                .as_array()
                .into_iter()
                .flatten()
                .filter(|v| !v.is_null())
                .map(|v| match v.as_str() {
                    Some(s) => format!("`{s}`"),
                    None => format!("`{v}`"),
                })
                .collect();
            if !map.contains_key("type") {
                map.insert("type".into(), Value::String("string".into()));
            }
            let note = format!("Known values: {}.", known.join(", "));
            let description = match map.get("description").and_then(Value::as_str) {
                Some(d) if !d.trim().is_empty() => format!("{} {note}", d.trim_end()),
                _ => note,
            };
            map.insert("description".into(), Value::String(description));
        }
        if matches!(map.get("format").and_then(Value::as_str), Some("uuid" | "date-time")) {
            map.remove("format");
        }
        if map.get("additionalProperties") == Some(&Value::Bool(false)) {
            map.remove("additionalProperties");
        }
        if let Some(props) = map.get_mut("properties").and_then(Value::as_object_mut) {
            for prop in props.values_mut() {
                self.treat_schema(prop);
                if let Some(field) = prop.as_object_mut()
                    && field.get("type").and_then(Value::as_str) == Some("array")
                {
                    field.insert("nullable".into(), Value::Bool(true));
                }
            }
        }
        for key in ["items", "additionalProperties", "not"] {
            if let Some(child) = map.get_mut(key) {
                self.treat_schema(child);
            }
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let Some(children) = map.get_mut(key).and_then(Value::as_array_mut) {
                for child in children {
                    self.treat_schema(child);
                }
            }
        }
    }

    /// Copies every queued upstream schema that ours lacks (transitively), treated by [`Self::treat_schema`].
    /// A schema ours already has is kept as it is, in particular one with [`build_script::TYPE_EXTENSION`].
    fn copy_referenced_schemas(&mut self) {
        while let Some(name) = self.queue.pop_front() {
            // Ours wins, in particular a schema with a hand-written type (TYPE_EXTENSION) of the same name.
            if self.our_schemas.contains(&name) || self.new_schemas.contains_key(&name) {
                continue;
            }
            match spec::component_schemas(self.theirs).and_then(|s| s.get(&name)) {
                Some(schema) => {
                    let mut schema = schema.clone();
                    // Reserve the name first so self-references do not copy it twice.
                    self.new_schemas.insert(name.clone(), Value::Null);
                    self.treat_schema(&mut schema);
                    self.new_schemas.insert(name.clone(), schema);
                    self.notes.push(format!("  copied schema {name}"));
                }
                None => self
                    .notes
                    .push(format!("  schema {name} is referenced but upstream does not define it")),
            }
        }
    }
}
