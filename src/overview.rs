//! What is due and what is late: the overview screen and `treem status`.

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use sqlx::SqlitePool;
use ts_rs::TS;

use crate::auth::{Actor, Need};
use crate::Store;
use crate::plan::{self, reporting, Status};
use crate::Result;

/// How far ahead "due soon" looks.
pub const DUE_SOON_DAYS: i64 = 14;

labelled_enum! {
    /// What a unit owes.
    pub enum DueKind {
        /// Its part in an activity of the plan.
        Activity = ("activity", "Hoạt động"),
        /// A 6-monthly or yearly report.
        Report = ("report", "Báo cáo"),
        /// A step or an action of a case (shown only to those who may open cases).
        Case = ("case", "Vụ việc"),
        /// The urgent report of a child's death (shown only to those who may open cases).
        Injury = ("injury", "Báo cáo nhanh"),
    }
}

/// Something a unit owes: an activity or a report.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DueItem {
    /// An activity or a report.
    pub kind: DueKind,
    /// The activity's node (activities only).
    pub node_id: Option<String>,
    /// "II.4.a" or "Báo cáo 6 tháng".
    pub label: String,
    /// The activity's text, shortened.
    pub text: String,
    /// The unit.
    pub unit_name: String,
    /// Deadline.
    pub due_on: NaiveDate,
    /// For activities, the unit's status.
    pub status: Option<Status>,
    /// The case (cases only).
    pub case_id: Option<String>,
    /// The injury (urgent reports only).
    pub injury_id: Option<String>,
    /// The hour it is due, where it counts in hours ("14:30").
    pub due_time: Option<String>,
}

/// Parts in activities counted by status, with the per cent done.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct StatusCounts {
    /// Parts counted.
    pub total: i32,
    /// Done.
    pub done: i32,
    /// In progress.
    pub in_progress: i32,
    /// Not started.
    pub not_started: i32,
    /// Not applicable: left out of the progress.
    pub not_applicable: i32,
    /// Those that apply: all but "Không áp dụng".
    pub applicable: i32,
    /// Done, in per cent of those that apply (0 when none applies).
    pub percent_done: i32,
}

impl StatusCounts {
    /// Counts one more part with this status.
    pub(crate) fn count(&mut self, status: Status) {
        self.total += 1;
        match status {
            Status::Done => self.done += 1,
            Status::InProgress => self.in_progress += 1,
            Status::NotStarted => self.not_started += 1,
            Status::NotApplicable => self.not_applicable += 1,
        }
        self.applicable = self.total - self.not_applicable;
        self.percent_done = percent(self.done, self.applicable);
    }
}

/// Progress of one unit across the plan.
#[derive(Debug, Clone, Default, Serialize, TS)]
#[ts(export)]
pub struct UnitTally {
    /// The unit.
    pub unit_id: String,
    /// Its name.
    pub unit_name: String,
    /// Its parts in activities by status.
    #[serde(flatten)]
    #[ts(flatten)]
    pub counts: StatusCounts,
}

/// `part` of `whole` in whole per cent, 0 for an empty whole.
fn percent(part: i32, whole: i32) -> i32 {
    if whole > 0 { (part * 100 + whole / 2) / whole } else { 0 }
}

/// The overview on a reference day.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Overview {
    /// The plan's id.
    pub plan_id: String,
    /// The plan's title.
    pub plan_title: String,
    /// The reference day.
    pub today: NaiveDate,
    /// Due in the next [`DUE_SOON_DAYS`] days.
    pub due_soon: Vec<DueItem>,
    /// Past their deadline and not done.
    pub late: Vec<DueItem>,
    /// Progress by unit.
    pub by_unit: Vec<UnitTally>,
    /// Every unit's part in every activity, counted together.
    pub all_units: UnitTally,
    /// How far ahead "due soon" looks, in days.
    pub due_soon_days: i32,
}

/// "II.4.a" from the labels of a node and its ancestors.
pub fn outline_label(tree: &plan::PlanTree, node: &plan::Node) -> String {
    let mut labels = vec![];
    let mut current = Some(node);
    while let Some(n) = current {
        if !n.label.is_empty() {
            labels.push(n.label.clone());
        }
        current = n.parent_id.as_ref().and_then(|p| tree.nodes.iter().find(|x| &x.id == p));
    }
    labels.reverse();
    labels.join(".")
}

fn short(text: &str) -> String {
    const MAX: usize = 140;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        format!("{}…", text.chars().take(MAX).collect::<String>().trim_end())
    }
}

/// The overview of a plan as of `today`, with the deadlines of cases for those who may open
/// them (named by the case's number only).
pub async fn overview(store: &Store, actor: &Actor, plan_id: &str, today: NaiveDate) -> Result<Overview> {
    actor.require(Need::ReadPlan)?;
    let mut o = overview_in(store.pool(), plan_id, today).await?;
    if actor.require(Need::ReadCases).is_ok() {
        add_cases(store, &mut o, today).await?;
    }
    Ok(o)
}

