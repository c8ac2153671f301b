//! How a layer of the SDK's own stack (retries, then authentication) hands a request to what is
//! inside it, with or without `reqwest-middleware` between them.
//!
//! A `reqwest_middleware::Middleware` hands a request on through [`Next`], and every layer's
//! future is boxed, because the trait returns a boxed future. [`crate::Client`]'s own calls
//! need no dynamic stack when the caller added no middleware: there the retry layer hands the
//! request to the auth layer, and the auth layer to the `reqwest::Client`, as plain generic
//! calls, and a call allocates no future of a layer's own (see BENCHMARKS.md, "Where the
//! 64-caller gap came from"). Each layer's logic is written once, generic over [`Inner`]; its
//! `Middleware` impl is that logic with [`Next`] inside.
//!
//! A layer that sends a request more than once (a retry, a replay after a 401) gets the request
//! to send next from a [`Repeat`]: a copy made before each send, or the request built again when
//! another send is needed. Any request can be copied, from any stack, but the copy costs every
//! call three allocations (the URL and the header map's two tables) that most calls never use.
//! [`crate::Client`]'s generated calls do better: they hand over the builder that made their
//! request, and a layer builds the request again only on the path few calls take (see
//! BENCHMARKS.md, "issue 19, fourth pass").

use http::Extensions;
use reqwest::{Request, Response};
use reqwest_middleware::Next;

/// What a layer sends a request on to: the layers inside it, down to the HTTP client.
///
/// Sending consumes the value, as [`Next::run`] does; a layer that sends more than once (a retry,
/// a replay) clones it first, which is cheap: it is references.
pub(crate) trait Inner: Clone + Send + Sync {
    /// Sends `request` through the layers inside, with the call's `extensions`.
    fn send<'a>(
        self,
        request: Request,
        extensions: &'a mut Extensions,
    ) -> impl Future<Output = reqwest_middleware::Result<Response>> + Send + 'a
    where
        Self: 'a;
}

/// Builds a call's request again, the same as it was built first: the generated code's builder,
/// which borrows the call's arguments.
pub(crate) type Rebuild<'a> = dyn Fn() -> reqwest::Result<Request> + Send + Sync + 'a;

/// Where a layer gets the request to send next.
#[derive(Clone, Copy)]
pub(crate) enum Repeat<'a> {
    /// A copy of the request, made before each send ([`crate::wire::copy_request`]). It works
    /// for every request from every stack: hand-written calls, and the client's layers behind
    /// the caller's middleware.
    Copy,
    /// The request built again, only when another send is needed: [`crate::Client`]'s
    /// generated calls when the caller added no middleware.
    Rebuild(&'a Rebuild<'a>),
}

impl Repeat<'_> {
    /// Before `request` is sent: the request to send, and the copy kept for the next send
    /// (`Copy`), or none (`Rebuild`, or a request whose body is a stream).
    ///
    /// The original is sent and the copy kept: the original's header map has room for the
    /// `Authorization` header the auth layer adds, the copy's has not.
    pub(crate) fn keep(self, request: Request) -> (Request, Option<Request>) {
        match self {
            Repeat::Copy => {
                let copy = crate::wire::copy_request(&request);
                (request, copy)
            }
            Repeat::Rebuild(_) => (request, None),
        }
    }

    /// After a send: the request to send next, that is the copy [`keep`](Self::keep) kept, or
    /// the request built again. `None` when there is neither (a request whose body is a stream,
    /// or whose builder failed this time).
    pub(crate) fn next(self, kept: Option<Request>) -> Option<Request> {
        match self {
            Repeat::Copy => kept,
            Repeat::Rebuild(build) => match build() {
                Ok(request) => Some(request),
                Err(error) => {
                    tracing::debug!(%error, "the request could not be built again");
                    None
                }
            },
        }
    }
}

/// The rest of a `reqwest-middleware` stack.
impl Inner for Next<'_> {
    fn send<'a>(
        self,
        request: Request,
        extensions: &'a mut Extensions,
    ) -> impl Future<Output = reqwest_middleware::Result<Response>> + Send + 'a
    where
        Self: 'a,
    {
        self.run(request, extensions)
    }
}

/// The HTTP client itself: the innermost step, with no middleware left.
impl Inner for &reqwest::Client {
    fn send<'a>(
        self,
        request: Request,
        _extensions: &'a mut Extensions,
    ) -> impl Future<Output = reqwest_middleware::Result<Response>> + Send + 'a
    where
        Self: 'a,
    {
        let sending = self.execute(request);
        async move { sending.await.map_err(reqwest_middleware::Error::Reqwest) }
    }
}

/// Implements `reqwest_middleware::Middleware` for a layer as its `send` method with the rest of
/// the stack ([`Next`]) inside. Written out, not with `#[async_trait]`, whose boxed future would
/// keep a second copy of the request.
macro_rules! middleware_by_send {
    ($layer:ty) => {
        impl reqwest_middleware::Middleware for $layer {
            fn handle<'life0, 'life1, 'life2, 'async_trait>(
                &'life0 self,
                request: reqwest::Request,
                extensions: &'life1 mut http::Extensions,
                next: reqwest_middleware::Next<'life2>,
            ) -> futures_util::future::BoxFuture<'async_trait, reqwest_middleware::Result<reqwest::Response>>
            where
                'life0: 'async_trait,
                'life1: 'async_trait,
                'life2: 'async_trait,
                Self: 'async_trait,
            {
                Box::pin(self.send(request, crate::layer::Repeat::Copy, Some(extensions), next))
            }
        }
    };
}
pub(crate) use middleware_by_send;
