//! The `If-Match` header of a write; a value that is not text matches nothing.

use axum::extract::FromRequestParts;
use http::header;
use http::request::Parts;

use crate::error::ApiError;
use crate::version::IfMatch;

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.headers.get(header::IF_MATCH) {
            None => Ok(Self::Absent),
            Some(value) => Ok(value.to_str().map(Self::parse).unwrap_or(Self::Tags(vec![None]))),
        }
    }
}
