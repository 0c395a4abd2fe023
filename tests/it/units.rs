//! A unit's page on the demo plan, the reminder letter (công văn đôn đốc) to a unit that is
//! late, and the migration that made room for it.

use chrono::NaiveDate;
use treem::documents::register::{self, Kind};
use treem::plan::reporting::{ReportPeriod, ReportState};
use treem::plan::{self, Role, Status};
use treem::unit_page::unit_page;
use treem::{store, ward, Source};

use crate::documents::{check_pdf, collapse};
use crate::support;

const LEAD: &str = "Văn hóa - Xã hội, Đài truyền thanh";

fn day(d: u32, m: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, d).unwrap()
}

async fn lead_unit(t: &support::TempStore) -> (String, String) {
    let p = plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    let units = ward::units(&t.store, &t.officer).await.unwrap();
    let unit = units.iter().find(|u| u.name == LEAD).unwrap_or_else(|| panic!("the demo has {LEAD}: {units:?}"));
    (p.id, unit.id.clone())
}

#[tokio::test]
async fn the_lead_units_page_shows_what_is_late() {
    let t = support::demo().await;
    let (plan_id, unit_id) = lead_unit(&t).await;
    // 20/06/2024: the 6-month report was due on 19/05 and has not come in; the yearly one is not
    // yet due. The demo's activities of this unit end on 30/06 at the earliest: none is late yet.
    let page = unit_page(&t.store, &t.officer, &plan_id, &unit_id, day(20, 6)).await.unwrap();
    assert_eq!(page.unit.name, LEAD);
    assert!(!page.activities.is_empty());
    assert!(page.activities.iter().all(|a| a.role == Role::Lead));
    assert!(page.activities.iter().all(|a| !a.text.is_empty()));
    assert!(page.activities.iter().any(|a| a.label.starts_with("II.") && a.label.matches('.').count() == 2), "labels like II.4.a");
    let half = page.reports.iter().find(|r| r.period == ReportPeriod::Half).unwrap();
    assert_eq!((half.state, half.due_on, half.received_on.is_none()), (ReportState::Missing, day(19, 5), true));
    let year = page.reports.iter().find(|r| r.period == ReportPeriod::Year).unwrap();
    assert_eq!(year.state, ReportState::Pending);
    assert_eq!(page.counts.missing_reports, 1);
    assert_eq!(page.late_activities().count(), 0);
    assert!(page.reminder_due, "a missing report is enough for a reminder");
    assert_eq!(page.counts.by_status.total as usize, page.activities.len());
    assert_eq!(page.counts.by_status.not_started, page.counts.by_status.total, "nothing is started in the demo");
    assert_eq!(page.counts.by_status.percent_done, 0);

    // 01/09/2024: the Children's Action Month (ends 30/06) and the accident campaign (ends
    // 31/08) are past their deadline and still open.
    let page = unit_page(&t.store, &t.officer, &plan_id, &unit_id, day(1, 9)).await.unwrap();
    let late: Vec<_> = page.late_activities().collect();
    assert_eq!(late.len(), 2, "{late:?}");
    assert!(late.iter().any(|a| a.text.starts_with("Tổ chức Tháng hành động vì trẻ em năm 2024") && a.due_on == day(30, 6)));
    assert!(late.iter().all(|a| a.due_on < day(1, 9) && a.status.is_open()));
    assert!(page.activities.iter().filter(|a| !a.late).all(|a| a.due_on >= day(1, 9)));
    assert_eq!(page.counts.late, 2);
    assert!(page.reminder_due);

    // Before any deadline nothing is late and no letter is due.
    let early = unit_page(&t.store, &t.officer, &plan_id, &unit_id, day(2, 1)).await.unwrap();
    assert_eq!((early.counts.late, early.counts.missing_reports, early.reminder_due), (0, 0, false));
    // A unit that does not exist is said so.
    assert!(unit_page(&t.store, &t.officer, &plan_id, "khong-co", day(2, 1)).await.is_err());
}

