//! `cargo xtask codegen`: validate `openapi.yaml`, write it canonically, regenerate the files derived from it.
//!
//! Every output is computed in memory first. Without `--check` the changed ones are written; with `--check`
//! nothing is written and any output that differs from the file on disk is reported as stale.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::violation::{Rule, Violation};
use crate::{build_script, docs, import, rules, spec};

/// The spec, relative to the workspace root.
pub const OPENAPI_YAML: &str = "openapi.yaml";

/// What the command was asked to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The workspace root holding `openapi.yaml` and `docs/`.
    pub root: PathBuf,
    /// Change nothing; fail if a rule is broken or a file is stale.
    pub check: bool,
    /// An upstream document to compare with and merge new operations from.
    pub from: Option<PathBuf>,
    /// Where to write the generated Rust code.
    pub emit: Option<PathBuf>,
}

/// A file the command produces: where, what it should contain, and how messages call it.
struct Output {
    path: PathBuf,
    label: String,
    text: String,
}

/// Runs the command. `Err` holds the messages explaining why it failed (for stderr).
pub fn run(options: &Options) -> Result<(), Vec<String>> {
    let spec_path = options.root.join(OPENAPI_YAML);
    let text = read(&spec_path)?;
    let mut doc = spec::parse_yaml(&text).map_err(|e| vec![format!("{}: {e}", spec_path.display())])?;

    if let Some(from) = &options.from {
        let upstream_text = read(from)?;
        let upstream = spec::parse_any(&upstream_text).map_err(|e| vec![format!("{}: {e}", from.display())])?;
        println!("Comparing {} with {}:", from.display(), OPENAPI_YAML);
        for line in import::compare(&doc, &upstream) {
            println!("{line}");
        }
        let notes = import::merge(&mut doc, &upstream).map_err(|e| vec![e])?;
        println!("Merged into {OPENAPI_YAML} ({} notes):", notes.len());
        for line in notes {
            println!("{line}");
        }
    }

    let canonical = spec::canonical(&doc).map_err(|e| vec![e])?;
    let spec_output = Output {
        path: spec_path,
        label: OPENAPI_YAML.into(),
        text: canonical.clone(),
    };

    let (violations, code) = validate(&doc);
    if !violations.is_empty() {
        let mut messages: Vec<String> = violations.iter().map(ToString::to_string).collect();
        messages.push(format!("{} rule violation(s) in {OPENAPI_YAML}", violations.len()));
        if options.from.is_some() && !options.check {
            // Keep the merge so the maintainer can fix the rest by hand; derived files wait for a valid spec.
            write(&spec_output).map_err(|e| vec![e])?;
            messages.push(format!(
                "the merge was written to {OPENAPI_YAML}; fix it, then run `cargo xtask codegen`"
            ));
        }
        return Err(messages);
    }

    let mut outputs = vec![
        spec_output,
        Output {
            path: options.root.join(docs::OPERATIONS_MD),
            label: docs::OPERATIONS_MD.into(),
            text: docs::operations_md(&doc),
        },
    ];
    if let Some(emit) = &options.emit {
        outputs.push(Output {
            path: emit.clone(),
            label: emit.display().to_string(),
            text: code.unwrap_or_default(),
        });
    }

    if options.check {
        let stale: Vec<String> = outputs
            .iter()
            .filter(|o| fs::read_to_string(&o.path).ok().as_deref() != Some(o.text.as_str()))
            .map(stale_message)
            .collect();
        if stale.is_empty() {
            println!("{OPENAPI_YAML} follows the rules and every generated file is up to date");
            Ok(())
        } else {
            Err(stale)
        }
    } else {
        for output in &outputs {
            if fs::read_to_string(&output.path).ok().as_deref() == Some(output.text.as_str()) {
                println!("{} is up to date", output.label);
            } else {
                write(output).map_err(|e| vec![e])?;
                println!("wrote {}", output.label);
            }
        }
        Ok(())
    }
}

/// Why `--check` fails for one output.
fn stale_message(output: &Output) -> String {
    if output.label == OPENAPI_YAML {
        format!("{OPENAPI_YAML} is not in canonical form (or would change); run `cargo xtask codegen`")
    } else if !output.path.exists() {
        format!("{} is missing; run `cargo xtask codegen`", output.label)
    } else {
        format!("{} is stale; run `cargo xtask codegen`", output.label)
    }
}

/// Checks the rules, and when they hold, that build.rs's generator accepts the spec. Returns the violations
/// and, on success, the generated Rust code.
pub fn validate(doc: &Value) -> (Vec<Violation>, Option<String>) {
    let violations = rules::check(doc);
    if !violations.is_empty() {
        // progenitor assumes what the rules guarantee (e.g. operationIds) and may panic without it.
        return (violations, None);
    }
    match generate(doc) {
        Ok(code) => (violations, Some(code)),
        Err(detail) => (
            vec![Violation {
                subject: "document".into(),
                rule: Rule::Generates,
                detail,
            }],
            None,
        ),
    }
}

/// Runs `build_script::generate_from_tree`, turning a panic inside progenitor into an error.
fn generate(doc: &Value) -> Result<String, String> {
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = std::panic::catch_unwind(|| build_script::generate_from_tree(doc));
    std::panic::set_hook(previous_hook);
    match result {
        Ok(generated) => generated,
        Err(payload) => {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            Err(format!("progenitor panicked: {message}"))
        }
    }
}

/// Reads a file, with its path in the error.
fn read(path: &Path) -> Result<String, Vec<String>> {
    fs::read_to_string(path).map_err(|e| vec![format!("cannot read {}: {e}", path.display())])
}

/// Writes an output, creating its directory.
fn write(output: &Output) -> Result<(), String> {
    if let Some(dir) = output.path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    fs::write(&output.path, &output.text).map_err(|e| format!("cannot write {}: {e}", output.path.display()))
}
