//! HTTP adapter pieces shared by every function.

pub mod api;
pub mod app;
pub mod auth;
pub mod body;
pub mod crud;
pub mod gateway;
pub mod idempotency;
pub mod if_match;
pub mod item_id;
pub mod openapi;
pub mod query;
pub mod response;

pub use api::{Api, DocumentOnly, Routes};
pub use app::{cold_start, finish};
pub use auth::AuthUser;
pub use body::{JsonBody, JsonInput};
pub use gateway::run;
pub use item_id::ItemId;
pub use query::QueryParams;
