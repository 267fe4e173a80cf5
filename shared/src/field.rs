//! A field of a request body as the rules see it: not sent, `null`, a value, or a value of the
//! wrong type kept as its message, so that every rule still runs and every problem of a body is
//! reported in one answer. Plain serde; nothing here knows HTTP.

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};
use serde_json::Value;

use crate::error::FieldErrors;

/// A body field that distinguishes "not sent" from `null` from a value, which PATCH
/// semantics and "null is not allowed here" both need, and holds a wrongly typed value as
/// its message, so that every other rule still runs and every problem is reported in one
/// answer. Use with `#[serde(default)]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Field<T> {
    #[default]
    Absent,
    Null,
    Present(T),
    /// Sent, but not a `T`: the message says why.
    Invalid(String),
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        if value.is_null() {
            return Ok(Field::Null);
        }
        Ok(match T::deserialize(value) {
            Ok(parsed) => Field::Present(parsed),
            Err(err) => Field::Invalid(humanize(&clean_message(&err.to_string()))),
        })
    }
}

impl<T> Field<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Field::Absent)
    }

    /// The value of a field that must be sent and must not be null.
    pub fn required(self, name: &str, errors: &mut FieldErrors) -> Option<T> {
        match self {
            Field::Absent => {
                errors.add(name, "This field is required.");
                None
            }
            other => other.optional(name, errors),
        }
    }

    /// The value of a field that may be left out but must not be null.
    pub fn optional(self, name: &str, errors: &mut FieldErrors) -> Option<T> {
        match self {
            Field::Null => {
                errors.add(name, "This field may not be null.");
                None
            }
            other => other.nullable(name, errors),
        }
    }

    /// The value of a field where absent and null both mean "none".
    pub fn nullable(self, name: &str, errors: &mut FieldErrors) -> Option<T> {
        self.change(name, errors).flatten()
    }

    /// What a field that may be null asks for: `None` to leave it as it is (absent, or
    /// invalid and reported), `Some(None)` to clear it, `Some(Some(value))` to set it.
    pub fn change(self, name: &str, errors: &mut FieldErrors) -> Option<Option<T>> {
        match self {
            Field::Absent => None,
            Field::Null => Some(None),
            Field::Present(value) => Some(Some(value)),
            Field::Invalid(message) => {
                errors.add(name, message);
                None
            }
        }
    }
}

/// serde's messages, with the position suffix removed and an upper-case start.
pub(crate) fn clean_message(message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    let mut chars = message.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// serde's "invalid type: integer `5`, expected a string" as "Expected a string, got number.",
/// and "unknown variant `x`, expected one of `a`, `b`" as "Enter one of: a, b.".
pub(crate) fn humanize(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("Unknown variant ")
        && let Some((_, expected)) = rest.split_once(", expected ")
    {
        let choices = expected.trim_start_matches("one of ").replace(" or ", ", ").replace('`', "");
        return format!("Enter one of: {choices}.");
    }
    for prefix in ["Invalid type: ", "Invalid value: ", "Invalid length "] {
        if let Some(rest) = message.strip_prefix(prefix)
            && let Some((got, expected)) = rest.rsplit_once(", expected ")
        {
            return format!("Expected {expected}, got {got}.");
        }
    }
    if message.ends_with('.') { message.to_owned() } else { format!("{message}.") }
}
