//! The reports each unit owes the ward: 6-monthly and yearly, with due dates from the plan,
//! and which were received, late or are missing.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::SqlitePool;
use ts_rs::TS;

use crate::auth::{Actor, Need};
use crate::files::{StoredFile, Upload};
use crate::store::{natural_id, Cols, Source, Store, Write};
use crate::{ward, Error, Result};

labelled_enum! {
    /// Which report a deadline is for.
    pub enum ReportPeriod {
        /// Báo cáo 6 tháng.
        Half = ("half", "6 tháng"),
        /// Báo cáo năm.
        Year = ("year", "Cả năm"),
    }
}

impl ReportPeriod {
    /// "Báo cáo 6 tháng", "Báo cáo năm".
    pub fn report_name(self) -> &'static str {
        match self {
            ReportPeriod::Half => "Báo cáo 6 tháng",
            ReportPeriod::Year => "Báo cáo năm",
        }
    }
}

/// A reporting deadline of a plan.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, TS)]
#[ts(export)]
pub struct Deadline {
    /// Id.
    pub id: String,
    /// 6-monthly or yearly.
    pub period: ReportPeriod,
    /// Due date.
    pub due_on: NaiveDate,
}

labelled_enum! {
    /// Where one unit's report stands.
    pub enum ReportState {
        /// Received by the due date.
        Received = ("received", "Đã nhận"),
        /// Received after the due date.
        Late = ("late", "Nộp muộn"),
        /// Not received and the due date has passed.
        Missing = ("missing", "Chưa nộp (quá hạn)"),
        /// Not yet due.
        Pending = ("pending", "Chưa đến hạn"),
    }
}

/// One cell of the reporting table.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ReportCell {
    /// The deadline.
    pub deadline_id: String,
    /// State on the reference day.
    pub state: ReportState,
    /// When it came in.
    pub received_on: Option<NaiveDate>,
    /// The report itself, if attached.
    pub file: Option<StoredFile>,
}

/// One unit's row.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ReportRow {
    /// The unit.
    pub unit: ward::Unit,
    /// One cell per deadline.
    pub cells: Vec<ReportCell>,
}

/// The reporting table of a plan.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ReportTable {
    /// Columns.
    pub deadlines: Vec<Deadline>,
    /// Rows, one per unit.
    pub rows: Vec<ReportRow>,
}

#[derive(sqlx::FromRow)]
struct Received {
    deadline_id: String,
    unit_id: String,
    received_on: NaiveDate,
    file_id: Option<String>,
}

/// The plan's deadlines, in date order.
pub async fn deadlines(store: &Store, actor: &Actor, plan_id: &str) -> Result<Vec<Deadline>> {
    actor.require(Need::ReadPlan)?;
    deadlines_in(store.pool(), plan_id).await
}

pub(crate) async fn deadlines_in(pool: &SqlitePool, plan_id: &str) -> Result<Vec<Deadline>> {
    Ok(sqlx::query_as::<_, Deadline>("SELECT id, period, due_on FROM report_deadlines WHERE plan_id = ? AND deleted_at IS NULL ORDER BY due_on")
        .bind(plan_id)
        .fetch_all(pool)
        .await?)
}

/// Every unit against every deadline, as of `today`.
pub async fn table(store: &Store, actor: &Actor, plan_id: &str, today: NaiveDate) -> Result<ReportTable> {
    actor.require(Need::ReadPlan)?;
    table_in(store.pool(), plan_id, today).await
}

pub(crate) async fn table_in(pool: &SqlitePool, plan_id: &str, today: NaiveDate) -> Result<ReportTable> {
    let deadlines = deadlines_in(pool, plan_id).await?;
    let received = sqlx::query_as::<_, Received>(
        "SELECT r.deadline_id, r.unit_id, r.received_on, r.file_id FROM unit_reports r
         JOIN report_deadlines d ON d.id = r.deadline_id WHERE d.plan_id = ? AND r.deleted_at IS NULL",
    )
    .bind(plan_id)
    .fetch_all(pool)
    .await?;
    let files = sqlx::query_as::<_, StoredFile>(
        "SELECT f.id, f.file_name, f.stored_path, f.sha256, f.size_bytes FROM files f
         JOIN unit_reports r ON r.file_id = f.id JOIN report_deadlines d ON d.id = r.deadline_id WHERE d.plan_id = ?",
    )
    .bind(plan_id)
    .fetch_all(pool)
    .await?;
    let rows = ward::units_in(pool)
        .await?
        .into_iter()
        .map(|unit| {
            let cells = deadlines
                .iter()
                .map(|d| {
                    let r = received.iter().find(|r| r.deadline_id == d.id && r.unit_id == unit.id);
                    let state = match r {
                        Some(r) if r.received_on <= d.due_on => ReportState::Received,
                        Some(_) => ReportState::Late,
                        None if today > d.due_on => ReportState::Missing,
                        None => ReportState::Pending,
                    };
                    ReportCell {
                        deadline_id: d.id.clone(),
                        state,
                        received_on: r.map(|r| r.received_on),
                        file: r.and_then(|r| r.file_id.as_ref()).and_then(|id| files.iter().find(|f| &f.id == id).cloned()),
                    }
                })
                .collect();
            ReportRow { unit, cells }
        })
        .collect();
    Ok(ReportTable { deadlines, rows })
}

