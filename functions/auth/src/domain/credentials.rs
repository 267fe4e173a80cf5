//! What a login names: a username, or an email when it contains `@`.

use super::registration::{Email, Username};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginName {
    Username(String),
    Email(String),
    /// Cannot belong to any account; still costs a hash so the answer takes as long.
    Impossible,
}

impl LoginName {
    pub fn parse(raw: &str) -> Self {
        let raw = raw.trim();
        if raw.contains('@') {
            Email::parse(raw).map_or(Self::Impossible, |email| Self::Email(email.as_str().to_owned()))
        } else {
            Username::parse(raw.to_owned()).map_or(Self::Impossible, |name| Self::Username(name.canonical()))
        }
    }

    /// The key failures are counted under; `None` when nothing could match anyway.
    pub fn throttle_key(&self) -> Option<String> {
        match self {
            Self::Username(name) => Some(format!("login#{name}")),
            Self::Email(email) => Some(format!("login#{email}")),
            Self::Impossible => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_sign_means_email() {
        assert_eq!(LoginName::parse(" Ann@Example.com "), LoginName::Email("ann@example.com".into()));
        assert_eq!(LoginName::parse("Ann"), LoginName::Username("ann".into()));
        assert_eq!(LoginName::parse("a"), LoginName::Impossible);
        assert_eq!(LoginName::parse("ann@"), LoginName::Impossible);
        assert_eq!(LoginName::parse(&"x".repeat(5000)), LoginName::Impossible);
        assert_eq!(LoginName::parse("Ann").throttle_key().as_deref(), Some("login#ann"));
    }
}
