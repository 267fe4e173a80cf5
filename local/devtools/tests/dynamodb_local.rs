//! create_tables against DynamoDB Local. Needs AWS_ENDPOINT_URL_DYNAMODB (local/test sets it).

use std::path::PathBuf;

use aws_sdk_dynamodb::types::{KeyType, TimeToLiveStatus};

const TEMPLATE: &str = r#"
Resources:
  ThingsTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - { AttributeName: owner, AttributeType: S }
        - { AttributeName: id, AttributeType: S }
        - { AttributeName: due, AttributeType: S }
        - { AttributeName: category, AttributeType: S }
      KeySchema:
        - { AttributeName: owner, KeyType: HASH }
        - { AttributeName: id, KeyType: RANGE }
      GlobalSecondaryIndexes:
        - IndexName: by-category
          KeySchema:
            - { AttributeName: category, KeyType: HASH }
            - { AttributeName: due, KeyType: RANGE }
          Projection: { ProjectionType: ALL }
      LocalSecondaryIndexes:
        - IndexName: by-due
          KeySchema:
            - { AttributeName: owner, KeyType: HASH }
            - { AttributeName: due, KeyType: RANGE }
          Projection: { ProjectionType: KEYS_ONLY }
      StreamSpecification: { StreamViewType: NEW_AND_OLD_IMAGES }
      TimeToLiveSpecification: { AttributeName: expires_at, Enabled: true }
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          THINGS_TABLE: !Ref ThingsTable
"#;

fn write_template() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("devtools-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("template.yaml");
    std::fs::write(&path, TEMPLATE).unwrap();
    path
}

#[tokio::test]
async fn creates_tables_with_indexes_stream_and_ttl() {
    let client = devtools::local_client().await.expect("run under local/test (DynamoDB Local)");
    let template = write_template();
    let prefix = devtools::unique_prefix("devtools");
    let tables = devtools::create_tables(&client, &template, &prefix).await.unwrap();
    let name = tables.get("ThingsTable").to_string();
    assert_eq!(name, format!("{prefix}ThingsTable"));

    let desc = client.describe_table().table_name(&name).send().await.unwrap();
    let t = desc.table().unwrap();
    let keys: Vec<(&str, &KeyType)> = t.key_schema().iter().map(|k| (k.attribute_name(), k.key_type())).collect();
    assert_eq!(keys, [("owner", &KeyType::Hash), ("id", &KeyType::Range)]);
    assert_eq!(t.global_secondary_indexes()[0].index_name(), Some("by-category"));
    assert_eq!(t.local_secondary_indexes()[0].index_name(), Some("by-due"));
    assert!(t.stream_specification().unwrap().stream_enabled());
    assert!(t.latest_stream_arn().is_some());

    let ttl = client.describe_time_to_live().table_name(&name).send().await.unwrap();
    let ttl = ttl.time_to_live_description().unwrap();
    assert_eq!(ttl.attribute_name(), Some("expires_at"));
    assert_eq!(ttl.time_to_live_status(), Some(&TimeToLiveStatus::Enabled));

    let env = devtools::table_env(&template, &tables).unwrap();
    assert_eq!(env.get("THINGS_TABLE"), Some(&name));

    // Same prefix again: the table exists, which is an error, not a silent reuse.
    assert!(devtools::create_tables(&client, &template, &prefix).await.is_err());

    devtools::delete_tables(&client, &tables).await.unwrap();
    let gone = client.describe_table().table_name(&name).send().await;
    assert!(gone.is_err(), "table still there after delete_tables");
}

#[tokio::test]
async fn creates_the_real_templates_tables() {
    let client = devtools::local_client().await.expect("run under local/test (DynamoDB Local)");
    let template = devtools::repository_root().join("template.yaml");
    let template = template.as_path();
    let tables = devtools::create_tables(&client, template, &devtools::unique_prefix("real")).await.unwrap();
    assert!(!tables.is_empty());
    for (logical, name) in tables.iter() {
        let d = client.describe_table().table_name(name).send().await.unwrap();
        assert_eq!(d.table().unwrap().table_name(), Some(name), "{logical}");
    }
    let env = devtools::table_env(template, &tables).unwrap();
    assert!(!env.is_empty(), "no function env var refers to a table");
    for name in env.values() {
        assert!(tables.iter().any(|(_, n)| n == name));
    }
    devtools::delete_tables(&client, &tables).await.unwrap();
}
