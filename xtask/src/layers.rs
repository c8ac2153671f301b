//! The library's layer rule, checked: the list under `## Layers` in the module docs of `src/lib.rs`
//! says which module may use which, and [`check`] reads every `src/**/*.rs` and reports each
//! `crate::` path (and each `use` of a sibling module through `super::` or `self::`) that points
//! against it. `cargo xtask test` runs it as a test.
//!
//! The list is bottom-up, one layer per item:
//! ``- `a`, `b` (uses `c`, `d`): what they are``, or `(uses nothing)`, or `(uses every module above)`.
//! The modules of one item may use each other; a module may use only the modules its item names,
//! and an item may name only modules listed above it, so the layers cannot form a cycle. A module
//! belongs to the longest listed name it starts with (`auth::error` before `auth`). A path is
//! followed through the `mod` declarations and the `pub`/`pub(crate)` re-exports of the files it
//! passes, so `crate::Error` is in `error` and `crate::auth::AuthError` in `auth::error`. Unit
//! tests (items under `#[cfg(test)]`) may use anything.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;

/// The heading of the layer list in `src/lib.rs`.
const HEADING: &str = "//! ## Layers";

/// One item of the list: modules that form a layer, and the modules they may use.
#[derive(Debug)]
struct Layer {
    modules: Vec<String>,
    uses: Vec<String>,
}

/// What one source file declares and names.
#[derive(Debug, Default)]
struct Module {
    /// `mod x` declarations: files of their own, or inline (as the generated code is).
    submodules: BTreeSet<String>,
    /// Names this module re-exports, with the crate path they stand for.
    reexports: BTreeMap<String, Vec<String>>,
    /// Every crate path this module names, outside unit tests.
    references: Vec<Vec<String>>,
}

/// Checks the library under `root` (`src/lib.rs` and everything beside it) against its layer list.
pub fn check_dir(root: &Path) -> Result<(), Vec<String>> {
    let sources = read_sources(&root.join("src")).map_err(|e| vec![format!("reading src/: {e}")])?;
    check(&sources)
}

/// Every `.rs` file under `dir`, keyed by its path below it (`auth/mod.rs`).
pub fn read_sources(dir: &Path) -> std::io::Result<BTreeMap<String, String>> {
    let mut sources = BTreeMap::new();
    read_tree(dir, "", &mut sources)?;
    Ok(sources)
}

fn read_tree(dir: &Path, prefix: &str, out: &mut BTreeMap<String, String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = format!("{prefix}{name}");
        if entry.file_type()?.is_dir() {
            read_tree(&entry.path(), &format!("{path}/"), out)?;
        } else if name.ends_with(".rs") {
            out.insert(path, std::fs::read_to_string(entry.path())?);
        }
    }
    Ok(())
}

