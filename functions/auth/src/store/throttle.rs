//! Login attempt counters, one item per login name, deleted by TTL when the window ends: an
//! attempt is counted before its password is checked, and a right password clears the count.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use serde::{Deserialize, Serialize};
use shared::dynamo::{self, Conditional, ConditionalUpdate, from_item, key, to_item};
use shared::{ApiError, clock};

use crate::domain::{FailureWindow, ThrottlePolicy};

/// Whether an attempt may check its password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Attempt {
    /// Counted: check it (and clear the count if it is right).
    Allowed,
    /// The window's attempts are spent.
    Refused { retry_after_secs: u64 },
}

enum Counted {
    Yes,
    No(Option<FailureWindow>),
}

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
    /// Which attempt opened the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    opened_by: Option<String>,
}

impl ThrottleStore {
    pub fn new(client: Client, table: &str) -> Self {
        Self { client, table: table.into() }
    }

    /// Admits one attempt of login name `pk` to a password check, counted before the check:
    /// 429 `throttled` (with the seconds until the window ends) once its window is spent. A
    /// right password then [`clear`](Self::clear)s the count.
    pub async fn admit(&self, pk: &str, policy: &ThrottlePolicy) -> Result<(), ApiError> {
        match self.reserve(pk, clock::epoch_seconds(clock::now()), policy).await? {
            Attempt::Allowed => Ok(()),
            Attempt::Refused { retry_after_secs } => Err(ApiError::Throttled { retry_after_secs }),
        }
    }

    /// Counts one attempt of login name `pk`: in the open window while it has attempts left,
    /// or in a new window when none is open. Both are conditional writes, so however many
    /// attempts arrive at once, a window never counts more than `policy.max_failures` of them.
    async fn reserve(&self, pk: &str, now: i64, policy: &ThrottlePolicy) -> Result<Attempt, ApiError> {
        // Each pass either ends or finds that another request opened or closed a window
        // in between; three cover every such interleaving but pathological clock skew.
        for _ in 0..3 {
            match self.count_in_open_window(pk, now, policy.max_failures).await? {
                Counted::Yes => return Ok(Attempt::Allowed),
                Counted::No(Some(window)) => {
                    if let Some(retry_after_secs) = policy.retry_after(Some(window), now) {
                        return Ok(Attempt::Refused { retry_after_secs });
                    }
                }
                Counted::No(None) => {}
            }
            if self.open_window(pk, now, policy.window.as_secs() as i64).await? {
                return Ok(Attempt::Allowed);
            }
        }
        Err(ApiError::ServiceUnavailable)
    }

    /// Adds one to the open window's count if it is below `max`; otherwise the window found
    /// (spent, or ended), or none.
    async fn count_in_open_window(&self, pk: &str, now: i64, max: u32) -> Result<Counted, ApiError> {
        let update = ConditionalUpdate {
            key: key("pk", pk),
            update: "ADD failures :one",
            condition: "window_ends > :now AND failures < :max",
            names: &[],
            values: vec![(":one", dynamo::number(1)), (":now", dynamo::number(now)), (":max", dynamo::number(max))],
        };
        Ok(match dynamo::update_item_if(&self.client, &self.table, update).await? {
            Conditional::Written => Counted::Yes,
            Conditional::Refused { stored: None } => Counted::No(None),
            Conditional::Refused { stored: Some(item) } => {
                let item: FailureItem = from_item(item)?;
                Counted::No(Some(FailureWindow { failures: item.failures, window_ends: item.window_ends }))
            }
        })
    }

    /// Opens a window holding this one attempt, unless another is open: `false` when one is.
    async fn open_window(&self, pk: &str, now: i64, window_secs: i64) -> Result<bool, ApiError> {
        let window_ends = now + window_secs;
        // Each opening names itself: two attempts in the same second would otherwise write equal
        // items, and `put_item_if` takes an equal stored item for its own (retried) write.
        let opened_by = Some(shared::ids::new_id());
        let item = FailureItem { pk: pk.to_owned(), failures: 1, window_ends, expires_at: window_ends, opened_by };
        let condition = "attribute_not_exists(pk) OR window_ends <= :now";
        let outcome =
            dynamo::put_item_if(&self.client, &self.table, to_item(&item)?, condition, [(":now", dynamo::number(now))]);
        Ok(outcome.await?.written())
    }

    pub async fn clear(&self, pk: &str) -> Result<(), ApiError> {
        self.client.delete_item().table_name(self.table.as_ref()).set_key(Some(key("pk", pk))).send().await?;
        Ok(())
    }
}
