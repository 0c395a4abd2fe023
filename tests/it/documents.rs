//! Documents: the text comes back exact from pdftotext, every font is embedded and subset, qpdf
//! finds no error, signatures satisfy pdfsig, the register numbers and freezes what it issues.
//! Rendered pages are kept in `artifacts/` to be looked at.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{Duration, Utc};
use treem::documents::register::{self, DraftEdits, Kind, Narrative};
use treem::plan::reporting::ReportPeriod;
use treem::signing::{self, Identity};
use treem::{plan, Source};
use unicode_normalization::UnicodeNormalization;

use crate::support;

fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes the PDF to artifacts/NAME.pdf, renders its pages to PNG there, and checks it with
/// qpdf and pdffonts. Returns the text pdftotext gives back, whitespace collapsed.
pub(crate) fn check_pdf(name: &str, bytes: &[u8]) -> String {
    check_sheets(name, bytes, true)
}

/// [`check_pdf`] of sheets that are not a document's numbered pages (certificates) when
/// `numbered` is false.
pub(crate) fn check_sheets(name: &str, bytes: &[u8], numbered: bool) -> String {
    let path = artifacts().join(format!("{name}.pdf"));
    std::fs::write(&path, bytes).unwrap();
    let qpdf = Command::new("qpdf").arg("--check").arg(&path).output().expect("qpdf is installed");
    assert!(qpdf.status.success(), "qpdf --check {name}: {}", String::from_utf8_lossy(&qpdf.stdout));
    let fonts = Command::new("pdffonts").arg(&path).output().expect("pdffonts is installed");
    let fonts = String::from_utf8(fonts.stdout).unwrap();
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{name} has fonts");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let n = cols.len();
        assert_eq!(&cols[n - 5..n - 2], ["yes", "yes", "yes"], "{name}: embedded, subset, unicode: {row}");
        assert!(cols[0].contains("+LiberationSerif"), "{row}");
    }
    let png = Command::new("pdftoppm").args(["-r", "50", "-png"]).arg(&path).arg(artifacts().join(name)).status().expect("pdftoppm");
    assert!(png.success());
    let text = Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext is installed");
    let text = String::from_utf8(text.stdout).expect("UTF-8 text");
    assert_eq!(text, text.nfc().collect::<String>(), "{name}: extracted text is NFC");
    // Pages after the first open with their number: check it, then read on across the break.
    let pages: Vec<&str> = text.split('\u{c}').filter(|p| !p.trim().is_empty()).collect();
    let mut body = String::new();
    for (i, page) in pages.iter().enumerate() {
        let mut lines = page.lines().skip_while(|l| l.trim().is_empty()).peekable();
        if i > 0 && numbered {
            assert_eq!(lines.peek().map(|l| l.trim()), Some((i + 1).to_string().as_str()), "{name}: page {} is numbered", i + 1);
            lines.next();
        }
        body.extend(lines.map(|l| format!("{l}\n")));
    }
    collapse(&body)
}

