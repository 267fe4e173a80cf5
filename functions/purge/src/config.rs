//! The purge function's configuration, read once at cold start.

use std::time::Duration;

use realtime::config::ManagementSettings;
use shared::config::{CallBounds, ConfigError, Env};

#[derive(Debug, Clone)]
pub struct PurgeConfig {
    pub tables: AccountTables,
    pub dynamo: CallBounds,
    /// Where connections are closed: the WebSocket stage's management API.
    pub management: ManagementSettings,
    /// How long one invocation purges before it hands the rest to the next (below the
    /// function's timeout, with room for the answer).
    pub time_budget: Duration,
    /// How long after a deletion a request authenticated just before it may still write (the
    /// API functions' timeout, and a margin): the purge looks again once this has passed.
    pub late_write_grace: Duration,
}

/// Every table holding what an account owns, besides the users table itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountTables {
    pub sessions: String,
    pub connections: String,
    pub tasks: String,
    pub expenses: String,
    pub budgets: String,
    /// The mail outbox and the mails' tokens, under the user they concern.
    pub mail: String,
}

impl PurgeConfig {
    pub fn from_env(env: Env) -> Result<Self, ConfigError> {
        env.read(|env| Self {
            tables: AccountTables {
                sessions: env.required("SESSIONS_TABLE"),
                connections: env.required("CONNECTIONS_TABLE"),
                tasks: env.required("TASKS_TABLE"),
                expenses: env.required("EXPENSES_TABLE"),
                budgets: env.required("BUDGETS_TABLE"),
                mail: env.required("MAIL_TABLE"),
            },
            dynamo: CallBounds::dynamodb_from_env(env),
            management: ManagementSettings::from_env(env),
            time_budget: env.seconds_or("PURGE_TIME_BUDGET_SECONDS", 240, 1..=840),
            late_write_grace: env.seconds_or("LATE_WRITE_GRACE_SECONDS", 15, 0..=120),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_missing_variable_is_reported_at_once() {
        let message = PurgeConfig::from_env(Env::from_vars(Vec::<(String, String)>::new())).unwrap_err().to_string();
        for name in [
            "SESSIONS_TABLE",
            "CONNECTIONS_TABLE",
            "TASKS_TABLE",
            "EXPENSES_TABLE",
            "BUDGETS_TABLE",
            "MAIL_TABLE",
            "WEBSOCKET_MANAGEMENT_ENDPOINT",
        ] {
            assert!(message.contains(name), "{name} missing from {message}");
        }
    }

    #[test]
    fn budgets_outside_their_range_are_refused() {
        let mut vars: Vec<(&str, &str)> = vec![
            ("SESSIONS_TABLE", "s"),
            ("CONNECTIONS_TABLE", "c"),
            ("TASKS_TABLE", "t"),
            ("EXPENSES_TABLE", "e"),
            ("BUDGETS_TABLE", "b"),
            ("MAIL_TABLE", "m"),
            ("WEBSOCKET_MANAGEMENT_ENDPOINT", "http://127.0.0.1:1"),
        ];
        let config = PurgeConfig::from_env(Env::from_vars(vars.clone())).unwrap();
        assert_eq!(config.time_budget, Duration::from_secs(240));
        assert_eq!(config.late_write_grace, Duration::from_secs(15));
        vars.push(("PURGE_TIME_BUDGET_SECONDS", "0"));
        let message = PurgeConfig::from_env(Env::from_vars(vars)).unwrap_err().to_string();
        assert!(message.contains("PURGE_TIME_BUDGET_SECONDS"), "{message}");
    }
}
