//! The auth function's configuration, read once at cold start.

use shared::config::{ApiSettings, ConfigError, Env};

use crate::domain::ThrottlePolicy;

#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub users_table: String,
    pub revoked_tokens_table: String,
    pub login_throttle_table: String,
    /// The outbox of mails to send and the tokens they carry.
    pub mail_table: String,
    pub throttle: ThrottlePolicy,
    /// Whether the refresh-token cookie is `Secure`: off only for plain-HTTP local development.
    pub refresh_cookie_secure: bool,
    /// Its sessions table is the one every function reads (`api.identity.sessions_table`).
    pub api: ApiSettings,
}

impl AuthConfig {
    pub fn from_env(env: Env) -> Result<Self, ConfigError> {
        env.read(|env| Self {
            users_table: env.required("USERS_TABLE"),
            revoked_tokens_table: env.required("REVOKED_TOKENS_TABLE"),
            login_throttle_table: env.required("LOGIN_THROTTLE_TABLE"),
            mail_table: env.required("MAIL_TABLE"),
            throttle: ThrottlePolicy {
                max_failures: env.parsed_or("LOGIN_MAX_FAILURES", 5u32).max(1),
                window: env.seconds_or("LOGIN_LOCKOUT_SECONDS", 900, 1..=86_400),
            },
            refresh_cookie_secure: env.parsed_or("REFRESH_COOKIE_SECURE", true),
            api: ApiSettings::from_env(env),
        })
    }
}
