//! Handler tests: the tasks router called in-process with API Gateway HTTP API events,
//! against DynamoDB Local with fresh tables made from template.yaml for every test.

use aws_sdk_dynamodb::types::AttributeValue;
use axum::Router;
use serde_json::{Value, json};
use shared::http::DocumentOnly;
use tasks::{AppState, TasksConfig, api};
use testkit::{
    TestEnvironment, TestRequest, TestResponse, assert_error, assert_serves_exactly_the_documented_methods, call,
};

struct TestApp {
    router: Router,
    environment: TestEnvironment,
}

/// A user of the app under test.
struct Caller<'a> {
    app: &'a TestApp,
    id: shared::ids::UserId,
    token: String,
}

impl TestApp {
    async fn new() -> Self {
        let environment = TestEnvironment::new("tasks").await;
        let config = TasksConfig::from_env(environment.env()).expect("valid test configuration");
        let router = api().serve(AppState::new(&config, environment.client.clone()), &config.api.cors);
        Self { router, environment }
    }

    async fn user(&self) -> Caller<'_> {
        let (id, token) = self.environment.user().await;
        Caller { app: self, id, token }
    }

    async fn item_count(&self) -> i32 {
        let table = self.environment.table("TASKS_TABLE");
        self.environment.client.scan().table_name(table).send().await.unwrap().count
    }
}

impl Caller<'_> {
    async fn send(&self, request: TestRequest) -> TestResponse {
        call(&self.app.router, request.bearer(&self.token)).await
    }

    async fn json(&self, method: &str, path: &str, body: Value) -> TestResponse {
        self.send(TestRequest::new(method, path).json(&body)).await
    }

    async fn create(&self, body: Value) -> Value {
        let response = self.json("POST", "/tasks", body).await;
        assert_eq!(response.status, 201, "{}", response.body);
        response.body
    }

    async fn post_with_key(&self, key: &str, body: Value) -> TestResponse {
        self.send(TestRequest::new("POST", "/tasks").header("idempotency-key", key).json(&body)).await
    }

    async fn task_ids(&self) -> Vec<String> {
        self.all_pages("/tasks").await.0
    }

    async fn get(&self, path: &str) -> TestResponse {
        self.send(TestRequest::new("GET", path)).await
    }

    /// Follows every cursor from `path` and returns the ids seen, page sizes too.
    async fn all_pages(&self, path: &str) -> (Vec<String>, Vec<usize>) {
        let (mut ids, mut sizes) = (Vec::new(), Vec::new());
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut next = path.to_owned();
        for _ in 0..100 {
            let page = self.get(&next).await;
            assert_eq!(page.status, 200, "{}", page.body);
            let results = page.body["results"].as_array().unwrap();
            sizes.push(results.len());
            ids.extend(results.iter().map(|task| task["id"].as_str().unwrap().to_owned()));
            match page.body["next_cursor"].as_str() {
                Some(cursor) => next = format!("{path}{separator}cursor={cursor}"),
                None => return (ids, sizes),
            }
        }
        panic!("more than 100 pages");
    }
}

fn id_of(task: &Value) -> String {
    task["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn create_applies_defaults_and_answers_location_and_etag() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    let response = alice.json("POST", "/tasks", json!({"title": "  Buy milk  "})).await;
    assert_eq!(response.status, 201, "{}", response.body);
    let task = &response.body;
    assert_eq!(response.header("location"), Some(format!("/tasks/{}", id_of(task)).as_str()));
    assert_eq!(response.header("etag"), Some("\"1\""));
    assert_eq!(task["title"], "Buy milk");
    assert_eq!(task["description"], "");
    assert_eq!(task["status"], "pending");
    assert_eq!(task["completed"], false);
    assert_eq!(task["due_date"], Value::Null);
    assert_eq!(task["priority"], "medium");
    assert_eq!(task["version"], 1);
    assert_eq!(task["created_at"], task["updated_at"]);
    assert!(task.get("owner").is_none(), "the owner is never shown");

    let read = alice.get(&format!("/tasks/{}", id_of(task))).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.header("etag"), Some("\"1\""));
    assert_eq!(&read.body, task);
}

