//! What every invocation can reach, built once per cold start, and the dispatch of an
//! invocation to its route or to the fan-out.

use std::sync::Arc;

use serde_json::Value;
use shared::jwt::TokenService;
use shared::users::UserDirectory;

use crate::config::{RealtimeConfig, ResourceTables};
use crate::connections::Connections;
use crate::event::{EventError, Incoming};
use crate::{fanout, websocket};

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

    /// Handles one invocation: a WebSocket route's answer, or a stream batch's failures.
    pub async fn handle(&self, payload: Value) -> Result<Value, EventError> {
        let answer = match Incoming::parse(payload)? {
            Incoming::WebSocket(event) => serde_json::to_value(websocket::handle(self, &event).await),
            Incoming::Stream(batch) => serde_json::to_value(fanout::handle(self, &batch).await),
        };
        answer.map_err(EventError::Unserialisable)
    }
}
