//! Every route of the docs function, in one place.

use axum::Router;
use axum::body::Bytes;
use axum::routing::get;
use http::header;
use shared::config::CorsSettings;

use crate::api::openapi;
use crate::compression::{self, Compressed};
use crate::{health, swagger};

/// The router, with the document serialised once (per cold start).
pub fn router(cors: &CorsSettings) -> Result<Router, serde_json::Error> {
    let document = Bytes::from(openapi().to_json()?);
    let docs = swagger::router()
        .route("/openapi.json", get(move || async move { ([(header::CONTENT_TYPE, "application/json")], document) }))
        .layer(axum::middleware::from_fn_with_state(Compressed::default(), compression::compress));
    let routes = health::api().router().merge(docs);
    Ok(shared::http::finish(routes, cors))
}
