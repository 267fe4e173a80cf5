//! One JSON line per change the command line makes: who (the caller's identity from STS, or
//! `local`), what, to whom, when. Always to standard error; in the cloud also into the stack's
//! audit table, so the record outlives the operator's terminal.

use anyhow::{Context, Result};
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};
use shared::clock;
use shared::ids::new_id;

use crate::target::Target;

pub struct Audit<'a> {
    target: &'a Target,
}

impl<'a> Audit<'a> {
    pub fn new(target: &'a Target) -> Self {
        Self { target }
    }

    /// Records `action` on `subject` (the user it touched) with what changed.
    pub async fn record(&self, action: &str, subject: Value, changes: Value) -> Result<()> {
        let id = new_id();
        let at = clock::format_timestamp(clock::now());
        let line = json!({"audit": id, "at": at, "actor": self.target.actor, "action": action,
                          "subject": subject, "changes": changes});
        eprintln!("{line}");
        if let Some(table) = &self.target.audit_table {
            self.target
                .dynamo
                .put_item()
                .table_name(table)
                .item("id", AttributeValue::S(id))
                .item("at", AttributeValue::S(at))
                .item("actor", AttributeValue::S(self.target.actor.clone()))
                .item("action", AttributeValue::S(action.to_owned()))
                .item("record", AttributeValue::S(line.to_string()))
                .send()
                .await
                .context("writing the audit record to the audit table")?;
        }
        Ok(())
    }
}
