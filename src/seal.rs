//! Sealing a 32-byte key to an X25519 public key, as age does for its X25519 recipients: an
//! ephemeral X25519 key agrees a secret with the recipient's key, HKDF-SHA256 (salted with both
//! public keys, under a label saying what the key is for) makes it a wrapping key, and
//! XChaCha20-Poly1305 wraps the key. Only the holder of the recipient's secret opens it.
//!
//! Used for a sync file's key (sealed to each laptop it is for: the Montgomery form of the
//! laptop's Ed25519 device key) and for a backup's key (sealed to the ward's recovery key).

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use curve25519_dalek::MontgomeryPoint;
use hkdf::Hkdf;
use rand_core::{OsRng, RngCore};
use sha2::Sha256;
use zeroize::Zeroizing;

/// A key sealed to one recipient.
pub(crate) struct Sealed {
    /// The ephemeral X25519 public key.
    pub ephemeral: [u8; 32],
    /// The key, wrapped.
    pub wrapped: Vec<u8>,
}

/// The key that wraps a sealed key, from the agreed secret and both public keys; none for a
/// low-order point, whose secret anyone knows.
fn wrapping_key(shared: &MontgomeryPoint, ephemeral: &MontgomeryPoint, recipient: &MontgomeryPoint, label: &[u8]) -> Option<Zeroizing<[u8; 32]>> {
    if shared.as_bytes() == &[0u8; 32] {
        return None;
    }
    let mut salt = ephemeral.as_bytes().to_vec();
    salt.extend_from_slice(recipient.as_bytes());
    let mut out = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(Some(&salt), shared.as_bytes()).expand(label, out.as_mut()).expect("32 bytes is a valid HKDF length");
    Some(out)
}

/// Whether a key can be sealed to `recipient`: not a point of small order (whose secret anyone
/// knows).
pub(crate) fn usable(recipient: &MontgomeryPoint) -> bool {
    // Clamping clears the cofactor: a small-order point gives the identity for any scalar.
    recipient.mul_clamped([0x55; 32]).as_bytes() != &[0u8; 32]
}

/// Seals `key` to `recipient`; `label` says what it is for, `aad` binds it to its place. `None`
/// for a recipient key of small order.
pub(crate) fn seal(key: &[u8; 32], recipient: &MontgomeryPoint, label: &[u8], aad: &[u8]) -> Option<Sealed> {
    let mut secret = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(secret.as_mut());
    let ephemeral = MontgomeryPoint::mul_base_clamped(*secret);
    let shared = recipient.mul_clamped(*secret);
    let kek = wrapping_key(&shared, &ephemeral, recipient, label)?;
    // Each wrapping key is used once (a fresh ephemeral key), so a fixed nonce is safe.
    let wrapped = XChaCha20Poly1305::new(kek.as_ref().into())
        .encrypt(XNonce::from_slice(&[0u8; 24]), Payload { msg: key, aad })
        .expect("encryption in memory does not fail");
    Some(Sealed { ephemeral: ephemeral.to_bytes(), wrapped })
}

/// Opens a key sealed to the holder of `scalar` (clamped as X25519 does); `None` when it was
/// sealed to another key, under another label or place, or altered.
pub(crate) fn open(sealed: &Sealed, scalar: &[u8; 32], label: &[u8], aad: &[u8]) -> Option<Zeroizing<[u8; 32]>> {
    let ephemeral = MontgomeryPoint(sealed.ephemeral);
    let shared = ephemeral.mul_clamped(*scalar);
    let own = MontgomeryPoint::mul_base_clamped(*scalar);
    let kek = wrapping_key(&shared, &ephemeral, &own, label)?;
    let opened = Zeroizing::new(XChaCha20Poly1305::new(kek.as_ref().into()).decrypt(XNonce::from_slice(&[0u8; 24]), Payload { msg: &sealed.wrapped, aad }).ok()?);
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(opened.get(..32).filter(|_| opened.len() == 32)?);
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_key_opens_with_its_recipients_secret_label_and_place_only() {
        let secret = [7u8; 32];
        let recipient = MontgomeryPoint::mul_base_clamped(secret);
        let key = [42u8; 32];
        let sealed = seal(&key, &recipient, b"label", b"place").unwrap();
        assert!(usable(&recipient) && !usable(&MontgomeryPoint([0u8; 32])));
        assert!(seal(&key, &MontgomeryPoint([0u8; 32]), b"label", b"place").is_none());
        assert_eq!(*open(&sealed, &secret, b"label", b"place").unwrap(), key);
        assert!(open(&sealed, &[8u8; 32], b"label", b"place").is_none(), "another secret");
        assert!(open(&sealed, &secret, b"other", b"place").is_none(), "another label");
        assert!(open(&sealed, &secret, b"label", b"elsewhere").is_none(), "another place");
        let mut altered = Sealed { ephemeral: sealed.ephemeral, wrapped: sealed.wrapped.clone() };
        altered.wrapped[3] ^= 1;
        assert!(open(&altered, &secret, b"label", b"place").is_none());
        let low_order = Sealed { ephemeral: [0u8; 32], wrapped: sealed.wrapped };
        assert!(open(&low_order, &secret, b"label", b"place").is_none());
    }
}
