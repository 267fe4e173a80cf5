//! Success responses of owned resources: bodies with their `ETag`, creations with `Location`.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use crate::version::Version;

/// 200 with the item and its ETag.
pub fn with_etag<T: Serialize>(version: Version, body: T) -> Response {
    ([(header::ETAG, etag(version))], Json(body)).into_response()
}

/// 201 with the new item, its ETag and where it lives.
pub fn created<T: Serialize>(location: &str, version: Version, body: T) -> Response {
    let location = HeaderValue::from_str(location).unwrap_or_else(|_| HeaderValue::from_static("/"));
    (StatusCode::CREATED, [(header::LOCATION, location), (header::ETAG, etag(version))], Json(body)).into_response()
}

fn etag(version: Version) -> HeaderValue {
    HeaderValue::from_str(&version.etag()).expect("digits and quotes are a valid header value")
}
