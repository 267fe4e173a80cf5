//! Expenses, budgets and the monthly summary: plain Rust types and rules, no HTTP and no
//! DynamoDB.

pub mod budget;
pub mod category;
pub mod entry;
pub mod expense;
pub mod money;
pub mod summary;

pub use budget::{Budget, BudgetFields, BudgetFilter, BudgetInput};
pub use category::{BudgetCategory, ExpenseCategory};
pub use expense::{Expense, ExpenseFields, ExpenseFilter, ExpenseInput};
pub use money::{Amount, Money};
pub use summary::{CategorySummary, Summary};
