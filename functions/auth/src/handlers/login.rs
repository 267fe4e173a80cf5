//! POST /auth/login

use axum::extract::State;
use http::HeaderMap;
use secrecy::SecretString;
use serde::Deserialize;
use shared::field::Field;
use shared::http::JsonBody;
use shared::password::Verification;
use shared::{ApiError, FieldErrors};

use super::user_agent;
use crate::domain::LoginName;
use crate::state::AppState;
use crate::transport::{CookiePolicy, Issued, Transport};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    /// A username, or the email.
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    username: Field<String>,
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    password: Field<String>,
}

/// Unknown users and wrong passwords get the same answer after the same work: the attempt
/// counted (refused, without a password check, once the window's attempts are spent), one
/// read, one Argon2id verification.
pub async fn login(
    State(state): State<AppState>,
    State(policy): State<CookiePolicy>,
    transport: Transport,
    headers: HeaderMap,
    JsonBody(body): JsonBody<LoginRequest>,
) -> Result<Issued, ApiError> {
    let mut errors = FieldErrors::new();
    let name = body.username.required("username", &mut errors);
    let password = body.password.required("password", &mut errors);
    let (Some(name), Some(password)) = (name, password) else {
        return Err(ApiError::Invalid(errors));
    };

    let login = LoginName::parse(&name);
    let throttle_key = login.throttle_key();
    if let Some(key) = &throttle_key {
        state.throttle.admit(key, &state.throttle_policy).await?;
    }

    let user = state.users.find_by_login(&login).await?;
    let stored_hash = user.as_ref().map(|user| user.password_hash.clone());
    let verification = state.hasher.verify(SecretString::from(password.clone()), stored_hash).await;
    // A disabled account answers as a wrong password does (its attempt stays counted).
    let (Some(user), Verification::Valid { needs_rehash }) = (user.filter(|user| !user.disabled), verification) else {
        return Err(ApiError::InvalidCredentials);
    };

    if let Some(key) = &throttle_key {
        state.throttle.clear(key).await?;
    }
    if needs_rehash {
        // Upgrading the hash is worth doing but never worth failing a login for.
        match state.hasher.hash(SecretString::from(password)).await {
            Ok(new_hash) => {
                if let Err(err) = state.users.replace_password_hash(&user.id, &user.password_hash, &new_hash).await {
                    tracing::warn!(user = %user.id, error = %err, "password rehash not saved");
                }
            }
            Err(err) => tracing::warn!(user = %user.id, error = %err, "password rehash failed"),
        }
    }
    // None: the account was deleted since it was read.
    let pair = state.sessions.start(user.id, user_agent(&headers)).await?;
    let pair = pair.ok_or(ApiError::InvalidCredentials)?;
    Ok(Issued { pair, transport, policy })
}
