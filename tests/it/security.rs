//! Accounts, roles, encryption at rest and the audit trail: every role against every core
//! operation, no readable data on disk, wrong passwords, the move of an unencrypted database
//! (interrupted too), and tampering found in the log.

use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;
use treem::audit;
use treem::auth::{self, Need, UserRole};
use treem::documents::register::{self, DraftEdits, Kind};
use treem::files::Upload;
use treem::plan::{self, period::Period, reporting::{self, ReportPeriod}, Status};
use treem::{certificates, trust, ward, Error, ErrorCode, Source};

use crate::support::{self, PASSWORD};

fn day(d: u32, m: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, d).unwrap()
}

/// Runs one core call as `actor` and checks the outcome against the role: refused with its own
/// code and nothing written when the role may not, not refused for a role reason when it may.
macro_rules! as_role {
    ($t:expr, $store:expr, $actor:expr, allowed: $allowed:expr, $call:expr) => {{
        let before = support::row_counts($store).await;
        let result = $call.await.map(|_| ());
        let allowed = $allowed;
        match (&result, allowed) {
            (Err(Error::Forbidden(m)), false) => {
                assert!(m.starts_with("Vai trò “"), "{}: {m}", stringify!($call));
                assert_eq!(support::row_counts($store).await, before, "{}: a refusal writes nothing", stringify!($call));
            }
            (Err(Error::Forbidden(m)), true) => panic!("{:?} was refused {}: {m}", $actor.role(), stringify!($call)),
            (_, false) => panic!("{:?} was let through {}: {result:?}", $actor.role(), stringify!($call)),
            (_, true) => {}
        }
    }};
    ($t:expr, $store:expr, $actor:expr, $need:expr, $call:expr) => {
        as_role!($t, $store, $actor, allowed: $actor.role().allows($need), $call)
    };
}

