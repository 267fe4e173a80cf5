//! Lists of an owner's items: a strongly consistent query of their partition (or of a local
//! secondary index that orders it by date or month), a key range read as a key condition, filters
//! applied by DynamoDB, pages of bounded cost and owner-checked cursors.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;

use super::cursor;
use super::owned::{ID, OWNER, OwnedTable, Stored, decode};
use super::page::{Page, PageRequest};
use crate::dynamo::{self, Item};
use crate::error::ApiError;
use crate::ids::UserId;
use crate::resource::OwnedItem;

/// Which of an owner's items a list reads for what its request asked.
pub trait Listing: Stored {
    /// What a list's request asks for besides the page.
    type Query: Send;

    /// Where in the table a list with `query` reads (a key range, never a scan), and which of
    /// the items read it keeps.
    fn read(query: &Self::Query) -> (Scope, Filter);
}

/// How many queries one filtered page may take to fill up.
const MAX_QUERIES_PER_PAGE: usize = 8;

/// Conditions on attributes other than the key, for list filters. Names and values go
/// through placeholders, so reserved words such as `status` or `month` are safe.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    clauses: Vec<String>,
    names: Vec<(String, String)>,
    values: Vec<(String, AttributeValue)>,
}

/// Each comparison is with a string, and is added only when there is one to compare with,
/// so that an optional list parameter reads as one line.
impl Filter {
    fn compare(mut self, attribute: &str, operator: &str, value: Option<impl Into<String>>) -> Self {
        let Some(value) = value else { return self };
        let name = format!("#f{}", self.names.len());
        let placeholder = format!(":f{}", self.values.len());
        self.clauses.push(format!("{name} {operator} {placeholder}"));
        self.names.push((name, attribute.to_owned()));
        self.values.push((placeholder, AttributeValue::S(value.into())));
        self
    }

    pub fn equals(self, attribute: &str, value: Option<impl Into<String>>) -> Self {
        self.compare(attribute, "=", value)
    }

    pub fn not_equals(self, attribute: &str, value: Option<impl Into<String>>) -> Self {
        self.compare(attribute, "<>", value)
    }

    pub fn less_than(self, attribute: &str, value: Option<impl Into<String>>) -> Self {
        self.compare(attribute, "<", value)
    }

    pub fn greater_than(self, attribute: &str, value: Option<impl Into<String>>) -> Self {
        self.compare(attribute, ">", value)
    }

    fn apply(self, mut query: QueryFluentBuilder) -> QueryFluentBuilder {
        if self.clauses.is_empty() {
            return query;
        }
        query = query.filter_expression(self.clauses.join(" AND "));
        for (placeholder, name) in self.names {
            query = query.expression_attribute_names(placeholder, name);
        }
        for (placeholder, value) in self.values {
            query = query.expression_attribute_values(placeholder, value);
        }
        query
    }
}

/// A local secondary index of an owned table (same partition, so reads stay strongly
/// consistent) whose sort key orders the owner's items another way than by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortIndex {
    pub name: &'static str,
    pub sort_key: &'static str,
}

/// Which sort keys of an index a list reads: a key condition, never a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRange {
    All,
    /// Sort keys that start with this text.
    Prefix(String),
    /// Sort keys from `low` to `high`, both inclusive; `None` leaves that side open.
    Between {
        low: Option<String>,
        high: Option<String>,
    },
}

impl KeyRange {
    fn contains(&self, sort_key: &str) -> bool {
        match self {
            Self::All => true,
            Self::Prefix(prefix) => sort_key.starts_with(prefix.as_str()),
            Self::Between { low, high } => {
                low.as_deref().is_none_or(|low| sort_key >= low) && high.as_deref().is_none_or(|high| sort_key <= high)
            }
        }
    }

    fn is_empty(&self) -> bool {
        matches!(self, Self::Between { low: Some(low), high: Some(high) } if low > high)
    }

    /// The key condition on `#sort`, with its values.
    fn condition(&self) -> (Option<&'static str>, Vec<(&'static str, String)>) {
        match self {
            Self::All | Self::Between { low: None, high: None } => (None, vec![]),
            Self::Prefix(prefix) => (Some("begins_with(#sort, :low)"), vec![(":low", prefix.clone())]),
            Self::Between { low: Some(low), high: None } => (Some("#sort >= :low"), vec![(":low", low.clone())]),
            Self::Between { low: None, high: Some(high) } => (Some("#sort <= :high"), vec![(":high", high.clone())]),
            Self::Between { low: Some(low), high: Some(high) } => {
                (Some("#sort BETWEEN :low AND :high"), vec![(":low", low.clone()), (":high", high.clone())])
            }
        }
    }
}

/// In what order, and which of the caller's items, a list reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every item, newest id first.
    ById,
    /// The items whose index sort key is in the range, highest sort key first.
    Index(SortIndex, KeyRange),
}

impl Scope {
    fn key_names(&self) -> Vec<&'static str> {
        match self {
            Self::ById => vec![OWNER, ID],
            Self::Index(index, _) => vec![OWNER, ID, index.sort_key],
        }
    }

    /// Whether a query with this scope can only come back empty.
    fn is_empty(&self) -> bool {
        matches!(self, Self::Index(_, range) if range.is_empty())
    }

    /// A decoded cursor is a position inside this scope, or DynamoDB would refuse the query.
    fn admits(&self, start: &Item) -> bool {
        match self {
            Self::ById => true,
            Self::Index(index, range) => {
                matches!(start.get(index.sort_key), Some(AttributeValue::S(sort_key)) if range.contains(sort_key))
            }
        }
    }
}

