//! The finance function's configuration, read once at cold start.

use shared::config::{ConfigError, CorsSettings, DynamoSettings, Env, JwtSettings};

#[derive(Debug, Clone)]
pub struct FinanceConfig {
    pub expenses_table: String,
    pub budgets_table: String,
    pub jwt: JwtSettings,
    pub cors: CorsSettings,
    pub dynamo: DynamoSettings,
}

impl FinanceConfig {
    pub fn from_env(mut env: Env) -> Result<Self, ConfigError> {
        let config = Self {
            expenses_table: env.required("EXPENSES_TABLE"),
            budgets_table: env.required("BUDGETS_TABLE"),
            jwt: JwtSettings::from_env(&mut env),
            cors: CorsSettings::from_env(&mut env),
            dynamo: DynamoSettings::from_env(&mut env),
        };
        env.finish()?;
        Ok(config)
    }
}
