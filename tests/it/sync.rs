//! Laptops of one ward exchanging files: joining, merging field by field with conflicts kept,
//! what a collaborator's laptop receives and may send, files refused whole, an import killed
//! midway, backups — and three laptops editing at random and exchanging files in random orders.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use proptest::prelude::*;
use serde_json::Value;
use treem::auth::{self, Actor, NewUser, UserRole};
use treem::children::{self, ChildInput, Sex};
use treem::plan::{self, Status};
use treem::sync::{self, join, ConflictChoice};
use treem::{ward, ErrorCode, Source, Store};

use crate::support::{self, TempStore, PASSWORD};

/// A laptop joined to the office's ward.
struct Laptop {
    store: Store,
    actor: Actor,
    device_id: String,
    _dir: tempfile::TempDir,
}

async fn join_laptop(office: &TempStore, name: &str, login: &str) -> Laptop {
    let invitation = join::invite(&office.store, &office.officer, name, login).await.expect("invited");
    let dir = tempfile::tempdir().unwrap();
    let (store, actor) = join::join(&dir.path().join("treem.db"), &invitation.bytes, &invitation.passphrase.to_uppercase(), PASSWORD).await.expect("joins");
    assert_eq!(store.device_id(), invitation.device_id);
    Laptop { store, actor, device_id: invitation.device_id, _dir: dir }
}

async fn exchange(from: (&Store, &Actor), to: (&Store, &Actor)) -> sync::Incoming {
    let (bytes, _) = sync::export(from.0, from.1, Some(to.0.device_id()), false).await.expect("exported");
    sync::import(to.0, to.1, &bytes, &mut |_, _| {}).await.expect("imported")
}

/// Every user table's rows, every column.
async fn user_rows(store: &Store) -> BTreeMap<String, Vec<String>> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT m.name FROM sqlite_master m WHERE m.type = 'table'
           AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) c WHERE c.name = 'deleted_at') ORDER BY m.name",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let mut out = BTreeMap::new();
    for t in tables {
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?)").bind(&t).fetch_all(store.pool()).await.unwrap();
        let pairs: Vec<String> = columns.iter().map(|c| format!("'{c}', \"{c}\"")).collect();
        let rows: Vec<String> = sqlx::query_scalar(&format!("SELECT json_object({}) FROM {t} ORDER BY id", pairs.join(", ")))
            .fetch_all(store.pool())
            .await
            .unwrap();
        out.insert(t, rows);
    }
    out
}

async fn unit_named(store: &Store, actor: &Actor, name: &str) -> String {
    ward::unit_named(store, actor, name).await.expect("unit").id
}

#[tokio::test]
async fn two_laptops_merge_field_by_field_and_keep_what_they_overwrote() {
    let office = support::demo().await;
    let (o, oa) = (&office.store, &office.officer);
    let b = join_laptop(&office, "Máy tổ dân phố 1", "canbo").await;
    assert_eq!(user_rows(&b.store).await, user_rows(o).await, "the joined laptop holds the ward as the office does");

    let health = unit_named(o, oa, "Trạm Y tế").await;
    let police = unit_named(o, oa, "Công an").await;
    ward::rename_unit(o, oa, Source::Window, &health, "Trạm Y tế phường").await.unwrap();
    ward::rename_unit(&b.store, &b.actor, Source::Window, &health, "Trạm y tế").await.unwrap();
    ward::rename_unit(&b.store, &b.actor, Source::Window, &police, "Công an phường").await.unwrap();

    let planned = sync::plan_export(&b.store, &b.actor, Some(o.device_id()), false).await.unwrap();
    assert_eq!(planned.records, 2);
    let before = support::row_counts(o).await;
    let preview = {
        let (bytes, _) = sync::export(&b.store, &b.actor, Some(o.device_id()), false).await.unwrap();
        let preview = sync::plan_import(o, oa, &bytes).await.unwrap();
        assert_eq!(support::row_counts(o).await, before, "a preview writes nothing");
        let done = sync::import(o, oa, &bytes, &mut |_, _| {}).await.unwrap();
        assert_eq!((done.new_entries, done.conflicts), (preview.new_entries, preview.conflicts));
        let counts = support::row_counts(o).await;
        let again = sync::import(o, oa, &bytes, &mut |_, _| {}).await.unwrap();
        assert_eq!(again.new_entries, 0, "the same file twice changes nothing");
        assert_eq!(support::row_counts(o).await, counts);
        preview
    };
    assert_eq!(preview.records, 2);
    assert_eq!(preview.conflicts, 1);
    exchange((o, oa), (&b.store, &b.actor)).await;
    assert_eq!(user_rows(&b.store).await, user_rows(o).await, "both laptops hold the same after meeting");

    // The later write won on both; the other value is kept for the officer.
    assert_eq!(ward::unit(o, oa, &health).await.unwrap().name, "Trạm y tế");
    assert_eq!(ward::unit(o, oa, &police).await.unwrap().name, "Công an phường");
    let conflicts = sync::conflicts(o, oa).await.unwrap();
    assert_eq!(conflicts.len(), 1);
    let c = &conflicts[0];
    assert_eq!((c.field.as_str(), c.kept_value.as_str(), c.other_value.as_str()), ("Tên", "Trạm y tế", "Trạm Y tế phường"));
    assert_eq!((c.kept_device.as_str(), c.other_device.as_str()), ("Máy tổ dân phố 1", "Máy văn phòng"));
    assert_eq!(c.record_name, "Trạm y tế");
    assert!(c.resolved.is_none());

    sync::choose(o, oa, &c.id, ConflictChoice::Other).await.unwrap();
    exchange((o, oa), (&b.store, &b.actor)).await;
    assert_eq!(ward::unit(&b.store, &b.actor, &health).await.unwrap().name, "Trạm Y tế phường", "the choice wins everywhere");
    assert_eq!(sync::conflicts(&b.store, &b.actor).await.unwrap()[0].resolved, Some(ConflictChoice::Other));
    assert_eq!(user_rows(&b.store).await, user_rows(o).await);
    for (store, actor) in [(o, oa), (&b.store, &b.actor)] {
        let report = treem::check::run(store, actor).await.unwrap();
        assert_eq!(report.first_problem(), None);
    }

    let devices = sync::devices(o, oa).await.unwrap();
    assert_eq!(devices.len(), 2);
    assert!(devices[0].this_laptop && devices[1].last_received.is_some());
    assert_eq!(devices[1].waiting, 0, "nothing waits for a laptop that has everything");
    ward::rename_unit(o, oa, Source::Window, &police, "Công an phường Nguyễn Nghiêm").await.unwrap();
    assert_eq!(sync::devices(o, oa).await.unwrap()[1].waiting, 1);
}

