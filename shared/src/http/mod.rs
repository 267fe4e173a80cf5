//! HTTP adapter pieces shared by every function.

pub mod app;
pub mod auth;
pub mod body;
pub mod idempotency;
pub mod item_id;
pub mod response;

pub use app::{finish, init_logging, run};
pub use auth::{AuthUser, VerifiedToken};
pub use body::{Field, Fingerprint, JsonBody, JsonInput};
pub use idempotency::IdempotencyKey;
pub use item_id::ItemId;
