//! What every handler can reach, built once per cold start.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use axum::extract::FromRef;
use shared::jwt::TokenService;
use shared::store::OwnedTable;
use shared::users::UserDirectory;

use crate::config::TasksConfig;
use crate::domain::Task;

/// Each field is what a handler takes with `State<...>` (by `FromRef`).
#[derive(Clone, FromRef)]
pub struct AppState {
    pub tokens: Arc<TokenService>,
    pub users: UserDirectory,
    pub tasks: OwnedTable<Task>,
}

impl AppState {
    pub fn new(config: &TasksConfig, client: Client) -> Self {
        Self {
            tokens: Arc::new(TokenService::new(&config.jwt)),
            users: UserDirectory::new(client.clone(), &config.users_table),
            tasks: OwnedTable::new(client, &config.tasks_table),
        }
    }
}