#[tokio::test]
async fn files_altered_cut_short_foreign_or_misaddressed_are_refused_and_nothing_changes() {
    let office = support::demo().await;
    let (o, oa) = (&office.store, &office.officer);
    let b = join_laptop(&office, "Máy B", "canbo").await;
    let c = join_laptop(&office, "Máy C", "canbo").await;
    ward::rename_unit(&b.store, &b.actor, Source::Window, &unit_named(o, oa, "Công an").await, "Công an phường").await.unwrap();
    let (good, _) = sync::export(&b.store, &b.actor, Some(o.device_id()), false).await.unwrap();

    let refused = |bytes: Vec<u8>, words: &'static str| {
        let o = o;
        async move {
            let before = support::row_counts(o).await;
            let err = sync::import(o, oa, &bytes, &mut |_, _| {}).await.expect_err(words);
            assert_eq!(err.code(), ErrorCode::SyncFile, "{err}");
            assert!(err.to_string().contains(words), "{err}");
            assert_eq!(support::row_counts(o).await, before, "refused, nothing changed: {words}");
        }
    };
    let mut altered = good.clone();
    let middle = altered.len() / 2;
    altered[middle] ^= 0x20;
    refused(altered, "đã bị thay đổi").await;
    refused(good[..good.len() - 100].to_vec(), "cắt ngắn").await;
    refused(b"PK\x03\x04 not a sync file".to_vec(), "không phải tệp đồng bộ").await;
    let other_ward = support::demo().await;
    join::invite(&other_ward.store, &other_ward.officer, "Máy lãnh đạo", "canbo").await.unwrap();
    let (foreign, _) = sync::export(&other_ward.store, &other_ward.officer, None, false).await.unwrap();
    refused(foreign, "phường khác").await;
    // C's file for the office, taken to B, which has not heard of C yet.
    let (for_office, _) = sync::export(&c.store, &c.actor, Some(o.device_id()), false).await.unwrap();
    let err = sync::import(&b.store, &b.actor, &for_office, &mut |_, _| {}).await.unwrap_err();
    assert!(err.to_string().contains("chưa được kết nạp"), "{err}");
    exchange((o, oa), (&b.store, &b.actor)).await;
    let (for_c, _) = sync::export(&b.store, &b.actor, Some(&c.device_id), false).await.unwrap();
    refused(for_c, "cho máy «Máy C»").await;
    let err = sync::import(&b.store, &b.actor, &good, &mut |_, _| {}).await.unwrap_err();
    assert!(err.to_string().contains("chính máy này"), "{err}");
    let err = join::join(&office.dir.path().join("x.db"), &[0u8; 10], "x", PASSWORD).await.err().unwrap();
    assert!(err.to_string().contains("không phải tệp kết nạp"), "{err}");
    let invitation = join::invite(o, oa, "Máy D", "canbo").await.unwrap();
    let after_invite = support::row_counts(o).await;
    let err = join::join(&tempfile::tempdir().unwrap().path().join("treem.db"), &invitation.bytes, "sai-mat-khau", PASSWORD).await.err().unwrap();
    assert!(err.to_string().contains("Mật khẩu kết nạp không đúng"), "{err}");
    assert_eq!(support::row_counts(o).await, after_invite);
    sync::import(o, oa, &good, &mut |_, _| {}).await.expect("the good file is still taken");
}

