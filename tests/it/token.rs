//! Signing through a USB token's PKCS#11 library, with SoftHSM2 standing in for the token
//! (`scripts/test-token` puts a test CA's signers on it): PAdES that `pdfsig` accepts, RSA and
//! ECDSA keys, a wrong PIN refused with nothing written, a second signature that keeps the
//! first valid, the chain up to a root on the trust list, and the command line.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use treem::documents::register::{self, DocStatus, Kind};
use treem::plan::reporting::ReportPeriod;
use treem::signing::{Form, SignError, Trust};
use treem::token::PinTries;
use treem::{certificates, plan, trust, Source};

use crate::documents::pdfsig;
use crate::support::{self, PASSWORD};

pub const PIN: &str = "123456";
pub const RSA_SIGNER: &str = "a1";
pub const ECDSA_SIGNER: &str = "e1";

/// The SoftHSM2 token of this test run: its library and the folder holding the test root CA.
pub struct TestToken {
    pub module: PathBuf,
    pub dir: PathBuf,
}

/// Makes the token once per run, before the library is first loaded in this process (SoftHSM2
/// reads its configuration when it is loaded).
pub fn token() -> &'static TestToken {
    static TOKEN: OnceLock<TestToken> = OnceLock::new();
    TOKEN.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("treem-token-{}", std::process::id()));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/test-token");
        let out = Command::new("bash").arg(&script).arg(&dir).output().expect("bash runs");
        assert!(out.status.success(), "scripts/test-token (needs softhsm2, opensc, openssl): {}", String::from_utf8_lossy(&out.stderr));
        std::env::set_var("SOFTHSM2_CONF", dir.join("softhsm2.conf"));
        let module = PathBuf::from(std::env::var("TREEM_SOFTHSM_MODULE").unwrap_or_else(|_| "/usr/lib/softhsm/libsofthsm2.so".into()));
        TestToken { module, dir }
    })
}

/// A demo ward whose trust list holds the test root CA.
async fn ward_trusting_the_test_ca() -> support::TempStore {
    let t = support::demo().await;
    let root = std::fs::read(token().dir.join("root.crt")).unwrap();
    trust::add(&t.store, &t.officer, Source::Window, &root).await.unwrap();
    t
}

async fn report_draft(t: &support::TempStore) -> String {
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    register::create_draft(&t.store, &t.officer, Source::Window, Kind::Report, &p.id, Some(ReportPeriod::Half), None, None).await.unwrap().id
}

#[tokio::test]
async fn the_token_lists_its_certificates_with_owner_issuer_and_validity() {
    let t = support::demo().await;
    let list = certificates::on_token(&t.officer, &token().module).await.unwrap();
    let ids: Vec<&str> = list.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["a1", "e1", "c1"], "signers first, the authority kept for the chain last");
    let rsa = &list[0];
    assert_eq!((rsa.owner.as_str(), rsa.issuer.as_str()), ("Nguyễn Văn Hùng", "CA cấp 2 thử nghiệm"));
    assert_eq!(rsa.organisation.as_deref(), Some("UBND phường Nguyễn Nghiêm"));
    assert!(rsa.can_sign && rsa.valid_now && !rsa.authority);
    assert!(rsa.validity.contains(" – ") && rsa.validity.len() >= 23, "{}", rsa.validity);
    assert!(list[2].authority && !list[2].can_sign);
    assert!(matches!(certificates::on_token(&t.officer, Path::new("/khong/co/token.so")).await, Err(treem::Error::Sign(SignError::TokenModule(_)))));
}

