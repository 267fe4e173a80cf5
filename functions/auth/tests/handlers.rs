//! Handler tests: the auth router called in-process with API Gateway HTTP API events,
//! against DynamoDB Local with fresh tables made from template.yaml for every test.
//! Run by `local/test`, which starts DynamoDB Local and exports its endpoint.

use auth::store::revocations::RevocationStore;
use auth::{AppState, AuthConfig, api};
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};
use shared::config::Env;
use shared::dynamo::key;
use shared::http::DocumentOnly;
use shared::password::PasswordHasher;

mod common;
use common::{PASSWORD, TestApp, str_of};
use testkit::{TestRequest, assert_error, assert_serves_exactly_the_documented_methods, call};

#[tokio::test]
async fn register_stores_an_argon2id_hash_and_guard_items() {
    let app = TestApp::new().await;
    let response = app.register("Ann.Lee", Some("Ann@Example.com")).await;
    assert_eq!(response.status, 201, "{}", response.body);
    assert_eq!(response.header("location"), Some("/auth/me"));
    let body = &response.body;
    assert_eq!(body["username"], "Ann.Lee");
    assert_eq!(body["email"], "ann@example.com");
    assert!(body.get("password").is_none() && body.get("password_hash").is_none());
    let id = str_of(&body["id"]);
    assert_eq!(id.len(), 26, "a ULID");
    assert!(str_of(&body["created_at"]).ends_with('Z'));

    let user = app.user_item(&format!("USER#{id}")).await.expect("user item");
    let hash = user["password_hash"].as_s().unwrap();
    assert!(hash.starts_with(&current_phc_prefix()), "{hash}");
    assert!(!hash.contains(PASSWORD));
    let guard = app.user_item("USERNAME#ann.lee").await.expect("username guard");
    assert_eq!(guard["user_id"].as_s().unwrap(), &id);
    assert!(app.user_item("EMAIL#ann@example.com").await.is_some());
}

