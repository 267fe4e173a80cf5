//! What every handler can reach, built once per cold start.

use aws_sdk_dynamodb::Client;
use axum::extract::FromRef;
use shared::identity::Authenticator;
use shared::store::OwnedTable;

use crate::config::TasksConfig;
use crate::domain::Task;

/// Each field is what a handler takes with `State<...>` (by `FromRef`).
#[derive(Clone, FromRef)]
pub struct AppState {
    pub authenticator: Authenticator,
    pub tasks: OwnedTable<Task>,
}

impl AppState {
    pub fn new(config: &TasksConfig, client: Client) -> Self {
        let authenticator = Authenticator::new(&config.api.identity, client.clone());
        Self { authenticator, tasks: OwnedTable::new(client, &config.tasks_table) }
    }
}
