//! A function's routes, declared once: each route is its OpenAPI operation together with the
//! handler that serves it, so the router and the document are made from the same list and
//! cannot drift apart.
//!
//! ```ignore
//! Api::new()
//!     .route(Op::new(HttpMethod::Get, "/tasks", ...), crud::list::<Task>)
//!     .resource::<Task>()
//! ```
//!
//! Where the handlers go is the declaration's type parameter: into a [`Router`] that serves
//! them, or nowhere ([`DocumentOnly`]) where only the document is wanted. The docs function
//! merges every function's document; declaring them with [`DocumentOnly`] keeps the handlers,
//! the DynamoDB client and the JWT code out of its binary (about a third of it).

use std::marker::PhantomData;

use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodFilter, on};
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::HttpMethod;

use super::app::finish;
use super::openapi::{self, Op};
use crate::config::CorsSettings;

/// What a declared route's handler is given to.
pub trait Routes<S>: Sized {
    fn empty() -> Self;

    /// `self` with `handler` serving `method` on `path`.
    fn add<H, T>(self, path: &str, method: MethodFilter, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static;
}

impl<S: Clone + Send + Sync + 'static> Routes<S> for Router<S> {
    fn empty() -> Self {
        Router::new()
    }

    fn add<H, T>(self, path: &str, method: MethodFilter, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.route(path, on(method, handler))
    }
}

/// Routes declared for their document only: each handler is type-checked against the state
/// and then dropped, so its code is never instantiated.
#[derive(Debug, Clone, Copy, Default)]
pub struct DocumentOnly;

impl<S> Routes<S> for DocumentOnly {
    fn empty() -> Self {
        DocumentOnly
    }

    fn add<H, T>(self, _path: &str, _method: MethodFilter, _handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self
    }
}

/// The routes of one function and their operations.
pub struct Api<S, R = Router<S>> {
    routes: R,
    operations: Vec<Op>,
    state: PhantomData<fn(S)>,
}

impl<S, R: Routes<S>> Default for Api<S, R> {
    fn default() -> Self {
        Self { routes: R::empty(), operations: Vec::new(), state: PhantomData }
    }
}

impl<S, R: Routes<S>> Api<S, R> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves `operation`'s method and path with `handler`, and documents it.
    pub fn route<H, T>(mut self, operation: Op, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.routes = self.routes.add(operation.path(), method_filter(operation.method()), handler);
        self.operations.push(operation);
        self
    }

    /// The function's part of the OpenAPI document.
    pub fn openapi(self) -> OpenApi {
        openapi::document(self.operations)
    }
}

impl<S: Clone + Send + Sync + 'static> Api<S, Router<S>> {
    /// The routes, to be given their state.
    pub fn router(self) -> Router<S> {
        self.routes
    }

    /// The function's whole router: these routes on `state`, [`finish`]ed with `cors`.
    pub fn serve(self, state: S, cors: &CorsSettings) -> Router {
        finish(self.routes.with_state(state), cors)
    }
}

fn method_filter(method: &HttpMethod) -> MethodFilter {
    match method {
        HttpMethod::Get => MethodFilter::GET,
        HttpMethod::Post => MethodFilter::POST,
        HttpMethod::Put => MethodFilter::PUT,
        HttpMethod::Patch => MethodFilter::PATCH,
        HttpMethod::Delete => MethodFilter::DELETE,
        HttpMethod::Head => MethodFilter::HEAD,
        HttpMethod::Options => MethodFilter::OPTIONS,
        HttpMethod::Trace => MethodFilter::TRACE,
    }
}
