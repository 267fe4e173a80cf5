//! Argon2id password hashing to PHC strings, off the async executor, in one memory area per
//! instance.
//!
//! Argon2 needs its whole memory cost at once. Allocated per hash, that block lands in the
//! allocator's arena of whichever blocking thread ran the hash, and each arena keeps its copy:
//! an auth instance grew to 250-280 MB after a thousand logins. Here every hash of an instance
//! borrows the same blocks, allocated once, so an instance holds one block for as long as it lives.

use std::sync::{Arc, Mutex, PoisonError};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use secrecy::{ExposeSecret, SecretString};

use crate::error::ApiError;

/// One of OWASP's equivalent Argon2id settings: 12 MiB, 3 passes, 1 lane (as strong as its
/// 19 MiB / 2 passes, about the same CPU, and 7 MiB less resident memory per instance, which keeps
/// the auth function under 32 MB). Hashes made with other settings still verify, and are upgraded at
/// the next login.
pub const MEMORY_KIB: u32 = 12 * 1024;
pub const ITERATIONS: u32 = 3;
pub const PARALLELISM: u32 = 1;

/// Verified against when the user does not exist, so that a login for an unknown
/// user costs one hash, like a login with a wrong password. A well-formed hash with
/// the parameters above whose output matches no known password.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=12288,t=3,p=1$dGltaW5nLWVxdWFsaXNlcg$3jnVjlmCP+Kex3IJgr7O8gX5mX3MtTLOw+ZOXQqr1gY";

/// The result of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// Correct; `needs_rehash` when the hash used other parameters than today's.
    Valid {
        needs_rehash: bool,
    },
    Invalid,
}

/// Hashes and verifies passwords with fixed Argon2id parameters. Clones share one memory area:
/// hashes run one at a time per instance, which is how a Lambda instance serves requests anyway.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    memory: Arc<Mutex<Vec<Block>>>,
}

impl Default for PasswordHasher {
    fn default() -> Self {
        Self::new(MEMORY_KIB, ITERATIONS, PARALLELISM).expect("the default Argon2 parameters are valid")
    }
}

impl PasswordHasher {
    pub fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> Result<Self, argon2::Error> {
        Ok(Self { params: Params::new(memory_kib, iterations, parallelism, None)?, memory: Arc::default() })
    }

    /// The raw Argon2id output of `password` and `salt` under `params`, computed in the shared memory
    /// area (grown, once, to the largest memory cost met: a hash of older, larger settings).
    fn compute(&self, params: &Params, password: &[u8], salt: &[u8], out: &mut [u8]) -> Result<(), argon2::Error> {
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let mut memory = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
        let blocks = params.block_count();
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        argon2.hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
    }

    /// Hashes on a blocking thread (tens of milliseconds of CPU).
    pub async fn hash(&self, password: SecretString) -> Result<String, ApiError> {
        let hasher = self.clone();
        tokio::task::spawn_blocking(move || hasher.hash_blocking(&password)).await.map_err(ApiError::internal)?
    }

    pub fn hash_blocking(&self, password: &SecretString) -> Result<String, ApiError> {
        let salt = SaltString::generate(&mut OsRng);
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(ApiError::internal)?;
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        self.compute(&self.params, password.expose_secret().as_bytes(), salt_bytes, &mut out)
            .map_err(ApiError::internal)?;
        let hash = PasswordHash {
            algorithm: argon2::ARGON2ID_IDENT,
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&self.params).map_err(ApiError::internal)?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out).map_err(ApiError::internal)?),
        };
        Ok(hash.to_string())
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
        if parsed.algorithm != argon2::ARGON2ID_IDENT || parsed.version.is_some_and(|v| v != u32::from(Version::V0x13))
        {
            return None;
        }
        let expected = parsed.hash?;
        // Verify with the parameters the hash was made with, whatever today's are.
        let stored_params = Params::try_from(&parsed).ok()?;
        let mut salt = [0u8; 64];
        let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
        let mut out = vec![0u8; expected.len()];
        self.compute(&stored_params, password.expose_secret().as_bytes(), salt, &mut out).ok()?;
        // Output's equality is constant-time.
        if Output::new(&out).ok()? != expected {
            return None;
        }
        // The algorithm is argon2id here (checked above); an absent version is not today's.
        let current = parsed.version == Some(Version::V0x13.into())
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
        assert!(a.starts_with("$argon2id$v=19$m=12288,t=3,p=1$"), "{a}");
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
    fn hashes_are_the_argon2_crates_own() {
        // The shared memory area changes where Argon2 runs, not what it computes.
        let hasher = PasswordHasher::default();
        let stored = hasher.hash_blocking(&secret("correct horse battery")).unwrap();
        let parsed = PasswordHash::new(&stored).unwrap();
        use argon2::PasswordVerifier as _;
        let reference = Argon2::new(Algorithm::Argon2id, Version::V0x13, hasher.params.clone());
        assert!(reference.verify_password(b"correct horse battery", &parsed).is_ok());
        assert!(reference.verify_password(b"wrong horse battery", &parsed).is_err());
    }

    #[test]
    fn hashes_of_the_former_settings_still_verify_and_ask_for_a_rehash() {
        use argon2::PasswordHasher as _;
        let former = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(19 * 1024, 2, 1, None).unwrap());
        let salt = SaltString::generate(&mut OsRng);
        let stored = former.hash_password(b"correct horse battery", &salt).unwrap().to_string();
        let hasher = PasswordHasher::default();
        assert_eq!(
            hasher.verify_blocking(&secret("correct horse battery"), Some(&stored)),
            Verification::Valid { needs_rehash: true }
        );
        assert_eq!(hasher.verify_blocking(&secret("wrong"), Some(&stored)), Verification::Invalid);
        // The memory area grew to the larger cost once; current hashes still verify in it.
        let current = hasher.hash_blocking(&secret("correct horse battery")).unwrap();
        assert_eq!(
            hasher.verify_blocking(&secret("correct horse battery"), Some(&current)),
            Verification::Valid { needs_rehash: false }
        );
    }

    #[test]
    fn other_algorithms_never_verify() {
        let hasher = PasswordHasher::default();
        let stored = hasher.hash_blocking(&secret("correct horse battery")).unwrap();
        let argon2i = stored.replacen("$argon2id$", "$argon2i$", 1);
        assert_eq!(hasher.verify_blocking(&secret("correct horse battery"), Some(&argon2i)), Verification::Invalid);
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
