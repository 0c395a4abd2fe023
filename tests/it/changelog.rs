//! The change log is the truth: replaying it rebuilds every table, records two laptops create
//! on their own merge by their natural ids, only the ward office's laptop numbers documents, and
//! an action interrupted at any moment leaves the database whole.

use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;
use treem::documents::register::{self, DraftEdits, Kind, Narrative};
use treem::files::Upload;
use treem::plan::{self, period::Period, reporting::{self, ReportPeriod}, Status};
use treem::{store, ward, ErrorCode, Source};

use crate::support;

fn day(d: u32, m: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, d).unwrap()
}

/// A database that has seen every kind of write: the demo, a second plan imported, statuses set
/// and undone, notes, evidence, units added, removed and added back, timing, renames, the ward
/// and signers edited, a seal, reports received and un-received, deadlines moved, a draft edited
/// and issued.
async fn busy() -> support::TempStore {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    let mut draft = support::seed_draft();
    draft.year = 2025;
    plan::save_draft(s, o, Source::Import, &draft).await.unwrap();
    let p = plan::of_year(s, o, 2024).await.unwrap();
    let tree = plan::tree(s, o, &p.id).await.unwrap();
    let a = &tree.assignments[0];
    plan::set_status(s, o, Source::Window, &a.id, Status::Done).await.unwrap();
    plan::set_status(s, o, Source::Window, &a.id, Status::NotStarted).await.unwrap(); // undo
    plan::set_status(s, o, Source::Window, &tree.assignments[1].id, Status::InProgress).await.unwrap();
    plan::add_note(s, o, Source::Window, &a.id, day(3, 3), "Đã họp triển khai với các trường.").await.unwrap();
    plan::add_evidence(s, o, Source::Window, &a.id, Upload::Bytes { name: "biên bản.txt", bytes: "Biên bản họp".as_bytes() }).await.unwrap();
    let units = ward::units(s, o).await.unwrap();
    let group = units.iter().find(|u| u.name == "Tổ dân phố 2").unwrap();
    let added = plan::assign_unit(s, o, Source::Window, &a.node_id, &group.id, false).await.unwrap();
    plan::unassign(s, o, Source::Window, &added.id).await.unwrap();
    plan::assign_unit(s, o, Source::Window, &a.node_id, &group.id, false).await.unwrap();
    plan::set_timing(s, o, Source::Window, &a.node_id, Period::Custom, Some((day(1, 4), day(30, 4)))).await.unwrap();
    ward::rename_unit(s, o, Source::Window, &group.id, "Tổ dân phố số 2").await.unwrap();
    let mut w = ward::get(s, o).await.unwrap().unwrap();
    w.parent_authority = "Tỉnh Quảng Ngãi".into();
    ward::save(s, o, Source::Window, &w).await.unwrap();
    let signer = ward::save_signer(s, o, Source::Window, &ward::Signer { id: String::new(), full_name: "Võ Thùy Dương".into(), title: "Chủ tịch".into(), has_signature_image: false }).await.unwrap();
    ward::save_signer(s, o, Source::Window, &ward::Signer { title: "Chủ tịch UBND phường".into(), ..signer.clone() }).await.unwrap();
    let seal = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seal.png")).unwrap();
    ward::set_seal(s, o, Source::Window, "con dấu.png", &seal).await.unwrap();
    let deadline = &reporting::deadlines(s, o, &p.id).await.unwrap()[0];
    reporting::record_received(s, o, Source::Window, &deadline.id, &units[0].id, day(10, 6), None).await.unwrap();
    reporting::unrecord_received(s, o, Source::Window, &deadline.id, &units[0].id).await.unwrap();
    let report = Upload::Bytes { name: "báo cáo.pdf", bytes: b"%PDF-1.4 report" };
    reporting::record_received(s, o, Source::Window, &deadline.id, &units[0].id, day(12, 6), Some(report)).await.unwrap();
    reporting::set_due(s, o, Source::Window, &deadline.id, day(21, 6)).await.unwrap();
    let doc = register::create_draft(s, o, Source::Window, Kind::Report, &p.id, Some(ReportPeriod::Half), None, None).await.unwrap();
    let narrative = Narrative { results: "Các đơn vị thực hiện tốt.".into(), ..Narrative::default() };
    register::save_draft(s, o, Source::Window, &doc.id, &DraftEdits { summary: doc.summary.clone(), narrative, recipients: vec!["- Như trên;".into()] }).await.unwrap();
    register::issue(s, o, Source::Window, &doc.id, day(1, 7), None).await.unwrap();
    // Cases at every step with decisions issued, injuries, checks of child labour; a day of the
    // holiday table changed and one changed back.
    treem::cases::generate::add_demo(s, o).await.unwrap();
    let swap = treem::calendar::DayInput { day: "06/07/2024".into(), kind: treem::calendar::DayKind::Working, name: "Làm bù".into() };
    treem::calendar::set_day(s, o, Source::Window, &swap).await.unwrap();
    treem::calendar::set_day(s, o, Source::Window, &treem::calendar::DayInput { day: "13/07/2024".into(), ..swap }).await.unwrap();
    treem::calendar::reset_day(s, o, Source::Window, "13/07/2024").await.unwrap();
    t
}

