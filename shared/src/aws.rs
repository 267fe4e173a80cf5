//! The configuration every AWS client of a function is built from.
//!
//! Built by hand from what Lambda provides, not by `aws_config`'s default chain: a function's
//! credentials are always the execution role's, in `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` /
//! `AWS_SESSION_TOKEN`, and its region is `AWS_REGION`. Profiles, SSO, web identity and the
//! instance-metadata service are never consulted (so never probed), and their code (an STS client,
//! an IMDS client, profile parsing) is not linked into the functions.

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};

use crate::config::CallBounds;

mod http_client;

pub use http_client::Http1Client;

/// Where a function runs when `AWS_REGION` is unset (never on Lambda, which always sets it).
const FALLBACK_REGION: &str = "us-east-1";

/// The environment's region and credentials, the endpoint overrides `AWS_ENDPOINT_URL_<SERVICE>`
/// and `AWS_ENDPOINT_URL` (DynamoDB Local, the local mail stand-in), and every call bounded in
/// time and attempts.
pub async fn sdk_config(bounds: &CallBounds) -> SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(bounds.connect_timeout)
        .operation_attempt_timeout(bounds.attempt_timeout)
        .operation_timeout(bounds.operation_timeout)
        .build();
    let region = std::env::var("AWS_REGION").unwrap_or_else(|_| FALLBACK_REGION.to_owned());
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(EnvironmentVariableCredentialsProvider::new()))
        .http_client(https_client())
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(bounds.max_attempts))
        .service_config(EndpointOverrides)
        .build()
}

/// HTTPS (and plain HTTP, for local endpoints) over HTTP/1.1 with rustls on ring, trusting the
/// system's roots. Every AWS client of the project, the operator's CLI included, uses this one.
pub fn https_client() -> SharedHttpClient {
    SharedHttpClient::new(Http1Client::with_native_roots())
}

/// The SDK's standard endpoint variables: `AWS_ENDPOINT_URL_DYNAMODB` (the service id upper-cased,
/// spaces as underscores) first, then `AWS_ENDPOINT_URL`.
#[derive(Debug)]
struct EndpointOverrides;

impl LoadServiceConfig for EndpointOverrides {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        endpoint_override(&key, |name| std::env::var(name).ok())
    }
}

fn endpoint_override(key: &ServiceConfigKey<'_>, read: impl Fn(&str) -> Option<String>) -> Option<String> {
    let service = key.service_id().to_ascii_uppercase().replace(' ', "_");
    let set = |name: &str| read(name).filter(|value| !value.trim().is_empty());
    set(&format!("{}_{service}", key.env())).or_else(|| set(key.env()))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn endpoint_of(service_id: &str, environment: &[(&str, &str)]) -> Option<String> {
        let environment: HashMap<&str, &str> = environment.iter().copied().collect();
        let key = ServiceConfigKey::builder().service_id(service_id).env("AWS_ENDPOINT_URL").profile("endpoint_url");
        endpoint_override(&key.build().expect("a complete key"), |name| environment.get(name).map(|v| v.to_string()))
    }

    #[test]
    fn a_service_specific_endpoint_wins_over_the_general_one() {
        let environment =
            [("AWS_ENDPOINT_URL_SESV2", "http://127.0.0.1:1"), ("AWS_ENDPOINT_URL", "http://127.0.0.1:2")];
        assert_eq!(endpoint_of("SESv2", &environment).as_deref(), Some("http://127.0.0.1:1"));
        assert_eq!(endpoint_of("DynamoDB", &environment).as_deref(), Some("http://127.0.0.1:2"));
        assert_eq!(endpoint_of("DynamoDB", &[]), None);
    }

    #[test]
    fn service_ids_with_spaces_are_spelled_with_underscores_and_blank_means_unset() {
        let environment = [("AWS_ENDPOINT_URL_API_GATEWAY", "http://127.0.0.1:3"), ("AWS_ENDPOINT_URL_DYNAMODB", " ")];
        assert_eq!(endpoint_of("API Gateway", &environment).as_deref(), Some("http://127.0.0.1:3"));
        assert_eq!(endpoint_of("DynamoDB", &environment), None);
    }
}
