//! Injuries and their urgent reports, checks of child labour and their report, and the
//! statistics: indicators checked against counts made here from the raw rows, in the window's
//! workbook, on the command line, and as a section of the yearly report with its chart.

use std::collections::BTreeMap;
use std::process::Command;

use chrono::{Datelike, NaiveDate};
use treem::auth::UserRole;
use treem::documents::register::{self, Kind};
use treem::injuries::{self, Cause, InjuryInput, Outcome};
use treem::labour::{self, ChildAtWork, CheckInput, PlaceKind};
use treem::plan::reporting::ReportPeriod;
use treem::stats::{self, IndicatorValue, Statistics};
use treem::{Error, Source};

use crate::support::{self, TempStore};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn indicator<'a>(s: &'a Statistics, code: &str) -> &'a IndicatorValue {
    s.indicators.iter().find(|i| i.code == code).unwrap()
}

fn by(i: &IndicatorValue, field: &str) -> BTreeMap<String, i64> {
    i.breakdowns.iter().find(|b| b.field == field).unwrap().rows.iter().map(|r| (r.label.clone(), r.count)).collect()
}

fn pdftext(t: &TempStore, pdf: &[u8]) -> String {
    let path = t.dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext");
    // Lines joined: names and table cells wrap.
    String::from_utf8(out.stdout).unwrap().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Age in whole years on `on`, counted here apart from the core.
fn age(birth_date: Option<NaiveDate>, birth_year: i32, on: NaiveDate) -> Option<i32> {
    match birth_date {
        Some(b) if b > on => None,
        Some(b) => Some(on.year() - b.year() - i32::from((on.month(), on.day()) < (b.month(), b.day()))),
        None if birth_year > on.year() => None,
        None => Some(on.year() - birth_year),
    }
}

#[tokio::test]
async fn indicators_agree_with_a_count_of_the_raw_rows() {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    treem::children::generate::add(s, o, 2_000, 11, day(2024, 12, 31)).await.unwrap();
    treem::cases::generate::add_demo(s, o).await.unwrap();
    let to = day(2024, 12, 31);
    let st = stats::compute(s, o, day(2024, 1, 1), to).await.unwrap();

    // Children under 16 on the last day, by sex and by age group.
    let rows: Vec<(String, Option<NaiveDate>, i32)> =
        sqlx::query_as("SELECT sex, birth_date, birth_year FROM children WHERE deleted_at IS NULL").fetch_all(s.pool()).await.unwrap();
    let children: Vec<(&str, i32)> = rows.iter().filter_map(|(sex, d, y)| age(*d, *y, to).filter(|a| *a < 16).map(|a| (sex.as_str(), a))).collect();
    let te01 = indicator(&st, "TE.01");
    assert_eq!(te01.count, children.len() as i64);
    assert!(te01.count > 1_500, "most of the generated children are children: {}", te01.count);
    let sexes = by(te01, "sex");
    assert_eq!(sexes["Nữ"], children.iter().filter(|c| c.0 == "female").count() as i64);
    assert_eq!(sexes["Nam"], children.iter().filter(|c| c.0 == "male").count() as i64);
    let ages = by(te01, "age_group");
    assert_eq!(ages["Dưới 6 tuổi"], children.iter().filter(|c| c.1 < 6).count() as i64);
    assert_eq!(ages["Từ 11 đến dưới 16 tuổi"], children.iter().filter(|c| c.1 >= 11).count() as i64);

    // Children in a group of special circumstances on the last day, by group.
    let spans: Vec<(String, String, NaiveDate, Option<NaiveDate>, Option<NaiveDate>, i32)> = sqlx::query_as(
        "SELECT s.child_id, s.code, s.start_date, s.end_date, c.birth_date, c.birth_year FROM child_circumstances s
         JOIN children c ON c.id = s.child_id WHERE s.deleted_at IS NULL AND c.deleted_at IS NULL",
    )
    .fetch_all(s.pool())
    .await
    .unwrap();
    let holding: Vec<&(String, String, NaiveDate, Option<NaiveDate>, Option<NaiveDate>, i32)> =
        spans.iter().filter(|x| x.2 <= to && x.3.is_none_or(|e| e >= to) && age(x.4, x.5, to).is_some_and(|a| a < 16)).collect();
    let mut distinct: Vec<&str> = holding.iter().map(|x| x.0.as_str()).collect();
    distinct.sort();
    distinct.dedup();
    let te02 = indicator(&st, "TE.02");
    assert_eq!(te02.count, distinct.len() as i64);
    assert!(te02.count > 0);
    let groups = by(te02, "circumstance");
    let disabled = holding.iter().filter(|x| x.1 == "d").map(|x| x.0.as_str()).collect::<std::collections::BTreeSet<_>>().len() as i64;
    assert_eq!(groups["d) Khuyết tật"], disabled);
    let te03 = indicator(&st, "TE.03");
    assert!(te03.share && te03.of == te02.count && te03.count <= te03.of);

    // Abuse: the demo's five cases received in 2024, by type and setting.
    let cases: Vec<(String, String)> =
        sqlx::query_as("SELECT abuse_type, setting FROM cases WHERE deleted_at IS NULL AND received_at < '2025' AND received_at >= '2023-12-31T17'")
            .fetch_all(s.pool())
            .await
            .unwrap();
    let abuse = indicator(&st, "0101");
    assert_eq!(abuse.count, cases.len() as i64);
    assert_eq!(abuse.count, 5);
    assert_eq!(by(abuse, "abuse_type")["Bạo lực"], cases.iter().filter(|c| c.0 == "violence").count() as i64);
    assert_eq!(by(abuse, "setting")["Trường học"], cases.iter().filter(|c| c.1 == "school").count() as i64);
    assert_eq!(by(indicator(&st, "TE.07"), "stage").values().sum::<i64>(), 5);
    // A second case for a child already abused that year: one more case, not one more child.
    let first_child: String = sqlx::query_scalar("SELECT child_id FROM cases WHERE received_at < '2025' ORDER BY received_at LIMIT 1").fetch_one(s.pool()).await.unwrap();
    let again = treem::cases::ReceiveInput {
        child_id: Some(first_child),
        new_child: None,
        received_at: "01/11/2024 08:00".into(),
        channel: treem::cases::Channel::School,
        abuse_type: treem::cases::AbuseType::Violence,
        setting: treem::cases::Setting::School,
        place: String::new(),
        account: "Trẻ lại bị đánh.".into(),
        taken: String::new(),
        informant_consents: false,
        informant: None,
    };
    treem::cases::receive(s, o, Source::Window, &again, chrono::Utc::now()).await.unwrap();
    let st = stats::compute(s, o, day(2024, 1, 1), to).await.unwrap();
    assert_eq!(indicator(&st, "0101").count, 5, "each child once");
    assert_eq!(by(indicator(&st, "TE.07"), "stage").values().sum::<i64>(), 6, "each case");

    // Injuries and deaths by cause.
    assert_eq!(indicator(&st, "TE.05").count, 3);
    let deaths = indicator(&st, "TE.06");
    assert_eq!((deaths.count, by(deaths, "cause")["Đuối nước"]), (1, 1));
    // Deadlines: met ones of all that fell due.
    let met = indicator(&st, "TE.08");
    assert!(met.share && met.of > 0 && met.count < met.of, "the demo misses some deadlines: {}", met.value_text);

    // A period before anything happened counts no case, and a period the wrong way round is refused.
    let early = stats::compute(s, o, day(2023, 1, 1), day(2023, 12, 31)).await.unwrap();
    assert_eq!(indicator(&early, "0101").count, 0);
    assert!(matches!(stats::compute(s, o, day(2024, 2, 1), day(2024, 1, 1)).await, Err(Error::Invalid(_))));

    // The workbook holds every indicator.
    let book = stats::workbook(s, o, day(2024, 1, 1), to).await.unwrap();
    let sheet = calamine_rows(&t, &book);
    for i in &st.indicators {
        assert!(sheet.iter().any(|row| row.contains(&i.code) && row.contains(&i.value_text)), "{} in the workbook", i.code);
    }
}

fn calamine_rows(t: &TempStore, bytes: &[u8]) -> Vec<String> {
    use calamine::{open_workbook, Reader, Xlsx};
    let path = t.dir.path().join("thống kê.xlsx");
    std::fs::write(&path, bytes).unwrap();
    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    let range = book.worksheet_range("Thống kê").unwrap();
    range.rows().map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>().join("|")).collect()
}

