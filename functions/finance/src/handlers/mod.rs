//! The list and summary handlers of the finance function; create, read, replace, patch
//! and delete are the shared ones of `shared::http::crud`, driven by the `Resource`
//! rules of `Expense` and `Budget`.

pub mod budgets;
pub mod expenses;

use shared::ApiError;

use crate::domain::summary::SummaryError;

/// The one place where the finance domain's own errors become HTTP answers.
impl From<SummaryError> for ApiError {
    fn from(err: SummaryError) -> Self {
        match err {
            SummaryError::Overflow => ApiError::internal(err),
        }
    }
}
