//! What every handler can reach, built once per cold start.

use aws_sdk_dynamodb::Client;
use axum::extract::FromRef;
use shared::identity::Authenticator;
use shared::password::PasswordHasher;

use crate::accounts::Accounts;
use crate::config::AuthConfig;
use crate::domain::ThrottlePolicy;
use crate::email::Emails;
use crate::sessions::Sessions;
use crate::store::{MailStore, RevocationStore, SessionStore, ThrottleStore, UserStore};
use crate::transport::CookiePolicy;

/// Each field is what a handler takes with `State<...>` (by `FromRef`).
#[derive(Clone, FromRef)]
pub struct AppState {
    pub authenticator: Authenticator,
    pub users: UserStore,
    pub sessions: Sessions,
    pub accounts: Accounts,
    pub emails: Emails,
    pub throttle: ThrottleStore,
    pub throttle_policy: ThrottlePolicy,
    pub hasher: PasswordHasher,
    pub cookie: CookiePolicy,
}

impl AppState {
    pub fn new(config: &AuthConfig, client: Client) -> Self {
        let authenticator = Authenticator::new(&config.api.identity, client.clone());
        let users = UserStore::new(client.clone(), &config.users_table);
        let revocations = RevocationStore::new(client.clone(), &config.revoked_tokens_table);
        let sessions = SessionStore::new(client.clone(), &config.api.identity.sessions_table);
        let hasher = PasswordHasher::default();
        let mail = MailStore::new(client.clone(), &config.mail_table);
        let cookie =
            CookiePolicy { secure: config.refresh_cookie_secure, max_age: authenticator.tokens().refresh_ttl() };
        Self {
            accounts: Accounts::new(users.clone(), sessions.clone(), mail.clone(), hasher.clone()),
            emails: Emails::new(client.clone(), users.clone(), sessions.clone(), mail, hasher.clone()),
            sessions: Sessions::new(authenticator.tokens().clone(), users.clone(), revocations, sessions),
            authenticator,
            users,
            throttle: ThrottleStore::new(client, &config.login_throttle_table),
            throttle_policy: config.throttle,
            cookie,
            hasher,
        }
    }
}
