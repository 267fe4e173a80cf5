//! The tasks function's configuration, read once at cold start.

use shared::config::{ApiSettings, ConfigError, Env};

#[derive(Debug, Clone)]
pub struct TasksConfig {
    pub tasks_table: String,
    pub api: ApiSettings,
}

impl TasksConfig {
    pub fn from_env(env: Env) -> Result<Self, ConfigError> {
        env.read(|env| Self { tasks_table: env.required("TASKS_TABLE"), api: ApiSettings::from_env(env) })
    }
}
