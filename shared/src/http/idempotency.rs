//! The `Idempotency-Key` header of a create, and the header that marks an answer given again.

use axum::extract::OptionalFromRequestParts;
use http::HeaderName;
use http::request::Parts;

use crate::error::{ApiError, FieldErrors};
use crate::idempotency::{HEADER, IdempotencyKey};

/// On an answer given again to a repeated key: `true`.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// No header: `None`. One valid header: the key. Anything else: 400 naming the header.
impl<S: Send + Sync> OptionalFromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Option<Self>, Self::Rejection> {
        let mut values = parts.headers.get_all(HEADER).iter();
        let Some(value) = values.next() else {
            return Ok(None);
        };
        if values.next().is_some() {
            return Err(ApiError::Invalid(FieldErrors::single(HEADER, "Send this header once.")));
        }
        IdempotencyKey::parse(value.as_bytes())
            .map(Some)
            .map_err(|invalid| ApiError::Invalid(FieldErrors::single(HEADER, invalid.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_header_is_optional_once_and_checked() {
        async fn extract(values: &[&str]) -> Result<Option<IdempotencyKey>, ApiError> {
            let mut request = http::Request::builder();
            for value in values {
                request = request.header(HEADER, *value);
            }
            let mut parts = request.body(()).unwrap().into_parts().0;
            <IdempotencyKey as OptionalFromRequestParts<()>>::from_request_parts(&mut parts, &()).await
        }
        assert_eq!(extract(&[]).await.unwrap(), None);
        assert_eq!(extract(&["k-1"]).await.unwrap().unwrap().as_str(), "k-1");
        assert!(extract(&["k-1", "k-2"]).await.is_err());
        let refused = extract(&[""]).await.unwrap_err();
        assert!(matches!(&refused, ApiError::Invalid(errors) if errors.get(HEADER).is_some()), "{refused:?}");
    }
}
