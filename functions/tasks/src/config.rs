//! The tasks function's configuration, read once at cold start.

use shared::config::{CallBounds, ConfigError, CorsSettings, Env, JwtSettings};

#[derive(Debug, Clone)]
pub struct TasksConfig {
    pub tasks_table: String,
    /// Read to refuse tokens of users who no longer exist.
    pub users_table: String,
    pub jwt: JwtSettings,
    pub cors: CorsSettings,
    pub dynamo: CallBounds,
}

impl TasksConfig {
    pub fn from_env(mut env: Env) -> Result<Self, ConfigError> {
        let config = Self {
            tasks_table: env.required("TASKS_TABLE"),
            users_table: env.required("USERS_TABLE"),
            jwt: JwtSettings::from_env(&mut env),
            cors: CorsSettings::from_env(&mut env),
            dynamo: CallBounds::dynamodb_from_env(&mut env),
        };
        env.finish()?;
        Ok(config)
    }
}
