//! Digital signatures: a signer's identity from a PKCS#12 file (or one the ward makes for
//! internal use), a standard embedded PDF signature (adbe.pkcs7.detached, SHA-256, covering
//! the whole file) that poppler's `pdfsig` and Adobe Reader verify, and verifying such a file.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use cms::builder::{create_signing_time_attribute, SignedDataBuilder, SignerInfoBuilder};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::ContentInfo;
use cms::signed_data::{EncapsulatedContentInfo, SignedData, SignerIdentifier};
use der::{Decode, Encode};
use lopdf::{dictionary, Object, StringFormat};
use rsa::pkcs1v15::{Signature, SigningKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;
use x509_cert::Certificate;

/// Why a signer's certificate could not be used.
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
    /// The key is not RSA.
    #[error("Ứng dụng chỉ ký được bằng khóa RSA; khóa trong tệp này thuộc loại khác.")]
    UnsupportedKey,
    /// The certificate has expired.
    #[error("Chứng thư số đã hết hạn ngày {0}. Hãy gia hạn chứng thư rồi ký lại.")]
    Expired(String),
    /// The certificate is not valid yet.
    #[error("Chứng thư số chỉ có hiệu lực từ ngày {0}.")]
    NotYetValid(String),
    /// The PDF could not be signed.
    #[error("Không ký được tệp PDF: {0}")]
    Pdf(String),
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

/// Someone who can sign: a key and its certificate. Neither `Clone` nor `Serialize`; the key
/// is zeroed when dropped.
pub struct Identity {
    key: RsaPrivateKey,
    cert: Certificate,
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

fn is_internal(cert: &Certificate) -> bool {
    attr(&cert.tbs_certificate.subject, const_oid::db::rfc4519::OU).as_deref() == Some(INTERNAL_UNIT)
}

fn utc(t: &x509_cert::time::Time) -> DateTime<Utc> {
    DateTime::<Utc>::from(t.to_system_time())
}

impl Identity {
    /// Opens a PKCS#12 (.p12/.pfx) file with its password.
    pub fn from_pkcs12(bytes: &[u8], password: &str) -> Result<Identity, SignError> {
        use p12_keystore::error::Error as P;
        let store = p12_keystore::KeyStore::from_pkcs12(bytes, password, p12_keystore::Pkcs12ImportPolicy::Relaxed).map_err(|e| match e {
            P::MacError(_) | P::UnpadError | P::Pkcs5Error(_) => SignError::WrongPassword,
            _ => SignError::NotPkcs12,
        })?;
        let (_, chain) = store.private_key_chain().ok_or(SignError::NoKey)?;
        let key = RsaPrivateKey::from_pkcs8_der(chain.key().as_der()).map_err(|_| SignError::UnsupportedKey)?;
        let cert_der = chain.certs().first().ok_or(SignError::NoKey)?.as_der();
        let cert = Certificate::from_der(cert_der).map_err(|_| SignError::NotPkcs12)?;
        let validity = &cert.tbs_certificate.validity;
        Ok(Identity {
            name: common_name(&cert),
            internal: is_internal(&cert),
            not_after: utc(&validity.not_after),
            not_before: utc(&validity.not_before),
            key,
            cert,
        })
    }

    /// The certificate, DER-encoded.
    pub fn certificate_der(&self) -> Option<Vec<u8>> {
        self.cert.to_der().ok()
    }

    /// The SHA-256 fingerprint of the certificate (lowercase hex).
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.cert)
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
    let signer = SigningKey::<Sha256>::new(key.clone());
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

/// Room for the CMS signature in the file, in bytes.
const SIGNATURE_ROOM: usize = 8192;
/// Stands in for the byte range until the file's length is known.
const RANGE_PLACEHOLDER: i64 = 9_999_999_999;

/// A PDF text string: UTF-16BE with its byte-order mark, so Vietnamese survives.
fn text_string(s: &str) -> Object {
    let mut bytes = vec![0xfe, 0xff];
    for u in s.encode_utf16() {
        bytes.extend_from_slice(&u.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Literal)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Signs a PDF: adds a signature field and an adbe.pkcs7.detached signature over the whole file.
pub fn sign_pdf(pdf: &[u8], id: &Identity, reason: &str, at: DateTime<Utc>) -> Result<Vec<u8>, SignError> {
    id.check_valid_at(at)?;
    let fail = |e: &dyn std::fmt::Display| SignError::Pdf(e.to_string());
    let mut doc = lopdf::Document::load_mem(pdf).map_err(|e| fail(&e))?;
    let when = crate::vietnam_time(at);
    let sig = doc.add_object(dictionary! {
        "Type" => "Sig",
        "Filter" => "Adobe.PPKLite",
        "SubFilter" => "adbe.pkcs7.detached",
        "ByteRange" => vec![0.into(), RANGE_PLACEHOLDER.into(), RANGE_PLACEHOLDER.into(), RANGE_PLACEHOLDER.into()],
        "Contents" => Object::String(vec![0u8; SIGNATURE_ROOM], StringFormat::Hexadecimal),
        "Name" => text_string(&id.name),
        "Reason" => text_string(reason),
        "M" => Object::string_literal(when.format("D:%Y%m%d%H%M%S+07'00'").to_string()),
    });
    let pages = doc.get_pages();
    let first_page = *pages.values().next().ok_or_else(|| fail(&"tệp không có trang nào"))?;
    let field = doc.add_object(dictionary! {
        "Type" => "Annot",
        "Subtype" => "Widget",
        "FT" => "Sig",
        "T" => text_string("Chữ ký số"),
        "V" => sig,
        "Rect" => vec![0.into(), 0.into(), 0.into(), 0.into()],
        "F" => 132,
        "P" => first_page,
    });
    let page = doc.get_object_mut(first_page).and_then(Object::as_dict_mut).map_err(|e| fail(&e))?;
    match page.get_mut(b"Annots") {
        Ok(Object::Array(a)) => a.push(field.into()),
        _ => page.set("Annots", vec![field.into()]),
    }
    let catalog = doc.catalog_mut().map_err(|e| fail(&e))?;
    catalog.set("AcroForm", dictionary! { "Fields" => vec![field.into()], "SigFlags" => 3 });
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| fail(&e))?;

    // Fill in the byte range, then sign everything but the signature's own room.
    let hole = format!("<{}>", "0".repeat(SIGNATURE_ROOM * 2));
    let start = find(&out, hole.as_bytes()).ok_or_else(|| fail(&"không thấy chỗ đặt chữ ký"))?;
    let end = start + hole.len();
    let placeholder = format!("0 {RANGE_PLACEHOLDER} {RANGE_PLACEHOLDER} {RANGE_PLACEHOLDER}");
    let range_at = find(&out, placeholder.as_bytes()).ok_or_else(|| fail(&"không thấy dải byte"))?;
    let range = format!("0 {start} {end} {}", out.len() - end);
    let padded = format!("{range:<width$}", width = placeholder.len());
    out[range_at..range_at + placeholder.len()].copy_from_slice(padded.as_bytes());
    let mut hasher = Sha256::new();
    hasher.update(&out[..start]);
    hasher.update(&out[end..]);
    let digest = hasher.finalize();
    let cms = cms_signature(id, &digest).map_err(|e| fail(&e))?;
    if cms.len() > SIGNATURE_ROOM {
        return Err(fail(&"chữ ký quá dài"));
    }
    let hex = hex::encode_upper(&cms);
    out[start + 1..start + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(out)
}

fn cms_signature(id: &Identity, digest: &[u8]) -> Result<Vec<u8>, String> {
    cms_signature_inner(id, digest).map_err(|e| format!("{e:?}"))
}

fn cms_signature_inner(id: &Identity, digest: &[u8]) -> Result<Vec<u8>, cms::builder::Error> {
    let content = EncapsulatedContentInfo { econtent_type: const_oid::db::rfc5911::ID_DATA, econtent: None };
    let sha256 = AlgorithmIdentifierOwned { oid: const_oid::db::rfc5912::ID_SHA_256, parameters: None };
    let signer = SigningKey::<Sha256>::new(id.key.clone());
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: id.cert.tbs_certificate.issuer.clone(),
        serial_number: id.cert.tbs_certificate.serial_number.clone(),
    });
    let mut info = SignerInfoBuilder::new(&signer, sid, sha256.clone(), &content, Some(digest))?;
    info.add_signed_attribute(create_signing_time_attribute()?)?;
    let signed = SignedDataBuilder::new(&content)
        .add_digest_algorithm(sha256)?
        .add_certificate(CertificateChoices::Certificate(id.cert.clone()))?
        .add_signer_info::<SigningKey<Sha256>, Signature>(info)?
        .build()?;
    Ok(signed.to_der()?)
}

/// Who stands behind a signer's certificate, as far as this ward knows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[ts(export)]
pub enum Trust {
    /// The certificate is, or was issued by, a certification authority on the ward's trust list.
    Trusted {
        /// The authority's name.
        authority: String,
    },
    /// One of the certificates this ward made for its own internal use.
    Internal,
    /// Nobody the ward trusts vouches for the name in the certificate.
    Unknown,
}

/// What the ward trusts when it verifies: the authorities on its trust list and the
/// certificates it made itself.
#[derive(Debug, Clone, Default)]
pub struct TrustList {
    /// Certification authorities the officer trusts.
    pub authorities: Vec<Certificate>,
    /// SHA-256 fingerprints (lowercase hex) of the ward's own internal certificates.
    pub ward_certificates: Vec<String>,
}

/// What verifying a signed PDF found: three facts kept apart — whether the file is unchanged
/// since signing, whom the certificate names, and who vouches for that certificate.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Verification {
    /// The file is exactly what was signed: the signed bytes are unchanged, the signature
    /// matches the certificate, and it covers the whole file.
    pub intact: bool,
    /// The signature covers the whole file (nothing was appended after signing).
    pub whole_file: bool,
    /// The name the certificate gives its holder.
    pub signer: String,
    /// The organisation the certificate names, if any.
    pub organisation: Option<String>,
    /// The name of whoever issued the certificate, as the certificate states it.
    pub issuer: String,
    /// When it was signed (Vietnam time, "dd/mm/yyyy hh:mm"), as the signature claims.
    pub signed_at: Option<String>,
    /// Whether the certificate was within its validity at the claimed signing time (none when
    /// the signature gives no time).
    pub valid_at_signing: Option<bool>,
    /// Who vouches for the certificate.
    pub trust: Trust,
    /// What [`Verification::is_valid`] says: the only case the window shows as valid.
    pub valid: bool,
    /// The three findings, one Vietnamese line each, in this order: whether the file is
    /// unchanged, whom the certificate names (and its validity), who vouches for it.
    pub facts: Vec<String>,
    /// The finding in one Vietnamese paragraph, for the window and the command line.
    pub verdict: String,
}

impl Verification {
    /// Intact, vouched for (by the trust list or as the ward's own), and within validity when
    /// signed: the only case the app calls a signature valid.
    pub fn is_valid(&self) -> bool {
        self.intact && self.trust != Trust::Unknown && self.valid_at_signing != Some(false)
    }
}

/// The hash functions a signature may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn from_digest_oid(oid: const_oid::ObjectIdentifier) -> Option<Hash> {
        use const_oid::db::rfc5912 as o;
        match oid {
            o::ID_SHA_1 => Some(Hash::Sha1),
            o::ID_SHA_256 => Some(Hash::Sha256),
            o::ID_SHA_384 => Some(Hash::Sha384),
            o::ID_SHA_512 => Some(Hash::Sha512),
            _ => None,
        }
    }

    /// The hash of a certificate's signature algorithm (RSA PKCS#1 v1.5 or ECDSA).
    fn from_signature_oid(oid: const_oid::ObjectIdentifier) -> Option<Hash> {
        use const_oid::db::rfc5912 as o;
        match oid {
            o::SHA_1_WITH_RSA_ENCRYPTION => Some(Hash::Sha1),
            o::SHA_256_WITH_RSA_ENCRYPTION | o::ECDSA_WITH_SHA_256 => Some(Hash::Sha256),
            o::SHA_384_WITH_RSA_ENCRYPTION | o::ECDSA_WITH_SHA_384 => Some(Hash::Sha384),
            o::SHA_512_WITH_RSA_ENCRYPTION | o::ECDSA_WITH_SHA_512 => Some(Hash::Sha512),
            _ => None,
        }
    }

    fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        fn run<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
            let mut h = D::new();
            for p in parts {
                h.update(p);
            }
            h.finalize().to_vec()
        }
        match self {
            Hash::Sha1 => run::<sha1::Sha1>(parts),
            Hash::Sha256 => run::<Sha256>(parts),
            Hash::Sha384 => run::<sha2::Sha384>(parts),
            Hash::Sha512 => run::<sha2::Sha512>(parts),
        }
    }
}

