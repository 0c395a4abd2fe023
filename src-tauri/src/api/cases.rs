//! The commands of cases and of the holiday table: the list, a case's page and its steps,
//! referrals, the approval decision, the forms saved and printed; a year of the calendar;
//! injuries and their urgent reports; checks of child labour and their report; statistics.

use chrono::Utc;
use serde::Deserialize;
use treem::auth::Actor;
use treem::calendar::{self, CalendarDay, CalendarYear, DayInput};
use treem::cases::{self, ActionDoneInput, CaseHeader, CasePage, CaseRow, ReceiveInput, ReferralInput, ReferralOutcomeInput};
use treem::documents::case_docs::{self, CaseForm};
use treem::documents::register::{self, Document};
use treem::injuries::{self, Injury, InjuryInput};
use treem::labour::{self, CheckInput, LabourCheck};
use treem::stats::{self, Statistics};
use treem::{Result, Source, Store};
use ts_rs::TS;

use super::open_in_system_viewer;

fn today() -> chrono::NaiveDate {
    treem::today_in_vietnam()
}

pub async fn cases_list(store: &Store, actor: &Actor, _req: ()) -> Result<Vec<CaseRow>> {
    cases::list(store, actor, Utc::now()).await
}

/// One case.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct CaseRequest {
    /// The case.
    pub id: String,
}

pub async fn case_page(store: &Store, actor: &Actor, req: CaseRequest) -> Result<CasePage> {
    cases::page(store, actor, &req.id, Utc::now()).await
}

pub async fn case_receive(store: &Store, actor: &Actor, req: ReceiveInput) -> Result<CaseHeader> {
    cases::receive(store, actor, Source::Window, &req, Utc::now()).await
}

pub async fn case_assess(store: &Store, actor: &Actor, req: cases::InitialStep) -> Result<CasePage> {
    cases::assess(store, actor, Source::Window, &req, Utc::now()).await
}

pub async fn case_assess_in_detail(store: &Store, actor: &Actor, req: cases::DetailedStep) -> Result<CasePage> {
    cases::assess_in_detail(store, actor, Source::Window, &req, Utc::now()).await
}

pub async fn case_plan(store: &Store, actor: &Actor, req: cases::PlanStep) -> Result<CasePage> {
    cases::plan(store, actor, Source::Window, &req, Utc::now()).await
}

pub async fn case_follow_up(store: &Store, actor: &Actor, req: cases::FollowUpStep) -> Result<CasePage> {
    cases::follow_up(store, actor, Source::Window, &req, Utc::now()).await
}

pub async fn case_review(store: &Store, actor: &Actor, req: cases::ReviewStep) -> Result<CasePage> {
    cases::review(store, actor, Source::Window, &req, Utc::now()).await
}

pub async fn case_action_done(store: &Store, actor: &Actor, req: ActionDoneInput) -> Result<()> {
    cases::action_done(store, actor, Source::Window, &req, today()).await
}

pub async fn case_refer(store: &Store, actor: &Actor, req: ReferralInput) -> Result<()> {
    cases::refer(store, actor, Source::Window, &req, today()).await
}

pub async fn case_referral_outcome(store: &Store, actor: &Actor, req: ReferralOutcomeInput) -> Result<()> {
    cases::referral_outcome(store, actor, Source::Window, &req, today()).await
}

pub async fn case_decision(store: &Store, actor: &Actor, req: CaseRequest) -> Result<Document> {
    register::create_case_decision(store, actor, Source::Window, &req.id).await
}

/// A form of a case.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct CaseFormRequest {
    /// The case.
    pub id: String,
    /// Which form.
    pub form: CaseForm,
}

pub async fn case_form_print(store: &Store, actor: &Actor, req: CaseFormRequest) -> Result<()> {
    let bytes = case_docs::form_pdf(store, actor, &req.id, req.form).await?;
    open_in_system_viewer(&format!("{}.pdf", req.form.as_str()), &bytes)
}

/// A form of a case saved to a file the officer chose.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct CaseFormSaveRequest {
    /// The case.
    pub id: String,
    /// Which form.
    pub form: CaseForm,
    /// Where.
    pub path: String,
}

