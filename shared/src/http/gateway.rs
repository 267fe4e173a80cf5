//! API Gateway's HTTP API events (payload format 2.0) as axum requests, and axum's answers as
//! the event's response, served by `lambda_runtime`.
//!
//! Written here in place of `lambda_http`, whose answer conversion decodes a text body by its
//! charset and so linked every `encoding_rs` table into each function. An answer's body goes back
//! as text when it is UTF-8 and not content-encoded, and otherwise base64-encoded, which API Gateway
//! decodes: either way the client gets the bytes the router produced.

use std::collections::BTreeMap;

use axum::Router;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::{HeaderName, HeaderValue, Method, Request, Uri, header};
use http_body_util::BodyExt;
use lambda_runtime::{Context, LambdaEvent, service_fn};
use serde::{Deserialize, Serialize};
use tower::ServiceExt;

use crate::error::ApiError;

/// The fields of an HTTP API request event that a request is made of. Any of the optional ones
/// may also come as `null` (the local emulator sends `"rawQueryString": null`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpEvent {
    request_context: EventContext,
    #[serde(default)]
    raw_path: Option<String>,
    #[serde(default)]
    raw_query_string: Option<String>,
    /// Lower-case names; a repeated header's values are joined with commas.
    #[serde(default)]
    headers: Option<BTreeMap<String, String>>,
    /// The `Cookie` header's pairs, which API Gateway takes out of `headers`.
    #[serde(default)]
    cookies: Option<Vec<String>>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    is_base64_encoded: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct EventContext {
    http: EventHttp,
}

#[derive(Debug, Deserialize)]
struct EventHttp {
    method: String,
}

/// The response of a Lambda function behind an HTTP API (payload format 2.0).
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct HttpAnswer {
    pub status_code: u16,
    /// A repeated header's values joined with commas, as API Gateway expects; `Set-Cookie` goes
    /// in `cookies`.
    pub headers: BTreeMap<String, String>,
    /// Always present, if empty: `cargo lambda watch` refuses an answer without it.
    #[serde(default)]
    pub cookies: Vec<String>,
    pub body: String,
    pub is_base64_encoded: bool,
}

impl HttpAnswer {
    /// The body's bytes, as API Gateway sends them on.
    pub fn body_bytes(&self) -> Result<Vec<u8>, base64::DecodeError> {
        if self.is_base64_encoded { BASE64.decode(&self.body) } else { Ok(self.body.clone().into_bytes()) }
    }
}

/// Serves `router` as a Lambda function behind API Gateway's HTTP API.
pub async fn run(router: Router) -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<HttpEvent>| {
        let router = router.clone();
        async move { Ok::<_, lambda_runtime::Error>(answer(router, event.payload, Some(event.context)).await) }
    }))
    .await
}

/// Answers one event; the invocation's context is handed to the router as a request extension.
pub async fn answer(router: Router, event: HttpEvent, context: Option<Context>) -> HttpAnswer {
    let response = match request_from(event) {
        Ok(mut request) => {
            if let Some(context) = context {
                request.extensions_mut().insert(context);
            }
            router.oneshot(request).await.unwrap_or_else(|infallible| match infallible {})
        }
        Err(error) => error.into_response(),
    };
    answer_from(response).await
}

/// The request API Gateway received. An event it could not have sent (a method or path that is
/// not HTTP, a body that is not base64 though flagged so) is the contract's 400, never a failed
/// invocation.
pub fn request_from(event: HttpEvent) -> Result<Request<Body>, ApiError> {
    let malformed = |what: &str| ApiError::ParseError(format!("The request's {what} could not be read."));
    let method = Method::from_bytes(event.request_context.http.method.as_bytes()).map_err(|_| malformed("method"))?;
    let path = event.raw_path.unwrap_or_else(|| "/".to_owned());
    let path_and_query = match event.raw_query_string.as_deref() {
        None | Some("") => path,
        Some(query) => format!("{path}?{query}"),
    };
    let uri = Uri::try_from(path_and_query).map_err(|_| malformed("path"))?;
    let body = match (event.body, event.is_base64_encoded.unwrap_or(false)) {
        (None, _) => Body::empty(),
        (Some(text), false) => Body::from(text),
        (Some(encoded), true) => Body::from(BASE64.decode(encoded).map_err(|_| malformed("body"))?),
    };
    let mut request = Request::builder().method(method).uri(uri).body(body).map_err(|_| malformed("path"))?;
    let headers = request.headers_mut();
    for (name, value) in event.headers.unwrap_or_default() {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| malformed("headers"))?;
        let value = HeaderValue::from_bytes(value.as_bytes()).map_err(|_| malformed("headers"))?;
        headers.append(name, value);
    }
    if let Some(cookies) = event.cookies.filter(|cookies| !cookies.is_empty()) {
        let cookie = HeaderValue::from_bytes(cookies.join("; ").as_bytes()).map_err(|_| malformed("cookies"))?;
        headers.insert(header::COOKIE, cookie);
    }
    Ok(request)
}

