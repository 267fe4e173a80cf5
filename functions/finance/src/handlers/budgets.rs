//! GET /budgets and GET /budgets/summary

use axum::Json;
use axum::extract::{RawQuery, State};
use shared::ApiError;
use shared::calendar::Month;
use shared::choice;
use shared::http::AuthUser;
use shared::http::QueryParams;
use shared::resource::View;
use shared::store::{OwnedTable, Page};

use crate::domain::summary::summarize;
use crate::domain::{Budget, BudgetFilter, Expense, Summary};
use crate::store::{budgets, expenses};

pub const LIST_PARAMETERS: &[&str] = &["limit", "cursor", "month", "category"];
pub const SUMMARY_PARAMETERS: &[&str] = &["month"];

pub async fn list(
    State(table): State<OwnedTable<Budget>>,
    caller: AuthUser,
    RawQuery(query): RawQuery,
) -> Result<Json<Page<View<Budget>>>, ApiError> {
    let mut params = QueryParams::parse(query.as_deref(), LIST_PARAMETERS)?;
    let page = params.page();
    let filter = BudgetFilter {
        month: params.take_parsed("month", str::parse),
        category: params.take_parsed("category", choice::parse),
    };
    params.finish()?;
    let budgets = budgets::list(&table, &caller.user_id, &filter, &page).await?;
    Ok(Json(budgets.map(|item| item.view())))
}

/// Reads that month's budgets and expenses of the caller only, concurrently.
pub async fn summary(
    State(budget_table): State<OwnedTable<Budget>>,
    State(expense_table): State<OwnedTable<Expense>>,
    caller: AuthUser,
    RawQuery(query): RawQuery,
) -> Result<Json<Summary>, ApiError> {
    let mut params = QueryParams::parse(query.as_deref(), SUMMARY_PARAMETERS)?;
    let month = params.take_parsed("month", str::parse::<Month>);
    params.finish()?;
    let month = month.unwrap_or_else(Month::current);
    let (budgets, expenses) = tokio::try_join!(
        budgets::in_month(&budget_table, &caller.user_id, month),
        expenses::in_month(&expense_table, &caller.user_id, month),
    )?;
    Ok(Json(summarize(month, &budgets, &expenses)?))
}
