//! The DynamoDB access of the finance function: two owned tables, each with a local
//! secondary index whose sort key starts with the date (expenses) or month (budgets),
//! so date and month ranges are key conditions, never filters over everything.

pub mod budgets;
pub mod expenses;
