//! The sessions table as every function reads it: whether the session an access token names
//! is still open. A session is one login and the token pairs rotated from it; it is one item
//! `(owner, id)`, written at login and deleted when the session ends, so a read of its key
//! answers for every token of it. The auth function owns the items; this is the one layout
//! fact shared.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;

use crate::dynamo::{self, Item};
use crate::error::ApiError;
use crate::ids::UserId;

/// The partition key: the user's id.
pub const OWNER: &str = "owner";
/// The sort key: the session's id (a ULID, so sessions sort by when they began).
pub const ID: &str = "id";

/// The key of `owner`'s session `id`.
pub fn session_key(owner: &UserId, id: &str) -> Item {
    Item::from([(OWNER.to_owned(), dynamo::string(owner.to_string())), (ID.to_owned(), dynamo::string(id))])
}

#[derive(Clone)]
pub struct SessionDirectory {
    client: Client,
    table: Arc<str>,
}

impl SessionDirectory {
    pub fn new(client: Client, table: &str) -> Self {
        Self { client, table: table.into() }
    }

    /// One strongly consistent read of the key alone.
    pub async fn is_open(&self, owner: &UserId, id: &str) -> Result<bool, ApiError> {
        let output = self
            .client
            .get_item()
            .table_name(self.table.as_ref())
            .set_key(Some(session_key(owner, id)))
            // `owner` is a reserved word of DynamoDB's expressions.
            .projection_expression("#owner")
            .expression_attribute_names("#owner", OWNER)
            .consistent_read(true)
            .send()
            .await?;
        Ok(output.item.is_some())
    }

    /// Whether the session is open, and the item `key` of `table`, in one read
    /// ([`dynamo::get_pair`]).
    pub async fn is_open_reading(
        &self,
        owner: &UserId,
        id: &str,
        table: &str,
        key: Item,
    ) -> Result<(bool, Option<Item>), ApiError> {
        let (session, item) =
            dynamo::get_pair(&self.client, (self.table.as_ref(), session_key(owner, id)), (table, key)).await?;
        Ok((session.is_some(), item))
    }
}
