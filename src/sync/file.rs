//! The sync file, format 2:
//!
//! ```text
//! "TREEMS01" | header length (u32 LE) | header (JSON) | body length (u64 LE) | body | signature (64)
//! ```
//! The header says which ward (its tag, a random id kept in the database), which laptop sent it
//! and for which laptops, when, and how much. The body is the deflated content, encrypted with
//! XChaCha20-Poly1305 under a random file key, with the magic and header as associated data.
//! The file key is sealed to each laptop the file is for, as age does for its X25519
//! recipients: an ephemeral X25519 key agrees a secret with the laptop's key (the Montgomery
//! form of its Ed25519 signing key, see <https://eprint.iacr.org/2021/509>), HKDF-SHA256 makes
//! it a wrapping key. So only the laptops a file is made for can read it: each laptop has its
//! own database key, and a collaborator's laptop never holds what opens the office's files. The
//! Ed25519 signature of the sending laptop covers everything before it. Reading checks, in
//! order: the magic, the lengths (a file cut short), the ward, the sender, the signature (a file
//! altered), then opens the file key and decrypts.

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
/// The header's format: 1 was sealed with the ward's one shared key, which every laptop held;
/// 2 carried no heads (see [`super::witness`]).
const FORMAT: u32 = 3;
const SIGNATURE_LEN: usize = 64;
/// Larger than any ward's data, small enough that a damaged length cannot exhaust memory.
const MAX_BODY: u64 = 4 << 30;
/// The most a body may inflate to: a ward of 100,000 children sends ~200 MB whole. A body made
/// to inflate without end (by a laptop of the ward) is refused at this.
const MAX_INFLATED: u64 = 1 << 30;
/// More laptops than a ward has; a header cannot make the reader try a million keys.
const MAX_RECIPIENTS: usize = 1000;

/// What a sync file says of itself, readable before it is opened.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Header {
    /// The file format.
    pub format: u32,
    /// The ward's tag.
    pub ward: String,
    /// The device that made and signed it.
    pub sender: String,
    /// The device it was made for; `None`: the laptops of the officer and the leader.
    pub recipient: Option<String>,
    /// When it was made (UTC, RFC 3339).
    pub made_at: String,
    /// Change-log entries it carries.
    pub entries: usize,
    /// Kept files it carries.
    pub files: usize,
    /// The nonce of the encrypted body, hex.
    pub nonce: String,
    /// The file key, sealed to each laptop that may open the file.
    #[serde(default)]
    pub keys: Vec<SealedKey>,
}

/// The file key sealed to one laptop.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SealedKey {
    /// The laptop's device id.
    pub device: String,
    /// The ephemeral X25519 public key, hex.
    pub ephemeral: String,
    /// The file key, encrypted, hex.
    pub wrapped: String,
}

fn derived(key: &MasterKey, info: &str) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(None, key.bytes()).expand(info.as_bytes(), out.as_mut()).expect("32 bytes is a valid HKDF length");
    out
}

/// The tag a ward set up before tags were kept had: derived from its key, saying nothing of it.
pub(crate) fn legacy_ward_tag(key: &MasterKey) -> String {
    hex::encode(&derived(key, "treem ward tag v1")[..16])
}

/// A new ward's tag.
pub(crate) fn new_ward_tag() -> String {
    let mut tag = [0u8; 16];
    OsRng.fill_bytes(&mut tag);
    hex::encode(tag)
}

/// What a sealed file key is for (the HKDF label).
const SEAL_LABEL: &[u8] = b"treem sync file key v2";

fn seal_key(file_key: &[u8; 32], device: &str, laptop: &VerifyingKey) -> SealedKey {
    let sealed = crate::seal::seal(file_key, &laptop.to_montgomery(), SEAL_LABEL, device.as_bytes())
        .expect("a laptop's key is of large order: `verifying_key` refuses weak ones, generated ones are not");
    SealedKey { device: device.to_owned(), ephemeral: hex::encode(sealed.ephemeral), wrapped: hex::encode(sealed.wrapped) }
}

/// Writes a sync file of `body` (compressed, encrypted to each of `recipients`, signed).
pub(crate) fn seal(mut header: Header, body: &[u8], recipients: &[(String, VerifyingKey)], signer: &SigningKey) -> Vec<u8> {
    let mut file_key = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(file_key.as_mut());
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    header.format = FORMAT;
    header.nonce = hex::encode(nonce);
    header.keys = recipients.iter().map(|(device, key)| seal_key(&file_key, device, key)).collect();
    let header_json = serde_json::to_vec(&header).expect("a header serialises");
    let mut deflated = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    deflated.write_all(body).expect("writing to memory");
    let deflated = deflated.finish().expect("writing to memory");
    let mut out = Vec::with_capacity(deflated.len() + header_json.len() + 100);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(header_json.len() as u32).to_le_bytes());
    out.extend_from_slice(&header_json);
    let aad = out.clone();
    let sealed = XChaCha20Poly1305::new(file_key.as_ref().into())
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
    if header.format < FORMAT {
        return Err(SyncError::OlderFormat);
    }
    if header.format > FORMAT {
        return Err(SyncError::NewerFormat);
    }
    if header.keys.len() > MAX_RECIPIENTS {
        return Err(SyncError::Altered);
    }
    Ok(Parts { header, header_end, body, signed: &bytes[..at - SIGNATURE_LEN], signature })
}