#[tokio::test]
async fn put_replaces_everything_and_ignores_read_only_fields() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    let task = alice
        .create(json!({"title": "Plan", "description": "d", "priority": "high", "due_date": "2026-12-24", "status": "in_progress"}))
        .await;
    let path = format!("/tasks/{}", id_of(&task));

    let mut echoed = task.clone();
    echoed["title"] = json!("Plan v2");
    echoed["version"] = json!(99);
    echoed["created_at"] = json!("1999-01-01T00:00:00.000Z");
    let replaced = alice.json("PUT", &path, echoed).await;
    assert_eq!(replaced.status, 200, "{}", replaced.body);
    assert_eq!(replaced.body["title"], "Plan v2");
    assert_eq!(replaced.body["version"], 2);
    assert_eq!(replaced.body["created_at"], task["created_at"]);
    assert_eq!(replaced.header("etag"), Some("\"2\""));

    let defaults = alice.json("PUT", &path, json!({"title": "Only a title"})).await;
    assert_eq!(defaults.body["description"], "");
    assert_eq!(defaults.body["priority"], "medium");
    assert_eq!(defaults.body["status"], "pending");
    assert_eq!(defaults.body["due_date"], Value::Null);
    assert_eq!(defaults.body["version"], 3);

    assert_error(&alice.json("PUT", &path, json!({"description": "no title"})).await, 400, "invalid");
    assert_eq!(alice.get(&path).await.body["version"], 3, "a rejected PUT changes nothing");
}

#[tokio::test]
async fn patch_changes_only_what_is_sent() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    let task = alice.create(json!({"title": "Write", "description": "keep me", "due_date": "2026-12-01"})).await;
    let path = format!("/tasks/{}", id_of(&task));

    let patched = alice.json("PATCH", &path, json!({"completed": true})).await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(patched.body["status"], "completed");
    assert_eq!(patched.body["completed"], true);
    assert_eq!(patched.body["description"], "keep me");
    assert_eq!(patched.body["due_date"], "2026-12-01");

    let reopened = alice.json("PATCH", &path, json!({"completed": false, "due_date": null})).await;
    assert_eq!(reopened.body["status"], "pending");
    assert_eq!(reopened.body["due_date"], Value::Null);
    assert_eq!(reopened.body["version"], 3);

    for empty in [json!({}), json!({"id": "x", "version": 7, "created_at": "now"})] {
        assert_error(&alice.json("PATCH", &path, empty).await, 400, "invalid");
    }
    let disagreement = alice.json("PATCH", &path, json!({"status": "pending", "completed": true})).await;
    assert_error(&disagreement, 400, "invalid");
    assert!(disagreement.body["errors"]["completed"].is_array());
    assert_eq!(alice.get(&path).await.body["version"], 3, "rejected PATCHes change nothing");
}

