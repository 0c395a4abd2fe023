//! The year's plan: its outline of activities, which units carry each out, their status, dated
//! progress notes and evidence files. Import lives in [`import`], reporting in [`reporting`].

pub mod docx;
pub mod import;
pub mod period;
pub mod reporting;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use ts_rs::TS;

use crate::auth::{Actor, Need};
use crate::files::{self, StoredFile, Upload};
use crate::store::writable::{LimitedWrites, Rule};
use crate::store::{natural_id, new_id, Cols, Source, Store, Write};
use crate::text::{self, InvalidInput};
use crate::ward;
use crate::{Error, Result};
use import::{DraftNode, NodeKind, PlanDraft};
use period::Period;

labelled_enum! {
    /// How far a unit has got with an activity.
    pub enum Status {
        /// Chưa bắt đầu.
        NotStarted = ("not_started", "Chưa bắt đầu"),
        /// Đang thực hiện.
        InProgress = ("in_progress", "Đang thực hiện"),
        /// Hoàn thành.
        Done = ("done", "Hoàn thành"),
        /// Không áp dụng: left out of progress counts.
        NotApplicable = ("not_applicable", "Không áp dụng"),
    }
}

impl Status {
    /// Reads a stored or typed value ("done", "hoàn thành" …).
    pub fn parse(s: &str) -> Option<Status> {
        let f = text::fold(s);
        Status::ALL.iter().copied().find(|st| st.as_str() == f || text::fold(st.label()) == f)
    }

    /// Whether the unit still has something to do.
    pub fn is_open(self) -> bool {
        matches!(self, Status::NotStarted | Status::InProgress)
    }
}

labelled_enum! {
    /// A unit's part in an activity.
    pub enum Role {
        /// Chủ trì: leads it, and cannot be taken off it.
        Lead = ("lead", "Chủ trì"),
        /// Phối hợp: takes part.
        Coordinating = ("coordinating", "Phối hợp"),
    }
}

/// A plan as the lists show it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, TS)]
#[ts(export)]
pub struct Plan {
    /// Id.
    pub id: String,
    /// Year.
    pub year: i32,
    /// Register number, once issued.
    pub number: Option<i32>,
    /// "KH-UBND".
    pub symbol: String,
    /// Date, once issued.
    pub issued_on: Option<NaiveDate>,
    /// Summary.
    pub title: String,
    /// Paragraph(s) before part I.
    pub preamble: String,
    /// JSON array of "Căn cứ" lines.
    pub legal_bases: String,
    /// "Trên đây là …".
    pub closing: String,
    /// JSON array of "Nơi nhận" lines.
    pub recipients: String,
    /// "KT. CHỦ TỊCH".
    pub signer_prefix: String,
    /// "PHÓ CHỦ TỊCH".
    pub signer_title: String,
    /// Signer's name.
    pub signer_name: String,
}

/// One node of the plan's outline, flat in outline order.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, TS)]
#[ts(export)]
pub struct Node {
    /// Id.
    pub id: String,
    /// Parent node, none for parts.
    pub parent_id: Option<String>,
    /// Order in the plan.
    pub position: i32,
    /// What line of the outline it is.
    pub kind: NodeKind,
    /// "II", "4", "đ".
    pub label: String,
    /// Text.
    pub text: String,
    /// Whether units report on it.
    pub is_activity: bool,
    /// When it happens.
    pub period: Period,
    /// First day.
    pub starts_on: NaiveDate,
    /// Deadline.
    pub ends_on: NaiveDate,
    /// The unit a part IV entry names.
    pub unit_id: Option<String>,
    /// JSON list of its bold and italic stretches ([`import::Emphasis`]).
    pub emphasis: String,
}

/// A unit's part in an activity.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, TS)]
#[ts(export)]
pub struct Assignment {
    /// Id.
    pub id: String,
    /// The activity.
    pub node_id: String,
    /// The unit.
    pub unit_id: String,
    /// The unit's name.
    pub unit_name: String,
    /// Lead or coordinating.
    pub role: Role,
    /// Status.
    pub status: Status,
}

/// A dated progress note.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, TS)]
#[ts(export)]
pub struct Note {
    /// Id.
    pub id: String,
    /// The assignment it belongs to.
    pub assignment_id: String,
    /// The day it speaks of.
    pub noted_on: NaiveDate,
    /// Text.
    pub text: String,
}

