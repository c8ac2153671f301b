//! End-to-end tests of `cargo xtask codegen`: each runs the built binary with `--root` pointing at a temporary
//! directory holding a small `openapi.yaml`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A small spec that follows every rule, written in a non-canonical (flow) style.
const SPEC: &str = r##"openapi: "3.0.3"
info: {title: Test API, version: "1"}
tags: [{name: Things, description: Things.}]
components:
  responses:
    Error:
      description: An error.
      content: {application/json: {schema: {$ref: '#/components/schemas/ApiError'}}}
  schemas:
    ApiError: {type: object, properties: {code: {type: string}, message: {type: string}}}
    Status:
      x-datacrunch-type: Status
      type: string
      enum: [active, inactive]
    Thing:
      type: object
      required: [id]
      properties:
        id: {type: string}
        size: {type: integer}
        legacy: {type: string}
        status: {$ref: '#/components/schemas/Status'}
    ThingList: {type: array, items: {$ref: '#/components/schemas/Thing'}}
paths:
  /things:
    get:
      tags: [Things]
      operationId: getThings
      responses:
        2XX:
          description: All things.
          content: {application/json: {schema: {$ref: '#/components/schemas/ThingList'}}}
        4XX: {$ref: '#/components/responses/Error'}
        5XX: {$ref: '#/components/responses/Error'}
  /things/{id}:
    get:
      tags: [Things]
      operationId: getThingById
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        2XX:
          description: One thing.
          content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}
        4XX: {$ref: '#/components/responses/Error'}
        5XX: {$ref: '#/components/responses/Error'}
    delete:
      tags: [Things]
      operationId: deleteThingById
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        2XX: {description: Deleted.}
        4XX: {$ref: '#/components/responses/Error'}
        5XX: {$ref: '#/components/responses/Error'}
"##;

