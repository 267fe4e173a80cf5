//! JWT issue and verification: HS256 only, typed tokens, issuer and audience checked.

use std::time::Duration;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::clock;
use crate::config::JwtSettings;
use crate::ids::{UserId, new_id};

mod hs256;

/// Tokens longer than this are rejected before any parsing.
const MAX_TOKEN_LEN: usize = 4096;
/// Tolerated clock skew between the issuing and the verifying function.
const LEEWAY_SECS: u64 = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum TokenType {
    Access,
    Refresh,
}

impl TokenType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
        }
    }
}

/// The claims of every token this API issues.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: UserId,
    /// A ULID, so it also records when the token was issued, to the millisecond.
    pub jti: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub iss: String,
    pub aud: String,
    pub token_type: TokenType,
    /// The login a refresh token descends from; rotation keeps it, reuse revokes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// The session (login) an access token belongs to: the `family` of its refresh token.
    /// Ending the session refuses the access token at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

impl Claims {
    pub fn expires_at(&self) -> OffsetDateTime {
        clock::from_epoch_seconds(self.exp).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

/// A freshly signed token pair, as the token endpoints answer it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenPair {
    /// Send as `Authorization: Bearer <access>`.
    pub access: String,
    /// Send to /auth/refresh for a new pair, or to /auth/logout. Absent when the request asked
    /// for `X-Token-Transport: cookie`: then it is in the `refresh_token` cookie.
    #[schema(required = false)]
    pub refresh: String,
    /// Always `Bearer`.
    #[schema(value_type = String)]
    pub token_type: &'static str,
    /// Seconds the access token is valid.
    pub expires_in: u64,
    /// Seconds the refresh token is valid.
    pub refresh_expires_in: u64,
}

/// Why a token was refused. Callers map every variant to 401 `token_not_valid`;
/// the variants exist for logs and tests.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token is malformed or its signature is invalid")]
    Invalid,
    #[error("token has expired")]
    Expired,
    #[error("token is not valid yet")]
    NotYetValid,
    #[error("token has the wrong type")]
    WrongType,
}

impl From<TokenError> for crate::error::ApiError {
    fn from(_: TokenError) -> Self {
        Self::TokenNotValid
    }
}

/// Signs and verifies this API's tokens. Built once per cold start.
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    access_ttl: Duration,
    refresh_ttl: Duration,
}

impl TokenService {
    pub fn new(settings: &JwtSettings) -> Self {
        hs256::install();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        Self {
            encoding: EncodingKey::from_secret(settings.secret_bytes()),
            decoding: DecodingKey::from_secret(settings.secret_bytes()),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            access_ttl: settings.access_ttl,
            refresh_ttl: settings.refresh_ttl,
        }
    }

    pub fn access_ttl(&self) -> Duration {
        self.access_ttl
    }

    pub fn refresh_ttl(&self) -> Duration {
        self.refresh_ttl
    }

    /// Issues an access token and a refresh token of the session (login) `session`.
    pub fn issue_pair(
        &self,
        user: UserId,
        session: &str,
        now: OffsetDateTime,
    ) -> Result<TokenPair, jsonwebtoken::errors::Error> {
        let access_claims = self.claims(user, TokenType::Access, session, now);
        let refresh_claims = self.claims(user, TokenType::Refresh, session, now);
        Ok(TokenPair {
            access: self.sign(&access_claims)?,
            refresh: self.sign(&refresh_claims)?,
            token_type: "Bearer",
            expires_in: self.access_ttl.as_secs(),
            refresh_expires_in: self.refresh_ttl.as_secs(),
        })
    }

    fn claims(&self, user: UserId, token_type: TokenType, session: &str, now: OffsetDateTime) -> Claims {
        let (ttl, family, sid) = match token_type {
            TokenType::Access => (self.access_ttl, None, Some(session.to_owned())),
            TokenType::Refresh => (self.refresh_ttl, Some(session.to_owned()), None),
        };
        let iat = clock::epoch_seconds(now);
        Claims {
            sub: user,
            jti: new_id(),
            iat,
            nbf: iat,
            exp: iat + ttl.as_secs() as i64,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            token_type,
            family,
            sid,
        }
    }

