//! A stream record as the contract's change event: `{"type": "task.updated", "task": {...}}`,
//! rendered with the same domain types and views as the HTTP API, so an event can never
//! differ from what GET answers.

use finance::domain::{Budget, Expense};
use serde_json::{Value, json};
use shared::dynamo::Item;
use shared::ids::UserId;
use shared::resource::{OwnedItem, Resource};
use shared::store::{self, Stored, decode, is_guard};
use tasks::domain::Task;

use crate::config::ResourceTables;
use crate::event::{Operation, StreamRecord, StreamRecordExt};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Task,
    Expense,
    Budget,
}

impl ResourceKind {
    /// The event's type prefix and the key of the item in it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Task => "task",
            Self::Expense => "expense",
            Self::Budget => "budget",
        }
    }

    /// The kind of the items of the table `name`, if it is one of the resource tables.
    pub fn of_table(tables: &ResourceTables, name: &str) -> Option<Self> {
        [(&tables.tasks, Self::Task), (&tables.expenses, Self::Expense), (&tables.budgets, Self::Budget)]
            .into_iter()
            .find_map(|(table, kind)| (table == name).then_some(kind))
    }

    /// The item's view, exactly as the HTTP API answers it.
    fn view(self, item: Item) -> Result<Value, ChangeError> {
        match self {
            Self::Task => view_of::<Task>(item),
            Self::Expense => view_of::<Expense>(item),
            Self::Budget => view_of::<Budget>(item),
        }
    }
}

fn view_of<R: Resource + Stored>(item: Item) -> Result<Value, ChangeError> {
    let resource: OwnedItem<R> = decode(item).map_err(|err| ChangeError::Undecodable(err.to_string()))?;
    serde_json::to_value(resource.view()).map_err(|err| ChangeError::Undecodable(err.to_string()))
}

/// One change to push to the owner's connections.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub owner: UserId,
    pub event: Value,
}

/// Why a record carries no change to push; none of these is worth a retry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    #[error("the record is not from a resource table")]
    UnknownTable,
    #[error("the record is a guard item, not a resource")]
    GuardItem,
    #[error("the record has no {0}")]
    Missing(&'static str),
    #[error("the record's eventName is {0:?}, not INSERT, MODIFY or REMOVE")]
    UnknownOperation(String),
    #[error("the item's owner is not a user id")]
    NotOwned,
    #[error("the item cannot be read as its resource: {0}")]
    Undecodable(String),
}

impl ChangeError {
    /// Skipping by design, as opposed to a record that should not exist.
    pub fn is_expected(&self) -> bool {
        matches!(self, Self::UnknownTable | Self::GuardItem)
    }
}

impl Change {
    pub fn from_record(record: &StreamRecord, tables: &ResourceTables) -> Result<Self, ChangeError> {
        let kind = record
            .table_name()
            .and_then(|name| ResourceKind::of_table(tables, name))
            .ok_or(ChangeError::UnknownTable)?;
        let keys: Item = record.change.keys.clone().into();
        if keys.is_empty() {
            return Err(ChangeError::Missing("Keys"));
        }
        if is_guard(&keys) {
            return Err(ChangeError::GuardItem);
        }
        let owner = string_attribute(&keys, store::OWNER)?.parse().map_err(|_| ChangeError::NotOwned)?;
        let operation = record.operation().ok_or_else(|| ChangeError::UnknownOperation(record.event_name.clone()))?;
        let (action, item) = match operation {
            Operation::Insert => ("created", Self::view(kind, record)?),
            Operation::Modify => ("updated", Self::view(kind, record)?),
            Operation::Remove => ("deleted", json!({"id": string_attribute(&keys, store::ID)?})),
        };
        let event = json!({"type": format!("{}.{action}", kind.name()), kind.name(): item});
        Ok(Self { owner, event })
    }

