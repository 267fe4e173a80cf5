//! The finance function's configuration, read once at cold start.

use shared::config::{ApiSettings, ConfigError, Env};

#[derive(Debug, Clone)]
pub struct FinanceConfig {
    pub expenses_table: String,
    pub budgets_table: String,
    pub api: ApiSettings,
}

impl FinanceConfig {
    pub fn from_env(env: Env) -> Result<Self, ConfigError> {
        env.read(|env| Self {
            expenses_table: env.required("EXPENSES_TABLE"),
            budgets_table: env.required("BUDGETS_TABLE"),
            api: ApiSettings::from_env(env),
        })
    }
}