#[tokio::test]
async fn a_collaborators_laptop_holds_its_group_only_and_its_changes_are_held_to_its_role() {
    let office = support::demo().await;
    let (o, oa) = (&office.store, &office.officer);
    children::generate::add(o, oa, 80, 7, chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap()).await.unwrap();
    treem::cases::generate::add_demo(o, oa).await.unwrap();
    let group = unit_named(o, oa, "Tổ dân phố 1").await;
    auth::add_user(o, oa, NewUser { login: "ctv1", name: "Lê Thị Mai", role: UserRole::Collaborator, group_unit_id: Some(&group), password: "" })
        .await
        .unwrap();
    let noted: String = sqlx::query_scalar("SELECT id FROM children WHERE group_unit_id = ? LIMIT 1").bind(&group).fetch_one(o.pool()).await.unwrap();
    let mut w = o.write(oa, Source::Window).await.unwrap();
    w.update("children", &noted, treem::store::Cols::new().set("notes", "Gia đình khó khăn, cần theo dõi.")).await.unwrap();
    w.commit().await.unwrap();
    let ctv = join_laptop(&office, "Máy tổ dân phố 1", "ctv1").await;
    assert_eq!(ctv.actor.role(), UserRole::Collaborator);
    let count = |store: &Store, sql: &'static str| {
        let pool = store.pool().clone();
        async move { sqlx::query_scalar::<_, i64>(sql).fetch_one(&pool).await.unwrap() }
    };
    let in_group: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM children WHERE group_unit_id = ?").bind(&group).fetch_one(o.pool()).await.unwrap();
    assert!(in_group > 0 && in_group < count(o, "SELECT COUNT(*) FROM children").await);
    assert_eq!(count(&ctv.store, "SELECT COUNT(*) FROM children").await, in_group, "the group's children only");
    let other_groups: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM children WHERE group_unit_id IS NOT ?").bind(&group).fetch_one(ctv.store.pool()).await.unwrap();
    assert_eq!(other_groups, 0);
    assert!(count(o, "SELECT COUNT(*) FROM cases").await > 0);
    for sql in [
        "SELECT COUNT(*) FROM cases",
        "SELECT COUNT(*) FROM case_steps",
        "SELECT COUNT(*) FROM injuries",
        "SELECT COUNT(*) FROM labour_checks",
        "SELECT COUNT(*) FROM documents WHERE kind IN ('case_decision', 'injury_report', 'labour_report')",
        "SELECT COUNT(*) FROM children WHERE notes <> ''",
        "SELECT COUNT(*) FROM child_circumstances WHERE code IN ('đ', 'e', 'g', 'i', 'k', 'l', 'm')",
        "SELECT COUNT(*) FROM change_log WHERE op = 'event' AND device_id <> (SELECT value FROM meta WHERE key = 'device_id')",
    ] {
        assert_eq!(count(&ctv.store, sql).await, 0, "{sql}");
    }
    assert!(count(o, "SELECT COUNT(*) FROM children WHERE notes <> ''").await > 0, "the office has notes the collaborator does not get");
    let check = treem::check::quick(&ctv.store).await.unwrap();
    assert!(check.chains.whole(), "the other laptops' chains stay checkable: {:?}", check.chains.breaks);
    assert_eq!(check.first_problem(), None);

    // The collaborator edits a child of the group: the office takes it.
    let child: String = sqlx::query_scalar("SELECT id FROM children ORDER BY id LIMIT 1").fetch_one(ctv.store.pool()).await.unwrap();
    let mut input = ChildInput { full_name: "Hồ Văn Tí".into(), birth: "05/09/2016".into(), sex: Some(Sex::Male), group_unit_id: Some(group.clone()), ..Default::default() };
    input.notes = None;
    let day = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    children::update(&ctv.store, &ctv.actor, Source::Window, &child, &input, day).await.unwrap();
    // Meanwhile the office corrects the same name; the collaborator's laptop hears of it first.
    let office_input = ChildInput { full_name: "Hồ Văn Tý".into(), ..input.clone() };
    children::update(o, oa, Source::Window, &child, &office_input, day).await.unwrap();
    exchange((o, oa), (&ctv.store, &ctv.actor)).await;
    assert_eq!(count(&ctv.store, "SELECT COUNT(*) FROM sync_conflicts").await, 0, "a collaborator's laptop keeps no conflicts");
    let notes_before: String = sqlx::query_scalar("SELECT notes FROM children WHERE id = ?").bind(&child).fetch_one(o.pool()).await.unwrap();
    let done = exchange((&ctv.store, &ctv.actor), (o, oa)).await;
    assert!(done.new_entries > 0);
    let (name, notes): (String, String) = sqlx::query_as("SELECT full_name, notes FROM children WHERE id = ?").bind(&child).fetch_one(o.pool()).await.unwrap();
    assert_eq!(name, "Hồ Văn Tý", "the later name, on both");
    assert_eq!(notes, notes_before, "the notes the collaborator never saw stay");
    let conflicts = sync::conflicts(o, oa).await.unwrap();
    assert!(conflicts.iter().any(|c| c.other_value == "Hồ Văn Tí" && c.other_device == "Máy tổ dân phố 1"), "{conflicts:?}");
    let on_laptop: String = sqlx::query_scalar("SELECT full_name FROM children WHERE id = ?").bind(&child).fetch_one(ctv.store.pool()).await.unwrap();
    assert_eq!(on_laptop, "Hồ Văn Tý");

    // A child moving into the group arrives whole; one moving out is seen to go.
    let other_group = unit_named(o, oa, "Tổ dân phố 2").await;
    let (incoming, outgoing): (String, String) = (
        sqlx::query_scalar("SELECT id FROM children WHERE group_unit_id = ? ORDER BY id LIMIT 1").bind(&other_group).fetch_one(o.pool()).await.unwrap(),
        sqlx::query_scalar("SELECT id FROM children WHERE group_unit_id = ? AND id <> ? ORDER BY id LIMIT 1").bind(&group).bind(&child).fetch_one(o.pool()).await.unwrap(),
    );
    for (id, to) in [(&incoming, &group), (&outgoing, &other_group)] {
        let mut w = o.write(oa, Source::Window).await.unwrap();
        w.update("children", id, treem::store::Cols::new().set("group_unit_id", to)).await.unwrap();
        w.commit().await.unwrap();
    }
    exchange((o, oa), (&ctv.store, &ctv.actor)).await;
    let group_of = |id: String| {
        let pool = ctv.store.pool().clone();
        async move { sqlx::query_scalar::<_, Option<String>>("SELECT group_unit_id FROM children WHERE id = ?").bind(id).fetch_optional(&pool).await.unwrap() }
    };
    assert_eq!(group_of(incoming.clone()).await, Some(Some(group.clone())), "the child who came into the group is on the laptop");
    assert_eq!(group_of(outgoing.clone()).await, Some(Some(other_group.clone())), "the child who left is seen to leave");
    assert!(treem::check::quick(&ctv.store).await.unwrap().chains.whole());

    // A note of another unit's part, moved by the laptop onto its own group's part: refused.
    let others: String = sqlx::query_scalar("SELECT id FROM assignments WHERE unit_id <> ? LIMIT 1").bind(&group).fetch_one(o.pool()).await.unwrap();
    let node: String = sqlx::query_scalar("SELECT node_id FROM assignments WHERE id = ?").bind(&others).fetch_one(o.pool()).await.unwrap();
    let own_part = plan::assign_unit(o, oa, Source::Window, &node, &group, false).await.unwrap().id;
    {
        let note = plan::add_note(o, oa, Source::Window, &others, day, "Ghi chú của đơn vị khác.").await.unwrap();
        exchange((o, oa), (&ctv.store, &ctv.actor)).await;
        let mut w = ctv.store.write(&ctv.actor, Source::Window).await.unwrap();
        w.update("progress_notes", &note.id, treem::store::Cols::new().set("assignment_id", &own_part)).await.unwrap();
        w.commit().await.unwrap();
        let (bytes, _) = sync::export(&ctv.store, &ctv.actor, Some(o.device_id()), false).await.unwrap();
        let err = sync::import(o, oa, &bytes, &mut |_, _| {}).await.unwrap_err();
        // A note, once written, is the unit's record: the role does not change it.
        assert!(err.to_string().contains("vượt quyền") && err.to_string().contains("sửa bản ghi: bảng progress_notes"), "{err}");
    }

    // A change beyond the role (made here by going around the core's check) is refused whole.
    let police = unit_named(o, oa, "Công an").await;
    let mut w = ctv.store.write(&ctv.actor, Source::Window).await.unwrap();
    w.update("units", &police, treem::store::Cols::new().set("name", "Công an (sửa trái phép)")).await.unwrap();
    w.commit().await.unwrap();
    let (bytes, _) = sync::export(&ctv.store, &ctv.actor, Some(o.device_id()), false).await.unwrap();
    let before = support::row_counts(o).await;
    let err = sync::import(o, oa, &bytes, &mut |_, _| {}).await.unwrap_err();
    assert!(err.to_string().contains("vượt quyền"), "{err}");
    assert_eq!(support::row_counts(o).await, before);
    // A file for the office's laptops is not for a collaborator's; with no other office laptop,
    // there is none to make.
    let err = sync::export(o, oa, None, false).await.unwrap_err();
    assert!(matches!(err, treem::Error::Sync(sync::SyncError::NoOfficeLaptop)), "{err}");
    join::invite(o, oa, "Máy lãnh đạo", "canbo").await.unwrap();
    let (everything, _) = sync::export(o, oa, None, false).await.unwrap();
    let err = sync::import(&ctv.store, &ctv.actor, &everything, &mut |_, _| {}).await.unwrap_err();
    assert!(err.to_string().contains("máy của cán bộ"), "{err}");
}