#[tokio::test]
async fn a_death_owes_an_urgent_report_until_it_is_issued() {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    let child: (String, String) = sqlx::query_as("SELECT id, full_name FROM children WHERE birth_year = 2016 ORDER BY id LIMIT 1").fetch_one(s.pool()).await.unwrap();
    let today = treem::today_in_vietnam();
    let input = InjuryInput {
        child_id: Some(child.0.clone()),
        new_child: None,
        occurred_on: "15/06/2024".into(),
        place: "Sông Trà Khúc".into(),
        cause: Cause::Drowning,
        outcome: Outcome::Died,
        description: "Trẻ tắm sông, bị nước cuốn.".into(),
        actions: String::new(),
    };
    let before = support::row_counts(s).await;
    for (bad, expected) in [
        (InjuryInput { occurred_on: "31/02/2024".into(), ..input.clone() }, "không có trên lịch"),
        (InjuryInput { occurred_on: "01/01/2015".into(), ..input.clone() }, "sau ngày xảy ra"),
        (InjuryInput { description: " ".into(), ..input.clone() }, "diễn biến"),
    ] {
        let e = injuries::record(s, o, Source::Window, &bad, today).await.unwrap_err().to_string();
        assert!(e.contains(expected), "{e}");
    }
    assert_eq!(support::row_counts(s).await, before);
    let injury = injuries::record(s, o, Source::Window, &input, today).await.unwrap();
    assert!(injury.report_owed);
    let plan = treem::plan::of_year(s, o, 2024).await.unwrap();
    let owed = |o: &treem::overview::Overview| o.late.iter().chain(&o.due_soon).any(|i| i.injury_id.as_deref() == Some(injury.id.as_str()));
    assert!(owed(&treem::overview::overview(s, o, &plan.id, today).await.unwrap()));

    let report = register::create_injury_report(s, o, Source::Window, &injury.id).await.unwrap();
    assert_eq!(report.kind, Kind::InjuryReport);
    let text = pdftext(&t, &register::pdf(s, o, &report.id).await.unwrap());
    for expected in ["BÁO CÁO NHANH", "trẻ em tử vong do tai nạn, thương tích", &child.1, "đuối nước", "Sông Trà Khúc", "Kính gửi: Ủy ban nhân dân Thành phố Quảng Ngãi"] {
        assert!(text.contains(expected), "“{expected}” in {text}");
    }
    register::issue(s, o, Source::Window, &report.id, day(2024, 6, 16), None).await.unwrap();
    assert!(!owed(&treem::overview::overview(s, o, &plan.id, today).await.unwrap()), "issued: owed no more");
    let injured = injuries::record(s, o, Source::Window, &InjuryInput { outcome: Outcome::Injured, ..input.clone() }, today).await.unwrap();
    assert!(register::create_injury_report(s, o, Source::Window, &injured.id).await.is_err(), "only a death has an urgent report");

    // Only those who may open cases read injuries; the viewer's register hides the child.
    let (vs, viewer) = t.user("xem", UserRole::Viewer, None).await;
    assert!(matches!(injuries::list(&vs, &viewer, None).await, Err(Error::Forbidden(_))));
    assert!(register::list(&vs, &viewer).await.unwrap().iter().filter(|d| d.kind == Kind::InjuryReport).all(|d| !d.summary.contains("Về trường hợp")));
    assert!(matches!(injuries::record(&vs, &viewer, Source::Window, &input, today).await, Err(Error::Forbidden(_))));
}