#[tokio::test]
async fn a_report_signed_on_the_token_is_pades_and_pdfsig_finds_it_valid_and_total() {
    let t = ward_trusting_the_test_ca().await;
    let draft = report_draft(&t).await;
    let signer = certificates::token_identity(&t.store, &t.officer, &token().module, RSA_SIGNER, PIN).await.unwrap();
    assert_eq!(signer.name, "Nguyễn Văn Hùng");
    assert_eq!(signer.chain_len(), 2, "the intermediate from the token and the root from the trust list");
    let doc = register::issue(&t.store, &t.officer, Source::Window, &draft, treem::today_in_vietnam(), Some(&signer)).await.unwrap();
    drop(signer);
    assert_eq!(doc.signed_by.as_deref(), Some("Nguyễn Văn Hùng"));
    let pdf = register::pdf(&t.store, &t.officer, &doc.id).await.unwrap();
    let text = String::from_utf8_lossy(&pdf);
    assert!(text.contains("/SubFilter /ETSI.CAdES.detached") || text.contains("/SubFilter/ETSI.CAdES.detached"));
    let sig = pdfsig(&pdf, "token-rsa-pades");
    assert!(sig.contains("Signature Type: ETSI.CAdES.detached"), "{sig}");
    assert!(sig.contains("Total document signed") && sig.contains("Signature is Valid."), "{sig}");
    assert!(sig.contains("Nguyễn Văn Hùng"), "{sig}");

    let found = trust::verify_pdf(&t.store, &t.officer, &pdf).await.unwrap();
    assert_eq!(found.signatures.len(), 1);
    let v = found.last();
    assert!(v.intact && v.whole_file && v.valid, "{v:?}");
    assert!(v.form.starts_with("PAdES"));
    assert_eq!(v.chain, ["Nguyễn Văn Hùng", "CA cấp 2 thử nghiệm", "Root CA thử nghiệm"]);
    assert_eq!(v.trust, Trust::Trusted { authority: "Root CA thử nghiệm".into() });
    assert_eq!(v.valid_at_signing, Some(true), "the time of a PAdES signature is read from the signature dictionary");
    assert!(v.verdict.starts_with("Chữ ký hợp lệ"), "{}", v.verdict);

    // Without the root on the trust list the same file is intact but nobody vouches for it.
    let other = support::demo().await;
    let v = trust::verify_pdf(&other.store, &other.officer, &pdf).await.unwrap().last().clone();
    assert!(v.intact && !v.valid && v.trust == Trust::Unknown, "{v:?}");
}

#[tokio::test]
async fn an_ecdsa_key_on_the_token_signs_and_the_old_form_still_works() {
    let t = ward_trusting_the_test_ca().await;
    certificates::set_signature_form(&t.store, &t.officer, Form::Pkcs7).await.unwrap();
    let draft = report_draft(&t).await;
    let signer = certificates::token_identity(&t.store, &t.officer, &token().module, ECDSA_SIGNER, PIN).await.unwrap();
    let doc = register::issue(&t.store, &t.officer, Source::Window, &draft, treem::today_in_vietnam(), Some(&signer)).await.unwrap();
    let pdf = register::pdf(&t.store, &t.officer, &doc.id).await.unwrap();
    let sig = pdfsig(&pdf, "token-ecdsa-pkcs7");
    assert!(sig.contains("Signature Type: adbe.pkcs7.detached") && sig.contains("Signature is Valid."), "{sig}");
    let v = trust::verify_pdf(&t.store, &t.officer, &pdf).await.unwrap().last().clone();
    assert!(v.valid && v.form.starts_with("PKCS#7") && v.signer == "Võ Thùy Dương", "{v:?}");
}