    /// Signs arbitrary claims with this service's key (also used by tests to forge edge cases).
    pub fn sign(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    /// Verifies signature, algorithm, issuer, audience, expiry and type.
    pub fn verify(&self, token: &str, expected: TokenType) -> Result<Claims, TokenError> {
        let claims = self.verify_any(token)?;
        if claims.token_type != expected {
            return Err(TokenError::WrongType);
        }
        Ok(claims)
    }

    /// Verifies a token of either type.
    pub fn verify_any(&self, token: &str) -> Result<Claims, TokenError> {
        use jsonwebtoken::errors::ErrorKind;
        if token.is_empty() || token.len() > MAX_TOKEN_LEN {
            return Err(TokenError::Invalid);
        }
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|err| match err.kind() {
                ErrorKind::ExpiredSignature => TokenError::Expired,
                ErrorKind::ImmatureSignature => TokenError::NotYetValid,
                _ => TokenError::Invalid,
            })?
            .claims;
        if claims.iat > clock::epoch_seconds(clock::now()) + LEEWAY_SECS as i64 {
            return Err(TokenError::NotYetValid);
        }
        let session_named = match claims.token_type {
            TokenType::Access => claims.sid.is_some(),
            TokenType::Refresh => claims.family.is_some(),
        };
        if !session_named {
            return Err(TokenError::Invalid);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use secrecy::SecretString;

    fn settings(secret: &str) -> JwtSettings {
        JwtSettings {
            secret: SecretString::from(secret.to_owned()),
            issuer: "test-issuer".into(),
            audience: "test-audience".into(),
            access_ttl: Duration::from_secs(900),
            refresh_ttl: Duration::from_secs(86_400),
        }
    }

    fn service() -> TokenService {
        TokenService::new(&settings("a-test-secret-that-is-long-enough-0123456789"))
    }

    fn pair(service: &TokenService) -> (UserId, TokenPair) {
        let user = UserId::generate();
        (user, service.issue_pair(user, "family-1", clock::now()).unwrap())
    }

    #[test]
    fn issued_tokens_verify_as_their_own_type_only() {
        let service = service();
        let (user, pair) = pair(&service);
        let access = service.verify(&pair.access, TokenType::Access).unwrap();
        assert_eq!(access.sub, user);
        assert_eq!((access.family, access.sid.as_deref()), (None, Some("family-1")));
        let refresh = service.verify(&pair.refresh, TokenType::Refresh).unwrap();
        assert_eq!((refresh.family.as_deref(), refresh.sid), (Some("family-1"), None));
        assert_eq!(refresh.exp - refresh.iat, 86_400);
        assert_eq!(access.exp - access.iat, 900);
        assert_ne!(access.jti, refresh.jti);
        assert_eq!(service.verify(&pair.refresh, TokenType::Access), Err(TokenError::WrongType));
        assert_eq!(service.verify(&pair.access, TokenType::Refresh), Err(TokenError::WrongType));
    }

    #[test]
    fn other_key_issuer_or_audience_is_rejected() {
        let service = service();
        let (_, pair) = pair(&service);
        let other_key = TokenService::new(&settings("another-secret-that-is-long-enough-012345"));
        assert_eq!(other_key.verify_any(&pair.access), Err(TokenError::Invalid));

        let mut wrong_issuer = settings("a-test-secret-that-is-long-enough-0123456789");
        wrong_issuer.issuer = "someone-else".into();
        assert_eq!(TokenService::new(&wrong_issuer).verify_any(&pair.access), Err(TokenError::Invalid));

        let mut wrong_audience = settings("a-test-secret-that-is-long-enough-0123456789");
        wrong_audience.audience = "someone-else".into();
        assert_eq!(TokenService::new(&wrong_audience).verify_any(&pair.access), Err(TokenError::Invalid));
    }

    #[test]
    fn expired_and_future_tokens_are_rejected() {
        let service = service();
        let (user, _) = pair(&service);
        let mut claims = service.claims(user, TokenType::Access, "login", clock::now() - time::Duration::hours(1));
        assert_eq!(service.verify_any(&service.sign(&claims).unwrap()), Err(TokenError::Expired));

        claims = service.claims(user, TokenType::Access, "login", clock::now() + time::Duration::hours(1));
        assert_eq!(service.verify_any(&service.sign(&claims).unwrap()), Err(TokenError::NotYetValid));
    }

    #[test]
    fn alg_none_and_tampered_claims_are_rejected() {
        let service = service();
        let (_, pair) = pair(&service);
        let parts: Vec<&str> = pair.access.split('.').collect();

        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let unsigned = format!("{none_header}.{}.", parts[1]);
        assert_eq!(service.verify_any(&unsigned), Err(TokenError::Invalid));

        let mut payload: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        payload["sub"] = serde_json::Value::String(UserId::generate().to_string());
        let tampered = format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(payload.to_string()), parts[2]);
        assert_eq!(service.verify_any(&tampered), Err(TokenError::Invalid));

        assert_eq!(service.verify_any(""), Err(TokenError::Invalid));
        assert_eq!(service.verify_any("not-a-jwt"), Err(TokenError::Invalid));
        assert_eq!(service.verify_any(&"a".repeat(5000)), Err(TokenError::Invalid));
    }

    #[test]
    fn a_token_of_another_hmac_algorithm_is_rejected_even_with_the_right_secret() {
        let service = service();
        let (user, _) = pair(&service);
        let claims = service.claims(user, TokenType::Access, "login", clock::now());
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS512","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
        let message = format!("{header}.{payload}");
        let mac = <hmac::Hmac<sha2::Sha512> as hmac::KeyInit>::new_from_slice(
            b"a-test-secret-that-is-long-enough-0123456789",
        )
        .unwrap();
        let signature = hmac::Mac::finalize(hmac::Mac::chain_update(mac, message.as_bytes())).into_bytes();
        let token = format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature));
        assert_eq!(service.verify_any(&token), Err(TokenError::Invalid));
    }

    #[test]
    fn a_token_that_names_no_session_is_rejected() {
        let service = service();
        let mut claims = service.claims(UserId::generate(), TokenType::Refresh, "login", clock::now());
        claims.family = None;
        assert_eq!(service.verify_any(&service.sign(&claims).unwrap()), Err(TokenError::Invalid));
        let mut claims = service.claims(UserId::generate(), TokenType::Access, "login", clock::now());
        claims.sid = None;
        assert_eq!(service.verify_any(&service.sign(&claims).unwrap()), Err(TokenError::Invalid));
    }
}
