//! Verifying every signature in a PDF, in either form (PAdES or adbe.pkcs7.detached), RSA or
//! ECDSA, and saying for each three things apart: whether the file is unchanged since that
//! signature; who signed and when, and whether the certificate was valid then; and whether the
//! certificate chains up to an authority on the ward's trust list (or is one of the ward's own).

use chrono::{DateTime, Utc};
use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::{Decode, Encode};
use rsa::RsaPublicKey;
use sha2::{Digest, Sha256};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;

use super::pdf::find;
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

/// The certificates above `cert` found among `known`, each verified to have issued the one
/// below it, up to a self-signed root or as far as `known` reaches.
pub(super) fn chain_above(cert: &Certificate, known: &[Certificate]) -> Vec<Certificate> {
    let mut chain: Vec<Certificate> = Vec::new();
    let mut current = cert.clone();
    // A chain longer than a few authorities is not one a signer would carry.
    for _ in 0..6 {
        if current.tbs_certificate.issuer == current.tbs_certificate.subject {
            break;
        }
        let Some(parent) = known.iter().find(|k| *k != &current && !chain.contains(k) && issued_by(&current, k)) else { break };
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

/// The Vietnamese paragraph that says what was found of one signature. "Hợp lệ" only when
/// the file is unchanged since it, the ward trusts who vouches for the certificate, and the
/// certificate was valid when it signed.
fn verdict(v: &Verification, marked_internal: bool) -> String {
    let named = match &v.organisation {
        Some(o) => format!("{} ({o})", v.signer),
        None => v.signer.clone(),
    };
    if !v.intact {
        return if v.whole_file || v.later_signed {
            format!("Tệp đã bị thay đổi sau khi ký, hoặc chữ ký không khớp với chứng thư: không được tin nội dung tệp này. Chứng thư ghi tên {named}.")
        } else {
            format!("Tệp có thêm nội dung sau khi ký mà không ai ký, hoặc phần đã ký bị thay đổi: phần thêm vào không được tin. Chứng thư ghi tên {named}.")
        };
    }
    let validity = match v.valid_at_signing {
        Some(false) => " Tuy vậy, vào thời điểm ký chứng thư (hoặc chứng thư của tổ chức cấp) không còn hoặc chưa có hiệu lực, nên chữ ký không được coi là hợp lệ.",
        _ => "",
    };
    match &v.trust {
        Trust::Trusted { authority } if v.valid_at_signing != Some(false) => {
            format!("Chữ ký hợp lệ: tệp còn nguyên vẹn từ khi ký; chứng thư của {named} do {authority} chứng thực, là tổ chức chứng thực phường tin cậy.")
        }
        Trust::Trusted { authority } => {
            format!("Tệp còn nguyên vẹn từ khi ký; chứng thư của {named} do {authority} chứng thực, là tổ chức chứng thực phường tin cậy.{validity}")
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
    let file = match (v.intact, v.whole_file, v.later_signed) {
        (true, true, _) => "Tệp còn nguyên vẹn từ khi ký; chữ ký phủ toàn bộ tệp.".to_owned(),
        (true, false, _) => "Phần đã ký còn nguyên vẹn; sau chữ ký này tệp chỉ có thêm phần do chữ ký số sau ký.".to_owned(),
        (false, false, false) => "Tệp có thêm nội dung sau khi ký (hoặc phần đã ký bị thay đổi); phần thêm không được ký.".to_owned(),
        (false, _, _) => "Tệp đã bị thay đổi sau khi ký, hoặc chữ ký không khớp với chứng thư.".to_owned(),
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
struct Found<'a> {
    range: [usize; 4],
    contents: Vec<u8>,
    /// The signature dictionary's text, for /M and /SubFilter.
    dict: &'a [u8],
}

fn signatures_in(pdf: &[u8]) -> Result<Vec<Found<'_>>, VerifyError> {
    let re = regex::bytes::Regex::new(r"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]").expect("static regex");
    let mut found = Vec::new();
    for caps in re.captures_iter(pdf) {
        let num = |i: usize| -> Result<usize, VerifyError> {
            std::str::from_utf8(&caps[i]).ok().and_then(|s| s.parse().ok()).ok_or(VerifyError::Malformed)
        };
        let (a, b, c, d) = (num(1)?, num(2)?, num(3)?, num(4)?);
        if a != 0 || b >= c || c.checked_add(d).is_none_or(|end| end > pdf.len()) {
            return Err(VerifyError::Malformed);
        }
        let hex_text: Vec<u8> = pdf[b..c].iter().copied().filter(|x| x.is_ascii_hexdigit()).collect();
        let contents = hex::decode(&hex_text).map_err(|_| VerifyError::Malformed)?;
        let at = caps.get(0).map_or(0, |m| m.start());
        let from = pdf[..at].windows(3).rposition(|w| w == b"obj").unwrap_or(0);
        let to = find(&pdf[at..], b"endobj").map_or(pdf.len(), |e| at + e);
        found.push(Found { range: [a, b, c, d], contents, dict: &pdf[from..to] });
    }
    if found.is_empty() {
        return Err(VerifyError::Unsigned);
    }
    found.sort_by_key(|f| f.range[2] + f.range[3]);
    found.dedup_by_key(|f| f.range);
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
    // The room left for the signature is padded with zeros after the DER: read one element.
    let info = ContentInfo::decode(&mut der::SliceReader::new(&f.contents).map_err(|_| VerifyError::Malformed)?).map_err(|_| VerifyError::Malformed)?;
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
    // PAdES: a signing-certificate-v2 attribute, when present, must name this very certificate.
    let bound = find_attr(const_oid::db::rfc5911::ID_AA_SIGNING_CERTIFICATE_V_2).is_none_or(|v| {
        let hash = Sha256::digest(cert.to_der().unwrap_or_default());
        v.value().windows(hash.len()).any(|w| w == hash.as_slice())
    });
    let signing_time = find_attr(const_oid::db::rfc5911::ID_SIGNING_TIME)
        .and_then(|v| {
            der::asn1::UtcTime::try_from(v)
                .map(|t| DateTime::<Utc>::from(t.to_system_time()))
                .or_else(|_| der::asn1::GeneralizedTime::try_from(v).map(|t| DateTime::<Utc>::from(t.to_system_time())))
                .ok()
        })
        .or_else(|| pdf_date(f.dict));
    let mut known = certs.clone();
    known.extend(trust.authorities.iter().cloned());
    let path = chain_above(cert, &known);
    let within = |c: &Certificate, t: DateTime<Utc>| utc(&c.tbs_certificate.validity.not_before) <= t && t <= utc(&c.tbs_certificate.validity.not_after);
    let pades = find(f.dict, b"ETSI.CAdES.detached").is_some();
    let v = Verification {
        form: if pades { "PAdES (ETSI.CAdES.detached)" } else { "PKCS#7 (adbe.pkcs7.detached)" }.to_owned(),
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

/// Verifies every signature of a PDF against what the ward trusts, in the order they were made.
pub fn verify_pdf(pdf: &[u8], trust: &TrustList) -> Result<FileVerification, VerifyError> {
    if !pdf.starts_with(b"%PDF-") || find(&pdf[pdf.len().saturating_sub(1024)..], b"%%EOF").is_none() {
        return Err(VerifyError::NotPdf);
    }
    let checked = signatures_in(pdf)?.iter().map(|f| check(pdf, f, trust)).collect::<Result<Vec<_>, _>>()?;
    // What was appended after a signature is vouched for when a later signature, itself
    // unchanged, covers the whole file.
    let last_covers = checked.last().is_some_and(|c| c.bytes_ok && c.whole_file);
    let signatures: Vec<Verification> = checked
        .into_iter()
        .map(|c| {
            let mut v = c.v;
            v.later_signed = !c.whole_file && last_covers;
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
            signed_at: None,
            valid_at_signing: None,
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
        let trusted = Verification { trust: Trust::Trusted { authority: "CA".into() }, ..v.clone() };
        assert!(verdict(&trusted, false).starts_with("Chữ ký hợp lệ") && trusted.is_valid());
        let expired = Verification { valid_at_signing: Some(false), ..trusted };
        assert!(!verdict(&expired, false).contains("Chữ ký hợp lệ") && !expired.is_valid());
    }
}
