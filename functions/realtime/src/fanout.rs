//! A DynamoDB Streams batch pushed to the owners' connections, record by record in order
//! (so each item's changes arrive in the order they happened); the posts of one record go
//! out concurrently.

use futures_util::future::join_all;
use shared::ApiError;

use crate::changes::Change;
use crate::connections::Connection;
use crate::state::App;
use aws_lambda_events::streams::DynamoDbEventResponse;

use crate::event::{self, StreamBatch};
use crate::push::{self, PostError};

/// Handles every record in order. When the connections of a record cannot be read, that
/// record and every later one are reported failed, so Lambda retries them in order; a post
/// that fails is logged and never fails the batch.
pub async fn handle(app: &App, batch: &StreamBatch) -> DynamoDbEventResponse {
    for (index, record) in batch.records.iter().enumerate() {
        let change = match Change::from_record(record, &app.tables) {
            Ok(change) => change,
            Err(reason) if reason.is_expected() => {
                tracing::debug!(event_id = record.event_id, %reason, "record skipped");
                continue;
            }
            Err(reason) => {
                tracing::error!(event_id = record.event_id, %reason, "record skipped");
                continue;
            }
        };
        if let Err(err) = deliver(app, &change).await {
            tracing::warn!(event_id = record.event_id, error = %err, "connections unreadable; the batch is retried from here");
            return event::failures(&batch.records[index..]);
        }
    }
    event::failures([])
}

/// Posts the change to every open connection of its owner; a connection found gone has its
/// record deleted. Fails only when the connections cannot be read.
async fn deliver(app: &App, change: &Change) -> Result<(), ApiError> {
    let connections = app.connections.of_owner(&change.owner).await?;
    if connections.is_empty() {
        return Ok(());
    }
    let data = serde_json::to_vec(&change.event).map_err(ApiError::internal)?;
    join_all(connections.iter().map(|connection| post(app, connection, &data))).await;
    Ok(())
}

async fn post(app: &App, connection: &Connection, data: &[u8]) {
    match push::post(&app.management, &connection.id, data).await {
        Ok(()) => {}
        Err(PostError::Gone) => {
            tracing::info!(connection_id = connection.id, "connection gone; forgetting it");
            if let Err(err) = app.connections.forget(connection).await {
                tracing::warn!(connection_id = connection.id, error = %err, "could not forget a gone connection");
            }
        }
        Err(PostError::Failed(reason)) => {
            tracing::warn!(connection_id = connection.id, %reason, "post to connection failed");
        }
    }
}
