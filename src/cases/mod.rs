//! Cases of abuse, or of risk of it, handled through the support-and-intervention process of
//! Decree 56/2017 (Arts. 25–30): the report received (Mẫu 01), the initial assessment (Mẫu 02),
//! the detailed assessment with its meeting (Mẫu 03), the plan with its actions (Mẫu 04), the
//! Chairman's approval decision (Mẫu 05, a document of the register), follow-ups, and the
//! review (Mẫu 06) that closes the case or starts a new cycle; referrals to other services.
//!
//! # Deadlines
//! The time a report is received starts the clocks ([`deadlines`]): the initial assessment —
//! with the emergency measures where the child faces serious harm — within 12 hours; the plan
//! within 5 working days under the ward's [holiday table](crate::calendar) (a new cycle counts
//! from the review that started it); each action of the plan by its own date.
//!
//! # Who sees a case
//! A case is the most sensitive record the ward keeps: only the officer (who writes it) and the
//! leaders (who read it and approve its plan) open it, each opening is written in the audit
//! trail, and its history is read only on its page. Other roles see no case at all; the
//! register of documents shows them an approval decision without the child's name.

pub mod generate;

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use crate::auth::{Actor, Need};
use crate::calendar::{self, Calendar};
use crate::children::ChildInput;
use crate::history::HistoryLine;
use crate::store::{new_id, Cols, Source, Store, Write};
use crate::text::{self, format_date, InvalidInput};
use crate::{Error, Result};

/// The tables this module owns. Their history is read only on a case's page.
pub const TABLES: &[&str] = &["cases", "case_steps", "case_actions", "case_referrals"];

/// Hours from receiving a report to the initial assessment and, where the child faces serious
/// harm, the emergency measures (Decree 56, Art. 26).
pub const ASSESSMENT_HOURS: i64 = 12;

/// Who owes the steps of the process (the actions of a plan name their own units).
pub const OFFICER: &str = "Công chức Văn hóa - Xã hội";

/// Working days from receiving a report (or from the review that starts a new cycle) to the
/// support-and-intervention plan (Decree 56, Art. 28).
pub const PLAN_WORKING_DAYS: u32 = 5;

labelled_enum! {
    /// How the report came.
    pub enum Channel {
        /// Tổng đài điện thoại quốc gia bảo vệ trẻ em 111.
        Hotline111 = ("hotline_111", "Tổng đài 111"),
        /// The child's school.
        School = ("school", "Nhà trường"),
        /// The police.
        Police = ("police", "Công an"),
        /// The health station.
        HealthStation = ("health_station", "Trạm Y tế"),
        /// A neighbour or another resident.
        Neighbour = ("neighbour", "Hàng xóm, người dân"),
        /// Someone who came to the ward.
        InPerson = ("in_person", "Trực tiếp tại UBND phường"),
        /// By phone, message or online.
        Online = ("online", "Điện thoại, tin nhắn, trực tuyến"),
        /// Another way.
        Other = ("other", "Khác"),
    }
}

labelled_enum! {
    /// The kind of abuse (Law on Children, Art. 4).
    pub enum AbuseType {
        /// Bạo lực.
        Violence = ("violence", "Bạo lực"),
        /// Xâm hại tình dục.
        SexualAbuse = ("sexual_abuse", "Xâm hại tình dục"),
        /// Bóc lột, lao động trẻ em trái quy định.
        Exploitation = ("exploitation", "Bóc lột, lao động trẻ em trái quy định"),
        /// Mua bán.
        Trafficking = ("trafficking", "Mua bán"),
        /// Bỏ rơi.
        Abandonment = ("abandonment", "Bỏ rơi"),
        /// Bỏ mặc.
        Neglect = ("neglect", "Bỏ mặc"),
        /// Another harm.
        Other = ("other", "Khác"),
    }
}

labelled_enum! {
    /// Where it happened (the breakdown of indicator 0101 of Thông tư 13/2021).
    pub enum Setting {
        /// Gia đình.
        Family = ("family", "Gia đình"),
        /// Trường học.
        School = ("school", "Trường học"),
        /// Cộng đồng.
        Community = ("community", "Cộng đồng"),
        /// Môi trường mạng.
        Online = ("online", "Môi trường mạng"),
    }
}

labelled_enum! {
    /// A level of risk or harm, as Mẫu 02 and Mẫu 06 rate it.
    pub enum Risk {
        /// Cao.
        High = ("high", "Cao"),
        /// Trung bình.
        Medium = ("medium", "Trung bình"),
        /// Thấp.
        Low = ("low", "Thấp"),
    }
}

labelled_enum! {
    /// A step of the process.
    pub enum StepKind {
        /// Mẫu 02.
        Initial = ("initial", "Đánh giá ban đầu"),
        /// Mẫu 03, with the meeting's minutes.
        Detailed = ("detailed", "Đánh giá chi tiết"),
        /// Mẫu 04, with its actions.
        Plan = ("plan", "Lập kế hoạch hỗ trợ, can thiệp"),
        /// Mẫu 05: recorded when the decision is issued.
        Approval = ("approval", "Phê duyệt kế hoạch"),
        /// A dated follow-up of the plan's implementation.
        FollowUp = ("follow_up", "Theo dõi thực hiện"),
        /// Mẫu 06: closes the case or starts a new cycle.
        Review = ("review", "Đánh giá kết quả"),
    }
}

labelled_enum! {
    /// Where a case stands.
    pub enum Stage {
        /// Received; the initial assessment is next.
        Received = ("received", "Đã tiếp nhận, chờ đánh giá ban đầu"),
        /// Assessed; the detailed assessment is next.
        Assessed = ("assessed", "Đã đánh giá, chờ đánh giá chi tiết"),
        /// Assessed in detail; the plan is next.
        Detailed = ("detailed", "Đã đánh giá chi tiết, chờ lập kế hoạch"),
        /// Planned; waiting for the Chairman's decision.
        Planned = ("planned", "Đã lập kế hoạch, chờ phê duyệt"),
        /// Approved and carried out.
        Implementing = ("implementing", "Đang thực hiện kế hoạch"),
        /// Closed by a review.
        Closed = ("closed", "Đã kết thúc"),
    }
}

labelled_enum! {
    /// What a review decides.
    pub enum ReviewOutcome {
        /// The risk is gone: the plan ends.
        Close = ("close", "Kết thúc hỗ trợ, can thiệp"),
        /// The risk remains: a new cycle, from a new detailed assessment.
        NewCycle = ("new_cycle", "Tiếp tục: đánh giá lại và lập kế hoạch mới"),
    }
}

labelled_enum! {
    /// Where a case is referred.
    pub enum ReferredTo {
        /// Tổng đài 111.
        Hotline111 = ("hotline_111", "Tổng đài 111"),
        /// The provincial social work centre.
        SocialWorkCentre = ("social_work_centre", "Trung tâm công tác xã hội tỉnh"),
        /// The police.
        Police = ("police", "Công an"),
        /// The health station.
        HealthStation = ("health_station", "Trạm Y tế"),
        /// The court.
        Court = ("court", "Tòa án"),
        /// Another service.
        Other = ("other", "Khác"),
    }
}

labelled_enum! {
    /// How a deadline stands.
    pub enum DeadlineState {
        /// Not done, not yet due.
        Open = ("open", "Chưa đến hạn"),
        /// Not done, past due.
        Overdue = ("overdue", "Quá hạn"),
        /// Done in time.
        Met = ("met", "Đúng hạn"),
        /// Done after the deadline.
        Late = ("late", "Trễ hạn"),
    }
}

