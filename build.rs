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
//! authentication and retries, are private to the crate (see [`hide_constructors`]). A create
//! call whose answer carries no id fails with `Error::AcceptedWithoutId` (see [`wrap_send`]), a
//! property with a declared `default` is always sent (see [`send_declared_defaults`]), and every
//! list type decodes `null` as an empty list (see [`accept_null_lists`]).

use std::path::PathBuf;

/// The extension that names a hand-written type in `crate::types` to use for a schema.
pub const TYPE_EXTENSION: &str = "x-datacrunch-type";

/// Generates formatted Rust source for the client from the text of an OpenAPI document.
pub fn generate(spec_yaml: &str) -> Result<String, String> {
    let spec: openapiv3::OpenAPI =
        serde_norway::from_str(spec_yaml).map_err(|e| format!("openapi.yaml is not valid OpenAPI 3.0: {e}"))?;
    // The plain tree too: `openapiv3` cannot tell `default: null` from no default.
    let tree: serde_json::Value =
        serde_norway::from_str(spec_yaml).map_err(|e| format!("openapi.yaml is not valid YAML: {e}"))?;

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
    let types = types_module(&mut file)?;
    send_declared_defaults(types, &tree)?;
    accept_null_lists(types)?;
    redact_secrets(&mut file);
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
    let builder = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(module) if module.ident == "builder" => module.content.as_mut(),
            _ => None,
        })
        .ok_or("progenitor output has no `builder` module")?;
    let mut wrapped = 0;
    for item in &mut builder.1 {
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
    Ok(())
}

/// Makes `Client::new` and `Client::new_with_client` `pub(crate)`: a caller builds a client with
/// `Client::builder()`, which sets up the transport those constructors take.
fn hide_constructors(file: &mut syn::File) -> Result<(), String> {
    let client_impl = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Impl(block)
                if block.trait_.is_none()
                    && matches!(&*block.self_ty, syn::Type::Path(p) if p.path.is_ident("Client")) =>
            {
                Some(block)
            }
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

/// The items of the generated `types` module.
fn types_module(file: &mut syn::File) -> Result<&mut Vec<syn::Item>, String> {
    file.items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Mod(module) if module.ident == "types" => module.content.as_mut().map(|(_, items)| items),
            _ => None,
        })
        .ok_or_else(|| "progenitor output has no `types` module".to_owned())
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

/// Gives every generated struct with a [`SECRET_FIELDS`] field (the token request and answer,
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
                    let names: Vec<&syn::Ident> = fields.named.iter().filter_map(|f| f.ident.as_ref()).collect();
                    if !names
                        .iter()
                        .any(|name| SECRET_FIELDS.iter().any(|secret| name == secret))
                    {
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
                        if SECRET_FIELDS.contains(&label.as_str()) {
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
    let body = guard_path_segments(quote::ToTokens::to_token_stream(&generated.block));
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
    let syn::Type::Path(path) = ty else { return None };
    let last = path.path.segments.last().filter(|segment| segment.ident == "Result")?;
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    match arguments.args.first()? {
        syn::GenericArgument::Type(ok) => Some(ok.clone()),
        _ => None,
    }
}

/// Replaces `encode_path(args)` with `crate::path::encode_segment(args)?`, also inside macro
/// invocations such as `format!`, whose arguments syn keeps as plain tokens.
fn guard_path_segments(tokens: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    use proc_macro2::TokenTree;
    let mut out = Vec::new();
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Ident(ident) if ident == "encode_path" => match tokens.peek() {
                Some(TokenTree::Group(args)) if args.delimiter() == proc_macro2::Delimiter::Parenthesis => {
                    let args = guard_path_segments(args.stream());
                    tokens.next();
                    out.extend(quote::quote!(crate::path::encode_segment(#args)?));
                }
                _ => out.push(TokenTree::Ident(ident)),
            },
            TokenTree::Group(group) => {
                let mut rewritten = proc_macro2::Group::new(group.delimiter(), guard_path_segments(group.stream()));
                rewritten.set_span(group.span());
                out.push(TokenTree::Group(rewritten));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
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
