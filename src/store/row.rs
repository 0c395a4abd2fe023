//! The typed writes: insert, update and tombstone of one row, each with its change-log entry.
//! The SQL is built from the columns given, so what is logged is exactly what is stored.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::sqlite::{Sqlite, SqliteArguments};
use sqlx::query::Query;

use super::{Changes, Op, Write};
use crate::{Error, Result};

/// The columns a write sets, with their values as stored (and logged).
#[derive(Debug, Default, Clone)]
pub struct Cols(Vec<(Cow<'static, str>, Value)>);

impl Cols {
    /// No columns yet.
    pub fn new() -> Cols {
        Cols::default()
    }

    /// Sets `column` to `value`. Booleans are stored as 0/1, lists and objects as JSON text,
    /// dates as `YYYY-MM-DD`, so the value logged is the value SQLite gives back.
    pub fn set(mut self, column: &'static str, value: impl Serialize) -> Cols {
        self.0.push((Cow::Borrowed(column), cell(serde_json::to_value(value).unwrap_or(Value::Null))));
        self
    }

    /// Sets a column named at run time (a conflict's field): the caller has checked the name
    /// against the schema.
    pub(crate) fn set_named(mut self, column: String, value: Value) -> Cols {
        self.0.push((Cow::Owned(column), cell(value)));
        self
    }

    fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.0.iter().map(|(n, _)| n.as_ref())
    }

    /// Refuses text holding a control character or a bidirectional override, whichever path
    /// it came by (a form checks first, with the field's own message).
    fn refuse_forbidden(&self) -> Result<()> {
        for (column, value) in &self.0 {
            if let Some(c) = value.as_str().and_then(crate::text::forbidden_char) {
                let message = format!("Dữ liệu ghi vào trường “{column}” có ký tự điều khiển không được phép (U+{:04X}); không ghi gì.", c as u32);
                return Err(crate::text::InvalidInput::new("text", message).into());
            }
        }
        Ok(())
    }
}

/// A value as SQLite stores it: null, integer, real or text.
pub(crate) fn cell(v: Value) -> Value {
    match v {
        Value::Bool(b) => Value::from(b as i64),
        Value::Array(_) | Value::Object(_) => Value::String(v.to_string()),
        other => other,
    }
}

/// Binds a stored value to the next placeholder.
pub(crate) fn bind<'q>(q: Query<'q, Sqlite, SqliteArguments<'q>>, v: &Value) -> Query<'q, Sqlite, SqliteArguments<'q>> {
    match v {
        Value::Null => q.bind(None::<String>),
        Value::Number(n) => match n.as_i64() {
            Some(i) => q.bind(i),
            None => q.bind(n.as_f64().unwrap_or_default()),
        },
        Value::String(s) => q.bind(s.clone()),
        other => q.bind(other.to_string()),
    }
}

/// `json_object('a', a, 'b', b)`: a row's columns read back as SQLite stores them.
pub(crate) fn json_object<'a>(columns: impl IntoIterator<Item = &'a str>) -> String {
    let pairs: Vec<String> = columns.into_iter().map(|c| format!("'{c}', \"{c}\"")).collect();
    format!("json_object({})", pairs.join(", "))
}

impl Write<'_> {
    /// Inserts a new row with row version 1 and logs every column given.
    pub async fn insert(&mut self, table: &str, id: &str, cols: Cols) -> Result<()> {
        cols.refuse_forbidden()?;
        let names: Vec<&str> = cols.names().collect();
        let sql = format!(
            "INSERT INTO {table} (id, {}, created_at, updated_at, device_id, row_version) VALUES (?, {}?, ?, ?, 1)",
            names.join(", "),
            "?, ".repeat(names.len())
        );
        let mut q = sqlx::query(&sql).bind(id.to_owned());
        for (_, v) in &cols.0 {
            q = bind(q, v);
        }
        let device = self.device_id().to_owned();
        q.bind(self.stamp.clone()).bind(self.stamp.clone()).bind(device).execute(self.conn()).await?;
        let mut changes = Changes::default();
        for (n, v) in cols.0 {
            changes.set(&n, Value::Null, v);
        }
        self.log(table, id, Op::Insert, &changes, 1).await
    }

    /// Sets the given columns of a live or tombstoned row; only those whose value changes are
    /// written and logged, old values read inside this transaction. Returns whether anything
    /// changed.
    pub async fn update(&mut self, table: &str, id: &str, cols: Cols) -> Result<bool> {
        self.change(table, id, cols, Op::Update).await
    }

    /// Marks a row deleted (`deleted_at`); nothing is erased. Returns false when it already was.
    pub async fn tombstone(&mut self, table: &str, id: &str) -> Result<bool> {
        let cols = Cols::new().set("deleted_at", self.stamp.clone());
        let was: Option<Option<String>> = sqlx::query_scalar(&format!("SELECT deleted_at FROM {table} WHERE id = ?"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        match was {
            None => Err(Error::NotFound { what: "bản ghi" }),
            Some(Some(_)) => Ok(false),
            Some(None) => self.change(table, id, cols, Op::Delete).await,
        }
    }

    /// A row's current values of `columns`, read inside this transaction; `None` when the row
    /// does not exist.
    pub async fn read(&mut self, table: &str, id: &str, columns: &[&str]) -> Result<Option<Map<String, Value>>> {
        let sql = format!("SELECT {} FROM {table} WHERE id = ?", json_object(columns.iter().copied()));
        let row: Option<String> = sqlx::query_scalar(&sql).bind(id).fetch_optional(self.conn()).await?;
        Ok(row.and_then(|json| match serde_json::from_str(&json) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        }))
    }

    /// The id for a new record with a natural key: [`natural_id`](super::natural_id) of the
    /// key, or a fresh id when another record of `table` already holds that one.
    pub async fn natural_or_new_id(&mut self, table: &str, kind: &str, key: &[&str]) -> Result<String> {
        let id = super::natural_id(kind, key);
        Ok(if self.read(table, &id, &["id"]).await?.is_some() { super::new_id() } else { id })
    }

    async fn change(&mut self, table: &str, id: &str, cols: Cols, op: Op) -> Result<bool> {
        cols.refuse_forbidden()?;
        let mut columns: Vec<String> = cols.names().map(str::to_owned).collect();
        columns.push("row_version".to_owned());
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        let old = self.read(table, id, &columns).await?.ok_or(Error::NotFound { what: "bản ghi" })?;
        let version = old.get("row_version").and_then(Value::as_i64).unwrap_or(0);
        let mut changes = Changes::default();
        let mut written = Vec::new();
        for (n, v) in cols.0 {
            let before = old.get(n.as_ref()).cloned().unwrap_or(Value::Null);
            if before != v {
                changes.set(&n, before, v.clone());
                written.push((n, v));
            }
        }
        if written.is_empty() {
            return Ok(false);
        }
        let sets: Vec<String> = written.iter().map(|(n, _)| format!("{n} = ?")).collect();
        let sql = format!(
            "UPDATE {table} SET {}, updated_at = ?, device_id = ?, row_version = ? WHERE id = ? AND row_version = ?",
            sets.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (_, v) in &written {
            q = bind(q, v);
        }
        let device = self.device_id().to_owned();
        let done = q
            .bind(self.stamp.clone())
            .bind(device)
            .bind(version + 1)
            .bind(id.to_owned())
            .bind(version)
            .execute(self.conn())
            .await?;
        if done.rows_affected() != 1 {
            return Err(Error::NotFound { what: "bản ghi" });
        }
        self.log(table, id, op, &changes, version + 1).await?;
        Ok(true)
    }
}
