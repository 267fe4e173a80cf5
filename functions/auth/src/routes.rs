//! Every route of the auth function, each with its OpenAPI operation, in one place.

use shared::http::openapi::{Needs, Op};
use shared::http::{Api, Routes};
use shared::jwt::TokenPair;
use utoipa::openapi::path::HttpMethod;

use crate::domain::UserView;
use crate::handlers::{
    self, Accepted, AccountChange, AccountDeletion, ForgotPasswordRequest, LoginRequest, PasswordChange, PasswordReset,
    RefreshRequest, RegisterRequest, SessionList, TokenInfo, TokenRequest, VerifyRequest,
};
use crate::state::AppState;

/// What `X-Token-Transport: cookie` does, as each operation that takes it documents it.
const SETS_COOKIE: &str = "`cookie`: the refresh token comes as the `refresh_token` cookie \
    (`HttpOnly; Secure; SameSite=Strict; Path=/auth`, `Max-Age` its lifetime) and is left out of the body.";
const CLEARS_COOKIE: &str = "`cookie`: the `refresh_token` cookie is cleared (`Max-Age=0`).";
const READS_COOKIE: &str = " A body without `refresh` then means the cookie's (no cookie: 401 `not_authenticated`).";

/// Declared with a `Router` to serve them, or with `DocumentOnly` for the document alone.
pub fn api<R: Routes<AppState>>() -> Api<AppState, R> {
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
            .token_transport(SETS_COOKIE)
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
                .token_transport(&format!("{SETS_COOKIE}{READS_COOKIE}"))
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
                .token_transport(&format!("{CLEARS_COOKIE}{READS_COOKIE}"))
                .unauthorized_without_token(),
            handlers::logout,
        )
        .route(
            Op::new(
                HttpMethod::Post,
                "/auth/logout-all",
                "auth",
                "logout_all",
                "End every session",
                Needs { invalid: true, ..bearer },
            )
            .token_transport(CLEARS_COOKIE)
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
            .token_transport(CLEARS_COOKIE)
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
            .token_transport(SETS_COOKIE)
            .answers::<TokenPair>(200, "A token pair of a new session.", false, false),
            handlers::change_password,
        )
        .route(
            Op::new(
                HttpMethod::Post,
                "/auth/email/verification",
                "auth",
                "resend_verification",
                "Send the verification mail again",
                Needs { invalid: true, conflict: true, ..bearer },
            )
            .description(
                "A mail with a link to `FRONTEND_URL/verify-email?token=...` (valid 24 hours) goes to the \
                 account's email. 400 `invalid` (`errors.email`) when the account has none; 409 `conflict` when \
                 it is verified already. At most 3 mails an hour go to one address; beyond that the request is \
                 still 202 and nothing is sent.",
            )
            .answers::<Accepted>(202, "The mail is on its way.", false, false),
            handlers::resend_verification,
        )
        .route(
            Op::new(HttpMethod::Post, "/auth/email/verify", "auth", "verify_email", "Verify your email", public)
                .description(
                    "With the token of a verification mail's link. The token is single-use and good for 24 hours, \
                     and only while the account still has the address it was sent to; otherwise 400 `invalid` \
                     with `errors.token`.",
                )
                .body::<TokenRequest>()
                .answers::<UserView>(200, "The user, `email_verified: true`.", false, false),
            handlers::verify_email,
        )
        .route(
            Op::new(
                HttpMethod::Post,
                "/auth/password/forgot",
                "auth",
                "forgot_password",
                "Ask for a password reset mail",
                public,
            )
            .description(
                "Always 202, after the same work, whether or not an account has the address: a mail with a link to \
                 `FRONTEND_URL/reset-password?token=...` (valid 30 minutes) goes out only if an account has it \
                 verified, and at most 3 mails an hour go to one address.",
            )
            .body::<ForgotPasswordRequest>()
            .answers::<Accepted>(202, "Taken; a mail follows if the address is verified.", false, false),
            handlers::forgot_password,
        )
        .route(
            Op::new(HttpMethod::Post, "/auth/password/reset", "auth", "reset_password", "Reset your password", public)
                .description(
                    "With the token of a reset mail's link (single-use, good for 30 minutes, and only while the \
                     account still has the address it was sent to: else 400 `invalid` with `errors.token`). The new \
                     password follows the registration policy (`errors.new_password`). Every session of the user \
                     ends; the login throttle of the user is cleared.",
                )
                .body::<PasswordReset>()
                .token_transport(CLEARS_COOKIE)
                .answers_empty(204, "The password is changed; log in with it."),
            handlers::reset_password,
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
