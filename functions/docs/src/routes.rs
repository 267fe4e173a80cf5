//! Every route of the docs function, in one place.

use axum::Router;
use shared::config::CorsSettings;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::api::openapi;
use crate::compression::{self, Compressed};
use crate::health;

pub fn router(cors: &CorsSettings) -> Router {
    // Swagger UI's assets are compiled in (the `vendored` feature): /docs needs no internet.
    let docs = SwaggerUi::new("/docs")
        .url("/openapi.json", openapi())
        // No validator badge: it would send the document to validator.swagger.io.
        .config(Config::default().persist_authorization(true).try_it_out_enabled(true).validator_url("none"));
    let docs = Router::new()
        .merge(docs)
        .layer(axum::middleware::from_fn_with_state(Compressed::default(), compression::compress));
    let routes = health::api().router().merge(docs);
    shared::http::finish(routes, cors)
}
