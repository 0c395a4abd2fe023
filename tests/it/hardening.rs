//! Attacks by an insider with an account and ordinary tools, and by files made to hurt: each
//! test reproduces one and proves it refused, on real files. A collaborator's laptop forging
//! well-signed sync files; a collaborator reaching for the office's laptop, backups and files;
//! restores killed or starved of disk at each step; hostile backups; control characters.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use treem::auth::{self, Actor, NewUser, UserRole};
use treem::children::{self, ChildInput, Sex};
use treem::store::Cols;
use treem::sync::{self, join};
use treem::{ward, Error, ErrorCode, Source, Store};

use crate::support::{self, TempStore, PASSWORD};

struct Laptop {
    store: Store,
    actor: Actor,
    _dir: tempfile::TempDir,
}

/// The demo ward with children, a collaborator of Tổ dân phố 1, and that collaborator's laptop
/// joined and holding the group.
async fn office_and_collaborator() -> (TempStore, Laptop, String) {
    let office = support::demo().await;
    let (o, oa) = (&office.store, &office.officer);
    children::generate::add(o, oa, 40, 7, chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()).await.unwrap();
    let group = ward::unit_named(o, oa, "Tổ dân phố 1").await.unwrap().id;
    auth::add_user(o, oa, NewUser { login: "ctv1", name: "Lê Thị Mai", role: UserRole::Collaborator, group_unit_id: Some(&group), password: "" })
        .await
        .unwrap();
    let invitation = join::invite(o, oa, "Máy tổ dân phố 1", "ctv1").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (store, actor) = join::join(&dir.path().join("treem.db"), &invitation.bytes, &invitation.passphrase, PASSWORD).await.unwrap();
    (office, Laptop { store, actor, _dir: dir }, group)
}

/// A file the collaborator's laptop makes for the office after `forge` wrote around the core
/// (as someone holding the laptop's key can), and what importing it at the office says.
async fn forged(office: &TempStore, ctv: &Laptop, forge: impl AsyncFnOnce(&Laptop)) -> Error {
    forge(ctv).await;
    let (bytes, _) = sync::export(&ctv.store, &ctv.actor, Some(office.store.device_id()), false).await.expect("the laptop makes its file");
    let before = support::row_counts(&office.store).await;
    let err = sync::import(&office.store, &office.officer, &bytes, &mut |_, _| {}).await.expect_err("the office refuses the file");
    assert_eq!(support::row_counts(&office.store).await, before, "a refused file changes nothing");
    err
}

/// The demo ward and the Chairman's own laptop, joined.
async fn office_and_leader() -> (TempStore, Laptop) {
    let office = support::demo().await;
    let (o, oa) = (&office.store, &office.officer);
    auth::add_user(o, oa, NewUser { login: "chutich", name: "Trần Văn Bình", role: UserRole::Leader, group_unit_id: None, password: PASSWORD }).await.unwrap();
    let invitation = join::invite(o, oa, "Máy của Chủ tịch", "chutich").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (store, actor) = join::join(&dir.path().join("treem.db"), &invitation.bytes, &invitation.passphrase, PASSWORD).await.unwrap();
    (office, Laptop { store, actor, _dir: dir })
}

async fn a_child_of(store: &Store) -> String {
    sqlx::query_scalar("SELECT id FROM children WHERE deleted_at IS NULL ORDER BY id LIMIT 1").fetch_one(store.pool()).await.unwrap()
}

#[tokio::test]
async fn a_collaborators_well_signed_file_removing_a_child_is_refused() {
    let (office, ctv, _) = office_and_collaborator().await;
    let child = a_child_of(&ctv.store).await;
    let err = forged(&office, &ctv, async |l: &Laptop| {
        let mut w = l.store.write(&l.actor, Source::Window).await.unwrap();
        w.tombstone("children", &child).await.unwrap();
        w.commit().await.unwrap();
    })
    .await;
    assert!(err.to_string().contains("vượt quyền") && err.to_string().contains("xóa bản ghi: bảng children"), "{err}");
    let deleted: Option<String> = sqlx::query_scalar("SELECT deleted_at FROM children WHERE id = ?").bind(&child).fetch_one(office.store.pool()).await.unwrap();
    assert_eq!(deleted, None, "the child stays in the office's register");
}

#[tokio::test]
async fn a_collaborators_file_blanking_a_name_or_hiding_control_characters_is_refused() {
    let (office, ctv, _) = office_and_collaborator().await;
    let child = a_child_of(&ctv.store).await;
    let mut w = ctv.store.write(&ctv.actor, Source::Window).await.unwrap();
    w.update("children", &child, Cols::new().set("school", "Trường Tiểu học Nguyễn Nghiêm")).await.unwrap();
    w.commit().await.unwrap();
    // The entry the forger rewrites: that edit's, on the laptop's own chain.
    let (seq, honest): (i64, String) = sqlx::query_as("SELECT seq, changes FROM change_log WHERE device_id = ? ORDER BY seq DESC LIMIT 1")
        .bind(ctv.store.device_id())
        .fetch_one(ctv.store.pool())
        .await
        .unwrap();
    let entry = format!("device_id = '{}' AND seq = {seq}", ctv.store.device_id());
    for (column, value) in [("full_name", ""), ("address", "Tổ 1\u{1b}[2J"), ("full_name", "Nguyễn \u{202E}nA"), ("notes", "ghi chú của cộng tác viên"), ("birth_date", "2016-02-30")] {
        let err = forged(&office, &ctv, async |l: &Laptop| {
            // The entry itself is rewritten, as a forger holding the laptop's key can.
            let changes = serde_json::json!({ column: ["x", value] }).to_string();
            sqlx::query(&format!("UPDATE change_log SET changes = ? WHERE {entry}")).bind(changes).execute(l.store.pool()).await.unwrap();
            rehash_own_chain(&l.store).await;
        })
        .await;
        assert!(err.to_string().contains("vượt quyền") && err.to_string().contains(&format!("trường {column}")), "{column}: {err}");
    }
    // The honest entry goes through.
    sqlx::query(&format!("UPDATE change_log SET changes = ? WHERE {entry}")).bind(&honest).execute(ctv.store.pool()).await.unwrap();
    rehash_own_chain(&ctv.store).await;
    let (bytes, _) = sync::export(&ctv.store, &ctv.actor, Some(office.store.device_id()), false).await.unwrap();
    sync::import(&office.store, &office.officer, &bytes, &mut |_, _| {}).await.expect("an honest file is taken");
}

