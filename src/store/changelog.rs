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
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Op::Insert => "insert",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
}

/// The fields a write changed: `{"field": [old, new]}`.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Changes(Map<String, Value>);

impl Changes {
    /// Every field of a new record, with no old value.
    pub fn inserted(record: &impl Serialize) -> Changes {
        Changes::diff(&Value::Null, record)
    }

    /// The fields that differ between two versions of a record.
    pub fn diff(old: &impl Serialize, new: &impl Serialize) -> Changes {
        let old = serde_json::to_value(old).unwrap_or(Value::Null);
        let new = serde_json::to_value(new).unwrap_or(Value::Null);
        let empty = Map::new();
        let old_fields = old.as_object().unwrap_or(&empty);
        let mut out = Map::new();
        if let Some(new_fields) = new.as_object() {
            for (k, v) in new_fields {
                let before = old_fields.get(k).cloned().unwrap_or(Value::Null);
                if &before != v {
                    out.insert(k.clone(), Value::Array(vec![before, v.clone()]));
                }
            }
        }
        Changes(out)
    }

    /// One field set from `old` to `new`.
    pub fn field(mut self, name: &str, old: impl Serialize, new: impl Serialize) -> Changes {
        let old = serde_json::to_value(old).unwrap_or(Value::Null);
        let new = serde_json::to_value(new).unwrap_or(Value::Null);
        self.0.insert(name.to_owned(), Value::Array(vec![old, new]));
        self
    }

    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(super) fn to_json(&self) -> String {
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
}

/// The history of one record, oldest first.
pub async fn history(pool: &SqlitePool, table: &str, record_id: &str) -> Result<Vec<ChangeEntry>> {
    Ok(sqlx::query_as::<_, ChangeEntry>(
        "SELECT * FROM change_log WHERE table_name = ? AND record_id = ? ORDER BY at, seq",
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
    fn diff_keeps_only_changed_fields() {
        let c = Changes::diff(&json!({"a": 1, "b": "x"}), &json!({"a": 1, "b": "y"}));
        assert_eq!(c.to_json(), r#"{"b":["x","y"]}"#);
        assert!(Changes::diff(&json!({"a": 1}), &json!({"a": 1})).is_empty());
        assert_eq!(Changes::inserted(&json!({"a": 1})).to_json(), r#"{"a":[null,1]}"#);
    }
}
