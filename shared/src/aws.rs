//! The configuration every AWS client of a function is built from.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};

use crate::config::CallBounds;

/// The standard AWS environment (region, credentials, endpoint overrides such as
/// `AWS_ENDPOINT_URL_DYNAMODB`) with every call bounded in time and attempts.
pub async fn sdk_config(bounds: &CallBounds) -> SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(bounds.connect_timeout)
        .operation_attempt_timeout(bounds.attempt_timeout)
        .operation_timeout(bounds.operation_timeout)
        .build();
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(bounds.max_attempts))
        .load()
        .await
}
