//! Maintainer tasks for the repository, run as `cargo xtask <task>` from its root.
//!
//! `cargo xtask codegen [--check] [--from FILE] [--emit PATH] [--root DIR]`: see [`codegen`] and [`USAGE`].
//! `cargo xtask test [ARGS]` (alias `cargo test-all`): the library's tests, then xtask's; xtask is
//! a workspace of its own, so a plain `cargo test` at the root does not run its tests.
//! `cargo xtask units FILE...`: fails naming any dependency compiled more than once; see [`units`].

mod answers;
#[path = "../../build.rs"]
mod build_script;
mod codegen;
mod docs;
mod import;
#[cfg(test)]
mod layers;
mod naming;
mod requests;
mod rules;
mod spec;
#[cfg(test)]
mod surface;
mod units;
mod violation;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The help text.
const USAGE: &str = "\
Usage: cargo xtask codegen [--check] [--from FILE] [--emit PATH] [--root DIR]
       cargo xtask test [ARGS]
       cargo xtask units FILE...

test: runs `cargo test ARGS` for the library, then for xtask (every test of the repository).
units: reads cargo's JSON messages (`--message-format=json`) and fails naming every dependency
       compiled more than once across them.

codegen: validates openapi.yaml against the project's rules, writes it back in canonical form and
regenerates docs/operations.md.

  --check        change nothing; exit non-zero if a rule is broken or a file is stale
  --from FILE    compare with an upstream OpenAPI document (YAML or JSON), report the
                 differences and merge the operations openapi.yaml lacks
  --emit PATH    also write the generated Rust client code to PATH
  --root DIR     the repository root holding openapi.yaml (default: this repository)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse_args(&args) {
        Ok(None) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Some(Task::Codegen(options))) => match codegen::run(&options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(messages) => {
                for message in messages {
                    eprintln!("error: {message}");
                }
                ExitCode::FAILURE
            }
        },
        Ok(Some(Task::Test(cargo_args))) => report(run_tests(&cargo_args)),
        Ok(Some(Task::Units(files))) => report(check_units(&files)),
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// A task named on the command line.
#[derive(Debug)]
enum Task {
    /// `codegen ...`.
    Codegen(codegen::Options),
    /// `test ARGS`: the arguments passed on to each `cargo test`.
    Test(Vec<String>),
    /// `units FILE...`: files of cargo's JSON messages.
    Units(Vec<PathBuf>),
}

/// The exit code of a task that failed with `message` or succeeded.
fn report(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Parses the command line; `Ok(None)` asks for help.
fn parse_args(args: &[String]) -> Result<Option<Task>, String> {
    let mut args = args.iter();
    match args.next().map(String::as_str) {
        Some("codegen") => {}
        Some("test") => return Ok(Some(Task::Test(args.cloned().collect()))),
        Some("units") => return Ok(Some(Task::Units(args.map(PathBuf::from).collect()))),
        None | Some("help" | "-h" | "--help") => return Ok(None),
        Some(other) => return Err(format!("unknown task {other:?}")),
    }
    let mut options = codegen::Options {
        root: default_root(),
        ..Default::default()
    };
    while let Some(arg) = args.next() {
        let mut value = |flag: &str| {
            args.next()
                .map(PathBuf::from)
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match arg.as_str() {
            "--check" => options.check = true,
            "--from" => options.from = Some(value("--from")?),
            "--emit" => options.emit = Some(value("--emit")?),
            "--root" => options.root = value("--root")?,
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(Task::Codegen(options)))
}

/// Runs `cargo test ARGS` on the library's manifest, then on xtask's, stopping at the first failure.
fn run_tests(cargo_args: &[String]) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let xtask = Path::new(env!("CARGO_MANIFEST_DIR"));
    for manifest in [default_root().join("Cargo.toml"), xtask.join("Cargo.toml")] {
        let mut command = Command::new(&cargo);
        for (name, _) in std::env::vars_os() {
            if name.to_str().is_some_and(is_set_by_cargo_run) {
                command.env_remove(&name);
            }
        }
        let status = command
            .arg("test")
            .arg("--manifest-path")
            .arg(&manifest)
            .args(cargo_args)
            .status()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        if !status.success() {
            return Err(format!("cargo test failed for {}", manifest.display()));
        }
    }
    Ok(())
}

/// Whether `cargo run` sets this variable for xtask itself. A build script that watches one of
/// them (ring's watches `CARGO_PKG_NAME` and `CARGO_MANIFEST_DIR`) would otherwise run again, and
/// everything above it be compiled again, whenever `cargo test` and `cargo xtask test` take turns.
fn is_set_by_cargo_run(name: &str) -> bool {
    name.starts_with("CARGO_PKG_")
        || matches!(
            name,
            "CARGO_MANIFEST_DIR"
                | "CARGO_MANIFEST_PATH"
                | "CARGO_MANIFEST_LINKS"
                | "CARGO_CRATE_NAME"
                | "CARGO_BIN_NAME"
                | "CARGO_PRIMARY_PACKAGE"
                | "OUT_DIR"
        )
}

/// Fails naming each dependency compiled more than once in the builds that `files` report.
fn check_units(files: &[PathBuf]) -> Result<(), String> {
    let mut streams = Vec::with_capacity(files.len());
    for file in files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
        streams.push(text);
    }
    let twice = units::compiled_twice(streams.iter().map(String::as_str));
    if twice.is_empty() {
        return Ok(());
    }
    Err(format!(
        "dependencies compiled more than once:
  {}",
        twice.join(
            "
  "
        )
    ))
}

/// The repository root: the parent of this package's directory.
fn default_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_flags() {
        let Some(Task::Codegen(options)) =
            parse_args(&args(&["codegen", "--check", "--root", "/r", "--emit", "x.rs"])).unwrap()
        else {
            panic!("not a codegen task");
        };
        assert!(options.check);
        assert_eq!(options.root, PathBuf::from("/r"));
        assert_eq!(options.emit, Some(PathBuf::from("x.rs")));
        assert!(parse_args(&args(&["codegen", "--from"])).is_err());
        assert!(parse_args(&args(&["codegen", "--bogus"])).is_err());
        assert!(parse_args(&args(&["other"])).is_err());
        assert!(parse_args(&args(&[])).unwrap().is_none());
    }

    #[test]
    fn test_and_units_take_their_arguments() {
        let Some(Task::Test(cargo_args)) = parse_args(&args(&["test", "--doc", "--", "--nocapture"])).unwrap() else {
            panic!("not a test task");
        };
        assert_eq!(cargo_args, args(&["--doc", "--", "--nocapture"]));
        let Some(Task::Units(files)) = parse_args(&args(&["units", "a.json", "b.json"])).unwrap() else {
            panic!("not a units task");
        };
        assert_eq!(files, [PathBuf::from("a.json"), PathBuf::from("b.json")]);
    }

    #[test]
    fn the_tests_run_without_what_cargo_run_set_for_xtask() {
        for name in [
            "CARGO_PKG_NAME",
            "CARGO_PKG_VERSION_MAJOR",
            "CARGO_MANIFEST_DIR",
            "OUT_DIR",
        ] {
            assert!(is_set_by_cargo_run(name), "{name}");
        }
        for name in [
            "CARGO_HOME",
            "CARGO_TARGET_DIR",
            "CARGO_TERM_COLOR",
            "PATH",
            "RUSTFLAGS",
        ] {
            assert!(!is_set_by_cargo_run(name), "{name}");
        }
    }
}