/// Recomputes this laptop's hash chain after a raw edit, as a forger holding the key would.
async fn rehash_own_chain(store: &Store) {
    let links: Vec<treem::store::chain::Link> = sqlx::query_as(&format!(
        "SELECT {} FROM change_log WHERE device_id = ? ORDER BY seq",
        treem::store::chain::LINK_COLUMNS
    ))
    .bind(store.device_id())
    .fetch_all(store.pool())
    .await
    .unwrap();
    let mut prev = String::new();
    let mut head = String::new();
    for mut link in links {
        link.prev_hash = prev;
        link.hash = link.expected_hash();
        sqlx::query("UPDATE change_log SET prev_hash = ?, hash = ? WHERE device_id = ? AND seq = ?")
            .bind(&link.prev_hash)
            .bind(&link.hash)
            .bind(&link.device_id)
            .bind(link.seq)
            .execute(store.pool())
            .await
            .unwrap();
        head = format!("{}:{}", link.seq, link.hash);
        prev = link.hash;
    }
    sqlx::query("UPDATE meta SET value = ? WHERE key = ?").bind(&head).bind(format!("chain_head:{}", store.device_id())).execute(store.pool()).await.unwrap();
}

#[tokio::test]
async fn a_file_that_skips_entries_of_a_device_is_refused_naming_the_first_missing() {
    let (office, ctv, group) = office_and_collaborator().await;
    // The office first hears of the laptop up to some point.
    let (bytes, _) = sync::export(&ctv.store, &ctv.actor, Some(office.store.device_id()), false).await.unwrap();
    sync::import(&office.store, &office.officer, &bytes, &mut |_, _| {}).await.unwrap();
    let (bytes, _) = sync::export(&office.store, &office.officer, Some(ctv.store.device_id()), false).await.unwrap();
    sync::import(&ctv.store, &ctv.actor, &bytes, &mut |_, _| {}).await.unwrap();
    let held: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM change_log WHERE device_id = ?").bind(ctv.store.device_id()).fetch_one(office.store.pool()).await.unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    let err = forged(&office, &ctv, async |l: &Laptop| {
        for name in ["Hồ Văn An", "Hồ Văn Bình", "Hồ Văn Cường", "Hồ Văn Dũng"] {
            let input = ChildInput { full_name: name.into(), birth: "05/09/2016".into(), sex: Some(Sex::Male), group_unit_id: Some(group.clone()), ..Default::default() };
            children::add(&l.store, &l.actor, Source::Window, &input, day).await.unwrap();
        }
        // The laptop pretends the office already holds its first new entries.
        sqlx::query("UPDATE sync_peer_state SET known = ? WHERE peer_id = ? AND device_id = ?")
            .bind(held + 2)
            .bind(office.store.device_id())
            .bind(l.store.device_id())
            .execute(l.store.pool())
            .await
            .unwrap();
    })
    .await;
    let message = err.to_string();
    assert!(matches!(err, Error::Sync(sync::SyncError::Gap { missing, .. }) if missing == held + 1), "{message}");
    assert!(message.contains(&format!("thiếu mục nhật ký số {}", held + 1)) && message.contains("Máy tổ dân phố 1"), "{message}");
    let check = treem::check::quick(&office.store).await.unwrap();
    assert!(check.chains.whole(), "the office's chains stay whole: {:?}", check.chains.breaks);
}

/// The office and the collaborator's laptop, each having received the other's file once: each
/// holds the other's heads.
async fn after_one_exchange() -> (TempStore, Laptop) {
    let (office, ctv, _) = office_and_collaborator().await;
    let (bytes, _) = sync::export(&ctv.store, &ctv.actor, Some(office.store.device_id()), false).await.unwrap();
    sync::import(&office.store, &office.officer, &bytes, &mut |_, _| {}).await.unwrap();
    let (bytes, _) = sync::export(&office.store, &office.officer, Some(ctv.store.device_id()), false).await.unwrap();
    sync::import(&ctv.store, &ctv.actor, &bytes, &mut |_, _| {}).await.unwrap();
    (office, ctv)
}

#[tokio::test]
async fn history_rewritten_with_the_laptops_key_is_found_by_the_check_and_at_the_next_sync() {
    let (office, ctv) = after_one_exchange().await;
    let (o, oa) = (&office.store, &office.officer);
    assert!(treem::audit::verify(o, oa).await.unwrap().whole());
    // Someone holding the office's key changes an early entry of its own and recomputes the chain.
    sqlx::query("UPDATE change_log SET user_name = 'Người khác' WHERE device_id = ? AND seq = 3").bind(o.device_id()).execute(o.pool()).await.unwrap();
    rehash_own_chain(o).await;
    let check = treem::audit::verify(o, oa).await.unwrap();
    let found = check.breaks.iter().find(|b| b.device_id == o.device_id()).expect("the office's own chain is found rewritten");
    assert!(found.reason.contains("Máy tổ dân phố 1") && found.reason.contains("đã bị sửa"), "{found:?}");
    // Even with the witnesses' heads wiped as well, the collaborator's next file finds it, and
    // nothing of the file is taken.
    sqlx::query("DELETE FROM witnessed_heads").execute(o.pool()).await.unwrap();
    assert!(treem::audit::verify(o, oa).await.unwrap().whole(), "the laptop alone cannot tell");
    let (bytes, _) = sync::export(&ctv.store, &ctv.actor, Some(o.device_id()), false).await.unwrap();
    let before = support::row_counts(o).await;
    let err = sync::import(o, oa, &bytes, &mut |_, _| {}).await.expect_err("refused");
    assert!(matches!(err, Error::Sync(sync::SyncError::Rewritten(_))), "{err}");
    assert!(err.to_string().contains("ở máy «Máy tổ dân phố 1» khác với ở máy này"), "{err}");
    assert_eq!(refused_kept(o, before).await, 1);
}

/// Checks that nothing but the trail changed since `before` (row counts), and says how many
/// refusals the trail keeps: closing the message does not remove them.
async fn refused_kept(store: &Store, before: Vec<(String, i64)>) -> i64 {
    let data = |counts: Vec<(String, i64)>| counts.into_iter().filter(|(table, _)| table != "change_log").collect::<Vec<_>>();
    assert_eq!(data(support::row_counts(store).await), data(before), "a refused file changes no data");
    sqlx::query_scalar("SELECT COUNT(*) FROM change_log WHERE event = 'history_mismatch'").fetch_one(store.pool()).await.unwrap()
}

