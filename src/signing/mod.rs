//! Digital signatures: who signs (a key in a PKCS#12 file, one the ward makes for internal
//! use, or a key on a USB token through [`crate::token`]), the signature put into a PDF (PAdES
//! baseline B-B, or the older adbe.pkcs7.detached, each as an incremental update so that an
//! earlier signature stays valid), and verifying every signature of a file.

mod cms;
mod pdf;
mod verify;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use der::{Decode, Encode};
use rsa::pkcs1v15::{Signature, SigningKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::RsaPrivateKey;
use serde::{Deserialize, Serialize};
use spki::SubjectPublicKeyInfoOwned;
use ts_rs::TS;
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;
use x509_cert::Certificate;

pub use pdf::{sign_pdf, SignOptions};
pub use verify::{verify_pdf, FileVerification, Trust, TrustList, Verification};

use crate::token::{PinTries, TokenKey};

/// Why a signer's certificate or token could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The password does not open the file.
    #[error("Mật khẩu của tệp chứng thư số không đúng. Hãy nhập lại (chú ý chữ hoa, chữ thường).")]
    WrongPassword,
    /// Not a PKCS#12 file.
    #[error("Tệp này không phải chứng thư số dạng .p12/.pfx. Hãy chọn tệp chứng thư số do tổ chức chứng thực cấp.")]
    NotPkcs12,
    /// The file holds no private key with its certificate.
    #[error("Tệp chứng thư số không có khóa bí mật đi kèm, nên không ký được.")]
    NoKey,
    /// Neither RSA nor ECDSA on P-256 or P-384.
    #[error("Ứng dụng ký được bằng khóa RSA hoặc ECDSA (P-256, P-384); khóa này thuộc loại khác.")]
    UnsupportedKey,
    /// The certificate has expired.
    #[error("Chứng thư số đã hết hạn ngày {0}. Hãy gia hạn chứng thư rồi ký lại.")]
    Expired(String),
    /// The certificate is not valid yet.
    #[error("Chứng thư số chỉ có hiệu lực từ ngày {0}.")]
    NotYetValid(String),
    /// The token's library cannot be loaded.
    #[error("Không mở được thư viện của token tại “{0}”. Hãy cài phần mềm đi kèm token (thường có trong token hoặc trên trang của tổ chức cấp chứng thư), rồi chọn lại đúng tệp thư viện (.dll).")]
    TokenModule(String),
    /// No token is plugged in.
    #[error("Không thấy token nào. Hãy cắm token ký số vào máy rồi thử lại.")]
    NoToken,
    /// The chosen certificate is not on the token.
    #[error("Không thấy chứng thư số có mã {0} trên token. Hãy cắm đúng token, hoặc chọn lại chứng thư.")]
    CertificateNotOnToken(String),
    /// No PIN was given.
    #[error("Nhập mã PIN của token (mã do tổ chức cấp chứng thư giao kèm token).")]
    NoPin,
    /// The PIN is wrong.
    #[error("{}", wrong_pin(*.0))]
    WrongPin(PinTries),
    /// The token is locked after too many wrong PINs.
    #[error("Token đã bị khóa vì nhập sai mã PIN quá số lần cho phép, nên không ký được. Cần mở khóa bằng mã PUK hoặc nhờ tổ chức cấp chứng thư mở khóa.")]
    PinLocked,
    /// The token refused for another reason.
    #[error("Token báo lỗi khi ký: {0}. Hãy rút token ra, cắm lại rồi thử lại.")]
    Token(String),
    /// The PDF could not be signed.
    #[error("Không ký được tệp PDF: {0}")]
    Pdf(String),
}

fn wrong_pin(tries: PinTries) -> &'static str {
    match tries {
        PinTries::LastOne => "Mã PIN không đúng. Token chỉ còn 1 lần thử: nhập sai lần nữa token sẽ bị khóa.",
        PinTries::Counting => "Mã PIN không đúng. Token đã ghi nhận lần nhập sai: nhập sai quá số lần cho phép token sẽ bị khóa, hãy kiểm tra kỹ trước khi nhập lại.",
        PinTries::Unknown => "Mã PIN không đúng. Hãy nhập lại; nhập sai nhiều lần token sẽ bị khóa.",
    }
}

