//! Tasks and their rules: plain Rust types, no HTTP and no DynamoDB.

use serde::{Deserialize, Serialize};
use shared::FieldErrors;
use shared::calendar::CalendarDate;
use shared::field::Field;
use shared::resource::Resource;
use utoipa::ToSchema;

pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 5000;

shared::choices! {
    #[derive(Default)]
    pub enum Status in "snake_case" {
        #[default]
        Pending,
        InProgress,
        Completed,
    }
}

shared::choices! {
    #[derive(Default)]
    pub enum Priority in "snake_case" {
        Low,
        #[default]
        Medium,
        High,
    }
}

/// A task's own fields, validated: what its owner controls. Stored and served inside the
/// envelope every owned item shares (`OwnedItem<Task>`: owner, id, timestamps, version).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Task {
    pub title: String,
    pub description: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<CalendarDate>,
    pub priority: Priority,
}

/// A task as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = Task)]
pub struct TaskView {
    pub title: String,
    pub description: String,
    pub status: Status,
    pub completed: bool,
    pub due_date: Option<CalendarDate>,
    pub priority: Priority,
}

/// The body of POST, PUT and PATCH. Read-only fields sent back are dropped before this.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[schema(as = TaskInput)]
pub struct TaskInput {
    /// Required by POST and PUT: 1 to 200 characters after trimming.
    #[serde(default)]
    #[schema(value_type = String, min_length = 1, max_length = 200, pattern = r"\S")]
    pub title: Field<String>,
    #[serde(default)]
    #[schema(value_type = String, max_length = 5000)]
    pub description: Field<String>,
    #[serde(default)]
    #[schema(value_type = Status)]
    pub status: Field<Status>,
    /// `true` sets status `completed`; `false` reopens a completed task as `pending`.
    #[serde(default)]
    #[schema(value_type = bool)]
    pub completed: Field<bool>,
    #[serde(default)]
    #[schema(value_type = Option<CalendarDate>)]
    pub due_date: Field<CalendarDate>,
    #[serde(default)]
    #[schema(value_type = Priority)]
    pub priority: Field<Priority>,
}

impl Task {
    /// POST and PUT: every field from `input`, omitted ones back to their defaults.
    pub fn from_input(mut input: TaskInput) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let title = std::mem::take(&mut input.title);
        let title = title.required("title", &mut errors).and_then(|t| parse_title(&t, &mut errors));
        let fields = Self::apply(Self::default(), input, &mut errors);
        match (title, errors.is_empty()) {
            (Some(title), true) => Ok(Self { title, ..fields }),
            _ => Err(errors),
        }
    }

    /// PATCH: only the fields sent change; sending none is an error.
    pub fn patched(current: Self, mut input: TaskInput) -> Result<Self, FieldErrors> {
        if input.is_empty() {
            return Err(FieldErrors::single("non_field_errors", "Send at least one field to change."));
        }
        let mut errors = FieldErrors::new();
        let title = std::mem::take(&mut input.title);
        let title = title.optional("title", &mut errors).and_then(|t| parse_title(&t, &mut errors));
        let mut fields = Self::apply(current, input, &mut errors);
        if let Some(title) = title {
            fields.title = title;
        }
        if errors.is_empty() { Ok(fields) } else { Err(errors) }
    }

    /// Applies everything but the title onto `base`.
    fn apply(base: Self, input: TaskInput, errors: &mut FieldErrors) -> Self {
        let description = input.description.optional("description", errors).and_then(|d| {
            if d.chars().count() > DESCRIPTION_MAX {
                errors.add("description", "Ensure this field has no more than 5000 characters.");
                None
            } else {
                Some(d)
            }
        });
        let status = input.status.optional("status", errors);
        let completed = input.completed.optional("completed", errors);
        let status = match (status, completed) {
            (Some(status), Some(completed)) if (status == Status::Completed) != completed => {
                errors.add("completed", "Disagrees with status: completed is true exactly when status is completed.");
                base.status
            }
            (Some(status), _) => status,
            (None, Some(true)) => Status::Completed,
            (None, Some(false)) if base.status == Status::Completed => Status::Pending,
            (None, _) => base.status,
        };
        let due_date = input.due_date.change("due_date", errors).unwrap_or(base.due_date);
        let priority = input.priority.optional("priority", errors);
        Self {
            title: base.title,
            description: description.unwrap_or(base.description),
            status,
            due_date,
            priority: priority.unwrap_or(base.priority),
        }
    }
}

