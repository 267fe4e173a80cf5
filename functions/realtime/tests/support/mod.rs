//! The realtime function under test: its handler against DynamoDB Local (fresh tables from
//! template.yaml), a stand-in for the API Gateway Management API on 127.0.0.1 that records
//! every post, and the tasks and finance routers to make real items with.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::types::AttributeValue;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use realtime::{App, RealtimeConfig};
use serde_json::{Value, json};
use shared::dynamo::Item;
use shared::ids::UserId;
use testkit::{TestEnvironment, TestRequest, TestResponse, call};

/// What the stand-in received, in arrival order, and the connections it answers 410 for.
#[derive(Clone, Default)]
pub struct Gateway {
    posts: Arc<Mutex<Vec<(String, Value)>>>,
    gone: Arc<Mutex<HashSet<String>>>,
    posts_to_gone: Arc<Mutex<Vec<String>>>,
}

impl Gateway {
    /// Serves `POST /@connections/{id}` on a free port; returns its base URL.
    async fn start(&self) -> String {
        let app = Router::new().route("/@connections/{id}", post(receive)).with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let address = listener.local_addr().expect("a bound address");
        tokio::spawn(async move { axum::serve(listener, app).await.expect("the stand-in gateway serves") });
        format!("http://{address}")
    }

    pub fn mark_gone(&self, connection_id: &str) {
        self.gone.lock().unwrap().insert(connection_id.to_owned());
    }

    /// Every post so far, as `(connection id, event)`.
    pub fn posts(&self) -> Vec<(String, Value)> {
        self.posts.lock().unwrap().clone()
    }

    /// The events posted to one connection, in order.
    pub fn events_of(&self, connection_id: &str) -> Vec<Value> {
        self.posts().into_iter().filter(|(id, _)| id == connection_id).map(|(_, event)| event).collect()
    }

    /// The connection ids of every post answered 410 so far.
    pub fn posts_to_gone(&self) -> Vec<String> {
        self.posts_to_gone.lock().unwrap().clone()
    }

    pub fn clear(&self) {
        self.posts.lock().unwrap().clear();
    }
}

