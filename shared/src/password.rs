//! Argon2id password hashing to PHC strings, off the async executor.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};

use crate::error::ApiError;

/// OWASP's recommended Argon2id parameters: 19 MiB, 2 passes, 1 lane.
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

/// Verified against when the user does not exist, so that a login for an unknown
/// user costs one hash, like a login with a wrong password. A well-formed hash with
/// the parameters above whose output matches no known password.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$dGltaW5nLWVxdWFsaXNlcg$3jnVjlmCP+Kex3IJgr7O8gX5mX3MtTLOw+ZOXQqr1gY";

/// The result of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// Correct; `needs_rehash` when the hash used other parameters than today's.
    Valid {
        needs_rehash: bool,
    },
    Invalid,
}

/// Hashes and verifies passwords with fixed Argon2id parameters.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::new(MEMORY_KIB, ITERATIONS, PARALLELISM).expect("the default Argon2 parameters are valid")
    }
}

impl PasswordHasher {
    pub fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> Result<Self, argon2::Error> {
        Ok(Self { params: Params::new(memory_kib, iterations, parallelism, None)? })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Hashes on a blocking thread (tens of milliseconds of CPU).
    pub async fn hash(&self, password: SecretString) -> Result<String, ApiError> {
        let hasher = self.clone();
        tokio::task::spawn_blocking(move || hasher.hash_blocking(&password)).await.map_err(ApiError::internal)?
    }

    pub fn hash_blocking(&self, password: &SecretString) -> Result<String, ApiError> {
        let salt = SaltString::generate(&mut OsRng);
        self.argon2()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(ApiError::internal)
    }

    /// Checks `password` against `stored`, or against a dummy hash when there is no
    /// user, which always ends `Invalid` after the same amount of work.
    pub async fn verify(&self, password: SecretString, stored: Option<String>) -> Verification {
        let hasher = self.clone();
        tokio::task::spawn_blocking(move || hasher.verify_blocking(&password, stored.as_deref()))
            .await
            .unwrap_or(Verification::Invalid)
    }

    pub fn verify_blocking(&self, password: &SecretString, stored: Option<&str>) -> Verification {
        let Some(stored) = stored else {
            let _ = self.check(password, DUMMY_HASH);
            return Verification::Invalid;
        };
        match self.check(password, stored) {
            Some(needs_rehash) => Verification::Valid { needs_rehash },
            None => Verification::Invalid,
        }
    }

    /// `Some(needs_rehash)` when the password matches.
    fn check(&self, password: &SecretString, stored: &str) -> Option<bool> {
        let parsed = PasswordHash::new(stored).ok()?;
        let stored_params = Params::try_from(&parsed).ok()?;
        // Verify with the parameters the hash was made with, whatever today's are.
        let verifier = Argon2::new(Algorithm::Argon2id, Version::V0x13, stored_params.clone());
        verifier.verify_password(password.expose_secret().as_bytes(), &parsed).ok()?;
        let current = parsed.algorithm.as_str() == "argon2id"
            && parsed.version == Some(Version::V0x13.into())
            && stored_params.m_cost() == self.params.m_cost()
            && stored_params.t_cost() == self.params.t_cost()
            && stored_params.p_cost() == self.params.p_cost();
        Some(!current)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn hashes_are_salted_argon2id_phc_strings() {
        let hasher = PasswordHasher::default();
        let a = hasher.hash_blocking(&secret("correct horse battery")).unwrap();
        let b = hasher.hash_blocking(&secret("correct horse battery")).unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "salts must differ");
        assert!(!a.contains("correct horse"));
    }

    #[test]
    fn verifies_right_and_wrong_passwords() {
        let hasher = PasswordHasher::default();
        let stored = hasher.hash_blocking(&secret("correct horse battery")).unwrap();
        assert_eq!(
            hasher.verify_blocking(&secret("correct horse battery"), Some(&stored)),
            Verification::Valid { needs_rehash: false }
        );
        assert_eq!(hasher.verify_blocking(&secret("wrong horse battery"), Some(&stored)), Verification::Invalid);
        assert_eq!(hasher.verify_blocking(&secret("anything"), Some("not a phc string")), Verification::Invalid);
    }

    #[test]
    fn old_parameters_ask_for_a_rehash() {
        let weak = PasswordHasher::new(8 * 1024, 1, 1).unwrap();
        let stored = weak.hash_blocking(&secret("correct horse battery")).unwrap();
        assert_eq!(
            PasswordHasher::default().verify_blocking(&secret("correct horse battery"), Some(&stored)),
            Verification::Valid { needs_rehash: true }
        );
    }

    #[test]
    fn unknown_user_is_invalid_after_a_real_hash() {
        let hasher = PasswordHasher::default();
        let parsed = PasswordHash::new(DUMMY_HASH).expect("dummy hash parses");
        let params = Params::try_from(&parsed).unwrap();
        assert_eq!((params.m_cost(), params.t_cost(), params.p_cost()), (MEMORY_KIB, ITERATIONS, PARALLELISM));
        assert_eq!(hasher.verify_blocking(&secret("whatever"), None), Verification::Invalid);
    }
}
