//! The docs function's configuration, read once at cold start.

use shared::config::{ConfigError, CorsSettings, Env};

#[derive(Debug, Clone)]
pub struct DocsConfig {
    pub cors: CorsSettings,
}

impl DocsConfig {
    pub fn from_env(env: Env) -> Result<Self, ConfigError> {
        env.read(|env| Self { cors: CorsSettings::from_env(env) })
    }
}