#[tokio::test]
async fn if_match_guards_every_write() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    let task = alice.create(json!({"title": "Guarded"})).await;
    let path = format!("/tasks/{}", id_of(&task));
    let patch = |etag: &str| TestRequest::new("PATCH", &path).header("if-match", etag).json(&json!({"title": "New"}));

    assert_error(&alice.send(patch("\"7\"")).await, 412, "precondition_failed");
    assert_error(&alice.send(patch("garbage")).await, 412, "precondition_failed");
    assert_eq!(alice.get(&path).await.body["title"], "Guarded", "a stale If-Match writes nothing");

    let fresh = alice.send(patch("\"1\"")).await;
    assert_eq!(fresh.status, 200);
    assert_error(&alice.send(patch("\"1\"")).await, 412, "precondition_failed");
    assert_eq!(alice.send(patch("*")).await.status, 200);

    let stale_put = TestRequest::new("PUT", &path).header("if-match", "\"1\"").json(&json!({"title": "x"}));
    assert_error(&alice.send(stale_put).await, 412, "precondition_failed");
    let stale_delete = TestRequest::new("DELETE", &path).header("if-match", "\"1\"");
    assert_error(&alice.send(stale_delete).await, 412, "precondition_failed");
    assert_eq!(alice.get(&path).await.status, 200, "a stale DELETE deletes nothing");

    let delete = TestRequest::new("DELETE", &path).header("if-match", "\"3\"");
    assert_eq!(alice.send(delete).await.status, 204);
    assert_error(&alice.get(&path).await, 404, "not_found");
    let unknown = TestRequest::new("PATCH", &path).header("if-match", "\"3\"").json(&json!({"title": "x"}));
    assert_error(&alice.send(unknown).await, 404, "not_found");
    assert_error(&alice.send(TestRequest::new("DELETE", &path)).await, 404, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_patches_with_one_etag_have_one_winner() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    for round in 0..5 {
        let task = alice.create(json!({"title": format!("race {round}")})).await;
        let path = format!("/tasks/{}", id_of(&task));
        let mut racers = tokio::task::JoinSet::new();
        for contender in 0..2 {
            let router = app.router.clone();
            let request = TestRequest::new("PATCH", &path)
                .bearer(&alice.token)
                .header("if-match", "\"1\"")
                .json(&json!({"title": format!("winner {contender}")}));
            racers.spawn(async move { call(&router, request).await.status.as_u16() });
        }
        let mut statuses = racers.join_all().await;
        statuses.sort();
        assert_eq!(statuses, [200, 412], "round {round}");
        assert_eq!(alice.get(&path).await.body["version"], 2);
    }
}

/// Without `If-Match` nobody set a precondition, so a write that loses a race is applied
/// again to the newer task: every PATCH, PUT and DELETE of many racing writers wins.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_writes_without_if_match_all_win_and_none_is_lost() {
    const WRITERS: usize = 8;
    const ROUNDS: usize = 10;
    let app = TestApp::new().await;
    let alice = app.user().await;
    let task = alice.create(json!({"title": "contended"})).await;
    let path = format!("/tasks/{}", id_of(&task));
    let mut writers = tokio::task::JoinSet::new();
    for writer in 0..WRITERS {
        let (router, token, path) = (app.router.clone(), alice.token.clone(), path.clone());
        writers.spawn(async move {
            let mut answers = Vec::new();
            for round in 0..ROUNDS {
                let (method, body) = if round % 2 == 0 {
                    ("PATCH", json!({"description": format!("writer {writer} round {round}")}))
                } else {
                    ("PUT", json!({"title": format!("writer {writer} round {round}")}))
                };
                let response = call(&router, TestRequest::new(method, &path).bearer(&token).json(&body)).await;
                answers.push((method, response.status.as_u16(), response.body.to_string()));
            }
            answers
        });
    }
    let answers: Vec<_> = writers.join_all().await.into_iter().flatten().collect();
    let lost: Vec<_> = answers.iter().filter(|(_, status, _)| *status != 200).collect();
    assert!(lost.is_empty(), "{} of {} writes did not win: {lost:?}", lost.len(), answers.len());
    assert_eq!(alice.get(&path).await.body["version"], 1 + WRITERS * ROUNDS, "every write made one version");

    let mut deleters = tokio::task::JoinSet::new();
    for _ in 0..WRITERS {
        let (router, token, path) = (app.router.clone(), alice.token.clone(), path.clone());
        deleters.spawn(async move { call(&router, TestRequest::new("DELETE", &path).bearer(&token)).await.status });
    }
    let mut statuses: Vec<u16> = deleters.join_all().await.into_iter().map(|status| status.as_u16()).collect();
    statuses.sort();
    assert_eq!(statuses[0], 204, "one delete wins: {statuses:?}");
    assert!(statuses[1..].iter().all(|status| *status == 204 || *status == 404), "{statuses:?}");
    assert_eq!(app.item_count().await, 0);
}

#[tokio::test]
async fn pages_cover_every_task_once_newest_first() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    let mut created = Vec::new();
    for n in 0..45 {
        created.push(id_of(&alice.create(json!({"title": format!("task {n}")})).await));
    }
    let (ids, sizes) = alice.all_pages("/tasks?limit=10").await;
    assert_eq!(sizes, [10, 10, 10, 10, 5]);
    created.reverse();
    assert_eq!(ids, created, "each exactly once, newest first");

    let (ids, sizes) = alice.all_pages("/tasks").await;
    assert_eq!((ids.len(), sizes[0]), (45, 20), "default limit 20");
    let exact = alice.all_pages("/tasks?limit=15").await.1;
    assert_eq!(exact, [15, 15, 15], "no empty trailing page");
}

