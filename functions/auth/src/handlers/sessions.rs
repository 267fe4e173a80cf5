//! GET /auth/sessions and DELETE /auth/sessions/{id}

use axum::Json;
use axum::extract::State;
use http::StatusCode;
use serde::Serialize;
use shared::ApiError;
use shared::http::{AuthUser, ItemId};

use crate::domain::SessionView;
use crate::state::AppState;

/// The caller's sessions.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionList {
    /// Newest first: the sessions that can still refresh.
    results: Vec<SessionView>,
}

pub async fn list(State(state): State<AppState>, caller: AuthUser) -> Result<Json<SessionList>, ApiError> {
    let current = caller.claims.sid.as_deref();
    let sessions = state.sessions.list(&caller.user_id).await?;
    Ok(Json(SessionList { results: sessions.iter().map(|session| session.view(current)).collect() }))
}

/// Another user's session, or one that ended or never was, is 404 alike.
pub async fn end(State(state): State<AppState>, caller: AuthUser, ItemId(id): ItemId) -> Result<StatusCode, ApiError> {
    if !state.sessions.end(&caller.user_id, &id).await? {
        return Err(ApiError::NotFound);
    }
    Ok(StatusCode::NO_CONTENT)
}
