//! Rules of the auth domain: plain Rust types, no HTTP and no DynamoDB.

pub mod credentials;
pub mod mail;
pub mod registration;
pub mod session;
pub mod throttle;
pub mod user;

pub use credentials::LoginName;
pub use mail::{MailKind, MailRequest, MailToken, PresentedToken};
pub use registration::{Email, Registration, Username, canonical_username, password_problems};
pub use session::{Session, SessionView};
pub use throttle::{FailureWindow, ThrottlePolicy};
pub use user::{User, UserView};