#[tokio::test]
async fn replaying_the_log_of_a_busy_database_gives_back_every_table() {
    let t = busy().await;
    let replayed = store::replay(t.store.pool()).await.unwrap();
    assert_eq!(replayed.difference, None);
    let logged: i64 = sqlx::query_scalar(WRITES).fetch_one(t.store.pool()).await.unwrap();
    assert_eq!(replayed.entries as i64, logged);
    let rows: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM plan_nodes) + (SELECT COUNT(*) FROM assignments) + (SELECT COUNT(*) FROM documents)",
    )
    .fetch_one(t.store.pool())
    .await
    .unwrap();
    assert!(replayed.rows as i64 > rows, "every table compared: {} rows", replayed.rows);
    // Each entry carries the row version it produced: the last entry of a record matches the row.
    let stale: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM assignments a WHERE a.row_version !=
           (SELECT c.row_version FROM change_log c WHERE c.table_name = 'assignments' AND c.record_id = a.id ORDER BY c.hlc DESC LIMIT 1)",
    )
    .fetch_one(t.store.pool())
    .await
    .unwrap();
    assert_eq!(stale, 0);
    // The clock orders the entries as the device's sequence does.
    let order: Vec<i64> = sqlx::query_scalar("SELECT seq FROM change_log ORDER BY hlc").fetch_all(t.store.pool()).await.unwrap();
    assert!(order.windows(2).all(|w| w[0] < w[1]));
    let report = treem::check::run(&t.store, &t.officer).await.unwrap();
    assert_eq!(report.first_problem(), None);
    assert_eq!(report.files, 8, "the evidence, the received report, the seal, the issued PDF, the demo cases' three decisions and its urgent report of a death");
}

#[tokio::test]
async fn a_write_that_bypasses_the_log_is_found() {
    let t = busy().await;
    let unit = &ward::units(&t.store, &t.officer).await.unwrap()[0];
    sqlx::query("UPDATE units SET name = 'Đổi ngoài nhật ký' WHERE id = ?").bind(&unit.id).execute(t.store.pool()).await.unwrap();
    let d = store::replay(t.store.pool()).await.unwrap().difference.expect("found");
    assert_eq!((d.table.as_str(), d.record_id.as_str()), ("units", unit.id.as_str()));
    assert!(d.message.contains("cột name"), "{}", d.message);
    assert!(d.message.contains("Đổi ngoài nhật ký"), "{}", d.message);

    let t = busy().await;
    sqlx::query("INSERT INTO units (id, name, kind, position, created_at, updated_at, device_id) VALUES ('x', 'Lén', 'agency', 99, '', '', '')")
        .execute(t.store.pool())
        .await
        .unwrap();
    let d = store::replay(t.store.pool()).await.unwrap().difference.expect("found");
    assert_eq!(d.record_id, "x");
    assert!(d.message.contains("nhật ký thay đổi không tạo ra"), "{}", d.message);
}

#[tokio::test]
async fn two_laptops_loading_the_demo_hold_the_same_records() {
    let a = support::demo().await;
    let b = support::demo().await;
    assert_ne!(a.store.device_id(), b.store.device_id());
    for t in [&a, &b] {
        treem::cases::generate::add_demo(&t.store, &t.officer).await.unwrap();
    }
    let demo_tables = ["cases", "case_steps", "case_actions", "case_referrals", "injuries", "labour_checks", "documents", "files"];
    for table in ["ward", "units", "signers", "plans", "plan_nodes", "assignments", "report_deadlines"].into_iter().chain(demo_tables) {
        let sql = format!("SELECT id FROM {table} ORDER BY id");
        let ids_a: Vec<String> = sqlx::query_scalar(&sql).fetch_all(a.store.pool()).await.unwrap();
        let ids_b: Vec<String> = sqlx::query_scalar(&sql).fetch_all(b.store.pool()).await.unwrap();
        assert!(!ids_a.is_empty(), "{table}");
        assert_eq!(ids_a, ids_b, "{table}");
    }
    // A unit renamed away from its name keeps its id; a new unit of the old name gets its own.
    let unit = ward::add_unit(&a.store, &a.officer, Source::Window, "Hội Cựu chiến binh", ward::UnitKind::Agency).await.unwrap();
    ward::rename_unit(&a.store, &a.officer, Source::Window, &unit.id, "Hội Cựu chiến binh phường").await.unwrap();
    let again = ward::add_unit(&a.store, &a.officer, Source::Window, "Hội Cựu chiến binh", ward::UnitKind::Agency).await.unwrap();
    assert_ne!(again.id, unit.id);
    let on_b = ward::add_unit(&b.store, &b.officer, Source::Window, "Hội Cựu chiến binh", ward::UnitKind::Agency).await.unwrap();
    assert_eq!(on_b.id, unit.id, "the first unit of that name is the same record on both laptops");
}

