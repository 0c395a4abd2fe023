//! The sync file, frozen as format 1:
//!
//! ```text
//! "TREEMS01" | header length (u32 LE) | header (JSON) | body length (u64 LE) | body | signature (64)
//! ```
//! The header says which ward (a tag derived from the ward's key, never the key), which laptop
//! sent it and for which laptop, when, and how much. The body is the deflated content,
//! encrypted with XChaCha20-Poly1305 under a key derived from the ward's master key (HKDF-SHA256)
//! with the magic and header as associated data. The Ed25519 signature of the sending laptop
//! covers everything before it. Reading checks, in order: the magic, the lengths (a file cut
//! short), the ward, the sender, the signature (a file altered), then decrypts.

use std::io::{Read, Write as _};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use hkdf::Hkdf;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::SyncError;
use crate::auth::keyring::MasterKey;

const MAGIC: &[u8; 8] = b"TREEMS01";
const SIGNATURE_LEN: usize = 64;
/// Larger than any ward's data, small enough that a damaged length cannot exhaust memory.
const MAX_BODY: u64 = 4 << 30;
/// The most a body may inflate to: a ward of 100,000 children sends ~200 MB whole. A body made
/// to inflate without end (by someone holding the ward's key) is refused at this.
const MAX_INFLATED: u64 = 1 << 30;

/// What a sync file says of itself, readable before it is opened.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Header {
    /// The file format.
    pub format: u32,
    /// The ward's tag ([`ward_tag`]).
    pub ward: String,
    /// The device that made and signed it.
    pub sender: String,
    /// The device it was made for; `None`: any laptop of the officer or the leader.
    pub recipient: Option<String>,
    /// When it was made (UTC, RFC 3339).
    pub made_at: String,
    /// Change-log entries it carries.
    pub entries: usize,
    /// Kept files it carries.
    pub files: usize,
    /// The nonce of the encrypted body, hex.
    pub nonce: String,
}

fn derived(key: &MasterKey, info: &str) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(None, key.bytes()).expand(info.as_bytes(), out.as_mut()).expect("32 bytes is a valid HKDF length");
    out
}

/// The ward's tag: the same on every laptop of the ward, different for another ward's data,
/// and saying nothing of the key.
pub fn ward_tag(key: &MasterKey) -> String {
    hex::encode(&derived(key, "treem ward tag v1")[..16])
}

fn cipher(key: &MasterKey) -> XChaCha20Poly1305 {
    XChaCha20Poly1305::new(derived(key, "treem sync file v1").as_ref().into())
}

/// Writes a sync file of `body` (compressed, encrypted, signed).
pub(crate) fn seal(mut header: Header, body: &[u8], key: &MasterKey, signer: &SigningKey) -> Vec<u8> {
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    header.format = 1;
    header.nonce = hex::encode(nonce);
    let header_json = serde_json::to_vec(&header).expect("a header serialises");
    let mut deflated = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    deflated.write_all(body).expect("writing to memory");
    let deflated = deflated.finish().expect("writing to memory");
    let mut out = Vec::with_capacity(deflated.len() + header_json.len() + 100);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(header_json.len() as u32).to_le_bytes());
    out.extend_from_slice(&header_json);
    let aad = out.clone();
    let sealed = cipher(key)
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: &deflated, aad: &aad })
        .expect("encryption in memory does not fail");
    out.extend_from_slice(&(sealed.len() as u64).to_le_bytes());
    out.extend_from_slice(&sealed);
    let signature = signer.sign(&out);
    out.extend_from_slice(&signature.to_bytes());
    out
}

/// A sync file split into its parts, its header read but nothing checked beyond the layout.
pub(crate) struct Parts<'a> {
    pub header: Header,
    header_end: usize,
    body: &'a [u8],
    signed: &'a [u8],
    signature: [u8; SIGNATURE_LEN],
}

/// What a sync file says of itself (who sent it, for whom, when, how much), read before it is
/// opened: the layout checked, not the signature.
pub fn header(bytes: &[u8]) -> Result<Header, SyncError> {
    split(bytes).map(|parts| parts.header)
}

