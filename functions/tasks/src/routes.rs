//! Every route of the tasks function, each with its OpenAPI operation, in one place.

use shared::calendar::CalendarDate;
use shared::http::openapi::{self, Needs, Op, string_schema};
use shared::http::{Api, crud};
use shared::resource::View;
use utoipa::PartialSchema;
use utoipa::openapi::path::HttpMethod;

use crate::domain::{Priority, Status, Task, TaskView};
use crate::state::AppState;

pub fn api() -> Api<AppState> {
    let date = CalendarDate::schema();
    let mut parameters = openapi::page_parameters();
    parameters.extend([
        ("status", "Only tasks with this status.", Status::schema()),
        ("completed", "Only completed (`true`) or unfinished (`false`) tasks.", string_schema(&["true", "false"])),
        ("priority", "Only tasks with this priority.", Priority::schema()),
        ("due_before", "Only tasks due before this date.", date.clone()),
        ("due_after", "Only tasks due after this date.", date),
    ]);
    let list = Op::new(
        HttpMethod::Get,
        "/tasks",
        "tasks",
        "list_tasks",
        "List your tasks, newest first",
        Needs { token: true, query: true, database: true, ..Needs::default() },
    )
    .query(&parameters)
    .answers_page::<View<TaskView>>("One page of tasks.");
    Api::new().route(list, crud::list::<Task>).resource::<Task>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use testkit::documented_query_parameters;

    #[test]
    fn the_list_documents_exactly_the_parameters_the_handler_takes() {
        let document = api().openapi();
        assert_eq!(documented_query_parameters(&document, "/tasks"), crud::list_parameters::<Task>());
    }
}
