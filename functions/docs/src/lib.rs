//! The docs function: the OpenAPI document of the whole API, merged from each function's
//! own part (built from the types and routes it serves), the interactive docs, `/health`,
//! and the JSON 404 that API Gateway's `$default` route sends everything unknown to.

pub mod api;
pub mod compression;
pub mod config;
pub mod health;
pub mod routes;
pub mod swagger;

pub use config::DocsConfig;
pub use routes::router;
