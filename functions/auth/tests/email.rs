//! Email verification and password reset through the auth router, against DynamoDB Local. The
//! mails themselves are the mailer function's (its own tests); here a token is issued the way
//! the mailer issues it, and what the request path writes to the outbox is read back.

use auth::domain::{MailKind, MailToken};
use auth::store::MailStore;
use auth::store::mail::OutboxEntry;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};
use shared::dynamo::{self, from_item};
use shared::ids::UserId;
use testkit::{TestRequest, TestResponse, assert_error};

mod common;
use common::{PASSWORD, TestApp, str_of};

const NEW_PASSWORD: &str = "a brand new passphrase";

impl TestApp {
    fn mail(&self) -> MailStore {
        MailStore::new(self.client.clone(), &self.config.mail_table)
    }

    /// Registers `username` with `email` and returns their id.
    async fn user_with_email(&self, username: &str, email: &str) -> UserId {
        let response = self.register(username, Some(email)).await;
        assert_eq!(response.status, 201, "{}", response.body);
        str_of(&response.body["id"]).parse().unwrap()
    }

    /// A token as the mailer issues it: stored as its hash, sent (here: returned) in clear.
    async fn issue(&self, user: &UserId, kind: MailKind, email: &str) -> String {
        let token = MailToken::generate(user).unwrap();
        self.mail().issue_token(user, kind, email, token.hash()).await.unwrap();
        token.as_str().to_owned()
    }

    /// Every outbox entry under `owner` (a user id, or `ADDRESS#<email>`).
    async fn outbox(&self, owner: &str) -> Vec<OutboxEntry> {
        let items = self
            .client
            .query()
            .table_name(&self.config.mail_table)
            .key_condition_expression("#owner = :owner AND begins_with(id, :mail)")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_values(":owner", dynamo::string(owner))
            .expression_attribute_values(":mail", dynamo::string("MAIL#"))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .items
            .unwrap_or_default();
        items.into_iter().map(|item| from_item(item).unwrap()).collect()
    }

    async fn verify(&self, token: &str) -> TestResponse {
        self.post("/auth/email/verify", json!({"token": token})).await
    }

    async fn reset(&self, token: &str, new_password: &str) -> TestResponse {
        self.post("/auth/password/reset", json!({"token": token, "new_password": new_password})).await
    }

    async fn me(&self, access: &str) -> TestResponse {
        self.send(TestRequest::new("GET", "/auth/me").bearer(access)).await
    }

    async fn verify_directly(&self, user: &UserId, email: &str) {
        let token = self.issue(user, MailKind::EmailVerification, email).await;
        assert_eq!(self.verify(&token).await.status, 200);
    }
}

fn assert_token_error(response: &TestResponse, message: &str) {
    assert_error(response, 400, "invalid");
    assert_eq!(response.body["errors"]["token"], json!([message]), "{}", response.body);
}

#[tokio::test]
async fn an_email_is_unverified_and_asks_for_its_mail_in_the_registration_itself() {
    let app = TestApp::new().await;
    let response = app.register("wren", Some("Wren@Example.com")).await;
    assert_eq!(response.body["email_verified"], false, "{}", response.body);
    let id = str_of(&response.body["id"]);
    let outbox = app.outbox(&id).await;
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    assert_eq!((outbox[0].kind, outbox[0].email.as_str()), (MailKind::EmailVerification, "wren@example.com"));
    assert_eq!(outbox[0].status, None, "not sent yet: that is the mailer's");

    let without = app.register("yara", None).await;
    assert_eq!(without.body["email_verified"], false);
    assert!(app.outbox(&str_of(&without.body["id"])).await.is_empty());
    // A registration refused for a taken name asks for nothing either.
    assert_error(&app.register("WREN", Some("other@example.com")).await, 409, "conflict");
    assert_eq!(app.item_count(&app.config.mail_table).await, 1);
}

#[tokio::test]
async fn a_verification_token_verifies_its_address_once() {
    let app = TestApp::new().await;
    let user = app.user_with_email("xena", "xena@example.com").await;
    let token = app.issue(&user, MailKind::EmailVerification, "xena@example.com").await;

    let verified = app.verify(&token).await;
    assert_eq!(verified.status, 200, "{}", verified.body);
    assert_eq!((verified.body["email_verified"].clone(), verified.body["id"].clone()), (json!(true), json!(user)));
    let (access, _) = app.tokens("xena").await;
    assert_eq!(app.me(&access).await.body["email_verified"], true);
    assert_token_error(&app.verify(&token).await, "This link has been used already.");
}