#[tokio::test]
async fn every_role_against_every_core_operation() {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    let p = plan::of_year(s, o, 2024).await.unwrap();
    let tree = plan::tree(s, o, &p.id).await.unwrap();
    let units = ward::units(s, o).await.unwrap();
    let group = units.iter().find(|u| u.kind == ward::UnitKind::ResidentialGroup).unwrap();
    let deadline = reporting::deadlines(s, o, &p.id).await.unwrap()[0].clone();
    let doc = register::create_draft(s, o, Source::Window, Kind::Report, &p.id, Some(ReportPeriod::Half), None, None).await.unwrap();
    let cert = certificates::create_internal(s, o, Source::Window, "Võ Thùy Dương", "mat-khau-123").await.unwrap();
    let seal = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/seal.png")).unwrap();
    let own = plan::assign_unit(s, o, Source::Window, &tree.assignments[0].node_id, &group.id, false).await.unwrap();
    // The collaborator works on the laptop joined for them, which holds their group's part.
    let mut accounts = vec![];
    for (login, role) in [("lanhdao", UserRole::Leader), ("ctv", UserRole::Collaborator), ("xem", UserRole::Viewer)] {
        let group_id = (role == UserRole::Collaborator).then_some(group.id.as_str());
        accounts.push(t.user(login, role, group_id).await);
    }
    let other = tree.assignments.iter().find(|a| a.unit_id != group.id).unwrap().clone();
    let mut draft = support::seed_draft();
    draft.year = 2030;

    for (store, actor) in &accounts {
        let role = actor.role();
        as_role!(t, store, actor, Need::ReadPlan, plan::tree(store, actor, &p.id));
        as_role!(t, store, actor, Need::ReadPlan, plan::activity(store, actor, &own.node_id));
        as_role!(t, store, actor, Need::ReadPlan, treem::overview::overview(store, actor, &p.id, day(1, 6)));
        as_role!(t, store, actor, Need::ReadPlan, reporting::table(store, actor, &p.id, day(1, 6)));
        as_role!(t, store, actor, Need::ReadPlan, register::list(store, actor));
        as_role!(t, store, actor, Need::ReadPlan, register::pdf(store, actor, &doc.id));
        as_role!(t, store, actor, Need::ReadPlan, treem::history::of_assignment(store, actor, &own.id));
        as_role!(t, store, actor, Need::RecordProgress, plan::set_status(store, actor, Source::Window, &own.id, Status::InProgress));
        as_role!(t, store, actor, Need::RecordProgress, plan::add_note(store, actor, Source::Window, &own.id, day(2, 6), "Đã làm."));
        as_role!(t, store, actor, Need::RecordProgress, plan::add_evidence(store, actor, Source::Window, &own.id, Upload::Bytes { name: "a.txt", bytes: b"x" }));
        as_role!(t, store, actor, Need::EditPlan, plan::set_timing(store, actor, Source::Window, &own.node_id, Period::Custom, Some((day(1, 4), day(30, 4)))));
        as_role!(t, store, actor, Need::EditPlan, plan::assign_unit(store, actor, Source::Window, &other.node_id, &group.id, false));
        as_role!(t, store, actor, Need::EditPlan, plan::save_draft(store, actor, Source::Import, &draft));
        as_role!(t, store, actor, Need::EditPlan, ward::add_unit(store, actor, Source::Window, "Tổ dân phố 99", ward::UnitKind::ResidentialGroup));
        as_role!(t, store, actor, Need::EditPlan, reporting::record_received(store, actor, Source::Window, &deadline.id, &group.id, day(1, 5), None));
        as_role!(t, store, actor, Need::EditPlan, reporting::set_due(store, actor, Source::Window, &deadline.id, day(20, 5)));
        as_role!(t, store, actor, Need::EditPlan, treem::demo::load(store, actor));
        as_role!(t, store, actor, Need::SetUpWard, ward::set_issuing_office(store, actor, Source::Window));
        as_role!(t, store, actor, Need::SetUpWard, ward::set_seal(store, actor, Source::Window, "dấu.png", &seal));
        as_role!(t, store, actor, Need::SetUpWard, ward::set_lock_minutes(store, actor, Source::Window, 5));
        as_role!(t, store, actor, Need::SetUpWard, trust::remove(store, actor, Source::Window, "khong-co"));
        as_role!(t, store, actor, Need::DraftDocuments, register::create_draft(store, actor, Source::Window, Kind::Plan, &p.id, None, None, None));
        as_role!(t, store, actor, Need::DraftDocuments, register::save_draft(store, actor, Source::Window, &doc.id, &DraftEdits { summary: doc.summary.clone(), narrative: doc.narrative.clone(), recipients: doc.recipients.clone() }));
        as_role!(t, store, actor, Need::IssueDocuments, certificates::identity(store, actor, Source::Window, &cert.id, "mat-khau-123"));
        as_role!(t, store, actor, Need::ManageUsers, auth::users(store, actor));
        as_role!(t, store, actor, Need::ReadAudit, audit::verify(store, actor));
        as_role!(t, store, actor, Need::ReadAudit, audit::list(store, actor, &Default::default()));
        as_role!(t, store, actor, Need::Sync, treem::check::run(store, actor));
        as_role!(t, store, actor, Need::Sync, treem::sync::devices(store, actor));
        as_role!(t, store, actor, Need::Sync, treem::sync::plan_export(store, actor, None, true));
        as_role!(t, store, actor, Need::Sync, treem::backup::list(store, actor));
        as_role!(t, store, actor, Need::Sync, treem::backup::make(store, actor, &t.dir.path().join("sao-luu.treembackup")));
        as_role!(t, store, actor, Need::ManageDevices, treem::sync::conflicts(store, actor));
        as_role!(t, store, actor, Need::ManageDevices, treem::sync::join::invite(store, actor, "Máy mới", "canbo"));
        as_role!(t, store, actor, Need::ManageDevices, treem::sync::choose(store, actor, "khong-co", treem::sync::ConflictChoice::Kept));
        // A collaborator records progress only for their own residential group.
        let elsewhere = plan::set_status(store, actor, Source::Window, &other.id, Status::Done).await;
        match role {
            UserRole::Leader | UserRole::Viewer | UserRole::Collaborator => assert_eq!(elsewhere.unwrap_err().code(), ErrorCode::Forbidden, "{role:?}"),
            UserRole::Officer => unreachable!(),
        }
    }
    // The window is told, per unit, whether the person looking may record its progress.
    let (store, collaborator) = &accounts[1];
    let page = plan::activity(store, collaborator, &own.node_id).await.unwrap();
    let may: Vec<(bool, bool)> = page.units.iter().map(|u| (u.assignment.unit_id == group.id, u.may_record)).collect();
    assert!(may.len() >= 2 && may.iter().all(|(mine, may)| mine == may), "{may:?}");
    assert!(plan::activity(s, o, &own.node_id).await.unwrap().units.iter().all(|u| u.may_record), "the officer records for every unit");
    // The leader issues and signs.
    let (leader_store, leader) = &accounts[0];
    let issued = register::issue(leader_store, leader, Source::Window, &doc.id, day(1, 7), None).await.unwrap();
    assert_eq!(issued.number, Some(1));
    // The log names who wrote: the collaborator's note, come by sync, is theirs.
    let (ctv_store, collaborator) = &accounts[1];
    let (bytes, _) = treem::sync::export(ctv_store, collaborator, Some(s.device_id()), false).await.unwrap();
    treem::sync::import(s, o, &bytes, &mut |_, _| {}).await.unwrap();
    let who: Vec<String> = sqlx::query_scalar("SELECT user_id FROM change_log WHERE table_name = 'progress_notes'").fetch_all(s.pool()).await.unwrap();
    assert_eq!(who, [collaborator.id()]);
}

