//! What every handler can reach, built once per cold start.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use axum::extract::FromRef;
use shared::jwt::TokenService;

use crate::config::TasksConfig;
use crate::store::TaskStore;

#[derive(Clone)]
pub struct AppState {
    pub tokens: Arc<TokenService>,
    pub tasks: TaskStore,
}

impl AppState {
    pub fn new(config: &TasksConfig, client: Client) -> Self {
        Self { tokens: Arc::new(TokenService::new(&config.jwt)), tasks: TaskStore::new(client, &config.tasks_table) }
    }
}

impl FromRef<AppState> for Arc<TokenService> {
    fn from_ref(state: &AppState) -> Self {
        state.tokens.clone()
    }
}
