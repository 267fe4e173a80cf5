//! Configuration, read once from the environment at cold start.
//!
//! Every function builds its own config struct out of the pieces here. All problems
//! are collected first and reported together, so a misconfigured deployment fails at
//! start with one message that names every missing or malformed variable.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use http::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

/// A reader over environment variables that remembers every problem it meets.
pub struct Env {
    vars: HashMap<String, String>,
    problems: Vec<String>,
}

/// The configuration could not be read; the message lists every problem.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration:\n  - {}", .0.join("\n  - "))]
pub struct ConfigError(Vec<String>);

impl Env {
    /// Reads the process environment.
    pub fn from_process() -> Self {
        Self::from_vars(std::env::vars())
    }

    /// Reads the given variables (for tests).
    pub fn from_vars<K: Into<String>, V: Into<String>>(vars: impl IntoIterator<Item = (K, V)>) -> Self {
        Self { vars: vars.into_iter().map(|(k, v)| (k.into(), v.into())).collect(), problems: Vec::new() }
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    /// A variable that must be set and non-empty.
    pub fn required(&mut self, name: &str) -> String {
        match self.value(name) {
            Some(value) => value.to_owned(),
            None => {
                self.problems.push(format!("{name} is required but not set"));
                String::new()
            }
        }
    }

    /// A variable that may be absent, in which case `default` is used.
    pub fn parsed_or<T>(&mut self, name: &str, default: T) -> T
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        match self.value(name).map(str::parse::<T>) {
            None => default,
            Some(Ok(value)) => value,
            Some(Err(err)) => {
                self.problems.push(format!("{name} is malformed: {err}"));
                default
            }
        }
    }

    /// A whole number of seconds within `range`, or `default` when absent.
    pub fn seconds_or(&mut self, name: &str, default: u64, range: std::ops::RangeInclusive<u64>) -> Duration {
        let seconds = self.parsed_or(name, default);
        if !range.contains(&seconds) {
            self.problems.push(format!(
                "{name} must be between {} and {} seconds, got {seconds}",
                range.start(),
                range.end()
            ));
        }
        Duration::from_secs(seconds)
    }

    /// A comma-separated list; absent means empty.
    pub fn list(&mut self, name: &str) -> Vec<String> {
        self.value(name)
            .map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default()
    }

    /// Records a problem found while interpreting values already read.
    pub fn problem(&mut self, message: impl Into<String>) {
        self.problems.push(message.into());
    }

    /// Ends reading: `Ok` when every variable was present and well formed.
    pub fn finish(self) -> Result<(), ConfigError> {
        if self.problems.is_empty() { Ok(()) } else { Err(ConfigError(self.problems)) }
    }

    /// A whole configuration, read by `read`, with every problem it met reported at once.
    pub fn read<T>(mut self, read: impl FnOnce(&mut Env) -> T) -> Result<T, ConfigError> {
        let config = read(&mut self);
        self.finish()?;
        Ok(config)
    }
}

/// What checks an access token: the JWT settings, and the sessions table that says whether
/// the token's session is still open.
#[derive(Debug, Clone)]
pub struct IdentitySettings {
    pub sessions_table: String,
    pub jwt: JwtSettings,
}

impl IdentitySettings {
    pub fn from_env(env: &mut Env) -> Self {
        Self { sessions_table: env.required("SESSIONS_TABLE"), jwt: JwtSettings::from_env(env) }
    }
}

/// What every function of the HTTP API that takes tokens reads: identity, the origins
/// browsers may call from, and the bounds of its DynamoDB calls.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    pub identity: IdentitySettings,
    pub cors: CorsSettings,
    pub dynamo: CallBounds,
}

impl ApiSettings {
    pub fn from_env(env: &mut Env) -> Self {
        Self {
            identity: IdentitySettings::from_env(env),
            cors: CorsSettings::from_env(env),
            dynamo: CallBounds::dynamodb_from_env(env),
        }
    }
}

/// Everything needed to issue and verify JWTs.
#[derive(Clone)]
pub struct JwtSettings {
    pub secret: SecretString,
    pub issuer: String,
    pub audience: String,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

impl fmt::Debug for JwtSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtSettings")
            .field("secret", &"[redacted]")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("access_ttl", &self.access_ttl)
            .field("refresh_ttl", &self.refresh_ttl)
            .finish()
    }
}

/// HS256 keys shorter than the hash output weaken the signature (RFC 7518 §3.2).
pub const MIN_JWT_SECRET_BYTES: usize = 32;

impl JwtSettings {
    pub fn from_env(env: &mut Env) -> Self {
        let secret = env.required("JWT_SECRET");
        if !secret.is_empty() && secret.len() < MIN_JWT_SECRET_BYTES {
            env.problem(format!("JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes long"));
        }
        let settings = Self {
            secret: SecretString::from(secret),
            issuer: env.required("JWT_ISSUER"),
            audience: env.required("JWT_AUDIENCE"),
            access_ttl: env.seconds_or("ACCESS_TOKEN_TTL_SECONDS", 15 * 60, 60..=24 * 3600),
            refresh_ttl: env.seconds_or("REFRESH_TOKEN_TTL_SECONDS", 24 * 3600, 300..=90 * 24 * 3600),
        };
        if settings.refresh_ttl <= settings.access_ttl {
            env.problem("REFRESH_TOKEN_TTL_SECONDS must be longer than ACCESS_TOKEN_TTL_SECONDS");
        }
        settings
    }

