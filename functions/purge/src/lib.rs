//! The purge function: the users table's stream reports each deleted account (a REMOVE of a
//! `USER#<id>` item); this function closes the account's WebSocket connections and deletes
//! everything it owned in every table. A purge that runs out of its time budget reports its
//! record failed, and the event source mapping invokes it again from that record: every pass
//! deletes what is left, so none is lost half-way and none is done twice.

pub mod config;
pub mod deletions;
pub mod purger;

pub use config::PurgeConfig;
pub use purger::Purger;
