//! A record's history as the window shows it, read from the change log: when (Vietnam time),
//! who, from where, and what changed — with the core's words for fields and values, so the
//! window shows the log without knowing its columns.

use serde::Serialize;
use serde_json::Value;
use sqlx::SqlitePool;
use ts_rs::TS;

use crate::auth::{Actor, Need};
use crate::Store;
use crate::plan::period::Period;
use crate::plan::{Role, Status};
use crate::store::{ChangeEntry, Changes, Op, Source};
use crate::Result;

/// One change, ready to read.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct HistoryLine {
    /// "05/06/2024 14:30", Vietnam time.
    pub at: String,
    /// Who.
    pub user_name: String,
    /// "trên cửa sổ", "khi nhập" …
    pub source: String,
    /// What happened: "Thêm ghi chú tiến độ", "Bỏ khỏi hoạt động" …
    pub summary: String,
    /// The fields changed, with their labels.
    pub changes: Vec<FieldChange>,
}

/// One field's change.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct FieldChange {
    /// "Tình trạng".
    pub field: String,
    /// The value before, as shown ("" for none).
    pub from: String,
    /// The value after.
    pub to: String,
}

/// The history of a unit's part in an activity: the assignment itself, its progress notes and
/// its evidence, oldest first.
pub async fn of_assignment(store: &Store, actor: &Actor, assignment_id: &str) -> Result<Vec<HistoryLine>> {
    actor.require(Need::ReadPlan)?;
    of_assignment_in(store.pool(), assignment_id).await
}

pub(crate) async fn of_assignment_in(pool: &SqlitePool, assignment_id: &str) -> Result<Vec<HistoryLine>> {
    let entries = sqlx::query_as::<_, ChangeEntry>(
        "SELECT * FROM change_log WHERE ((table_name = 'assignments' AND record_id = ?1)
            OR (table_name = 'progress_notes' AND record_id IN (SELECT id FROM progress_notes WHERE assignment_id = ?1))
            OR (table_name = 'evidence' AND record_id IN (SELECT id FROM evidence WHERE assignment_id = ?1)))
         AND op <> 'event' ORDER BY hlc, device_id, seq",
    )
    .bind(assignment_id)
    .fetch_all(pool)
    .await?;
    describe_all(pool, entries).await
}

/// The history of a record of the plan, the ward or the documents, oldest first. A child's
/// history is read on the child's page, where who may see it is checked and the look recorded.
pub async fn of_record(store: &Store, actor: &Actor, table: &str, record_id: &str) -> Result<Vec<HistoryLine>> {
    actor.require(Need::ReadPlan)?;
    if crate::children::TABLES.contains(&table) {
        return Err(crate::Error::Forbidden("Lịch sử hồ sơ trẻ em chỉ xem ở trang của trẻ.".into()));
    }
    if crate::cases::TABLES.contains(&table) {
        return Err(crate::Error::Forbidden("Lịch sử vụ việc chỉ xem ở trang của vụ việc.".into()));
    }
    // Injuries, checks of child labour and the documents about them name children: read as
    // cases are, by officer and leader.
    let restricted = match table {
        "injuries" | "labour_checks" => true,
        "documents" => crate::documents::register::restricted(store.pool(), record_id).await?,
        _ => false,
    };
    if restricted {
        actor.require(Need::ReadCases)?;
    }
    of_record_in(store.pool(), table, record_id, &[]).await
}

/// A record's history with the changes of the `hidden` columns left out.
pub(crate) async fn of_record_in(pool: &SqlitePool, table: &str, record_id: &str, hidden: &[&str]) -> Result<Vec<HistoryLine>> {
    let mut entries = crate::store::history(pool, table, record_id).await?;
    if !hidden.is_empty() {
        for e in &mut entries {
            let mut changes = Changes::parse(&e.changes).unwrap_or_default();
            changes.retain(|column| !hidden.contains(&column));
            e.changes = changes.to_json();
        }
    }
    describe_all(pool, entries).await
}

