//! An account's life beyond its sessions: registration, deletion, disabling. The HTTP handlers
//! and the operator's command line (`taskmoney-admin`) both go through here, so an account made,
//! deleted or disabled by either is made, deleted or disabled the same way.

use shared::ids::UserId;
use shared::password::PasswordHasher;
use shared::{ApiError, FieldErrors, clock};

use crate::domain::{Registration, User};
use crate::store::{CreateUserError, SessionStore, UserStore};

const USERNAME_TAKEN: &str = "A user with that username already exists.";
const EMAIL_TAKEN: &str = "A user with that email already exists.";

#[derive(Clone)]
pub struct Accounts {
    users: UserStore,
    sessions: SessionStore,
    hasher: PasswordHasher,
}

impl Accounts {
    pub fn new(users: UserStore, sessions: SessionStore, hasher: PasswordHasher) -> Self {
        Self { users, sessions, hasher }
    }

    /// A new account; its names taken are 409 `conflict` naming them.
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
            password_hash: self.hasher.hash(registration.password).await?,
            created_at: clock::format_timestamp(clock::now()),
            disabled: false,
        };
        match self.users.create(&user).await {
            Ok(()) => Ok(user),
            Err(CreateUserError::Taken { username, email }) => Err(conflict(username, email)),
            Err(CreateUserError::Store(err)) => Err(err),
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

/// 409: the account changed between its read and a conditional write.
pub fn changed_meanwhile() -> ApiError {
    ApiError::Conflict {
        detail: "The account changed meanwhile; read it again and retry.".into(),
        errors: FieldErrors::single("non_field_errors", "The account changed meanwhile."),
    }
}
