//! The mail table: the outbox (what is to be sent, and what became of it) and the tokens the
//! mails carry. One table, key `(owner, id)`:
//!
//! * `MAIL#<ulid>`: a mail to send. Its owner is the user it goes to, or `ADDRESS#<email>` for
//!   a password-reset request, whose user the request path does not look up. Written by the
//!   auth function; its insertion, on the table's stream, reaches the mailer function, which
//!   records the outcome on the item (`sent`, `dropped`, `failed`). Kept 30 days (TTL).
//! * `TOKEN#<sha256>`: a token that went out in a mail, under its user: its kind, the address it
//!   was sent to, its expiry (also the TTL) and, once used, when. The token itself is never stored.
//!
//! A deleted account's partition goes with the rest of its data (the purge function).

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use shared::dynamo::{self, Item, from_item, to_item};
use shared::ids::{UserId, new_id};
use shared::{ApiError, clock};
use time::OffsetDateTime;

use crate::domain::mail::{MailKind, MailRequest, PresentedToken};

/// The partition and sort key attributes.
pub const OWNER: &str = "owner";
pub const ID: &str = "id";
const MAIL_PREFIX: &str = "MAIL#";
const TOKEN_PREFIX: &str = "TOKEN#";
const ADDRESS_PREFIX: &str = "ADDRESS#";
/// How long the outbox keeps a mail's record.
const OUTBOX_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

/// What became of a mail in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum MailStatus {
    /// Handed to SES.
    Sent,
    /// Not to be sent: no verified account has the address, it changed since, or the hourly
    /// limit of the address is spent.
    Dropped,
    /// SES refused it, or every attempt failed.
    Failed,
}

/// A mail in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub owner: String,
    pub id: String,
    pub kind: MailKind,
    /// The address it goes to.
    pub email: String,
    pub requested_at: String,
    /// The TTL attribute (epoch seconds).
    pub expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<MailStatus>,
    /// Failed attempts to send so far.
    #[serde(default)]
    pub attempts: u32,
    /// Whether it has been counted against the address's hourly limit (once, however often it
    /// is attempted).
    #[serde(default)]
    pub counted: bool,
    /// Why it was dropped or failed, or the last attempt's error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
}

impl OutboxEntry {
    /// The user the mail goes to, when the request named one.
    pub fn user(&self) -> Option<UserId> {
        self.owner.parse().ok()
    }
}

/// A stored token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub owner: String,
    pub id: String,
    pub kind: MailKind,
    /// The address the token was sent to: it is good only while the account still has it.
    pub email: String,
    /// When it expires (epoch seconds); also the TTL attribute.
    pub expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_at: Option<String>,
}

/// Why a presented token cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    /// Not a token of this kind that was ever issued (or its record is gone).
    Unknown,
    Used,
    Expired,
}

impl TokenRecord {
    /// Whether it can be used now for `kind`.
    pub fn check(&self, kind: MailKind, now: i64) -> Result<(), Unusable> {
        if self.kind != kind {
            Err(Unusable::Unknown)
        } else if self.used_at.is_some() {
            Err(Unusable::Used)
        } else if self.expires_at <= now {
            Err(Unusable::Expired)
        } else {
            Ok(())
        }
    }
}

/// What the mailer writes back to an outbox entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent {
        message_id: String,
    },
    Dropped {
        reason: String,
    },
    Failed {
        reason: String,
    },
    /// One attempt failed; it is tried again.
    AttemptFailed {
        reason: String,
    },
    /// Counted against the address's hourly limit.
    Counted,
}

#[derive(Clone)]
pub struct MailStore {
    client: Client,
    table: Arc<str>,
}

fn mail_key(owner: &str, id: &str) -> Item {
    Item::from([(OWNER.to_owned(), dynamo::string(owner)), (ID.to_owned(), dynamo::string(id))])
}

fn token_id(hash: &str) -> String {
    format!("{TOKEN_PREFIX}{hash}")
}

/// Whether a key of the mail table is an outbox entry's (the mailer's stream reads only those).
pub fn is_outbox_key(id: &str) -> bool {
    id.starts_with(MAIL_PREFIX)
}

impl MailStore {
    pub fn new(client: Client, table: &str) -> Self {
        Self { client, table: table.into() }
    }

    fn entry(request: &MailRequest, now: OffsetDateTime) -> OutboxEntry {
        let owner = match request.user() {
            Some(user) => user.to_string(),
            None => format!("{ADDRESS_PREFIX}{}", request.email()),
        };
        OutboxEntry {
            owner,
            id: format!("{MAIL_PREFIX}{}", new_id()),
            kind: request.kind(),
            email: request.email().to_owned(),
            requested_at: clock::format_timestamp(now),
            expires_at: clock::epoch_seconds(now) + OUTBOX_RETENTION.as_secs() as i64,
            status: None,
            attempts: 0,
            counted: false,
            reason: None,
            message_id: None,
        }
    }

