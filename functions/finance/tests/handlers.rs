//! Handler tests: the finance router called in-process with API Gateway HTTP API events,
//! against DynamoDB Local with fresh tables made from template.yaml for every test. They
//! look at what HTTP cannot show: stored attribute types, index keys and guard items.

use aws_sdk_dynamodb::types::AttributeValue;
use axum::Router;
use finance::{AppState, FinanceConfig, api};
use serde_json::{Value, json};
use shared::dynamo::Item;
use shared::http::DocumentOnly;
use shared::ids::UserId;
use testkit::{
    TestEnvironment, TestRequest, TestResponse, assert_error, assert_serves_exactly_the_documented_methods, call,
};

struct TestApp {
    router: Router,
    environment: TestEnvironment,
}

struct Caller<'a> {
    app: &'a TestApp,
    id: UserId,
    token: String,
}

impl TestApp {
    async fn new() -> Self {
        let environment = TestEnvironment::new("finance").await;
        let config = FinanceConfig::from_env(environment.env()).expect("valid test configuration");
        let router = api().serve(AppState::new(&config, environment.client.clone()), &config.api.cors);
        Self { router, environment }
    }

    async fn user(&self) -> Caller<'_> {
        let (id, token) = self.environment.user().await;
        Caller { app: self, id, token }
    }

    /// Every stored item of a table, guard items included.
    async fn items(&self, variable: &str) -> Vec<Item> {
        let table = self.environment.table(variable);
        self.environment.client.scan().table_name(table).send().await.unwrap().items.unwrap_or_default()
    }

    async fn guards(&self) -> Vec<(String, String)> {
        let mut guards: Vec<(String, String)> = self
            .items("BUDGETS_TABLE")
            .await
            .iter()
            .filter(|item| text(item, "owner").starts_with("UNIQUE#"))
            .map(|item| (text(item, "owner"), text(item, "id")))
            .collect();
        guards.sort();
        guards
    }
}

fn text(item: &Item, name: &str) -> String {
    match item.get(name) {
        Some(AttributeValue::S(text)) => text.clone(),
        other => panic!("{name} is not a string: {other:?}"),
    }
}

impl Caller<'_> {
    async fn send(&self, request: TestRequest) -> TestResponse {
        call(&self.app.router, request.bearer(&self.token)).await
    }

    async fn json(&self, method: &str, path: &str, body: Value) -> TestResponse {
        self.send(TestRequest::new(method, path).json(&body)).await
    }

    async fn get(&self, path: &str) -> TestResponse {
        self.send(TestRequest::new("GET", path)).await
    }

    async fn create(&self, collection: &str, body: Value) -> Value {
        let response = self.json("POST", collection, body).await;
        assert_eq!(response.status, 201, "{}", response.body);
        response.body
    }

    fn guard(&self, slot: &str) -> (String, String) {
        (format!("UNIQUE#{}", self.id), slot.to_owned())
    }
}

fn id_of(item: &Value) -> &str {
    item["id"].as_str().unwrap()
}

#[tokio::test]
async fn amounts_are_stored_as_exact_numbers_with_the_index_key() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    let expense =
        alice.create("/expenses", json!({"amount": 999999999.99, "category": "FOOD", "date": "2026-11-05"})).await;
    assert_eq!(expense["amount"], "999999999.99", "not rounded through a float");

    let items = app.items("EXPENSES_TABLE").await;
    assert_eq!(items.len(), 1);
    let stored = &items[0];
    assert_eq!(stored["amount"], AttributeValue::N("999999999.99".into()), "a DynamoDB number, not a string");
    assert_eq!(text(stored, "date_id"), format!("2026-11-05#{}", id_of(&expense)));
    assert_eq!(text(stored, "owner"), alice.id.to_string());

    let read = alice.get(&format!("/expenses/{}", id_of(&expense))).await;
    assert_eq!(read.body["amount"], "999999999.99");

    let moved = alice.json("PATCH", &format!("/expenses/{}", id_of(&expense)), json!({"date": "2026-10-31"})).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let items = app.items("EXPENSES_TABLE").await;
    assert_eq!(text(&items[0], "date_id"), format!("2026-10-31#{}", id_of(&expense)), "the index key follows the date");
}

