//! Delivering the outbox: one stream record per requested mail, in order.

use auth::domain::{LoginName, MailKind, MailToken, ThrottlePolicy, User};
use auth::store::mail::{OutboxEntry, Outcome, is_outbox_key};
use auth::store::{MailStore, ThrottleStore, UserStore};
use aws_lambda_events::streams::DynamoDbEventResponse;
use aws_sdk_dynamodb::types::AttributeValue;
use realtime::event::{self, Operation, StreamBatch, StreamRecord, StreamRecordExt};
use shared::ApiError;
use shared::dynamo::Item;

use crate::compose::Letter;
use crate::config::MailerConfig;
use crate::ses::{self, SendError};

#[derive(Clone)]
pub struct Mailer {
    mail: MailStore,
    users: UserStore,
    throttle: ThrottleStore,
    ses: aws_sdk_sesv2::Client,
    from_address: String,
    frontend_url: String,
    product_name: String,
    max_attempts: u32,
    per_address: ThrottlePolicy,
}

/// The mail cannot be finished now: its record (and every later one) is handed back to the
/// event source mapping, which invokes the function with them again.
#[derive(Debug)]
struct TryAgain;

impl From<ApiError> for TryAgain {
    fn from(err: ApiError) -> Self {
        tracing::warn!(error = %err, "the mail table or the users table cannot be reached; the mail is tried again");
        TryAgain
    }
}

/// Who a mail goes to, or why it goes to nobody.
enum Recipient {
    User(User),
    Nobody(&'static str),
}

impl Mailer {
    pub fn new(config: &MailerConfig, dynamo: aws_sdk_dynamodb::Client, ses: aws_sdk_sesv2::Client) -> Self {
        Self {
            mail: MailStore::new(dynamo.clone(), &config.mail_table),
            users: UserStore::new(dynamo.clone(), &config.users_table),
            throttle: ThrottleStore::new(dynamo, &config.throttle_table),
            ses,
            from_address: config.from_address.clone(),
            frontend_url: config.frontend_url.clone(),
            product_name: config.product_name.clone(),
            max_attempts: config.max_attempts,
            per_address: config.per_address,
        }
    }

    /// Delivers every mail the batch reports requested, in order; the first that must be tried
    /// again is reported failed with every record after it.
    pub async fn handle(&self, batch: &StreamBatch) -> DynamoDbEventResponse {
        for (index, record) in batch.records.iter().enumerate() {
            let Some((owner, id)) = requested_mail(record) else { continue };
            if self.deliver(&owner, &id).await.is_err() {
                return event::failures(&batch.records[index..]);
            }
        }
        event::failures([])
    }

    /// Sends one outbox entry, unless it is settled already (a repeated delivery of its record).
    async fn deliver(&self, owner: &str, id: &str) -> Result<(), TryAgain> {
        let Some(entry) = self.mail.outbox_entry(owner, id).await? else {
            return Ok(()); // purged with its account
        };
        if entry.status.is_some() {
            return Ok(());
        }
        let user = match self.recipient(&entry).await? {
            Recipient::User(user) => user,
            Recipient::Nobody(reason) => return self.settle(&entry, Outcome::Dropped { reason: reason.into() }).await,
        };
        if !entry.counted {
            match self.throttle.admit(&format!("mail#{}", entry.email), &self.per_address).await {
                Ok(()) => {
                    if !self.mail.record(&entry, &Outcome::Counted).await? {
                        return Ok(()); // purged with its account meanwhile
                    }
                }
                Err(ApiError::Throttled { .. }) => {
                    let reason = "the address's hourly limit of mails is reached";
                    return self.settle(&entry, Outcome::Dropped { reason: reason.into() }).await;
                }
                Err(err) => return Err(err.into()),
            }
        }

        let token = MailToken::generate(&user.id).map_err(|err| {
            tracing::error!(error = %err, "no randomness for a token");
            TryAgain
        })?;
        self.mail.issue_token(&user.id, entry.kind, &entry.email, token.hash()).await?;
        let letter = Letter {
            kind: entry.kind,
            product: &self.product_name,
            frontend_url: &self.frontend_url,
            username: &user.username,
            token: &token,
        };
        match ses::send(&self.ses, &self.from_address, &entry.email, &letter.compose()).await {
            Ok(message_id) => self.settle(&entry, Outcome::Sent { message_id }).await,
            Err(SendError::Refused(reason)) => self.settle(&entry, Outcome::Failed { reason }).await,
            Err(SendError::Unavailable(reason)) if entry.attempts + 1 >= self.max_attempts => {
                self.settle(&entry, Outcome::Failed { reason }).await
            }
            Err(SendError::Unavailable(reason)) => {
                tracing::warn!(mail = entry.id, kind = %entry.kind, attempt = entry.attempts + 1, reason,
                    "mail not sent; it is tried again");
                if self.mail.record(&entry, &Outcome::AttemptFailed { reason }).await? {
                    Err(TryAgain)
                } else {
                    Ok(()) // purged with its account meanwhile: nothing left to try
                }
            }
        }
    }

