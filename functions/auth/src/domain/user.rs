//! A registered user, as stored and as shown.

use serde::{Deserialize, Serialize};
use shared::ids::UserId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub email: Option<String>,
    /// Whether the user has followed a verification mail's link to `email`; a new or changed
    /// email starts unverified.
    pub email_verified: bool,
    pub password_hash: String,
    pub created_at: String,
    /// Disabled by an operator: no session opens, logins answer as a wrong password does.
    pub disabled: bool,
}

/// What the API shows of a user: never the hash.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = User)]
pub struct UserView {
    pub id: UserId,
    pub username: String,
    pub email: Option<String>,
    /// Whether the user proved to read `email` (a new or changed email starts unverified).
    pub email_verified: bool,
    pub created_at: String,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            username: user.username.clone(),
            email: user.email.clone(),
            email_verified: user.email_verified,
            created_at: user.created_at.clone(),
        }
    }
}
