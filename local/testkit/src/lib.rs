//! Helpers for the functions' handler tests (a dev-dependency only, so none of it reaches a
//! function's build): build the API Gateway HTTP API (payload 2.0) event a
//! request would arrive as, and have a router answer it in-process as the function does
//! (`shared::http::gateway`), answer event and all.

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use axum::Router;
use http::{HeaderMap, HeaderName, StatusCode};
use serde_json::{Map, Value, json};

use shared::config::{Env, JwtSettings};
use shared::http::gateway;
use shared::ids::UserId;
use shared::jwt::TokenService;

/// Fresh tables made from template.yaml in DynamoDB Local, and the environment a
/// function under test reads: their names plus test JWT and CORS settings.
pub struct TestEnvironment {
    pub client: Client,
    pub vars: BTreeMap<String, String>,
}

impl TestEnvironment {
    /// Needs DynamoDB Local (`AWS_ENDPOINT_URL_DYNAMODB`); `local/test` provides it.
    pub async fn new(label: &str) -> Self {
        let template = devtools::repository_root().join("template.yaml");
        let template = template.as_path();
        let client = devtools::local_client().await.expect("DynamoDB Local (run the tests through local/test)");
        let tables = devtools::create_tables(&client, template, &devtools::unique_prefix(label))
            .await
            .expect("tables created from template.yaml");
        let mut vars = devtools::table_env(template, &tables).expect("table env vars");
        for (name, value) in [
            ("JWT_SECRET", "handler-test-secret-0123456789abcdef-not-for-production"),
            ("JWT_ISSUER", "taskmoney-api"),
            ("JWT_AUDIENCE", "taskmoney-clients"),
            ("CORS_ALLOWED_ORIGINS", "http://localhost:3000"),
        ] {
            vars.insert(name.to_owned(), value.to_owned());
        }
        Self { client, vars }
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.vars.insert(name.to_owned(), value.to_owned());
    }

    pub fn env(&self) -> Env {
        Env::from_vars(self.vars.clone())
    }

    /// The table a function sees under `variable`, e.g. `TASKS_TABLE`.
    pub fn table(&self, variable: &str) -> &str {
        self.vars.get(variable).map(String::as_str).unwrap_or_else(|| panic!("{variable} is not a table variable"))
    }

    /// Signs tokens exactly as the deployed auth function would for this environment.
    pub fn tokens(&self) -> Arc<TokenService> {
        let mut env = self.env();
        let settings = JwtSettings::from_env(&mut env);
        Arc::new(TokenService::new(&settings))
    }

    /// A new user with an open session (its item in the sessions table, so tokens of it are
    /// accepted) and an access token of that session.
    pub async fn user(&self) -> (UserId, String) {
        let user = UserId::generate();
        let session = shared::ids::new_id();
        self.client
            .put_item()
            .table_name(self.table("SESSIONS_TABLE"))
            .set_item(Some(shared::sessions::session_key(&user, &session)))
            .send()
            .await
            .expect("a session item in the sessions table");
        let pair = self.tokens().issue_pair(user, &session, shared::clock::now()).expect("signed tokens");
        (user, pair.access)
    }
}

/// A client like `client` that counts the DynamoDB calls it makes (each operation once, however
/// often the SDK retries it), to show what a request costs.
pub fn counting_client(client: &Client) -> (Client, Arc<std::sync::atomic::AtomicUsize>) {
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let config = client.config().to_builder().interceptor(CallCounter(calls.clone())).build();
    (Client::from_conf(config), calls)
}

#[derive(Debug)]
struct CallCounter(Arc<std::sync::atomic::AtomicUsize>);

impl aws_sdk_dynamodb::config::Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    fn read_before_execution(
        &self,
        _context: &aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }
}

/// A request to send through [`call`].
#[derive(Debug, Clone, Default)]
pub struct TestRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// The body is base64, as API Gateway sends bytes that are not text.
    pub body_is_base64: bool,
    /// `name=value` cookies, which an HTTP API event carries in `cookies`, not as a header.
    pub cookies: Vec<String>,
}

impl TestRequest {
    pub fn new(method: &str, path: &str) -> Self {
        let (path, query) = path.split_once('?').unwrap_or((path, ""));
        Self { method: method.into(), path: path.into(), query: query.into(), ..Self::default() }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_ascii_lowercase(), value.into()));
        self
    }

    /// A cookie the browser sends (`name=value`).
    pub fn cookie(mut self, cookie: &str) -> Self {
        self.cookies.push(cookie.into());
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", &format!("Bearer {token}"))
    }

    /// A JSON body with `Content-Type: application/json`.
    pub fn json(self, body: &Value) -> Self {
        self.header("content-type", "application/json").raw_body(&body.to_string())
    }

    pub fn raw_body(mut self, body: &str) -> Self {
        self.body = Some(body.into());
        self
    }

    /// Arbitrary bytes, delivered base64-encoded as API Gateway does for non-text bodies.
    pub fn bytes_body(mut self, body: &[u8]) -> Self {
        use base64::Engine;
        self.body = Some(base64::engine::general_purpose::STANDARD.encode(body));
        self.body_is_base64 = true;
        self
    }

    /// The API Gateway HTTP API event for this request (which joins a repeated header's
    /// values with commas).
    pub fn event(&self) -> Value {
        let mut headers = Map::new();
        for (name, value) in &self.headers {
            let joined = match headers.get(name) {
                Some(Value::String(earlier)) => format!("{earlier},{value}"),
                _ => value.clone(),
            };
            headers.insert(name.clone(), Value::String(joined));
        }
        json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": self.path,
            "rawQueryString": self.query,
            "headers": headers,
            "cookies": if self.cookies.is_empty() { Value::Null } else { json!(self.cookies) },
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "local",
                "domainName": "localhost",
                "domainPrefix": "localhost",
                "http": {
                    "method": self.method,
                    "path": self.path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "127.0.0.1",
                    "userAgent": "handler-test"
                },
                "requestId": "handler-test-request",
                "routeKey": "$default",
                "stage": "$default",
                "time": "23/Nov/2026:10:15:30 +0000",
                "timeEpoch": 1_795_000_000_000_u64
            },
            "body": self.body,
            "isBase64Encoded": self.body_is_base64
        })
    }
}

