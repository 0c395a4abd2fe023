//! One unit's page: the unit, every activity of the plan it takes part in (with its part, its
//! status, the deadline and whether it is late), the reports it owes, its counts, and the
//! reminder letters sent to it. Whether a reminder letter is due is decided here, not in the
//! window.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::SqlitePool;
use ts_rs::TS;

use crate::auth::{Actor, Need};
use crate::Store;
use crate::documents::register::{self, Document};
use crate::files::StoredFile;
use crate::overview::{outline_label, StatusCounts};
use crate::plan::reporting::{self, ReportPeriod, ReportState};
use crate::plan::{self, Role, Status};
use crate::ward::{self, Unit};
use crate::Result;

/// The unit's part in one activity.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct UnitActivity {
    /// The activity's node, for its page.
    pub node_id: String,
    /// The unit's assignment.
    pub assignment_id: String,
    /// "II.4.a".
    pub label: String,
    /// The activity's text.
    pub text: String,
    /// Lead or coordinating.
    pub role: Role,
    /// The unit's status.
    pub status: Status,
    /// Deadline.
    pub due_on: NaiveDate,
    /// Past its deadline on the reference day and still open.
    pub late: bool,
}

/// One report the unit owes.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct UnitReport {
    /// The deadline.
    pub deadline_id: String,
    /// 6-monthly or yearly.
    pub period: ReportPeriod,
    /// Due date.
    pub due_on: NaiveDate,
    /// State on the reference day.
    pub state: ReportState,
    /// When it came in.
    pub received_on: Option<NaiveDate>,
    /// The report itself, if attached.
    pub file: Option<StoredFile>,
}

/// The unit's activities counted by status, and what it has let fall behind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct UnitCounts {
    /// Its activities by status; "Không áp dụng" is left out of the per cent.
    #[serde(flatten)]
    #[ts(flatten)]
    pub by_status: StatusCounts,
    /// Open and past their deadline.
    pub late: i32,
    /// Reports not received after their due date.
    pub missing_reports: i32,
}

/// Everything a unit's page shows.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct UnitPage {
    /// The unit.
    pub unit: Unit,
    /// The plan the page speaks of.
    pub plan_id: String,
    /// Its title.
    pub plan_title: String,
    /// The reference day.
    pub today: NaiveDate,
    /// Its activities in outline order.
    pub activities: Vec<UnitActivity>,
    /// Its reports, by due date.
    pub reports: Vec<UnitReport>,
    /// Its counts.
    pub counts: UnitCounts,
    /// Whether it has something late (an activity or a report), so a reminder letter is due.
    pub reminder_due: bool,
    /// Reminder letters drafted or sent to it, newest first.
    pub letters: Vec<Document>,
}

impl UnitPage {
    /// The activities late on the reference day.
    pub fn late_activities(&self) -> impl Iterator<Item = &UnitActivity> {
        self.activities.iter().filter(|a| a.late)
    }

    /// The reports missing on the reference day.
    pub fn missing_reports(&self) -> impl Iterator<Item = &UnitReport> {
        self.reports.iter().filter(|r| r.state == ReportState::Missing)
    }
}

/// A unit's page for a plan, as of `today`.
pub async fn unit_page(store: &Store, actor: &Actor, plan_id: &str, unit_id: &str, today: NaiveDate) -> Result<UnitPage> {
    actor.require(Need::ReadPlan)?;
    unit_page_in(store.pool(), plan_id, unit_id, today).await
}

pub(crate) async fn unit_page_in(pool: &SqlitePool, plan_id: &str, unit_id: &str, today: NaiveDate) -> Result<UnitPage> {
    let unit = ward::unit_in(pool, unit_id).await?;
    let tree = plan::tree_in(pool, plan_id).await?;
    let mut activities = vec![];
    let mut counts = UnitCounts::default();
    for node in &tree.nodes {
        for a in tree.assignments.iter().filter(|a| a.node_id == node.id && a.unit_id == unit.id) {
            let late = a.status.is_open() && node.ends_on < today;
            counts.by_status.count(a.status);
            counts.late += i32::from(late);
            activities.push(UnitActivity {
                node_id: node.id.clone(),
                assignment_id: a.id.clone(),
                label: outline_label(&tree, node),
                text: node.text.clone(),
                role: a.role,
                status: a.status,
                due_on: node.ends_on,
                late,
            });
        }
    }
    let table = reporting::table_in(pool, plan_id, today).await?;
    let reports: Vec<UnitReport> = table
        .rows
        .into_iter()
        .find(|r| r.unit.id == unit.id)
        .map(|row| {
            row.cells
                .into_iter()
                .zip(&table.deadlines)
                .map(|(cell, d)| UnitReport {
                    deadline_id: d.id.clone(),
                    period: d.period,
                    due_on: d.due_on,
                    state: cell.state,
                    received_on: cell.received_on,
                    file: cell.file,
                })
                .collect()
        })
        .unwrap_or_default();
    counts.missing_reports = reports.iter().filter(|r| r.state == ReportState::Missing).count() as i32;
    let letters = register::for_unit_in(pool, plan_id, &unit.id).await?;
    Ok(UnitPage {
        reminder_due: counts.late > 0 || counts.missing_reports > 0,
        unit,
        plan_id: tree.plan.id,
        plan_title: tree.plan.title,
        today,
        activities,
        reports,
        counts,
        letters,
    })
}