/// The event's response for `response`, with its whole body.
pub async fn answer_from(response: Response) -> HttpAnswer {
    let (parts, body) = response.into_parts();
    let bytes = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(error) => return Box::pin(answer_from(ApiError::internal(error).into_response())).await,
    };
    let mut headers = BTreeMap::new();
    let mut cookies = Vec::new();
    for name in parts.headers.keys() {
        let values = parts.headers.get_all(name).iter().map(|value| String::from_utf8_lossy(value.as_bytes()));
        if name == header::SET_COOKIE {
            cookies.extend(values.map(|value| value.into_owned()));
        } else {
            headers.insert(name.as_str().to_owned(), values.collect::<Vec<_>>().join(","));
        }
    }
    let encoded = parts.headers.contains_key(header::CONTENT_ENCODING);
    let (body, is_base64_encoded) = match String::from_utf8(bytes.to_vec()) {
        Ok(text) if !encoded => (text, false),
        _ => (BASE64.encode(&bytes), true),
    };
    HttpAnswer { status_code: parts.status.as_u16(), headers, cookies, body, is_base64_encoded }
}

#[cfg(test)]
mod tests {
    use axum::routing::{get, post};
    use http::{HeaderMap, StatusCode};
    use serde_json::{Value, json};

    use super::*;

