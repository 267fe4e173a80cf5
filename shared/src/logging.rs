//! Logging as Lambda's advanced logging controls ask for it: JSON lines when
//! `AWS_LAMBDA_LOG_FORMAT=JSON`, the level from `AWS_LAMBDA_LOG_LEVEL`, else `RUST_LOG`, else INFO.
//!
//! `RUST_LOG` may name levels per target (`info,shared=debug`); it is parsed as
//! `tracing_subscriber`'s `Targets`, not `EnvFilter`, whose regex engine would add about 250 KB to
//! every function for span-field filters no one here uses.

use std::str::FromStr;

use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the process's subscriber, once, at cold start. Each invocation runs inside the
/// runtime's span carrying its request id.
pub fn init() {
    let format = std::env::var("AWS_LAMBDA_LOG_FORMAT").unwrap_or_default();
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL").or_else(|_| std::env::var("RUST_LOG")).ok();
    let (filter, rejected) = filter_from(level.as_deref());
    let lines = tracing_subscriber::fmt::layer().with_target(false).without_time().with_writer(std::io::stdout);
    let registry = tracing_subscriber::registry().with(filter);
    if format.eq_ignore_ascii_case("json") {
        registry.with(lines.json()).init();
    } else {
        registry.with(lines).init();
    }
    if let Some(setting) = rejected {
        tracing::warn!(setting, "the log level setting is not understood; logging at INFO");
    }
}

/// The filter a setting asks for, and the setting itself when it is not understood (INFO then).
fn filter_from(setting: Option<&str>) -> (Targets, Option<String>) {
    let info = Targets::new().with_default(LevelFilter::INFO);
    let Some(setting) = setting.map(str::trim).filter(|setting| !setting.is_empty()) else {
        return (info, None);
    };
    // Lambda's own names (TRACE ... FATAL); FATAL has no tracing level, ERROR is the closest.
    let setting_lower = setting.to_ascii_lowercase();
    let normalised = if setting_lower == "fatal" { "error" } else { setting_lower.as_str() };
    match Targets::from_str(normalised) {
        Ok(targets) if targets.default_level().is_some() => (targets, None),
        Ok(targets) => (targets.with_default(LevelFilter::INFO), None),
        Err(_) => (info, Some(setting.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::*;

    fn allows(setting: Option<&str>, target: &str, level: Level) -> bool {
        filter_from(setting).0.would_enable(target, &level)
    }

    #[test]
    fn info_unless_told_otherwise() {
        assert!(allows(None, "shared", Level::INFO));
        assert!(!allows(None, "shared", Level::DEBUG));
        assert!(!allows(Some("  "), "shared", Level::DEBUG));
    }

    #[test]
    fn lambda_level_names_are_understood_in_any_case() {
        assert!(allows(Some("DEBUG"), "shared", Level::DEBUG));
        assert!(!allows(Some("WARN"), "shared", Level::INFO));
        assert!(allows(Some("FATAL"), "shared", Level::ERROR));
        assert!(!allows(Some("FATAL"), "shared", Level::WARN));
    }

    #[test]
    fn targets_get_their_own_levels_and_the_rest_stays_at_the_default() {
        assert!(allows(Some("warn,shared=debug"), "shared::store", Level::DEBUG));
        assert!(!allows(Some("warn,shared=debug"), "aws_smithy_runtime", Level::INFO));
        assert!(allows(Some("shared=debug"), "tasks", Level::INFO));
        assert!(!allows(Some("shared=debug"), "tasks", Level::DEBUG));
    }

    #[test]
    fn a_setting_not_understood_logs_at_info_and_is_reported() {
        let (filter, rejected) = filter_from(Some("[span{field=1}]=loud"));
        assert!(filter.would_enable("shared", &Level::INFO));
        assert!(!filter.would_enable("shared", &Level::DEBUG));
        assert_eq!(rejected.as_deref(), Some("[span{field=1}]=loud"));
    }
}
