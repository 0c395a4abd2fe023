//! A record's row is the fold of its change-log entries in clock order: each entry sets the
//! columns it wrote, so the latest write of each field wins (field by field, by the hybrid
//! logical clock), the same on every laptop whatever order the entries arrived in. Replay folds
//! every record into an empty schema; a sync import folds the records its entries touch.
//!
//! The fold also finds what a merge overwrote without its writer having seen it — the
//! conflicts kept for the officer:
//! - a field: an entry from another laptop found a value it had not started from (the value
//!   before it is neither its old nor its new value);
//! - a deletion: an edit and a deletion of one record, neither laptop having seen the other's
//!   (the row version, which every write takes past the highest it has seen, tells).

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};
use sqlx::SqliteConnection;

use super::row::bind;
use super::{Changes, Op};

/// One entry as the fold reads it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct LogEntry {
    pub device_id: String,
    pub seq: i64,
    pub hlc: String,
    pub table_name: String,
    pub record_id: String,
    pub op: String,
    pub changes: String,
    pub row_version: i64,
    pub at: String,
}

/// The columns of [`LogEntry`], for `SELECT`; entries in the fold's order.
pub(crate) const ENTRY_COLUMNS: &str = "device_id, seq, hlc, table_name, record_id, op, changes, row_version, at";
pub(crate) const FOLD_ORDER: &str = "ORDER BY hlc, device_id, seq";

/// The write that set a value: which laptop, which entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Writer {
    pub device_id: String,
    pub seq: i64,
    pub hlc: String,
    pub row_version: i64,
}

impl Writer {
    fn of(e: &LogEntry) -> Writer {
        Writer { device_id: e.device_id.clone(), seq: e.seq, hlc: e.hlc.clone(), row_version: e.row_version }
    }
}

/// A value kept or not kept by a merge.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Side {
    pub value: Value,
    pub writer: Writer,
}

/// A value the merge overwrote (or an edit it kept under a deletion).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Clash {
    pub column: String,
    /// True for an edit against a deletion.
    pub deletion: bool,
    pub kept: Side,
    pub other: Side,
}

/// A record's row as its entries make it.
#[derive(Debug, Default)]
pub(crate) struct Folded {
    /// False when no entry created it (its creation not received): nothing to write.
    pub exists: bool,
    pub columns: Map<String, Value>,
    pub created_at: String,
    pub updated_at: String,
    pub device_id: String,
    pub row_version: i64,
    pub clashes: Vec<Clash>,
}

/// Folds one record's entries, given in clock order. The error says which entry cannot be read.
pub(crate) fn fold(entries: &[LogEntry]) -> Result<Folded, String> {
    let mut out = Folded::default();
    let mut writers: HashMap<String, Writer> = HashMap::new();
    for e in entries {
        let where_ = format!("mục {} của máy {}", e.seq, e.device_id);
        let changes = Changes::parse(&e.changes).ok_or_else(|| format!("{where_} có nội dung thay đổi không đọc được"))?;
        let op = Op::parse(&e.op).ok_or_else(|| format!("{where_} có thao tác lạ «{}»", e.op))?;
        if op == Op::Insert && !out.exists {
            out.exists = true;
            out.created_at = e.at.clone();
        }
        let me = Writer::of(e);
        // An edit and a deletion that did not see each other.
        let deleted_by = writers.get("deleted_at").filter(|_| out.columns.get("deleted_at").is_some_and(|v| !v.is_null()));
        if op == Op::Update && !changes.pairs().any(|(c, _, _)| c == "deleted_at") {
            if let Some(d) = deleted_by.filter(|d| d.device_id != e.device_id && e.row_version <= d.row_version) {
                out.clashes.push(Clash {
                    column: "deleted_at".to_owned(),
                    deletion: true,
                    kept: Side { value: out.columns["deleted_at"].clone(), writer: d.clone() },
                    other: Side { value: new_values(&changes), writer: me.clone() },
                });
            }
        }
        if op == Op::Delete {
            let unseen_edits: Vec<&Writer> = {
                let mut seen: Vec<&Writer> = writers
                    .iter()
                    .filter(|(c, w)| c.as_str() != "deleted_at" && w.device_id != e.device_id && w.row_version >= e.row_version)
                    .map(|(_, w)| w)
                    .collect();
                seen.sort_by(|a, b| (&a.hlc, a.seq).cmp(&(&b.hlc, b.seq)));
                seen.dedup();
                seen
            };
            if let Some(edit) = unseen_edits.last() {
                let values: Map<String, Value> =
                    writers.iter().filter(|(c, w)| c.as_str() != "deleted_at" && *w == *edit).map(|(c, _)| (c.clone(), out.columns.get(c).cloned().unwrap_or(Value::Null))).collect();
                out.clashes.push(Clash {
                    column: "deleted_at".to_owned(),
                    deletion: true,
                    kept: Side { value: changes.new_values().find(|(c, _)| *c == "deleted_at").map(|(_, v)| v.clone()).unwrap_or(Value::Null), writer: me.clone() },
                    other: Side { value: Value::Object(values), writer: (*edit).clone() },
                });
            }
        }
        for (column, old, new) in changes.pairs() {
            if let (Some(current), Some(w)) = (out.columns.get(column), writers.get(column)) {
                if w.device_id != e.device_id && current != old && current != new {
                    out.clashes.push(Clash {
                        column: column.to_owned(),
                        deletion: false,
                        kept: Side { value: new.clone(), writer: me.clone() },
                        other: Side { value: current.clone(), writer: w.clone() },
                    });
                }
            }
            out.columns.insert(column.to_owned(), new.clone());
            writers.insert(column.to_owned(), me.clone());
        }
        out.updated_at = e.at.clone();
        out.device_id = e.device_id.clone();
        out.row_version = out.row_version.max(e.row_version);
    }
    Ok(out)
}

