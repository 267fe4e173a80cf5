//! The deny-list of used refresh tokens, keyed by `jti`, with a TTL at the token's expiry.
//! TTL deletion is lazy, so expiry is also checked here. Whole logins end by their session
//! item (see `store::sessions`), not here.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use serde::{Deserialize, Serialize};
use shared::ApiError;
use shared::dynamo::{self, from_item, key, to_item};
use shared::ids;

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
    /// Which use of a refresh token wrote this record (see `record_use`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    use_id: Option<String>,
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

    /// Records `jti` as used. `Ok(false)` when it already was: the reuse signal.
    pub async fn revoke_token(&self, jti: &str, expires_at: i64) -> Result<bool, ApiError> {
        self.record_use(jti, expires_at, &ids::new_id()).await
    }

    /// Records `jti` as used by the use `use_id`. The SDK repeats a write whose answer timed
    /// out; the repeat finds the record its first attempt made, `use_id` included, which
    /// `put_item_if` counts as written: a slow database never looks like a second use.
    pub async fn record_use(&self, jti: &str, expires_at: i64, use_id: &str) -> Result<bool, ApiError> {
        let record = Revocation { jti: jti.to_owned(), expires_at, use_id: Some(use_id.into()) };
        let outcome =
            dynamo::put_item_if(&self.client, &self.table, to_item(&record)?, "attribute_not_exists(jti)", []);
        Ok(outcome.await?.written())
    }
}
