//! Secrets at rest: Meta access tokens and app secrets are stored as
//! AES-256-GCM ciphertext under the master key.
//!
//! Stored form (version 2): `0x02 || key id (4 bytes) || nonce (12) ||
//! ciphertext+tag`, with the tenant, the column and the row as associated
//! data: a ciphertext copied into another row, another tenant's or another
//! column does not open. The key id (the first bytes of a hash of the key) says
//! which master key sealed it, so a key can be rotated: the server opens
//! secrets under the current key or any `WHATSFLOW_MASTER_KEY_PREVIOUS`, and
//! `whatsflow rotate-key` re-seals every stored secret under the current one.
//! The first format (`nonce || ciphertext`, no associated data) is opened
//! only by the re-sealing pass (`rotate-key`, also run at every start with
//! the owner's database access), never by the running server: a legacy
//! ciphertext pasted into a row opens nowhere.

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{AeadCore, Aes256Gcm, Nonce};
use sha2::Digest;
use whatsflow_actors::ids::TenantId;

const NONCE_LEN: usize = 12;
const KEY_ID_LEN: usize = 4;
const VERSION: u8 = 2;

/// Which stored secret a ciphertext is: its column is part of what the
/// ciphertext is bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sealed {
    /// `channels.access_token_enc`.
    AccessToken,
    /// `meta_apps.app_secret_enc`.
    AppSecret,
    /// `meta_apps.verify_token_enc`.
    VerifyToken,
    /// `users.totp_secret` (two-factor).
    TotpSecret,
    /// `users.totp_pending_secret` (two-factor being set up).
    TotpPending,
    /// `outbound_webhooks.secret_enc` (signs the tenant's outbound webhooks).
    WebhookSecret,
}

impl Sealed {
    /// The table and column.
    pub fn column(self) -> &'static str {
        match self {
            Self::AccessToken => "channels.access_token_enc",
            Self::AppSecret => "meta_apps.app_secret_enc",
            Self::VerifyToken => "meta_apps.verify_token_enc",
            Self::TotpSecret => "users.totp_secret",
            Self::TotpPending => "users.totp_pending_secret",
            Self::WebhookSecret => "outbound_webhooks.secret_enc",
        }
    }

    /// The associated data for this column of one row of `tenant`: the row
    /// is the channel's id for access tokens, Meta's app id for app secrets.
    pub fn context(self, tenant: TenantId, row: &str) -> SealContext {
        SealContext(format!("whatsflow:{}:{}:{row}", self.column(), tenant.0))
    }
}

/// What a ciphertext is bound to (see [`Sealed::context`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealContext(String);

/// Identifies a master key without revealing it.
pub fn key_id(key: &[u8; 32]) -> [u8; KEY_ID_LEN] {
    let digest = sha2::Sha256::new().chain_update(b"whatsflow master key id").chain_update(key).finalize();
    let mut id = [0u8; KEY_ID_LEN];
    id.copy_from_slice(&digest[..KEY_ID_LEN]);
    id
}

struct Key {
    id: [u8; KEY_ID_LEN],
    cipher: Aes256Gcm,
}

/// Encrypts and decrypts stored secrets.
#[derive(Clone)]
pub struct SecretBox {
    keys: std::sync::Arc<Vec<Key>>,
    legacy: bool,
}

/// A stored secret could not be decrypted (wrong master key, a ciphertext
/// moved to another row, or tampering).
#[derive(Debug, thiserror::Error)]
#[error("a stored secret could not be decrypted: is WHATSFLOW_MASTER_KEY (or WHATSFLOW_MASTER_KEY_PREVIOUS) the key it was stored with?")]
pub struct DecryptError;

impl SecretBox {
    /// A box sealing under `current`.
    pub fn new(current: &[u8; 32]) -> Self {
        Self::with_previous(current, &[])
    }

    /// A box sealing under `current` and also opening what `previous` keys sealed.
    pub fn with_previous(current: &[u8; 32], previous: &[[u8; 32]]) -> Self {
        let keys =
            std::iter::once(current).chain(previous.iter()).map(|k| Key { id: key_id(k), cipher: Aes256Gcm::new(k.into()) }).collect();
        Self { keys: std::sync::Arc::new(keys), legacy: false }
    }

    /// The same box, also opening the first format (for re-sealing only).
    pub fn opening_legacy(mut self) -> Self {
        self.legacy = true;
        self
    }