/// Every file the app keeps beside the database, with its content.
fn files_on_disk(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = vec![];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push((path.display().to_string(), std::fs::read(&path).unwrap()));
            }
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn nothing_readable_is_left_on_disk() {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    let p = plan::of_year(s, o, 2024).await.unwrap();
    let tree = plan::tree(s, o, &p.id).await.unwrap();
    let child = "Phạm Thị Bé Năm";
    plan::add_note(s, o, Source::Window, &tree.assignments[0].id, day(2, 6), &format!("Đã thăm hỏi cháu {child}.")).await.unwrap();
    plan::add_evidence(s, o, Source::Window, &tree.assignments[0].id, Upload::Bytes { name: "biên bản.txt", bytes: format!("Biên bản: cháu {child}").as_bytes() })
        .await
        .unwrap();
    let doc = register::create_draft(s, o, Source::Window, Kind::Report, &p.id, Some(ReportPeriod::Half), None, None).await.unwrap();
    let issued = register::issue(s, o, Source::Window, &doc.id, day(1, 7), None).await.unwrap();
    let pdf = register::pdf(s, o, &issued.id).await.unwrap();
    // The WAL holds recent pages until a checkpoint: look while it is there, and after.
    let path = t.db_path();
    let mut looked = files_on_disk(t.dir.path());
    assert!(looked.iter().any(|(p, _)| p.ends_with("treem.db-wal")), "the WAL is on disk while open");
    assert!(looked.iter().any(|(p, _)| p.ends_with("treem.keys")));
    assert!(looked.iter().filter(|(p, _)| p.contains("files")).count() >= 2, "evidence and the issued PDF are kept");
    t.store.close().await;
    looked.extend(files_on_disk(t.dir.path()));
    for (path, bytes) in &looked {
        for plain in [child, "Nguyễn Nghiêm", "SQLite format 3", "Biên bản", "%PDF-1."] {
            assert!(!contains(bytes, plain), "{path} holds “{plain}” in clear");
        }
    }
    // And what is kept reads back byte for byte.
    let (store, officer) = auth::log_in(&path, "canbo", PASSWORD).await.unwrap();
    assert_eq!(register::pdf(&store, &officer, &issued.id).await.unwrap(), pdf);
}

#[tokio::test]
async fn a_wrong_password_is_refused_and_changes_no_byte() {
    let t = support::demo().await;
    let path = t.db_path();
    settle(t.store).await;
    closed(&path).await;
    let before = std::fs::read(&path).unwrap();
    for _ in 0..5 {
        assert_eq!(auth::log_in(&path, "canbo", "sai mật khẩu").await.err().unwrap().code(), ErrorCode::WrongPassword);
    }
    assert_eq!(auth::log_in(&path, "khong-co", PASSWORD).await.err().unwrap().code(), ErrorCode::WrongPassword, "which names exist does not show");
    assert_eq!(std::fs::read(&path).unwrap(), before, "the database's bytes are as they were");
    // The sixth wrong try in a row must wait, whatever the password.
    let err = auth::log_in(&path, "canbo", PASSWORD).await.err().unwrap();
    assert_eq!(err.code(), ErrorCode::TooManyTries);
    assert!(err.to_string().contains("giây"), "{err}");
}

#[tokio::test]
async fn wrong_passwords_are_in_the_trail_after_the_next_login() {
    let t = support::demo().await;
    let path = t.db_path();
    t.store.close().await;
    for _ in 0..2 {
        auth::log_in(&path, "canbo", "sai mật khẩu").await.err().unwrap();
    }
    let (store, officer) = auth::log_in(&path, "canbo", PASSWORD).await.unwrap();
    let lines = audit::list(&store, &officer, &Default::default()).await.unwrap();
    assert_eq!(lines[0].action, "Đăng nhập");
    assert_eq!((lines[1].action.as_str(), lines[1].details.as_str()), ("Nhập sai mật khẩu", "lần: 2"));
}

