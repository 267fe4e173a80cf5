//! The purge function against DynamoDB Local (fresh tables from template.yaml) and a stand-in
//! for the API Gateway Management API on 127.0.0.1 that records which connections it closed.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::delete;
use purge::{PurgeConfig, Purger};
use realtime::event::StreamBatch;
use serde_json::{Value, json};
use shared::accounts::user_key;
use shared::dynamo::Item;
use shared::ids::UserId;
use testkit::TestEnvironment;
use tokio::time::Instant;

/// Connections closed so far, and ids it refuses to close (answering 500).
#[derive(Clone, Default)]
struct Gateway {
    closed: Arc<Mutex<Vec<String>>>,
    broken: Arc<Mutex<HashSet<String>>>,
}

impl Gateway {
    async fn start(&self) -> String {
        let app = Router::new().route("/@connections/{id}", delete(close)).with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let address = listener.local_addr().expect("a bound address");
        tokio::spawn(async move { axum::serve(listener, app).await.expect("the stand-in gateway serves") });
        format!("http://{address}")
    }

    fn closed(&self) -> Vec<String> {
        let mut closed = self.closed.lock().unwrap().clone();
        closed.sort();
        closed
    }
}

async fn close(State(gateway): State<Gateway>, Path(id): Path<String>) -> StatusCode {
    if gateway.broken.lock().unwrap().contains(&id) {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    gateway.closed.lock().unwrap().push(id);
    StatusCode::NO_CONTENT
}

struct TestApp {
    purger: Purger,
    gateway: Gateway,
    environment: TestEnvironment,
}

/// The tables an account's things live in, by the variable naming them.
const TABLES: [&str; 7] = [
    "USERS_TABLE",
    "SESSIONS_TABLE",
    "CONNECTIONS_TABLE",
    "TASKS_TABLE",
    "EXPENSES_TABLE",
    "BUDGETS_TABLE",
    "MAIL_TABLE",
];

impl TestApp {
    async fn new(grace_seconds: u64) -> Self {
        let mut environment = TestEnvironment::new("purge").await;
        let gateway = Gateway::default();
        environment.set("WEBSOCKET_MANAGEMENT_ENDPOINT", &gateway.start().await);
        environment.set("LATE_WRITE_GRACE_SECONDS", &grace_seconds.to_string());
        let config = PurgeConfig::from_env(environment.env()).expect("valid test configuration");
        let management = realtime::push::client(&config.management).await;
        let purger = Purger::new(&config, environment.client.clone(), management);
        Self { purger, gateway, environment }
    }

    async fn put(&self, variable: &str, attributes: &[(&str, String)]) {
        let item: Item =
            attributes.iter().map(|(name, value)| ((*name).to_owned(), AttributeValue::S(value.clone()))).collect();
        let table = self.environment.table(variable);
        self.environment.client.put_item().table_name(table).set_item(Some(item)).send().await.unwrap();
    }

    /// What a user has after some use: sessions, connections, tasks (`tasks` of them), an
    /// idempotency record, expenses, budgets with a guard item, and the user's own items.
    async fn seed(&self, user: &UserId, tasks: usize) {
        let owner = user.to_string();
        let unique = format!("UNIQUE#{owner}");
        self.put("USERS_TABLE", &[("pk", user_key(user)), ("id", owner.clone())]).await;
        for id in ["s1", "s2"] {
            self.put("SESSIONS_TABLE", &[("owner", owner.clone()), ("id", format!("{id}-{owner}"))]).await;
        }
        for id in ["c1", "c2"] {
            self.put("CONNECTIONS_TABLE", &[("owner", owner.clone()), ("connection_id", format!("{id}-{owner}"))])
                .await;
        }
        for n in 0..tasks {
            self.put("TASKS_TABLE", &[("owner", owner.clone()), ("id", format!("task-{n:05}")), ("title", "t".into())])
                .await;
        }
        self.put(
            "TASKS_TABLE",
            &[("owner", unique.clone()), ("id", "IDEMPOTENCY#k1".into()), ("item_id", "task-1".into())],
        )
        .await;
        for n in 0..3 {
            let date_id = format!("2026-11-0{n}#e{n}");
            self.put("EXPENSES_TABLE", &[("owner", owner.clone()), ("id", format!("e{n}")), ("date_id", date_id)])
                .await;
        }
        self.put("BUDGETS_TABLE", &[("owner", owner.clone()), ("id", "b1".into()), ("month_id", "2026-11#b1".into())])
            .await;
        self.put("BUDGETS_TABLE", &[("owner", unique), ("id", "2026-11#food".into()), ("item_id", "b1".into())]).await;
        for id in ["MAIL#m1", "TOKEN#0123abcd"] {
            self.put("MAIL_TABLE", &[("owner", owner.clone()), ("id", id.into()), ("email", "a@example.com".into())])
                .await;
        }
    }

    /// Every item of every table that mentions `user`'s id anywhere.
    async fn traces_of(&self, user: &UserId) -> Vec<(String, Item)> {
        let id = user.to_string();
        let mut found = Vec::new();
        for variable in TABLES {
            let table = self.environment.table(variable);
            let mut start = None;
            loop {
                let page = self
                    .environment
                    .client
                    .scan()
                    .table_name(table)
                    .set_exclusive_start_key(start)
                    .send()
                    .await
                    .unwrap();
                for item in page.items.unwrap_or_default() {
                    let mentions = item.values().any(|value| matches!(value, AttributeValue::S(s) if s.contains(&id)));
                    if mentions {
                        found.push((variable.to_owned(), item));
                    }
                }
                start = page.last_evaluated_key;
                if start.is_none() {
                    break;
                }
            }
        }
        found
    }

    async fn handle(&self, records: Vec<Value>) -> Value {
        let batch: StreamBatch = serde_json::from_value(json!({ "Records": records })).expect("a stream batch");
        serde_json::to_value(self.purger.handle(&batch).await).unwrap()
    }

    /// The user item's removal as the users table's stream reports it, `age` seconds ago.
    fn removal(&self, user: &UserId, sequence: u64, age: i64) -> Value {
        stream_record(self.environment.table("USERS_TABLE"), "REMOVE", &user_key(user), sequence, age)
    }
}

fn stream_record(table: &str, event: &str, key: &str, sequence: u64, age: i64) -> Value {
    json!({
        "eventID": format!("event-{sequence}"),
        "eventName": event,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "eventSourceARN": format!("arn:aws:dynamodb:us-east-1:000000000000:table/{table}/stream/2026-12-04T00:00:00.000"),
        "dynamodb": {
            "ApproximateCreationDateTime": shared::clock::epoch_seconds(shared::clock::now()) - age,
            "Keys": {"pk": {"S": key}},
            "SequenceNumber": sequence.to_string(),
            "SizeBytes": 40,
            "StreamViewType": "KEYS_ONLY"
        }
    })
}

fn no_failures() -> Value {
    json!({"batchItemFailures": []})
}

fn failures_from(sequence: u64, count: u64) -> Value {
    let failed: Vec<Value> = (sequence..sequence + count).map(|s| json!({"itemIdentifier": s.to_string()})).collect();
    json!({ "batchItemFailures": failed })
}

#[tokio::test]
async fn a_deleted_account_leaves_nothing_in_any_table_and_its_connections_are_closed() {
    let app = TestApp::new(15).await;
    let (victim, bystander) = (UserId::generate(), UserId::generate());
    // 530 tasks: more than two pages of the purge's queries.
    app.seed(&victim, 530).await;
    app.seed(&bystander, 2).await;
    let users = app.environment.table("USERS_TABLE").to_owned();
    // The account itself was deleted by the auth function; its removal is on the stream.
    let client = &app.environment.client;
    client
        .delete_item()
        .table_name(&users)
        .set_key(Some(shared::dynamo::key("pk", user_key(&victim))))
        .send()
        .await
        .unwrap();

    let answer = app
        .handle(vec![
            stream_record(&users, "INSERT", &user_key(&bystander), 1, 60),
            stream_record(&users, "REMOVE", &format!("USERNAME#{victim}"), 2, 60),
            app.removal(&victim, 3, 60),
        ])
        .await;
    assert_eq!(answer, no_failures());
    assert_eq!(app.traces_of(&victim).await, vec![], "nothing of the deleted account is left");
    assert_eq!(app.gateway.closed(), vec![format!("c1-{victim}"), format!("c2-{victim}")]);
    // 1 user, 2 sessions, 2 connections, 2 + 1 tasks, 3 expenses, 1 + 1 budgets.
    assert_eq!(app.traces_of(&bystander).await.len(), 15, "the bystander keeps everything");

    // A record delivered again (a retry) finds nothing more to do.
    assert_eq!(app.handle(vec![app.removal(&victim, 3, 60)]).await, no_failures());
}

#[tokio::test]
async fn a_purge_that_cannot_finish_is_reported_and_resumes_where_it_stopped() {
    let app = TestApp::new(15).await;
    let (first, second) = (UserId::generate(), UserId::generate());
    app.seed(&first, 5).await;
    app.seed(&second, 5).await;

    // Out of time before it starts: nothing deleted, the purge says it is not done.
    let purged = app.purger.sweep(&first, Instant::now()).await.unwrap();
    assert_eq!(purged, shared::store::Purged::Partly { deleted: 0 });
    assert_eq!(app.traces_of(&first).await.len(), 18);

    // A connection that cannot be closed fails the second account's purge: the batch is reported
    // failed from its first deletion (no account of it has had its second sweep yet), so all of it
    // is delivered again; the first account's first sweep is done meanwhile.
    app.gateway.broken.lock().unwrap().insert(format!("c2-{second}"));
    let batch = || vec![app.removal(&first, 10, 60), app.removal(&second, 11, 60), app.removal(&second, 12, 60)];
    assert_eq!(app.handle(batch()).await, failures_from(10, 3));
    assert_eq!(app.traces_of(&first).await.into_iter().filter(|(table, _)| table != "USERS_TABLE").count(), 0);
    assert!(app.traces_of(&second).await.iter().any(|(table, _)| table == "TASKS_TABLE"));

    app.gateway.broken.lock().unwrap().clear();
    assert_eq!(app.handle(batch()).await, no_failures());
    let left: Vec<_> = app.traces_of(&second).await.into_iter().filter(|(table, _)| table != "USERS_TABLE").collect();
    assert_eq!(left, vec![]);
}

#[tokio::test]
async fn a_write_that_lands_just_after_the_deletion_is_purged_too() {
    let app = TestApp::new(2).await;
    let user = UserId::generate();
    app.seed(&user, 3).await;
    let late = async {
        // A request authenticated before the deletion, writing while the purge runs.
        tokio::time::sleep(Duration::from_millis(1000)).await;
        app.put("TASKS_TABLE", &[("owner", user.to_string()), ("id", "late-task".into())]).await;
    };
    let (answer, ()) = tokio::join!(app.handle(vec![app.removal(&user, 1, 0)]), late);
    assert_eq!(answer, no_failures());
    let left: Vec<_> = app.traces_of(&user).await.into_iter().filter(|(table, _)| table != "USERS_TABLE").collect();
    assert_eq!(left, vec![], "the second sweep, after the grace, takes the late write");
}