#[tokio::test]
async fn duplicates_are_conflicts_case_insensitively() {
    let app = TestApp::new().await;
    assert_eq!(app.register("bob", Some("bob@example.com")).await.status, 201);

    let same_name = app.register("BOB", None).await;
    assert_error(&same_name, 409, "conflict");
    assert!(same_name.body["errors"]["username"].is_array());

    let same_email = app.register("robert", Some("BOB@example.COM")).await;
    assert_error(&same_email, 409, "conflict");
    assert!(same_email.body["errors"]["email"].is_array());
    assert!(same_email.body["errors"].get("username").is_none());
    assert_eq!(app.item_count(&app.config.users_table).await, 3, "one user and two guards");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_registrations_have_one_winner() {
    let app = TestApp::new().await;
    let mut racers = tokio::task::JoinSet::new();
    for i in 0..20 {
        let router = app.router.clone();
        let body = json!({"username": "racer", "email": format!("racer{i}@example.com"), "password": PASSWORD});
        racers.spawn(async move { call(&router, TestRequest::new("POST", "/auth/register").json(&body)).await.status });
    }
    let statuses: Vec<u16> = racers.join_all().await.into_iter().map(|s| s.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 19, "{statuses:?}");
    // One user, its username guard and its email guard; the losers left nothing behind.
    assert_eq!(app.item_count(&app.config.users_table).await, 3);
}

#[tokio::test]
async fn invalid_registrations_change_nothing() {
    let app = TestApp::new().await;
    let cases = [
        (json!({"username": "ab", "password": PASSWORD}), "username"),
        (json!({"username": "has space", "password": PASSWORD}), "username"),
        (json!({"username": "ann@example.com", "password": PASSWORD}), "username"),
        (json!({"username": "x".repeat(151), "password": PASSWORD}), "username"),
        (json!({"password": PASSWORD}), "username"),
        (json!({"username": null, "password": PASSWORD}), "username"),
        (json!({"username": 42, "password": PASSWORD}), "username"),
        (json!({"username": "carol", "email": "", "password": PASSWORD}), "email"),
        (json!({"username": "carol", "email": "not-an-email", "password": PASSWORD}), "email"),
        (json!({"username": "carol", "password": "short"}), "password"),
        (json!({"username": "carol", "password": "12345678901"}), "password"),
        (json!({"username": "carol", "password": "password123"}), "password"),
        (json!({"username": "carol.smith", "password": "Carol.Smith"}), "password"),
        (json!({"username": "carol", "password": "x".repeat(129)}), "password"),
        (json!({"username": "carol"}), "password"),
        (json!({"username": "carol", "password": PASSWORD, "is_admin": true}), "is_admin"),
    ];
    for (body, field) in cases {
        let response = app.post("/auth/register", body.clone()).await;
        assert_error(&response, 400, "invalid");
        assert!(response.body["errors"][field].is_array(), "{body} -> {}", response.body);
    }
    assert_eq!(app.item_count(&app.config.users_table).await, 0);

    // Email may be absent or null.
    assert_eq!(
        app.post("/auth/register", json!({"username": "dave", "email": null, "password": PASSWORD})).await.status,
        201
    );
    assert_eq!(app.post("/auth/register", json!({"username": "erin", "password": PASSWORD})).await.status, 201);
}

#[tokio::test]
async fn body_rules_of_the_contract() {
    let app = TestApp::new().await;
    let request = || TestRequest::new("POST", "/auth/register");
    let text = app.send(request().header("content-type", "text/plain").raw_body("{}")).await;
    assert_error(&text, 415, "unsupported_media_type");
    let no_type = app.send(request().raw_body(r#"{"username":"x"}"#)).await;
    assert_error(&no_type, 415, "unsupported_media_type");
    let charset = app.send(request().header("content-type", "application/json; charset=utf-8").raw_body("{}")).await;
    assert_error(&charset, 400, "invalid");
    let malformed = app.send(request().header("content-type", "application/json").raw_body("{\"username\":")).await;
    assert_error(&malformed, 400, "parse_error");
    let array = app.send(request().json(&json!(["username"]))).await;
    assert_error(&array, 400, "parse_error");
    let huge = format!(r#"{{"username":"{}"}}"#, "x".repeat(64 * 1024));
    let too_large = app.send(request().header("content-type", "application/json").raw_body(&huge)).await;
    assert_error(&too_large, 413, "payload_too_large");
    assert_eq!(app.item_count(&app.config.users_table).await, 0);
}

#[tokio::test]
async fn a_body_that_is_not_utf8_is_a_parse_error() {
    let app = TestApp::new().await;
    for path in ["/auth/register", "/auth/login", "/auth/refresh", "/auth/verify", "/auth/logout"] {
        let request = TestRequest::new("POST", path)
            .header("content-type", "application/json")
            .bytes_body(b"{\"username\": \"\xff\xfe\", \"password\": \"\xc3\"}");
        assert_error(&app.send(request).await, 400, "parse_error");
    }
    assert_eq!(app.item_count(&app.config.users_table).await, 0);
}

#[tokio::test]
async fn routes_answer_json_404_and_405() {
    let app = TestApp::new().await;
    assert_error(&app.send(TestRequest::new("GET", "/nowhere")).await, 404, "not_found");
    let wrong_method = app.send(TestRequest::new("GET", "/auth/login")).await;
    assert_error(&wrong_method, 405, "method_not_allowed");
    assert!(wrong_method.header("allow").is_some_and(|allow| allow.contains("POST")));
    assert_serves_exactly_the_documented_methods(&app.router, &auth::api::<DocumentOnly>().openapi()).await;
}

#[tokio::test]
async fn login_by_username_or_email_and_me() {
    let app = TestApp::new().await;
    let registered = app.register("frank", Some("frank@example.com")).await.body;

    for name in ["frank", "FRANK", "Frank@Example.com"] {
        let response = app.login(name, PASSWORD).await;
        assert_eq!(response.status, 200, "{name}: {}", response.body);
        assert_eq!(response.body["token_type"], "Bearer");
        assert_eq!(response.body["expires_in"], 900);
        assert_eq!(response.body["refresh_expires_in"], 86_400);
        let me = app.send(TestRequest::new("GET", "/auth/me").bearer(&str_of(&response.body["access"]))).await;
        assert_eq!(me.status, 200);
        assert_eq!(me.body, registered);
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    let app = TestApp::new().await;
    app.register("grace", None).await;
    let wrong = app.login("grace", "not the password").await;
    let unknown = app.login("nobody-here", PASSWORD).await;
    let impossible = app.login("x", PASSWORD).await;
    for response in [&wrong, &unknown, &impossible] {
        assert_error(response, 401, "invalid_credentials");
    }
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.body, impossible.body);
}

#[tokio::test]
async fn repeated_failures_are_throttled_even_for_the_right_password() {
    let app = TestApp::new().await;
    app.register("heidi", None).await;
    for _ in 0..3 {
        assert_error(&app.login("heidi", "wrong password!").await, 401, "invalid_credentials");
    }
    for password in ["wrong password!", PASSWORD] {
        let throttled = app.login("HEIDI", password).await;
        assert_error(&throttled, 429, "throttled");
        let retry_after: u64 = throttled.header("retry-after").unwrap().parse().unwrap();
        assert!((1..=600).contains(&retry_after), "{retry_after}");
    }
    // Unknown names are throttled too, so throttling reveals nothing about existence.
    for _ in 0..3 {
        app.login("ghost", "whatever123").await;
    }
    assert_error(&app.login("ghost", "whatever123").await, 429, "throttled");
    // Another user is not affected.
    app.register("ivan", None).await;
    assert_eq!(app.login("ivan", PASSWORD).await.status, 200);
}

/// Attempts are counted before their password is checked, so a burst gets the checks that
/// sequential attempts get (LOGIN_MAX_FAILURES is 3 here), and the name is locked after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_wrong_passwords_gets_no_more_checks_than_the_limit() {
    let app = TestApp::new().await;
    app.register("judy", None).await;
    let mut attempts = tokio::task::JoinSet::new();
    for i in 0..24 {
        let router = app.router.clone();
        let body = json!({"username": "judy", "password": format!("wrong password {i}")});
        attempts.spawn(async move { call(&router, TestRequest::new("POST", "/auth/login").json(&body)).await.status });
    }
    let statuses: Vec<u16> = attempts.join_all().await.into_iter().map(|s| s.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 401).count(), 3, "password checks: {statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 21, "{statuses:?}");
    assert_error(&app.login("judy", PASSWORD).await, 429, "throttled");
}

#[tokio::test]
async fn a_success_resets_the_failure_count() {
    let app = TestApp::new().await;
    app.register("judy", None).await;
    for _ in 0..2 {
        app.login("judy", "wrong password!").await;
    }
    assert_eq!(app.login("judy", PASSWORD).await.status, 200);
    for _ in 0..2 {
        app.login("judy", "wrong password!").await;
    }
    assert_eq!(app.login("judy", PASSWORD).await.status, 200, "the earlier failures no longer count");
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_login() {
    let app = TestApp::new().await;
    app.register("mallory", None).await;
    let (_, first) = app.tokens("mallory").await;
    let (_, other_login) = app.tokens("mallory").await;

    let rotated = app.post("/auth/refresh", json!({"refresh": first})).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let second = str_of(&rotated.body["refresh"]);
    assert_ne!(second, first);
    let access = str_of(&rotated.body["access"]);
    assert_eq!(app.send(TestRequest::new("GET", "/auth/me").bearer(&access)).await.status, 200);

    // Replaying the used token fails and takes the newest token of that login with it.
    assert_error(&app.post("/auth/refresh", json!({"refresh": first})).await, 401, "token_not_valid");
    assert_error(&app.post("/auth/refresh", json!({"refresh": second})).await, 401, "token_not_valid");
    // Another login of the same user is untouched.
    assert_eq!(app.post("/auth/refresh", json!({"refresh": other_login})).await.status, 200);
}

#[tokio::test]
async fn revoked_tokens_carry_a_ttl_at_their_expiry() {
    let app = TestApp::new().await;
    app.register("niaj", None).await;
    let (_, refresh) = app.tokens("niaj").await;
    let info = app.post("/auth/verify", json!({"token": refresh})).await;
    assert_eq!(info.body["token_type"], "refresh");
    assert_eq!(app.post("/auth/logout", json!({"refresh": refresh})).await.status, 204);

    let items = app.client.scan().table_name(&app.config.revoked_tokens_table).send().await.unwrap().items.unwrap();
    assert_eq!(items.len(), 1);
    let expires_at: i64 = items[0]["expires_at"].as_n().unwrap().parse().unwrap();
    let payload = refresh.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&base64_url_decode(payload)).unwrap();
    assert_eq!(expires_at, claims["exp"].as_i64().unwrap());
    assert_eq!(items[0]["jti"].as_s().unwrap(), claims["jti"].as_str().unwrap());
}

fn base64_url_decode(input: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for byte in input.bytes() {
        let value = ALPHABET.iter().position(|&c| c == byte).expect("base64url") as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}

#[tokio::test]
async fn logout_then_refresh_fails_and_second_logout_is_401() {
    let app = TestApp::new().await;
    app.register("olivia", None).await;
    let (_, refresh) = app.tokens("olivia").await;
    assert_eq!(app.post("/auth/logout", json!({"refresh": refresh})).await.status, 204);
    assert_error(&app.post("/auth/refresh", json!({"refresh": refresh})).await, 401, "token_not_valid");
    assert_error(&app.post("/auth/logout", json!({"refresh": refresh})).await, 401, "token_not_valid");
    assert_error(&app.post("/auth/verify", json!({"token": refresh})).await, 401, "token_not_valid");
}

#[tokio::test]
async fn logout_ends_the_session_for_its_access_tokens_at_once() {
    let app = TestApp::new().await;
    app.register("oscar", None).await;
    let (access, refresh) = app.tokens("oscar").await;
    let (other_access, _) = app.tokens("oscar").await;
    let me = |token: &str| app.send(TestRequest::new("GET", "/auth/me").bearer(token));
    assert_eq!(me(&access).await.status, 200);
    assert_eq!(app.post("/auth/logout", json!({"refresh": refresh})).await.status, 204);
    assert_error(&me(&access).await, 401, "token_not_valid");
    assert_error(&app.post("/auth/verify", json!({"token": access})).await, 401, "token_not_valid");
    assert_eq!(me(&other_access).await.status, 200, "another session goes on");
}

#[tokio::test]
async fn sessions_are_listed_and_each_can_be_ended() {
    let app = TestApp::new().await;
    app.register("quinn", None).await;
    let login = |agent: String| {
        let request = TestRequest::new("POST", "/auth/login").header("user-agent", &agent);
        app.send(request.json(&json!({"username": "quinn", "password": PASSWORD})))
    };
    let phone = login("Phone/1.0".into()).await.body;
    let laptop = login("L".repeat(300)).await.body;
    let (phone_access, laptop_access) = (str_of(&phone["access"]), str_of(&laptop["access"]));
    let list = |token: &str| app.send(TestRequest::new("GET", "/auth/sessions").bearer(token));

    let listed = list(&phone_access).await;
    assert_eq!(listed.status, 200);
    let sessions = listed.body["results"].as_array().unwrap().clone();
    assert_eq!(sessions.len(), 2);
    let (newest, oldest) = (&sessions[0], &sessions[1]);
    assert_eq!(newest["user_agent"].as_str().unwrap().chars().count(), 200, "the laptop's, cut to 200");
    assert_eq!((oldest["user_agent"].as_str(), oldest["current"].as_bool()), (Some("Phone/1.0"), Some(true)));
    assert_eq!(newest["current"], false);
    assert_eq!(oldest["created_at"], oldest["last_used_at"]);
    for field in ["id", "created_at", "last_used_at", "expires_at", "user_agent", "current"] {
        assert!(newest.get(field).is_some(), "{field}");
    }

    // The phone ends the laptop's session: its access and refresh tokens stop at once.
    let laptop_id = str_of(&newest["id"]);
    let end =
        |token: &str, id: &str| app.send(TestRequest::new("DELETE", &format!("/auth/sessions/{id}")).bearer(token));
    assert_eq!(end(&phone_access, &laptop_id).await.status, 204);
    assert_error(&list(&laptop_access).await, 401, "token_not_valid");
    assert_error(&app.post("/auth/refresh", json!({"refresh": laptop["refresh"]})).await, 401, "token_not_valid");
    assert_eq!(list(&phone_access).await.body["results"].as_array().unwrap().len(), 1);
    assert_error(&end(&phone_access, &laptop_id).await, 404, "not_found");
    assert_error(&end(&phone_access, "not-a-session").await, 404, "not_found");

    // Another user's session is not found, and goes on.
    app.register("rita", None).await;
    let (rita, _) = app.tokens("rita").await;
    let phone_id = str_of(&oldest["id"]);
    assert_error(&end(&rita, &phone_id).await, 404, "not_found");
    assert_eq!(list(&phone_access).await.status, 200);
    assert_error(&app.send(TestRequest::new("GET", "/auth/sessions")).await, 401, "not_authenticated");
}

#[tokio::test]
async fn a_password_change_ends_every_earlier_session_and_opens_a_new_one() {
    let app = TestApp::new().await;
    app.register("sally", None).await;
    let (first, first_refresh) = app.tokens("sally").await;
    let (second, _) = app.tokens("sally").await;
    let change =
        |token: &str, body: Value| app.send(TestRequest::new("POST", "/auth/password").bearer(token).json(&body));
    let me = |token: &str| app.send(TestRequest::new("GET", "/auth/me").bearer(token));

    let wrong =
        change(&first, json!({"current_password": "not it at all", "new_password": "a brand new secret"})).await;
    assert_error(&wrong, 400, "invalid");
    assert_eq!(wrong.body["errors"]["current_password"], json!(["The password is not correct."]));
    let weak = change(&first, json!({"current_password": PASSWORD, "new_password": "12345678"})).await;
    assert_error(&weak, 400, "invalid");
    assert!(!weak.body["errors"]["new_password"].as_array().unwrap().is_empty());
    let same = change(&first, json!({"current_password": PASSWORD, "new_password": PASSWORD})).await;
    assert_error(&same, 400, "invalid");
    assert_eq!(me(&first).await.status, 200, "refused changes change nothing");

    let changed = change(&second, json!({"current_password": PASSWORD, "new_password": "a brand new secret"})).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    for token in [&first, &second] {
        assert_error(&me(token).await, 401, "token_not_valid");
    }
    assert_error(&app.post("/auth/refresh", json!({"refresh": first_refresh})).await, 401, "token_not_valid");
    assert_eq!(me(&str_of(&changed.body["access"])).await.status, 200, "the new session works");
    assert_error(&app.login("sally", PASSWORD).await, 401, "invalid_credentials");
    assert_eq!(app.login("sally", "a brand new secret").await.status, 200);
}

#[tokio::test]
async fn wrong_current_passwords_count_toward_the_login_throttle() {
    let app = TestApp::new().await;
    app.register("tess", None).await;
    let (access, _) = app.tokens("tess").await;
    for _ in 0..3 {
        let body = json!({"username": "tess2", "current_password": "wrong password!"});
        let response = app.send(TestRequest::new("PATCH", "/auth/me").bearer(&access).json(&body)).await;
        assert_error(&response, 400, "invalid");
    }
    let body = json!({"username": "tess2", "current_password": PASSWORD});
    let locked = app.send(TestRequest::new("PATCH", "/auth/me").bearer(&access).json(&body)).await;
    assert_error(&locked, 429, "throttled");
    assert_error(&app.login("tess", PASSWORD).await, 429, "throttled");
}

#[tokio::test]
async fn renaming_moves_the_guards_and_frees_the_old_names() {
    let app = TestApp::new().await;
    app.register("uma", Some("uma@example.com")).await;
    app.register("vera", Some("vera@example.com")).await;
    let (access, _) = app.tokens("uma").await;
    let patch = |body: Value| app.send(TestRequest::new("PATCH", "/auth/me").bearer(&access).json(&body));

    let taken = patch(json!({"username": "VERA", "current_password": PASSWORD})).await;
    assert_error(&taken, 409, "conflict");
    assert!(taken.body["errors"].get("username").is_some(), "{}", taken.body);
    let taken = patch(json!({"email": "Vera@Example.com", "current_password": PASSWORD})).await;
    assert_error(&taken, 409, "conflict");
    assert!(taken.body["errors"].get("email").is_some(), "{}", taken.body);
    assert_error(&patch(json!({"current_password": PASSWORD})).await, 400, "invalid");
    assert_error(&patch(json!({"username": "x"})).await, 400, "invalid");

    let renamed =
        patch(json!({"username": "Ursula", "email": "ursula@example.com", "current_password": PASSWORD})).await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(
        (str_of(&renamed.body["username"]), str_of(&renamed.body["email"])),
        ("Ursula".into(), "ursula@example.com".into())
    );
    assert_eq!(app.login("ursula@example.com", PASSWORD).await.status, 200);
    assert_error(&app.login("uma", PASSWORD).await, 401, "invalid_credentials");
    // The old names are free at once; the user has one username guard and one email guard.
    assert_eq!(app.register("uma", Some("uma@example.com")).await.status, 201);
    let removed = patch(json!({"email": null, "current_password": PASSWORD})).await;
    assert_eq!(removed.body["email"], Value::Null);
    assert_eq!(app.register("someone", Some("ursula@example.com")).await.status, 201);
    // Users: uma, vera, Ursula, someone; guards: 4 usernames and 3 emails.
    assert_eq!(app.item_count(&app.config.users_table).await, 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_renames_to_one_name_have_one_winner() {
    let app = TestApp::new().await;
    let mut racers = tokio::task::JoinSet::new();
    for i in 0..8 {
        let name = format!("racer{i}");
        app.register(&name, None).await;
        let (access, _) = app.tokens(&name).await;
        let router = app.router.clone();
        let body = json!({"username": "prize", "current_password": PASSWORD});
        racers.spawn(async move {
            call(&router, TestRequest::new("PATCH", "/auth/me").bearer(&access).json(&body)).await.status
        });
    }
    let statuses: Vec<u16> = racers.join_all().await.into_iter().map(|s| s.as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 7, "{statuses:?}");
    // 8 users and 8 username guards: the winner's old guard went as its new one came.
    assert_eq!(app.item_count(&app.config.users_table).await, 16);
}

#[tokio::test]
async fn logout_all_revokes_every_earlier_refresh_token() {
    let app = TestApp::new().await;
    app.register("peggy", None).await;
    let (access, first) = app.tokens("peggy").await;
    let (_, second) = app.tokens("peggy").await;
    let logout_all = app.send(TestRequest::new("POST", "/auth/logout-all").bearer(&access)).await;
    assert_eq!(logout_all.status, 204);
    for token in [&first, &second] {
        assert_error(&app.post("/auth/refresh", json!({"refresh": token})).await, 401, "token_not_valid");
    }
    assert_error(&app.send(TestRequest::new("GET", "/auth/me").bearer(&access)).await, 401, "token_not_valid");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let (_, fresh) = app.tokens("peggy").await;
    assert_eq!(app.post("/auth/refresh", json!({"refresh": fresh})).await.status, 200, "later logins work");
    assert_error(&app.send(TestRequest::new("POST", "/auth/logout-all")).await, 401, "not_authenticated");
}

#[tokio::test]
async fn tokens_are_only_accepted_as_their_own_type() {
    let app = TestApp::new().await;
    app.register("quinn", None).await;
    let (access, refresh) = app.tokens("quinn").await;
    assert_error(&app.send(TestRequest::new("GET", "/auth/me").bearer(&refresh)).await, 401, "token_not_valid");
    assert_error(&app.post("/auth/refresh", json!({"refresh": access})).await, 401, "token_not_valid");
    assert_error(&app.post("/auth/logout", json!({"refresh": access})).await, 401, "token_not_valid");
    let verified = app.post("/auth/verify", json!({"token": access})).await;
    assert_eq!(verified.status, 200);
    assert_eq!(verified.body["token_type"], "access");
    assert!(str_of(&verified.body["expires_at"]).ends_with('Z'));
    assert_error(&app.post("/auth/verify", json!({"token": "nope"})).await, 401, "token_not_valid");
    assert_error(&app.post("/auth/verify", json!({})).await, 400, "invalid");
    assert_error(&app.send(TestRequest::new("GET", "/auth/me")).await, 401, "not_authenticated");
}

#[tokio::test]
async fn deleting_the_account_ends_it_at_once_and_frees_its_names() {
    let app = TestApp::new().await;
    let id = str_of(&app.register("wanda", Some("wanda@example.com")).await.body["id"]);
    app.register("xena", None).await;
    let (access, refresh) = app.tokens("wanda").await;
    let (other_access, _) = app.tokens("wanda").await;
    let (bystander, _) = app.tokens("xena").await;
    let delete = |token: &str, body: Value| app.send(TestRequest::new("DELETE", "/auth/me").bearer(token).json(&body));

    let wrong = delete(&access, json!({"password": "not it at all"})).await;
    assert_error(&wrong, 400, "invalid");
    assert_eq!(wrong.body["errors"]["password"], json!(["The password is not correct."]));
    let missing = delete(&access, json!({})).await;
    assert_error(&missing, 400, "invalid");
    assert!(missing.body["errors"].get("password").is_some(), "{}", missing.body);
    assert_error(&delete(&access, json!({"password": 5})).await, 400, "invalid");
    assert!(app.user_item(&format!("USER#{id}")).await.is_some(), "refused deletions change nothing");

    let deleted = delete(&access, json!({"password": PASSWORD})).await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert!(app.user_item(&format!("USER#{id}")).await.is_none());
    for token in [&access, &other_access] {
        assert_error(&app.send(TestRequest::new("GET", "/auth/me").bearer(token)).await, 401, "token_not_valid");
    }
    assert_error(&app.post("/auth/refresh", json!({"refresh": refresh})).await, 401, "token_not_valid");
    assert_error(&app.login("wanda", PASSWORD).await, 401, "invalid_credentials");
    assert_error(&delete(&access, json!({"password": PASSWORD})).await, 401, "token_not_valid");
    // Both names are free at once; nothing else of the user is left in the users or sessions table.
    assert_eq!(app.register("Wanda", Some("WANDA@example.com")).await.status, 201);
    let sessions = app.client.scan().table_name(&app.config.api.identity.sessions_table).send().await.unwrap();
    assert!(sessions.items().iter().all(|item| item.get("owner") != Some(&AttributeValue::S(id.clone()))));
    assert_eq!(app.send(TestRequest::new("GET", "/auth/me").bearer(&bystander)).await.status, 200);
}

#[tokio::test]
async fn wrong_passwords_of_a_deletion_count_toward_the_login_throttle() {
    let app = TestApp::new().await;
    app.register("yuri", None).await;
    let (access, _) = app.tokens("yuri").await;
    let delete = |body: Value| app.send(TestRequest::new("DELETE", "/auth/me").bearer(&access).json(&body));
    for _ in 0..3 {
        assert_error(&delete(json!({"password": "wrong password!"})).await, 400, "invalid");
    }
    assert_error(&delete(json!({"password": PASSWORD})).await, 429, "throttled");
    assert_eq!(app.send(TestRequest::new("GET", "/auth/me").bearer(&access)).await.status, 200, "still there");
}

#[tokio::test]
async fn no_session_opens_for_an_account_deleted_meanwhile() {
    let app = TestApp::new().await;
    let id = str_of(&app.register("zoe", None).await.body["id"]);
    let state = AppState::new(&app.config, app.client.clone());
    let user: shared::ids::UserId = id.parse().unwrap();
    assert!(state.sessions.start(user, None).await.unwrap().is_some());
    app.client
        .delete_item()
        .table_name(&app.config.users_table)
        .set_key(Some(key("pk", format!("USER#{id}"))))
        .send()
        .await
        .unwrap();
    assert!(state.sessions.start(user, None).await.unwrap().is_none());
    assert_eq!(state.sessions.list(&user).await.unwrap().len(), 1, "only the session opened before");
}

#[tokio::test]
async fn a_deleted_user_cannot_use_or_refresh_tokens() {
    let app = TestApp::new().await;
    let id = str_of(&app.register("rupert", None).await.body["id"]);
    let (access, refresh) = app.tokens("rupert").await;
    app.client
        .delete_item()
        .table_name(&app.config.users_table)
        .set_key(Some(key("pk", format!("USER#{id}"))))
        .send()
        .await
        .unwrap();
    assert_error(&app.send(TestRequest::new("GET", "/auth/me").bearer(&access)).await, 401, "token_not_valid");
    assert_error(&app.post("/auth/refresh", json!({"refresh": refresh})).await, 401, "token_not_valid");
}

/// How a hash made with today's Argon2id settings begins.
fn current_phc_prefix() -> String {
    use shared::password::{ITERATIONS, MEMORY_KIB, PARALLELISM};
    format!("$argon2id$v=19$m={MEMORY_KIB},t={ITERATIONS},p={PARALLELISM}$")
}

#[tokio::test]
async fn login_upgrades_hashes_made_with_old_parameters() {
    let app = TestApp::new().await;
    let id = str_of(&app.register("sybil", None).await.body["id"]);
    let weak = PasswordHasher::new(8 * 1024, 1, 1).unwrap().hash_blocking(&PASSWORD.to_owned().into()).unwrap();
    app.client
        .update_item()
        .table_name(&app.config.users_table)
        .set_key(Some(key("pk", format!("USER#{id}"))))
        .update_expression("SET password_hash = :h")
        .expression_attribute_values(":h", AttributeValue::S(weak.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(app.login("sybil", PASSWORD).await.status, 200);
    let upgraded = app.user_item(&format!("USER#{id}")).await.unwrap()["password_hash"].as_s().unwrap().clone();
    assert_ne!(upgraded, weak);
    assert!(upgraded.starts_with(&current_phc_prefix()), "{upgraded}");
    assert_eq!(app.login("sybil", PASSWORD).await.status, 200, "the new hash verifies");
}

#[tokio::test]
async fn missing_configuration_is_reported_at_start() {
    let error = AuthConfig::from_env(Env::from_vars([("JWT_SECRET", "too-short")])).unwrap_err().to_string();
    for name in ["USERS_TABLE", "REVOKED_TOKENS_TABLE", "LOGIN_THROTTLE_TABLE", "JWT_SECRET", "JWT_ISSUER"] {
        assert!(error.contains(name), "{name} not named in: {error}");
    }
}

#[tokio::test]
async fn a_repeated_write_of_one_token_use_is_not_taken_for_reuse() {
    let app = TestApp::new().await;
    let store = RevocationStore::new(app.client.clone(), &app.config.revoked_tokens_table);
    let expires_at = time::OffsetDateTime::now_utc().unix_timestamp() + 600;
    // The SDK's retry of a write that went through carries the same use: still this use.
    assert!(store.record_use("jti-a", expires_at, "use-1").await.unwrap());
    assert!(store.record_use("jti-a", expires_at, "use-1").await.unwrap());
    // Any other use of the same token is a reuse.
    assert!(!store.record_use("jti-a", expires_at, "use-2").await.unwrap());
    assert!(store.revoke_token("jti-b", expires_at).await.unwrap());
    assert!(!store.revoke_token("jti-b", expires_at).await.unwrap());
}

/// GET /auth/me reads the session and the user in one call; an ended session is refused by that
/// one read. A refresh reads the account alongside using the token up, then moves the session on
/// with a write conditional on it: three calls, and a refresh of an ended session is refused by
/// that write.
#[tokio::test]
async fn me_reads_the_session_with_the_user_in_one_call() {
    let app = TestApp::new().await;
    assert_eq!(app.register("counted", None).await.status, 201);
    let (access, refresh) = app.tokens("counted").await;
    let (client, calls) = testkit::counting_client(&app.client);
    let router = api().serve(AppState::new(&app.config, client), &app.config.api.cors);
    let send = |request: TestRequest| {
        let (router, calls) = (router.clone(), calls.clone());
        async move {
            calls.store(0, std::sync::atomic::Ordering::SeqCst);
            let response = call(&router, request).await;
            (response, calls.load(std::sync::atomic::Ordering::SeqCst))
        }
    };
    let (me, reads) = send(TestRequest::new("GET", "/auth/me").bearer(&access)).await;
    assert_eq!((me.status.as_u16(), reads), (200, 1), "{}", me.body);
    assert_eq!(me.body["username"], "counted");
    let (rotated, rotation_calls) =
        send(TestRequest::new("POST", "/auth/refresh").json(&json!({"refresh": refresh}))).await;
    assert_eq!((rotated.status.as_u16(), rotation_calls), (200, 3), "{}", rotated.body);

    let new_access = str_of(&rotated.body["access"]);
    assert_eq!(send(TestRequest::new("POST", "/auth/logout-all").bearer(&new_access)).await.0.status, 204);
    let (refused, reads) = send(TestRequest::new("GET", "/auth/me").bearer(&new_access)).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!((refused.body["code"].as_str(), reads), (Some("token_not_valid"), 1));
    let (refused, calls) =
        send(TestRequest::new("POST", "/auth/refresh").json(&json!({"refresh": rotated.body["refresh"]}))).await;
    assert_eq!((refused.status.as_u16(), refused.body["code"].as_str(), calls), (401, Some("token_not_valid"), 3));
    let (replayed, _) =
        send(TestRequest::new("POST", "/auth/refresh").json(&json!({"refresh": rotated.body["refresh"]}))).await;
    assert_eq!(replayed.status, 401, "{}", replayed.body);
}