impl Resource for Task {
    type Input = TaskInput;
    type View = TaskView;

    const COLLECTION: &'static str = "/tasks";
    const NOUN: &'static str = "task";
    const REQUIRED: &'static [&'static str] = &["title"];

    fn full(input: TaskInput) -> Result<Self, FieldErrors> {
        Self::from_input(input)
    }

    fn patch(&self, input: TaskInput) -> Result<Self, FieldErrors> {
        Self::patched(self.clone(), input)
    }

    fn view(&self) -> TaskView {
        TaskView {
            title: self.title.clone(),
            description: self.description.clone(),
            status: self.status,
            completed: self.status == Status::Completed,
            due_date: self.due_date,
            priority: self.priority,
        }
    }
}

impl TaskInput {
    fn is_empty(&self) -> bool {
        self.title.is_absent()
            && self.description.is_absent()
            && self.status.is_absent()
            && self.completed.is_absent()
            && self.due_date.is_absent()
            && self.priority.is_absent()
    }
}

fn parse_title(raw: &str, errors: &mut FieldErrors) -> Option<String> {
    let title = raw.trim();
    let length = title.chars().count();
    if length == 0 {
        errors.add("title", "This field may not be blank.");
        None
    } else if length > TITLE_MAX {
        errors.add("title", "Ensure this field has no more than 200 characters.");
        None
    } else {
        Some(title.to_owned())
    }
}

/// The list filters of GET /tasks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskFilter {
    pub status: Option<Status>,
    pub completed: Option<bool>,
    pub priority: Option<Priority>,
    pub due_before: Option<CalendarDate>,
    pub due_after: Option<CalendarDate>,
}

