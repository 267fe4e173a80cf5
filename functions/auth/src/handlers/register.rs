//! POST /auth/register

use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use http::{StatusCode, header};
use secrecy::SecretString;
use serde::Deserialize;
use shared::field::Field;
use shared::http::JsonBody;
use shared::ids::UserId;
use shared::{ApiError, FieldErrors, clock};

use crate::domain::{Registration, User, UserView};
use crate::state::AppState;
use crate::store::CreateUserError;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RegisterRequest {
    /// 3 to 150 ASCII letters, digits and `. + - _`; unique ignoring case.
    #[serde(default)]
    #[schema(value_type = String, required = true, pattern = r"^[A-Za-z0-9.+_-]{3,150}$")]
    username: Field<String>,
    /// Optional; unique ignoring case.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Email)]
    email: Field<String>,
    /// 8 to 128 characters, not all digits, not the username, not a common password.
    #[serde(default)]
    #[schema(value_type = String, required = true, min_length = 8, max_length = 128)]
    password: Field<String>,
}

const USERNAME_TAKEN: &str = "A user with that username already exists.";
const EMAIL_TAKEN: &str = "A user with that email already exists.";

pub async fn register(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<RegisterRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let mut errors = FieldErrors::new();
    let username = body.username.required("username", &mut errors);
    let password = body.password.required("password", &mut errors).map(SecretString::from);
    let email = body.email.nullable("email", &mut errors);
    let registration = Registration::parse(username, email, password, errors).map_err(ApiError::Invalid)?;

    let email = registration.email.as_ref().map(|e| e.as_str().to_owned());
    // Answer obvious duplicates before spending a hash; the transaction decides races.
    let (username_taken, email_taken) = state.users.taken(&registration.username.canonical(), email.as_deref()).await?;
    if username_taken || email_taken {
        return Err(conflict(username_taken, email_taken));
    }

    let user = User {
        id: UserId::generate(),
        username: registration.username.as_str().to_owned(),
        email,
        password_hash: state.hasher.hash(registration.password).await?,
        created_at: clock::format_timestamp(clock::now()),
    };
    match state.users.create(&user).await {
        Ok(()) => {}
        Err(CreateUserError::Taken { username, email }) => return Err(conflict(username, email)),
        Err(CreateUserError::Store(err)) => return Err(err),
    }
    tracing::info!(user = %user.id, "user registered");
    Ok((StatusCode::CREATED, [(header::LOCATION, "/auth/me")], Json(UserView::from(&user))))
}

pub(super) fn conflict(username: bool, email: bool) -> ApiError {
    let mut errors = FieldErrors::new();
    if username {
        errors.add("username", USERNAME_TAKEN);
    }
    if email {
        errors.add("email", EMAIL_TAKEN);
    }
    let detail = if username { USERNAME_TAKEN } else { EMAIL_TAKEN };
    ApiError::Conflict { detail: detail.to_owned(), errors }
}
