//! `Idempotency-Key` (IETF draft-ietf-httpapi-idempotency-key-header): the client's name
//! for one create. Repeating a POST with the same key and body (after a timeout, a lost
//! answer or a 503) answers the first outcome again instead of creating a second item.

use axum::extract::OptionalFromRequestParts;
use http::HeaderName;
use http::request::Parts;

use crate::error::{ApiError, FieldErrors};

pub const HEADER: &str = "Idempotency-Key";
/// On an answer given again to a repeated key: `true`.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
pub const MAX_LENGTH: usize = 255;
/// The OpenAPI pattern of a key: [`IdempotencyKey::parse`]'s rule.
pub const PATTERN: &str = r"^[\x21-\x2B\x2D-\x7E]{1,255}$";
/// How long a key is remembered.
pub const RETENTION_SECONDS: i64 = 24 * 60 * 60;

const INVALID: &str = "Send 1 to 255 visible ASCII characters other than a comma (a UUID, for example).";

/// A key as the client sent it: 1 to 255 visible ASCII characters other than a comma. (API
/// Gateway joins repeated headers with commas, so a comma would hide a second header.)
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(value: &[u8]) -> Result<Self, ApiError> {
        let allowed = |byte: &u8| (b'!'..=b'~').contains(byte) && *byte != b',';
        if value.is_empty() || value.len() > MAX_LENGTH || !value.iter().all(allowed) {
            return Err(invalid());
        }
        // Every byte is ASCII, so this cannot fail.
        std::str::from_utf8(value).map(|key| Self(key.to_owned())).map_err(|_| invalid())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn invalid() -> ApiError {
    ApiError::Invalid(FieldErrors::single(HEADER, INVALID))
}

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
        Self::parse(value.as_bytes()).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_visible_ascii_up_to_255_characters() {
        for key in ["a", "8e03978e-40d5-43e8-bc93-6894a57f9324", "\"quoted\"", &"k".repeat(255)] {
            assert_eq!(IdempotencyKey::parse(key.as_bytes()).unwrap().as_str(), key);
        }
    }

    #[test]
    fn refuses_empty_long_spaced_and_non_ascii_keys() {
        for key in ["", " ", "a b", "tab\t", "a,b", &"k".repeat(256), "clé"] {
            let err = IdempotencyKey::parse(key.as_bytes()).unwrap_err();
            assert!(matches!(&err, ApiError::Invalid(errors) if errors.get(HEADER).is_some()), "{key:?}: {err:?}");
        }
    }

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
        assert!(extract(&[""]).await.is_err());
    }
}
