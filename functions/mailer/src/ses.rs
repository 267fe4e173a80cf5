//! Sending through Amazon SES v2 (`SendEmail`). Locally `AWS_ENDPOINT_URL_SESV2` points the same
//! client at the local stack's stand-in, which keeps every mail and sends none.

use aws_sdk_sesv2::Client;
use aws_sdk_sesv2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sesv2::operation::send_email::SendEmailError;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};
use shared::config::CallBounds;

use crate::compose::Composed;

/// The client, with bounded timeouts and retries; region, credentials and endpoint come from the
/// standard AWS environment.
pub async fn client(bounds: &CallBounds) -> Client {
    Client::new(&shared::aws::sdk_config(bounds).await)
}

/// Why a mail was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// SES refuses this very mail (rejected, malformed): trying again cannot help.
    #[error("refused: {0}")]
    Refused(String),
    /// Anything else (throttling, a sending pause, the network): worth another attempt.
    #[error("not sent: {0}")]
    Unavailable(String),
}

/// Sends `mail` from `from` to `to`; the SES message id.
pub async fn send(client: &Client, from: &str, to: &str, mail: &Composed) -> Result<String, SendError> {
    let content = |data: &str| {
        Content::builder().data(data).charset("UTF-8").build().map_err(|err| SendError::Refused(err.to_string()))
    };
    let message = Message::builder()
        .subject(content(&mail.subject)?)
        .body(Body::builder().text(content(&mail.text)?).html(content(&mail.html)?).build())
        .build();
    let outcome = client
        .send_email()
        .from_email_address(from)
        .destination(Destination::builder().to_addresses(to).build())
        .content(EmailContent::builder().simple(message).build())
        .send()
        .await;
    match outcome {
        Ok(output) => Ok(output.message_id().unwrap_or_default().to_owned()),
        Err(err) => Err(classify(&err)),
    }
}

fn classify<R: std::fmt::Debug>(err: &SdkError<SendEmailError, R>) -> SendError {
    let text = DisplayErrorContext(err).to_string();
    match err.as_service_error() {
        Some(SendEmailError::MessageRejected(_) | SendEmailError::BadRequestException(_)) => {
            SendError::Refused(format!("{}: {}", err.code().unwrap_or("refused"), err.message().unwrap_or(&text)))
        }
        _ => SendError::Unavailable(text),
    }
}