#[tokio::test]
async fn checks_of_child_labour_make_the_years_self_check_report() {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    let today = treem::today_in_vietnam();
    let police = treem::ward::unit_named(s, o, "Công an phường").await.map(|u| u.id).ok();
    let input = CheckInput {
        checked_on: "20/06/2024".into(),
        kind: PlaceKind::Business,
        place: "Xưởng mộc Tấn Phát".into(),
        team_units: police.into_iter().collect(),
        team_people: "Công chức Văn hóa - Xã hội".into(),
        found: vec![ChildAtWork { name: "Lê Văn Tý".into(), age: 13, work: "Chà nhám gỗ".into(), conditions: "Bụi, không có khẩu trang".into() }],
        findings: "Cơ sở sử dụng 01 trẻ em làm công việc có hại.".into(),
        required: "Chấm dứt ngay.".into(),
        follow_up: String::new(),
        follow_up_on: "10/06/2024".into(),
    };
    let e = labour::record(s, o, Source::Window, &input, today).await.unwrap_err().to_string();
    assert!(e.contains("Hạn khắc phục trước ngày kiểm tra"), "{e}");
    let adult = CheckInput { found: vec![ChildAtWork { age: 19, ..input.found[0].clone() }], follow_up_on: String::new(), ..input.clone() };
    assert!(labour::record(s, o, Source::Window, &adult, today).await.is_err());
    let check = labour::record(s, o, Source::Window, &CheckInput { follow_up_on: "30/06/2024".into(), ..input.clone() }, today).await.unwrap();
    assert_eq!(check.found.len(), 1);
    labour::record(s, o, Source::Window, &CheckInput { checked_on: "15/11/2024".into(), kind: PlaceKind::Household, found: vec![], place: "Hộ ông Nguyễn Văn Ba".into(), follow_up_on: String::new(), ..input.clone() }, today).await.unwrap();
    assert_eq!(labour::list(s, o, 2024).await.unwrap().len(), 2);
    assert!(labour::list(s, o, 2023).await.unwrap().is_empty());

    let report = register::create_labour_report(s, o, Source::Window, 2024).await.unwrap();
    assert_eq!(register::create_labour_report(s, o, Source::Window, 2024).await.unwrap().id, report.id, "one draft per year");
    let text = pdftext(&t, &register::pdf(s, o, &report.id).await.unwrap());
    for expected in ["Kết quả tự kiểm tra việc sử dụng lao động trẻ em năm 2024", "2 cuộc kiểm tra", "1 cơ sở sản xuất, kinh doanh", "1 trẻ em lao động", "Xưởng mộc Tấn Phát", "Lê Văn Tý"] {
        assert!(text.contains(expected), "“{expected}” in {text}");
    }
    // Issued next year, it still speaks of 2024.
    let issued = register::issue(s, o, Source::Window, &report.id, day(2025, 1, 10), None).await.unwrap();
    assert_eq!((issued.year, issued.about_year), (2025, Some(2024)));
    assert!(pdftext(&t, &register::pdf(s, o, &report.id).await.unwrap()).contains("năm 2024"));
}

