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
//!
//! The generated code is then adjusted on its syntax tree: every builder's `send` returns
//! `datacrunch::Error` instead of progenitor's error, every path parameter goes through
//! `crate::path::encode_segment`, which refuses `.` and `..` (see [`adjust_builders`]), and the
//! generated constructors `Client::new` and `Client::new_with_client`, which would bypass
//! authentication and retries, are private to the crate (see [`hide_constructors`]), as is the
//! generator's `types::defaults` (see [`hide_plumbing`]). A create
//! call whose answer carries no id fails with `Error::AcceptedWithoutId` (see [`wrap_send`]), a
//! property with a declared `default` is always sent (see [`send_declared_defaults`]), and every
//! list type decodes `null` as an empty list (see [`accept_null_lists`]).
//!
//! Finally each generated `Client` method's documentation gains what a caller needs to call it
//! (its body and answer types as links, its required builder calls, the errors it answers), the
//! methods are grouped into one `impl Client` block per spec tag, which rustdoc shows as headed
//! sections, the types the spec leaves without a description get one (a list says what it
//! lists, a request body which method sends it), and the table `OPERATION_ROUTES` (method, path,
//! method name) is appended for the test kit (see [`document_operations`]).

use std::path::PathBuf;

/// The extension that names a hand-written type in `crate::types` to use for a schema.
pub const TYPE_EXTENSION: &str = "x-datacrunch-type";

/// Generates formatted Rust source for the client from the text of an OpenAPI document.
pub fn generate(spec_yaml: &str) -> Result<String, String> {
    let tree: serde_json::Value =
        serde_norway::from_str(spec_yaml).map_err(|e| format!("openapi.yaml is not valid YAML: {e}"))?;
    generate_from_tree(&tree)
}

/// [`generate`] from the document already parsed into a plain tree (which build.rs keeps too:
/// `openapiv3` cannot tell `default: null` from no default).
pub fn generate_from_tree(tree: &serde_json::Value) -> Result<String, String> {
    let spec: openapiv3::OpenAPI =
        serde_json::from_value(tree.clone()).map_err(|e| format!("openapi.yaml is not valid OpenAPI 3.0: {e}"))?;

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
    let mut file: syn::File = syn::parse2(tokens).map_err(|e| format!("progenitor produced invalid Rust: {e}"))?;
    adjust_builders(&mut file)?;
    hide_constructors(&mut file)?;
    let types = module_mut(&mut file.items, "types").ok_or("progenitor output has no `types` module")?;
    send_declared_defaults(types, tree)?;
    accept_null_lists(types)?;
    redact_secrets(&mut file);
    hide_plumbing(&mut file)?;
    document_operations(&mut file, &spec)?;
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

/// The name the generated `send` gets once it is wrapped.
const UNWRAPPED_SEND: &str = "send_unwrapped";

/// Adjusts every `send` method in the generated `builder` module:
///
/// - the generated body moves into a private `send_unwrapped`, and a public `send` with the same
///   documentation returns `Result<ResponseValue<T>, crate::Error>`, so a caller's `?` into
///   `anyhow` or `Box<dyn Error>` reads the real cause (an auth failure, a refused path value)
///   rather than progenitor's generic communication error;
/// - `encode_path(x)` becomes `crate::path::encode_segment(x)?`, which percent-encodes all but
///   unreserved characters and refuses `.` and `..` before anything is sent.
///
/// Fails when progenitor's output no longer has the expected shape, so a progenitor upgrade
/// cannot silently skip the adjustment.
fn adjust_builders(file: &mut syn::File) -> Result<(), String> {
    let builder = module_mut(&mut file.items, "builder").ok_or("progenitor output has no `builder` module")?;
    let mut wrapped = 0;
    for item in builder.iter_mut() {
        let syn::Item::Impl(block) = item else { continue };
        let send = block.items.iter_mut().find_map(|item| match item {
            syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
            _ => None,
        });
        let Some(generated) = send else { continue };
        let wrapper = wrap_send(generated)?;
        block.items.push(syn::ImplItem::Fn(wrapper));
        wrapped += 1;
    }
    if wrapped == 0 {
        return Err("progenitor output has no builder `send` method".to_owned());
    }
    // For the `.query_param(..)` calls that `rewrite_send_body` writes.
    builder.push(syn::parse_quote!(
        #[allow(unused_imports)]
        use crate::query::QueryParameter as _;
    ));
    Ok(())
}

/// Makes `Client::new` and `Client::new_with_client` `pub(crate)`: a caller builds a client with
/// `Client::builder()`, which sets up the transport those constructors take.
fn hide_constructors(file: &mut syn::File) -> Result<(), String> {
    let client_impl = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Impl(block) if block.trait_.is_none() && is_client(block) => Some(block),
            _ => None,
        })
        .ok_or("progenitor output has no `impl Client`")?;
    let mut hidden = 0;
    for item in &mut client_impl.items {
        if let syn::ImplItem::Fn(f) = item
            && (f.sig.ident == "new" || f.sig.ident == "new_with_client")
        {
            f.vis = syn::parse_quote!(pub(crate));
            hidden += 1;
        }
    }
    match hidden {
        2 => Ok(()),
        _ => Err("progenitor output no longer has `Client::new` and `Client::new_with_client`".to_owned()),
    }
}

