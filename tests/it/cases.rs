//! Cases through Decree 56's process: steps in order with their deadlines, the approval decision
//! through the register, new cycles and closing, who may see a case, bad input that writes
//! nothing, the holiday table, the overview, and the command line.

use std::path::Path;
use std::process::Command;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use treem::auth::UserRole;
use treem::calendar::{self, DayInput, DayKind};
use treem::cases::{
    self, AbuseType, ActionInput, CaseHeader, Channel, DeadlineState, DetailedInput, DetailedStep, FollowUp, FollowUpStep, InitialInput,
    InitialStep, Informant, PlanInput, PlanStep, ReceiveInput, Review, ReviewOutcome, ReviewStep, Risk, Setting, Stage, StepKind,
};
use treem::documents::register;
use treem::{Error, Source, Store};

use crate::support::{self, TempStore};

/// An instant in Vietnam (UTC+7).
fn vn(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono::FixedOffset::east_opt(7 * 3600).unwrap().with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn some_child(store: &Store) -> String {
    sqlx::query_scalar("SELECT id FROM children WHERE deleted_at IS NULL AND birth_year = 2015 ORDER BY id LIMIT 1").fetch_one(store.pool()).await.unwrap()
}

fn report(child_id: &str, received_at: &str) -> ReceiveInput {
    ReceiveInput {
        child_id: Some(child_id.to_owned()),
        new_child: None,
        received_at: received_at.to_owned(),
        channel: Channel::Hotline111,
        abuse_type: AbuseType::Violence,
        setting: Setting::Family,
        place: "Tại nhà".into(),
        account: "Trẻ bị cha đánh nhiều lần.".into(),
        taken: String::new(),
        informant_consents: false,
        informant: None,
    }
}

fn initial(case_id: &str, at: &str, serious: bool) -> InitialStep {
    InitialStep {
        case_id: case_id.into(),
        done_at: at.into(),
        details: InitialInput {
            risk: Risk::High,
            serious_harm: serious,
            findings: "Trẻ có vết bầm ở tay.".into(),
            emergency_measures: if serious { "Đưa trẻ đến Trạm Y tế.".into() } else { String::new() },
            emergency_at: if serious { at.into() } else { String::new() },
        },
    }
}

fn detailed(case_id: &str, at: &str) -> DetailedStep {
    DetailedStep {
        case_id: case_id.into(),
        done_at: at.into(),
        details: DetailedInput {
            physical: "Ổn định.".into(),
            psychological: "Lo âu.".into(),
            family: String::new(),
            caregivers: String::new(),
            needs: "An toàn, tư vấn tâm lý.".into(),
            meeting_on: String::new(),
            meeting_participants: String::new(),
            meeting_conclusions: String::new(),
        },
    }
}

fn plan(case_id: &str, at: &str, due: &str) -> PlanStep {
    PlanStep {
        case_id: case_id.into(),
        done_at: at.into(),
        details: PlanInput { goals: "Bảo đảm an toàn cho trẻ.".into(), actions: vec![ActionInput { action: "Tư vấn tâm lý".into(), unit_id: None, due_on: due.into() }] },
    }
}

fn review(case_id: &str, at: &str, outcome: ReviewOutcome) -> ReviewStep {
    ReviewStep {
        case_id: case_id.into(),
        done_at: at.into(),
        details: Review { remaining_harm: Risk::Low, abuser_access: Risk::Low, care_obstacles: Risk::Low, recovery: "Trẻ đi học đều.".into(), outcome, note: String::new() },
    }
}

fn message(e: Error) -> String {
    e.to_string()
}

#[tokio::test]
async fn a_case_goes_through_every_step_with_its_deadlines_in_hours_and_working_days() {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    let child = some_child(s).await;
    let now = vn(2024, 2, 1, 10, 0);
    let c: CaseHeader = cases::receive(s, o, Source::Window, &report(&child, "01/02/2024 09:00"), now).await.unwrap();
    assert_eq!(c.number_text, "01/2024");
    let page = cases::page(s, o, &c.id, now).await.unwrap();
    assert_eq!(page.stage, Stage::Received);
    let due: Vec<(&str, &str, DeadlineState)> = page.deadlines.iter().map(|d| (d.what.as_str(), d.due_text.as_str(), d.state)).collect();
    // 12 hours from 09:00; 5 working days from Thursday 01/02/2024 across Tết (08–14/02): 15/02.
    assert_eq!(due[0], ("Đánh giá ban đầu (Mẫu 02)", "21:00 ngày 01/02/2024", DeadlineState::Open));
    assert_eq!(due[1], ("Lập kế hoạch hỗ trợ, can thiệp (Mẫu 04)", "ngày 15/02/2024", DeadlineState::Open));

    // Out of order: a plan before any assessment is refused, and nothing is written.
    let before = support::row_counts(s).await;
    let later = vn(2024, 2, 5, 10, 0);
    let e = message(cases::plan(s, o, Source::Window, &plan(&c.id, "02/02/2024", "20/02/2024"), later).await.unwrap_err());
    assert!(e.contains("bước tiếp theo là “Đánh giá ban đầu”"), "{e}");
    // An assessment dated before the report was received is refused too.
    let e = message(cases::assess(s, o, Source::Window, &initial(&c.id, "01/02/2024 08:00", false), later).await.unwrap_err());
    assert!(e.contains("trước ngày tiếp nhận"), "{e}");
    assert_eq!(support::row_counts(s).await, before, "refused steps wrote nothing");

    // Assessed the next morning: after its 12 hours, so late; the emergency measures too.
    let p = cases::assess(s, o, Source::Window, &initial(&c.id, "02/02/2024 08:00", true), later).await.unwrap();
    assert_eq!(p.stage, Stage::Assessed);
    let states: Vec<DeadlineState> = p.deadlines.iter().take(2).map(|d| d.state).collect();
    assert_eq!(states, [DeadlineState::Late, DeadlineState::Late]);
    // As of 16/02 the plan is overdue (15/02 has ended).
    let p = cases::page(s, o, &c.id, vn(2024, 2, 16, 8, 0)).await.unwrap();
    assert_eq!(p.deadlines.iter().find(|d| d.what.starts_with("Lập kế hoạch")).unwrap().state, DeadlineState::Overdue);

    let now = vn(2024, 2, 20, 17, 0);
    cases::assess_in_detail(s, o, Source::Window, &detailed(&c.id, "05/02/2024"), now).await.unwrap();
    // A plan dated before its assessment, and an action due before the plan: clear refusals.
    let e = message(cases::plan(s, o, Source::Window, &plan(&c.id, "03/02/2024", "20/02/2024"), now).await.unwrap_err());
    assert!(e.contains("trước ngày đánh giá chi tiết"), "{e}");
    let e = message(cases::plan(s, o, Source::Window, &plan(&c.id, "15/02/2024", "10/02/2024"), now).await.unwrap_err());
    assert!(e.contains("trước ngày lập kế hoạch"), "{e}");
    let p = cases::plan(s, o, Source::Window, &plan(&c.id, "15/02/2024", "29/02/2024"), now).await.unwrap();
    assert_eq!(p.stage, Stage::Planned);
    assert_eq!(p.deadlines.iter().find(|d| d.what.starts_with("Lập kế hoạch")).unwrap().state, DeadlineState::Met, "15/02 is the last day");
    let e = message(cases::follow_up(s, o, Source::Window, &FollowUpStep { case_id: c.id.clone(), done_at: String::new(), details: FollowUp { note: "x".into() } }, now).await.unwrap_err());
    assert!(e.contains("chờ phê duyệt"), "{e}");

    // The Chairman's decision, numbered through the register, records the approval.
    let decision = register::create_case_decision(s, o, Source::Window, &c.id).await.unwrap();
    assert_eq!(register::create_case_decision(s, o, Source::Window, &c.id).await.unwrap().id, decision.id, "one draft per plan");
    let issued = register::issue(s, o, Source::Window, &decision.id, day(2024, 2, 19), None).await.unwrap();
    assert_eq!(issued.number_text, "01/QĐ-UBND");
    let p = cases::page(s, o, &c.id, now).await.unwrap();
    assert_eq!(p.stage, Stage::Implementing);
    let approval = p.steps.iter().find(|st| st.step == StepKind::Approval).unwrap();
    assert_eq!(approval.document_id.as_deref(), Some(decision.id.as_str()));
    let pdf = register::pdf(s, o, &decision.id).await.unwrap();
    let text = pdftotext(&t, &pdf);
    for expected in ["QUYẾT ĐỊNH", "CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG NGUYỄN NGHIÊM", "Nghị định số 56/2017/NĐ-CP", "Điều 1. Phê duyệt Kế hoạch hỗ trợ, can thiệp", "Số: 01/QĐ-UBND"] {
        assert!(text.contains(expected), "“{expected}” in {text}");
    }

    // A review that finds risk remaining starts a new cycle, whose plan counts 5 working days
    // from the review (Friday 05/04/2024 → Friday 12/04/2024).
    let now = vn(2024, 6, 1, 9, 0);
    cases::follow_up(s, o, Source::Window, &FollowUpStep { case_id: c.id.clone(), done_at: "01/03/2024".into(), details: FollowUp { note: "Trẻ an toàn.".into() } }, now).await.unwrap();
    let p = cases::review(s, o, Source::Window, &review(&c.id, "05/04/2024", ReviewOutcome::NewCycle), now).await.unwrap();
    assert_eq!((p.stage, p.cycle), (Stage::Assessed, 2));
    let second = p.deadlines.iter().find(|d| d.what.contains("lần 2")).unwrap();
    assert_eq!((second.due_text.as_str(), second.state), ("ngày 12/04/2024", DeadlineState::Overdue));
    assert!(p.deadlines.iter().all(|d| d.what != "Tư vấn tâm lý" || d.state != DeadlineState::Overdue), "the first plan's action is not owed any more");
    cases::assess_in_detail(s, o, Source::Window, &detailed(&c.id, "08/04/2024"), now).await.unwrap();
    let p = cases::plan(s, o, Source::Window, &plan(&c.id, "10/04/2024", "30/04/2024"), now).await.unwrap();
    assert_eq!(p.decision_id, None, "the first cycle's decision is not this plan's");
    let second_decision = register::create_case_decision(s, o, Source::Window, &c.id).await.unwrap();
    assert_ne!(second_decision.id, decision.id);
    assert_eq!(cases::page(s, o, &c.id, now).await.unwrap().decision_id.as_deref(), Some(second_decision.id.as_str()));
    register::issue(s, o, Source::Window, &second_decision.id, day(2024, 4, 11), None).await.unwrap();
    let p = cases::review(s, o, Source::Window, &review(&c.id, "20/05/2024", ReviewOutcome::Close), now).await.unwrap();
    assert_eq!(p.stage, Stage::Closed);
    assert!(p.deadlines.iter().all(|d| !d.state.is_open()), "a closed case owes nothing");
    let e = message(cases::follow_up(s, o, Source::Window, &FollowUpStep { case_id: c.id.clone(), done_at: String::new(), details: FollowUp { note: "x".into() } }, now).await.unwrap_err());
    assert!(e.contains("đã kết thúc"), "{e}");

    // The forms print, Vietnamese intact; each print is in the audit trail.
    let plan_form = treem::documents::case_docs::form_pdf(s, o, &c.id, treem::documents::case_docs::CaseForm::Plan).await.unwrap();
    let text = pdftotext(&t, &plan_form);
    for expected in ["Mẫu số 04", "KẾ HOẠCH HỖ TRỢ, CAN THIỆP", "Tư vấn tâm lý", "30/04/2024"] {
        assert!(text.contains(expected), "“{expected}” in {text}");
    }
    let exports: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM change_log WHERE table_name = 'cases' AND event = 'export'").fetch_one(s.pool()).await.unwrap();
    assert_eq!(exports, 1);
}

fn pdftotext(t: &TempStore, pdf: &[u8]) -> String {
    let path = t.dir.path().join("x.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext").args(["-layout"]).arg(&path).arg("-").output().expect("pdftotext (poppler-utils)");
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn only_the_officer_and_leaders_open_a_case_and_every_opening_is_recorded() {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    let child = some_child(s).await;
    let now = Utc::now();
    let c = cases::receive(s, o, Source::Window, &report(&child, ""), now).await.unwrap();
    let group: String = sqlx::query_scalar("SELECT id FROM units WHERE kind = 'residential_group' LIMIT 1").fetch_one(s.pool()).await.unwrap();
    let (ls, leader) = t.user("lanhdao", UserRole::Leader, None).await;
    let (cs, collaborator) = t.user("ctv", UserRole::Collaborator, Some(&group)).await;
    let (vs, viewer) = t.user("xem", UserRole::Viewer, None).await;

    assert_eq!(cases::list(&ls, &leader, now).await.unwrap().len(), 1);
    cases::page(&ls, &leader, &c.id, now).await.unwrap();
    assert!(matches!(cases::receive(&ls, &leader, Source::Window, &report(&child, ""), now).await, Err(Error::Forbidden(_))));
    assert!(!cases::page(&ls, &leader, &c.id, now).await.unwrap().may_edit);
    for (store, actor) in [(&cs, &collaborator), (&vs, &viewer)] {
        assert!(matches!(cases::list(store, actor, now).await, Err(Error::Forbidden(_))));
        assert!(matches!(cases::page(store, actor, &c.id, now).await, Err(Error::Forbidden(_))));
        assert!(matches!(treem::history::of_record(store, actor, "cases", &c.id).await, Err(Error::Forbidden(_))));
        assert!(matches!(
            treem::documents::case_docs::form_pdf(store, actor, &c.id, treem::documents::case_docs::CaseForm::Receipt).await,
            Err(Error::Forbidden(_))
        ));
    }
    // Even the officer reads a case's history only on its page.
    assert!(matches!(treem::history::of_record(s, o, "case_steps", &c.id).await, Err(Error::Forbidden(_))));
    let views: Vec<String> = sqlx::query_scalar("SELECT user_name FROM change_log WHERE table_name = 'cases' AND record_id = ? AND event = 'view'")
        .bind(&c.id)
        .fetch_all(s.pool())
        .await
        .unwrap();
    assert_eq!(views, ["lanhdao", "lanhdao"], "each opening is an entry; refused ones are none");

    // The register shows a decision to the viewer without the child's name, and not its PDF.
    cases::assess(s, o, Source::Window, &initial(&c.id, "", false), Utc::now()).await.unwrap();
    cases::assess_in_detail(s, o, Source::Window, &detailed(&c.id, ""), Utc::now()).await.unwrap();
    let today = treem::today_in_vietnam().format("%d/%m/%Y").to_string();
    cases::plan(s, o, Source::Window, &plan(&c.id, "", &today), Utc::now()).await.unwrap();
    let d = register::create_case_decision(s, o, Source::Window, &c.id).await.unwrap();
    let child_name: String = sqlx::query_scalar("SELECT full_name FROM children WHERE id = ?").bind(&child).fetch_one(s.pool()).await.unwrap();
    assert!(d.summary.contains(&child_name));
    let seen = register::get(&vs, &viewer, &d.id).await.unwrap();
    assert!(!seen.summary.contains(&child_name), "{}", seen.summary);
    assert!(register::list(&vs, &viewer).await.unwrap().iter().all(|x| !x.summary.contains(&child_name)));
    assert!(matches!(register::pdf(&vs, &viewer, &d.id).await, Err(Error::Forbidden(_))));
    assert!(register::get(&ls, &leader, &d.id).await.unwrap().summary.contains(&child_name));
    assert!(matches!(treem::history::of_record(&vs, &viewer, "documents", &d.id).await, Err(Error::Forbidden(_))), "its history names the child too");
    let issued = register::issue(s, o, Source::Window, &d.id, treem::today_in_vietnam(), None).await.unwrap();
    let file_id: String = sqlx::query_scalar("SELECT file_id FROM documents WHERE id = ?").bind(&issued.id).fetch_one(s.pool()).await.unwrap();
    assert!(matches!(treem::files::read(&vs, &viewer, &file_id).await, Err(Error::Forbidden(_))), "nor its kept PDF");
    assert!(treem::files::read(&ls, &leader, &file_id).await.unwrap().starts_with(b"%PDF-"));
    let plan_2024 = treem::plan::of_year(s, o, 2024).await.unwrap();
    let delivery = register::create_draft(s, o, Source::Window, register::Kind::Delivery, &plan_2024.id, None, Some(&issued.id), None).await;
    assert!(matches!(delivery, Err(Error::Invalid(_))), "no delivery list copies a decision's summary out of reach");

    // The overview names cases by number to those who may open them, and not at all to others.
    let plan_id = treem::plan::of_year(s, o, 2024).await.unwrap().id;
    let mine = treem::overview::overview(s, o, &plan_id, treem::today_in_vietnam()).await.unwrap();
    let case_items: Vec<_> = mine.due_soon.iter().chain(&mine.late).filter(|i| i.case_id.as_deref() == Some(c.id.as_str())).collect();
    assert!(!case_items.is_empty());
    assert!(case_items.iter().all(|i| i.label == format!("Vụ việc {}", c.number_text) && !i.text.contains(&child_name)));
    let theirs = treem::overview::overview(&vs, &viewer, &plan_id, treem::today_in_vietnam()).await.unwrap();
    assert!(theirs.due_soon.iter().chain(&theirs.late).all(|i| i.case_id.is_none()));
}

#[tokio::test]
async fn bad_reports_and_a_removed_child_change_nothing() {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    let child = some_child(s).await;
    let now = Utc::now();
    // Serious harm without the time the emergency measures started: the 12 hours need it.
    let c0 = cases::receive(s, o, Source::Window, &report(&child, ""), now).await.unwrap();
    let mut serious = initial(&c0.id, "", true);
    serious.details.emergency_at = String::new();
    let e = message(cases::assess(s, o, Source::Window, &serious, Utc::now()).await.unwrap_err());
    assert!(e.contains("thời điểm bắt đầu áp dụng biện pháp khẩn cấp"), "{e}");
    let before = support::row_counts(s).await;
    // No time for a report: the 12 hours need it.
    let e = message(cases::receive(s, o, Source::Window, &report(&child, "01/02/2024"), now).await.unwrap_err());
    assert!(e.contains("Nhập cả giờ"), "{e}");
    let e = message(cases::receive(s, o, Source::Window, &report(&child, "31/02/2024 09:00"), now).await.unwrap_err());
    assert!(e.contains("không có trên lịch"), "{e}");
    let e = message(cases::receive(s, o, Source::Window, &report(&child, "01/02/2099 09:00"), now).await.unwrap_err());
    assert!(e.contains("chưa tới"), "{e}");
    let e = message(cases::receive(s, o, Source::Window, &ReceiveInput { account: "  ".into(), ..report(&child, "") }, now).await.unwrap_err());
    assert!(e.contains("nội dung sự việc"), "{e}");
    // A report received before the child chosen was born: the wrong child, or the wrong date.
    let e = message(cases::receive(s, o, Source::Window, &report(&child, "01/06/2014 09:00"), now).await.unwrap_err());
    assert!(e.contains("sau ngày tiếp nhận 01/06/2014"), "{e}");
    // A new child with a bad birth date: neither the child nor the case is written.
    let bad_child = treem::children::ChildInput { full_name: "Lê Văn Bình".into(), birth: "30/02/2016".into(), sex: Some(treem::children::Sex::Male), ..Default::default() };
    let e = cases::receive(s, o, Source::Window, &ReceiveInput { child_id: None, new_child: Some(bad_child.clone()), ..report(&child, "") }, now).await.unwrap_err();
    assert!(matches!(e, Error::Invalid(_)), "{e}");
    assert_eq!(support::row_counts(s).await, before, "nothing written");

    // A new child that is valid comes into the register with the case; the informant who did
    // not consent leaves no trace.
    let good_child = treem::children::ChildInput { birth: "02/02/2016".into(), ..bad_child };
    let informant = Informant { name: "Nguyễn Văn Hùng".into(), phone: "0905111222".into(), address: String::new(), relation: "Hàng xóm".into() };
    let c = cases::receive(s, o, Source::Window, &ReceiveInput { child_id: None, new_child: Some(good_child), informant: Some(informant.clone()), ..report(&child, "") }, now)
        .await
        .unwrap();
    assert_eq!(c.child_name, "Lê Văn Bình");
    assert!(c.informant.is_none());
    let logged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM change_log WHERE changes LIKE '%0905111222%'").fetch_one(s.pool()).await.unwrap();
    assert_eq!(logged, 0, "not in the log either");
    let with_consent = cases::receive(s, o, Source::Window, &ReceiveInput { informant_consents: true, informant: Some(informant.clone()), ..report(&child, "") }, now).await.unwrap();
    assert_eq!(with_consent.informant, Some(informant));

    // The child's record removed after the report: the next step says what to do, writes nothing.
    treem::children::remove(s, o, Source::Window, &c.child_id, "Nhập trùng").await.unwrap();
    let before = support::row_counts(s).await;
    let e = message(cases::assess(s, o, Source::Window, &initial(&c.id, "", false), Utc::now()).await.unwrap_err());
    assert!(e.contains("khôi phục hồ sơ trẻ"), "{e}");
    assert_eq!(support::row_counts(s).await, before);
    assert!(cases::page(s, o, &c.id, Utc::now()).await.unwrap().case.child_removed);
}

#[tokio::test]
async fn the_holiday_table_is_edited_and_a_year_missing_from_it_is_named() {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    assert_eq!(calendar::due(s, o, day(2024, 2, 1), 5).await.unwrap().day, day(2024, 2, 15));
    // The ward works Thursday 15/02 off instead (an announced change): the deadline moves.
    let off = DayInput { day: "15/02/2024".into(), kind: DayKind::Off, name: "Nghỉ bù".into() };
    calendar::set_day(s, o, Source::Window, &off).await.unwrap();
    let moved = calendar::due(s, o, day(2024, 2, 1), 5).await.unwrap();
    assert_eq!(moved.day, day(2024, 2, 16));
    assert_eq!(moved.note.as_deref(), Some("Hạn đã dời từ ngày 15/02/2024 theo lịch ngày nghỉ phường đã sửa: thứ năm 15/02/2024 (Nghỉ bù)."));
    let year = calendar::year(s, o, 2024).await.unwrap();
    assert!(year.days.iter().any(|d| d.day == day(2024, 2, 15) && d.changed && d.name == "Nghỉ bù"));
    calendar::reset_day(s, o, Source::Window, "15/02/2024").await.unwrap();
    assert_eq!(calendar::due(s, o, day(2024, 2, 1), 5).await.unwrap().day, day(2024, 2, 15));
    assert!(calendar::reset_day(s, o, Source::Window, "15/02/2024").await.is_err(), "nothing left to take back");

    // 2031 is not in the table: a deadline in it is refused with the way to fill it.
    let e = message(calendar::due(s, o, day(2030, 12, 27), 5).await.unwrap_err());
    assert!(e.contains("Chưa có lịch ngày nghỉ năm 2031"), "{e}");
    assert!(!calendar::year(s, o, 2031).await.unwrap().covered);
    // One day entered does not make a year's table; filling it keeps that day.
    let mine = DayInput { day: "02/01/2031".into(), kind: DayKind::Off, name: "Nghỉ bù Tết Dương lịch".into() };
    calendar::set_day(s, o, Source::Window, &mine).await.unwrap();
    assert!(!calendar::year(s, o, 2031).await.unwrap().covered);
    let filled = calendar::fill_year(s, o, Source::Window, 2031).await.unwrap();
    assert!(filled.covered && filled.days.iter().any(|d| d.day == treem::calendar::lunar::tet(2031)));
    assert!(filled.days.iter().any(|d| d.day == day(2031, 1, 2) && d.name == "Nghỉ bù Tết Dương lịch"));
    // 27/12/2030 (Friday): Monday 30, Tuesday 31, then 01/01/2031 and the officer's 02/01 off,
    // Friday 3, Monday 6, Tuesday 7.
    assert_eq!(calendar::due(s, o, day(2030, 12, 27), 5).await.unwrap().day, day(2031, 1, 7));
    assert!(calendar::fill_year(s, o, Source::Window, 2031).await.is_err(), "filled once");
    // Filled by the Labour Code, the year is expected until the officer enters its notice.
    assert!(calendar::year(s, o, 2031).await.unwrap().expected);
    assert!(calendar::due(s, o, day(2031, 3, 5), 5).await.unwrap().note.is_some_and(|n| n.starts_with("Hạn dự kiến: năm 2031")));
    let noticed = calendar::set_notice(s, o, Source::Window, 2031, "Văn bản số 1234/VPCP-KGVX ngày 20/11/2030 của Văn phòng Chính phủ").await.unwrap();
    assert!(!noticed.expected && noticed.notice_entered && noticed.notice.as_deref().is_some_and(|n| n.contains("1234/VPCP-KGVX")));
    assert_eq!(calendar::due(s, o, day(2031, 3, 5), 5).await.unwrap().note, None);
    // A built-in year shows the notice it follows; an empty notice takes the ward's back.
    let y2026 = calendar::year(s, o, 2026).await.unwrap();
    assert!(!y2026.expected && !y2026.notice_entered && y2026.notice.as_deref().is_some_and(|n| n.contains("12729/VPCP-KGVX")));
    assert!(calendar::set_notice(s, o, Source::Window, 2031, "  ").await.unwrap().expected);
    let (vs, viewer) = t.user("xem", UserRole::Viewer, None).await;
    assert!(matches!(calendar::set_day(&vs, &viewer, Source::Window, &off).await, Err(Error::Forbidden(_))));
}

fn treem(db: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_treem"));
    cmd.args(args).arg("--db").arg(db).env("TREEM_DATA_DIR", db.parent().unwrap());
    cmd.env("TREEM_USER", "canbo").env("TREEM_PASSWORD", support::PASSWORD);
    cmd.output().expect("treem runs")
}

#[tokio::test]
async fn the_command_line_lists_shows_and_prints_cases() {
    let t = support::demo().await;
    let db = t.db_path();
    t.store.close().await;
    let added = treem(&db, &["demo", "cases"]);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    let list = treem(&db, &["case", "list", "--json"]);
    assert!(list.status.success(), "{}", String::from_utf8_lossy(&list.stderr));
    let all: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), treem::cases::generate::DEMO_CASES);
    let stages: std::collections::BTreeSet<&str> = all.iter().map(|c| c["stage"].as_str().unwrap()).collect();
    assert_eq!(stages.len(), Stage::ALL.len(), "a demo case at every step: {stages:?}");
    assert!(all.iter().any(|c| c["next_deadline"]["state"] == "overdue"));
    assert!(all.iter().all(|c| c["id"].is_string() && c["child_name"].is_string() && c["abuse_type"].is_string() && c["deadlines"].is_array()));
    let id = all.iter().find(|c| c["stage"] == "assessed").unwrap()["id"].as_str().unwrap().to_owned();
    let shown = treem(&db, &["case", "show", &id]);
    assert!(String::from_utf8_lossy(&shown.stdout).contains("Lập kế hoạch hỗ trợ, can thiệp (Mẫu 04)"));
    let out = db.parent().unwrap().join("mẫu 04.pdf");
    let printed = treem(&db, &["doc", "case-plan", "--case", &id, "--out", out.to_str().unwrap()]);
    assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
    let text = Command::new("pdftotext").arg(&out).arg("-").output().unwrap().stdout;
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("KẾ HOẠCH HỖ TRỢ, CAN THIỆP") && text.contains("Thời hạn lập kế hoạch"), "{text}");
    let due = treem(&db, &["calendar", "due", "--from", "07/02/2024", "--working-days", "5"]);
    assert_eq!(String::from_utf8_lossy(&due.stdout).trim(), "21/02/2024 (Thứ Tư)");
    let hole = treem(&db, &["calendar", "due", "--from", "2030-12-27", "--working-days", "5"]);
    assert!(!hole.status.success() && String::from_utf8_lossy(&hole.stderr).contains("2031"));
}

#[tokio::test]
async fn steps_of_one_day_read_back_in_the_order_recorded() {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    let child = some_child(s).await;
    let now = vn(2024, 3, 6, 9, 0);
    let c = cases::receive(s, o, Source::Window, &report(&child, "05/03/2024 13:00"), now).await.unwrap();
    cases::assess(s, o, Source::Window, &initial(&c.id, "05/03/2024 14:30", false), now).await.unwrap();
    // The detailed assessment typed the next morning with its date alone reads as noon, before
    // 14:30: it is kept after the initial assessment, and the case moves on.
    let p = cases::assess_in_detail(s, o, Source::Window, &detailed(&c.id, "05/03/2024"), now).await.unwrap();
    assert_eq!(p.stage, Stage::Detailed);
    let kinds: Vec<StepKind> = p.steps.iter().map(|st| st.step).collect();
    assert_eq!(kinds, [StepKind::Initial, StepKind::Detailed]);
    assert!(p.steps[1].done_at > p.steps[0].done_at);
}