async fn describe_all(pool: &SqlitePool, entries: Vec<ChangeEntry>) -> Result<Vec<HistoryLine>> {
    let mut lines = Vec::with_capacity(entries.len());
    for e in entries {
        let changes = Changes::parse(&e.changes).unwrap_or_default();
        // Evidence is named by its file, whichever change of it this is.
        let file_name = if e.table_name == "evidence" {
            sqlx::query_scalar::<_, String>("SELECT f.file_name FROM evidence e JOIN files f ON f.id = e.file_id WHERE e.id = ?")
                .bind(&e.record_id)
                .fetch_optional(pool)
                .await?
        } else {
            None
        };
        lines.push(describe(&e, &changes, file_name.as_deref()));
    }
    Ok(lines)
}

fn describe(e: &ChangeEntry, changes: &Changes, file_name: Option<&str>) -> HistoryLine {
    let op = Op::parse(&e.op);
    let new = |column: &str| changes.new_values().find(|(c, _)| *c == column).map(|(_, v)| v.clone());
    let restored = changes.pairs().any(|(c, old, new)| c == "deleted_at" && !old.is_null() && new.is_null());
    let summary = match (e.table_name.as_str(), op) {
        (_, Some(Op::Delete)) => match e.table_name.as_str() {
            "assignments" => "Bỏ đơn vị khỏi hoạt động".to_owned(),
            "evidence" => format!("Gỡ minh chứng{}", file_name.map(|n| format!(" “{n}”")).unwrap_or_default()),
            "unit_reports" => "Bỏ ghi nhận báo cáo".to_owned(),
            _ => "Xóa".to_owned(),
        },
        ("assignments", Some(Op::Insert)) => {
            let role = new("role").and_then(|v| v.as_str().and_then(Role::from_stored)).map(|r| r.label().to_lowercase());
            format!("Giao cho đơn vị{}", role.map(|r| format!(" ({r})")).unwrap_or_default())
        }
        ("assignments", _) if restored => "Giao lại cho đơn vị".to_owned(),
        ("children", _) if restored => "Khôi phục hồ sơ".to_owned(),
        ("progress_notes", Some(Op::Insert)) => {
            let day = new("noted_on").and_then(|v| v.as_str().map(show_date)).unwrap_or_default();
            let text = new("text").and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            format!("Thêm ghi chú tiến độ ngày {day}: {text}")
        }
        ("evidence", Some(Op::Insert)) => format!("Thêm minh chứng “{}”", file_name.unwrap_or("tệp")),
        (_, Some(Op::Insert)) => "Tạo mới".to_owned(),
        _ => "Sửa".to_owned(),
    };
    let field_changes = if op == Some(Op::Update) && !restored {
        changes
            .pairs()
            .filter_map(|(column, old, new)| {
                let field = field_label(column)?;
                Some(FieldChange { field: field.to_owned(), from: show(column, old), to: show(column, new) })
            })
            .collect()
    } else {
        Vec::new()
    };
    HistoryLine {
        at: crate::vietnam_time(e.at).format("%d/%m/%Y %H:%M").to_string(),
        user_name: e.user_name.clone(),
        source: Source::from_stored(&e.source).map(|s| s.label().to_owned()).unwrap_or_else(|| e.source.clone()),
        summary,
        changes: field_changes,
    }
}

/// The Vietnamese name of a table, as the audit trail shows it.
pub(crate) fn table_label(table: &str) -> &str {
    match table {
        "users" => "Tài khoản",
        "ward" => "Thông tin phường",
        "units" => "Đơn vị",
        "signers" => "Người ký",
        "plans" => "Kế hoạch",
        "plan_nodes" => "Mục của kế hoạch",
        "assignments" => "Phần việc của đơn vị",
        "progress_notes" => "Ghi chú tiến độ",
        "evidence" => "Minh chứng",
        "files" => "Tệp lưu trữ",
        "report_deadlines" => "Hạn báo cáo",
        "unit_reports" => "Báo cáo của đơn vị",
        "documents" => "Văn bản",
        "certificates" => "Chứng thư số",
        "trusted_authorities" => "Tổ chức chứng thực tin cậy",
        "children" => "Hồ sơ trẻ em",
        "child_circumstances" => "Nhóm hoàn cảnh đặc biệt",
        "child_consents" => "Sự đồng ý",
        "calendar_days" => "Ngày trong lịch ngày nghỉ",
        "calendar_notices" => "Thông báo nghỉ lễ, Tết",
        "change_log" => "Nhật ký",
        other => other,
    }
}

