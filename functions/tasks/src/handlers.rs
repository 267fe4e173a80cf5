//! What GET /tasks reads of its query string; the list itself, create, read, replace, patch
//! and delete are the shared handlers of `shared::http::crud`, driven by `Task`'s `Resource`
//! rules, this `Listed` impl and the store's `Listing`.

use shared::choice;
use shared::http::QueryParams;
use shared::http::crud::Listed;

use crate::domain::{Task, TaskFilter, parse_bool};

impl Listed for Task {
    const PARAMETERS: &'static [&'static str] = &["status", "completed", "priority", "due_before", "due_after"];

    fn query(params: &mut QueryParams) -> TaskFilter {
        TaskFilter {
            status: params.take_parsed("status", choice::parse),
            completed: params.take_parsed("completed", parse_bool),
            priority: params.take_parsed("priority", choice::parse),
            due_before: params.take_parsed("due_before", str::parse),
            due_after: params.take_parsed("due_after", str::parse),
        }
    }
}
