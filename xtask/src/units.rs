//! `cargo xtask units FILE...`: finds dependencies that cargo compiled more than once.
//!
//! Each file holds cargo's JSON messages (`cargo test --no-run --message-format=json`), fresh
//! units included. A dependency compiled twice, say once with a feature set for build.rs and once
//! with another for the library, or once for the library and once for xtask, shows up as one
//! crate and target with two different sets of output files (their names carry the unit's hash).
//! The repository's own packages are left out: cargo builds them per workspace by design.

use std::collections::BTreeMap;

use serde_json::Value;

/// One compiled unit as cargo reports it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Unit {
    /// The output files, sorted; they differ whenever the unit's hash does.
    files: Vec<String>,
    /// The features it was compiled with, for the report.
    features: Vec<String>,
}

/// The dependencies compiled more than once across the given message streams, one line each
/// (`serde_json 1.0.154 lib: 2 builds, features [..] / [..]`), sorted.
pub fn compiled_twice<'a>(streams: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut units: BTreeMap<(String, String), Vec<Unit>> = BTreeMap::new();
    for line in streams.into_iter().flat_map(str::lines) {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        let Some(package) = message["package_id"].as_str().filter(|id| !id.starts_with("path+")) else {
            continue;
        };
        let target = format!(
            "{} {}",
            message["target"]["kind"][0].as_str().unwrap_or("?"),
            message["target"]["name"].as_str().unwrap_or("?")
        );
        let mut files: Vec<String> = strings(&message["filenames"]);
        files.sort();
        let unit = Unit {
            files,
            features: strings(&message["features"]),
        };
        let seen = units.entry((package_name(package), target)).or_default();
        if !seen.contains(&unit) {
            seen.push(unit);
        }
    }
    units
        .into_iter()
        .filter(|(_, builds)| builds.len() > 1)
        .map(|((package, target), builds)| {
            let features: Vec<String> = builds.iter().map(|b| format!("[{}]", b.features.join(", "))).collect();
            format!(
                "{package} {target}: {} builds, features {}",
                builds.len(),
                features.join(" / ")
            )
        })
        .collect()
}

/// The strings of a JSON array.
fn strings(value: &Value) -> Vec<String> {
    let items = value.as_array().into_iter().flatten();
    items.filter_map(Value::as_str).map(str::to_owned).collect()
}

/// `registry+https://...#serde_json@1.0.154` -> `serde_json 1.0.154`.
fn package_name(id: &str) -> String {
    id.rsplit('#').next().unwrap_or(id).replace('@', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A compiler-artifact message as cargo prints it, trimmed to the fields read.
    fn artifact(package: &str, features: &[&str], hash: &str) -> String {
        serde_json::json!({
            "reason": "compiler-artifact",
            "package_id": package,
            "target": {"kind": ["lib"], "name": "serde_json"},
            "features": features,
            "filenames": [format!("/t/debug/deps/libserde_json-{hash}.rlib")],
            "fresh": true,
        })
        .to_string()
    }

    const SERDE_JSON: &str = "registry+https://github.com/rust-lang/crates.io-index#serde_json@1.0.154";

    #[test]
    fn one_unit_seen_in_two_builds_is_compiled_once() {
        let first = artifact(SERDE_JSON, &["std"], "aaa");
        let second = format!("{{\"reason\":\"build-finished\",\"success\":true}}\nnot json\n{first}");
        assert!(compiled_twice([first.as_str(), second.as_str()]).is_empty());
    }

    #[test]
    fn two_units_of_one_crate_are_reported_with_their_features() {
        let library = artifact(SERDE_JSON, &["std"], "aaa");
        let xtask = artifact(SERDE_JSON, &["preserve_order", "std"], "bbb");
        assert_eq!(
            compiled_twice([library.as_str(), xtask.as_str()]),
            ["serde_json 1.0.154 lib serde_json: 2 builds, features [std] / [preserve_order, std]"]
        );
    }

    #[test]
    fn the_repository_packages_are_left_out() {
        let ours = "path+file:///work/datacrunch#0.1.0";
        let lines = format!(
            "{}\n{}",
            artifact(ours, &[], "aaa"),
            artifact(ours, &["test-util"], "bbb")
        );
        assert!(compiled_twice([lines.as_str()]).is_empty());
    }
}