labelled_enum! {
    /// Which rule a deadline comes from.
    pub enum DeadlineKind {
        /// The initial assessment, within 12 hours.
        Assessment = ("assessment", "Đánh giá ban đầu trong 12 giờ"),
        /// Emergency measures where the child faces serious harm, within 12 hours.
        Emergency = ("emergency", "Can thiệp khẩn cấp trong 12 giờ"),
        /// The plan, within 5 working days.
        Plan = ("plan", "Lập kế hoạch trong 5 ngày làm việc"),
        /// An action of a plan, by its date.
        Action = ("action", "Hoạt động của kế hoạch"),
    }
}

impl DeadlineKind {
    /// Counted in hours rather than days.
    pub fn in_hours(self) -> bool {
        matches!(self, DeadlineKind::Assessment | DeadlineKind::Emergency)
    }
}

impl DeadlineState {
    /// Still to be done.
    pub fn is_open(self) -> bool {
        matches!(self, DeadlineState::Open | DeadlineState::Overdue)
    }
}

/// The person who reported, kept only with their consent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Informant {
    /// Họ và tên.
    pub name: String,
    /// Điện thoại.
    pub phone: String,
    /// Địa chỉ.
    pub address: String,
    /// Quan hệ với trẻ.
    pub relation: String,
}

/// A report received (Mẫu 01).
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct ReceiveInput {
    /// A child already in the register…
    pub child_id: Option<String>,
    /// …or a new one, added with the case.
    pub new_child: Option<ChildInput>,
    /// "05/03/2024 14:30"; empty for now.
    pub received_at: String,
    /// How it came.
    pub channel: Channel,
    /// The kind of abuse.
    pub abuse_type: AbuseType,
    /// Where.
    pub setting: Setting,
    /// The place it happened.
    pub place: String,
    /// What happened, as reported.
    pub account: String,
    /// What was already done.
    pub taken: String,
    /// The informant agreed to give their details.
    pub informant_consents: bool,
    /// Their details (kept only with consent).
    pub informant: Option<Informant>,
}

/// The initial assessment (Mẫu 02).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct InitialAssessment {
    /// The level of risk.
    pub risk: Risk,
    /// The child's life, health or dignity faces serious harm: emergency measures are needed.
    pub serious_harm: bool,
    /// What was found: harm, who is around the child, safety now.
    pub findings: String,
    /// The emergency measures taken (temporary separation, medical care…).
    pub emergency_measures: String,
    /// When they started.
    pub emergency_at: Option<DateTime<Utc>>,
    /// "05/03/2024 16:00": when they started, as read back (not stored).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub emergency_text: String,
}

impl Default for Risk {
    fn default() -> Risk {
        Risk::Low
    }
}

/// The detailed assessment (Mẫu 03) and its meeting.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DetailedAssessment {
    /// Physical state.
    pub physical: String,
    /// Psychological state.
    pub psychological: String,
    /// The family and the setting.
    pub family: String,
    /// What the caregivers can do.
    pub caregivers: String,
    /// The child's needs agreed.
    pub needs: String,
    /// The meeting: when.
    pub meeting_on: Option<NaiveDate>,
    /// Who took part.
    pub meeting_participants: String,
    /// What it concluded (the minutes).
    pub meeting_conclusions: String,
}

/// The plan (Mẫu 04); its actions are rows of their own.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PlanDetails {
    /// What the plan aims at.
    pub goals: String,
}

/// The approval: the decision issued.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Approval {
    /// "05/QĐ-UBND".
    pub decision: String,
}

/// A follow-up of the plan's implementation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FollowUp {
    /// What was seen and done.
    pub note: String,
}

/// The review (Mẫu 06).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Review {
    /// The harm that remains.
    pub remaining_harm: Risk,
    /// The abuser's access to the child.
    pub abuser_access: Risk,
    /// Obstacles in the care setting.
    pub care_obstacles: Risk,
    /// The child's recovery, in words.
    pub recovery: String,
    /// Close, or a new cycle.
    pub outcome: ReviewOutcome,
    /// Remarks.
    pub note: String,
}

/// What a step recorded, by its kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
#[ts(export)]
pub enum StepDetails {
    /// Mẫu 02.
    Initial(InitialAssessment),
    /// Mẫu 03.
    Detailed(DetailedAssessment),
    /// Mẫu 04.
    Plan(PlanDetails),
    /// Mẫu 05.
    Approval(Approval),
    /// A follow-up.
    FollowUp(FollowUp),
    /// Mẫu 06.
    Review(Review),
}

impl StepDetails {
    /// The step this is.
    pub fn kind(&self) -> StepKind {
        match self {
            StepDetails::Initial(_) => StepKind::Initial,
            StepDetails::Detailed(_) => StepKind::Detailed,
            StepDetails::Plan(_) => StepKind::Plan,
            StepDetails::Approval(_) => StepKind::Approval,
            StepDetails::FollowUp(_) => StepKind::FollowUp,
            StepDetails::Review(_) => StepKind::Review,
        }
    }
}

/// A step recorded.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct StepRecord {
    /// Id.
    pub id: String,
    /// 1, 2 …
    pub cycle: i32,
    /// The step.
    pub step: StepKind,
    /// When.
    pub done_at: DateTime<Utc>,
    /// "05/03/2024 14:30".
    pub done_text: String,
    /// Who.
    pub done_by: String,
    /// What it recorded.
    pub details: StepDetails,
    /// The decision issued (approval).
    pub document_id: Option<String>,
}

/// An action of a plan.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
#[ts(export)]
pub struct CaseAction {
    /// Id.
    pub id: String,
    /// The plan's cycle.
    pub cycle: i32,
    /// What.
    pub action: String,
    /// The unit that does it.
    pub unit_id: Option<String>,
    /// Its name.
    pub unit_name: Option<String>,
    /// By when.
    pub due_on: NaiveDate,
    /// Done on.
    pub done_on: Option<NaiveDate>,
    /// What came of it.
    pub result: String,
}

/// A referral.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
#[ts(export)]
pub struct Referral {
    /// Id.
    pub id: String,
    /// To whom.
    pub referred_to: ReferredTo,
    /// When.
    pub referred_on: NaiveDate,
    /// Why.
    pub reason: String,
    /// What came of it.
    pub outcome: String,
    /// When that was known.
    pub outcome_on: Option<NaiveDate>,
}

/// A deadline of a case.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CaseDeadline {
    /// Which rule it comes from.
    pub kind: DeadlineKind,
    /// The step or action due: "Lập kế hoạch hỗ trợ, can thiệp (Mẫu 04)".
    pub what: String,
    /// The rule: "5 ngày làm việc kể từ khi tiếp nhận".
    pub rule: String,
    /// Who owes it: the unit of an action of a plan, [`OFFICER`] for the steps.
    pub unit_name: String,
    /// Due (for a day, its end in Vietnam).
    pub due_at: DateTime<Utc>,
    /// "14:30 ngày 05/03/2024" or "ngày 12/03/2024".
    pub due_text: String,
    /// The day due, in Vietnam.
    pub due_on: NaiveDate,
    /// How it stands.
    pub state: DeadlineState,
    /// Done when.
    pub done_at: Option<DateTime<Utc>>,
    /// "05/03/2024 14:30", when done.
    pub done_text: Option<String>,
    /// Why the day may be wrong (a year missing from the holiday table).
    pub problem: Option<String>,
}

