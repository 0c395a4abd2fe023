//! Rebuilding every table from the change log alone, and comparing the result with the
//! database: the proof that the log is the truth (`treem check`, and the tests).

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{SqliteConnection, SqlitePool};

use super::fold::{self, LogEntry};
use super::row::json_object;
use super::MIGRATOR;
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

/// Replays the whole change log of `pool` into an empty database with the same schema — each
/// record the [fold](super::fold) of its entries in clock order, as sync merges them — and
/// compares every user table row by row with `pool`'s.
pub async fn replay(pool: &SqlitePool) -> Result<Replayed> {
    let empty = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::new().in_memory(true).foreign_keys(false))
        .await?;
    MIGRATOR.run(&empty).await?;
    let mut conn = empty.acquire().await?;
    let tables = fold::user_tables(&mut conn).await?;
    // One read transaction: the log and the tables are seen as of one moment, even while the
    // app writes.
    let mut ours = pool.begin().await?;
    let entries = sqlx::query_as::<_, LogEntry>(&format!(
        "SELECT {} FROM change_log WHERE op <> 'event' {}",
        fold::ENTRY_COLUMNS,
        fold::FOLD_ORDER
    ))
    .fetch_all(&mut *ours)
    .await?;
    let count = entries.len();
    let mut records: BTreeMap<(String, String), Vec<LogEntry>> = BTreeMap::new();
    for e in entries {
        records.entry((e.table_name.clone(), e.record_id.clone())).or_default().push(e);
    }
    for ((table, record_id), entries) in &records {
        let written = match tables.get(table) {
            None => Err(format!("nhật ký ghi vào bảng {table}, không có trong lược đồ")),
            Some(columns) => match fold::fold(entries) {
                Ok(row) if row.exists => fold::put(&mut conn, table, columns, &[(record_id.as_str(), &row)]).await,
                Ok(_) => Err("nhật ký sửa một bản ghi chưa từng được tạo".to_owned()),
                Err(message) => Err(message),
            },
        };
        if let Err(message) = written {
            let difference = Difference { table: table.clone(), record_id: record_id.clone(), message };
            return Ok(Replayed { entries: count, rows: 0, difference: Some(difference) });
        }
    }
    let mut rows = 0;
    for (table, columns) in &tables {
        let stored = table_rows(&mut *ours, table, columns).await?;
        let rebuilt = table_rows(&mut *conn, table, columns).await?;
        rows += stored.len();
        if let Some(difference) = first_difference(table, &stored, &rebuilt) {
            return Ok(Replayed { entries: count, rows, difference: Some(difference) });
        }
    }
    drop(conn);
    empty.close().await;
    Ok(Replayed { entries: count, rows, difference: None })
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