#[tokio::test]
async fn only_the_ward_office_laptop_numbers_documents() {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    assert!(ward::is_issuing_office(s, o).await.unwrap(), "the laptop that set the ward up");
    // Another laptop became the office (its change arrived here).
    sqlx::query("UPDATE ward SET issuing_device_id = 'may-van-thu'").execute(s.pool()).await.unwrap();
    assert!(!ward::is_issuing_office(s, o).await.unwrap());
    let p = plan::of_year(s, o, 2024).await.unwrap();
    let doc = register::create_draft(s, o, Source::Window, Kind::Report, &p.id, Some(ReportPeriod::Half), None, None).await.unwrap();
    let before = support::row_counts(s).await;
    let err = register::issue(s, o, Source::Window, &doc.id, day(1, 7), None).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotIssuingOffice);
    assert!(err.to_string().contains("máy văn thư"), "{err}");
    assert_eq!(support::row_counts(s).await, before, "nothing written");
    ward::set_issuing_office(s, o, Source::Window).await.unwrap();
    let issued = register::issue(s, o, Source::Window, &doc.id, day(1, 7), None).await.unwrap();
    assert_eq!(issued.number, Some(1));
}

fn treem(db: &Path, args: &[&str], crash_after: Option<u64>) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_treem"));
    cmd.args(args).arg("--db").arg(db).env("TREEM_DATA_DIR", db.parent().unwrap());
    cmd.env("TREEM_USER", "canbo").env("TREEM_PASSWORD", support::PASSWORD);
    match crash_after {
        Some(n) => cmd.env("TREEM_CRASH_AFTER_LOG_ENTRIES", n.to_string()),
        None => cmd.env_remove("TREEM_CRASH_AFTER_LOG_ENTRIES"),
    };
    cmd.output().expect("treem runs")
}

/// A count read after `treem check` has passed. Logging in to read adds a login event to the
/// log: counts of the log leave events out (`WRITES`).
fn count(db: &Path, sql: &str) -> i64 {
    let out = treem(db, &["check"], None);
    assert!(out.status.success(), "check after a crash: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let (store, _) = treem::auth::log_in(db, "canbo", support::PASSWORD).await.unwrap();
        let n: i64 = sqlx::query_scalar(sql).fetch_one(store.pool()).await.unwrap();
        store.close().await;
        n
    })
}

/// The entries of the log that write a record (not logins and other events).
const WRITES: &str = "SELECT COUNT(*) FROM change_log WHERE op <> 'event'";

#[test]
fn a_demo_load_killed_at_any_point_leaves_nothing_and_completes_when_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let reference = dir.path().join("reference.db");
    assert!(treem(&reference, &["init"], None).status.success());
    assert!(treem(&reference, &["init", "--demo"], None).status.success());
    // The officer's account is the first write; the demo's are the rest: the ward, its plan and
    // children in one transaction, then its cases, written one action at a time as an officer would.
    let entries = count(&reference, WRITES);
    let ward_entries = count(&reference, &format!("{WRITES} AND seq < (SELECT MIN(seq) FROM change_log WHERE table_name = 'cases')"));
    let nodes = count(&reference, "SELECT COUNT(*) FROM plan_nodes");
    assert!(ward_entries > 150 && entries > ward_entries);
    // A run logs its login first (entry 1), then the demo ward (entries 2 to `ward_entries`).
    for crash_after in [2, ward_entries / 2, ward_entries] {
        let db = dir.path().join(format!("crash-{crash_after}.db"));
        assert!(treem(&db, &["init"], None).status.success());
        let out = treem(&db, &["init", "--demo"], Some(crash_after as u64));
        assert!(!out.status.success(), "the process died at entry {crash_after}");
        assert_eq!(count(&db, WRITES), 1, "crash at entry {crash_after}: nothing but the account");
        assert_eq!(count(&db, "SELECT COUNT(*) FROM ward"), 0, "crash at entry {crash_after}: no half ward");
        let again = treem(&db, &["init", "--demo"], None);
        assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
        assert_eq!(count(&db, "SELECT COUNT(*) FROM plan_nodes"), nodes);
        assert_eq!(count(&db, WRITES), entries);
    }
}

