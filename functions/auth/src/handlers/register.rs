//! POST /auth/register

use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use http::{StatusCode, header};
use secrecy::SecretString;
use serde::Deserialize;
use shared::field::Field;
use shared::http::JsonBody;
use shared::{ApiError, FieldErrors};

use crate::domain::{Registration, UserView};
use crate::state::AppState;

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

pub async fn register(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<RegisterRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let mut errors = FieldErrors::new();
    let username = body.username.required("username", &mut errors);
    let password = body.password.required("password", &mut errors).map(SecretString::from);
    let email = body.email.nullable("email", &mut errors);
    let registration = Registration::parse(username, email, password, errors).map_err(ApiError::Invalid)?;

    let user = state.accounts.register(registration).await?;
    tracing::info!(user = %user.id, "user registered");
    Ok((StatusCode::CREATED, [(header::LOCATION, "/auth/me")], Json(UserView::from(&user))))
}