pub(crate) fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(crate) fn pdfsig(bytes: &[u8], name: &str) -> String {
    let path = artifacts().join(format!("{name}.pdf"));
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("pdfsig").arg(&path).output().expect("pdfsig is installed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn identity(valid_from: chrono::DateTime<Utc>, days: u32) -> (Vec<u8>, Identity) {
    let p12 = signing::create_internal("Võ Thùy Dương", "UBND phường Nguyễn Nghiêm", "mật khẩu", valid_from, days).unwrap();
    let id = Identity::from_pkcs12(&p12, "mật khẩu", &[]).unwrap();
    (p12, id)
}

#[tokio::test]
async fn the_plan_prints_with_every_word_of_the_seed() {
    let t = support::demo().await;
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    let text = check_pdf("ke-hoach", &treem::documents::plan_pdf(&t.store, &t.officer, &p.id).await.unwrap());
    for needle in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN",
        "PHƯỜNG NGUYỄN NGHIÊM",
        "KẾ HOẠCH",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Võ Thùy Dương",
        "Nơi nhận:",
    ] {
        assert!(text.contains(needle), "missing {needle}");
    }
    let tree = plan::tree(&t.store, &t.officer, &p.id).await.unwrap();
    for n in &tree.nodes {
        assert!(text.contains(&collapse(&n.text)), "missing: {}", n.text);
    }
    for r in serde_json::from_str::<Vec<String>>(&p.recipients).unwrap() {
        assert!(text.contains(&format!("- {r}")), "missing recipient {r}");
    }
    // The seed's bold theme and italic deadlines are printed so.
    let runs: Vec<treem::pdf::Run> = treem::documents::plan_blocks(&t.store, &t.officer, &p.id)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|b| if let treem::pdf::Block::Paragraph(p) = b { Some(p.runs) } else { None })
        .flatten()
        .collect();
    let styled = |text: &str, style: treem::pdf::Style| runs.iter().any(|r| r.text == text && r.style == style);
    assert!(styled("“Hành động thiết thực, ưu tiên nguồn lực cho trẻ em”", treem::pdf::Style::Bold));
    assert!(styled("trước ngày 19/5/2024", treem::pdf::Style::Italic));
}