#[tokio::test]
async fn a_gift_handed_over_on_a_collaborators_laptop_comes_back_by_sync() {
    use treem::campaigns::recipients::{self, HandOverInput};
    let office = support::demo().await;
    let (o, oa) = (&office.store, &office.officer);
    let group = unit_named(o, oa, "Tổ dân phố 3").await;
    auth::add_user(o, oa, NewUser { login: "ctv2", name: "Trần Văn Nam", role: UserRole::Collaborator, group_unit_id: Some(&group), password: "" })
        .await
        .unwrap();
    let ctv = join_laptop(&office, "Máy tổ dân phố 3", "ctv2").await;
    // The demo's Trung thu gifts in groups 3 and 4 wait to be handed over.
    let mid_autumn: String = sqlx::query_scalar("SELECT id FROM campaigns WHERE occasion = 'mid_autumn'").fetch_one(o.pool()).await.unwrap();
    let in_group: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM campaign_recipients r JOIN children c ON c.id = r.child_id WHERE r.campaign_id = ? AND c.group_unit_id = ?",
    )
    .bind(&mid_autumn)
    .bind(&group)
    .fetch_one(o.pool())
    .await
    .unwrap();
    let on_laptop: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM campaign_recipients").fetch_one(ctv.store.pool()).await.unwrap();
    let everywhere: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM campaign_recipients").fetch_one(o.pool()).await.unwrap();
    assert!(on_laptop > 0 && on_laptop < everywhere, "the group's gifts only: {on_laptop} of {everywhere}");
    let waiting = recipients::to_hand_over(&ctv.store, &ctv.actor, &mid_autumn, None, "").await.unwrap();
    assert_eq!(waiting.len() as i64, in_group);
    let funded: String = sqlx::query_scalar("SELECT id FROM campaign_funds WHERE campaign_id = ? AND received > 0").bind(&mid_autumn).fetch_one(o.pool()).await.unwrap();
    let gift = waiting.iter().find(|r| r.handed_over_on.is_none() && r.fund_id == funded).expect("a gift not yet handed over").clone();
    let today = treem::today_in_vietnam();
    recipients::hand_over(&ctv.store, &ctv.actor, Source::Window, &gift.id, &HandOverInput { on: String::new(), received_by: "Mẹ: Lê Thị Hạnh".into() }, today)
        .await
        .unwrap();
    exchange((&ctv.store, &ctv.actor), (o, oa)).await;
    let (on, by): (Option<String>, String) = sqlx::query_as("SELECT handed_over_on, received_by FROM campaign_recipients WHERE id = ?").bind(&gift.id).fetch_one(o.pool()).await.unwrap();
    assert_eq!(on, Some(today.to_string()));
    assert_eq!(by, "Mẹ: Lê Thị Hạnh");
    // A child with a gift moves into the group: the gift arrives with the child.
    let g4 = unit_named(o, oa, "Tổ dân phố 4").await;
    let (mover, gift_of_mover): (String, String) = sqlx::query_as(
        "SELECT c.id, r.id FROM campaign_recipients r JOIN children c ON c.id = r.child_id WHERE c.group_unit_id = ? LIMIT 1",
    )
    .bind(&g4)
    .fetch_one(o.pool())
    .await
    .unwrap();
    let mut w = o.write(oa, Source::Window).await.unwrap();
    w.update("children", &mover, treem::store::Cols::new().set("group_unit_id", &group)).await.unwrap();
    w.commit().await.unwrap();
    exchange((o, oa), (&ctv.store, &ctv.actor)).await;
    let arrived: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM campaign_recipients WHERE id = ?").bind(&gift_of_mover).fetch_one(ctv.store.pool()).await.unwrap();
    assert_eq!(arrived, 1, "the gift of the child who came into the group");
    // The laptop may mark a gift handed over, never change what it is worth.
    let other = waiting.iter().find(|r| r.id != gift.id).expect("a second gift").clone();
    let mut w = ctv.store.write(&ctv.actor, Source::Window).await.unwrap();
    w.update("campaign_recipients", &other.id, treem::store::Cols::new().set("value", 50_000_000)).await.unwrap();
    w.commit().await.unwrap();
    let (bytes, _) = sync::export(&ctv.store, &ctv.actor, Some(o.device_id()), false).await.unwrap();
    let err = sync::import(o, oa, &bytes, &mut |_, _| {}).await.unwrap_err();
    assert!(err.to_string().contains("vượt quyền") && err.to_string().contains("campaign_recipients"), "{err}");
}

