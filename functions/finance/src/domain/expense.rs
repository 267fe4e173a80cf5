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
    /// Always a string with two decimals (`"12.50"`), however it was sent.
    #[schema(value_type = super::Money)]
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
