//! The monthly budget summary: per category, what was planned and what was spent.

use std::collections::BTreeMap;

use serde::Serialize;
use shared::calendar::Month;

use super::{Budget, BudgetCategory, Expense, Money};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Summary {
    pub month: Month,
    pub categories: Vec<CategorySummary>,
    pub total_budget: Money,
    pub total_spent: Money,
}

/// `budget` and `remaining` are null for spending without a budget; `over` is spent > budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CategorySummary {
    pub category: BudgetCategory,
    pub budget: Option<Money>,
    pub spent: Money,
    pub remaining: Option<Money>,
    pub over: bool,
}

/// Why a month cannot be summed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SummaryError {
    #[error("a monthly sum overflowed 28 digits")]
    Overflow,
}

fn overflow() -> SummaryError {
    SummaryError::Overflow
}

/// Every category with a budget or spending in `month`, in category order. `budgets` and
/// `expenses` are that month's; sums are exact.
pub fn summarize(month: Month, budgets: &[Budget], expenses: &[Expense]) -> Result<Summary, SummaryError> {
    let mut planned: BTreeMap<BudgetCategory, Money> = BTreeMap::new();
    let mut spent: BTreeMap<BudgetCategory, Money> = BTreeMap::new();
    for budget in budgets.iter().filter(|budget| budget.month == month) {
        let sum = planned.entry(budget.category).or_default();
        *sum = sum.checked_add(budget.amount).ok_or_else(overflow)?;
    }
    for expense in expenses.iter().filter(|expense| expense.date.month() == month) {
        let sum = spent.entry(expense.category.into()).or_default();
        *sum = sum.checked_add(expense.amount).ok_or_else(overflow)?;
    }
    let mut categories = Vec::new();
    let (mut total_budget, mut total_spent) = (Money::ZERO, Money::ZERO);
    let mut all: Vec<BudgetCategory> = planned.keys().chain(spent.keys()).copied().collect();
    all.sort();
    all.dedup();
    for category in all {
        let budget = planned.get(&category).copied();
        let spent = spent.get(&category).copied().unwrap_or(Money::ZERO);
        let remaining = budget.map(|budget| budget.checked_sub(spent).ok_or_else(overflow)).transpose()?;
        total_budget = total_budget.checked_add(budget.unwrap_or(Money::ZERO)).ok_or_else(overflow)?;
        total_spent = total_spent.checked_add(spent).ok_or_else(overflow)?;
        categories.push(CategorySummary {
            category,
            budget,
            spent,
            remaining,
            over: budget.is_some_and(|b| spent > b),
        });
    }
    Ok(Summary { month, categories, total_budget, total_spent })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use shared::resource::Resource;

    fn entry<R: Resource>(body: serde_json::Value) -> R {
        R::full(shared::http::body::parse(body.to_string().as_bytes()).unwrap()).unwrap()
    }

    fn expense(amount: &str, category: &str, date: &str) -> Expense {
        entry(json!({"amount": amount, "category": category, "date": date}))
    }

    fn budget(amount: &str, category: &str, month: &str) -> Budget {
        entry(json!({"amount": amount, "category": category, "month": month}))
    }

    #[test]
    fn budgets_spending_and_totals() {
        let november: Month = "2026-11".parse().unwrap();
        let budgets =
            [budget("100", "FOOD", "2026-11"), budget("20", "DATA", "2026-11"), budget("500", "SAVINGS", "2026-11")];
        let expenses = [
            expense("0.10", "FOOD", "2026-11-01"),
            expense("0.20", "FOOD", "2026-11-30"),
            expense("25.5", "DATA", "2026-11-15"),
            expense("7", "TRANSPORT", "2026-11-02"),
            expense("1000", "FOOD", "2026-10-31"),
        ];
        let summary = serde_json::to_value(summarize(november, &budgets, &expenses).unwrap()).unwrap();
        assert_eq!(
            summary,
            json!({
                "month": "2026-11",
                "categories": [
                    {"category": "FOOD", "budget": "100.00", "spent": "0.30", "remaining": "99.70", "over": false},
                    {"category": "DATA", "budget": "20.00", "spent": "25.50", "remaining": "-5.50", "over": true},
                    {"category": "SAVINGS", "budget": "500.00", "spent": "0.00", "remaining": "500.00", "over": false},
                    {"category": "TRANSPORT", "budget": null, "spent": "7.00", "remaining": null, "over": false},
                ],
                "total_budget": "620.00",
                "total_spent": "32.80",
            })
        );
    }

    #[test]
    fn spending_exactly_the_budget_is_not_over() {
        let summary = summarize(
            "2026-11".parse().unwrap(),
            &[budget("10", "FOOD", "2026-11")],
            &[expense("10.00", "FOOD", "2026-11-05")],
        )
        .unwrap();
        assert!(!summary.categories[0].over);
        assert_eq!(summary.categories[0].remaining, Some(Money::ZERO));
    }

    #[test]
    fn an_empty_month() {
        let summary = summarize("2026-11".parse().unwrap(), &[], &[]).unwrap();
        assert!(summary.categories.is_empty());
        assert_eq!((summary.total_budget.to_string(), summary.total_spent.to_string()), ("0.00".into(), "0.00".into()));
    }
}