fn treem(db: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_treem"));
    cmd.args(args).arg("--db").arg(db);
    cmd.env("TREEM_USER", "canbo").env("TREEM_PASSWORD", PASSWORD).env_remove("TREEM_CRASH_AT");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("treem runs")
}

fn ok(out: std::process::Output) -> String {
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn an_import_killed_midway_leaves_the_database_as_it_was_and_the_command_line_does_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a/treem.db"), dir.path().join("b/treem.db"));
    ok(treem(&a, &["init", "--demo"], &[]));
    let join_file = dir.path().join("b.treemjoin");
    let invite = ok(treem(&a, &["device", "invite", "--name", "Máy B", "--user", "canbo", "--out", join_file.to_str().unwrap(), "--json"], &[]));
    let passphrase = serde_json::from_str::<Value>(&invite).unwrap()["passphrase"].as_str().unwrap().to_owned();
    ok(treem(&b, &["device", "join", join_file.to_str().unwrap()], &[("TREEM_JOIN_PASSPHRASE", &passphrase)]));
    ok(treem(&b, &["demo", "children", "60", "--seed", "3"], &[]));
    ok(treem(&b, &["unit", "rename", "Công an", "Công an phường"], &[]));
    let file = dir.path().join("b.treemsync");
    let sent = ok(treem(&b, &["sync", "export", "--out", file.to_str().unwrap(), "--for", "Máy văn phòng"], &[]));
    assert!(sent.contains("thay đổi"), "{sent}");
    let children = |db: &Path| ok(treem(db, &["children", "search", "", "--json"], &[]));
    let before = children(&a);

    let killed = treem(&a, &["sync", "import", file.to_str().unwrap()], &[("TREEM_CRASH_AT", "sync_merge")]);
    assert!(!killed.status.success(), "the import died midway");
    let checked = ok(treem(&a, &["check"], &[]));
    assert!(checked.contains("khớp với mọi bảng") && checked.contains("nguyên vẹn"), "{checked}");
    assert_eq!(children(&a), before, "nothing of the file landed");

    let dry = ok(treem(&a, &["sync", "import", file.to_str().unwrap(), "--dry-run"], &[]));
    assert!(dry.starts_with("Sẽ nhận từ «Máy B»"), "{dry}");
    let took = ok(treem(&a, &["sync", "import", file.to_str().unwrap()], &[]));
    assert!(took.contains("0 xung đột mới"), "{took}");
    assert_ne!(children(&a), before);
    assert_eq!(children(&a), children(&b), "the office holds B's children");
    assert!(ok(treem(&a, &["check"], &[])).contains("khớp với mọi bảng"));

    // A conflict, seen from the command line.
    ok(treem(&a, &["unit", "rename", "Trạm Y tế", "Trạm Y tế A"], &[]));
    ok(treem(&b, &["unit", "rename", "Trạm Y tế", "Trạm Y tế B"], &[]));
    let back = dir.path().join("a.treemsync");
    ok(treem(&a, &["sync", "export", "--out", back.to_str().unwrap(), "--for", "Máy B"], &[]));
    ok(treem(&b, &["sync", "import", back.to_str().unwrap()], &[]));
    let conflicts: Value = serde_json::from_str(&ok(treem(&b, &["sync", "conflicts", "--json"], &[]))).unwrap();
    assert_eq!(conflicts.as_array().unwrap().len(), 1, "{conflicts}");
    assert_eq!(conflicts[0]["kept_value"], "Trạm Y tế B", "B renamed last: its name won");
    assert_eq!(conflicts[0]["other_value"], "Trạm Y tế A");

    // Backup and restore: the restored laptop holds what was backed up; the data it replaced is kept aside.
    let backup = dir.path().join("a.treembackup");
    ok(treem(&a, &["backup", "--out", backup.to_str().unwrap()], &[]));
    let at_backup = children(&a);
    ok(treem(&a, &["demo", "children", "5", "--seed", "9"], &[]));
    assert_ne!(children(&a), at_backup);
    let restored = ok(treem(&a, &["restore", backup.to_str().unwrap()], &[]));
    assert!(restored.contains("được giữ tại"), "{restored}");
    assert_eq!(children(&a), at_backup);
    assert!(ok(treem(&a, &["check"], &[])).contains("khớp với mọi bảng"));
    let mut damaged = std::fs::read(&backup).unwrap();
    let at = damaged.len() / 2;
    damaged[at] ^= 1;
    std::fs::write(&backup, damaged).unwrap();
    let refused = treem(&a, &["restore", backup.to_str().unwrap()], &[]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("Bản sao lưu hỏng"), "{}", String::from_utf8_lossy(&refused.stderr));
    assert_eq!(children(&a), at_backup, "a damaged backup changes nothing");
}