/// An upstream document: changes `GET /things`, drops `DELETE /things/{id}`, changes `Thing`'s fields and
/// adds two operations with inline schemas, enums, formats, a specific error status and upstream-only schemas.
const UPSTREAM: &str = r##"openapi: 3.0.1
info: {title: Upstream, version: "2"}
tags: [{name: Logs, description: Log access.}]
paths:
  /things:
    get:
      operationId: getThings
      parameters: [{name: page, in: query, schema: {type: integer}}]
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Thing'}}}}
        '206': {description: partial}
    post:
      summary: Create a thing
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              properties:
                name: {type: string}
                color: {type: string, enum: [red, green], description: The color.}
                owner: {type: string, format: uuid}
      responses:
        '201':
          description: created
          content:
            application/json:
              schema: {type: object, properties: {id: {type: string, format: uuid}}}
        '400': {description: bad, content: {application/json: {schema: {type: object}}}}
  /things/{thing_id}:
    get:
      operationId: getThingById
      parameters: [{name: thing_id, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}
    patch:
      tags: [Things]
      parameters: [{name: thing_id, in: path, required: true, schema: {type: string}}]
      requestBody: {content: {application/json: {schema: {$ref: '#/components/schemas/ThingPatch'}}}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}
  /things/{thing_id}/logs:
    get:
      operationId: getThingLogs
      tags: [Logs]
      parameters: [{name: thing_id, in: path, required: true, schema: {type: string}}]
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/LogPage'}}}}
        default: {description: error}
components:
  schemas:
    Status: {type: string, enum: [active, inactive, archived]}
    Thing:
      type: object
      required: [id, size]
      properties:
        id: {type: string, format: uuid}
        size: {type: string}
        status: {$ref: '#/components/schemas/Status'}
        created_at: {type: string, format: date-time}
    ThingPatch: {type: object, properties: {name: {type: string}}}
    LogPage:
      type: object
      properties:
        entries: {type: array, items: {$ref: '#/components/schemas/LogEntry'}}
    LogEntry:
      type: object
      properties:
        level: {type: string, enum: [info, error]}
        at: {type: string, format: date-time}
        status: {$ref: '#/components/schemas/Status'}
"##;

/// The `4XX` and `5XX` lines of an operation in [`SPEC`].
const ERRORS: &str =
    "        4XX: {$ref: '#/components/responses/Error'}\n        5XX: {$ref: '#/components/responses/Error'}\n";

/// A fresh directory under the system temp dir, removed when dropped.
struct TempRoot(PathBuf);

impl TempRoot {
    /// Creates the directory with `openapi.yaml` holding `spec`.
    fn with_spec(spec: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("xtask-codegen-test-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("openapi.yaml"), spec).unwrap();
        TempRoot(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn read(&self, name: &str) -> String {
        fs::read_to_string(self.path(name)).unwrap()
    }

    fn write(&self, name: &str, text: &str) {
        fs::write(self.path(name), text).unwrap();
    }

    /// Runs `xtask codegen --root <dir> <args>`.
    fn codegen(&self, args: &[&str]) -> Run {
        run_codegen(&self.0, args)
    }
}

impl Drop for TempRoot {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The outcome of one run.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    #[track_caller]
    fn assert_ok(&self) -> &Self {
        assert_eq!(self.code, Some(0), "stdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    /// Asserts a clean failure (exit 1, not a panic) whose stderr contains every needle.
    #[track_caller]
    fn assert_fails_with(&self, needles: &[&str]) {
        assert_eq!(self.code, Some(1), "stdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        for needle in needles {
            assert!(
                self.stderr.contains(needle),
                "missing {needle:?} in stderr:\n{}",
                self.stderr
            );
        }
    }
}

fn run_codegen(root: &Path, args: &[&str]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("codegen")
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .unwrap();
    Run {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn canonical_form_is_written_once_and_then_stable() {
    let root = TempRoot::with_spec(SPEC);
    root.codegen(&[]).assert_ok();
    let spec = root.read("openapi.yaml");
    let docs = root.read("docs/operations.md");
    assert_ne!(spec, SPEC, "the flow-style spec is rewritten canonically");
    assert!(
        spec.find("/things:").unwrap() < spec.find("/things/{id}:").unwrap(),
        "order kept"
    );

    let second = root.codegen(&[]);
    second.assert_ok();
    assert!(!second.stdout.contains("wrote"), "{}", second.stdout);
    assert_eq!(root.read("openapi.yaml"), spec);
    assert_eq!(root.read("docs/operations.md"), docs);
    root.codegen(&["--check"]).assert_ok();
}

#[test]
fn operations_table_has_one_row_per_operation() {
    let root = TempRoot::with_spec(SPEC);
    root.codegen(&[]).assert_ok();
    let docs = root.read("docs/operations.md");
    assert!(
        docs.contains("generated by `cargo xtask codegen` from `openapi.yaml`"),
        "{docs}"
    );
    assert!(
        docs.contains("| GET | `/things` | `get_things` | - | 2XX: `ThingList` |"),
        "{docs}"
    );
    assert!(
        docs.contains("| GET | `/things/{id}` | `get_thing_by_id` | - | 2XX: `Thing` |"),
        "{docs}"
    );
    assert!(
        docs.contains("| DELETE | `/things/{id}` | `delete_thing_by_id` | - | 2XX: - |"),
        "{docs}"
    );
    assert_eq!(
        docs.lines()
            .filter(|l| l.starts_with("| ") && !l.starts_with("| Method"))
            .count(),
        3
    );
}

#[test]
fn check_detects_stale_docs_and_changes_nothing() {
    let root = TempRoot::with_spec(SPEC);
    root.codegen(&[]).assert_ok();
    root.write("docs/operations.md", "old\n");
    root.codegen(&["--check"])
        .assert_fails_with(&["docs/operations.md is stale"]);
    assert_eq!(root.read("docs/operations.md"), "old\n");

    fs::remove_file(root.path("docs/operations.md")).unwrap();
    root.codegen(&["--check"])
        .assert_fails_with(&["docs/operations.md is missing"]);
    assert!(!root.path("docs/operations.md").exists());
}

#[test]
fn check_detects_a_non_canonical_spec_and_changes_nothing() {
    let root = TempRoot::with_spec(SPEC);
    root.codegen(&[]).assert_ok();
    root.write("openapi.yaml", SPEC);
    root.codegen(&["--check"])
        .assert_fails_with(&["openapi.yaml is not in canonical form"]);
    assert_eq!(root.read("openapi.yaml"), SPEC);
}

#[test]
fn rule_violations_name_the_operation_and_rule_and_write_nothing() {
    let bad = SPEC
        .replace("operationId: getThings", "operationId: getThingById")
        .replace(
            "[Things]\n      operationId: deleteThingById",
            "[Nope]\n      operationId: deleteThingById",
        )
        .replace(&format!("{ERRORS}  /things/{{id}}:"), "  /things/{id}:")
        .replace("required: [id]", "required: [id]\n      additionalProperties: false")
        .replace("size: {type: integer}", "size: {type: integer, enum: [1, 2]}")
        .replace("schemas/ThingList'}}}", "schemas/Missing'}}}");
    let root = TempRoot::with_spec(&bad);
    for args in [&[][..], &["--check"][..]] {
        root.codegen(args).assert_fails_with(&[
            "operation getThingById (GET /things/{id}): rule 2 (unique operationId, declared tag): \
             operationId getThingById is also used by GET /things",
            "operation deleteThingById (DELETE /things/{id}): rule 2 (unique operationId, declared tag): \
             tag \"Nope\"",
            "operation getThingById (GET /things): rule 7",
            "schema Thing: rule 6",
            "schema Thing: rule 5",
            "operation getThingById (GET /things): rule 9",
        ]);
    }
    assert_eq!(root.read("openapi.yaml"), bad);
    assert!(!root.path("docs/operations.md").exists());
}

#[test]
fn every_rule_is_reported_by_the_command() {
    let cases: [(&str, &str, &str); 16] = [
        ("openapi: \"3.0.3\"", "openapi: \"3.1.0\"", "document: rule 1"),
        ("      operationId: getThings\n", "", "operation GET /things: rule 2"),
        (
            "/things/{id}:",
            "/instances/{id}:",
            "operation getThingById (GET /instances/{id}): rule 3",
        ),
        (
            "schema: {$ref: '#/components/schemas/Thing'}",
            "schema: {type: object}",
            "getThingById (GET /things/{id}): rule 4",
        ),
        (
            "legacy: {type: string}",
            "legacy: {type: string, enum: [a]}",
            "schema Thing: rule 5",
        ),
        (
            "ThingList: {type: array,",
            "ThingList: {additionalProperties: false, type: array,",
            "schema ThingList: rule 6",
        ),
        (
            "2XX: {description: Deleted.}\n        4XX: {$ref: '#/components/responses/Error'}",
            "2XX: {description: Deleted.}\n        4XX: {description: x}",
            "deleteThingById (DELETE /things/{id}): rule 7",
        ),
        (
            "[{name: id, in: path, required: true, schema: {type: string}}]\n      responses:\n        2XX: {description: Deleted.}",
            "[]\n      responses:\n        2XX: {description: Deleted.}",
            "deleteThingById (DELETE /things/{id}): rule 8",
        ),
        ("schemas/Status'}", "schemas/Gone'}", "schema Thing: rule 9"),
        (
            "2XX: {description: Deleted.}",
            "'204': {description: Deleted.}",
            "deleteThingById (DELETE /things/{id}): rule 11",
        ),
        (
            "size: {type: integer}",
            "size: {type: array, items: {type: string}}",
            "schema Thing: rule 13",
        ),
        ("required: [id]", "required: [id, size]", "schema Thing: rule 14"),
        (
            "    ThingList:",
            "    EnvVar: {type: object, properties: {type: {type: string}}}\n    ThingList:",
            "schema EnvVar: rule 15",
        ),
        (
            "      operationId: getThings\n",
            "      operationId: getThings\n      parameters: [{name: is_spot, in: query, schema: {type: boolean}}]\n",
            "operation getThings (GET /things): rule 16",
        ),
        (
            "ThingList: {type: array,",
            "ThingList: {nullable: true, type: array,",
            "operation getThings (GET /things): rule 17",
        ),
        (
            "    ThingList:",
            "    Things: {type: array, items: {$ref: '#/components/schemas/Thing'}}\n    ThingList:",
            "schema ThingList: rule 18",
        ),
    ];
    for (from, to, expected) in cases {
        assert!(SPEC.contains(from), "{from}");
        let root = TempRoot::with_spec(&SPEC.replacen(from, to, 1));
        root.codegen(&["--check"]).assert_fails_with(&[expected]);
    }
}

#[test]
fn malformed_yaml_is_a_clear_error_not_a_panic() {
    let root = TempRoot::with_spec("openapi: 3.0.3\npaths: [\n");
    root.codegen(&[]).assert_fails_with(&["openapi.yaml: not valid YAML"]);
    let root = TempRoot::with_spec("openapi: 3.0.3\ninfo: 7\npaths: {}\n");
    root.codegen(&["--check"])
        .assert_fails_with(&["document: rule 1", "does not parse as openapiv3::OpenAPI"]);
    let missing = run_codegen(Path::new("/nonexistent/xtask-root"), &[]);
    missing.assert_fails_with(&["cannot read /nonexistent/xtask-root/openapi.yaml"]);
}

#[test]
fn emit_writes_the_generated_client() {
    let root = TempRoot::with_spec(SPEC);
    let out = root.path("generated.rs");
    root.codegen(&["--emit", out.to_str().unwrap()]).assert_ok();
    let code = fs::read_to_string(&out).unwrap();
    assert!(code.contains("pub struct Client"), "{code}");
    assert!(code.contains("pub fn get_thing_by_id"), "{code}");
    assert!(
        code.contains("crate::types::Status"),
        "x-datacrunch-type replacement applies"
    );
    root.codegen(&["--check", "--emit", out.to_str().unwrap()]).assert_ok();
}

#[test]
fn generated_calls_hand_their_builder_to_the_layers_unless_they_send_header_parameters() {
    // `GET /things/{id}` gains two header parameters: its request is built with a header map
    // and `?`s of its own, which the builder closure cannot hold, so its layers copy it.
    let with_headers = SPEC.replace(
        "      operationId: getThingById\n      parameters: [{name: id, in: path, required: true, schema: {type: string}}]",
        "      operationId: getThingById\n      parameters:\n        - {name: id, in: path, required: true, schema: {type: string}}\n        - {name: x-trace, in: header, required: true, schema: {type: string}}\n        - {name: x-tenant, in: header, required: true, schema: {type: string}}",
    );
    assert_ne!(with_headers, SPEC);
    let root = TempRoot::with_spec(&with_headers);
    let out = root.path("generated.rs");
    root.codegen(&["--emit", out.to_str().unwrap()]).assert_ok();
    let code: String = fs::read_to_string(&out).unwrap().split_whitespace().collect();
    let sends: Vec<&str> = code.split("asyncfnsend_unwrapped(").skip(1).collect();
    assert_eq!(sends.len(), 3, "{code}");
    assert_eq!(
        sends.iter().filter(|send| send.contains("header_map")).count(),
        1,
        "{code}"
    );
    for send in sends {
        let body = send.split("pubasyncfnsend(").next().unwrap();
        let rebuilt = body.contains("letbuild_request=||{client.client.")
            && body.contains("letrequest=build_request()?;")
            && body.contains(".exec_rebuilding(request,&info,Some(&build_request))");
        let copied = body.contains("letmutrequest=client.client.") && body.contains(".exec(request,&info)");
        if body.contains("header_map") {
            assert!(copied && !rebuilt, "{body}");
        } else {
            assert!(rebuilt && !copied, "{body}");
        }
    }
}

/// Checks the report and the merged result of importing [`UPSTREAM`], written as `name` in `format`.
fn import_and_check(name: &str, upstream: &str) {
    let root = TempRoot::with_spec(SPEC);
    root.codegen(&[]).assert_ok();
    let before = root.read("openapi.yaml");
    root.write(name, upstream);
    let from = root.path(name);

    // --check reports what would change but writes nothing.
    let dry = root.codegen(&["--check", "--from", from.to_str().unwrap()]);
    dry.assert_fails_with(&["openapi.yaml is not in canonical form (or would change)"]);
    assert_eq!(root.read("openapi.yaml"), before);

    let run = root.codegen(&["--from", from.to_str().unwrap()]);
    run.assert_ok();
    for line in [
        "Operations added upstream (3):",
        "  + POST /things",
        "  + PATCH /things/{thing_id}",
        "  + GET /things/{thing_id}/logs (getThingLogs)",
        "Operations removed upstream (1):",
        "  - DELETE /things/{id} (deleteThingById)",
        "Operations changed upstream (1):",
        "  ~ GET /things (getThings): parameter added: query page",
        "Schema fields added upstream (1):",
        "  + Thing.created_at: string",
        "Schema fields removed upstream (1):",
        "  - Thing.legacy",
        "Schema fields changed upstream (1):",
        "  ~ Thing.size: integer -> string, now required",
        "  merged POST /things as postThings",
        "  merged PATCH /things/{id} as patchThingsById",
        "  merged GET /things/{thing_id}/logs as getThingLogs",
        "  copied schema ThingPatch",
        "  copied schema LogPage",
        "  copied schema LogEntry",
    ] {
        assert!(
            run.stdout.lines().any(|l| l == line),
            "missing {line:?} in:\n{}",
            run.stdout
        );
    }

    let merged: serde_json::Value = serde_norway::from_str(&root.read("openapi.yaml")).unwrap();
    let before: serde_json::Value = serde_norway::from_str(&before).unwrap();
    // Existing operations and schemas are untouched.
    assert_eq!(merged["paths"]["/things"]["get"], before["paths"]["/things"]["get"]);
    assert_eq!(
        merged["paths"]["/things/{id}"]["get"],
        before["paths"]["/things/{id}"]["get"]
    );
    assert_eq!(
        merged["components"]["schemas"]["Thing"],
        before["components"]["schemas"]["Thing"]
    );
    assert_eq!(
        merged["components"]["schemas"]["Status"],
        before["components"]["schemas"]["Status"]
    );

    let post = &merged["paths"]["/things"]["post"];
    assert_eq!(post["operationId"], "postThings");
    assert_eq!(post["tags"], serde_json::json!(["Uncategorized"]));
    let body = &post["requestBody"]["content"]["application/json"]["schema"]["$ref"];
    assert_eq!(body, "#/components/schemas/PostThingsRequest");
    let created = &post["responses"]["2XX"]["content"]["application/json"]["schema"]["$ref"];
    assert_eq!(created, "#/components/schemas/PostThingsResponse");
    assert!(post["responses"].get("400").is_none());
    assert_eq!(post["responses"]["4XX"]["$ref"], "#/components/responses/Error");
    assert_eq!(post["responses"]["5XX"]["$ref"], "#/components/responses/Error");

    let schemas = &merged["components"]["schemas"];
    let request = &schemas["PostThingsRequest"];
    assert!(request.get("additionalProperties").is_none());
    assert_eq!(
        request["properties"]["color"],
        serde_json::json!({"type": "string", "description": "The color. Known values: `red`, `green`."})
    );
    assert_eq!(request["properties"]["owner"], serde_json::json!({"type": "string"}));
    assert_eq!(
        schemas["PostThingsResponse"]["properties"]["id"],
        serde_json::json!({"type": "string"})
    );
    assert_eq!(
        schemas["LogEntry"]["properties"]["level"]["description"],
        "Known values: `info`, `error`."
    );
    assert_eq!(
        schemas["LogEntry"]["properties"]["at"],
        serde_json::json!({"type": "string"})
    );

    // A new operation on an existing path uses our spelling of the path; a new path keeps upstream's.
    let patch = &merged["paths"]["/things/{id}"]["patch"];
    assert_eq!(patch["operationId"], "patchThingsById");
    // Rules 11 to 13: one `2XX` answer that accepts no body, and array fields that may be null.
    let patched = &patch["responses"]["2XX"]["content"]["application/json"]["schema"]["$ref"];
    assert_eq!(patched, "#/components/schemas/ThingOrEmpty");
    assert_eq!(schemas["ThingOrEmpty"]["x-datacrunch-type"], "Maybe<Thing>");
    assert_eq!(schemas["PostThingsResponse"]["nullable"], true);
    assert_eq!(schemas["LogPage"]["properties"]["entries"]["nullable"], true);
    assert_eq!(patch["parameters"][0]["name"], "id");
    assert_eq!(patch["tags"], serde_json::json!(["Things"]));
    let logs = &merged["paths"]["/things/{thing_id}/logs"]["get"];
    assert_eq!(logs["parameters"][0]["name"], "thing_id");
    assert!(logs["responses"].get("default").is_none());
    let tags: Vec<&str> = merged["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(tags, ["Things", "Uncategorized", "Logs"]);

    // The merged spec follows the rules and the derived files match it.
    let docs = root.read("docs/operations.md");
    assert!(
        docs.contains("| POST | `/things` | `post_things` | `PostThingsRequest` | 2XX: `PostThingsResponse` |"),
        "{docs}"
    );
    root.codegen(&["--check"]).assert_ok();
    // Importing again merges nothing new.
    let again = root.codegen(&["--from", from.to_str().unwrap()]);
    again.assert_ok();
    assert!(
        again.stdout.contains("Operations added upstream (0):"),
        "{}",
        again.stdout
    );
    assert!(!again.stdout.contains("wrote"), "{}", again.stdout);
}

#[test]
fn from_yaml_reports_differences_and_merges_new_operations() {
    import_and_check("upstream.yaml", UPSTREAM);
}

#[test]
fn from_json_works_like_yaml() {
    let value: serde_json::Value = serde_norway::from_str(UPSTREAM).unwrap();
    import_and_check("upstream.json", &serde_json::to_string_pretty(&value).unwrap());
}

#[test]
fn from_keeps_a_merge_that_breaks_a_rule_but_leaves_derived_files_alone() {
    let root = TempRoot::with_spec(SPEC);
    root.codegen(&[]).assert_ok();
    let docs = root.read("docs/operations.md");
    let upstream = r##"openapi: 3.0.3
info: {title: u, version: '1'}
paths:
  /gadgets/{id}:
    get:
      responses:
        '204': {description: ok}
        default: {$ref: '#/components/responses/Nope'}
"##;
    root.write("up.yaml", upstream);
    let from = root.path("up.yaml");
    root.codegen(&["--from", from.to_str().unwrap()]).assert_fails_with(&[
        "operation getGadgetsById (GET /gadgets/{id}): rule 8",
        "the merge was written to openapi.yaml",
    ]);
    assert!(root.read("openapi.yaml").contains("getGadgetsById"));
    assert_eq!(root.read("docs/operations.md"), docs);
}

#[test]
fn a_dangling_ref_in_a_default_response_is_reported() {
    let spec = SPEC.replacen(
        "2XX: {description: Deleted.}",
        "2XX: {description: Deleted.}\n        default: {$ref: '#/components/responses/Nope'}",
        1,
    );
    let root = TempRoot::with_spec(&spec);
    root.codegen(&["--check"])
        .assert_fails_with(&["operation deleteThingById (DELETE /things/{id}): rule 9"]);
}

#[test]
fn from_a_malformed_document_is_a_clear_error() {
    let root = TempRoot::with_spec(SPEC);
    root.write("bad.json", "{\"openapi\": ");
    let from = root.path("bad.json");
    root.codegen(&["--from", from.to_str().unwrap()])
        .assert_fails_with(&["bad.json: not valid JSON"]);
    assert_eq!(root.read("openapi.yaml"), SPEC);
}