    /// Who `entry` goes to now: the address must still be the account's, a verification only
    /// while unverified, a reset only to a verified address, and never to a disabled account.
    async fn recipient(&self, entry: &OutboxEntry) -> Result<Recipient, ApiError> {
        let user = match (entry.kind, entry.user()) {
            (MailKind::EmailVerification, Some(id)) => self.users.get(&id).await?,
            (MailKind::EmailVerification, None) => None,
            (MailKind::PasswordReset, _) => self.users.find_by_login(&LoginName::Email(entry.email.clone())).await?,
        };
        let Some(user) = user else {
            return Ok(Recipient::Nobody("no account has this address"));
        };
        Ok(if user.email.as_deref() != Some(entry.email.as_str()) {
            Recipient::Nobody("the account's address changed")
        } else if user.disabled {
            Recipient::Nobody("the account is disabled")
        } else if entry.kind == MailKind::EmailVerification && user.email_verified {
            Recipient::Nobody("the address is verified already")
        } else if entry.kind == MailKind::PasswordReset && !user.email_verified {
            Recipient::Nobody("the address is not verified")
        } else {
            Recipient::User(user)
        })
    }

    /// Records how `entry` ended, and logs it (never its token or text).
    async fn settle(&self, entry: &OutboxEntry, outcome: Outcome) -> Result<(), TryAgain> {
        if !self.mail.record(entry, &outcome).await? {
            tracing::info!(mail = entry.id, "mail's record purged with its account meanwhile");
            return Ok(());
        }
        match &outcome {
            Outcome::Sent { message_id } => {
                tracing::info!(mail = entry.id, kind = %entry.kind, message_id, "mail sent")
            }
            Outcome::Dropped { reason } => tracing::info!(mail = entry.id, kind = %entry.kind, reason, "mail not sent"),
            Outcome::Failed { reason } => {
                tracing::error!(mail = entry.id, kind = %entry.kind, attempts = entry.attempts + 1, reason, "mail failed")
            }
            Outcome::AttemptFailed { .. } | Outcome::Counted => {}
        }
        Ok(())
    }
}

/// The outbox key a record reports inserted, if it reports one (the table's other items are
/// tokens, and its other changes are the outcomes written back).
fn requested_mail(record: &StreamRecord) -> Option<(String, String)> {
    if record.operation() != Some(Operation::Insert) {
        return None;
    }
    let keys: Item = record.change.keys.clone().into();
    let (Some(AttributeValue::S(owner)), Some(AttributeValue::S(id))) =
        (keys.get(auth::store::mail::OWNER), keys.get(auth::store::mail::ID))
    else {
        return None;
    };
    is_outbox_key(id).then(|| (owner.clone(), id.clone()))
}
