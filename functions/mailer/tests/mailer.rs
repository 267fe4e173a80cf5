//! The mailer against DynamoDB Local (fresh tables from template.yaml), with the outbox written
//! by the auth function's own code, and a stand-in for SES v2 on 127.0.0.1 that keeps what it is
//! sent, refuses mail to `reject.invalid` and is unavailable for `unavailable.invalid`.

use std::sync::{Arc, Mutex};

use auth::domain::{Email, MailKind, Registration};
use auth::store::mail::{MailStatus, OutboxEntry};
use auth::{AppState, AuthConfig};
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use mailer::{Mailer, MailerConfig};
use realtime::event::StreamBatch;
use secrecy::SecretString;
use serde_json::{Value, json};
use shared::FieldErrors;
use shared::dynamo::{self, from_item};
use shared::ids::UserId;
use testkit::TestEnvironment;

const PASSWORD: &str = "correct horse battery";
const FRONTEND: &str = "https://app.test";

/// A mail as the stand-in was sent it: (to, subject, text, html).
type Sent = (String, String, String, String);

#[derive(Clone, Default)]
struct Ses {
    sent: Arc<Mutex<Vec<Sent>>>,
}

impl Ses {
    async fn start(&self) -> String {
        let app = Router::new().route("/v2/email/outbound-emails", post(send_email)).with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let address = listener.local_addr().expect("a bound address");
        tokio::spawn(async move { axum::serve(listener, app).await.expect("the stand-in serves") });
        format!("http://{address}")
    }

    fn sent_to(&self, address: &str) -> Vec<Sent> {
        self.sent.lock().unwrap().iter().filter(|(to, ..)| to == address).cloned().collect()
    }
}

async fn send_email(State(ses): State<Ses>, Json(request): Json<Value>) -> Response {
    let to = request["Destination"]["ToAddresses"][0].as_str().unwrap_or_default().to_owned();
    let error = |status: StatusCode, kind: &'static str| {
        (status, [("x-amzn-ErrorType", kind)], Json(json!({"message": kind}))).into_response()
    };
    if to.ends_with("@reject.invalid") {
        return error(StatusCode::BAD_REQUEST, "MessageRejected");
    }
    if to.ends_with("@unavailable.invalid") {
        return error(StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable");
    }
    let simple = &request["Content"]["Simple"];
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    ses.sent.lock().unwrap().push((
        to,
        text(&simple["Subject"]["Data"]),
        text(&simple["Body"]["Text"]["Data"]),
        text(&simple["Body"]["Html"]["Data"]),
    ));
    Json(json!({"MessageId": format!("message-{}", ses.sent.lock().unwrap().len())})).into_response()
}

struct TestApp {
    mailer: Mailer,
    ses: Ses,
    auth: AppState,
    environment: TestEnvironment,
    sequence: Mutex<u64>,
}

impl TestApp {
    async fn new() -> Self {
        let mut environment = TestEnvironment::new("mailer").await;
        let ses = Ses::default();
        let endpoint = ses.start().await;
        environment.set("MAIL_FROM_ADDRESS", "no-reply@app.test");
        environment.set("FRONTEND_URL", FRONTEND);
        environment.set("MAIL_MAX_ATTEMPTS", "2");
        environment.set("MAIL_HOURLY_LIMIT", "3");
        let config = MailerConfig::from_env(environment.env()).expect("valid mailer configuration");
        let sdk = shared::aws::sdk_config(&config.ses_bounds).await;
        let client =
            aws_sdk_sesv2::Client::from_conf(aws_sdk_sesv2::config::Builder::from(&sdk).endpoint_url(endpoint).build());
        let mailer = Mailer::new(&config, environment.client.clone(), client);
        let auth_config = AuthConfig::from_env(environment.env()).expect("valid auth configuration");
        let auth = AppState::new(&auth_config, environment.client.clone());
        Self { mailer, ses, auth, environment, sequence: Mutex::new(0) }
    }

    async fn register(&self, username: &str, email: &str) -> UserId {
        let registration = Registration::parse(
            Some(username.to_owned()),
            Some(email.to_owned()),
            Some(SecretString::from(PASSWORD)),
            FieldErrors::new(),
        )
        .expect("a valid registration");
        self.auth.accounts.register(registration).await.expect("registered").id
    }

    async fn forgot(&self, email: &str) {
        self.auth.emails.forgot(&Email::parse(email).unwrap()).await.unwrap();
    }

    /// Every outbox entry under `owner`, oldest first.
    async fn outbox(&self, owner: &str) -> Vec<OutboxEntry> {
        let table = self.environment.table("MAIL_TABLE");
        let items = dynamo::partition(&self.environment.client, table, "owner", owner, false).await.unwrap();
        items.into_iter().filter_map(|item| from_item::<OutboxEntry>(item).ok()).collect()
    }

