//! The only DynamoDB access of the tasks function: one `(owner, id)` table.

use aws_sdk_dynamodb::Client;
use shared::ApiError;
use shared::dynamo;
use shared::ids::UserId;
use shared::resource::{Filter, IfMatch, Owned, OwnedTable, Page, PageRequest, Version};

use crate::domain::{Status, Task, TaskFilter};

impl Owned for Task {
    fn version(&self) -> Version {
        self.version
    }
}

#[derive(Clone)]
pub struct TaskStore {
    table: OwnedTable,
}

impl TaskStore {
    pub fn new(client: Client, table: &str) -> Self {
        Self { table: OwnedTable::new(client, table) }
    }

    pub async fn create(&self, task: &Task) -> Result<(), ApiError> {
        self.table.insert(task).await
    }

    pub async fn get(&self, owner: &UserId, id: &str) -> Result<Option<Task>, ApiError> {
        self.table.get(owner, id).await
    }

    pub async fn update(
        &self,
        owner: &UserId,
        id: &str,
        if_match: &IfMatch,
        apply: impl Fn(Task) -> Result<Task, ApiError>,
    ) -> Result<Task, ApiError> {
        self.table.update(owner, id, if_match, apply).await
    }

    pub async fn delete(&self, owner: &UserId, id: &str, if_match: &IfMatch) -> Result<(), ApiError> {
        self.table.remove::<Task>(owner, id, if_match).await
    }

    /// Newest first; filters narrow a page, they never widen the read.
    pub async fn list(&self, owner: &UserId, filter: &TaskFilter, page: &PageRequest) -> Result<Page<Task>, ApiError> {
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
        if let Some(before) = &filter.due_before {
            conditions = conditions.less_than("due_date", dynamo::string(before));
        }
        if let Some(after) = &filter.due_after {
            conditions = conditions.greater_than("due_date", dynamo::string(after));
        }
        self.table.page(owner, page, conditions).await
    }
}
