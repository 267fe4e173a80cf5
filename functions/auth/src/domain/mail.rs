//! What the auth function sends by mail, and the single-use tokens in the mails' links.
//!
//! A token is 48 bytes in URL-safe base64 (64 characters): the user's id (16 bytes), so the
//! token's item is found in its owner's partition, then 32 random bytes (256 bits) from the
//! operating system. Only its SHA-256 is ever stored.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use shared::ids::UserId;

/// Why a mail is sent: each kind has its own link and its own token lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::Display)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum MailKind {
    /// Proves that the user reads the address: `/verify-email?token=...`.
    EmailVerification,
    /// Sets a new password: `/reset-password?token=...`.
    PasswordReset,
}

impl MailKind {
    /// How long the token of such a mail can be used.
    pub fn token_lifetime(self) -> Duration {
        match self {
            Self::EmailVerification => Duration::from_secs(24 * 3600),
            Self::PasswordReset => Duration::from_secs(30 * 60),
        }
    }

    /// The frontend's page the mail's link opens.
    pub fn page(self) -> &'static str {
        match self {
            Self::EmailVerification => "/verify-email",
            Self::PasswordReset => "/reset-password",
        }
    }
}

/// A mail the auth function asks for: what the outbox holds until the mailer sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailRequest {
    /// To `user`'s new (or still unverified) address.
    Verification { user: UserId, email: String },
    /// To whoever has `email` verified, if anyone: the mailer finds out, not the request.
    PasswordReset { email: String },
}

impl MailRequest {
    pub fn kind(&self) -> MailKind {
        match self {
            Self::Verification { .. } => MailKind::EmailVerification,
            Self::PasswordReset { .. } => MailKind::PasswordReset,
        }
    }

    pub fn email(&self) -> &str {
        match self {
            Self::Verification { email, .. } | Self::PasswordReset { email } => email,
        }
    }

    /// The user it goes to, when the request knows.
    pub fn user(&self) -> Option<UserId> {
        match self {
            Self::Verification { user, .. } => Some(*user),
            Self::PasswordReset { .. } => None,
        }
    }
}

const RANDOM_BYTES: usize = 32;
const TOKEN_BYTES: usize = 16 + RANDOM_BYTES;

/// A token as it goes into a link: shown once, in the mail, and never stored; and the hash it
/// is stored under.
#[derive(Clone, PartialEq, Eq)]
pub struct MailToken {
    text: String,
    hash: String,
}

impl std::fmt::Debug for MailToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MailToken(..)")
    }
}

impl MailToken {
    /// A new token for `owner`; fails only when the operating system has no randomness.
    pub fn generate(owner: &UserId) -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; TOKEN_BYTES];
        bytes[..16].copy_from_slice(&owner.to_bytes());
        getrandom::fill(&mut bytes[16..])?;
        Ok(Self { text: URL_SAFE_NO_PAD.encode(bytes), hash: hash(&bytes) })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The user a presented token names and the hash it is stored under, if it has a token's
    /// form at all.
    pub fn parse(raw: &str) -> Option<PresentedToken> {
        let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).ok()?;
        let owner: [u8; 16] = bytes.get(..16)?.try_into().ok()?;
        if bytes.len() != TOKEN_BYTES {
            return None;
        }
        Some(PresentedToken { owner: UserId::from_bytes(owner), hash: hash(&bytes) })
    }

    /// The hash this token is stored under.
    pub fn hash(&self) -> &str {
        &self.hash
    }
}

/// A token as a request presents it: whose it claims to be, and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresentedToken {
    pub owner: UserId,
    pub hash: String,
}

fn hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_names_its_owner_and_is_stored_only_as_its_hash() {
        let owner = UserId::generate();
        let token = MailToken::generate(&owner).unwrap();
        assert_eq!(token.as_str().len(), 64);
        let presented = MailToken::parse(token.as_str()).unwrap();
        assert_eq!(presented.owner, owner);
        assert_eq!(presented.hash.len(), 64);
        assert!(!presented.hash.contains(token.as_str()));
        assert_eq!(token.hash(), presented.hash);
        assert_ne!(MailToken::generate(&owner).unwrap(), token, "256 random bits each time");
    }

    #[test]
    fn anything_else_is_no_token() {
        let token = MailToken::generate(&UserId::generate()).unwrap();
        for bad in ["", "x", &token.as_str()[..63], &format!("{}AA", token.as_str()), "not base64 at all!!"] {
            assert_eq!(MailToken::parse(bad), None, "{bad:?}");
        }
        assert_eq!(format!("{token:?}"), "MailToken(..)");
    }
}