/// Checks `sources` (file path below `src/` -> text) against the layer list in `lib.rs`; every
/// problem found, each naming the file and the path.
pub fn check(sources: &BTreeMap<String, String>) -> Result<(), Vec<String>> {
    let lib = sources.get("lib.rs").ok_or_else(|| vec!["no src/lib.rs".to_owned()])?;
    let layers = parse_layers(lib).map_err(|e| vec![e])?;
    let mut modules = BTreeMap::new();
    let mut problems = Vec::new();
    for (file, text) in sources {
        let path = module_path(file);
        match syn::parse_file(text) {
            Ok(parsed) => {
                modules.insert(path.clone(), read_module(&path, &parsed.items));
            }
            Err(e) => problems.push(format!("src/{file}: does not parse: {e}")),
        }
    }
    let layer_of = |path: &str| {
        layers
            .iter()
            .enumerate()
            .flat_map(|(index, layer)| layer.modules.iter().map(move |module| (index, module)))
            .filter(|(_, module)| path == module.as_str() || path.starts_with(&format!("{module}::")))
            .max_by_key(|(_, module)| module.len())
            .map(|(index, module)| (index, module.clone()))
    };
    for (file, path) in sources.keys().map(|file| (file, module_path(file))) {
        if path.is_empty() {
            continue; // lib.rs, the root, declares every layer
        }
        let Some((from_layer, from)) = layer_of(&path) else {
            problems.push(format!(
                "src/{file}: module `{path}` is in no layer of the list in src/lib.rs"
            ));
            continue;
        };
        for reference in &modules[&path].references {
            let target = resolve(&modules, reference);
            let shown = format!("crate::{}", reference.join("::"));
            match layer_of(&target) {
                None => problems.push(format!("src/{file}: {shown} is in `{target}`, which is in no layer")),
                Some((to_layer, to)) if to_layer != from_layer && !layers[from_layer].uses.contains(&to) => problems
                    .push(format!(
                        "src/{file}: `{from}` may not use `{to}` ({shown}); see the layer list in src/lib.rs"
                    )),
                Some(_) => {}
            }
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// Reads the list under [`HEADING`] in `lib_rs`, checking that each item uses only modules above it.
fn parse_layers(lib_rs: &str) -> Result<Vec<Layer>, String> {
    let mut lines = lib_rs.lines().map(str::trim).skip_while(|line| *line != HEADING);
    if lines.next().is_none() {
        return Err(format!("src/lib.rs has no `{HEADING}` list"));
    }
    let mut items: Vec<String> = Vec::new();
    for line in lines.take_while(|line| line.starts_with("//!") && !line.starts_with("//! #")) {
        if let Some(item) = line.strip_prefix("//! - ") {
            items.push(item.to_owned());
        } else if let (Some(item), Some(more)) = (items.last_mut(), line.strip_prefix("//!   ")) {
            item.push(' ');
            item.push_str(more.trim());
        }
    }
    let mut layers: Vec<Layer> = Vec::new();
    for item in items {
        let (modules, rest) = item
            .split_once(" (uses ")
            .ok_or_else(|| format!("layer list item without `(uses ...)`: {item}"))?;
        let uses = rest.split_once(')').map_or(rest, |(uses, _)| uses);
        let above: Vec<String> = layers.iter().flat_map(|layer| layer.modules.clone()).collect();
        let uses = match uses {
            "nothing" => Vec::new(),
            "every module above" => above.clone(),
            named => quoted(named),
        };
        if let Some(unknown) = uses.iter().find(|name| !above.contains(name)) {
            return Err(format!(
                "the layer list in src/lib.rs has {modules} use `{unknown}`, which is not listed above it"
            ));
        }
        layers.push(Layer {
            modules: quoted(modules),
            uses,
        });
    }
    Ok(layers)
}

/// The names written in backticks in `text`.
fn quoted(text: &str) -> Vec<String> {
    text.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

/// The module a file below `src/` holds: `auth::error` for `auth/error.rs`, `auth` for
/// `auth/mod.rs`, the empty path for `lib.rs`.
fn module_path(file: &str) -> String {
    let mut segments: Vec<&str> = file.trim_end_matches(".rs").split('/').collect();
    if matches!(segments.last(), Some(&"mod" | &"lib")) {
        segments.pop();
    }
    segments.join("::")
}

/// What the items of the module at `path` declare and name, unit tests left out.
fn read_module(path: &str, items: &[syn::Item]) -> Module {
    let here: Vec<String> = path.split("::").filter(|s| !s.is_empty()).map(str::to_owned).collect();
    let mut module = Module::default();
    collect(&here, items, &mut module);
    module
}

fn collect(here: &[String], items: &[syn::Item], module: &mut Module) {
    let declared: BTreeSet<String> = items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(m) => Some(m.ident.to_string()),
            _ => None,
        })
        .collect();
    module.submodules.extend(declared.iter().cloned());
    for item in items.iter().filter(|item| !is_test_only(item_attrs(item))) {
        match item {
            syn::Item::Use(used) => {
                let mut paths = Vec::new();
                use_paths(&used.tree, Vec::new(), &mut paths);
                for (path, name) in paths {
                    let Some(absolute) = absolute(here, &declared, &path) else {
                        continue;
                    };
                    if let (Some(name), syn::Visibility::Public(_) | syn::Visibility::Restricted(_)) = (name, &used.vis)
                    {
                        module.reexports.insert(name, absolute.clone());
                    }
                    module.references.push(absolute);
                }
            }
            syn::Item::Mod(syn::ItemMod {
                content: Some((_, inner)),
                ..
            }) => collect(here, inner, module),
            other => crate_paths(other.to_token_stream(), &mut module.references),
        }
    }
}

/// Whether the attributes hold `#[cfg(test)]`.
fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        matches!(&attr.meta, syn::Meta::List(list) if list.path.is_ident("cfg") && list.tokens.to_string() == "test")
    })
}

