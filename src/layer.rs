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
                Box::pin(self.send(request, Some(extensions), next))
            }
        }
    };
}
pub(crate) use middleware_by_send;
