//! Signatures say only what they know: whether the file is unchanged since signing, whom the
//! certificate names, and whether someone the ward trusts vouches for it — its own internal
//! certificates, or an authority on the trust list the officer keeps.

use std::str::FromStr;
use std::time::{Duration, SystemTime};

use chrono::Utc;
use cms::builder::{create_signing_time_attribute, SignedDataBuilder, SignerInfoBuilder};
use cms::cert::CertificateChoices;
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
use der::{Decode, Encode, EncodePem};
use rsa::pkcs8::EncodePrivateKey;
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use treem::documents::register::{self, Kind};
use treem::signing::{self, Identity, Trust, TrustList};
use treem::{certificates, plan, trust, Source};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::{Time, Validity};
use x509_cert::Certificate;

use crate::documents::pdfsig;
use crate::support;

/// A test certification authority with a P-256 key.
struct Ca {
    key: p256::ecdsa::SigningKey,
    cert: Certificate,
}

fn validity() -> Validity {
    let start = SystemTime::now() - Duration::from_secs(3600);
    Validity { not_before: Time::try_from(start).unwrap(), not_after: Time::try_from(start + Duration::from_secs(400 * 86_400)).unwrap() }
}

fn serial() -> SerialNumber {
    SerialNumber::new(&uuid::Uuid::now_v7().into_bytes()[..15]).unwrap()
}

fn make_ca(name: &str) -> Ca {
    let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
    let subject = Name::from_str(&format!("CN={name},O=Tổ chức chứng thực thử nghiệm,C=VN")).unwrap();
    let spki = SubjectPublicKeyInfoOwned::from_key(*key.verifying_key()).unwrap();
    let cert = CertificateBuilder::new(Profile::Root, serial(), validity(), subject, spki, &key)
        .unwrap()
        .build::<p256::ecdsa::DerSignature>()
        .unwrap();
    Ca { key, cert }
}

fn leaf_profile(ca: &Ca) -> Profile {
    Profile::Leaf { issuer: ca.cert.tbs_certificate.subject.clone(), enable_key_agreement: false, enable_key_encipherment: false }
}

/// A signer with an RSA key and a certificate the CA issued, opened from a .p12 as the app does.
fn rsa_signer(ca: &Ca, name: &str) -> Identity {
    let key = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).unwrap();
    let subject = Name::from_str(&format!("CN={name},O=UBND phường Thử nghiệm")).unwrap();
    let spki = SubjectPublicKeyInfoOwned::from_key(key.to_public_key()).unwrap();
    let cert = CertificateBuilder::new(leaf_profile(ca), serial(), validity(), subject, spki, &ca.key)
        .unwrap()
        .build::<p256::ecdsa::DerSignature>()
        .unwrap();
    let p12_key = p12_keystore::PrivateKey::from_der(key.to_pkcs8_der().unwrap().as_bytes()).unwrap();
    let p12_cert = p12_keystore::Certificate::from_der(&cert.to_der().unwrap()).unwrap();
    let mut store = p12_keystore::KeyStore::new();
    let chain = p12_keystore::PrivateKeyChain::new(vec![1, 2, 3], p12_key, [p12_cert]);
    store.add_entry(name, p12_keystore::KeyStoreEntry::PrivateKeyChain(chain));
    let p12 = store.writer("mật khẩu").write().unwrap();
    Identity::from_pkcs12(&p12, "mật khẩu", &[]).unwrap()
}

/// A signer with a P-256 key and a certificate the CA issued.
fn ecdsa_signer(ca: &Ca, name: &str) -> (p256::ecdsa::SigningKey, Certificate) {
    let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
    let subject = Name::from_str(&format!("CN={name},O=UBND phường Thử nghiệm")).unwrap();
    let spki = SubjectPublicKeyInfoOwned::from_key(*key.verifying_key()).unwrap();
    let cert = CertificateBuilder::new(leaf_profile(ca), serial(), validity(), subject, spki, &ca.key)
        .unwrap()
        .build::<p256::ecdsa::DerSignature>()
        .unwrap();
    (key, cert)
}

