//! Reading what the local stack needs out of the SAM template: DynamoDB tables, the environment
//! variables that carry table names, and the HTTP API routes of each function.
//!
//! The template is parsed as YAML with CloudFormation's short-form intrinsics (`!Ref X`, `!Sub`,
//! `!GetAtt`, ...) kept as tagged values; the long form (`{"Ref": "X"}`) is understood as well.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;
use serde_norway::{Mapping, Value};

/// A parsed template.yaml.
#[derive(Debug, Clone)]
pub struct Template {
    root: Value,
    /// Folder holding the template; `CodeUri`s are relative to it.
    dir: PathBuf,
}

/// One `AWS::DynamoDB::Table` resource.
#[derive(Debug, Clone, PartialEq)]
pub struct TableSpec {
    pub logical_id: String,
    pub props: TableProps,
}

/// The parts of a table's `Properties` that the local copy reproduces. Other properties
/// (`PointInTimeRecoverySpecification`, `SSESpecification`, `Tags`, ...) do not change behaviour
/// locally and are ignored.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableProps {
    #[serde(default)]
    pub attribute_definitions: Vec<AttributeDefinition>,
    pub key_schema: Vec<KeyElement>,
    #[serde(default)]
    pub global_secondary_indexes: Vec<SecondaryIndex>,
    #[serde(default)]
    pub local_secondary_indexes: Vec<SecondaryIndex>,
    #[serde(default)]
    pub billing_mode: Option<String>,
    #[serde(default)]
    pub provisioned_throughput: Option<Throughput>,
    #[serde(default)]
    pub stream_specification: Option<StreamSpecification>,
    #[serde(default)]
    pub time_to_live_specification: Option<TimeToLiveSpecification>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeDefinition {
    pub attribute_name: String,
    pub attribute_type: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeyElement {
    pub attribute_name: String,
    pub key_type: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecondaryIndex {
    pub index_name: String,
    pub key_schema: Vec<KeyElement>,
    pub projection: Projection,
    #[serde(default)]
    pub provisioned_throughput: Option<Throughput>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Projection {
    #[serde(default)]
    pub projection_type: Option<String>,
    #[serde(default)]
    pub non_key_attributes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Throughput {
    #[serde(deserialize_with = "int_or_string")]
    pub read_capacity_units: i64,
    #[serde(deserialize_with = "int_or_string")]
    pub write_capacity_units: i64,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamSpecification {
    pub stream_view_type: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TimeToLiveSpecification {
    pub attribute_name: String,
    #[serde(default = "yes", deserialize_with = "bool_or_string")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

fn int_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum IntOrString {
        Int(i64),
        Str(String),
    }
    match IntOrString::deserialize(d)? {
        IntOrString::Int(i) => Ok(i),
        IntOrString::Str(s) => s.trim().parse().map_err(serde::de::Error::custom),
    }
}

fn bool_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum BoolOrString {
        Bool(bool),
        Str(String),
    }
    match BoolOrString::deserialize(d)? {
        BoolOrString::Bool(b) => Ok(b),
        BoolOrString::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(serde::de::Error::custom(format!("expected true or false, got {other:?}"))),
        },
    }
}

/// Where an HTTP API event sends requests.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum RouteTarget {
    /// API Gateway's `$default` route (an `HttpApi` event without `Path`).
    Default,
    /// A path as written in the template, e.g. `/tasks/{id}` or `/{proxy+}`.
    Path(String),
}

/// One `HttpApi` event of a function.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HttpRoute {
    pub target: RouteTarget,
    /// Upper-case method; `None` for `ANY` (or no method given).
    pub method: Option<String>,
    /// The binary that cargo lambda runs for this function.
    pub binary: String,
    pub function_logical_id: String,
    pub event_name: String,
}

impl Template {
    /// Reads and parses a template file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read template {}", path.display()))?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Self::parse(&text, &dir).with_context(|| format!("in template {}", path.display()))
    }

    /// Parses template text; `dir` is where relative `CodeUri`s are resolved.
    pub fn parse(text: &str, dir: &Path) -> Result<Self> {
        let root: Value = serde_norway::from_str(text).context("template is not valid YAML")?;
        if !root.is_mapping() {
            bail!("template is not a YAML mapping");
        }
        Ok(Self { root, dir: dir.to_path_buf() })
    }

    fn resources(&self) -> Result<&Mapping> {
        self.root
            .get("Resources")
            .and_then(Value::as_mapping)
            .ok_or_else(|| anyhow!("template has no Resources mapping"))
    }

    /// `(logical id, resource)` pairs of the given type, in template order.
    fn resources_of_type<'a>(&'a self, types: &[&str]) -> Result<Vec<(String, &'a Value)>> {
        let mut out = Vec::new();
        for (id, res) in self.resources()? {
            let id = id.as_str().ok_or_else(|| anyhow!("resource key {id:?} is not a string"))?;
            let ty = res.get("Type").and_then(Value::as_str).unwrap_or_default();
            if types.contains(&ty) {
                out.push((id.to_string(), res));
            }
        }
        Ok(out)
    }

    /// Every `AWS::DynamoDB::Table` resource.
    pub fn tables(&self) -> Result<Vec<TableSpec>> {
        let mut out = Vec::new();
        for (id, res) in self.resources_of_type(&["AWS::DynamoDB::Table"])? {
            let props = res.get("Properties").cloned().ok_or_else(|| anyhow!("table {id} has no Properties"))?;
            let props: TableProps = serde_norway::from_value(props).with_context(|| {
                format!(
                    "cannot read the Properties of table {id} (intrinsic functions such as !If are \
                     not supported in the parts the local stack reproduces)"
                )
            })?;
            out.push(TableSpec { logical_id: id, props });
        }
        Ok(out)
    }

    /// Environment variables of every function (and `Globals.Function`) whose value is
    /// `!Ref <logical id of a table>`, as variable -> table logical id.
    ///
    /// Fails when one variable names different tables in different functions: the local stack
    /// gives every function the same environment.
    pub fn table_env_refs(&self) -> Result<BTreeMap<String, String>> {
        let tables: Vec<String> = self.tables()?.into_iter().map(|t| t.logical_id).collect();
        let mut sources: Vec<(String, &Value)> = Vec::new();
        if let Some(vars) = self
            .root
            .get("Globals")
            .and_then(|g| g.get("Function"))
            .and_then(|f| f.get("Environment"))
            .and_then(|e| e.get("Variables"))
        {
            sources.push(("Globals.Function".to_string(), vars));
        }
        for (id, res) in self.resources_of_type(&["AWS::Serverless::Function", "AWS::Lambda::Function"])? {
            if let Some(vars) =
                res.get("Properties").and_then(|p| p.get("Environment")).and_then(|e| e.get("Variables"))
            {
                sources.push((id, vars));
            }
        }

        let mut out: BTreeMap<String, (String, String)> = BTreeMap::new();
        for (owner, vars) in sources {
            let Some(vars) = vars.as_mapping() else { continue };
            for (name, value) in vars {
                let Some(name) = name.as_str() else { continue };
                let Some(target) = ref_target(value) else { continue };
                if !tables.iter().any(|t| t == target) {
                    continue;
                }
                if let Some((prev_table, prev_owner)) = out.get(name) {
                    if prev_table != target {
                        bail!(
                            "environment variable {name} is !Ref {prev_table} in {prev_owner} but \
                             !Ref {target} in {owner}; locally every function shares one \
                             environment, so use distinct variable names"
                        );
                    }
                    continue;
                }
                out.insert(name.to_string(), (target.to_string(), owner.clone()));
            }
        }
        Ok(out.into_iter().map(|(k, (table, _))| (k, table)).collect())
    }

    /// Every `HttpApi` event of every `AWS::Serverless::Function`.
    pub fn http_routes(&self) -> Result<Vec<HttpRoute>> {
        let mut out = Vec::new();
        for (id, res) in self.resources_of_type(&["AWS::Serverless::Function"])? {
            let Some(events) = res.get("Properties").and_then(|p| p.get("Events")).and_then(Value::as_mapping) else {
                continue;
            };
            let mut binary = None;
            for (event_name, event) in events {
                if event.get("Type").and_then(Value::as_str) != Some("HttpApi") {
                    continue;
                }
                let event_name = event_name.as_str().unwrap_or_default().to_string();
                if binary.is_none() {
                    binary = Some(self.function_binary(&id, res)?);
                }
                let props = event.get("Properties");
                let path = match props.and_then(|p| p.get("Path")) {
                    None => None,
                    Some(v) => Some(
                        v.as_str().ok_or_else(|| anyhow!("{id} event {event_name}: Path must be a plain string"))?,
                    ),
                };
                let method = match props.and_then(|p| p.get("Method")) {
                    None => None,
                    Some(v) => Some(
                        v.as_str().ok_or_else(|| anyhow!("{id} event {event_name}: Method must be a plain string"))?,
                    ),
                };
                let target = match path {
                    None | Some("$default") => RouteTarget::Default,
                    Some(p) if p.starts_with('/') => RouteTarget::Path(p.to_string()),
                    Some(p) => bail!("{id} event {event_name}: Path {p:?} must start with /"),
                };
                let method = match method.map(str::to_ascii_uppercase) {
                    None => None,
                    Some(m) if m == "ANY" || m == "X-AMAZON-APIGATEWAY-ANY-METHOD" => None,
                    Some(m) => Some(m),
                };
                out.push(HttpRoute {
                    target,
                    method,
                    binary: binary.clone().unwrap_or_default(),
                    function_logical_id: id.clone(),
                    event_name,
                });
            }
        }
        Ok(out)
    }

    /// Every `DynamoDB` event of every `AWS::Serverless::Function`, as `(table logical id,
    /// binary)`: whose stream feeds which function.
    pub fn stream_triggers(&self) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        for (id, res) in self.resources_of_type(&["AWS::Serverless::Function"])? {
            let Some(events) = res.get("Properties").and_then(|p| p.get("Events")).and_then(Value::as_mapping) else {
                continue;
            };
            for (event_name, event) in events {
                if event.get("Type").and_then(Value::as_str) != Some("DynamoDB") {
                    continue;
                }
                let stream = event.get("Properties").and_then(|p| p.get("Stream"));
                let table = stream
                    .and_then(stream_table)
                    .ok_or_else(|| anyhow!("{id} event {event_name:?}: Stream must be !GetAtt <Table>.StreamArn"))?;
                out.push((table.to_owned(), self.function_binary(&id, res)?));
            }
        }
        Ok(out)
    }

    /// The cargo binary of every `AWS::Serverless::Function` (sorted, without duplicates).
    pub fn function_binaries(&self) -> Result<Vec<String>> {
        let mut out = std::collections::BTreeSet::new();
        for (id, res) in self.resources_of_type(&["AWS::Serverless::Function"])? {
            out.insert(self.function_binary(&id, res)?);
        }
        Ok(out.into_iter().collect())
    }

    /// The cargo binary of a function: `Metadata.BuildProperties.Binary` when set, else the
    /// package name in `<CodeUri>/Cargo.toml` (SAM's `rust-cargolambda` build method uses the same).
    fn function_binary(&self, id: &str, res: &Value) -> Result<String> {
        if let Some(bin) = res
            .get("Metadata")
            .and_then(|m| m.get("BuildProperties"))
            .and_then(|b| b.get("Binary"))
            .and_then(Value::as_str)
        {
            return Ok(bin.to_string());
        }
        let code_uri = res
            .get("Properties")
            .and_then(|p| p.get("CodeUri"))
            .or_else(|| self.root.get("Globals").and_then(|g| g.get("Function")).and_then(|f| f.get("CodeUri")))
            .and_then(Value::as_str)
            .ok_or_else(|| anyhow!("{id}: no CodeUri (and no Metadata.BuildProperties.Binary) to find its binary"))?;
        let manifest = self.dir.join(code_uri).join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).with_context(|| {
            format!(
                "{id}: cannot read {} to find the function's binary name (or set \
                 Metadata.BuildProperties.Binary)",
                manifest.display()
            )
        })?;
        let doc: toml::Table =
            toml::from_str(&text).with_context(|| format!("{} is not valid TOML", manifest.display()))?;
        doc.get("package")
            .and_then(|p| p.get("name"))
            .and_then(toml::Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| anyhow!("{}: no [package] name", manifest.display()))
    }
}

