//! Browser clients: the refresh token in an `HttpOnly` cookie when, and only when, a request
//! says `X-Token-Transport: cookie`; CORS with credentials for the configured origins only.

use serde_json::{Value, json};
use testkit::{TestRequest, TestResponse, assert_error};

mod common;
use common::{PASSWORD, TestApp, str_of};

const ORIGIN: &str = "http://localhost:3000"; // the test environment's CORS_ALLOWED_ORIGINS

fn cookie_mode(method: &str, path: &str, body: &Value) -> TestRequest {
    TestRequest::new(method, path).header("x-token-transport", "cookie").json(body)
}

/// The `refresh_token` value a response sets, and the whole Set-Cookie line.
fn set_cookie(response: &TestResponse) -> (String, String) {
    let line = response.header("set-cookie").unwrap_or_else(|| panic!("no Set-Cookie: {:?}", response.headers));
    let value = line.strip_prefix("refresh_token=").and_then(|rest| rest.split(';').next()).unwrap_or_default();
    (value.to_owned(), line.to_owned())
}

impl TestApp {
    async fn cookie_login(&self, username: &str) -> (TestResponse, String) {
        let response =
            self.send(cookie_mode("POST", "/auth/login", &json!({"username": username, "password": PASSWORD}))).await;
        assert_eq!(response.status, 200, "{}", response.body);
        let (token, _) = set_cookie(&response);
        (response, token)
    }
}

#[tokio::test]
async fn a_cookie_login_sets_the_cookie_and_leaves_the_refresh_token_out_of_the_body() {
    let app = TestApp::new().await;
    app.register("ivy", None).await;
    let (response, token) = app.cookie_login("ivy").await;
    assert!(response.body.get("refresh").is_none(), "{}", response.body);
    assert!(response.body["access"].is_string() && response.body["refresh_expires_in"] == 86_400);
    let (_, line) = set_cookie(&response);
    assert_eq!(line, format!("refresh_token={token}; HttpOnly; Secure; SameSite=Strict; Path=/auth; Max-Age=86400"));
    assert_eq!(token.split('.').count(), 3, "a JWT");
    // Without the header, the body has the token and no cookie is set.
    let plain = app.login("ivy", PASSWORD).await;
    assert!(plain.body["refresh"].is_string() && plain.header("set-cookie").is_none());
}

#[tokio::test]
async fn refresh_reads_and_rotates_the_cookie_and_logout_clears_it() {
    let app = TestApp::new().await;
    app.register("jon", None).await;
    let (_, first) = app.cookie_login("jon").await;
    let refresh = |token: &str| {
        app.send(cookie_mode("POST", "/auth/refresh", &json!({})).cookie(&format!("refresh_token={token}")))
    };
    let rotated = refresh(&first).await;
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    assert!(rotated.body.get("refresh").is_none());
    let (second, _) = set_cookie(&rotated);
    assert_ne!(second, first);
    let access = str_of(&rotated.body["access"]);
    assert_eq!(app.send(TestRequest::new("GET", "/auth/me").bearer(&access)).await.status, 200);

    // The rotated-away cookie replayed ends the whole login, as a replayed body token does.
    assert_error(&refresh(&first).await, 401, "token_not_valid");
    assert_error(&refresh(&second).await, 401, "token_not_valid");

    let (_, third) = app.cookie_login("jon").await;
    let logout =
        app.send(cookie_mode("POST", "/auth/logout", &json!({})).cookie(&format!("refresh_token={third}"))).await;
    assert_eq!(logout.status, 204, "{}", logout.body);
    let (value, line) = set_cookie(&logout);
    assert_eq!((value.as_str(), line.ends_with("Max-Age=0")), ("", true), "{line}");
    assert_error(&refresh(&third).await, 401, "token_not_valid");
}

#[tokio::test]
async fn the_cookie_counts_only_with_the_header() {
    let app = TestApp::new().await;
    app.register("kim", None).await;
    let (_, token) = app.cookie_login("kim").await;
    let cookie = format!("refresh_token={token}");

    // A cross-site form could send the cookie, never the header: without it the cookie is ignored.
    let without = app.send(TestRequest::new("POST", "/auth/refresh").json(&json!({})).cookie(&cookie)).await;
    assert_error(&without, 400, "invalid");
    assert!(without.body["errors"]["refresh"].is_array());
    let logout = app.send(TestRequest::new("POST", "/auth/logout").json(&json!({})).cookie(&cookie)).await;
    assert_error(&logout, 400, "invalid");
    // No cookie at all in cookie transport: not authenticated.
    assert_error(&app.send(cookie_mode("POST", "/auth/refresh", &json!({}))).await, 401, "not_authenticated");
    // Only `cookie` is a transport.
    let odd =
        app.send(TestRequest::new("POST", "/auth/refresh").header("x-token-transport", "body").json(&json!({}))).await;
    assert_error(&odd, 400, "invalid");
    assert!(odd.body["errors"]["X-Token-Transport"].is_array(), "{}", odd.body);
    // The cookie was never used: it still refreshes.
    assert_eq!(app.send(cookie_mode("POST", "/auth/refresh", &json!({})).cookie(&cookie)).await.status, 200);
}

#[tokio::test]
async fn session_ending_answers_clear_the_cookie_and_a_password_change_sets_a_new_one() {
    let app = TestApp::new().await;
    app.register("lee", None).await;
    let (login, _) = app.cookie_login("lee").await;
    let access = str_of(&login.body["access"]);
    let changed = app
        .send(
            cookie_mode(
                "POST",
                "/auth/password",
                &json!({"current_password": PASSWORD, "new_password": "another good passphrase"}),
            )
            .bearer(&access),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert!(changed.body.get("refresh").is_none() && !set_cookie(&changed).0.is_empty());

    let access = str_of(&changed.body["access"]);
    let ended = app.send(cookie_mode("POST", "/auth/logout-all", &json!({})).bearer(&access)).await;
    assert_eq!(ended.status, 204);
    assert!(set_cookie(&ended).1.ends_with("Max-Age=0"));
    let plain = app.send(TestRequest::new("POST", "/auth/logout-all").bearer(&access)).await;
    assert_error(&plain, 401, "token_not_valid");
}

#[tokio::test]
async fn credentials_are_allowed_for_the_configured_origin_only() {
    let app = TestApp::new().await;
    let preflight = |origin: &str| {
        app.send(
            TestRequest::new("OPTIONS", "/auth/refresh")
                .header("origin", origin)
                .header("access-control-request-method", "POST")
                .header("access-control-request-headers", "content-type,x-token-transport"),
        )
    };
    let allowed = preflight(ORIGIN).await;
    assert_eq!(allowed.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(allowed.header("access-control-allow-credentials"), Some("true"));
    assert!(allowed.header("access-control-allow-headers").unwrap_or_default().contains("x-token-transport"));
    let other = preflight("https://evil.example").await;
    assert_eq!(other.header("access-control-allow-origin"), None);
}
