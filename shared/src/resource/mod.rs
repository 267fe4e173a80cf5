//! The machinery every owned resource (tasks, expenses, budgets) shares: versions and
//! `If-Match`, strict query strings and pages, owner-checked cursors, and the store
//! of `(owner, id)` tables with their indexes and unique values.

pub mod contention;
pub mod crud;
pub mod cursor;
pub mod query;
pub mod table;
pub mod version;

pub use crud::{Resource, Stamp};
pub use query::{Page, PageRequest, QueryParams};
pub use table::{Filter, KeyRange, Owned, OwnedTable, Scope, SortIndex, WriteError};
pub use version::{IfMatch, Version};
