//! What money is spent on, and what it is budgeted for. Every expense category can have a
//! budget; SAVINGS is budgeted but never spent.

use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ExpenseCategory {
    Food,
    Data,
    Transport,
    Miscellaneous,
}

/// Declared in the order the summary lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BudgetCategory {
    Food,
    Data,
    Savings,
    Transport,
    Miscellaneous,
}

impl ExpenseCategory {
    pub fn as_str(self) -> &'static str {
        BudgetCategory::from(self).as_str()
    }
}

impl BudgetCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Food => "FOOD",
            Self::Data => "DATA",
            Self::Savings => "SAVINGS",
            Self::Transport => "TRANSPORT",
            Self::Miscellaneous => "MISCELLANEOUS",
        }
    }
}

impl From<ExpenseCategory> for BudgetCategory {
    fn from(category: ExpenseCategory) -> Self {
        match category {
            ExpenseCategory::Food => Self::Food,
            ExpenseCategory::Data => Self::Data,
            ExpenseCategory::Transport => Self::Transport,
            ExpenseCategory::Miscellaneous => Self::Miscellaneous,
        }
    }
}

/// Query parameters take the same spelling as bodies.
fn parse_as_json_string<T: for<'de> Deserialize<'de>>(raw: &str, message: &'static str) -> Result<T, &'static str> {
    serde_json::from_value(serde_json::Value::String(raw.to_owned())).map_err(|_| message)
}

impl FromStr for ExpenseCategory {
    type Err = &'static str;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        parse_as_json_string(raw, "Enter one of: FOOD, DATA, TRANSPORT, MISCELLANEOUS.")
    }
}

impl FromStr for BudgetCategory {
    type Err = &'static str;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        parse_as_json_string(raw, "Enter one of: FOOD, DATA, SAVINGS, TRANSPORT, MISCELLANEOUS.")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelled_in_capitals_only() {
        assert_eq!("FOOD".parse::<ExpenseCategory>(), Ok(ExpenseCategory::Food));
        assert_eq!("SAVINGS".parse::<BudgetCategory>(), Ok(BudgetCategory::Savings));
        assert!("SAVINGS".parse::<ExpenseCategory>().is_err(), "savings are budgeted, not spent");
        assert!("food".parse::<ExpenseCategory>().is_err());
        assert!("".parse::<BudgetCategory>().is_err());
        assert_eq!(ExpenseCategory::Miscellaneous.as_str(), "MISCELLANEOUS");
        assert_eq!(serde_json::to_string(&BudgetCategory::Transport).unwrap(), "\"TRANSPORT\"");
    }
}
