//! What GET /budgets reads of its query string (the list itself is `shared::http::crud::list`),
//! and GET /budgets/summary.

use axum::Json;
use axum::extract::{RawQuery, State};
use shared::ApiError;
use shared::calendar::Month;
use shared::choice;
use shared::http::AuthUser;
use shared::http::QueryParams;
use shared::http::crud::Listed;
use shared::store::OwnedTable;

use crate::domain::summary::summarize;
use crate::domain::{Budget, BudgetFilter, Expense, Summary};
use crate::store::{budgets, expenses};

pub const SUMMARY_PARAMETERS: &[&str] = &["month"];

impl Listed for Budget {
    const PARAMETERS: &'static [&'static str] = &["month", "category"];

    fn query(params: &mut QueryParams) -> BudgetFilter {
        BudgetFilter {
            month: params.take_parsed("month", str::parse),
            category: params.take_parsed("category", choice::parse),
        }
    }
}

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
