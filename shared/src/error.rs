//! The one error type of the API and the one place where errors become HTTP responses.

use std::collections::BTreeMap;

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

/// Messages per field, as in `{"errors": {"username": ["..."]}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct FieldErrors(BTreeMap<String, Vec<String>>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_default().push(message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds every message of `other`.
    pub fn merge(&mut self, other: FieldErrors) {
        for (field, messages) in other.0 {
            self.0.entry(field).or_default().extend(messages);
        }
    }

    pub fn get(&self, field: &str) -> Option<&[String]> {
        self.0.get(field).map(Vec::as_slice)
    }

    /// `Ok(())` when nothing was recorded, else a 400 `invalid` error.
    pub fn into_result(self) -> Result<(), ApiError> {
        if self.is_empty() { Ok(()) } else { Err(ApiError::Invalid(self)) }
    }
}

/// A rule's refusal because of data that already exists (a taken name, a taken budget slot):
/// the 409 `conflict` once it reaches HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub detail: String,
    pub errors: FieldErrors,
}

impl From<Conflict> for ApiError {
    fn from(Conflict { detail, errors }: Conflict) -> Self {
        Self::Conflict { detail, errors }
    }
}

/// Every way a request can fail. Internal details stay in the logs.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    ParseError(String),
    #[error("Invalid input.")]
    Invalid(FieldErrors),
    #[error("Authentication credentials were not provided.")]
    NotAuthenticated,
    #[error("Token is invalid or expired.")]
    TokenNotValid,
    #[error("No active account found with the given credentials.")]
    InvalidCredentials,
    #[error("Not found.")]
    NotFound,
    #[error("Method not allowed.")]
    MethodNotAllowed { allow: Option<HeaderValue> },
    #[error("{detail}")]
    Conflict { detail: String, errors: FieldErrors },
    #[error("The resource was modified since you last read it (If-Match failed).")]
    PreconditionFailed,
    #[error("Request body is larger than {limit} bytes.")]
    PayloadTooLarge { limit: usize },
    #[error("Content-Type must be application/json.")]
    UnsupportedMediaType,
    #[error("Too many attempts. Try again in {retry_after_secs} seconds.")]
    Throttled { retry_after_secs: u64 },
    #[error("The database is unavailable. Please retry.")]
    ServiceUnavailable,
    #[error("Internal server error.")]
    Internal(String),
}

impl ApiError {
    /// Every `code` an error body can carry (the OpenAPI document lists them).
    pub const CODES: &[&str] = &[
        "parse_error",
        "invalid",
        "not_authenticated",
        "token_not_valid",
        "invalid_credentials",
        "not_found",
        "method_not_allowed",
        "conflict",
        "precondition_failed",
        "payload_too_large",
        "unsupported_media_type",
        "throttled",
        "service_unavailable",
        "internal_error",
    ];

    /// A 400 `invalid` naming one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(FieldErrors::single(field, message))
    }

    /// An unexpected failure; the cause is logged, never returned.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::ParseError(_) | Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::NotAuthenticated | Self::TokenNotValid | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::ParseError(_) => "parse_error",
            Self::Invalid(_) => "invalid",
            Self::NotAuthenticated => "not_authenticated",
            Self::TokenNotValid => "token_not_valid",
            Self::InvalidCredentials => "invalid_credentials",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed { .. } => "method_not_allowed",
            Self::Conflict { .. } => "conflict",
            Self::PreconditionFailed => "precondition_failed",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::Throttled { .. } => "throttled",
            Self::ServiceUnavailable => "service_unavailable",
            Self::Internal(_) => "internal_error",
        }
    }

    fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            Self::Invalid(errors) => Some(errors),
            Self::Conflict { errors, .. } if !errors.is_empty() => Some(errors),
            _ => None,
        }
    }
}

/// The body of every error response.
#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    pub detail: String,
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<&'a FieldErrors>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            Self::Internal(cause) => tracing::error!(error = %cause, "request failed"),
            Self::ServiceUnavailable => tracing::warn!("database unavailable"),
            _ => {}
        }
        let body = ErrorBody { detail: self.to_string(), code: self.code(), errors: self.field_errors() };
        let mut response = (self.status(), Json(body)).into_response();
        let headers = response.headers_mut();
        match &self {
            Self::NotAuthenticated | Self::InvalidCredentials => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::TokenNotValid => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(r#"Bearer error="invalid_token""#));
            }
            Self::MethodNotAllowed { allow: Some(allow) } => {
                headers.insert(header::ALLOW, allow.clone());
            }
            Self::Throttled { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            Self::ServiceUnavailable => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn body_json(error: ApiError) -> (StatusCode, http::HeaderMap, serde_json::Value) {
        let response = error.into_response();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, serde_json::from_slice(&bytes).unwrap())
    }

    #[test]
    fn every_code_is_listed() {
        let every = [
            ApiError::ParseError(String::new()),
            ApiError::Invalid(FieldErrors::new()),
            ApiError::NotAuthenticated,
            ApiError::TokenNotValid,
            ApiError::InvalidCredentials,
            ApiError::NotFound,
            ApiError::MethodNotAllowed { allow: None },
            ApiError::Conflict { detail: String::new(), errors: FieldErrors::new() },
            ApiError::PreconditionFailed,
            ApiError::PayloadTooLarge { limit: 1 },
            ApiError::UnsupportedMediaType,
            ApiError::Throttled { retry_after_secs: 1 },
            ApiError::ServiceUnavailable,
            ApiError::Internal(String::new()),
        ];
        let codes: Vec<&str> = every.iter().map(ApiError::code).collect();
        assert_eq!(codes, ApiError::CODES);
    }

    #[tokio::test]
    async fn validation_errors_name_fields() {
        let mut errors = FieldErrors::new();
        errors.add("password", "Too short.");
        errors.add("password", "Too common.");
        let (status, _, body) = body_json(ApiError::Invalid(errors)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["code"], "invalid");
        assert_eq!(body["errors"]["password"], serde_json::json!(["Too short.", "Too common."]));
    }

    #[tokio::test]
    async fn every_401_carries_www_authenticate() {
        for error in [ApiError::NotAuthenticated, ApiError::TokenNotValid, ApiError::InvalidCredentials] {
            let (status, headers, body) = body_json(error).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED);
            assert!(headers[header::WWW_AUTHENTICATE].to_str().unwrap().starts_with("Bearer"));
            assert!(body.get("errors").is_none());
        }
    }

    #[tokio::test]
    async fn throttled_sets_retry_after() {
        let (status, headers, body) = body_json(ApiError::Throttled { retry_after_secs: 42 }).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(headers[header::RETRY_AFTER], "42");
        assert_eq!(body["code"], "throttled");
    }

    #[tokio::test]
    async fn internal_errors_hide_their_cause() {
        let (status, _, body) = body_json(ApiError::internal("secret table name xyz")).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!body.to_string().contains("xyz"));
    }
}