#[tokio::test]
async fn automatic_backups_keep_the_last_ten() {
    let t = support::demo().await;
    for _ in 0..12 {
        treem::backup::automatic(&t.store, &t.officer).await.unwrap();
    }
    let listed = treem::backup::list(&t.store, &t.officer).await.unwrap();
    assert_eq!(listed.len(), treem::backup::KEPT);
    assert!(listed.windows(2).all(|w| w[0].name > w[1].name), "newest first");
    assert!(treem::backup::daily(&t.store, &t.officer).await.unwrap().is_none(), "one a day");
    let checked = treem::backup::check(Path::new(&listed[0].path), treem::backup::Opener::Officer { login: "canbo", password: PASSWORD }, &t.db_path()).await.unwrap();
    assert!(!checked.made_at.is_empty());
    let err = treem::backup::check(Path::new(&listed[0].path), treem::backup::Opener::Officer { login: "canbo", password: "sai mật khẩu" }, &t.db_path()).await.err().unwrap();
    assert_eq!(err.code(), ErrorCode::WrongPassword);
}

/// One step of the three laptops' random work.
#[derive(Debug, Clone)]
enum Step {
    RenameUnit { laptop: usize, unit: usize, name: u8 },
    SetStatus { laptop: usize, assignment: usize, status: usize },
    RenameChild { laptop: usize, child: usize, name: u8 },
    RemoveChild { laptop: usize, child: usize },
    RestoreChild { laptop: usize, child: usize },
    AddNote { laptop: usize, assignment: usize },
    /// The same name added on two laptops is one unit (its id comes from the name).
    AddUnit { laptop: usize, name: u8 },
    LockMinutes { laptop: usize, minutes: u32 },
    AddCircumstance { laptop: usize, child: usize, code: usize },
    RemoveCircumstance { laptop: usize, child: usize },
    EditDraft { laptop: usize, summary: u8 },
    /// A file made by one laptop for another, put in the post.
    Send { from: usize, to: usize },
    /// A file in the post delivered (and left there, so it may come again).
    Deliver { file: usize },
}

