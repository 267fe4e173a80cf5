//! `Idempotency-Key` (IETF draft-ietf-httpapi-idempotency-key-header): the client's name
//! for one create, and the fingerprint of what that create said. Repeating a POST with the
//! same key and body (after a timeout, a lost answer or a 503) answers the first outcome again
//! instead of creating a second item.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

pub const HEADER: &str = "Idempotency-Key";
pub const MAX_LENGTH: usize = 255;
/// The OpenAPI pattern of a key: [`IdempotencyKey::parse`]'s rule.
pub const PATTERN: &str = r"^[\x21-\x2B\x2D-\x7E]{1,255}$";
/// How long a key is remembered.
pub const RETENTION_SECONDS: i64 = 24 * 60 * 60;

/// A key as the client sent it: 1 to 255 visible ASCII characters other than a comma. (API
/// Gateway joins repeated headers with commas, so a comma would hide a second header.)
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    pub fn parse(value: &[u8]) -> Result<Self, InvalidKey> {
        let allowed = |byte: &u8| (b'!'..=b'~').contains(byte) && *byte != b',';
        if value.is_empty() || value.len() > MAX_LENGTH || !value.iter().all(allowed) {
            return Err(InvalidKey);
        }
        // Every byte is ASCII, so this cannot fail.
        std::str::from_utf8(value).map(|key| Self(key.to_owned())).map_err(|_| InvalidKey)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A key that breaks [`IdempotencyKey::parse`]'s rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Send 1 to 255 visible ASCII characters other than a comma (a UUID, for example).")]
pub struct InvalidKey;

/// SHA-256 of a body's fields (read-only ones dropped) in name order: two bodies that say
/// the same thing have the same fingerprint, however their fields are ordered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(String);

impl Fingerprint {
    pub fn of(object: &Map<String, Value>) -> Self {
        let ordered: std::collections::BTreeMap<&String, &Value> = object.iter().collect();
        let canonical = serde_json::to_vec(&ordered).unwrap_or_default();
        let digest = Sha256::digest(&canonical);
        Self(digest.iter().map(|byte| format!("{byte:02x}")).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takes_visible_ascii_up_to_255_characters() {
        for key in ["a", "8e03978e-40d5-43e8-bc93-6894a57f9324", "\"quoted\"", &"k".repeat(255)] {
            assert_eq!(IdempotencyKey::parse(key.as_bytes()).unwrap().as_str(), key);
        }
    }

    #[test]
    fn refuses_empty_long_spaced_and_non_ascii_keys() {
        for key in ["", " ", "a b", "tab\t", "a,b", &"k".repeat(256), "clé"] {
            assert_eq!(IdempotencyKey::parse(key.as_bytes()), Err(InvalidKey), "{key:?}");
        }
    }
}