/// Whether `signature` over a message whose `hash` digest is `digest` was made with the key
/// of `spki`: RSA PKCS#1 v1.5, or ECDSA on P-256 or P-384 (DER-encoded signature).
fn signature_matches(spki: &SubjectPublicKeyInfoOwned, hash: Hash, digest: &[u8], signature: &[u8]) -> bool {
    use const_oid::db::rfc5912 as o;
    use der::referenced::OwnedToRef;
    use rsa::Pkcs1v15Sign;
    use rsa::signature::hazmat::PrehashVerifier;
    match spki.algorithm.oid {
        o::RSA_ENCRYPTION => {
            let Ok(public) = RsaPublicKey::try_from(spki.owned_to_ref()) else { return false };
            let scheme = match hash {
                Hash::Sha1 => Pkcs1v15Sign::new::<sha1::Sha1>(),
                Hash::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
                Hash::Sha384 => Pkcs1v15Sign::new::<sha2::Sha384>(),
                Hash::Sha512 => Pkcs1v15Sign::new::<sha2::Sha512>(),
            };
            public.verify(scheme, digest, signature).is_ok()
        }
        o::ID_EC_PUBLIC_KEY => {
            let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.decode_as::<const_oid::ObjectIdentifier>().ok());
            let point = spki.subject_public_key.raw_bytes();
            match curve {
                Some(o::SECP_256_R_1) => {
                    let (Ok(key), Ok(sig)) = (p256::ecdsa::VerifyingKey::from_sec1_bytes(point), p256::ecdsa::DerSignature::try_from(signature)) else {
                        return false;
                    };
                    key.verify_prehash(digest, &sig).is_ok()
                }
                Some(o::SECP_384_R_1) => {
                    let (Ok(key), Ok(sig)) = (p384::ecdsa::VerifyingKey::from_sec1_bytes(point), p384::ecdsa::DerSignature::try_from(signature)) else {
                        return false;
                    };
                    key.verify_prehash(digest, &sig).is_ok()
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// Whether `issuer`'s key signed `cert`.
fn issued_by(cert: &Certificate, issuer: &Certificate) -> bool {
    if cert.tbs_certificate.issuer != issuer.tbs_certificate.subject {
        return false;
    }
    let Some(hash) = Hash::from_signature_oid(cert.signature_algorithm.oid) else { return false };
    let Ok(tbs) = cert.tbs_certificate.to_der() else { return false };
    let Some(signature) = cert.signature.as_bytes() else { return false };
    signature_matches(&issuer.tbs_certificate.subject_public_key_info, hash, &hash.digest(&[&tbs]), signature)
}

/// The SHA-256 fingerprint (lowercase hex) of a certificate's DER encoding.
pub fn fingerprint(cert: &Certificate) -> String {
    hex::encode(Sha256::digest(cert.to_der().unwrap_or_default()))
}

/// The name to show for a certificate's holder: its common name, else its organisation, else
/// the whole distinguished name.
pub fn display_name(name: &Name) -> String {
    attr(name, const_oid::db::rfc4519::CN)
        .or_else(|| attr(name, const_oid::db::rfc4519::O))
        .unwrap_or_else(|| name.to_string())
}

/// The certificate the SignerInfo names, by issuer and serial number or by key identifier.
fn signer_certificate<'a>(certs: &'a [Certificate], sid: &SignerIdentifier) -> Option<&'a Certificate> {
    certs.iter().find(|c| match sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => {
            c.tbs_certificate.issuer == id.issuer && c.tbs_certificate.serial_number == id.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => c
            .tbs_certificate
            .extensions
            .iter()
            .flatten()
            .filter(|e| e.extn_id == const_oid::db::rfc5912::ID_CE_SUBJECT_KEY_IDENTIFIER)
            .any(|e| x509_cert::ext::pkix::SubjectKeyIdentifier::from_der(e.extn_value.as_bytes()).is_ok_and(|k| k.0 == ski.0)),
    })
}

fn trust_of(cert: &Certificate, list: &TrustList) -> Trust {
    let print = fingerprint(cert);
    if is_internal(cert) && list.ward_certificates.iter().any(|f| f.eq_ignore_ascii_case(&print)) {
        return Trust::Internal;
    }
    list.authorities
        .iter()
        .find(|ca| fingerprint(ca) == print || issued_by(cert, ca))
        .map(|ca| Trust::Trusted { authority: display_name(&ca.tbs_certificate.subject) })
        .unwrap_or(Trust::Unknown)
}

/// The Vietnamese paragraph that says what was found. "Hợp lệ" only when the file is intact
/// and the ward trusts who vouches for the certificate.
fn verdict(v: &Verification, marked_internal: bool) -> String {
    let named = match &v.organisation {
        Some(o) => format!("{} ({o})", v.signer),
        None => v.signer.clone(),
    };
    if !v.intact {
        return if v.whole_file {
            format!("Tệp đã bị thay đổi sau khi ký, hoặc chữ ký không khớp với chứng thư: không được tin nội dung tệp này. Chứng thư ghi tên {named}.")
        } else {
            format!("Tệp có thêm nội dung sau khi ký, hoặc phần đã ký bị thay đổi: phần thêm vào không được ai ký. Chứng thư ghi tên {named}.")
        };
    }
    let validity = match v.valid_at_signing {
        Some(false) => " Tuy vậy, vào thời điểm ký chứng thư không còn (hoặc chưa có) hiệu lực, nên chữ ký không được coi là hợp lệ.",
        _ => "",
    };
    match &v.trust {
        Trust::Trusted { authority } if v.valid_at_signing != Some(false) => {
            format!("Chữ ký hợp lệ: tệp còn nguyên vẹn từ khi ký; chứng thư của {named} do {authority} cấp, là tổ chức chứng thực phường tin cậy.")
        }
        Trust::Trusted { authority } => {
            format!("Tệp còn nguyên vẹn từ khi ký; chứng thư của {named} do {authority} cấp, là tổ chức chứng thực phường tin cậy.{validity}")
        }
        Trust::Internal => format!(
            "Tệp còn nguyên vẹn từ khi ký, ký bằng chứng thư nội bộ của phường mang tên {named}: chứng thư do phường tự tạo, không do tổ chức chứng thực cấp, chỉ dùng cho văn bản nội bộ.{validity}"
        ),
        Trust::Unknown => {
            let claim = if marked_internal { " Chứng thư tự ghi là chứng thư nội bộ, nhưng không phải chứng thư do phường này tạo." } else { "" };
            format!(
                "Tệp còn nguyên vẹn từ khi ký. Chứng thư ghi tên {named}, do “{}” cấp, nhưng chưa xác định được tổ chức cấp chứng thư: tên ghi trong chứng thư chưa được tổ chức nào mà phường tin cậy xác nhận.{claim}{validity}",
                v.issuer
            )
        }
    }
}

/// The three findings as lines for the window and the command line.
fn facts(v: &Verification) -> Vec<String> {
    let file = if v.intact {
        "Tệp còn nguyên vẹn từ khi ký; chữ ký phủ toàn bộ tệp.".to_owned()
    } else if !v.whole_file {
        "Tệp có thêm nội dung sau khi ký (hoặc phần đã ký bị thay đổi); phần thêm không được ký.".to_owned()
    } else {
        "Tệp đã bị thay đổi sau khi ký, hoặc chữ ký không khớp với chứng thư.".to_owned()
    };
    let mut named = format!("Chứng thư ghi tên: {}", v.signer);
    if let Some(o) = &v.organisation {
        named.push_str(&format!(" ({o})"));
    }
    named.push_str(&format!("; nơi cấp ghi trong chứng thư: {}", v.issuer));
    named.push_str(&match (&v.signed_at, v.valid_at_signing) {
        (Some(at), Some(true)) => format!("; ký lúc {at}, khi chứng thư còn hiệu lực."),
        (Some(at), _) => format!("; ký lúc {at}, khi chứng thư KHÔNG còn (hoặc chưa có) hiệu lực."),
        (None, _) => "; chữ ký không ghi thời điểm ký.".to_owned(),
    });
    let trust = match &v.trust {
        Trust::Trusted { authority } => format!("Tổ chức cấp chứng thư: {authority}, có trong danh sách tổ chức chứng thực phường tin cậy."),
        Trust::Internal => "Chứng thư nội bộ do phường tạo, không do tổ chức chứng thực cấp.".to_owned(),
        Trust::Unknown => "Chưa xác định được tổ chức cấp chứng thư: không có trong danh sách tổ chức chứng thực phường tin cậy.".to_owned(),
    };
    vec![file, named, trust]
}

/// Verifies the last signature of a PDF against what the ward trusts.
pub fn verify_pdf(pdf: &[u8], trust: &TrustList) -> Result<Verification, VerifyError> {
    if !pdf.starts_with(b"%PDF-") || find(&pdf[pdf.len().saturating_sub(1024)..], b"%%EOF").is_none() {
        return Err(VerifyError::NotPdf);
    }
    let re = regex::bytes::Regex::new(r"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]").expect("static regex");
    let caps = re.captures_iter(pdf).last().ok_or(VerifyError::Unsigned)?;
    let num = |i: usize| -> Result<usize, VerifyError> {
        std::str::from_utf8(&caps[i]).ok().and_then(|s| s.parse().ok()).ok_or(VerifyError::Malformed)
    };
    let (a, b, c, d) = (num(1)?, num(2)?, num(3)?, num(4)?);
    if a != 0 || b >= c || c.checked_add(d).is_none_or(|end| end > pdf.len()) {
        return Err(VerifyError::Malformed);
    }
    let whole_file = c + d == pdf.len();
    let hex_text: Vec<u8> = pdf[b..c].iter().copied().filter(|x| x.is_ascii_hexdigit()).collect();
    let raw = hex::decode(&hex_text).map_err(|_| VerifyError::Malformed)?;
    // The room left for the signature is padded with zeros after the DER: read one element.
    let info = ContentInfo::decode(&mut der::SliceReader::new(&raw).map_err(|_| VerifyError::Malformed)?).map_err(|_| VerifyError::Malformed)?;
    let signed: SignedData = info.content.decode_as().map_err(|_| VerifyError::Malformed)?;
    let si = signed.signer_infos.0.get(0).ok_or(VerifyError::Malformed)?;
    let certs: Vec<Certificate> = signed
        .certificates
        .iter()
        .flat_map(|set| set.0.iter())
        .filter_map(|c| match c {
            CertificateChoices::Certificate(cert) => Some(cert.clone()),
            _ => None,
        })
        .collect();
    let cert = signer_certificate(&certs, &si.sid).ok_or(VerifyError::Malformed)?;
    let hash = Hash::from_digest_oid(si.digest_alg.oid);
    let content_digest = hash.map(|h| h.digest(&[&pdf[..b], &pdf[c..c + d]]));
    let attrs = si.signed_attrs.as_ref();
    let find_attr = |oid| attrs.and_then(|attrs| attrs.iter().find(|a| a.oid == oid)).and_then(|a| a.values.get(0));
    // With signed attributes, the signature covers them and they carry the content's digest;
    // without, it covers the content's digest itself.
    let (digest_ok, to_verify) = match (attrs, hash) {
        (_, None) => (false, None),
        (Some(attrs), Some(h)) => {
            let expected = find_attr(const_oid::db::rfc5911::ID_MESSAGE_DIGEST).and_then(|v| der::asn1::OctetStringRef::try_from(v).ok());
            let ok = expected.is_some_and(|e| content_digest.as_deref() == Some(e.as_bytes()));
            (ok, attrs.to_der().ok().map(|bytes| h.digest(&[&bytes])))
        }
        (None, Some(_)) => (true, content_digest.clone()),
    };
    let signature_ok = match (hash, to_verify) {
        (Some(h), Some(digest)) if si.signature_algorithm.oid != const_oid::db::rfc5912::ID_RSASSA_PSS => {
            signature_matches(&cert.tbs_certificate.subject_public_key_info, h, &digest, si.signature.as_bytes())
        }
        _ => false,
    };
    let signing_time = find_attr(const_oid::db::rfc5911::ID_SIGNING_TIME).and_then(|v| {
        der::asn1::UtcTime::try_from(v)
            .map(|t| DateTime::<Utc>::from(t.to_system_time()))
            .or_else(|_| der::asn1::GeneralizedTime::try_from(v).map(|t| DateTime::<Utc>::from(t.to_system_time())))
            .ok()
    });
    let validity = &cert.tbs_certificate.validity;
    let mut v = Verification {
        intact: digest_ok && signature_ok && whole_file,
        whole_file,
        signer: common_name(cert),
        organisation: attr(&cert.tbs_certificate.subject, const_oid::db::rfc4519::O),
        issuer: display_name(&cert.tbs_certificate.issuer),
        signed_at: signing_time.map(vn),
        valid_at_signing: signing_time.map(|t| utc(&validity.not_before) <= t && t <= utc(&validity.not_after)),
        trust: trust_of(cert, trust),
        valid: false,
        facts: vec![],
        verdict: String::new(),
    };
    v.valid = v.is_valid();
    v.facts = facts(&v);
    v.verdict = verdict(&v, is_internal(cert));
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_internal_certificate_round_trips_through_pkcs12() {
        let p12 = create_internal("Võ Thùy Dương", "UBND phường Nguyễn Nghiêm", "mật-khẩu", Utc::now(), 30).unwrap();
        let id = Identity::from_pkcs12(&p12, "mật-khẩu").unwrap();
        assert_eq!(id.name, "Võ Thùy Dương");
        assert!(id.internal);
        assert!(matches!(Identity::from_pkcs12(&p12, "sai"), Err(SignError::WrongPassword)));
        assert!(matches!(Identity::from_pkcs12(b"not a p12", "x"), Err(SignError::NotPkcs12)));
        let later = Utc::now() + chrono::Duration::days(31);
        assert!(matches!(id.check_valid_at(later), Err(SignError::Expired(_))));
    }

    #[test]
    fn an_internal_certificate_may_sign_documents() {
        use x509_cert::ext::pkix::{KeyUsage, KeyUsages};
        let p12 = create_internal("Võ Thùy Dương", "UBND phường Nguyễn Nghiêm", "mật-khẩu", Utc::now(), 30).unwrap();
        let id = Identity::from_pkcs12(&p12, "mật-khẩu").unwrap();
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
        assert_eq!(attr(&id.cert.tbs_certificate.subject, const_oid::db::rfc4519::OU).as_deref(), Some(INTERNAL_UNIT));
    }

    #[test]
    fn the_verdict_never_calls_an_unknown_certificate_valid() {
        let v = Verification {
            intact: true,
            whole_file: true,
            signer: "Nguyễn Văn A".into(),
            organisation: Some("UBND phường".into()),
            issuer: "Nguyễn Văn A".into(),
            signed_at: None,
            valid_at_signing: None,
            trust: Trust::Unknown,
            valid: false,
            facts: vec![],
            verdict: String::new(),
        };
        assert!(facts(&v)[2].starts_with("Chưa xác định được tổ chức cấp chứng thư"));
        let text = verdict(&v, false);
        assert!(text.contains("chưa xác định được tổ chức cấp chứng thư") && text.contains("Nguyễn Văn A"), "{text}");
        assert!(!text.contains("hợp lệ"), "{text}");
        assert!(!v.is_valid());
        let trusted = Verification { trust: Trust::Trusted { authority: "CA".into() }, ..v.clone() };
        assert!(verdict(&trusted, false).starts_with("Chữ ký hợp lệ") && trusted.is_valid());
        let expired = Verification { valid_at_signing: Some(false), ..trusted };
        assert!(!verdict(&expired, false).contains("Chữ ký hợp lệ") && !expired.is_valid());
    }
}