fn step() -> impl Strategy<Value = Step> {
    let laptop = 0..3usize;
    prop_oneof![
        (laptop.clone(), 0..3usize, 0..3u8).prop_map(|(laptop, unit, name)| Step::RenameUnit { laptop, unit, name }),
        (laptop.clone(), 0..3usize, 0..4usize).prop_map(|(laptop, assignment, status)| Step::SetStatus { laptop, assignment, status }),
        (laptop.clone(), 0..3usize, 0..3u8).prop_map(|(laptop, child, name)| Step::RenameChild { laptop, child, name }),
        (laptop.clone(), 0..3usize).prop_map(|(laptop, child)| Step::RemoveChild { laptop, child }),
        (laptop.clone(), 0..3usize).prop_map(|(laptop, child)| Step::RestoreChild { laptop, child }),
        (laptop.clone(), 0..3usize).prop_map(|(laptop, assignment)| Step::AddNote { laptop, assignment }),
        (laptop.clone(), 0..2u8).prop_map(|(laptop, name)| Step::AddUnit { laptop, name }),
        (laptop.clone(), 5..15u32).prop_map(|(laptop, minutes)| Step::LockMinutes { laptop, minutes }),
        (laptop.clone(), 0..3usize, 0..3usize).prop_map(|(laptop, child, code)| Step::AddCircumstance { laptop, child, code }),
        (laptop.clone(), 0..3usize).prop_map(|(laptop, child)| Step::RemoveCircumstance { laptop, child }),
        (laptop.clone(), 0..3u8).prop_map(|(laptop, summary)| Step::EditDraft { laptop, summary }),
        (laptop.clone(), 1..3usize).prop_map(|(from, d)| Step::Send { from, to: (from + d) % 3 }),
        (0..64usize).prop_map(|file| Step::Deliver { file }),
        (0..64usize).prop_map(|file| Step::Deliver { file }),
    ]
}

struct Ward {
    office: TempStore,
    laptops: Vec<Laptop>,
    units: Vec<String>,
    assignments: Vec<String>,
    children: Vec<String>,
    draft: treem::documents::register::Document,
}

impl Ward {
    fn at(&self, i: usize) -> (&Store, &Actor) {
        match i {
            0 => (&self.office.store, &self.office.officer),
            _ => (&self.laptops[i - 1].store, &self.laptops[i - 1].actor),
        }
    }
}

async fn three_laptops() -> Ward {
    let office = support::demo().await;
    let (o, oa) = (&office.store, &office.officer);
    let group = unit_named(o, oa, "Tổ dân phố 1").await;
    let day = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    let mut kids = Vec::new();
    for name in ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường"] {
        let input = ChildInput { full_name: name.into(), birth: "2016".into(), sex: Some(Sex::Female), group_unit_id: Some(group.clone()), ..Default::default() };
        kids.push(children::add(o, oa, Source::Window, &input, day).await.unwrap().id);
    }
    let mut units = Vec::new();
    for name in ["Công an", "Trạm Y tế", "Hội Liên hiệp Phụ nữ"] {
        units.push(unit_named(o, oa, name).await);
    }
    let assignments: Vec<String> = sqlx::query_scalar("SELECT id FROM assignments ORDER BY id LIMIT 3").fetch_all(o.pool()).await.unwrap();
    let plan = plan::of_year(o, oa, 2024).await.unwrap();
    let draft = treem::documents::register::create_draft(o, oa, Source::Window, treem::documents::register::Kind::Report, &plan.id, Some(treem::plan::reporting::ReportPeriod::Half), None, None)
        .await
        .unwrap();
    let a = join_laptop(&office, "Máy A", "canbo").await;
    let b = join_laptop(&office, "Máy B", "canbo").await;
    // A hears of B from the office.
    exchange((o, oa), (&a.store, &a.actor)).await;
    Ward { office, laptops: vec![a, b], units, assignments, children: kids, draft }
}

