//! The machinery every owned resource (tasks, expenses, budgets) shares: versions and
//! `If-Match`, strict query strings and pages, owner-checked cursors, and the store
//! of `(owner, id)` tables.

pub mod cursor;
pub mod query;
pub mod table;
pub mod version;

pub use query::{Page, PageRequest, QueryParams};
pub use table::{Filter, Owned, OwnedTable, WriteError};
pub use version::{IfMatch, Version};
