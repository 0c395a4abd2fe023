//! Rebuilding every table from the change log alone, and comparing the result with the
//! database: the proof that the log is the truth (`treem check`, and the tests).

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{SqliteConnection, SqlitePool};

use super::row::{bind, json_object};
use super::{Changes, Op, MIGRATOR};
use crate::Result;

/// Where the rebuilt tables first differ from the database.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// The table.
    pub table: String,
    /// The record.
    pub record_id: String,
    /// What differs, in Vietnamese.
    pub message: String,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "bảng {}, bản ghi {}: {}", self.table, self.record_id, self.message)
    }
}

/// What [`replay`] found.
#[derive(Debug, Clone)]
pub struct Replayed {
    /// Entries replayed.
    pub entries: usize,
    /// Rows compared, over every user table.
    pub rows: usize,
    /// The first difference, if any.
    pub difference: Option<Difference>,
}

#[derive(sqlx::FromRow)]
struct Entry {
    device_id: String,
    seq: i64,
    table_name: String,
    record_id: String,
    op: String,
    changes: String,
    row_version: i64,
    at: String,
}

/// Replays the whole change log of `pool` into an empty database with the same schema, in
/// clock order, and compares every user table row by row with `pool`'s.
pub async fn replay(pool: &SqlitePool) -> Result<Replayed> {
    let empty = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::new().in_memory(true).foreign_keys(false))
        .await?;
    MIGRATOR.run(&empty).await?;
    let tables = user_tables(&empty).await?;
    // One read transaction: the log and the tables are seen as of one moment, even while the
    // app writes.
    let mut ours = pool.begin().await?;
    let entries = sqlx::query_as::<_, Entry>(
        "SELECT device_id, seq, table_name, record_id, op, changes, row_version, at FROM change_log WHERE op <> 'event' ORDER BY hlc, device_id, seq",
    )
    .fetch_all(&mut *ours)
    .await?;
    let mut conn = empty.acquire().await?;
    for e in &entries {
        if let Err(message) = apply(&mut conn, &tables, e).await {
            let difference = Difference { table: e.table_name.clone(), record_id: e.record_id.clone(), message };
            return Ok(Replayed { entries: entries.len(), rows: 0, difference: Some(difference) });
        }
    }
    let mut rows = 0;
    for (table, columns) in &tables {
        let stored = table_rows(&mut *ours, table, columns).await?;
        let rebuilt = table_rows(&mut *conn, table, columns).await?;
        rows += stored.len();
        if let Some(difference) = first_difference(table, &stored, &rebuilt) {
            return Ok(Replayed { entries: entries.len(), rows, difference: Some(difference) });
        }
    }
    drop(conn);
    empty.close().await;
    Ok(Replayed { entries: entries.len(), rows, difference: None })
}

