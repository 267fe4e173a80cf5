//! A budget: the money planned for one category in one month. One per category and month.

use serde::{Deserialize, Serialize};
use shared::calendar::Month;
use shared::field::Field;
use shared::resource::Resource;
use shared::{Conflict, FieldErrors};

use super::entry::{EntryFields, EntryInput};
use super::{Amount, BudgetCategory};

/// A budget's own fields, validated: what its owner controls. Stored and served inside the
/// envelope every owned item shares (`OwnedItem<Budget>`: owner, id, timestamps, version), and
/// shown as they are stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = Budget, description = "A budget as the API shows it.")]
pub struct Budget {
    /// Always a string with two decimals (`"12.50"`), however it was sent.
    #[schema(value_type = super::Money)]
    pub amount: Amount,
    pub description: String,
    pub category: BudgetCategory,
    pub month: Month,
}

impl Budget {
    /// What no two budgets of one user may share.
    pub fn slot(&self) -> String {
        format!("{}#{}", self.month, self.category.as_str())
    }

    /// Why this budget cannot be written when another budget of the owner holds its slot.
    pub fn slot_taken(&self) -> Conflict {
        Conflict {
            detail: "A budget for this category and month already exists.".into(),
            errors: FieldErrors::single(
                "non_field_errors",
                format!("You already have a {} budget for {}.", self.category.as_str(), self.month),
            ),
        }
    }
}

/// The body of POST, PUT and PATCH.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct BudgetInput {
    /// Required by POST and PUT.
    #[serde(default)]
    #[schema(value_type = Amount)]
    pub amount: Field<Amount>,
    #[serde(default)]
    #[schema(value_type = String, max_length = 500)]
    pub description: Field<String>,
    /// Required by POST and PUT.
    #[serde(default)]
    #[schema(value_type = BudgetCategory)]
    pub category: Field<BudgetCategory>,
    /// Defaults to the current month (UTC).
    #[serde(default)]
    #[schema(value_type = Month)]
    pub month: Field<Month>,
}

/// The fields a client controls, validated.
pub type BudgetFields = EntryFields<BudgetCategory, Month>;

impl BudgetInput {
    pub(crate) fn entry(self) -> EntryInput<BudgetCategory, Month> {
        EntryInput {
            amount: self.amount,
            description: self.description,
            category: self.category,
            period: self.month,
            period_name: "month",
        }
    }
}

impl Budget {
    pub(crate) fn fields(&self) -> BudgetFields {
        EntryFields {
            amount: self.amount,
            description: self.description.clone(),
            category: self.category,
            period: self.month,
        }
    }
}

impl From<BudgetFields> for Budget {
    fn from(fields: BudgetFields) -> Self {
        Self { amount: fields.amount, description: fields.description, category: fields.category, month: fields.period }
    }
}

impl Resource for Budget {
    type Input = BudgetInput;
    type View = Self;

    const COLLECTION: &'static str = "/budgets";
    const NOUN: &'static str = "budget";
    const REQUIRED: &'static [&'static str] = &["amount", "category"];
    const MAY_CONFLICT: bool = true;

    fn full(input: BudgetInput) -> Result<Self, FieldErrors> {
        BudgetFields::full(input.entry(), Month::current()).map(Self::from)
    }

    fn patch(&self, input: BudgetInput) -> Result<Self, FieldErrors> {
        self.fields().patch(input.entry()).map(Self::from)
    }

    fn view(&self) -> Self {
        self.clone()
    }
}

/// The list filters of GET /budgets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BudgetFilter {
    pub month: Option<Month>,
    pub category: Option<BudgetCategory>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn budget(body: serde_json::Value) -> Budget {
        Budget::full(shared::http::body::parse(body.to_string().as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn slot_is_month_and_category() {
        let budget = budget(json!({"amount": 1, "category": "FOOD", "month": "2026-02"}));
        assert_eq!(budget.slot(), "2026-02#FOOD");
        let body = shared::http::body::parse(json!({"category": "DATA"}).to_string().as_bytes()).unwrap();
        let moved = budget.patch(body).unwrap();
        assert_eq!(moved.slot(), "2026-02#DATA");
        assert_eq!((moved.amount, moved.month), (budget.amount, budget.month), "the rest stays");
    }
}
