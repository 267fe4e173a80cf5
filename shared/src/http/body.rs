//! Request bodies under the contract's rules: JSON only (415), at most 64 KiB (413),
//! well-formed (400 `parse_error`), an object, no unknown fields and right types
//! (400 `invalid` naming the field). Read-only fields are dropped before checking.

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use http::header;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::de::{DeserializeOwned, Deserializer};
use serde_json::{Map, Value};

use crate::error::{ApiError, FieldErrors};
use crate::field::{clean_message, humanize};
use crate::idempotency::Fingerprint;

pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Server-managed fields a client may echo back; they are ignored.
pub const READ_ONLY_FIELDS: &[&str] = &["id", "created_at", "updated_at", "version"];

/// A request body deserialized into `T` (a struct with named fields).
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        parse(&read_json(req).await?).map(JsonBody)
    }
}

/// A request body as `T`, with its unknown fields set aside rather than refused, for
/// handlers that report them in one answer with their own rules' findings.
#[derive(Debug)]
pub struct JsonInput<T> {
    pub value: T,
    pub unknown: FieldErrors,
    /// What the body says, for telling a repeated request from another one.
    pub fingerprint: Fingerprint,
}

impl<S, T> FromRequest<S> for JsonInput<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        parse_input(&read_json(req).await?)
    }
}

impl<T> JsonInput<T> {
    /// `rules`' outcome for this body, its unknown fields reported with the rules' errors.
    pub fn check<F>(&self, rules: Result<F, FieldErrors>) -> Result<F, ApiError> {
        match rules {
            Ok(fields) => self.unknown.clone().into_result().map(|()| fields),
            Err(mut errors) => {
                errors.merge(self.unknown.clone());
                Err(ApiError::Invalid(errors))
            }
        }
    }
}

/// The bytes of a JSON body: 415 for another content type, 413 past the limit.
async fn read_json(req: Request) -> Result<bytes::Bytes, ApiError> {
    let content_type = req.headers().get(header::CONTENT_TYPE).cloned();
    let bytes = read_limited(req.into_body()).await?;
    match content_type {
        Some(value) if is_json(value.to_str().unwrap_or_default()) => Ok(bytes),
        None if bytes.is_empty() => Err(ApiError::ParseError("A JSON request body is required.".into())),
        _ => Err(ApiError::UnsupportedMediaType),
    }
}

async fn read_limited(body: Body) -> Result<bytes::Bytes, ApiError> {
    match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.is::<LengthLimitError>() => Err(ApiError::PayloadTooLarge { limit: MAX_BODY_BYTES }),
        Err(err) => Err(ApiError::ParseError(format!("Could not read the request body: {err}"))),
    }
}

/// `application/json`, optionally with a UTF-8 charset.
fn is_json(content_type: &str) -> bool {
    let mut parts = content_type.split(';').map(str::trim);
    let essence = parts.next().unwrap_or_default();
    essence.eq_ignore_ascii_case("application/json")
        && parts.all(|param| match param.split_once('=') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
                value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            }
            _ => param.is_empty(),
        })
}

/// Parses and checks a body; public so every rule is unit-testable without HTTP.
/// Unknown fields and every wrongly typed field are reported together.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let input = parse_input(bytes)?;
    input.unknown.into_result()?;
    Ok(input.value)
}

/// [`parse`], with the unknown fields set aside instead of refused.
pub fn parse_input<T: DeserializeOwned>(bytes: &[u8]) -> Result<JsonInput<T>, ApiError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|err| ApiError::ParseError(format!("Malformed JSON: {}.", clean_message(&err.to_string()))))?;
    let Value::Object(mut object) = value else {
        return Err(ApiError::ParseError("The request body must be a JSON object.".into()));
    };
    for field in READ_ONLY_FIELDS {
        object.remove(*field);
    }
    let fingerprint = Fingerprint::of(&object);
    let unknown = unknown_fields::<T>(&object);
    object.retain(|key, _| unknown.get(key).is_none());
    let mut errors = FieldErrors::new();
    // serde stops at the first bad field: drop it and try again to find the others. Each
    // round removes a key, so this ends after at most as many rounds as there are keys.
    // (`Field` members never fail here: they keep a wrong value as `Field::Invalid`.)
    loop {
        let err = match serde_path_to_error::deserialize::<_, T>(Value::Object(object.clone())) {
            Ok(value) if errors.is_empty() => return Ok(JsonInput { value, unknown, fingerprint }),
            Ok(_) => {
                errors.merge(unknown);
                return Err(ApiError::Invalid(errors));
            }
            Err(err) => err,
        };
        let message = clean_message(&err.inner().to_string());
        if let Some(missing) = missing_field_name(&message) {
            errors.add(missing, "This field is required.");
            errors.merge(unknown);
            return Err(ApiError::Invalid(errors));
        }
        let field = match err.path().iter().next() {
            Some(serde_path_to_error::Segment::Map { key }) => key.clone(),
            _ => err.path().to_string(),
        };
        errors.add(field.clone(), humanize(&message));
        if object.remove(&field).is_none() {
            errors.merge(unknown);
            return Err(ApiError::Invalid(errors));
        }
    }
}

fn unknown_fields<T: DeserializeOwned>(object: &Map<String, Value>) -> FieldErrors {
    let mut errors = FieldErrors::new();
    if let Some(known) = struct_fields::<T>() {
        for key in object.keys().filter(|key| !known.contains(&key.as_str())) {
            errors.add(key.clone(), "Unknown field.");
        }
    }
    errors
}

