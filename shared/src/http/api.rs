//! A function's routes, declared once: each route is its OpenAPI operation together with the
//! handler that serves it, so the router and the document are made from the same list and
//! cannot drift apart.
//!
//! ```ignore
//! Api::new()
//!     .route(Op::new(HttpMethod::Get, "/tasks", ...), crud::list::<Task>)
//!     .resource::<Task>()
//! ```

use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodFilter, on};
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::HttpMethod;

use super::app::finish;
use super::openapi::{self, Op};
use crate::config::CorsSettings;

/// The routes of one function and their operations.
pub struct Api<S> {
    router: Router<S>,
    operations: Vec<Op>,
}

impl<S: Clone + Send + Sync + 'static> Default for Api<S> {
    fn default() -> Self {
        Self { router: Router::new(), operations: Vec::new() }
    }
}

impl<S: Clone + Send + Sync + 'static> Api<S> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves `operation`'s method and path with `handler`, and documents it.
    pub fn route<H, T>(mut self, operation: Op, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.router = self.router.route(operation.path(), on(method_filter(operation.method()), handler));
        self.operations.push(operation);
        self
    }

    /// The routes, to be given their state.
    pub fn router(self) -> Router<S> {
        self.router
    }

    /// The function's whole router: these routes on `state`, [`finish`]ed with `cors`.
    pub fn serve(self, state: S, cors: &CorsSettings) -> Router {
        finish(self.router.with_state(state), cors)
    }

    /// The function's part of the OpenAPI document.
    pub fn openapi(self) -> OpenApi {
        openapi::document(self.operations)
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
