//! What expenses and budgets share: an amount in a category for a period (a day for an
//! expense, a month for a budget), with an optional description. Their body rules are
//! written once here; each names its own period field.

use shared::FieldErrors;
use shared::field::Field;

use super::Amount;

pub const DESCRIPTION_MAX: usize = 500;

/// A body's fields, before validation. `period_name` is the period's field name.
pub struct EntryInput<C, P> {
    pub amount: Field<Amount>,
    pub description: Field<String>,
    pub category: Field<C>,
    pub period: Field<P>,
    pub period_name: &'static str,
}

/// The fields a client controls, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryFields<C, P> {
    pub amount: Amount,
    pub description: String,
    pub category: C,
    pub period: P,
}

impl<C: Copy, P: Copy> EntryFields<C, P> {
    /// POST and PUT: `amount` and `category` required; `description` defaults to `""`
    /// and the period to `default_period`.
    pub fn full(input: EntryInput<C, P>, default_period: P) -> Result<Self, FieldErrors> {
        let mut errors = FieldErrors::new();
        let amount = input.amount.required("amount", &mut errors);
        let category = input.category.required("category", &mut errors);
        let description = description(input.description, &mut errors);
        let period = input.period.optional(input.period_name, &mut errors);
        match (amount, category, errors.is_empty()) {
            (Some(amount), Some(category), true) => Ok(Self {
                amount,
                description: description.unwrap_or_default(),
                category,
                period: period.unwrap_or(default_period),
            }),
            _ => Err(errors),
        }
    }

    /// PATCH: only the fields sent change; sending none is an error.
    pub fn patch(self, input: EntryInput<C, P>) -> Result<Self, FieldErrors> {
        if input.amount.is_absent()
            && input.description.is_absent()
            && input.category.is_absent()
            && input.period.is_absent()
        {
            return Err(FieldErrors::single("non_field_errors", "Send at least one field to change."));
        }
        let mut errors = FieldErrors::new();
        let amount = input.amount.optional("amount", &mut errors);
        let category = input.category.optional("category", &mut errors);
        let description = description(input.description, &mut errors);
        let period = input.period.optional(input.period_name, &mut errors);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            amount: amount.unwrap_or(self.amount),
            description: description.unwrap_or(self.description),
            category: category.unwrap_or(self.category),
            period: period.unwrap_or(self.period),
        })
    }
}

/// `description`: 0..500 characters, never null; `None` when absent or wrong.
fn description(field: Field<String>, errors: &mut FieldErrors) -> Option<String> {
    let description = field.optional("description", errors)?;
    if description.chars().count() > DESCRIPTION_MAX {
        errors.add("description", "Ensure this field has no more than 500 characters.");
        return None;
    }
    Some(description)
}

/// The rules above, as each of the two resources applies them through its own body.
#[cfg(test)]
mod tests {
    use serde_json::{Value, json};
    use shared::calendar::{CalendarDate, Month};
    use shared::resource::Resource;

    use super::*;
    use crate::domain::{Budget, BudgetInput, Expense, ExpenseInput};

    fn body<R: Resource>(value: Value) -> R::Input {
        shared::http::body::parse(value.to_string().as_bytes()).unwrap()
    }

    /// Both resources' errors for `value`, with the expense's `date` or budget's `month` in
    /// place of `"period"`.
    fn errors(value: Value) -> [(FieldErrors, &'static str); 2] {
        let with_period = |name: &str| {
            Value::Object(
                value
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (if k == "period" { name } else { k }.to_owned(), v.clone()))
                    .collect(),
            )
        };
        [
            (Expense::full(body::<Expense>(with_period("date"))).unwrap_err(), "date"),
            (Budget::full(body::<Budget>(with_period("month"))).unwrap_err(), "month"),
        ]
    }

    #[test]
    fn the_documented_required_fields_are_the_required_ones() {
        for (missing, _) in errors(json!({})) {
            for field in Expense::REQUIRED.iter().chain(Budget::REQUIRED) {
                assert_eq!(missing.get(field).unwrap(), ["This field is required."], "{field}");
            }
        }
        assert!(Expense::full(body::<Expense>(json!({"amount": 1, "category": "DATA"}))).is_ok());
        assert!(Budget::full(body::<Budget>(json!({"amount": 1, "category": "SAVINGS"}))).is_ok());
    }

    #[test]
    fn defaults() {
        let today: CalendarDate = "2026-11-23".parse().unwrap();
        let input = body::<Expense>(json!({"amount": 12.5, "category": "FOOD"}));
        let fields = EntryFields::full(ExpenseInput::entry(input), today).unwrap();
        assert_eq!(
            (fields.amount.to_string(), fields.description.as_str(), fields.period),
            ("12.50".into(), "", today)
        );
        let november: Month = "2026-11".parse().unwrap();
        let input = body::<Budget>(json!({"amount": "250", "category": "SAVINGS"}));
        let fields = EntryFields::full(BudgetInput::entry(input), november).unwrap();
        assert_eq!((fields.description.as_str(), fields.period), ("", november));
    }

    #[test]
    fn no_field_may_be_null() {
        let nulls = json!({"amount": null, "category": null, "period": null, "description": null});
        for (errors, period) in errors(nulls) {
            for field in ["amount", "category", period, "description"] {
                assert_eq!(errors.get(field).unwrap(), ["This field may not be null."], "{field}");
            }
        }
    }

    #[test]
    fn a_wrongly_typed_field_is_reported_with_every_other_problem() {
        for (errors, _) in errors(json!({"amount": "abc", "description": null})) {
            assert_eq!(errors.get("amount").unwrap(), ["A valid number is required."]);
            assert_eq!(errors.get("category").unwrap(), ["This field is required."]);
            assert_eq!(errors.get("description").unwrap(), ["This field may not be null."]);
        }
        let current = Expense::full(body::<Expense>(json!({"amount": 1, "category": "FOOD"}))).unwrap();
        let errors = current.patch(body::<Expense>(json!({"amount": true}))).unwrap_err();
        assert_eq!(errors.get("amount").unwrap(), ["A valid number is required."]);
        assert!(errors.get("non_field_errors").is_none(), "a wrongly typed field was still sent");
    }

    #[test]
    fn description_is_at_most_500_characters() {
        let ok = json!({"amount": "1", "category": "DATA", "description": "é".repeat(500)});
        assert!(Expense::full(body::<Expense>(ok)).is_ok());
        for (errors, _) in errors(json!({"amount": "1", "category": "DATA", "description": "x".repeat(501)})) {
            assert_eq!(errors.get("description").unwrap(), ["Ensure this field has no more than 500 characters."]);
        }
    }

    #[test]
    fn patch_changes_only_what_is_sent() {
        let current =
            Expense::full(body::<Expense>(json!({"amount": "3", "category": "DATA", "date": "2026-01-02"}))).unwrap();
        let patched = current.patch(body::<Expense>(json!({"amount": "4.10"}))).unwrap();
        assert_eq!(patched, Expense { amount: Amount::parse("4.1").unwrap(), ..current.clone() });
        let errors = current.patch(body::<Expense>(json!({"id": "x"}))).unwrap_err();
        assert!(errors.get("non_field_errors").is_some(), "read-only fields alone change nothing");
        let errors = current.patch(body::<Expense>(json!({"date": null}))).unwrap_err();
        assert_eq!(errors.get("date").unwrap(), ["This field may not be null."]);
    }
}