fn item_attrs(item: &syn::Item) -> &[syn::Attribute] {
    match item {
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        _ => &[],
    }
}

/// Every path of a `use` tree, with the name it binds (`None` for a glob).
fn use_paths(tree: &syn::UseTree, prefix: Vec<String>, out: &mut Vec<(Vec<String>, Option<String>)>) {
    let with = |ident: &syn::Ident| {
        let mut path = prefix.clone();
        path.push(ident.to_string());
        path
    };
    match tree {
        syn::UseTree::Path(p) => use_paths(&p.tree, with(&p.ident), out),
        syn::UseTree::Name(n) if n.ident == "self" => out.push((prefix.clone(), prefix.last().cloned())),
        syn::UseTree::Name(n) => out.push((with(&n.ident), Some(n.ident.to_string()))),
        syn::UseTree::Rename(r) => out.push((with(&r.ident), Some(r.rename.to_string()))),
        syn::UseTree::Glob(_) => out.push((prefix, None)),
        syn::UseTree::Group(g) => g.items.iter().for_each(|tree| use_paths(tree, prefix.clone(), out)),
    }
}

/// `path` as written in a `use` of the module `here` (declaring `declared`), from the crate root;
/// `None` when it names another crate.
fn absolute(here: &[String], declared: &BTreeSet<String>, path: &[String]) -> Option<Vec<String>> {
    let (first, rest) = path.split_first()?;
    let mut out = match first.as_str() {
        "crate" => Vec::new(),
        "self" => here.to_vec(),
        "super" => here.get(..here.len().checked_sub(1)?)?.to_vec(),
        local if declared.contains(local) => [here, &[local.to_owned()]].concat(),
        _ => return None,
    };
    out.extend(rest.iter().cloned());
    Some(out)
}

/// Every `crate::a::b` (and `$crate::a::b`) path in `tokens`, without `crate`.
fn crate_paths(tokens: TokenStream, out: &mut Vec<Vec<String>>) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    let colon = |at: usize| matches!(tokens.get(at), Some(TokenTree::Punct(p)) if p.as_char() == ':');
    for (at, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Group(group) => crate_paths(group.stream(), out),
            TokenTree::Ident(ident) if ident == "crate" => {
                let mut path = Vec::new();
                let mut next = at + 1;
                while colon(next) && colon(next + 1) {
                    let Some(TokenTree::Ident(segment)) = tokens.get(next + 2) else {
                        break;
                    };
                    path.push(segment.to_string());
                    next += 3;
                }
                if !path.is_empty() {
                    out.push(path);
                }
            }
            _ => {}
        }
    }
}

