//! USB signing tokens, through the PKCS#11 library each token comes with (`eTPKCS11.dll`,
//! `bit4xpki.dll`, … on Windows; SoftHSM2 in tests). The app lists the certificates a token
//! holds and asks the token to sign; the private key never leaves it. The PIN is taken for one
//! signing, zeroed after, and never kept.
//!
//! A library is loaded and initialised once per process and kept; every session on it runs
//! under that library's lock, so that one signing's login is never another's.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Utc};
use cryptoki::context::{CInitializeArgs, Pkcs11};
use cryptoki::error::{Error as P11Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use der::{Decode, Encode};
use serde::Serialize;
use ts_rs::TS;
use x509_cert::Certificate;
use zeroize::Zeroizing;

use crate::signing::{self, KeyKind, SignError};

/// The laptop preference naming the token's PKCS#11 library.
pub const MODULE_PREFERENCE: &str = "token_module";

/// Where the libraries of the tokens Vietnamese state bodies and CAs hand out are installed on
/// Windows, with the token's name, for the officer to pick from; any other is chosen as a file.
pub const KNOWN_WINDOWS_MODULES: &[(&str, &str)] = &[
    ("SafeNet eToken (Ban Cơ yếu Chính phủ, VNPT-CA…)", r"C:\Windows\System32\eTPKCS11.dll"),
    ("Bit4id (Ban Cơ yếu Chính phủ)", r"C:\Windows\System32\bit4xpki.dll"),
    ("Feitian ePass2003 (VNPT-CA, BKAV-CA…)", r"C:\Windows\System32\eps2003csp11.dll"),
    ("Viettel-CA", r"C:\Windows\System32\viettel-ca_v6.dll"),
    ("OpenSC (thẻ và token theo chuẩn PKCS#15)", r"C:\Program Files\OpenSC Project\OpenSC\pkcs11\opensc-pkcs11.dll"),
];

/// A library a token came with, as the window offers it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct KnownModule {
    /// The token's name.
    pub name: String,
    /// The library's path.
    pub path: String,
    /// Whether the library is on this laptop.
    pub present: bool,
}

/// The known token libraries, each with whether it is installed here; on other systems, the
/// usual places of OpenSC's and SoftHSM2's libraries.
pub fn known_modules() -> Vec<KnownModule> {
    let unix: &[(&str, &str)] = &[
        ("OpenSC", "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"),
        ("SoftHSM2 (token giả lập để thử)", "/usr/lib/softhsm/libsofthsm2.so"),
    ];
    let list = if cfg!(windows) { KNOWN_WINDOWS_MODULES } else { unix };
    list.iter()
        .map(|(name, path)| KnownModule { name: (*name).to_owned(), path: (*path).to_owned(), present: Path::new(path).is_file() })
        .collect()
}

/// How many more wrong PINs the token allows, as far as it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinTries {
    /// The token does not say.
    Unknown,
    /// The token says a wrong PIN was entered since the last right one (it counts them).
    Counting,
    /// One more wrong PIN locks the token.
    LastOne,
}

/// One certificate on a token.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct TokenCertificate {
    /// Its PKCS#11 id (CKA_ID) in hex, as `treem token list` prints it and `--token-cert` takes it.
    pub id: String,
    /// The token's label.
    pub token: String,
    /// Whom the certificate names.
    pub owner: String,
    /// The organisation it names, if any.
    pub organisation: Option<String>,
    /// Who issued it.
    pub issuer: String,
    /// Start of validity (UTC).
    pub not_before: DateTime<Utc>,
    /// End of validity (UTC).
    pub not_after: DateTime<Utc>,
    /// Start and end of validity as the window shows them ("dd/mm/yyyy – dd/mm/yyyy").
    pub validity: String,
    /// Whether the token holds the private key beside it, i.e. whether it can sign.
    pub can_sign: bool,
    /// Whether it is valid now.
    pub valid_now: bool,
    /// The certificate of a certification authority (kept on the token for the chain).
    pub authority: bool,
}

/// A library loaded and initialised, and the lock its sessions take turns under.
struct Module {
    ctx: Pkcs11,
    turn: Mutex<()>,
}

fn p11(module: &Path, e: P11Error) -> SignError {
    match e {
        P11Error::LibraryLoading(_) => SignError::TokenModule(module.display().to_string()),
        P11Error::Pkcs11(RvError::TokenNotPresent | RvError::DeviceRemoved | RvError::SessionHandleInvalid, _) => SignError::NoToken,
        P11Error::Pkcs11(RvError::PinLocked, _) => SignError::PinLocked,
        // The library's own words are English: the code is what a support line asks for.
        P11Error::Pkcs11(rv, function) => SignError::Token(format!("mã {rv:?} khi gọi {function:?}")),
        other => SignError::Token(format!("{other:?}")),
    }
}

