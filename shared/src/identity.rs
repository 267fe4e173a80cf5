//! Who a caller is: an access token, checked against the signing key and then against the
//! sessions table, so that a token of a session that ended (logout, logout-all, a session
//! deleted) is refused at once, as is a correctly signed token of a user who never logged in.
//! Every entry point that takes an access token (the HTTP extractors, the WebSocket
//! `$connect`) asks here, at the cost of one read.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;

use crate::config::IdentitySettings;
use crate::error::ApiError;
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

    /// The claims of a valid access token whose session is open: one read.
    pub async fn authenticate(&self, token: &str) -> Result<Claims, ApiError> {
        let claims = self.verify(token)?;
        let session = claims.sid.as_deref().ok_or(ApiError::TokenNotValid)?;
        if !self.sessions.is_open(&claims.sub, session).await? {
            tracing::info!("access token of a session that is not open refused");
            return Err(ApiError::TokenNotValid);
        }
        Ok(claims)
    }
}