async fn run(ward: &Ward, steps: &[Step]) {
    let day = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    let mut post: Vec<(usize, Vec<u8>)> = Vec::new();
    for s in steps {
        // A step that does not apply (a child already removed) is refused by the core, as in the window.
        match s.clone() {
            Step::RenameUnit { laptop, unit, name } => {
                let (st, ac) = ward.at(laptop);
                let _ = ward::rename_unit(st, ac, Source::Window, &ward.units[unit], &format!("Đơn vị {unit}-{name}-{laptop}")).await;
            }
            Step::SetStatus { laptop, assignment, status } => {
                let (st, ac) = ward.at(laptop);
                plan::set_status(st, ac, Source::Window, &ward.assignments[assignment], Status::ALL[status]).await.unwrap();
            }
            Step::RenameChild { laptop, child, name } => {
                let (st, ac) = ward.at(laptop);
                let input = ChildInput { full_name: format!("Phạm Thị Hồng {name}"), birth: "2016".into(), sex: Some(Sex::Female), ..Default::default() };
                let _ = children::update(st, ac, Source::Window, &ward.children[child], &input, day).await;
            }
            Step::RemoveChild { laptop, child } => {
                let (st, ac) = ward.at(laptop);
                let _ = children::remove(st, ac, Source::Window, &ward.children[child], "Nhập trùng").await;
            }
            Step::RestoreChild { laptop, child } => {
                let (st, ac) = ward.at(laptop);
                let _ = children::restore(st, ac, Source::Window, &ward.children[child]).await;
            }
            Step::AddNote { laptop, assignment } => {
                let (st, ac) = ward.at(laptop);
                plan::add_note(st, ac, Source::Window, &ward.assignments[assignment], day, "Đã làm một phần.").await.unwrap();
            }
            Step::AddUnit { laptop, name } => {
                let (st, ac) = ward.at(laptop);
                let _ = ward::add_unit(st, ac, Source::Window, &format!("Câu lạc bộ {name}"), ward::UnitKind::Agency).await;
            }
            Step::LockMinutes { laptop, minutes } => {
                let (st, ac) = ward.at(laptop);
                ward::set_lock_minutes(st, ac, Source::Window, minutes).await.unwrap();
            }
            Step::AddCircumstance { laptop, child, code } => {
                let (st, ac) = ward.at(laptop);
                let code = [treem::children::Circumstance::B, treem::children::Circumstance::C, treem::children::Circumstance::H][code];
                let input = treem::children::CircumstanceInput { code, subgroup: None, start: "01/01/2024".into(), end: String::new(), note: String::new() };
                let _ = children::add_circumstance(st, ac, Source::Window, &ward.children[child], &input).await;
            }
            Step::RemoveCircumstance { laptop, child } => {
                let (st, ac) = ward.at(laptop);
                let span: Option<String> = sqlx::query_scalar("SELECT id FROM child_circumstances WHERE child_id = ? AND deleted_at IS NULL ORDER BY id LIMIT 1")
                    .bind(&ward.children[child])
                    .fetch_optional(st.pool())
                    .await
                    .unwrap();
                if let Some(span) = span {
                    let _ = children::remove_circumstance(st, ac, Source::Window, &span).await;
                }
            }
            Step::EditDraft { laptop, summary } => {
                let (st, ac) = ward.at(laptop);
                let d = &ward.draft;
                let edits = treem::documents::register::DraftEdits {
                    summary: format!("Báo cáo 6 tháng, bản {summary}"),
                    narrative: d.narrative.clone(),
                    recipients: d.recipients.clone(),
                };
                treem::documents::register::save_draft(st, ac, Source::Window, &d.id, &edits).await.unwrap();
            }
            Step::Send { from, to } => {
                let (st, ac) = ward.at(from);
                let (bytes, _) = sync::export(st, ac, Some(ward.at(to).0.device_id()), false).await.unwrap();
                post.push((to, bytes));
            }
            Step::Deliver { file } => {
                if post.is_empty() {
                    continue;
                }
                let (to, bytes) = &post[file % post.len()];
                let (st, ac) = ward.at(*to);
                sync::import(st, ac, bytes, &mut |_, _| {}).await.expect("a file in the post is taken, late or again");
            }
        }
    }
    // The laptops meet until nothing new moves.
    for _ in 0..4 {
        let mut moved = 0;
        for from in 0..3 {
            for to in 0..3 {
                if from != to {
                    moved += exchange(ward.at(from), ward.at(to)).await.new_entries;
                }
            }
        }
        if moved == 0 {
            break;
        }
    }
}

/// Every value written and no longer there was either seen by the write that replaced it (it
/// started from that value) or is kept as a conflict.
async fn nothing_lost(store: &Store) {
    let entries: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT table_name, record_id, hlc, changes FROM change_log WHERE op <> 'event'
           AND table_name IN ('units', 'children', 'assignments', 'ward', 'child_circumstances', 'documents', 'progress_notes') ORDER BY hlc, device_id, seq",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    let conflicts: Vec<(String, String, String)> =
        sqlx::query_as("SELECT record_id, column_name, other_value FROM sync_conflicts").fetch_all(store.pool()).await.unwrap();
    for (i, (table, record, _, changes)) in entries.iter().enumerate() {
        let changes: serde_json::Map<String, Value> = serde_json::from_str(changes).unwrap();
        for (column, pair) in changes {
            let written = &pair[1];
            let now: String = sqlx::query_scalar(&format!("SELECT json_quote({column}) FROM {table} WHERE id = ?")).bind(record).fetch_one(store.pool()).await.unwrap();
            if serde_json::from_str::<Value>(&now).unwrap() == *written {
                continue;
            }
            let seen_later = entries[i + 1..].iter().any(|(t, r, _, c)| {
                t == table && r == record && serde_json::from_str::<Value>(c).unwrap().get(&column).is_some_and(|p| p[0] == *written)
            });
            let kept = conflicts.iter().any(|(r, c, other)| r == record && *c == column && serde_json::from_str::<Value>(other).unwrap() == *written);
            assert!(seen_later || kept, "{table}.{column} = {written} of {record} was lost without a conflict");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 10, max_shrink_iters: 20, ..ProptestConfig::default() })]
    #[test]
    fn three_laptops_editing_and_exchanging_files_in_any_order_end_equal_with_nothing_lost(steps in prop::collection::vec(step(), 5..40)) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async {
            let ward = three_laptops().await;
            run(&ward, &steps).await;
            let office = user_rows(ward.at(0).0).await;
            for i in 1..3 {
                assert_eq!(user_rows(ward.at(i).0).await, office, "laptop {i} differs from the office");
            }
            for i in 0..3 {
                nothing_lost(ward.at(i).0).await;
                let report = treem::check::run(ward.at(i).0, ward.at(i).1).await.unwrap();
                assert_eq!(report.first_problem(), None, "laptop {i}");
            }
        });
    }
}