#[tokio::test]
async fn passwords_change_reset_and_accounts_disable() {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    let (viewer_store, viewer) = t.user("xem", UserRole::Viewer, None).await;
    let err = auth::change_password(&viewer_store, &viewer, "sai", "gió thổi qua rặng tre").await.unwrap_err();
    assert_eq!(err.payload().field.as_deref(), Some("old_password"));
    auth::change_password(&viewer_store, &viewer, PASSWORD, "gió thổi qua rặng tre").await.unwrap();
    assert_eq!(auth::log_in(&t.db_path(), "xem", PASSWORD).await.err().unwrap().code(), ErrorCode::WrongPassword);
    auth::log_in(&t.db_path(), "xem", "gió thổi qua rặng tre").await.unwrap();
    // The officer's own password still opens the same data: one key, a slot per account.
    auth::log_in(&t.db_path(), "canbo", PASSWORD).await.unwrap();

    auth::disable(s, o, viewer.id()).await.unwrap();
    assert_eq!(auth::log_in(&t.db_path(), "xem", "gió thổi qua rặng tre").await.err().unwrap().code(), ErrorCode::WrongPassword, "the slot is gone");
    assert!(auth::users(s, o).await.unwrap().iter().any(|u| u.login == "xem" && u.disabled_at.is_some()));
    auth::reset_password(s, o, viewer.id(), "mưa rơi trên mái ngói").await.unwrap();
    auth::log_in(&t.db_path(), "xem", "mưa rơi trên mái ngói").await.unwrap();
    assert_eq!(auth::disable(s, o, o.id()).await.unwrap_err().code(), ErrorCode::InvalidInput, "not oneself");
    let err = auth::add_user(s, o, auth::NewUser { login: "XEM", name: "Ai đó", role: UserRole::Viewer, group_unit_id: None, password: PASSWORD }).await.unwrap_err();
    assert_eq!(err.payload().field.as_deref(), Some("login"), "login names compare folded");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_chains_read_while_entries_are_written_are_whole() {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    let child: String = sqlx::query_scalar("SELECT id FROM children LIMIT 1").fetch_one(s.pool()).await.unwrap();
    let today = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    // Each look at a child's record appends an entry to the log, as the window does while the
    // start-up check reads the chains.
    let writing = async {
        for _ in 0..150 {
            treem::children::page(s, o, &child, today).await.unwrap();
        }
    };
    let reading = async {
        let mut broken = Vec::new();
        for _ in 0..40 {
            broken.extend(audit::verify(s, o).await.unwrap().breaks);
        }
        broken
    };
    let ((), broken) = tokio::join!(writing, reading);
    assert!(broken.is_empty(), "a false alarm: {broken:?}");
}

#[tokio::test]
async fn an_altered_or_removed_audit_entry_is_found() {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    assert!(audit::verify(s, o).await.unwrap().whole());
    let entries = audit::verify(s, o).await.unwrap().entries;

    // A changed value in the middle of the chain.
    sqlx::query("UPDATE change_log SET user_name = 'Người khác' WHERE seq = 5").execute(s.pool()).await.unwrap();
    let check = audit::verify(s, o).await.unwrap();
    assert_eq!(check.breaks.len(), 1);
    assert_eq!(check.breaks[0].seq, 5);
    assert!(check.breaks[0].reason.contains("bị sửa"), "{:?}", check.breaks);
    let lines = audit::list(s, o, &Default::default()).await.unwrap();
    assert!(lines.iter().filter(|l| l.seq >= 5).all(|l| l.broken) && lines.iter().filter(|l| l.seq < 5).all(|l| !l.broken));

    // Another database: an entry removed.
    let u = support::demo().await;
    sqlx::query("DELETE FROM change_log WHERE seq = 7").execute(u.store.pool()).await.unwrap();
    let check = audit::verify(&u.store, &u.officer).await.unwrap();
    assert_eq!((check.entries, check.breaks[0].seq), (entries - 1, 8));
    assert!(check.breaks[0].reason.contains("thiếu mục 7 (đã bị xóa)"), "{:?}", check.breaks);

    // Entries cut off the end, and a hash blanked to have it chained again, are found too.
    let v = support::demo().await;
    let last: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM change_log").fetch_one(v.store.pool()).await.unwrap();
    sqlx::query("DELETE FROM change_log WHERE seq > ?").bind(last - 2).execute(v.store.pool()).await.unwrap();
    let check = audit::verify(&v.store, &v.officer).await.unwrap();
    assert_eq!(check.breaks[0].seq, last - 1);
    assert!(check.breaks[0].reason.contains(&format!("thiếu các mục {} đến {last}", last - 1)), "{:?}", check.breaks);
    let w = support::demo().await;
    sqlx::query("UPDATE change_log SET user_name = 'Người khác', hash = '' WHERE seq >= 3").execute(w.store.pool()).await.unwrap();
    let path = w.db_path();
    w.store.close().await;
    let (store, officer) = auth::log_in(&path, "canbo", PASSWORD).await.unwrap();
    assert_eq!(audit::verify(&store, &officer).await.unwrap().breaks[0].seq, 3, "not chained again on opening");
    store.close().await;

    // The command line says so with its exit status.
    let path = u.db_path();
    u.store.close().await;
    let out = treem(&path, &["audit", "verify"], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("bị phá vỡ ở mục 8"));
}

#[tokio::test]
async fn the_trail_exports_to_excel_and_the_export_is_in_it() {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    audit::viewed(s, o, "plans", "mot-ke-hoach").await.unwrap();
    let filter = audit::AuditFilter { record_id: Some("mot-ke-hoach".into()), ..Default::default() };
    let lines = audit::list(s, o, &filter).await.unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].action, "Xem hồ sơ");
    let xlsx = audit::xlsx(s, o, &Default::default()).await.unwrap();
    assert!(xlsx.starts_with(b"PK"), "an .xlsx is a zip");
    audit::exported(s, o, "change_log", "", "nhật ký.xlsx").await.unwrap();
    let latest = &audit::list(s, o, &Default::default()).await.unwrap()[0];
    assert_eq!((latest.action.as_str(), latest.details.as_str()), ("Xuất dữ liệu", "tệp: nhật ký.xlsx"));
    let err = audit::list(s, o, &audit::AuditFilter { from: Some(day(2, 1)), to: Some(day(1, 1)), ..Default::default() }).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
}