/// A report deadline of a plan; its id is derived from the plan and the period, which are unique.
pub(crate) async fn insert_deadline(w: &mut Write<'_>, plan_id: &str, period: ReportPeriod, due_on: NaiveDate) -> Result<()> {
    let id = natural_id("report_deadline", &[plan_id, period.as_str()]);
    w.insert("report_deadlines", &id, Cols::new().set("plan_id", plan_id).set("period", period).set("due_on", due_on)).await
}

/// Changes a deadline's due date.
pub async fn set_due(store: &Store, actor: &Actor, source: Source, deadline_id: &str, due_on: NaiveDate) -> Result<()> {
    actor.require(Need::EditPlan)?;
    let mut w = store.write(actor, source).await?;
    live_deadline(&mut w, deadline_id).await?;
    w.update("report_deadlines", deadline_id, Cols::new().set("due_on", due_on)).await?;
    w.commit().await
}

async fn live_deadline(w: &mut Write<'_>, deadline_id: &str) -> Result<()> {
    sqlx::query_scalar::<_, String>("SELECT id FROM report_deadlines WHERE id = ? AND deleted_at IS NULL")
        .bind(deadline_id)
        .fetch_optional(w.conn())
        .await?
        .map(|_| ())
        .ok_or(Error::NotFound { what: "hạn báo cáo" })
}

/// The row of a unit's report on a deadline, live or tombstoned (the pair is unique).
async fn unit_report_id(w: &mut Write<'_>, deadline_id: &str, unit_id: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT id FROM unit_reports WHERE deadline_id = ? AND unit_id = ?")
        .bind(deadline_id)
        .bind(unit_id)
        .fetch_optional(w.conn())
        .await?)
}

/// Undoes [`record_received`]: the unit's report is no longer counted as received (a
/// tombstone; its file and history stay).
pub async fn unrecord_received(store: &Store, actor: &Actor, source: Source, deadline_id: &str, unit_id: &str) -> Result<()> {
    actor.require(Need::EditPlan)?;
    let mut w = store.write(actor, source).await?;
    let id = unit_report_id(&mut w, deadline_id, unit_id).await?.ok_or(Error::NotFound { what: "báo cáo đã nhận" })?;
    w.tombstone("unit_reports", &id).await?;
    w.commit().await
}

/// Records that a unit's report came in on `received_on`, with the file if there is one.
pub async fn record_received(
    store: &Store, actor: &Actor,
    source: Source,
    deadline_id: &str,
    unit_id: &str,
    received_on: NaiveDate,
    file: Option<Upload<'_>>,
) -> Result<()> {
    actor.require(Need::EditPlan)?;
    let mut w = store.write(actor, source).await?;
    let file_id = match file {
        Some(upload) => Some(upload.keep(&mut w).await?.id),
        None => None,
    };
    live_deadline(&mut w, deadline_id).await?;
    sqlx::query_scalar::<_, String>("SELECT id FROM units WHERE id = ? AND deleted_at IS NULL")
        .bind(unit_id)
        .fetch_optional(w.conn())
        .await?
        .ok_or(Error::NotFound { what: "đơn vị" })?;
    let mut cols = Cols::new().set("received_on", received_on);
    if let Some(file_id) = &file_id {
        cols = cols.set("file_id", file_id);
    }
    match unit_report_id(&mut w, deadline_id, unit_id).await? {
        Some(id) => w.update("unit_reports", &id, cols.set("deleted_at", None::<String>)).await?,
        None => {
            let id = natural_id("unit_report", &[deadline_id, unit_id]);
            w.insert("unit_reports", &id, cols.set("deadline_id", deadline_id).set("unit_id", unit_id)).await?;
            true
        }
    };
    w.commit().await
}