#[tokio::test]
async fn a_tail_cut_off_a_laptops_history_is_found_by_the_laptop_that_received_it() {
    let (office, ctv) = after_one_exchange().await;
    let o = &office.store;
    let last: i64 = sqlx::query_scalar("SELECT MAX(seq) FROM change_log WHERE device_id = ?").bind(o.device_id()).fetch_one(o.pool()).await.unwrap();
    sqlx::query("DELETE FROM change_log WHERE device_id = ? AND seq > ?").bind(o.device_id()).bind(last - 3).execute(o.pool()).await.unwrap();
    rehash_own_chain(o).await;
    let (bytes, _) = sync::export(o, &office.officer, Some(ctv.store.device_id()), false).await.unwrap();
    let before = support::row_counts(&ctv.store).await;
    let err = sync::import(&ctv.store, &ctv.actor, &bytes, &mut |_, _| {}).await.expect_err("refused");
    assert!(matches!(err, Error::Sync(sync::SyncError::Rewritten(_))), "{err}");
    assert!(err.to_string().contains("Lịch sử thay đổi không khớp"), "{err}");
    assert_eq!(refused_kept(&ctv.store, before).await, 1);
    // The office, hearing back from that laptop, finds its own entries gone.
    let (bytes, _) = sync::export(&ctv.store, &ctv.actor, Some(o.device_id()), false).await.unwrap();
    let err = sync::import(o, &office.officer, &bytes, &mut |_, _| {}).await.expect_err("refused");
    assert!(err.to_string().contains("nhưng máy này không còn mục đó") || err.to_string().contains("khác với ở máy này"), "{err}");
}

#[tokio::test]
async fn a_collaborator_holds_no_key_to_the_office_laptop_nor_to_its_files() {
    let (office, ctv, group) = office_and_collaborator().await;
    let (o, oa) = (&office.store, &office.officer);
    // No password of a collaborator opens the laptop that holds the whole ward.
    let err = auth::add_user(o, oa, NewUser { login: "ctv2", name: "Trần Văn Nam", role: UserRole::Collaborator, group_unit_id: Some(&group), password: PASSWORD })
        .await
        .unwrap_err();
    assert!(matches!(&err, Error::Invalid(i) if i.field == "password" && i.message.contains("kết nạp máy")), "{err}");
    let ring = std::fs::read_to_string(office.dir.path().join("treem.keys")).unwrap();
    assert!(!ring.contains("ctv1"), "the office's key ring has no slot of the collaborator");
    assert!(matches!(auth::log_in(&office.db_path(), "ctv1", PASSWORD).await.err(), Some(Error::WrongPassword)));
    let ctv_id = sqlx::query_scalar::<_, String>("SELECT id FROM users WHERE login = 'ctv1'").fetch_one(o.pool()).await.unwrap();
    let err = auth::reset_password(o, oa, &ctv_id, PASSWORD).await.unwrap_err();
    assert!(matches!(&err, Error::Invalid(i) if i.field == "password"), "{err}");
    // Nor any backup of it.
    let backup = office.dir.path().join("office.treembackup");
    treem::backup::make(o, oa, &backup).await.unwrap();
    let staging_db = office.dir.path().join("restore-here/treem.db");
    let err = treem::backup::check(&backup, treem::backup::Opener::Officer { login: "ctv1", password: PASSWORD }, &staging_db).await.err();
    assert!(matches!(err, Some(Error::WrongPassword)), "{err:?}");
    // A file the office makes for another laptop is sealed to that laptop alone: the
    // collaborator's laptop, with its password, cannot open it.
    let other_group = ward::units(o, oa).await.unwrap().into_iter().find(|u| u.kind == ward::UnitKind::ResidentialGroup && u.id != group).unwrap().id;
    auth::add_user(o, oa, NewUser { login: "ctv3", name: "Phạm Thị Lan", role: UserRole::Collaborator, group_unit_id: Some(&other_group), password: "" }).await.unwrap();
    let second = join::invite(o, oa, "Máy tổ dân phố 2", "ctv3").await.unwrap();
    let (for_second, _) = sync::export(o, oa, Some(&second.device_id), true).await.unwrap();
    let header = sync::file::header(&for_second).unwrap();
    assert_eq!(header.keys.iter().map(|k| k.device.as_str()).collect::<Vec<_>>(), vec![second.device_id.as_str()]);
    let err = sync::import(&ctv.store, &ctv.actor, &for_second, &mut |_, _| {}).await.unwrap_err();
    assert!(matches!(err, Error::Sync(sync::SyncError::ForAnotherDevice(_))), "{err}");
    // Claiming to be the addressed laptop, by rewriting the header, breaks the signature.
    let mut forged = for_second.clone();
    let at = forged.windows(second.device_id.len()).position(|w| w == second.device_id.as_bytes()).unwrap();
    forged[at..at + ctv.store.device_id().len()].copy_from_slice(ctv.store.device_id().as_bytes());
    assert!(sync::import(&ctv.store, &ctv.actor, &forged, &mut |_, _| {}).await.is_err());
    // On their own laptop, the collaborator sends their changes and keeps a backup.
    sync::export(&ctv.store, &ctv.actor, Some(office.store.device_id()), false).await.unwrap();
    let own = ctv._dir.path().join("own.treembackup");
    treem::backup::make(&ctv.store, &ctv.actor, &own).await.unwrap();
}

#[tokio::test]
async fn wrong_passwords_tried_in_parallel_are_counted_one_after_another() {
    let t = support::demo().await;
    let path = t.db_path();
    t.store.close().await;
    // Twelve tries at once, each on its own thread, as a script would make them.
    let tries: Vec<_> = (0..12)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                runtime.block_on(auth::log_in(&path, "canbo", "sai mật khẩu")).err().unwrap().code()
            })
        })
        .collect();
    let codes: Vec<ErrorCode> = tries.into_iter().map(|t| t.join().unwrap()).collect();
    let wrong = codes.iter().filter(|c| **c == ErrorCode::WrongPassword).count();
    assert_eq!(wrong, auth::keyring::FREE_TRIES as usize, "only the free tries were tried: {codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == ErrorCode::TooManyTries).count(), 12 - wrong);
    // And the right password waits too, until the wait is over.
    assert_eq!(auth::log_in(&path, "canbo", PASSWORD).await.err().unwrap().code(), ErrorCode::TooManyTries);
}

