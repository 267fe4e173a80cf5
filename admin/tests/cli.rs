//! The command line itself (its binary, as an operator runs it) against DynamoDB Local: fresh
//! tables from template.yaml, found through a state folder as `--local` finds the local stack's.

use std::io::Write;
use std::process::{Command, Stdio};

use auth::{AppState, AuthConfig, api};
use serde_json::{Value, json};
use testkit::{TestEnvironment, TestRequest, call};

const PASSWORD: &str = "correct horse battery";

struct Cli {
    environment: TestEnvironment,
    state_dir: std::path::PathBuf,
    router: axum::Router,
}

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.stdout))
    }

    /// The audit lines written to standard error.
    fn audits(&self) -> Vec<Value> {
        self.stderr
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|v| v.get("audit").is_some())
            .collect()
    }
}

/// The state folder goes with the test, however it ends.
impl Drop for Cli {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.state_dir);
    }
}

impl Cli {
    async fn new() -> Self {
        let environment = TestEnvironment::new("admin").await;
        let state_dir = std::env::temp_dir().join(format!("taskmoney-admin-test-{}", shared::ids::new_id()));
        std::fs::create_dir_all(&state_dir).unwrap();
        let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").expect("DynamoDB Local (run through local/test)");
        std::fs::write(state_dir.join("stack.env"), format!("AWS_ENDPOINT_URL_DYNAMODB={endpoint}\nWS_PORT=\n"))
            .unwrap();
        let tables: String = environment
            .vars
            .iter()
            .filter(|(name, _)| name.ends_with("_TABLE"))
            .map(|(name, value)| format!("{name}={value}\n"))
            .collect();
        std::fs::write(state_dir.join("tables.env"), tables).unwrap();
        let config = AuthConfig::from_env(environment.env()).expect("auth configuration");
        let router = api().serve(AppState::new(&config, environment.client.clone()), &config.api.cors);
        Self { environment, state_dir, router }
    }

