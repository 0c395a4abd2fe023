//! The change log: one entry per record written, with each changed field's old and new value.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use sqlx::SqlitePool;
use ts_rs::TS;

use crate::Result;

/// What happened to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Created.
    Insert,
    /// Changed.
    Update,
    /// Tombstoned.
    Delete,
}

impl Op {
    /// Reads the stored word.
    pub fn parse(s: &str) -> Option<Op> {
        [Op::Insert, Op::Update, Op::Delete].into_iter().find(|op| op.as_str() == s)
    }

    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Insert => "insert",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
}

/// The columns a write changed: `{"column": [old, new]}`, exactly as stored.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Changes(Map<String, Value>);

impl Changes {
    /// Records one column going from `old` to `new`.
    pub(super) fn set(&mut self, column: &str, old: Value, new: Value) {
        self.0.insert(column.to_owned(), Value::Array(vec![old, new]));
    }

    /// Reads a logged entry's changes; `None` when the text is not a change object.
    pub fn parse(json: &str) -> Option<Changes> {
        match serde_json::from_str(json).ok()? {
            Value::Object(map) if map.values().all(|v| v.as_array().is_some_and(|a| a.len() == 2)) => Some(Changes(map)),
            _ => None,
        }
    }

    /// Each column with the value it was given.
    pub fn new_values(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), &v[1]))
    }

    /// Each column with its old and new value.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &Value, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), &v[0], &v[1]))
    }

    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keeps only the columns `keep` says yes to (for a reader who may not see some of them).
    pub(crate) fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.0.retain(|column, _| keep(column));
    }

    pub(crate) fn to_json(&self) -> String {
        Value::Object(self.0.clone()).to_string()
    }
}

/// One entry of a record's history, as the window shows it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, TS)]
#[ts(export)]
pub struct ChangeEntry {
    /// The device that wrote it.
    pub device_id: String,
    /// Its sequence number on that device.
    #[ts(type = "number")]
    pub seq: i64,
    /// The table.
    pub table_name: String,
    /// The record.
    pub record_id: String,
    /// insert, update or delete.
    pub op: String,
    /// JSON object of `[old, new]` pairs.
    pub changes: String,
    /// Who.
    pub user_name: String,
    /// window, import, cli, sync.
    pub source: String,
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// The row version the write produced.
    #[ts(type = "number")]
    pub row_version: i64,
    /// The hybrid logical clock reading that orders it among every laptop's entries.
    pub hlc: String,
}

/// The history of one record, oldest first.
pub async fn history(pool: &SqlitePool, table: &str, record_id: &str) -> Result<Vec<ChangeEntry>> {
    Ok(sqlx::query_as::<_, ChangeEntry>(
        "SELECT * FROM change_log WHERE table_name = ? AND record_id = ? AND op <> 'event' ORDER BY hlc, device_id, seq",
    )
    .bind(table)
    .bind(record_id)
    .fetch_all(pool)
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_only_old_new_pairs() {
        let mut c = Changes::default();
        c.set("a", Value::Null, json!(1));
        let back = Changes::parse(&c.to_json()).expect("parsed");
        assert_eq!(back, c);
        assert_eq!(back.new_values().collect::<Vec<_>>(), vec![("a", &json!(1))]);
        assert!(Changes::parse(r#"{"a": 1}"#).is_none());
        assert!(Changes::parse("[]").is_none());
    }
}
