//! What every handler can reach, built once per cold start.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use axum::extract::FromRef;
use shared::jwt::TokenService;
use shared::store::OwnedTable;
use shared::users::UserDirectory;

use crate::config::FinanceConfig;
use crate::domain::{Budget, Expense};

/// Each field is what a handler takes with `State<...>` (by `FromRef`).
#[derive(Clone, FromRef)]
pub struct AppState {
    pub tokens: Arc<TokenService>,
    pub users: UserDirectory,
    pub expenses: OwnedTable<Expense>,
    pub budgets: OwnedTable<Budget>,
}

impl AppState {
    pub fn new(config: &FinanceConfig, client: Client) -> Self {
        Self {
            tokens: Arc::new(TokenService::new(&config.jwt)),
            users: UserDirectory::new(client.clone(), &config.users_table),
            expenses: OwnedTable::new(client.clone(), &config.expenses_table),
            budgets: OwnedTable::new(client, &config.budgets_table),
        }
    }
}