/// Folds the WAL into the database file now and closes the store, so that the file holds every
/// page (a page still in the WAL would be read from there, whatever the file says).
async fn settle(store: treem::Store) {
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(store.pool()).await.unwrap();
    store.close().await;
}

/// Waits until the last connection has folded the WAL into the file (it does so as it closes,
/// on its own thread).
async fn closed(db: &Path) {
    let wal = db.with_extension("db-wal");
    for _ in 0..100 {
        if !wal.exists() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_damaged_database_file_is_refused_with_a_message() {
    let t = support::demo().await;
    let path = t.db_path();
    settle(t.store).await;
    closed(&path).await;
    let mut bytes = std::fs::read(&path).unwrap();
    // Page 1 is read by every opening; SQLCipher authenticates each page.
    bytes[200] ^= 0xff;
    std::fs::write(&path, &bytes).unwrap();
    let err = auth::log_in(&path, "canbo", PASSWORD).await.err().expect("refused");
    assert_eq!(err.code(), ErrorCode::Database);
    assert!(err.to_string().contains("bị hỏng"), "{err}");
}

fn treem(db: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_treem"));
    cmd.args(args).arg("--db").arg(db).env("TREEM_USER", "canbo").env("TREEM_PASSWORD", PASSWORD).env_remove("TREEM_CRASH_AT");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("treem runs")
}

/// A database as the version before accounts left it: unencrypted, its own migrations, a ward,
/// a change log without hashes, and a kept file in clear.
async fn unencrypted_database(dir: &Path) -> std::path::PathBuf {
    use sha2::Digest;
    let evidence = "Biên bản họp";
    let sha256 = hex::encode(sha2::Sha256::digest(evidence.as_bytes()));
    let (db, pool) = support::database_before(dir, "20250401000000").await;
    let file_row = format!(
        "INSERT INTO files (id, file_name, stored_path, sha256, size_bytes, created_at, updated_at, device_id)
         VALUES ('f', 'biên bản.txt', 'files/ab/bien-ban.txt', '{sha256}', {size}, 't', 't', 'cu');
         INSERT INTO change_log (device_id, seq, table_name, record_id, op, changes, user_name, source, at, row_version, hlc)
         VALUES ('cu', 2, 'files', 'f', 'insert', '{{\"file_name\":[null,\"biên bản.txt\"],\"stored_path\":[null,\"files/ab/bien-ban.txt\"],\"sha256\":[null,\"{sha256}\"],\"size_bytes\":[null,{size}]}}', 'cán bộ', 'window', 't', 1, '0000000000000002-000000-cu')",
        size = evidence.len()
    );
    for sql in [
        "INSERT INTO ward (id, name, parent_authority, place_name, created_at, updated_at, device_id) VALUES ('w', 'Phường Nguyễn Nghiêm', 'Thành phố Quảng Ngãi', 'Nguyễn Nghiêm', 't', 't', 'cu')",
        "INSERT INTO change_log (device_id, seq, table_name, record_id, op, changes, user_name, source, at, row_version, hlc)
         VALUES ('cu', 1, 'ward', 'w', 'insert', '{\"name\":[null,\"Phường Nguyễn Nghiêm\"],\"parent_authority\":[null,\"Thành phố Quảng Ngãi\"],\"place_name\":[null,\"Nguyễn Nghiêm\"]}', 'cán bộ', 'window', 't', 1, '0000000000000001-000000-cu')",
        file_row.as_str(),
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;
    std::fs::create_dir_all(dir.join("files/ab")).unwrap();
    std::fs::write(dir.join("files/ab/bien-ban.txt"), evidence).unwrap();
    db
}

#[tokio::test]
async fn an_unencrypted_database_moves_in_place_even_when_killed_midway() {
    let dir = tempfile::tempdir().unwrap();
    let db = unencrypted_database(dir.path()).await;
    // Killed after the encrypted copy is written: the old file is untouched and still opens.
    for point in ["encrypt_copied", "encrypt_before_swap"] {
        let out = treem(&db, &["init"], &[("TREEM_CRASH_AT", point)]);
        assert!(!out.status.success(), "killed at {point}");
        let plain = std::fs::read(&db).unwrap();
        assert!(plain.starts_with(b"SQLite format 3"), "killed at {point}: the old file is whole");
        if point == "encrypt_copied" {
            assert!(!dir.path().join("treem.keys").exists(), "no account yet: the first start asks again");
        }
    }
    // The key ring was written before the second kill: logging in finishes the move.
    let out = treem(&db, &["audit", "verify"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!std::fs::read(&db).unwrap().starts_with(b"SQLite format 3"));
    assert!(!dir.path().join("treem.db.new").exists());

    let (store, officer) = auth::log_in(&db, "canbo", PASSWORD).await.unwrap();
    assert_eq!(ward::get(&store, &officer).await.unwrap().unwrap().name, "Phường Nguyễn Nghiêm");
    // The old entries are chained now, and the log still rebuilds the ward.
    assert!(audit::verify(&store, &officer).await.unwrap().whole());
    let kept = std::fs::read(dir.path().join("files/ab/bien-ban.txt")).unwrap();
    assert!(!contains(&kept, "Biên bản"), "the kept file is encrypted");
    let report = treem::check::run(&store, &officer).await.unwrap();
    assert_eq!(report.first_problem(), None, "integrity, the kept file's hash and the replay all hold");
    store.close().await;
}

#[tokio::test]
async fn the_command_line_refuses_what_the_role_may_not() {
    let t = support::demo().await;
    t.user("xem", UserRole::Viewer, None).await;
    let db = t.db_path();
    t.store.close().await;
    let viewer = [("TREEM_USER", "xem")];
    let plan_file = t.dir.path().join("ke-hoach.txt");
    std::fs::write(&plan_file, treem::demo::SEED_PLAN).unwrap();
    let out = treem(&db, &["plan", "import", plan_file.to_str().unwrap()], &viewer);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Vai trò “Chỉ xem” không được sửa kế hoạch"));
    let pdf = t.dir.path().join("bc.pdf");
    let out = treem(&db, &["doc", "report", "--period", "half", "--year", "2024", "--issue", "--out", pdf.to_str().unwrap()], &viewer);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("không được soạn văn bản"));
    assert!(treem(&db, &["status", "--today", "20/06/2024"], &viewer).status.success(), "a viewer reads");
    assert!(!treem(&db, &["audit", "list"], &viewer).status.success());
    assert!(!treem(&db, &["user", "list"], &viewer).status.success());
    // The officer may, and without a password nothing runs.
    let out = treem(&db, &["user", "add", "hoa", "--role", "collaborator", "--group", "tổ dân phố 2"], &[("TREEM_NEW_PASSWORD", "mật khẩu của hoa")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let list = treem(&db, &["user", "list", "--json"], &[]);
    let users: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert!(users.as_array().unwrap().iter().any(|u| u["login"] == "hoa" && u["role"] == "collaborator" && u["group_name"] == "Tổ dân phố 2"));
    let out = Command::new(env!("CARGO_BIN_EXE_treem")).args(["status", "--db"]).arg(&db).env_remove("TREEM_USER").env_remove("TREEM_PASSWORD").output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("TREEM_USER"));
    assert!(treem(&db, &["audit", "verify"], &[]).status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_first_starts_at_once_make_one_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("treem.db");
    let (a, b) = (db.clone(), db.clone());
    let first = tokio::spawn(async move { auth::set_up(&a, "canbo", "Nguyễn Thị Hoa", "trăng lên đỉnh núi xa").await.map(|(s, _, _)| s) });
    let second = tokio::spawn(async move { auth::set_up(&b, "lanhdao", "Võ Thùy Dương", "thuyền về bến sông quê").await.map(|(s, _, _)| s) });
    let results = [first.await.unwrap(), second.await.unwrap()];
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "one set-up wins, the other is told to log in");
    for r in results.into_iter().flatten() {
        r.close().await;
    }
    let opened = [auth::log_in(&db, "canbo", "trăng lên đỉnh núi xa").await, auth::log_in(&db, "lanhdao", "thuyền về bến sông quê").await];
    assert_eq!(opened.iter().filter(|r| r.is_ok()).count(), 1, "the winner's password opens the data");
}

/// A demo ward with a kept file and a viewer, whose copy of the key ring is taken before the
/// officer stops their account; the store is closed. Returns the ward, the kept file and its
/// bytes, and where the old key ring was copied.
async fn viewer_stopped_after_copying_the_key_ring() -> (support::TempStore, String, Vec<u8>, std::path::PathBuf) {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    let p = plan::of_year(s, o, 2024).await.unwrap();
    let tree = plan::tree(s, o, &p.id).await.unwrap();
    let bytes = "Biên bản: cháu Phạm Thị Bé Năm".as_bytes().to_vec();
    let file = plan::add_evidence(s, o, Source::Window, &tree.assignments[0].id, Upload::Bytes { name: "biên bản.txt", bytes: &bytes }).await.unwrap();
    let (viewer_store, viewer) = t.user("xem", UserRole::Viewer, None).await;
    viewer_store.close().await;
    let copied = t.dir.path().join("ban-chep.keys");
    std::fs::copy(t.dir.path().join("treem.keys"), &copied).unwrap();
    auth::disable(s, o, viewer.id()).await.unwrap();
    let file_id = file.id.clone();
    (t, file_id, bytes, copied)
}

/// Whether the key ring copied to `copied` still opens the data with the viewer's password; the
/// ring in use is put back after.
async fn old_ring_opens(db: &Path, copied: &Path) -> bool {
    let ring = db.with_extension("keys");
    let current = std::fs::read(&ring).unwrap();
    std::fs::copy(copied, &ring).unwrap();
    let opened = auth::log_in(db, "xem", PASSWORD).await;
    std::fs::write(&ring, current).unwrap();
    match opened {
        Ok((store, _)) => {
            store.close().await;
            true
        }
        // The account is stopped: the key opened the database, whose record refused the login.
        Err(Error::AccountDisabled) => true,
        Err(_) => false,
    }
}

/// What the officer finds after logging in: the kept file byte for byte, every check passing, and
/// nothing of a change of key left beside the data.
async fn all_there(db: &Path, file_id: &str, bytes: &[u8]) {
    let (store, officer) = auth::log_in(db, "canbo", PASSWORD).await.unwrap();
    assert_eq!(treem::files::read(&store, &officer, file_id).await.unwrap(), bytes);
    assert_eq!(treem::check::run(&store, &officer).await.unwrap().first_problem(), None);
    assert!(ward::get(&store, &officer).await.unwrap().is_some());
    store.close().await;
    let dir = db.parent().unwrap();
    assert!(!dir.join("treem.db.new").exists());
    let left: Vec<_> = walk(&dir.join("files")).into_iter().filter(|p| p.file_name().unwrap().to_string_lossy().starts_with(".moi-")).collect();
    assert!(left.is_empty(), "{left:?}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.path().is_dir() {
            found.extend(walk(&entry.path()));
        } else {
            found.push(entry.path());
        }
    }
    found
}

#[tokio::test]
async fn a_key_ring_copied_before_an_account_was_stopped_opens_nothing_after_the_next_login() {
    let (t, file_id, bytes, copied) = viewer_stopped_after_copying_the_key_ring().await;
    let db = t.db_path();
    // While the officer's session is open the key stays: the copy still opens the data.
    assert!(old_ring_opens(&db, &copied).await, "the key changes at the next login, not before");
    t.store.close().await;
    let kept_before: Vec<_> = walk(&t.dir.path().join("files")).into_iter().map(|p| std::fs::read(p).unwrap()).collect();

    // The officer's next login changes the key: the database, the kept files, the slots.
    let (store, officer) = auth::log_in(&db, "canbo", PASSWORD).await.unwrap();
    let trail = audit::list(&store, &officer, &audit::AuditFilter::default()).await.unwrap();
    assert!(trail.iter().any(|l| l.action == "Đổi khóa mã hóa dữ liệu"), "the change is in the trail");
    store.close().await;
    assert!(!old_ring_opens(&db, &copied).await, "the copy of the old key ring opens nothing");
    let kept_after: Vec<_> = walk(&t.dir.path().join("files")).into_iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert_eq!(kept_before.len(), kept_after.len());
    assert!(kept_before.iter().all(|b| !kept_after.contains(b)), "every kept file is sealed anew");
    all_there(&db, &file_id, &bytes).await;

    // Once changed, logins do not change it again.
    let ring = std::fs::read(db.with_extension("keys")).unwrap();
    let (store, _) = auth::log_in(&db, "canbo", PASSWORD).await.unwrap();
    store.close().await;
    let again = String::from_utf8(std::fs::read(db.with_extension("keys")).unwrap()).unwrap();
    assert!(!again.contains("change_key"));
    assert_eq!(serde_json::from_str::<serde_json::Value>(&again).unwrap()["slots"], serde_json::from_slice::<serde_json::Value>(&ring).unwrap()["slots"]);
}

#[tokio::test]
async fn a_change_of_key_killed_at_any_step_loses_nothing_and_holds_at_the_next_login() {
    for point in ["key_copied", "key_files_sealed", "key_ring_written"] {
        let (t, file_id, bytes, copied) = viewer_stopped_after_copying_the_key_ring().await;
        let db = t.db_path();
        t.store.close().await;
        let out = treem(&db, &["audit", "verify"], &[("TREEM_CRASH_AT", point)]);
        assert!(!out.status.success(), "killed at {point}");
        all_there(&db, &file_id, &bytes).await;
        assert!(!old_ring_opens(&db, &copied).await, "killed at {point}: the key changed all the same");
        all_there(&db, &file_id, &bytes).await;
    }
}

#[tokio::test]
async fn a_backup_made_before_the_key_changed_restores_with_its_kept_files() {
    let (t, file_id, bytes, _) = viewer_stopped_after_copying_the_key_ring().await;
    let db = t.db_path();
    let backup = t.dir.path().join("truoc-khi-doi-khoa.treembackup");
    treem::backup::make(&t.store, &t.officer, &backup).await.unwrap();
    t.store.close().await;
    let (store, _) = auth::log_in(&db, "canbo", PASSWORD).await.unwrap();
    store.close().await;
    // The kept files on disk are sealed under the new key now, the backup's under the old one.
    let checked = treem::backup::check(&backup, treem::backup::Opener::Officer { login: "canbo", password: PASSWORD }, &db).await.unwrap();
    let aside = treem::backup::restore(checked, &db).await.unwrap().expect("the replaced data is kept aside");
    all_there(&db, &file_id, &bytes).await;
    assert!(!walk(&aside.join("files")).is_empty(), "the replaced data's own kept files went aside with it");
}

#[tokio::test]
async fn a_change_of_key_that_fails_leaves_the_data_as_it_was_and_lets_the_login_in() {
    let (t, file_id, bytes, copied) = viewer_stopped_after_copying_the_key_ring().await;
    let db = t.db_path();
    t.store.close().await;
    // The disk fills as the kept files are sealed anew: the command still runs, on the old key.
    let out = treem(&db, &["audit", "verify"], &[("TREEM_DISK_FULL_AT", "key_files")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(old_ring_opens(&db, &copied).await, "the key stayed as it was");
    assert!(!t.dir.path().join("treem.db.new").exists());
    // The next login makes the change, and the trail tells both.
    let (store, officer) = auth::log_in(&db, "canbo", PASSWORD).await.unwrap();
    let actions: Vec<String> = audit::list(&store, &officer, &audit::AuditFilter::default()).await.unwrap().into_iter().map(|l| l.action).collect();
    assert!(actions.iter().any(|a| a == "Chưa đổi được khóa mã hóa dữ liệu"), "{actions:?}");
    assert!(actions.iter().any(|a| a == "Đổi khóa mã hóa dữ liệu"), "{actions:?}");
    store.close().await;
    assert!(!old_ring_opens(&db, &copied).await);
    all_there(&db, &file_id, &bytes).await;
}

#[tokio::test]
async fn a_connection_still_open_after_its_store_closed_breaks_no_change_of_key() {
    let (t, file_id, bytes, copied) = viewer_stopped_after_copying_the_key_ring().await;
    let db = t.db_path();
    // A connection that outlives its store a moment, as one handed back to the pool as it
    // closed does, with the WAL's shared index mapped.
    let mut lingering = t.store.pool().acquire().await.unwrap().detach();
    sqlx::query("SELECT count(*) FROM children").execute(&mut lingering).await.unwrap();
    t.store.close().await;
    let failed = treem(&db, &["audit", "verify"], &[("TREEM_DISK_FULL_AT", "key_files")]);
    assert!(failed.status.success(), "{}", String::from_utf8_lossy(&failed.stderr));
    let changed = treem(&db, &["audit", "verify"], &[]);
    assert!(changed.status.success(), "{}", String::from_utf8_lossy(&changed.stderr));
    sqlx::Connection::close(lingering).await.unwrap();
    assert!(!old_ring_opens(&db, &copied).await);
    all_there(&db, &file_id, &bytes).await;
}
