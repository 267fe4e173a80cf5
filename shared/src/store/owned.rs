//! A DynamoDB table of items owned by users: partition key `owner` (the user id), sort
//! key `id` (a time-ordered ULID). Reads are scoped to the caller's partition, so
//! nobody can reach another user's items; writes are conditional on `version`.
//!
//! Items are [`OwnedItem`]s. What differs between resources is declared by their fields'
//! [`Stored`] impl: attributes stored as exact numbers, the sort key of a local secondary
//! index that lists them by date or month, and a value that must be unique per owner (kept by
//! a guard item written in the same transaction as the item).

use std::marker::PhantomData;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::contention::Contention;
use crate::dynamo::{self, Conditional, Item, Transaction, from_item, to_item};
use crate::error::{ApiError, Conflict, FieldErrors};
use crate::identity::SignedToken;
use crate::ids::UserId;
use crate::resource::OwnedItem;
use crate::version::{IfMatch, Version};

pub const OWNER: &str = "owner";
pub const ID: &str = "id";
/// On a guard item: the id of the item holding the unique value.
pub(super) const GUARDED_ID: &str = "item_id";
/// Guard items live in partition `UNIQUE#<owner>`.
const GUARD_PARTITION_PREFIX: &str = "UNIQUE#";

const ITEM_IS_CURRENT: &str = "attribute_exists(id) AND version = :expected";

/// What the store needs to know of a resource's fields beyond their serde form. Every method
/// has a default, so most resources declare nothing: `impl Stored for Task {}`.
pub trait Stored: Serialize + DeserializeOwned {
    /// Attributes that serde writes as decimal strings and the table stores as DynamoDB
    /// numbers, so amounts stay exact: no float ever holds them.
    const NUMBER_ATTRIBUTES: &'static [&'static str] = &[];

    /// Attributes only the table needs, derived from the item `id` holding these fields (an
    /// index's sort key).
    fn index_attributes(&self, _id: &str) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// A value no two items of one owner may share.
    fn unique_key(&self) -> Option<String> {
        None
    }

    /// Why these fields cannot be written when another item of the owner already holds
    /// [`Stored::unique_key`].
    fn duplicate(&self) -> Conflict {
        Conflict { detail: "An item with these values already exists.".into(), errors: FieldErrors::new() }
    }
}

/// An item as the table writes it: the envelope's key and version, and its fields' declarations.
pub trait Owned: Serialize + DeserializeOwned {
    const NUMBER_ATTRIBUTES: &'static [&'static str];

    fn owner(&self) -> &UserId;

    fn id(&self) -> &str;

    fn version(&self) -> Version;

    fn index_attributes(&self) -> Vec<(&'static str, String)>;

    fn unique_key(&self) -> Option<String>;

    fn duplicate(&self) -> Conflict;
}