#[tokio::test]
async fn a_signed_report_is_numbered_registered_valid_and_frozen() {
    let t = support::demo().await;
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    let (_, id) = identity(Utc::now(), 30);
    let draft = register::create_draft(&t.store, &t.officer, Source::Window, Kind::Report, &p.id, Some(ReportPeriod::Half), None, None).await.unwrap();
    assert!(draft.narrative.results.contains("phần việc"), "drafted from the records");
    let edits = DraftEdits {
        summary: draft.summary.clone(),
        narrative: Narrative {
            results: "Đã tổ chức Tháng hành động vì trẻ em với nhiều hoạt động thiết thực.".into(),
            shortcomings: "Một số đơn vị gửi báo cáo chậm.".into(),
            proposals: "Đề nghị UBND thành phố hỗ trợ kinh phí tập huấn.".into(),
        },
        recipients: draft.recipients.clone(),
    };
    register::save_draft(&t.store, &t.officer, Source::Window, &draft.id, &edits).await.unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2024, 5, 18).unwrap();
    let issued = register::issue(&t.store, &t.officer, Source::Window, &draft.id, day, Some(&id)).await.unwrap();
    assert_eq!(issued.number, Some(1));
    assert_eq!(issued.signed_by.as_deref(), Some("Võ Thùy Dương"));

    let bytes = register::pdf(&t.store, &t.officer, &issued.id).await.unwrap();
    let text = check_pdf("bao-cao-6-thang", &bytes);
    for needle in [
        "Số: 01/BC-UBND",
        "Phường Nguyễn Nghiêm, ngày 18 tháng 5 năm 2024",
        "BÁO CÁO",
        "Kết quả thực hiện Kế hoạch công tác trẻ em 6 tháng đầu năm 2024",
        "Đã tổ chức Tháng hành động vì trẻ em với nhiều hoạt động thiết thực.",
        "Một số đơn vị gửi báo cáo chậm.",
        "Đề nghị UBND thành phố hỗ trợ kinh phí tập huấn.",
        "Ký số bởi: Võ Thùy Dương",
    ] {
        assert!(text.contains(needle), "missing {needle}");
    }
    let sig = pdfsig(&bytes, "bao-cao-6-thang");
    assert!(sig.contains("Signature is Valid."), "{sig}");
    assert!(sig.contains("Total document signed"), "{sig}");
    assert!(sig.contains("ETSI.CAdES.detached") && sig.contains("SHA-256"), "{sig}");
    let ours = signing::TrustList { ward_certificates: vec![id.fingerprint()], ..Default::default() };
    let v = signing::verify_pdf(&bytes, &ours).unwrap().last().clone();
    assert!(v.is_valid() && v.trust == signing::Trust::Internal, "{v:?}");
    assert_eq!(v.signer, "Võ Thùy Dương");

    // The PDF says what it is, and when it was made: the day of issue, not 1970.
    let info = Command::new("pdfinfo").arg("-rawdates").arg(artifacts().join("bao-cao-6-thang.pdf")).output().expect("pdfinfo");
    let info = String::from_utf8_lossy(&info.stdout).into_owned();
    let field = |name: &str| info.lines().find_map(|l| l.strip_prefix(&format!("{name}:")).map(|v| v.trim().to_owned())).unwrap_or_default();
    assert_eq!(field("Title"), issued.summary, "{info}");
    assert_eq!(field("Author"), "Phường Nguyễn Nghiêm", "{info}");
    assert_eq!(field("Producer"), "Công tác Trẻ em", "{info}");
    assert_eq!(field("Creator"), "Công tác Trẻ em", "{info}");
    // Stored in UTC: 18/5 in Vietnam is 17/5 or 18/5 in UTC.
    for date in ["CreationDate", "ModDate"] {
        assert!(field(date).starts_with("D:2024051"), "{date}: {info}");
    }

    // One changed byte breaks it, for pdfsig and for us.
    let mut tampered = bytes.clone();
    let at = tampered.len() / 3;
    tampered[at] ^= 0x01;
    assert!(!pdfsig(&tampered, "bao-cao-sua").contains("Signature is Valid."));
    let broken = signing::verify_pdf(&tampered, &ours).unwrap().last().clone();
    assert!(!broken.intact && !broken.is_valid(), "{broken:?}");

    // Frozen: reprints identically and refuses edits.
    assert_eq!(register::pdf(&t.store, &t.officer, &issued.id).await.unwrap(), bytes);
    let err = register::save_draft(&t.store, &t.officer, Source::Window, &issued.id, &edits).await.unwrap_err();
    assert!(err.to_string().contains("không sửa được"), "{err}");
    assert!(register::issue(&t.store, &t.officer, Source::Window, &issued.id, day, None).await.is_err());

    // The next document of the year takes the next number.
    let plan_doc = register::create_draft(&t.store, &t.officer, Source::Window, Kind::Plan, &p.id, None, None, None).await.unwrap();
    let second = register::issue(&t.store, &t.officer, Source::Window, &plan_doc.id, day, None).await.unwrap();
    assert_eq!(second.number, Some(2));
    let book = register::register(&t.store, &t.officer, 2024).await.unwrap();
    assert_eq!(book.iter().map(|d| d.number).collect::<Vec<_>>(), [Some(1), Some(2)]);

    // Delivery list of the report: one row per recipient but the archive, with room to sign.
    let list = register::create_draft(&t.store, &t.officer, Source::Window, Kind::Delivery, &p.id, None, Some(&issued.id), None).await.unwrap();
    let text = check_pdf("danh-sach-giao-nhan", &register::pdf(&t.store, &t.officer, &list.id).await.unwrap());
    assert!(text.contains("DANH SÁCH GIAO NHẬN VĂN BẢN"));
    assert!(text.contains("Người nhận ký, ghi rõ họ tên"));
    assert!(text.contains("UBND thành phố") && !text.contains("Lưu: VT"));
}

#[tokio::test]
async fn the_progress_table_lists_every_activity_and_unit() {
    let t = support::demo().await;
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    let tree = plan::tree(&t.store, &t.officer, &p.id).await.unwrap();
    let doc = register::create_draft(&t.store, &t.officer, Source::Window, Kind::Progress, &p.id, None, None, None).await.unwrap();
    let bytes = register::pdf(&t.store, &t.officer, &doc.id).await.unwrap();
    let text = check_pdf("bang-theo-doi", &bytes);
    assert!(text.contains("BẢNG THEO DÕI TIẾN ĐỘ"));
    assert!(text.contains(&format!(" {} ", tree.assignments.len())), "the last row number is there");
    let pages = Command::new("pdfinfo").arg(artifacts().join("bang-theo-doi.pdf")).output().unwrap();
    let info = String::from_utf8_lossy(&pages.stdout);
    let n: usize = info.lines().find(|l| l.starts_with("Pages:")).unwrap().split_whitespace().last().unwrap().parse().unwrap();
    assert!(n >= 3, "a long multi-page table: {n} pages");
    assert!(info.contains("841.89 x 595.276"), "a wide table on landscape A4: {info}");
    assert!(text.contains("Văn hóa - Xã hội"), "a unit's name is not split in a narrow column");
}