impl SignError {
    /// The form field the message belongs beside.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            SignError::WrongPassword => Some("password"),
            SignError::NoPin | SignError::WrongPin(_) | SignError::PinLocked => Some("pin"),
            _ => None,
        }
    }
}

/// Why a PDF's signature could not be confirmed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// Not a PDF, or cut short.
    #[error("Tệp không phải PDF hoặc bị cắt cụt.")]
    NotPdf,
    /// No signature in it.
    #[error("Tệp PDF này không có chữ ký số.")]
    Unsigned,
    /// The signature's data cannot be read.
    #[error("Chữ ký số trong tệp bị hỏng, không đọc được.")]
    Malformed,
}

/// The form a signature takes in the PDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Form {
    /// PAdES baseline B-B (ETSI.CAdES.detached, with the signing-certificate-v2 attribute):
    /// what EU and Vietnamese validators expect.
    #[default]
    Pades,
    /// adbe.pkcs7.detached, for old readers.
    Pkcs7,
}

impl Form {
    /// The laptop preference holding the form documents are signed in.
    pub const PREFERENCE: &'static str = "signature_form";

    /// The PDF SubFilter.
    pub fn sub_filter(self) -> &'static str {
        match self {
            Form::Pades => "ETSI.CAdES.detached",
            Form::Pkcs7 => "adbe.pkcs7.detached",
        }
    }

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Form::Pades => "pades",
            Form::Pkcs7 => "pkcs7",
        }
    }

    /// The form a stored word names (PAdES for anything else).
    pub fn parse(s: &str) -> Form {
        if s == "pkcs7" { Form::Pkcs7 } else { Form::Pades }
    }

    /// The Vietnamese label.
    pub fn label(self) -> &'static str {
        match self {
            Form::Pades => "PAdES (chuẩn chữ ký số PDF hiện hành)",
            Form::Pkcs7 => "PKCS#7 (cho phần mềm đọc PDF cũ)",
        }
    }
}

/// The kinds of key the app signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// RSA, PKCS#1 v1.5 with SHA-256.
    Rsa,
    /// ECDSA with SHA-256.
    Ecdsa,
}

/// The kind of key a certificate's public key is.
pub fn key_kind(cert: &Certificate) -> Option<KeyKind> {
    match cert.tbs_certificate.subject_public_key_info.algorithm.oid {
        const_oid::db::rfc5912::RSA_ENCRYPTION => Some(KeyKind::Rsa),
        const_oid::db::rfc5912::ID_EC_PUBLIC_KEY => Some(KeyKind::Ecdsa),
        _ => None,
    }
}

enum Key {
    Rsa(RsaPrivateKey),
    P256(p256::ecdsa::SigningKey),
    P384(p384::ecdsa::SigningKey),
    Token(TokenKey),
}

impl Key {
    fn kind(&self) -> KeyKind {
        match self {
            Key::Rsa(_) => KeyKind::Rsa,
            Key::P256(_) | Key::P384(_) => KeyKind::Ecdsa,
            Key::Token(t) => t.kind(),
        }
    }

    /// Signs `message` with SHA-256: RSA PKCS#1 v1.5, or ECDSA as DER.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        use p256::ecdsa::signature::hazmat::PrehashSigner;
        use rsa::signature::{SignatureEncoding, Signer};
        use sha2::{Digest, Sha256};
        let fail = |e: &dyn std::fmt::Display| SignError::Pdf(e.to_string());
        match self {
            Key::Rsa(k) => Ok(SigningKey::<Sha256>::new(k.clone()).try_sign(message).map_err(|e| fail(&e))?.to_vec()),
            Key::P256(k) => {
                let s: p256::ecdsa::Signature = k.sign_prehash(&Sha256::digest(message)).map_err(|e| fail(&e))?;
                Ok(s.to_der().as_bytes().to_vec())
            }
            Key::P384(k) => {
                let s: p384::ecdsa::Signature = k.sign_prehash(&Sha256::digest(message)).map_err(|e| fail(&e))?;
                Ok(s.to_der().as_bytes().to_vec())
            }
            Key::Token(t) => t.sign(message),
        }
    }
}