    /// The outbox entry of `request`, as a write of a transaction (with the change that asks
    /// for the mail, so the one is never without the other).
    pub fn request_write(&self, request: &MailRequest) -> Result<TransactWriteItem, ApiError> {
        let put = Put::builder()
            .table_name(self.table.as_ref())
            .set_item(Some(to_item(&Self::entry(request, clock::now()))?))
            .condition_expression("attribute_not_exists(id)")
            .build()
            .map_err(ApiError::internal)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Puts `request` in the outbox: one write, whatever the request is for.
    pub async fn request(&self, request: &MailRequest) -> Result<(), ApiError> {
        self.client
            .put_item()
            .table_name(self.table.as_ref())
            .set_item(Some(to_item(&Self::entry(request, clock::now()))?))
            .send()
            .await?;
        Ok(())
    }

    /// The outbox entry at this key, read strongly consistently.
    pub async fn outbox_entry(&self, owner: &str, id: &str) -> Result<Option<OutboxEntry>, ApiError> {
        match dynamo::get_item(&self.client, &self.table, mail_key(owner, id)).await? {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    /// Records `outcome` on an outbox entry; `false` when the entry is gone (purged with its
    /// account meanwhile: nothing is written, so no stub of it comes back).
    pub async fn record(&self, entry: &OutboxEntry, outcome: &Outcome) -> Result<bool, ApiError> {
        let request =
            self.client.update_item().table_name(self.table.as_ref()).set_key(Some(mail_key(&entry.owner, &entry.id)));
        // `status` is a reserved word in expressions: it goes by `#status`.
        let settled = |request: UpdateItemFluentBuilder, status: MailStatus| {
            request
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":status", dynamo::string(status.to_string()))
        };
        let request = match outcome {
            Outcome::Sent { message_id } => settled(request, MailStatus::Sent)
                .update_expression("SET #status = :status, message_id = :message_id REMOVE reason")
                .expression_attribute_values(":message_id", dynamo::string(message_id)),
            Outcome::Dropped { reason } => settled(request, MailStatus::Dropped)
                .update_expression("SET #status = :status, reason = :reason")
                .expression_attribute_values(":reason", dynamo::string(reason)),
            Outcome::Failed { reason } => settled(request, MailStatus::Failed)
                .update_expression("SET #status = :status, reason = :reason ADD attempts :one")
                .expression_attribute_values(":reason", dynamo::string(reason))
                .expression_attribute_values(":one", dynamo::number(1)),
            Outcome::AttemptFailed { reason } => request
                .update_expression("SET reason = :reason ADD attempts :one")
                .expression_attribute_values(":reason", dynamo::string(reason))
                .expression_attribute_values(":one", dynamo::number(1)),
            Outcome::Counted => request
                .update_expression("SET counted = :yes")
                .expression_attribute_values(":yes", AttributeValue::Bool(true)),
        };
        dynamo::condition_held(request.condition_expression("attribute_exists(id)").send().await)
    }

    /// Stores the hash of a token sent to `email` for `kind`, good for the kind's lifetime.
    pub async fn issue_token(&self, owner: &UserId, kind: MailKind, email: &str, hash: &str) -> Result<(), ApiError> {
        let record = TokenRecord {
            owner: owner.to_string(),
            id: token_id(hash),
            kind,
            email: email.to_owned(),
            expires_at: clock::epoch_seconds(clock::now()) + kind.token_lifetime().as_secs() as i64,
            used_at: None,
        };
        self.client
            .put_item()
            .table_name(self.table.as_ref())
            .set_item(Some(to_item(&record)?))
            .condition_expression("attribute_not_exists(id)")
            .send()
            .await?;
        Ok(())
    }

    /// The record of a presented token, read strongly consistently.
    pub async fn token(&self, token: &PresentedToken) -> Result<Option<TokenRecord>, ApiError> {
        match dynamo::get_item(&self.client, &self.table, mail_key(&token.owner.to_string(), &token_id(&token.hash)))
            .await?
        {
            Some(item) => Ok(Some(from_item(item)?)),
            None => Ok(None),
        }
    }

    /// Uses `record` up, as a write of a transaction: only if it is still unused, unexpired
    /// and for the same address, so a token works once however many requests race with it.
    pub fn use_up_write(&self, record: &TokenRecord) -> Result<TransactWriteItem, ApiError> {
        let now = clock::now();
        let update = Update::builder()
            .table_name(self.table.as_ref())
            .set_key(Some(mail_key(&record.owner, &record.id)))
            .update_expression("SET used_at = :now")
            .condition_expression("attribute_not_exists(used_at) AND expires_at > :epoch AND email = :email")
            .expression_attribute_values(":now", dynamo::string(clock::format_timestamp(now)))
            .expression_attribute_values(":epoch", dynamo::number(clock::epoch_seconds(now)))
            .expression_attribute_values(":email", dynamo::string(&record.email))
            .build()
            .map_err(ApiError::internal)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}
