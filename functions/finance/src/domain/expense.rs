//! An expense: an amount spent on one day in one category.

use serde::{Deserialize, Serialize};
use shared::FieldErrors;
use shared::calendar::CalendarDate;
use shared::field::Field;
use shared::resource::Resource;

use super::entry::{EntryFields, EntryInput};
use super::{Amount, ExpenseCategory};

/// An expense's own fields, validated: what its owner controls. Stored and served inside the
/// envelope every owned item shares (`OwnedItem<Expense>`: owner, id, timestamps, version), and
/// shown as they are stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = Expense, description = "An expense as the API shows it.")]
pub struct Expense {
    pub amount: Amount,
    pub description: String,
    pub category: ExpenseCategory,
    pub date: CalendarDate,
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

impl From<ExpenseFields> for Expense {
    fn from(fields: ExpenseFields) -> Self {
        Self { amount: fields.amount, description: fields.description, category: fields.category, date: fields.period }
    }
}

impl Resource for Expense {
    type Input = ExpenseInput;
    type View = Self;

    const COLLECTION: &'static str = "/expenses";
    const NOUN: &'static str = "expense";
    const REQUIRED: &'static [&'static str] = &["amount", "category"];

    fn full(input: ExpenseInput) -> Result<Self, FieldErrors> {
        ExpenseFields::full(input.entry(), CalendarDate::today()).map(Self::from)
    }

    fn patch(&self, input: ExpenseInput) -> Result<Self, FieldErrors> {
        self.fields().patch(input.entry()).map(Self::from)
    }

    fn view(&self) -> Self {
        self.clone()
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