#[test]
fn issuing_killed_midway_takes_no_number_and_issues_whole_when_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("treem.db");
    assert!(treem(&db, &["init", "--demo"], None).status.success());
    let base = count(&db, WRITES) as u64;
    // The demo's cases hold decisions already numbered, their files kept, and one draft.
    let numbered = count(&db, "SELECT COUNT(*) FROM documents WHERE number IS NOT NULL");
    let kept = count(&db, "SELECT COUNT(*) FROM files");
    let drafts = count(&db, "SELECT COUNT(*) FROM documents WHERE status = 'draft'");
    let out_pdf = dir.path().join("bc.pdf");
    let report = ["doc", "report", "--period", "half", "--year", "2024", "--issue", "--out", out_pdf.to_str().unwrap()];
    // The login is entry 1 of the run, the draft entry 2; issuing writes the PDF's file record
    // (3), then numbers the document (4). Die before each.
    for crash_after in [3, 4] {
        let out = treem(&db, &report, Some(crash_after));
        assert!(!out.status.success());
        assert_eq!(count(&db, "SELECT COUNT(*) FROM documents WHERE number IS NOT NULL"), numbered, "no number taken");
        assert_eq!(count(&db, "SELECT COUNT(*) FROM files"), kept, "no file recorded");
    }
    assert_eq!(count(&db, "SELECT COUNT(*) FROM documents WHERE status = 'draft'"), drafts + 2, "the drafts stay drafts");
    let out = treem(&db, &report, None);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Issued today, the first number of this year's register (the demo's decisions are 2024's).
    assert_eq!(count(&db, "SELECT MAX(number) FROM documents WHERE kind = 'report'"), 1, "numbering has no gap");
    assert_eq!(count(&db, WRITES) as u64, base + 2 + 3);
}

#[test]
fn check_names_the_first_difference_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("treem.db");
    assert!(treem(&db, &["init", "--demo"], None).status.success());
    let ok = treem(&db, &["check"], None);
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).contains("khớp với mọi bảng"));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let (store, _) = treem::auth::log_in(&db, "canbo", support::PASSWORD).await.unwrap();
        sqlx::query("UPDATE plans SET title = 'Sửa lén'").execute(store.pool()).await.unwrap();
        store.close().await;
    });
    let bad = treem(&db, &["check"], None);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("bảng plans") && err.contains("cột title"), "{err}");
}

#[tokio::test]
async fn a_ward_without_an_office_laptop_lets_the_first_laptop_that_issues_become_it() {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    // As a ward set up before laptops had an office is.
    sqlx::query("UPDATE ward SET issuing_device_id = NULL").execute(s.pool()).await.unwrap();
    assert!(ward::is_issuing_office(s, o).await.unwrap());
    let p = plan::of_year(s, o, 2024).await.unwrap();
    let doc = register::create_draft(s, o, Source::Window, Kind::Report, &p.id, Some(ReportPeriod::Half), None, None).await.unwrap();
    register::issue(s, o, Source::Window, &doc.id, day(1, 7), None).await.unwrap();
    let office: Option<String> = sqlx::query_scalar("SELECT issuing_device_id FROM ward").fetch_one(s.pool()).await.unwrap();
    assert_eq!(office.as_deref(), Some(s.device_id()));
}

#[tokio::test]
async fn units_named_alike_are_one_unit() {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    let before = ward::units(s, o).await.unwrap().len();
    let same = ward::add_unit(s, o, Source::Window, "tổ dân phố 1", ward::UnitKind::ResidentialGroup).await.unwrap();
    assert_eq!(same.name, "Tổ dân phố 1");
    assert_eq!(ward::units(s, o).await.unwrap().len(), before);
    // A draft naming one unit twice (as lead and coordinating) imports with it taking part once.
    let mut draft = support::seed_draft();
    draft.year = 2026;
    draft.units.push(draft.units[0].to_uppercase());
    let twice = draft.units.len() - 1;
    let node = &mut draft.nodes[1].children[0].children[0];
    node.lead_unit = Some(0);
    node.coordinating_units = vec![twice, 0];
    let saved = plan::save_draft(s, o, Source::Import, &draft).await.unwrap();
    let tree = plan::tree(s, o, &saved.id).await.unwrap();
    let first = tree.nodes.iter().find(|n| n.is_activity).unwrap();
    assert_eq!(tree.assignments.iter().filter(|a| a.node_id == first.id).count(), 1);
}