/// Replaces the CMS of a signed PDF with an ECDSA P-256 one over the same byte ranges, naming
/// the signer by key identifier or by issuer and serial number, and carrying the CA's
/// certificate beside the signer's.
fn resign_with_ecdsa(signed: &[u8], key: &p256::ecdsa::SigningKey, cert: &Certificate, ca: &Certificate, by_key_id: bool) -> Vec<u8> {
    let re = regex::bytes::Regex::new(r"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]").unwrap();
    let caps = re.captures_iter(signed).last().unwrap();
    let n = |i: usize| -> usize { std::str::from_utf8(&caps[i]).unwrap().parse().unwrap() };
    let (b, c, d) = (n(2), n(3), n(4));
    let mut h = Sha256::new();
    h.update(&signed[..b]);
    h.update(&signed[c..c + d]);
    let digest = h.finalize();
    let ski = cert
        .tbs_certificate
        .extensions
        .iter()
        .flatten()
        .find(|e| e.extn_id == const_oid::db::rfc5912::ID_CE_SUBJECT_KEY_IDENTIFIER)
        .map(|e| x509_cert::ext::pkix::SubjectKeyIdentifier::from_der(e.extn_value.as_bytes()).unwrap())
        .unwrap();
    let content = EncapsulatedContentInfo { econtent_type: const_oid::db::rfc5911::ID_DATA, econtent: None };
    let sha256 = AlgorithmIdentifierOwned { oid: const_oid::db::rfc5912::ID_SHA_256, parameters: None };
    let sid = if by_key_id {
        SignerIdentifier::SubjectKeyIdentifier(ski)
    } else {
        SignerIdentifier::IssuerAndSerialNumber(cms::cert::IssuerAndSerialNumber {
            issuer: cert.tbs_certificate.issuer.clone(),
            serial_number: cert.tbs_certificate.serial_number.clone(),
        })
    };
    let mut info = SignerInfoBuilder::new(key, sid, sha256.clone(), &content, Some(&digest)).unwrap();
    info.add_signed_attribute(create_signing_time_attribute().unwrap()).unwrap();
    let cms = SignedDataBuilder::new(&content)
        .add_digest_algorithm(sha256)
        .unwrap()
        .add_certificate(CertificateChoices::Certificate(ca.clone()))
        .unwrap()
        .add_certificate(CertificateChoices::Certificate(cert.clone()))
        .unwrap()
        .add_signer_info::<p256::ecdsa::SigningKey, p256::ecdsa::DerSignature>(info)
        .unwrap()
        .build()
        .unwrap()
        .to_der()
        .unwrap();
    let hex = hex::encode_upper(cms);
    let mut out = signed.to_vec();
    assert_eq!((out[b], out[c - 1]), (b'<', b'>'));
    assert!(hex.len() <= c - b - 2);
    out[b + 1..c - 1].fill(b'0');
    out[b + 1..b + 1 + hex.len()].copy_from_slice(hex.as_bytes());
    out
}

async fn unsigned_pdf(t: &support::TempStore) -> Vec<u8> {
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    treem::documents::plan_pdf(&t.store, &t.officer, &p.id).await.unwrap()
}

fn flip_a_byte(pdf: &[u8]) -> Vec<u8> {
    let mut tampered = pdf.to_vec();
    let at = tampered.len() / 3;
    tampered[at] ^= 0x01;
    tampered
}

#[tokio::test]
async fn the_wards_own_certificate_verifies_as_internal_and_an_imitation_does_not() {
    let t = support::demo().await;
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    let kept = certificates::create_internal(&t.store, &t.officer, Source::Window, "Võ Thùy Dương", "mat-khau-123").await.unwrap();
    let id = certificates::identity(&t.store, &t.officer, Source::Window, &kept.id, "mat-khau-123").await.unwrap();
    let draft = register::create_draft(&t.store, &t.officer, Source::Window, Kind::Plan, &p.id, None, None, None).await.unwrap();
    let issued = register::issue(&t.store, &t.officer, Source::Window, &draft.id, treem::today_in_vietnam(), Some(&id)).await.unwrap();
    let bytes = register::pdf(&t.store, &t.officer, &issued.id).await.unwrap();
    assert!(pdfsig(&bytes, "ky-noi-bo").contains("Signature is Valid."));

    let v = trust::verify_pdf(&t.store, &t.officer, &bytes).await.unwrap().last().clone();
    assert!(v.intact && v.whole_file, "{v:?}");
    assert_eq!(v.trust, Trust::Internal);
    assert_eq!(v.signer, "Võ Thùy Dương");
    assert_eq!(v.organisation.as_deref(), Some("UBND Phường Nguyễn Nghiêm"));
    assert_eq!(v.valid_at_signing, Some(true));
    assert!(v.is_valid());
    assert!(v.verdict.contains("nội bộ của phường"), "{}", v.verdict);

    // The same name, the same internal mark, made elsewhere: the file is intact, but nobody
    // the ward trusts vouches for the name.
    let p12 = signing::create_internal("Võ Thùy Dương", "UBND Phường Nguyễn Nghiêm", "khác", Utc::now(), 30).unwrap();
    let imitation = Identity::from_pkcs12(&p12, "khác", &[]).unwrap();
    let forged = signing::sign_pdf(&unsigned_pdf(&t).await, &imitation, &signing::SignOptions { reason: "Ban hành văn bản", at: Utc::now(), form: signing::Form::Pades }).unwrap();
    let v = trust::verify_pdf(&t.store, &t.officer, &forged).await.unwrap().last().clone();
    assert!(v.intact);
    assert_eq!(v.trust, Trust::Unknown);
    assert!(!v.is_valid());
    assert!(v.verdict.contains("chưa xác định được tổ chức cấp chứng thư"), "{}", v.verdict);
    assert!(v.verdict.contains("tự ghi là chứng thư nội bộ") && !v.verdict.contains("hợp lệ"), "{}", v.verdict);

    let v = trust::verify_pdf(&t.store, &t.officer, &flip_a_byte(&bytes)).await.unwrap().last().clone();
    assert!(!v.intact && !v.is_valid());
    assert!(v.verdict.contains("bị thay đổi"), "{}", v.verdict);
}

