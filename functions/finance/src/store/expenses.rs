//! Expenses: `(owner, id)` items; index `by_date` sorts them by `<date>#<id>`.

use shared::ApiError;
use shared::calendar::{CalendarDate, Month};
use shared::ids::UserId;
use shared::store::{Filter, KeyRange, Listing, OwnedTable, Scope, SortIndex, Stored};

use crate::domain::{Expense, ExpenseCategory, ExpenseFilter};

pub const BY_DATE: SortIndex = SortIndex { name: "by_date", sort_key: "date_id" };

impl Stored for Expense {
    const NUMBER_ATTRIBUTES: &'static [&'static str] = &["amount"];

    fn index_attributes(&self, id: &str) -> Vec<(&'static str, String)> {
        vec![(BY_DATE.sort_key, format!("{}#{id}", self.date))]
    }
}

/// Days `from` to `to`, both inclusive, as a range of `<date>#<id>` keys. `<to>#~` sorts
/// after every key of day `to`: ids are ULIDs (digits and capitals), all below `~`.
pub fn days(from: Option<CalendarDate>, to: Option<CalendarDate>) -> KeyRange {
    KeyRange::Between { low: from.map(|day| day.to_string()), high: to.map(|day| format!("{day}#~")) }
}

/// Newest date first (newest created first within a day); a date range is a key condition.
impl Listing for Expense {
    type Query = ExpenseFilter;

    fn read(filter: &ExpenseFilter) -> (Scope, Filter) {
        let conditions = Filter::default().equals("category", filter.category.map(ExpenseCategory::as_str));
        (Scope::Index(BY_DATE, days(filter.from, filter.to)), conditions)
    }
}

/// Every expense of `month`: one range of the index, however many other months exist.
pub async fn in_month(table: &OwnedTable<Expense>, owner: &UserId, month: Month) -> Result<Vec<Expense>, ApiError> {
    let items = table.all(owner, &Scope::Index(BY_DATE, KeyRange::Prefix(format!("{month}-")))).await?;
    Ok(items.into_iter().map(|item| item.fields).collect())
}
