//! Every route of the finance function, each with its OpenAPI operation, in one place.

use shared::calendar::{CalendarDate, Month};
use shared::http::openapi::{self, Needs, Op};
use shared::http::{Api, crud};
use utoipa::PartialSchema;
use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::{RefOr, Schema};

use shared::resource::View;

use crate::domain::{Budget, BudgetCategory, Expense, ExpenseCategory, Summary};
use crate::handlers::budgets;
use crate::state::AppState;

fn list_needs() -> Needs {
    Needs { token: true, query: true, database: true, ..Needs::default() }
}

pub fn api() -> Api<AppState> {
    let date: RefOr<Schema> = CalendarDate::schema();
    let month: RefOr<Schema> = Month::schema();
    let mut expense_parameters = openapi::page_parameters();
    expense_parameters.extend([
        ("category", "Only this category.", ExpenseCategory::schema()),
        ("from", "Only expenses on or after this date.", date.clone()),
        ("to", "Only expenses on or before this date (not before `from`).", date),
    ]);
    let mut budget_parameters = openapi::page_parameters();
    budget_parameters.extend([
        ("month", "Only this month.", month.clone()),
        ("category", "Only this category.", BudgetCategory::schema()),
    ]);
    let list_expenses = Op::new(
        HttpMethod::Get,
        "/expenses",
        "expenses",
        "list_expenses",
        "List your expenses, newest date first",
        list_needs(),
    )
    .query(&expense_parameters)
    .answers_page::<View<Expense>>("One page of expenses.");
    let list_budgets = Op::new(
        HttpMethod::Get,
        "/budgets",
        "budgets",
        "list_budgets",
        "List your budgets, newest month first",
        list_needs(),
    )
    .query(&budget_parameters)
    .answers_page::<View<Budget>>("One page of budgets.");
    let summary = Op::new(
        HttpMethod::Get,
        "/budgets/summary",
        "budgets",
        "budget_summary",
        "A month's budgets and spending",
        list_needs(),
    )
    .description(
        "Every category with a budget or spending that month: budget, spent, remaining (null without a \
                 budget) and over (spent > budget), and the totals. Reads only that month.",
    )
    .query(&[("month", "The month; defaults to the current one (UTC).", month)])
    .answers::<Summary>(200, "The summary.", false, false);
    Api::new()
        .route(list_expenses, crud::list::<Expense>)
        .route(list_budgets, crud::list::<Budget>)
        // A fixed segment wins over `{id}`; ids are ULIDs, never "summary".
        .route(summary, budgets::summary)
        .resource::<Expense>()
        .resource::<Budget>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use testkit::documented_query_parameters;

    #[test]
    fn lists_document_exactly_the_parameters_their_handlers_take() {
        let document = api().openapi();
        assert_eq!(documented_query_parameters(&document, "/expenses"), crud::list_parameters::<Expense>());
        assert_eq!(documented_query_parameters(&document, "/budgets"), crud::list_parameters::<Budget>());
        assert_eq!(documented_query_parameters(&document, "/budgets/summary"), budgets::SUMMARY_PARAMETERS);
    }
}
