//! GET /auth/me

use axum::Json;
use axum::extract::State;
use shared::ApiError;
use shared::identity::SignedToken;

use crate::domain::UserView;
use crate::state::AppState;

/// The session and the user are read in one call.
pub async fn me(State(state): State<AppState>, caller: SignedToken) -> Result<Json<UserView>, ApiError> {
    let Some(user) = state.users.get_caller(&caller).await? else {
        tracing::info!("access token of a user who does not exist refused");
        return Err(ApiError::TokenNotValid);
    };
    Ok(Json(UserView::from(&user)))
}
