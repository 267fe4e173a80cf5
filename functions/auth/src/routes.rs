//! Every route of the auth function, each with its OpenAPI operation, in one place.

use shared::http::Api;
use shared::http::openapi::{Needs, Op};
use shared::jwt::TokenPair;
use utoipa::openapi::path::HttpMethod;

use crate::domain::UserView;
use crate::handlers::{self, LoginRequest, RefreshRequest, RegisterRequest, TokenInfo, VerifyRequest};
use crate::state::AppState;

pub fn api() -> Api<AppState> {
    let public = Needs { body: true, database: true, ..Needs::default() };
    let bearer = Needs { token: true, database: true, ..Needs::default() };
    Api::new()
        .route(
            Op::new(
                HttpMethod::Post,
                "/auth/register",
                "auth",
                "register",
                "Register",
                Needs { conflict: true, ..public },
            )
            .body::<RegisterRequest>()
            .answers::<UserView>(201, "The new user; `Location: /auth/me`.", false, true),
            handlers::register,
        )
        .route(
            Op::new(
                HttpMethod::Post,
                "/auth/login",
                "auth",
                "login",
                "Log in",
                Needs { token: false, throttle: true, ..public },
            )
            .description("401 `invalid_credentials` for a wrong name or password, after the same work either way.")
            .body::<LoginRequest>()
            .answers::<TokenPair>(200, "A token pair.", false, false)
            .unauthorized_without_token(),
            handlers::login,
        )
        .route(
            Op::new(HttpMethod::Post, "/auth/refresh", "auth", "refresh", "Rotate a refresh token", public)
                .description(
                    "The old refresh token is revoked; presenting a revoked one again revokes its whole login.",
                )
                .body::<RefreshRequest>()
                .answers::<TokenPair>(200, "A new token pair.", false, false)
                .unauthorized_without_token(),
            handlers::refresh,
        )
        .route(
            Op::new(HttpMethod::Post, "/auth/verify", "auth", "verify", "Check a token", public)
                .body::<VerifyRequest>()
                .answers::<TokenInfo>(200, "The token is valid.", false, false)
                .unauthorized_without_token(),
            handlers::verify,
        )
        .route(
            Op::new(HttpMethod::Post, "/auth/logout", "auth", "logout", "Revoke a refresh token", public)
                .body::<RefreshRequest>()
                .answers_empty(204, "Revoked until it would have expired.")
                .unauthorized_without_token(),
            handlers::logout,
        )
        .route(
            Op::new(HttpMethod::Post, "/auth/logout-all", "auth", "logout_all", "Revoke every refresh token", bearer)
                .answers_empty(204, "Every refresh token issued so far is revoked."),
            handlers::logout_all,
        )
        .route(
            Op::new(HttpMethod::Get, "/auth/me", "auth", "me", "Who am I", bearer).answers::<UserView>(
                200,
                "The caller.",
                false,
                false,
            ),
            handlers::me,
        )
}
