//! The deny-list of refresh tokens, keyed by `jti`, with a TTL at the token's expiry.
//!
//! Besides single tokens it holds two kinds of marker: `family#<id>` (every token of
//! one login, after reuse was detected) and `user#<id>` (every token of the user
//! issued up to `revoked_before_ms`, after logout-all). TTL deletion is lazy, so
//! expiry is also checked here.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use serde::{Deserialize, Serialize};
use shared::ApiError;
use shared::dynamo::{self, from_item, key, to_item};
use shared::ids::{self, UserId};

#[derive(Clone)]
pub struct RevocationStore {
    client: Client,
    table: Arc<str>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Revocation {
    jti: String,
    /// Epoch seconds; the table's TTL attribute.
    expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    revoked_before_ms: Option<u64>,
    /// Which use of a refresh token wrote this record (see `record_use`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    use_id: Option<String>,
}

fn family_key(family: &str) -> String {
    format!("family#{family}")
}

fn user_key(user: &UserId) -> String {
    format!("user#{user}")
}

impl RevocationStore {
    pub fn new(client: Client, table: &str) -> Self {
        Self { client, table: table.into() }
    }

    async fn get(&self, jti: String, now: i64) -> Result<Option<Revocation>, ApiError> {
        match dynamo::get_item(&self.client, &self.table, key("jti", jti)).await? {
            Some(item) => Ok(Some(from_item::<Revocation>(item)?).filter(|r| r.expires_at > now)),
            None => Ok(None),
        }
    }

    pub async fn is_token_revoked(&self, jti: &str, now: i64) -> Result<bool, ApiError> {
        Ok(self.get(jti.to_owned(), now).await?.is_some())
    }

    pub async fn is_family_revoked(&self, family: &str, now: i64) -> Result<bool, ApiError> {
        Ok(self.get(family_key(family), now).await?.is_some())
    }

    /// Tokens of `user` issued at or before this instant (Unix ms) are revoked.
    pub async fn user_cutoff_ms(&self, user: &UserId, now: i64) -> Result<Option<u64>, ApiError> {
        Ok(self.get(user_key(user), now).await?.and_then(|r| r.revoked_before_ms))
    }

    /// Records `jti` as used. `Ok(false)` when it already was: the reuse signal.
    pub async fn revoke_token(&self, jti: &str, expires_at: i64) -> Result<bool, ApiError> {
        self.record_use(jti, expires_at, &ids::new_id()).await
    }

    /// Records `jti` as used by the use `use_id`. The SDK repeats a write whose answer timed
    /// out; the repeat finds the record its first attempt made, `use_id` included, which
    /// `put_item_if` counts as written: a slow database never looks like a second use.
    pub async fn record_use(&self, jti: &str, expires_at: i64, use_id: &str) -> Result<bool, ApiError> {
        let record =
            Revocation { jti: jti.to_owned(), expires_at, revoked_before_ms: None, use_id: Some(use_id.into()) };
        let outcome =
            dynamo::put_item_if(&self.client, &self.table, to_item(&record)?, "attribute_not_exists(jti)", []);
        Ok(outcome.await?.written())
    }

    /// Revokes every token of one login until `until` (epoch seconds), by which time
    /// each of them has expired anyway.
    pub async fn revoke_family(&self, family: &str, until: i64) -> Result<(), ApiError> {
        let item =
            to_item(&Revocation { jti: family_key(family), expires_at: until, revoked_before_ms: None, use_id: None })?;
        self.client.put_item().table_name(self.table.as_ref()).set_item(Some(item)).send().await?;
        Ok(())
    }

    /// Revokes every token of `user` issued up to `cutoff_ms`. A later cutoff already
    /// stored is kept.
    pub async fn revoke_all_for_user(&self, user: &UserId, cutoff_ms: u64, until: i64) -> Result<(), ApiError> {
        let item = to_item(&Revocation {
            jti: user_key(user),
            expires_at: until,
            revoked_before_ms: Some(cutoff_ms),
            use_id: None,
        })?;
        let condition = "attribute_not_exists(jti) OR revoked_before_ms < :cutoff";
        dynamo::put_item_if(&self.client, &self.table, item, condition, [(":cutoff", dynamo::number(cutoff_ms))])
            .await?;
        Ok(())
    }
}