/// Reads the layout: the magic, the header, the lengths.
pub(crate) fn split(bytes: &[u8]) -> Result<Parts<'_>, SyncError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(SyncError::NotASyncFile);
    }
    let mut at = MAGIC.len();
    let header_len = u32::from_le_bytes(take::<4>(bytes, &mut at)?) as usize;
    let header_bytes = bytes.get(at..at + header_len).ok_or(SyncError::CutShort)?;
    let header: Header = serde_json::from_slice(header_bytes).map_err(|_| SyncError::Altered)?;
    at += header_len;
    let header_end = at;
    let body_len = u64::from_le_bytes(take::<8>(bytes, &mut at)?);
    if body_len > MAX_BODY {
        return Err(SyncError::Altered);
    }
    let body = bytes.get(at..at + body_len as usize).ok_or(SyncError::CutShort)?;
    at += body_len as usize;
    let signature = take::<SIGNATURE_LEN>(bytes, &mut at)?;
    if at != bytes.len() {
        return Err(SyncError::Altered);
    }
    if header.format != 1 {
        return Err(SyncError::NewerFormat);
    }
    Ok(Parts { header, header_end, body, signed: &bytes[..at - SIGNATURE_LEN], signature })
}

fn take<const N: usize>(bytes: &[u8], at: &mut usize) -> Result<[u8; N], SyncError> {
    let slice = bytes.get(*at..*at + N).ok_or(SyncError::CutShort)?;
    *at += N;
    Ok(slice.try_into().expect("length checked"))
}

impl Parts<'_> {
    /// Checks the sender's signature, then decrypts and inflates the body.
    pub(crate) fn open(&self, sender_key: &VerifyingKey, key: &MasterKey) -> Result<Vec<u8>, SyncError> {
        sender_key.verify(self.signed, &Signature::from_bytes(&self.signature)).map_err(|_| SyncError::Altered)?;
        let nonce: [u8; 24] = hex::decode(&self.header.nonce).ok().and_then(|n| n.try_into().ok()).ok_or(SyncError::Altered)?;
        let aad = &self.signed[..self.header_end];
        let deflated = cipher(key)
            .decrypt(XNonce::from_slice(&nonce), Payload { msg: self.body, aad })
            .map_err(|_| SyncError::OtherWard)?;
        let mut body = Vec::new();
        flate2::read::DeflateDecoder::new(deflated.as_slice()).take(MAX_INFLATED + 1).read_to_end(&mut body).map_err(|_| SyncError::Altered)?;
        if body.len() as u64 > MAX_INFLATED {
            return Err(SyncError::Altered);
        }
        Ok(body)
    }
}

/// A public key as stored in `devices`.
pub(crate) fn verifying_key(hex_key: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(hex_key).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header { format: 1, ward: "w".into(), sender: "a".into(), recipient: None, made_at: "t".into(), entries: 1, files: 0, nonce: String::new() }
    }

    #[test]
    fn a_sealed_file_opens_and_any_change_or_cut_is_refused() {
        let key = MasterKey::generate();
        let signer = SigningKey::generate(&mut OsRng);
        let bytes = seal(header(), b"hello hello hello", &key, &signer);
        let parts = split(&bytes).unwrap();
        assert_eq!(parts.header.sender, "a");
        assert_eq!(parts.open(&signer.verifying_key(), &key).unwrap(), b"hello hello hello");
        for i in [0, 10, 30, bytes.len() / 2, bytes.len() - 1] {
            let mut altered = bytes.clone();
            altered[i] ^= 1;
            let refused = split(&altered).and_then(|p| p.open(&signer.verifying_key(), &key));
            assert!(refused.is_err(), "byte {i} altered");
        }
        assert!(matches!(split(&bytes[..bytes.len() - 5]), Err(SyncError::CutShort)));
        let other = SigningKey::generate(&mut OsRng);
        assert!(matches!(parts.open(&other.verifying_key(), &key), Err(SyncError::Altered)));
        assert!(matches!(parts.open(&signer.verifying_key(), &MasterKey::generate()), Err(SyncError::OtherWard)));
        assert_ne!(ward_tag(&key), ward_tag(&MasterKey::generate()));
    }
}