    /// The stream record of an outbox entry's insertion.
    fn inserted(&self, entry: &OutboxEntry) -> Value {
        let mut sequence = self.sequence.lock().unwrap();
        *sequence += 1;
        let table = self.environment.table("MAIL_TABLE");
        json!({
            "eventID": format!("event-{sequence}"),
            "eventName": "INSERT",
            "eventVersion": "1.1",
            "eventSource": "aws:dynamodb",
            "awsRegion": "us-east-1",
            "eventSourceARN": format!("arn:aws:dynamodb:us-east-1:000000000000:table/{table}/stream/2026-12-04T00:00:00.000"),
            "dynamodb": {
                "Keys": {"owner": {"S": entry.owner}, "id": {"S": entry.id}},
                "SequenceNumber": sequence.to_string(),
                "SizeBytes": 60,
                "StreamViewType": "KEYS_ONLY"
            }
        })
    }

    async fn handle(&self, records: Vec<Value>) -> Value {
        let batch: StreamBatch = serde_json::from_value(json!({ "Records": records })).expect("a stream batch");
        serde_json::to_value(self.mailer.handle(&batch).await).unwrap()
    }

    /// Delivers every pending entry under `owner`; the mailer's answer.
    async fn deliver(&self, owner: &str) -> Value {
        let records = self.outbox(owner).await.iter().map(|entry| self.inserted(entry)).collect();
        self.handle(records).await
    }
}

fn no_failures() -> Value {
    json!({"batchItemFailures": []})
}

/// The token of the link to `page` in a mail's text.
fn token_in(text: &str, page: &str) -> String {
    let prefix = format!("{FRONTEND}{page}?token=");
    let start = text.find(&prefix).unwrap_or_else(|| panic!("no link to {page} in {text}")) + prefix.len();
    text[start..].split_whitespace().next().unwrap().to_owned()
}

#[tokio::test]
async fn a_verification_mail_goes_out_once_with_a_token_that_verifies() {
    let app = TestApp::new().await;
    let user = app.register("ann", "ann@example.com").await;
    assert_eq!(app.deliver(&user.to_string()).await, no_failures());

    let sent = app.ses.sent_to("ann@example.com");
    assert_eq!(sent.len(), 1);
    let (_, subject, text, html) = &sent[0];
    assert!(subject.contains("taskmoney"), "{subject}");
    let token = token_in(text, "/verify-email");
    assert!(html.contains(&format!("href=\"{FRONTEND}/verify-email?token={token}\"")), "{html}");
    let entry = &app.outbox(&user.to_string()).await[0];
    assert_eq!((entry.status, entry.message_id.as_deref()), (Some(MailStatus::Sent), Some("message-1")));

    // Its record delivered again (the event source mapping delivers at least once): no second mail.
    assert_eq!(app.deliver(&user.to_string()).await, no_failures());
    assert_eq!(app.ses.sent_to("ann@example.com").len(), 1);
    let verified = app.auth.emails.verify(&token).await.expect("the mailed token verifies");
    assert!(verified.email_verified);
}

#[tokio::test]
async fn a_reset_mail_goes_only_to_a_verified_address() {
    let app = TestApp::new().await;
    let verified = app.register("bob", "bob@example.com").await;
    app.deliver(&verified.to_string()).await;
    let token = token_in(&app.ses.sent_to("bob@example.com")[0].2, "/verify-email");
    app.auth.emails.verify(&token).await.unwrap();
    let unverified = app.register("cat", "cat@example.com").await;
    app.deliver(&unverified.to_string()).await;

    for address in ["bob@example.com", "cat@example.com", "nobody@example.com"] {
        app.forgot(address).await;
        assert_eq!(app.deliver(&format!("ADDRESS#{address}")).await, no_failures());
    }
    let app = &app;
    let outcome = |address: &'static str| async move {
        let entry = app.outbox(&format!("ADDRESS#{address}")).await.remove(0);
        (entry.status, entry.reason.unwrap_or_default())
    };
    assert_eq!(outcome("bob@example.com").await, (Some(MailStatus::Sent), String::new()));
    assert_eq!(outcome("cat@example.com").await, (Some(MailStatus::Dropped), "the address is not verified".into()));
    assert_eq!(outcome("nobody@example.com").await, (Some(MailStatus::Dropped), "no account has this address".into()));
    assert_eq!(app.ses.sent_to("cat@example.com").len(), 1, "only its verification mail");
    assert!(app.ses.sent_to("nobody@example.com").is_empty());

    let reset_mail = &app.ses.sent_to("bob@example.com")[1];
    assert!(reset_mail.1.contains("Reset"), "{}", reset_mail.1);
    let token = token_in(&reset_mail.2, "/reset-password");
    let reset =
        app.auth.emails.check_reset(Some(token), Some("a new passphrase".into()), FieldErrors::new()).await.unwrap();
    app.auth.emails.reset(reset).await.expect("the mailed token resets");
}

