//! GET /auth/me

use axum::Json;
use axum::extract::State;
use shared::ApiError;
use shared::http::VerifiedToken;

use crate::domain::UserView;
use crate::state::AppState;

/// One read: the token is verified first, and a token whose user does not exist is refused here.
pub async fn me(
    State(state): State<AppState>,
    VerifiedToken(claims): VerifiedToken,
) -> Result<Json<UserView>, ApiError> {
    let Some(user) = state.users.get(&claims.sub).await? else {
        tracing::info!("access token of a user who does not exist refused");
        return Err(ApiError::TokenNotValid);
    };
    Ok(Json(UserView::from(&user)))
}