#[tokio::test]
async fn the_yearly_report_carries_the_statistics_with_their_charts() {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    treem::cases::generate::add_demo(s, o).await.unwrap();
    let plan = treem::plan::of_year(s, o, 2024).await.unwrap();
    let doc = register::create_draft(s, o, Source::Window, Kind::Report, &plan.id, Some(ReportPeriod::Year), None, None).await.unwrap();
    let pdf = register::pdf(s, o, &doc.id).await.unwrap();
    let text = pdftext(&t, &pdf);
    for expected in ["Số liệu thống kê về trẻ em", "Số trẻ em bị xâm hại", "0101", "Số trẻ em tử vong do tai nạn, thương tích"] {
        assert!(text.contains(expected), "“{expected}” in {text}");
    }
    let path = t.dir.path().join("bao-cao.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let images = Command::new("pdfimages").arg("-list").arg(&path).output().expect("pdfimages").stdout;
    let images = String::from_utf8(images).unwrap();
    assert!(images.lines().skip(2).filter(|l| l.contains("image")).count() >= 2, "two charts: {images}");
}

#[tokio::test]
async fn the_command_line_prints_the_statistics() {
    let t = support::demo().await;
    let db = t.db_path();
    t.store.close().await;
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_treem"))
            .args(args)
            .arg("--db")
            .arg(&db)
            .env("TREEM_USER", "canbo")
            .env("TREEM_PASSWORD", support::PASSWORD)
            .output()
            .unwrap()
    };
    assert!(run(&["demo", "cases"]).status.success());
    let out = run(&["stats", "--from", "01/01/2024", "--to", "2024-12-31", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let abuse = v["indicators"].as_array().unwrap().iter().find(|i| i["code"] == "0101").unwrap();
    assert_eq!(abuse["count"], 5);
    let text = run(&["stats", "--from", "01/01/2024", "--to", "31/12/2024"]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("0101  Số trẻ em bị xâm hại: 5"));
    let wrong = run(&["stats", "--from", "31/12/2024", "--to", "01/01/2024"]);
    assert!(!wrong.status.success());
}