/// Someone who can sign: a key, its certificate and the chain above it. Neither `Clone` nor
/// `Serialize`; a key in memory is zeroed when dropped, a token's PIN too.
pub struct Identity {
    key: Key,
    cert: Certificate,
    /// The certificates above the signer's, up to the root as far as known.
    chain: Vec<Certificate>,
    /// The name in the certificate.
    pub name: String,
    /// Made by the ward for internal use, not by a certification authority.
    pub internal: bool,
    /// End of validity.
    pub not_after: DateTime<Utc>,
    not_before: DateTime<Utc>,
}

/// The marker the ward puts in certificates it makes itself.
const INTERNAL_UNIT: &str = "Chứng thư nội bộ - không do tổ chức chứng thực cấp";

fn vn(t: DateTime<Utc>) -> String {
    crate::vietnam_time(t).format("%d/%m/%Y %H:%M").to_string()
}

/// A day as the window shows it (Vietnam time, dd/mm/yyyy).
pub fn vn_day(t: DateTime<Utc>) -> String {
    crate::vietnam_time(t).format("%d/%m/%Y").to_string()
}

fn attr(name: &Name, oid: const_oid::ObjectIdentifier) -> Option<String> {
    name.0.iter().flat_map(|rdn| rdn.0.iter()).find(|a| a.oid == oid).and_then(|a| {
        der::asn1::Utf8StringRef::try_from(&a.value)
            .map(|s| s.as_str().to_owned())
            .or_else(|_| der::asn1::PrintableStringRef::try_from(&a.value).map(|s| s.as_str().to_owned()))
            .ok()
    })
}

fn common_name(cert: &Certificate) -> String {
    attr(&cert.tbs_certificate.subject, const_oid::db::rfc4519::CN).unwrap_or_else(|| cert.tbs_certificate.subject.to_string())
}

/// The organisation a certificate names, if any.
pub fn organisation(cert: &Certificate) -> Option<String> {
    attr(&cert.tbs_certificate.subject, const_oid::db::rfc4519::O)
}

fn is_internal(cert: &Certificate) -> bool {
    attr(&cert.tbs_certificate.subject, const_oid::db::rfc4519::OU).as_deref() == Some(INTERNAL_UNIT)
}

/// Whether a certificate is a certification authority's (basic constraints say so).
pub fn is_authority(cert: &Certificate) -> bool {
    cert.tbs_certificate
        .extensions
        .iter()
        .flatten()
        .filter(|e| e.extn_id == const_oid::db::rfc5912::ID_CE_BASIC_CONSTRAINTS)
        .any(|e| x509_cert::ext::pkix::BasicConstraints::from_der(e.extn_value.as_bytes()).is_ok_and(|b| b.ca))
}

fn utc(t: &x509_cert::time::Time) -> DateTime<Utc> {
    DateTime::<Utc>::from(t.to_system_time())
}

/// A certificate's validity: its first and last instants.
pub fn validity(cert: &Certificate) -> (DateTime<Utc>, DateTime<Utc>) {
    let v = &cert.tbs_certificate.validity;
    (utc(&v.not_before), utc(&v.not_after))
}

/// The SHA-256 fingerprint (lowercase hex) of a certificate's DER encoding.
pub fn fingerprint(cert: &Certificate) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(cert.to_der().unwrap_or_default()))
}

/// The name to show for a certificate's holder: its common name, else its organisation, else
/// the whole distinguished name.
pub fn display_name(name: &Name) -> String {
    attr(name, const_oid::db::rfc4519::CN)
        .or_else(|| attr(name, const_oid::db::rfc4519::O))
        .unwrap_or_else(|| name.to_string())
}

