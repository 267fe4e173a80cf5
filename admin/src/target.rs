//! Where the commands work: the running local stack (`--local`), a deployed stack found by its
//! CloudFormation outputs (`--stack`), or tables named on the command line. Each gives the
//! DynamoDB client, the table names, who is acting (for the audit), where audit records are kept
//! and, when known, the WebSocket management API (to close a user's connections).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::config::{Credentials, Region};

/// The tables the commands read and change.
#[derive(Debug, Clone)]
pub struct Tables {
    pub users: String,
    pub sessions: String,
    pub connections: String,
    pub tasks: String,
    pub expenses: String,
    pub budgets: String,
    pub revoked_tokens: String,
    pub login_throttle: String,
    pub mail: String,
}

pub struct Target {
    pub dynamo: aws_sdk_dynamodb::Client,
    pub tables: Tables,
    /// Who runs the command: the caller's identity from STS, or `local`.
    pub actor: String,
    /// Where audit records are kept besides standard error (the stack's audit table).
    pub audit_table: Option<String>,
    pub management: Option<aws_sdk_apigatewaymanagement::Client>,
}

/// How the command line said where to work.
pub enum Where {
    Local { state_dir: Option<PathBuf> },
    Stack { name: String, region: Option<String> },
    Explicit { tables: Box<Tables>, audit_table: Option<String>, management_endpoint: Option<String> },
}

impl Target {
    pub async fn resolve(place: Where) -> Result<Self> {
        match place {
            Where::Local { state_dir } => Self::local(state_dir).await,
            Where::Stack { name, region } => Self::stack(&name, region).await,
            Where::Explicit { tables, audit_table, management_endpoint } => {
                let config = operator_config().load().await;
                let actor = caller_identity(&config).await?;
                let management = management_endpoint.map(|endpoint| management_client(&config, &endpoint));
                Ok(Self {
                    dynamo: aws_sdk_dynamodb::Client::new(&config),
                    tables: *tables,
                    actor,
                    audit_table,
                    management,
                })
            }
        }
    }

    /// The stack `local/start` (or `local/test`) runs: its state folder's `stack.env` and
    /// `tables.env` name DynamoDB Local, the tables and the gateway. Dummy credentials only.
    async fn local(state_dir: Option<PathBuf>) -> Result<Self> {
        let dir = match state_dir {
            Some(dir) => dir,
            None => find_local_state()?,
        };
        let stack = read_env_file(&dir.join("stack.env"))?;
        let tables = read_env_file(&dir.join("tables.env"))?;
        let endpoint = stack
            .get("AWS_ENDPOINT_URL_DYNAMODB")
            .ok_or_else(|| anyhow!("{} names no AWS_ENDPOINT_URL_DYNAMODB", dir.join("stack.env").display()))?;
        let config = operator_config()
            .region(Region::new("us-east-1"))
            .credentials_provider(Credentials::new("local", "local", None, None, "taskmoney-admin"))
            .load()
            .await;
        let dynamo_config = aws_sdk_dynamodb::config::Builder::from(&config).endpoint_url(endpoint).build();
        let management = stack
            .get("WS_PORT")
            .filter(|port| !port.is_empty())
            .map(|port| management_client(&config, &format!("http://127.0.0.1:{port}")));
        Ok(Self {
            dynamo: aws_sdk_dynamodb::Client::from_conf(dynamo_config),
            tables: Tables::from_names(|name| tables.get(&format!("{name}_TABLE")).cloned())?,
            actor: "local".into(),
            audit_table: None,
            management,
        })
    }

