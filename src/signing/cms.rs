//! The CMS SignedData a PDF signature carries, built around a signature the key (in memory or
//! on a token) makes over the signed attributes: content type, the digest of the signed bytes,
//! and — for PAdES — the signing-certificate-v2 attribute binding the signer's certificate;
//! for the older form, the signing time instead (PAdES takes it from the signature dictionary).

use chrono::{DateTime, Utc};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos};
use const_oid::db::{rfc5911, rfc5912};
use der::asn1::{Any, OctetString, SetOfVec};
use der::Encode;
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;

use super::{Form, Identity, KeyKind, SignError};

/// ESS IssuerSerial (RFC 5035).
#[derive(der::Sequence)]
pub(super) struct IssuerSerial {
    pub issuer: Vec<GeneralName>,
    pub serial_number: SerialNumber,
}

/// ESS ESSCertIDv2: the hash algorithm is left out when it is SHA-256, the default.
#[derive(der::Sequence)]
pub(super) struct EssCertIdV2 {
    pub hash_algorithm: Option<AlgorithmIdentifierOwned>,
    pub cert_hash: OctetString,
    pub issuer_serial: Option<IssuerSerial>,
}

/// ESS SigningCertificateV2 (policies, never used by PDF signers, not read).
#[derive(der::Sequence)]
pub(super) struct SigningCertificateV2 {
    pub certs: Vec<EssCertIdV2>,
}

fn attribute(oid: const_oid::ObjectIdentifier, value: Any) -> Result<Attribute, der::Error> {
    Ok(Attribute { oid, values: SetOfVec::try_from(vec![value])? })
}

fn signed_attributes(id: &Identity, digest: &[u8], form: Form, at: DateTime<Utc>) -> Result<SetOfVec<Attribute>, der::Error> {
    let tbs = &id.cert.tbs_certificate;
    let mut attrs = SetOfVec::new();
    attrs.insert(attribute(rfc5911::ID_CONTENT_TYPE, Any::encode_from(&rfc5911::ID_DATA)?)?)?;
    attrs.insert(attribute(rfc5911::ID_MESSAGE_DIGEST, Any::encode_from(&OctetString::new(digest)?)?)?)?;
    match form {
        Form::Pades => {
            let ess = SigningCertificateV2 {
                certs: vec![EssCertIdV2 {
                    hash_algorithm: None,
                    cert_hash: OctetString::new(Sha256::digest(id.cert.to_der()?).to_vec())?,
                    issuer_serial: Some(IssuerSerial {
                        issuer: vec![GeneralName::DirectoryName(tbs.issuer.clone())],
                        serial_number: tbs.serial_number.clone(),
                    }),
                }],
            };
            attrs.insert(attribute(rfc5911::ID_AA_SIGNING_CERTIFICATE_V_2, Any::encode_from(&ess)?)?)?;
        }
        Form::Pkcs7 => {
            let time = x509_cert::time::Time::try_from(std::time::SystemTime::from(at))?;
            attrs.insert(attribute(rfc5911::ID_SIGNING_TIME, Any::encode_from(&time)?)?)?;
        }
    }
    Ok(attrs)
}

fn finish(id: &Identity, attrs: SetOfVec<Attribute>, signature: Vec<u8>) -> Result<Vec<u8>, der::Error> {
    let tbs = &id.cert.tbs_certificate;
    let sha256 = AlgorithmIdentifierOwned { oid: rfc5912::ID_SHA_256, parameters: None };
    let signature_algorithm = match id.key.kind() {
        KeyKind::Rsa => AlgorithmIdentifierOwned { oid: rfc5912::RSA_ENCRYPTION, parameters: Some(der::asn1::Null.into()) },
        KeyKind::Ecdsa => AlgorithmIdentifierOwned { oid: rfc5912::ECDSA_WITH_SHA_256, parameters: None },
    };
    let info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber { issuer: tbs.issuer.clone(), serial_number: tbs.serial_number.clone() }),
        digest_alg: sha256.clone(),
        signed_attrs: Some(attrs),
        signature_algorithm,
        signature: OctetString::new(signature)?,
        unsigned_attrs: None,
    };
    let mut certificates = vec![CertificateChoices::Certificate(id.cert.clone())];
    certificates.extend(id.chain.iter().cloned().map(CertificateChoices::Certificate));
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![sha256])?,
        encap_content_info: EncapsulatedContentInfo { econtent_type: rfc5911::ID_DATA, econtent: None },
        certificates: Some(CertificateSet(SetOfVec::try_from(certificates)?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![info])?),
    };
    ContentInfo { content_type: rfc5911::ID_SIGNED_DATA, content: Any::encode_from(&signed_data)? }.to_der()
}

/// The detached CMS signature over the signed bytes whose SHA-256 is `digest`.
pub(super) fn signature(id: &Identity, digest: &[u8], form: Form, at: DateTime<Utc>) -> Result<Vec<u8>, SignError> {
    // Sign first (a token's refusal keeps its own message), then encode around it.
    let attrs = signed_attributes(id, digest, form, at).map_err(|e| SignError::Pdf(e.to_string()))?;
    let signed = attrs.to_der().map_err(|e| SignError::Pdf(e.to_string()))?;
    let signature = id.key.sign(&signed)?;
    finish(id, attrs, signature).map_err(|e| SignError::Pdf(e.to_string()))
}