#[tokio::test]
async fn filters_narrow_the_list() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    let early = id_of(&alice.create(json!({"title": "early", "due_date": "2026-01-10", "priority": "high"})).await);
    let late = id_of(&alice.create(json!({"title": "late", "due_date": "2026-03-10", "status": "in_progress"})).await);
    let done = id_of(&alice.create(json!({"title": "done", "completed": true, "priority": "low"})).await);
    let undated = id_of(&alice.create(json!({"title": "undated"})).await);

    let cases: [(&str, Vec<&String>); 8] = [
        ("status=in_progress", vec![&late]),
        ("status=completed", vec![&done]),
        ("completed=true", vec![&done]),
        ("completed=false", vec![&undated, &late, &early]),
        ("priority=high", vec![&early]),
        ("due_before=2026-03-10", vec![&early]),
        ("due_after=2026-01-10", vec![&late]),
        ("due_after=2025-12-31&due_before=2026-12-31&priority=medium", vec![&late]),
    ];
    for (query, expected) in cases {
        let (ids, _) = alice.all_pages(&format!("/tasks?{query}&limit=2")).await;
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(ids, expected, "{query}");
    }
}

#[tokio::test]
async fn bad_list_parameters_are_named() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=abc", "limit"),
        ("status=done", "status"),
        ("completed=yes", "completed"),
        ("priority=urgent", "priority"),
        ("due_before=2026-02-30", "due_before"),
        ("due_after=tomorrow", "due_after"),
        ("cursor=not-a-cursor", "cursor"),
        ("cursor=", "cursor"),
        ("colour=red", "colour"),
        ("limit=5&limit=6", "limit"),
    ] {
        let response = alice.get(&format!("/tasks?{query}")).await;
        assert_error(&response, 400, "invalid");
        assert!(response.body["errors"][field].is_array(), "{query}: {}", response.body);
    }
}

#[tokio::test]
async fn nobody_reaches_another_users_tasks() {
    let app = TestApp::new().await;
    let (alice, mallory) = (app.user().await, app.user().await);
    for n in 0..3 {
        alice.create(json!({"title": format!("private {n}")})).await;
    }
    let first_page = alice.get("/tasks?limit=1").await;
    let cursor = first_page.body["next_cursor"].as_str().unwrap().to_owned();
    let path = format!("/tasks/{}", first_page.body["results"][0]["id"].as_str().unwrap());

    assert_error(&mallory.get(&path).await, 404, "not_found");
    assert_error(&mallory.json("PUT", &path, json!({"title": "mine"})).await, 404, "not_found");
    assert_error(&mallory.json("PATCH", &path, json!({"title": "mine"})).await, 404, "not_found");
    assert_error(&mallory.send(TestRequest::new("DELETE", &path)).await, 404, "not_found");
    let listed = mallory.get("/tasks").await;
    assert_eq!(listed.body["results"], json!([]));
    let stolen = mallory.get(&format!("/tasks?cursor={cursor}")).await;
    assert_error(&stolen, 400, "invalid");
    assert!(stolen.body["errors"]["cursor"].is_array());

    assert_eq!(alice.get(&path).await.body["version"], 1, "untouched");
    assert_eq!(app.item_count().await, 3);
}

#[tokio::test]
async fn malformed_ids_wrong_methods_and_missing_tokens() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    for path in ["/tasks/not-an-id", "/tasks/01ARZ3NDEKTSV4RRFFQ69G5FA", "/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV"] {
        assert_error(&alice.get(path).await, 404, "not_found");
    }
    let wrong = alice.send(TestRequest::new("POST", "/tasks/01ARZ3NDEKTSV4RRFFQ69G5FAV")).await;
    assert_error(&wrong, 405, "method_not_allowed");
    assert!(wrong.header("allow").is_some_and(|allow| allow.contains("PATCH")));
    assert_error(&alice.send(TestRequest::new("DELETE", "/tasks")).await, 405, "method_not_allowed");
    assert_error(&call(&app.router, TestRequest::new("GET", "/tasks")).await, 401, "not_authenticated");
    let forged = call(&app.router, TestRequest::new("GET", "/tasks").bearer("a.b.c")).await;
    assert_error(&forged, 401, "token_not_valid");
}

