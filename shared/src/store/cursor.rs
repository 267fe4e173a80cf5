//! Opaque list cursors: the `LastEvaluatedKey` of a query, encoded. A cursor is only a
//! position inside the caller's own partition; on decode its owner must be the caller,
//! or a tampered cursor would become a cross-user read.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::dynamo::Item;
use crate::error::ApiError;

/// Longest cursor accepted; real ones are far shorter.
const MAX_CURSOR_LEN: usize = 2048;

/// The answer to a cursor that is not a position in the caller's list.
pub fn invalid() -> ApiError {
    ApiError::invalid("cursor", "Invalid cursor.")
}

/// Encodes a `LastEvaluatedKey` whose attributes are all strings.
pub fn encode(key: &Item) -> Result<String, ApiError> {
    let mut plain = BTreeMap::new();
    for (name, value) in key {
        let AttributeValue::S(text) = value else {
            return Err(ApiError::internal(format!("cursor key attribute {name} is not a string")));
        };
        plain.insert(name.as_str(), text.as_str());
    }
    let json = serde_json::to_vec(&plain).map_err(ApiError::internal)?;
    Ok(URL_SAFE_NO_PAD.encode(json))
}

/// Decodes a cursor made by [`encode`] for a query whose key attributes are exactly
/// `key_names`, and whose partition attribute `owner_attribute` must equal `owner`.
pub fn decode(cursor: &str, key_names: &[&str], owner_attribute: &str, owner: &str) -> Result<Item, ApiError> {
    if cursor.len() > MAX_CURSOR_LEN {
        return Err(invalid());
    }
    let json = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let plain: BTreeMap<String, String> = serde_json::from_slice(&json).map_err(|_| invalid())?;
    let names_match = plain.len() == key_names.len() && key_names.iter().all(|name| plain.contains_key(*name));
    let values_ok = plain.values().all(|value| !value.is_empty() && value.len() <= 1024);
    if !names_match || !values_ok || plain.get(owner_attribute).map(String::as_str) != Some(owner) {
        return Err(invalid());
    }
    Ok(plain.into_iter().map(|(name, value)| (name, AttributeValue::S(value))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(owner: &str, id: &str) -> Item {
        Item::from([("owner".into(), AttributeValue::S(owner.into())), ("id".into(), AttributeValue::S(id.into()))])
    }

    #[test]
    fn round_trips_inside_the_owners_partition() {
        let cursor = encode(&key("alice", "01J0000000000000000000000A")).unwrap();
        assert!(cursor.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "URL-safe");
        assert_eq!(
            decode(&cursor, &["owner", "id"], "owner", "alice").unwrap(),
            key("alice", "01J0000000000000000000000A")
        );
    }

    #[test]
    fn another_owner_cannot_use_it() {
        let cursor = encode(&key("alice", "01J0000000000000000000000A")).unwrap();
        assert_eq!(decode(&cursor, &["owner", "id"], "owner", "bob").unwrap_err().code(), "invalid");
    }

    #[test]
    fn tampered_or_malformed_cursors_are_invalid() {
        let forged_names = URL_SAFE_NO_PAD.encode(r#"{"owner":"alice","id":"x","extra":"y"}"#);
        let empty_id = URL_SAFE_NO_PAD.encode(r#"{"owner":"alice","id":""}"#);
        let not_strings = URL_SAFE_NO_PAD.encode(r#"{"owner":"alice","id":5}"#);
        for cursor in ["", "!!!", "e30", &forged_names, &empty_id, &not_strings, &"A".repeat(5000)] {
            assert!(decode(cursor, &["owner", "id"], "owner", "alice").is_err(), "{cursor}");
        }
    }
}
