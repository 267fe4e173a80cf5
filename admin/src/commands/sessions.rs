//! `sessions end`: one session of a user, or all of them; their tokens are refused at once.

use anyhow::{Result, bail};
use serde_json::json;
use shared::clock;

use super::{Admin, Change, Report, confirm, explain, user_json};

/// Which sessions end.
pub enum Which {
    One(String),
    All,
}

impl Admin {
    pub async fn end_sessions(&self, who: &str, which: Which, change: Change) -> Result<Report> {
        let user = self.find(who).await?;
        let open = self.sessions.list(&user.id, clock::epoch_seconds(clock::now())).await.map_err(explain)?;
        let ending: Vec<String> = match &which {
            Which::All => open.iter().map(|session| session.id.clone()).collect(),
            Which::One(id) if open.iter().any(|session| &session.id == id) => vec![id.clone()],
            Which::One(id) => bail!("user {} has no session {id}", user.username),
        };
        if change.dry_run {
            let text = format!("would end {} session(s) of {}: {}\n", ending.len(), user.username, ending.join(", "));
            return Ok(Report { json: json!({"dry_run": true, "user": user.id, "would_end": ending}), text });
        }
        confirm(change, &format!("end {} session(s) of {}?", ending.len(), user.username))?;
        match which {
            Which::All => self.sessions.end_all(&user.id).await.map_err(explain)?,
            Which::One(id) => {
                self.sessions.end(&user.id, &id).await.map_err(explain)?;
            }
        }
        self.audit().record("sessions.end", user_json(&user), json!({"ended": ending})).await?;
        let text = format!("ended {} session(s) of {}\n", ending.len(), user.username);
        Ok(Report { json: json!({"user": user.id, "ended": ending}), text })
    }
}