/// Everything the activity page shows.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ActivityPage {
    /// The activity.
    pub node: Node,
    /// Its ancestors from the part down: "II. Nội dung hoạt động", "4. Tổ chức …".
    pub path: Vec<Node>,
    /// Units with their status, notes and evidence.
    pub units: Vec<UnitProgress>,
}

/// One unit's progress on one activity.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct UnitProgress {
    /// The assignment.
    pub assignment: Assignment,
    /// Notes, oldest first.
    pub notes: Vec<Note>,
    /// Evidence files.
    pub evidence: Vec<StoredFile>,
    /// Whether the person looking may record this unit's progress (a collaborator only their
    /// own residential group's).
    pub may_record: bool,
}

/// The whole plan for the tree view.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PlanTree {
    /// The plan.
    pub plan: Plan,
    /// Nodes in outline order.
    pub nodes: Vec<Node>,
    /// Every unit's part in every activity.
    pub assignments: Vec<Assignment>,
}

const ASSIGNMENT_SELECT: &str = "SELECT a.id, a.node_id, a.unit_id, u.name AS unit_name, a.role, a.status
     FROM assignments a JOIN units u ON u.id = a.unit_id
     WHERE a.deleted_at IS NULL";

/// The plan the window shows: the one chosen on this laptop ([`choose`]), else the latest
/// year's (the latest saved, if a year has several).
pub async fn current(store: &Store, actor: &Actor) -> Result<Option<Plan>> {
    actor.require(Need::ReadPlan)?;
    current_in(store.pool()).await
}

pub(crate) async fn current_in(pool: &SqlitePool) -> Result<Option<Plan>> {
    Ok(sqlx::query_as::<_, Plan>(
        "SELECT * FROM plans WHERE deleted_at IS NULL
         ORDER BY id = (SELECT value FROM meta WHERE key = 'current_plan_id') DESC, year DESC, created_at DESC LIMIT 1",
    )
    .fetch_optional(pool)
    .await?)
}

/// Every plan, newest year first, for choosing which one the window shows.
pub async fn list(store: &Store, actor: &Actor) -> Result<Vec<Plan>> {
    actor.require(Need::ReadPlan)?;
    list_in(store.pool()).await
}

pub(crate) async fn list_in(pool: &SqlitePool) -> Result<Vec<Plan>> {
    Ok(sqlx::query_as::<_, Plan>("SELECT * FROM plans WHERE deleted_at IS NULL ORDER BY year DESC, created_at DESC").fetch_all(pool).await?)
}

/// Makes `plan_id` the plan this laptop's window shows. A preference of this laptop, not a
/// record of the ward: it is kept beside the device id and never synced.
pub async fn choose(store: &Store, actor: &Actor, plan_id: &str) -> Result<Plan> {
    actor.require(Need::ReadPlan)?;
    let plan = get_in(store.pool(), plan_id).await?;
    store.set_preference("current_plan_id", plan_id).await?;
    Ok(plan)
}

/// What a draft would change among the plans already kept: said in the preview, before saving.
pub async fn draft_notes(store: &Store, actor: &Actor, draft: &PlanDraft) -> Result<Vec<String>> {
    actor.require(Need::EditPlan)?;
    draft_notes_in(store.pool(), draft).await
}

pub(crate) async fn draft_notes_in(pool: &SqlitePool, draft: &PlanDraft) -> Result<Vec<String>> {
    let same_year: Vec<Plan> = list_in(pool).await?.into_iter().filter(|p| p.year == draft.year).collect();
    Ok(same_year
        .iter()
        .map(|p| format!("Đã có một kế hoạch năm {}: “{}”. Kế hoạch này sẽ được lưu thêm và được hiển thị; kế hoạch cũ vẫn giữ nguyên, chọn lại được ở trang Kế hoạch.", p.year, p.title))
        .collect())
}

/// The plan of a year (the latest saved, if several).
pub async fn of_year(store: &Store, actor: &Actor, year: i32) -> Result<Plan> {
    actor.require(Need::ReadPlan)?;
    of_year_in(store.pool(), year).await
}

