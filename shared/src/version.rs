//! Optimistic concurrency: every owned item has a `version`, its ETag is that version, and a
//! write may name the versions it expects (`If-Match`).

use serde::{Deserialize, Serialize};

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
    pub fn etag(self) -> String {
        format!("\"{}\"", self.0)
    }

    /// The version an ETag names (`"3"`, or weak `W/"3"`: our tags never differ in strength).
    pub fn from_etag(tag: &str) -> Option<Self> {
        let tag = tag.strip_prefix("W/").unwrap_or(tag);
        let digits = tag.strip_prefix('"')?.strip_suffix('"')?;
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 19 {
            return None;
        }
        digits.parse().ok().map(Self)
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
        Self::Tags(value.split(',').map(|tag| Version::from_etag(tag.trim())).collect())
    }

    /// Whether the client named the versions it expects (not absent, not `*`).
    pub fn pins_version(&self) -> bool {
        matches!(self, Self::Tags(_))
    }

    /// Whether a write may go ahead on the `current` version (else: 412, nothing written).
    pub fn matches(&self, current: Version) -> bool {
        match self {
            Self::Absent | Self::Any => true,
            Self::Tags(tags) => tags.contains(&Some(current)),
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
        assert_eq!(Version::from_etag("W/\"3\""), Some(Version::FIRST.next().next()));
        for malformed in ["3", "\"\"", "\"x\"", "\"99999999999999999999999\""] {
            assert_eq!(Version::from_etag(malformed), None, "{malformed}");
        }
    }

    #[test]
    fn if_match_compares_versions() {
        let v2 = Version::FIRST.next();
        assert!(IfMatch::Absent.matches(v2));
        assert!(IfMatch::parse("*").matches(v2));
        assert!(IfMatch::parse("\"2\"").matches(v2));
        assert!(IfMatch::parse("W/\"2\"").matches(v2));
        assert!(IfMatch::parse("\"1\", \"2\"").matches(v2));
        for stale in ["\"1\"", "\"3\"", "2", "\"\"", "\"x\"", "", "\"99999999999999999999999\""] {
            assert!(!IfMatch::parse(stale).matches(v2), "{stale:?}");
        }
    }
}
