//! The finance function's configuration, read once at cold start.

use shared::config::{CallBounds, ConfigError, CorsSettings, Env, JwtSettings};

#[derive(Debug, Clone)]
pub struct FinanceConfig {
    pub expenses_table: String,
    pub budgets_table: String,
    /// Read to refuse tokens of users who no longer exist.
    pub users_table: String,
    pub jwt: JwtSettings,
    pub cors: CorsSettings,
    pub dynamo: CallBounds,
}

impl FinanceConfig {
    pub fn from_env(mut env: Env) -> Result<Self, ConfigError> {
        let config = Self {
            expenses_table: env.required("EXPENSES_TABLE"),
            budgets_table: env.required("BUDGETS_TABLE"),
            users_table: env.required("USERS_TABLE"),
            jwt: JwtSettings::from_env(&mut env),
            cors: CorsSettings::from_env(&mut env),
            dynamo: CallBounds::dynamodb_from_env(&mut env),
        };
        env.finish()?;
        Ok(config)
    }
}
