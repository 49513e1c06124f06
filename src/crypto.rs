//! Secrets at rest: Meta access tokens and app secrets are stored as
//! AES-256-GCM ciphertext (`nonce || ciphertext+tag`) under the master key.

use aes_gcm::aead::{Aead, KeyInit, OsRng};
use aes_gcm::{AeadCore, Aes256Gcm, Nonce};

/// Encrypts and decrypts stored secrets.
#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
}

/// A stored secret could not be decrypted (wrong master key or tampering).
#[derive(Debug, thiserror::Error)]
#[error("a stored secret could not be decrypted: is WHATSFLOW_MASTER_KEY the key it was stored with?")]
pub struct DecryptError;

const NONCE_LEN: usize = 12;

impl SecretBox {
    /// A box for the 32-byte master key.
    pub fn new(key: &[u8; 32]) -> Self {
        Self { cipher: Aes256Gcm::new(key.into()) }
    }

    /// Encrypts with a fresh random nonce.
    pub fn seal(&self, plaintext: &str) -> Vec<u8> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        // Encryption with a valid key and nonce only fails for inputs beyond
        // AES-GCM's 64 GiB limit, far past any token.
        let ct = self.cipher.encrypt(&nonce, plaintext.as_bytes()).unwrap_or_default();
        let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// Decrypts what [`seal`](Self::seal) produced.
    pub fn open(&self, sealed: &[u8]) -> Result<String, DecryptError> {
        if sealed.len() < NONCE_LEN {
            return Err(DecryptError);
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        let pt = self.cipher.decrypt(Nonce::from_slice(nonce), ct).map_err(|_| DecryptError)?;
        String::from_utf8(pt).map_err(|_| DecryptError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_no_plaintext() {
        let b = SecretBox::new(&[7; 32]);
        let sealed = b.seal("EAAG-secret-token");
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(b.open(&sealed).unwrap(), "EAAG-secret-token");
        assert_ne!(b.seal("x"), b.seal("x"), "nonces must differ");
    }

    #[test]
    fn wrong_key_or_tamper_fails() {
        let sealed = SecretBox::new(&[7; 32]).seal("t");
        assert!(SecretBox::new(&[8; 32]).open(&sealed).is_err());
        let mut bad = sealed.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(SecretBox::new(&[7; 32]).open(&bad).is_err());
    }
}