impl Identity {
    fn new(key: Key, cert: Certificate, known: &[Certificate]) -> Identity {
        let (not_before, not_after) = validity(&cert);
        Identity {
            name: common_name(&cert),
            internal: is_internal(&cert),
            chain: verify::chain_above(&cert, known),
            not_after,
            not_before,
            key,
            cert,
        }
    }

    /// Opens a PKCS#12 (.p12/.pfx) file with its password; `authorities` (the trust list)
    /// complete the chain the file does not carry.
    pub fn from_pkcs12(bytes: &[u8], password: &str, authorities: &[Certificate]) -> Result<Identity, SignError> {
        use p12_keystore::error::Error as P;
        let store = p12_keystore::KeyStore::from_pkcs12(bytes, password, p12_keystore::Pkcs12ImportPolicy::Relaxed).map_err(|e| match e {
            P::MacError(_) | P::UnpadError | P::Pkcs5Error(_) => SignError::WrongPassword,
            _ => SignError::NotPkcs12,
        })?;
        let (_, chain) = store.private_key_chain().ok_or(SignError::NoKey)?;
        let der = chain.key().as_der();
        let key = if let Ok(k) = RsaPrivateKey::from_pkcs8_der(der) {
            Key::Rsa(k)
        } else if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_der(der) {
            Key::P256(k)
        } else if let Ok(k) = p384::ecdsa::SigningKey::from_pkcs8_der(der) {
            Key::P384(k)
        } else {
            return Err(SignError::UnsupportedKey);
        };
        let mut certs = chain.certs().iter().map(|c| Certificate::from_der(c.as_der()).map_err(|_| SignError::NotPkcs12));
        let cert = certs.next().ok_or(SignError::NoKey)??;
        let mut known: Vec<Certificate> = certs.collect::<Result<_, _>>()?;
        known.extend_from_slice(authorities);
        Ok(Identity::new(key, cert, &known))
    }

    /// Opens the certificate `id_hex` on a token of the PKCS#11 library at `module`, checking
    /// `pin` once; the other certificates on the token and `authorities` complete the chain.
    pub fn from_token(module: &Path, id_hex: &str, pin: &str, authorities: &[Certificate]) -> Result<Identity, SignError> {
        let opened = TokenKey::open(module, id_hex, pin)?;
        let mut known = opened.others;
        known.extend_from_slice(authorities);
        Ok(Identity::new(Key::Token(opened.key), opened.cert, &known))
    }

    /// The certificate, DER-encoded.
    pub fn certificate_der(&self) -> Option<Vec<u8>> {
        self.cert.to_der().ok()
    }

    /// The SHA-256 fingerprint of the certificate (lowercase hex).
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.cert)
    }

    /// How many certificates above the signer's are known (and go into each signature).
    pub fn chain_len(&self) -> usize {
        self.chain.len()
    }

    /// Refuses a certificate that is not valid at `at`.
    pub fn check_valid_at(&self, at: DateTime<Utc>) -> Result<(), SignError> {
        if at > self.not_after {
            return Err(SignError::Expired(vn(self.not_after)));
        }
        if at < self.not_before {
            return Err(SignError::NotYetValid(vn(self.not_before)));
        }
        Ok(())
    }
}