#[tokio::test]
async fn invalid_bodies_change_nothing() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    for (body, field) in [
        (json!({}), "title"),
        (json!({"title": null}), "title"),
        (json!({"title": 5}), "title"),
        (json!({"title": "x".repeat(201)}), "title"),
        (json!({"title": "t", "description": "x".repeat(5001)}), "description"),
        (json!({"title": "t", "description": null}), "description"),
        (json!({"title": "t", "status": "done"}), "status"),
        (json!({"title": "t", "priority": "urgent"}), "priority"),
        (json!({"title": "t", "due_date": "2026-02-30"}), "due_date"),
        (json!({"title": "t", "due_date": 20260101}), "due_date"),
        (json!({"title": "t", "completed": "yes"}), "completed"),
        (json!({"title": "t", "owner": "someone"}), "owner"),
    ] {
        let response = alice.json("POST", "/tasks", body.clone()).await;
        assert_error(&response, 400, "invalid");
        assert!(response.body["errors"][field].is_array(), "{body}: {}", response.body);
    }
    assert_error(&alice.send(TestRequest::new("POST", "/tasks").raw_body("{}")).await, 415, "unsupported_media_type");
    assert_eq!(app.item_count().await, 0);
}

#[tokio::test]
async fn a_signed_token_of_a_user_who_does_not_exist_is_refused_and_writes_nothing() {
    let app = TestApp::new().await;
    let stranger = shared::ids::UserId::generate();
    let pair = app.environment.tokens().issue_pair(stranger, "test-login", shared::clock::now()).unwrap();
    let create = TestRequest::new("POST", "/tasks").json(&json!({"title": "forged"})).bearer(&pair.access);
    assert_error(&call(&app.router, create).await, 401, "token_not_valid");
    assert_error(
        &call(&app.router, TestRequest::new("GET", "/tasks").bearer(&pair.access)).await,
        401,
        "token_not_valid",
    );
    assert_eq!(app.item_count().await, 0);
}

#[tokio::test]
async fn a_repeated_create_with_one_idempotency_key_makes_one_task_and_answers_the_first_again() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    let body = json!({"title": "pay rent", "priority": "high", "due_date": "2026-12-01"});
    let first = alice.post_with_key("rent-2026-12", body.clone()).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.header("idempotent-replayed"), None);

    // The same fields in another order, with read-only fields echoed, are the same request.
    let same = json!({"id": "ignored", "due_date": "2026-12-01", "priority": "high", "title": "pay rent"});
    let again = alice.post_with_key("rent-2026-12", same).await;
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("location"), first.header("location"));
    assert_eq!(again.header("etag"), Some("\"1\""));
    assert_eq!(alice.task_ids().await, [id_of(&first.body)]);

    // Later changes do not alter the replayed answer: it is the first one.
    let path = first.header("location").unwrap().to_owned();
    assert_eq!(alice.json("PATCH", &path, json!({"title": "rent paid"})).await.status, 200);
    let after_patch = alice.post_with_key("rent-2026-12", body.clone()).await;
    assert_eq!((after_patch.status.as_u16(), &after_patch.body), (201, &first.body));
    assert_eq!(alice.send(TestRequest::new("DELETE", &path)).await.status, 204);
    let after_delete = alice.post_with_key("rent-2026-12", body).await;
    assert_eq!((after_delete.status.as_u16(), &after_delete.body), (201, &first.body));
    assert!(alice.task_ids().await.is_empty());

    // Without a key, the same body is a new task every time.
    alice.create(json!({"title": "pay rent"})).await;
    alice.create(json!({"title": "pay rent"})).await;
    assert_eq!(alice.task_ids().await.len(), 2);
}

