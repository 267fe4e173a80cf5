//! GET /auth/me

use axum::Json;
use axum::extract::State;
use shared::ApiError;
use shared::http::AuthUser;

use crate::domain::UserView;
use crate::state::AppState;

pub async fn me(State(state): State<AppState>, caller: AuthUser) -> Result<Json<UserView>, ApiError> {
    let Some(user) = state.users.get(&caller.user_id).await? else {
        tracing::info!("access token of a user who does not exist refused");
        return Err(ApiError::TokenNotValid);
    };
    Ok(Json(UserView::from(&user)))
}
