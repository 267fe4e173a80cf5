//! POST /auth/password, PATCH /auth/me and DELETE /auth/me: changes that need the current
//! password, which is checked as a login is (counted first by the login throttle of the user's
//! username).

use axum::Json;
use axum::extract::State;
use http::HeaderMap;
use secrecy::SecretString;
use serde::Deserialize;
use shared::field::Field;
use shared::http::{AuthUser, JsonBody};
use shared::password::Verification;
use shared::{ApiError, FieldErrors};

use super::user_agent;
use crate::domain::{Email, LoginName, User, UserView, Username, password_problems};
use crate::state::AppState;
use crate::transport::{CookiePolicy, Ended, Issued, Transport};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PasswordChange {
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    current_password: Field<String>,
    /// 8 to 128 characters, not all digits, not the username, not a common password, not the
    /// current one.
    #[serde(default)]
    #[schema(value_type = String, required = true, min_length = 8, max_length = 128)]
    new_password: Field<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AccountChange {
    /// 3 to 150 ASCII letters, digits and `. + - _`; unique ignoring case.
    #[serde(default)]
    #[schema(value_type = String, pattern = r"^[A-Za-z0-9.+_-]{3,150}$")]
    username: Field<String>,
    /// Unique ignoring case; null removes it.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Email)]
    email: Field<String>,
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    current_password: Field<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct AccountDeletion {
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    password: Field<String>,
}

/// Every earlier session ends; the answer is the first pair of a new one.
pub async fn change_password(
    State(state): State<AppState>,
    State(policy): State<CookiePolicy>,
    transport: Transport,
    caller: AuthUser,
    headers: HeaderMap,
    JsonBody(body): JsonBody<PasswordChange>,
) -> Result<Issued, ApiError> {
    let mut errors = FieldErrors::new();
    let current = body.current_password.required("current_password", &mut errors);
    let new = body.new_password.required("new_password", &mut errors);
    let user = state.users.get(&caller.user_id).await?.ok_or(ApiError::TokenNotValid)?;
    if let Some(new) = &new {
        for problem in password_problems(new, Some(&user.username)) {
            errors.add("new_password", problem);
        }
        if current.as_ref() == Some(new) {
            errors.add("new_password", "The new password must differ from the current one.");
        }
    }
    let (Some(current), Some(new), true) = (current, new, errors.is_empty()) else {
        return Err(ApiError::Invalid(errors));
    };
    confirm_password(&state, &user, "current_password", current).await?;

    let hash = state.hasher.hash(SecretString::from(new)).await?;
    if !state.users.change_password_hash(&user.id, &user.password_hash, &hash).await? {
        return Err(ApiError::Conflict {
            detail: "The password changed meanwhile.".into(),
            errors: FieldErrors::single("current_password", "The password changed meanwhile."),
        });
    }
    state.sessions.logout_all(&user.id).await?;
    tracing::info!(user = %user.id, "password changed; every earlier session ended");
    let pair = state.sessions.start(user.id, user_agent(&headers)).await?.ok_or(ApiError::TokenNotValid)?;
    Ok(Issued { pair, transport, policy })
}

/// A new username or email (or none): the old ones are free again in the same transaction; a
/// new email is unverified and gets a verification mail.
pub async fn change_account(
    State(state): State<AppState>,
    caller: AuthUser,
    JsonBody(body): JsonBody<AccountChange>,
) -> Result<Json<UserView>, ApiError> {
    let mut errors = FieldErrors::new();
    let nothing_sent = body.username.is_absent() && body.email.is_absent();
    let username = body.username.optional("username", &mut errors);
    let email = body.email.change("email", &mut errors);
    let password = body.current_password.required("current_password", &mut errors);
    let username = username.and_then(|raw| Username::parse(raw).map_err(|e| errors.add("username", e)).ok());
    let email = email.and_then(|email| match email {
        None => Some(None),
        Some(raw) => {
            Email::parse(&raw).map_err(|e| errors.add("email", e)).ok().map(|email| Some(email.as_str().to_owned()))
        }
    });
    if nothing_sent {
        errors.add("non_field_errors", "Send a username or an email to change.");
    }
    let (Some(password), true) = (password, errors.is_empty()) else {
        return Err(ApiError::Invalid(errors));
    };
    let user = state.users.get(&caller.user_id).await?.ok_or(ApiError::TokenNotValid)?;
    confirm_password(&state, &user, "current_password", password).await?;

    let renamed = User {
        username: username.map_or_else(|| user.username.clone(), |name| name.as_str().to_owned()),
        email: email.unwrap_or_else(|| user.email.clone()),
        ..user.clone()
    };
    let renamed = state.accounts.rename(&user, &renamed).await?;
    Ok(Json(UserView::from(&renamed)))
}

/// The account ends at once and its data is purged right after (see `Accounts::close`).
pub async fn delete_account(
    State(state): State<AppState>,
    State(policy): State<CookiePolicy>,
    transport: Transport,
    caller: AuthUser,
    JsonBody(body): JsonBody<AccountDeletion>,
) -> Result<Ended, ApiError> {
    let mut errors = FieldErrors::new();
    let Some(password) = body.password.required("password", &mut errors) else {
        return Err(ApiError::Invalid(errors));
    };
    let user = state.users.get(&caller.user_id).await?.ok_or(ApiError::TokenNotValid)?;
    confirm_password(&state, &user, "password", password).await?;
    state.accounts.close(&user).await?;
    Ok(Ended { transport, policy })
}

/// Checks `password` as a login would: counted first by the throttle of the user's username
/// (429 once its window is spent), cleared when right; wrong is 400 with `errors.<field>`.
async fn confirm_password(state: &AppState, user: &User, field: &str, password: String) -> Result<(), ApiError> {
    let key = LoginName::parse(&user.username).throttle_key();
    if let Some(key) = &key {
        state.throttle.admit(key, &state.throttle_policy).await?;
    }
    let stored = Some(user.password_hash.clone());
    if !matches!(state.hasher.verify(SecretString::from(password), stored).await, Verification::Valid { .. }) {
        return Err(ApiError::Invalid(FieldErrors::single(field, "The password is not correct.")));
    }
    if let Some(key) = &key {
        state.throttle.clear(key).await?;
    }
    Ok(())
}