    fn view(kind: ResourceKind, record: &StreamRecord) -> Result<Value, ChangeError> {
        let image: Item = record.change.new_image.clone().into();
        if image.is_empty() {
            return Err(ChangeError::Missing("NewImage"));
        }
        kind.view(image)
    }
}

fn string_attribute<'a>(item: &'a Item, name: &'static str) -> Result<&'a str, ChangeError> {
    match item.get(name) {
        Some(aws_sdk_dynamodb::types::AttributeValue::S(value)) => Ok(value),
        _ => Err(ChangeError::Missing(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tables() -> ResourceTables {
        ResourceTables { tasks: "Tasks".into(), expenses: "Expenses".into(), budgets: "Budgets".into() }
    }

    fn record(table: &str, operation: Operation, owner: &str, new_image: Option<Item>) -> StreamRecord {
        let keys = Item::from([
            (store::OWNER.to_owned(), shared::dynamo::string(owner)),
            (store::ID.to_owned(), shared::dynamo::string("01JD0000000000000000000000")),
        ]);
        let name = match operation {
            Operation::Insert => "INSERT",
            Operation::Modify => "MODIFY",
            Operation::Remove => "REMOVE",
        };
        let mut change = json!({"Keys": serde_dynamo::Item::from(keys), "SequenceNumber": "1", "SizeBytes": 1});
        if let Some(image) = new_image {
            change["NewImage"] = serde_json::to_value(serde_dynamo::Item::from(image)).unwrap();
        }
        serde_json::from_value(json!({"eventID": "e", "eventName": name, "awsRegion": "us-east-1",
            "eventSourceARN": format!("arn:aws:dynamodb:us-east-1:1:table/{table}/stream/x"), "dynamodb": change}))
        .unwrap()
    }

    #[test]
    fn tables_are_recognised_by_name() {
        assert_eq!(ResourceKind::of_table(&tables(), "Expenses"), Some(ResourceKind::Expense));
        assert_eq!(ResourceKind::of_table(&tables(), "Users"), None);
        let owner = UserId::generate().to_string();
        let other = record("Users", Operation::Remove, &owner, None);
        assert_eq!(Change::from_record(&other, &tables()), Err(ChangeError::UnknownTable));
    }

    #[test]
    fn guard_items_are_no_resources() {
        let guard = record("Budgets", Operation::Insert, &format!("UNIQUE#{}", UserId::generate()), None);
        let skipped = Change::from_record(&guard, &tables()).unwrap_err();
        assert_eq!(skipped, ChangeError::GuardItem);
        assert!(skipped.is_expected());
    }

    #[test]
    fn a_removal_names_only_the_id() {
        let owner = UserId::generate();
        let change = Change::from_record(&record("Budgets", Operation::Remove, &owner.to_string(), None), &tables());
        let change = change.unwrap();
        assert_eq!(change.owner, owner);
        assert_eq!(change.event, json!({"type": "budget.deleted", "budget": {"id": "01JD0000000000000000000000"}}));
    }

    #[test]
    fn records_that_should_not_exist_are_unexpected() {
        let owner = UserId::generate().to_string();
        let no_image = Change::from_record(&record("Tasks", Operation::Insert, &owner, None), &tables());
        assert_eq!(no_image, Err(ChangeError::Missing("NewImage")));
        let junk = Item::from([("title".to_owned(), shared::dynamo::number(3))]);
        let undecodable = Change::from_record(&record("Tasks", Operation::Modify, &owner, Some(junk)), &tables());
        assert!(matches!(undecodable, Err(ChangeError::Undecodable(_))));
        let mut unknown = record("Tasks", Operation::Remove, &owner, None);
        unknown.event_name = "TRUNCATE".into();
        assert_eq!(Change::from_record(&unknown, &tables()), Err(ChangeError::UnknownOperation("TRUNCATE".into())));
        let not_owned = Change::from_record(&record("Tasks", Operation::Remove, "someone", None), &tables());
        assert_eq!(not_owned, Err(ChangeError::NotOwned));
        assert!(!ChangeError::NotOwned.is_expected());
    }
}
