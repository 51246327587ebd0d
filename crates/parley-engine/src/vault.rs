//! Secrets at rest (model API keys, later OAuth tokens): AES-256-GCM under a key derived from
//! the server's master secret, a fresh random nonce per value. A database dump alone reveals
//! none of them.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use sha2::{Digest, Sha256};

#[derive(Clone)]
pub struct Vault {
    cipher: Aes256Gcm,
}

impl Vault {
    /// A vault keyed by SHA-256 of a label and the master secret, so the signing key and the
    /// encryption key differ even though both come from one secret.
    pub fn new(master: &[u8]) -> Self {
        let key = Sha256::new()
            .chain_update(b"parley vault v1\0")
            .chain_update(master)
            .finalize();
        Self {
            cipher: Aes256Gcm::new_from_slice(&key).expect("SHA-256 gives a 32-byte key"),
        }
    }

    /// `base64(nonce || ciphertext)`.
    pub fn seal(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce), plaintext.as_bytes())
            .expect("AES-GCM encryption cannot fail");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        STANDARD.encode(out)
    }

    /// The plaintext, or `None` when the value was not sealed with this master secret.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let bytes = STANDARD.decode(sealed).ok()?;
        if bytes.len() < 12 {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        let plain = self.cipher.decrypt(&Nonce::from(nonce), ciphertext).ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_with_fresh_nonces_and_refuses_other_keys() {
        let vault = Vault::new(b"master");
        let a = vault.seal("sk-secret");
        let b = vault.seal("sk-secret");
        assert_ne!(a, b);
        assert!(!a.contains("sk-secret"));
        assert_eq!(vault.open(&a).as_deref(), Some("sk-secret"));
        assert_eq!(Vault::new(b"other").open(&a), None);
        assert_eq!(vault.open("not base64!"), None);
    }
}