fn new_values(changes: &Changes) -> Value {
    Value::Object(changes.new_values().map(|(c, v)| (c.to_owned(), v.clone())).collect())
}

/// The columns a record may be given: the bookkeeping ones are the fold's own.
pub(crate) fn writable(column: &str) -> bool {
    !matches!(column, "id" | "updated_at" | "device_id" | "row_version" | "created_at")
}

/// Writes folded rows of `table` (creating each or replacing the columns it holds; others keep
/// their value or default), rows with the same columns in one statement. `columns` are the
/// table's, from the schema: a column not among them is refused.
pub(crate) async fn put(conn: &mut SqliteConnection, table: &str, columns: &[String], rows: &[(&str, &Folded)]) -> Result<(), String> {
    let mut by_columns: BTreeMap<Vec<&str>, Vec<(&str, &Folded)>> = BTreeMap::new();
    for (id, row) in rows {
        for column in row.columns.keys() {
            if !writable(column) || !columns.iter().any(|c| c == column) {
                return Err(format!("bảng {table}, bản ghi {id}: cột «{column}» không thể ghi"));
            }
        }
        by_columns.entry(row.columns.keys().map(String::as_str).collect()).or_default().push((id, row));
    }
    for (names, rows) in by_columns {
        let all: Vec<&str> = names.iter().copied().chain(["created_at", "updated_at", "device_id", "row_version"]).collect();
        let one = format!("(?{})", ", ?".repeat(all.len()));
        // Under SQLite's limit of 32,766 parameters a statement.
        for chunk in rows.chunks((30_000 / (all.len() + 1)).min(500)) {
            let sql = format!(
                "INSERT INTO {table} (id, {}) VALUES {} ON CONFLICT (id) DO UPDATE SET {}",
                all.join(", "),
                vec![one.as_str(); chunk.len()].join(", "),
                all.iter().map(|c| format!("{c} = excluded.{c}")).collect::<Vec<_>>().join(", ")
            );
            let mut q = sqlx::query(&sql);
            for (id, row) in chunk {
                q = q.bind(id.to_string());
                for name in &names {
                    q = bind(q, &row.columns[*name]);
                }
                q = q.bind(row.created_at.clone()).bind(row.updated_at.clone()).bind(row.device_id.clone()).bind(row.row_version);
            }
            q.execute(&mut *conn).await.map_err(|e| format!("bảng {table}: không ghi được ({e})"))?;
        }
    }
    Ok(())
}

/// The user tables, each after the tables it refers to: rows written in this order refer to rows
/// already there, so SQLite never has to look for the rows waiting on a deferred reference.
pub(crate) async fn in_reference_order(conn: &mut SqliteConnection, tables: &BTreeMap<String, Vec<String>>) -> sqlx::Result<Vec<String>> {
    let mut refers: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for table in tables.keys() {
        let parents: Vec<String> = sqlx::query_scalar("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?)").bind(table).fetch_all(&mut *conn).await?;
        refers.insert(table, parents.into_iter().filter(|p| p != table && tables.contains_key(p)).collect());
    }
    let mut out: Vec<String> = Vec::new();
    while out.len() < refers.len() {
        let ready: Vec<&str> = refers
            .iter()
            .filter(|(t, parents)| !out.iter().any(|o| o == *t) && parents.iter().all(|p| out.contains(p)))
            .map(|(t, _)| *t)
            .collect();
        if ready.is_empty() {
            // A cycle of references (none in the schema): the rest in name order.
            let rest: Vec<String> = refers.keys().filter(|t| !out.iter().any(|o| o == *t)).map(|t| t.to_string()).collect();
            out.extend(rest);
            break;
        }
        out.extend(ready.into_iter().map(str::to_owned));
    }
    Ok(out)
}

