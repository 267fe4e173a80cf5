//! A DynamoDB table of items owned by users: partition key `owner` (the user id), sort
//! key `id` (a time-ordered ULID). Reads are scoped to the caller's partition, so
//! nobody can reach another user's items; writes are conditional on `version`.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::cursor;
use super::query::{Page, PageRequest};
use super::version::{IfMatch, Version};
use crate::dynamo::{self, Item, from_item, to_item};
use crate::error::ApiError;
use crate::ids::UserId;

pub const OWNER: &str = "owner";
pub const ID: &str = "id";

/// How often a write without `If-Match` is retried when another write got there first.
const UNPINNED_RETRIES: usize = 3;

/// An item of an owned table: it knows its version.
pub trait Owned: Serialize + DeserializeOwned {
    fn version(&self) -> Version;
}

/// Why a conditional write did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the item does not exist")]
    NotFound,
    #[error("the item changed since it was read")]
    Stale,
    #[error(transparent)]
    Store(#[from] ApiError),
}

impl From<WriteError> for ApiError {
    fn from(err: WriteError) -> Self {
        match err {
            WriteError::NotFound => ApiError::NotFound,
            WriteError::Stale => ApiError::PreconditionFailed,
            WriteError::Store(err) => err,
        }
    }
}

/// Conditions on attributes other than the key, for list filters. Names and values go
/// through placeholders, so reserved words such as `status` are safe.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    clauses: Vec<String>,
    names: Vec<(String, String)>,
    values: Vec<(String, AttributeValue)>,
}

impl Filter {
    fn placeholder(&mut self, attribute: &str) -> String {
        let name = format!("#f{}", self.names.len());
        self.names.push((name.clone(), attribute.to_owned()));
        name
    }

    fn compare(mut self, attribute: &str, operator: &str, value: AttributeValue) -> Self {
        let name = self.placeholder(attribute);
        let placeholder = format!(":f{}", self.values.len());
        self.clauses.push(format!("{name} {operator} {placeholder}"));
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

    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }
}

/// One table of owned items.
#[derive(Clone)]
pub struct OwnedTable {
    client: Client,
    table: Arc<str>,
}

impl OwnedTable {
    pub fn new(client: Client, table: &str) -> Self {
        Self { client, table: table.into() }
    }

    fn key(owner: &UserId, id: &str) -> Item {
        Item::from([(OWNER.to_owned(), dynamo::string(owner.to_string())), (ID.to_owned(), dynamo::string(id))])
    }

