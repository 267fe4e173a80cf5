//! The `{id}` of an owned item's path, already in canonical form. A malformed id is
//! 404, like an unknown one: nobody learns more from a bad id than from a missing item.

use axum::extract::{FromRequestParts, Path};
use http::request::Parts;

use crate::error::ApiError;
use crate::ids::parse_item_id;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ItemId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state).await.map_err(|_| ApiError::NotFound)?;
        parse_item_id(&raw).map(Self).ok_or(ApiError::NotFound)
    }
}