pub async fn case_form_save(store: &Store, actor: &Actor, req: CaseFormSaveRequest) -> Result<()> {
    let bytes = case_docs::form_pdf(store, actor, &req.id, req.form).await?;
    treem::files::write_whole_to(std::path::Path::new(&req.path), &bytes).await
}

/// A year of the holiday table.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct CalendarYearRequest {
    /// The year.
    pub year: i32,
}

pub async fn calendar_year(store: &Store, actor: &Actor, req: CalendarYearRequest) -> Result<CalendarYear> {
    calendar::year(store, actor, req.year).await
}

pub async fn calendar_set(store: &Store, actor: &Actor, req: DayInput) -> Result<CalendarDay> {
    calendar::set_day(store, actor, Source::Window, &req).await
}

/// A day of the table whose change is taken back.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct CalendarDayRequest {
    /// dd/mm/yyyy or ISO.
    pub day: String,
}

pub async fn calendar_reset(store: &Store, actor: &Actor, req: CalendarDayRequest) -> Result<()> {
    calendar::reset_day(store, actor, Source::Window, &req.day).await
}

pub async fn calendar_fill(store: &Store, actor: &Actor, req: CalendarYearRequest) -> Result<CalendarYear> {
    calendar::fill_year(store, actor, Source::Window, req.year).await
}

/// The notice a year of the table follows, as the officer enters it (empty to take it back).
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct CalendarNoticeRequest {
    /// The year.
    pub year: i32,
    /// "Văn bản số …/VPCP-KGVX ngày … của Văn phòng Chính phủ".
    pub notice: String,
}

pub async fn calendar_notice(store: &Store, actor: &Actor, req: CalendarNoticeRequest) -> Result<CalendarYear> {
    calendar::set_notice(store, actor, Source::Window, req.year, &req.notice).await
}

/// The injuries of a year, or all.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct InjuriesRequest {
    /// The year; none for all.
    pub year: Option<i32>,
}

pub async fn injuries_list(store: &Store, actor: &Actor, req: InjuriesRequest) -> Result<Vec<Injury>> {
    injuries::list(store, actor, req.year).await
}

pub async fn injury_record(store: &Store, actor: &Actor, req: InjuryInput) -> Result<Injury> {
    injuries::record(store, actor, Source::Window, &req, today()).await
}

/// One injury.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct InjuryRequest {
    /// The injury.
    pub id: String,
}

pub async fn injury_report(store: &Store, actor: &Actor, req: InjuryRequest) -> Result<Document> {
    register::create_injury_report(store, actor, Source::Window, &req.id).await
}

pub async fn labour_checks(store: &Store, actor: &Actor, req: CalendarYearRequest) -> Result<Vec<LabourCheck>> {
    labour::list(store, actor, req.year).await
}

pub async fn labour_check_record(store: &Store, actor: &Actor, req: CheckInput) -> Result<LabourCheck> {
    labour::record(store, actor, Source::Window, &req, today()).await
}

pub async fn labour_report(store: &Store, actor: &Actor, req: CalendarYearRequest) -> Result<Document> {
    register::create_labour_report(store, actor, Source::Window, req.year).await
}

/// A period of the statistics (dd/mm/yyyy).
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct StatisticsRequest {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
}

fn period(req: &StatisticsRequest) -> Result<(chrono::NaiveDate, chrono::NaiveDate)> {
    Ok((treem::text::parse_date("from", &req.from)?, treem::text::parse_date("to", &req.to)?))
}

pub async fn statistics(store: &Store, actor: &Actor, req: StatisticsRequest) -> Result<Statistics> {
    let (from, to) = period(&req)?;
    stats::compute(store, actor, from, to).await
}

/// The statistics of a period saved as a workbook.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct StatisticsSaveRequest {
    /// The period.
    pub period: StatisticsRequest,
    /// Where.
    pub path: String,
}

pub async fn statistics_save_xlsx(store: &Store, actor: &Actor, req: StatisticsSaveRequest) -> Result<()> {
    let (from, to) = period(&req.period)?;
    let bytes = stats::workbook(store, actor, from, to).await?;
    treem::files::write_whole_to(std::path::Path::new(&req.path), &bytes).await
}
