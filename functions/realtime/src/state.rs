//! What every invocation can reach, built once per cold start.

use shared::identity::Authenticator;

use crate::config::{RealtimeConfig, ResourceTables};
use crate::connections::Connections;

#[derive(Clone)]
pub struct App {
    pub authenticator: Authenticator,
    pub connections: Connections,
    pub tables: ResourceTables,
    pub management: aws_sdk_apigatewaymanagement::Client,
}

impl App {
    pub fn new(
        config: &RealtimeConfig,
        dynamo: aws_sdk_dynamodb::Client,
        management: aws_sdk_apigatewaymanagement::Client,
    ) -> Self {
        Self {
            authenticator: Authenticator::new(&config.identity, dynamo.clone()),
            connections: Connections::new(dynamo, &config.connections_table),
            tables: config.resource_tables.clone(),
            management,
        }
    }
}