/// The Vietnamese name of a column a person would recognise; `None` for bookkeeping columns.
pub(crate) fn field_label(column: &str) -> Option<&'static str> {
    Some(match column {
        "status" => "Tình trạng",
        "role" => "Vai trò",
        "name" => "Tên",
        "full_name" => "Họ và tên",
        "title" => "Chức vụ",
        "period" => "Thời gian",
        "starts_on" => "Từ ngày",
        "ends_on" => "Đến ngày",
        "due_on" => "Hạn",
        "received_on" => "Ngày nhận",
        "summary" => "Trích yếu",
        "parent_authority" => "Cơ quan cấp trên",
        "backup_recipient" => "Mã khôi phục bản sao lưu (khóa công khai)",
        "place_name" => "Địa danh",
        "text" => "Nội dung",
        "login" => "Tên đăng nhập",
        "group_unit_id" => "Tổ dân phố",
        "disabled_at" => "Khóa tài khoản",
        "lock_minutes" => "Tự khóa sau (phút)",
        "issuing_device_id" => "Máy văn thư",
        "number" => "Số",
        "issued_on" => "Ngày ban hành",
        "birth_date" => "Ngày sinh",
        "birth_year" => "Năm sinh",
        "sex" => "Giới tính",
        "id_number" => "Số định danh cá nhân",
        "address" => "Địa chỉ",
        "guardians" => "Cha, mẹ, người giám hộ",
        "school" => "Trường",
        "class_name" => "Lớp",
        "household" => "Hộ nghèo, cận nghèo",
        "disability" => "Khuyết tật",
        "notes" => "Ghi chú",
        "removed_reason" => "Lý do xóa",
        "code" => "Nhóm",
        "start_date" => "Từ ngày",
        "end_date" => "Đến ngày",
        "day" => "Ngày",
        "kind" => "Loại",
        "year" => "Năm",
        "notice" => "Thông báo",
        _ => return None,
    })
}

fn show_date(iso: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d").map(crate::text::format_date).unwrap_or_else(|_| iso.to_owned())
}

/// "Mẹ: Trần Thị Hoa (0905123456); Cha: …" from the stored JSON list.
fn guardians_text(json: &str) -> String {
    let list: Vec<crate::children::Guardian> = serde_json::from_str(json).unwrap_or_default();
    list.iter()
        .map(|g| {
            let mut s = g.titled();
            if !g.phone.is_empty() {
                s.push_str(&format!(" ({})", g.phone));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn show(column: &str, v: &Value) -> String {
    let Some(s) = v.as_str() else {
        return if v.is_null() { String::new() } else { v.to_string() };
    };
    let label = match column {
        "status" => Status::from_stored(s).map(Status::label),
        "role" => Role::from_stored(s).map(Role::label),
        "period" => Period::from_stored(s).map(Period::label),
        "sex" => crate::children::Sex::from_stored(s).map(crate::children::Sex::label),
        "household" => crate::children::Household::from_stored(s).map(crate::children::Household::label),
        "code" => crate::children::Circumstance::from_stored(s).map(crate::children::Circumstance::label),
        _ => None,
    };
    match label {
        Some(l) => l.to_owned(),
        None if column.ends_with("_on") || column.ends_with("_date") => show_date(s),
        None if column == "guardians" => guardians_text(s),
        None => s.to_owned(),
    }
}