/// With a filter instead of a key condition, the 30 newer December expenses would be read
/// first and filtered out, leaving the first page short or empty.
#[tokio::test]
async fn a_date_range_is_a_key_condition_so_pages_are_full() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    for day in 1..=5 {
        alice
            .create("/expenses", json!({"amount": day, "category": "DATA", "date": format!("2026-11-{day:02}")}))
            .await;
    }
    for day in 1..=30 {
        alice.create("/expenses", json!({"amount": 1, "category": "FOOD", "date": format!("2026-12-{day:02}")})).await;
    }
    let page = alice.get("/expenses?from=2026-11-01&to=2026-11-30&limit=5").await;
    assert_eq!(page.status, 200, "{}", page.body);
    let dates: Vec<&str> =
        page.body["results"].as_array().unwrap().iter().map(|e| e["date"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2026-11-05", "2026-11-04", "2026-11-03", "2026-11-02", "2026-11-01"]);
    assert_eq!(page.body["next_cursor"], Value::Null);

    let summary = alice.get("/budgets/summary?month=2026-11").await;
    assert_eq!(summary.body["total_spent"], "15.00");
}

#[tokio::test]
async fn a_cursor_outside_the_requested_range_is_invalid_not_a_server_error() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    for day in 1..=3 {
        alice.create("/expenses", json!({"amount": 1, "category": "DATA", "date": format!("2026-11-{day:02}")})).await;
    }
    let first = alice.get("/expenses?from=2026-11-01&to=2026-11-30&limit=1").await;
    let cursor = first.body["next_cursor"].as_str().unwrap().to_owned();
    let next = alice.get(&format!("/expenses?from=2026-11-01&to=2026-11-30&limit=1&cursor={cursor}")).await;
    assert_eq!(next.status, 200);
    let elsewhere = alice.get(&format!("/expenses?from=2026-12-01&limit=1&cursor={cursor}")).await;
    assert_error(&elsewhere, 400, "invalid");
    assert!(elsewhere.body["errors"]["cursor"].is_array());
    let budgets = alice.get(&format!("/budgets?cursor={cursor}")).await;
    assert_error(&budgets, 400, "invalid");
}

#[tokio::test]
async fn a_budget_slot_is_held_by_a_guard_item_that_moves_with_it() {
    let app = TestApp::new().await;
    let (alice, bob) = (app.user().await, app.user().await);
    let food = alice.create("/budgets", json!({"amount": "100", "category": "FOOD", "month": "2026-11"})).await;
    let data = alice.create("/budgets", json!({"amount": "20", "category": "DATA", "month": "2026-11"})).await;
    bob.create("/budgets", json!({"amount": "5", "category": "FOOD", "month": "2026-11"})).await;
    let mut expected = vec![alice.guard("2026-11#DATA"), alice.guard("2026-11#FOOD"), bob.guard("2026-11#FOOD")];
    expected.sort();
    assert_eq!(app.guards().await, expected);

    let taken = alice.json("POST", "/budgets", json!({"amount": "1", "category": "FOOD", "month": "2026-11"})).await;
    assert_error(&taken, 409, "conflict");
    let moved_onto_taken =
        alice.json("PATCH", &format!("/budgets/{}", id_of(&data)), json!({"category": "FOOD"})).await;
    assert_error(&moved_onto_taken, 409, "conflict");
    assert_eq!(app.guards().await, expected, "a refused move changes nothing");
    assert_eq!(alice.get(&format!("/budgets/{}", id_of(&data))).await.body["version"], 1);

    let moved = alice.json("PATCH", &format!("/budgets/{}", id_of(&food)), json!({"month": "2026-12"})).await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    let mut expected = vec![alice.guard("2026-11#DATA"), alice.guard("2026-12#FOOD"), bob.guard("2026-11#FOOD")];
    expected.sort();
    assert_eq!(app.guards().await, expected, "the old slot is free, the new one held");
    alice.create("/budgets", json!({"amount": "1", "category": "FOOD", "month": "2026-11"})).await;

    let stale =
        alice.send(TestRequest::new("DELETE", &format!("/budgets/{}", id_of(&data))).header("if-match", "\"7\"")).await;
    assert_error(&stale, 412, "precondition_failed");
    let deleted = alice.send(TestRequest::new("DELETE", &format!("/budgets/{}", id_of(&data)))).await;
    assert_eq!(deleted.status, 204);
    assert!(!app.guards().await.contains(&alice.guard("2026-11#DATA")), "deleting frees the slot");
    assert_eq!(app.items("BUDGETS_TABLE").await.len(), 6, "3 budgets + 3 guards");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_creates_of_one_slot_leave_exactly_one_budget() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    let body = json!({"amount": "10", "category": "SAVINGS", "month": "2027-01"});
    let mut racers = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (router, request) =
            (app.router.clone(), TestRequest::new("POST", "/budgets").json(&body).bearer(&alice.token));
        racers.spawn(async move { call(&router, request).await.status });
    }
    let statuses = racers.join_all().await;
    let created = statuses.iter().filter(|&&status| status == 201).count();
    let conflicts = statuses.iter().filter(|&&status| status == 409).count();
    assert_eq!((created, conflicts), (1, 7), "{statuses:?}");
    assert_eq!(app.items("BUDGETS_TABLE").await.len(), 2, "one budget and its guard");
}

