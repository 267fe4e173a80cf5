//! Tooling for the local stack (DynamoDB Local + `cargo lambda watch`) and for handler tests.
//!
//! * [`create_tables`] creates every `AWS::DynamoDB::Table` of template.yaml in DynamoDB Local
//!   under a name prefix, so the tables used locally and in tests are always the template's.
//! * [`table_env`] gives the environment variables (`USERS_TABLE`, ...) that the template passes to
//!   the functions with `!Ref <Table>`, mapped to the created names.
//! * [`routes`] compares the template's `HttpApi` routes with the `cargo lambda watch` router in the
//!   root Cargo.toml (`devtools check-routes`).
//!
//! # In a handler test
//!
//! Run under `local/test` (or with DynamoDB Local running and `AWS_ENDPOINT_URL_DYNAMODB` plus the
//! dummy `AWS_*` settings exported, as `local/lib/tools.sh` `export_dummy_aws_env` does): each test creates its own fresh tables.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let template = devtools::repository_root().join("template.yaml");
//! let client = devtools::local_client().await?; // refuses to run without AWS_ENDPOINT_URL_DYNAMODB
//! let tables = devtools::create_tables(&client, &template, &devtools::unique_prefix("auth")).await?;
//! let users = tables.get("UsersTable"); // e.g. "t1764000000000-4242-0-auth-UsersTable"
//! let env = devtools::table_env(&template, &tables)?; // {"USERS_TABLE": users, ...}
//! # let _ = (users, env); Ok(()) }
//! ```
//!
pub mod routes;
pub mod tables;
pub mod template;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The repository's root, where `template.yaml` is: the nearest folder holding it, from the
/// running test's crate upwards. `CARGO_MANIFEST_DIR` is read when the test runs, not when it
/// was compiled, so a target directory shared by several clones never points a test at another
/// clone's files.
pub fn repository_root() -> PathBuf {
    let crate_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    crate_dir.ancestors().find(|dir| dir.join("template.yaml").is_file()).map_or(crate_dir.clone(), Path::to_path_buf)
}

use anyhow::{Context, Result, bail};
use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{Credentials, Region};

pub use tables::{TableNames, create_tables, create_tables_from, delete_tables, table_env, table_env_from};
pub use template::Template;

/// A DynamoDB client for DynamoDB Local.
///
/// Requires `AWS_ENDPOINT_URL_DYNAMODB` (it never talks to real AWS) and uses static credentials
/// (`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`, default `local`) and `AWS_REGION` (default
/// `us-east-1`), so the SDK never walks the default credential chain to the instance-metadata
/// address. Short connect/operation timeouts make a stopped DynamoDB Local fail fast.
pub async fn local_client() -> Result<Client> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").context(
        "AWS_ENDPOINT_URL_DYNAMODB is not set: start DynamoDB Local (local/test or local/start does) \
         and point this at it",
    )?;
    let host = endpoint.split("://").nth(1).unwrap_or_default().split(['/', ':']).next().unwrap_or_default();
    if !matches!(host, "127.0.0.1" | "localhost" | "[") && !host.starts_with("127.") {
        bail!("AWS_ENDPOINT_URL_DYNAMODB={endpoint} is not a loopback address; refusing to use it");
    }
    let key = std::env::var("AWS_ACCESS_KEY_ID").unwrap_or_else(|_| "local".into());
    let secret = std::env::var("AWS_SECRET_ACCESS_KEY").unwrap_or_else(|_| "local".into());
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into());
    let config = aws_config::defaults(BehaviorVersion::latest())
        .http_client(shared::aws::https_client())
        .credentials_provider(Credentials::new(key, secret, None, None, "devtools-static"))
        .region(Region::new(region))
        .endpoint_url(endpoint)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_timeout(Duration::from_secs(20))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(3))
        .load()
        .await;
    Ok(Client::new(&config))
}

/// An SDK error as one readable line: `Code: message` for service errors (e.g.
/// `ResourceInUseException: Cannot create preexisting table`), the full context otherwise.
pub fn sdk_err<E, R>(e: aws_sdk_dynamodb::error::SdkError<E, R>) -> anyhow::Error
where
    E: std::error::Error + aws_sdk_dynamodb::error::ProvideErrorMetadata + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match e {
        aws_sdk_dynamodb::error::SdkError::ServiceError(se) => {
            let err = se.into_err();
            anyhow::anyhow!("{}: {}", err.code().unwrap_or("ServiceError"), err.message().unwrap_or("(no message)"))
        }
        other => anyhow::anyhow!("{}", aws_sdk_dynamodb::error::DisplayErrorContext(other)),
    }
}

/// A table-name prefix unique to this process and call, e.g. `t1764000000000-4242-0-auth-`
/// (only characters DynamoDB allows in table names).
pub fn unique_prefix(label: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let millis = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let label: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' })
        .take(40)
        .collect();
    format!("t{millis}-{}-{n}-{label}-", std::process::id())
}
