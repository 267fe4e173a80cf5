//! What every invocation can reach, built once per cold start.

use std::sync::Arc;

use shared::jwt::TokenService;
use shared::users::UserDirectory;

use crate::config::{RealtimeConfig, ResourceTables};
use crate::connections::Connections;

#[derive(Clone)]
pub struct App {
    pub tokens: Arc<TokenService>,
    pub users: UserDirectory,
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
            tokens: Arc::new(TokenService::new(&config.jwt)),
            users: UserDirectory::new(dynamo.clone(), &config.users_table),
            connections: Connections::new(dynamo, &config.connections_table),
            tables: config.resource_tables.clone(),
            management,
        }
    }
}
