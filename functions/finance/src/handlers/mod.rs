//! The list and summary handlers of the finance function; create, read, replace, patch
//! and delete are the shared ones of `shared::resource::crud`, driven by the `Resource`
//! rules of `Expense` and `Budget`.

pub mod budgets;
pub mod expenses;
