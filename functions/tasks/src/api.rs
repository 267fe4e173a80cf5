//! The tasks function's part of the OpenAPI document, from the types its routes use.

use shared::http::crud;
use shared::http::openapi::{self, Needs, Op, string_schema};
use utoipa::openapi::OpenApi;
use utoipa::openapi::path::HttpMethod;

use utoipa::PartialSchema;

use shared::resource::View;

use crate::domain::{Priority, Status, Task, TaskView};

pub fn openapi() -> OpenApi {
    let date = <shared::calendar::CalendarDate as utoipa::PartialSchema>::schema();
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
    let mut operations = vec![list];
    operations.extend(crud::operations::<Task>());
    openapi::document(operations)
}

#[cfg(test)]
mod tests {
    use super::*;
    use testkit::documented_query_parameters;

    #[test]
    fn the_list_documents_exactly_the_parameters_the_handler_takes() {
        let document = openapi();
        assert_eq!(documented_query_parameters(&document, "/tasks"), crate::handlers::LIST_PARAMETERS);
    }
}
