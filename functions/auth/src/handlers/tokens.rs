//! POST /auth/refresh, /auth/verify, /auth/logout and /auth/logout-all

use axum::Json;
use axum::extract::State;
use http::StatusCode;
use serde::{Deserialize, Serialize};
use shared::field::Field;
use shared::http::{AuthUser, JsonBody};
use shared::jwt::{TokenPair, TokenType};
use shared::{ApiError, FieldErrors, clock};

use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RefreshRequest {
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

pub async fn refresh(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<RefreshRequest>,
) -> Result<Json<TokenPair>, ApiError> {
    let refresh = required(body.refresh, "refresh")?;
    Ok(Json(state.sessions.rotate(&refresh).await?))
}

pub async fn verify(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<VerifyRequest>,
) -> Result<Json<TokenInfo>, ApiError> {
    let token = required(body.token, "token")?;
    let claims = state.sessions.inspect(&token).await?;
    Ok(Json(TokenInfo { token_type: claims.token_type, expires_at: clock::format_timestamp(claims.expires_at()) }))
}

pub async fn logout(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<RefreshRequest>,
) -> Result<StatusCode, ApiError> {
    let refresh = required(body.refresh, "refresh")?;
    state.sessions.logout(&refresh).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn logout_all(State(state): State<AppState>, caller: AuthUser) -> Result<StatusCode, ApiError> {
    state.sessions.logout_all(&caller.user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
