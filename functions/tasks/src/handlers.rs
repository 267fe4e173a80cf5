//! The list handler of /tasks; create, read, replace, patch and delete are the shared
//! ones of `shared::http::crud`, driven by `Task`'s `Resource` rules.

use axum::Json;
use axum::extract::{RawQuery, State};
use shared::ApiError;
use shared::http::AuthUser;
use shared::http::QueryParams;
use shared::resource::View;
use shared::store::{OwnedTable, Page};

use shared::choice;

use crate::domain::{Task, TaskFilter, TaskView, parse_bool};
use crate::store;

pub const LIST_PARAMETERS: &[&str] = &["limit", "cursor", "status", "completed", "priority", "due_before", "due_after"];

pub async fn list(
    State(tasks): State<OwnedTable<Task>>,
    caller: AuthUser,
    RawQuery(query): RawQuery,
) -> Result<Json<Page<View<TaskView>>>, ApiError> {
    let mut params = QueryParams::parse(query.as_deref(), LIST_PARAMETERS)?;
    let page = params.page();
    let filter = TaskFilter {
        status: params.take_parsed("status", choice::parse),
        completed: params.take_parsed("completed", parse_bool),
        priority: params.take_parsed("priority", choice::parse),
        due_before: params.take_parsed("due_before", str::parse),
        due_after: params.take_parsed("due_after", str::parse),
    };
    params.finish()?;
    let tasks = store::list(&tasks, &caller.user_id, &filter, &page).await?;
    Ok(Json(tasks.map(|task| task.view())))
}