#[tokio::test]
async fn a_certificate_from_an_authority_is_unknown_until_the_ward_trusts_it() {
    let t = support::demo().await;
    let ca = make_ca("CA Thử nghiệm");
    let signer = rsa_signer(&ca, "Trần Thị Bình");
    let signed = signing::sign_pdf(&unsigned_pdf(&t).await, &signer, &signing::SignOptions { reason: "Ban hành văn bản", at: Utc::now(), form: signing::Form::Pades }).unwrap();
    assert!(pdfsig(&signed, "ky-ca-thu").contains("Signature is Valid."));

    let v = trust::verify_pdf(&t.store, &t.officer, &signed).await.unwrap().last().clone();
    assert!(v.intact);
    assert_eq!(v.trust, Trust::Unknown);
    assert_eq!((v.signer.as_str(), v.organisation.as_deref(), v.issuer.as_str()), ("Trần Thị Bình", Some("UBND phường Thử nghiệm"), "CA Thử nghiệm"));
    assert!(v.verdict.contains("chưa xác định được tổ chức cấp chứng thư") && !v.verdict.contains("hợp lệ"), "{}", v.verdict);

    // Not a certificate: refused, nothing written.
    let before = support::row_counts(&t.store).await;
    let err = trust::add(&t.store, &t.officer, Source::Window, b"-----BEGIN CERTIFICATE-----\nkhong phai\n-----END CERTIFICATE-----").await.unwrap_err();
    assert_eq!(err.code(), treem::ErrorCode::InvalidInput);
    assert!(trust::add(&t.store, &t.officer, Source::Window, b"\x30\x03\x02\x01\x01").await.is_err());
    assert_eq!(support::row_counts(&t.store).await, before);
    assert!(trust::list(&t.store, &t.officer).await.unwrap().is_empty(), "empty at first");

    // The officer adds the authority (PEM, then the same as DER: one entry).
    let pem = ca.cert.to_pem(der::pem::LineEnding::CRLF).unwrap();
    let added = trust::add(&t.store, &t.officer, Source::Window, pem.as_bytes()).await.unwrap();
    assert_eq!(added.name, "CA Thử nghiệm");
    assert_eq!(added.fingerprint, signing::fingerprint(&ca.cert));
    let path = t.dir.path().join("ca.cer");
    std::fs::write(&path, ca.cert.to_der().unwrap()).unwrap();
    assert_eq!(trust::add_file(&t.store, &t.officer, Source::Window, &path).await.unwrap(), added);
    assert_eq!(trust::list(&t.store, &t.officer).await.unwrap(), [added.clone()]);

    let v = trust::verify_pdf(&t.store, &t.officer, &signed).await.unwrap().last().clone();
    assert_eq!(v.trust, Trust::Trusted { authority: "CA Thử nghiệm".into() });
    assert!(v.is_valid() && v.verdict.starts_with("Chữ ký hợp lệ"), "{}", v.verdict);
    assert!(!trust::verify_pdf(&t.store, &t.officer, &flip_a_byte(&signed)).await.unwrap().last().clone().intact);

    // Another authority of the same name did not sign the signer's certificate.
    let impostor = make_ca("CA Thử nghiệm");
    let v = signing::verify_pdf(&signed, &TrustList { authorities: vec![impostor.cert], ..Default::default() }).unwrap().last().clone();
    assert_eq!(v.trust, Trust::Unknown);

    // Removed, then added again.
    trust::remove(&t.store, &t.officer, Source::Window, &added.id).await.unwrap();
    assert_eq!(trust::verify_pdf(&t.store, &t.officer, &signed).await.unwrap().last().clone().trust, Trust::Unknown);
    assert!(trust::remove(&t.store, &t.officer, Source::Window, &added.id).await.is_err());
    trust::add(&t.store, &t.officer, Source::Window, pem.as_bytes()).await.unwrap();
    assert!(matches!(trust::verify_pdf(&t.store, &t.officer, &signed).await.unwrap().last().clone().trust, Trust::Trusted { .. }));

    let replayed = treem::store::replay(t.store.pool()).await.unwrap();
    assert_eq!(replayed.difference, None);
}