/// The `(schema, property)` pairs of the spec whose property declares a `default`, `null` included.
fn declared_defaults(tree: &serde_json::Value) -> Vec<(String, String)> {
    let schemas = tree.pointer("/components/schemas").and_then(|s| s.as_object());
    let mut pairs = Vec::new();
    for (schema, body) in schemas.into_iter().flatten() {
        let properties = body.get("properties").and_then(|p| p.as_object());
        for (property, declared) in properties.into_iter().flatten() {
            if declared.get("default").is_some() {
                pairs.push((schema.clone(), property.clone()));
            }
        }
    }
    pairs
}

/// Makes every property with a declared `default` always part of the request body.
///
/// A `default` in openapi.yaml says what the SDK sends when the caller sets nothing, because the
/// API expects the field (`ssh_key_ids: []`, `scaling: null`). progenitor leaves out empty
/// arrays and `None` (`skip_serializing_if`), and drops a default equal to the type's own
/// default, so the field would silently vanish; this removes the `skip_serializing_if`. Fails when
/// a declared field is not in the generated code, so a rename cannot skip it.
fn send_declared_defaults(types: &mut [syn::Item], tree: &serde_json::Value) -> Result<(), String> {
    use syn::ext::IdentExt;
    for (schema, property) in declared_defaults(tree) {
        let field = types
            .iter_mut()
            .find_map(|item| match item {
                syn::Item::Struct(s) if s.ident == schema => Some(&mut s.fields),
                _ => None,
            })
            .and_then(|fields| {
                fields
                    .iter_mut()
                    .find(|f| f.ident.as_ref().is_some_and(|i| i.unraw() == property))
            })
            .ok_or_else(|| format!("no generated field `{schema}.{property}` for its declared default"))?;
        for attr in &mut field.attrs {
            if attr.path().is_ident("serde") {
                keep_serde_args(attr, |meta| !meta.path().is_ident("skip_serializing_if"))?;
            }
        }
        field.attrs.retain(|attr| !is_empty_serde(attr));
    }
    Ok(())
}