pub(crate) async fn of_year_in(pool: &SqlitePool, year: i32) -> Result<Plan> {
    sqlx::query_as::<_, Plan>("SELECT * FROM plans WHERE year = ? AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 1")
        .bind(year)
        .fetch_optional(pool)
        .await?
        .ok_or(Error::NotFound { what: "kế hoạch của năm này" })
}

/// One plan.
pub async fn get(store: &Store, actor: &Actor, plan_id: &str) -> Result<Plan> {
    actor.require(Need::ReadPlan)?;
    get_in(store.pool(), plan_id).await
}

pub(crate) async fn get_in(pool: &SqlitePool, plan_id: &str) -> Result<Plan> {
    sqlx::query_as::<_, Plan>("SELECT * FROM plans WHERE id = ? AND deleted_at IS NULL")
        .bind(plan_id)
        .fetch_optional(pool)
        .await?
        .ok_or(Error::NotFound { what: "kế hoạch" })
}

/// The plan's outline and assignments.
pub async fn tree(store: &Store, actor: &Actor, plan_id: &str) -> Result<PlanTree> {
    actor.require(Need::ReadPlan)?;
    tree_in(store.pool(), plan_id).await
}

pub(crate) async fn tree_in(pool: &SqlitePool, plan_id: &str) -> Result<PlanTree> {
    let plan = get_in(pool, plan_id).await?;
    let nodes = sqlx::query_as::<_, Node>("SELECT * FROM plan_nodes WHERE plan_id = ? AND deleted_at IS NULL ORDER BY position")
        .bind(plan_id)
        .fetch_all(pool)
        .await?;
    let assignments = sqlx::query_as::<_, Assignment>(&format!(
        "{ASSIGNMENT_SELECT} AND a.node_id IN (SELECT id FROM plan_nodes WHERE plan_id = ?) ORDER BY a.role DESC, u.position"
    ))
    .bind(plan_id)
    .fetch_all(pool)
    .await?;
    Ok(PlanTree { plan, nodes, assignments })
}

async fn node(pool: &SqlitePool, node_id: &str) -> Result<Node> {
    sqlx::query_as::<_, Node>("SELECT * FROM plan_nodes WHERE id = ? AND deleted_at IS NULL")
        .bind(node_id)
        .fetch_optional(pool)
        .await?
        .ok_or(Error::NotFound { what: "hoạt động" })
}