#[tokio::test]
async fn the_percent_done_leaves_out_what_does_not_apply() {
    let t = support::demo().await;
    let (plan_id, unit_id) = lead_unit(&t).await;
    let page = unit_page(&t.store, &t.officer, &plan_id, &unit_id, day(20, 6)).await.unwrap();
    assert!(page.activities.len() >= 3);
    let ids: Vec<String> = page.activities.iter().map(|a| a.assignment_id.clone()).collect();
    plan::set_status(&t.store, &t.officer, Source::Window, &ids[0], Status::Done).await.unwrap();
    plan::set_status(&t.store, &t.officer, Source::Window, &ids[1], Status::NotApplicable).await.unwrap();
    plan::set_status(&t.store, &t.officer, Source::Window, &ids[2], Status::InProgress).await.unwrap();
    let page = unit_page(&t.store, &t.officer, &plan_id, &unit_id, day(20, 6)).await.unwrap();
    let c = &page.counts.by_status;
    assert_eq!((c.done, c.not_applicable, c.in_progress), (1, 1, 1));
    assert_eq!(c.done + c.in_progress + c.not_started + c.not_applicable, c.total);
    let applies = c.total - 1;
    assert_eq!(c.percent_done, (100 + applies / 2) / applies, "1 of {applies}, not of {}", c.total);
    // Neither a done nor a not-applicable activity is late.
    assert!(page.activities.iter().filter(|a| a.late).all(|a| a.status.is_open()));
}

#[tokio::test]
async fn the_reminder_letter_is_numbered_01_and_names_the_unit_and_what_is_late() {
    let t = support::demo().await;
    let (plan_id, unit_id) = lead_unit(&t).await;
    let err = register::create_draft(&t.store, &t.officer, Source::Window, Kind::Reminder, &plan_id, None, None, None).await.unwrap_err();
    assert!(err.to_string().contains("Chọn đơn vị"), "{err}");

    let draft = register::create_draft(&t.store, &t.officer, Source::Window, Kind::Reminder, &plan_id, None, None, Some(&unit_id)).await.unwrap();
    assert_eq!(draft.unit_id.as_deref(), Some(unit_id.as_str()));
    assert_eq!(draft.symbol, "UBND-VHXH");
    assert!(Kind::Reminder.numbered());
    // The draft previews.
    let preview = check_pdf("cong-van-don-doc-nhap", &register::pdf(&t.store, &t.officer, &draft.id).await.unwrap());
    assert!(preview.contains(&format!("Kính gửi: {LEAD}.")), "{preview}");

    let issued = register::issue(&t.store, &t.officer, Source::Window, &draft.id, day(1, 9), None).await.unwrap();
    assert_eq!((issued.number, issued.year), (Some(1), 2024));
    assert_eq!(issued.number_text, "01/UBND-VHXH");
    let text = check_pdf("cong-van-don-doc", &register::pdf(&t.store, &t.officer, &issued.id).await.unwrap());
    for needle in [
        "ỦY BAN NHÂN DÂN",
        "PHƯỜNG NGUYỄN NGHIÊM",
        "Số: 01/UBND-VHXH",
        "V/v đôn đốc thực hiện Kế hoạch công tác trẻ em năm 2024",
        "Phường Nguyễn Nghiêm, ngày 01 tháng 9 năm 2024",
        &format!("Kính gửi: {LEAD}."),
        "Báo cáo 6 tháng năm 2024, hạn gửi ngày",
        "trước ngày 08/09/2024",
        "KT. CHỦ TỊCH",
        "Võ Thùy Dương",
        "Nơi nhận:",
        "- Như trên;",
    ] {
        assert!(text.contains(needle), "missing {needle} in {text}");
    }
    assert!(!text.contains("KẾ HOẠCH") && !text.contains("BÁO CÁO"), "a letter has no type line");
    let page = unit_page(&t.store, &t.officer, &plan_id, &unit_id, day(1, 9)).await.unwrap();
    assert_eq!(page.late_activities().count(), 2);
    for a in page.late_activities() {
        let words = collapse(a.text.trim_end_matches(['.', ';', ':', ',']));
        assert!(text.contains(&format!("Mục {}: {words}", a.label)), "missing late activity {}: {}", a.label, a.text);
    }
    for a in page.activities.iter().filter(|a| !a.late) {
        assert!(!text.contains(&format!("Mục {}: ", a.label)), "{} is not late", a.label);
    }
    assert_eq!(page.letters.len(), 1);
    assert_eq!(page.letters[0].id, issued.id);

    // The register holds it, and the log still rebuilds every table.
    let book = register::register(&t.store, &t.officer, 2024).await.unwrap();
    assert_eq!(book.iter().map(|d| d.kind).collect::<Vec<_>>(), [Kind::Reminder]);
    let replayed = store::replay(t.store.pool()).await.unwrap();
    assert_eq!(replayed.difference, None);
}