impl<F: Stored> OwnedTable<F> {
    /// A strongly consistent query of the caller's partition in `scope`, highest first,
    /// so a list right after a write shows it.
    fn query(&self, owner: &UserId, scope: &Scope, filter: Filter) -> QueryFluentBuilder {
        let mut query = self
            .client
            .query()
            .table_name(self.table.as_ref())
            .expression_attribute_names("#owner", OWNER)
            .expression_attribute_values(":owner", dynamo::string(owner.to_string()))
            .scan_index_forward(false)
            .consistent_read(true);
        let mut key_condition = "#owner = :owner".to_owned();
        if let Scope::Index(index, range) = scope {
            query = query.index_name(index.name);
            if let (Some(condition), values) = range.condition() {
                key_condition = format!("{key_condition} AND {condition}");
                query = query.expression_attribute_names("#sort", index.sort_key);
                for (placeholder, value) in values {
                    query = query.expression_attribute_values(placeholder, dynamo::string(value));
                }
            }
        }
        filter.apply(query.key_condition_expression(key_condition))
    }

    /// One page of the caller's items in `scope`, each passing `filter`.
    /// Reads `page.limit + 1` items per query whatever the table holds (the extra one tells
    /// whether a next page exists, so the last page has no cursor). DynamoDB filters after
    /// it reads, so while a filter leaves the page short, the next items are read, up to
    /// `MAX_QUERIES_PER_PAGE` queries: the cost stays bounded by the page size, and only a
    /// very selective filter still answers a short page, whose cursor then goes on from
    /// where reading stopped.
    pub async fn page(
        &self,
        owner: &UserId,
        scope: &Scope,
        page: &PageRequest,
        filter: Filter,
    ) -> Result<Page<OwnedItem<F>>, ApiError> {
        let key_names = scope.key_names();
        let start = match &page.cursor {
            Some(cursor) => {
                let start = cursor::decode(cursor, &key_names, OWNER, &owner.to_string())?;
                if !scope.admits(&start) {
                    return Err(cursor::invalid());
                }
                Some(start)
            }
            None => None,
        };
        if scope.is_empty() {
            return Ok(Page { results: Vec::new(), next_cursor: None });
        }
        let limit = page.limit as usize;
        let (mut items, mut resume, mut exhausted) = (Vec::new(), start, false);
        for _ in 0..MAX_QUERIES_PER_PAGE {
            let output = self
                .query(owner, scope, filter.clone())
                .limit(page.limit + 1)
                .set_exclusive_start_key(resume.take())
                .send()
                .await?;
            items.extend(output.items.unwrap_or_default());
            resume = output.last_evaluated_key.filter(|key| !key.is_empty());
            exhausted = resume.is_none();
            if exhausted || items.len() > limit {
                break;
            }
        }
        let next_key = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|last| {
                key_names.iter().filter_map(|&name| Some((name.to_owned(), last.get(name)?.clone()))).collect::<Item>()
            })
        } else if exhausted {
            None
        } else {
            resume
        };
        let results = items.into_iter().map(decode).collect::<Result<Vec<OwnedItem<F>>, _>>()?;
        let next_cursor = next_key.as_ref().map(cursor::encode).transpose()?;
        Ok(Page { results, next_cursor })
    }

    /// Every item of the caller's in `scope`: for aggregates over a bounded range (a
    /// month), one query page after another.
    pub async fn all(&self, owner: &UserId, scope: &Scope) -> Result<Vec<OwnedItem<F>>, ApiError> {
        if scope.is_empty() {
            return Ok(Vec::new());
        }
        let mut results = Vec::new();
        let mut start = None;
        loop {
            let output = self.query(owner, scope, Filter::default()).set_exclusive_start_key(start).send().await?;
            for item in output.items.unwrap_or_default() {
                results.push(decode(item)?);
            }
            match output.last_evaluated_key.filter(|key| !key.is_empty()) {
                Some(key) => start = Some(key),
                None => return Ok(results),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BY_DATE: SortIndex = SortIndex { name: "by_date", sort_key: "date_id" };

    fn start(sort_key: &str) -> Item {
        Item::from([("date_id".to_owned(), dynamo::string(sort_key))])
    }

    #[test]
    fn key_ranges_bound_sort_keys() {
        let november = KeyRange::Prefix("2026-11-".into());
        assert!(november.contains("2026-11-30#01J"));
        assert!(!november.contains("2026-12-01#01J"));
        let week = KeyRange::Between { low: Some("2026-11-01".into()), high: Some("2026-11-07#~".into()) };
        assert!(week.contains("2026-11-01#01J") && week.contains("2026-11-07#7ZZ"));
        assert!(!week.contains("2026-10-31#7ZZ") && !week.contains("2026-11-08#01J"));
        assert!(KeyRange::Between { low: None, high: None }.contains("anything"));
    }

    #[test]
    fn an_inverted_range_is_empty_and_never_queried() {
        let inverted = Scope::Index(BY_DATE, KeyRange::Between { low: Some("b".into()), high: Some("a".into()) });
        assert!(inverted.is_empty());
        assert!(!Scope::Index(BY_DATE, KeyRange::Between { low: Some("a".into()), high: Some("a".into()) }).is_empty());
        assert!(!Scope::ById.is_empty());
    }

    #[test]
    fn cursors_must_lie_inside_the_scope() {
        let november = Scope::Index(BY_DATE, KeyRange::Prefix("2026-11-".into()));
        assert!(november.admits(&start("2026-11-05#01J")));
        assert!(!november.admits(&start("2026-12-05#01J")), "DynamoDB would reject a start key outside the range");
        assert!(!november.admits(&Item::new()));
        assert_eq!(november.key_names(), ["owner", "id", "date_id"]);
        assert_eq!(Scope::ById.key_names(), ["owner", "id"]);
    }
}
