//! A session: one login and the token pairs rotated from it, as stored and as shown.

use serde::Serialize;
use time::OffsetDateTime;

use shared::clock;

/// The most of a login's `User-Agent` a session keeps.
pub const USER_AGENT_MAX: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// A ULID: the `sid` of its access tokens and the `family` of its refresh tokens.
    pub id: String,
    pub created_at: String,
    /// The login, or the latest refresh.
    pub last_used_at: String,
    /// When its newest refresh token expires.
    pub expires_at: String,
    pub expires_at_epoch: i64,
    pub user_agent: Option<String>,
}

impl Session {
    /// A session begun `now` by a client that sent `user_agent`, open until `expires`.
    pub fn begin(id: String, now: OffsetDateTime, expires: OffsetDateTime, user_agent: Option<&str>) -> Self {
        let at = clock::format_timestamp(now);
        Self {
            id,
            created_at: at.clone(),
            last_used_at: at,
            expires_at: clock::format_timestamp(expires),
            expires_at_epoch: clock::epoch_seconds(expires),
            user_agent: user_agent
                .map(str::trim)
                .filter(|agent| !agent.is_empty())
                .map(|agent| agent.chars().take(USER_AGENT_MAX).collect()),
        }
    }

    pub fn view(&self, current: Option<&str>) -> SessionView {
        SessionView {
            id: self.id.clone(),
            created_at: self.created_at.clone(),
            last_used_at: self.last_used_at.clone(),
            expires_at: self.expires_at.clone(),
            user_agent: self.user_agent.clone(),
            current: current == Some(self.id.as_str()),
        }
    }
}

/// A session as the API shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = Session)]
pub struct SessionView {
    pub id: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// The login or the latest refresh; RFC 3339, UTC.
    pub last_used_at: String,
    /// When its newest refresh token expires; RFC 3339, UTC.
    pub expires_at: String,
    /// The `User-Agent` of the login (at most 200 characters), if it sent one.
    pub user_agent: Option<String>,
    /// Whether this is the session of the access token that asked.
    pub current: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_at_most_200_characters_of_the_user_agent_and_knows_the_current_one() {
        let now = clock::now();
        let long = "é".repeat(300);
        let session = Session::begin("01J0000000000000000000000A".into(), now, now, Some(&long));
        assert_eq!(session.user_agent.as_ref().map(|agent| agent.chars().count()), Some(USER_AGENT_MAX));
        assert!(session.view(Some("01J0000000000000000000000A")).current);
        assert!(!session.view(Some("01J0000000000000000000000B")).current);
        assert!(!session.view(None).current);
        assert_eq!(Session::begin("x".into(), now, now, None).view(None).user_agent, None);
        assert_eq!(Session::begin("x".into(), now, now, Some(" ")).view(None).user_agent, None);
    }
}