/// The library at `path`, loaded once per process (under its canonical path, so two
/// spellings of one library share one context and one lock).
fn module(path: &Path) -> Result<Arc<Module>, SignError> {
    static LOADED: OnceLock<Mutex<HashMap<PathBuf, Arc<Module>>>> = OnceLock::new();
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let path = canonical.as_path();
    let mut loaded = LOADED.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
    if let Some(m) = loaded.get(path) {
        return Ok(m.clone());
    }
    if !path.is_file() {
        return Err(SignError::TokenModule(path.display().to_string()));
    }
    let ctx = Pkcs11::new(path).map_err(|e| p11(path, e))?;
    match ctx.initialize(CInitializeArgs::OsThreads) {
        Ok(()) | Err(P11Error::AlreadyInitialized) | Err(P11Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(p11(path, e)),
    }
    let m = Arc::new(Module { ctx, turn: Mutex::new(()) });
    loaded.insert(path.to_owned(), m.clone());
    Ok(m)
}

struct Found {
    slot: Slot,
    label: String,
    id: Vec<u8>,
    cert: Certificate,
}

/// Every certificate on every token the library sees.
fn certificates_on(m: &Module, path: &Path) -> Result<Vec<Found>, SignError> {
    let mut out = Vec::new();
    for slot in m.ctx.get_slots_with_initialized_token().map_err(|e| p11(path, e))? {
        let label = m.ctx.get_token_info(slot).map(|t| t.label().trim().to_owned()).unwrap_or_default();
        let session = m.ctx.open_ro_session(slot).map_err(|e| p11(path, e))?;
        for handle in session.find_objects(&[Attribute::Class(ObjectClass::CERTIFICATE)]).map_err(|e| p11(path, e))? {
            let attrs = session.get_attributes(handle, &[AttributeType::Id, AttributeType::Value]).map_err(|e| p11(path, e))?;
            let (mut id, mut value) = (Vec::new(), None);
            for a in attrs {
                match a {
                    Attribute::Id(v) => id = v,
                    Attribute::Value(v) => value = Some(v),
                    _ => {}
                }
            }
            if let Some(cert) = value.and_then(|v| Certificate::from_der(&v).ok()) {
                out.push(Found { slot, label: label.clone(), id, cert });
            }
        }
    }
    Ok(out)
}

/// The certificates on the tokens the library at `path` sees, signers first.
pub fn list(path: &Path) -> Result<Vec<TokenCertificate>, SignError> {
    let m = module(path)?;
    let _turn = m.turn.lock().unwrap_or_else(|p| p.into_inner());
    let found = certificates_on(&m, path)?;
    if found.is_empty() && m.ctx.get_slots_with_initialized_token().map_err(|e| p11(path, e))?.is_empty() {
        return Err(SignError::NoToken);
    }
    let now = Utc::now();
    let mut list: Vec<TokenCertificate> = found
        .iter()
        .map(|f| {
            let (not_before, not_after) = signing::validity(&f.cert);
            let authority = signing::is_authority(&f.cert);
            // Private keys stay hidden until login: a certificate that is not an authority's
            // is taken as one the token signs with.
            let can_sign = !authority;
            TokenCertificate {
                id: hex::encode(&f.id),
                token: f.label.clone(),
                owner: signing::display_name(&f.cert.tbs_certificate.subject),
                organisation: signing::organisation(&f.cert),
                issuer: signing::display_name(&f.cert.tbs_certificate.issuer),
                not_before,
                not_after,
                validity: format!("{} – {}", signing::vn_day(not_before), signing::vn_day(not_after)),
                can_sign,
                valid_now: not_before <= now && now <= not_after,
                authority,
            }
        })
        .collect();
    // Signers before authorities, valid before expired; then by id, as tokens list in any order.
    list.sort_by(|a, b| (a.authority, !a.valid_now, &a.id).cmp(&(b.authority, !b.valid_now, &b.id)));
    Ok(list)
}

/// A key on a token, found and unlocked by its PIN once already (so a wrong PIN is refused
/// before anything is written). Signing logs in again, signs and logs out.
pub struct TokenKey {
    module: Arc<Module>,
    path: PathBuf,
    slot: Slot,
    id: Vec<u8>,
    kind: KeyKind,
    pin: Zeroizing<String>,
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKey").field("path", &self.path).field("id", &hex::encode(&self.id)).finish_non_exhaustive()
    }
}

/// What opening a key on a token gives: the key, its certificate, and the other certificates
/// on the token (for the chain).
pub(crate) struct Opened {
    pub key: TokenKey,
    pub cert: Certificate,
    pub others: Vec<Certificate>,
}

fn pin_refused(m: &Module, slot: Slot) -> SignError {
    let tries = match m.ctx.get_token_info(slot) {
        Ok(t) if t.user_pin_locked() => return SignError::PinLocked,
        Ok(t) if t.user_pin_final_try() => PinTries::LastOne,
        Ok(t) if t.user_pin_count_low() => PinTries::Counting,
        _ => PinTries::Unknown,
    };
    SignError::WrongPin(tries)
}