#[tokio::test]
async fn control_characters_and_bidirectional_overrides_are_refused_in_every_text() {
    let t = support::demo().await;
    let day = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    let before = support::row_counts(&t.store).await;
    for name in ["Nguyễn\u{1b}[2J Văn A", "Nguyễn Văn\u{7} A", "Nguyễn\0 Văn A", "Nguyễn \u{202E}nĂ", "Nguyễn \u{2066}Văn A"] {
        let input = ChildInput { full_name: name.into(), birth: "05/09/2016".into(), sex: Some(Sex::Male), ..Default::default() };
        let err = children::add(&t.store, &t.officer, Source::Window, &input, day).await.expect_err(name);
        assert!(matches!(&err, Error::Invalid(i) if i.field == "full_name"), "{name:?}: {err}");
        assert!(err.to_string().contains("ký tự điều khiển"), "{err}");
    }
    let input = ChildInput { full_name: "Nguyễn Văn A".into(), address: "Tổ 1\u{1b}]0;x\u{7}".into(), birth: "05/09/2016".into(), sex: Some(Sex::Male), ..Default::default() };
    let err = children::add(&t.store, &t.officer, Source::Window, &input, day).await.expect_err("address");
    assert!(matches!(&err, Error::Invalid(i) if i.field == "address"), "{err}");
    // Whatever path a write takes, the store refuses it too.
    let police = ward::unit_named(&t.store, &t.officer, "Công an").await.unwrap().id;
    let mut w = t.store.write(&t.officer, Source::Window).await.unwrap();
    let err = w.update("units", &police, Cols::new().set("name", "Công an\u{1b}c")).await.expect_err("store");
    assert!(err.to_string().contains("U+001B"), "{err}");
    drop(w);
    assert_eq!(support::row_counts(&t.store).await, before, "nothing written");
    // Line breaks typed in Windows are kept as line breaks.
    assert_eq!(treem::text::nfc("dòng 1\r\ndòng 2\rdòng 3"), "dòng 1\ndòng 2\ndòng 3");
}

