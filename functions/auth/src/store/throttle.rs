//! Failed-login counters, one item per login name, deleted by TTL when the window ends.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use serde::{Deserialize, Serialize};
use shared::ApiError;
use shared::dynamo::{self, from_item, key, to_item};

use crate::domain::FailureWindow;

#[derive(Clone)]
pub struct ThrottleStore {
    client: Client,
    table: Arc<str>,
}

#[derive(Debug, Serialize, Deserialize)]
struct FailureItem {
    pk: String,
    failures: u32,
    window_ends: i64,
    /// The TTL attribute.
    expires_at: i64,
}

impl ThrottleStore {
    pub fn new(client: Client, table: &str) -> Self {
        Self { client, table: table.into() }
    }

    pub async fn get(&self, pk: &str) -> Result<Option<FailureWindow>, ApiError> {
        Ok(match dynamo::get_item(&self.client, &self.table, key("pk", pk)).await? {
            Some(item) => {
                let item: FailureItem = from_item(item)?;
                Some(FailureWindow { failures: item.failures, window_ends: item.window_ends })
            }
            None => None,
        })
    }

    /// Counts one failure in the current window, or opens a new window.
    pub async fn record_failure(&self, pk: &str, now: i64, window_secs: i64) -> Result<(), ApiError> {
        let counted = self
            .client
            .update_item()
            .table_name(self.table.as_ref())
            .set_key(Some(key("pk", pk)))
            .update_expression("ADD failures :one")
            .condition_expression("window_ends > :now")
            .expression_attribute_values(":one", dynamo::number(1))
            .expression_attribute_values(":now", dynamo::number(now))
            .send()
            .await;
        match counted {
            Ok(_) => Ok(()),
            Err(err) if dynamo::is_conditional_check_failure(&err) => {
                let window_ends = now + window_secs;
                let item =
                    to_item(&FailureItem { pk: pk.to_owned(), failures: 1, window_ends, expires_at: window_ends })?;
                self.client.put_item().table_name(self.table.as_ref()).set_item(Some(item)).send().await?;
                Ok(())
            }
            Err(err) => Err(err.into()),
        }
    }

    pub async fn clear(&self, pk: &str) -> Result<(), ApiError> {
        self.client.delete_item().table_name(self.table.as_ref()).set_key(Some(key("pk", pk))).send().await?;
        Ok(())
    }
}
