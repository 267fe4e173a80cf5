//! Every route of the finance function, each with its OpenAPI operation, in one place.

use shared::calendar::{CalendarDate, Month};
use shared::http::openapi::{Needs, Op};
use shared::http::{Api, Routes};
use utoipa::PartialSchema;
use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::{RefOr, Schema};

use crate::domain::{Budget, BudgetCategory, Expense, ExpenseCategory, Summary};
use crate::handlers::budgets;
use crate::state::AppState;

/// Declared with a `Router` to serve them, or with `DocumentOnly` for the document alone.
pub fn api<R: Routes<AppState>>() -> Api<AppState, R> {
    let date: RefOr<Schema> = CalendarDate::schema();
    let month: RefOr<Schema> = Month::schema();
    let expense_parameters = [
        ("category", "Only this category.", ExpenseCategory::schema()),
        ("from", "Only expenses on or after this date.", date.clone()),
        ("to", "Only expenses on or before this date (not before `from`).", date),
    ];
    let budget_parameters =
        [("month", "Only this month.", month.clone()), ("category", "Only this category.", BudgetCategory::schema())];
    let summary = Op::new(
        HttpMethod::Get,
        "/budgets/summary",
        "budgets",
        "budget_summary",
        "A month's budgets and spending",
        Needs { token: true, query: true, database: true, ..Needs::default() },
    )
    .description(
        "Every category with a budget or spending that month: budget, spent, remaining (null without a \
                 budget) and over (spent > budget), and the totals. Reads only that month.",
    )
    .query(&[("month", "The month; defaults to the current one (UTC).", month)])
    .answers::<Summary>(200, "The summary.", false, false);
    Api::new()
        .list::<Expense>("List your expenses, newest date first", &expense_parameters)
        .list::<Budget>("List your budgets, newest month first", &budget_parameters)
        // A fixed segment wins over `{id}`; ids are ULIDs, never "summary".
        .route(summary, budgets::summary)
        .resource::<Expense>()
        .resource::<Budget>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::http::DocumentOnly;
    use testkit::documented_query_parameters;

    #[test]
    fn the_summary_documents_exactly_the_parameters_its_handler_takes() {
        let document = api::<DocumentOnly>().openapi();
        assert_eq!(documented_query_parameters(&document, "/budgets/summary"), budgets::SUMMARY_PARAMETERS);
    }
}
