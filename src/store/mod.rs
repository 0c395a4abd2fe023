//! The one way into the database: opening (WAL, foreign keys, busy timeout, migrations), the
//! single writer, and the change log that every write appends to in the same transaction.

mod changelog;

pub use changelog::{history, ChangeEntry, Changes, Op};

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqliteConnection, Transaction};
use tokio::sync::{Mutex, MutexGuard};
use ts_rs::TS;

use crate::{Error, Result};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Where a write comes from, so a window can refresh without echoing its own change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Source {
    /// A person in the window.
    Window,
    /// The plan importer or the demo loader.
    Import,
    /// The command line.
    Cli,
    /// Another laptop's change log.
    Sync,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Window => "window",
            Source::Import => "import",
            Source::Cli => "cli",
            Source::Sync => "sync",
        }
    }
}

/// An open database: the pool, this laptop's device id, the user, the data folder.
pub struct Store {
    pool: SqlitePool,
    device_id: String,
    user: String,
    data_dir: PathBuf,
    writer: Mutex<()>,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, applies migrations and loads the
    /// device id. Files the app keeps (evidence, reports) go in a `files/` folder beside it.
    pub async fn open(path: impl AsRef<Path>) -> Result<Store> {
        let path = path.as_ref();
        let data_dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
        std::fs::create_dir_all(&data_dir).map_err(|e| Error::file(&data_dir, e))?;
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        MIGRATOR.run(&pool).await?;
        let device_id = match sqlx::query_scalar::<_, String>("SELECT value FROM meta WHERE key = 'device_id'")
            .fetch_optional(&pool)
            .await?
        {
            Some(id) => id,
            None => {
                let id = uuid::Uuid::now_v7().to_string();
                sqlx::query("INSERT INTO meta (key, value) VALUES ('device_id', ?)").bind(&id).execute(&pool).await?;
                id
            }
        };
        let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "cán bộ".into());
        Ok(Store { pool, device_id, user, data_dir, writer: Mutex::new(()) })
    }

    /// The pool, for reads.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// This laptop's id in the change log.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The folder beside the database that holds the files the app keeps.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Starts the one write transaction allowed at a time.
    pub async fn write(&self, source: Source) -> Result<Write<'_>> {
        let turn = self.writer.lock().await;
        let tx = self.pool.begin().await?;
        Ok(Write { tx, _turn: turn, store: self, source, at: Utc::now(), next_seq: None })
    }

    /// Closes the pool, checkpointing the WAL.
    pub async fn close(self) {
        self.pool.close().await;
    }
}

/// One write transaction: everything in it lands together with its change-log entries, or nothing.
pub struct Write<'s> {
    tx: Transaction<'static, Sqlite>,
    _turn: MutexGuard<'s, ()>,
    store: &'s Store,
    source: Source,
    at: DateTime<Utc>,
    next_seq: Option<i64>,
}

impl<'s> Write<'s> {
    /// The connection of the transaction.
    pub fn conn(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }

    /// The instant of this write, stored in `created_at`/`updated_at`.
    pub fn now(&self) -> DateTime<Utc> {
        self.at
    }

    /// The device that makes this write.
    pub fn device_id(&self) -> &str {
        &self.store.device_id
    }

    /// The store this write belongs to.
    pub fn store(&self) -> &'s Store {
        self.store
    }

    /// Appends one entry to the change log.
    pub async fn log(&mut self, table: &str, record_id: &str, op: Op, changes: Changes) -> Result<()> {
        let seq = match self.next_seq {
            Some(seq) => seq,
            None => {
                sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(seq), 0) + 1 FROM change_log WHERE device_id = ?")
                    .bind(&self.store.device_id)
                    .fetch_one(&mut *self.tx)
                    .await?
            }
        };
        self.next_seq = Some(seq + 1);
        sqlx::query(
            "INSERT INTO change_log (device_id, seq, table_name, record_id, op, changes, user_name, source, at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&self.store.device_id)
        .bind(seq)
        .bind(table)
        .bind(record_id)
        .bind(op.as_str())
        .bind(changes.to_json())
        .bind(&self.store.user)
        .bind(self.source.as_str())
        .bind(self.at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    /// Commits the transaction.
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}

/// A new record id: UUID v7, so ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