/// The table named by `!GetAtt X.StreamArn`, `!GetAtt [X, StreamArn]` or `{"Fn::GetAtt": ...}`.
fn stream_table(value: &Value) -> Option<&str> {
    let target = match value {
        Value::Tagged(tagged) if tagged.tag == "GetAtt" => &tagged.value,
        Value::Mapping(m) if m.len() == 1 => m.get("Fn::GetAtt")?,
        _ => return None,
    };
    match target {
        Value::String(dotted) => dotted.strip_suffix(".StreamArn"),
        Value::Sequence(parts) if parts.len() == 2 && parts[1].as_str() == Some("StreamArn") => parts[0].as_str(),
        _ => None,
    }
}

/// The logical id named by `!Ref X` or `{"Ref": "X"}`.
pub fn ref_target(value: &Value) -> Option<&str> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "Ref" => tagged.value.as_str(),
        Value::Mapping(m) if m.len() == 1 => m.get("Ref").and_then(Value::as_str),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
Transform: AWS::Serverless-2016-10-31
Parameters:
  JwtIssuer: { Type: String }
Globals:
  Function:
    Environment:
      Variables:
        JWT_ISSUER: !Ref JwtIssuer
        USERS_TABLE: !Ref UsersTable
Resources:
  UsersTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - { AttributeName: pk, AttributeType: S }
      KeySchema:
        - { AttributeName: pk, KeyType: HASH }
      SSESpecification: { SSEEnabled: true }
  TasksTable:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions:
        - { AttributeName: owner, AttributeType: S }
        - { AttributeName: id, AttributeType: S }
        - { AttributeName: due, AttributeType: S }
      KeySchema:
        - { AttributeName: owner, KeyType: HASH }
        - { AttributeName: id, KeyType: RANGE }
      ProvisionedThroughput: { ReadCapacityUnits: "2", WriteCapacityUnits: 3 }
      GlobalSecondaryIndexes:
        - IndexName: by-due
          KeySchema:
            - { AttributeName: owner, KeyType: HASH }
            - { AttributeName: due, KeyType: RANGE }
          Projection: { ProjectionType: INCLUDE, NonKeyAttributes: [title] }
          ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 }
      LocalSecondaryIndexes:
        - IndexName: by-due-local
          KeySchema:
            - { AttributeName: owner, KeyType: HASH }
            - { AttributeName: due, KeyType: RANGE }
          Projection: { ProjectionType: KEYS_ONLY }
      StreamSpecification: { StreamViewType: NEW_AND_OLD_IMAGES }
      TimeToLiveSpecification: { AttributeName: expires_at, Enabled: "true" }
  Secret:
    Type: AWS::SecretsManager::Secret
  AuthFunction:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: rust-cargolambda
      BuildProperties: { Binary: auth }
    Properties:
      CodeUri: .
      Environment:
        Variables:
          USERS_TABLE: !Ref UsersTable
          SECRET: !Sub '{{resolve:secretsmanager:${Secret}}}'
          OTHER: !GetAtt UsersTable.Arn
      Events:
        Login:
          Type: HttpApi
          Properties: { Method: post, Path: /auth/login }
        CatchAll:
          Type: HttpApi
  TasksFunction:
    Type: AWS::Serverless::Function
    Metadata:
      BuildProperties: { Binary: tasks }
    Properties:
      Environment:
        Variables:
          TASKS_TABLE: { Ref: TasksTable }
      Events:
        List:
          Type: HttpApi
          Properties: { Method: GET, Path: /tasks }
        One:
          Type: HttpApi
          Properties: { Method: ANY, Path: "/tasks/{id}" }
        Stream:
          Type: DynamoDB
          Properties: { Stream: !GetAtt TasksTable.StreamArn, StartingPosition: LATEST }
