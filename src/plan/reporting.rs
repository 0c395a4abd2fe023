//! The reports each unit owes the ward: 6-monthly and yearly, with due dates from the plan,
//! and which were received, late or are missing.

use chrono::NaiveDate;
use serde::Serialize;
use sqlx::SqlitePool;
use ts_rs::TS;

use crate::files::{StoredFile, Upload};
use crate::store::{new_id, Changes, Op, Source, Store, Write};
use crate::{ward, Error, Result};

/// A reporting deadline of a plan.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, TS)]
#[ts(export)]
pub struct Deadline {
    /// Id.
    pub id: String,
    /// "half" (6 tháng) or "year" (cả năm).
    pub period: String,
    /// Due date.
    pub due_on: NaiveDate,
}

/// Where one unit's report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ReportState {
    /// Received by the due date.
    Received,
    /// Received after the due date.
    Late,
    /// Not received and the due date has passed.
    Missing,
    /// Not yet due.
    Pending,
}

impl ReportState {
    /// The Vietnamese word.
    pub fn label(self) -> &'static str {
        match self {
            ReportState::Received => "Đã nhận",
            ReportState::Late => "Nộp muộn",
            ReportState::Missing => "Chưa nộp (quá hạn)",
            ReportState::Pending => "Chưa đến hạn",
        }
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
pub async fn deadlines(pool: &SqlitePool, plan_id: &str) -> Result<Vec<Deadline>> {
    Ok(sqlx::query_as::<_, Deadline>("SELECT id, period, due_on FROM report_deadlines WHERE plan_id = ? AND deleted_at IS NULL ORDER BY due_on")
        .bind(plan_id)
        .fetch_all(pool)
        .await?)
}

/// Every unit against every deadline, as of `today`.
pub async fn table(pool: &SqlitePool, plan_id: &str, today: NaiveDate) -> Result<ReportTable> {
    let deadlines = deadlines(pool, plan_id).await?;
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
    let rows = ward::units(pool)
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

pub(crate) async fn insert_deadline(w: &mut Write<'_>, plan_id: &str, period: &str, due_on: NaiveDate) -> Result<()> {
    let d = Deadline { id: new_id(), period: period.to_owned(), due_on };
    let (now, device) = (w.now(), w.device_id().to_owned());
    sqlx::query("INSERT INTO report_deadlines (id, plan_id, period, due_on, created_at, updated_at, device_id) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(&d.id)
        .bind(plan_id)
        .bind(&d.period)
        .bind(d.due_on)
        .bind(now)
        .bind(now)
        .bind(device)
        .execute(w.conn())
        .await?;
    w.log("report_deadlines", &d.id, Op::Insert, Changes::inserted(&d).field("plan_id", (), plan_id)).await
}

/// Changes a deadline's due date.
pub async fn set_due(store: &Store, source: Source, deadline_id: &str, due_on: NaiveDate) -> Result<()> {
    let mut w = store.write(source).await?;
    let before: NaiveDate = sqlx::query_scalar("SELECT due_on FROM report_deadlines WHERE id = ? AND deleted_at IS NULL")
        .bind(deadline_id)
        .fetch_optional(w.conn())
        .await?
        .ok_or(Error::NotFound { what: "hạn báo cáo" })?;
    let (now, device) = (w.now(), w.device_id().to_owned());
    sqlx::query("UPDATE report_deadlines SET due_on = ?, updated_at = ?, device_id = ?, row_version = row_version + 1 WHERE id = ?")
        .bind(due_on)
        .bind(now)
        .bind(device)
        .bind(deadline_id)
        .execute(w.conn())
        .await?;
    w.log("report_deadlines", deadline_id, Op::Update, Changes::default().field("due_on", before, due_on)).await?;
    w.commit().await
}

/// Records that a unit's report came in on `received_on`, with the file if there is one.
pub async fn record_received(
    store: &Store,
    source: Source,
    deadline_id: &str,
    unit_id: &str,
    received_on: NaiveDate,
    file: Option<Upload<'_>>,
) -> Result<()> {
    let mut w = store.write(source).await?;
    let file_id = match file {
        Some(upload) => Some(upload.keep(&mut w).await?.id),
        None => None,
    };
    let existing: Option<String> = sqlx::query_scalar("SELECT id FROM unit_reports WHERE deadline_id = ? AND unit_id = ?")
        .bind(deadline_id)
        .bind(unit_id)
        .fetch_optional(w.conn())
        .await?;
    let (now, device) = (w.now(), w.device_id().to_owned());
    let changes = Changes::default().field("received_on", (), received_on).field("file_id", (), &file_id);
    match existing {
        Some(id) => {
            sqlx::query(
                "UPDATE unit_reports SET received_on = ?, file_id = COALESCE(?, file_id), deleted_at = NULL, updated_at = ?, device_id = ?,
                 row_version = row_version + 1 WHERE id = ?",
            )
            .bind(received_on)
            .bind(&file_id)
            .bind(now)
            .bind(device)
            .bind(&id)
            .execute(w.conn())
            .await?;
            w.log("unit_reports", &id, Op::Update, changes).await?;
        }
        None => {
            let id = new_id();
            sqlx::query(
                "INSERT INTO unit_reports (id, deadline_id, unit_id, received_on, file_id, created_at, updated_at, device_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&id)
            .bind(deadline_id)
            .bind(unit_id)
            .bind(received_on)
            .bind(&file_id)
            .bind(now)
            .bind(now)
            .bind(device)
            .execute(w.conn())
            .await
            .map_err(|e| match e {
                sqlx::Error::Database(ref d) if d.is_foreign_key_violation() => Error::NotFound { what: "hạn báo cáo hoặc đơn vị" },
                e => e.into(),
            })?;
            w.log("unit_reports", &id, Op::Insert, changes.field("deadline_id", (), deadline_id).field("unit_id", (), unit_id)).await?;
        }
    }
    w.commit().await
}