/// Makes a certificate for internal use (RSA 2048, self-signed, valid `days` days from
/// `valid_from`), marked as not issued by a certification authority, as a PKCS#12 file
/// protected by `password`.
pub fn create_internal(name: &str, organisation: &str, password: &str, valid_from: DateTime<Utc>, days: u32) -> Result<Vec<u8>, SignError> {
    let fail = |e: &dyn std::fmt::Display| SignError::Pdf(e.to_string());
    let clean = |s: &str| crate::text::nfc(s).replace([',', '+', '=', '\\', '"', ';', '<', '>', '#'], " ");
    let mut rng = rand_core::OsRng;
    let key = RsaPrivateKey::new(&mut rng, 2048).map_err(|e| fail(&e))?;
    let subject = Name::from_str(&format!("CN={},O={},OU={INTERNAL_UNIT}", clean(name), clean(organisation))).map_err(|e| fail(&e))?;
    let spki = SubjectPublicKeyInfoOwned::from_key(key.to_public_key()).map_err(|e| fail(&e))?;
    let serial = SerialNumber::new(&uuid::Uuid::now_v7().into_bytes()[..15]).map_err(|e| fail(&e))?;
    let time = |t: std::time::SystemTime| x509_cert::time::Time::try_from(t).map_err(|e| fail(&e));
    let start = std::time::SystemTime::from(valid_from);
    let validity = Validity { not_before: time(start)?, not_after: time(start + Duration::from_secs(u64::from(days) * 86_400))? };
    let signer = SigningKey::<sha2::Sha256>::new(key.clone());
    // An end-entity profile: key usage digitalSignature + nonRepudiation (critical), which PDF
    // readers such as Acrobat require of a signing certificate; self-issued.
    let profile = Profile::Leaf { issuer: subject.clone(), enable_key_agreement: false, enable_key_encipherment: false };
    let builder = CertificateBuilder::new(profile, serial, validity, subject, spki, &signer).map_err(|e| fail(&e))?;
    let cert = builder.build::<Signature>().map_err(|e| fail(&e))?;
    let key_der = key.to_pkcs8_der().map_err(|e| fail(&e))?;
    let p12_key = p12_keystore::PrivateKey::from_der(key_der.as_bytes()).map_err(|e| fail(&e))?;
    let p12_cert = p12_keystore::Certificate::from_der(&cert.to_der().map_err(|e| fail(&e))?).map_err(|e| fail(&e))?;
    let mut store = p12_keystore::KeyStore::new();
    let chain = p12_keystore::PrivateKeyChain::new(uuid::Uuid::now_v7().into_bytes().to_vec(), p12_key, [p12_cert]);
    store.add_entry(&crate::text::nfc(name), p12_keystore::KeyStoreEntry::PrivateKeyChain(chain));
    store.writer(password).write().map_err(|e| fail(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_certificate_round_trips_through_pkcs12() {
        let p12 = create_internal("Võ Thùy Dương", "UBND phường Nguyễn Nghiêm", "mật-khẩu", Utc::now(), 30).unwrap();
        let id = Identity::from_pkcs12(&p12, "mật-khẩu", &[]).unwrap();
        assert_eq!(id.name, "Võ Thùy Dương");
        assert!(id.internal);
        assert!(matches!(Identity::from_pkcs12(&p12, "sai", &[]), Err(SignError::WrongPassword)));
        assert!(matches!(Identity::from_pkcs12(b"not a p12", "x", &[]), Err(SignError::NotPkcs12)));
        let later = Utc::now() + chrono::Duration::days(31);
        assert!(matches!(id.check_valid_at(later), Err(SignError::Expired(_))));
    }

    #[test]
    fn an_internal_certificate_may_sign_documents() {
        use x509_cert::ext::pkix::{KeyUsage, KeyUsages};
        let p12 = create_internal("Võ Thùy Dương", "UBND phường Nguyễn Nghiêm", "mật-khẩu", Utc::now(), 30).unwrap();
        let id = Identity::from_pkcs12(&p12, "mật-khẩu", &[]).unwrap();
        let ext = id
            .cert
            .tbs_certificate
            .extensions
            .iter()
            .flatten()
            .find(|e| e.extn_id == const_oid::db::rfc5912::ID_CE_KEY_USAGE)
            .expect("a key usage extension");
        assert!(ext.critical);
        let usage = KeyUsage::from_der(ext.extn_value.as_bytes()).unwrap();
        assert!(usage.0.contains(KeyUsages::DigitalSignature) && usage.0.contains(KeyUsages::NonRepudiation), "{usage:?}");
        assert!(!usage.0.contains(KeyUsages::KeyCertSign));
        assert!(!is_authority(&id.cert));
        assert_eq!(attr(&id.cert.tbs_certificate.subject, const_oid::db::rfc4519::OU).as_deref(), Some(INTERNAL_UNIT));
    }
}
