//! The auth function's configuration, read once at cold start.

use shared::config::{CallBounds, ConfigError, CorsSettings, Env, JwtSettings};

use crate::domain::ThrottlePolicy;

#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub users_table: String,
    pub revoked_tokens_table: String,
    pub login_throttle_table: String,
    pub jwt: JwtSettings,
    pub cors: CorsSettings,
    pub dynamo: CallBounds,
    pub throttle: ThrottlePolicy,
}

impl AuthConfig {
    pub fn from_env(mut env: Env) -> Result<Self, ConfigError> {
        let config = Self {
            users_table: env.required("USERS_TABLE"),
            revoked_tokens_table: env.required("REVOKED_TOKENS_TABLE"),
            login_throttle_table: env.required("LOGIN_THROTTLE_TABLE"),
            jwt: JwtSettings::from_env(&mut env),
            cors: CorsSettings::from_env(&mut env),
            dynamo: CallBounds::dynamodb_from_env(&mut env),
            throttle: ThrottlePolicy {
                max_failures: env.parsed_or("LOGIN_MAX_FAILURES", 5u32).max(1),
                window: env.seconds_or("LOGIN_LOCKOUT_SECONDS", 900, 1..=86_400),
            },
        };
        env.finish()?;
        Ok(config)
    }
}
