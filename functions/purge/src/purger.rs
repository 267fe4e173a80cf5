//! Purging deleted accounts: every table, both partitions of each owned table, connections
//! closed before their records go.

use std::time::Duration;

use auth::store::mail;
use aws_lambda_events::streams::DynamoDbEventResponse;
use realtime::connections::{self, Connections};
use realtime::event::{self, StreamBatch};
use realtime::push;
use shared::ApiError;
use shared::clock;
use shared::ids::UserId;
use shared::sessions;
use shared::store::{self, Partition, Purged, delete_partition};
use tokio::time::Instant;

use crate::config::{AccountTables, PurgeConfig};
use crate::deletions::{DeletedAccount, deleted_account};

#[derive(Clone)]
pub struct Purger {
    dynamo: aws_sdk_dynamodb::Client,
    management: aws_sdk_apigatewaymanagement::Client,
    connections: Connections,
    tables: AccountTables,
    time_budget: Duration,
    late_write_grace: Duration,
}

impl Purger {
    pub fn new(
        config: &PurgeConfig,
        dynamo: aws_sdk_dynamodb::Client,
        management: aws_sdk_apigatewaymanagement::Client,
    ) -> Self {
        Self {
            connections: Connections::new(dynamo.clone(), &config.tables.connections),
            dynamo,
            management,
            tables: config.tables.clone(),
            time_budget: config.time_budget,
            late_write_grace: config.late_write_grace,
        }
    }

    /// Purges every account the batch reports deleted, in two sweeps: one at once, and one
    /// more once no request that was authenticated before a deletion can still write. What is
    /// not finished within the time budget (or fails) is reported failed from its record on,
    /// so the event source mapping invokes the function again with it.
    pub async fn handle(&self, batch: &StreamBatch) -> DynamoDbEventResponse {
        let deadline = Instant::now() + self.time_budget;
        let accounts: Vec<(usize, DeletedAccount)> = batch
            .records
            .iter()
            .enumerate()
            .filter_map(|(index, record)| Some((index, deleted_account(record)?)))
            .collect();
        if accounts.is_empty() {
            return event::failures([]);
        }
        // Until every account has had its second sweep, none of them is done: a failure in the
        // first round hands the whole batch (from its first deletion) to the next invocation.
        let first = accounts[0].0;
        for (_, account) in &accounts {
            if !self.sweep_reported(account, deadline).await {
                return event::failures(&batch.records[first..]);
            }
        }
        let settled = accounts.iter().map(|(_, account)| self.settled_at(account)).max().unwrap_or_else(Instant::now);
        if settled > deadline {
            return event::failures(&batch.records[first..]);
        }
        tokio::time::sleep_until(settled).await;
        for (index, account) in &accounts {
            if !self.sweep_reported(account, deadline).await {
                return event::failures(&batch.records[*index..]);
            }
            tracing::info!(user = %account.user, "account purged");
        }
        event::failures([])
    }

    /// One sweep, logged: `true` when nothing of the account was left.
    async fn sweep_reported(&self, account: &DeletedAccount, deadline: Instant) -> bool {
        match self.sweep(&account.user, deadline).await {
            Ok(Purged::All { deleted }) => {
                tracing::info!(user = %account.user, deleted, "swept");
                true
            }
            Ok(Purged::Partly { deleted }) => {
                tracing::info!(user = %account.user, deleted, "time budget spent; the next invocation goes on");
                false
            }
            Err(err) => {
                tracing::warn!(user = %account.user, error = %err, "purge failed; it is retried");
                false
            }
        }
    }

    /// When the account's deletion is `late_write_grace` old (the deletion's own time when the
    /// record has it, else now).
    fn settled_at(&self, account: &DeletedAccount) -> Instant {
        let now = clock::epoch_seconds(clock::now());
        let age = account.deleted_at.map_or(0, |at| now.saturating_sub(at).max(0) as u64);
        Instant::now() + self.late_write_grace.saturating_sub(Duration::from_secs(age))
    }

    /// Deletes everything `user` has, sessions first (no token of theirs works after that),
    /// then their connections, closed through the management API before their records go, then
    /// their tasks, expenses and budgets with their guard items and idempotency records.
    pub async fn sweep(&self, user: &UserId, deadline: Instant) -> Result<Purged, ApiError> {
        let owner = user.to_string();
        let sessions = Partition {
            table: &self.tables.sessions,
            partition_key: sessions::OWNER,
            sort_key: sessions::ID,
            value: &owner,
        };
        let mut deleted = match delete_partition(&self.dynamo, sessions, deadline).await? {
            Purged::All { deleted } => deleted,
            partly => return Ok(partly),
        };
        self.close_connections(user).await?;
        let connections = Partition {
            table: &self.tables.connections,
            partition_key: connections::OWNER,
            sort_key: connections::CONNECTION_ID,
            value: &owner,
        };
        let owned = store::partitions_of(user);
        let owned = [&self.tables.tasks, &self.tables.expenses, &self.tables.budgets].into_iter().flat_map(|table| {
            owned.iter().map(|value| Partition { table, partition_key: store::OWNER, sort_key: store::ID, value })
        });
        let mail =
            Partition { table: &self.tables.mail, partition_key: mail::OWNER, sort_key: mail::ID, value: &owner };
        for partition in std::iter::once(connections).chain(owned).chain(std::iter::once(mail)) {
            match delete_partition(&self.dynamo, partition, deadline).await? {
                Purged::All { deleted: gone } => deleted += gone,
                Purged::Partly { deleted: gone } => return Ok(Purged::Partly { deleted: deleted + gone }),
            }
        }
        Ok(Purged::All { deleted })
    }

    /// Closes every open connection of `user`; one already closed is no error, one that cannot
    /// be closed fails the sweep (and so is tried again).
    async fn close_connections(&self, user: &UserId) -> Result<(), ApiError> {
        for connection in self.connections.of_owner(user).await? {
            if let Err(err) = push::close(&self.management, &connection.id).await {
                tracing::warn!(connection_id = connection.id, error = %err, "connection not closed");
                return Err(ApiError::ServiceUnavailable);
            }
        }
        Ok(())
    }
}