#[tokio::test]
async fn the_migration_keeps_every_document() {
    // A database as the app left it before reminder letters: every migration but the new one.
    let dir = tempfile::tempdir().unwrap();
    let (db, pool) = crate::support::database_before(dir.path(), "20250301000000").await;
    // A delivery list inserted before the document it delivers: the copy keeps both.
    sqlx::query(
        "INSERT INTO documents (id, kind, source_id, year, number, symbol, issued_on, summary, signer_prefix, signer_title,
           signer_name, recipients, narrative, status, created_at, updated_at, device_id)
         VALUES ('ds', 'delivery', NULL, 2024, NULL, '', NULL, 'Danh sách', '', '', '', '[]', '{}', 'draft', 't', 't', 'd'),
                ('bc', 'report', NULL, 2024, 3, 'BC-UBND', '2024-05-18', 'Báo cáo', 'KT. CHỦ TỊCH', 'PHÓ CHỦ TỊCH',
           'Võ Thùy Dương', '[\"Lưu: VT, VH-XH.\"]', '{\"results\":\"Kết quả\",\"shortcomings\":\"\",\"proposals\":\"\"}', 'issued', 't', 't', 'd')",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query("UPDATE documents SET source_id = 'bc' WHERE id = 'ds'").execute(&pool).await.unwrap();
    pool.close().await;

    // The first start of this version: the officer's account, and the database encrypted.
    let (store, officer, _) = treem::auth::set_up(&db, "canbo", "Nguyễn Thị Hoa", crate::support::PASSWORD).await.unwrap();
    let (s, o) = (&store, &officer);
    let report = register::get(s, o, "bc").await.unwrap();
    assert_eq!((report.kind, report.number, report.number_text.as_str()), (Kind::Report, Some(3), "03/BC-UBND"));
    assert_eq!(report.issued_on, Some(day(18, 5)));
    assert_eq!(report.narrative.results, "Kết quả");
    assert_eq!(report.recipients, ["Lưu: VT, VH-XH."]);
    assert_eq!(report.unit_id, None);
    let list = register::get(s, o, "ds").await.unwrap();
    assert_eq!(list.source_id.as_deref(), Some("bc"));
    // The indexes are back, the self-reference names the new table, and nothing dangles.
    let indexes: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'documents' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .fetch_all(s.pool())
            .await
            .unwrap();
    assert_eq!(indexes, ["documents_by_campaign", "documents_by_case", "documents_by_unit", "documents_by_year", "documents_number"]);
    let sql: String = sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE name = 'documents'").fetch_one(s.pool()).await.unwrap();
    assert!(!sql.contains("documents_new"), "{sql}");
    let dangling: Vec<(String,)> = sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check").fetch_all(s.pool()).await.unwrap();
    assert!(dangling.is_empty(), "{dangling:?}");
    // The number stays taken in its year.
    let taken = sqlx::query("UPDATE documents SET number = 3, year = 2024 WHERE id = 'ds'").execute(s.pool()).await;
    assert!(taken.is_err(), "documents_number still holds");
}
