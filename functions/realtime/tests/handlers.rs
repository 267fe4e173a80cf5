//! Handler tests: the realtime function invoked in-process with WebSocket and DynamoDB
//! Streams events, against DynamoDB Local with fresh tables from template.yaml, posting to a
//! stand-in Management API on 127.0.0.1.

mod support;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};
use shared::clock;
use shared::ids::UserId;
use shared::jwt::{Claims, TokenService, TokenType};
use support::{TestApp, batch, keys_of, no_failures, record, websocket_event};

fn refused_with(answer: &Value, code: &str) {
    assert_eq!(answer["statusCode"], 401, "{answer}");
    assert_eq!(answer["headers"], json!({"content-type": "application/json"}), "{answer}");
    let body: Value = serde_json::from_str(answer["body"].as_str().expect("a body")).expect("a JSON body");
    assert_eq!(body["code"], code, "{body}");
    assert!(body["detail"].as_str().is_some_and(|detail| !detail.is_empty()), "{body}");
}

fn text(item: &shared::dynamo::Item, name: &str) -> String {
    match item.get(name) {
        Some(AttributeValue::S(text)) => text.clone(),
        other => panic!("{name} is not a string: {other:?}"),
    }
}

#[tokio::test]
async fn connect_with_a_valid_access_token_records_the_connection_with_a_ttl() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    let before = clock::epoch_seconds(clock::now());
    app.connect(&alice, "conn-alice-1").await;

    let records = app.connection_records().await;
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(text(record, "owner"), alice.id.to_string());
    assert_eq!(text(record, "connection_id"), "conn-alice-1");
    let Some(AttributeValue::N(expires_at)) = record.get("expires_at") else { panic!("no TTL: {record:?}") };
    let expires_at: i64 = expires_at.parse().unwrap();
    let lifetime = 2 * 3600 + 15 * 60;
    assert!((before + lifetime..=before + lifetime + 5).contains(&expires_at), "expires_at {expires_at}");
}

#[tokio::test]
async fn connect_refuses_missing_and_invalid_tokens_and_writes_nothing() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    let tokens = app.environment.tokens();
    let now = clock::epoch_seconds(clock::now());
    let claims = |token_type: TokenType, iat: i64, exp: i64| Claims {
        sub: alice.id,
        jti: shared::ids::new_id(),
        iat,
        nbf: iat,
        exp,
        iss: "taskmoney-api".into(),
        aud: "taskmoney-clients".into(),
        token_type,
        family: None,
        sid: Some("login".into()),
    };
    let expired = tokens.sign(&claims(TokenType::Access, now - 3600, now - 1800)).unwrap();
    let other_key = {
        let mut env = shared::config::Env::from_vars([
            ("JWT_SECRET", "another-secret-that-is-long-enough-0123456789"),
            ("JWT_ISSUER", "taskmoney-api"),
            ("JWT_AUDIENCE", "taskmoney-clients"),
        ]);
        TokenService::new(&shared::config::JwtSettings::from_env(&mut env))
            .sign(&claims(TokenType::Access, now, now + 600))
            .unwrap()
    };
    let refresh = tokens.issue_pair(alice.id, "login", clock::now()).unwrap().refresh;
    let unknown_user = tokens.issue_pair(UserId::generate(), "login", clock::now()).unwrap().access;
    let mut tampered = alice.token.clone();
    let last = if tampered.ends_with('A') { "B" } else { "A" };
    tampered.replace_range(tampered.len() - 1.., last);

    let cases = [
        (Value::Null, "not_authenticated"),
        (json!({}), "not_authenticated"),
        (json!({"token": ""}), "not_authenticated"),
        (json!({"token": "not-a-jwt"}), "token_not_valid"),
        (json!({"token": tampered}), "token_not_valid"),
        (json!({"token": other_key}), "token_not_valid"),
        (json!({"token": expired}), "token_not_valid"),
        (json!({"token": refresh}), "token_not_valid"),
        (json!({"token": unknown_user}), "token_not_valid"),
    ];
    for (index, (query, code)) in cases.into_iter().enumerate() {
        let answer = app.connect_with(&format!("conn-{index}"), query.clone()).await;
        refused_with(&answer, code);
    }
    assert!(app.connection_records().await.is_empty(), "a refused connection is never recorded");
}

