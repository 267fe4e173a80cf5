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
