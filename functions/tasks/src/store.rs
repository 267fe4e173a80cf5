//! The only DynamoDB knowledge of the tasks function: one `(owner, id)` table, listed newest
//! first with its filters applied by DynamoDB.

use shared::store::{Filter, Listing, Scope, Stored};

use crate::domain::{Priority, Status, Task, TaskFilter};

impl Stored for Task {}

impl Listing for Task {
    type Query = TaskFilter;

    /// Newest first; filters narrow a page, they never widen the read.
    fn read(filter: &TaskFilter) -> (Scope, Filter) {
        let completed = Status::Completed.as_str();
        let conditions = Filter::default()
            .equals("status", filter.status.map(Status::as_str))
            .equals("status", (filter.completed == Some(true)).then_some(completed))
            .not_equals("status", (filter.completed == Some(false)).then_some(completed))
            .equals("priority", filter.priority.map(Priority::as_str))
            // Tasks without a due date have no attribute, so both comparisons leave them out.
            .less_than("due_date", filter.due_before.map(|day| day.to_string()))
            .greater_than("due_date", filter.due_after.map(|day| day.to_string()));
        (Scope::ById, conditions)
    }
}