fn treem(db: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_treem"));
    cmd.args(args).arg("--db").arg(db);
    cmd.env("TREEM_USER", "canbo").env("TREEM_PASSWORD", PASSWORD).env_remove("TREEM_CRASH_AT").env_remove("TREEM_DISK_FULL_AT");
    // Anything a restore leaves in the system's temporary folder shows in this one.
    cmd.env("TMPDIR", db.parent().unwrap().parent().unwrap().join("system-tmp"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("treem runs")
}

fn ok(out: std::process::Output) -> String {
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn children_of(db: &Path) -> String {
    ok(treem(db, &["children", "search", "", "--json"], &[]))
}

/// A ward with a backup, and more children added since: a restore must land on the backup's
/// children, and one that fails or dies must leave the later ones (or finish at next start).
struct Restoring {
    dir: tempfile::TempDir,
    db: PathBuf,
    backup: PathBuf,
    at_backup: String,
    now: String,
}

fn restoring() -> Restoring {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("system-tmp")).unwrap();
    let db = dir.path().join("a/treem.db");
    ok(treem(&db, &["init", "--demo"], &[]));
    ok(treem(&db, &["demo", "children", "30", "--seed", "3"], &[]));
    let backup = dir.path().join("a.treembackup");
    ok(treem(&db, &["backup", "--out", backup.to_str().unwrap()], &[]));
    let at_backup = children_of(&db);
    ok(treem(&db, &["demo", "children", "5", "--seed", "9"], &[]));
    let now = children_of(&db);
    assert_ne!(now, at_backup);
    Restoring { dir, db, backup, at_backup, now }
}

/// What is left in the data folder but the data, its backups and the folders kept aside.
fn leftovers(data: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(data)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !matches!(n.as_str(), "treem.db" | "treem.db-wal" | "treem.db-shm" | "treem.db-anchor" | "treem.db-open" | "treem.keys" | "treem.keys.lock" | "files" | "backups") && !n.starts_with("truoc-khoi-phuc-"))
        .collect();
    out.sort();
    out
}

#[test]
fn a_restore_killed_at_any_step_is_finished_at_the_next_start() {
    for step in ["restore_files_added", "restore_noted", "restore_aside_treem.keys", "restore_aside_treem.db", "restore_in_treem.db", "restore_in_treem.keys"] {
        let r = restoring();
        let killed = treem(&r.db, &["restore", r.backup.to_str().unwrap()], &[("TREEM_CRASH_AT", step)]);
        assert!(!killed.status.success(), "{step}: the restore died");
        // The next start finds the ward's data where it looks: the backup's once the switch
        // began, the data as it was before that.
        let expected = if step == "restore_files_added" { &r.now } else { &r.at_backup };
        assert_eq!(&children_of(&r.db), expected, "{step}");
        let checked = ok(treem(&r.db, &["check"], &[]));
        assert!(checked.contains("khớp với mọi bảng"), "{step}: {checked}");
        let data = r.db.parent().unwrap();
        let left: Vec<String> = leftovers(data).into_iter().filter(|n| !n.starts_with(".khoi-phuc-")).collect();
        assert!(left.is_empty(), "{step}: {left:?}");
        assert_eq!(std::fs::read_dir(r.dir.path().join("system-tmp")).unwrap().count(), 0, "{step}: nothing in the system's temporary folder");
    }
}

#[test]
fn a_restore_that_runs_out_of_disk_at_any_step_leaves_the_data_as_it_was() {
    for step in ["restore_extract", "restore_files", "restore_note"] {
        let r = restoring();
        let refused = treem(&r.db, &["restore", r.backup.to_str().unwrap()], &[("TREEM_DISK_FULL_AT", step)]);
        assert!(!refused.status.success(), "{step}");
        assert!(String::from_utf8_lossy(&refused.stderr).contains("đầy"), "{step}: {}", String::from_utf8_lossy(&refused.stderr));
        assert_eq!(children_of(&r.db), r.now, "{step}: the data in use is untouched");
        let data = r.db.parent().unwrap();
        assert!(leftovers(data).is_empty(), "{step}: {:?}", leftovers(data));
        assert!(!data.read_dir().unwrap().flatten().any(|e| e.file_name().to_string_lossy().starts_with("truoc-khoi-phuc-")), "{step}: nothing moved aside");
    }
}

#[test]
fn no_new_ward_is_made_over_data_a_restore_kept_aside() {
    let r = restoring();
    let data = r.db.parent().unwrap();
    // As an older version's interrupted restore left it: the data moved aside, nothing in place.
    let aside = data.join("truoc-khoi-phuc-20261201-101010");
    std::fs::create_dir_all(&aside).unwrap();
    for name in ["treem.db", "treem.keys"] {
        std::fs::rename(data.join(name), aside.join(name)).unwrap();
    }
    let refused = treem(&r.db, &["init", "--demo"], &[]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("không tạo phường mới") && said.contains("truoc-khoi-phuc-20261201-101010"), "{said}");
    assert!(!r.db.exists(), "no new database");
}

#[tokio::test]
async fn hostile_backups_are_refused_before_anything_is_unpacked() {
    use std::io::Write as _;
    let t = support::demo().await;
    let dir = tempfile::tempdir().unwrap();
    // A manifest that inflates to gigabytes: a 10 MB file of one repeated byte, compressed.
    let bomb = dir.path().join("bomb.treembackup");
    {
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&bomb).unwrap());
        let deflated = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(true);
        zip.start_file("manifest.json", deflated).unwrap();
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..2560 {
            zip.write_all(&chunk).unwrap();
        }
        zip.finish().unwrap();
    }
    assert!(std::fs::metadata(&bomb).unwrap().len() < 8 << 20);
    let started = std::time::Instant::now();
    let err = treem::backup::check(&bomb, treem::backup::Opener::Officer { login: "canbo", password: PASSWORD }, &t.db_path()).await.err().expect("refused");
    assert!(err.to_string().contains("mục lục lớn quá giới hạn"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "refused without inflating it all");
    // A member compressed, a name outside the data folder, and a newer format.
    let real = treem::backup::automatic(&t.store, &t.officer).await.unwrap();
    let manifest = |members: Value, format: u32| serde_json::to_vec(&serde_json::json!({ "format": format, "ward": "x", "made_at": "t", "members": members })).unwrap();
    let cases: [(&str, Vec<u8>, &str, zip::CompressionMethod); 3] = [
        ("nén", manifest(serde_json::json!([["treem.db", "00"], ["treem.keys", "00"]]), 1), "bị nén", zip::CompressionMethod::Deflated),
        ("tên lạ", manifest(serde_json::json!([["../../x", "00"], ["treem.db", "00"], ["treem.keys", "00"]]), 1), "tên lạ", zip::CompressionMethod::Stored),
        ("mới hơn", manifest(serde_json::json!([]), 3), "phiên bản mới hơn", zip::CompressionMethod::Stored),
    ];
    for (what, manifest, says, method) in cases {
        let path = dir.path().join(format!("{what}.treembackup"));
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let options = zip::write::SimpleFileOptions::default().compression_method(method);
        for member in ["treem.db", "treem.keys"] {
            zip.start_file(member, options).unwrap();
            zip.write_all(b"x").unwrap();
        }
        zip.start_file("manifest.json", zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(&manifest).unwrap();
        zip.finish().unwrap();
        let err = treem::backup::check(&path, treem::backup::Opener::Officer { login: "canbo", password: PASSWORD }, &t.db_path()).await.err().expect(what);
        assert!(err.to_string().contains(says), "{what}: {err}");
    }
    // Nothing was prepared and left behind.
    assert!(!t.dir.path().read_dir().unwrap().flatten().any(|e| e.file_name().to_string_lossy().starts_with(".khoi-phuc-")));
    let _ = real;
}

#[tokio::test]
async fn another_wards_backup_is_restored_only_once_the_officer_confirms_it_naming_both() {
    let ours = support::demo().await;
    let theirs = support::demo().await;
    let mut their_ward = ward::get(&theirs.store, &theirs.officer).await.unwrap().unwrap();
    their_ward.name = "Phường Trần Hưng Đạo".into();
    ward::save(&theirs.store, &theirs.officer, Source::Window, &their_ward).await.unwrap();
    let our_name = ward::get(&ours.store, &ours.officer).await.unwrap().unwrap().name;
    let theirs_backup = treem::backup::automatic(&theirs.store, &theirs.officer).await.unwrap();
    let checked = treem::backup::check(Path::new(&theirs_backup.path), treem::backup::Opener::Officer { login: "canbo", password: PASSWORD }, &ours.db_path()).await.unwrap();
    let err = treem::backup::may_restore(&checked, Some((&ours.store, &ours.officer)), false).await.expect_err("asks first");
    assert_eq!(err.code(), ErrorCode::OtherWardBackup);
    let message = err.to_string();
    assert!(message.contains("«Phường Trần Hưng Đạo»") && message.contains(&format!("«{our_name}»")), "{message}");
    treem::backup::may_restore(&checked, Some((&ours.store, &ours.officer)), true).await.expect("once confirmed");
    // Our own backup needs no confirmation; a collaborator may restore none.
    let own = treem::backup::automatic(&ours.store, &ours.officer).await.unwrap();
    let own = treem::backup::check(Path::new(&own.path), treem::backup::Opener::Officer { login: "canbo", password: PASSWORD }, &ours.db_path()).await.unwrap();
    treem::backup::may_restore(&own, Some((&ours.store, &ours.officer)), false).await.expect("same ward");
    let group1 = ward::unit_named(&ours.store, &ours.officer, "Tổ dân phố 1").await.unwrap().id;
    let (s, collaborator) = ours.user("ctv9", UserRole::Collaborator, Some(&group1)).await;
    assert_eq!(treem::backup::may_restore(&own, Some((&s, &collaborator)), true).await.unwrap_err().code(), ErrorCode::Forbidden);
}

#[test]
fn the_command_line_ends_quietly_when_its_reader_stops() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("system-tmp")).unwrap();
    let db = dir.path().join("a/treem.db");
    ok(treem(&db, &["init", "--demo"], &[]));
    ok(treem(&db, &["demo", "children", "2000", "--seed", "1"], &[]));
    let mut child = Command::new(env!("CARGO_BIN_EXE_treem"))
        .args(["children", "search", ""])
        .arg("--db")
        .arg(&db)
        .env("TREEM_USER", "canbo")
        .env("TREEM_PASSWORD", PASSWORD)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The reader takes one line and goes, as `head -1` does.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    let _ = std::io::Read::read(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!said.contains("panicked") && !said.contains("Broken pipe"), "{said}");
}

/// The member `name` of the backup at `path`, as text.
fn backup_member(path: &Path, name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    std::io::read_to_string(zip.by_name(name).unwrap()).unwrap()
}