#[tokio::test]
async fn bad_certificates_and_narratives_issue_nothing() {
    let t = support::demo().await;
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    let (p12, _) = identity(Utc::now(), 30);
    assert!(matches!(Identity::from_pkcs12(&p12, "sai mật khẩu", &[]), Err(signing::SignError::WrongPassword)));
    assert!(matches!(Identity::from_pkcs12(b"%PDF-1.7 not a certificate", "x", &[]), Err(signing::SignError::NotPkcs12)));

    let draft = register::create_draft(&t.store, &t.officer, Source::Window, Kind::Report, &p.id, Some(ReportPeriod::Year), None, None).await.unwrap();
    let before = support::row_counts(&t.store).await;
    let day = chrono::NaiveDate::from_ymd_opt(2024, 11, 15).unwrap();

    let (_, expired) = identity(Utc::now() - Duration::days(400), 30);
    let err = register::issue(&t.store, &t.officer, Source::Window, &draft.id, day, Some(&expired)).await.unwrap_err();
    assert_eq!(err.code(), treem::ErrorCode::Certificate);
    assert!(err.to_string().contains("hết hạn"), "{err}");
    assert_eq!(support::row_counts(&t.store).await, before, "nothing issued half-way");

    let fifty_pages = "Nội dung báo cáo dài. ".repeat(8_000);
    let edits = DraftEdits { summary: draft.summary.clone(), narrative: Narrative { results: fifty_pages, ..Default::default() }, recipients: vec![] };
    let err = register::save_draft(&t.store, &t.officer, Source::Window, &draft.id, &edits).await.unwrap_err();
    assert_eq!(err.code(), treem::ErrorCode::InvalidInput);
    assert!(err.to_string().contains("60.000 ký tự"), "{err}");
    assert_eq!(support::row_counts(&t.store).await, before);

    // A single word longer than a line is broken, not lost.
    let word = "Trẻem".repeat(60);
    let edits = DraftEdits { summary: draft.summary.clone(), narrative: Narrative { results: word.clone(), ..Default::default() }, recipients: vec![] };
    register::save_draft(&t.store, &t.officer, Source::Window, &draft.id, &edits).await.unwrap();
    let text = check_pdf("bao-cao-tu-dai", &register::pdf(&t.store, &t.officer, &draft.id).await.unwrap());
    assert!(text.replace(' ', "").contains(&word));

    assert_eq!(signing::verify_pdf(b"%PDF-1.7\n1 0 obj", &signing::TrustList::default()), Err(signing::VerifyError::NotPdf));
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    let unsigned = treem::documents::plan_pdf(&t.store, &t.officer, &p.id).await.unwrap();
    assert_eq!(signing::verify_pdf(&unsigned, &signing::TrustList::default()), Err(signing::VerifyError::Unsigned));
}

