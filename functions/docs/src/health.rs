//! The one route of the API that the docs function serves itself: `GET /health`, with its
//! OpenAPI operation.

use axum::Json;
use serde::Serialize;
use shared::http::Api;
use shared::http::openapi::{Needs, Op};
use utoipa::ToSchema;
use utoipa::openapi::path::HttpMethod;

/// The answer of `GET /health`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    pub status: &'static str,
}

pub fn api() -> Api<()> {
    let health = Op::new(HttpMethod::Get, "/health", "health", "health", "Is the API up", Needs::default())
        .answers::<Health>(200, "`{\"status\": \"ok\"}`.", false, false);
    Api::new().route(health, || async { Json(Health { status: "ok" }) })
}
