//! The mailer's configuration, read once at cold start.

use std::time::Duration;

use auth::domain::ThrottlePolicy;
use shared::config::{CallBounds, ConfigError, Env};

#[derive(Debug, Clone)]
pub struct MailerConfig {
    pub users_table: String,
    pub mail_table: String,
    /// Where the per-address hourly counters live (beside the login counters, under other keys).
    pub throttle_table: String,
    pub dynamo: CallBounds,
    pub ses_bounds: CallBounds,
    /// The sender: an address of the SES identity the function may send from.
    pub from_address: String,
    /// The web app the mails' links open (`<frontend>/verify-email?token=...`), no trailing slash.
    pub frontend_url: String,
    /// The product's name, as the mails call it.
    pub product_name: String,
    /// Attempts to send one mail before it is recorded as failed.
    pub max_attempts: u32,
    /// Mails to one address within a window.
    pub per_address: ThrottlePolicy,
}

impl MailerConfig {
    pub fn from_env(env: Env) -> Result<Self, ConfigError> {
        env.read(|env| {
            let from_address = env.required("MAIL_FROM_ADDRESS");
            if !from_address.is_empty() && !from_address.contains('@') {
                env.problem(format!("MAIL_FROM_ADDRESS must be an email address, got {from_address:?}"));
            }
            let frontend_url = env.required("FRONTEND_URL");
            let web = frontend_url.starts_with("https://") || frontend_url.starts_with("http://");
            if !frontend_url.is_empty() && !web {
                env.problem(format!("FRONTEND_URL must be an http(s) URL, got {frontend_url:?}"));
            }
            Self {
                users_table: env.required("USERS_TABLE"),
                mail_table: env.required("MAIL_TABLE"),
                throttle_table: env.required("LOGIN_THROTTLE_TABLE"),
                dynamo: CallBounds::dynamodb_from_env(env),
                // SendEmail is one small request; the event source mapping retries what fails.
                ses_bounds: CallBounds {
                    connect_timeout: Duration::from_millis(2000),
                    attempt_timeout: Duration::from_millis(5000),
                    operation_timeout: Duration::from_millis(12_000),
                    max_attempts: 3,
                },
                from_address,
                frontend_url: frontend_url.trim_end_matches('/').to_owned(),
                product_name: env.parsed_or("PRODUCT_NAME", "taskmoney".to_owned()),
                max_attempts: env.parsed_or("MAIL_MAX_ATTEMPTS", 5u32).clamp(1, 100),
                per_address: ThrottlePolicy {
                    max_failures: env.parsed_or("MAIL_HOURLY_LIMIT", 3u32).max(1),
                    window: Duration::from_secs(3600),
                },
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vec<(&'static str, &'static str)> {
        vec![
            ("USERS_TABLE", "u"),
            ("MAIL_TABLE", "m"),
            ("LOGIN_THROTTLE_TABLE", "t"),
            ("MAIL_FROM_ADDRESS", "no-reply@example.com"),
            ("FRONTEND_URL", "https://app.example.com/"),
        ]
    }

    #[test]
    fn defaults_and_a_frontend_without_its_trailing_slash() {
        let config = MailerConfig::from_env(Env::from_vars(vars())).unwrap();
        assert_eq!(config.frontend_url, "https://app.example.com");
        assert_eq!(config.product_name, "taskmoney");
        assert_eq!(config.max_attempts, 5);
        assert_eq!(config.per_address.max_failures, 3);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let message = MailerConfig::from_env(Env::from_vars(Vec::<(String, String)>::new())).unwrap_err().to_string();
        for name in ["USERS_TABLE", "MAIL_TABLE", "LOGIN_THROTTLE_TABLE", "MAIL_FROM_ADDRESS", "FRONTEND_URL"] {
            assert!(message.contains(name), "{name} missing from {message}");
        }
        let mut bad = vars();
        bad.retain(|(name, _)| *name != "FRONTEND_URL" && *name != "MAIL_FROM_ADDRESS");
        bad.push(("FRONTEND_URL", "app.example.com"));
        bad.push(("MAIL_FROM_ADDRESS", "nobody"));
        let message = MailerConfig::from_env(Env::from_vars(bad)).unwrap_err().to_string();
        assert!(message.contains("FRONTEND_URL") && message.contains("MAIL_FROM_ADDRESS"), "{message}");
    }
}
