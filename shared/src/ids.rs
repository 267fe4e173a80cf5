//! Identifiers: opaque, URL-safe, time-ordered ULIDs.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ulid::Ulid;

/// The id of a user: the `sub` of every token and the owner of every item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(Ulid);

impl UserId {
    pub fn generate() -> Self {
        Self(Ulid::new())
    }

    /// The id's 128 bits, for a token that must name its user compactly.
    pub fn to_bytes(self) -> [u8; 16] {
        self.0.to_bytes()
    }

    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(Ulid::from_bytes(bytes))
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for UserId {
    type Err = ulid::DecodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ulid::from_string(s).map(Self)
    }
}

impl utoipa::PartialSchema for UserId {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .description(Some("A ULID."))
            .into()
    }
}

impl utoipa::ToSchema for UserId {}

/// A fresh time-ordered id as a string, for items and token ids.
pub fn new_id() -> String {
    Ulid::new().to_string()
}

/// The id of an owned item in canonical form, if `raw` is one.
pub fn parse_item_id(raw: &str) -> Option<String> {
    Ulid::from_string(raw).ok().map(|ulid| ulid.to_string())
}

/// The creation time (Unix milliseconds) encoded in a ULID string, if it is one.
pub fn ulid_timestamp_ms(id: &str) -> Option<u64> {
    Ulid::from_string(id).ok().map(|ulid| ulid.timestamp_ms())
}
