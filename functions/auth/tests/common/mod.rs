//! The auth router in-process against DynamoDB Local, with fresh tables for every test.

#![allow(dead_code)] // each test file uses its own part

use auth::{AppState, AuthConfig, api};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use axum::Router;
use serde_json::{Value, json};
use shared::dynamo::key;
use testkit::{TestEnvironment, TestRequest, TestResponse, call};

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub router: Router,
    pub client: Client,
    pub config: AuthConfig,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_env(&[]).await
    }

    pub async fn with_env(overrides: &[(&str, &str)]) -> Self {
        let mut environment = TestEnvironment::new("auth").await;
        environment.set("LOGIN_MAX_FAILURES", "3");
        environment.set("LOGIN_LOCKOUT_SECONDS", "600");
        for (name, value) in overrides {
            environment.set(name, value);
        }
        let config = AuthConfig::from_env(environment.env()).expect("valid test configuration");
        let router = api().serve(AppState::new(&config, environment.client.clone()), &config.api.cors);
        Self { router, client: environment.client, config }
    }

    pub async fn send(&self, request: TestRequest) -> TestResponse {
        call(&self.router, request).await
    }

    pub async fn post(&self, path: &str, body: Value) -> TestResponse {
        self.send(TestRequest::new("POST", path).json(&body)).await
    }

    pub async fn register(&self, username: &str, email: Option<&str>) -> TestResponse {
        self.post("/auth/register", json!({"username": username, "email": email, "password": PASSWORD})).await
    }

    pub async fn login(&self, username: &str, password: &str) -> TestResponse {
        self.post("/auth/login", json!({"username": username, "password": password})).await
    }

    pub async fn tokens(&self, username: &str) -> (String, String) {
        let response = self.login(username, PASSWORD).await;
        assert_eq!(response.status, 200, "{:?}", response.body);
        (str_of(&response.body["access"]), str_of(&response.body["refresh"]))
    }

    pub async fn user_item(&self, pk: &str) -> Option<std::collections::HashMap<String, AttributeValue>> {
        self.client
            .get_item()
            .table_name(&self.config.users_table)
            .set_key(Some(key("pk", pk)))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item
    }

    pub async fn item_count(&self, table: &str) -> i32 {
        self.client.scan().table_name(table).send().await.unwrap().count
    }
}

pub fn str_of(value: &Value) -> String {
    value.as_str().unwrap_or_else(|| panic!("expected a string, got {value}")).to_owned()
}
