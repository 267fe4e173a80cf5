//! The record of a create sent with an `Idempotency-Key`, kept in the owner's guard partition
//! (`UNIQUE#<owner>`, id `IDEMPOTENCY#<key>`): the item it made, the fingerprint of what it
//! said, its answer, and until when it counts (a TTL attribute, also checked in code). It is
//! written in the same transaction as the item (`OwnedTable::insert`).

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};

use super::owned::{GUARDED_ID, OwnedTable, Stored};
use crate::clock;
use crate::dynamo;
use crate::error::{ApiError, FieldErrors};
use crate::idempotency::{self, Fingerprint, IdempotencyKey};

/// An `Idempotency-Key` record is the guard item `IDEMPOTENCY#<key>`; unique values never
/// start with it.
const RECORD_PREFIX: &str = "IDEMPOTENCY#";
const FINGERPRINT: &str = "fingerprint";
const ANSWER: &str = "answer";
/// The table's TTL attribute (epoch seconds); only idempotency records carry it.
const EXPIRES_AT: &str = "expires_at";

/// A create sent with an `Idempotency-Key`.
pub struct KeyedCreate {
    pub key: IdempotencyKey,
    /// What the request said.
    pub fingerprint: Fingerprint,
    /// The body of the answer, given again to a repetition.
    pub answer: String,
}

impl KeyedCreate {
    pub(super) fn record_id(&self) -> String {
        format!("{RECORD_PREFIX}{}", self.key.as_str())
    }
}

/// What became of an insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    New,
    /// The same request came with this key before: the item it made and the body it got.
    Repeated {
        id: String,
        answer: String,
    },
}

impl<F: Stored> OwnedTable<F> {
    /// The record of a create with an `Idempotency-Key`, kept beside the guard items: the
    /// item it made, what its request said, its answer, and until when it counts.
    pub(super) fn put_record(&self, owner: &str, id: &str, key: &KeyedCreate) -> Result<TransactWriteItem, ApiError> {
        let now = clock::epoch_seconds(clock::now());
        let mut record = Self::guard_key(owner, &key.record_id());
        record.insert(GUARDED_ID.to_owned(), dynamo::string(id));
        record.insert(FINGERPRINT.to_owned(), dynamo::string(key.fingerprint.as_str()));
        record.insert(ANSWER.to_owned(), dynamo::string(&key.answer));
        record.insert(EXPIRES_AT.to_owned(), dynamo::number(now + idempotency::RETENTION_SECONDS));
        self.put(record, &format!("attribute_not_exists(id) OR {EXPIRES_AT} < :now"), [(":now", dynamo::number(now))])
    }

    /// The earlier create that holds `key`: the same request is answered as it was then; a
    /// different one is 409. `None` if the record has just expired.
    pub(super) async fn earlier_create(&self, owner: &str, key: &KeyedCreate) -> Result<Option<Inserted>, ApiError> {
        let Some(record) =
            dynamo::get_item(&self.client, &self.table, Self::guard_key(owner, &key.record_id())).await?
        else {
            return Ok(None);
        };
        let text = |name: &str| match record.get(name) {
            Some(AttributeValue::S(text)) => Ok(text.clone()),
            other => Err(ApiError::internal(format!("idempotency record without {name}: {other:?}"))),
        };
        if text(FINGERPRINT)? != key.fingerprint.as_str() {
            return Err(ApiError::Conflict {
                detail: "This Idempotency-Key was used for a different request.".into(),
                errors: FieldErrors::single(
                    idempotency::HEADER,
                    "Used before with another body; send a new key for a new request.",
                ),
            });
        }
        Ok(Some(Inserted::Repeated { id: text(GUARDED_ID)?, answer: text(ANSWER)? }))
    }
}