#[tokio::test]
async fn another_request_with_a_used_key_is_409_and_creates_nothing() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    let first = alice.post_with_key("k-1", json!({"title": "one"})).await;
    assert_eq!(first.status, 201);
    for other in [json!({"title": "two"}), json!({"title": "one", "priority": "low"})] {
        let response = alice.post_with_key("k-1", other).await;
        assert_error(&response, 409, "conflict");
        assert!(response.body["errors"]["Idempotency-Key"].is_array(), "{}", response.body);
    }
    assert_eq!(alice.task_ids().await, [id_of(&first.body)]);
}

#[tokio::test]
async fn keys_are_per_user_and_a_refused_request_leaves_its_key_unused() {
    let app = TestApp::new().await;
    let (alice, bob) = (app.user().await, app.user().await);
    let body = json!({"title": "same"});
    let from_alice = alice.post_with_key("shared-key", body.clone()).await;
    let from_bob = bob.post_with_key("shared-key", body).await;
    assert_eq!((from_alice.status.as_u16(), from_bob.status.as_u16()), (201, 201));
    assert_eq!(from_bob.header("idempotent-replayed"), None);
    assert_ne!(id_of(&from_alice.body), id_of(&from_bob.body));
    assert_eq!(bob.task_ids().await, [id_of(&from_bob.body)]);

    assert_error(&alice.post_with_key("fresh", json!({"title": ""})).await, 400, "invalid");
    let accepted = alice.post_with_key("fresh", json!({"title": "valid now"})).await;
    assert_eq!(accepted.status, 201);
    assert_eq!(accepted.header("idempotent-replayed"), None);
}

#[tokio::test]
async fn malformed_keys_are_400_and_create_nothing() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    let long = "k".repeat(256);
    for key in ["", "a b", "clé", long.as_str()] {
        let response = alice.post_with_key(key, json!({"title": "t"})).await;
        assert_eq!(response.status, 400, "{key:?}: {}", response.body);
        assert_error(&response, 400, "invalid");
        assert!(response.body["errors"]["Idempotency-Key"].is_array(), "{key:?}: {}", response.body);
    }
    let twice = TestRequest::new("POST", "/tasks")
        .header("idempotency-key", "a")
        .header("idempotency-key", "b")
        .json(&json!({"title": "t"}));
    assert_error(&alice.send(twice).await, 400, "invalid");
    assert_eq!(app.item_count().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creates_with_one_key_make_one_task() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    for round in 0..3 {
        let mut racers = tokio::task::JoinSet::new();
        for _ in 0..4 {
            let router = app.router.clone();
            let request = TestRequest::new("POST", "/tasks")
                .bearer(&alice.token)
                .header("idempotency-key", &format!("race-{round}"))
                .json(&json!({"title": format!("race {round}")}));
            racers.spawn(async move { call(&router, request).await });
        }
        let answers = racers.join_all().await;
        assert!(answers.iter().all(|answer| answer.status == 201), "round {round}");
        let ids: std::collections::BTreeSet<String> = answers.iter().map(|answer| id_of(&answer.body)).collect();
        assert_eq!(ids.len(), 1, "round {round}: one task for every answer");
        let firsts = answers.iter().filter(|answer| answer.header("idempotent-replayed").is_none()).count();
        assert_eq!(firsts, 1, "round {round}: one first answer, the others replays");
    }
    assert_eq!(alice.task_ids().await.len(), 3);
}

