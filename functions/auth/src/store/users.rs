//! Users and the guard items that keep usernames and emails unique.
//!
//! One table, key `pk`: `USER#<id>` holds the user; `USERNAME#<lower>` and
//! `EMAIL#<lower>` point to it. All are written in one transaction, each with
//! `attribute_not_exists(pk)`, so of two racing registrations only one can win.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use shared::ApiError;
use shared::accounts::{user_key, user_key_prefix};
use shared::dynamo::{self, Item, Transaction, from_item, key, to_item};
use shared::identity::SignedToken;
use shared::ids::UserId;

use crate::domain::{LoginName, User, canonical_username};

#[derive(Clone)]
pub struct UserStore {
    client: Client,
    table: Arc<str>,
}

#[derive(Debug, Serialize, Deserialize)]
struct UserItem {
    pk: String,
    id: UserId,
    username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    email_verified: bool,
    password_hash: String,
    created_at: String,
    /// Set by an operator (`taskmoney-admin users disable`); absent means false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    disabled: bool,
}

#[derive(Debug, Serialize, Deserialize)]
struct GuardItem {
    pk: String,
    user_id: UserId,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error("username or email already taken")]
    Taken { username: bool, email: bool },
    #[error("the account changed since it was read")]
    ChangedMeanwhile,
    #[error(transparent)]
    Store(#[from] ApiError),
}

fn username_key(canonical: &str) -> String {
    format!("USERNAME#{canonical}")
}

fn email_key(email: &str) -> String {
    format!("EMAIL#{email}")
}

impl From<UserItem> for User {
    fn from(item: UserItem) -> Self {
        Self {
            id: item.id,
            username: item.username,
            email: item.email,
            email_verified: item.email_verified,
            password_hash: item.password_hash,
            created_at: item.created_at,
            disabled: item.disabled,
        }
    }
}

impl UserStore {
    pub fn new(client: Client, table: &str) -> Self {
        Self { client, table: table.into() }
    }

    /// Writes the user and its guard items atomically, with `also` (the writes that must
    /// happen with the registration or not at all, such as its verification mail's request).
    pub async fn create(&self, user: &User, also: Vec<TransactWriteItem>) -> Result<(), CreateUserError> {
        let canonical = canonical_username(&user.username);
        let mut items = vec![
            to_item(&UserItem {
                pk: user_key(&user.id),
                id: user.id,
                username: user.username.clone(),
                email: user.email.clone(),
                email_verified: user.email_verified,
                password_hash: user.password_hash.clone(),
                created_at: user.created_at.clone(),
                disabled: user.disabled,
            })?,
            to_item(&GuardItem { pk: username_key(&canonical), user_id: user.id })?,
        ];
        if let Some(email) = &user.email {
            items.push(to_item(&GuardItem { pk: email_key(email), user_id: user.id })?);
        }
        let puts = items
            .into_iter()
            .map(|item| {
                let put = Put::builder()
                    .table_name(self.table.as_ref())
                    .set_item(Some(item))
                    .condition_expression("attribute_not_exists(pk)")
                    .build()
                    .map_err(ApiError::internal)?;
                Ok(TransactWriteItem::builder().put(put).build())
            })
            .collect::<Result<Vec<_>, ApiError>>()?;
        let names = puts.len();
        let writes = puts.into_iter().chain(also).collect();

        match dynamo::transact_write(&self.client, writes).await? {
            Transaction::Committed => Ok(()),
            Transaction::ConditionsFailed(failed) if failed.iter().any(|&index| index == 0 || index >= names) => {
                Err(ApiError::internal("a generated id collided").into())
            }
            Transaction::ConditionsFailed(failed) => {
                Err(CreateUserError::Taken { username: failed.contains(&1), email: failed.contains(&2) })
            }
        }
    }