    /// The caller's item `id`, if it exists.
    pub async fn get<T: DeserializeOwned>(&self, owner: &UserId, id: &str) -> Result<Option<T>, ApiError> {
        match dynamo::get_item(&self.client, &self.table, Self::key(owner, id)).await? {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    /// Writes a new item (it must carry `owner`, `id` and `version`).
    pub async fn insert<T: Serialize>(&self, item: &T) -> Result<(), ApiError> {
        let created =
            dynamo::put_item_if(&self.client, &self.table, to_item(item)?, "attribute_not_exists(id)", []).await?;
        if created { Ok(()) } else { Err(ApiError::internal("a generated id collided with an existing item")) }
    }

    /// Replaces an item whose stored version is still `expected`.
    pub async fn replace<T: Serialize>(
        &self,
        owner: &UserId,
        id: &str,
        item: &T,
        expected: Version,
    ) -> Result<(), WriteError> {
        let written = dynamo::put_item_if(
            &self.client,
            &self.table,
            to_item(item)?,
            "attribute_exists(id) AND version = :expected",
            [(":expected", dynamo::number(expected.get()))],
        )
        .await?;
        if written { Ok(()) } else { Err(self.why_not_written(owner, id).await) }
    }

    /// Deletes an item, if its version is `expected` when one is given.
    pub async fn delete(&self, owner: &UserId, id: &str, expected: Option<Version>) -> Result<(), WriteError> {
        let mut request = self.client.delete_item().table_name(self.table.as_ref()).set_key(Some(Self::key(owner, id)));
        request = match expected {
            Some(version) => request
                .condition_expression("attribute_exists(id) AND version = :expected")
                .expression_attribute_values(":expected", dynamo::number(version.get())),
            None => request.condition_expression("attribute_exists(id)"),
        };
        match request.send().await {
            Ok(_) => Ok(()),
            Err(err) if dynamo::is_conditional_check_failure(&err) => Err(self.why_not_written(owner, id).await),
            Err(err) => Err(ApiError::from(err).into()),
        }
    }

    /// Read, check `If-Match`, `apply`, write if nobody changed the item meanwhile.
    /// `apply` gets the current item and returns its successor (version + 1). With
    /// `If-Match`, a concurrent change is 412; without, the change is re-applied to the
    /// newer item.
    pub async fn update<T: Owned>(
        &self,
        owner: &UserId,
        id: &str,
        if_match: &IfMatch,
        apply: impl Fn(T) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        for _ in 0..UNPINNED_RETRIES {
            let current: T = self.get(owner, id).await?.ok_or(ApiError::NotFound)?;
            let expected = current.version();
            if_match.check(expected)?;
            let next = apply(current)?;
            match self.replace(owner, id, &next, expected).await {
                Ok(()) => return Ok(next),
                Err(WriteError::Stale) if !if_match.pins_version() => continue,
                Err(err) => return Err(err.into()),
            }
        }
        Err(ApiError::PreconditionFailed)
    }

    /// Deletes the caller's item `id`, honouring `If-Match`.
    pub async fn remove<T: Owned>(&self, owner: &UserId, id: &str, if_match: &IfMatch) -> Result<(), ApiError> {
        if !if_match.pins_version() {
            return self.delete(owner, id, None).await.map_err(ApiError::from);
        }
        let current: T = self.get(owner, id).await?.ok_or(ApiError::NotFound)?;
        if_match.check(current.version())?;
        self.delete(owner, id, Some(current.version())).await.map_err(ApiError::from)
    }

    async fn why_not_written(&self, owner: &UserId, id: &str) -> WriteError {
        match dynamo::get_item(&self.client, &self.table, Self::key(owner, id)).await {
            Ok(None) => WriteError::NotFound,
            Ok(Some(_)) => WriteError::Stale,
            Err(err) => WriteError::Store(err),
        }
    }

    /// One page of the caller's items, newest id first, each passing `filter`.
    /// Costs one query of at most `page.limit + 1` items whatever the table holds (the
    /// extra one tells whether a next page exists, so the last page has no cursor);
    /// a filter may make a page shorter, and the cursor stays correct.
    pub async fn page<T: DeserializeOwned>(
        &self,
        owner: &UserId,
        page: &PageRequest,
        filter: Filter,
    ) -> Result<Page<T>, ApiError> {
        let owner_value = owner.to_string();
        let start = match &page.cursor {
            Some(cursor) => Some(cursor::decode(cursor, &[OWNER, ID], OWNER, &owner_value)?),
            None => None,
        };
        let mut request = self
            .client
            .query()
            .table_name(self.table.as_ref())
            .key_condition_expression("#owner = :owner")
            .expression_attribute_names("#owner", OWNER)
            .expression_attribute_values(":owner", dynamo::string(owner_value))
            .scan_index_forward(false)
            .limit(page.limit + 1)
            .set_exclusive_start_key(start);
        if !filter.is_empty() {
            request = request.filter_expression(filter.clauses.join(" AND "));
            for (placeholder, name) in filter.names {
                request = request.expression_attribute_names(placeholder, name);
            }
            for (placeholder, value) in filter.values {
                request = request.expression_attribute_values(placeholder, value);
            }
        }
        let output = request.send().await?;
        let mut items = output.items.unwrap_or_default();
        let limit = page.limit as usize;
        let next_key = if items.len() > limit {
            items.truncate(limit);
            items
                .last()
                .map(|last| Item::from([(OWNER.to_owned(), last[OWNER].clone()), (ID.to_owned(), last[ID].clone())]))
        } else {
            output.last_evaluated_key.filter(|key| !key.is_empty())
        };
        let results = items.into_iter().map(from_item).collect::<Result<Vec<T>, _>>()?;
        let next_cursor = next_key.as_ref().map(cursor::encode).transpose()?;
        Ok(Page { results, next_cursor })
    }
}