#[tokio::test]
async fn a_wrong_pin_is_refused_and_nothing_is_written() {
    let t = support::demo().await;
    let draft = report_draft(&t).await;
    let before = support::row_counts(&t.store).await;
    let err = certificates::token_identity(&t.store, &t.officer, &token().module, RSA_SIGNER, "000000").await.err().expect("refused");
    let treem::Error::Sign(SignError::WrongPin(tries)) = &err else { panic!("{err:?}") };
    assert_ne!(*tries, PinTries::LastOne, "SoftHSM2 never counts down to a last try");
    assert_eq!(err.payload().field.as_deref(), Some("pin"));
    assert!(err.to_string().starts_with("Mã PIN không đúng"), "{err}");
    let empty = certificates::token_identity(&t.store, &t.officer, &token().module, RSA_SIGNER, "").await.err().expect("refused");
    assert!(matches!(empty, treem::Error::Sign(SignError::NoPin)) && empty.payload().field.as_deref() == Some("pin"));
    assert!(matches!(
        certificates::token_identity(&t.store, &t.officer, &token().module, "ff", PIN).await,
        Err(treem::Error::Sign(SignError::CertificateNotOnToken(_)))
    ));
    assert_eq!(support::row_counts(&t.store).await, before, "nothing written");
    assert_eq!(register::get(&t.store, &t.officer, &draft).await.unwrap().status, DocStatus::Draft);
    // The right PIN after a wrong one still signs.
    assert!(certificates::token_identity(&t.store, &t.officer, &token().module, RSA_SIGNER, PIN).await.is_ok());
}

#[tokio::test]
async fn a_second_signature_keeps_the_first_valid() {
    let t = ward_trusting_the_test_ca().await;
    let draft = report_draft(&t).await;
    let officer = certificates::token_identity(&t.store, &t.officer, &token().module, ECDSA_SIGNER, PIN).await.unwrap();
    let doc = register::issue(&t.store, &t.officer, Source::Window, &draft, treem::today_in_vietnam(), Some(&officer)).await.unwrap();
    let first = register::pdf(&t.store, &t.officer, &doc.id).await.unwrap();
    let chairman = certificates::token_identity(&t.store, &t.officer, &token().module, RSA_SIGNER, PIN).await.unwrap();
    let doc = register::add_signature(&t.store, &t.officer, Source::Window, &doc.id, &chairman).await.unwrap();
    assert_eq!(doc.signed_by.as_deref(), Some("Võ Thùy Dương; Nguyễn Văn Hùng"));
    let both = register::pdf(&t.store, &t.officer, &doc.id).await.unwrap();
    assert_eq!(&both[..first.len()], &first[..], "an incremental update: the first signed file is left as it was");

    let sig = pdfsig(&both, "token-hai-chu-ky");
    assert_eq!(sig.matches("Signature is Valid.").count(), 2, "{sig}");
    assert_eq!(sig.matches("Total document signed").count(), 1, "{sig}");
    let found = trust::verify_pdf(&t.store, &t.officer, &both).await.unwrap();
    assert_eq!(found.signatures.iter().map(|v| v.signer.as_str()).collect::<Vec<_>>(), ["Võ Thùy Dương", "Nguyễn Văn Hùng"]);
    assert!(found.valid, "{found:?}");
    assert!(found.signatures[0].later_signed && !found.signatures[0].whole_file);
    assert!(found.signatures[0].facts[0].contains("người ký sau"), "{:?}", found.signatures[0].facts);
    assert_eq!(found.verdict, "Cả 2 chữ ký số đều hợp lệ.");

    // A byte changed in what the first signed breaks both; bytes appended after the last
    // signature are signed by nobody, so neither stands.
    let mut tampered = both.clone();
    tampered[first.len() / 2] ^= 1;
    let broken = trust::verify_pdf(&t.store, &t.officer, &tampered).await.unwrap();
    assert!(broken.signatures.iter().all(|v| !v.intact) && !broken.valid);
    let mut appended = both.clone();
    appended.extend_from_slice(b"\n% added later\n");
    let after = trust::verify_pdf(&t.store, &t.officer, &appended).await.unwrap();
    assert!(after.signatures.iter().all(|v| !v.intact), "{after:?}");

    // A draft cannot be signed this way.
    let draft = report_draft(&t).await;
    assert!(matches!(register::add_signature(&t.store, &t.officer, Source::Window, &draft, &chairman).await, Err(treem::Error::Invalid(_))));
}