#[tokio::test]
async fn a_backup_opens_with_an_officers_password_or_the_recovery_code_and_with_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let (store, officer, code) = auth::set_up(&dir.path().join("office/treem.db"), "canbo", "Nguyễn Thị Hoa", PASSWORD).await.unwrap();
    for (login, role) in [("xem", UserRole::Viewer), ("lanhdao", UserRole::Leader)] {
        auth::add_user(&store, &officer, NewUser { login, name: "Võ Thùy Dương", role, group_unit_id: None, password: "thuyền về bến sông quê" }).await.unwrap();
    }
    let backup = dir.path().join("office.treembackup");
    treem::backup::make(&store, &officer, &backup).await.unwrap();
    store.close().await;
    // Only the officers' slots are readable in it; the viewer's and the leader's open nothing.
    let readable = backup_member(&backup, "treem.keys");
    assert!(readable.contains("canbo") && !readable.contains("xem") && !readable.contains("lanhdao"), "{readable}");
    let new_laptop = |name: &str| dir.path().join(name).join("treem.db");
    for login in ["xem", "lanhdao"] {
        let err = treem::backup::check(&backup, treem::backup::Opener::Officer { login, password: "thuyền về bến sông quê" }, &new_laptop("x")).await.err();
        assert!(matches!(err, Some(Error::WrongPassword)), "{login}: {err:?}");
    }
    // A wrong code opens nothing.
    let wrong = treem::backup::recovery::RecoveryCode::parse(&"A".repeat(32)).map(|c| c.text()).unwrap();
    let opener = treem::backup::Opener::RecoveryCode { code: &wrong, login: "canbo", new_password: "mưa rơi trên mái ngói" };
    let err = treem::backup::check(&backup, opener, &new_laptop("x")).await.err();
    assert!(matches!(err, Some(Error::Sync(sync::SyncError::WrongRecoveryCode))), "{err:?}");
    // The officer's password restores the data whole, every account with its password.
    let checked = treem::backup::check(&backup, treem::backup::Opener::Officer { login: "canbo", password: PASSWORD }, &new_laptop("a")).await.unwrap();
    treem::backup::restore(checked, &new_laptop("a")).await.unwrap();
    let (restored, _) = auth::log_in(&new_laptop("a"), "xem", "thuyền về bến sông quê").await.expect("the viewer logs in on the restored data");
    restored.close().await;
    // With no officer's password known, the code (typed loosely) restores it, and the officer's
    // account opens it with a new password.
    let typed = code.text().to_lowercase().replace('-', " ");
    let opener = treem::backup::Opener::RecoveryCode { code: &typed, login: "canbo", new_password: "mưa rơi trên mái ngói" };
    let checked = treem::backup::check(&backup, opener, &new_laptop("b")).await.unwrap();
    treem::backup::restore(checked, &new_laptop("b")).await.unwrap();
    assert!(matches!(auth::log_in(&new_laptop("b"), "canbo", PASSWORD).await.err(), Some(Error::WrongPassword)));
    let (restored, _) = auth::log_in(&new_laptop("b"), "canbo", "mưa rơi trên mái ngói").await.expect("the new password opens it");
    assert!(treem::check::quick(&restored).await.unwrap().first_problem().is_none(), "restored whole, with its anchor");
    restored.close().await;
    let (restored, _) = auth::log_in(&new_laptop("b"), "lanhdao", "thuyền về bến sông quê").await.expect("the other accounts keep theirs");
    restored.close().await;
}

#[tokio::test]
async fn a_new_recovery_code_opens_the_backups_made_after_it_and_the_old_one_those_before() {
    let dir = tempfile::tempdir().unwrap();
    let (store, officer, old) = auth::set_up(&dir.path().join("office/treem.db"), "canbo", "Nguyễn Thị Hoa", PASSWORD).await.unwrap();
    let before = dir.path().join("before.treembackup");
    treem::backup::make(&store, &officer, &before).await.unwrap();
    let viewer = NewUser { login: "xem", name: "Võ Thùy Dương", role: UserRole::Viewer, group_unit_id: None, password: "thuyền về bến sông quê" };
    auth::add_user(&store, &officer, viewer).await.unwrap();
    let (_, viewer) = auth::log_in(&dir.path().join("office/treem.db"), "xem", "thuyền về bến sông quê").await.unwrap();
    assert!(treem::backup::recovery::renew(&store, &viewer).await.is_err(), "a viewer makes no code");
    let new = treem::backup::recovery::renew(&store, &officer).await.unwrap();
    let after = dir.path().join("after.treembackup");
    treem::backup::make(&store, &officer, &after).await.unwrap();
    store.close().await;
    let opens = async |backup: &Path, code: &treem::backup::recovery::RecoveryCode| {
        let text = code.text();
        let opener = treem::backup::Opener::RecoveryCode { code: &text, login: "canbo", new_password: "mưa rơi trên mái ngói" };
        treem::backup::check(backup, opener, &dir.path().join("x/treem.db")).await.is_ok()
    };
    assert!(opens(&before, &old).await && !opens(&before, &new).await);
    assert!(opens(&after, &new).await && !opens(&after, &old).await);
}

#[tokio::test]
async fn a_new_recovery_code_reaches_the_collaborators_laptop_with_the_next_file() {
    let (office, ctv, _) = office_and_collaborator().await;
    let new = treem::backup::recovery::renew(&office.store, &office.officer).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let opens = async |backup: &Path, code: &treem::backup::recovery::RecoveryCode| {
        let text = code.text();
        let opener = treem::backup::Opener::RecoveryCode { code: &text, login: "canbo", new_password: "mưa rơi trên mái ngói" };
        let found = treem::backup::check(backup, opener, &dir.path().join("x/treem.db")).await;
        !matches!(found, Err(Error::Sync(sync::SyncError::WrongRecoveryCode)))
    };
    let before = dir.path().join("before.treembackup");
    treem::backup::make(&ctv.store, &ctv.actor, &before).await.unwrap();
    assert!(!opens(&before, &new).await, "the laptop has not heard of the new code yet");
    let (bytes, _) = sync::export(&office.store, &office.officer, Some(ctv.store.device_id()), false).await.unwrap();
    sync::import(&ctv.store, &ctv.actor, &bytes, &mut |_, _| {}).await.unwrap();
    let after = dir.path().join("after.treembackup");
    treem::backup::make(&ctv.store, &ctv.actor, &after).await.unwrap();
    assert!(opens(&after, &new).await, "the laptop's backups open with the office's new code");
}

#[tokio::test]
async fn a_database_with_damaged_pages_takes_no_write_and_says_how_to_get_out() {
    let t = support::demo().await;
    children::generate::add(&t.store, &t.officer, 200, 5, chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()).await.unwrap();
    let db = t.db_path();
    let TempStore { store, dir, .. } = t;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(store.pool()).await.unwrap();
    // A page of the children's rows, in the middle of them, changed on disk.
    let pages: Vec<i64> = sqlx::query_scalar("SELECT pageno FROM dbstat WHERE name = 'children' AND pagetype = 'leaf' ORDER BY pageno").fetch_all(store.pool()).await.unwrap();
    store.close().await;
    let mut bytes = std::fs::read(&db).unwrap();
    let page = pages[pages.len() / 2] as usize;
    bytes[(page - 1) * 4096 + 200] ^= 0x5a;
    std::fs::write(&db, bytes).unwrap();
    let (store, officer) = auth::log_in(&db, "canbo", PASSWORD).await.expect("the data still opens to be read");
    let day = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    let input = ChildInput { full_name: "Trần Thị Bé".into(), birth: "05/09/2016".into(), sex: Some(Sex::Female), ..Default::default() };
    let err = children::add(&store, &officer, Source::Window, &input, day).await.expect_err("no write");
    assert!(matches!(err, Error::DamagedPages(_)), "{err}");
    assert!(err.to_string().contains("Khôi phục từ bản sao lưu"), "{err}");
    let report = treem::check::quick(&store).await.unwrap();
    assert!(report.first_problem().is_some_and(|p| p.contains("hỏng")), "{:?}", report.first_problem());
    store.close().await;
    drop(dir);
}