    pub fn secret_bytes(&self) -> &[u8] {
        self.secret.expose_secret().as_bytes()
    }
}

/// Origins allowed to call the API from a browser.
#[derive(Debug, Clone, Default)]
pub struct CorsSettings {
    pub allowed_origins: Vec<HeaderValue>,
}

impl CorsSettings {
    pub fn from_env(env: &mut Env) -> Self {
        let mut allowed_origins = Vec::new();
        for origin in env.list("CORS_ALLOWED_ORIGINS") {
            let well_formed =
                (origin.starts_with("https://") || origin.starts_with("http://")) && !origin.ends_with('/');
            match HeaderValue::from_str(&origin) {
                Ok(value) if well_formed => allowed_origins.push(value),
                _ => env.problem(format!(
                    "CORS_ALLOWED_ORIGINS has a malformed origin {origin:?} (expected scheme://host[:port])"
                )),
            }
        }
        Self { allowed_origins }
    }
}

/// Bounds on every call of an AWS client, so a request always ends in bounded time.
#[derive(Debug, Clone)]
pub struct CallBounds {
    pub connect_timeout: Duration,
    pub attempt_timeout: Duration,
    pub operation_timeout: Duration,
    pub max_attempts: u32,
}

/// DynamoDB's defaults: 1 s to connect, 2 s per attempt, 3 attempts, 5 s in all.
impl Default for CallBounds {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_millis(1000),
            attempt_timeout: Duration::from_millis(2000),
            operation_timeout: Duration::from_millis(5000),
            max_attempts: 3,
        }
    }
}

impl CallBounds {
    /// The bounds of DynamoDB calls: the defaults, or `DYNAMODB_*_MS` and `DYNAMODB_MAX_ATTEMPTS`.
    pub fn dynamodb_from_env(env: &mut Env) -> Self {
        let defaults = Self::default();
        let millis = |env: &mut Env, name: &str, default: Duration| {
            Duration::from_millis(env.parsed_or(name, default.as_millis() as u64))
        };
        Self {
            connect_timeout: millis(env, "DYNAMODB_CONNECT_TIMEOUT_MS", defaults.connect_timeout),
            attempt_timeout: millis(env, "DYNAMODB_ATTEMPT_TIMEOUT_MS", defaults.attempt_timeout),
            operation_timeout: millis(env, "DYNAMODB_OPERATION_TIMEOUT_MS", defaults.operation_timeout),
            max_attempts: env.parsed_or("DYNAMODB_MAX_ATTEMPTS", defaults.max_attempts).max(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt_vars() -> Vec<(&'static str, &'static str)> {
        vec![
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef-test"),
            ("JWT_ISSUER", "issuer"),
            ("JWT_AUDIENCE", "audience"),
        ]
    }

    #[test]
    fn reads_jwt_settings_with_defaults() {
        let mut env = Env::from_vars(jwt_vars());
        let jwt = JwtSettings::from_env(&mut env);
        env.finish().unwrap();
        assert_eq!(jwt.issuer, "issuer");
        assert_eq!(jwt.access_ttl, Duration::from_secs(900));
        assert_eq!(jwt.refresh_ttl, Duration::from_secs(86_400));
    }

    #[test]
    fn reports_every_problem_at_once() {
        let mut env = Env::from_vars([("JWT_SECRET", "short"), ("ACCESS_TOKEN_TTL_SECONDS", "soon")]);
        let _ = JwtSettings::from_env(&mut env);
        let message = env.finish().unwrap_err().to_string();
        for expected in [
            "JWT_SECRET must be at least",
            "JWT_ISSUER is required",
            "JWT_AUDIENCE is required",
            "ACCESS_TOKEN_TTL_SECONDS is malformed",
        ] {
            assert!(message.contains(expected), "{expected:?} missing from {message}");
        }
    }

    #[test]
    fn secret_is_not_debug_printed() {
        let mut env = Env::from_vars(jwt_vars());
        let jwt = JwtSettings::from_env(&mut env);
        assert!(!format!("{jwt:?}").contains("0123456789abcdef"));
    }

    #[test]
    fn cors_origins_are_validated() {
        let mut env = Env::from_vars([("CORS_ALLOWED_ORIGINS", "http://localhost:3000, https://app.example.com")]);
        let cors = CorsSettings::from_env(&mut env);
        env.finish().unwrap();
        assert_eq!(cors.allowed_origins.len(), 2);

        let mut env = Env::from_vars([("CORS_ALLOWED_ORIGINS", "localhost:3000,https://x.example/")]);
        CorsSettings::from_env(&mut env);
        assert!(env.finish().unwrap_err().to_string().contains("malformed origin"));
    }
}
