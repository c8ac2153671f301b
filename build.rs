//! Turns `openapi.yaml` into the typed client (`$OUT_DIR/generated.rs`) with progenitor.
//!
//! This file is also compiled into `xtask` (`cargo xtask codegen --emit`), so the code a maintainer
//! reads is exactly the code the library builds. It needs no network and produces the same output
//! for the same spec.
//!
//! Component schemas that carry `x-datacrunch-type: Name` are not generated: progenitor is told to
//! use the hand-written `crate::types::Name` instead (open enums, flexible numbers, ids that
//! arrive in several shapes). A generic argument is resolved the same way, so
//! `OneOrFirst<SshKey>` becomes `crate::types::OneOrFirst<crate::types::SshKey>`.

use std::path::PathBuf;

/// The extension that names a hand-written type in `crate::types` to use for a schema.
pub const TYPE_EXTENSION: &str = "x-datacrunch-type";

/// Generates formatted Rust source for the client from the text of an OpenAPI document.
pub fn generate(spec_yaml: &str) -> Result<String, String> {
    let spec: openapiv3::OpenAPI =
        serde_norway::from_str(spec_yaml).map_err(|e| format!("openapi.yaml is not valid OpenAPI 3.0: {e}"))?;

    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_inner_type(quote::quote!(crate::transport::Transport))
        .with_hooks(progenitor::HooksMode::Expected)
        .with_derive("PartialEq");
    for (schema, rust_type) in replacements(&spec) {
        settings.with_replacement(schema, rust_type, std::iter::empty());
    }

    let tokens = progenitor::Generator::new(&settings)
        .generate_tokens(&spec)
        .map_err(|e| format!("progenitor failed on openapi.yaml: {e}"))?;
    let file: syn::File = syn::parse2(tokens).map_err(|e| format!("progenitor produced invalid Rust: {e}"))?;
    Ok(prettyplease::unparse(&file))
}

/// The `(schema name, Rust type path)` pairs declared with [`TYPE_EXTENSION`], sorted by name.
pub fn replacements(spec: &openapiv3::OpenAPI) -> Vec<(String, String)> {
    let Some(components) = &spec.components else {
        return Vec::new();
    };
    let mut pairs: Vec<(String, String)> = components
        .schemas
        .iter()
        .filter_map(|(name, schema)| {
            let schema = schema.as_item()?;
            let rust = schema.schema_data.extensions.get(TYPE_EXTENSION)?.as_str()?;
            Some((name.clone(), rust_type_path(rust)))
        })
        .collect();
    pairs.sort();
    pairs
}

/// `OneOrFirst<SshKey>` -> `crate::types::OneOrFirst<crate::types::SshKey>`.
fn rust_type_path(name: &str) -> String {
    format!("crate::types::{}", name.trim().replace('<', "<crate::types::"))
}

#[allow(dead_code)] // xtask compiles this file as a module and calls only `generate`.
fn main() {
    println!("cargo:rerun-if-changed=openapi.yaml");
    println!("cargo:rerun-if-changed=build.rs");
    let spec = std::fs::read_to_string("openapi.yaml").expect("openapi.yaml is readable");
    let code = generate(&spec).unwrap_or_else(|e| panic!("{e}"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("generated.rs"), code).expect("OUT_DIR is writable");
}