    fn event(method: &str, path: &str, query: &str, extra: Value) -> HttpEvent {
        let mut event = json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": query,
            "headers": { "host": "api.example", "accept": "application/json,text/plain" },
            "requestContext": { "http": { "method": method, "path": path }, "requestId": "gw-1", "stage": "$default" },
            "isBase64Encoded": false
        });
        if let (Some(event), Some(extra)) = (event.as_object_mut(), extra.as_object()) {
            event.extend(extra.clone());
        }
        serde_json::from_value(event).expect("an HTTP API event")
    }

    /// Echoes what it was given: method, path, query, headers, body.
    fn echo() -> Router {
        async fn echo(request: Request<Body>) -> axum::Json<Value> {
            let (parts, body) = request.into_parts();
            let body = body.collect().await.expect("a body").to_bytes();
            let headers: serde_json::Map<String, Value> = parts
                .headers
                .iter()
                .map(|(name, value)| (name.to_string(), json!(value.to_str().unwrap_or("?"))))
                .collect();
            axum::Json(json!({
                "method": parts.method.as_str(),
                "path": parts.uri.path(),
                "query": parts.uri.query(),
                "headers": headers,
                "body": String::from_utf8_lossy(&body),
            }))
        }
        Router::new().route("/things/{id}", get(echo).post(echo))
    }

    fn json_of(answer: &HttpAnswer) -> Value {
        assert!(!answer.is_base64_encoded, "JSON goes back as text");
        serde_json::from_str(&answer.body).expect("a JSON body")
    }

    #[tokio::test]
    async fn the_router_sees_the_request_the_client_sent() {
        let extra = json!({ "cookies": ["refresh=abc", "theme=dark"], "body": "{\"title\":\"é\"}" });
        let answer = answer(echo(), event("POST", "/things/42", "a=1&b=%20x", extra), None).await;
        assert_eq!(answer.status_code, 200);
        let seen = json_of(&answer);
        assert_eq!(seen["method"], "POST");
        assert_eq!(seen["path"], "/things/42");
        assert_eq!(seen["query"], "a=1&b=%20x");
        assert_eq!(seen["headers"]["accept"], "application/json,text/plain");
        assert_eq!(seen["headers"]["cookie"], "refresh=abc; theme=dark");
        assert_eq!(seen["body"], "{\"title\":\"é\"}");
    }

    #[tokio::test]
    async fn a_base64_body_is_decoded_and_a_malformed_one_is_the_contracts_400() {
        let body = BASE64.encode("binary?");
        let decoded =
            answer(echo(), event("POST", "/things/1", "", json!({ "body": body, "isBase64Encoded": true })), None);
        assert_eq!(json_of(&decoded.await)["body"], "binary?");

        let malformed = event("POST", "/things/1", "", json!({ "body": "not base64!", "isBase64Encoded": true }));
        let refused = answer(echo(), malformed, None).await;
        assert_eq!(refused.status_code, 400);
        assert_eq!(json_of(&refused)["code"], "parse_error");
    }

    #[tokio::test]
    async fn header_values_beyond_ascii_pass_and_control_characters_are_the_contracts_400() {
        let accented = event("GET", "/things/1", "", json!({ "headers": { "user-agent": "Büro-App/1.0" } }));
        let seen = answer(echo(), accented, None).await;
        assert_eq!(seen.status_code, 200);
        let control = event("GET", "/things/1", "", json!({ "headers": { "x-note": "line\nbreak" } }));
        let refused = answer(echo(), control, None).await;
        assert_eq!((refused.status_code, json_of(&refused)["code"].as_str()), (400, Some("parse_error")));
    }

    #[tokio::test]
    async fn optional_fields_may_be_null_as_the_local_emulator_sends_them() {
        let nulls = json!({ "rawQueryString": null, "cookies": null, "body": null, "isBase64Encoded": null });
        let seen = answer(echo(), event("GET", "/things/1", "", nulls), None).await;
        assert_eq!(seen.status_code, 200);
        assert_eq!(json_of(&seen)["query"], Value::Null);
        let bare: HttpEvent = serde_json::from_value(json!({ "requestContext": { "http": { "method": "GET" } } }))
            .expect("an event of only a method");
        assert_eq!(answer(echo(), bare, None).await.status_code, 404);
    }

    #[tokio::test]
    async fn a_path_that_is_no_uri_is_the_contracts_400() {
        let refused = answer(echo(), event("GET", "/things/a b", "", json!({})), None).await;
        assert_eq!(refused.status_code, 400);
        assert_eq!(json_of(&refused)["code"], "parse_error");
    }

    #[tokio::test]
    async fn repeated_headers_are_joined_and_cookies_listed_apart() {
        let router = Router::new().route(
            "/",
            post(|| async {
                let mut headers = HeaderMap::new();
                headers.append(header::VARY, HeaderValue::from_static("origin"));
                headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
                headers.append(header::SET_COOKIE, HeaderValue::from_static("a=1; HttpOnly"));
                headers.append(header::SET_COOKIE, HeaderValue::from_static("b=2; Secure"));
                (StatusCode::CREATED, headers, "made")
            }),
        );
        let answer = answer(router, event("POST", "/", "", json!({})), None).await;
        assert_eq!(answer.status_code, 201);
        assert_eq!(answer.headers["vary"], "origin,accept-encoding");
        assert_eq!(answer.cookies, ["a=1; HttpOnly", "b=2; Secure"]);
        assert!(!answer.headers.contains_key("set-cookie"));
        assert_eq!((answer.body.as_str(), answer.is_base64_encoded), ("made", false));
    }

    #[tokio::test]
    async fn encoded_or_binary_bodies_go_back_in_base64_byte_for_byte() {
        let gzipped: &[u8] = &[0x1f, 0x8b, 0x08, 0x00, 0xff];
        let router = Router::new()
            .route("/gz", get(move || async move { ([(header::CONTENT_ENCODING, "gzip")], gzipped) }))
            .route("/text-gz", get(|| async { ([(header::CONTENT_ENCODING, "gzip")], "plain ascii") }))
            .route("/png", get(move || async move { ([(header::CONTENT_TYPE, "image/png")], gzipped) }));
        for (path, bytes) in [("/gz", gzipped), ("/text-gz", b"plain ascii".as_slice()), ("/png", gzipped)] {
            let answer = answer(router.clone(), event("GET", path, "", json!({})), None).await;
            assert!(answer.is_base64_encoded, "{path}");
            assert_eq!(answer.body_bytes().expect("base64"), bytes, "{path}");
        }
    }

    #[tokio::test]
    async fn the_invocation_context_reaches_the_router() {
        let router = Router::new().route(
            "/",
            get(|request: Request<Body>| async move {
                request.extensions().get::<Context>().map(|context| context.request_id.clone()).unwrap_or_default()
            }),
        );
        let mut context = Context::default();
        context.request_id = "invocation-7".to_owned();
        let answer = answer(router, event("GET", "/", "", json!({})), Some(context)).await;
        assert_eq!(answer.body, "invocation-7");
    }

    #[test]
    fn the_answer_is_spelled_as_api_gateway_reads_it() {
        let answer = HttpAnswer {
            status_code: 204,
            headers: BTreeMap::from([("etag".to_owned(), "\"v2\"".to_owned())]),
            cookies: Vec::new(),
            body: String::new(),
            is_base64_encoded: false,
        };
        assert_eq!(
            serde_json::to_value(&answer).expect("serialisable"),
            json!({ "statusCode": 204, "headers": { "etag": "\"v2\"" }, "cookies": [], "body": "", "isBase64Encoded": false })
        );
    }
}