fn missing_field_name(message: &str) -> Option<&str> {
    message.strip_prefix("Missing field `")?.strip_suffix('`')
}

/// The field names a derived `Deserialize` declares, learned by asking it to
/// deserialize from a probe that records what `deserialize_struct` is given.
fn struct_fields<T: DeserializeOwned>() -> Option<&'static [&'static str]> {
    #[derive(Debug)]
    struct Probe(Option<&'static [&'static str]>);

    #[derive(Debug)]
    struct Stop;
    impl std::fmt::Display for Stop {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("probe")
        }
    }
    impl std::error::Error for Stop {}
    impl serde::de::Error for Stop {
        fn custom<M: std::fmt::Display>(_: M) -> Self {
            Stop
        }
    }

    struct ProbeDeserializer<'a>(&'a mut Probe);
    impl<'de> Deserializer<'de> for ProbeDeserializer<'_> {
        type Error = Stop;

        fn deserialize_any<V: serde::de::Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }

        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Stop> {
            self.0.0 = Some(fields);
            Err(Stop)
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
            option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
        }
    }

    let mut probe = Probe(None);
    let _ = T::deserialize(ProbeDeserializer(&mut probe));
    probe.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Field;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Login {
        #[serde(default)]
        username: Field<String>,
        #[serde(default)]
        password: Field<String>,
        #[serde(default)]
        remember: Field<bool>,
    }

    fn errors_of(result: Result<Login, ApiError>) -> (String, FieldErrors) {
        match result.unwrap_err() {
            ApiError::Invalid(errors) => ("invalid".into(), errors),
            other => (other.code().into(), FieldErrors::new()),
        }
    }

    #[test]
    fn accepts_json_content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("Application/JSON;charset=\"UTF-8\""));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/json; charset=latin1"));
        assert!(!is_json("application/jsonp"));
        assert!(!is_json(""));
    }

    #[test]
    fn malformed_json_and_non_objects_are_parse_errors() {
        for body in [&b"{"[..], b"", b"nul", b"[1,2]", b"\"text\"", b"42", b"null", b"{\"a\":\"\\ud800\"}", b"\xff"] {
            let (code, _) = errors_of(parse::<Login>(body));
            assert_eq!(code, "parse_error", "{:?}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn unknown_fields_are_named() {
        let (code, errors) = errors_of(parse::<Login>(br#"{"username":"a","admin":true,"x":1}"#));
        assert_eq!(code, "invalid");
        assert_eq!(errors.get("admin"), Some(&["Unknown field.".to_owned()][..]));
        assert!(errors.get("x").is_some());
        assert!(errors.get("username").is_none());
    }

    #[test]
    fn wrong_types_are_kept_as_their_message() {
        let login = parse::<Login>(br#"{"username":5,"password":[],"remember":"yes"}"#).unwrap();
        assert_eq!(login.username, Field::Invalid("Expected a string, got number.".into()));
        assert_eq!(login.password, Field::Invalid("Expected a string, got sequence.".into()));
        assert_eq!(login.remember, Field::Invalid("Expected a boolean, got string \"yes\".".into()));
    }

    #[test]
    fn every_bad_field_is_reported_with_the_other_rules() {
        let login = parse::<Login>(br#"{"username":{},"remember":null}"#).unwrap();
        let mut errors = FieldErrors::new();
        login.username.required("username", &mut errors);
        login.password.required("password", &mut errors);
        login.remember.optional("remember", &mut errors);
        assert_eq!(errors.get("username").unwrap(), ["Expected a string, got map."]);
        assert_eq!(errors.get("password").unwrap(), ["This field is required."]);
        assert_eq!(errors.get("remember").unwrap(), ["This field may not be null."]);
        let (_, unknown) = errors_of(parse::<Login>(br#"{"username":"a","x":1}"#));
        assert_eq!(unknown.get("x").unwrap(), ["Unknown field."]);
    }

    #[test]
    fn enum_values_are_listed() {
        #[derive(Debug, PartialEq, Deserialize)]
        #[serde(rename_all = "lowercase")]
        enum Colour {
            Red,
            Blue,
        }
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Paint {
            #[serde(default)]
            colour: Field<Colour>,
        }
        let paint = parse::<Paint>(br#"{"colour":"green"}"#).unwrap();
        assert_eq!(paint.colour, Field::Invalid("Enter one of: red, blue.".into()));
    }

    #[test]
    fn read_only_fields_are_ignored() {
        let login = parse::<Login>(br#"{"id":"x","created_at":1,"version":3,"username":"ann"}"#).unwrap();
        assert_eq!(login.username, Field::Present("ann".into()));
    }

    #[test]
    fn field_distinguishes_absent_null_and_present() {
        let login = parse::<Login>(br#"{"username":null,"remember":false}"#).unwrap();
        assert_eq!(login.username, Field::Null);
        assert_eq!(login.password, Field::Absent);
        assert_eq!(login.remember, Field::Present(false));
        let mut errors = FieldErrors::new();
        assert_eq!(login.username.clone().nullable("username", &mut errors), None);
        assert!(errors.is_empty(), "null is none for a nullable field");
        assert_eq!(login.username.required("username", &mut errors), None);
        assert_eq!(login.password.required("password", &mut errors), None);
        assert_eq!(errors.get("username").unwrap()[0], "This field may not be null.");
        assert_eq!(errors.get("password").unwrap()[0], "This field is required.");
    }

    #[test]
    fn struct_fields_are_introspected() {
        assert_eq!(struct_fields::<Login>(), Some(&["username", "password", "remember"][..]));
    }
}
