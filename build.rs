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
//! authentication and retries, are private to the crate (see [`hide_constructors`]).

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
    let mut file: syn::File = syn::parse2(tokens).map_err(|e| format!("progenitor produced invalid Rust: {e}"))?;
    adjust_builders(&mut file)?;
    hide_constructors(&mut file)?;
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
    Ok(syn::parse_quote! {
        #(#docs)*
        pub async fn send(self) -> Result<#success, crate::Error> {
            self.#unwrapped().await.map_err(crate::Error::from)
        }
    })
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
