//! HTTP adapter pieces shared by every function.

pub mod app;
pub mod auth;
pub mod body;
pub mod item_id;
pub mod response;

pub use app::{finish, init_logging, run};
pub use auth::AuthUser;
pub use body::{Field, JsonBody, JsonInput};
pub use item_id::ItemId;
