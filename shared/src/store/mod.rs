//! The store: the only DynamoDB access of owned resources (tasks, expenses, budgets). Tables of
//! `(owner, id)` items with conditional versioned writes and unique values held by guard items
//! (`owned`), creates with their guard items and records (`create`), lists and cursors (`listing`, `cursor`, `page`), the records of idempotent creates
//! (`idempotency`), and what a write without `If-Match` does when it loses a race (`contention`), and deleting a
//! whole partition, what is left of a deleted account (`purge`).

pub mod contention;
pub mod create;
pub mod cursor;
pub mod idempotency;
pub mod listing;
pub mod owned;
pub mod page;
pub mod purge;

pub use idempotency::{Inserted, KeyedCreate};
pub use listing::{Filter, KeyRange, Listing, Scope, SortIndex};
pub use owned::{ID, OWNER, Owned, OwnedTable, Stored, WriteError, decode, encode, is_guard, partitions_of};
pub use page::{Page, PageRequest};
pub use purge::{Partition, Purged, count_partition, delete_partition};
