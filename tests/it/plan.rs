//! The plan in the database: tree, status, notes, evidence, reporting, overview.

use chrono::NaiveDate;
use treem::overview::DueKind;
use treem::plan::import::NodeKind;
use treem::plan::{self, reporting::{self, ReportState}, Role, Status};
use treem::files::Upload;
use treem::{overview, store, ward, Source};

use crate::support;

fn day(d: u32, m: u32, y: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[tokio::test]
async fn the_demo_ward_holds_the_seed_plan() {
    let t = support::demo().await;
    let w = ward::get(&t.store, &t.officer).await.unwrap().unwrap();
    assert_eq!(w.name, "Phường Nguyễn Nghiêm");
    let units = ward::units(&t.store, &t.officer).await.unwrap();
    assert_eq!(units.len(), 14, "10 units of part IV and 4 residential groups");
    assert_eq!(units.iter().filter(|u| u.kind == ward::UnitKind::ResidentialGroup).count(), 4);
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    let tree = plan::tree(&t.store, &t.officer, &p.id).await.unwrap();
    assert_eq!(tree.nodes.iter().filter(|n| n.is_activity).count(), 54);
    assert_eq!(tree.nodes.iter().filter(|n| n.kind == NodeKind::UnitEntry).count(), 10);
    assert!(tree.nodes.iter().filter(|n| n.kind == NodeKind::UnitEntry).all(|n| n.unit_id.is_some()));
    // Every activity has a lead unit.
    for n in tree.nodes.iter().filter(|n| n.is_activity) {
        assert!(tree.assignments.iter().any(|a| a.node_id == n.id && a.role == Role::Lead), "{}", n.text);
    }
    let action_month = tree.nodes.iter().find(|n| n.text.starts_with("Tổ chức Tháng hành động vì trẻ em năm 2024")).unwrap();
    assert_eq!((action_month.starts_on, action_month.ends_on), (day(1, 6, 2024), day(30, 6, 2024)));
    // Loading the demo twice does nothing.
    assert!(!treem::demo::load(&t.store, &t.officer).await.unwrap());
}

#[tokio::test]
async fn status_notes_and_evidence_survive_reopening() {
    let t = support::demo().await;
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    let tree = plan::tree(&t.store, &t.officer, &p.id).await.unwrap();
    let a = tree.assignments.iter().find(|a| a.role == Role::Lead).unwrap().clone();
    plan::set_status(&t.store, &t.officer, Source::Window, &a.id, Status::Done).await.unwrap();
    plan::add_note(&t.store, &t.officer, Source::Window, &a.id, day(3, 6, 2024), "Đã tổ chức lễ phát động tại Nhà văn hóa.").await.unwrap();
    let evidence = t.dir.path().join("bien-ban.txt");
    std::fs::write(&evidence, "Biên bản lễ phát động").unwrap();
    let kept = plan::add_evidence(&t.store, &t.officer, Source::Window, &a.id, Upload::Path(&evidence)).await.unwrap();
    assert!(t.dir.path().join(&kept.stored_path).exists());
    assert_eq!(kept.sha256.len(), 64);
    let path = t.db_path();
    t.store.close().await;

    let (store, officer) = treem::auth::log_in(&path, "canbo", support::PASSWORD).await.unwrap();
    let page = plan::activity(&store, &officer, &a.node_id).await.unwrap();
    let unit = page.units.iter().find(|u| u.assignment.id == a.id).unwrap();
    assert_eq!(unit.assignment.status, Status::Done);
    assert_eq!(unit.notes.len(), 1);
    assert_eq!(unit.notes[0].text, "Đã tổ chức lễ phát động tại Nhà văn hóa.");
    assert_eq!(unit.evidence.len(), 1);
    assert_eq!(unit.evidence[0].file_name, "bien-ban.txt");
    assert!(!page.path.is_empty());
    // The history of the assignment shows the status change.
    let history = store::history(store.pool(), "assignments", &a.id).await.unwrap();
    assert!(history.iter().any(|h| h.op == "update" && h.changes.contains("\"done\"") && h.source == "window"), "{history:?}");
}

#[tokio::test]
async fn bad_input_is_refused_with_a_message_and_nothing_changes() {
    let t = support::demo().await;
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    let tree = plan::tree(&t.store, &t.officer, &p.id).await.unwrap();
    let a = &tree.assignments[0];
    let before = support::row_counts(&t.store).await;
    let err = plan::add_note(&t.store, &t.officer, Source::Window, &a.id, day(1, 1, 2024), "   ").await.unwrap_err();
    assert_eq!(err.code(), treem::ErrorCode::InvalidInput);
    let err = plan::add_note(&t.store, &t.officer, Source::Window, &a.id, day(1, 1, 2024), &"x".repeat(10_000)).await.unwrap_err();
    assert!(err.to_string().contains("5000"), "{err}");
    let err = plan::set_status(&t.store, &t.officer, Source::Window, "khong-co", Status::Done).await.unwrap_err();
    assert_eq!(err.code(), treem::ErrorCode::NotFound);
    let err = plan::add_evidence(&t.store, &t.officer, Source::Window, &a.id, Upload::Path(std::path::Path::new("/khong/co/tep.pdf"))).await.unwrap_err();
    assert_eq!(err.code(), treem::ErrorCode::File);
    let err = ward::rename_unit(&t.store, &t.officer, Source::Window, &a.unit_id, &"Đ".repeat(10_000)).await.unwrap_err();
    assert_eq!(err.code(), treem::ErrorCode::InvalidInput);
    assert_eq!(support::row_counts(&t.store).await, before);
}

#[tokio::test]
async fn reports_are_received_late_or_missing() {
    let t = support::demo().await;
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    let table = reporting::table(&t.store, &t.officer, &p.id, day(1, 5, 2024)).await.unwrap();
    assert_eq!(table.deadlines.len(), 2);
    assert_eq!(table.deadlines[0].due_on, day(19, 5, 2024));
    assert!(table.rows.iter().all(|r| r.cells.iter().all(|c| c.state == ReportState::Pending)));
    let half = table.deadlines[0].id.clone();
    let (on_time, late) = (&table.rows[0].unit, &table.rows[1].unit);
    let report = t.dir.path().join("bao-cao-6-thang.docx");
    std::fs::write(&report, b"bao cao").unwrap();
    reporting::record_received(&t.store, &t.officer, Source::Window, &half, &on_time.id, day(18, 5, 2024), Some(Upload::Path(&report))).await.unwrap();
    reporting::record_received(&t.store, &t.officer, Source::Window, &half, &late.id, day(25, 5, 2024), None).await.unwrap();
    let table = reporting::table(&t.store, &t.officer, &p.id, day(1, 6, 2024)).await.unwrap();
    let state = |unit: &str| table.rows.iter().find(|r| r.unit.id == unit).unwrap().cells[0].clone();
    assert_eq!(state(&on_time.id).state, ReportState::Received);
    assert_eq!(state(&on_time.id).file.as_ref().unwrap().file_name, "bao-cao-6-thang.docx");
    assert_eq!(state(&late.id).state, ReportState::Late);
    assert_eq!(state(&table.rows[2].unit.id).state, ReportState::Missing);
    // The due date is editable.
    reporting::set_due(&t.store, &t.officer, Source::Window, &half, day(31, 5, 2024)).await.unwrap();
    let table = reporting::table(&t.store, &t.officer, &p.id, day(1, 6, 2024)).await.unwrap();
    assert_eq!(table.rows[1].cells[0].state, ReportState::Received);
}

#[tokio::test]
async fn overview_splits_due_soon_from_late() {
    let t = support::demo().await;
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    let o = overview::overview(&t.store, &t.officer, &p.id, day(20, 6, 2024)).await.unwrap();
    // Action month activities end 30/6: due within 14 days. The 6-month reports are late.
    assert!(o.due_soon.iter().any(|i| i.kind == DueKind::Activity && i.due_on == day(30, 6, 2024)));
    assert!(o.due_soon.iter().all(|i| i.due_on >= day(20, 6, 2024) && i.due_on <= day(4, 7, 2024)));
    assert_eq!(o.late.iter().filter(|i| i.kind == DueKind::Report).count(), 14);
    assert!(o.late.iter().all(|i| i.kind == DueKind::Report));
    let lead = o.by_unit.iter().find(|u| u.unit_name.starts_with("Văn hóa")).unwrap();
    assert_eq!(lead.counts.total, lead.counts.not_started);
    assert!(lead.counts.total >= 25 + 10);

    // Setting an activity done takes it off the list.
    let tree = plan::tree(&t.store, &t.officer, &p.id).await.unwrap();
    let due: Vec<_> = o.due_soon.iter().filter(|i| i.kind == DueKind::Activity).collect();
    let first = due[0];
    let a = tree.assignments.iter().find(|a| Some(&a.node_id) == first.node_id.as_ref() && a.unit_name == first.unit_name).unwrap();
    plan::set_status(&t.store, &t.officer, Source::Window, &a.id, Status::Done).await.unwrap();
    let o2 = overview::overview(&t.store, &t.officer, &p.id, day(20, 6, 2024)).await.unwrap();
    assert_eq!(o2.due_soon.len(), o.due_soon.len() - 1);
}

#[tokio::test]
async fn units_can_be_added_to_and_taken_off_an_activity() {
    let t = support::demo().await;
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    let tree = plan::tree(&t.store, &t.officer, &p.id).await.unwrap();
    let node = tree.nodes.iter().find(|n| n.is_activity).unwrap();
    let group = ward::units(&t.store, &t.officer).await.unwrap().into_iter().find(|u| u.name == "Tổ dân phố 2").unwrap();
    let a = plan::assign_unit(&t.store, &t.officer, Source::Window, &node.id, &group.id, false).await.unwrap();
    assert_eq!(a.role, Role::Coordinating);
    assert_eq!(plan::activity(&t.store, &t.officer, &node.id).await.unwrap().units.len(), tree.assignments.iter().filter(|x| x.node_id == node.id).count() + 1);
    plan::unassign(&t.store, &t.officer, Source::Window, &a.id).await.unwrap();
    let again = plan::assign_unit(&t.store, &t.officer, Source::Window, &node.id, &group.id, false).await.unwrap();
    assert_eq!(again.id, a.id, "re-adding revives the tombstoned assignment");
    let n = plan::set_timing(&t.store, &t.officer, Source::Window, &node.id, plan::period::Period::Custom, Some((day(1, 3, 2024), day(31, 3, 2024)))).await.unwrap();
    assert_eq!(n.ends_on, day(31, 3, 2024));
    let err = plan::set_timing(&t.store, &t.officer, Source::Window, &node.id, plan::period::Period::Custom, Some((day(2, 3, 2024), day(1, 3, 2024)))).await.unwrap_err();
    assert_eq!(err.code(), treem::ErrorCode::InvalidInput);
}

#[tokio::test]
async fn the_lead_unit_cannot_be_taken_off_an_activity() {
    let t = support::demo().await;
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    let tree = plan::tree(&t.store, &t.officer, &p.id).await.unwrap();
    let lead = tree.assignments.iter().find(|a| a.role == Role::Lead).unwrap();
    let before = support::row_counts(&t.store).await;
    let err = plan::unassign(&t.store, &t.officer, Source::Window, &lead.id).await.unwrap_err();
    assert_eq!(err.code(), treem::ErrorCode::InvalidInput);
    assert!(err.to_string().contains("chủ trì"), "{err}");
    assert_eq!(support::row_counts(&t.store).await, before);
}

#[tokio::test]
async fn search_ignores_tones_and_d_and_combines_with_filters() {
    let t = support::demo().await;
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    let tree = plan::tree(&t.store, &t.officer, &p.id).await.unwrap();
    let find = |query: &str| plan::Filter { query: query.into(), ..Default::default() };
    let month = plan::search(&t.store, &t.officer, &p.id, &find("thang hanh dong")).await.unwrap();
    assert!(!month.is_empty());
    for id in &month {
        let n = tree.nodes.iter().find(|n| &n.id == id).unwrap();
        let units: String = tree.assignments.iter().filter(|a| &a.node_id == id).map(|a| a.unit_name.clone()).collect();
        assert!(treem::text::fold(&format!("{} {units}", n.text)).contains("thang hanh dong"), "{}", n.text);
    }
    // Decomposed input and đ: "Đài truyền thanh" is found as typed without marks.
    let radio = plan::search(&t.store, &t.officer, &p.id, &find("dai truyen thanh")).await.unwrap();
    let decomposed: String = unicode_normalization::UnicodeNormalization::nfd("Đài truyền thanh").collect();
    assert_eq!(plan::search(&t.store, &t.officer, &p.id, &find(&decomposed)).await.unwrap(), radio);
    assert!(!radio.is_empty());
    // Filters narrow the search; nothing matches a word that is nowhere.
    let in_summer = plan::Filter { period: Some(plan::period::Period::Summer), ..find("") };
    let summer = plan::search(&t.store, &t.officer, &p.id, &in_summer).await.unwrap();
    assert!(!summer.is_empty() && summer.len() < tree.nodes.iter().filter(|n| n.is_activity).count());
    assert!(plan::search(&t.store, &t.officer, &p.id, &find("xyzzy")).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_assignment_history_reads_in_vietnamese_with_notes_and_evidence() {
    let t = support::demo().await;
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    let a = plan::tree(&t.store, &t.officer, &p.id).await.unwrap().assignments[0].clone();
    plan::set_status(&t.store, &t.officer, Source::Window, &a.id, Status::InProgress).await.unwrap();
    plan::add_note(&t.store, &t.officer, Source::Window, &a.id, day(3, 3, 2024), "Đã họp.").await.unwrap();
    let file = plan::add_evidence(&t.store, &t.officer, Source::Window, &a.id, Upload::Bytes { name: "ảnh.png", bytes: b"png" }).await.unwrap();
    plan::remove_evidence(&t.store, &t.officer, Source::Window, &a.id, &file.id).await.unwrap();
    let lines = treem::history::of_assignment(&t.store, &t.officer, &a.id).await.unwrap();
    let summaries: Vec<&str> = lines.iter().map(|l| l.summary.as_str()).collect();
    assert_eq!(
        summaries,
        ["Giao cho đơn vị (chủ trì)", "Sửa", "Thêm ghi chú tiến độ ngày 03/03/2024: Đã họp.", "Thêm minh chứng “ảnh.png”", "Gỡ minh chứng “ảnh.png”"]
    );
    let change = &lines[1].changes[0];
    assert_eq!((change.field.as_str(), change.from.as_str(), change.to.as_str()), ("Tình trạng", "Chưa bắt đầu", "Đang thực hiện"));
    assert_eq!(lines[1].source, "trên cửa sổ");
    assert_eq!(plan::activity(&t.store, &t.officer, &a.node_id).await.unwrap().units[0].evidence.len(), 0);
}

#[tokio::test]
async fn the_lead_passes_to_another_unit_in_one_step() {
    let t = support::demo().await;
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    let tree = plan::tree(&t.store, &t.officer, &p.id).await.unwrap();
    let lead = tree.assignments.iter().find(|a| a.role == Role::Lead).unwrap().clone();
    let group = ward::units(&t.store, &t.officer).await.unwrap().into_iter().find(|u| u.name == "Tổ dân phố 3").unwrap();
    let added = plan::assign_unit(&t.store, &t.officer, Source::Window, &lead.node_id, &group.id, false).await.unwrap();
    let now_lead = plan::set_lead(&t.store, &t.officer, Source::Window, &added.id).await.unwrap();
    assert_eq!(now_lead.role, Role::Lead);
    let units = plan::activity(&t.store, &t.officer, &lead.node_id).await.unwrap().units;
    assert_eq!(units.iter().filter(|u| u.assignment.role == Role::Lead).count(), 1, "one lead");
    assert_eq!(units.iter().find(|u| u.assignment.id == lead.id).unwrap().assignment.role, Role::Coordinating);
    // The former lead can now be taken off.
    plan::unassign(&t.store, &t.officer, Source::Window, &lead.id).await.unwrap();
    assert_eq!(store::replay(t.store.pool()).await.unwrap().difference, None);
}
