//! Who a caller is: an access token, checked against the signing key and then against the
//! sessions table, so that a token of a session that ended (logout, logout-all, a session
//! deleted) is refused at once, as is a correctly signed token of a user who never logged in.
//! Every entry point that takes an access token (the HTTP extractors, the WebSocket
//! `$connect`) asks here, at the cost of one read.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;

use crate::config::IdentitySettings;
use crate::dynamo::Item;
use crate::error::ApiError;
use crate::ids::UserId;
use crate::jwt::{Claims, TokenService, TokenType};
use crate::sessions::SessionDirectory;

#[derive(Clone)]
pub struct Authenticator {
    tokens: Arc<TokenService>,
    sessions: SessionDirectory,
}

impl Authenticator {
    pub fn new(settings: &IdentitySettings, client: Client) -> Self {
        Self {
            tokens: Arc::new(TokenService::new(&settings.jwt)),
            sessions: SessionDirectory::new(client, &settings.sessions_table),
        }
    }

    /// The service that issues and verifies this deployment's tokens.
    pub fn tokens(&self) -> &Arc<TokenService> {
        &self.tokens
    }

    /// The claims of a valid access token (signature, issuer, audience, expiry, type), whose
    /// session has not been looked up yet.
    fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        self.tokens.verify(token, TokenType::Access).map_err(|reason| {
            tracing::info!(%reason, "access token refused");
            ApiError::TokenNotValid
        })
    }

    /// A valid access token (signature, issuer, audience, expiry, type), whose session is still
    /// to be read.
    pub fn signed(&self, token: &str) -> Result<SignedToken, ApiError> {
        let claims = self.verify(token)?;
        let session = claims.sid.clone().ok_or(ApiError::TokenNotValid)?;
        Ok(SignedToken { claims, session, sessions: self.sessions.clone() })
    }

    /// The claims of a valid access token whose session is open: one read.
    pub async fn authenticate(&self, token: &str) -> Result<Claims, ApiError> {
        self.signed(token)?.open().await
    }
}

/// An access token whose signature and claims are valid, and whose session has not been read
/// yet. It names its user for building keys (inside this crate only); nothing is read or written
/// for that user before a session read, alone ([`SignedToken::open`]) or together with one of the
/// user's items ([`SignedToken::open_reading`]), has found the session open.
pub struct SignedToken {
    claims: Claims,
    session: String,
    sessions: SessionDirectory,
}

impl SignedToken {
    /// The user the token names, whose session may not be open.
    pub(crate) fn owner(&self) -> &UserId {
        &self.claims.sub
    }

    /// The claims, once the session is read and open: one read.
    pub async fn open(self) -> Result<Claims, ApiError> {
        let open = self.sessions.is_open(&self.claims.sub, &self.session).await?;
        admit(self.claims, open)
    }

    /// The caller's item of `table` whose key `key_of` makes from the token's user, read together
    /// with the session: still one read. 401 when the session is not open; `None` when the item
    /// does not exist.
    pub async fn open_reading(
        &self,
        table: &str,
        key_of: impl FnOnce(&UserId) -> Item,
    ) -> Result<Option<Item>, ApiError> {
        let key = key_of(&self.claims.sub);
        let (open, item) = self.sessions.is_open_reading(&self.claims.sub, &self.session, table, key).await?;
        admit(item, open)
    }
}

/// `admitted` when the token's session is open; 401 otherwise.
fn admit<T>(admitted: T, session_open: bool) -> Result<T, ApiError> {
    if !session_open {
        tracing::info!("access token of a session that is not open refused");
        return Err(ApiError::TokenNotValid);
    }
    Ok(admitted)
}