impl TokenKey {
    /// Finds the certificate `id_hex` (as [`list`] gives it) on a token of the library at
    /// `path`, and checks the PIN by logging in once.
    pub(crate) fn open(path: &Path, id_hex: &str, pin: &str) -> Result<Opened, SignError> {
        let id = hex::decode(id_hex.trim()).map_err(|_| SignError::CertificateNotOnToken(id_hex.to_owned()))?;
        if pin.is_empty() {
            return Err(SignError::NoPin);
        }
        let m = module(path)?;
        let found = {
            let _turn = m.turn.lock().unwrap_or_else(|p| p.into_inner());
            certificates_on(&m, path)?
        };
        let mine = found.iter().find(|f| f.id == id).ok_or_else(|| SignError::CertificateNotOnToken(id_hex.to_owned()))?;
        let kind = signing::key_kind(&mine.cert).ok_or(SignError::UnsupportedKey)?;
        let key = TokenKey { module: m.clone(), path: path.to_owned(), slot: mine.slot, id, kind, pin: Zeroizing::new(pin.to_owned()) };
        key.with_key(|_, _| Ok(()))?;
        let others = found.iter().filter(|f| f.slot == mine.slot && f.id != key.id).map(|f| f.cert.clone()).collect();
        Ok(Opened { cert: mine.cert.clone(), others, key })
    }

    /// Logs in, runs `f` with the session and the private key, and logs out.
    fn with_key<T>(&self, f: impl FnOnce(&Session, ObjectHandle) -> Result<T, SignError>) -> Result<T, SignError> {
        let m = &self.module;
        let _turn = m.turn.lock().unwrap_or_else(|p| p.into_inner());
        let session = m.ctx.open_ro_session(self.slot).map_err(|e| p11(&self.path, e))?;
        let pin = cryptoki::types::AuthPin::new(self.pin.as_str().to_owned());
        match session.login(UserType::User, Some(&pin)) {
            Ok(()) | Err(P11Error::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
            Err(P11Error::Pkcs11(RvError::PinIncorrect | RvError::PinLenRange | RvError::PinInvalid, _)) => return Err(pin_refused(m, self.slot)),
            Err(e) => return Err(p11(&self.path, e)),
        }
        let result = session
            .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY), Attribute::Id(self.id.clone())])
            .map_err(|e| p11(&self.path, e))
            .and_then(|keys| keys.first().copied().ok_or_else(|| SignError::CertificateNotOnToken(hex::encode(&self.id))))
            .and_then(|key| f(&session, key));
        let _ = session.logout();
        result
    }

    /// The key's algorithm.
    pub(crate) fn kind(&self) -> KeyKind {
        self.kind
    }

    /// Signs `message` on the token: RSA PKCS#1 v1.5 over the SHA-256 DigestInfo (the
    /// mechanism every token has), or ECDSA over the SHA-256 digest (DER-encoded here).
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(message);
        self.with_key(|session, key| match self.kind {
            KeyKind::Rsa => {
                // DigestInfo ::= SEQUENCE { sha256, OCTET STRING digest } (RFC 8017 §9.2).
                let mut info = hex::decode("3031300d060960864801650304020105000420").expect("static prefix");
                info.extend_from_slice(&digest);
                session.sign(&Mechanism::RsaPkcs, key, &info).map_err(|e| p11(&self.path, e))
            }
            KeyKind::Ecdsa => {
                let raw = session.sign(&Mechanism::Ecdsa, key, &digest).map_err(|e| p11(&self.path, e))?;
                ecdsa_der(&raw).ok_or_else(|| SignError::Token("chữ ký ECDSA token trả về không đúng dạng".into()))
            }
        })
    }
}

/// An ECDSA signature as r‖s (what PKCS#11 returns) re-encoded as the DER SEQUENCE of two
/// INTEGERs that CMS carries.
fn ecdsa_der(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.is_empty() || raw.len() % 2 != 0 {
        return None;
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    #[derive(der::Sequence)]
    struct Sig<'a> {
        r: der::asn1::UintRef<'a>,
        s: der::asn1::UintRef<'a>,
    }
    Sig { r: der::asn1::UintRef::new(r).ok()?, s: der::asn1::UintRef::new(s).ok()? }.to_der().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ecdsa_signature_from_a_token_is_carried_as_der() {
        let mut raw = vec![0u8; 64];
        raw[0] = 0x80; // r needs a leading zero to stay positive
        raw[63] = 1;
        let der = ecdsa_der(&raw).unwrap();
        assert_eq!(der[0], 0x30);
        assert!(p256::ecdsa::DerSignature::try_from(der.as_slice()).is_ok());
        assert_eq!(ecdsa_der(&raw[..63]), None);
    }

    #[test]
    fn a_wrong_pin_says_what_the_token_says_of_the_tries_left() {
        assert!(SignError::WrongPin(PinTries::LastOne).to_string().contains("còn 1 lần"));
        assert!(SignError::WrongPin(PinTries::Counting).to_string().contains("đã ghi nhận"));
        assert!(SignError::PinLocked.to_string().contains("bị khóa"));
    }

    #[test]
    fn a_missing_library_is_named() {
        let err = list(Path::new("/khong/co/thu-vien.so")).unwrap_err();
        assert!(matches!(err, SignError::TokenModule(_)));
        assert!(err.to_string().contains("/khong/co/thu-vien.so"));
    }
}
