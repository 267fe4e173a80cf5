//! An expense: an amount spent on one day in one category.

use serde::{Deserialize, Serialize};
use shared::FieldErrors;
use shared::calendar::CalendarDate;
use shared::field::Field;
use shared::ids::UserId;
use shared::resource::{Resource, Stamp};
use shared::version::Version;

use super::entry::{EntryFields, EntryInput};
use super::{Amount, ExpenseCategory};

/// An expense as stored: it belongs to `owner`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expense {
    pub owner: UserId,
    pub id: String,
    pub amount: Amount,
    pub description: String,
    pub category: ExpenseCategory,
    pub date: CalendarDate,
    pub created_at: String,
    pub updated_at: String,
    pub version: Version,
}

/// An expense as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = Expense)]
pub struct ExpenseView {
    /// A ULID.
    pub id: String,
    pub amount: Amount,
    pub description: String,
    pub category: ExpenseCategory,
    pub date: CalendarDate,
    pub created_at: String,
    pub updated_at: String,
    pub version: Version,
}

impl From<Expense> for ExpenseView {
    fn from(expense: Expense) -> Self {
        Self {
            id: expense.id,
            amount: expense.amount,
            description: expense.description,
            category: expense.category,
            date: expense.date,
            created_at: expense.created_at,
            updated_at: expense.updated_at,
            version: expense.version,
        }
    }
}

/// The body of POST, PUT and PATCH.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ExpenseInput {
    /// Required by POST and PUT.
    #[serde(default)]
    #[schema(value_type = Amount)]
    pub amount: Field<Amount>,
    #[serde(default)]
    #[schema(value_type = String, max_length = 500)]
    pub description: Field<String>,
    /// Required by POST and PUT.
    #[serde(default)]
    #[schema(value_type = ExpenseCategory)]
    pub category: Field<ExpenseCategory>,
    /// Defaults to today (UTC).
    #[serde(default)]
    #[schema(value_type = CalendarDate)]
    pub date: Field<CalendarDate>,
}

/// The fields a client controls, validated.
pub type ExpenseFields = EntryFields<ExpenseCategory, CalendarDate>;

impl ExpenseInput {
    pub(crate) fn entry(self) -> EntryInput<ExpenseCategory, CalendarDate> {
        EntryInput {
            amount: self.amount,
            description: self.description,
            category: self.category,
            period: self.date,
            period_name: "date",
        }
    }
}

impl Expense {
    pub(crate) fn fields(&self) -> ExpenseFields {
        EntryFields {
            amount: self.amount,
            description: self.description.clone(),
            category: self.category,
            period: self.date,
        }
    }
}

impl Resource for Expense {
    type Input = ExpenseInput;
    type Fields = ExpenseFields;
    type View = ExpenseView;

    const COLLECTION: &'static str = "/expenses";
    const REQUIRED: &'static [&'static str] = &["amount", "category"];

    fn full(input: ExpenseInput) -> Result<ExpenseFields, FieldErrors> {
        ExpenseFields::full(input.entry(), CalendarDate::today())
    }

    fn patch(&self, input: ExpenseInput) -> Result<ExpenseFields, FieldErrors> {
        self.fields().patch(input.entry())
    }

    fn create(owner: UserId, id: String, fields: ExpenseFields, created: Stamp) -> Self {
        Self {
            owner,
            id,
            amount: fields.amount,
            description: fields.description,
            category: fields.category,
            date: fields.period,
            created_at: created.at.clone(),
            updated_at: created.at,
            version: created.version,
        }
    }

    fn successor(&self, fields: ExpenseFields, updated: Stamp) -> Self {
        Self {
            owner: self.owner,
            id: self.id.clone(),
            amount: fields.amount,
            description: fields.description,
            category: fields.category,
            date: fields.period,
            created_at: self.created_at.clone(),
            updated_at: updated.at,
            version: updated.version,
        }
    }
}