    /// Which of the two names are taken already (a cheap early answer; the
    /// transaction in `create` is what enforces uniqueness).
    pub async fn taken(&self, canonical_username: &str, email: Option<&str>) -> Result<(bool, bool), ApiError> {
        let username = self.exists(username_key(canonical_username));
        let email = async {
            match email {
                Some(email) => self.exists(email_key(email)).await,
                None => Ok(false),
            }
        };
        tokio::try_join!(username, email)
    }

    async fn exists(&self, pk: String) -> Result<bool, ApiError> {
        Ok(self.get_item(pk).await?.is_some())
    }

    async fn get_item(&self, pk: String) -> Result<Option<Item>, ApiError> {
        dynamo::get_item(&self.client, &self.table, key("pk", pk)).await
    }

    /// The caller's own user, read together with the caller's session (one call): 401 when the
    /// session is not open.
    pub async fn get_caller(&self, caller: &SignedToken) -> Result<Option<User>, ApiError> {
        let item = caller.open_reading(&self.table, |id| key("pk", user_key(id))).await?;
        item.map(|item| from_item::<UserItem>(item).map(User::from)).transpose()
    }

    pub async fn get(&self, id: &UserId) -> Result<Option<User>, ApiError> {
        match self.get_item(user_key(id)).await? {
            Some(item) => Ok(Some(from_item::<UserItem>(item)?.into())),
            None => Ok(None),
        }
    }

    /// Resolves a login name to its user. Always two reads, found or not, so the
    /// answer's timing does not tell whether the name exists.
    pub async fn find_by_login(&self, login: &LoginName) -> Result<Option<User>, ApiError> {
        let guard_key = match login {
            LoginName::Username(name) => username_key(name),
            LoginName::Email(email) => email_key(email),
            LoginName::Impossible => return Ok(None),
        };
        let user_id = match self.get_item(guard_key).await? {
            Some(item) => Some(from_item::<GuardItem>(item)?.user_id),
            None => None,
        };
        let lookup_id = user_id.unwrap_or_else(UserId::generate);
        let user = self.get(&lookup_id).await?;
        Ok(user_id.and(user))
    }

    /// Replaces the hash if it is still `old` (a concurrent change wins).
    pub async fn replace_password_hash(&self, id: &UserId, old: &str, new: &str) -> Result<(), ApiError> {
        // A hash changed meanwhile (the condition failed) is fine: the newer one stays.
        self.change_password_hash(id, old, new).await.map(|_| ())
    }

    /// Sets the hash if it is still `old`: `false` when it changed meanwhile.
    pub async fn change_password_hash(&self, id: &UserId, old: &str, new: &str) -> Result<bool, ApiError> {
        let outcome = self
            .client
            .update_item()
            .table_name(self.table.as_ref())
            .set_key(Some(key("pk", user_key(id))))
            .update_expression("SET password_hash = :new")
            .condition_expression("password_hash = :old")
            .expression_attribute_values(":new", dynamo::string(new))
            .expression_attribute_values(":old", dynamo::string(old))
            .send()
            .await;
        dynamo::condition_held(outcome)
    }