#[tokio::test]
async fn disconnect_forgets_the_connection_and_default_only_answers() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    app.connect(&alice, "conn-1").await;
    app.connect(&alice, "conn-2").await;

    let answer = app.invoke(websocket_event("$default", "conn-1", Value::Null)).await;
    assert_eq!(answer, json!({"statusCode": 200}));
    assert_eq!(app.connection_records().await.len(), 2, "$default changes nothing");

    let answer = app.invoke(websocket_event("$disconnect", "conn-1", Value::Null)).await;
    assert_eq!(answer, json!({"statusCode": 200}));
    let left: Vec<String> = app.connection_records().await.iter().map(|r| text(r, "connection_id")).collect();
    assert_eq!(left, ["conn-2"]);

    let answer = app.invoke(websocket_event("$disconnect", "never-connected", Value::Null)).await;
    assert_eq!(answer, json!({"statusCode": 200}));
}

/// Creates, changes and deletes one item of a resource over HTTP, feeds each stored state to
/// the function as the stream record DynamoDB would write, and checks every event against
/// what GET answered.
async fn lifecycle(app: &TestApp, variable: &str, collection: &str, kind: &str, create: Value, patch: Value) {
    let alice = app.user().await;
    app.connect(&alice, "conn-alice").await;
    let arn = app.stream_arn(variable);
    let owner = alice.id.to_string();

    let created = app.http(&alice, "POST", collection, Some(create)).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let path = format!("{collection}/{id}");
    let first = app.stored(variable, &owner, &id).await;
    let answer = app.invoke(batch(vec![record(&arn, "INSERT", 1, &keys_of(&first), Some(&first), None)])).await;
    assert_eq!(answer, no_failures());
    let read = app.http(&alice, "GET", &path, None).await;
    assert_eq!(app.gateway.events_of("conn-alice"), [json!({"type": format!("{kind}.created"), kind: read.body})]);

    let patched = app.http(&alice, "PATCH", &path, Some(patch)).await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let second = app.stored(variable, &owner, &id).await;
    app.gateway.clear();
    let answer =
        app.invoke(batch(vec![record(&arn, "MODIFY", 2, &keys_of(&second), Some(&second), Some(&first))])).await;
    assert_eq!(answer, no_failures());
    let read = app.http(&alice, "GET", &path, None).await;
    assert_eq!(read.body["version"], 2);
    assert_eq!(app.gateway.events_of("conn-alice"), [json!({"type": format!("{kind}.updated"), kind: read.body})]);

    let deleted = app.http(&alice, "DELETE", &path, None).await;
    assert_eq!(deleted.status, 204);
    app.gateway.clear();
    let answer = app.invoke(batch(vec![record(&arn, "REMOVE", 3, &keys_of(&second), None, Some(&second))])).await;
    assert_eq!(answer, no_failures());
    assert_eq!(app.gateway.events_of("conn-alice"), [json!({"type": format!("{kind}.deleted"), kind: {"id": id}})]);
}

#[tokio::test]
async fn task_changes_become_events_equal_to_the_http_view() {
    let app = TestApp::new().await;
    let create = json!({"title": "Buy milk", "due_date": "2026-12-24", "priority": "high"});
    lifecycle(&app, "TASKS_TABLE", "/tasks", "task", create, json!({"completed": true})).await;
}

#[tokio::test]
async fn expense_changes_become_events_equal_to_the_http_view() {
    let app = TestApp::new().await;
    let create = json!({"amount": "12.5", "category": "FOOD", "date": "2026-11-20", "description": "lunch"});
    lifecycle(&app, "EXPENSES_TABLE", "/expenses", "expense", create, json!({"amount": 0.1})).await;
}

#[tokio::test]
async fn budget_changes_become_events_equal_to_the_http_view() {
    let app = TestApp::new().await;
    let create = json!({"amount": 300, "category": "DATA", "month": "2026-11"});
    lifecycle(&app, "BUDGETS_TABLE", "/budgets", "budget", create, json!({"description": "phone"})).await;
}

