//! GET /auth/me

use axum::Json;
use axum::extract::State;
use shared::ApiError;
use shared::http::AuthUser;

use crate::domain::UserView;
use crate::state::AppState;

pub async fn me(State(state): State<AppState>, caller: AuthUser) -> Result<Json<UserView>, ApiError> {
    let user = state.users.get(&caller.user_id).await?.ok_or(ApiError::TokenNotValid)?;
    Ok(Json(UserView::from(&user)))
}