    /// Encrypts under the current key with a fresh nonce, bound to `context`.
    pub fn seal(&self, plaintext: &str, context: &SealContext) -> Vec<u8> {
        let Some(key) = self.keys.first() else { return Vec::new() };
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        // Encryption with a valid key and nonce only fails for inputs beyond
        // AES-GCM's 64 GiB limit, far past any token.
        let ct = key.cipher.encrypt(&nonce, Payload { msg: plaintext.as_bytes(), aad: context.0.as_bytes() }).unwrap_or_default();
        let mut out = Vec::with_capacity(1 + KEY_ID_LEN + NONCE_LEN + ct.len());
        out.push(VERSION);
        out.extend_from_slice(&key.id);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    /// Decrypts what [`seal`](Self::seal) produced for the same `context`
    /// (and, for a box [`opening_legacy`](Self::opening_legacy), a secret of
    /// the first format).
    pub fn open(&self, sealed: &[u8], context: &SealContext) -> Result<String, DecryptError> {
        if sealed.first() == Some(&VERSION) && sealed.len() > 1 + KEY_ID_LEN + NONCE_LEN {
            let id = &sealed[1..1 + KEY_ID_LEN];
            let (nonce, ct) = sealed[1 + KEY_ID_LEN..].split_at(NONCE_LEN);
            if let Some(key) = self.keys.iter().find(|k| k.id == id) {
                if let Ok(pt) = key.cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad: context.0.as_bytes() }) {
                    return String::from_utf8(pt).map_err(|_| DecryptError);
                }
            }
        }
        if self.legacy {
            return self.open_legacy(sealed);
        }
        Err(DecryptError)
    }

    /// Whether a stored secret is sealed under the current key in the
    /// current format (so `rotate-key` can skip it).
    pub fn is_current(&self, sealed: &[u8]) -> bool {
        self.keys.first().is_some_and(|k| sealed.first() == Some(&VERSION) && sealed.get(1..1 + KEY_ID_LEN) == Some(&k.id[..]))
    }

    fn open_legacy(&self, sealed: &[u8]) -> Result<String, DecryptError> {
        if sealed.len() < NONCE_LEN {
            return Err(DecryptError);
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        for key in self.keys.iter() {
            if let Ok(pt) = key.cipher.decrypt(Nonce::from_slice(nonce), ct) {
                return String::from_utf8(pt).map_err(|_| DecryptError);
            }
        }
        Err(DecryptError)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(t: TenantId) -> SealContext {
        Sealed::AccessToken.context(t, "channel-1")
    }

    #[test]
    fn round_trip_and_no_plaintext() {
        let t = TenantId::generate();
        let b = SecretBox::new(&[7; 32]);
        let sealed = b.seal("EAAG-secret-token", &ctx(t));
        assert!(!sealed.windows(6).any(|w| w == b"secret"));
        assert_eq!(b.open(&sealed, &ctx(t)).unwrap(), "EAAG-secret-token");
        assert_ne!(b.seal("x", &ctx(t)), b.seal("x", &ctx(t)), "nonces must differ");
        assert!(b.is_current(&sealed));
    }

    #[test]
    fn wrong_key_tamper_or_another_row_fails() {
        let t = TenantId::generate();
        let sealed = SecretBox::new(&[7; 32]).seal("t", &ctx(t));
        assert!(SecretBox::new(&[8; 32]).open(&sealed, &ctx(t)).is_err());
        let mut bad = sealed.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(SecretBox::new(&[7; 32]).open(&bad, &ctx(t)).is_err());
        // Moved to another tenant's row, or another column: refused.
        assert!(SecretBox::new(&[7; 32]).open(&sealed, &ctx(TenantId::generate())).is_err());
        assert!(SecretBox::new(&[7; 32]).open(&sealed, &Sealed::AppSecret.context(t, "channel-1")).is_err());
        assert!(SecretBox::new(&[7; 32]).open(&sealed, &Sealed::AccessToken.context(t, "channel-2")).is_err(), "another row");
    }

    #[test]
    fn a_previous_key_opens_until_rotated() {
        let t = TenantId::generate();
        let old = SecretBox::new(&[1; 32]).seal("token", &ctx(t));
        let rotating = SecretBox::with_previous(&[2; 32], &[[1; 32]]);
        assert_eq!(rotating.open(&old, &ctx(t)).unwrap(), "token");
        assert!(!rotating.is_current(&old));
        let resealed = rotating.seal("token", &ctx(t));
        assert!(rotating.is_current(&resealed));
        assert!(SecretBox::new(&[2; 32]).open(&resealed, &ctx(t)).is_ok());
    }

    #[test]
    fn the_first_format_opens_only_for_resealing() {
        use aes_gcm::aead::Aead;
        let key = [9u8; 32];
        let cipher = Aes256Gcm::new((&key).into());
        let nonce = [3u8; NONCE_LEN];
        let mut legacy = nonce.to_vec();
        legacy.extend(cipher.encrypt(Nonce::from_slice(&nonce), b"old-token".as_ref()).unwrap());
        assert!(SecretBox::new(&key).open(&legacy, &ctx(TenantId::generate())).is_err(), "the server never opens the first format");
        assert_eq!(SecretBox::new(&key).opening_legacy().open(&legacy, &ctx(TenantId::generate())).unwrap(), "old-token");
    }
}
