//! What every handler can reach, built once per cold start.

use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use axum::extract::FromRef;
use shared::jwt::TokenService;
use shared::password::PasswordHasher;
use shared::users::UserDirectory;

use crate::config::AuthConfig;
use crate::domain::ThrottlePolicy;
use crate::sessions::Sessions;
use crate::store::{RevocationStore, ThrottleStore, UserStore};

/// Each field is what a handler takes with `State<...>` (by `FromRef`).
#[derive(Clone, FromRef)]
pub struct AppState {
    pub tokens: Arc<TokenService>,
    pub users: UserStore,
    pub sessions: Sessions,
    pub throttle: ThrottleStore,
    pub throttle_policy: ThrottlePolicy,
    pub hasher: PasswordHasher,
    pub directory: UserDirectory,
}

impl AppState {
    pub fn new(config: &AuthConfig, client: Client) -> Self {
        let tokens = Arc::new(TokenService::new(&config.jwt));
        let users = UserStore::new(client.clone(), &config.users_table);
        let revocations = RevocationStore::new(client.clone(), &config.revoked_tokens_table);
        Self {
            sessions: Sessions::new(tokens.clone(), users.clone(), revocations),
            tokens,
            users,
            directory: UserDirectory::new(client.clone(), &config.users_table),
            throttle: ThrottleStore::new(client, &config.login_throttle_table),
            throttle_policy: config.throttle,
            hasher: PasswordHasher::default(),
        }
    }
}