fn take<const N: usize>(bytes: &[u8], at: &mut usize) -> Result<[u8; N], SyncError> {
    let slice = bytes.get(*at..*at + N).ok_or(SyncError::CutShort)?;
    *at += N;
    Ok(slice.try_into().expect("length checked"))
}

impl Parts<'_> {
    /// Checks the sender's signature, opens the file key sealed to this laptop (`device`, with
    /// its signing key), then decrypts and inflates the body.
    pub(crate) fn open(&self, sender_key: &VerifyingKey, device: &str, own: &SigningKey) -> Result<Vec<u8>, SyncError> {
        sender_key.verify(self.signed, &Signature::from_bytes(&self.signature)).map_err(|_| SyncError::Altered)?;
        let sealed = self.header.keys.iter().find(|k| k.device == device).ok_or(SyncError::NotAddressedHere)?;
        let ephemeral: [u8; 32] = hex::decode(&sealed.ephemeral).ok().and_then(|e| e.try_into().ok()).ok_or(SyncError::Altered)?;
        let wrapped = hex::decode(&sealed.wrapped).map_err(|_| SyncError::Altered)?;
        let scalar = Zeroizing::new(own.to_scalar_bytes());
        let file_key = crate::seal::open(&crate::seal::Sealed { ephemeral, wrapped }, &scalar, SEAL_LABEL, device.as_bytes()).ok_or(SyncError::Altered)?;
        let nonce: [u8; 24] = hex::decode(&self.header.nonce).ok().and_then(|n| n.try_into().ok()).ok_or(SyncError::Altered)?;
        let aad = &self.signed[..self.header_end];
        let deflated = XChaCha20Poly1305::new(file_key.as_slice().into())
            .decrypt(XNonce::from_slice(&nonce), Payload { msg: self.body, aad })
            .map_err(|_| SyncError::Altered)?;
        let mut body = Vec::new();
        flate2::read::DeflateDecoder::new(deflated.as_slice()).take(MAX_INFLATED + 1).read_to_end(&mut body).map_err(|_| SyncError::Altered)?;
        if body.len() as u64 > MAX_INFLATED {
            return Err(SyncError::Altered);
        }
        Ok(body)
    }
}

/// A public key as stored in `devices`; none for a weak key (of small order), to which nothing
/// can be sealed.
pub(crate) fn verifying_key(hex_key: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(hex_key).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok().filter(|k| !k.is_weak())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header { format: 2, ward: "w".into(), sender: "a".into(), recipient: None, made_at: "t".into(), entries: 1, files: 0, nonce: String::new(), keys: vec![] }
    }

    #[test]
    fn a_sealed_file_opens_for_its_laptops_only_and_any_change_or_cut_is_refused() {
        let signer = SigningKey::generate(&mut OsRng);
        let (b, c, stranger) = (SigningKey::generate(&mut OsRng), SigningKey::generate(&mut OsRng), SigningKey::generate(&mut OsRng));
        let recipients = vec![("b".to_owned(), b.verifying_key()), ("c".to_owned(), c.verifying_key())];
        let bytes = seal(header(), b"hello hello hello", &recipients, &signer);
        let parts = split(&bytes).unwrap();
        assert_eq!(parts.header.sender, "a");
        for (device, key) in [("b", &b), ("c", &c)] {
            assert_eq!(parts.open(&signer.verifying_key(), device, key).unwrap(), b"hello hello hello");
        }
        // A laptop not addressed, and one that claims another's place, open nothing.
        assert!(matches!(parts.open(&signer.verifying_key(), "d", &stranger), Err(SyncError::NotAddressedHere)));
        assert!(matches!(parts.open(&signer.verifying_key(), "b", &stranger), Err(SyncError::Altered)));
        assert!(matches!(parts.open(&signer.verifying_key(), "b", &c), Err(SyncError::Altered)));
        for i in [0, 10, 30, bytes.len() / 2, bytes.len() - 1] {
            let mut altered = bytes.clone();
            altered[i] ^= 1;
            let refused = split(&altered).and_then(|p| p.open(&signer.verifying_key(), "b", &b));
            assert!(refused.is_err(), "byte {i} altered");
        }
        assert!(matches!(split(&bytes[..bytes.len() - 5]), Err(SyncError::CutShort)));
        let other = SigningKey::generate(&mut OsRng);
        assert!(matches!(parts.open(&other.verifying_key(), "b", &b), Err(SyncError::Altered)));
        assert_ne!(new_ward_tag(), new_ward_tag());
    }

    #[test]
    fn a_file_of_the_shared_key_format_is_refused_as_older() {
        let signer = SigningKey::generate(&mut OsRng);
        let bytes = seal(header(), b"x", &[], &signer);
        let mut older = bytes.clone();
        let at = older.windows(10).position(|w| w == b"\"format\":3").unwrap();
        older[at + 9] = b'2';
        assert!(matches!(split(&older), Err(SyncError::OlderFormat)));
    }
}
