//! Email verification and password reset: what the request path does. It only ever writes to
//! the outbox and redeems tokens; the mails themselves are composed and sent by the mailer
//! function, off the outbox's stream, so no answer waits on SES or tells by its timing whether
//! an address is known.

use secrecy::SecretString;
use shared::password::PasswordHasher;
use shared::{ApiError, FieldErrors, clock};

use crate::domain::{Email, MailKind, MailRequest, MailToken, PresentedToken, User, password_problems};
use crate::store::mail::{TokenRecord, Unusable};
use crate::store::{MailStore, SessionStore, UserStore};
use shared::dynamo::{self, Transaction};

const TOKEN_FIELD: &str = "token";

#[derive(Clone)]
pub struct Emails {
    users: UserStore,
    sessions: SessionStore,
    mail: MailStore,
    hasher: PasswordHasher,
    client: aws_sdk_dynamodb::Client,
}

/// A new password that passed the policy, with the token that allows it.
pub struct Reset {
    presented: PresentedToken,
    token: TokenRecord,
    user: User,
    new_password: String,
}

impl Emails {
    pub fn new(
        client: aws_sdk_dynamodb::Client,
        users: UserStore,
        sessions: SessionStore,
        mail: MailStore,
        hasher: PasswordHasher,
    ) -> Self {
        Self { users, sessions, mail, hasher, client }
    }

    /// Sends `user` a verification mail again: 400 without an email, 409 once verified.
    pub async fn resend_verification(&self, user: &User) -> Result<(), ApiError> {
        let Some(email) = &user.email else {
            return Err(ApiError::Invalid(FieldErrors::single("email", "The account has no email address to verify.")));
        };
        if user.email_verified {
            return Err(ApiError::Conflict {
                detail: "The email address is already verified.".into(),
                errors: FieldErrors::single("email", "The email address is already verified."),
            });
        }
        self.mail.request(&MailRequest::Verification { user: user.id, email: email.clone() }).await
    }

    /// Uses a verification token up and marks its address verified, in one transaction: only
    /// while the address is still the account's.
    pub async fn verify(&self, raw_token: &str) -> Result<User, ApiError> {
        let (presented, token, user) = self.redeemable(raw_token, MailKind::EmailVerification).await?;
        let writes = vec![self.mail.use_up_write(&token)?, self.users.verify_email_write(&user.id, &token.email)?];
        match dynamo::transact_write(&self.client, writes).await? {
            Transaction::Committed => Ok(User { email_verified: true, ..user }),
            Transaction::ConditionsFailed(_) => {
                Err(self.why_not_redeemed(&presented, MailKind::EmailVerification).await)
            }
        }
    }

    /// Asks for a reset mail to `email`: the same single write whether or not any account has
    /// that address (the mailer finds out, and sends only to a verified one).
    pub async fn forgot(&self, email: &Email) -> Result<(), ApiError> {
        self.mail.request(&MailRequest::PasswordReset { email: email.as_str().to_owned() }).await
    }

    /// Checks a reset request: the token (`errors.token`) and the new password against the
    /// registration policy (`errors.new_password`), added to the problems already in `errors`
    /// and reported at once. Nothing is used up.
    pub async fn check_reset(
        &self,
        raw_token: Option<String>,
        new_password: Option<String>,
        mut errors: FieldErrors,
    ) -> Result<Reset, ApiError> {
        let redeemable = match &raw_token {
            Some(raw) => match self.redeemable(raw, MailKind::PasswordReset).await {
                Ok(redeemable) => Some(redeemable),
                Err(ApiError::Invalid(token_errors)) => {
                    errors.merge(token_errors);
                    None
                }
                Err(err) => return Err(err),
            },
            None => None,
        };
        if let Some(new_password) = &new_password {
            let username = redeemable.as_ref().map(|(_, _, user)| user.username.as_str());
            for problem in password_problems(new_password, username) {
                errors.add("new_password", problem);
            }
        }
        match (redeemable, new_password, errors.is_empty()) {
            (Some((presented, token, user)), Some(new_password), true) => {
                Ok(Reset { presented, token, user, new_password })
            }
            _ => Err(ApiError::Invalid(errors)),
        }
    }

    /// Sets the new password and uses the token up in one transaction, then ends every session
    /// of the user. Returns the user.
    pub async fn reset(&self, reset: Reset) -> Result<User, ApiError> {
        let Reset { presented, token, user, new_password } = reset;
        let hash = self.hasher.hash(SecretString::from(new_password)).await?;
        let writes =
            vec![self.mail.use_up_write(&token)?, self.users.reset_password_write(&user, &token.email, &hash)?];
        match dynamo::transact_write(&self.client, writes).await? {
            Transaction::Committed => {}
            Transaction::ConditionsFailed(_) => {
                return Err(self.why_not_redeemed(&presented, MailKind::PasswordReset).await);
            }
        }
        self.sessions.end_all(&user.id).await?;
        tracing::info!(user = %user.id, "password reset; every session ended");
        Ok(User { password_hash: hash, ..user })
    }

    /// The presented token, its record and its user, if `raw` is a token that can be used for
    /// `kind` now; else 400 with `errors.token` saying why.
    async fn redeemable(&self, raw: &str, kind: MailKind) -> Result<(PresentedToken, TokenRecord, User), ApiError> {
        let presented = MailToken::parse(raw).ok_or_else(|| token_error(Unusable::Unknown))?;
        let (record, user) = self.usable(&presented, kind).await?;
        Ok((presented, record, user))
    }

    /// The record of a presented token and its user, if it can be used for `kind` now.
    async fn usable(&self, presented: &PresentedToken, kind: MailKind) -> Result<(TokenRecord, User), ApiError> {
        let record = self.mail.token(presented).await?.ok_or_else(|| token_error(Unusable::Unknown))?;
        record.check(kind, clock::epoch_seconds(clock::now())).map_err(token_error)?;
        let user = self.users.get(&presented.owner).await?.ok_or_else(|| token_error(Unusable::Unknown))?;
        if user.email.as_deref() != Some(record.email.as_str()) {
            return Err(ApiError::Invalid(FieldErrors::single(
                TOKEN_FIELD,
                "This link was sent to an address the account no longer has.",
            )));
        }
        Ok((record, user))
    }

    /// Why a transaction that redeems a token failed: read again, it says (a racing request
    /// used it, or the account's email changed meanwhile).
    async fn why_not_redeemed(&self, presented: &PresentedToken, kind: MailKind) -> ApiError {
        match self.usable(presented, kind).await {
            Err(err) => err,
            Ok(_) => crate::accounts::changed_meanwhile(),
        }
    }
}

fn token_error(why: Unusable) -> ApiError {
    let message = match why {
        Unusable::Unknown => "This link is not valid.",
        Unusable::Used => "This link has been used already.",
        Unusable::Expired => "This link has expired; ask for a new one.",
    };
    ApiError::Invalid(FieldErrors::single(TOKEN_FIELD, message))
}
