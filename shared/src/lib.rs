//! The library every function stands on, in three layers that import only downwards:
//!
//! * domain, plain types and rules (no axum, no AWS types, no `ApiError`): [`calendar`],
//!   [`choice`], [`clock`], [`field`], [`idempotency`] (keys and fingerprints), [`ids`],
//!   [`resource`] (what a resource declares), [`schema`] (of value types), [`version`]
//!   (versions and `If-Match`);
//! * [`store`]: the only DynamoDB calls of owned resources, on [`dynamo`] and [`aws`];
//! * [`http`]: extractors, the shared CRUD handlers, responses, and [`error`]'s mapping of
//!   every error to the contract's JSON; `http::openapi` documents them.
//!
//! Beside them: [`accounts`] (the users table's key), [`config`] (read once), [`identity`] (who a token names), [`jwt`], [`logging`], [`password`]
//! and [`sessions`] (whether a token's session is open).

pub mod accounts;
pub mod aws;
pub mod calendar;
pub mod choice;
pub mod clock;
pub mod config;
pub mod dynamo;
pub mod error;
pub mod field;
pub mod http;
pub mod idempotency;
pub mod identity;
pub mod ids;
pub mod jwt;
pub mod logging;
pub mod password;
pub mod resource;
pub mod schema;
pub mod sessions;
pub mod store;
pub mod version;

pub use error::{ApiError, Conflict, FieldErrors};
