//! What every handler can reach, built once per cold start.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use axum::extract::FromRef;
use shared::jwt::TokenService;
use shared::resource::OwnedTable;
use shared::users::UserDirectory;

use crate::config::FinanceConfig;
use crate::domain::{Budget, Expense};

#[derive(Clone)]
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

impl FromRef<AppState> for Arc<TokenService> {
    fn from_ref(state: &AppState) -> Self {
        state.tokens.clone()
    }
}

impl FromRef<AppState> for OwnedTable<Expense> {
    fn from_ref(state: &AppState) -> Self {
        state.expenses.clone()
    }
}

impl FromRef<AppState> for OwnedTable<Budget> {
    fn from_ref(state: &AppState) -> Self {
        state.budgets.clone()
    }
}

impl FromRef<AppState> for UserDirectory {
    fn from_ref(state: &AppState) -> Self {
        state.users.clone()
    }
}
