//! The only cryptography `jsonwebtoken` is given: HMAC-SHA256 on RustCrypto's `hmac` and `sha2`.
//!
//! With either of its own providers (`aws_lc_rs`, `rust_crypto`) the crate links every algorithm it
//! can dispatch to (RSA, ECDSA, EdDSA: about 400 KB of each function) although this API signs and
//! accepts HS256 alone. This provider knows HS256 and refuses every other algorithm, which
//! `Validation` already refuses before any key is used.

use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: signer,
    verifier_factory: verifier,
    // JWKs (public keys published for others to verify with) have no use with a shared secret.
    key_utils: KeyUtils::new_unimplemented(),
};

/// Makes this provider the process's; later calls find it installed and change nothing.
pub fn install() {
    let _already_installed = PROVIDER.install_default();
}

fn keyed(algorithm: &Algorithm, family: AlgorithmFamily, secret: &[u8]) -> Result<HmacSha256> {
    if *algorithm != Algorithm::HS256 {
        return Err(ErrorKind::InvalidAlgorithm.into());
    }
    if family != AlgorithmFamily::Hmac {
        return Err(ErrorKind::InvalidKeyFormat.into());
    }
    HmacSha256::new_from_slice(secret).map_err(|_| ErrorKind::InvalidKeyFormat.into())
}

fn signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    Ok(Box::new(Hs256(keyed(algorithm, key.family(), key.as_bytes())?)))
}

fn verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    Ok(Box::new(Hs256(keyed(algorithm, key.family(), key.try_get_as_bytes()?)?)))
}

struct Hs256(HmacSha256);

impl Signer<Vec<u8>> for Hs256 {
    fn try_sign(&self, message: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        Ok(self.0.clone().chain_update(message).finalize().into_bytes().to_vec())
    }
}

impl Verifier<Vec<u8>> for Hs256 {
    fn verify(&self, message: &[u8], signature: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        self.0.clone().chain_update(message).verify_slice(signature).map_err(signature::Error::from_source)
    }
}

impl JwtSigner for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

impl JwtVerifier for Hs256 {
    fn algorithm(&self) -> Algorithm {
        Algorithm::HS256
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    // jwt.io's example token: the same bytes as any other HS256 implementation signs.
    const MESSAGE: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.\
        eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ";
    const SECRET: &[u8] = b"your-256-bit-secret";
    const SIGNATURE: &str = "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

    #[test]
    fn signs_and_verifies_as_other_hs256_implementations_do() {
        let signed = signer(&Algorithm::HS256, &EncodingKey::from_secret(SECRET)).unwrap();
        assert_eq!(URL_SAFE_NO_PAD.encode(signed.try_sign(MESSAGE.as_bytes()).unwrap()), SIGNATURE);

        let check = verifier(&Algorithm::HS256, &DecodingKey::from_secret(SECRET)).unwrap();
        let signature = URL_SAFE_NO_PAD.decode(SIGNATURE).unwrap();
        assert!(check.verify(MESSAGE.as_bytes(), &signature).is_ok());
        assert!(check.verify(b"another message", &signature).is_err());
        let other_key = verifier(&Algorithm::HS256, &DecodingKey::from_secret(b"another secret")).unwrap();
        assert!(other_key.verify(MESSAGE.as_bytes(), &signature).is_err());
    }

    #[test]
    fn every_other_algorithm_is_refused() {
        for algorithm in [Algorithm::HS384, Algorithm::HS512, Algorithm::RS256, Algorithm::ES256, Algorithm::EdDSA] {
            let refused = signer(&algorithm, &EncodingKey::from_secret(SECRET)).err().map(|e| e.into_kind());
            assert_eq!(refused, Some(ErrorKind::InvalidAlgorithm), "{algorithm:?}");
            let refused = verifier(&algorithm, &DecodingKey::from_secret(SECRET)).err().map(|e| e.into_kind());
            assert_eq!(refused, Some(ErrorKind::InvalidAlgorithm), "{algorithm:?}");
        }
    }
}
