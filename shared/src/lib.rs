//! The library every function stands on: configuration, the error type and its HTTP
//! mapping, JWTs, password hashing, DynamoDB access and HTTP plumbing.

pub mod aws;
pub mod calendar;
pub mod choice;
pub mod clock;
pub mod config;
pub mod dynamo;
pub mod error;
pub mod http;
pub mod ids;
pub mod jwt;
pub mod openapi;
pub mod password;
pub mod resource;
#[cfg(feature = "test-support")]
pub mod test_support;
pub mod users;

pub use error::{ApiError, FieldErrors};
