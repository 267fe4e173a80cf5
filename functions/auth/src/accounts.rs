//! An account's life beyond its sessions: registration, renaming, deletion, disabling. The HTTP handlers
//! and the operator's command line (`taskmoney-admin`) both go through here, so an account made,
//! deleted or disabled by either is made, deleted or disabled the same way.

use shared::ids::UserId;
use shared::password::PasswordHasher;
use shared::{ApiError, FieldErrors, clock};

use crate::domain::{MailRequest, Registration, User};
use crate::store::{CreateUserError, MailStore, SessionStore, UserStore};

const USERNAME_TAKEN: &str = "A user with that username already exists.";
const EMAIL_TAKEN: &str = "A user with that email already exists.";

#[derive(Clone)]
pub struct Accounts {
    users: UserStore,
    sessions: SessionStore,
    mail: MailStore,
    hasher: PasswordHasher,
}

impl Accounts {
    pub fn new(users: UserStore, sessions: SessionStore, mail: MailStore, hasher: PasswordHasher) -> Self {
        Self { users, sessions, mail, hasher }
    }

    /// A new account; its names taken are 409 `conflict` naming them. An account with an
    /// email gets a verification mail: its request is written with the account, in one
    /// transaction.
    pub async fn register(&self, registration: Registration) -> Result<User, ApiError> {
        let email = registration.email.as_ref().map(|e| e.as_str().to_owned());
        // Answer obvious duplicates before spending a hash; the transaction decides races.
        let (username_taken, email_taken) =
            self.users.taken(&registration.username.canonical(), email.as_deref()).await?;
        if username_taken || email_taken {
            return Err(conflict(username_taken, email_taken));
        }
        let user = User {
            id: UserId::generate(),
            username: registration.username.as_str().to_owned(),
            email,
            email_verified: false,
            password_hash: self.hasher.hash(registration.password).await?,
            created_at: clock::format_timestamp(clock::now()),
            disabled: false,
        };
        let also = self.verification_mail(&user)?.into_iter().collect();
        self.users.create(&user, also).await.map_err(into_api_error)?;
        Ok(user)
    }

    /// Gives `user` the username and email of `renamed`; the old names are free again in the
    /// same transaction that takes the new ones, and a new email gets a verification mail.
    pub async fn rename(&self, user: &User, renamed: &User) -> Result<User, ApiError> {
        let mut renamed = renamed.clone();
        let mut also = Vec::new();
        if renamed.email != user.email {
            renamed.email_verified = false;
            also.extend(self.verification_mail(&renamed)?);
        }
        self.users.rename(user, &renamed, also).await.map_err(into_api_error)?;
        Ok(renamed)
    }

    /// The outbox write of a verification mail to `user`'s email, if there is one to verify.
    fn verification_mail(&self, user: &User) -> Result<Option<aws_sdk_dynamodb::types::TransactWriteItem>, ApiError> {
        match &user.email {
            Some(email) if !user.email_verified => {
                let request = MailRequest::Verification { user: user.id, email: email.clone() };
                Ok(Some(self.mail.request_write(&request)?))
            }
            _ => Ok(None),
        }
    }

    /// Ends the account at once: its item and both names' guards go in one transaction (the
    /// names are free again), then every session (every token refused). The users table's
    /// stream hands the deletion to the purge function, which closes the account's WebSocket
    /// connections and deletes everything else it owned. 409 when the account changed since
    /// `user` was read.
    pub async fn close(&self, user: &User) -> Result<(), ApiError> {
        if !self.users.delete(user).await? {
            return Err(changed_meanwhile());
        }
        self.sessions.end_all(&user.id).await?;
        tracing::info!(user = %user.id, "account deleted; its sessions ended, its data left to the purge");
        Ok(())
    }

    /// Disables (or enables again) account `id`; a disabled account's sessions end at once and
    /// its logins answer as a wrong password does. `false` when there is no such account.
    pub async fn set_disabled(&self, id: &UserId, disabled: bool) -> Result<bool, ApiError> {
        if !self.users.set_disabled(id, disabled).await? {
            return Ok(false);
        }
        if disabled {
            self.sessions.end_all(id).await?;
        }
        tracing::info!(user = %id, disabled, "account disabled flag set");
        Ok(true)
    }
}

/// 409 naming the names already taken.
pub fn conflict(username: bool, email: bool) -> ApiError {
    let mut errors = FieldErrors::new();
    if username {
        errors.add("username", USERNAME_TAKEN);
    }
    if email {
        errors.add("email", EMAIL_TAKEN);
    }
    let detail = if username { USERNAME_TAKEN } else { EMAIL_TAKEN };
    ApiError::Conflict { detail: detail.to_owned(), errors }
}

fn into_api_error(err: CreateUserError) -> ApiError {
    match err {
        CreateUserError::Taken { username, email } => conflict(username, email),
        CreateUserError::ChangedMeanwhile => changed_meanwhile(),
        CreateUserError::Store(err) => err,
    }
}

/// 409: the account changed between its read and a conditional write.
pub fn changed_meanwhile() -> ApiError {
    ApiError::Conflict {
        detail: "The account changed meanwhile; read it again and retry.".into(),
        errors: FieldErrors::single("non_field_errors", "The account changed meanwhile."),
    }
}
