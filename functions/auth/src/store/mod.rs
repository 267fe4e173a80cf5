//! The only DynamoDB calls of the auth function.

pub mod mail;
pub mod revocations;
pub mod sessions;
pub mod throttle;
pub mod users;

pub use mail::MailStore;
pub use revocations::RevocationStore;
pub use sessions::SessionStore;
pub use throttle::ThrottleStore;
pub use users::{CreateUserError, UserStore};
