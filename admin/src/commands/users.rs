//! `users list | show | create | disable | enable | delete`.

use std::io::BufRead;

use anyhow::{Result, anyhow, bail};
use auth::domain::Registration;
use secrecy::SecretString;
use serde_json::{Value, json};
use shared::FieldErrors;
use shared::clock;
use shared::ids::UserId;
use shared::store::{self, Partition, count_partition};

use super::{Admin, Change, Report, confirm, explain, user_json};

impl Admin {
    pub async fn list_users(&self, limit: usize, cursor: Option<&str>) -> Result<Report> {
        let after = cursor
            .map(|c| c.parse::<UserId>().map_err(|_| anyhow!("--cursor {c:?} is not a cursor this command gave")));
        let after = after.transpose()?;
        let (users, next) = self.users.page(limit, after.as_ref()).await.map_err(explain)?;
        let mut text = String::new();
        for user in &users {
            let email = user.email.as_deref().unwrap_or("-");
            let disabled = if user.disabled { "  DISABLED" } else { "" };
            text.push_str(&format!("{}  {}  {}  {}{}\n", user.id, user.username, email, user.created_at, disabled));
        }
        match &next {
            Some(next) => text.push_str(&format!("more: --cursor {next}\n")),
            None => text.push_str(&format!("{} user(s)\n", users.len())),
        }
        let results: Vec<Value> = users.iter().map(user_json).collect();
        Ok(Report { json: json!({"results": results, "next_cursor": next}), text })
    }

    pub async fn show_user(&self, who: &str) -> Result<Report> {
        let user = self.find(who).await?;
        let now = clock::epoch_seconds(clock::now());
        let open = self.sessions.list(&user.id, now).await.map_err(explain)?;
        let owner = user.id.to_string();
        let tables = &self.target.tables;
        let mut owns = serde_json::Map::new();
        for (name, table) in [("tasks", &tables.tasks), ("expenses", &tables.expenses), ("budgets", &tables.budgets)] {
            let partition = Partition { table, partition_key: store::OWNER, sort_key: store::ID, value: &owner };
            owns.insert(name.into(), json!(count_partition(&self.target.dynamo, partition).await.map_err(explain)?));
        }
        let sessions: Vec<Value> = open
            .iter()
            .map(|s| {
                json!({"id": s.id, "created_at": s.created_at, "last_used_at": s.last_used_at,
                            "expires_at": s.expires_at, "user_agent": s.user_agent})
            })
            .collect();
        let mut text = format!(
            "user      {}\nusername  {}\nemail     {}{}\ncreated   {}\ndisabled  {}\nowns      {} tasks, {} expenses, {} budgets\nsessions  {}\n",
            user.id,
            user.username,
            user.email.as_deref().unwrap_or("-"),
            match (&user.email, user.email_verified) {
                (Some(_), true) => " (verified)",
                (Some(_), false) => " (not verified)",
                (None, _) => "",
            },
            user.created_at,
            if user.disabled { "yes" } else { "no" },
            owns["tasks"],
            owns["expenses"],
            owns["budgets"],
            open.len()
        );
        for session in &open {
            text.push_str(&format!(
                "  {}  since {}  last used {}  {}\n",
                session.id,
                session.created_at,
                session.last_used_at,
                session.user_agent.as_deref().unwrap_or("-")
            ));
        }
        let mut body = user_json(&user);
        body["sessions"] = json!(sessions);
        body["owns"] = Value::Object(owns);
        Ok(Report { json: body, text })
    }

    /// A new user, as registration makes one; the password is the first line of standard input.
    pub async fn create_user(&self, username: &str, email: Option<&str>, change: Change) -> Result<Report> {
        let mut password = String::new();
        std::io::stdin().lock().read_line(&mut password)?;
        let password = password.trim_end_matches(['\r', '\n']).to_owned();
        if password.is_empty() {
            bail!(
                "give the password on standard input, e.g. `read -rs PW; printf '%s\\n' \"$PW\" | taskmoney-admin users create ...`"
            );
        }
        let registration = Registration::parse(
            Some(username.to_owned()),
            email.map(str::to_owned),
            Some(SecretString::from(password)),
            FieldErrors::new(),
        )
        .map_err(|errors| explain(shared::ApiError::Invalid(errors)))?;
        if change.dry_run {
            let text = format!("would create user {username:?}\n");
            return Ok(Report { json: json!({"dry_run": true, "would_create": username}), text });
        }
        let user = self.accounts.register(registration).await.map_err(explain)?;
        self.audit().record("users.create", user_json(&user), json!({"created": true})).await?;
        Ok(Report { text: format!("created user {} ({})\n", user.username, user.id), json: user_json(&user) })
    }

    /// Disables or enables a user: a disabled user's sessions end at once (every token refused),
    /// their open connections are closed, and their logins answer as a wrong password does.
    pub async fn set_disabled(&self, who: &str, disabled: bool, change: Change) -> Result<Report> {
        let user = self.find(who).await?;
        let verb = if disabled { "disable" } else { "enable" };
        if user.disabled == disabled {
            let text = format!("user {} is already {verb}d: nothing to do\n", user.username);
            return Ok(Report { json: json!({"user": user_json(&user), "changed": false}), text });
        }
        if change.dry_run {
            let open = self.sessions.list(&user.id, clock::epoch_seconds(clock::now())).await.map_err(explain)?;
            let ends = if disabled { open.len() } else { 0 };
            let text = format!("would {verb} user {} ({} session(s) would end)\n", user.username, ends);
            return Ok(Report {
                json: json!({"dry_run": true, "user": user_json(&user), "sessions_ending": ends}),
                text,
            });
        }
        confirm(change, &format!("{verb} user {} ({})?", user.username, user.id))?;
        if !self.accounts.set_disabled(&user.id, disabled).await.map_err(explain)? {
            bail!("user {} is gone", user.id);
        }
        let closed = if disabled { self.close_connections(&user.id).await? } else { 0 };
        let changes = json!({"disabled": disabled, "connections_closed": closed});
        self.audit().record(&format!("users.{verb}"), user_json(&user), changes.clone()).await?;
        let text = format!("{verb}d user {} ({}); connections closed: {closed}\n", user.username, user.id);
        Ok(Report { json: json!({"user": user.id, "changed": true, "changes": changes}), text })
    }

    /// The same deletion as `DELETE /auth/me`: the account and its names at once, every session,
    /// and the rest by the purge function (driven by the users table's stream).
    pub async fn delete_user(&self, who: &str, change: Change) -> Result<Report> {
        let user = self.find(who).await?;
        if change.dry_run {
            let shown = self.show_user(&user.id.to_string()).await?;
            let text =
                format!("would delete user {} ({}) and everything it owns:\n{}", user.username, user.id, shown.text);
            return Ok(Report { json: json!({"dry_run": true, "would_delete": shown.json}), text });
        }
        confirm(change, &format!("delete user {} ({}) and everything it owns?", user.username, user.id))?;
        self.accounts.close(&user).await.map_err(explain)?;
        self.audit().record("users.delete", user_json(&user), json!({"deleted": true})).await?;
        let text = format!(
            "deleted user {} ({}): its names are free, its sessions ended; the purge function closes its \
             connections and deletes its data\n",
            user.username, user.id
        );
        Ok(Report { json: json!({"deleted": user.id}), text })
    }
}
