//! Maintainer tasks for the workspace, run as `cargo xtask <task>`.
//!
//! `cargo xtask codegen [--check] [--from FILE] [--emit PATH] [--root DIR]`: see [`codegen`] and [`USAGE`].

mod answers;
#[path = "../../build.rs"]
mod build_script;
mod codegen;
mod docs;
mod import;
mod naming;
mod requests;
mod rules;
mod spec;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The help text.
const USAGE: &str = "\
Usage: cargo xtask codegen [--check] [--from FILE] [--emit PATH] [--root DIR]

Validates openapi.yaml against the project's rules, writes it back in canonical form and
regenerates docs/operations.md.

  --check        change nothing; exit non-zero if a rule is broken or a file is stale
  --from FILE    compare with an upstream OpenAPI document (YAML or JSON), report the
                 differences and merge the operations openapi.yaml lacks
  --emit PATH    also write the generated Rust client code to PATH
  --root DIR     the workspace root holding openapi.yaml (default: this workspace)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse_args(&args) {
        Ok(None) => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Ok(Some(options)) => match codegen::run(&options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(messages) => {
                for message in messages {
                    eprintln!("error: {message}");
                }
                ExitCode::FAILURE
            }
        },
        Err(message) => {
            eprintln!("error: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Parses the command line; `Ok(None)` asks for help.
fn parse_args(args: &[String]) -> Result<Option<codegen::Options>, String> {
    let mut args = args.iter();
    match args.next().map(String::as_str) {
        Some("codegen") => {}
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
    Ok(Some(options))
}

/// The workspace root: the parent of this package's directory.
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
        let options = parse_args(&args(&["codegen", "--check", "--root", "/r", "--emit", "x.rs"]))
            .unwrap()
            .unwrap();
        assert!(options.check);
        assert_eq!(options.root, PathBuf::from("/r"));
        assert_eq!(options.emit, Some(PathBuf::from("x.rs")));
        assert!(parse_args(&args(&["codegen", "--from"])).is_err());
        assert!(parse_args(&args(&["codegen", "--bogus"])).is_err());
        assert!(parse_args(&args(&["other"])).is_err());
        assert!(parse_args(&args(&[])).unwrap().is_none());
    }
}
