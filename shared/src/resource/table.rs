//! A DynamoDB table of items owned by users: partition key `owner` (the user id), sort
//! key `id` (a time-ordered ULID). Reads are scoped to the caller's partition, so
//! nobody can reach another user's items; writes are conditional on `version`.
//!
//! What differs between resources is declared by their [`Owned`] impl: attributes stored
//! as exact numbers, the sort key of a local secondary index that lists them by date or
//! month, and a value that must be unique per owner (kept by a guard item written in the
//! same transaction as the item).

use std::marker::PhantomData;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::contention::Contention;
use super::cursor;
use super::query::{Page, PageRequest};
use super::version::{IfMatch, Version};
use crate::clock;
use crate::dynamo::{self, Conditional, Item, Transaction, from_item, to_item};
use crate::error::{ApiError, FieldErrors};
use crate::http::Fingerprint;
use crate::http::idempotency::{self, IdempotencyKey};
use crate::ids::UserId;

pub const OWNER: &str = "owner";
pub const ID: &str = "id";
/// On a guard item: the id of the item holding the unique value.
const GUARDED_ID: &str = "item_id";
/// Guard items live in partition `UNIQUE#<owner>`.
const GUARD_PARTITION_PREFIX: &str = "UNIQUE#";
/// An `Idempotency-Key` record is the guard item `IDEMPOTENCY#<key>`; unique values never
/// start with it.
const RECORD_PREFIX: &str = "IDEMPOTENCY#";
const FINGERPRINT: &str = "fingerprint";
const ANSWER: &str = "answer";
/// The table's TTL attribute (epoch seconds); only idempotency records carry it.
const EXPIRES_AT: &str = "expires_at";

/// How many queries one filtered page may take to fill up.
const MAX_QUERIES_PER_PAGE: usize = 8;

const ITEM_IS_CURRENT: &str = "attribute_exists(id) AND version = :expected";

/// An item of an owned table.
pub trait Owned: Serialize + DeserializeOwned {
    /// Attributes that serde writes as decimal strings and the table stores as DynamoDB
    /// numbers, so amounts stay exact: no float ever holds them.
    const NUMBER_ATTRIBUTES: &'static [&'static str] = &[];

    fn owner(&self) -> &UserId;

    fn id(&self) -> &str;

    fn version(&self) -> Version;

    /// Attributes only the table needs, derived from the item (an index's sort key).
    fn index_attributes(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// A value no two items of one owner may share.
    fn unique_key(&self) -> Option<String> {
        None
    }

    /// The answer when another item of the owner already holds [`Owned::unique_key`].
    fn duplicate_error(&self) -> ApiError {
        ApiError::Conflict { detail: "An item with these values already exists.".into(), errors: FieldErrors::new() }
    }
}

/// The stored form of an item.
pub fn encode<T: Owned>(value: &T) -> Result<Item, ApiError> {
    let mut item = to_item(value)?;
    for name in T::NUMBER_ATTRIBUTES {
        match item.remove(*name) {
            Some(AttributeValue::S(number)) => item.insert((*name).to_owned(), AttributeValue::N(number)),
            other => return Err(ApiError::internal(format!("{name} is not a decimal string: {other:?}"))),
        };
    }
    for (name, value) in value.index_attributes() {
        item.insert(name.to_owned(), AttributeValue::S(value));
    }
    Ok(item)
}

/// An item from its stored form (also a stream record's image).
pub fn decode<T: Owned>(mut item: Item) -> Result<T, ApiError> {
    for name in T::NUMBER_ATTRIBUTES {
        if let Some(AttributeValue::N(number)) = item.remove(*name) {
            item.insert((*name).to_owned(), AttributeValue::S(number));
        }
    }
    from_item(item)
}

/// Whether `key` (or a whole item) is a guard item, which holds a unique value for an item
/// and is no resource itself (a stream reader skips it).
pub fn is_guard(key: &Item) -> bool {
    matches!(key.get(OWNER), Some(AttributeValue::S(owner)) if owner.starts_with(GUARD_PARTITION_PREFIX))
}

/// A create sent with an `Idempotency-Key`.
pub struct KeyedCreate {
    pub key: IdempotencyKey,
    /// What the request said.
    pub fingerprint: Fingerprint,
    /// The body of the answer, given again to a repetition.
    pub answer: String,
}

impl KeyedCreate {
    fn record_id(&self) -> String {
        format!("{RECORD_PREFIX}{}", self.key.as_str())
    }
}

/// What became of an insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    New,
    /// The same request came with this key before: the item it made and the body it got.
    Repeated {
        id: String,
        answer: String,
    },
}