#[tokio::test]
async fn an_ecdsa_p256_signature_verifies_and_its_certificate_is_found_by_key_identifier() {
    let t = support::demo().await;
    let ca = make_ca("CA ECDSA Thử nghiệm");
    let (key, cert) = ecdsa_signer(&ca, "Lê Văn Cường");
    let p12 = signing::create_internal("Tạm", "UBND", "tạm thời", Utc::now(), 2).unwrap();
    let rsa = Identity::from_pkcs12(&p12, "tạm thời", &[]).unwrap();
    // The old form: the signature made elsewhere carries a signing time, no signing-certificate attribute.
    let signed = signing::sign_pdf(&unsigned_pdf(&t).await, &rsa, &signing::SignOptions { reason: "Ban hành văn bản", at: Utc::now(), form: signing::Form::Pkcs7 }).unwrap();
    let ecdsa = resign_with_ecdsa(&signed, &key, &cert, &ca.cert, true);

    let trusted = TrustList { authorities: vec![ca.cert.clone()], ..Default::default() };
    let v = signing::verify_pdf(&ecdsa, &trusted).unwrap().last().clone();
    assert!(v.intact, "{v:?}");
    assert_eq!(v.signer, "Lê Văn Cường");
    assert_eq!(v.trust, Trust::Trusted { authority: "CA ECDSA Thử nghiệm".into() });
    assert!(v.is_valid());
    // Named by issuer and serial number, as poppler's pdfsig needs to find the certificate.
    let by_serial = resign_with_ecdsa(&signed, &key, &cert, &ca.cert, false);
    assert!(signing::verify_pdf(&by_serial, &trusted).unwrap().last().clone().is_valid());
    assert!(pdfsig(&by_serial, "ky-ecdsa").contains("Signature is Valid."));

    // The signer's own certificate on the list is enough, too.
    let itself = TrustList { authorities: vec![cert.clone()], ..Default::default() };
    assert!(matches!(signing::verify_pdf(&ecdsa, &itself).unwrap().last().clone().trust, Trust::Trusted { .. }));
    assert_eq!(signing::verify_pdf(&ecdsa, &TrustList::default()).unwrap().last().clone().trust, Trust::Unknown);
    assert!(!signing::verify_pdf(&flip_a_byte(&ecdsa), &trusted).unwrap().last().clone().intact);
}

#[tokio::test]
async fn an_ordinary_signers_key_vouches_for_nobody() {
    // A signer holding a certificate a trusted authority issued makes, with its key, a
    // certificate in the Chairman's name and signs with it, carrying both certificates.
    let t = support::demo().await;
    let ca = make_ca("CA Thử nghiệm");
    let (holder_key, holder) = ecdsa_signer(&ca, "Công ty Bất kỳ");
    let forged_key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
    let subject = Name::from_str("CN=Chủ tịch UBND phường,O=UBND phường Thử nghiệm").unwrap();
    let profile = Profile::Leaf { issuer: holder.tbs_certificate.subject.clone(), enable_key_agreement: false, enable_key_encipherment: false };
    let spki = SubjectPublicKeyInfoOwned::from_key(*forged_key.verifying_key()).unwrap();
    let forged = CertificateBuilder::new(profile, serial(), validity(), subject, spki, &holder_key).unwrap().build::<p256::ecdsa::DerSignature>().unwrap();
    let p12 = signing::create_internal("Tạm", "UBND", "tạm thời", Utc::now(), 2).unwrap();
    let rsa = Identity::from_pkcs12(&p12, "tạm thời", &[]).unwrap();
    let signed = signing::sign_pdf(&unsigned_pdf(&t).await, &rsa, &signing::SignOptions { reason: "Ban hành văn bản", at: Utc::now(), form: signing::Form::Pkcs7 }).unwrap();
    let faked = resign_with_ecdsa(&signed, &forged_key, &forged, &holder, false);

    let trusted = TrustList { authorities: vec![ca.cert.clone()], ..Default::default() };
    let v = signing::verify_pdf(&faked, &trusted).unwrap().last().clone();
    assert!(v.intact, "the bytes match the forged key: {v:?}");
    assert_eq!(v.trust, Trust::Unknown, "{v:?}");
    assert_eq!(v.chain, ["Chủ tịch UBND phường"]);
    assert!(!v.valid && !v.verdict.contains("hợp lệ"), "{}", v.verdict);
}

