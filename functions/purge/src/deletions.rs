//! The accounts a stream batch reports deleted: REMOVE records of the users table's `USER#<id>`
//! items. Every other record (a registration, a rename, a guard item) is no deletion.

use aws_sdk_dynamodb::types::AttributeValue;
use realtime::event::{Operation, StreamRecord, StreamRecordExt};
use shared::accounts;
use shared::dynamo::Item;
use shared::ids::UserId;

/// One account to purge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedAccount {
    pub user: UserId,
    /// When the deletion happened (epoch seconds), if the record says.
    pub deleted_at: Option<i64>,
}

/// The account `record` reports deleted, if it reports one.
pub fn deleted_account(record: &StreamRecord) -> Option<DeletedAccount> {
    if record.operation() != Some(Operation::Remove) {
        return None;
    }
    let keys: Item = record.change.keys.clone().into();
    let Some(AttributeValue::S(key)) = keys.get(accounts::KEY) else { return None };
    let user = accounts::user_of_key(key)?;
    let at = record.change.approximate_creation_date_time.timestamp();
    Some(DeletedAccount { user, deleted_at: (at > 0).then_some(at) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(event: &str, key: &str, at: Option<i64>) -> StreamRecord {
        let mut change = json!({"Keys": {"pk": {"S": key}}, "SequenceNumber": "1", "SizeBytes": 10});
        if let Some(at) = at {
            change["ApproximateCreationDateTime"] = json!(at);
        }
        serde_json::from_value(json!({"eventID": "e", "eventName": event, "awsRegion": "us-east-1",
            "eventSourceARN": "arn:aws:dynamodb:us-east-1:1:table/UsersTable/stream/x", "dynamodb": change}))
        .unwrap()
    }

    #[test]
    fn only_the_removal_of_a_user_item_is_a_deletion() {
        let id = UserId::generate();
        let user = accounts::user_key(&id);
        assert_eq!(
            deleted_account(&record("REMOVE", &user, Some(1_800_000_000))),
            Some(DeletedAccount { user: id, deleted_at: Some(1_800_000_000) })
        );
        assert_eq!(deleted_account(&record("REMOVE", &user, None)).map(|d| d.deleted_at), Some(None));
        assert_eq!(deleted_account(&record("INSERT", &user, Some(1))), None);
        assert_eq!(deleted_account(&record("MODIFY", &user, Some(1))), None);
        assert_eq!(deleted_account(&record("REMOVE", "USERNAME#alice", Some(1))), None);
        assert_eq!(deleted_account(&record("REMOVE", "EMAIL#a@example.com", Some(1))), None);
    }
}