/// Applies one entry; the error says why it cannot be applied.
async fn apply(conn: &mut SqliteConnection, tables: &BTreeMap<String, Vec<String>>, e: &Entry) -> Result<(), String> {
    let where_ = format!("mục {} của máy {}", e.seq, e.device_id);
    let columns = tables.get(&e.table_name).ok_or_else(|| format!("{where_} ghi vào bảng không có trong lược đồ"))?;
    let changes = Changes::parse(&e.changes).ok_or_else(|| format!("{where_} có nội dung thay đổi không đọc được"))?;
    let op = Op::parse(&e.op).ok_or_else(|| format!("{where_} có thao tác lạ «{}»", e.op))?;
    let mut values: Vec<(&str, Value)> = Vec::new();
    for (column, value) in changes.new_values() {
        if !columns.iter().any(|c| c == column) || matches!(column, "id" | "updated_at" | "device_id" | "row_version" | "created_at") {
            return Err(format!("{where_} ghi cột «{column}» không thể ghi"));
        }
        values.push((column, value.clone()));
    }
    let stamp = Value::String(e.at.clone());
    let device = Value::String(e.device_id.clone());
    let version = Value::from(e.row_version);
    let (sql, tail) = match op {
        Op::Insert => {
            let names: Vec<&str> = values.iter().map(|(c, _)| *c).collect();
            let sql = format!(
                "INSERT INTO {} (id, {}created_at, updated_at, device_id, row_version) VALUES (?, {}?, ?, ?, ?)",
                e.table_name,
                names.iter().map(|n| format!("{n}, ")).collect::<String>(),
                "?, ".repeat(names.len())
            );
            (sql, vec![stamp.clone(), stamp, device, version])
        }
        Op::Update | Op::Delete => {
            let sets: String = values.iter().map(|(c, _)| format!("{c} = ?, ")).collect();
            let sql = format!("UPDATE {} SET {sets}updated_at = ?, device_id = ?, row_version = ? WHERE id = ?", e.table_name);
            (sql, vec![stamp, device, version, Value::String(e.record_id.clone())])
        }
    };
    let mut q = sqlx::query(&sql);
    if op == Op::Insert {
        q = q.bind(e.record_id.clone());
    }
    for (_, v) in values.iter() {
        q = bind(q, v);
    }
    for v in &tail {
        q = bind(q, v);
    }
    let done = q.execute(&mut *conn).await.map_err(|err| format!("{where_} không áp dụng được: {err}"))?;
    if done.rows_affected() != 1 {
        return Err(format!("{where_} sửa một bản ghi chưa từng được tạo"));
    }
    Ok(())
}

/// Every table whose rows users create (those with a row version), with its columns.
async fn user_tables(pool: &SqlitePool) -> Result<BTreeMap<String, Vec<String>>> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT m.name FROM sqlite_master m WHERE m.type = 'table'
           AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) c WHERE c.name = 'deleted_at') ORDER BY m.name",
    )
    .fetch_all(pool)
    .await?;
    let mut tables = BTreeMap::new();
    for name in names {
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?) ORDER BY cid").bind(&name).fetch_all(pool).await?;
        tables.insert(name, columns);
    }
    Ok(tables)
}

async fn table_rows(conn: &mut SqliteConnection, table: &str, columns: &[String]) -> Result<Vec<Map<String, Value>>> {
    let sql = format!("SELECT {} FROM {table} ORDER BY id", json_object(columns.iter().map(String::as_str)));
    let rows: Vec<String> = sqlx::query_scalar(&sql).fetch_all(conn).await?;
    Ok(rows
        .into_iter()
        .map(|json| match serde_json::from_str(&json) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        })
        .collect())
}

fn first_difference(table: &str, ours: &[Map<String, Value>], rebuilt: &[Map<String, Value>]) -> Option<Difference> {
    let id_of = |row: &Map<String, Value>| row.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
    let (mut a, mut b) = (ours.iter().peekable(), rebuilt.iter().peekable());
    loop {
        match (a.peek(), b.peek()) {
            (None, None) => return None,
            (Some(row), None) => return Some(missing(table, id_of(row), "có trong cơ sở dữ liệu nhưng nhật ký thay đổi không tạo ra")),
            (None, Some(row)) => return Some(missing(table, id_of(row), "nhật ký thay đổi tạo ra nhưng không có trong cơ sở dữ liệu")),
            (Some(x), Some(y)) => {
                let (ix, iy) = (id_of(x), id_of(y));
                if ix < iy {
                    return Some(missing(table, ix, "có trong cơ sở dữ liệu nhưng nhật ký thay đổi không tạo ra"));
                }
                if iy < ix {
                    return Some(missing(table, iy, "nhật ký thay đổi tạo ra nhưng không có trong cơ sở dữ liệu"));
                }
                for (column, value) in x.iter() {
                    let other = y.get(column).unwrap_or(&Value::Null);
                    if value != other {
                        let message = format!("cột {column} là {value} trong cơ sở dữ liệu nhưng {other} khi dựng lại từ nhật ký thay đổi");
                        return Some(Difference { table: table.to_owned(), record_id: ix, message });
                    }
                }
                a.next();
                b.next();
            }
        }
    }
}

fn missing(table: &str, record_id: String, what: &str) -> Difference {
    Difference { table: table.to_owned(), record_id, message: what.to_owned() }
}