/// Why a conditional write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the item does not exist")]
    NotFound,
    #[error("the item changed since it was read")]
    Stale,
    #[error("another item holds the unique value")]
    Duplicate(ApiError),
    #[error(transparent)]
    Store(#[from] ApiError),
}

impl From<WriteError> for ApiError {
    fn from(err: WriteError) -> Self {
        match err {
            WriteError::NotFound => ApiError::NotFound,
            WriteError::Stale => ApiError::PreconditionFailed,
            WriteError::Duplicate(err) | WriteError::Store(err) => err,
        }
    }
}

/// Conditions on attributes other than the key, for list filters. Names and values go
/// through placeholders, so reserved words such as `status` or `month` are safe.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    clauses: Vec<String>,
    names: Vec<(String, String)>,
    values: Vec<(String, AttributeValue)>,
}

impl Filter {
    fn compare(mut self, attribute: &str, operator: &str, value: AttributeValue) -> Self {
        let name = format!("#f{}", self.names.len());
        let placeholder = format!(":f{}", self.values.len());
        self.clauses.push(format!("{name} {operator} {placeholder}"));
        self.names.push((name, attribute.to_owned()));
        self.values.push((placeholder, value));
        self
    }

    pub fn equals(self, attribute: &str, value: AttributeValue) -> Self {
        self.compare(attribute, "=", value)
    }

    pub fn less_than(self, attribute: &str, value: AttributeValue) -> Self {
        self.compare(attribute, "<", value)
    }

    pub fn greater_than(self, attribute: &str, value: AttributeValue) -> Self {
        self.compare(attribute, ">", value)
    }

