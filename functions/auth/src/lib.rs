//! The auth function: registration, JWT login, refresh rotation, logout.

pub mod config;
pub mod domain;
pub mod handlers;
pub mod routes;
pub mod sessions;
pub mod state;
pub mod store;

pub use config::AuthConfig;
pub use routes::api;
pub use state::AppState;
