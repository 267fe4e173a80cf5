//! The only DynamoDB knowledge of the tasks function: one `(owner, id)` table, listed newest
//! first with its filters applied by DynamoDB.

use shared::dynamo;
use shared::store::{Filter, Listing, Scope, Stored};

use crate::domain::{Status, Task, TaskFilter};

impl Stored for Task {}

impl Listing for Task {
    type Query = TaskFilter;

    /// Newest first; filters narrow a page, they never widen the read.
    fn read(filter: &TaskFilter) -> (Scope, Filter) {
        let mut conditions = Filter::default();
        if let Some(status) = filter.status {
            conditions = conditions.equals("status", dynamo::string(status.as_str()));
        }
        match filter.completed {
            Some(true) => conditions = conditions.equals("status", dynamo::string(Status::Completed.as_str())),
            Some(false) => conditions = conditions.not_equals("status", dynamo::string(Status::Completed.as_str())),
            None => {}
        }
        if let Some(priority) = filter.priority {
            conditions = conditions.equals("priority", dynamo::string(priority.as_str()));
        }
        // Tasks without a due date have no attribute, so both comparisons leave them out.
        if let Some(before) = filter.due_before {
            conditions = conditions.less_than("due_date", dynamo::string(before.to_string()));
        }
        if let Some(after) = filter.due_after {
            conditions = conditions.greater_than("due_date", dynamo::string(after.to_string()));
        }
        (Scope::ById, conditions)
    }
}
