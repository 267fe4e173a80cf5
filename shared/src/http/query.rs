//! Query strings under the contract's rules: only known parameters, each at most
//! once, and a page request of `limit` (1..100, default 20) and `cursor`.

use std::collections::BTreeMap;

use crate::error::{ApiError, FieldErrors};
use crate::store::page::{DEFAULT_LIMIT, MAX_LIMIT, PageRequest};

/// The parameters of one request, checked against the names an endpoint accepts.
#[derive(Debug, Default)]
pub struct QueryParams {
    values: BTreeMap<String, String>,
    errors: FieldErrors,
}

impl QueryParams {
    /// Parses `raw` (the query string without `?`). Unknown or repeated names are
    /// recorded as errors and reported by [`QueryParams::finish`].
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or_default())
            .map_err(|_| ApiError::invalid("query", "The query string is malformed."))?;
        let mut params = Self::default();
        for (name, value) in pairs {
            if !allowed.contains(&name.as_str()) {
                params.errors.add(name, "Unknown query parameter.");
                continue;
            }
            match params.values.entry(name) {
                std::collections::btree_map::Entry::Vacant(slot) => {
                    slot.insert(value);
                }
                std::collections::btree_map::Entry::Occupied(slot) => {
                    params.errors.add(slot.key().clone(), "Give this parameter at most once.");
                }
            }
        }
        Ok(params)
    }

    /// The raw value of `name`, if given.
    pub fn take(&mut self, name: &str) -> Option<String> {
        self.values.remove(name)
    }

    /// The value of `name` parsed by `parse`, recording its message as an error.
    pub fn take_parsed<T, E: Into<String>>(
        &mut self,
        name: &str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let raw = self.take(name)?;
        parse(&raw).map_err(|message| self.errors.add(name, message)).ok()
    }

    pub fn error(&mut self, name: &str, message: &str) {
        self.errors.add(name, message);
    }

    /// `limit` and `cursor`.
    pub fn page(&mut self) -> PageRequest {
        let limit = self
            .take_parsed("limit", |raw| match raw.parse::<i32>() {
                Ok(limit) if (1..=MAX_LIMIT).contains(&limit) => Ok(limit),
                _ => Err("Enter a whole number from 1 to 100."),
            })
            .unwrap_or(DEFAULT_LIMIT);
        let cursor = self.take("cursor");
        if cursor.as_deref() == Some("") {
            self.errors.add("cursor", "Invalid cursor.");
        }
        PageRequest { limit, cursor }
    }

    /// Ends parsing: every problem at once as a 400 `invalid`.
    pub fn finish(self) -> Result<(), ApiError> {
        self.errors.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(result: Result<(), ApiError>) -> FieldErrors {
        match result {
            Err(ApiError::Invalid(errors)) => errors,
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn pages_default_and_bounds() {
        let mut params = QueryParams::parse(None, &["limit", "cursor"]).unwrap();
        assert_eq!(params.page(), PageRequest::default());
        params.finish().unwrap();

        let mut params = QueryParams::parse(Some("limit=100&cursor=abc"), &["limit", "cursor"]).unwrap();
        assert_eq!(params.page(), PageRequest { limit: 100, cursor: Some("abc".into()) });

        for bad in ["limit=0", "limit=101", "limit=-1", "limit=ten", "limit=", "limit=1.5", "limit=99999999999"] {
            let mut params = QueryParams::parse(Some(bad), &["limit", "cursor"]).unwrap();
            params.page();
            assert!(errors(params.finish()).get("limit").is_some(), "{bad}");
        }
    }

    #[test]
    fn unknown_and_repeated_parameters_are_named() {
        let mut params = QueryParams::parse(Some("limit=5&limit=6&colour=red"), &["limit"]).unwrap();
        params.page();
        let errors = errors(params.finish());
        assert!(errors.get("limit").is_some());
        assert_eq!(errors.get("colour").unwrap()[0], "Unknown query parameter.");
    }

    #[test]
    fn values_are_percent_decoded() {
        let mut params = QueryParams::parse(Some("status=in%5Fprogress&x=a+b"), &["status", "x"]).unwrap();
        assert_eq!(params.take("status").as_deref(), Some("in_progress"));
        assert_eq!(params.take("x").as_deref(), Some("a b"));
    }
}
