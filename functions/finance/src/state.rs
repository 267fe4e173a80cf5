//! What every handler can reach, built once per cold start.

use aws_sdk_dynamodb::Client;
use axum::extract::FromRef;
use shared::identity::Authenticator;
use shared::store::OwnedTable;

use crate::config::FinanceConfig;
use crate::domain::{Budget, Expense};

/// Each field is what a handler takes with `State<...>` (by `FromRef`).
#[derive(Clone, FromRef)]
pub struct AppState {
    pub authenticator: Authenticator,
    pub expenses: OwnedTable<Expense>,
    pub budgets: OwnedTable<Budget>,
}

impl AppState {
    pub fn new(config: &FinanceConfig, client: Client) -> Self {
        let authenticator = Authenticator::new(&config.api.identity, client.clone());
        let expenses = OwnedTable::new(client.clone(), &config.expenses_table);
        Self { authenticator, expenses, budgets: OwnedTable::new(client, &config.budgets_table) }
    }
}