#[tokio::test]
async fn guard_items_and_other_tables_are_skipped() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    app.connect(&alice, "conn-alice").await;
    let created = app.http(&alice, "POST", "/budgets", Some(json!({"amount": 5, "category": "FOOD"}))).await;
    assert_eq!(created.status, 201, "{}", created.body);

    let table = app.environment.table("BUDGETS_TABLE");
    let items = app.environment.client.scan().table_name(table).send().await.unwrap().items.unwrap();
    let guard = items.iter().find(|item| text(item, "owner").starts_with("UNIQUE#")).expect("a guard item");
    let budgets = app.stream_arn("BUDGETS_TABLE");
    let task = items.iter().find(|item| !text(item, "owner").starts_with("UNIQUE#")).unwrap();
    let elsewhere = "arn:aws:dynamodb:us-east-1:000000000000:table/SomeOtherTable/stream/2026-11-23T10:15:30.123";
    let answer = app
        .invoke(batch(vec![
            record(&budgets, "INSERT", 1, &keys_of(guard), Some(guard), None),
            record(&budgets, "REMOVE", 2, &keys_of(guard), None, Some(guard)),
            record(elsewhere, "INSERT", 3, &keys_of(task), Some(task), None),
        ]))
        .await;
    assert_eq!(answer, no_failures());
    assert!(app.gateway.posts().is_empty(), "{:?}", app.gateway.posts());
}

#[tokio::test]
async fn events_reach_every_connection_of_the_owner_and_nobody_else() {
    let app = TestApp::new().await;
    let (alice, bob) = (app.user().await, app.user().await);
    app.connect(&alice, "alice-phone").await;
    app.connect(&alice, "alice-laptop").await;
    app.connect(&bob, "bob-phone").await;

    let created = app.http(&alice, "POST", "/tasks", Some(json!({"title": "mine"}))).await;
    let id = created.body["id"].as_str().unwrap();
    let item = app.stored("TASKS_TABLE", &alice.id.to_string(), id).await;
    let arn = app.stream_arn("TASKS_TABLE");
    let answer = app.invoke(batch(vec![record(&arn, "INSERT", 1, &keys_of(&item), Some(&item), None)])).await;
    assert_eq!(answer, no_failures());

    let mut receivers: Vec<String> = app.gateway.posts().into_iter().map(|(id, _)| id).collect();
    receivers.sort();
    assert_eq!(receivers, ["alice-laptop", "alice-phone"]);
    assert_eq!(app.gateway.events_of("alice-phone"), app.gateway.events_of("alice-laptop"));
}

#[tokio::test]
async fn a_gone_connection_is_forgotten_and_never_fails_the_batch() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    for connection in ["alive-1", "gone", "alive-2"] {
        app.connect(&alice, connection).await;
    }
    app.gateway.mark_gone("gone");

    let created = app.http(&alice, "POST", "/tasks", Some(json!({"title": "t"}))).await;
    let id = created.body["id"].as_str().unwrap();
    let item = app.stored("TASKS_TABLE", &alice.id.to_string(), id).await;
    let answer = app
        .invoke(batch(vec![record(&app.stream_arn("TASKS_TABLE"), "INSERT", 1, &keys_of(&item), Some(&item), None)]))
        .await;
    assert_eq!(answer, no_failures());
    assert_eq!(app.gateway.events_of("alive-1").len(), 1);
    assert_eq!(app.gateway.events_of("alive-2").len(), 1);
    assert!(app.gateway.events_of("gone").is_empty());
    let mut left: Vec<String> = app.connection_records().await.iter().map(|r| text(r, "connection_id")).collect();
    left.sort();
    assert_eq!(left, ["alive-1", "alive-2"], "the gone connection's record is deleted");
}