    /// Renames `user` to `renamed` (username and email) in one transaction that moves their
    /// guard items: the new names' guards are put only if free, the old ones deleted only if
    /// still `user`'s, and the user item written only if it still holds the old names, so of
    /// two racing renames to one name only one can win, and no name is ever held twice or lost.
    /// A changed email is unverified. `also` is written in the same transaction.
    pub async fn rename(
        &self,
        user: &User,
        renamed: &User,
        also: Vec<TransactWriteItem>,
    ) -> Result<(), CreateUserError> {
        let (old_name, new_name) = (canonical_username(&user.username), canonical_username(&renamed.username));
        let mut writes = vec![self.write_names(user, renamed)?];
        let mut taken_if_failed = vec![(false, false)];
        if old_name != new_name {
            writes.push(self.put_guard(username_key(&new_name), user.id)?);
            taken_if_failed.push((true, false));
            writes.push(self.delete_guard(username_key(&old_name), user.id)?);
            taken_if_failed.push((false, false));
        }
        if user.email != renamed.email {
            if let Some(email) = &renamed.email {
                writes.push(self.put_guard(email_key(email), user.id)?);
                taken_if_failed.push((false, true));
            }
            if let Some(email) = &user.email {
                writes.push(self.delete_guard(email_key(email), user.id)?);
                taken_if_failed.push((false, false));
            }
        }
        writes.extend(also);
        match dynamo::transact_write(&self.client, writes).await? {
            Transaction::Committed => Ok(()),
            Transaction::ConditionsFailed(failed) => {
                let taken = failed.iter().filter_map(|index| taken_if_failed.get(*index));
                let (username, email) = taken.fold((false, false), |(u, e), (tu, te)| (u || *tu, e || *te));
                if username || email {
                    Err(CreateUserError::Taken { username, email })
                } else {
                    Err(CreateUserError::ChangedMeanwhile)
                }
            }
        }
    }

    /// Marks `email` verified, as a write of a transaction: only while it is still the
    /// account's email.
    pub fn verify_email_write(&self, id: &UserId, email: &str) -> Result<TransactWriteItem, ApiError> {
        self.update_write(
            id,
            "SET email_verified = :yes",
            "email = :email",
            [(":yes", AttributeValue::Bool(true)), (":email", dynamo::string(email))],
        )
    }

    /// Sets a new password hash, as a write of a transaction: only while `email` is still the
    /// account's and the hash is still `old`.
    pub fn reset_password_write(&self, user: &User, email: &str, new: &str) -> Result<TransactWriteItem, ApiError> {
        self.update_write(
            &user.id,
            "SET password_hash = :new",
            "email = :email AND password_hash = :old",
            [
                (":new", dynamo::string(new)),
                (":old", dynamo::string(&user.password_hash)),
                (":email", dynamo::string(email)),
            ],
        )
    }

