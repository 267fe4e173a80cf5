//! Every route of the tasks function, each with its OpenAPI operation, in one place.

use shared::calendar::CalendarDate;
use shared::http::openapi::string_schema;
use shared::http::{Api, Routes};
use utoipa::PartialSchema;

use crate::domain::{Priority, Status, Task};
use crate::state::AppState;

/// Declared with a `Router` to serve them, or with `DocumentOnly` for the document alone.
pub fn api<R: Routes<AppState>>() -> Api<AppState, R> {
    let date = CalendarDate::schema();
    let parameters = [
        ("status", "Only tasks with this status.", Status::schema()),
        ("completed", "Only completed (`true`) or unfinished (`false`) tasks.", string_schema(&["true", "false"])),
        ("priority", "Only tasks with this priority.", Priority::schema()),
        ("due_before", "Only tasks due before this date.", date.clone()),
        ("due_after", "Only tasks due after this date.", date),
    ];
    Api::new().list::<Task>("List your tasks, newest first", &parameters).resource::<Task>()
}