impl<F: Stored> Owned for OwnedItem<F> {
    const NUMBER_ATTRIBUTES: &'static [&'static str] = F::NUMBER_ATTRIBUTES;

    fn owner(&self) -> &UserId {
        &self.owner
    }

    fn id(&self) -> &str {
        &self.id
    }

    fn version(&self) -> Version {
        self.version
    }

    fn index_attributes(&self) -> Vec<(&'static str, String)> {
        self.fields.index_attributes(&self.id)
    }

    fn unique_key(&self) -> Option<String> {
        self.fields.unique_key()
    }

    fn duplicate(&self) -> Conflict {
        self.fields.duplicate()
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

/// The partitions holding what `owner` has in an owned table: their items, and their guard
/// items and idempotency records.
pub fn partitions_of(owner: &UserId) -> [String; 2] {
    [owner.to_string(), format!("{GUARD_PARTITION_PREFIX}{owner}")]
}

/// Whether `key` (or a whole item) is a guard item, which holds a unique value for an item
/// and is no resource itself (a stream reader skips it).
pub fn is_guard(key: &Item) -> bool {
    matches!(key.get(OWNER), Some(AttributeValue::S(owner)) if owner.starts_with(GUARD_PARTITION_PREFIX))
}

/// Why a conditional write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the item does not exist")]
    NotFound,
    #[error("the item changed since it was read")]
    Stale,
    #[error("another item holds the unique value")]
    Duplicate(Conflict),
    #[error(transparent)]
    Store(#[from] ApiError),
}

impl From<WriteError> for ApiError {
    fn from(err: WriteError) -> Self {
        match err {
            WriteError::NotFound => ApiError::NotFound,
            WriteError::Stale => ApiError::PreconditionFailed,
            WriteError::Duplicate(conflict) => conflict.into(),
            WriteError::Store(err) => err,
        }
    }
}

/// The table of one kind of owned item.
pub struct OwnedTable<F> {
    pub(super) client: Client,
    pub(super) table: Arc<str>,
    items: PhantomData<fn() -> F>,
}

impl<F> Clone for OwnedTable<F> {
    fn clone(&self) -> Self {
        Self { client: self.client.clone(), table: self.table.clone(), items: PhantomData }
    }
}

impl<F: Stored> OwnedTable<F> {
    pub fn new(client: Client, table: &str) -> Self {
        Self { client, table: table.into(), items: PhantomData }
    }

    pub(super) fn key(owner: &str, id: &str) -> Item {
        Item::from([(OWNER.to_owned(), dynamo::string(owner)), (ID.to_owned(), dynamo::string(id))])
    }

    /// Guard items live in a partition of their own per owner, which no list reads.
    pub(super) fn guard_key(owner: &str, unique: &str) -> Item {
        Self::key(&format!("{GUARD_PARTITION_PREFIX}{owner}"), unique)
    }

    /// The caller's item `id`, if it exists.
    pub async fn get(&self, owner: &UserId, id: &str) -> Result<Option<OwnedItem<F>>, ApiError> {
        match dynamo::get_item(&self.client, &self.table, Self::key(&owner.to_string(), id)).await? {
            Some(item) => Ok(Some(decode(item)?)),
            None => Ok(None),
        }
    }

    /// The item `id` of the caller whose access token `caller` is, read together with the token's
    /// session: one read where [`Authenticator::authenticate`] and [`OwnedTable::get`] take two.
    /// 401 when the session is not open.
    ///
    /// [`Authenticator::authenticate`]: crate::identity::Authenticator::authenticate
    pub async fn get_authenticated(&self, caller: &SignedToken, id: &str) -> Result<Option<OwnedItem<F>>, ApiError> {
        let key_of = |owner: &UserId| Self::key(&owner.to_string(), id);
        caller.open_reading(&self.table, key_of).await?.map(decode).transpose()
    }

    /// Replaces `current` by `next` if the stored version is still `current`'s, moving the
    /// guard item when the unique value changes.
    async fn replace(&self, current: &OwnedItem<F>, next: &OwnedItem<F>) -> Result<(), WriteError> {
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
            Transaction::ConditionsFailed(_) => Err(WriteError::Duplicate(next.duplicate())),
        }
    }

    /// Deletes `current` (and its guard item) if the stored version is still its own.
    async fn delete_current(&self, current: &OwnedItem<F>) -> Result<(), WriteError> {
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

    pub(super) fn put<'a>(
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

    pub(super) fn put_guard(&self, owner: &str, unique: &str, id: &str) -> Result<TransactWriteItem, ApiError> {
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

    /// Read (the first time together with the caller's session: 401 when it is not open),
    /// check `If-Match`, `apply`, write if nobody changed the item meanwhile. `apply` gets the
    /// current item and returns its successor (version + 1). With `If-Match` naming versions, a
    /// concurrent change is 412; without (or with `*`), the change is applied again to the newer
    /// item until it wins ([`Contention`]).
    pub async fn update(
        &self,
        caller: &SignedToken,
        id: &str,
        if_match: &IfMatch,
        apply: impl Fn(&OwnedItem<F>) -> Result<OwnedItem<F>, ApiError>,
    ) -> Result<OwnedItem<F>, ApiError> {
        let mut contention = Contention::start();
        let mut read = self.get_authenticated(caller, id).await?;
        loop {
            let current = read.ok_or(ApiError::NotFound)?;
            if !if_match.matches(current.version()) {
                return Err(ApiError::PreconditionFailed);
            }
            let next = apply(&current)?;
            match self.replace(&current, &next).await {
                Ok(()) => return Ok(next),
                Err(WriteError::Stale) if !if_match.pins_version() => contention.lost().await?,
                Err(err) => return Err(err.into()),
            }
            read = self.get(caller.owner(), id).await?;
        }
    }

    /// Deletes the caller's item `id`, honouring `If-Match` as [`OwnedTable::update`] does (and
    /// reading the session with the item as it does).
    pub async fn remove(&self, caller: &SignedToken, id: &str, if_match: &IfMatch) -> Result<(), ApiError> {
        let mut contention = Contention::start();
        let mut read = self.get_authenticated(caller, id).await?;
        loop {
            let current = read.ok_or(ApiError::NotFound)?;
            if !if_match.matches(current.version()) {
                return Err(ApiError::PreconditionFailed);
            }
            match self.delete_current(&current).await {
                Ok(()) => return Ok(()),
                Err(WriteError::Stale) if !if_match.pins_version() => contention.lost().await?,
                Err(err) => return Err(err.into()),
            }
            read = self.get(caller.owner(), id).await?;
        }
    }

    async fn why_not_written(&self, owner: &str, id: &str) -> WriteError {
        match dynamo::get_item(&self.client, &self.table, Self::key(owner, id)).await {
            Ok(None) => WriteError::NotFound,
            Ok(Some(_)) => WriteError::Stale,
            Err(err) => WriteError::Store(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
    struct Note {
        text: String,
        amount: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<String>,
    }

    impl Stored for Note {
        const NUMBER_ATTRIBUTES: &'static [&'static str] = &["amount"];

        fn index_attributes(&self, id: &str) -> Vec<(&'static str, String)> {
            vec![("date_id", format!("2026-11-30#{id}"))]
        }
    }

    fn note(due: Option<&str>) -> OwnedItem<Note> {
        OwnedItem {
            owner: UserId::generate(),
            id: "01JD0000000000000000000000".into(),
            fields: Note { text: "milk".into(), amount: "12.50".into(), due: due.map(Into::into) },
            created_at: "2026-11-30T10:00:00.000Z".into(),
            updated_at: "2026-11-30T10:00:01.000Z".into(),
            version: Version::FIRST.next(),
        }
    }

    #[test]
    fn an_item_is_stored_flat_with_exact_numbers_and_index_keys_and_read_back() {
        for item in [note(None), note(Some("2026-12-01"))] {
            let stored = encode(&item).unwrap();
            assert_eq!(stored["text"], AttributeValue::S("milk".into()));
            assert_eq!(stored["amount"], AttributeValue::N("12.50".into()));
            assert_eq!(stored["version"], AttributeValue::N("2".into()));
            assert_eq!(stored["owner"], AttributeValue::S(item.owner.to_string()));
            assert_eq!(stored["date_id"], AttributeValue::S("2026-11-30#01JD0000000000000000000000".into()));
            assert!(!stored.contains_key("fields"), "the fields are flat beside the envelope");
            assert_eq!(stored.contains_key("due"), item.fields.due.is_some());
            assert_eq!(decode::<OwnedItem<Note>>(stored).unwrap(), item);
        }
    }

    #[test]
    fn guard_items_are_told_from_items() {
        let owner = UserId::generate().to_string();
        assert!(is_guard(&OwnedTable::<Note>::guard_key(&owner, "2026-11#FOOD")));
        assert!(!is_guard(&OwnedTable::<Note>::key(&owner, "01J")));
        assert!(!is_guard(&Item::new()));
    }
}