#[tokio::test]
async fn tokens_are_refused_unless_unused_unexpired_of_their_kind_and_for_the_current_address() {
    let app = TestApp::new().await;
    let user = app.user_with_email("zoe", "zoe@example.com").await;
    let unknown_user = MailToken::generate(&UserId::generate()).unwrap();
    let never_issued = MailToken::generate(&user).unwrap();
    for token in ["", "abc", &"A".repeat(64), unknown_user.as_str(), never_issued.as_str()] {
        assert_token_error(&app.verify(token).await, "This link is not valid.");
    }
    let reset_token = app.issue(&user, MailKind::PasswordReset, "zoe@example.com").await;
    assert_token_error(&app.verify(&reset_token).await, "This link is not valid.");

    let expired = app.issue(&user, MailKind::EmailVerification, "zoe@example.com").await;
    let hash = MailToken::parse(&expired).unwrap().hash;
    app.client
        .update_item()
        .table_name(&app.config.mail_table)
        .key("owner", AttributeValue::S(user.to_string()))
        .key("id", AttributeValue::S(format!("TOKEN#{hash}")))
        .update_expression("SET expires_at = :past")
        .expression_attribute_values(":past", dynamo::number(1_000))
        .send()
        .await
        .unwrap();
    assert_token_error(&app.verify(&expired).await, "This link has expired; ask for a new one.");

    // A token sent to an address the account no longer has: the address changed since.
    let old_address = app.issue(&user, MailKind::EmailVerification, "zoe@example.com").await;
    let (access, _) = app.tokens("zoe").await;
    let changed = app
        .send(
            TestRequest::new("PATCH", "/auth/me")
                .bearer(&access)
                .json(&json!({"email": "zoe@example.org", "current_password": PASSWORD})),
        )
        .await;
    assert_eq!(changed.body["email_verified"], false, "{}", changed.body);
    assert_token_error(&app.verify(&old_address).await, "This link was sent to an address the account no longer has.");
    assert_eq!(app.me(&access).await.body["email_verified"], false, "nothing was verified");
    let outbox = app.outbox(&user.to_string()).await;
    assert_eq!(
        outbox.iter().map(|entry| entry.email.as_str()).collect::<Vec<_>>(),
        ["zoe@example.com", "zoe@example.org"],
        "the new address got its own verification mail"
    );
    let missing = app.post("/auth/email/verify", json!({})).await;
    assert_error(&missing, 400, "invalid");
    assert!(missing.body["errors"]["token"].is_array());
    assert_error(&app.post("/auth/email/verify", json!({"token": 5})).await, 400, "invalid");
}

#[tokio::test]
async fn a_changed_or_removed_email_is_unverified_again() {
    let app = TestApp::new().await;
    let user = app.user_with_email("abe", "abe@example.com").await;
    app.verify_directly(&user, "abe@example.com").await;
    let (access, _) = app.tokens("abe").await;
    let patch = |body: Value| app.send(TestRequest::new("PATCH", "/auth/me").bearer(&access).json(&body));

    let renamed = patch(json!({"username": "abel", "current_password": PASSWORD})).await;
    assert_eq!(renamed.body["email_verified"], true, "a new username keeps the address verified");
    let moved = patch(json!({"email": "abel@example.com", "current_password": PASSWORD})).await;
    assert_eq!(moved.body["email_verified"], false);
    app.verify_directly(&user, "abel@example.com").await;
    let removed = patch(json!({"email": null, "current_password": PASSWORD})).await;
    assert_eq!((removed.body["email"].clone(), removed.body["email_verified"].clone()), (Value::Null, json!(false)));
    assert_eq!(app.me(&access).await.body["email_verified"], false);
}

#[tokio::test]
async fn a_verification_mail_is_sent_again_only_to_an_unverified_address() {
    let app = TestApp::new().await;
    app.register("bea", None).await;
    let (access, _) = app.tokens("bea").await;
    let resend = || app.send(TestRequest::new("POST", "/auth/email/verification").bearer(&access));
    let none = resend().await;
    assert_error(&none, 400, "invalid");
    assert!(none.body["errors"]["email"].is_array(), "{}", none.body);

    let user = app.user_with_email("cal", "cal@example.com").await;
    let (access, _) = app.tokens("cal").await;
    let resend = || app.send(TestRequest::new("POST", "/auth/email/verification").bearer(&access));
    let again = resend().await;
    assert_eq!(again.status, 202, "{}", again.body);
    assert!(again.body["detail"].is_string());
    assert_eq!(app.outbox(&user.to_string()).await.len(), 2);
    app.verify_directly(&user, "cal@example.com").await;
    assert_error(&resend().await, 409, "conflict");
    assert_eq!(app.outbox(&user.to_string()).await.len(), 2);
    assert_error(&app.send(TestRequest::new("POST", "/auth/email/verification")).await, 401, "not_authenticated");
}