/// The list filters of GET /expenses; both dates inclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpenseFilter {
    pub category: Option<ExpenseCategory>,
    pub from: Option<CalendarDate>,
    pub to: Option<CalendarDate>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(value: serde_json::Value) -> EntryInput<ExpenseCategory, CalendarDate> {
        shared::http::body::parse::<ExpenseInput>(value.to_string().as_bytes()).unwrap().entry()
    }

    fn today() -> CalendarDate {
        "2026-11-23".parse().unwrap()
    }

    #[test]
    fn the_documented_required_fields_are_the_required_ones() {
        let missing = ExpenseFields::full(input(json!({})), today()).unwrap_err();
        for field in Expense::REQUIRED {
            assert_eq!(missing.get(field).unwrap(), ["This field is required."], "{field}");
        }
        assert!(ExpenseFields::full(input(json!({"amount": 1, "category": "DATA"})), today()).is_ok());
    }

    #[test]
    fn defaults() {
        let fields = ExpenseFields::full(input(json!({"amount": 12.5, "category": "FOOD"})), today()).unwrap();
        assert_eq!(fields.amount.to_string(), "12.50");
        assert_eq!(fields.description, "");
        assert_eq!(fields.period, today());
    }

    #[test]
    fn required_and_null_fields() {
        let errors = ExpenseFields::full(input(json!({})), today()).unwrap_err();
        assert_eq!(errors.get("amount").unwrap(), ["This field is required."]);
        assert_eq!(errors.get("category").unwrap(), ["This field is required."]);
        let errors = ExpenseFields::full(
            input(json!({"amount": null, "category": null, "date": null, "description": null})),
            today(),
        )
        .unwrap_err();
        for field in ["amount", "category", "date", "description"] {
            assert_eq!(errors.get(field).unwrap(), ["This field may not be null."], "{field}");
        }
    }

    #[test]
    fn a_wrongly_typed_field_is_reported_with_every_other_problem() {
        let errors = ExpenseFields::full(input(json!({"amount": "abc", "description": null})), today()).unwrap_err();
        assert_eq!(errors.get("amount").unwrap(), ["A valid number is required."]);
        assert_eq!(errors.get("category").unwrap(), ["This field is required."]);
        assert_eq!(errors.get("description").unwrap(), ["This field may not be null."]);
        let current = ExpenseFields::full(input(json!({"amount": 1, "category": "FOOD"})), today()).unwrap();
        let errors = current.patch(input(json!({"amount": true}))).unwrap_err();
        assert_eq!(errors.get("amount").unwrap(), ["A valid number is required."]);
        assert!(errors.get("non_field_errors").is_none(), "a wrongly typed field was still sent");
    }

    #[test]
    fn description_is_at_most_500_characters() {
        let ok = json!({"amount": "1", "category": "DATA", "description": "é".repeat(500)});
        assert!(ExpenseFields::full(input(ok), today()).is_ok());
        let long = json!({"amount": "1", "category": "DATA", "description": "x".repeat(501)});
        assert!(ExpenseFields::full(input(long), today()).unwrap_err().get("description").is_some());
    }

    #[test]
    fn patch_changes_only_what_is_sent() {
        let current =
            ExpenseFields::full(input(json!({"amount": "3", "category": "DATA", "date": "2026-01-02"})), today())
                .unwrap();
        let patched = ExpenseFields::patch(current.clone(), input(json!({"amount": "4.10"}))).unwrap();
        assert_eq!(patched, ExpenseFields { amount: Amount::parse("4.1").unwrap(), ..current.clone() });
        let errors = ExpenseFields::patch(current.clone(), input(json!({"id": "x"}))).unwrap_err();
        assert!(errors.get("non_field_errors").is_some(), "read-only fields alone change nothing");
        assert!(ExpenseFields::patch(current, input(json!({"date": null}))).unwrap_err().get("date").is_some());
    }
}