#[tokio::test]
async fn a_database_whose_last_commits_vanished_with_a_damaged_wal_is_found_at_the_next_start() {
    let t = support::demo().await;
    let day = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    let (db, live) = (t.db_path(), t.dir.path().to_path_buf());
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(t.store.pool()).await.unwrap();
    // The laptop as it was: its file whole, everything written to it.
    let copy = tempfile::tempdir().unwrap();
    for name in ["treem.db", "treem.keys"] {
        std::fs::copy(live.join(name), copy.path().join(name)).unwrap();
    }
    let before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM children").fetch_one(t.store.pool()).await.unwrap();
    children::generate::add(&t.store, &t.officer, 100, 9, day).await.unwrap();
    // The import is committed, in the WAL; the machine dies, and the WAL left behind has one
    // byte damaged: SQLite's recovery drops it whole, silently.
    let mut wal = std::fs::read(live.join("treem.db-wal")).unwrap();
    assert!(wal.len() > 32 + 24 + 4096, "the import's pages are in the WAL");
    wal[32 + 24 + 100] ^= 0x01;
    std::fs::write(copy.path().join("treem.db-wal"), wal).unwrap();
    std::fs::copy(live.join("treem.db-anchor"), copy.path().join("treem.db-anchor")).unwrap();
    let moved = copy.path().join("treem.db");
    let (store, officer) = auth::log_in(&moved, "canbo", PASSWORD).await.expect("the data still opens to be read");
    let after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM children").fetch_one(store.pool()).await.unwrap();
    assert_eq!(after, before, "the 100 children are gone");
    let report = treem::check::quick(&store).await.unwrap();
    let problem = report.first_problem().expect("the check sees the loss");
    assert!(problem.contains("thiếu những thay đổi đã lưu"), "{problem}");
    let input = ChildInput { full_name: "Trần Thị Bé".into(), birth: "05/09/2016".into(), sex: Some(Sex::Female), ..Default::default() };
    let err = children::add(&store, &officer, Source::Window, &input, day).await.expect_err("no write over the loss");
    assert!(matches!(err, Error::DamagedPages(_)) && err.to_string().contains("Khôi phục từ bản sao lưu"), "{err}");
    store.close().await;
    // The laptop whose file kept everything opens clean.
    let TempStore { store, dir, .. } = t;
    store.close().await;
    let (store, _) = auth::log_in(&db, "canbo", PASSWORD).await.unwrap();
    assert_eq!(store.damaged_pages().await, None);
    store.close().await;
    drop(dir);
}

#[tokio::test]
async fn small_statistics_tell_no_sensitive_group_to_a_role_that_may_not_see_it() {
    let t = support::demo().await;
    let group1 = ward::unit_named(&t.store, &t.officer, "Tổ dân phố 1").await.unwrap().id;
    let readers = [t.user("xem", UserRole::Viewer, None).await, t.user("ctv", UserRole::Collaborator, Some(&group1)).await];
    let (from, to) = (chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(), chrono::NaiveDate::from_ymd_opt(2024, 12, 31).unwrap());
    let special = |s: &treem::stats::Statistics| {
        let te02 = s.indicators.iter().find(|i| i.code == "TE.02").unwrap().clone();
        let hiv: i64 = te02.breakdowns.iter().filter(|b| b.field == "circumstance").flat_map(|b| &b.rows).filter(|r| r.label.contains("HIV")).map(|r| r.count).sum();
        (te02.count, hiv)
    };
    let officer_before = special(&treem::stats::compute(&t.store, &t.officer, from, to).await.unwrap());
    let mut before = vec![];
    for (s, a) in &readers {
        before.push(special(&treem::stats::compute(s, a, from, to).await.unwrap()));
    }
    let day = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    let group = ward::unit_named(&t.store, &t.officer, "Tổ dân phố 3").await.unwrap().id;
    let input = ChildInput { full_name: "Phạm Thị Lan".into(), birth: "05/09/2016".into(), sex: Some(Sex::Female), group_unit_id: Some(group), ..Default::default() };
    let child = children::add(&t.store, &t.officer, Source::Window, &input, day).await.unwrap();
    let span = children::CircumstanceInput { code: children::Circumstance::Dd, subgroup: None, start: "01/01/2024".into(), end: String::new(), note: String::new() };
    children::add_circumstance(&t.store, &t.officer, Source::Window, &child.id, &span).await.unwrap();
    let officer = special(&treem::stats::compute(&t.store, &t.officer, from, to).await.unwrap());
    assert_eq!((officer.0 - officer_before.0, officer.1 - officer_before.1), (1, 1), "the officer counts the child, in group đ");
    for ((s, a), was) in readers.iter().zip(before) {
        let seen = special(&treem::stats::compute(s, a, from, to).await.unwrap());
        assert_eq!(seen, was, "{:?}: neither the group nor a count that betrays it", a.role());
        assert_eq!(seen.1, 0, "{:?}", a.role());
    }
}

