//! Counting and deleting every item of a partition, page by page, as fast as the table takes it: what is left
//! of a deleted account. Idempotent (what is gone stays gone) and resumable (a call that runs out
//! of time says so; the next one starts again from what is left).

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
use futures_util::future::try_join_all;
use tokio::time::Instant;

use crate::dynamo::{self, Item};
use crate::error::ApiError;

/// Keys read per query page: 8 batches of 25 deletions sent at once.
const PAGE_SIZE: i32 = 200;
/// BatchWriteItem's limit.
const BATCH_SIZE: usize = 25;
/// Tries of one batch whose items DynamoDB left unprocessed (throttled), backing off between them.
const BATCH_ATTEMPTS: u32 = 8;
const FIRST_BACKOFF: Duration = Duration::from_millis(50);

/// One partition of a table: its key attributes and the partition's value.
#[derive(Debug, Clone, Copy)]
pub struct Partition<'a> {
    pub table: &'a str,
    pub partition_key: &'a str,
    pub sort_key: &'a str,
    pub value: &'a str,
}

/// How far a purge came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purged {
    /// Nothing is left; `deleted` items went in this call.
    All { deleted: u64 },
    /// The deadline came first; `deleted` items went, more are left.
    Partly { deleted: u64 },
}

impl Purged {
    pub fn deleted(self) -> u64 {
        match self {
            Self::All { deleted } | Self::Partly { deleted } => deleted,
        }
    }
}

/// Deletes every item of `partition`, stopping at the first page boundary after `deadline`.
pub async fn delete_partition(
    client: &Client,
    partition: Partition<'_>,
    deadline: Instant,
) -> Result<Purged, ApiError> {
    let mut deleted = 0;
    loop {
        if Instant::now() >= deadline {
            return Ok(Purged::Partly { deleted });
        }
        // Each page starts from the partition's beginning: what the last one deleted is gone,
        // so no cursor has to survive between calls.
        let keys = first_keys(client, partition).await?;
        if keys.is_empty() {
            return Ok(Purged::All { deleted });
        }
        deleted += keys.len() as u64;
        let batches = keys.chunks(BATCH_SIZE).map(|batch| delete_batch(client, partition.table, batch.to_vec()));
        try_join_all(batches).await?;
    }
}

/// How many items `partition` holds (a strongly consistent count, page by page).
pub async fn count_partition(client: &Client, partition: Partition<'_>) -> Result<u64, ApiError> {
    let mut count = 0;
    let mut start = None;
    loop {
        let page = client
            .query()
            .table_name(partition.table)
            .key_condition_expression("#partition = :value")
            .expression_attribute_names("#partition", partition.partition_key)
            .expression_attribute_values(":value", dynamo::string(partition.value))
            .select(aws_sdk_dynamodb::types::Select::Count)
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await?;
        count += page.count as u64;
        start = page.last_evaluated_key.filter(|key| !key.is_empty());
        if start.is_none() {
            return Ok(count);
        }
    }
}

/// The keys of the first items of the partition (a strongly consistent query of the keys alone).
async fn first_keys(client: &Client, partition: Partition<'_>) -> Result<Vec<Item>, ApiError> {
    let page = client
        .query()
        .table_name(partition.table)
        .key_condition_expression("#partition = :value")
        .expression_attribute_names("#partition", partition.partition_key)
        .expression_attribute_names("#sort", partition.sort_key)
        .expression_attribute_values(":value", dynamo::string(partition.value))
        .projection_expression("#partition, #sort")
        .consistent_read(true)
        .limit(PAGE_SIZE)
        .send()
        .await?;
    Ok(page.items.unwrap_or_default())
}

/// Deletes up to 25 keys, sending again what DynamoDB leaves unprocessed.
async fn delete_batch(client: &Client, table: &str, keys: Vec<Item>) -> Result<(), ApiError> {
    let mut requests = keys
        .into_iter()
        .map(|key| {
            let delete = DeleteRequest::builder().set_key(Some(key)).build().map_err(ApiError::internal)?;
            Ok(WriteRequest::builder().delete_request(delete).build())
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let mut backoff = FIRST_BACKOFF;
    for _ in 0..BATCH_ATTEMPTS {
        let output = client.batch_write_item().request_items(table, requests).send().await?;
        requests = output.unprocessed_items.and_then(|mut left| left.remove(table)).unwrap_or_default();
        if requests.is_empty() {
            return Ok(());
        }
        tokio::time::sleep(backoff).await;
        backoff *= 2;
    }
    tracing::warn!(table, left = requests.len(), "DynamoDB kept leaving deletions unprocessed");
    Err(ApiError::ServiceUnavailable)
}