/// A case's header: the report received and the child.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CaseHeader {
    /// Id.
    pub id: String,
    /// "03/2024": the number within the year received.
    pub number_text: String,
    /// The child.
    pub child_id: String,
    /// Their name.
    pub child_name: String,
    /// Their record was removed after the case was opened.
    pub child_removed: bool,
    /// When received.
    pub received_at: DateTime<Utc>,
    /// "05/03/2024 14:30".
    pub received_text: String,
    /// How.
    pub channel: Channel,
    /// The kind of abuse.
    pub abuse_type: AbuseType,
    /// Where.
    pub setting: Setting,
    /// The place.
    pub place: String,
    /// What happened.
    pub account: String,
    /// What was already done.
    pub taken: String,
    /// The informant, given with consent.
    pub informant: Option<Informant>,
    /// Who received it.
    pub received_by: String,
}

/// A row of the list of cases: no details of what happened.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CaseRow {
    /// Id.
    pub id: String,
    /// "03/2024".
    pub number_text: String,
    /// The child's name.
    pub child_name: String,
    /// When received.
    pub received_text: String,
    /// When received (the order of the list).
    pub received_at: DateTime<Utc>,
    /// The kind of abuse.
    pub abuse_type: AbuseType,
    /// Where it stands.
    pub stage: Stage,
    /// The next deadline still open, if any.
    pub next_deadline: Option<CaseDeadline>,
}

/// A form of a case and the name its file is saved under.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct FormFile {
    /// The form.
    pub form: crate::documents::case_docs::CaseForm,
    /// "mau-04-vu-viec-03-2024.pdf".
    pub file_name: String,
}

/// A case's page.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CasePage {
    /// The report and the child.
    pub case: CaseHeader,
    /// Where it stands.
    pub stage: Stage,
    /// The current cycle.
    pub cycle: i32,
    /// The steps recorded, in order.
    pub steps: Vec<StepRecord>,
    /// The steps the officer may record next.
    pub next: Vec<StepKind>,
    /// The plans' actions.
    pub actions: Vec<CaseAction>,
    /// Referrals.
    pub referrals: Vec<Referral>,
    /// Deadlines, in order.
    pub deadlines: Vec<CaseDeadline>,
    /// The approval decision of the current cycle, drafted or issued.
    pub decision_id: Option<String>,
    /// The forms that print, with the name their file is saved under.
    pub forms: Vec<FormFile>,
    /// Whether this person may record steps.
    pub may_edit: bool,
    /// Changes to the report, oldest first.
    pub history: Vec<HistoryLine>,
}

/// "05/03/2024 14:30", Vietnam time.
pub fn clock_text(at: DateTime<Utc>) -> String {
    crate::vietnam_clock(at)
}

/// Reads an instant typed as "05/03/2024 14:30" (Vietnam time; "14:30 05/03/2024" too). With
/// no time, `need_time` refuses it; otherwise the time of `now` on that day (noon on another
/// day). Empty means `now`. Never in the future.
pub fn parse_instant(field: &'static str, s: &str, now: DateTime<Utc>, need_time: bool) -> std::result::Result<DateTime<Utc>, InvalidInput> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(now);
    }
    let mut date = None;
    let mut time = None;
    for part in s.split_whitespace() {
        if part.contains(':') || part.to_lowercase().contains('h') {
            let t = part.to_lowercase().replace('h', ":");
            let t = if t.ends_with(':') { format!("{t}00") } else { t };
            time = Some(NaiveTime::parse_from_str(&t, "%H:%M").map_err(|_| {
                InvalidInput::new(field, format!("Giờ “{part}” không đúng; nhập theo dạng giờ:phút, ví dụ 14:30."))
            })?);
        } else {
            date = Some(text::parse_date(field, part)?);
        }
    }
    let date = date.ok_or_else(|| InvalidInput::new(field, "Nhập ngày và giờ, ví dụ 05/03/2024 14:30."))?;
    let local_now = crate::vietnam_time(now);
    let time = match time {
        Some(t) => t,
        None if need_time => {
            return Err(InvalidInput::new(field, "Nhập cả giờ, ví dụ 05/03/2024 14:30: thời hạn 12 giờ tính từ lúc tiếp nhận."));
        }
        None if date == local_now.date_naive() => local_now.time(),
        None => NaiveTime::from_hms_opt(12, 0, 0).unwrap_or_default(),
    };
    let at = crate::instant_in_vietnam(date.and_time(time));
    if at > now + Duration::minutes(5) {
        return Err(InvalidInput::new(field, format!("Thời điểm {} chưa tới; hãy kiểm tra lại ngày giờ.", clock_text(at))));
    }
    Ok(at)
}

const LONG: usize = 10_000;

// ---------------------------------------------------------------------------------------------
// Reading

#[derive(sqlx::FromRow)]
struct CaseDb {
    id: String,
    year: i32,
    number: i32,
    child_id: String,
    child_name: String,
    child_deleted: Option<String>,
    received_at: DateTime<Utc>,
    channel: Channel,
    abuse_type: AbuseType,
    setting: Setting,
    place: String,
    account: String,
    taken: String,
    informant: Option<String>,
    received_by: String,
}

const CASE_SELECT: &str = "SELECT c.id, c.year, c.number, c.child_id, ch.full_name AS child_name, ch.deleted_at AS child_deleted,
    c.received_at, c.channel, c.abuse_type, c.setting, c.place, c.account, c.taken, c.informant, c.received_by
    FROM cases c JOIN children ch ON ch.id = c.child_id WHERE c.deleted_at IS NULL";

/// Every case as lists need it: without its child, whose name they take from the register in
/// memory ([`crate::children::index::briefs`]), nor what happened, which lists never show.
const CASES_ALONE: &str = "SELECT c.id, c.year, c.number, c.child_id, '' AS child_name, NULL AS child_deleted,
    c.received_at, c.channel, c.abuse_type, c.setting, '' AS place, '' AS account, '' AS taken, NULL AS informant, c.received_by
    FROM cases c WHERE c.deleted_at IS NULL";

/// The cases received by `at` (all when none), newest first, with their children's briefs when
/// `named` (the overview names cases by number only, and spares itself the look-up).
async fn cases_with_children(store: &Store, at: Option<DateTime<Utc>>, named: bool) -> Result<(Vec<CaseDb>, HashMap<String, crate::children::index::Brief>)> {
    let mut cases = sqlx::query_as::<_, CaseDb>(&format!("{CASES_ALONE} AND (? IS NULL OR c.received_at <= ?) ORDER BY c.year DESC, c.number DESC"))
        .bind(at.map(crate::store::stamp))
        .bind(at.map(crate::store::stamp))
        .fetch_all(store.pool())
        .await?;
    if !named {
        return Ok((cases, HashMap::new()));
    }
    let ids: std::collections::HashSet<&str> = cases.iter().map(|c| c.child_id.as_str()).collect();
    let briefs = crate::children::index::briefs(store, &ids).await?;
    for c in &mut cases {
        if let Some(b) = briefs.get(&c.child_id) {
            c.child_name = b.full_name.clone();
            c.child_deleted = b.removed.then(String::new);
        }
    }
    Ok((cases, briefs))
}

impl CaseDb {
    fn header(self) -> CaseHeader {
        CaseHeader {
            number_text: number_text(self.number, self.year),
            child_removed: self.child_deleted.is_some(),
            received_text: clock_text(self.received_at),
            informant: self.informant.and_then(|j| serde_json::from_str(&j).ok()),
            id: self.id,
            child_id: self.child_id,
            child_name: self.child_name,
            received_at: self.received_at,
            channel: self.channel,
            abuse_type: self.abuse_type,
            setting: self.setting,
            place: self.place,
            account: self.account,
            taken: self.taken,
            received_by: self.received_by,
        }
    }
}

