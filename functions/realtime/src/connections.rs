//! The connections table, the function's only DynamoDB state.
//!
//! Partition key `owner` (the user id), sort key `connection_id`: the fan-out of a change is
//! one strongly consistent `Query` of the owner's partition. `$disconnect` only knows the
//! connection id, so the KEYS_ONLY global index `by_connection` (partition `connection_id`)
//! finds the owner. Every record carries `expires_at` (epoch seconds), the table's TTL
//! attribute, a little after API Gateway's own two-hour limit on a connection, so a record
//! whose `$disconnect` never arrived goes away by itself.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use shared::ApiError;
use shared::clock;
use shared::dynamo::{self, Item};
use shared::ids::UserId;
use time::OffsetDateTime;

pub const OWNER: &str = "owner";
pub const CONNECTION_ID: &str = "connection_id";
pub const EXPIRES_AT: &str = "expires_at";
pub const CONNECTED_AT: &str = "connected_at";
pub const BY_CONNECTION: &str = "by_connection";

/// API Gateway closes a WebSocket connection after 2 hours; the record outlives that a little.
pub const RECORD_LIFETIME: Duration = Duration::from_secs(2 * 3600 + 15 * 60);

/// An open connection of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub owner: String,
    pub id: String,
}

#[derive(Clone)]
pub struct Connections {
    client: Client,
    table: Arc<str>,
}

impl Connections {
    pub fn new(client: Client, table: &str) -> Self {
        Self { client, table: table.into() }
    }

    fn key(owner: &str, connection_id: &str) -> Item {
        Item::from([
            (OWNER.to_owned(), dynamo::string(owner)),
            (CONNECTION_ID.to_owned(), dynamo::string(connection_id)),
        ])
    }

    /// Records `connection_id` as a connection of `owner`, expiring [`RECORD_LIFETIME`] after `now`.
    pub async fn open(&self, owner: &UserId, connection_id: &str, now: OffsetDateTime) -> Result<(), ApiError> {
        let mut item = Self::key(&owner.to_string(), connection_id);
        let expires_at = clock::epoch_seconds(now) + RECORD_LIFETIME.as_secs() as i64;
        item.insert(EXPIRES_AT.to_owned(), dynamo::number(expires_at));
        item.insert(CONNECTED_AT.to_owned(), dynamo::string(clock::format_timestamp(now)));
        self.client.put_item().table_name(self.table.as_ref()).set_item(Some(item)).send().await?;
        Ok(())
    }

    /// Forgets a connection known only by its id (`$disconnect`). The index is eventually
    /// consistent: a record it does not show yet is left to its TTL or the next post's 410.
    pub async fn close(&self, connection_id: &str) -> Result<(), ApiError> {
        let output = self
            .client
            .query()
            .table_name(self.table.as_ref())
            .index_name(BY_CONNECTION)
            .key_condition_expression("#connection = :connection")
            .expression_attribute_names("#connection", CONNECTION_ID)
            .expression_attribute_values(":connection", dynamo::string(connection_id))
            .send()
            .await?;
        for item in output.items.unwrap_or_default() {
            if let Some(AttributeValue::S(owner)) = item.get(OWNER) {
                self.forget(&Connection { owner: owner.clone(), id: connection_id.to_owned() }).await?;
            }
        }
        Ok(())
    }

    /// Deletes one connection's record.
    pub async fn forget(&self, connection: &Connection) -> Result<(), ApiError> {
        let key = Self::key(&connection.owner, &connection.id);
        self.client.delete_item().table_name(self.table.as_ref()).set_key(Some(key)).send().await?;
        Ok(())
    }

    /// Every open connection of `owner`: a strongly consistent query of their partition, so a
    /// connection recorded just before a change receives it.
    pub async fn of_owner(&self, owner: &UserId) -> Result<Vec<Connection>, ApiError> {
        let owner = owner.to_string();
        let now = clock::epoch_seconds(clock::now());
        let items = dynamo::partition(&self.client, &self.table, OWNER, &owner, false).await?;
        let open = items.into_iter().filter_map(|item| {
            // TTL deletes lazily: an expired record is a connection API Gateway already closed.
            let expired = matches!(item.get(EXPIRES_AT), Some(AttributeValue::N(at)) if at.parse::<i64>().is_ok_and(|at| at <= now));
            match (expired, item.get(CONNECTION_ID)) {
                (false, Some(AttributeValue::S(id))) => Some(Connection { owner: owner.clone(), id: id.clone() }),
                _ => None,
            }
        });
        Ok(open.collect())
    }
}
