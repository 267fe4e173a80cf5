//! What every function's router gets around its routes, and how it runs on Lambda.

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use http::{HeaderName, HeaderValue, Method, StatusCode, header};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::config::{ApiSettings, ConfigError, CorsSettings, Env};
use crate::dynamo;
use crate::error::ApiError;
use crate::ids::UserId;
use crate::sessions;

/// The response header that names the Lambda invocation, as every log line of it does.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Adds the contract's JSON 404 for unknown routes, JSON 405 with `Allow`, CORS, and one
/// access-log line per request.
pub fn finish(router: Router, cors: &CorsSettings) -> Router {
    router
        .fallback(not_found)
        .layer(middleware::map_response(method_not_allowed_as_json))
        .layer(cors_layer(cors))
        .layer(middleware::from_fn(access_log))
}

/// Logs method, path (never the query or a header), status and duration, inside the invocation's
/// span (so with its request id), and answers that request id in `x-request-id`.
async fn access_log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let request_id = request
        .extensions()
        .get::<lambda_runtime::Context>()
        .and_then(|context| HeaderValue::from_str(&context.request_id).ok());
    let mut response = next.run(request).await;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    tracing::info!(%method, path, status = response.status().as_u16(), elapsed_ms, "request");
    if let Some(id) = request_id {
        response.headers_mut().insert(REQUEST_ID, id);
    }
    response
}

async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// axum answers a known path with an unsupported method with an empty 405 and an
/// `Allow` header; give it the contract's body, keeping the header.
async fn method_not_allowed_as_json(response: Response) -> Response {
    if response.status() != StatusCode::METHOD_NOT_ALLOWED || response.headers().contains_key(header::CONTENT_TYPE) {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    ApiError::MethodNotAllowed { allow }.into_response()
}

pub fn cors_layer(settings: &CorsSettings) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(settings.allowed_origins.clone()))
        .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS])
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            HeaderName::from_static("idempotency-key"),
            HeaderName::from_static("x-token-transport"),
        ])
        // A browser app sends the refresh-token cookie with `credentials: "include"`; allowed for
        // the configured origins only (the list is never `*`).
        .allow_credentials(true)
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::WWW_AUTHENTICATE,
            HeaderName::from_static("allow"),
            super::idempotency::REPLAYED,
            REQUEST_ID,
        ])
        .max_age(Duration::from_secs(600))
}

/// A token-taking function's cold start: logging, its configuration read once (every
/// problem reported at once), and a DynamoDB client within the configured bounds whose
/// connection is opened now (on the sessions table, which every such function reads) rather
/// than by the first request.
pub async fn cold_start<C>(
    read: impl FnOnce(Env) -> Result<C, ConfigError>,
    settings: impl Fn(&C) -> &ApiSettings,
) -> Result<(C, aws_sdk_dynamodb::Client), ConfigError> {
    crate::logging::init();
    let config = read(Env::from_process())?;
    let settings = settings(&config);
    let client = dynamo::client(&settings.dynamo).await;
    let key = sessions::session_key(&UserId::generate(), "WARMUP");
    dynamo::warm_up(&client, &settings.identity.sessions_table, key).await;
    Ok((config, client))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    fn app() -> Router {
        let cors = CorsSettings { allowed_origins: vec![http::HeaderValue::from_static("https://app.example")] };
        finish(Router::new().route("/things", get(|| async { "ok" })), &cors)
    }

    async fn call(request: http::Request<Body>) -> (StatusCode, http::HeaderMap, serde_json::Value) {
        let response = app().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, serde_json::from_slice(&bytes).unwrap_or_default())
    }

    #[tokio::test]
    async fn unknown_routes_are_json_404_and_wrong_methods_json_405_with_allow() {
        let (status, _, body) = call(http::Request::get("/nope").body(Body::empty()).unwrap()).await;
        assert_eq!((status, &body["code"]), (StatusCode::NOT_FOUND, &serde_json::json!("not_found")));
        let (status, headers, body) = call(http::Request::delete("/things").body(Body::empty()).unwrap()).await;
        assert_eq!((status, &body["code"]), (StatusCode::METHOD_NOT_ALLOWED, &serde_json::json!("method_not_allowed")));
        assert!(headers[header::ALLOW].to_str().unwrap().contains("GET"));
    }

    #[tokio::test]
    async fn preflight_succeeds_for_allowed_origins_only() {
        let preflight = |origin: &'static str| {
            http::Request::options("/things")
                .header(header::ORIGIN, origin)
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "GET")
                .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization")
                .body(Body::empty())
                .unwrap()
        };
        let (status, headers, _) = call(preflight("https://app.example")).await;
        assert!(status.is_success());
        assert_eq!(headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "https://app.example");
        let (_, headers, _) = call(preflight("https://evil.example")).await;
        assert!(!headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
    }
}
