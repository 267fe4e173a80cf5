//! The users table as every function reads it: whether the user a token names still exists.
//! The auth function owns the table's other items; this is the one layout fact shared.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;

use crate::dynamo;
use crate::error::ApiError;
use crate::ids::UserId;

/// The users table's one key attribute.
pub const PARTITION_KEY: &str = "pk";

/// The key of a user's item: `USER#<id>` in attribute `pk`.
pub fn user_key(id: &UserId) -> String {
    format!("USER#{id}")
}

#[derive(Clone)]
pub struct UserDirectory {
    client: Client,
    table: Arc<str>,
}

impl UserDirectory {
    pub fn new(client: Client, table: &str) -> Self {
        Self { client, table: table.into() }
    }

    /// One strongly consistent read of the key alone.
    pub async fn exists(&self, id: &UserId) -> Result<bool, ApiError> {
        let output = self
            .client
            .get_item()
            .table_name(self.table.as_ref())
            .set_key(Some(dynamo::key(PARTITION_KEY, user_key(id))))
            .projection_expression(PARTITION_KEY)
            .consistent_read(true)
            .send()
            .await?;
        Ok(output.item.is_some())
    }
}