#[test]
fn the_command_line_lists_the_token_signs_a_report_with_it_and_verifies_each_signature() {
    let module = token().module.display().to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let t = rt.block_on(ward_trusting_the_test_ca());
    let db = t.db_path();
    let run = |args: &[&str], pin: &str| {
        Command::new(env!("CARGO_BIN_EXE_treem"))
            .args(args)
            .env("SOFTHSM2_CONF", token().dir.join("softhsm2.conf"))
            .env("TREEM_USER", "canbo")
            .env("TREEM_PASSWORD", PASSWORD)
            .env("TREEM_TOKEN_PIN", pin)
            .output()
            .unwrap()
    };
    let out = run(&["token", "list", "--module", &module, "--json"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["id"], "a1");
    assert_eq!(list[0]["owner"], "Nguyễn Văn Hùng");
    assert_eq!(list[0]["issuer"], "CA cấp 2 thử nghiệm");
    assert!(list[0]["not_after"].as_str().is_some());

    let pdf = t.dir.path().join("bao-cao.pdf");
    let (db, pdf_s) = (db.display().to_string(), pdf.display().to_string());
    let report = ["doc", "report", "--db", &db, "--period", "half", "--year", "2024", "--out", &pdf_s, "--issue", "--token-module", &module, "--token-cert", "a1"];
    let refused = run(&report, "111111");
    assert!(!refused.status.success() && !pdf.exists());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("Mã PIN không đúng"));
    let out = run(&report, PIN);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(pdfsig(&std::fs::read(&pdf).unwrap(), "token-cli").contains("Signature is Valid."));

    let out = run(&["verify", "--db", &db, &pdf_s, "--json"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], true);
    let s = &v["signatures"][0];
    assert_eq!((s["intact"].as_bool(), s["valid_at_signing"].as_bool()), (Some(true), Some(true)));
    assert_eq!(s["trust"]["authority"], "Root CA thử nghiệm");
    assert_eq!(s["facts"].as_array().unwrap().len(), 3);
    let text = String::from_utf8(run(&["verify", "--db", &db, &pdf_s], "").stdout).unwrap();
    assert!(text.contains("Chữ ký 1 (PAdES") && text.contains("Kết luận: Chữ ký hợp lệ"), "{text}");
}

/// The words of a PDF's first page with their boxes, as `pdftotext -bbox` gives them.
fn words_on_first_page(pdf: &[u8], name: &str) -> Vec<(String, f32, f32, f32, f32)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts").join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let png = Command::new("pdftoppm").args(["-r", "60", "-png", "-f", "1", "-l", "1"]).arg(&path).arg(path.with_extension("")).status().unwrap();
    assert!(png.success());
    let out = Command::new("pdftotext").args(["-bbox", "-f", "1", "-l", "1"]).arg(&path).arg("-").output().unwrap();
    let html = String::from_utf8(out.stdout).unwrap();
    let re = regex::Regex::new(r#"<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>"#).unwrap();
    re.captures_iter(&html).map(|c| (c[5].to_owned(), c[1].parse().unwrap(), c[2].parse().unwrap(), c[3].parse().unwrap(), c[4].parse().unwrap())).collect()
}