/// The module that holds what `path` (from the crate root) names, following `mod` declarations
/// and re-exports. Past a module with no file of its own (the generated code), the rest of the
/// path is kept, for the layer list to match.
fn resolve(modules: &BTreeMap<String, Module>, path: &[String]) -> String {
    let mut path = path.to_vec();
    let mut at = 0;
    for _ in 0..16 {
        let module = path.get(..at).unwrap_or_default().join("::");
        let Some(segment) = path.get(at).cloned() else {
            return module;
        };
        let Some(info) = modules.get(&module) else {
            return path.join("::");
        };
        if info.submodules.contains(&segment) {
            at += 1;
        } else if let Some(target) = info.reexports.get(&segment) {
            path = [target.as_slice(), path.get(at + 1..).unwrap_or_default()].concat();
            at = 0;
        } else {
            return module;
        }
    }
    path.join("::")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default layer list of [`sources`]: `mid::error` below `low`, then `mid`, then `high`.
    const LIST: &str = "//! - `mid::error` (uses nothing): errors\n//! - `low` (uses `mid::error`): the\n//!   bottom\n\
                        //! - `mid` (uses `low`, `mid::error`)\n//! - `high`, `gen` (uses every module above)\n";

    /// A `lib.rs` with `list` as its layer list.
    fn lib(list: &str) -> String {
        format!(
            "//! Front page.\n//!\n//! ## Layers\n//!\n{list}//!\n//! ## Next\n\
             mod low;\nmod mid;\nmod high;\nmod gen {{ include!(\"gen.rs\"); }}\npub use mid::Thing;\n"
        )
    }

    /// A crate of the layers of [`LIST`], whose files are the defaults below with `changes` applied.
    fn sources(changes: &[(&str, &str)]) -> BTreeMap<String, String> {
        let mut files: BTreeMap<String, String> = [
            ("lib.rs", lib(LIST)),
            ("low.rs", "pub struct Low(crate::mid::Error);\n".to_owned()),
            (
                "mid/mod.rs",
                "mod error;\npub use error::Error;\npub struct Thing;\nuse super::low::Low;\n".to_owned(),
            ),
            ("mid/error.rs", "pub struct Error;\n".to_owned()),
            (
                "high.rs",
                "use crate::{Thing, low};\nfn f() { crate::gen::types::call(); }\n".to_owned(),
            ),
        ]
        .into_iter()
        .map(|(file, text)| (file.to_owned(), text))
        .collect();
        for (file, text) in changes {
            files.insert((*file).to_owned(), (*text).to_owned());
        }
        files
    }

    #[test]
    fn paths_that_follow_the_list_pass() {
        assert_eq!(check(&sources(&[])), Ok(()));
    }

    #[test]
    fn a_path_against_the_list_is_reported_wherever_it_is_written() {
        for (file, text) in [
            ("low.rs", "use crate::mid::Thing;\n"),
            ("low.rs", "use crate::{high as up};\n"),
            ("low.rs", "fn f() -> crate::Thing { todo!() }\n"),
            ("low.rs", "macro_rules! m { () => { $crate::high::x() } }\n"),
            ("mid/error.rs", "use super::Thing;\n"),
            (
                "mid/mod.rs",
                "mod error;\npub use error::Error;\nfn f() { let _ = crate::high::H; }\n",
            ),
        ] {
            let problems = check(&sources(&[(file, text)])).unwrap_err();
            assert_eq!(problems.len(), 1, "{file}: {text}: {problems:?}");
            assert!(problems[0].starts_with(&format!("src/{file}: `")), "{problems:?}");
        }
    }

    #[test]
    fn unit_tests_and_docs_may_name_anything() {
        let text = "//! [`crate::high`]\n/// [`crate::high::H`]\npub struct L;\n\
                    #[cfg(test)]\nmod tests { use crate::high::H; }\n#[cfg(test)]\nfn t() { crate::high::f(); }\n";
        assert_eq!(check(&sources(&[("low.rs", text)])), Ok(()));
    }

    #[test]
    fn the_list_is_checked_too() {
        let problems = |lib: &str| check(&sources(&[("lib.rs", lib)])).unwrap_err();
        let upward = "//! - `low` (uses `high`)\n//! - `high` (uses `low`)\n";
        assert!(problems(&lib(upward))[0].contains("`low` use `high`, which is not listed above it"));
        let missing = "//! - `mid::error`, `mid`, `low`, `gen` (uses nothing)\n";
        assert_eq!(
            problems(&lib(missing)),
            ["src/high.rs: module `high` is in no layer of the list in src/lib.rs"]
        );
        assert!(problems("//! no list\n")[0].contains("has no `//! ## Layers` list"));
    }

    #[test]
    fn the_library_obeys_its_layer_list() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        if let Err(problems) = check_dir(root) {
            panic!("the library breaks its layer list:\n{}", problems.join("\n"));
        }
    }
}
