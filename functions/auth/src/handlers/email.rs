//! POST /auth/email/verification, /auth/email/verify, /auth/password/forgot and
//! /auth/password/reset: the links that mails carry, and asking for the mails.

use axum::Json;
use axum::extract::State;
use http::StatusCode;
use serde::{Deserialize, Serialize};
use shared::field::Field;
use shared::http::{AuthUser, JsonBody};
use shared::{ApiError, FieldErrors};

use crate::domain::{Email, LoginName, UserView};
use crate::state::AppState;
use crate::transport::{CookiePolicy, Ended, Transport};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    /// The `token` query parameter of the mail's link.
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    token: Field<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ForgotPasswordRequest {
    #[serde(default)]
    #[schema(value_type = String, required = true, format = Email)]
    email: Field<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordReset {
    /// The `token` query parameter of the reset mail's link.
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    token: Field<String>,
    /// 8 to 128 characters, not all digits, not the username, not a common password.
    #[serde(default)]
    #[schema(value_type = String, required = true, min_length = 8, max_length = 128)]
    new_password: Field<String>,
}

/// A request taken: what happens next happens by mail.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Accepted {
    pub detail: String,
}

fn accepted(detail: &str) -> (StatusCode, Json<Accepted>) {
    (StatusCode::ACCEPTED, Json(Accepted { detail: detail.to_owned() }))
}

pub async fn resend_verification(
    State(state): State<AppState>,
    caller: AuthUser,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let user = state.users.get(&caller.user_id).await?.ok_or(ApiError::TokenNotValid)?;
    state.emails.resend_verification(&user).await?;
    Ok(accepted("A verification mail is on its way."))
}

pub async fn verify_email(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<TokenRequest>,
) -> Result<Json<UserView>, ApiError> {
    let mut errors = FieldErrors::new();
    let Some(token) = body.token.required("token", &mut errors) else {
        return Err(ApiError::Invalid(errors));
    };
    let user = state.emails.verify(&token).await?;
    tracing::info!(user = %user.id, "email verified");
    Ok(Json(UserView::from(&user)))
}

/// 202 whatever the address: only the mailer learns whether an account has it verified.
pub async fn forgot_password(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<ForgotPasswordRequest>,
) -> Result<(StatusCode, Json<Accepted>), ApiError> {
    let mut errors = FieldErrors::new();
    let email = body.email.required("email", &mut errors);
    let email = email.and_then(|raw| Email::parse(&raw).map_err(|problem| errors.add("email", problem)).ok());
    let Some(email) = email else {
        return Err(ApiError::Invalid(errors));
    };
    state.emails.forgot(&email).await?;
    Ok(accepted("If an account has this address verified, a mail with a link to reset its password is on its way."))
}

/// The password changes and every session ends; the login throttle of the user's username and
/// email is cleared.
pub async fn reset_password(
    State(state): State<AppState>,
    State(policy): State<CookiePolicy>,
    transport: Transport,
    JsonBody(body): JsonBody<PasswordReset>,
) -> Result<Ended, ApiError> {
    let mut errors = FieldErrors::new();
    let token = body.token.required("token", &mut errors);
    let new_password = body.new_password.required("new_password", &mut errors);
    let reset = state.emails.check_reset(token, new_password, errors).await?;
    let user = state.emails.reset(reset).await?;
    // Both names the user may log in with: the reset proved they own the address.
    let names = std::iter::once(&user.username).chain(user.email.as_ref());
    for key in names.filter_map(|name| LoginName::parse(name).throttle_key()) {
        state.throttle.clear(&key).await?;
    }
    Ok(Ended { transport, policy })
}
