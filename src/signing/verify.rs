//! Verifying every signature in a PDF, in either form (PAdES or adbe.pkcs7.detached), RSA or
//! ECDSA, and saying for each three things apart: whether the file is unchanged since that
//! signature; who signed and when, and whether the certificate was valid then; and whether the
//! certificate chains up to an authority on the ward's trust list (or is one of the ward's own).

use chrono::{DateTime, Utc};
use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedAttributes, SignedData, SignerIdentifier};
use der::{Decode, Encode};
use rsa::RsaPublicKey;
use sha2::{Digest, Sha256};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;

use super::pdf::find;
use super::cms::SigningCertificateV2;
use super::{attr, common_name, display_name, fingerprint, is_internal, utc, vn, VerifyError};

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

/// What verifying one signature found: three facts kept apart — whether the file is unchanged
/// since that signature, who signed and when, and who vouches for the certificate.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Verification {
    /// The signature's form, as the window names it.
    pub form: String,
    /// The file is unchanged since this signature: the bytes it signed are unchanged, the
    /// signature matches the certificate, and whatever came after is signed by a later signature.
    pub intact: bool,
    /// The signature covers the whole file (it is the last).
    pub whole_file: bool,
    /// What was added after this signature is covered by a later, unchanged signature.
    pub later_signed: bool,
    /// The name the certificate gives its holder.
    pub signer: String,
    /// The organisation the certificate names, if any.
    pub organisation: Option<String>,
    /// The name of whoever issued the certificate, as the certificate states it.
    pub issuer: String,
    /// When it was signed (Vietnam time, "dd/mm/yyyy hh:mm"), as the signature claims.
    pub signed_at: Option<String>,
    /// Whether the certificate, and every authority's above it, was within its validity at the
    /// claimed signing time (none when the signature gives no time).
    pub valid_at_signing: Option<bool>,
    /// The names up the chain, from the signer's certificate to the last authority found.
    pub chain: Vec<String>,
    /// Who vouches for the certificate.
    pub trust: Trust,
    /// What [`Verification::is_valid`] says: the only case the window shows as valid.
    pub valid: bool,
    /// The three findings, one Vietnamese line each, in this order: whether the file is
    /// unchanged, who signed and when, who vouches for the certificate.
    pub facts: Vec<String>,
    /// The finding in one Vietnamese paragraph, for the window and the command line.
    pub verdict: String,
}

/// Every signature of a file, in the order they were made.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct FileVerification {
    /// Each signature's findings, the first made first.
    pub signatures: Vec<Verification>,
    /// Every signature is valid.
    pub valid: bool,
    /// The finding for the whole file in one Vietnamese sentence.
    pub verdict: String,
}

impl FileVerification {
    /// The last signature made (the one covering the whole file when all is well).
    pub fn last(&self) -> &Verification {
        self.signatures.last().expect("a verified file has a signature")
    }
}