#[tokio::test]
async fn forgot_writes_one_request_whatever_the_address() {
    let app = TestApp::new().await;
    let user = app.user_with_email("dan", "dan@example.com").await;
    app.verify_directly(&user, "dan@example.com").await;
    app.user_with_email("eve", "eve@example.com").await;
    let mut answers = Vec::new();
    for address in ["Dan@Example.com", "eve@example.com", "nobody@example.com"] {
        let response = app.post("/auth/password/forgot", json!({"email": address})).await;
        assert_eq!(response.status, 202, "{}", response.body);
        answers.push(response.body);
        let owner = format!("ADDRESS#{}", address.to_lowercase());
        let outbox = app.outbox(&owner).await;
        assert_eq!(outbox.len(), 1, "{address}: {outbox:?}");
        assert_eq!(outbox[0].kind, MailKind::PasswordReset);
    }
    assert!(answers.windows(2).all(|pair| pair[0] == pair[1]), "{answers:?}");

    let before = app.item_count(&app.config.mail_table).await;
    for body in [json!({}), json!({"email": "not an address"}), json!({"email": 7}), json!({"email": null})] {
        let refused = app.post("/auth/password/forgot", body.clone()).await;
        assert_error(&refused, 400, "invalid");
        assert!(refused.body["errors"]["email"].is_array(), "{body}: {}", refused.body);
    }
    assert_eq!(app.item_count(&app.config.mail_table).await, before, "bad input writes nothing");
}

#[tokio::test]
async fn a_reset_sets_the_password_ends_every_session_and_clears_the_lockout() {
    let app = TestApp::new().await;
    let user = app.user_with_email("fay", "fay@example.com").await;
    app.verify_directly(&user, "fay@example.com").await;
    let (access, refresh) = app.tokens("fay").await;
    for _ in 0..3 {
        app.login("fay", "wrong password!").await;
    }
    assert_error(&app.login("fay", PASSWORD).await, 429, "throttled");
    let token = app.issue(&user, MailKind::PasswordReset, "fay@example.com").await;

    // Both problems at once, and nothing used up.
    let both = app.post("/auth/password/reset", json!({"token": "nope", "new_password": "12345678"})).await;
    assert_error(&both, 400, "invalid");
    assert!(both.body["errors"]["token"].is_array() && both.body["errors"]["new_password"].is_array(), "{}", both.body);
    let weak = app.reset(&token, "fay").await;
    assert_error(&weak, 400, "invalid");
    assert!(weak.body["errors"].get("token").is_none(), "{}", weak.body);
    let missing = app.post("/auth/password/reset", json!({})).await;
    assert!(missing.body["errors"]["token"].is_array() && missing.body["errors"]["new_password"].is_array());

    let reset = app.reset(&token, NEW_PASSWORD).await;
    assert_eq!(reset.status, 204, "{}", reset.body);
    assert_error(&app.me(&access).await, 401, "token_not_valid");
    assert_error(&app.post("/auth/refresh", json!({"refresh": refresh})).await, 401, "token_not_valid");
    assert_error(&app.login("fay", PASSWORD).await, 401, "invalid_credentials");
    assert_eq!(app.login("fay", NEW_PASSWORD).await.status, 200, "the lockout is cleared");
    assert_token_error(&app.reset(&token, "another new passphrase").await, "This link has been used already.");
    let verification = app.issue(&user, MailKind::EmailVerification, "fay@example.com").await;
    assert_token_error(&app.reset(&verification, "another new passphrase").await, "This link is not valid.");
}

#[tokio::test]
async fn a_reset_link_is_good_only_while_the_address_is_the_accounts() {
    let app = TestApp::new().await;
    let user = app.user_with_email("gus", "gus@example.com").await;
    let token = app.issue(&user, MailKind::PasswordReset, "gus@example.com").await;
    let (access, _) = app.tokens("gus").await;
    app.send(
        TestRequest::new("PATCH", "/auth/me")
            .bearer(&access)
            .json(&json!({"email": "gus@example.net", "current_password": PASSWORD})),
    )
    .await;
    assert_token_error(
        &app.reset(&token, NEW_PASSWORD).await,
        "This link was sent to an address the account no longer has.",
    );
    assert_eq!(app.login("gus", PASSWORD).await.status, 200, "the password is unchanged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_uses_of_one_token_have_one_winner() {
    let app = std::sync::Arc::new(TestApp::new().await);
    let user = app.user_with_email("hal", "hal@example.com").await;
    app.verify_directly(&user, "hal@example.com").await;
    let token = app.issue(&user, MailKind::PasswordReset, "hal@example.com").await;
    let mut racers = tokio::task::JoinSet::new();
    for i in 0..6 {
        let (app, token) = (app.clone(), token.clone());
        racers.spawn(async move { app.reset(&token, &format!("racing passphrase {i}")).await.status });
    }
    let statuses = racers.join_all().await;
    assert_eq!(statuses.iter().filter(|&&status| status == 204).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|&status| status == 204 || status == 400 || status == 409), "{statuses:?}");
}
