//! HTTP handlers: extract, call the domain, map the result.

mod login;
mod me;
mod register;
mod tokens;

pub use login::login;
pub use me::me;
pub use register::register;
pub use tokens::{logout, logout_all, refresh, verify};
