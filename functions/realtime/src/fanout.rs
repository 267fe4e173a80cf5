//! A DynamoDB Streams batch pushed to the owners' connections, record by record in order
//! (so each item's changes arrive in the order they happened); the posts of one record go
//! out concurrently. An owner's connections are read once per batch (a batch is most often one
//! user's burst of writes: an import, a purge), not once per record.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use futures_util::future::join_all;
use shared::ApiError;
use shared::ids::UserId;

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
    let mut connections_of = HashMap::new();
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
        if let Err(err) = deliver(app, &change, &mut connections_of).await {
            tracing::warn!(event_id = record.event_id, error = %err, "connections unreadable; the batch is retried from here");
            return event::failures(&batch.records[index..]);
        }
    }
    event::failures([])
}

/// Posts the change to every open connection of its owner (read on the owner's first change
/// of the batch); a connection found gone has its record deleted and gets no later change.
/// Fails only when the connections cannot be read.
async fn deliver(
    app: &App,
    change: &Change,
    connections_of: &mut HashMap<UserId, Vec<Connection>>,
) -> Result<(), ApiError> {
    let connections = match connections_of.entry(change.owner) {
        Entry::Occupied(known) => known.into_mut(),
        Entry::Vacant(unknown) => unknown.insert(app.connections.of_owner(&change.owner).await?),
    };
    if connections.is_empty() {
        return Ok(());
    }
    let data = serde_json::to_vec(&change.event).map_err(ApiError::internal)?;
    let still_open = join_all(connections.iter().map(|connection| post(app, connection, &data))).await;
    let mut still_open = still_open.into_iter();
    connections.retain(|_| still_open.next().unwrap_or(true));
    Ok(())
}

/// Posts to one connection; false when it is gone (and then forgotten).
async fn post(app: &App, connection: &Connection, data: &[u8]) -> bool {
    match push::post(&app.management, &connection.id, data).await {
        Ok(()) => true,
        Err(PostError::Gone) => {
            tracing::info!(connection_id = connection.id, "connection gone; forgetting it");
            if let Err(err) = app.connections.forget(connection).await {
                tracing::warn!(connection_id = connection.id, error = %err, "could not forget a gone connection");
            }
            false
        }
        Err(PostError::Failed(reason)) => {
            tracing::warn!(connection_id = connection.id, %reason, "post to connection failed");
            true
        }
    }
}