"#;

    fn sample() -> Template {
        Template::parse(SAMPLE, Path::new(".")).unwrap()
    }

    #[test]
    fn reads_every_table_with_keys_indexes_stream_and_ttl() {
        let tables = sample().tables().unwrap();
        let ids: Vec<&str> = tables.iter().map(|t| t.logical_id.as_str()).collect();
        assert_eq!(ids, ["UsersTable", "TasksTable"]);

        let users = &tables[0].props;
        assert_eq!(users.billing_mode.as_deref(), Some("PAY_PER_REQUEST"));
        assert_eq!(users.key_schema[0].attribute_name, "pk");
        assert!(users.stream_specification.is_none());
        assert!(users.time_to_live_specification.is_none());

        let tasks = &tables[1].props;
        assert_eq!(tasks.billing_mode, None);
        assert_eq!(tasks.provisioned_throughput, Some(Throughput { read_capacity_units: 2, write_capacity_units: 3 }));
        assert_eq!(tasks.key_schema[1].key_type, "RANGE");
        assert_eq!(tasks.attribute_definitions.len(), 3);
        let gsi = &tasks.global_secondary_indexes[0];
        assert_eq!(gsi.index_name, "by-due");
        assert_eq!(gsi.projection.projection_type.as_deref(), Some("INCLUDE"));
        assert_eq!(gsi.projection.non_key_attributes, ["title"]);
        assert_eq!(tasks.local_secondary_indexes[0].index_name, "by-due-local");
        assert_eq!(tasks.stream_specification.as_ref().unwrap().stream_view_type, "NEW_AND_OLD_IMAGES");
        let ttl = tasks.time_to_live_specification.as_ref().unwrap();
        assert_eq!((ttl.attribute_name.as_str(), ttl.enabled), ("expires_at", true));
    }

    #[test]
    fn stream_triggers_name_the_table_and_the_function_of_each_dynamodb_event() {
        let text = r#"
Resources:
  Users: { Type: AWS::DynamoDB::Table }
  Tasks: { Type: AWS::DynamoDB::Table }
  Purge:
    Type: AWS::Serverless::Function
    Metadata: { BuildProperties: { Binary: purge } }
    Properties:
      Events:
        Deletions: { Type: DynamoDB, Properties: { Stream: !GetAtt Users.StreamArn } }
        Web: { Type: HttpApi, Properties: { Path: /x } }
  Realtime:
    Type: AWS::Serverless::Function
    Metadata: { BuildProperties: { Binary: realtime } }
    Properties:
      Events:
        Changes: { Type: DynamoDB, Properties: { Stream: { "Fn::GetAtt": [Tasks, StreamArn] } } }
"#;
        let triggers = Template::parse(text, Path::new(".")).unwrap().stream_triggers().unwrap();
        assert_eq!(
            triggers,
            vec![("Users".to_owned(), "purge".to_owned()), ("Tasks".to_owned(), "realtime".to_owned())]
        );
        let wrong = text.replace("!GetAtt Users.StreamArn", "!GetAtt Users.Arn");
        assert!(Template::parse(&wrong, Path::new(".")).unwrap().stream_triggers().is_err());
    }

    #[test]
    fn table_env_follows_refs_to_tables_only() {
        let env = sample().table_env_refs().unwrap();
        let expected: BTreeMap<String, String> = [("TASKS_TABLE", "TasksTable"), ("USERS_TABLE", "UsersTable")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        // JWT_ISSUER (a parameter), SECRET (!Sub) and OTHER (!GetAtt) are not table names.
        assert_eq!(env, expected);
    }

    #[test]
    fn table_env_rejects_one_variable_for_two_tables() {
        let text = SAMPLE.replace("TASKS_TABLE: { Ref: TasksTable }", "USERS_TABLE: { Ref: TasksTable }");
        let err = Template::parse(&text, Path::new(".")).unwrap().table_env_refs().unwrap_err();
        assert!(err.to_string().contains("USERS_TABLE"), "{err}");
    }

    #[test]
    fn reads_http_api_events_with_binary_method_and_default_route() {
        let routes = sample().http_routes().unwrap();
        let got: Vec<(String, Option<&str>, &str)> = routes
            .iter()
            .map(|r| {
                let t = match &r.target {
                    RouteTarget::Default => "$default".to_string(),
                    RouteTarget::Path(p) => p.clone(),
                };
                (t, r.method.as_deref(), r.binary.as_str())
            })
            .collect();
        assert_eq!(
            got,
            [
                ("/auth/login".to_string(), Some("POST"), "auth"),
                ("$default".to_string(), None, "auth"),
                ("/tasks".to_string(), Some("GET"), "tasks"),
                ("/tasks/{id}".to_string(), None, "tasks"),
            ]
        );
    }

    #[test]
    fn the_real_template_builds_the_realtime_function_and_names_its_tables() {
        let path = crate::repository_root().join("template.yaml");
        let t = Template::load(&path).unwrap();
        assert!(t.function_binaries().unwrap().contains(&"realtime".to_string()), "the stack must build realtime");
        let env = t.table_env_refs().unwrap();
        assert_eq!(env.get("CONNECTIONS_TABLE").map(String::as_str), Some("ConnectionsTable"));
        for var in ["USERS_TABLE", "TASKS_TABLE", "EXPENSES_TABLE", "BUDGETS_TABLE"] {
            assert!(env.contains_key(var), "{var} missing from {env:?}");
        }
        // The WebSocket API and the stream events are no HTTP routes: nothing of realtime's is routed.
        assert!(t.http_routes().unwrap().iter().all(|r| r.binary != "realtime"));
        let connections = t.tables().unwrap().into_iter().find(|t| t.logical_id == "ConnectionsTable").unwrap();
        assert_eq!(connections.props.global_secondary_indexes[0].index_name, "by_connection");
        assert_eq!(connections.props.time_to_live_specification.unwrap().attribute_name, "expires_at");
        for id in ["TasksTable", "ExpensesTable", "BudgetsTable"] {
            let table = t.tables().unwrap().into_iter().find(|t| t.logical_id == id).unwrap();
            assert_eq!(table.props.stream_specification.unwrap().stream_view_type, "NEW_AND_OLD_IMAGES", "{id}");
        }
    }

    #[test]
    fn the_real_template_parses() {
        let path = crate::repository_root().join("template.yaml");
        let t = Template::load(&path).unwrap();
        assert!(!t.tables().unwrap().is_empty(), "template.yaml defines no table");
        t.table_env_refs().unwrap();
        t.http_routes().unwrap();
    }
}