    fn run(&self, args: &[&str], stdin: &str) -> Run {
        let mut child = Command::new(env!("CARGO_BIN_EXE_taskmoney-admin"))
            .arg("--local")
            .arg("--state-dir")
            .arg(&self.state_dir)
            .args(args)
            .env_remove("AWS_ENDPOINT_URL_DYNAMODB")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        Run {
            ok: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    fn ok(&self, args: &[&str], stdin: &str) -> Run {
        let run = self.run(args, stdin);
        assert!(run.ok, "{args:?} failed: {}", run.stderr);
        run
    }

    async fn login(&self, username: &str, password: &str) -> testkit::TestResponse {
        let body = json!({"username": username, "password": password});
        call(&self.router, TestRequest::new("POST", "/auth/login").json(&body)).await
    }

    async fn me(&self, access: &str) -> u16 {
        call(&self.router, TestRequest::new("GET", "/auth/me").bearer(access)).await.status.as_u16()
    }

    async fn access(&self, username: &str) -> String {
        let response = self.login(username, PASSWORD).await;
        assert_eq!(response.status, 200, "{}", response.body);
        response.body["access"].as_str().unwrap().to_owned()
    }
}

#[tokio::test]
async fn create_list_and_show_users() {
    let cli = Cli::new().await;
    let created =
        cli.ok(&["--json", "users", "create", "alice", "--email", "Alice@Example.com"], &format!("{PASSWORD}\n"));
    let alice = created.json();
    assert_eq!(alice["username"], "alice");
    assert_eq!(alice["email"], "alice@example.com");
    assert_eq!(created.audits().len(), 1);
    assert_eq!(created.audits()[0]["action"], "users.create");
    assert_eq!(created.audits()[0]["actor"], "local");
    assert_eq!(cli.login("alice", PASSWORD).await.status, 200, "the API logs the new user in");

    let weak = cli.run(&["users", "create", "bob"], "12345678\n");
    assert!(!weak.ok && weak.stderr.contains("password"), "{}", weak.stderr);
    let taken = cli.run(&["users", "create", "ALICE"], &format!("{PASSWORD}\n"));
    assert!(!taken.ok && taken.stderr.contains("username"), "{}", taken.stderr);
    assert!(taken.audits().is_empty(), "a refused command changes nothing and audits nothing");
    let dry = cli.ok(&["--json", "users", "create", "dave", "--dry-run"], &format!("{PASSWORD}\n"));
    assert_eq!(dry.json()["dry_run"], true);

    for name in ["carol", "erin", "frank"] {
        cli.ok(&["users", "create", name], &format!("{PASSWORD}\n"));
    }
    let first = cli.ok(&["--json", "users", "list", "--limit", "3"], "").json();
    assert_eq!(first["results"].as_array().unwrap().len(), 3);
    let cursor = first["next_cursor"].as_str().expect("a next page").to_owned();
    let rest = cli.ok(&["--json", "users", "list", "--limit", "3", "--cursor", &cursor], "").json();
    assert_eq!(rest["results"].as_array().unwrap().len(), 1);
    assert_eq!(rest["next_cursor"], Value::Null);
    let mut names: Vec<String> = first["results"]
        .as_array()
        .unwrap()
        .iter()
        .chain(rest["results"].as_array().unwrap())
        .map(|user| user["username"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["alice", "carol", "erin", "frank"], "every user once, no guard item, no dry-run user");

    cli.access("alice").await;
    let id = alice["id"].as_str().unwrap();
    for who in [id, "alice", "ALICE@example.com"] {
        let shown = cli.ok(&["--json", "users", "show", who], "").json();
        assert_eq!(shown["id"], id);
        assert_eq!(shown["disabled"], false);
        assert_eq!(shown["email_verified"], false, "a new address waits for its verification mail");
        assert_eq!(shown["sessions"].as_array().unwrap().len(), 2, "the two logins");
        assert_eq!(shown["owns"], json!({"tasks": 0, "expenses": 0, "budgets": 0}));
    }
    let text = cli.ok(&["users", "show", "alice"], "").stdout;
    assert!(text.contains("username  alice") && text.contains("sessions  2"), "{text}");
    assert!(text.contains("email     alice@example.com (not verified)"), "{text}");
    assert!(!cli.run(&["users", "show", "nobody"], "").ok);
}

#[tokio::test]
async fn a_disabled_user_is_refused_at_once_and_logs_in_as_with_a_wrong_password() {
    let cli = Cli::new().await;
    cli.ok(&["users", "create", "gina"], &format!("{PASSWORD}\n"));
    let access = cli.access("gina").await;

    let dry = cli.ok(&["--json", "users", "disable", "gina", "--dry-run"], "").json();
    assert_eq!(dry["sessions_ending"], 1);
    assert_eq!(cli.me(&access).await, 200, "a dry run changes nothing");
    let unconfirmed = cli.run(&["users", "disable", "gina"], "");
    assert!(!unconfirmed.ok && unconfirmed.stderr.contains("--yes"), "{}", unconfirmed.stderr);
    assert_eq!(cli.me(&access).await, 200, "an unconfirmed change changes nothing");

    let disabled = cli.ok(&["users", "disable", "gina", "--yes"], "");
    assert_eq!(disabled.audits()[0]["action"], "users.disable");
    assert_eq!(cli.me(&access).await, 401);
    let refused = cli.login("gina", PASSWORD).await;
    let wrong = cli.login("gina", "not the password").await;
    assert_eq!((refused.status, &refused.body), (wrong.status, &wrong.body), "exactly as a wrong password");
    assert_eq!(cli.ok(&["--json", "users", "show", "gina"], "").json()["disabled"], true);

    cli.ok(&["users", "enable", "gina", "--yes"], "");
    assert_eq!(cli.login("gina", PASSWORD).await.status, 200);
}

#[tokio::test]
async fn sessions_end_one_or_all() {
    let cli = Cli::new().await;
    cli.ok(&["users", "create", "hank"], &format!("{PASSWORD}\n"));
    let (first, second, third) = (cli.access("hank").await, cli.access("hank").await, cli.access("hank").await);
    let sessions = cli.ok(&["--json", "users", "show", "hank"], "").json()["sessions"].clone();
    let newest = sessions[0]["id"].as_str().unwrap().to_owned();

    let one = cli.ok(&["--json", "sessions", "end", "hank", "--session", &newest, "--yes"], "");
    assert_eq!(one.json()["ended"], json!([newest]));
    assert_eq!((cli.me(&first).await, cli.me(&second).await, cli.me(&third).await), (200, 200, 401));
    assert!(!cli.run(&["sessions", "end", "hank", "--session", &newest, "--yes"], "").ok, "already ended");

    let dry = cli.ok(&["--json", "sessions", "end", "hank", "--all", "--dry-run"], "").json();
    assert_eq!(dry["would_end"].as_array().unwrap().len(), 2);
    cli.ok(&["sessions", "end", "hank", "--all", "--yes"], "");
    assert_eq!((cli.me(&first).await, cli.me(&second).await), (401, 401));
}

#[tokio::test]
async fn delete_ends_the_account_and_frees_its_names() {
    let cli = Cli::new().await;
    let ivy =
        cli.ok(&["--json", "users", "create", "ivy", "--email", "ivy@example.com"], &format!("{PASSWORD}\n")).json();
    let access = cli.access("ivy").await;
    let dry = cli.ok(&["--json", "users", "delete", "ivy", "--dry-run"], "");
    assert_eq!(dry.json()["would_delete"]["id"], ivy["id"]);
    assert_eq!(cli.me(&access).await, 200);

    let deleted = cli.ok(&["users", "delete", "ivy", "--yes"], "");
    assert_eq!(deleted.audits()[0]["action"], "users.delete");
    assert_eq!(deleted.audits()[0]["subject"]["id"], ivy["id"]);
    assert_eq!(cli.me(&access).await, 401);
    assert!(!cli.run(&["users", "show", "ivy"], "").ok);
    // The names are free at once; nothing of the user is left in the users or sessions table (the
    // rest is the purge function's, tested in functions/purge and tests/e2e).
    cli.ok(&["users", "create", "IVY", "--email", "ivy@example.com"], &format!("{PASSWORD}\n"));
    let id = ivy["id"].as_str().unwrap();
    for variable in ["USERS_TABLE", "SESSIONS_TABLE"] {
        let items = cli.environment.client.scan().table_name(cli.environment.table(variable)).send().await.unwrap();
        let mentions = items.items().iter().any(|item| {
            item.values().any(|value| matches!(value, aws_sdk_dynamodb::types::AttributeValue::S(s) if s.contains(id)))
        });
        assert!(!mentions, "{variable} still mentions the deleted user");
    }
}

#[tokio::test]
async fn stats_count_every_table_and_the_active_sessions() {
    let cli = Cli::new().await;
    cli.ok(&["users", "create", "jack", "--email", "jack@example.com"], &format!("{PASSWORD}\n"));
    cli.ok(&["users", "create", "kate"], &format!("{PASSWORD}\n"));
    cli.access("jack").await;
    cli.access("kate").await;
    let stats = cli.ok(&["--json", "stats"], "").json();
    assert_eq!(stats["users"], 2);
    assert_eq!(stats["active_sessions"], 2);
    assert_eq!(stats["tables"]["users"], 5, "2 users, 2 username guards, 1 email guard");
    assert_eq!(stats["tables"]["tasks"], 0);
    let text = cli.ok(&["stats"], "").stdout;
    assert!(text.contains("active sessions"), "{text}");
}

#[tokio::test]
async fn it_must_be_told_where_to_work() {
    let output = Command::new(env!("CARGO_BIN_EXE_taskmoney-admin")).args(["stats"]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--local, --stack NAME"));
}
