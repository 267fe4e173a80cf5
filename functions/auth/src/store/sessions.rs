//! Sessions: one item `(owner, id)` per login, written at login, touched by each refresh,
//! deleted when the session ends (every function reads the key to accept an access token, see
//! `shared::sessions`). A TTL at the newest refresh token's expiry removes a session nobody
//! ended.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use serde::{Deserialize, Serialize};
use shared::ApiError;
use shared::clock;
use shared::dynamo::{self, ConditionalUpdate, Transaction, from_item, to_item};
use shared::ids::UserId;
use shared::sessions::{OWNER, SessionDirectory, session_key};
use time::OffsetDateTime;

use crate::domain::Session;

#[derive(Clone)]
pub struct SessionStore {
    client: Client,
    table: Arc<str>,
    directory: SessionDirectory,
}

#[derive(Debug, Serialize, Deserialize)]
struct SessionItem {
    owner: UserId,
    id: String,
    created_at: String,
    last_used_at: String,
    expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_agent: Option<String>,
    /// Epoch seconds of `expires_at`: the table's TTL attribute.
    ttl: i64,
}

impl SessionItem {
    fn of(owner: UserId, session: &Session) -> Self {
        Self {
            owner,
            id: session.id.clone(),
            created_at: session.created_at.clone(),
            last_used_at: session.last_used_at.clone(),
            expires_at: session.expires_at.clone(),
            user_agent: session.user_agent.clone(),
            ttl: session.expires_at_epoch,
        }
    }
}

impl From<SessionItem> for Session {
    fn from(item: SessionItem) -> Self {
        Self {
            id: item.id,
            created_at: item.created_at,
            last_used_at: item.last_used_at,
            expires_at: item.expires_at,
            expires_at_epoch: item.ttl,
            user_agent: item.user_agent,
        }
    }
}

impl SessionStore {
    pub fn new(client: Client, table: &str) -> Self {
        Self { directory: SessionDirectory::new(client.clone(), table), client, table: table.into() }
    }

    /// Records a new session of `owner` in one transaction with `owner_exists` (a condition on
    /// the user's item), so no session can outlive an account deleted meanwhile: `false` when
    /// the account is gone.
    pub async fn open(
        &self,
        owner: UserId,
        session: &Session,
        owner_exists: TransactWriteItem,
    ) -> Result<bool, ApiError> {
        let item = to_item(&SessionItem::of(owner, session))?;
        let put =
            Put::builder().table_name(self.table.as_ref()).set_item(Some(item)).build().map_err(ApiError::internal)?;
        let writes = vec![owner_exists, TransactWriteItem::builder().put(put).build()];
        Ok(matches!(dynamo::transact_write(&self.client, writes).await?, Transaction::Committed))
    }

    /// A refresh of session `id` at `now`: its last use and expiry (`expires`) move on.
    /// `false` when the session has ended, which the refresh must then refuse.
    pub async fn touch(
        &self,
        owner: &UserId,
        id: &str,
        now: OffsetDateTime,
        expires: OffsetDateTime,
    ) -> Result<bool, ApiError> {
        let update = ConditionalUpdate {
            key: session_key(owner, id),
            update: "SET last_used_at = :used, expires_at = :expires, #ttl = :ttl",
            condition: "attribute_exists(id)",
            names: &[("#ttl", "ttl")],
            values: vec![
                (":used", dynamo::string(clock::format_timestamp(now))),
                (":expires", dynamo::string(clock::format_timestamp(expires))),
                (":ttl", dynamo::number(clock::epoch_seconds(expires))),
            ],
        };
        Ok(dynamo::update_item_if(&self.client, &self.table, update).await?.written())
    }

    /// Whether session `id` of `owner` is open: the read every function makes.
    pub async fn is_open(&self, owner: &UserId, id: &str) -> Result<bool, ApiError> {
        self.directory.is_open(owner, id).await
    }

    /// Ends session `id`: `false` when `owner` has no such session.
    pub async fn end(&self, owner: &UserId, id: &str) -> Result<bool, ApiError> {
        dynamo::delete_item_if(&self.client, &self.table, session_key(owner, id), "attribute_exists(id)", []).await
    }

    /// The sessions of `owner` that can still refresh, newest first.
    pub async fn list(&self, owner: &UserId, now: i64) -> Result<Vec<Session>, ApiError> {
        let sessions = self.all(owner).await?.into_iter().map(Session::from);
        // TTL deletion is lazy: an expired session may still be stored.
        Ok(sessions.filter(|session| session.expires_at_epoch > now).collect())
    }

    /// Ends every session of `owner`; a session opened meanwhile is a login after this one.
    pub async fn end_all(&self, owner: &UserId) -> Result<(), ApiError> {
        for session in self.all(owner).await? {
            self.end(owner, &session.id).await?;
        }
        Ok(())
    }

    /// Every stored session of `owner`, newest first (a user has a few: one per login within
    /// the refresh lifetime).
    async fn all(&self, owner: &UserId) -> Result<Vec<SessionItem>, ApiError> {
        let items = dynamo::partition(&self.client, &self.table, OWNER, &owner.to_string(), true).await?;
        items.into_iter().map(from_item).collect()
    }
}