#[tokio::test]
async fn a_change_appended_and_signed_by_anyone_does_not_keep_an_earlier_signature_valid() {
    let t = support::demo().await;
    let kept = certificates::create_internal(&t.store, &t.officer, Source::Window, "Võ Thùy Dương", "mat-khau-123").await.unwrap();
    let ours = certificates::identity(&t.store, &t.officer, Source::Window, &kept.id, "mat-khau-123").await.unwrap();
    let opts = signing::SignOptions { reason: "Ban hành văn bản", at: Utc::now(), form: signing::Form::Pades };
    let signed = signing::sign_pdf(&unsigned_pdf(&t).await, &ours, &opts).unwrap();
    assert!(trust::verify_pdf(&t.store, &t.officer, &signed).await.unwrap().valid);

    // A page's content replaced in an update, then signed by someone the ward does not know.
    let doc = lopdf::Document::load_mem(&signed).unwrap();
    let first = *doc.get_pages().values().next().unwrap();
    let mut inc = lopdf::IncrementalDocument::create_from(signed.clone(), doc);
    let content = inc.new_document.add_object(lopdf::Stream::new(lopdf::dictionary! {}, b"BT /F1 40 Tf 100 400 Td (SUA) Tj ET".to_vec()));
    inc.opt_clone_object_to_new_document(first).unwrap();
    inc.new_document.get_object_mut(first).unwrap().as_dict_mut().unwrap().set("Contents", content);
    let mut changed = Vec::new();
    inc.save_to(&mut changed).unwrap();
    let stranger = Identity::from_pkcs12(&signing::create_internal("Người lạ", "Nơi khác", "x-123456", Utc::now(), 2).unwrap(), "x-123456", &[]).unwrap();
    // Signed after the stranger's certificate was made (it is not valid before it was).
    let resigned = signing::sign_pdf(&changed, &stranger, &signing::SignOptions { at: Utc::now(), ..opts }).unwrap();
    let found = trust::verify_pdf(&t.store, &t.officer, &resigned).await.unwrap();
    assert_eq!(found.signatures.len(), 2);
    assert!(!found.signatures[0].intact && !found.signatures[0].valid, "{:?}", found.signatures[0]);
    assert!(!found.valid);

    // Our own second signature adds only a signature: the first stays valid.
    let again = signing::sign_pdf(&signed, &ours, &opts).unwrap();
    let found = trust::verify_pdf(&t.store, &t.officer, &again).await.unwrap();
    assert!(found.signatures[0].later_signed && found.valid, "{found:?}");
    // Even so, only a valid last signature vouches for what came before it.
    let by_stranger = signing::sign_pdf(&signed, &stranger, &signing::SignOptions { at: Utc::now(), ..opts }).unwrap();
    let found = trust::verify_pdf(&t.store, &t.officer, &by_stranger).await.unwrap();
    assert!(!found.signatures[0].valid && !found.signatures[1].valid, "{found:?}");
}

#[tokio::test]
async fn bytes_written_into_a_signatures_empty_room_make_the_file_malformed() {
    let t = support::demo().await;
    let kept = certificates::create_internal(&t.store, &t.officer, Source::Window, "Võ Thùy Dương", "mat-khau-123").await.unwrap();
    let ours = certificates::identity(&t.store, &t.officer, Source::Window, &kept.id, "mat-khau-123").await.unwrap();
    let opts = signing::SignOptions { reason: "Ban hành văn bản", at: Utc::now(), form: signing::Form::Pades };
    let signed = signing::sign_pdf(&unsigned_pdf(&t).await, &ours, &opts).unwrap();
    // The room is the CMS in hex, then zeros: a claimed time hidden in the zeros.
    let end = signed.windows(4).rposition(|w| w == b"000>").unwrap();
    let mut tampered = signed.clone();
    let fake = hex::encode_upper(b"/M(D:20200101000000+07'00')");
    tampered[end - fake.len()..end].copy_from_slice(fake.as_bytes());
    assert_eq!(signing::verify_pdf(&tampered, &TrustList::default()), Err(signing::VerifyError::Malformed));
    // Not even hex.
    let mut tampered = signed.clone();
    tampered[end] = b'G';
    assert_eq!(signing::verify_pdf(&tampered, &TrustList::default()), Err(signing::VerifyError::Malformed));
}