#[tokio::test]
async fn an_expired_key_counts_as_new() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    let body = json!({"title": "weekly review"});
    let first = alice.post_with_key("weekly", body.clone()).await;
    assert_eq!(first.status, 201);
    // TTL deletion is lazy: a record past its expiry may still be there, and must not count.
    app.environment
        .client
        .update_item()
        .table_name(app.environment.table("TASKS_TABLE"))
        .key("owner", AttributeValue::S(format!("UNIQUE#{}", alice.id)))
        .key("id", AttributeValue::S("IDEMPOTENCY#weekly".into()))
        .condition_expression("attribute_exists(id)")
        .update_expression("SET expires_at = :past")
        .expression_attribute_values(
            ":past",
            AttributeValue::N((shared::clock::epoch_seconds(shared::clock::now()) - 1).to_string()),
        )
        .send()
        .await
        .expect("the key's record exists");
    let second = alice.post_with_key("weekly", body.clone()).await;
    assert_eq!(second.status, 201);
    assert_eq!(second.header("idempotent-replayed"), None);
    assert_ne!(id_of(&second.body), id_of(&first.body));
    let third = alice.post_with_key("weekly", body).await;
    assert_eq!((third.header("idempotent-replayed"), id_of(&third.body)), (Some("true"), id_of(&second.body)));
    assert_eq!(alice.task_ids().await.len(), 2);
}

#[tokio::test]
async fn the_router_serves_exactly_the_documented_methods() {
    let app = TestApp::new().await;
    assert_serves_exactly_the_documented_methods(&app.router, &tasks::api::<DocumentOnly>().openapi()).await;
}

/// Authentication is one read: a request refused right after it (a malformed id is 404 before
/// any store call) makes exactly one DynamoDB call, and a list two. A request on one task reads
/// the session with the task, in one call: a GET is one call, a PATCH or DELETE two (with the
/// write), and the session's half still refuses a token of an ended session.
#[tokio::test]
async fn authentication_costs_one_read_per_request() {
    let app = TestApp::new().await;
    let alice = app.user().await;
    let id = alice.create(json!({"title": "counted"})).await["id"].as_str().unwrap().to_owned();
    let (client, calls) = testkit::counting_client(&app.environment.client);
    let config = TasksConfig::from_env(app.environment.env()).expect("valid test configuration");
    let router = api().serve(AppState::new(&config, client), &config.api.cors);
    let send = |request: TestRequest| {
        let (router, token, calls) = (router.clone(), alice.token.clone(), calls.clone());
        async move {
            calls.store(0, std::sync::atomic::Ordering::SeqCst);
            let status = call(&router, request.bearer(&token)).await.status.as_u16();
            (status, calls.load(std::sync::atomic::Ordering::SeqCst))
        }
    };
    let count = |path: String| send(TestRequest::new("GET", &path));
    assert_eq!(count("/tasks/not-an-id".into()).await, (404, 1), "authentication alone");
    assert_eq!(count(format!("/tasks/{id}")).await, (200, 1), "authentication and the read, batched");
    let missing = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
    assert_eq!(count(format!("/tasks/{missing}")).await, (404, 1), "a missing task, batched");
    assert_eq!(count("/tasks".into()).await.1, 2, "authentication and one page");
    let patch = TestRequest::new("PATCH", &format!("/tasks/{id}")).json(&json!({"title": "counted again"}));
    assert_eq!(send(patch).await, (200, 2), "the read with the session, then the write");
    let doomed = alice.create(json!({"title": "doomed"})).await["id"].as_str().unwrap().to_owned();
    assert_eq!(send(TestRequest::new("DELETE", &format!("/tasks/{doomed}"))).await, (204, 2), "read, then delete");

    let sessions = app.environment.table("SESSIONS_TABLE");
    let ended = app.environment.client.scan().table_name(sessions).send().await.unwrap().items.unwrap_or_default();
    for session in ended {
        let key = ["owner", "id"].map(|name| (name.to_owned(), session[name].clone()));
        app.environment.client.delete_item().table_name(sessions).set_key(Some(key.into())).send().await.unwrap();
    }
    assert_eq!(count(format!("/tasks/{id}")).await, (401, 1), "the session ended: refused, item or not");
    let patch = TestRequest::new("PATCH", &format!("/tasks/{id}")).json(&json!({"title": "too late"}));
    assert_eq!(send(patch).await, (401, 1), "no write after the refusal");
    assert_eq!(send(TestRequest::new("DELETE", &format!("/tasks/{id}"))).await, (401, 1), "no delete either");
    assert_eq!(count(format!("/tasks/{missing}")).await, (401, 1), "401 before 404");
    assert_eq!(count("/tasks/not-an-id".into()).await, (401, 1), "401 before a malformed id's 404");
}
