//! What GET /expenses reads of its query string (the list itself is `shared::http::crud::list`).

use shared::choice;
use shared::http::QueryParams;
use shared::http::crud::Listed;

use crate::domain::{Expense, ExpenseFilter};

impl Listed for Expense {
    const PARAMETERS: &'static [&'static str] = &["category", "from", "to"];

    fn query(params: &mut QueryParams) -> ExpenseFilter {
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
        filter
    }
}