    pub fn not_equals(self, attribute: &str, value: AttributeValue) -> Self {
        self.compare(attribute, "<>", value)
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

/// The table of one kind of owned item.
pub struct OwnedTable<T> {
    client: Client,
    table: Arc<str>,
    items: PhantomData<fn() -> T>,
}

impl<T> Clone for OwnedTable<T> {
    fn clone(&self) -> Self {
        Self { client: self.client.clone(), table: self.table.clone(), items: PhantomData }
    }
}

impl<T: Owned> OwnedTable<T> {
    pub fn new(client: Client, table: &str) -> Self {
        Self { client, table: table.into(), items: PhantomData }
    }

    fn key(owner: &str, id: &str) -> Item {
        Item::from([(OWNER.to_owned(), dynamo::string(owner)), (ID.to_owned(), dynamo::string(id))])
    }

    /// Guard items live in a partition of their own per owner, which no list reads.
    fn guard_key(owner: &str, unique: &str) -> Item {
        Self::key(&format!("{GUARD_PARTITION_PREFIX}{owner}"), unique)
    }

    /// The caller's item `id`, if it exists.
    pub async fn get(&self, owner: &UserId, id: &str) -> Result<Option<T>, ApiError> {
        match dynamo::get_item(&self.client, &self.table, Self::key(&owner.to_string(), id)).await? {
            Some(item) => Ok(Some(decode(item)?)),
            None => Ok(None),
        }
    }

    /// Writes a new item (it must carry `owner`, `id` and `version`), with its guard item
    /// if it has a unique value, and the record of its `Idempotency-Key` if it came with one.
    pub async fn insert(&self, value: &T, key: Option<&KeyedCreate>) -> Result<Inserted, ApiError> {
        // A record can vanish between a failed condition and its reading only by expiring
        // at that instant; the second try then writes it.
        for _ in 0..2 {
            if let Some(inserted) = self.try_insert(value, key).await? {
                return Ok(inserted);
            }
        }
        Err(ApiError::internal("an idempotency record kept vanishing"))
    }

    async fn try_insert(&self, value: &T, key: Option<&KeyedCreate>) -> Result<Option<Inserted>, ApiError> {
        let item = encode(value)?;
        let collided = || ApiError::internal("a generated id collided with an existing item");
        let (owner, id, unique) = (value.owner().to_string(), value.id(), value.unique_key());
        if unique.is_none() && key.is_none() {
            let created = dynamo::put_item_if(&self.client, &self.table, item, "attribute_not_exists(id)", []).await?;
            return if created.written() { Ok(Some(Inserted::New)) } else { Err(collided()) };
        }
        let mut writes = vec![self.put(item, "attribute_not_exists(id)", [])?];
        let guard_at = match &unique {
            Some(unique) => {
                writes.push(self.put_guard(&owner, unique, id)?);
                Some(writes.len() - 1)
            }
            None => None,
        };
        let record_at = match key {
            Some(key) => {
                writes.push(self.put_record(&owner, id, key)?);
                Some(writes.len() - 1)
            }
            None => None,
        };
        let failed = match dynamo::transact_write(&self.client, writes).await? {
            Transaction::Committed => return Ok(Some(Inserted::New)),
            Transaction::ConditionsFailed(failed) => failed,
        };
        let failed_at = |at: Option<usize>| at.is_some_and(|at| failed.contains(&at));
        if let (true, Some(key)) = (failed_at(record_at), key) {
            return self.earlier_create(&owner, key).await;
        }
        if failed_at(guard_at) { Err(value.duplicate_error()) } else { Err(collided()) }
    }

    /// The record of a create with an `Idempotency-Key`, kept beside the guard items: the
    /// item it made, what its request said, its answer, and until when it counts.
    fn put_record(&self, owner: &str, id: &str, key: &KeyedCreate) -> Result<TransactWriteItem, ApiError> {
        let now = clock::epoch_seconds(clock::now());
        let mut record = Self::guard_key(owner, &key.record_id());
        record.insert(GUARDED_ID.to_owned(), dynamo::string(id));
        record.insert(FINGERPRINT.to_owned(), dynamo::string(key.fingerprint.as_str()));
        record.insert(ANSWER.to_owned(), dynamo::string(&key.answer));
        record.insert(EXPIRES_AT.to_owned(), dynamo::number(now + idempotency::RETENTION_SECONDS));
        self.put(record, &format!("attribute_not_exists(id) OR {EXPIRES_AT} < :now"), [(":now", dynamo::number(now))])
    }

    /// The earlier create that holds `key`: the same request is answered as it was then; a
    /// different one is 409. `None` if the record has just expired.
    async fn earlier_create(&self, owner: &str, key: &KeyedCreate) -> Result<Option<Inserted>, ApiError> {
        let Some(record) =
            dynamo::get_item(&self.client, &self.table, Self::guard_key(owner, &key.record_id())).await?
        else {
            return Ok(None);
        };
        let text = |name: &str| match record.get(name) {
            Some(AttributeValue::S(text)) => Ok(text.clone()),
            other => Err(ApiError::internal(format!("idempotency record without {name}: {other:?}"))),
        };
        if text(FINGERPRINT)? != key.fingerprint.as_str() {
            return Err(ApiError::Conflict {
                detail: "This Idempotency-Key was used for a different request.".into(),
                errors: FieldErrors::single(
                    idempotency::HEADER,
                    "Used before with another body; send a new key for a new request.",
                ),
            });
        }
        Ok(Some(Inserted::Repeated { id: text(GUARDED_ID)?, answer: text(ANSWER)? }))
    }

    /// Replaces `current` by `next` if the stored version is still `current`'s, moving the
    /// guard item when the unique value changes.
    async fn replace(&self, current: &T, next: &T) -> Result<(), WriteError> {
        let item = encode(next)?;
        let (owner, id) = (current.owner().to_string(), current.id());
        let expected = current.version();
        let (old_unique, new_unique) = (current.unique_key(), next.unique_key());
        if old_unique == new_unique {
            let outcome = dynamo::put_item_if(
                &self.client,
                &self.table,
                item,
                ITEM_IS_CURRENT,
                [(":expected", dynamo::number(expected.get()))],
            )
            .await?;
            return match outcome {
                Conditional::Written => Ok(()),
                Conditional::Refused { stored: None } => Err(WriteError::NotFound),
                Conditional::Refused { stored: Some(_) } => Err(WriteError::Stale),
            };
        }
        let mut writes = vec![self.put(item, ITEM_IS_CURRENT, [(":expected", dynamo::number(expected.get()))])?];
        if let Some(old) = &old_unique {
            writes.push(self.delete(Self::guard_key(&owner, old), None)?);
        }
        if let Some(new) = &new_unique {
            writes.push(self.put_guard(&owner, new, id)?);
        }
        match dynamo::transact_write(&self.client, writes).await? {
            Transaction::Committed => Ok(()),
            Transaction::ConditionsFailed(failed) if failed.contains(&0) => Err(self.why_not_written(&owner, id).await),
            Transaction::ConditionsFailed(_) => Err(WriteError::Duplicate(next.duplicate_error())),
        }
    }

    /// Deletes `current` (and its guard item) if the stored version is still its own.
    async fn delete_current(&self, current: &T) -> Result<(), WriteError> {
        let (owner, id) = (current.owner().to_string(), current.id());
        let expected = current.version();
        let deleted = match current.unique_key() {
            None => {
                let expected = [(":expected", dynamo::number(expected.get()))];
                dynamo::delete_item_if(&self.client, &self.table, Self::key(&owner, id), ITEM_IS_CURRENT, expected)
                    .await?
            }
            Some(unique) => {
                let writes = vec![
                    self.delete(Self::key(&owner, id), Some(expected))?,
                    self.delete(Self::guard_key(&owner, &unique), None)?,
                ];
                dynamo::transact_write(&self.client, writes).await? == Transaction::Committed
            }
        };
        if deleted { Ok(()) } else { Err(self.why_not_written(&owner, id).await) }
    }

    fn put<'a>(
        &self,
        item: Item,
        condition: &str,
        values: impl IntoIterator<Item = (&'a str, AttributeValue)>,
    ) -> Result<TransactWriteItem, ApiError> {
        let put = Put::builder()
            .table_name(self.table.as_ref())
            .set_item(Some(item))
            .condition_expression(condition)
            .set_expression_attribute_values(dynamo::expression_values(values))
            .build()
            .map_err(ApiError::internal)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn put_guard(&self, owner: &str, unique: &str, id: &str) -> Result<TransactWriteItem, ApiError> {
        let mut guard = Self::guard_key(owner, unique);
        guard.insert(GUARDED_ID.to_owned(), dynamo::string(id));
        self.put(guard, "attribute_not_exists(id)", [])
    }

    fn delete(&self, key: Item, expected: Option<Version>) -> Result<TransactWriteItem, ApiError> {
        let mut delete = Delete::builder().table_name(self.table.as_ref()).set_key(Some(key));
        if let Some(version) = expected {
            delete = delete
                .condition_expression(ITEM_IS_CURRENT)
                .expression_attribute_values(":expected", dynamo::number(version.get()));
        }
        Ok(TransactWriteItem::builder().delete(delete.build().map_err(ApiError::internal)?).build())
    }

    /// Read, check `If-Match`, `apply`, write if nobody changed the item meanwhile.
    /// `apply` gets the current item and returns its successor (version + 1). With
    /// `If-Match` naming versions, a concurrent change is 412; without (or with `*`), the
    /// change is applied again to the newer item until it wins ([`Contention`]).
    pub async fn update(
        &self,
        owner: &UserId,
        id: &str,
        if_match: &IfMatch,
        apply: impl Fn(&T) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let mut contention = Contention::start();
        loop {
            let current = self.get(owner, id).await?.ok_or(ApiError::NotFound)?;
            if_match.check(current.version())?;
            let next = apply(&current)?;
            match self.replace(&current, &next).await {
                Ok(()) => return Ok(next),
                Err(WriteError::Stale) if !if_match.pins_version() => contention.lost().await?,
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// Deletes the caller's item `id`, honouring `If-Match` as [`OwnedTable::update`] does.
    pub async fn remove(&self, owner: &UserId, id: &str, if_match: &IfMatch) -> Result<(), ApiError> {
        let mut contention = Contention::start();
        loop {
            let current = self.get(owner, id).await?.ok_or(ApiError::NotFound)?;
            if_match.check(current.version())?;
            match self.delete_current(&current).await {
                Ok(()) => return Ok(()),
                Err(WriteError::Stale) if !if_match.pins_version() => contention.lost().await?,
                Err(err) => return Err(err.into()),
            }
        }
    }

    async fn why_not_written(&self, owner: &str, id: &str) -> WriteError {
        match dynamo::get_item(&self.client, &self.table, Self::key(owner, id)).await {
            Ok(None) => WriteError::NotFound,
            Ok(Some(_)) => WriteError::Stale,
            Err(err) => WriteError::Store(err),
        }
    }

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
    ) -> Result<Page<T>, ApiError> {
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
        let results = items.into_iter().map(decode).collect::<Result<Vec<T>, _>>()?;
        let next_cursor = next_key.as_ref().map(cursor::encode).transpose()?;
        Ok(Page { results, next_cursor })
    }

    /// Every item of the caller's in `scope`: for aggregates over a bounded range (a
    /// month), one query page after another.
    pub async fn all(&self, owner: &UserId, scope: &Scope) -> Result<Vec<T>, ApiError> {
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

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Note {
        owner: UserId,
        id: String,
        version: Version,
    }

    impl Owned for Note {
        fn owner(&self) -> &UserId {
            &self.owner
        }

        fn id(&self) -> &str {
            &self.id
        }

        fn version(&self) -> Version {
            self.version
        }
    }

    #[test]
    fn guard_items_are_told_from_items() {
        let owner = UserId::generate().to_string();
        assert!(is_guard(&OwnedTable::<Note>::guard_key(&owner, "2026-11#FOOD")));
        assert!(!is_guard(&OwnedTable::<Note>::key(&owner, "01J")));
        assert!(!is_guard(&Item::new()));
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
