//! Budgets: `(owner, id)` items; index `by_month` sorts them by `<month>#<id>`, and a guard
//! item per `<month>#<category>` keeps one budget per slot, even when two requests race.

use shared::calendar::Month;
use shared::ids::UserId;
use shared::store::{Filter, KeyRange, Listing, OwnedTable, Scope, SortIndex, Stored};
use shared::{ApiError, Conflict};

use crate::domain::{Budget, BudgetCategory, BudgetFilter};

pub const BY_MONTH: SortIndex = SortIndex { name: "by_month", sort_key: "month_id" };

impl Stored for Budget {
    const NUMBER_ATTRIBUTES: &'static [&'static str] = &["amount"];

    fn index_attributes(&self, id: &str) -> Vec<(&'static str, String)> {
        vec![(BY_MONTH.sort_key, format!("{}#{id}", self.month))]
    }

    fn unique_key(&self) -> Option<String> {
        Some(self.slot())
    }

    fn duplicate(&self) -> Conflict {
        self.slot_taken()
    }
}

fn month_range(month: Month) -> KeyRange {
    KeyRange::Prefix(format!("{month}#"))
}

/// Newest month first; a month filter is a key condition.
impl Listing for Budget {
    type Query = BudgetFilter;

    fn read(filter: &BudgetFilter) -> (Scope, Filter) {
        let range = filter.month.map_or(KeyRange::All, month_range);
        let conditions = Filter::default().equals("category", filter.category.map(BudgetCategory::as_str));
        (Scope::Index(BY_MONTH, range), conditions)
    }
}

/// Every budget of `month` (at most one per category).
pub async fn in_month(table: &OwnedTable<Budget>, owner: &UserId, month: Month) -> Result<Vec<Budget>, ApiError> {
    let items = table.all(owner, &Scope::Index(BY_MONTH, month_range(month))).await?;
    Ok(items.into_iter().map(|item| item.fields).collect())
}
