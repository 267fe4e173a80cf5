//! A new item written with what must be written with it: the guard item of its unique value,
//! and the record of its `Idempotency-Key`, in one transaction.

use super::idempotency::{Inserted, KeyedCreate};
use super::owned::{Owned, OwnedTable, Stored, encode};
use crate::dynamo::{self, Transaction};
use crate::error::ApiError;
use crate::resource::OwnedItem;

impl<F: Stored> OwnedTable<F> {
    /// Writes a new item (it must carry `owner`, `id` and `version`), with its guard item
    /// if it has a unique value, and the record of its `Idempotency-Key` if it came with one.
    pub async fn insert(&self, value: &OwnedItem<F>, key: Option<&KeyedCreate>) -> Result<Inserted, ApiError> {
        // A record can vanish between a failed condition and its reading only by expiring
        // at that instant; the second try then writes it.
        for _ in 0..2 {
            if let Some(inserted) = self.try_insert(value, key).await? {
                return Ok(inserted);
            }
        }
        Err(ApiError::internal("an idempotency record kept vanishing"))
    }

    async fn try_insert(&self, value: &OwnedItem<F>, key: Option<&KeyedCreate>) -> Result<Option<Inserted>, ApiError> {
        let item = encode(value)?;
        let collided = || ApiError::internal("a generated id collided with an existing item");
        let (owner, id, unique) = (value.owner().to_string(), value.id(), value.unique_key());
        if unique.is_none() && key.is_none() {
            let created = dynamo::put_item_if(&self.client, &self.table, item, "attribute_not_exists(id)", []).await?;
            return if created.written() { Ok(Some(Inserted::New)) } else { Err(collided()) };
        }
        let mut writes = vec![self.put(item, "attribute_not_exists(id)", [])?];
        let guard_at = match &unique {
            Some(unique) => {
                writes.push(self.put_guard(&owner, unique, id)?);
                Some(writes.len() - 1)
            }
            None => None,
        };
        let record_at = match key {
            Some(key) => {
                writes.push(self.put_record(&owner, id, key)?);
                Some(writes.len() - 1)
            }
            None => None,
        };
        let failed = match dynamo::transact_write(&self.client, writes).await? {
            Transaction::Committed => return Ok(Some(Inserted::New)),
            Transaction::ConditionsFailed(failed) => failed,
        };
        let failed_at = |at: Option<usize>| at.is_some_and(|at| failed.contains(&at));
        if let (true, Some(key)) = (failed_at(record_at), key) {
            return self.earlier_create(&owner, key).await;
        }
        if failed_at(guard_at) { Err(value.duplicate().into()) } else { Err(collided()) }
    }
}
