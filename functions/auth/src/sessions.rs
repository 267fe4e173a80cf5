//! The life of a login (a session): token pairs, refresh rotation with reuse detection,
//! logout, and the session's item, without which none of its tokens is accepted.
//!
//! Every refresh token carries the id of the login (`family`) it descends from, every access
//! token the same id as `sid`.
//! Rotation records the presented token as used with a conditional write; if that
//! write finds it already used, the token was replayed (RFC 9700 §4.14.2) and the
//! whole family is revoked, including the newest token a thief may hold.

use std::sync::Arc;

use shared::ApiError;
use shared::clock;
use shared::ids::{UserId, new_id, ulid_timestamp_ms};
use shared::jwt::{Claims, TokenPair, TokenService, TokenType};

use crate::domain::Session;
use crate::store::{RevocationStore, SessionStore, UserStore};

#[derive(Clone)]
pub struct Sessions {
    tokens: Arc<TokenService>,
    users: UserStore,
    revocations: RevocationStore,
    store: SessionStore,
}

impl Sessions {
    pub fn new(tokens: Arc<TokenService>, users: UserStore, revocations: RevocationStore, store: SessionStore) -> Self {
        Self { tokens, users, revocations, store }
    }

    /// A new session of `user` and its first token pair; `None` when the account is gone or
    /// disabled.
    pub async fn start(&self, user: UserId, user_agent: Option<&str>) -> Result<Option<TokenPair>, ApiError> {
        let now = clock::now();
        let session = Session::begin(new_id(), now, now + self.tokens.refresh_ttl(), user_agent);
        let pair = self.tokens.issue_pair(user, &session.id, now).map_err(ApiError::internal)?;
        let opened = self.store.open(user, &session, self.users.still_usable(&user)?).await?;
        Ok(opened.then_some(pair))
    }

    /// Exchanges a refresh token for a new pair of its session; the presented one is used up.
    ///
    /// The session is not read: the write that moves it on is conditional on its item, which
    /// every way a login ends deletes, so an ended session is refused by that write (its token,
    /// used up on the way, was dead anyway). The account is read, alongside the first write: a
    /// deleted or disabled account's tokens are refused whatever became of its sessions.
    pub async fn rotate(&self, refresh: &str) -> Result<TokenPair, ApiError> {
        let claims = self.tokens.verify(refresh, TokenType::Refresh)?;
        let family = issued_here(&claims)?;
        let (usable, ()) = tokio::try_join!(self.account_usable(&claims.sub), self.use_up(&claims))?;
        if !usable {
            return Err(ApiError::TokenNotValid);
        }
        let now = clock::now();
        if !self.store.touch(&claims.sub, family, now, now + self.tokens.refresh_ttl()).await? {
            return Err(ApiError::TokenNotValid);
        }
        self.tokens.issue_pair(claims.sub, family, now).map_err(ApiError::internal)
    }

    /// Ends the session of a refresh token: the token is used up and the session's item
    /// deleted, so its access tokens are refused at once too.
    pub async fn logout(&self, refresh: &str) -> Result<(), ApiError> {
        let claims = self.verify_refresh(refresh).await?;
        self.use_up(&claims).await?;
        let family = claims.family.as_deref().ok_or(ApiError::TokenNotValid)?;
        self.store.end(&claims.sub, family).await?;
        Ok(())
    }

    /// Ends every session of `user`: every token issued so far is refused.
    pub async fn logout_all(&self, user: &UserId) -> Result<(), ApiError> {
        self.store.end_all(user).await
    }

    /// The sessions of `user` that can still refresh, newest first.
    pub async fn list(&self, user: &UserId) -> Result<Vec<Session>, ApiError> {
        self.store.list(user, clock::epoch_seconds(clock::now())).await
    }

    /// Ends session `id` of `user`; `false` when `user` has no such session.
    pub async fn end(&self, user: &UserId, id: &str) -> Result<bool, ApiError> {
        self.store.end(user, id).await
    }

    /// Any token's claims, if it is valid now: its session open, and a refresh token not
    /// revoked.
    pub async fn inspect(&self, token: &str) -> Result<Claims, ApiError> {
        let claims = self.tokens.verify_any(token)?;
        if claims.token_type == TokenType::Access {
            let session = claims.sid.as_deref().ok_or(ApiError::TokenNotValid)?;
            if !self.store.is_open(&claims.sub, session).await? {
                return Err(ApiError::TokenNotValid);
            }
        }
        if claims.token_type == TokenType::Refresh {
            let now = clock::epoch_seconds(clock::now());
            let ((), revoked) =
                tokio::try_join!(self.ensure_active(&claims), self.revocations.is_token_revoked(&claims.jti, now))?;
            if revoked {
                return Err(ApiError::TokenNotValid);
            }
        }
        Ok(claims)
    }

    async fn verify_refresh(&self, token: &str) -> Result<Claims, ApiError> {
        let claims = self.tokens.verify(token, TokenType::Refresh)?;
        self.ensure_active(&claims).await?;
        Ok(claims)
    }

    /// A refresh token is alive while its user exists and its session is open (every way a
    /// session ends deletes its item: logout, logout-all, a replayed token, a password change).
    async fn ensure_active(&self, claims: &Claims) -> Result<(), ApiError> {
        let family = issued_here(claims)?;
        let (usable, open) =
            tokio::try_join!(self.account_usable(&claims.sub), self.store.is_open(&claims.sub, family))?;
        if !usable || !open {
            return Err(ApiError::TokenNotValid);
        }
        Ok(())
    }

    /// Whether `user`'s account still exists and is not disabled.
    async fn account_usable(&self, user: &UserId) -> Result<bool, ApiError> {
        Ok(self.users.get(user).await?.is_some_and(|user| !user.disabled))
    }

    /// Marks the token used; a second use revokes its whole login.
    async fn use_up(&self, claims: &Claims) -> Result<(), ApiError> {
        if self.revocations.revoke_token(&claims.jti, claims.exp).await? {
            return Ok(());
        }
        let family = claims.family.as_deref().ok_or(ApiError::TokenNotValid)?;
        self.store.end(&claims.sub, family).await?;
        tracing::warn!(user = %claims.sub, "refresh token reused; revoked every token of that login");
        Err(ApiError::TokenNotValid)
    }
}

/// The session a refresh token belongs to, if this API issued it: its family, and an id that is a
/// ULID as every id issued here is.
fn issued_here(claims: &Claims) -> Result<&str, ApiError> {
    let family = claims.family.as_deref().ok_or(ApiError::TokenNotValid)?;
    ulid_timestamp_ms(&claims.jti).ok_or(ApiError::TokenNotValid)?;
    Ok(family)
}
