//! HTTP handlers of /tasks: extract, call the domain, map the result.

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use http::StatusCode;
use shared::http::response::{created, with_etag};
use shared::http::{AuthUser, ItemId, JsonBody};
use shared::ids::new_id;
use shared::resource::{IfMatch, Page, QueryParams, Version};
use shared::{ApiError, clock};

use crate::domain::{
    Task, TaskFields, TaskFilter, TaskInput, TaskView, format_date, parse_bool, parse_date, parse_priority,
    parse_status,
};
use crate::state::AppState;

const LIST_PARAMETERS: &[&str] = &["limit", "cursor", "status", "completed", "priority", "due_before", "due_after"];

pub async fn list(
    State(state): State<AppState>,
    caller: AuthUser,
    RawQuery(query): RawQuery,
) -> Result<Json<Page<TaskView>>, ApiError> {
    let mut params = QueryParams::parse(query.as_deref(), LIST_PARAMETERS)?;
    let page = params.page();
    let filter = TaskFilter {
        status: params.take_parsed("status", parse_status),
        completed: params.take_parsed("completed", parse_bool),
        priority: params.take_parsed("priority", parse_priority),
        due_before: params.take_parsed("due_before", |raw| parse_date(raw).map(format_date)),
        due_after: params.take_parsed("due_after", |raw| parse_date(raw).map(format_date)),
    };
    params.finish()?;
    let tasks = state.tasks.list(&caller.user_id, &filter, &page).await?;
    Ok(Json(tasks.map(TaskView::from)))
}

pub async fn create(
    State(state): State<AppState>,
    caller: AuthUser,
    JsonBody(input): JsonBody<TaskInput>,
) -> Result<Response, ApiError> {
    let fields = TaskFields::full(input).map_err(ApiError::Invalid)?;
    let now = clock::format_timestamp(clock::now());
    let task = Task {
        owner: caller.user_id,
        id: new_id(),
        title: fields.title,
        description: fields.description,
        status: fields.status,
        due_date: fields.due_date,
        priority: fields.priority,
        created_at: now.clone(),
        updated_at: now,
        version: Version::FIRST,
    };
    state.tasks.create(&task).await?;
    Ok(created(&format!("/tasks/{}", task.id), task.version, TaskView::from(task)))
}

pub async fn get(State(state): State<AppState>, caller: AuthUser, ItemId(id): ItemId) -> Result<Response, ApiError> {
    let task = state.tasks.get(&caller.user_id, &id).await?.ok_or(ApiError::NotFound)?;
    Ok(with_etag(task.version, TaskView::from(task)))
}

/// PUT: full replacement; omitted fields go back to their defaults.
pub async fn replace(
    State(state): State<AppState>,
    caller: AuthUser,
    ItemId(id): ItemId,
    if_match: IfMatch,
    JsonBody(input): JsonBody<TaskInput>,
) -> Result<Response, ApiError> {
    let fields = TaskFields::full(input).map_err(ApiError::Invalid)?;
    let task =
        state.tasks.update(&caller.user_id, &id, &if_match, |current| Ok(successor(current, fields.clone()))).await?;
    Ok(with_etag(task.version, TaskView::from(task)))
}

/// PATCH: only the fields sent change.
pub async fn patch(
    State(state): State<AppState>,
    caller: AuthUser,
    ItemId(id): ItemId,
    if_match: IfMatch,
    JsonBody(input): JsonBody<TaskInput>,
) -> Result<Response, ApiError> {
    let task = state
        .tasks
        .update(&caller.user_id, &id, &if_match, |current| {
            let fields = TaskFields::patch(TaskFields::of(&current), input.clone()).map_err(ApiError::Invalid)?;
            Ok(successor(current, fields))
        })
        .await?;
    Ok(with_etag(task.version, TaskView::from(task)))
}

pub async fn delete(
    State(state): State<AppState>,
    caller: AuthUser,
    ItemId(id): ItemId,
    if_match: IfMatch,
) -> Result<StatusCode, ApiError> {
    state.tasks.delete(&caller.user_id, &id, &if_match).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The next version of `current` holding `fields`.
fn successor(current: Task, fields: TaskFields) -> Task {
    Task {
        title: fields.title,
        description: fields.description,
        status: fields.status,
        due_date: fields.due_date,
        priority: fields.priority,
        updated_at: clock::format_timestamp(clock::now()),
        version: current.version.next(),
        ..current
    }
}
