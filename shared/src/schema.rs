//! What the OpenAPI schemas of the domain's value types share: text with a pattern and an
//! example (a date, a month, an amount of money).

use utoipa::openapi::{ObjectBuilder, Type};

/// A string matching `pattern`, shown with `example`; the caller adds the rest.
pub fn text(pattern: impl Into<String>, example: &str) -> ObjectBuilder {
    ObjectBuilder::new().schema_type(Type::String).pattern(Some(pattern)).examples([example])
}
