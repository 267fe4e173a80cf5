//! Expenses, budgets and the monthly summary: plain Rust types and rules, no HTTP and no
//! DynamoDB.

pub mod budget;
pub mod category;
pub mod expense;
pub mod money;
pub mod summary;

pub use budget::{Budget, BudgetFields, BudgetFilter, BudgetInput, BudgetView};
pub use category::{BudgetCategory, ExpenseCategory};
pub use expense::{Expense, ExpenseFields, ExpenseFilter, ExpenseInput, ExpenseView};
pub use money::{Amount, Money};
pub use summary::{CategorySummary, Summary};

use shared::FieldErrors;
use shared::http::Field;

pub const DESCRIPTION_MAX: usize = 500;

/// `description`: 0..500 characters, never null; `None` when absent or wrong.
fn description(field: Field<String>, errors: &mut FieldErrors) -> Option<String> {
    let description = field.optional("description", errors)?;
    if description.chars().count() > DESCRIPTION_MAX {
        errors.add("description", "Ensure this field has no more than 500 characters.");
        return None;
    }
    Some(description)
}

const NOTHING_TO_CHANGE: &str = "Send at least one field to change.";
