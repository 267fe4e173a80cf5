//! Creating template.yaml's tables in DynamoDB Local.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, LocalSecondaryIndex, Projection,
    ProjectionType, ProvisionedThroughput, ScalarAttributeType, StreamSpecification, StreamViewType, TableStatus,
    TimeToLiveSpecification,
};

use crate::template::{self, TableSpec, Template, Throughput};

/// Logical id (as in template.yaml, e.g. `UsersTable`) -> physical table name (`<prefix>UsersTable`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableNames {
    names: BTreeMap<String, String>,
}

impl TableNames {
    /// The physical name of a table. Panics with the known ids when there is no such table, which
    /// is what a test wants; use [`TableNames::try_get`] otherwise.
    pub fn get(&self, logical_id: &str) -> &str {
        self.try_get(logical_id).unwrap_or_else(|| {
            panic!("no table {logical_id:?} in template.yaml; known: {:?}", self.names.keys().collect::<Vec<_>>())
        })
    }

    pub fn try_get(&self, logical_id: &str) -> Option<&str> {
        self.names.get(logical_id).map(String::as_str)
    }

    /// `(logical id, physical name)` pairs, sorted by logical id.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.names.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Names for a template's tables under a prefix, without creating anything.
    pub fn for_template(template: &Template, prefix: &str) -> Result<Self> {
        Ok(Self {
            names: template
                .tables()?
                .into_iter()
                .map(|t| {
                    let name = format!("{prefix}{}", t.logical_id);
                    (t.logical_id, name)
                })
                .collect(),
        })
    }
}

/// Creates every `AWS::DynamoDB::Table` of the template as `<prefix><LogicalId>`, with the same
/// key schema, attribute definitions, secondary indexes, billing mode and stream settings, waits
/// until each is `ACTIVE`, then applies its `TimeToLiveSpecification`.
///
/// Meant for DynamoDB Local: point the client there with `AWS_ENDPOINT_URL_DYNAMODB` (see
/// [`crate::local_client`]). A unique prefix per test keeps tests independent:
///
/// ```no_run
/// # async fn demo() -> anyhow::Result<()> {
/// let client = devtools::local_client().await?;
/// let prefix = devtools::unique_prefix("auth-test");
/// let tables = devtools::create_tables(
///     &client,
///     &devtools::repository_root().join("template.yaml"),
///     &prefix,
/// )
/// .await?;
/// let users_table = tables.get("UsersTable");
/// # let _ = users_table; Ok(()) }
/// ```
///
/// Fails if a table of that name already exists.
pub async fn create_tables(client: &Client, template_path: &Path, prefix: &str) -> Result<TableNames> {
    let template = Template::load(template_path)?;
    create_tables_from(client, &template, prefix).await
}

/// [`create_tables`] for an already parsed template.
pub async fn create_tables_from(client: &Client, template: &Template, prefix: &str) -> Result<TableNames> {
    let specs = template.tables()?;
    let mut names = BTreeMap::new();
    for spec in &specs {
        let name = format!("{prefix}{}", spec.logical_id);
        create_table(client, spec, &name)
            .await
            .with_context(|| format!("creating table {name} (template resource {})", spec.logical_id))?;
        names.insert(spec.logical_id.clone(), name);
    }
    Ok(TableNames { names })
}

/// Deletes the given tables (missing ones are ignored).
pub async fn delete_tables(client: &Client, tables: &TableNames) -> Result<()> {
    for (_, name) in tables.iter() {
        match client.delete_table().table_name(name).send().await {
            Ok(_) => {}
            Err(e) if e.as_service_error().is_some_and(|se| se.is_resource_not_found_exception()) => {}
            Err(e) => return Err(crate::sdk_err(e)).with_context(|| format!("deleting table {name}")),
        }
    }
    Ok(())
}

/// Every environment variable of any function (or `Globals.Function`) in the template whose value
/// is `!Ref <table logical id>`, mapped to that table's physical name: `USERS_TABLE ->
/// <prefix>UsersTable`. Set these before building a function's configuration in a test.
pub fn table_env(template_path: &Path, tables: &TableNames) -> Result<BTreeMap<String, String>> {
    let template = Template::load(template_path)?;
    table_env_from(&template, tables)
}

