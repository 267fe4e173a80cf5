//! Who a caller is: an access token, checked against the signing key and then against the
//! users table, so that a correctly signed token of a deleted user is refused. Every entry
//! point that takes an access token (the HTTP extractors, the WebSocket `$connect`) asks here.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;

use crate::config::IdentitySettings;
use crate::error::ApiError;
use crate::jwt::{Claims, TokenService, TokenType};
use crate::users::UserDirectory;

#[derive(Clone)]
pub struct Authenticator {
    tokens: Arc<TokenService>,
    users: UserDirectory,
}

impl Authenticator {
    pub fn new(settings: &IdentitySettings, client: Client) -> Self {
        Self {
            tokens: Arc::new(TokenService::new(&settings.jwt)),
            users: UserDirectory::new(client, &settings.users_table),
        }
    }

    /// The service that issues and verifies this deployment's tokens.
    pub fn tokens(&self) -> &Arc<TokenService> {
        &self.tokens
    }

    /// The claims of a valid access token (signature, issuer, audience, expiry, type), whose
    /// user has not been looked up yet.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        self.tokens.verify(token, TokenType::Access).map_err(|reason| {
            tracing::info!(%reason, "access token refused");
            ApiError::TokenNotValid
        })
    }

    /// The claims of a valid access token of a user who exists: one read of the users table.
    pub async fn authenticate(&self, token: &str) -> Result<Claims, ApiError> {
        let claims = self.verify(token)?;
        if !self.users.exists(&claims.sub).await? {
            tracing::info!("access token of a user who does not exist refused");
            return Err(ApiError::TokenNotValid);
        }
        Ok(claims)
    }
}
