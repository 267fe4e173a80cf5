//! The realtime function: API Gateway WebSocket routes (`$connect` with `?token=`,
//! `$disconnect`, `$default`) and the fan-out of the tasks, expenses and budgets tables'
//! stream records to each owner's open connections.

pub mod changes;
pub mod config;
pub mod connections;
pub mod dispatch;
pub mod event;
pub mod fanout;
pub mod push;
pub mod state;
pub mod websocket;

pub use config::RealtimeConfig;
pub use state::App;