#[tokio::test]
async fn one_address_gets_at_most_the_hourly_limit_of_mails() {
    let app = TestApp::new().await;
    let user = app.register("dee", "dee@example.com").await;
    app.deliver(&user.to_string()).await;
    for _ in 0..3 {
        app.auth.emails.resend_verification(&app.auth.users.get(&user).await.unwrap().unwrap()).await.unwrap();
    }
    assert_eq!(app.deliver(&user.to_string()).await, no_failures());
    assert_eq!(app.ses.sent_to("dee@example.com").len(), 3, "the registration's mail and two of the three others");
    let outbox = app.outbox(&user.to_string()).await;
    let dropped: Vec<_> = outbox.iter().filter(|entry| entry.status == Some(MailStatus::Dropped)).collect();
    assert_eq!(dropped.len(), 1, "{outbox:?}");
    assert!(dropped[0].reason.as_deref().unwrap_or_default().contains("hourly limit"), "{:?}", dropped[0]);
}

#[tokio::test]
async fn a_refused_mail_is_recorded_failed_and_an_unavailable_one_is_retried_then_failed() {
    let app = TestApp::new().await;
    let refused = app.register("eli", "eli@reject.invalid").await;
    assert_eq!(app.deliver(&refused.to_string()).await, no_failures(), "a refusal is final: not retried");
    let entry = app.outbox(&refused.to_string()).await.remove(0);
    assert_eq!((entry.status, entry.attempts), (Some(MailStatus::Failed), 1));
    assert!(entry.reason.unwrap_or_default().contains("MessageRejected"));

    let unavailable = app.register("fin", "fin@unavailable.invalid").await;
    let fine = app.register("gil", "gil@example.com").await;
    let entries = [app.outbox(&unavailable.to_string()).await.remove(0), app.outbox(&fine.to_string()).await.remove(0)];
    let batch = || entries.iter().map(|entry| app.inserted(entry)).collect::<Vec<_>>();
    let first = batch();
    let identifiers: Vec<Value> =
        first.iter().map(|record| json!({"itemIdentifier": record["dynamodb"]["SequenceNumber"]})).collect();
    assert_eq!(
        app.handle(first).await,
        json!({ "batchItemFailures": identifiers }),
        "the unavailable mail and every later record are handed back"
    );
    let entry = app.outbox(&unavailable.to_string()).await.remove(0);
    assert_eq!((entry.status, entry.attempts), (None, 1));
    assert!(app.ses.sent_to("gil@example.com").is_empty(), "nothing overtakes");

    assert_eq!(app.handle(batch()).await, no_failures(), "the last attempt settles it");
    let entry = app.outbox(&unavailable.to_string()).await.remove(0);
    assert_eq!((entry.status, entry.attempts), (Some(MailStatus::Failed), 2));
    assert_eq!(app.ses.sent_to("gil@example.com").len(), 1);
}

#[tokio::test]
async fn a_mail_to_an_address_the_account_no_longer_has_is_dropped() {
    let app = TestApp::new().await;
    let user = app.register("hoa", "hoa@example.com").await;
    let stale = app.outbox(&user.to_string()).await.remove(0);
    let account = app.auth.users.get(&user).await.unwrap().unwrap();
    let moved = auth::domain::User { email: Some("hoa@example.org".into()), ..account.clone() };
    app.auth.accounts.rename(&account, &moved).await.unwrap();
    assert_eq!(app.handle(vec![app.inserted(&stale)]).await, no_failures());
    let entry = app.outbox(&user.to_string()).await.into_iter().find(|entry| entry.id == stale.id).unwrap();
    assert_eq!(
        (entry.status, entry.reason.as_deref(), entry.kind),
        (Some(MailStatus::Dropped), Some("the account's address changed"), MailKind::EmailVerification)
    );
    assert!(app.ses.sent_to("hoa@example.com").is_empty());
    assert_eq!(app.deliver(&user.to_string()).await, no_failures());
    assert_eq!(app.ses.sent_to("hoa@example.org").len(), 1, "the new address gets its mail");
}

#[tokio::test]
async fn an_outcome_never_brings_back_a_record_purged_meanwhile() {
    let app = TestApp::new().await;
    let user = app.register("ida", "ida@unavailable.invalid").await;
    let entry = app.outbox(&user.to_string()).await.remove(0);
    let table = app.environment.table("MAIL_TABLE");
    app.environment
        .client
        .delete_item()
        .table_name(table)
        .key("owner", aws_sdk_dynamodb::types::AttributeValue::S(entry.owner.clone()))
        .key("id", aws_sdk_dynamodb::types::AttributeValue::S(entry.id.clone()))
        .send()
        .await
        .unwrap();
    let store = auth::store::MailStore::new(app.environment.client.clone(), table);
    let outcome = auth::store::mail::Outcome::AttemptFailed { reason: "503".into() };
    assert!(!store.record(&entry, &outcome).await.unwrap(), "nothing to record on");
    assert!(app.outbox(&user.to_string()).await.is_empty(), "no stub of it came back");
    // A record delivered for it now is done with, not retried.
    assert_eq!(app.handle(vec![app.inserted(&entry)]).await, no_failures());
}