impl Verification {
    /// Intact, vouched for (by the trust list or as the ward's own), and within validity when
    /// signed (a signature that gives no time is not taken as valid): the only case the app
    /// calls a signature valid.
    pub fn is_valid(&self) -> bool {
        self.intact && self.trust != Trust::Unknown && self.valid_at_signing == Some(true)
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

/// Whether `ca` may issue certificates with `below` authorities' certificates under it down to
/// the signer's: a certification authority (basic constraints), allowed to sign certificates
/// (key usage, when stated), its path length respected. An ordinary signer's certificate,
/// even one a trusted authority issued, vouches for nobody.
fn may_issue(ca: &Certificate, below: usize) -> bool {
    use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, KeyUsages};
    let ext = |oid| ca.tbs_certificate.extensions.iter().flatten().find(|e| e.extn_id == oid);
    let Some(constraints) = ext(const_oid::db::rfc5912::ID_CE_BASIC_CONSTRAINTS).and_then(|e| BasicConstraints::from_der(e.extn_value.as_bytes()).ok()) else {
        return false;
    };
    let usage_ok = ext(const_oid::db::rfc5912::ID_CE_KEY_USAGE)
        .is_none_or(|e| KeyUsage::from_der(e.extn_value.as_bytes()).is_ok_and(|u| u.0.contains(KeyUsages::KeyCertSign)));
    let length_ok = constraints.path_len_constraint.is_none_or(|n| below <= usize::from(n));
    constraints.ca && usage_ok && length_ok
}

/// The certificates above `cert` found among `known` (the first found is preferred: put the
/// trust list first), each a certification authority verified to have issued the one below it,
/// up to a self-signed root or as far as `known` reaches.
pub(super) fn chain_above(cert: &Certificate, known: &[Certificate]) -> Vec<Certificate> {
    let mut chain: Vec<Certificate> = Vec::new();
    let mut current = cert.clone();
    // A chain longer than a few authorities is not one a signer would carry.
    for _ in 0..6 {
        if current.tbs_certificate.issuer == current.tbs_certificate.subject {
            break;
        }
        let below = chain.len();
        let Some(parent) = known.iter().find(|k| *k != &current && !chain.contains(k) && may_issue(k, below) && issued_by(&current, k)) else {
            break;
        };
        chain.push(parent.clone());
        current = parent.clone();
    }
    chain
}

/// Who vouches for `cert`: the first authority on the trust list met going up its chain, or
/// the ward itself for its own internal certificates.
fn trust_of(cert: &Certificate, path: &[Certificate], list: &TrustList) -> Trust {
    if is_internal(cert) && list.ward_certificates.iter().any(|f| f.eq_ignore_ascii_case(&fingerprint(cert))) {
        return Trust::Internal;
    }
    let trusted: Vec<String> = list.authorities.iter().map(fingerprint).collect();
    std::iter::once(cert)
        .chain(path)
        .find(|c| trusted.contains(&fingerprint(c)))
        .map(|ca| Trust::Trusted { authority: display_name(&ca.tbs_certificate.subject) })
        .unwrap_or(Trust::Unknown)
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

/// What the file says of itself since a signature: unchanged, or only later signatures added.
fn since(v: &Verification) -> &'static str {
    if v.whole_file { "tệp còn nguyên vẹn từ khi ký" } else { "phần đã ký còn nguyên vẹn, sau đó tệp chỉ có thêm chữ ký số hợp lệ" }
}

/// The Vietnamese paragraph that says what was found of one signature. "Hợp lệ" only when
/// the file is unchanged since it, the ward trusts who vouches for the certificate, and the
/// certificate was valid when it signed.
fn verdict(v: &Verification, marked_internal: bool) -> String {
    let named = match &v.organisation {
        Some(o) => format!("{} ({o})", v.signer),
        None => v.signer.clone(),
    };
    if !v.intact {
        return if v.whole_file {
            format!("Tệp đã bị thay đổi sau khi ký, hoặc chữ ký không khớp với chứng thư: không được tin nội dung tệp này. Chứng thư ghi tên {named}.")
        } else {
            format!("Tệp có thay đổi sau chữ ký này mà không phải chỉ là chữ ký số hợp lệ của người ký sau, hoặc phần đã ký bị thay đổi: không được tin phần thay đổi. Chứng thư ghi tên {named}.")
        };
    }
    let since = since(v);
    let validity = match v.valid_at_signing {
        Some(false) => " Tuy vậy, vào thời điểm ký chứng thư (hoặc chứng thư của tổ chức cấp) không còn hoặc chưa có hiệu lực, nên chữ ký không được coi là hợp lệ.",
        None => " Tuy vậy, chữ ký không ghi thời điểm ký nên không xác định được chứng thư còn hiệu lực khi ký, và chữ ký không được coi là hợp lệ.",
        Some(true) => "",
    };
    match &v.trust {
        Trust::Trusted { authority } if v.valid_at_signing == Some(true) => {
            format!("Chữ ký hợp lệ: {since}; chứng thư của {named} do {authority} chứng thực, là tổ chức chứng thực phường tin cậy.")
        }
        Trust::Trusted { authority } => {
            format!("Về nội dung, {since}; chứng thư của {named} do {authority} chứng thực, là tổ chức chứng thực phường tin cậy.{validity}")
        }
        Trust::Internal => format!(
            "Về nội dung, {since}; ký bằng chứng thư nội bộ của phường mang tên {named}: chứng thư do phường tự tạo, không do tổ chức chứng thực cấp, chỉ dùng cho văn bản nội bộ.{validity}"
        ),
        Trust::Unknown => {
            let claim = if marked_internal { " Chứng thư tự ghi là chứng thư nội bộ, nhưng không phải chứng thư do phường này tạo." } else { "" };
            format!(
                "Về nội dung, {since}. Chứng thư ghi tên {named}, do “{}” cấp, nhưng chưa xác định được tổ chức cấp chứng thư: tên ghi trong chứng thư chưa được tổ chức nào mà phường tin cậy xác nhận.{claim}{validity}",
                v.issuer
            )
        }
    }
}

/// The three findings as lines for the window and the command line.
fn facts(v: &Verification) -> Vec<String> {
    let file = match (v.intact, v.whole_file) {
        (true, true) => "Tệp còn nguyên vẹn từ khi ký; chữ ký phủ toàn bộ tệp.".to_owned(),
        (true, false) => "Phần đã ký còn nguyên vẹn; sau chữ ký này tệp chỉ có thêm chữ ký số hợp lệ của người ký sau.".to_owned(),
        (false, false) => "Sau chữ ký này tệp có thay đổi không phải chỉ là chữ ký số hợp lệ (hoặc phần đã ký bị thay đổi): phần thay đổi không được tin.".to_owned(),
        (false, true) => "Tệp đã bị thay đổi sau khi ký, hoặc chữ ký không khớp với chứng thư.".to_owned(),
    };
    let mut named = format!("Người ký: {}", v.signer);
    if let Some(o) = &v.organisation {
        named.push_str(&format!(" ({o})"));
    }
    named.push_str(&format!("; nơi cấp ghi trong chứng thư: {}", v.issuer));
    named.push_str(&match (&v.signed_at, v.valid_at_signing) {
        (Some(at), Some(true)) => format!("; ký lúc {at}, khi chứng thư còn hiệu lực."),
        (Some(at), _) => format!("; ký lúc {at}, khi chứng thư KHÔNG còn (hoặc chưa có) hiệu lực."),
        (None, _) => "; chữ ký không ghi thời điểm ký.".to_owned(),
    });
    let path = if v.chain.len() > 1 { format!(" Chuỗi chứng thư: {}.", v.chain.join(" → ")) } else { String::new() };
    let trust = match &v.trust {
        Trust::Trusted { authority } => format!("Tổ chức chứng thực: {authority}, có trong danh sách tổ chức chứng thực phường tin cậy.{path}"),
        Trust::Internal => "Chứng thư nội bộ do phường tạo, không do tổ chức chứng thực cấp.".to_owned(),
        Trust::Unknown => format!("Chưa xác định được tổ chức cấp chứng thư: chuỗi chứng thư không tới tổ chức nào trong danh sách tổ chức chứng thực phường tin cậy.{path}"),
    };
    vec![file, named, trust]
}

/// One signature as found in the file, before it is checked.
struct Found {
    range: [usize; 4],
    /// The CMS, the zeros padding the slot after it left off.
    contents: Vec<u8>,
    /// The signature dictionary's text outside the slot, for /M and /SubFilter.
    dict: Vec<u8>,
}

/// Every signature of the file, the first made first. Each covers the whole file as it was
/// when made but its own slot, which holds hex digits only, the CMS followed by zeros; each
/// later one covers every byte the earlier ones cover; a signature's own dictionary lies within
/// what it signs. Anything else is a malformed file, not a signature to weigh.
fn signatures_in(pdf: &[u8]) -> Result<Vec<Found>, VerifyError> {
    let re = regex::bytes::Regex::new(r"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]").expect("static regex");
    let mut found: Vec<Found> = Vec::new();
    for caps in re.captures_iter(pdf) {
        let num = |i: usize| -> Result<usize, VerifyError> {
            std::str::from_utf8(&caps[i]).ok().and_then(|s| s.parse().ok()).ok_or(VerifyError::Malformed)
        };
        let (a, b, c, d) = (num(1)?, num(2)?, num(3)?, num(4)?);
        if a != 0 || b + 2 > c || c.checked_add(d).is_none_or(|end| end > pdf.len()) {
            return Err(VerifyError::Malformed);
        }
        let slot = &pdf[b..c];
        if slot[0] != b'<' || slot[slot.len() - 1] != b'>' || !slot[1..slot.len() - 1].iter().all(u8::is_ascii_hexdigit) {
            return Err(VerifyError::Malformed);
        }
        let at = caps.get(0).map_or(0, |m| m.start());
        if (b..c).contains(&at) || at >= c + d {
            return Err(VerifyError::Malformed);
        }
        let raw = hex::decode(&slot[1..slot.len() - 1]).map_err(|_| VerifyError::Malformed)?;
        let mut reader = der::SliceReader::new(&raw).map_err(|_| VerifyError::Malformed)?;
        ContentInfo::decode(&mut reader).map_err(|_| VerifyError::Malformed)?;
        let rest = usize::try_from(u32::from(der::Reader::remaining_len(&reader))).map_err(|_| VerifyError::Malformed)?;
        let used = raw.len() - rest;
        if raw[used..].iter().any(|&x| x != 0) {
            return Err(VerifyError::Malformed);
        }
        let from = pdf[..at].windows(3).rposition(|w| w == b"obj").unwrap_or(0);
        let to = find(&pdf[at..], b"endobj").map_or(pdf.len(), |e| at + e);
        // The dictionary's text without the slot (whose padding anyone may have written in).
        let mut dict = Vec::new();
        for (start, end) in [(from, to.min(b).max(from)), (c.max(from), to)] {
            if start < end {
                dict.extend_from_slice(&pdf[start..end]);
            }
        }
        found.push(Found { range: [a, b, c, d], contents: raw[..used].to_vec(), dict });
    }
    if found.is_empty() {
        return Err(VerifyError::Unsigned);
    }
    found.sort_by_key(|f| f.range[2] + f.range[3]);
    for pair in found.windows(2) {
        let [earlier, later] = [&pair[0], &pair[1]];
        if earlier.range[2] + earlier.range[3] > later.range[1] {
            return Err(VerifyError::Malformed);
        }
    }
    Ok(found)
}

/// The time a PDF date string ("D:20261130164500+07'00'") names.
fn pdf_date(dict: &[u8]) -> Option<DateTime<Utc>> {
    let re = regex::bytes::Regex::new(r"/M\s*\(D:(\d{14})([+\-Z])?(\d{2})?'?(\d{2})?").expect("static regex");
    let caps = re.captures(dict)?;
    let text = std::str::from_utf8(&caps[1]).ok()?;
    let local = chrono::NaiveDateTime::parse_from_str(text, "%Y%m%d%H%M%S").ok()?;
    let n = |i: usize| caps.get(i).and_then(|m| std::str::from_utf8(m.as_bytes()).ok()?.parse::<i64>().ok()).unwrap_or(0);
    let offset = (n(3) * 60 + n(4)) * 60;
    let offset = if caps.get(2).is_some_and(|m| m.as_bytes() == b"-") { -offset } else { offset };
    Some(local.and_utc() - chrono::Duration::seconds(offset))
}

/// The value of the signed attribute `oid`, if the signature has it.
fn signed_attr(attrs: Option<&SignedAttributes>, oid: const_oid::ObjectIdentifier) -> Option<&der::asn1::Any> {
    attrs?.iter().find(|a| a.oid == oid)?.values.get(0)
}

/// Whether the signing-certificate attribute binds the signature to `cert`: the first
/// ESSCertIDv2 holds the certificate's hash. PAdES requires it (v2, or the SHA-1 v1 of older
/// signers, taken as present); the older form may leave it out.
fn bound_to(attrs: Option<&SignedAttributes>, cert: &Certificate, pades: bool) -> bool {
    match signed_attr(attrs, const_oid::db::rfc5911::ID_AA_SIGNING_CERTIFICATE_V_2) {
        Some(v) => v.decode_as::<SigningCertificateV2>().ok().and_then(|s| s.certs.into_iter().next()).is_some_and(|id| {
            let hash = id.hash_algorithm.as_ref().map_or(Some(Hash::Sha256), |a| Hash::from_digest_oid(a.oid));
            hash.is_some_and(|h| h.digest(&[&cert.to_der().unwrap_or_default()]) == id.cert_hash.as_bytes())
        }),
        None => !pades || signed_attr(attrs, const_oid::db::rfc5911::ID_AA_SIGNING_CERTIFICATE).is_some(),
    }
}

/// What one signature proves, before what later ones add.
struct Checked {
    bytes_ok: bool,
    whole_file: bool,
    v: Verification,
    marked_internal: bool,
}

fn check(pdf: &[u8], f: &Found, trust: &TrustList) -> Result<Checked, VerifyError> {
    let [_, b, c, d] = f.range;
    let whole_file = c + d == pdf.len();
    let info = ContentInfo::from_der(&f.contents).map_err(|_| VerifyError::Malformed)?;
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
    // With signed attributes, the signature covers them and they carry the content's digest;
    // without, it covers the content's digest itself.
    let (digest_ok, to_verify) = match (attrs, hash) {
        (_, None) => (false, None),
        (Some(attrs), Some(h)) => {
            let expected = signed_attr(Some(attrs), const_oid::db::rfc5911::ID_MESSAGE_DIGEST).and_then(|v| der::asn1::OctetStringRef::try_from(v).ok());
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
    let pades = find(&f.dict, b"ETSI.CAdES.detached").is_some();
    let bound = bound_to(attrs, cert, pades);
    let signing_time = signed_attr(attrs, const_oid::db::rfc5911::ID_SIGNING_TIME)
        .and_then(|v| {
            der::asn1::UtcTime::try_from(v)
                .map(|t| DateTime::<Utc>::from(t.to_system_time()))
                .or_else(|_| der::asn1::GeneralizedTime::try_from(v).map(|t| DateTime::<Utc>::from(t.to_system_time())))
                .ok()
        })
        .or_else(|| pdf_date(&f.dict));
    // The trust list first, so that a chain ends on the very authority the ward trusts.
    let mut known = trust.authorities.clone();
    known.extend(certs.iter().cloned());
    let path = chain_above(cert, &known);
    let within = |c: &Certificate, t: DateTime<Utc>| utc(&c.tbs_certificate.validity.not_before) <= t && t <= utc(&c.tbs_certificate.validity.not_after);
    let v = Verification {
        form: if pades { "PAdES" } else { "PKCS#7" }.to_owned(),
        intact: false,
        whole_file,
        later_signed: false,
        signer: common_name(cert),
        organisation: attr(&cert.tbs_certificate.subject, const_oid::db::rfc4519::O),
        issuer: display_name(&cert.tbs_certificate.issuer),
        signed_at: signing_time.map(vn),
        valid_at_signing: signing_time.map(|t| within(cert, t) && path.iter().all(|c| within(c, t))),
        chain: std::iter::once(cert).chain(&path).map(|c| display_name(&c.tbs_certificate.subject)).collect(),
        trust: trust_of(cert, &path, trust),
        valid: false,
        facts: vec![],
        verdict: String::new(),
    };
    Ok(Checked { bytes_ok: digest_ok && signature_ok && bound, whole_file, v, marked_internal: is_internal(cert) })
}

/// Whether everything `pdf` has beyond its first `end` bytes (an earlier revision) only adds
/// signatures: new signature dictionaries and fields, the fields added to the form and to a
/// page's annotations — no page, content or other object changed.
fn only_signatures_added(pdf: &[u8], end: usize) -> bool {
    use lopdf::Object;
    let (Ok(before), Ok(after)) = (lopdf::Document::load_mem(&pdf[..end]), lopdf::Document::load_mem(pdf)) else { return false };
    // A dictionary may differ from its earlier self only in the keys given.
    let same_but = |old: &lopdf::Dictionary, new: &lopdf::Dictionary, keys: &[&[u8]]| {
        let differs = |k: &[u8]| old.get(k).ok() != new.get(k).ok();
        old.iter().chain(new.iter()).all(|(k, _)| keys.contains(&k.as_slice()) || !differs(k))
    };
    let grown = |old: &[Object], new: &[Object]| new.len() >= old.len() && new[..old.len()] == *old;
    after.objects.iter().all(|(id, new)| {
        let Some(old) = before.objects.get(id) else {
            // New objects: signatures, their fields, the form and the arrays listing them,
            // cross-reference streams.
            return match new {
                Object::Dictionary(d) => {
                    d.get(b"Type").is_ok_and(|t| t.as_name().is_ok_and(|n| n == b"Sig"))
                        || d.get(b"FT").is_ok_and(|t| t.as_name().is_ok_and(|n| n == b"Sig"))
                        || d.has(b"Fields")
                }
                Object::Array(_) => true,
                Object::Stream(s) => s.dict.get(b"Type").is_ok_and(|t| t.as_name().is_ok_and(|n| n == b"XRef")),
                _ => false,
            };
        };
        match (old, new) {
            _ if old == new => true,
            (Object::Array(o), Object::Array(n)) => grown(o, n),
            (Object::Dictionary(o), Object::Dictionary(n)) => match o.get(b"Type").and_then(Object::as_name).ok() {
                Some(b"Catalog") => same_but(o, n, &[b"AcroForm"]),
                Some(b"Page") => same_but(o, n, &[b"Annots"]),
                _ if o.has(b"Fields") => same_but(o, n, &[b"Fields", b"SigFlags"]),
                _ => false,
            },
            (Object::Stream(o), Object::Stream(_)) => o.dict.get(b"Type").is_ok_and(|t| t.as_name().is_ok_and(|n| n == b"XRef" || n == b"ObjStm")),
            _ => false,
        }
    })
}

/// Verifies every signature of a PDF against what the ward trusts, in the order they were made.
pub fn verify_pdf(pdf: &[u8], trust: &TrustList) -> Result<FileVerification, VerifyError> {
    if !pdf.starts_with(b"%PDF-") || find(&pdf[pdf.len().saturating_sub(1024)..], b"%%EOF").is_none() {
        return Err(VerifyError::NotPdf);
    }
    let found = signatures_in(pdf)?;
    let checked = found.iter().map(|f| check(pdf, f, trust)).collect::<Result<Vec<_>, _>>()?;
    // What was appended after an earlier signature is vouched for when the last signature,
    // itself valid, covers the whole file, and all that was appended only adds signatures.
    let last_valid = checked.last().is_some_and(|c| {
        let mut v = c.v.clone();
        v.intact = c.bytes_ok && c.whole_file;
        v.is_valid()
    });
    let signatures: Vec<Verification> = checked
        .into_iter()
        .zip(&found)
        .map(|(c, f)| {
            let mut v = c.v;
            v.later_signed = !c.whole_file && last_valid && only_signatures_added(pdf, f.range[2] + f.range[3]);
            v.intact = c.bytes_ok && (c.whole_file || v.later_signed);
            v.valid = v.is_valid();
            v.facts = facts(&v);
            v.verdict = verdict(&v, c.marked_internal);
            v
        })
        .collect();
    let valid = signatures.iter().all(|v| v.valid);
    let verdict = match signatures.len() {
        1 => signatures[0].verdict.clone(),
        n if valid => format!("Cả {n} chữ ký số đều hợp lệ."),
        n => format!("Tệp có {n} chữ ký số, trong đó {} chữ ký chưa được coi là hợp lệ: xem từng chữ ký dưới đây.", signatures.iter().filter(|v| !v.valid).count()),
    };
    Ok(FileVerification { signatures, valid, verdict })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_never_calls_an_unknown_certificate_valid() {
        let v = Verification {
            form: "PAdES".into(),
            intact: true,
            whole_file: true,
            later_signed: false,
            signer: "Nguyễn Văn A".into(),
            organisation: Some("UBND phường".into()),
            issuer: "Nguyễn Văn A".into(),
            signed_at: Some("01/12/2026 08:00".into()),
            valid_at_signing: Some(true),
            chain: vec![],
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
        let trusted = Verification { trust: Trust::Trusted { authority: "CA".into() }, valid_at_signing: Some(true), ..v.clone() };
        let untimed = Verification { signed_at: None, valid_at_signing: None, ..trusted.clone() };
        assert!(!untimed.is_valid() && verdict(&untimed, false).contains("không ghi thời điểm ký"));
        assert!(verdict(&trusted, false).starts_with("Chữ ký hợp lệ") && trusted.is_valid());
        let expired = Verification { valid_at_signing: Some(false), ..trusted };
        assert!(!verdict(&expired, false).contains("Chữ ký hợp lệ") && !expired.is_valid());
    }
}