/// [`table_env`] for an already parsed template.
pub fn table_env_from(template: &Template, tables: &TableNames) -> Result<BTreeMap<String, String>> {
    template
        .table_env_refs()?
        .into_iter()
        .map(|(var, logical)| {
            let name = tables
                .try_get(&logical)
                .ok_or_else(|| anyhow!("{var} refers to table {logical}, which was not created"))?;
            Ok((var, name.to_string()))
        })
        .collect()
}

fn key_schema(elements: &[template::KeyElement]) -> Result<Vec<KeySchemaElement>> {
    elements
        .iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(&k.attribute_name)
                .key_type(KeyType::from(k.key_type.as_str()))
                .build()
                .map_err(Into::into)
        })
        .collect()
}

fn projection(p: &template::Projection) -> Projection {
    let mut b =
        Projection::builder().projection_type(ProjectionType::from(p.projection_type.as_deref().unwrap_or("ALL")));
    for a in &p.non_key_attributes {
        b = b.non_key_attributes(a);
    }
    b.build()
}

fn throughput(t: Option<&Throughput>) -> Result<ProvisionedThroughput> {
    // A provisioned table without figures is invalid in CloudFormation too; locally any will do.
    let (r, w) = t.map_or((5, 5), |t| (t.read_capacity_units, t.write_capacity_units));
    Ok(ProvisionedThroughput::builder().read_capacity_units(r).write_capacity_units(w).build()?)
}

async fn create_table(client: &Client, spec: &TableSpec, name: &str) -> Result<()> {
    let p = &spec.props;
    let pay_per_request = match p.billing_mode.as_deref() {
        Some("PAY_PER_REQUEST") => true,
        Some("PROVISIONED") | None => false,
        Some(other) => bail!("unknown BillingMode {other:?}"),
    };

    let mut req = client.create_table().table_name(name);
    for a in &p.attribute_definitions {
        req = req.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(&a.attribute_name)
                .attribute_type(ScalarAttributeType::from(a.attribute_type.as_str()))
                .build()?,
        );
    }
    req = req.set_key_schema(Some(key_schema(&p.key_schema)?));
    if pay_per_request {
        req = req.billing_mode(BillingMode::PayPerRequest);
    } else {
        req = req
            .billing_mode(BillingMode::Provisioned)
            .provisioned_throughput(throughput(p.provisioned_throughput.as_ref())?);
    }
    for g in &p.global_secondary_indexes {
        let mut b = GlobalSecondaryIndex::builder()
            .index_name(&g.index_name)
            .set_key_schema(Some(key_schema(&g.key_schema)?))
            .projection(projection(&g.projection));
        if !pay_per_request {
            b = b.provisioned_throughput(throughput(g.provisioned_throughput.as_ref())?);
        }
        req = req.global_secondary_indexes(b.build()?);
    }
    for l in &p.local_secondary_indexes {
        req = req.local_secondary_indexes(
            LocalSecondaryIndex::builder()
                .index_name(&l.index_name)
                .set_key_schema(Some(key_schema(&l.key_schema)?))
                .projection(projection(&l.projection))
                .build()?,
        );
    }
    if let Some(s) = &p.stream_specification {
        req = req.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(s.stream_view_type.as_str()))
                .build()?,
        );
    }
    req.send().await.map_err(crate::sdk_err)?;

    wait_active(client, name).await?;

    if let Some(ttl) = p.time_to_live_specification.as_ref().filter(|t| t.enabled) {
        client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(
                TimeToLiveSpecification::builder().attribute_name(&ttl.attribute_name).enabled(true).build()?,
            )
            .send()
            .await
            .map_err(crate::sdk_err)
            .context("UpdateTimeToLive")?;
    }
    Ok(())
}

async fn wait_active(client: &Client, name: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = client.describe_table().table_name(name).send().await.map_err(crate::sdk_err)?;
        let table = out.table().ok_or_else(|| anyhow!("DescribeTable returned no table"))?;
        let indexes_active =
            table.global_secondary_indexes().iter().all(|g| g.index_status().is_none_or(|s| s.as_str() == "ACTIVE"));
        if table.table_status() == Some(&TableStatus::Active) && indexes_active {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("table {name} not ACTIVE after 60 s (status {:?})", table.table_status());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