#[tokio::test]
async fn an_owners_connections_are_read_once_per_batch_and_a_gone_one_is_tried_once() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    for connection in ["alive", "gone"] {
        app.connect(&alice, connection).await;
    }
    app.gateway.mark_gone("gone");
    let owner = alice.id.to_string();
    let arn = app.stream_arn("TASKS_TABLE");
    let mut records = Vec::new();
    for sequence in 1..=3 {
        let created = app.http(&alice, "POST", "/tasks", Some(json!({"title": format!("t{sequence}")}))).await;
        let item = app.stored("TASKS_TABLE", &owner, created.body["id"].as_str().unwrap()).await;
        records.push(record(&arn, "INSERT", sequence, &keys_of(&item), Some(&item), None));
    }

    let (counted, calls) = app.counting();
    assert_eq!(counted.handle(batch(records)).await.expect("a handled batch"), no_failures());
    assert_eq!(app.gateway.events_of("alive").len(), 3);
    assert_eq!(app.gateway.posts_to_gone(), ["gone"], "no later change is posted to a connection found gone");
    let calls = calls.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(calls, 2, "one read of alice's connections and one delete of the gone one, not a read per record");
}

#[tokio::test]
async fn records_of_a_batch_arrive_in_order() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    app.connect(&alice, "conn").await;
    let owner = alice.id.to_string();
    let arn = app.stream_arn("TASKS_TABLE");

    let created = app.http(&alice, "POST", "/tasks", Some(json!({"title": "v1"}))).await;
    let id = created.body["id"].as_str().unwrap().to_owned();
    let v1 = app.stored("TASKS_TABLE", &owner, &id).await;
    let mut records = vec![record(&arn, "INSERT", 1, &keys_of(&v1), Some(&v1), None)];
    let mut previous = v1;
    for (sequence, title) in [(2, "v2"), (3, "v3"), (4, "v4")] {
        app.http(&alice, "PATCH", &format!("/tasks/{id}"), Some(json!({"title": title}))).await;
        let next = app.stored("TASKS_TABLE", &owner, &id).await;
        records.push(record(&arn, "MODIFY", sequence, &keys_of(&next), Some(&next), Some(&previous)));
        previous = next;
    }
    records.push(record(&arn, "REMOVE", 5, &keys_of(&previous), None, Some(&previous)));

    assert_eq!(app.invoke(batch(records)).await, no_failures());
    let seen: Vec<(String, Value)> = app
        .gateway
        .events_of("conn")
        .into_iter()
        .map(|event| (event["type"].as_str().unwrap().to_owned(), event["task"]["title"].clone()))
        .collect();
    assert_eq!(
        seen,
        [
            ("task.created".to_owned(), json!("v1")),
            ("task.updated".to_owned(), json!("v2")),
            ("task.updated".to_owned(), json!("v3")),
            ("task.updated".to_owned(), json!("v4")),
            ("task.deleted".to_owned(), Value::Null),
        ]
    );
}

#[tokio::test]
async fn unreadable_connections_fail_that_record_and_every_later_one() {
    // The function reads a connections table that does not exist: every read of it fails.
    let app = TestApp::with(|environment| environment.set("CONNECTIONS_TABLE", "no-such-connections-table")).await;
    let alice = app.user().await;
    let created = app.http(&alice, "POST", "/tasks", Some(json!({"title": "t"}))).await;
    let id = created.body["id"].as_str().unwrap();
    let item = app.stored("TASKS_TABLE", &alice.id.to_string(), id).await;
    let tasks = app.stream_arn("TASKS_TABLE");
    let elsewhere = "arn:aws:dynamodb:us-east-1:000000000000:table/SomeOtherTable/stream/x";

    let answer = app
        .invoke(batch(vec![
            record(elsewhere, "INSERT", 10, &keys_of(&item), Some(&item), None),
            record(&tasks, "INSERT", 11, &keys_of(&item), Some(&item), None),
            record(&tasks, "MODIFY", 12, &keys_of(&item), Some(&item), Some(&item)),
        ]))
        .await;
    assert_eq!(answer, json!({"batchItemFailures": [{"itemIdentifier": "11"}, {"itemIdentifier": "12"}]}));
    assert!(app.gateway.posts().is_empty());
}

#[tokio::test]
async fn an_event_of_another_shape_is_an_error() {
    let app = TestApp::new().await;
    assert!(app.app.handle(json!({"hello": "world"})).await.is_err());
}