/// Adds the open deadlines of cases: those past due to the late, those due within
/// [`DUE_SOON_DAYS`] to the due soon. Counted at this moment when `today` is today, else at the
/// end of that day.
async fn add_cases(store: &Store, o: &mut Overview, today: NaiveDate) -> Result<()> {
    let pool = store.pool();
    let now = chrono::Utc::now();
    let at = if today == crate::today_in_vietnam() { now } else { crate::calendar::end_of_day(today) };
    let horizon = today + Duration::days(DUE_SOON_DAYS);
    for (row, deadlines) in crate::cases::all_in(store, at, false).await? {
        for d in deadlines.into_iter().filter(|d| d.state.is_open()) {
            let hours = d.kind.in_hours();
            let item = DueItem {
                kind: DueKind::Case,
                node_id: None,
                label: format!("Vụ việc {}", row.number_text),
                text: format!("{} — {}", d.what, d.rule),
                unit_name: d.unit_name.clone(),
                due_on: d.due_on,
                status: None,
                case_id: Some(row.id.clone()),
                injury_id: None,
                due_time: hours.then(|| crate::vietnam_time(d.due_at).format("%H:%M").to_string()),
            };
            if d.due_at < at {
                o.late.push(item);
            } else if d.due_on <= horizon {
                o.due_soon.push(item);
            }
        }
    }
    // A child's death owes the city an urgent report until it is issued.
    for injury in crate::injuries::all_in(pool, None).await?.into_iter().filter(|i| i.report_owed) {
        let item = DueItem {
            kind: DueKind::Injury,
            node_id: None,
            label: format!("Tai nạn ngày {}", crate::text::format_date(injury.occurred_on)),
            text: "Báo cáo nhanh trường hợp trẻ em tử vong gửi UBND cấp trên".to_owned(),
            unit_name: crate::cases::OFFICER.to_owned(),
            due_on: injury.report_due_on(),
            status: None,
            case_id: None,
            injury_id: Some(injury.id.clone()),
            due_time: None,
        };
        if item.due_on < today {
            o.late.push(item);
        } else {
            o.due_soon.push(item);
        }
    }
    o.due_soon.sort_by_key(|i| i.due_on);
    o.late.sort_by_key(|i| i.due_on);
    Ok(())
}

pub(crate) async fn overview_in(pool: &SqlitePool, plan_id: &str, today: NaiveDate) -> Result<Overview> {
    let tree = plan::tree_in(pool, plan_id).await?;
    let horizon = today + Duration::days(DUE_SOON_DAYS);
    let mut due_soon = vec![];
    let mut late = vec![];
    for a in tree.assignments.iter().filter(|a| a.status.is_open()) {
        let Some(node) = tree.nodes.iter().find(|n| n.id == a.node_id) else { continue };
        let item = DueItem {
            kind: DueKind::Activity,
            node_id: Some(node.id.clone()),
            label: outline_label(&tree, node),
            text: short(&node.text),
            unit_name: a.unit_name.clone(),
            due_on: node.ends_on,
            status: Some(a.status),
            case_id: None,
            injury_id: None,
            due_time: None,
        };
        if node.ends_on < today {
            late.push(item);
        } else if node.ends_on <= horizon {
            due_soon.push(item);
        }
    }
    let reports = reporting::table_in(pool, plan_id, today).await?;
    for row in &reports.rows {
        for (cell, d) in row.cells.iter().zip(&reports.deadlines) {
            let label = d.period.report_name();
            let item = DueItem {
                kind: DueKind::Report,
                node_id: None,
                label: label.into(),
                text: format!("{label} gửi UBND phường"),
                unit_name: row.unit.name.clone(),
                due_on: d.due_on,
                status: None,
                case_id: None,
                injury_id: None,
                due_time: None,
            };
            match cell.state {
                reporting::ReportState::Missing => late.push(item),
                reporting::ReportState::Pending if d.due_on <= horizon => due_soon.push(item),
                _ => {}
            }
        }
    }
    due_soon.sort_by_key(|i| i.due_on);
    late.sort_by_key(|i| i.due_on);
    let mut by_unit: Vec<UnitTally> = vec![];
    for a in &tree.assignments {
        let i = match by_unit.iter().position(|t| t.unit_id == a.unit_id) {
            Some(i) => i,
            None => {
                by_unit.push(UnitTally { unit_id: a.unit_id.clone(), unit_name: a.unit_name.clone(), ..UnitTally::default() });
                by_unit.len() - 1
            }
        };
        by_unit[i].counts.count(a.status);
    }
    let mut all_units = UnitTally { unit_name: "Tất cả đơn vị".into(), ..UnitTally::default() };
    for a in &tree.assignments {
        all_units.counts.count(a.status);
    }
    let due_soon_days = DUE_SOON_DAYS as i32;
    Ok(Overview { plan_id: plan_id.to_owned(), plan_title: tree.plan.title, today, due_soon, late, by_unit, all_units, due_soon_days })
}
