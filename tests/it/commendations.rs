//! Commendations: proposals reviewed, the Chairman's decision numbered from the register with
//! its list attached, each one's history, and the Giấy khen on plain paper and on the ward's
//! pre-printed blanks, where each field falls where it was set.

use std::process::Command;

use treem::commendations::{self, CertificateField, FieldPosition, NominationInput, NominationStatus, NomineeKind};
use treem::documents::commendation_docs;
use treem::documents::register::{self, Kind};
use treem::Source;

use crate::documents::{check_pdf, check_sheets, collapse};
use crate::support::{self, PASSWORD};

fn person(year: i32, name: &str) -> NominationInput {
    NominationInput {
        year,
        nominee_kind: Some(NomineeKind::Person),
        name: name.into(),
        position: "Cộng tác viên công tác trẻ em, Tổ dân phố 4".into(),
        achievements: "Theo dõi, giúp đỡ trẻ em có hoàn cảnh đặc biệt của tổ dân phố.".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_decision_awards_the_agreed_proposals_and_their_certificates_print_where_the_blanks_want_them() {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    let demo = commendations::list(s, o, 2024).await.unwrap();
    assert_eq!(demo.len(), 3);
    let women = demo.iter().find(|n| n.name == "Hội Liên hiệp Phụ nữ phường").unwrap();
    assert!(women.unit_id.is_some() && women.campaign_name.as_deref().is_some_and(|c| c.contains("Tết")));

    let activity: String = sqlx::query_scalar("SELECT id FROM plan_nodes WHERE is_activity = 1 ORDER BY position LIMIT 1").fetch_one(s.pool()).await.unwrap();
    let input = NominationInput { node_id: Some(activity), ..person(2024, "Ông Lê Văn Hùng") };
    let added = commendations::nominate(s, o, Source::Window, &input).await.unwrap();
    assert_eq!(added.status, NominationStatus::Proposed);
    assert!(added.activity.as_deref().is_some_and(|a| !a.is_empty()), "linked to the plan's activity");
    let err = commendations::review(s, o, Source::Window, &added.id, false, "").await.unwrap_err();
    assert!(err.to_string().contains("lý do"), "{err}");
    commendations::review(s, o, Source::Window, &added.id, true, "Thống nhất đề nghị.").await.unwrap();
    let bad = NominationInput { achievements: String::new(), ..person(2024, "Ông A") };
    assert!(commendations::nominate(s, o, Source::Window, &bad).await.is_err(), "achievements are asked");

    let draft = register::create_commendation_decision(s, o, Source::Window, 2024).await.unwrap();
    assert_eq!((draft.kind, draft.symbol.as_str()), (Kind::Commendation, "QĐ-UBND"));
    let listed = commendations::of_document(s, o, &draft.id).await.unwrap();
    let names: Vec<&str> = listed.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["Hội Liên hiệp Phụ nữ phường", "Trạm Y tế phường", "Ông Lê Văn Hùng"], "the agreed ones, organisations first");
    // While the decision is a draft, a proposal in it may still be corrected, or taken out.
    commendations::update(s, o, Source::Window, &added.id, &person(2024, "Ông Lê Văn Hùng")).await.unwrap();
    let health = listed.iter().find(|n| n.name == "Trạm Y tế phường").unwrap().id.clone();
    let out = commendations::review(s, o, Source::Window, &health, false, "Chưa đủ thành tích.").await.unwrap();
    assert_eq!(out.document_id, None, "not agreed after all: out of the draft");
    commendations::review(s, o, Source::Window, &health, true, "Xét lại: đủ thành tích.").await.unwrap();
    let draft = register::create_commendation_decision(s, o, Source::Window, 2024).await.unwrap();
    assert_eq!(commendations::of_document(s, o, &draft.id).await.unwrap().len(), 3, "agreed again: back in the same draft");
    let err = commendation_docs::certificates_pdf(s, o, &[added.id.clone()], false).await.unwrap_err();
    assert!(err.to_string().contains("chưa cấp số"), "{err}");

    let issued = register::issue(s, o, Source::Window, &draft.id, treem::today_in_vietnam(), None).await.unwrap();
    let number = issued.number_text.clone();
    assert!(commendations::update(s, o, Source::Window, &added.id, &person(2024, "Ông Lê Văn Hưng")).await.is_err(), "awarded: frozen");
    assert!(number.ends_with("/QĐ-UBND"), "{number}");
    let text = check_pdf("quyet-dinh-khen-thuong", &register::pdf(s, o, &draft.id).await.unwrap());
    for want in [
        "QUYẾT ĐỊNH",
        "Về việc khen thưởng các tập thể, cá nhân",
        "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG NGUYỄN NGHIÊM",
        "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022",
        "Tặng Giấy khen cho 02 tập thể và 01 cá nhân",
        "DANH SÁCH TẬP THỂ, CÁ NHÂN ĐƯỢC TẶNG GIẤY KHEN",
        &format!("Kèm theo Quyết định số {number}"),
        "I. TẬP THỂ",
        "II. CÁ NHÂN",
        "Ông Lê Văn Hùng",
    ] {
        assert!(text.contains(want), "{want}");
    }

    // Next year the same organisation is proposed again: its earlier Giấy khen shows.
    let again = NominationInput { year: 2025, nominee_kind: Some(NomineeKind::Organisation), name: women.name.clone(), unit_id: women.unit_id.clone(), achievements: "Tiếp tục vận động nguồn lực cho trẻ em.".into(), ..Default::default() };
    commendations::nominate(s, o, Source::Window, &again).await.unwrap();
    let next = commendations::list(s, o, 2025).await.unwrap();
    assert_eq!(next[0].earlier, [format!("2024: Giấy khen, Quyết định số {number}")]);
    let history = commendations::history(s, o, None, Some("ong le van hung")).await.unwrap();
    assert_eq!(history.len(), 1, "a person's history, found typing without tones");

    // Plain paper: the whole certificate.
    let ids: Vec<String> = listed.iter().map(|n| n.id.clone()).collect();
    let text = check_sheets("giay-khen", &commendation_docs::certificates_pdf(s, o, &ids, false).await.unwrap(), false);
    assert!(text.contains("GIẤY KHEN") && text.contains("Hội Liên hiệp Phụ nữ phường") && text.contains(&format!("Quyết định số {number}")));
    assert_eq!(text.matches("GIẤY KHEN").count(), 3, "one sheet each");

    // The ward's blanks: only the fields, where they were set.
    let mut layout = commendations::layout(s, o).await.unwrap();
    layout.insert(CertificateField::Name, FieldPosition { x: 100.0, y: 50.0, size: 20.0 });
    let off_sheet = [(CertificateField::Signer, FieldPosition { x: 320.0, y: 50.0, size: 12.0 })].into_iter().collect();
    assert!(commendations::set_layout(s, o, Source::Window, &off_sheet).await.is_err());
    commendations::set_layout(s, o, Source::Window, &layout).await.unwrap();
    let bytes = commendation_docs::certificates_pdf(s, o, &ids[2..], true).await.unwrap();
    let text = check_pdf("giay-khen-phoi", &bytes);
    assert!(!text.contains("GIẤY KHEN") && text.contains("Ông Lê Văn Hùng"), "{text}");
    let path = t.dir.path().join("phoi.pdf");
    std::fs::write(&path, &bytes).unwrap();
    let boxes = String::from_utf8(Command::new("pdftotext").arg("-bbox").arg(&path).arg("-").output().unwrap().stdout).unwrap();
    let word = boxes.lines().find(|l| l.ends_with(">Ông</word>")).unwrap_or_else(|| panic!("{boxes}"));
    let number_in = |key: &str| -> f32 { word.split(&format!("{key}=\"")).nth(1).unwrap().split('"').next().unwrap().parse().unwrap() };
    let pt = |mm: f32| mm * 72.0 / 25.4;
    let baseline = number_in("yMax") - 20.0 * 0.22;
    assert!((baseline - pt(50.0)).abs() < 3.0, "the name's baseline at 50 mm: {word}");
    assert!(number_in("xMin") < pt(100.0) && pt(60.0) < number_in("xMin"), "the name centred on 100 mm: {word}");

    // The yearly report of the year the decision was issued in counts it.
    let year_now = chrono::Datelike::year(&treem::today_in_vietnam());
    let plan_now = treem::plan::import::parse(&treem::demo::SEED_PLAN.replace("2024", &year_now.to_string())).unwrap();
    let plan = treem::plan::save_draft(s, o, Source::Import, &plan_now).await.unwrap();
    let report = register::create_draft(s, o, Source::Window, Kind::Report, &plan.id, Some(treem::plan::reporting::ReportPeriod::Year), None, None).await.unwrap();
    let text = check_pdf("bao-cao-nam-khen-thuong", &register::pdf(s, o, &report.id).await.unwrap());
    assert!(text.contains("Khen thưởng") && text.contains(&format!("Quyết định số {number}")) && text.contains("tặng Giấy khen cho 2 tập thể"), "{text}");

    let test = check_pdf("giay-khen-in-thu", &commendation_docs::test_print(s, o).await.unwrap());
    for field in CertificateField::ALL {
        assert!(text_has(&test, field.label()), "{}", field.label());
    }
}

fn text_has(text: &str, s: &str) -> bool {
    collapse(text).contains(s)
}

#[test]
fn the_command_line_prints_the_decision_and_its_certificates() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let t = rt.block_on(support::demo());
    let id = rt.block_on(async {
        let draft = register::create_commendation_decision(&t.store, &t.officer, Source::Window, 2024).await.unwrap();
        register::issue(&t.store, &t.officer, Source::Window, &draft.id, treem::today_in_vietnam(), None).await.unwrap();
        draft.id
    });
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_treem")).args(args).arg("--db").arg(t.db_path()).env("TREEM_USER", "canbo").env("TREEM_PASSWORD", PASSWORD).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let out = t.dir.path().join("qd.pdf");
    run(&["doc", "commendation", "--decision", &id, "--out", out.to_str().unwrap()]);
    let text = String::from_utf8(Command::new("pdftotext").arg(&out).arg("-").output().unwrap().stdout).unwrap();
    assert!(text.contains("QUYẾT ĐỊNH") && text.contains("Trạm Y tế phường"));
    let out = t.dir.path().join("gk.pdf");
    run(&["doc", "certificates", "--decision", &id, "--out", out.to_str().unwrap()]);
    let text = String::from_utf8(Command::new("pdftotext").arg(&out).arg("-").output().unwrap().stdout).unwrap();
    assert_eq!(text.matches("GIẤY KHEN").count(), 2);
    drop(rt);
}
