//! GET /expenses

use axum::Json;
use axum::extract::{RawQuery, State};
use shared::ApiError;
use shared::choice;
use shared::http::AuthUser;
use shared::http::QueryParams;
use shared::resource::View;
use shared::store::{OwnedTable, Page};

use crate::domain::{Expense, ExpenseFilter};
use crate::store::expenses;

pub const LIST_PARAMETERS: &[&str] = &["limit", "cursor", "category", "from", "to"];

pub async fn list(
    State(table): State<OwnedTable<Expense>>,
    caller: AuthUser,
    RawQuery(query): RawQuery,
) -> Result<Json<Page<View<Expense>>>, ApiError> {
    let mut params = QueryParams::parse(query.as_deref(), LIST_PARAMETERS)?;
    let page = params.page();
    let filter = ExpenseFilter {
        category: params.take_parsed("category", choice::parse),
        from: params.take_parsed("from", str::parse),
        to: params.take_parsed("to", str::parse),
    };
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from > to
    {
        params.error("to", "Enter a date on or after from.");
    }
    params.finish()?;
    let expenses = expenses::list(&table, &caller.user_id, &filter, &page).await?;
    Ok(Json(expenses.map(|item| item.view())))
}