async fn assignment(conn: &mut sqlx::SqliteConnection, id: &str) -> Result<Assignment> {
    sqlx::query_as::<_, Assignment>(&format!("{ASSIGNMENT_SELECT} AND a.id = ?"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(Error::NotFound { what: "đơn vị thực hiện của hoạt động" })
}

/// The activity page: the node, its ancestors, and each unit's status, notes and evidence.
pub async fn activity(store: &Store, actor: &Actor, node_id: &str) -> Result<ActivityPage> {
    actor.require(Need::ReadPlan)?;
    let pool = store.pool();
    let node = node(pool, node_id).await?;
    let mut path = Vec::new();
    let mut parent = node.parent_id.clone();
    while let Some(id) = parent {
        let n = self::node(pool, &id).await?;
        parent = n.parent_id.clone();
        path.insert(0, n);
    }
    let assignments = sqlx::query_as::<_, Assignment>(&format!("{ASSIGNMENT_SELECT} AND a.node_id = ? ORDER BY a.role DESC, u.position"))
        .bind(node_id)
        .fetch_all(pool)
        .await?;
    let mut units = Vec::new();
    for assignment in assignments {
        let notes = sqlx::query_as::<_, Note>(
            "SELECT id, assignment_id, noted_on, text FROM progress_notes WHERE assignment_id = ? AND deleted_at IS NULL ORDER BY noted_on, created_at",
        )
        .bind(&assignment.id)
        .fetch_all(pool)
        .await?;
        let evidence = files::list_for(pool, "evidence", "assignment_id", &assignment.id).await?;
        let may_record = actor.require_for_unit(Need::RecordProgress, &assignment.unit_id).is_ok();
        units.push(UnitProgress { assignment, notes, evidence, may_record });
    }
    Ok(ActivityPage { node, path, units })
}

/// What a collaborator's laptop may write of its group's part in the plan, as the activity's
/// page writes it: the status, dated notes, evidence added or taken off.
pub(crate) const COLLABORATOR_WRITES: [LimitedWrites; 3] = [
    LimitedWrites { table: "assignments", insert: false, update: true, remove: false, columns: &[("status", Rule::OneOf(|s| Status::from_stored(s).is_some()))] },
    LimitedWrites {
        table: "progress_notes",
        insert: true,
        update: false,
        remove: false,
        columns: &[("assignment_id", Rule::Reference), ("noted_on", Rule::Date { required: true }), ("text", Rule::Text { required: true, max: 5000 })],
    },
    LimitedWrites { table: "evidence", insert: true, update: false, remove: true, columns: &[("assignment_id", Rule::Reference), ("file_id", Rule::Reference)] },
];

/// Sets a unit's status on an activity.
pub async fn set_status(store: &Store, actor: &Actor, source: Source, assignment_id: &str, status: Status) -> Result<Assignment> {
    actor.require(Need::RecordProgress)?;
    let mut w = store.write(actor, source).await?;
    let part = assignment(w.conn(), assignment_id).await?;
    actor.require_for_unit(Need::RecordProgress, &part.unit_id)?;
    w.update("assignments", assignment_id, Cols::new().set("status", status)).await?;
    let after = assignment(w.conn(), assignment_id).await?;
    w.commit().await?;
    Ok(after)
}

/// Adds a dated progress note to a unit's part in an activity.
pub async fn add_note(store: &Store, actor: &Actor, source: Source, assignment_id: &str, noted_on: NaiveDate, text: &str) -> Result<Note> {
    actor.require(Need::RecordProgress)?;
    let text = text::required("text", "nội dung ghi chú", text, 5000)?;
    let mut w = store.write(actor, source).await?;
    let part = assignment(w.conn(), assignment_id).await?;
    actor.require_for_unit(Need::RecordProgress, &part.unit_id)?;
    let note = Note { id: new_id(), assignment_id: assignment_id.to_owned(), noted_on, text };
    let cols = Cols::new().set("assignment_id", &note.assignment_id).set("noted_on", note.noted_on).set("text", &note.text);
    w.insert("progress_notes", &note.id, cols).await?;
    w.commit().await?;
    Ok(note)
}

/// Copies a file into the data folder and attaches it as evidence of a unit's work.
pub async fn add_evidence(store: &Store, actor: &Actor, source: Source, assignment_id: &str, upload: Upload<'_>) -> Result<StoredFile> {
    actor.require(Need::RecordProgress)?;
    let mut w = store.write(actor, source).await?;
    let part = assignment(w.conn(), assignment_id).await?;
    actor.require_for_unit(Need::RecordProgress, &part.unit_id)?;
    let file = upload.keep(&mut w).await?;
    w.insert("evidence", &new_id(), Cols::new().set("assignment_id", assignment_id).set("file_id", &file.id)).await?;
    w.commit().await?;
    Ok(file)
}

/// Makes a unit taking part in an activity its lead; the unit that led it coordinates from
/// now on. One transaction: an activity always has one lead.
pub async fn set_lead(store: &Store, actor: &Actor, source: Source, assignment_id: &str) -> Result<Assignment> {
    actor.require(Need::EditPlan)?;
    let mut w = store.write(actor, source).await?;
    let chosen = assignment(w.conn(), assignment_id).await?;
    let leads: Vec<String> = sqlx::query_scalar("SELECT id FROM assignments WHERE node_id = ? AND role = ? AND deleted_at IS NULL AND id != ?")
        .bind(&chosen.node_id)
        .bind(Role::Lead.as_str())
        .bind(assignment_id)
        .fetch_all(w.conn())
        .await?;
    for id in leads {
        w.update("assignments", &id, Cols::new().set("role", Role::Coordinating)).await?;
    }
    w.update("assignments", assignment_id, Cols::new().set("role", Role::Lead)).await?;
    let after = assignment(w.conn(), assignment_id).await?;
    w.commit().await?;
    Ok(after)
}

/// Takes an evidence file off a unit's part in an activity (a tombstone: the file and its
/// history stay).
pub async fn remove_evidence(store: &Store, actor: &Actor, source: Source, assignment_id: &str, file_id: &str) -> Result<()> {
    actor.require(Need::RecordProgress)?;
    let mut w = store.write(actor, source).await?;
    let part = assignment(w.conn(), assignment_id).await?;
    actor.require_for_unit(Need::RecordProgress, &part.unit_id)?;
    let id: String = sqlx::query_scalar("SELECT id FROM evidence WHERE assignment_id = ? AND file_id = ? AND deleted_at IS NULL")
        .bind(assignment_id)
        .bind(file_id)
        .fetch_optional(w.conn())
        .await?
        .ok_or(Error::NotFound { what: "tệp minh chứng" })?;
    w.tombstone("evidence", &id).await?;
    w.commit().await
}

/// Adds a unit to an activity (as coordinating unless `lead`).
pub async fn assign_unit(store: &Store, actor: &Actor, source: Source, node_id: &str, unit_id: &str, lead: bool) -> Result<Assignment> {
    actor.require(Need::EditPlan)?;
    let mut w = store.write(actor, source).await?;
    let existing: Option<(String, Option<String>)> = sqlx::query_as("SELECT id, deleted_at FROM assignments WHERE node_id = ? AND unit_id = ?")
        .bind(node_id)
        .bind(unit_id)
        .fetch_optional(w.conn())
        .await?;
    let id = match existing {
        Some((id, None)) => id,
        Some((id, Some(_))) => {
            w.update("assignments", &id, Cols::new().set("deleted_at", None::<String>)).await?;
            id
        }
        None => insert_assignment(&mut w, node_id, unit_id, if lead { Role::Lead } else { Role::Coordinating }).await?,
    };
    let a = assignment(w.conn(), &id).await?;
    w.commit().await?;
    Ok(a)
}

/// Takes a unit off an activity (a tombstone: its notes and history stay).
pub async fn unassign(store: &Store, actor: &Actor, source: Source, assignment_id: &str) -> Result<()> {
    actor.require(Need::EditPlan)?;
    let mut w = store.write(actor, source).await?;
    if assignment(w.conn(), assignment_id).await?.role == Role::Lead {
        return Err(InvalidInput::new("assignment_id", "Không bỏ được đơn vị chủ trì khỏi hoạt động. Hãy đặt đơn vị khác làm chủ trì trước, hoặc đặt tình trạng “Không áp dụng”.").into());
    }
    w.tombstone("assignments", assignment_id).await?;
    w.commit().await
}

/// Sets when an activity happens: a named period, or custom dates.
pub async fn set_timing(store: &Store, actor: &Actor, source: Source, node_id: &str, period: Period, dates: Option<(NaiveDate, NaiveDate)>) -> Result<Node> {
    actor.require(Need::EditPlan)?;
    node(store.pool(), node_id).await?;
    let year = get_in(store.pool(), &plan_of(store.pool(), node_id).await?).await?.year;
    let (starts_on, ends_on) = match (period, dates) {
        (Period::Custom, Some((s, e))) if s <= e => (s, e),
        (Period::Custom, Some(_)) => return Err(InvalidInput::new("ends_on", "Ngày kết thúc phải sau ngày bắt đầu.").into()),
        (Period::Custom, None) => return Err(InvalidInput::new("starts_on", "Nhập ngày bắt đầu và ngày kết thúc.").into()),
        (p, _) => p.range(year),
    };
    let mut w = store.write(actor, source).await?;
    let cols = Cols::new().set("period", period).set("starts_on", starts_on).set("ends_on", ends_on);
    w.update("plan_nodes", node_id, cols).await?;
    w.commit().await?;
    node(store.pool(), node_id).await
}

async fn plan_of(pool: &SqlitePool, node_id: &str) -> Result<String> {
    sqlx::query_scalar("SELECT plan_id FROM plan_nodes WHERE id = ?")
        .bind(node_id)
        .fetch_optional(pool)
        .await?
        .ok_or(Error::NotFound { what: "hoạt động" })
}

/// A unit's part in an activity; its id is derived from the pair, which is unique.
async fn insert_assignment(w: &mut Write<'_>, node_id: &str, unit_id: &str, role: Role) -> Result<String> {
    let id = natural_id("assignment", &[node_id, unit_id]);
    let cols = Cols::new().set("node_id", node_id).set("unit_id", unit_id).set("role", role).set("status", Status::NotStarted);
    w.insert("assignments", &id, cols).await?;
    Ok(id)
}

/// Saves a plan draft (as understood and corrected) in one transaction: the units it names
/// (matched by name, created when new), the plan, its outline, assignments and deadlines.
pub async fn save_draft(store: &Store, actor: &Actor, source: Source, draft: &PlanDraft) -> Result<Plan> {
    actor.require(Need::EditPlan)?;
    let mut w = store.write(actor, source).await?;
    let plan = save_draft_in(&mut w, draft).await?;
    w.commit().await?;
    // The plan just saved is the one the officer wants to see.
    store.set_preference("current_plan_id", &plan.id).await?;
    Ok(plan)
}

/// [`save_draft`] inside the caller's write.
pub(crate) async fn save_draft_in(w: &mut Write<'_>, draft: &PlanDraft) -> Result<Plan> {
    if !(2000..=2100).contains(&draft.year) {
        return Err(InvalidInput::new("year", "Năm của kế hoạch phải trong khoảng 2000–2100.").into());
    }
    let title = text::required("title", "trích yếu của kế hoạch", &draft.title, 500)?;
    let mut unit_ids = Vec::new();
    for name in &draft.units {
        let name = text::required("units", "tên đơn vị", name, 200)?;
        unit_ids.push(ward::ensure_unit(w, &name, ward::UnitKind::Agency).await?);
    }
    let year = draft.year.to_string();
    let plan = Plan {
        id: w.natural_or_new_id("plans", "plan", &[&year]).await?,
        year: draft.year,
        number: draft.number,
        symbol: text::nfc(&draft.symbol),
        issued_on: draft.issued_on,
        title,
        preamble: text::nfc(&draft.preamble),
        legal_bases: serde_json::to_string(&draft.legal_bases.iter().map(|s| text::nfc(s)).collect::<Vec<_>>()).unwrap_or_default(),
        closing: text::nfc(&draft.closing),
        recipients: serde_json::to_string(&draft.recipients.iter().map(|s| text::nfc(s)).collect::<Vec<_>>()).unwrap_or_default(),
        signer_prefix: text::nfc(&draft.signer_prefix),
        signer_title: text::nfc(&draft.signer_title),
        signer_name: text::nfc(&draft.signer_name),
    };
    let cols = Cols::new()
        .set("year", plan.year)
        .set("number", plan.number)
        .set("symbol", &plan.symbol)
        .set("issued_on", plan.issued_on)
        .set("title", &plan.title)
        .set("preamble", &plan.preamble)
        .set("legal_bases", &plan.legal_bases)
        .set("closing", &plan.closing)
        .set("recipients", &plan.recipients)
        .set("signer_prefix", &plan.signer_prefix)
        .set("signer_title", &plan.signer_title)
        .set("signer_name", &plan.signer_name);
    w.insert("plans", &plan.id, cols).await?;

    let mut position = 0;
    for n in &draft.nodes {
        save_node(w, &plan, None, n, &unit_ids, &mut position).await?;
    }
    for d in &draft.deadlines {
        reporting::insert_deadline(w, &plan.id, d.period, d.due_on).await?;
    }
    Ok(plan)
}

async fn save_node(
    w: &mut Write<'_>,
    plan: &Plan,
    parent: Option<&str>,
    n: &DraftNode,
    unit_ids: &[String],
    position: &mut i32,
) -> Result<()> {
    let unit = |i: &usize| {
        unit_ids.get(*i).cloned().ok_or_else(|| Error::from(InvalidInput::new("units", "Hoạt động gắn với một đơn vị không có trong danh sách.")))
    };
    let (starts_on, ends_on) = n.period.range(plan.year);
    let node = Node {
        id: natural_id("plan_node", &[&plan.id, &position.to_string()]),
        parent_id: parent.map(str::to_owned),
        position: *position,
        kind: n.kind,
        label: text::nfc(&n.label),
        text: text::nfc(&n.text),
        is_activity: n.is_activity,
        period: n.period,
        starts_on,
        ends_on,
        unit_id: if n.kind == NodeKind::UnitEntry { n.lead_unit.as_ref().map(unit).transpose()? } else { None },
        emphasis: serde_json::to_string(&n.emphasis).unwrap_or_else(|_| "[]".into()),
    };
    *position += 1;
    let cols = Cols::new()
        .set("plan_id", &plan.id)
        .set("parent_id", &node.parent_id)
        .set("position", node.position)
        .set("kind", node.kind)
        .set("label", &node.label)
        .set("text", &node.text)
        .set("is_activity", node.is_activity)
        .set("period", node.period)
        .set("starts_on", node.starts_on)
        .set("ends_on", node.ends_on)
        .set("unit_id", &node.unit_id)
        .set("emphasis", &node.emphasis);
    w.insert("plan_nodes", &node.id, cols).await?;
    if n.is_activity {
        // Two names of the draft may be one unit: each unit takes part once, the lead first.
        let mut taken = Vec::new();
        let roles = n.lead_unit.iter().map(|u| (u, Role::Lead)).chain(n.coordinating_units.iter().map(|u| (u, Role::Coordinating)));
        for (u, role) in roles {
            let id = unit(u)?;
            if !taken.contains(&id) {
                insert_assignment(w, &node.id, &id, role).await?;
                taken.push(id);
            }
        }
    }
    for child in &n.children {
        Box::pin(save_node(w, plan, Some(&node.id), child, unit_ids, position)).await?;
    }
    Ok(())
}

/// What the plan's list is filtered by; an empty field does not filter.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct Filter {
    /// Activities this unit takes part in.
    pub unit_id: Option<String>,
    /// Activities where a unit (the chosen one, if any) has this status.
    pub status: Option<Status>,
    /// Activities in this period.
    pub period: Option<Period>,
    /// Words to find in the activity's text or its units' names, as typed: tone marks, đ and
    /// case do not matter, and every word must be found.
    pub query: String,
}

/// The activities of a plan that match `filter`, in outline order.
pub async fn search(store: &Store, actor: &Actor, plan_id: &str, filter: &Filter) -> Result<Vec<String>> {
    actor.require(Need::ReadPlan)?;
    search_in(store.pool(), plan_id, filter).await
}

pub(crate) async fn search_in(pool: &SqlitePool, plan_id: &str, filter: &Filter) -> Result<Vec<String>> {
    let tree = tree_in(pool, plan_id).await?;
    let words: Vec<String> = text::fold(&filter.query).split_whitespace().map(str::to_owned).collect();
    let found = tree.nodes.iter().filter(|n| n.is_activity).filter(|n| {
        let units: Vec<&Assignment> =
            tree.assignments.iter().filter(|a| a.node_id == n.id && filter.unit_id.as_ref().is_none_or(|u| &a.unit_id == u)).collect();
        if filter.unit_id.is_some() && units.is_empty() {
            return false;
        }
        if filter.status.is_some_and(|s| !units.iter().any(|a| a.status == s)) {
            return false;
        }
        if filter.period.is_some_and(|p| n.period != p) {
            return false;
        }
        let haystack = text::fold(&format!("{} {} {}", n.label, n.text, units.iter().map(|a| a.unit_name.as_str()).collect::<Vec<_>>().join(" ")));
        words.iter().all(|w| haystack.contains(w.as_str()))
    });
    Ok(found.map(|n| n.id.clone()).collect())
}

/// A progress note with the unit and activity it belongs to, for reports.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoteLine {
    /// The day.
    pub noted_on: NaiveDate,
    /// The unit.
    pub unit_name: String,
    /// The activity's node.
    pub node_id: String,
    /// The note.
    pub text: String,
}

/// Every progress note of a plan up to `until`, by date.
pub async fn notes_until(store: &Store, actor: &Actor, plan_id: &str, until: NaiveDate) -> Result<Vec<NoteLine>> {
    actor.require(Need::ReadPlan)?;
    notes_until_in(store.pool(), plan_id, until).await
}

pub(crate) async fn notes_until_in(pool: &SqlitePool, plan_id: &str, until: NaiveDate) -> Result<Vec<NoteLine>> {
    Ok(sqlx::query_as::<_, NoteLine>(
        "SELECT n.noted_on, u.name AS unit_name, a.node_id, n.text
         FROM progress_notes n JOIN assignments a ON a.id = n.assignment_id JOIN units u ON u.id = a.unit_id
         JOIN plan_nodes p ON p.id = a.node_id
         WHERE p.plan_id = ? AND n.noted_on <= ? AND n.deleted_at IS NULL AND a.deleted_at IS NULL
         ORDER BY n.noted_on, n.created_at",
    )
    .bind(plan_id)
    .bind(until)
    .fetch_all(pool)
    .await?)
}
