//! `stats`: how many items each table holds, how many users, and how many sessions are active.

use anyhow::Result;
use aws_sdk_dynamodb::types::{AttributeValue, Select};
use serde_json::{Map, json};
use shared::clock;

use super::{Admin, Report};

/// What a counting scan counts.
enum Counted {
    Everything,
    /// User items, not their names' guard items.
    Users,
    /// Sessions whose expiry is after `now` (TTL deletes lazily).
    OpenSessions {
        now: i64,
    },
}

impl Admin {
    pub async fn stats(&self) -> Result<Report> {
        let mut tables = Map::new();
        let mut text = String::new();
        for (name, table) in self.target.tables.all() {
            let count = self.count(table, Counted::Everything).await?;
            text.push_str(&format!("{name:<15} {count:>10} items\n"));
            tables.insert(name.to_owned(), json!(count));
        }
        let users = self.count(&self.target.tables.users, Counted::Users).await?;
        let now = clock::epoch_seconds(clock::now());
        let active = self.count(&self.target.tables.sessions, Counted::OpenSessions { now }).await?;
        text.push_str(&format!("users           {users:>10}\nactive sessions {active:>10}\n"));
        Ok(Report { json: json!({"tables": tables, "users": users, "active_sessions": active}), text })
    }

    async fn count(&self, table: &str, counted: Counted) -> Result<u64> {
        let mut total = 0u64;
        let mut start = None;
        loop {
            let scan = self.target.dynamo.scan().table_name(table).select(Select::Count).set_exclusive_start_key(start);
            let scan = match counted {
                Counted::Everything => scan,
                Counted::Users => scan.filter_expression("begins_with(pk, :user)").expression_attribute_values(
                    ":user",
                    AttributeValue::S(shared::accounts::user_key_prefix().to_owned()),
                ),
                Counted::OpenSessions { now } => scan
                    .filter_expression("#ttl > :now")
                    .expression_attribute_names("#ttl", "ttl")
                    .expression_attribute_values(":now", AttributeValue::N(now.to_string())),
            };
            let page = scan.send().await?;
            total += page.count as u64;
            start = page.last_evaluated_key.filter(|key| !key.is_empty());
            if start.is_none() {
                return Ok(total);
            }
        }
    }
}
