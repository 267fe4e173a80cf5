//! The tasks function: each user's own tasks, with filters, pages and ETags.

pub mod config;
pub mod domain;
pub mod handlers;
pub mod routes;
pub mod state;
pub mod store;

pub use config::TasksConfig;
pub use routes::api;
pub use state::AppState;