pub fn parse_bool(raw: &str) -> Result<bool, &'static str> {
    match raw {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err("Enter true or false."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use shared::choice;
    use strum::VariantNames;

    fn input(value: serde_json::Value) -> TaskInput {
        shared::http::body::parse(value.to_string().as_bytes()).unwrap()
    }

    fn errors_of(result: Result<Task, FieldErrors>) -> FieldErrors {
        result.unwrap_err()
    }

    #[test]
    fn the_documented_required_fields_are_the_required_ones() {
        let missing = errors_of(Task::from_input(input(json!({}))));
        let named: Vec<&str> = Task::REQUIRED.to_vec();
        for field in named {
            assert_eq!(missing.get(field).unwrap(), ["This field is required."], "{field}");
        }
        assert!(Task::from_input(input(json!({"title": "t"}))).is_ok(), "nothing else is required");
    }

    #[test]
    fn defaults_and_trimming() {
        let fields = Task::from_input(input(json!({"title": "  Buy milk  "}))).unwrap();
        assert_eq!(fields.title, "Buy milk");
        assert_eq!(fields.description, "");
        assert_eq!(fields.status, Status::Pending);
        assert_eq!(fields.priority, Priority::Medium);
        assert_eq!(fields.due_date, None);
    }

    #[test]
    fn title_bounds_after_trimming() {
        assert!(Task::from_input(input(json!({"title": "x".repeat(200)}))).is_ok());
        assert!(Task::from_input(input(json!({"title": format!("  {}  ", "x".repeat(200))}))).is_ok());
        for bad in [json!({"title": "x".repeat(201)}), json!({"title": "   "}), json!({"title": ""}), json!({})] {
            assert!(errors_of(Task::from_input(input(bad.clone()))).get("title").is_some(), "{bad}");
        }
        assert!(errors_of(Task::from_input(input(json!({"title": null})))).get("title").is_some());
    }

    #[test]
    fn completed_and_status_are_coupled() {
        let full = |v| Task::from_input(input(v));
        assert_eq!(full(json!({"title": "t", "completed": true})).unwrap().status, Status::Completed);
        assert_eq!(
            full(json!({"title": "t", "status": "completed", "completed": true})).unwrap().status,
            Status::Completed
        );
        assert_eq!(
            full(json!({"title": "t", "status": "in_progress", "completed": false})).unwrap().status,
            Status::InProgress
        );
        assert!(
            errors_of(full(json!({"title": "t", "status": "pending", "completed": true}))).get("completed").is_some()
        );
        assert!(
            errors_of(full(json!({"title": "t", "status": "completed", "completed": false})))
                .get("completed")
                .is_some()
        );

        let done = Task { status: Status::Completed, ..Task::default() };
        let in_progress = Task { status: Status::InProgress, ..Task::default() };
        assert_eq!(Task::patched(done, input(json!({"completed": false}))).unwrap().status, Status::Pending);
        assert_eq!(
            Task::patched(in_progress, input(json!({"completed": false}))).unwrap().status,
            Status::InProgress,
            "completed: false leaves unfinished tasks as they are"
        );
    }

    #[test]
    fn patch_changes_only_what_is_sent() {
        let current = Task {
            title: "Old".into(),
            description: "keep".into(),
            status: Status::InProgress,
            due_date: Some("2026-12-01".parse().unwrap()),
            priority: Priority::High,
        };
        let patched = Task::patched(current.clone(), input(json!({"title": " New "}))).unwrap();
        assert_eq!(patched, Task { title: "New".into(), ..current.clone() });
        let cleared = Task::patched(current.clone(), input(json!({"due_date": null}))).unwrap();
        assert_eq!(cleared.due_date, None);
        assert!(Task::patched(current.clone(), input(json!({}))).is_err());
        assert!(Task::patched(current.clone(), input(json!({"version": 9, "id": "x"}))).is_err(), "read-only only");
        for null_not_allowed in ["title", "description", "status", "completed", "priority"] {
            let errors = errors_of(Task::patched(current.clone(), input(json!({null_not_allowed: null}))));
            assert!(errors.get(null_not_allowed).is_some(), "{null_not_allowed}");
        }
    }

    #[test]
    fn due_dates_must_exist() {
        let errors = errors_of(Task::from_input(input(json!({"title": "t", "due_date": "2026-02-30"}))));
        assert_eq!(errors.get("due_date").unwrap(), ["Enter a valid date in the form YYYY-MM-DD."]);
        let fields = Task::from_input(input(json!({"title": "t", "due_date": "2028-02-29"}))).unwrap();
        assert_eq!(fields.due_date.unwrap().to_string(), "2028-02-29");
    }

    #[test]
    fn choices_are_spelled_alike_in_bodies_queries_and_the_store() {
        for name in Status::VARIANTS {
            let status: Status = serde_json::from_value(json!(name)).unwrap();
            assert_eq!((status.as_str(), choice::parse::<Status>(name)), (*name, Ok(status)));
        }
        for name in Priority::VARIANTS {
            let priority: Priority = serde_json::from_value(json!(name)).unwrap();
            assert_eq!((priority.as_str(), choice::parse::<Priority>(name)), (*name, Ok(priority)));
        }
    }

    #[test]
    fn enums_are_strict() {
        let errors = errors_of(Task::from_input(input(json!({"title": "", "status": "done"}))));
        assert_eq!(errors.get("status").unwrap(), ["Enter one of: pending, in_progress, completed."]);
        assert!(errors.get("title").is_some(), "reported together with the other rules");
        assert_eq!(choice::parse("in_progress"), Ok(Status::InProgress));
        assert_eq!(
            choice::parse::<Status>("IN_PROGRESS"),
            Err("Enter one of: pending, in_progress, completed.".to_owned())
        );
        assert_eq!(choice::parse::<Priority>("urgent"), Err("Enter one of: low, medium, high.".to_owned()));
        assert!(parse_bool("1").is_err());
    }

    #[test]
    fn the_view_is_id_then_the_fields_then_timestamps_and_version() {
        let task = Task::from_input(input(json!({"title": "t", "status": "completed"}))).unwrap();
        let item = shared::resource::OwnedItem::create(shared::ids::UserId::generate(), task);
        let text = serde_json::to_string(&item.view()).unwrap();
        let keys = [
            "id",
            "title",
            "description",
            "status",
            "completed",
            "due_date",
            "priority",
            "created_at",
            "updated_at",
            "version",
        ];
        let positions: Vec<usize> = keys.iter().map(|key| text.find(&format!("\"{key}\":")).unwrap()).collect();
        assert!(positions.is_sorted(), "{text}");
        assert!(text.contains("\"completed\":true") && text.contains("\"version\":1"), "{text}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap().as_object().unwrap().len(), keys.len());
    }
}
