//! Where a refresh token travels: in the JSON body (the default), or, for a browser app that
//! asks with `X-Token-Transport: cookie`, in an `HttpOnly` cookie that no script can read. The
//! cookie is read only when the header is there: a cross-site form cannot send a custom header,
//! and a cross-origin script can only after a CORS preflight that only the configured origins
//! pass.

use std::time::Duration;

use axum::Json;
use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde::Serialize;
use shared::field::Field;
use shared::jwt::TokenPair;
use shared::{ApiError, FieldErrors};

/// The request header that asks for cookie transport.
pub const HEADER: &str = "x-token-transport";
/// The cookie that carries the refresh token.
pub const COOKIE: &str = "refresh_token";
/// Where browsers send the cookie: the auth routes only.
const COOKIE_PATH: &str = "/auth";

/// How the caller wants its refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Body,
    Cookie,
}

impl<S: Send + Sync> FromRequestParts<S> for Transport {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.headers.get(HEADER).map(HeaderValue::to_str) {
            None => Ok(Self::Body),
            Some(Ok(value)) if value.trim().eq_ignore_ascii_case("cookie") => Ok(Self::Cookie),
            Some(_) => Err(ApiError::Invalid(FieldErrors::single("X-Token-Transport", "Enter one of: cookie."))),
        }
    }
}

/// The cookie's attributes, read once from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct CookiePolicy {
    /// `Secure`: only ever off for plain-HTTP local development.
    pub secure: bool,
    /// The refresh token's lifetime, the cookie's `Max-Age`.
    pub max_age: Duration,
}

impl CookiePolicy {
    fn cookie(&self, value: &str, max_age: u64) -> HeaderValue {
        let secure = if self.secure { "; Secure" } else { "" };
        let text =
            format!("{COOKIE}={value}; HttpOnly{secure}; SameSite=Strict; Path={COOKIE_PATH}; Max-Age={max_age}");
        // A token is base64url and dots, and the rest is ASCII: always a valid header value.
        HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("refresh_token=; Max-Age=0"))
    }

    fn holding(&self, refresh: &str) -> HeaderValue {
        self.cookie(refresh, self.max_age.as_secs())
    }

    fn cleared(&self) -> HeaderValue {
        self.cookie("", 0)
    }
}

/// A token pair answered the way the caller asked: as it is, or with the refresh token in the
/// cookie and left out of the body.
pub struct Issued {
    pub pair: TokenPair,
    pub transport: Transport,
    pub policy: CookiePolicy,
}

/// The body of a token pair whose refresh token went into the cookie.
#[derive(Serialize)]
struct WithoutRefresh<'a> {
    access: &'a str,
    token_type: &'a str,
    expires_in: u64,
    refresh_expires_in: u64,
}

impl IntoResponse for Issued {
    fn into_response(self) -> Response {
        let Self { pair, transport, policy } = self;
        match transport {
            Transport::Body => Json(pair).into_response(),
            Transport::Cookie => {
                let body = WithoutRefresh {
                    access: &pair.access,
                    token_type: pair.token_type,
                    expires_in: pair.expires_in,
                    refresh_expires_in: pair.refresh_expires_in,
                };
                ([(header::SET_COOKIE, policy.holding(&pair.refresh))], Json(body)).into_response()
            }
        }
    }
}

/// An answer without a token pair (204) that, in cookie transport, also clears the cookie: the
/// session it held has ended.
pub struct Ended {
    pub transport: Transport,
    pub policy: CookiePolicy,
}

impl IntoResponse for Ended {
    fn into_response(self) -> Response {
        match self.transport {
            Transport::Body => StatusCode::NO_CONTENT.into_response(),
            Transport::Cookie => {
                (StatusCode::NO_CONTENT, [(header::SET_COOKIE, self.policy.cleared())]).into_response()
            }
        }
    }
}

/// The refresh token a request presents: the body's `refresh` when it has one; else, in cookie
/// transport only, the cookie's (none: 401 `not_authenticated`); else 400 naming `refresh`.
pub fn presented_refresh(field: Field<String>, transport: Transport, headers: &HeaderMap) -> Result<String, ApiError> {
    let cookie_may_stand_in = transport == Transport::Cookie && field.is_absent();
    if cookie_may_stand_in {
        return cookie_value(headers).ok_or(ApiError::NotAuthenticated);
    }
    let mut errors = FieldErrors::new();
    field.required("refresh", &mut errors).ok_or(ApiError::Invalid(errors))
}

/// The `refresh_token` cookie's value, if the request carries a non-empty one.
fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| *name == COOKIE && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(secure: bool) -> CookiePolicy {
        CookiePolicy { secure, max_age: Duration::from_secs(86_400) }
    }

    #[test]
    fn the_cookie_has_the_contracts_attributes() {
        assert_eq!(
            policy(true).holding("a.b.c"),
            "refresh_token=a.b.c; HttpOnly; Secure; SameSite=Strict; Path=/auth; Max-Age=86400"
        );
        assert_eq!(policy(false).cleared(), "refresh_token=; HttpOnly; SameSite=Strict; Path=/auth; Max-Age=0");
    }

    #[test]
    fn the_cookie_is_found_among_others_and_an_empty_one_is_none() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("theme=dark; refresh_token=t.o.k; x=1"));
        assert_eq!(cookie_value(&headers).as_deref(), Some("t.o.k"));
        let mut empty = HeaderMap::new();
        empty.append(header::COOKIE, HeaderValue::from_static("refresh_token="));
        assert_eq!(cookie_value(&empty), None);
        let mut lookalike = HeaderMap::new();
        lookalike.append(header::COOKIE, HeaderValue::from_static("xrefresh_token=t"));
        assert_eq!(cookie_value(&lookalike), None);
    }

    #[test]
    fn the_body_wins_and_the_cookie_counts_only_in_cookie_transport() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("refresh_token=from-cookie"));
        let absent = || Field::<String>::default();
        assert_eq!(presented_refresh(absent(), Transport::Cookie, &headers).unwrap(), "from-cookie");
        assert!(matches!(presented_refresh(absent(), Transport::Body, &headers), Err(ApiError::Invalid(_))));
        assert!(matches!(
            presented_refresh(absent(), Transport::Cookie, &HeaderMap::new()),
            Err(ApiError::NotAuthenticated)
        ));
    }
}