    /// An update of `id`'s user item that applies only if `condition` holds, as a write of a
    /// transaction.
    fn update_write<'a>(
        &self,
        id: &UserId,
        update: &str,
        condition: &str,
        values: impl IntoIterator<Item = (&'a str, AttributeValue)>,
    ) -> Result<TransactWriteItem, ApiError> {
        let update = Update::builder()
            .table_name(self.table.as_ref())
            .set_key(Some(key("pk", user_key(id))))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_values(dynamo::expression_values(values))
            .build()
            .map_err(ApiError::internal)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// A transaction's condition that `id`'s account still exists and is not disabled.
    pub fn still_usable(&self, id: &UserId) -> Result<TransactWriteItem, ApiError> {
        let check = ConditionCheck::builder()
            .table_name(self.table.as_ref())
            .set_key(Some(key("pk", user_key(id))))
            .condition_expression("attribute_exists(pk) AND (attribute_not_exists(disabled) OR disabled = :no)")
            .expression_attribute_values(":no", AttributeValue::Bool(false))
            .build()
            .map_err(ApiError::internal)?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// Deletes `user` and the guard items of their names in one transaction, only if the user
    /// item still holds the password hash just checked: the account is gone and both names are
    /// free at once. `false` when the account changed meanwhile (or is gone already). Its
    /// deletion, seen on the table's stream, starts the purge of everything else it owned.
    pub async fn delete(&self, user: &User) -> Result<bool, ApiError> {
        let account = Delete::builder()
            .table_name(self.table.as_ref())
            .set_key(Some(key("pk", user_key(&user.id))))
            .condition_expression("password_hash = :hash")
            .expression_attribute_values(":hash", dynamo::string(&user.password_hash))
            .build()
            .map_err(ApiError::internal)?;
        let mut writes = vec![
            TransactWriteItem::builder().delete(account).build(),
            self.delete_guard(username_key(&canonical_username(&user.username)), user.id)?,
        ];
        if let Some(email) = &user.email {
            writes.push(self.delete_guard(email_key(email), user.id)?);
        }
        Ok(matches!(dynamo::transact_write(&self.client, writes).await?, Transaction::Committed))
    }

    /// Up to `limit` users in the table's order, from after the user `after`, and the id to go
    /// on after when there are more (a scan of the user items; guard items are skipped).
    pub async fn page(&self, limit: usize, after: Option<&UserId>) -> Result<(Vec<User>, Option<UserId>), ApiError> {
        let mut users = Vec::new();
        let mut start = after.map(|id| key("pk", user_key(id)));
        loop {
            let page = self
                .client
                .scan()
                .table_name(self.table.as_ref())
                .filter_expression("begins_with(pk, :user)")
                .expression_attribute_values(":user", dynamo::string(user_key_prefix()))
                .consistent_read(true)
                .limit((limit - users.len()).max(1) as i32)
                .set_exclusive_start_key(start)
                .send()
                .await?;
            for item in page.items.unwrap_or_default() {
                users.push(User::from(from_item::<UserItem>(item)?));
            }
            start = page.last_evaluated_key.filter(|key| !key.is_empty());
            if start.is_none() {
                return Ok((users, None));
            }
            if users.len() >= limit {
                let last = users.last().map(|user| user.id);
                return Ok((users, last));
            }
        }
    }

    /// Sets or clears the account's `disabled` flag: `false` when there is no such account.
    pub async fn set_disabled(&self, id: &UserId, disabled: bool) -> Result<bool, ApiError> {
        let request = self.client.update_item().table_name(self.table.as_ref()).set_key(Some(key("pk", user_key(id))));
        let request = if disabled {
            request
                .update_expression("SET disabled = :yes")
                .expression_attribute_values(":yes", AttributeValue::Bool(true))
        } else {
            request.update_expression("REMOVE disabled")
        };
        dynamo::condition_held(request.condition_expression("attribute_exists(pk)").send().await)
    }

    fn write_names(&self, user: &User, renamed: &User) -> Result<TransactWriteItem, ApiError> {
        let mut update = Update::builder()
            .table_name(self.table.as_ref())
            .set_key(Some(key("pk", user_key(&user.id))))
            .expression_attribute_values(":old_username", dynamo::string(&user.username))
            .expression_attribute_values(":username", dynamo::string(&renamed.username));
        let mut condition = "username = :old_username".to_owned();
        match &user.email {
            Some(email) => {
                condition.push_str(" AND email = :old_email");
                update = update.expression_attribute_values(":old_email", dynamo::string(email));
            }
            None => condition.push_str(" AND attribute_not_exists(email)"),
        }
        let email_changed = user.email != renamed.email;
        let expression = match (&renamed.email, email_changed) {
            (Some(email), true) => {
                update = update.expression_attribute_values(":email", dynamo::string(email));
                "SET username = :username, email = :email REMOVE email_verified"
            }
            (Some(_), false) => "SET username = :username",
            (None, _) => "SET username = :username REMOVE email, email_verified",
        };
        let update = update.update_expression(expression).condition_expression(condition);
        Ok(TransactWriteItem::builder().update(update.build().map_err(ApiError::internal)?).build())
    }

    fn put_guard(&self, pk: String, user_id: UserId) -> Result<TransactWriteItem, ApiError> {
        let put = Put::builder()
            .table_name(self.table.as_ref())
            .set_item(Some(to_item(&GuardItem { pk, user_id })?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(ApiError::internal)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn delete_guard(&self, pk: String, user_id: UserId) -> Result<TransactWriteItem, ApiError> {
        let delete = Delete::builder()
            .table_name(self.table.as_ref())
            .set_key(Some(key("pk", pk)))
            .condition_expression("user_id = :me")
            .expression_attribute_values(":me", dynamo::string(user_id.to_string()))
            .build()
            .map_err(ApiError::internal)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }
}
