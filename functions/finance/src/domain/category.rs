//! What money is spent on, and what it is budgeted for. Every expense category can have a
//! budget; SAVINGS is budgeted but never spent.

shared::choices! {
    pub enum ExpenseCategory in "SCREAMING_SNAKE_CASE" { Food, Data, Transport, Miscellaneous }
}

shared::choices! {
    /// Declared in the order the summary lists them.
    pub enum BudgetCategory in "SCREAMING_SNAKE_CASE" { Food, Data, Savings, Transport, Miscellaneous }
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

#[cfg(test)]
mod tests {
    use super::*;

    use shared::choice;
    use strum::VariantNames;

    #[test]
    fn spelled_in_capitals_only() {
        assert_eq!(choice::parse("FOOD"), Ok(ExpenseCategory::Food));
        assert_eq!(choice::parse("SAVINGS"), Ok(BudgetCategory::Savings));
        assert_eq!(
            choice::parse::<ExpenseCategory>("SAVINGS"),
            Err("Enter one of: FOOD, DATA, TRANSPORT, MISCELLANEOUS.".to_owned()),
            "savings are budgeted, not spent"
        );
        assert_eq!(
            choice::parse::<BudgetCategory>(""),
            Err("Enter one of: FOOD, DATA, SAVINGS, TRANSPORT, MISCELLANEOUS.".to_owned())
        );
        assert!(choice::parse::<ExpenseCategory>("food").is_err());
        assert_eq!(ExpenseCategory::Miscellaneous.as_str(), "MISCELLANEOUS");
        assert_eq!(serde_json::to_string(&BudgetCategory::Transport).unwrap(), "\"TRANSPORT\"");
        for name in BudgetCategory::VARIANTS {
            let category: BudgetCategory = serde_json::from_value(serde_json::json!(name)).unwrap();
            assert_eq!(category.as_str(), *name, "serde and strum spell it alike");
        }
        for name in ExpenseCategory::VARIANTS {
            let category: ExpenseCategory = serde_json::from_value(serde_json::json!(name)).unwrap();
            assert_eq!((category.as_str(), BudgetCategory::from(category).as_str()), (*name, *name));
        }
    }
}
