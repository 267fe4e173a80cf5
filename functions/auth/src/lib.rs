//! The auth function: registration, JWT login, refresh rotation, logout, sessions, account
//! changes and deletion, email verification and password reset. Its stores and `accounts` are also the operator CLI's (`taskmoney-admin`).

pub mod accounts;
pub mod config;
pub mod domain;
pub mod email;
pub mod handlers;
pub mod routes;
pub mod sessions;
pub mod state;
pub mod store;
pub mod transport;

pub use accounts::Accounts;
pub use config::AuthConfig;
pub use routes::api;
pub use state::AppState;