#[tokio::test]
async fn attachments_are_stamped_top_right_with_number_and_signing_time_and_signed_with_the_document() {
    use treem::documents::attachments;
    use treem::files::Upload;
    let t = ward_trusting_the_test_ca().await;
    let draft = report_draft(&t).await;
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    let annex = treem::documents::plan_pdf(&t.store, &t.officer, &p.id).await.unwrap();
    let upload = Upload::Bytes { name: "phu-luc.pdf", bytes: &annex };
    let added = attachments::add(&t.store, &t.officer, Source::Window, &draft, upload, "Phụ lục: Kế hoạch năm 2024").await.unwrap();
    let wrong = attachments::add(&t.store, &t.officer, Source::Window, &draft, Upload::Bytes { name: "x.pdf", bytes: b"%PDF-1.4 not really" }, "Hỏng").await;
    assert!(matches!(wrong, Err(treem::Error::Invalid(ref i)) if i.field == "file"), "{wrong:?}");
    let extra = attachments::add(&t.store, &t.officer, Source::Window, &draft, upload, "Bỏ ra").await.unwrap();
    attachments::remove(&t.store, &t.officer, Source::Window, &extra.id).await.unwrap();
    assert_eq!(attachments::list(&t.store, &t.officer, &draft).await.unwrap().iter().map(|a| a.title.as_str()).collect::<Vec<_>>(), ["Phụ lục: Kế hoạch năm 2024"]);

    let signer = certificates::token_identity(&t.store, &t.officer, &token().module, RSA_SIGNER, PIN).await.unwrap();
    let doc = register::issue(&t.store, &t.officer, Source::Window, &draft, treem::today_in_vietnam(), Some(&signer)).await.unwrap();
    let listed = attachments::list(&t.store, &t.officer, &doc.id).await.unwrap();
    assert!(listed[0].issued);
    let (name, stamped) = attachments::pdf(&t.store, &t.officer, &added.id).await.unwrap();
    assert_eq!(name, "phu-luc.pdf");
    assert!(stamped.len() > annex.len());

    // Number, symbol and signing time, 10 pt, at the top right of page 1.
    let words = words_on_first_page(&stamped, "van-ban-kem-theo");
    let number = format!("{:02}/BC-UBND", doc.number.unwrap());
    let at = |w: &str| words.iter().find(|x| x.0 == w).unwrap_or_else(|| panic!("{w} not on page 1: {words:?}")).clone();
    let (_, x_min, y_min, _, y_max) = at(&number);
    assert!(x_min > 595.0 / 2.0 && y_max < 50.0, "top right: {x_min} {y_min}");
    assert!((8.0..=13.0).contains(&(y_max - y_min)), "10 pt: {}", y_max - y_min);
    let time = words.iter().find(|w| w.0.starts_with(&treem::today_in_vietnam().format("%Y-%m-%dT").to_string())).expect("the signing time");
    assert!(time.0.ends_with("+07:00") && time.1 > 595.0 / 2.0, "{time:?}");
    assert!(words.iter().any(|w| w.0 == "UBND"), "the attachment's own first page is still there");
    assert_eq!(lopdf::Document::load_mem(&stamped).unwrap().get_pages().len(), lopdf::Document::load_mem(&annex).unwrap().get_pages().len());

    let sig = pdfsig(&stamped, "van-ban-kem-theo-ky");
    assert!(sig.contains("Signature is Valid.") && sig.contains("Total document signed"), "{sig}");
    assert!(trust::verify_pdf(&t.store, &t.officer, &stamped).await.unwrap().valid);
    // Once issued, the list is closed.
    assert!(attachments::add(&t.store, &t.officer, Source::Window, &doc.id, upload, "Muộn").await.is_err());
    assert!(attachments::remove(&t.store, &t.officer, Source::Window, &added.id).await.is_err());

    // A file already signed is refused: writing the number on it would void its signature.
    let other = report_draft(&t).await;
    let signed = register::pdf(&t.store, &t.officer, &doc.id).await.unwrap();
    let refused = attachments::add(&t.store, &t.officer, Source::Window, &other, Upload::Bytes { name: "da-ky.pdf", bytes: &signed }, "Đã ký").await;
    assert!(matches!(refused, Err(treem::Error::Invalid(ref i)) if i.message.contains("đã có chữ ký số")), "{refused:?}");

    // The Chairman's signature goes on the attachments too, after the officer's.
    let chairman = certificates::token_identity(&t.store, &t.officer, &token().module, ECDSA_SIGNER, PIN).await.unwrap();
    register::add_signature(&t.store, &t.officer, Source::Window, &doc.id, &chairman).await.unwrap();
    let (_, twice) = attachments::pdf(&t.store, &t.officer, &added.id).await.unwrap();
    assert_eq!(&twice[..stamped.len()], &stamped[..]);
    let found = trust::verify_pdf(&t.store, &t.officer, &twice).await.unwrap();
    assert_eq!(found.signatures.len(), 2);
    assert!(found.valid, "{found:?}");
}
