//! The authenticated caller, taken from `Authorization: Bearer <access token>`.

use axum::extract::{FromRef, FromRequestParts};
use http::header;
use http::request::Parts;

use crate::error::ApiError;
use crate::identity::{Authenticator, SignedToken};
use crate::ids::UserId;
use crate::jwt::Claims;

/// A caller holding a valid access token of an open session. Handlers that take it are
/// authenticated; a token of a session that ended is refused, however well signed.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user_id: UserId,
    pub claims: Claims,
}

impl<S> FromRequestParts<S> for AuthUser
where
    S: Send + Sync,
    Authenticator: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let claims = SignedToken::from_request_parts(parts, state).await?.open().await?;
        Ok(Self { user_id: claims.sub, claims })
    }
}

/// A valid access token whose session is still to be read: for a handler that reads it
/// together with the caller's own item ([`SignedToken::open_reading`], one call).
impl<S> FromRequestParts<S> for SignedToken
where
    S: Send + Sync,
    Authenticator: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Authenticator::from_ref(state).signed(bearer_token(parts)?)
    }
}

/// The token of a Bearer `Authorization` header. No header, or another scheme, means
/// no credentials; a Bearer header without exactly one token is an invalid token.
fn bearer_token(parts: &Parts) -> Result<&str, ApiError> {
    let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
        return Err(ApiError::NotAuthenticated);
    };
    let value = value.to_str().map_err(|_| ApiError::TokenNotValid)?.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::NotAuthenticated);
    }
    let token = rest.trim();
    if token.is_empty() || token.contains(char::is_whitespace) {
        return Err(ApiError::TokenNotValid);
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(authorization: Option<&str>) -> Parts {
        let mut builder = http::Request::builder();
        if let Some(value) = authorization {
            builder = builder.header(header::AUTHORIZATION, value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn reads_bearer_tokens() {
        assert_eq!(bearer_token(&parts(Some("Bearer abc.def.ghi"))).unwrap(), "abc.def.ghi");
        assert_eq!(bearer_token(&parts(Some("bearer   abc"))).unwrap(), "abc");
    }

    #[test]
    fn missing_or_other_scheme_is_not_authenticated() {
        for header in [None, Some("Basic dXNlcjpwYXNz"), Some("Token abc")] {
            assert_eq!(bearer_token(&parts(header)).unwrap_err().code(), "not_authenticated", "{header:?}");
        }
    }

    #[test]
    fn bearer_without_a_single_token_is_invalid() {
        for header in ["Bearer", "Bearer ", "Bearer a b"] {
            assert_eq!(bearer_token(&parts(Some(header))).unwrap_err().code(), "token_not_valid", "{header:?}");
        }
    }
}