    /// A deployed stack: table names and the management endpoint from its outputs, the
    /// operator's own credentials.
    async fn stack(name: &str, region: Option<String>) -> Result<Self> {
        let mut loader = operator_config();
        if let Some(region) = region {
            loader = loader.region(Region::new(region));
        }
        let config = loader.load().await;
        let described = aws_sdk_cloudformation::Client::new(&config)
            .describe_stacks()
            .stack_name(name)
            .send()
            .await
            .with_context(|| format!("describing stack {name}"))?;
        let outputs: HashMap<String, String> = described
            .stacks()
            .first()
            .ok_or_else(|| anyhow!("no stack {name}"))?
            .outputs()
            .iter()
            .filter_map(|output| Some((output.output_key()?.to_owned(), output.output_value()?.to_owned())))
            .collect();
        let output = |key: &str| outputs.get(key).cloned();
        let tables = Tables::from_names(|name| output(&format!("{}TableName", pascal(name))))?;
        let management = output("WebSocketManagementEndpoint").map(|endpoint| management_client(&config, &endpoint));
        Ok(Self {
            dynamo: aws_sdk_dynamodb::Client::new(&config),
            tables,
            actor: caller_identity(&config).await?,
            audit_table: output("AdminAuditTableName"),
            management,
        })
    }
}

impl Tables {
    /// Each table by its upper-case name (`USERS`, `SESSIONS`, ...).
    fn from_names(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |name: &str| lookup(name).ok_or_else(|| anyhow!("no name for the {} table", name.to_lowercase()));
        Ok(Self {
            users: get("USERS")?,
            sessions: get("SESSIONS")?,
            connections: get("CONNECTIONS")?,
            tasks: get("TASKS")?,
            expenses: get("EXPENSES")?,
            budgets: get("BUDGETS")?,
            revoked_tokens: get("REVOKED_TOKENS")?,
            login_throttle: get("LOGIN_THROTTLE")?,
            mail: get("MAIL")?,
        })
    }

    /// `(name, table)` for every table, in a stable order.
    pub fn all(&self) -> [(&'static str, &str); 9] {
        [
            ("users", &self.users),
            ("sessions", &self.sessions),
            ("connections", &self.connections),
            ("tasks", &self.tasks),
            ("expenses", &self.expenses),
            ("budgets", &self.budgets),
            ("revoked_tokens", &self.revoked_tokens),
            ("login_throttle", &self.login_throttle),
            ("mail", &self.mail),
        ]
    }
}

/// `REVOKED_TOKENS` -> `RevokedTokens`, as the template's output keys spell tables.
fn pascal(upper: &str) -> String {
    upper
        .split('_')
        .map(|word| {
            let lower = word.to_lowercase();
            let mut chars = lower.chars();
            chars.next().map(|first| first.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
        })
        .collect()
}

/// The operator's own AWS configuration (profiles, SSO, environment: the SDK's default chain),
/// over the project's one HTTPS client.
fn operator_config() -> aws_config::ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest()).http_client(shared::aws::https_client())
}

async fn caller_identity(config: &aws_config::SdkConfig) -> Result<String> {
    let identity = aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .context("asking STS who the caller is (for the audit record)")?;
    identity.arn().map(str::to_owned).ok_or_else(|| anyhow!("STS named no caller"))
}

fn management_client(config: &aws_config::SdkConfig, endpoint: &str) -> aws_sdk_apigatewaymanagement::Client {
    let config = aws_sdk_apigatewaymanagement::config::Builder::from(config).endpoint_url(endpoint).build();
    aws_sdk_apigatewaymanagement::Client::from_conf(config)
}

/// `local/.state` of the repository the current folder is in (local/start's default state folder).
fn find_local_state() -> Result<PathBuf> {
    let here = std::env::current_dir()?;
    for dir in here.ancestors() {
        let candidate = dir.join("local/.state");
        if candidate.join("stack.env").is_file() {
            return Ok(candidate);
        }
    }
    bail!(
        "no running local stack found (no local/.state/stack.env above {}); start one with local/start, or give --state-dir",
        here.display()
    )
}

fn read_env_file(path: &Path) -> Result<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter_map(|line| line.split_once('='))
        .map(|(key, value)| (key.trim().to_owned(), value.trim().to_owned()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_keys_are_the_tables_in_pascal_case() {
        assert_eq!(pascal("USERS"), "Users");
        assert_eq!(pascal("REVOKED_TOKENS"), "RevokedTokens");
        assert_eq!(pascal("LOGIN_THROTTLE"), "LoginThrottle");
    }
}
