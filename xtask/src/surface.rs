//! The hand-written surface of `Client`, kept visible: every hand-written `impl Client` block in
//! `src/` has a doc heading (`/// # ...`, which rustdoc shows above its methods), and each of its
//! public methods is linked from the list under `## Beyond the generated operations` in the module
//! docs of `src/lib.rs`. Methods that a `macro_rules!` writes (`pagination.rs`) are not seen here.

use std::collections::BTreeMap;
use std::path::Path;

/// The heading of the list in `src/lib.rs`.
const HEADING: &str = "//! ## Beyond the generated operations";

/// Checks `sources` (file path below `src/` -> text); every problem found.
pub fn check(sources: &BTreeMap<String, String>) -> Result<(), Vec<String>> {
    let lib = sources.get("lib.rs").map(String::as_str).unwrap_or_default();
    let list: String = lib
        .lines()
        .map(str::trim)
        .skip_while(|line| *line != HEADING)
        .take_while(|line| line.starts_with("//!"))
        .skip(1)
        .take_while(|line| !line.starts_with("//! #"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut problems = Vec::new();
    for (file, text) in sources {
        let Ok(parsed) = syn::parse_file(text) else { continue };
        for block in parsed.items.iter().filter_map(|item| match item {
            syn::Item::Impl(block) if block.trait_.is_none() && names_client(&block.self_ty) => Some(block),
            _ => None,
        }) {
            let heading = block
                .attrs
                .iter()
                .find_map(crate::build_script::doc_text)
                .is_some_and(|first| first.trim().starts_with("# "));
            if !heading {
                problems.push(format!(
                    "src/{file}: an `impl Client` block without a doc heading (`/// # ...`)"
                ));
            }
            for method in block.items.iter().filter_map(|item| match item {
                syn::ImplItem::Fn(method) if matches!(method.vis, syn::Visibility::Public(_)) => {
                    Some(&method.sig.ident)
                }
                _ => None,
            }) {
                if !list.contains(&format!("[`Client::{method}`]")) {
                    problems.push(format!(
                        "src/{file}: `Client::{method}` is not in the list `{HEADING}` of src/lib.rs"
                    ));
                }
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// Whether `ty` is `Client` or `crate::Client`.
fn names_client(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(path) if path.qself.is_none() && path.path.segments.last().is_some_and(|s| s.ident == "Client")
        && path.path.segments.iter().all(|s| s.ident == "crate" || s.ident == "Client"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(lib: &str, code: &str) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("lib.rs".to_owned(), lib.to_owned()),
            ("x.rs".to_owned(), code.to_owned()),
        ])
    }

    const LIB: &str = "//! ## Beyond the generated operations\n//!\n//! - [`Client::a`], [`Client::b`]\n//!\n//! ## Next\n//! [`Client::c`]\n";

    #[test]
    fn a_listed_method_in_a_block_with_a_heading_passes() {
        let code = "/// # A and b\n///\n/// More.\nimpl Client { pub fn a() {} pub async fn b() {} fn private() {} }\n\
                    impl Trait for Client { fn c() {} }\nimpl Other { pub fn c() {} }\n";
        assert_eq!(check(&sources(LIB, code)), Ok(()));
    }

    #[test]
    fn a_block_without_heading_or_a_method_left_out_of_the_list_is_reported() {
        let problems = check(&sources(
            LIB,
            "/// Methods.\nimpl crate::Client { pub fn a() {} pub fn c() {} }\n",
        ))
        .unwrap_err();
        assert_eq!(
            problems,
            [
                "src/x.rs: an `impl Client` block without a doc heading (`/// # ...`)",
                "src/x.rs: `Client::c` is not in the list `//! ## Beyond the generated operations` of src/lib.rs",
            ]
        );
    }

    #[test]
    fn the_library_shows_its_hand_written_surface() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let sources = crate::layers::read_sources(&root.join("src")).unwrap();
        if let Err(problems) = check(&sources) {
            panic!("the hand-written surface is not visible:\n{}", problems.join("\n"));
        }
    }
}
