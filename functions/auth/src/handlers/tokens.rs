//! POST /auth/refresh, /auth/verify, /auth/logout and /auth/logout-all

use axum::Json;
use axum::extract::State;
use http::HeaderMap;
use serde::{Deserialize, Serialize};
use shared::field::Field;
use shared::http::{AuthUser, JsonBody};
use shared::jwt::TokenType;
use shared::{ApiError, FieldErrors, clock};

use crate::state::AppState;
use crate::transport::{CookiePolicy, Ended, Issued, Transport, presented_refresh};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
    /// Required in the body transport, the one this document describes (OpenAPI cannot make a
    /// field required unless a header is present). With `X-Token-Transport: cookie` it may be left
    /// out: the `refresh_token` cookie's token is the one presented.
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    refresh: Field<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct VerifyRequest {
    /// An access or a refresh token.
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    token: Field<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    token_type: TokenType,
    /// RFC 3339, UTC.
    expires_at: String,
}

fn required(field: Field<String>, name: &str) -> Result<String, ApiError> {
    let mut errors = FieldErrors::new();
    field.required(name, &mut errors).ok_or(ApiError::Invalid(errors))
}

/// In cookie transport, a body without `refresh` means the cookie's.
pub async fn refresh(
    State(state): State<AppState>,
    State(policy): State<CookiePolicy>,
    transport: Transport,
    headers: HeaderMap,
    JsonBody(body): JsonBody<RefreshRequest>,
) -> Result<Issued, ApiError> {
    let refresh = presented_refresh(body.refresh, transport, &headers)?;
    Ok(Issued { pair: state.sessions.rotate(&refresh).await?, transport, policy })
}

pub async fn verify(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<VerifyRequest>,
) -> Result<Json<TokenInfo>, ApiError> {
    let token = required(body.token, "token")?;
    let claims = state.sessions.inspect(&token).await?;
    Ok(Json(TokenInfo { token_type: claims.token_type, expires_at: clock::format_timestamp(claims.expires_at()) }))
}

/// In cookie transport, a body without `refresh` means the cookie's, and the cookie is cleared.
pub async fn logout(
    State(state): State<AppState>,
    State(policy): State<CookiePolicy>,
    transport: Transport,
    headers: HeaderMap,
    JsonBody(body): JsonBody<RefreshRequest>,
) -> Result<Ended, ApiError> {
    let refresh = presented_refresh(body.refresh, transport, &headers)?;
    state.sessions.logout(&refresh).await?;
    Ok(Ended { transport, policy })
}

pub async fn logout_all(
    State(state): State<AppState>,
    State(policy): State<CookiePolicy>,
    transport: Transport,
    caller: AuthUser,
) -> Result<Ended, ApiError> {
    state.sessions.logout_all(&caller.user_id).await?;
    Ok(Ended { transport, policy })
}