/// Every table whose rows users create (those with a tombstone column), with its columns.
pub(crate) async fn user_tables(conn: &mut SqliteConnection) -> sqlx::Result<BTreeMap<String, Vec<String>>> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT m.name FROM sqlite_master m WHERE m.type = 'table'
           AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) c WHERE c.name = 'deleted_at') ORDER BY m.name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut tables = BTreeMap::new();
    for name in names {
        let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info(?) ORDER BY cid").bind(&name).fetch_all(&mut *conn).await?;
        tables.insert(name, columns);
    }
    Ok(tables)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(device: &str, seq: i64, hlc: &str, op: &str, changes: Value, rv: i64) -> LogEntry {
        LogEntry {
            device_id: device.into(),
            seq,
            hlc: hlc.into(),
            table_name: "units".into(),
            record_id: "u".into(),
            op: op.into(),
            changes: changes.to_string(),
            row_version: rv,
            at: format!("at-{hlc}"),
        }
    }

    #[test]
    fn the_later_write_wins_and_the_unseen_value_is_kept_as_a_clash() {
        let entries = [
            entry("a", 1, "1", "insert", json!({"name": [null, "x"], "kind": [null, "agency"]}), 1),
            entry("a", 2, "2", "update", json!({"name": ["x", "y"]}), 2),
            entry("b", 1, "3", "update", json!({"name": ["x", "z"]}), 2),
            entry("b", 2, "4", "update", json!({"kind": ["agency", "agency2"]}), 3),
        ];
        let f = fold(&entries).unwrap();
        assert!(f.exists);
        assert_eq!(f.columns["name"], json!("z"));
        assert_eq!(f.columns["kind"], json!("agency2"));
        assert_eq!((f.created_at.as_str(), f.updated_at.as_str(), f.device_id.as_str(), f.row_version), ("at-1", "at-4", "b", 3));
        assert_eq!(f.clashes.len(), 1, "{:?}", f.clashes);
        let c = &f.clashes[0];
        assert_eq!((c.column.as_str(), &c.kept.value, &c.other.value, c.other.writer.seq), ("name", &json!("z"), &json!("y"), 2));
    }

    #[test]
    fn a_write_made_on_top_of_the_value_is_no_clash_and_order_of_arrival_does_not_matter() {
        let entries = [
            entry("a", 1, "1", "insert", json!({"name": [null, "x"]}), 1),
            entry("b", 1, "2", "update", json!({"name": ["x", "y"]}), 2),
            entry("a", 2, "3", "update", json!({"name": ["y", "w"]}), 3),
        ];
        let f = fold(&entries).unwrap();
        assert_eq!(f.columns["name"], json!("w"));
        assert!(f.clashes.is_empty());
        assert!(!fold(&entries[1..]).unwrap().exists, "an edit without the creation makes no row");
    }

    #[tokio::test]
    async fn tables_come_after_the_tables_they_refer_to() {
        let options = sqlx::sqlite::SqliteConnectOptions::new().in_memory(true);
        let pool = sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect_with(options).await.unwrap();
        super::super::MIGRATOR.run(&pool).await.unwrap();
        let mut conn = pool.acquire().await.unwrap();
        let tables = user_tables(&mut conn).await.unwrap();
        let order = in_reference_order(&mut conn, &tables).await.unwrap();
        assert_eq!(order.len(), tables.len());
        let at = |t: &str| order.iter().position(|x| x == t).unwrap();
        for (parent, child) in [("units", "children"), ("children", "child_circumstances"), ("plans", "plan_nodes"), ("plan_nodes", "assignments"), ("files", "evidence"), ("cases", "case_steps"), ("users", "devices")] {
            assert!(at(parent) < at(child), "{parent} before {child}: {order:?}");
        }
    }

    #[test]
    fn an_edit_and_a_deletion_that_did_not_see_each_other_clash_either_way() {
        let insert = entry("a", 1, "1", "insert", json!({"name": [null, "x"]}), 1);
        let delete = entry("a", 2, "2", "delete", json!({"deleted_at": [null, "t"]}), 2);
        let edit = entry("b", 1, "3", "update", json!({"name": ["x", "y"]}), 2);
        let f = fold(&[insert.clone(), delete.clone(), edit.clone()]).unwrap();
        assert_eq!(f.columns["deleted_at"], json!("t"));
        assert_eq!(f.columns["name"], json!("y"));
        assert_eq!(f.clashes.len(), 1);
        assert!(f.clashes[0].deletion);
        // The edit first in clock order, the deletion after it without having seen it.
        let edit = entry("b", 1, "2", "update", json!({"name": ["x", "y"]}), 2);
        let delete = entry("a", 2, "3", "delete", json!({"deleted_at": [null, "t"]}), 2);
        let f = fold(&[insert.clone(), edit, delete]).unwrap();
        assert_eq!(f.clashes.len(), 1);
        assert_eq!(f.clashes[0].other.value, json!({"name": "y"}));
        // A deletion that saw the edit is no clash.
        let edit = entry("b", 1, "2", "update", json!({"name": ["x", "y"]}), 2);
        let delete = entry("a", 2, "3", "delete", json!({"deleted_at": [null, "t"]}), 3);
        assert!(fold(&[insert, edit, delete]).unwrap().clashes.is_empty());
    }
}