/// "03/2024".
pub fn number_text(number: i32, year: i32) -> String {
    format!("{number:02}/{year}")
}

#[derive(sqlx::FromRow)]
struct StepDb {
    id: String,
    case_id: String,
    cycle: i32,
    step: StepKind,
    done_at: DateTime<Utc>,
    done_by: String,
    details: String,
    document_id: Option<String>,
}

impl StepDb {
    fn record(self) -> Option<StepRecord> {
        let mut details: StepDetails = serde_json::from_str(&self.details).ok()?;
        if let StepDetails::Initial(a) = &mut details {
            a.emergency_text = a.emergency_at.map(clock_text).unwrap_or_default();
        }
        Some(StepRecord {
            id: self.id,
            cycle: self.cycle,
            step: self.step,
            done_text: clock_text(self.done_at),
            done_at: self.done_at,
            done_by: self.done_by,
            details,
            document_id: self.document_id,
        })
    }
}

async fn steps_of(conn: &mut SqliteConnection, case_id: Option<&str>) -> Result<HashMap<String, Vec<StepRecord>>> {
    let sql = "SELECT id, case_id, cycle, step, done_at, done_by, details, document_id FROM case_steps
               WHERE deleted_at IS NULL AND (? IS NULL OR case_id = ?) ORDER BY done_at, created_at";
    let rows = sqlx::query_as::<_, StepDb>(sql).bind(case_id).bind(case_id).fetch_all(conn).await?;
    let mut out: HashMap<String, Vec<StepRecord>> = HashMap::new();
    for r in rows {
        let case = r.case_id.clone();
        if let Some(rec) = r.record() {
            out.entry(case).or_default().push(rec);
        }
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct ActionDb {
    case_id: String,
    #[sqlx(flatten)]
    action: CaseAction,
}

async fn actions_of(conn: &mut SqliteConnection, case_id: Option<&str>) -> Result<HashMap<String, Vec<CaseAction>>> {
    let sql = "SELECT a.case_id, a.id, a.cycle, a.action, a.unit_id, u.name AS unit_name, a.due_on, a.done_on, a.result
               FROM case_actions a LEFT JOIN units u ON u.id = a.unit_id
               WHERE a.deleted_at IS NULL AND (? IS NULL OR a.case_id = ?) ORDER BY a.cycle, a.due_on, a.created_at";
    let rows = sqlx::query_as::<_, ActionDb>(sql).bind(case_id).bind(case_id).fetch_all(conn).await?;
    let mut out: HashMap<String, Vec<CaseAction>> = HashMap::new();
    for mut r in rows {
        // An action given to no unit is the officer's.
        r.action.unit_name.get_or_insert_with(|| OFFICER.to_owned());
        out.entry(r.case_id).or_default().push(r.action);
    }
    Ok(out)
}

/// Where a case stands and its current cycle, from its steps in order. A review that starts
/// again ends its cycle: the next one opens at the detailed assessment.
pub fn stage_of(steps: &[StepRecord]) -> (Stage, i32) {
    let mut stage = Stage::Received;
    let mut cycle = 1;
    for s in steps {
        stage = match &s.details {
            StepDetails::Initial(_) => Stage::Assessed,
            StepDetails::Detailed(_) => Stage::Detailed,
            StepDetails::Plan(_) => Stage::Planned,
            StepDetails::Approval(_) => Stage::Implementing,
            StepDetails::FollowUp(_) => stage,
            StepDetails::Review(r) if r.outcome == ReviewOutcome::Close => Stage::Closed,
            StepDetails::Review(_) => {
                cycle = s.cycle + 1;
                Stage::Assessed
            }
        };
    }
    (stage, cycle)
}

/// The steps that may come next at a stage.
pub fn next_steps(stage: Stage) -> Vec<StepKind> {
    match stage {
        Stage::Received => vec![StepKind::Initial],
        Stage::Assessed => vec![StepKind::Detailed],
        Stage::Detailed => vec![StepKind::Plan],
        // The approval is recorded by issuing the decision (Mẫu 05) in the register.
        Stage::Planned => vec![StepKind::Approval],
        Stage::Implementing => vec![StepKind::FollowUp, StepKind::Review],
        Stage::Closed => vec![],
    }
}

fn deadline(kind: DeadlineKind, what: &str, rule: &str, due_at: DateTime<Utc>, due_text: String, done_at: Option<DateTime<Utc>>, now: DateTime<Utc>, problem: Option<String>) -> CaseDeadline {
    let state = match done_at {
        Some(d) if d <= due_at => DeadlineState::Met,
        Some(_) => DeadlineState::Late,
        None if now > due_at => DeadlineState::Overdue,
        None => DeadlineState::Open,
    };
    CaseDeadline {
        kind,
        what: what.to_owned(),
        rule: rule.to_owned(),
        unit_name: OFFICER.to_owned(),
        due_at,
        due_on: calendar::vietnam_day(due_at),
        due_text,
        state,
        done_text: done_at.map(clock_text),
        done_at,
        problem,
    }
}

/// A case's deadlines as of `now`, in order: the 12-hour initial assessment (and emergency
/// measures where the assessment found serious harm), the plan of each cycle within 5 working
/// days, and the actions of the plans by their dates. A closed case keeps only what was done.
pub fn deadlines(received_at: DateTime<Utc>, steps: &[StepRecord], actions: &[CaseAction], cal: &Calendar, now: DateTime<Utc>) -> Vec<CaseDeadline> {
    let mut out = Vec::new();
    let hours_due = received_at + Duration::hours(ASSESSMENT_HOURS);
    let hours_text = format!("{} ngày {}", crate::vietnam_time(hours_due).format("%H:%M"), format_date(calendar::vietnam_day(hours_due)));
    let initial = steps.iter().find(|s| s.step == StepKind::Initial);
    out.push(deadline(
        DeadlineKind::Assessment,
        "Đánh giá ban đầu (Mẫu 02)",
        "12 giờ kể từ khi tiếp nhận",
        hours_due,
        hours_text.clone(),
        initial.map(|s| s.done_at),
        now,
        None,
    ));
    if let Some(StepDetails::Initial(a)) = initial.map(|s| &s.details) {
        if a.serious_harm {
            out.push(deadline(
                DeadlineKind::Emergency,
                "Biện pháp can thiệp khẩn cấp",
                "12 giờ kể từ khi tiếp nhận, khi trẻ có nguy cơ bị tổn hại nghiêm trọng",
                hours_due,
                hours_text,
                a.emergency_at,
                now,
                None,
            ));
        }
    }
    let last_cycle = stage_of(steps).1;
    for cycle in 1..=last_cycle {
        let (from, rule) = if cycle == 1 {
            (received_at, "5 ngày làm việc kể từ khi tiếp nhận")
        } else {
            let review = steps.iter().filter(|s| s.cycle == cycle - 1 && s.step == StepKind::Review).last();
            match review {
                Some(r) => (r.done_at, "5 ngày làm việc kể từ khi đánh giá lại"),
                None => continue,
            }
        };
        let start = calendar::vietnam_day(from);
        let (day, problem) = match cal.add_working_days(start, PLAN_WORKING_DAYS) {
            Ok(d) => (d, cal.note(start, PLAN_WORKING_DAYS, d)),
            // A hole in the table: count weekends only, and say so.
            Err(e) => (calendar::add_weekdays(start, PLAN_WORKING_DAYS), Some(e.to_string())),
        };
        let what = if cycle == 1 { "Lập kế hoạch hỗ trợ, can thiệp (Mẫu 04)".to_owned() } else { format!("Lập kế hoạch hỗ trợ, can thiệp lần {cycle} (Mẫu 04)") };
        let done = steps.iter().find(|s| s.cycle == cycle && s.step == StepKind::Plan).map(|s| s.done_at);
        out.push(deadline(DeadlineKind::Plan, &what, rule, calendar::end_of_day(day), format!("ngày {}", format_date(day)), done, now, problem));
    }
    // Actions of a plan that a review replaced are no longer owed; those done stay.
    for a in actions.iter().filter(|a| a.cycle == last_cycle || a.done_on.is_some()) {
        let done = a.done_on.map(calendar::end_of_day);
        let mut d = deadline(DeadlineKind::Action, &a.action, "thời hạn trong kế hoạch", calendar::end_of_day(a.due_on), format!("ngày {}", format_date(a.due_on)), done, now, None);
        d.unit_name = a.unit_name.clone().unwrap_or_else(|| OFFICER.to_owned());
        out.push(d);
    }
    if stage_of(steps).0 == Stage::Closed {
        out.retain(|d| !d.state.is_open());
    }
    out.sort_by_key(|d| d.due_at);
    out
}


/// Every case with its stage and next deadline, newest first.
pub async fn list(store: &Store, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<CaseRow>> {
    actor.require(Need::ReadCases)?;
    Ok(all_in(store, now, true).await?.into_iter().map(|(row, _)| row).collect())
}

/// The rows of every case with all their deadlines (the list and the overview).
pub(crate) async fn all_in(store: &Store, now: DateTime<Utc>, named: bool) -> Result<Vec<(CaseRow, Vec<CaseDeadline>)>> {
    let pool = store.pool();
    let cal = Calendar::load(pool).await?;
    let (cases, _) = cases_with_children(store, None, named).await?;
    let mut conn = pool.acquire().await?;
    let mut steps = steps_of(&mut conn, None).await?;
    let mut actions = actions_of(&mut conn, None).await?;
    Ok(cases
        .into_iter()
        .map(|c| {
            let steps = steps.remove(&c.id).unwrap_or_default();
            let actions = actions.remove(&c.id).unwrap_or_default();
            let all = deadlines(c.received_at, &steps, &actions, &cal, now);
            let row = CaseRow {
                number_text: number_text(c.number, c.year),
                received_text: clock_text(c.received_at),
                received_at: c.received_at,
                stage: stage_of(&steps).0,
                next_deadline: all.iter().find(|d| d.state.is_open()).cloned(),
                id: c.id,
                child_name: c.child_name,
                abuse_type: c.abuse_type,
            };
            (row, all)
        })
        .collect())
}

/// Opens a case's page, and writes in the audit trail that this person looked.
pub async fn page(store: &Store, actor: &Actor, id: &str, now: DateTime<Utc>) -> Result<CasePage> {
    actor.require(Need::ReadCases)?;
    let page = page_in(store, id, now).await?;
    crate::audit::viewed(store, actor, "cases", id).await?;
    Ok(CasePage { may_edit: actor.require(Need::EditCases).is_ok() && page.stage != Stage::Closed, ..page })
}

pub(crate) async fn page_in(store: &Store, id: &str, now: DateTime<Utc>) -> Result<CasePage> {
    let pool = store.pool();
    let mut conn = pool.acquire().await?;
    let case = sqlx::query_as::<_, CaseDb>(&format!("{CASE_SELECT} AND c.id = ?"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound { what: "vụ việc" })?
        .header();
    let steps = steps_of(&mut conn, Some(id)).await?.remove(id).unwrap_or_default();
    let actions = actions_of(&mut conn, Some(id)).await?.remove(id).unwrap_or_default();
    let referrals = sqlx::query_as::<_, Referral>(
        "SELECT id, referred_to, referred_on, reason, outcome, outcome_on FROM case_referrals WHERE case_id = ? AND deleted_at IS NULL ORDER BY referred_on, created_at",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let (stage, cycle) = stage_of(&steps);
    // The current cycle's decision: one not yet behind any approval (drafted, or issued and
    // being recorded), else the one that approved this cycle's plan.
    let pending: Option<String> = sqlx::query_scalar(
        "SELECT id FROM documents WHERE case_id = ? AND kind = 'case_decision' AND deleted_at IS NULL
         AND id NOT IN (SELECT document_id FROM case_steps WHERE case_id = ? AND document_id IS NOT NULL AND deleted_at IS NULL)
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(id)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let decision_id = pending.or_else(|| steps.iter().filter(|s| s.cycle == cycle && s.step == StepKind::Approval).find_map(|s| s.document_id.clone()));
    drop(conn);
    let cal = Calendar::load(pool).await?;
    let deadlines = deadlines(case.received_at, &steps, &actions, &cal, now);
    let history = crate::history::of_record_in(pool, "cases", id, &[]).await?;
    let forms = crate::documents::case_docs::CaseForm::ALL.iter().map(|&form| FormFile { form, file_name: form.file_name(&case.number_text) }).collect();
    Ok(CasePage { case, stage, cycle, next: next_steps(stage), steps, actions, referrals, deadlines, decision_id, forms, may_edit: false, history })
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Receives a report (Mẫu 01): for a child in the register, or a new one added with it, in one
/// transaction. The case gets the next number of the year it was received.
pub async fn receive(store: &Store, actor: &Actor, source: Source, input: &ReceiveInput, now: DateTime<Utc>) -> Result<CaseHeader> {
    actor.require(Need::EditCases)?;
    let received_at = parse_instant("received_at", &input.received_at, now, true)?;
    let account = text::required("account", "nội dung sự việc", &input.account, LONG)?;
    let place = text::optional("place", "Nơi xảy ra", &input.place, 300)?;
    let taken = text::optional("taken", "Những việc đã làm", &input.taken, LONG)?;
    let informant = match (&input.informant, input.informant_consents) {
        (Some(i), true) if !i.name.trim().is_empty() || !i.phone.trim().is_empty() => Some(Informant {
            name: text::optional("informant", "Tên người báo tin", &i.name, 120)?,
            phone: text::optional("informant", "Điện thoại", &i.phone, 40)?,
            address: text::optional("informant", "Địa chỉ", &i.address, 300)?,
            relation: text::optional("informant", "Quan hệ với trẻ", &i.relation, 120)?,
        }),
        // Without consent nothing about the informant is kept, whatever was typed.
        _ => None,
    };
    let today = calendar::vietnam_day(now);
    let about = crate::children::About::new(input.child_id.as_deref(), input.new_child.as_ref(), today)?;
    let mut w = store.write(actor, source).await?;
    let child_id = about.child_in(&mut w, calendar::vietnam_day(received_at), "tiếp nhận").await?;
    use chrono::Datelike;
    let year = calendar::vietnam_day(received_at).year();
    let number: i32 = sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) + 1 FROM cases WHERE year = ?").bind(year).fetch_one(w.conn()).await?;
    let id = new_id();
    let cols = Cols::new()
        .set("year", year)
        .set("number", number)
        .set("child_id", &child_id)
        .set("received_at", crate::store::stamp(received_at))
        .set("channel", input.channel)
        .set("abuse_type", input.abuse_type)
        .set("setting", input.setting)
        .set("place", &place)
        .set("account", &account)
        .set("taken", &taken)
        .set("informant", informant.as_ref().map(|i| serde_json::to_string(i).unwrap_or_default()))
        .set("received_by", actor.name());
    w.insert("cases", &id, cols).await?;
    let header = sqlx::query_as::<_, CaseDb>(&format!("{CASE_SELECT} AND c.id = ?")).bind(&id).fetch_one(w.conn()).await?.header();
    w.commit().await?;
    Ok(header)
}

/// A case that may still be written to, read inside a write: it exists, is not closed, and its
/// child is still in the register.
async fn open_case(w: &mut Write<'_>, case_id: &str) -> Result<CaseDb> {
    let case = sqlx::query_as::<_, CaseDb>(&format!("{CASE_SELECT} AND c.id = ?"))
        .bind(case_id)
        .fetch_optional(w.conn())
        .await?
        .ok_or(Error::NotFound { what: "vụ việc" })?;
    crate::children::require_live(w, &case.child_id).await?;
    let steps = steps_of(w.conn(), Some(case_id)).await?.remove(case_id).unwrap_or_default();
    if stage_of(&steps).0 == Stage::Closed {
        return Err(InvalidInput::new("step", "Vụ việc đã kết thúc; không ghi thêm.").into());
    }
    Ok(case)
}

/// The case's steps read inside a write, with the checks every new step makes: the case
/// exists, its child is still in the register, and `kind` may come next.
async fn open_for(w: &mut Write<'_>, case_id: &str, kind: StepKind) -> Result<(CaseDb, Vec<StepRecord>, i32)> {
    let case = sqlx::query_as::<_, CaseDb>(&format!("{CASE_SELECT} AND c.id = ?"))
        .bind(case_id)
        .fetch_optional(w.conn())
        .await?
        .ok_or(Error::NotFound { what: "vụ việc" })?;
    crate::children::require_live(w, &case.child_id).await?;
    let steps = steps_of(w.conn(), Some(case_id)).await?.remove(case_id).unwrap_or_default();
    let (stage, cycle) = stage_of(&steps);
    if !next_steps(stage).contains(&kind) {
        let message = match stage {
            Stage::Closed => "Vụ việc đã kết thúc; không ghi thêm bước nào.".to_owned(),
            Stage::Planned if kind != StepKind::Approval => {
                "Kế hoạch đang chờ phê duyệt: lập và cấp số Quyết định phê duyệt (Mẫu 05) trước.".to_owned()
            }
            _ => format!(
                "Chưa thể ghi “{}”: vụ việc đang ở bước “{}”; bước tiếp theo là “{}”.",
                kind.label(),
                stage.label(),
                next_steps(stage).iter().map(|k| k.label()).collect::<Vec<_>>().join("” hoặc “")
            ),
        };
        return Err(InvalidInput::new("step", message).into());
    }
    Ok((case, steps, cycle))
}

/// Refuses a step dated before the day of the step it follows (or of the report).
/// The instant a step is recorded at: refused when before the step it follows (or the report);
/// on that step's own day, a time typed earlier or left out (a date alone reads as noon) is
/// moved just after it, so that steps read back in their order. The initial assessment is
/// timed to the minute (its 12 hours count), so it is never moved.
fn ordered_at(case: &CaseDb, steps: &[StepRecord], kind: StepKind, at: DateTime<Utc>) -> std::result::Result<DateTime<Utc>, InvalidInput> {
    let (before_at, before_what) = match steps.last() {
        Some(s) => (s.done_at, s.step.label().to_lowercase()),
        None => (case.received_at, "tiếp nhận".to_owned()),
    };
    if at >= before_at {
        return Ok(at);
    }
    if kind != StepKind::Initial && calendar::vietnam_day(at) == calendar::vietnam_day(before_at) {
        return Ok(before_at + Duration::seconds(1));
    }
    Err(InvalidInput::new(
        "done_at",
        format!("Ngày ghi “{}” ({}) trước ngày {} ({}); hãy kiểm tra lại.", kind.label(), clock_text(at), before_what, clock_text(before_at)),
    ))
}

async fn insert_step(w: &mut Write<'_>, case_id: &str, cycle: i32, at: DateTime<Utc>, by: &str, details: &StepDetails, document_id: Option<&str>) -> Result<String> {
    let id = new_id();
    let cols = Cols::new()
        .set("case_id", case_id)
        .set("cycle", cycle)
        .set("step", details.kind())
        .set("done_at", crate::store::stamp(at))
        .set("done_by", by)
        .set("details", serde_json::to_string(details).unwrap_or_default())
        .set("document_id", document_id);
    w.insert("case_steps", &id, cols).await?;
    Ok(id)
}

macro_rules! step_input {
    ($(#[$meta:meta])* $name:ident($details:ty)) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Deserialize, TS)]
        #[ts(export)]
        pub struct $name {
            /// The case.
            pub case_id: String,
            /// "05/03/2024 14:30" or "05/03/2024"; empty for now.
            pub done_at: String,
            /// The form's fields.
            pub details: $details,
        }
    };
}

step_input!(
    /// The initial assessment of a case, as typed.
    InitialStep(InitialInput)
);
step_input!(
    /// The detailed assessment of a case, as typed.
    DetailedStep(DetailedInput)
);
step_input!(
    /// The plan of a case, as typed.
    PlanStep(PlanInput)
);
step_input!(
    /// A follow-up of a case, as typed.
    FollowUpStep(FollowUp)
);
step_input!(
    /// The review of a case, as typed.
    ReviewStep(Review)
);

/// The initial assessment as typed (`emergency_at` as "05/03/2024 16:00").
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct InitialInput {
    /// Cao / Trung bình / Thấp.
    pub risk: Risk,
    /// Serious harm: emergency measures needed.
    pub serious_harm: bool,
    /// What was found.
    pub findings: String,
    /// The emergency measures taken.
    pub emergency_measures: String,
    /// When they started; empty if none yet.
    pub emergency_at: String,
}

/// The detailed assessment as typed (`meeting_on` as dd/mm/yyyy).
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct DetailedInput {
    /// Physical state.
    pub physical: String,
    /// Psychological state.
    pub psychological: String,
    /// The family.
    pub family: String,
    /// The caregivers' capacity.
    pub caregivers: String,
    /// Needs agreed.
    pub needs: String,
    /// The meeting's day.
    pub meeting_on: String,
    /// Who took part.
    pub meeting_participants: String,
    /// What it concluded.
    pub meeting_conclusions: String,
}

/// An action of a plan as typed.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct ActionInput {
    /// What.
    pub action: String,
    /// The unit.
    pub unit_id: Option<String>,
    /// By when, dd/mm/yyyy.
    pub due_on: String,
}

/// A plan as typed.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct PlanInput {
    /// Its goals.
    pub goals: String,
    /// Its actions (at least one).
    pub actions: Vec<ActionInput>,
}

/// Records the initial assessment (Mẫu 02).
pub async fn assess(store: &Store, actor: &Actor, source: Source, input: &InitialStep, now: DateTime<Utc>) -> Result<CasePage> {
    actor.require(Need::EditCases)?;
    let at = parse_instant("done_at", &input.done_at, now, true)?;
    let d = &input.details;
    let findings = text::required("findings", "kết quả đánh giá", &d.findings, LONG)?;
    let emergency_measures = text::optional("emergency_measures", "Biện pháp khẩn cấp", &d.emergency_measures, LONG)?;
    let emergency_at = match d.emergency_at.trim() {
        "" => None,
        s => Some(parse_instant("emergency_at", s, now, true)?),
    };
    if d.serious_harm && emergency_measures.is_empty() {
        return Err(InvalidInput::new("emergency_measures", "Trẻ có nguy cơ bị tổn hại nghiêm trọng: ghi các biện pháp can thiệp khẩn cấp đã áp dụng.").into());
    }
    if d.serious_harm && emergency_at.is_none() {
        return Err(InvalidInput::new("emergency_at", "Ghi thời điểm bắt đầu áp dụng biện pháp khẩn cấp, ví dụ 05/03/2024 16:00: thời hạn 12 giờ tính đến lúc đó.").into());
    }
    let details = StepDetails::Initial(InitialAssessment { risk: d.risk, serious_harm: d.serious_harm, findings, emergency_measures, emergency_at, emergency_text: String::new() });
    record(store, actor, source, &input.case_id, at, details, now).await
}

/// Records the detailed assessment and its meeting (Mẫu 03).
pub async fn assess_in_detail(store: &Store, actor: &Actor, source: Source, input: &DetailedStep, now: DateTime<Utc>) -> Result<CasePage> {
    actor.require(Need::EditCases)?;
    let at = parse_instant("done_at", &input.done_at, now, false)?;
    let d = &input.details;
    let meeting_on = match d.meeting_on.trim() {
        "" => None,
        s => Some(text::parse_date("meeting_on", s)?),
    };
    let details = StepDetails::Detailed(DetailedAssessment {
        physical: text::optional("physical", "Tình trạng thể chất", &d.physical, LONG)?,
        psychological: text::optional("psychological", "Tình trạng tâm lý", &d.psychological, LONG)?,
        family: text::optional("family", "Gia đình", &d.family, LONG)?,
        caregivers: text::optional("caregivers", "Khả năng của người chăm sóc", &d.caregivers, LONG)?,
        needs: text::required("needs", "nhu cầu của trẻ", &d.needs, LONG)?,
        meeting_on,
        meeting_participants: text::optional("meeting_participants", "Thành phần cuộc họp", &d.meeting_participants, LONG)?,
        meeting_conclusions: text::optional("meeting_conclusions", "Kết luận cuộc họp", &d.meeting_conclusions, LONG)?,
    });
    record(store, actor, source, &input.case_id, at, details, now).await
}

/// Records the support-and-intervention plan (Mẫu 04) with its actions.
pub async fn plan(store: &Store, actor: &Actor, source: Source, input: &PlanStep, now: DateTime<Utc>) -> Result<CasePage> {
    actor.require(Need::EditCases)?;
    let at = parse_instant("done_at", &input.done_at, now, false)?;
    let goals = text::required("goals", "mục tiêu của kế hoạch", &input.details.goals, LONG)?;
    if input.details.actions.is_empty() {
        return Err(InvalidInput::new("actions", "Kế hoạch cần ít nhất một hoạt động hỗ trợ, can thiệp.").into());
    }
    let plan_day = calendar::vietnam_day(at);
    let mut actions = Vec::new();
    for (i, a) in input.details.actions.iter().enumerate() {
        let what = text::required("actions", &format!("hoạt động thứ {}", i + 1), &a.action, 1000)?;
        let due_on = text::parse_date("actions", &a.due_on)?;
        if due_on < plan_day {
            return Err(InvalidInput::new(
                "actions",
                format!("Hoạt động thứ {} có thời hạn {} trước ngày lập kế hoạch {}.", i + 1, format_date(due_on), format_date(plan_day)),
            )
            .into());
        }
        actions.push((what, a.unit_id.clone().filter(|u| !u.is_empty()), due_on));
    }
    let mut w = store.write(actor, source).await?;
    let (case, steps, cycle) = open_for(&mut w, &input.case_id, StepKind::Plan).await?;
    let at = ordered_at(&case, &steps, StepKind::Plan, at)?;
    for (_, unit, _) in &actions {
        if let Some(u) = unit {
            let ok: Option<String> = sqlx::query_scalar("SELECT id FROM units WHERE id = ? AND deleted_at IS NULL").bind(u).fetch_optional(w.conn()).await?;
            if ok.is_none() {
                return Err(InvalidInput::new("actions", "Chọn đơn vị thực hiện trong danh sách đơn vị của phường.").into());
            }
        }
    }
    insert_step(&mut w, &input.case_id, cycle, at, actor.name(), &StepDetails::Plan(PlanDetails { goals }), None).await?;
    for (what, unit, due_on) in actions {
        let cols = Cols::new().set("case_id", &input.case_id).set("cycle", cycle).set("action", what).set("unit_id", unit).set("due_on", due_on).set("result", "");
        w.insert("case_actions", &new_id(), cols).await?;
    }
    w.commit().await?;
    page_in(store, &input.case_id, now).await.map(|p| CasePage { may_edit: true, ..p })
}

/// Records a follow-up of the plan's implementation.
pub async fn follow_up(store: &Store, actor: &Actor, source: Source, input: &FollowUpStep, now: DateTime<Utc>) -> Result<CasePage> {
    actor.require(Need::EditCases)?;
    let at = parse_instant("done_at", &input.done_at, now, false)?;
    let note = text::required("note", "nội dung theo dõi", &input.details.note, LONG)?;
    record(store, actor, source, &input.case_id, at, StepDetails::FollowUp(FollowUp { note }), now).await
}

/// Records the review (Mẫu 06): the case closes, or a new cycle starts.
pub async fn review(store: &Store, actor: &Actor, source: Source, input: &ReviewStep, now: DateTime<Utc>) -> Result<CasePage> {
    actor.require(Need::EditCases)?;
    let at = parse_instant("done_at", &input.done_at, now, false)?;
    let r = &input.details;
    let details = StepDetails::Review(Review {
        recovery: text::required("recovery", "sự phục hồi của trẻ", &r.recovery, LONG)?,
        note: text::optional("note", "Ghi chú", &r.note, LONG)?,
        ..r.clone()
    });
    record(store, actor, source, &input.case_id, at, details, now).await
}

async fn record(store: &Store, actor: &Actor, source: Source, case_id: &str, at: DateTime<Utc>, details: StepDetails, now: DateTime<Utc>) -> Result<CasePage> {
    let kind = details.kind();
    let mut w = store.write(actor, source).await?;
    let (case, steps, cycle) = open_for(&mut w, case_id, kind).await?;
    let at = ordered_at(&case, &steps, kind, at)?;
    if let StepDetails::Initial(a) = &details {
        if a.emergency_at.is_some_and(|e| e < case.received_at) {
            return Err(InvalidInput::new("emergency_at", "Thời điểm áp dụng biện pháp khẩn cấp trước lúc tiếp nhận; hãy kiểm tra lại.").into());
        }
    }
    insert_step(&mut w, case_id, cycle, at, actor.name(), &details, None).await?;
    w.commit().await?;
    page_in(store, case_id, now).await.map(|p| CasePage { may_edit: p.stage != Stage::Closed, ..p })
}

/// Records the approval when the Chairman's decision is issued, inside the issuing write.
pub(crate) async fn approve_in(w: &mut Write<'_>, case_id: &str, document_id: &str, decision: &str, at: DateTime<Utc>, by: &str) -> Result<()> {
    let (case, steps, cycle) = open_for(w, case_id, StepKind::Approval).await?;
    let at = ordered_at(&case, &steps, StepKind::Approval, at)?;
    insert_step(w, case_id, cycle, at, by, &StepDetails::Approval(Approval { decision: decision.to_owned() }), Some(document_id)).await?;
    Ok(())
}

/// The case of a decision being drafted: its child and where it stands, checked.
pub(crate) async fn for_decision(pool: &sqlx::SqlitePool, case_id: &str) -> Result<(CaseHeader, Stage)> {
    let mut conn = pool.acquire().await?;
    let case = sqlx::query_as::<_, CaseDb>(&format!("{CASE_SELECT} AND c.id = ?"))
        .bind(case_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound { what: "vụ việc" })?
        .header();
    let steps = steps_of(&mut conn, Some(case_id)).await?.remove(case_id).unwrap_or_default();
    Ok((case, stage_of(&steps).0))
}

/// An action marked done.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct ActionDoneInput {
    /// The action.
    pub id: String,
    /// Done on, dd/mm/yyyy; empty for today.
    pub done_on: String,
    /// What came of it.
    pub result: String,
}

/// Marks an action of a plan done, with its result.
pub async fn action_done(store: &Store, actor: &Actor, source: Source, input: &ActionDoneInput, today: NaiveDate) -> Result<()> {
    actor.require(Need::EditCases)?;
    let done_on = text::happened("done_on", "Ngày hoàn thành", crate::children::day_or_today("done_on", &input.done_on, today)?, today)?;
    let result = text::required("result", "kết quả thực hiện", &input.result, LONG)?;
    let mut w = store.write(actor, source).await?;
    let found = w.read("case_actions", &input.id, &["case_id", "deleted_at"]).await?;
    let case_id = match found.filter(|f| f.get("deleted_at").is_some_and(|d| d.is_null())) {
        Some(f) => f.get("case_id").and_then(|v| v.as_str()).unwrap_or_default().to_owned(),
        None => return Err(Error::NotFound { what: "hoạt động của kế hoạch" }),
    };
    open_case(&mut w, &case_id).await?;
    w.update("case_actions", &input.id, Cols::new().set("done_on", done_on).set("result", result)).await?;
    w.commit().await
}

/// A referral as typed.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct ReferralInput {
    /// The case.
    pub case_id: String,
    /// To whom.
    pub referred_to: ReferredTo,
    /// When, dd/mm/yyyy; empty for today.
    pub referred_on: String,
    /// Why.
    pub reason: String,
}

/// Refers a case to another service.
pub async fn refer(store: &Store, actor: &Actor, source: Source, input: &ReferralInput, today: NaiveDate) -> Result<()> {
    actor.require(Need::EditCases)?;
    let on = text::happened("referred_on", "Ngày chuyển gửi", crate::children::day_or_today("referred_on", &input.referred_on, today)?, today)?;
    let reason = text::required("reason", "lý do chuyển gửi", &input.reason, LONG)?;
    let mut w = store.write(actor, source).await?;
    let case = open_case(&mut w, &input.case_id).await?;
    if on < calendar::vietnam_day(case.received_at) {
        return Err(InvalidInput::new("referred_on", "Ngày chuyển gửi trước ngày tiếp nhận vụ việc; hãy kiểm tra lại.").into());
    }
    let cols = Cols::new().set("case_id", &input.case_id).set("referred_to", input.referred_to).set("referred_on", on).set("reason", reason).set("outcome", "");
    w.insert("case_referrals", &new_id(), cols).await?;
    w.commit().await
}

/// What came of a referral.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct ReferralOutcomeInput {
    /// The referral.
    pub id: String,
    /// What came of it.
    pub outcome: String,
    /// When known, dd/mm/yyyy; empty for today.
    pub outcome_on: String,
}

/// Records what came of a referral.
pub async fn referral_outcome(store: &Store, actor: &Actor, source: Source, input: &ReferralOutcomeInput, today: NaiveDate) -> Result<()> {
    actor.require(Need::EditCases)?;
    let on = text::happened("outcome_on", "Ngày có kết quả", crate::children::day_or_today("outcome_on", &input.outcome_on, today)?, today)?;
    let outcome = text::required("outcome", "kết quả chuyển gửi", &input.outcome, LONG)?;
    let mut w = store.write(actor, source).await?;
    let found = w
        .read("case_referrals", &input.id, &["referred_on", "case_id", "deleted_at"])
        .await?
        .filter(|f| f.get("deleted_at").is_some_and(|d| d.is_null()))
        .ok_or(Error::NotFound { what: "lần chuyển gửi" })?;
    open_case(&mut w, found.get("case_id").and_then(|v| v.as_str()).unwrap_or_default()).await?;
    let referred_on = found.get("referred_on").and_then(|v| v.as_str()).and_then(|s| s.parse::<NaiveDate>().ok());
    if referred_on.is_some_and(|r| on < r) {
        return Err(InvalidInput::new("outcome_on", "Ngày có kết quả trước ngày chuyển gửi; hãy kiểm tra lại.").into());
    }
    w.update("case_referrals", &input.id, Cols::new().set("outcome", outcome).set("outcome_on", on)).await?;
    w.commit().await
}

/// A case with every deadline, as `treem case list --json` prints it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CaseWithDeadlines {
    /// The row of the list.
    #[serde(flatten)]
    #[ts(flatten)]
    pub row: CaseRow,
    /// All its deadlines, in order.
    pub deadlines: Vec<CaseDeadline>,
}

/// Every case with all its deadlines, newest first.
pub async fn list_with_deadlines(store: &Store, actor: &Actor, now: DateTime<Utc>) -> Result<Vec<CaseWithDeadlines>> {
    actor.require(Need::ReadCases)?;
    Ok(all_in(store, now, true).await?.into_iter().map(|(row, deadlines)| CaseWithDeadlines { row, deadlines }).collect())
}

/// What the statistics count of a case, as it stood at an instant.
#[derive(Debug, Clone)]
pub(crate) struct CaseFacts {
    /// The day received, in Vietnam.
    pub received_on: NaiveDate,
    pub abuse_type: AbuseType,
    pub setting: Setting,
    pub channel: Channel,
    pub child_id: String,
    pub child_sex: crate::children::Sex,
    pub child_birth: crate::children::Birth,
    pub child_group: Option<String>,
    /// Where it stood at the instant.
    pub stage: Stage,
    /// When its first plan was approved, if by then.
    pub approved_at: Option<DateTime<Utc>>,
    /// Its deadlines as they stood at the instant.
    pub deadlines: Vec<CaseDeadline>,
}

/// Every case received by `at`, as it stood then: its steps, actions and deadlines as known at
/// that instant (what was done later is not yet done).
pub(crate) async fn facts_in(store: &Store, at: DateTime<Utc>) -> Result<Vec<CaseFacts>> {
    let pool = store.pool();
    let cal = Calendar::load(pool).await?;
    let (cases, children) = cases_with_children(store, Some(at), true).await?;
    let mut conn = pool.acquire().await?;
    let mut steps = steps_of(&mut conn, None).await?;
    let mut actions = actions_of(&mut conn, None).await?;
    let at_day = calendar::vietnam_day(at);
    Ok(cases
        .into_iter()
        .filter_map(|c| {
            let child = children.get(&c.child_id)?;
            let steps: Vec<StepRecord> = steps.remove(&c.id).unwrap_or_default().into_iter().filter(|s| s.done_at <= at).collect();
            // Only the actions of plans made by then, done only if done by then.
            let planned: Vec<i32> = steps.iter().filter(|s| s.step == StepKind::Plan).map(|s| s.cycle).collect();
            let actions: Vec<CaseAction> = actions
                .remove(&c.id)
                .unwrap_or_default()
                .into_iter()
                .filter(|a| planned.contains(&a.cycle))
                .map(|a| CaseAction { done_on: a.done_on.filter(|d| *d <= at_day), ..a })
                .collect();
            Some(CaseFacts {
                received_on: calendar::vietnam_day(c.received_at),
                abuse_type: c.abuse_type,
                setting: c.setting,
                channel: c.channel,
                child_sex: child.sex,
                child_birth: child.birth,
                child_group: child.group_name.clone(),
                stage: stage_of(&steps).0,
                approved_at: steps.iter().find(|s| s.step == StepKind::Approval).map(|s| s.done_at),
                deadlines: deadlines(c.received_at, &steps, &actions, &cal, at),
                child_id: c.child_id,
            })
        })
        .collect())
}
