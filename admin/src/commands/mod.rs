//! The commands, on the functions' own stores and account operations. Each answers a [`Report`]:
//! JSON for `--json`, text for people.

pub mod sessions;
pub mod stats;
pub mod users;

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Result, anyhow, bail};
use auth::Accounts;
use auth::domain::{LoginName, User};
use auth::store::{MailStore, SessionStore, UserStore};
use realtime::connections::Connections;
use serde_json::{Value, json};
use shared::ApiError;
use shared::ids::UserId;
use shared::password::PasswordHasher;

use crate::audit::Audit;
use crate::target::Target;

pub struct Report {
    pub json: Value,
    pub text: String,
}

/// How a command that changes something runs.
#[derive(Debug, Clone, Copy)]
pub struct Change {
    /// Go ahead without asking.
    pub yes: bool,
    /// Say what would change, change nothing.
    pub dry_run: bool,
}

pub struct Admin {
    pub target: Target,
    pub users: UserStore,
    pub sessions: SessionStore,
    pub accounts: Accounts,
    pub connections: Connections,
}

impl Admin {
    pub fn new(target: Target) -> Self {
        let client = target.dynamo.clone();
        let users = UserStore::new(client.clone(), &target.tables.users);
        let sessions = SessionStore::new(client.clone(), &target.tables.sessions);
        Self {
            accounts: Accounts::new(
                users.clone(),
                sessions.clone(),
                MailStore::new(client.clone(), &target.tables.mail),
                PasswordHasher::default(),
            ),
            connections: Connections::new(client, &target.tables.connections),
            users,
            sessions,
            target,
        }
    }

    pub fn audit(&self) -> Audit<'_> {
        Audit::new(&self.target)
    }

    /// The user `who` names: an id, a username or an email.
    pub async fn find(&self, who: &str) -> Result<User> {
        if let Ok(id) = who.parse::<UserId>()
            && let Some(user) = self.users.get(&id).await.map_err(explain)?
        {
            return Ok(user);
        }
        let found = self.users.find_by_login(&LoginName::parse(who)).await.map_err(explain)?;
        found.ok_or_else(|| anyhow!("no user {who:?} (give an id, a username or an email)"))
    }

    /// Closes every open WebSocket connection of `user` through the management API, when the
    /// target has one; how many were closed.
    pub async fn close_connections(&self, user: &UserId) -> Result<usize> {
        let Some(management) = &self.target.management else { return Ok(0) };
        let open = self.connections.of_owner(user).await.map_err(explain)?;
        for connection in &open {
            realtime::push::close(management, &connection.id)
                .await
                .map_err(|err| anyhow!("closing a connection: {err}"))?;
            self.connections.forget(connection).await.map_err(explain)?;
        }
        Ok(open.len())
    }
}

/// What the user is shown of a user (never the hash).
pub fn user_json(user: &User) -> Value {
    json!({"id": user.id, "username": user.username, "email": user.email, "email_verified": user.email_verified,
           "created_at": user.created_at, "disabled": user.disabled})
}

/// An API error as the operator reads it: its sentence, and the fields it names.
pub fn explain(err: ApiError) -> anyhow::Error {
    let fields = match &err {
        ApiError::Invalid(errors) | ApiError::Conflict { errors, .. } => serde_json::to_string(errors).ok(),
        _ => None,
    };
    match fields {
        Some(fields) => anyhow!("{err} {fields}"),
        None => anyhow!("{err}"),
    }
}

/// Asks before a change unless `--yes`; refuses when nobody can answer.
pub fn confirm(change: Change, question: &str) -> Result<()> {
    if change.yes || change.dry_run {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        bail!("{question}: not confirmed (pass --yes, or run it in a terminal to be asked)");
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes") { Ok(()) } else { bail!("not confirmed: nothing changed") }
}