#[tokio::test]
async fn the_summary_reads_only_the_callers_month() {
    let app = TestApp::new().await;
    let (alice, bob) = (app.user().await, app.user().await);
    for (amount, category, date) in [
        ("0.10", "FOOD", "2026-11-01"),
        ("0.20", "FOOD", "2026-11-30"),
        ("30", "DATA", "2026-11-15"),
        ("4.5", "TRANSPORT", "2026-11-20"),
        ("500", "FOOD", "2026-10-31"),
        ("500", "FOOD", "2026-12-01"),
    ] {
        alice.create("/expenses", json!({"amount": amount, "category": category, "date": date})).await;
    }
    alice.create("/budgets", json!({"amount": "50", "category": "FOOD", "month": "2026-11"})).await;
    alice.create("/budgets", json!({"amount": "25", "category": "DATA", "month": "2026-11"})).await;
    alice.create("/budgets", json!({"amount": "99", "category": "DATA", "month": "2026-12"})).await;
    bob.create("/expenses", json!({"amount": "1000", "category": "FOOD", "date": "2026-11-10"})).await;
    bob.create("/budgets", json!({"amount": "1", "category": "SAVINGS", "month": "2026-11"})).await;

    let summary = alice.get("/budgets/summary?month=2026-11").await;
    assert_eq!(summary.status, 200, "{}", summary.body);
    assert_eq!(
        summary.body,
        json!({
            "month": "2026-11",
            "categories": [
                {"category": "FOOD", "budget": "50.00", "spent": "0.30", "remaining": "49.70", "over": false},
                {"category": "DATA", "budget": "25.00", "spent": "30.00", "remaining": "-5.00", "over": true},
                {"category": "TRANSPORT", "budget": null, "spent": "4.50", "remaining": null, "over": false},
            ],
            "total_budget": "75.00",
            "total_spent": "34.80",
        })
    );
    let bobs = bob.get("/budgets/summary?month=2026-11").await;
    assert_eq!(bobs.body["total_spent"], "1000.00");
    assert_eq!(bobs.body["categories"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn another_users_items_are_not_found() {
    let app = TestApp::new().await;
    let (alice, bob) = (app.user().await, app.user().await);
    let expense = alice.create("/expenses", json!({"amount": 5, "category": "FOOD"})).await;
    let budget = alice.create("/budgets", json!({"amount": 5, "category": "FOOD"})).await;
    for path in [format!("/expenses/{}", id_of(&expense)), format!("/budgets/{}", id_of(&budget))] {
        assert_error(&bob.get(&path).await, 404, "not_found");
        assert_error(&bob.json("PATCH", &path, json!({"amount": 1})).await, 404, "not_found");
        assert_error(&bob.json("PUT", &path, json!({"amount": 1, "category": "DATA"})).await, 404, "not_found");
        assert_error(&bob.send(TestRequest::new("DELETE", &path)).await, 404, "not_found");
        assert_eq!(alice.get(&path).await.body["version"], 1, "untouched");
    }
    assert_eq!(bob.get("/expenses").await.body["results"], json!([]));
    assert_eq!(bob.get("/budgets").await.body["results"], json!([]));
}

/// DynamoDB filters after it reads: a filtered page keeps reading until it is full, within
/// a bounded number of queries; past that it answers short, and its cursor goes on.
#[tokio::test]
async fn filtered_pages_fill_up_within_a_bounded_read() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    for day in 1..=2 {
        alice.create("/expenses", json!({"amount": 1, "category": "FOOD", "date": format!("2026-01-{day:02}")})).await;
    }
    for day in 1..=10 {
        alice.create("/expenses", json!({"amount": 1, "category": "DATA", "date": format!("2026-02-{day:02}")})).await;
    }
    let page = alice.get("/expenses?category=FOOD&limit=2").await;
    let dates: Vec<&str> =
        page.body["results"].as_array().unwrap().iter().map(|e| e["date"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2026-01-02", "2026-01-01"], "read past the ten newer DATA expenses");
    assert_eq!(page.body["next_cursor"], Value::Null);

    // 8 queries of limit + 1 = 2 items read 16 of the 40 newer ones: a short page with a cursor.
    for day in 1..=28 {
        alice.create("/expenses", json!({"amount": 1, "category": "DATA", "date": format!("2026-03-{day:02}")})).await;
    }
    let first = alice.get("/expenses?category=FOOD&limit=1").await;
    assert_eq!(first.body["results"], json!([]));
    let mut cursor = first.body["next_cursor"].as_str().expect("a cursor to go on").to_owned();
    let mut found = Vec::new();
    for _ in 0..10 {
        let next = alice.get(&format!("/expenses?category=FOOD&limit=1&cursor={cursor}")).await;
        assert_eq!(next.status, 200, "{}", next.body);
        found.extend(next.body["results"].as_array().unwrap().iter().map(|e| e["date"].as_str().unwrap().to_owned()));
        match next.body["next_cursor"].as_str() {
            Some(next_cursor) => cursor = next_cursor.to_owned(),
            None => break,
        }
    }
    assert_eq!(found, ["2026-01-02", "2026-01-01"]);
}

#[tokio::test]
async fn a_repeated_keyed_create_keeps_one_budget_and_its_exact_amount() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    let keyed =
        |key: &str, body: Value| TestRequest::new("POST", "/budgets").header("idempotency-key", key).json(&body);
    let body = json!({"amount": "0.10", "category": "FOOD", "month": "2026-11"});
    let first = alice.send(keyed("food-nov", body.clone())).await;
    assert_eq!((first.status.as_u16(), &first.body["amount"]), (201, &json!("0.10")));
    let again = alice.send(keyed("food-nov", json!({"amount": 0.1, "category": "FOOD", "month": "2026-11"}))).await;
    // 0.1 is not the text "0.10": another request, though the same amount.
    assert_error(&again, 409, "conflict");
    let replay = alice.send(keyed("food-nov", body)).await;
    assert_eq!((replay.status.as_u16(), replay.header("idempotent-replayed")), (201, Some("true")));
    assert_eq!(replay.body, first.body);

    // The slot is still one budget's: another key is the slot's 409, and leaves no record.
    let other_key = alice.send(keyed("food-nov-2", json!({"amount": 5, "category": "FOOD", "month": "2026-11"}))).await;
    assert_error(&other_key, 409, "conflict");
    assert!(other_key.body["errors"]["non_field_errors"].is_array(), "{}", other_key.body);
    let moved = alice.send(keyed("food-nov-2", json!({"amount": 5, "category": "FOOD", "month": "2026-12"}))).await;
    assert_eq!((moved.status.as_u16(), moved.header("idempotent-replayed")), (201, None));

    let budgets = alice.get("/budgets").await.body["results"].as_array().unwrap().len();
    assert_eq!(budgets, 2);
    let owner = format!("UNIQUE#{}", alice.id);
    let expected = [
        (owner.clone(), "2026-11#FOOD".to_owned()),
        (owner.clone(), "2026-12#FOOD".to_owned()),
        (owner.clone(), "IDEMPOTENCY#food-nov".to_owned()),
        (owner, "IDEMPOTENCY#food-nov-2".to_owned()),
    ];
    assert_eq!(app.guards().await, expected);
}

#[tokio::test]
async fn the_router_serves_exactly_the_documented_methods() {
    let app = TestApp::new().await;
    assert_serves_exactly_the_documented_methods(&app.router, &finance::api::<DocumentOnly>().openapi()).await;
}
