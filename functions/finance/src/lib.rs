//! The finance function: each user's expenses and budgets in exact decimals, and the
//! monthly summary of both.

pub mod config;
pub mod domain;
pub mod handlers;
pub mod routes;
pub mod state;
pub mod store;

pub use config::FinanceConfig;
pub use routes::api;
pub use state::AppState;