#[tokio::test]
async fn the_same_child_entered_on_two_laptops_is_listed_for_the_officer_after_a_sync() {
    let office = support::demo().await;
    let (o, oa) = (&office.store, &office.officer);
    let invitation = join::invite(o, oa, "Máy thứ hai", "canbo").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (second, officer2) = join::join(&dir.path().join("treem.db"), &invitation.bytes, &invitation.passphrase, PASSWORD).await.unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    let before = treem::children::index::likely_duplicates(o, oa, day).await.unwrap().total;
    // The same list typed on both laptops, one with tone marks lost.
    for (store, actor, name) in [(o, oa, "Nguyễn Văn Toàn"), (&second, &officer2, "Nguyen Van Toan")] {
        let input = ChildInput { full_name: name.into(), birth: "05/09/2016".into(), sex: Some(Sex::Male), ..Default::default() };
        children::add(store, actor, Source::Window, &input, day).await.unwrap();
    }
    let (bytes, _) = sync::export(&second, &officer2, Some(o.device_id()), false).await.unwrap();
    let received = sync::import(o, oa, &bytes, &mut |_, _| {}).await.unwrap();
    assert_eq!(received.likely_duplicates, i64::from(before) + 1, "the office is told");
    let listed = treem::children::index::likely_duplicates(o, oa, day).await.unwrap();
    let pair = listed.pairs.iter().find(|p| p.first.full_name.contains("Toàn") || p.second.full_name.contains("Toàn")).expect("the pair is listed");
    let mut names = [pair.first.full_name.as_str(), pair.second.full_name.as_str()];
    names.sort();
    assert_eq!(names, ["Nguyen Van Toan", "Nguyễn Văn Toàn"]);
    assert!(pair.why.contains("cùng họ tên và ngày sinh"), "{}", pair.why);
    // Only the officer is shown them.
    let group = ward::unit_named(o, oa, "Tổ dân phố 1").await.unwrap().id;
    let (s, collaborator) = office.user("ctv5", UserRole::Collaborator, Some(&group)).await;
    assert_eq!(treem::children::index::likely_duplicates(&s, &collaborator, day).await.unwrap_err().code(), ErrorCode::Forbidden);
}

#[tokio::test]
async fn the_same_list_imported_twice_at_once_is_added_once() {
    let t = support::demo().await;
    let (second, officer2) = auth::log_in(&t.db_path(), "canbo", PASSWORD).await.unwrap();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["Họ và tên", "Ngày sinh", "Giới tính"].iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for i in 1..=300u32 {
        sheet.write_string(i, 0, format!("Lê Văn Số {}", treem::money::in_words(i as i64))).unwrap();
        sheet.write_string(i, 1, format!("{:02}/{:02}/2015", i % 28 + 1, i % 12 + 1)).unwrap();
        sheet.write_string(i, 2, "Nam").unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    let count = || async { sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM children WHERE deleted_at IS NULL").fetch_one(t.store.pool()).await.unwrap() };
    let before = count().await;
    let day = chrono::NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
    let choice = treem::children::import::ImportChoice::default();
    let (a, b) = tokio::join!(
        treem::children::import::commit(&t.store, &t.officer, Source::Import, &bytes, &choice, false, day, &|_, _| {}),
        treem::children::import::commit(&second, &officer2, Source::Import, &bytes, &choice, false, day, &|_, _| {}),
    );
    let added: Vec<u32> = [&a, &b].iter().filter_map(|r| r.as_ref().ok().map(|done| done.added)).collect();
    assert_eq!(added, vec![300], "one import adds the list, the other finds it there: {a:?} {b:?}");
    let refused = [a, b].into_iter().find_map(Result::err).expect("the other is refused");
    assert!(refused.to_string().contains("trùng với trẻ đã có trong sổ"), "{refused}");
    assert_eq!(count().await, before + 300);
}

#[tokio::test]
async fn a_leaders_laptop_brings_the_leaders_certificate_but_cannot_replace_the_recovery_key_or_remove_a_child() {
    let (office, leader) = office_and_leader().await;
    // The Chairman makes a signing certificate on their laptop: it reaches the office's, where
    // documents are signed. The laptop's file carries its own entries only.
    let made = treem::certificates::create_internal(&leader.store, &leader.actor, Source::Window, "Trần Văn Bình", "mat-khau-ky-so").await.unwrap();
    let (bytes, _) = sync::export(&leader.store, &leader.actor, Some(office.store.device_id()), false).await.unwrap();
    sync::import(&office.store, &office.officer, &bytes, &mut |_, _| {}).await.expect("the leader's certificate is taken");
    assert!(treem::certificates::list(&office.store, &office.officer).await.unwrap().iter().any(|c| c.id == made.id));
    // Written around the core, as someone holding the laptop's key can.
    let recipient = |store: &Store| {
        let pool = store.pool().clone();
        async move { sqlx::query_scalar::<_, Option<String>>("SELECT backup_recipient FROM ward").fetch_one(&pool).await.unwrap() }
    };
    let before = recipient(&office.store).await;
    let child = a_child_of(&leader.store).await;
    let err = forged(&office, &leader, async |l: &Laptop| {
        let ward: String = sqlx::query_scalar("SELECT id FROM ward").fetch_one(l.store.pool()).await.unwrap();
        let mut w = l.store.write(&l.actor, Source::Window).await.unwrap();
        w.update("ward", &ward, Cols::new().set("backup_recipient", "ab".repeat(32))).await.unwrap();
        w.tombstone("children", &child).await.unwrap();
        w.commit().await.unwrap();
    })
    .await;
    let message = err.to_string();
    assert!(message.contains("vượt quyền") && message.contains("bảng ward") && message.contains("Máy của Chủ tịch"), "{message}");
    assert_eq!(recipient(&office.store).await, before, "the office's backups stay sealed to its own recovery code");
}

#[tokio::test]
async fn a_laptop_that_wrote_after_its_account_was_stopped_is_refused_and_what_it_sent_before_is_kept() {
    let (office, ctv, _) = office_and_collaborator().await;
    let child = a_child_of(&ctv.store).await;
    let edit = async |school: &str| {
        let mut w = ctv.store.write(&ctv.actor, Source::Window).await.unwrap();
        w.update("children", &child, Cols::new().set("school", school)).await.unwrap();
        w.commit().await.unwrap();
        sync::export(&ctv.store, &ctv.actor, Some(office.store.device_id()), false).await.unwrap().0
    };
    let before_stop = edit("Trường Tiểu học Nguyễn Nghiêm").await;
    let user: String = sqlx::query_scalar("SELECT id FROM users WHERE login = 'ctv1'").fetch_one(office.store.pool()).await.unwrap();
    auth::disable(&office.store, &office.officer, &user).await.unwrap();
    // The file made before the stop is taken, whenever it arrives.
    sync::import(&office.store, &office.officer, &before_stop, &mut |_, _| {}).await.expect("what the laptop did before the stop is the ward's");
    // The laptop, not yet told, goes on.
    let after_stop = edit("Trường Tiểu học Trần Phú").await;
    let counts = support::row_counts(&office.store).await;
    let err = sync::import(&office.store, &office.officer, &after_stop, &mut |_, _| {}).await.expect_err("refused");
    assert!(err.to_string().contains("sau khi tài khoản “Lê Thị Mai” bị dừng"), "{err}");
    assert_eq!(support::row_counts(&office.store).await, counts);
    let school: Option<String> = sqlx::query_scalar("SELECT school FROM children WHERE id = ?").bind(&child).fetch_one(office.store.pool()).await.unwrap();
    assert_eq!(school.as_deref(), Some("Trường Tiểu học Nguyễn Nghiêm"));
}
