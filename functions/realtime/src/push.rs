//! Posting to connections through the API Gateway Management API (`PostToConnection`), and
//! closing them (`DeleteConnection`).

use aws_sdk_apigatewaymanagement::Client;
use aws_sdk_apigatewaymanagement::config::http::HttpResponse;
use aws_sdk_apigatewaymanagement::error::{DisplayErrorContext, SdkError};
use aws_sdk_apigatewaymanagement::operation::post_to_connection::PostToConnectionError;
use aws_sdk_apigatewaymanagement::primitives::Blob;

use crate::config::ManagementSettings;

/// Builds the client for the stage's endpoint with bounded timeouts and retries; region and
/// credentials come from the standard AWS environment.
pub async fn client(settings: &ManagementSettings) -> Client {
    let config = shared::aws::sdk_config(&settings.bounds).await;
    let config = aws_sdk_apigatewaymanagement::config::Builder::from(&config).endpoint_url(&settings.endpoint).build();
    Client::from_conf(config)
}

/// Why a post did not arrive.
#[derive(Debug, thiserror::Error)]
pub enum PostError {
    /// The connection is closed (410 `GoneException`): its record can go.
    #[error("the connection is gone")]
    Gone,
    #[error("posting failed: {0}")]
    Failed(String),
}

/// Sends `data` to one connection.
pub async fn post(client: &Client, connection_id: &str, data: &[u8]) -> Result<(), PostError> {
    let outcome = client.post_to_connection().connection_id(connection_id).data(Blob::new(data)).send().await;
    match outcome {
        Ok(_) => Ok(()),
        Err(err) if is_gone(&err) => Err(PostError::Gone),
        Err(err) => Err(PostError::Failed(DisplayErrorContext(&err).to_string())),
    }
}

/// Closes one connection (`DeleteConnection`); one already closed is no error.
pub async fn close(client: &Client, connection_id: &str) -> Result<(), PostError> {
    match client.delete_connection().connection_id(connection_id).send().await {
        Ok(_) => Ok(()),
        Err(SdkError::ServiceError(service))
            if service.err().is_gone_exception() || service.raw().status().as_u16() == 410 =>
        {
            Ok(())
        }
        Err(err) => Err(PostError::Failed(DisplayErrorContext(&err).to_string())),
    }
}

/// A 410, whether or not the body names `GoneException`.
fn is_gone(err: &SdkError<PostToConnectionError, HttpResponse>) -> bool {
    match err {
        SdkError::ServiceError(service) => service.err().is_gone_exception() || service.raw().status().as_u16() == 410,
        _ => false,
    }
}