/// What came back: a JSON body parsed, any other body as a string.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    /// The body's bytes as sent (a compressed one, say).
    pub raw: Vec<u8>,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Asserts an error response in the contract's shape: status, `code`, a non-empty
/// `detail`, and `WWW-Authenticate: Bearer...` on every 401.
pub fn assert_error(response: &TestResponse, status: u16, code: &str) {
    assert_eq!(response.status, status, "body: {}", response.body);
    assert_eq!(response.body["code"], code, "body: {}", response.body);
    assert!(response.body["detail"].as_str().is_some_and(|d| !d.is_empty()), "body: {}", response.body);
    if status == 401 {
        assert!(response.header("www-authenticate").is_some_and(|v| v.starts_with("Bearer")));
    }
}

/// Sends `request` to `router` as API Gateway would deliver it to the function.
pub async fn call(router: &Router, request: TestRequest) -> TestResponse {
    let event = serde_json::from_value(request.event()).expect("a valid API Gateway event");
    let answer = gateway::answer(router.clone(), event, None).await;
    let status = StatusCode::from_u16(answer.status_code).expect("a valid status");
    let mut headers = HeaderMap::new();
    for (name, value) in &answer.headers {
        headers.append(
            HeaderName::try_from(name.as_str()).expect("a header name"),
            value.parse().expect("a header value"),
        );
    }
    for cookie in &answer.cookies {
        headers.append(http::header::SET_COOKIE, cookie.parse().expect("a Set-Cookie value"));
    }
    let bytes = answer.body_bytes().expect("a base64 body flagged as such");
    let is_json =
        headers.get(http::header::CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    // A compressed body is left to `raw`.
    let encoded = headers.contains_key(http::header::CONTENT_ENCODING);
    let body = if bytes.is_empty() || encoded {
        Value::Null
    } else if is_json {
        serde_json::from_slice(&bytes).expect("a JSON response body")
    } else {
        Value::String(String::from_utf8_lossy(&bytes).into_owned())
    };
    TestResponse { status, headers, body, raw: bytes.to_vec() }
}

/// The query parameter names an OpenAPI document gives `GET path`, in order.
pub fn documented_query_parameters(document: &utoipa::openapi::OpenApi, path: &str) -> Vec<String> {
    let operation = document.paths.paths[path].get.as_ref().unwrap_or_else(|| panic!("no GET {path}"));
    operation
        .parameters
        .iter()
        .flatten()
        .filter_map(|parameter| match parameter {
            utoipa::openapi::RefOr::T(parameter) => Some(parameter.name.clone()),
            utoipa::openapi::RefOr::Ref(_) => None,
        })
        .collect()
}

/// Asserts that `router` serves exactly the methods `document` gives each of its paths, so the
/// routes and their documentation cannot drift apart: a documented method, sent without a token
/// or a body, is never 404 or 405, and every other method is the contract's 405 whose `Allow` lists exactly the documented ones.
/// `{id}` in a path is filled with a well-formed id nobody owns.
pub async fn assert_serves_exactly_the_documented_methods(router: &Router, document: &utoipa::openapi::OpenApi) {
    const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
    assert!(!document.paths.paths.is_empty(), "the document has no paths");
    for (path, item) in &document.paths.paths {
        let operations = [&item.get, &item.post, &item.put, &item.patch, &item.delete];
        let documented: Vec<&str> =
            METHODS.iter().zip(operations).filter(|(_, operation)| operation.is_some()).map(|(m, _)| *m).collect();
        let concrete = path.replace("{id}", &shared::ids::new_id());
        for method in METHODS {
            let response = call(router, TestRequest::new(method, &concrete)).await;
            if documented.contains(&method) {
                let status = response.status.as_u16();
                assert!(status != 404 && status != 405, "{method} {path} is documented but answers {status}");
                continue;
            }
            assert_error(&response, 405, "method_not_allowed");
            let mut allowed: Vec<&str> = response
                .header("allow")
                .unwrap_or_else(|| panic!("{method} {path}: 405 without Allow"))
                .split(',')
                .map(str::trim)
                .filter(|allowed| *allowed != "HEAD")
                .collect();
            allowed.sort_unstable();
            let mut expected = documented.clone();
            expected.sort_unstable();
            assert_eq!(allowed, expected, "{method} {path}: Allow against the documented methods");
        }
    }
}
