//! The realtime function's configuration, read once at cold start.

use std::time::Duration;

use shared::config::{CallBounds, ConfigError, Env, IdentitySettings};

#[derive(Debug, Clone)]
pub struct RealtimeConfig {
    /// Checks the token of `$connect`, and that its user still exists.
    pub identity: IdentitySettings,
    pub connections_table: String,
    /// The tables whose streams feed the fan-out, told apart by name.
    pub resource_tables: ResourceTables,
    pub dynamo: CallBounds,
    pub management: ManagementSettings,
}

/// The names of the tables holding tasks, expenses and budgets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceTables {
    pub tasks: String,
    pub expenses: String,
    pub budgets: String,
}

/// Where and how connections are posted to: the API Gateway Management API of the
/// WebSocket stage (locally, the gateway that stands in for it).
#[derive(Debug, Clone)]
pub struct ManagementSettings {
    /// `https://<api-id>.execute-api.<region>.amazonaws.com/<stage>`, or `http://127.0.0.1:<port>`.
    pub endpoint: String,
    pub bounds: CallBounds,
}

impl ManagementSettings {
    pub fn from_env(env: &mut Env) -> Self {
        let endpoint = env.required("WEBSOCKET_MANAGEMENT_ENDPOINT");
        let well_formed = endpoint.starts_with("https://") || endpoint.starts_with("http://");
        if !endpoint.is_empty() && !well_formed {
            env.problem(format!("WEBSOCKET_MANAGEMENT_ENDPOINT must be an http(s) URL, got {endpoint:?}"));
        }
        // A post is one small request: fail fast, so one slow connection never holds up a batch.
        Self {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            bounds: CallBounds {
                connect_timeout: Duration::from_millis(1000),
                attempt_timeout: Duration::from_millis(2000),
                operation_timeout: Duration::from_millis(4000),
                max_attempts: 2,
            },
        }
    }
}

impl RealtimeConfig {
    pub fn from_env(env: Env) -> Result<Self, ConfigError> {
        env.read(|env| Self {
            identity: IdentitySettings::from_env(env),
            connections_table: env.required("CONNECTIONS_TABLE"),
            resource_tables: ResourceTables {
                tasks: env.required("TASKS_TABLE"),
                expenses: env.required("EXPENSES_TABLE"),
                budgets: env.required("BUDGETS_TABLE"),
            },
            dynamo: CallBounds::dynamodb_from_env(env),
            management: ManagementSettings::from_env(env),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_missing_variable_is_reported_at_once() {
        let message = RealtimeConfig::from_env(Env::from_vars(Vec::<(String, String)>::new())).unwrap_err().to_string();
        for name in [
            "SESSIONS_TABLE",
            "CONNECTIONS_TABLE",
            "TASKS_TABLE",
            "EXPENSES_TABLE",
            "BUDGETS_TABLE",
            "JWT_SECRET",
            "WEBSOCKET_MANAGEMENT_ENDPOINT",
        ] {
            assert!(message.contains(name), "{name} missing from {message}");
        }
    }

    #[test]
    fn the_management_endpoint_must_be_a_url() {
        let mut env = Env::from_vars([("WEBSOCKET_MANAGEMENT_ENDPOINT", "127.0.0.1:9001")]);
        ManagementSettings::from_env(&mut env);
        assert!(env.finish().unwrap_err().to_string().contains("http(s) URL"));

        let mut env = Env::from_vars([(
            "WEBSOCKET_MANAGEMENT_ENDPOINT",
            "https://abc.execute-api.eu-west-1.amazonaws.com/live/",
        )]);
        let settings = ManagementSettings::from_env(&mut env);
        env.finish().unwrap();
        assert_eq!(settings.endpoint, "https://abc.execute-api.eu-west-1.amazonaws.com/live");
    }
}
