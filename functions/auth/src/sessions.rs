//! The life of a login: token pairs, refresh rotation with reuse detection, logout.
//!
//! Every refresh token carries the id of the login (`family`) it descends from.
//! Rotation records the presented token as used with a conditional write; if that
//! write finds it already used, the token was replayed (RFC 9700 §4.14.2) and the
//! whole family is revoked, including the newest token a thief may hold.

use std::sync::Arc;

use shared::ApiError;
use shared::clock;
use shared::ids::{UserId, new_id, ulid_timestamp_ms};
use shared::jwt::{Claims, TokenPair, TokenService, TokenType};

use crate::store::{RevocationStore, UserStore};

#[derive(Clone)]
pub struct Sessions {
    tokens: Arc<TokenService>,
    users: UserStore,
    revocations: RevocationStore,
}

impl Sessions {
    pub fn new(tokens: Arc<TokenService>, users: UserStore, revocations: RevocationStore) -> Self {
        Self { tokens, users, revocations }
    }

    /// A token pair for a new login.
    pub fn start(&self, user: UserId) -> Result<TokenPair, ApiError> {
        self.tokens.issue_pair(user, &new_id(), clock::now()).map_err(ApiError::internal)
    }

    /// Exchanges a refresh token for a new pair; the presented one is used up.
    pub async fn rotate(&self, refresh: &str) -> Result<TokenPair, ApiError> {
        let claims = self.verify_refresh(refresh).await?;
        self.use_up(&claims).await?;
        let family = claims.family.as_deref().ok_or(ApiError::TokenNotValid)?;
        self.tokens.issue_pair(claims.sub, family, clock::now()).map_err(ApiError::internal)
    }

    /// Revokes one refresh token until it would have expired.
    pub async fn logout(&self, refresh: &str) -> Result<(), ApiError> {
        let claims = self.verify_refresh(refresh).await?;
        self.use_up(&claims).await
    }

    /// Revokes every refresh token of `user` issued so far.
    pub async fn logout_all(&self, user: &UserId) -> Result<(), ApiError> {
        let now = clock::now();
        let cutoff_ms = (now.unix_timestamp_nanos() / 1_000_000) as u64;
        let until = clock::epoch_seconds(now) + self.tokens.refresh_ttl().as_secs() as i64;
        self.revocations.revoke_all_for_user(user, cutoff_ms, until).await
    }

    /// Any token's claims, if it is valid now (refresh tokens: and not revoked).
    pub async fn inspect(&self, token: &str) -> Result<Claims, ApiError> {
        let claims = self.tokens.verify_any(token)?;
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

    /// A refresh token is alive while its user exists, its login was not revoked,
    /// and it was issued after the user's last logout-all.
    async fn ensure_active(&self, claims: &Claims) -> Result<(), ApiError> {
        let now = clock::epoch_seconds(clock::now());
        let family = claims.family.as_deref().ok_or(ApiError::TokenNotValid)?;
        let issued_ms = ulid_timestamp_ms(&claims.jti).ok_or(ApiError::TokenNotValid)?;
        let (user, family_revoked, cutoff_ms) = tokio::try_join!(
            self.users.get(&claims.sub),
            self.revocations.is_family_revoked(family, now),
            self.revocations.user_cutoff_ms(&claims.sub, now),
        )?;
        let cut_off = cutoff_ms.is_some_and(|cutoff| issued_ms <= cutoff);
        if user.is_none() || family_revoked || cut_off {
            return Err(ApiError::TokenNotValid);
        }
        Ok(())
    }

    /// Marks the token used; a second use revokes its whole login.
    async fn use_up(&self, claims: &Claims) -> Result<(), ApiError> {
        if self.revocations.revoke_token(&claims.jti, claims.exp).await? {
            return Ok(());
        }
        let family = claims.family.as_deref().ok_or(ApiError::TokenNotValid)?;
        let until = clock::epoch_seconds(clock::now()) + self.tokens.refresh_ttl().as_secs() as i64;
        self.revocations.revoke_family(family, until).await?;
        tracing::warn!(user = %claims.sub, "refresh token reused; revoked every token of that login");
        Err(ApiError::TokenNotValid)
    }
}
