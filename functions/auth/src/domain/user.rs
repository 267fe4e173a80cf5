//! A registered user, as stored and as shown.

use serde::{Deserialize, Serialize};
use shared::ids::UserId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub email: Option<String>,
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
    pub created_at: String,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            username: user.username.clone(),
            email: user.email.clone(),
            created_at: user.created_at.clone(),
        }
    }
}