async fn receive(State(gateway): State<Gateway>, Path(id): Path<String>, body: axum::body::Bytes) -> Response {
    if gateway.gone.lock().unwrap().contains(&id) {
        gateway.posts_to_gone.lock().unwrap().push(id);
        let mut response = (StatusCode::GONE, r#"{"message":"Gone"}"#).into_response();
        response.headers_mut().insert("x-amzn-ErrorType", HeaderValue::from_static("GoneException"));
        response.headers_mut().insert("content-type", HeaderValue::from_static("application/json"));
        return response;
    }
    let event = serde_json::from_slice(&body).expect("a JSON event");
    gateway.posts.lock().unwrap().push((id, event));
    StatusCode::OK.into_response()
}

pub struct TestApp {
    pub app: App,
    config: RealtimeConfig,
    management: aws_sdk_apigatewaymanagement::Client,
    pub gateway: Gateway,
    pub environment: TestEnvironment,
    tasks: Router,
    finance: Router,
}

/// A user with an access token.
pub struct User {
    pub id: UserId,
    pub token: String,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with(|_| {}).await
    }

    /// The app with its environment changed by `adjust` first.
    pub async fn with(adjust: impl FnOnce(&mut TestEnvironment)) -> Self {
        let mut environment = TestEnvironment::new("realtime").await;
        let gateway = Gateway::default();
        environment.set("WEBSOCKET_MANAGEMENT_ENDPOINT", &gateway.start().await);
        let tasks = {
            let config = tasks::TasksConfig::from_env(environment.env()).expect("tasks configuration");
            tasks::api().serve(tasks::AppState::new(&config, environment.client.clone()), &config.api.cors)
        };
        let finance = {
            let config = finance::FinanceConfig::from_env(environment.env()).expect("finance configuration");
            finance::api().serve(finance::AppState::new(&config, environment.client.clone()), &config.api.cors)
        };
        adjust(&mut environment);
        let config = RealtimeConfig::from_env(environment.env()).expect("valid test configuration");
        let management = realtime::push::client(&config.management).await;
        let app = App::new(&config, environment.client.clone(), management.clone());
        Self { app, config, management, gateway, environment, tasks, finance }
    }

    /// The same function over a client that counts its DynamoDB calls.
    pub fn counting(&self) -> (App, Arc<std::sync::atomic::AtomicUsize>) {
        let (client, calls) = testkit::counting_client(&self.environment.client);
        (App::new(&self.config, client, self.management.clone()), calls)
    }

    pub async fn user(&self) -> User {
        let (id, token) = self.environment.user().await;
        User { id, token }
    }

    /// Invokes the function with `payload`, as Lambda would.
    pub async fn invoke(&self, payload: Value) -> Value {
        self.app.handle(payload).await.expect("a handled event")
    }

    /// `$connect` with `query` as the query string parameters.
    pub async fn connect_with(&self, connection_id: &str, query: Value) -> Value {
        self.invoke(websocket_event("$connect", connection_id, query)).await
    }

    /// `$connect` of `user` as `connection_id`, which must be accepted.
    pub async fn connect(&self, user: &User, connection_id: &str) {
        let answer = self.connect_with(connection_id, json!({"token": user.token})).await;
        assert_eq!(answer, json!({"statusCode": 200}));
    }

    /// Every record of the connections table.
    pub async fn connection_records(&self) -> Vec<Item> {
        let table = self.environment.table("CONNECTIONS_TABLE");
        self.environment.client.scan().table_name(table).send().await.unwrap().items.unwrap_or_default()
    }

    /// Sends an HTTP request of `user` to the function that serves `path`.
    pub async fn http(&self, user: &User, method: &str, path: &str, body: Option<Value>) -> TestResponse {
        let router = if path.starts_with("/tasks") { &self.tasks } else { &self.finance };
        let mut request = TestRequest::new(method, path).bearer(&user.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        call(router, request).await
    }

    /// The stored item `(owner, id)` of a table, as a stream image would show it.
    pub async fn stored(&self, variable: &str, owner: &str, id: &str) -> Item {
        let key = Item::from([
            ("owner".to_owned(), AttributeValue::S(owner.to_owned())),
            ("id".to_owned(), AttributeValue::S(id.to_owned())),
        ]);
        let table = self.environment.table(variable);
        let output = self.environment.client.get_item().table_name(table).set_key(Some(key)).send().await.unwrap();
        output.item.unwrap_or_else(|| panic!("no item {owner}/{id} in {variable}"))
    }

    /// The stream ARN of the table a function sees under `variable`.
    pub fn stream_arn(&self, variable: &str) -> String {
        format!(
            "arn:aws:dynamodb:us-east-1:000000000000:table/{}/stream/2026-11-23T10:15:30.123",
            self.environment.table(variable)
        )
    }
}

pub fn websocket_event(route_key: &str, connection_id: &str, query: Value) -> Value {
    json!({
        "requestContext": {
            "routeKey": route_key,
            "eventType": route_key.trim_start_matches('$').to_uppercase(),
            "connectionId": connection_id,
            "apiId": "local",
            "stage": "live",
            "domainName": "127.0.0.1",
            "requestId": "test-request",
            "connectedAt": 1_795_000_000_000_i64,
            "requestTimeEpoch": 1_795_000_000_000_i64
        },
        "queryStringParameters": query,
        "isBase64Encoded": false
    })
}

/// An item in DynamoDB JSON, as stream records carry images.
pub fn dynamodb_json(item: &Item) -> Value {
    serde_json::to_value(serde_dynamo::Item::from(item.clone())).expect("DynamoDB JSON")
}

/// The key attributes of an item.
pub fn keys_of(item: &Item) -> Item {
    item.iter()
        .filter(|(name, _)| matches!(name.as_str(), "owner" | "id"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// One stream record as Lambda's event source mapping delivers it.
pub fn record(arn: &str, operation: &str, sequence: u64, keys: &Item, new: Option<&Item>, old: Option<&Item>) -> Value {
    let mut change = json!({
        "ApproximateCreationDateTime": 1_795_000_000,
        "Keys": dynamodb_json(keys),
        "SequenceNumber": sequence.to_string(),
        "SizeBytes": 100,
        "StreamViewType": "NEW_AND_OLD_IMAGES"
    });
    if let Some(new) = new {
        change["NewImage"] = dynamodb_json(new);
    }
    if let Some(old) = old {
        change["OldImage"] = dynamodb_json(old);
    }
    json!({
        "eventID": format!("event-{sequence}"),
        "eventName": operation,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "eventSourceARN": arn,
        "dynamodb": change
    })
}

pub fn batch(records: Vec<Value>) -> Value {
    json!({"Records": records})
}

pub fn no_failures() -> Value {
    json!({"batchItemFailures": []})
}