#[tokio::test]
async fn a_signed_document_carries_the_seal_and_the_signature_image() {
    let t = support::demo().await;
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    let seal = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seal.png")).unwrap();
    let signature = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/signature.png")).unwrap();
    let err = treem::ward::set_seal(&t.store, &t.officer, Source::Window, "dau.jpg", b"\xff\xd8\xff not a png").await.unwrap_err();
    assert!(err.to_string().contains("PNG"), "{err}");
    // A PNG cut short: its signature and header are right, its image data is not.
    let before = support::row_counts(&t.store).await;
    let cut = &seal[..seal.len() / 2];
    assert!(treem::pdf::Picture::png_size(cut).is_some(), "the header survives");
    let err = treem::ward::set_seal(&t.store, &t.officer, Source::Window, "con-dau.png", cut).await.unwrap_err();
    assert_eq!(err.code(), treem::ErrorCode::InvalidInput);
    assert!(err.to_string().contains("bị hỏng"), "{err}");
    let signer = treem::ward::signers(&t.store, &t.officer).await.unwrap().remove(0);
    let err = treem::ward::set_signature_image(&t.store, &t.officer, Source::Window, &signer.id, "chu-ky.png", &signature[..signature.len() - 40]).await.unwrap_err();
    assert!(err.to_string().contains("chữ ký bị hỏng"), "{err}");
    assert_eq!(support::row_counts(&t.store).await, before, "nothing kept");
    treem::ward::set_seal(&t.store, &t.officer, Source::Window, "con-dau.png", &seal).await.unwrap();
    let signer = treem::ward::signers(&t.store, &t.officer).await.unwrap().remove(0);
    treem::ward::set_signature_image(&t.store, &t.officer, Source::Window, &signer.id, "chu-ky.png", &signature).await.unwrap();
    assert!(treem::ward::signers(&t.store, &t.officer).await.unwrap()[0].has_signature_image);

    let (_, id) = identity(Utc::now(), 30);
    let draft = register::create_draft(&t.store, &t.officer, Source::Window, Kind::Plan, &p.id, None, None, None).await.unwrap();
    let issued = register::issue(&t.store, &t.officer, Source::Window, &draft.id, chrono::NaiveDate::from_ymd_opt(2024, 4, 8).unwrap(), Some(&id)).await.unwrap();
    let bytes = register::pdf(&t.store, &t.officer, &issued.id).await.unwrap();
    let text = check_pdf("ke-hoach-ky-so", &bytes);
    assert!(text.contains("Số: 01/KH-UBND") && text.contains("ngày 08 tháng 4 năm 2024"));
    let list = Command::new("pdfimages").arg("-list").arg(artifacts().join("ke-hoach-ky-so.pdf")).output().expect("pdfimages");
    let list = String::from_utf8_lossy(&list.stdout);
    let images = list.lines().skip(2).filter(|l| l.split_whitespace().nth(2) == Some("image")).count();
    assert_eq!(images, 2, "the seal and the signature: {list}");
    assert!(pdfsig(&bytes, "ke-hoach-ky-so").contains("Signature is Valid."));
}

#[tokio::test]
async fn a_small_png_that_declares_a_huge_picture_is_refused_before_decoding() {
    let t = support::demo().await;
    let mut png = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seal.png")).unwrap();
    // Width and height in the IHDR chunk: 50,000 × 50,000 pixels, gigabytes once decoded.
    png[16..20].copy_from_slice(&50_000u32.to_be_bytes());
    png[20..24].copy_from_slice(&50_000u32.to_be_bytes());
    let before = support::row_counts(&t.store).await;
    let err = treem::ward::set_seal(&t.store, &t.officer, Source::Window, "dau.png", &png).await.unwrap_err();
    assert!(err.to_string().contains("50000×50000"), "{err}");
    assert_eq!(support::row_counts(&t.store).await, before);
}

#[tokio::test]
async fn a_document_says_what_can_be_done_with_it() {
    let t = support::demo().await;
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    let draft = register::create_draft(&t.store, &t.officer, Source::Window, Kind::Report, &p.id, Some(ReportPeriod::Half), None, None).await.unwrap();
    assert!(draft.can.issue && draft.can.write_sections && !draft.can.verify && !draft.can.delivery_list);
    let progress = register::create_draft(&t.store, &t.officer, Source::Window, Kind::Progress, &p.id, None, None, None).await.unwrap();
    assert!(!progress.can.issue && !progress.can.write_sections, "the progress table is not numbered");
    let issued = register::issue(&t.store, &t.officer, Source::Window, &draft.id, chrono::NaiveDate::from_ymd_opt(2024, 7, 1).unwrap(), None).await.unwrap();
    assert!(!issued.can.issue && !issued.can.write_sections && issued.can.verify && issued.can.delivery_list);
    assert_eq!(issued.number_text, "01/BC-UBND");
}
