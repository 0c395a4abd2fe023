//! The hash chain of the change log: each entry's hash covers its content and the hash of the
//! same device's previous entry, so an entry altered or removed breaks the chain from there
//! (one chain per device, so that entries arriving from other laptops keep theirs). This
//! laptop's last entry is also noted in `meta`, so that entries cut off the end are missed.

use sha2::{Digest, Sha256};
use sqlx::query::Query;
use sqlx::sqlite::{Sqlite, SqliteArguments};
use sqlx::SqliteConnection;

use crate::Result;

/// The fields of one entry that its hash covers.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize, serde::Deserialize)]
pub struct Link {
    /// The device that wrote it.
    pub device_id: String,
    /// Its sequence on that device.
    pub seq: i64,
    /// The clock reading.
    pub hlc: String,
    /// The table.
    pub table_name: String,
    /// The record.
    pub record_id: String,
    /// insert, update, delete or event.
    pub op: String,
    /// An event's kind.
    pub event: Option<String>,
    /// The changes (or an event's details), as stored.
    pub changes: String,
    /// Who (account id).
    pub user_id: String,
    /// Who (name).
    pub user_name: String,
    /// From where.
    pub source: String,
    /// When.
    pub at: String,
    /// The row version produced.
    pub row_version: i64,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

impl Link {
    /// The hash this entry should carry, given the previous entry's.
    pub fn expected_hash(&self) -> String {
        let content = serde_json::json!([
            self.prev_hash, self.device_id, self.seq, self.hlc, self.table_name, self.record_id, self.op,
            self.event, self.changes, self.user_id, self.user_name, self.source, self.at, self.row_version
        ]);
        hex::encode(Sha256::digest(content.to_string().as_bytes()))
    }
}

/// `INSERT INTO change_log` of `n` links; bind each with [`bind`].
pub(crate) fn insert_sql(n: usize) -> String {
    let one = format!("({})", vec!["?"; 15].join(", "));
    format!("INSERT INTO change_log ({LINK_COLUMNS}) VALUES {}", vec![one.as_str(); n].join(", "))
}

/// Binds a link's fields in the order of [`LINK_COLUMNS`].
pub(crate) fn bind<'q>(q: Query<'q, Sqlite, SqliteArguments<'q>>, link: &'q Link) -> Query<'q, Sqlite, SqliteArguments<'q>> {
    q.bind(&link.device_id)
        .bind(link.seq)
        .bind(&link.hlc)
        .bind(&link.table_name)
        .bind(&link.record_id)
        .bind(&link.op)
        .bind(&link.event)
        .bind(&link.changes)
        .bind(&link.user_id)
        .bind(&link.user_name)
        .bind(&link.source)
        .bind(&link.at)
        .bind(link.row_version)
        .bind(&link.prev_hash)
        .bind(&link.hash)
}

/// The columns of a [`Link`], for `SELECT`.
pub const LINK_COLUMNS: &str =
    "device_id, seq, hlc, table_name, record_id, op, event, changes, user_id, user_name, source, at, row_version, prev_hash, hash";

/// Every entry, each device's in sequence.
pub async fn all_links(conn: &mut SqliteConnection) -> Result<Vec<Link>> {
    Ok(sqlx::query_as::<_, Link>(&format!("SELECT {LINK_COLUMNS} FROM change_log ORDER BY device_id, seq")).fetch_all(conn).await?)
}

/// The `meta` key noting a device's last entry as "seq:hash".
pub(super) fn head_key(device_id: &str) -> String {
    format!("chain_head:{device_id}")
}

/// This laptop's last entries as noted beside the log: device → (seq, hash).
pub async fn noted_heads(conn: &mut SqliteConnection) -> Result<Vec<(String, i64, String)>> {
    let rows: Vec<(String, String)> = sqlx::query_as(r"SELECT key, value FROM meta WHERE key LIKE 'chain\_head:%' ESCAPE '\'").fetch_all(conn).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(k, v)| {
            let (seq, hash) = v.split_once(':')?;
            Some((k.strip_prefix("chain_head:")?.to_owned(), seq.parse().ok()?, hash.to_owned()))
        })
        .collect())
}

/// The hash of this device's last entry ('' before its first).
pub(super) async fn head(conn: &mut SqliteConnection, device_id: &str) -> Result<String> {
    Ok(sqlx::query_scalar::<_, String>("SELECT hash FROM change_log WHERE device_id = ? ORDER BY seq DESC LIMIT 1")
        .bind(device_id)
        .fetch_optional(conn)
        .await?
        .unwrap_or_default())
}

/// Chains, once, the entries written before the log had hashes (a database from an older
/// version), in one transaction, each device's in sequence. Done once for a database (noted in
/// `meta`): an entry whose hash is blanked later is a break, not something to chain again.
pub(super) async fn chain_once(pool: &sqlx::SqlitePool) -> Result<()> {
    let done: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'log_chained'").fetch_optional(pool).await?;
    if done.is_some() {
        return Ok(());
    }
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let links = sqlx::query_as::<_, Link>(&format!("SELECT {LINK_COLUMNS} FROM change_log ORDER BY device_id, seq"))
        .fetch_all(&mut *tx)
        .await?;
    let mut prev: Option<(String, String)> = None;
    for mut link in links {
        let prev_hash = match &prev {
            Some((device, hash)) if *device == link.device_id => hash.clone(),
            _ => String::new(),
        };
        if link.hash.is_empty() {
            link.prev_hash = prev_hash;
            link.hash = link.expected_hash();
            sqlx::query("UPDATE change_log SET prev_hash = ?, hash = ? WHERE device_id = ? AND seq = ?")
                .bind(&link.prev_hash)
                .bind(&link.hash)
                .bind(&link.device_id)
                .bind(link.seq)
                .execute(&mut *tx)
                .await?;
        }
        prev = Some((link.device_id, link.hash));
    }
    sqlx::query("INSERT INTO meta (key, value) VALUES ('log_chained', '1')").execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}
