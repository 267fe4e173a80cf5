//! Every route of the auth function, each with its OpenAPI operation, in one place.

use shared::http::Api;
use shared::http::openapi::{Needs, Op};
use shared::jwt::TokenPair;
use utoipa::openapi::path::HttpMethod;

use crate::domain::UserView;
use crate::handlers::{
    self, AccountChange, AccountDeletion, LoginRequest, PasswordChange, RefreshRequest, RegisterRequest, SessionList,
    TokenInfo, VerifyRequest,
};
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
            Op::new(HttpMethod::Post, "/auth/logout", "auth", "logout", "End the session of a refresh token", public)
                .body::<RefreshRequest>()
                .answers_empty(204, "The session ended: its refresh and access tokens are refused.")
                .unauthorized_without_token(),
            handlers::logout,
        )
        .route(
            Op::new(HttpMethod::Post, "/auth/logout-all", "auth", "logout_all", "End every session", bearer)
                .answers_empty(204, "Every session ended: every refresh and access token issued so far is refused."),
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
        .route(
            Op::new(
                HttpMethod::Patch,
                "/auth/me",
                "auth",
                "change_account",
                "Change your username or email",
                Needs { body: true, conflict: true, throttle: true, ..bearer },
            )
            .description(
                "`current_password` is required and checked as a login is (a wrong one is 400 and counts \
                 toward the login throttle). `email: null` removes the email. The old names are free again \
                 in the same transaction that takes the new ones.",
            )
            .body::<AccountChange>()
            .answers::<UserView>(200, "The user, changed.", false, false),
            handlers::change_account,
        )
        .route(
            Op::new(
                HttpMethod::Delete,
                "/auth/me",
                "auth",
                "delete_account",
                "Delete your account",
                Needs { body: true, conflict: true, throttle: true, ..bearer },
            )
            .description(
                "`password` is checked as a login is (a wrong one is 400 and counts toward the login throttle). \
                 The account ends at once: every token is refused, the username and email are free, open \
                 WebSocket connections are closed. Everything it owned (tasks, expenses, budgets, sessions, \
                 idempotency records, connections) is deleted right after the answer: for an account of up to \
                 10,000 items within a minute, and never visible to anyone meanwhile.",
            )
            .body::<AccountDeletion>()
            .answers_empty(204, "The account is deleted."),
            handlers::delete_account,
        )
        .route(
            Op::new(
                HttpMethod::Post,
                "/auth/password",
                "auth",
                "change_password",
                "Change your password",
                Needs { body: true, throttle: true, ..bearer },
            )
            .description(
                "A wrong `current_password` is 400 and counts toward the login throttle. Every earlier session \
                 ends; the answer is the first token pair of a new one.",
            )
            .body::<PasswordChange>()
            .answers::<TokenPair>(200, "A token pair of a new session.", false, false),
            handlers::change_password,
        )
        .route(
            Op::new(HttpMethod::Get, "/auth/sessions", "auth", "list_sessions", "Your sessions", bearer)
                .description("One per login that can still refresh, newest first; `current` marks the caller's.")
                .answers::<SessionList>(200, "The sessions.", false, false),
            handlers::sessions::list,
        )
        .route(
            Op::new(
                HttpMethod::Delete,
                "/auth/sessions/{id}",
                "auth",
                "end_session",
                "End a session",
                Needs { item: true, ..bearer },
            )
            .description("Its refresh and access tokens are refused at once. Another user's or an unknown id is 404.")
            .answers_empty(204, "The session ended."),
            handlers::sessions::end,
        )
}
