//! Optimistic concurrency: every owned item has a `version`; its ETag is that version,
//! and writes honour `If-Match`.

use axum::extract::FromRequestParts;
use http::request::Parts;
use http::{HeaderValue, header};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// Starts at 1 and grows by one with every change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Version(u64);

impl Version {
    pub const FIRST: Self = Self(1);

    pub fn next(self) -> Self {
        Self(self.0 + 1)
    }

    pub fn get(self) -> u64 {
        self.0
    }

    /// The strong ETag of this version: `"3"`.
    pub fn etag(self) -> HeaderValue {
        HeaderValue::from_str(&format!("\"{}\"", self.0)).expect("digits and quotes are a valid header value")
    }
}

impl utoipa::PartialSchema for Version {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::Integer)
            .minimum(Some(1))
            .description(Some("Starts at 1 and grows by one with every change; the ETag is this number, quoted."))
            .into()
    }
}

impl utoipa::ToSchema for Version {}

/// The `If-Match` header of a write, if any.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum IfMatch {
    /// No header: the write is unconditional.
    #[default]
    Absent,
    /// `*`: any current version.
    Any,
    /// The versions the client last saw; a malformed tag matches nothing.
    Tags(Vec<Option<Version>>),
}

impl IfMatch {
    pub fn parse(value: &str) -> Self {
        let value = value.trim();
        if value == "*" {
            return Self::Any;
        }
        Self::Tags(value.split(',').map(|tag| parse_tag(tag.trim())).collect())
    }

    /// Whether the client named the versions it expects (not absent, not `*`).
    pub fn pins_version(&self) -> bool {
        matches!(self, Self::Tags(_))
    }

    /// `Err(PreconditionFailed)` when no tag matches the current `version`.
    pub fn check(&self, current: Version) -> Result<(), ApiError> {
        match self {
            Self::Absent | Self::Any => Ok(()),
            Self::Tags(tags) if tags.contains(&Some(current)) => Ok(()),
            Self::Tags(_) => Err(ApiError::PreconditionFailed),
        }
    }
}

/// `"3"` (weak `W/"3"` too: If-Match compares strongly, but our tags never differ in strength).
fn parse_tag(tag: &str) -> Option<Version> {
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    let digits = tag.strip_prefix('"')?.strip_suffix('"')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 19 {
        return None;
    }
    digits.parse().ok().map(Version)
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.headers.get(header::IF_MATCH) {
            None => Ok(Self::Absent),
            Some(value) => Ok(value.to_str().map(Self::parse).unwrap_or(Self::Tags(vec![None]))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_are_quoted_versions() {
        assert_eq!(Version::FIRST.etag(), "\"1\"");
        assert_eq!(Version::FIRST.next().next().etag(), "\"3\"");
    }

    #[test]
    fn if_match_compares_versions() {
        let v2 = Version::FIRST.next();
        assert!(IfMatch::Absent.check(v2).is_ok());
        assert!(IfMatch::parse("*").check(v2).is_ok());
        assert!(IfMatch::parse("\"2\"").check(v2).is_ok());
        assert!(IfMatch::parse("W/\"2\"").check(v2).is_ok());
        assert!(IfMatch::parse("\"1\", \"2\"").check(v2).is_ok());
        for stale in ["\"1\"", "\"3\"", "2", "\"\"", "\"x\"", "", "\"99999999999999999999999\""] {
            assert_eq!(IfMatch::parse(stale).check(v2).unwrap_err().code(), "precondition_failed", "{stale:?}");
        }
    }
}