/// Keeps only the arguments of a `#[serde(..)]` attribute that `keep` accepts.
fn keep_serde_args(attr: &mut syn::Attribute, keep: impl Fn(&syn::Meta) -> bool) -> Result<(), String> {
    type Args = syn::punctuated::Punctuated<syn::Meta, syn::Token![,]>;
    let args = attr
        .parse_args_with(Args::parse_terminated)
        .map_err(|e| format!("a generated #[serde(..)] does not parse: {e}"))?;
    let kept: Vec<syn::Meta> = args.into_iter().filter(|meta| keep(meta)).collect();
    *attr = syn::parse_quote!(#[serde(#(#kept),*)]);
    Ok(())
}

/// `#[serde()]`.
fn is_empty_serde(attr: &syn::Attribute) -> bool {
    matches!(&attr.meta, syn::Meta::List(list) if list.path.is_ident("serde") && list.tokens.is_empty())
}

/// Lets every list type (a component schema that is an array, generated as `struct X(pub Vec<T>)`)
/// decode `null` as an empty list: the API answers an empty list with `null` or no body at all
/// (which the transport turns into `null`).
fn accept_null_lists(types: &mut [syn::Item]) -> Result<(), String> {
    let mut adjusted = 0;
    for item in types {
        let syn::Item::Struct(list) = item else { continue };
        let syn::Fields::Unnamed(fields) = &mut list.fields else {
            continue;
        };
        if fields.unnamed.len() != 1 {
            continue;
        }
        let Some(field) = fields.unnamed.first_mut() else {
            continue;
        };
        let is_vec =
            matches!(&field.ty, syn::Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Vec"));
        if is_vec {
            field
                .attrs
                .push(syn::parse_quote!(#[serde(deserialize_with = "crate::types::null_as_empty")]));
            adjusted += 1;
        }
    }
    match adjusted {
        0 => Err("progenitor output has no list type (`struct X(pub Vec<T>)`)".to_owned()),
        _ => Ok(()),
    }
}

/// Fields whose values are credentials or tokens.
const SECRET_FIELDS: [&str; 7] = [
    "client_secret",
    "access_token",
    "refresh_token",
    "secret_access_key",
    "service_account_key",
    "docker_config_json",
    "password",
];

/// Fields that hold a secret in one schema only (the name alone is too generic): `(schema, field)`.
const SECRET_FIELDS_OF: [(&str, &str); 2] = [("CreateSecretRequest", "value"), ("SecretFile", "base64_content")];

/// Whether the field `field` of the generated struct (or builder) `schema` holds a secret.
fn is_secret(schema: &str, field: &str) -> bool {
    SECRET_FIELDS.contains(&field) || SECRET_FIELDS_OF.contains(&(schema, field))
}

/// Gives every generated struct with a secret field ([`is_secret`]) (the token request and answer,
/// and their builders) a `Debug` that prints `<redacted>` for those fields instead of the derived
/// one, so no secret reaches a `Debug` or a log through them. A spec may have no such struct; for
/// the API's, `tests/all/hostile.rs` checks that the token types print no secret.
fn redact_secrets(file: &mut syn::File) {
    fn visit(items: &mut Vec<syn::Item>) {
        let mut impls = Vec::new();
        for item in items.iter_mut() {
            match item {
                syn::Item::Mod(module) => {
                    if let Some((_, inner)) = &mut module.content {
                        visit(inner);
                    }
                }
                syn::Item::Struct(item) => {
                    let syn::Fields::Named(fields) = &item.fields else {
                        continue;
                    };
                    let schema = item.ident.to_string();
                    let names: Vec<&syn::Ident> = fields.named.iter().filter_map(|f| f.ident.as_ref()).collect();
                    if !names.iter().any(|name| is_secret(&schema, &name.to_string())) {
                        continue;
                    }
                    let mut derived_debug = false;
                    for attr in &mut item.attrs {
                        if !attr.path().is_ident("derive") {
                            continue;
                        }
                        let Ok(paths) = attr.parse_args_with(
                            syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                        ) else {
                            continue;
                        };
                        let kept: Vec<&syn::Path> = paths
                            .iter()
                            .filter(|path| path.segments.last().is_none_or(|last| last.ident != "Debug"))
                            .collect();
                        derived_debug |= kept.len() < paths.len();
                        *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
                    }
                    if !derived_debug {
                        continue;
                    }
                    let ident = &item.ident;
                    let shown = names.iter().map(|name| {
                        let label = name.to_string();
                        if is_secret(&schema, &label) {
                            quote::quote!(.field(#label, &"<redacted>"))
                        } else {
                            quote::quote!(.field(#label, &self.#name))
                        }
                    });
                    let label = ident.to_string();
                    impls.push(syn::parse_quote! {
                        /// Prints `<redacted>` for the secret fields.
                        impl ::std::fmt::Debug for #ident {
                            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                                f.debug_struct(#label) #(#shown)* .finish()
                            }
                        }
                    });
                }
                _ => {}
            }
        }
        items.extend(impls);
    }
    visit(&mut file.items);
}

/// Makes the generator's `types::defaults` module (serde default values) private to the crate,
/// and shows the crate's version on the `Client` page instead of the spec's `info.version`.
fn hide_plumbing(file: &mut syn::File) -> Result<(), String> {
    let types = module_mut(&mut file.items, "types").ok_or("progenitor output has no `types` module")?;
    for item in types.iter_mut() {
        if let syn::Item::Mod(module) = item
            && module.ident == "defaults"
        {
            module.vis = syn::parse_quote!(pub(crate));
        }
    }
    let client = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Struct(client) if client.ident == "Client" => Some(client),
            _ => None,
        })
        .ok_or("progenitor output has no `struct Client`")?;
    let mut replaced = false;
    for attr in client.attrs.iter_mut().filter(|attr| attr.path().is_ident("doc")) {
        let Some(text) = doc_text(attr) else { continue };
        if let Some((before, _)) = text.split_once("Version: ") {
            let before = before.trim_end();
            *attr = syn::parse_quote!(#[doc = #before]);
            replaced = true;
        }
    }
    if !replaced {
        return Err("the generated `Client` documentation no longer names the spec's version".to_owned());
    }
    client.attrs.push(syn::parse_quote! {
        #[doc = concat!("\n\nThis is version ", env!("CARGO_PKG_VERSION"), " of the `datacrunch` crate; see [`Client::builder`] to make one.")]
    });
    Ok(())
}

/// The items of the inline module `name` among `items`.
fn module_mut<'a>(items: &'a mut [syn::Item], name: &str) -> Option<&'a mut Vec<syn::Item>> {
    items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == name => module.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// The text of a `#[doc = "..."]` attribute.
pub fn doc_text(attr: &syn::Attribute) -> Option<String> {
    match &attr.meta {
        syn::Meta::NameValue(pair) if pair.path.is_ident("doc") => match &pair.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) => Some(text.value()),
            _ => None,
        },
        _ => None,
    }
}

/// What an operation's builder says about calling it.
struct BuilderFacts {
    /// Setters without which `send` fails before sending (`id`, `body`, ...).
    required: Vec<String>,
    /// `T` of `.body(T)`, when the operation has a body.
    body: Option<syn::Type>,
    /// `T` of `ResponseValue<T>`.
    answer: syn::Type,
}

/// What the spec says about an operation, by `(METHOD, path)`.
struct SpecFacts {
    tag: String,
    body_required: bool,
    has_path_parameters: bool,
    /// `(status or range, description)` of each answer that is not a success.
    errors: Vec<(String, String)>,
}

/// Documents every operation method of `Client` and groups them by tag (see the module docs),
/// then appends `OPERATION_ROUTES`.
fn document_operations(file: &mut syn::File, spec: &openapiv3::OpenAPI) -> Result<(), String> {
    let builders = builder_facts(file)?;
    let spec_facts = spec_facts(spec);
    let position = file
        .items
        .iter()
        .position(|item| matches!(item, syn::Item::Impl(block) if block.trait_.is_none() && is_client(block) && block.items.iter().any(|item| route_of(item).is_some())))
        .ok_or("progenitor output has no `impl Client` with operation methods")?;
    let syn::Item::Impl(operations) = file.items.remove(position) else {
        return Err("the operations' `impl Client` moved while being documented".to_owned());
    };
    let mut by_tag: Vec<(String, Vec<syn::ImplItem>)> =
        spec.tags.iter().map(|tag| (tag.name.clone(), Vec::new())).collect();
    let mut routes = Vec::new();
    // Body type -> the first method that sends it.
    let mut bodies = std::collections::HashMap::new();
    for mut item in operations.items {
        let syn::ImplItem::Fn(method) = &mut item else {
            return Err("the operations' `impl Client` holds something other than methods".to_owned());
        };
        let (verb, path) =
            route_of_fn(method).ok_or_else(|| format!("`{}` does not name its route", method.sig.ident))?;
        let facts = spec_facts
            .get(&(verb.clone(), path.clone()))
            .ok_or_else(|| format!("`{verb} {path}` is not in the spec"))?;
        let builder = builder_name(method).and_then(|name| builders.get(&name));
        let builder = builder.ok_or_else(|| format!("`{}` returns no known builder", method.sig.ident))?;
        if let Some(body) = builder.body.as_ref().and_then(type_name) {
            bodies.entry(body).or_insert_with(|| method.sig.ident.to_string());
        }
        let text = operation_docs(builder, facts);
        method.attrs.push(syn::parse_quote!(#[doc = #text]));
        routes.push((verb, path, method.sig.ident.to_string()));
        match by_tag.iter_mut().find(|(tag, _)| *tag == facts.tag) {
            Some((_, items)) => items.push(item),
            None => by_tag.push((facts.tag.clone(), vec![item])),
        }
    }
    let description = |name: &str| {
        let tag = spec.tags.iter().find(|tag| tag.name == name);
        tag.and_then(|tag| tag.description.clone()).unwrap_or_default()
    };
    let blocks = by_tag
        .into_iter()
        .filter(|(_, items)| !items.is_empty())
        .map(|(tag, items)| {
            let heading = format!("# {tag}\n\n{}", description(&tag));
            syn::Item::Impl(syn::parse_quote! {
                #[doc = #heading]
                impl Client {
                    #(#items)*
                }
            })
        });
    file.items.splice(position..position, blocks.collect::<Vec<_>>());
    describe_undocumented_types(file, &bodies);
    let rows = routes
        .iter()
        .map(|(verb, path, name)| quote::quote!((#verb, #path, #name)));
    file.items.push(syn::parse_quote! {
        /// `(method, path, Client method)` of every operation, in the spec's order.
        pub(crate) const OPERATION_ROUTES: &[(&str, &str, &str)] = &[#(#rows),*];
    });
    Ok(())
}

/// Gives the generated types that the spec leaves without a description (progenitor then writes
/// just their name) one: a list says what it lists, a request body which method sends it.
fn describe_undocumented_types(file: &mut syn::File, bodies: &std::collections::HashMap<String, String>) {
    let Some(types) = module_mut(&mut file.items, "types") else {
        return;
    };
    for item in types.iter_mut() {
        let (name, attrs, fields) = match item {
            syn::Item::Struct(item) => (item.ident.to_string(), &mut item.attrs, Some(&item.fields)),
            syn::Item::Enum(item) => (item.ident.to_string(), &mut item.attrs, None),
            _ => continue,
        };
        let placeholder = format!("`{name}`");
        let Some(doc) = attrs
            .iter_mut()
            .find(|attr| doc_text(attr).is_some_and(|text| text.trim() == placeholder))
        else {
            continue;
        };
        let listed = fields.and_then(|fields| match fields {
            syn::Fields::Unnamed(one) if one.unnamed.len() == 1 => {
                let element = first_type_argument(&one.unnamed[0].ty)?;
                // A type of this module is named bare, as `Instance`.
                Some(match &element {
                    syn::Type::Path(path) if path.path.segments.len() == 1 && !path.path.is_ident("String") => {
                        let name = &path.path.segments[0].ident;
                        format!("[`{name}`](crate::types::{name})")
                    }
                    other => type_markdown(other),
                })
            }
            _ => None,
        });
        let text = match (listed, bodies.get(&name)) {
            (Some(element), _) => format!("A list of {element}, as the API answers it; it dereferences to a `Vec`."),
            (None, Some(method)) => format!("The request body of [`Client::{method}`](crate::Client::{method})."),
            (None, None) => continue,
        };
        *doc = syn::parse_quote!(#[doc = #text]);
    }
}

/// The last segment of a type's path: `Name` of `types::Name`.
fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(path) => path.path.segments.last().map(|segment| segment.ident.to_string()),
        _ => None,
    }
}

fn is_client(block: &syn::ItemImpl) -> bool {
    matches!(&*block.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"))
}

fn route_of(item: &syn::ImplItem) -> Option<(String, String)> {
    match item {
        syn::ImplItem::Fn(method) => route_of_fn(method),
        _ => None,
    }
}

/// `("GET", "/instances/{id}")` from progenitor's "Sends a `GET` request to `/instances/{id}`".
fn route_of_fn(method: &syn::ImplItemFn) -> Option<(String, String)> {
    method.attrs.iter().filter_map(doc_text).find_map(|text| {
        let rest = text.split("Sends a `").nth(1)?;
        let (verb, rest) = rest.split_once("` request to `")?;
        let (path, _) = rest.split_once('`')?;
        Some((verb.to_owned(), path.to_owned()))
    })
}

/// `X` of a method returning `builder::X<'_>`.
fn builder_name(method: &syn::ImplItemFn) -> Option<String> {
    match &method.sig.output {
        syn::ReturnType::Type(_, ty) => type_name(ty),
        syn::ReturnType::Default => None,
    }
}

/// The facts of every builder in the generated `builder` module, by name. Runs after
/// [`adjust_builders`], so `send` returns `Result<ResponseValue<T>, crate::Error>`.
fn builder_facts(file: &mut syn::File) -> Result<std::collections::HashMap<String, BuilderFacts>, String> {
    let builder = module_mut(&mut file.items, "builder").ok_or("progenitor output has no `builder` module")?;
    let mut facts = std::collections::HashMap::new();
    for item in builder.iter() {
        let syn::Item::Impl(block) = item else { continue };
        let syn::Type::Path(name) = &*block.self_ty else {
            continue;
        };
        let Some(name) = name.path.segments.last() else {
            continue;
        };
        let method = |wanted: &str| {
            block.items.iter().find_map(|item| match item {
                syn::ImplItem::Fn(f) if f.sig.ident == wanted => Some(f),
                _ => None,
            })
        };
        let Some(send) = method("send") else { continue };
        let answer = match &send.sig.output {
            syn::ReturnType::Type(_, output) => result_ok_type(output).and_then(|value| first_type_argument(&value)),
            syn::ReturnType::Default => None,
        };
        let answer = answer.ok_or_else(|| format!("`{}::send` does not answer `ResponseValue<T>`", name.ident))?;
        let body = method("body").and_then(|body| {
            let predicate = body.sig.generics.where_clause.as_ref()?.predicates.first()?;
            let syn::WherePredicate::Type(predicate) = predicate else {
                return None;
            };
            let syn::TypeParamBound::Trait(bound) = predicate.bounds.first()? else {
                return None;
            };
            first_argument(&bound.path)
        });
        let required = method("new").map(required_setters).unwrap_or_default();
        facts.insert(name.ident.to_string(), BuilderFacts { required, body, answer });
    }
    Ok(facts)
}

/// The fields a builder's `new` starts as `Err(..)`: its required setters.
fn required_setters(new: &syn::ImplItemFn) -> Vec<String> {
    let Some(syn::Stmt::Expr(syn::Expr::Struct(fields), _)) = new.block.stmts.last() else {
        return Vec::new();
    };
    fields
        .fields
        .iter()
        .filter(|field| matches!(&field.expr, syn::Expr::Call(call) if matches!(&*call.func, syn::Expr::Path(p) if p.path.is_ident("Err"))))
        .filter_map(|field| match &field.member {
            syn::Member::Named(name) => Some(name.to_string()),
            syn::Member::Unnamed(_) => None,
        })
        .collect()
}

/// `T` in `Name<T>`.
fn first_type_argument(ty: &syn::Type) -> Option<syn::Type> {
    match ty {
        syn::Type::Path(path) => first_argument(&path.path),
        _ => None,
    }
}

/// `T` in the path `a::Name<T>`.
fn first_argument(path: &syn::Path) -> Option<syn::Type> {
    let syn::PathArguments::AngleBracketed(arguments) = &path.segments.last()?.arguments else {
        return None;
    };
    match arguments.args.first()? {
        syn::GenericArgument::Type(inner) => Some(inner.clone()),
        _ => None,
    }
}

/// What the spec says about each operation, by `(METHOD, path)`.
fn spec_facts(spec: &openapiv3::OpenAPI) -> std::collections::HashMap<(String, String), SpecFacts> {
    let mut facts = std::collections::HashMap::new();
    for (path, item) in spec.paths.iter() {
        let Some(item) = item.as_item() else { continue };
        for (verb, operation) in item.iter() {
            let body_required = match &operation.request_body {
                Some(openapiv3::ReferenceOr::Item(body)) => body.required,
                Some(openapiv3::ReferenceOr::Reference { .. }) => true,
                None => false,
            };
            let errors = operation
                .responses
                .responses
                .iter()
                .filter(|(status, _)| {
                    !matches!(
                        status,
                        openapiv3::StatusCode::Code(200..=299) | openapiv3::StatusCode::Range(2)
                    )
                })
                .map(|(status, response)| (status.to_string(), response_description(spec, response)))
                .collect();
            let fact = SpecFacts {
                tag: operation.tags.first().cloned().unwrap_or_else(|| "Other".to_owned()),
                body_required,
                has_path_parameters: path.contains('{'),
                errors,
            };
            facts.insert((verb.to_uppercase(), path.clone()), fact);
        }
    }
    facts
}

/// A response's description, following a `#/components/responses/..` reference.
fn response_description(spec: &openapiv3::OpenAPI, response: &openapiv3::ReferenceOr<openapiv3::Response>) -> String {
    let response = match response {
        openapiv3::ReferenceOr::Item(response) => Some(response),
        openapiv3::ReferenceOr::Reference { reference } => {
            let name = reference.trim_start_matches("#/components/responses/");
            spec.components
                .as_ref()
                .and_then(|components| components.responses.get(name))
                .and_then(|r| r.as_item())
        }
    };
    response
        .map(|response| response.description.clone())
        .unwrap_or_default()
}

/// The documentation added to one operation method.
fn operation_docs(builder: &BuilderFacts, spec: &SpecFacts) -> String {
    let body = match &builder.body {
        Some(body) => format!("**Body:** {}", type_markdown(body)),
        None => "**Body:** none".to_owned(),
    };
    let answer = match &builder.answer {
        syn::Type::Tuple(unit) if unit.elems.is_empty() => "nothing (the API answers without a body)".to_owned(),
        answer => type_markdown(answer),
    };
    let mut required: Vec<String> = builder
        .required
        .iter()
        .map(|setter| format!("`.{setter}(..)`"))
        .collect();
    if builder.body.is_some() && spec.body_required {
        required.push("`.body(..)` (the type above or its `builder()`)".to_owned());
    }
    let required = match required.is_empty() {
        true => "none, call `.send()`".to_owned(),
        false => required.join(", "),
    };
    // Answers the spec describes alike (4XX and 5XX, usually) share one line.
    let mut alike: Vec<(Vec<&str>, &str)> = Vec::new();
    for (status, description) in &spec.errors {
        match alike.iter_mut().find(|(_, known)| known == description) {
            Some((statuses, _)) => statuses.push(status),
            None => alike.push((vec![status], description)),
        }
    }
    let mut errors: Vec<String> = alike
        .iter()
        .map(|(statuses, description)| {
            let statuses = statuses.join(", ");
            format!(
                "{statuses}: [`Error::Api`](crate::Error::Api) with the status, `code()` and message ({description})"
            )
        })
        .collect();
    if spec.has_path_parameters {
        errors.push("an unknown id: [`Error::is_not_found`](crate::Error::is_not_found)".to_owned());
    }
    if !builder.required.is_empty() || spec.body_required {
        errors.push("a required call left out or a refused path value: [`Error::InvalidRequest`](crate::Error::InvalidRequest), nothing is sent".to_owned());
    }
    errors.push("no answer: [`Error::Transport`](crate::Error::Transport)".to_owned());
    format!(
        "\n\n{body} · **Answer:** {answer}\n\n**Required calls:** {required}\n\n**Errors:**\n{}",
        errors
            .iter()
            .map(|error| format!("- {error}"))
            .collect::<Vec<_>>()
            .join("\n")
    )
}

/// A type as Markdown, with each of the crate's types linked to its page:
/// `CreatedId<InstanceId>` -> `` [`CreatedId`](crate::types::CreatedId)`<`[`InstanceId`](..)`>` ``.
fn type_markdown(ty: &syn::Type) -> String {
    let syn::Type::Path(path) = ty else {
        return format!("`{}`", quote::ToTokens::to_token_stream(ty));
    };
    let Some(last) = path.path.segments.last() else {
        return String::new();
    };
    let name = last.ident.to_string();
    let in_types = path.path.segments.iter().any(|segment| segment.ident == "types");
    let head = match (in_types, name.as_str()) {
        (true, _) => format!("[`{name}`](crate::types::{name})"),
        (false, "ByteStream" | "ResponseValue") => format!("[`{name}`](crate::{name})"),
        (false, _) => format!("`{name}`"),
    };
    let arguments: Vec<String> = match &last.arguments {
        syn::PathArguments::AngleBracketed(arguments) => arguments
            .args
            .iter()
            .filter_map(|argument| match argument {
                syn::GenericArgument::Type(ty) => Some(type_markdown(ty)),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    match arguments.is_empty() {
        true => head,
        false => format!("{head}`<`{}`>`", arguments.join("`, `")),
    }
}

/// Turns the generated `send` into the private `send_unwrapped` and returns the public wrapper.
fn wrap_send(generated: &mut syn::ImplItemFn) -> Result<syn::ImplItemFn, String> {
    let syn::ReturnType::Type(_, output) = &generated.sig.output else {
        return Err("a generated `send` returns nothing".to_owned());
    };
    let success = result_ok_type(output).ok_or("a generated `send` does not return `Result<T, E>`")?;
    let docs: Vec<syn::Attribute> = generated
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .cloned()
        .collect();
    generated.attrs.retain(|attr| !attr.path().is_ident("doc"));
    generated.vis = syn::Visibility::Inherited;
    generated.sig.ident = quote::format_ident!("{UNWRAPPED_SEND}");
    let body = rewrite_send_body(quote::ToTokens::to_token_stream(&generated.block));
    generated.block = syn::parse2(body).map_err(|e| format!("rewritten `send` body does not parse: {e}"))?;
    let unwrapped = quote::format_ident!("{UNWRAPPED_SEND}");
    let convert = if answers_created_id(&success) {
        quote::quote!(crate::error::created_id_error)
    } else {
        quote::quote!(crate::Error::from)
    };
    Ok(syn::parse_quote! {
        #(#docs)*
        pub async fn send(self) -> Result<#success, crate::Error> {
            self.#unwrapped().await.map_err(#convert)
        }
    })
}

/// Whether a success type is the id of a created resource (`ResponseValue<CreatedId<..>>`): such
/// an answer without a readable id is `Error::AcceptedWithoutId`, not a decode failure.
fn answers_created_id(success: &syn::Type) -> bool {
    quote::ToTokens::to_token_stream(success)
        .into_iter()
        .any(|token| matches!(&token, proc_macro2::TokenTree::Ident(ident) if ident == "CreatedId"))
}

/// `T` in `Result<T, E>`.
fn result_ok_type(ty: &syn::Type) -> Option<syn::Type> {
    type_name(ty)
        .filter(|name| name == "Result")
        .and_then(|_| first_type_argument(ty))
}

/// Replaces `encode_path(args)` with `crate::path::encode_segment(args)?`, also inside macro
/// invocations such as `format!`, whose arguments syn keeps as plain tokens;
/// `ResponseValue::from_response` with `crate::transport::decode_answer`, the same decoding
/// without a copy of the answer's headers; and, to spare allocations on every call:
///
/// - `let url = format!(..)` with `crate::transport::request_url!(..)`, the same text written
///   into one buffer sized up front (`format!` grows its buffer as it writes);
/// - a header map of one header, `let mut header_map = HeaderMap::with_capacity(1usize);
///   header_map.append(name, value);` then `.headers(header_map)` on the request, with
///   `.header(name, value)` on the request. A map of more headers is left as it is;
/// - `let mut request = client.client.get(url)...build()?;` with a closure that builds the
///   request, `let build_request = || client.client.get(&url)...build();`, then
///   `let request = build_request()?;`, and `client.exec(request, &info)` with
///   `client.exec_rebuilding(request, &info, Some(&build_request))`: the layers that send the
///   request again build it again, and most calls, sent once, are spared a copy. A request
///   built with a header map or with a `?` of its own (header parameters) is left as it is, and
///   copied;
/// - `.query(&progenitor_client::QueryParam::new(name, value))` with
///   `.query_param(name, value)` (`crate::query`), which leaves the URL alone when the value is
///   `None`.
fn rewrite_send_body(tokens: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    use proc_macro2::TokenTree;
    let mut out = Vec::new();
    let mut tokens = tokens.into_iter().peekable();
    // The arguments of the one `header_map.append(..)`, once its map is taken out.
    let mut lone_header: Option<proc_macro2::TokenStream> = None;
    // Whether the request is built by the closure `build_request`, and whether its statement is
    // still being read.
    let mut rebuildable = false;
    let mut in_build = false;
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Ident(ident) if ident == "let" => {
                if let Some((header, consumed)) = lone_header_map(&tokens) {
                    lone_header = Some(header);
                    tokens.nth(consumed - 1);
                    continue;
                }
                if take_tokens(&mut tokens, &["url", "=", "format", "!"]) {
                    out.extend(quote::quote!(let url = crate::transport::request_url!));
                } else if let Some(method) = request_built_alone(&mut tokens, lone_header.as_ref()) {
                    // progenitor's `#[allow(unused_mut)]` was for `let mut request`, which goes.
                    if out.len() >= 2
                        && out[out.len() - 2..]
                            .iter()
                            .map(ToString::to_string)
                            .eq(["#", "[allow (unused_mut)]"])
                    {
                        out.truncate(out.len() - 2);
                    }
                    out.extend(quote::quote!(let build_request = || client.client.#method(&url)));
                    rebuildable = true;
                    in_build = true;
                } else if take_tokens(&mut tokens, EXEC_THEN_POST) {
                    let exec = if rebuildable {
                        quote::quote!(client.exec_rebuilding(request, &info, Some(&build_request)))
                    } else {
                        quote::quote!(client.exec(request, &info))
                    };
                    out.extend(quote::quote! {
                        let result = {
                            let result = #exec.await;
                            client.post(&result, &info).await?;
                            result
                        };
                    });
                } else {
                    out.push(TokenTree::Ident(ident));
                }
            }
            TokenTree::Ident(ident) if ident == "client" && take_tokens(&mut tokens, PRE) => {
                out.extend(quote::quote! {
                    let request = {
                        let mut request = request;
                        client.pre(&mut request, &info).await?;
                        request
                    };
                });
            }
            TokenTree::Punct(dot) if dot.as_char() == '.' && in_build && take_tokens(&mut tokens, BUILD) => {
                in_build = false;
                out.extend(quote::quote! {
                    .build();
                    let request = build_request()?;
                });
            }
            TokenTree::Punct(dot) if dot.as_char() == '.' && lone_header.is_some() => {
                if take_tokens(&mut tokens, &["headers", "(header_map)"]) {
                    let header = lone_header.take();
                    out.extend(quote::quote!(.header(#header)));
                } else {
                    out.push(TokenTree::Punct(dot));
                }
            }
            TokenTree::Ident(ident) if ident == "encode_path" => match tokens.peek() {
                Some(TokenTree::Group(args)) if args.delimiter() == proc_macro2::Delimiter::Parenthesis => {
                    let args = rewrite_send_body(args.stream());
                    tokens.next();
                    out.extend(quote::quote!(crate::path::encode_segment(#args)?));
                }
                _ => out.push(TokenTree::Ident(ident)),
            },
            TokenTree::Ident(ident) if ident == "query" => {
                let arguments = match tokens.peek() {
                    Some(TokenTree::Group(call)) => query_param_arguments(call),
                    _ => None,
                };
                match arguments {
                    Some(arguments) => {
                        tokens.next();
                        out.extend(quote::quote!(query_param #arguments));
                    }
                    None => out.push(TokenTree::Ident(ident)),
                }
            }
            TokenTree::Ident(ident) if ident == "ResponseValue" => {
                if take_tokens(&mut tokens, &[":", ":", "from_response"]) {
                    out.extend(quote::quote!(crate::transport::decode_answer));
                } else {
                    out.push(TokenTree::Ident(ident));
                }
            }
            TokenTree::Group(group) => {
                let mut rewritten = proc_macro2::Group::new(group.delimiter(), rewrite_send_body(group.stream()));
                rewritten.set_span(group.span());
                out.push(TokenTree::Group(rewritten));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

/// After `let`: the start of the statement that builds the request from the URL alone.
const REQUEST_FROM_URL: &[&str] = &["mut", "request", "=", "client", ".", "client", "."];

/// The end of the statement that builds the request, after its last `.`.
const BUILD: &[&str] = &["build", "()", "?", ";"];

/// After `let`: if the statement is `mut request = client.client.<method>(url)...build()?;` and
/// nothing in it but its end uses `?`, takes its tokens up to the `(url)` and returns
/// `<method>`. Its header map, if it names one, must be the lone header map taken out before
/// (`lone_header`, the arguments of its one header), which becomes a `.header(..)` without `?`.
fn request_built_alone(
    tokens: &mut std::iter::Peekable<proc_macro2::token_stream::IntoIter>,
    lone_header: Option<&proc_macro2::TokenStream>,
) -> Option<proc_macro2::Ident> {
    let statement: Vec<String> = tokens
        .clone()
        .map(|token| token.to_string())
        .take_while(|token| token != ";")
        .collect();
    let start = REQUEST_FROM_URL.len();
    let method = tokens.clone().nth(start);
    let plain = statement.get(..start)? == REQUEST_FROM_URL
        && statement.get(start + 1)? == "(url)"
        // The statement's end is `BUILD` without its `;`, where `take_while` stopped.
        && statement.get(statement.len().checked_sub(BUILD.len() - 1)?..)? == &BUILD[..BUILD.len() - 1]
        && statement.iter().filter(|token| token.contains('?')).count() == 1
        && statement
            .iter()
            .all(|token| !token.contains("header_map") || token == "(header_map)")
        && (!statement.iter().any(|token| token == "(header_map)")
            || lone_header.is_some_and(|header| !header.to_string().contains('?')));
    match method {
        Some(proc_macro2::TokenTree::Ident(method)) if plain => {
            tokens.nth(start + 1);
            Some(method)
        }
        _ => None,
    }
}

/// If `call` is the argument list of `.query(&progenitor_client::QueryParam::new(name, value))`,
/// the group `(name, value)`.
fn query_param_arguments(call: &proc_macro2::Group) -> Option<proc_macro2::TokenTree> {
    let mut inside = call.stream().into_iter();
    let path: Vec<String> = inside.by_ref().take(7).map(|token| token.to_string()).collect();
    if path != ["&", "progenitor_client", ":", ":", "QueryParam", ":", ":"] {
        return None;
    }
    match (inside.next(), inside.next(), inside.next()) {
        (Some(new), Some(arguments @ proc_macro2::TokenTree::Group(_)), None) if new.to_string() == "new" => {
            Some(arguments)
        }
        _ => None,
    }
}

/// After `client`: the call of the `pre` hook, whose `&mut request` would keep the request's
/// slot in every call's future while the call runs (a local once borrowed keeps its storage to
/// the end of its scope). [`rewrite_send_body`] moves it into a block of its own.
const PRE: &[&str] = &[".", "pre", "(& mut request , & info)", ".", "await", "?", ";"];

/// After `let`: the call of `exec`, then the `post` hook, whose `&result` would keep a slot for
/// the result beside the answer's. [`rewrite_send_body`] moves both into a block of their own.
const EXEC_THEN_POST: &[&str] = &[
    "result",
    "=",
    "client",
    ".",
    "exec",
    "(request , & info)",
    ".",
    "await",
    ";",
    "client",
    ".",
    "post",
    "(& result , & info)",
    ".",
    "await",
    "?",
    ";",
];

/// Whether the next tokens print as `expected`, one by one; if they do, they are taken.
fn take_tokens(tokens: &mut std::iter::Peekable<proc_macro2::token_stream::IntoIter>, expected: &[&str]) -> bool {
    let matches = tokens
        .clone()
        .take(expected.len())
        .map(|token| token.to_string())
        .eq(expected.iter().copied());
    if matches {
        tokens.nth(expected.len() - 1);
    }
    matches
}

/// After a `let`: whether the statement is `mut header_map = HeaderMap::with_capacity(1usize);`
/// followed by exactly one `header_map.append(name, value);` and nothing else that names the map
/// before it is used. Returns the arguments of `append` and how many tokens the two statements
/// take (after the `let`).
fn lone_header_map(
    tokens: &std::iter::Peekable<proc_macro2::token_stream::IntoIter>,
) -> Option<(proc_macro2::TokenStream, usize)> {
    use proc_macro2::TokenTree;
    let ahead: Vec<TokenTree> = tokens.clone().take(24).collect();
    let text: Vec<String> = ahead.iter().map(|token| token.to_string()).collect();
    let end = text.iter().position(|token| token == ";")?;
    let declared = text.get(..end)?.concat();
    if declared != "mutheader_map=::reqwest::header::HeaderMap::with_capacity(1usize)" {
        return None;
    }
    let append = text.get(end + 1..end + 6)?;
    if append.get(..3)? != ["header_map", ".", "append"] || append.get(4)? != ";" {
        return None;
    }
    if text.get(end + 6).is_some_and(|next| next == "header_map") {
        return None; // a second header: keep the map
    }
    match ahead.get(end + 4)? {
        TokenTree::Group(arguments) => Some((arguments.stream(), end + 6)),
        _ => None,
    }
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
