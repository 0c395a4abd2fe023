//! The one way into the database: opening (WAL, foreign keys, busy timeout, migrations), the
//! single writer, and the change log that every write appends to in the same transaction.
//!
//! # The change log is the truth
//! A [`Write`] is one user action: one `BEGIN IMMEDIATE` transaction. Its only calls that change
//! a user table are [`Write::insert`], [`Write::update`] and [`Write::tombstone`]: each writes
//! the row, stamps `updated_at`, `device_id` and `row_version`, and appends to the change log
//! exactly the columns it wrote, old and new, with the row version produced and a
//! [hybrid logical clock](hlc) reading. A row is the [fold](fold) of its entries in clock order
//! (the latest write of each field wins; the row version is the highest any entry produced, so
//! each write takes it past every one it has seen): [`replay`] folds every record into an empty
//! schema and `treem check` compares the result with the database; a sync import folds the
//! records it touches.
//!
//! # Ids that merge
//! Most records get a UUID v7. A record that two laptops may create on their own for the same
//! thing gets an id derived from its natural key ([`natural_id`], UUID v5), so both copies are
//! one record when the laptops meet:
//!
//! | table | natural key |
//! |---|---|
//! | `ward` | the one ward of the database |
//! | `units` | the unit's name (folded) |
//! | `signers` | the signer's name (folded) |
//! | `plans` | the year |
//! | `plan_nodes` | the plan and the node's position in it |
//! | `assignments` | the activity and the unit (also `UNIQUE`) |
//! | `report_deadlines` | the plan and the period (also `UNIQUE`) |
//! | `unit_reports` | the deadline and the unit (also `UNIQUE`) |
//! | `trusted_authorities` | the certificate's SHA-256 fingerprint (also `UNIQUE`) |
//! | `calendar_days` | the day |
//! | `calendar_notices` | the year |
//! | the demo's cases, injuries and checks, with their steps, documents and files | the order the demo writes them in ([`with_seeded_ids`]) |
//! | `devices` | the laptop's own device id |
//! | `sync_conflicts` | the record, the field and the two entries' clock readings |
//!
//! When the natural id is already taken by another record (a unit renamed away from the name,
//! a second plan for the same year), the new record gets a fresh UUID v7: it is a different
//! thing that happens to share the key, and must not overwrite the first.

pub(crate) mod anchor;
pub mod chain;
mod changelog;
pub(crate) mod fold;
pub mod hlc;
mod replay;
mod row;
pub mod writable;

pub use changelog::{history, ChangeEntry, Changes, Op};
pub use replay::{replay, Difference, Replayed};
pub use row::Cols;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqliteConnection, Transaction};
use tokio::sync::{Mutex, MutexGuard};

use crate::auth::keyring::MasterKey;
use crate::auth::Actor;
use crate::{Error, Result};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The version of the newest migration this app knows: a database past it was written by a
/// newer app.
pub(crate) fn newest_migration() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Leaves OpenSSL's cleaning up to the operating system. SQLCipher's OpenSSL would otherwise
/// free its state when the process exits, while sqlx's connection threads may still be closing
/// their databases with it — a corrupted heap at exit. Called before any database is opened;
/// only the first call to OpenSSL's initialisation decides.
pub(crate) fn keep_openssl_at_exit() {
    extern "C" {
        fn OPENSSL_init_crypto(opts: u64, settings: *const std::ffi::c_void) -> std::ffi::c_int;
    }
    const OPENSSL_INIT_NO_ATEXIT: u64 = 0x0008_0000;
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: OpenSSL's documented initialisation call, with no settings.
    ONCE.call_once(|| unsafe {
        OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, std::ptr::null());
    });
}

labelled_enum! {
    /// Where a write comes from, so a window can refresh without echoing its own change.
    pub enum Source {
        /// A person in the window.
        Window = ("window", "trên cửa sổ"),
        /// The plan importer or the demo loader.
        Import = ("import", "khi nhập"),
        /// The command line.
        Cli = ("cli", "dòng lệnh"),
        /// Another laptop's change log.
        Sync = ("sync", "đồng bộ"),
    }
}

/// An open database: the pool, this laptop's device id, the data folder and the master key
/// (held only while the store is open: closing or dropping it erases the key from the store;
/// the connections' `PRAGMA key` text lives in sqlx's options until the pool is gone).
pub struct Store {
    pool: SqlitePool,
    device_id: String,
    db_path: PathBuf,
    data_dir: PathBuf,
    key: MasterKey,
    writer: Mutex<()>,
    /// The register of children held in memory for search, rebuilt when it changes.
    children: crate::children::index::Cache,
    /// Whether every page of the file is as SQLCipher wrote it and its log reaches the anchor
    /// (checked once after opening, in the background; the first write waits for it): `Err`
    /// holds what was found.
    pages: std::sync::Arc<tokio::sync::OnceCell<std::result::Result<(), String>>>,
    /// Held, shared, while the store is open (see [`open_alone`]).
    _open: std::fs::File,
}

/// Sets a setting of this laptop's own (`meta`, never synced) on `conn`: inside a write, it is
/// saved with the write.
pub(crate) async fn set_meta(conn: &mut SqliteConnection, key: &str, value: &str) -> Result<()> {
    sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(key)
        .bind(value)
        .execute(conn)
        .await?;
    Ok(())
}

/// The lock beside a database (`treem.db-open`) that every open store holds, shared.
fn open_lock(db_path: &Path) -> Result<std::fs::File> {
    let mut name = db_path.as_os_str().to_owned();
    name.push("-open");
    let path = PathBuf::from(name);
    std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(|e| Error::file(&path, e))
}

/// The database's lock held alone, or `None` while another store — in this process or another —
/// has it open: a change of key, which replaces the file, is made only then. Stores opened
/// meanwhile wait for it.
pub(crate) fn open_alone(db_path: &Path) -> Result<Option<std::fs::File>> {
    let file = open_lock(db_path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(file)),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => Err(Error::file(db_path, e)),
    }
}

/// Checks every page of the database against its authentication code (SQLCipher's
/// `cipher_integrity_check`): a page changed on disk, by a failing disk or by hand, is found
/// before anything is written over it. An error reading is not damage: it is the next
/// operation's to report.
async fn pages_whole(pool: &SqlitePool) -> std::result::Result<(), String> {
    match sqlx::query_scalar::<_, String>("PRAGMA cipher_integrity_check").fetch_all(pool).await {
        Ok(found) if !found.is_empty() => Err(format!("trang hỏng: {}", found.into_iter().take(3).collect::<Vec<_>>().join("; "))),
        _ => Ok(()),
    }
}

/// Whether the file is whole: its pages, then its log against the [anchor](anchor) kept
/// outside it.
async fn file_whole(pool: &SqlitePool, db_path: &Path, key: &MasterKey, device_id: &str) -> std::result::Result<(), String> {
    pages_whole(pool).await?;
    let noted = match sqlx::query_scalar::<_, String>("SELECT value FROM meta WHERE key = ?").bind(chain::head_key(device_id)).fetch_optional(pool).await {
        Ok(noted) => noted.and_then(|v| v.split(':').next().and_then(|seq| seq.parse::<i64>().ok())),
        Err(_) => return Ok(()),
    };
    anchor::lost(db_path, key, device_id, noted).map_or(Ok(()), Err)
}

impl Store {
    /// Opens (creating if needed) the encrypted database at `path` with the ward's master key,
    /// applies migrations and loads the device id. Files the app keeps (evidence, reports) go
    /// in a `files/` folder beside it. People open it by logging in ([`crate::auth::log_in`]).
    pub async fn open(path: impl AsRef<Path>, key: &MasterKey) -> Result<Store> {
        Store::open_as(path, key, None).await
    }

    /// Opens as [`Store::open`]; a new database takes `device_id` (a laptop joining the ward,
    /// whose id the office gave it) rather than a fresh one.
    pub(crate) async fn open_as(path: impl AsRef<Path>, key: &MasterKey, device_id: Option<&str>) -> Result<Store> {
        keep_openssl_at_exit();
        let path = path.as_ref();
        let data_dir = crate::data_dir_of(path);
        std::fs::create_dir_all(&data_dir).map_err(|e| Error::file(&data_dir, e))?;
        let open = open_lock(path)?;
        open.lock_shared().map_err(|e| Error::file(path, e))?;
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .pragma("key", key.sqlcipher_pragma())
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a commit the app reported is on disk before it says so, also across a power
            // cut (NORMAL in WAL mode may lose the last transactions). `benches/` measures the
            // cost: see the README's Performance section.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new().max_connections(4).connect_with(options).await?;
        MIGRATOR.run(&pool).await?;
        chain::chain_once(&pool).await?;
        let device_id = match sqlx::query_scalar::<_, String>("SELECT value FROM meta WHERE key = 'device_id'")
            .fetch_optional(&pool)
            .await?
        {
            Some(id) => id,
            None => {
                let id = device_id.map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned);
                sqlx::query("INSERT INTO meta (key, value) VALUES ('device_id', ?)").bind(&id).execute(&pool).await?;
                id
            }
        };
        let pages: std::sync::Arc<tokio::sync::OnceCell<_>> = Default::default();
        let (cell, checked, at, with, device) = (pages.clone(), pool.clone(), path.to_path_buf(), key.clone(), device_id.clone());
        tokio::spawn(async move {
            cell.get_or_init(|| file_whole(&checked, &at, &with, &device)).await;
        });
        Ok(Store { pool, device_id, db_path: path.to_path_buf(), data_dir, key: key.clone(), writer: Mutex::new(()), children: Default::default(), pages, _open: open })
    }

    /// What the check after opening found damaged — pages, or committed changes lost (the log
    /// behind the anchor); `None` when the file is whole.
    pub async fn damaged_pages(&self) -> Option<String> {
        self.pages.get_or_init(|| file_whole(&self.pool, &self.db_path, &self.key, &self.device_id)).await.clone().err()
    }

    /// The in-memory search index of the register of children.
    pub(crate) fn children_cache(&self) -> &crate::children::index::Cache {
        &self.children
    }

    /// The pool. The domain functions read through it after checking who acts; nothing else
    /// should (tests and `treem check` look at raw rows with it).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The database file.
    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    pub(crate) fn key(&self) -> &MasterKey {
        &self.key
    }

    /// This laptop's id in the change log.
    pub fn device_id(&self) -> &str {
        &self.device_id
    }

    /// The folder beside the database that holds the files the app keeps.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Starts the one write transaction allowed at a time. `BEGIN IMMEDIATE` takes SQLite's
    /// write lock at once, so what the action reads before it writes cannot change under it.
    /// The log names `actor` as who made every entry of it.
    pub async fn write(&self, actor: &Actor, source: Source) -> Result<Write<'_>> {
        if let Some(found) = self.damaged_pages().await {
            return Err(Error::DamagedPages(found));
        }
        let turn = self.writer.lock().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let at = Utc::now();
        Ok(Write {
            tx,
            _turn: turn,
            store: self,
            source,
            user_id: actor.id().to_owned(),
            user_name: actor.name().to_owned(),
            at,
            stamp: stamp(at),
            next_seq: None,
            clock: None,
            head: None,
        })
    }

    /// A preference of this laptop, if set and not empty.
    pub async fn preference(&self, key: &str) -> Result<Option<String>> {
        let value: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = ?").bind(key).fetch_optional(&self.pool).await?;
        Ok(value.filter(|v| !v.is_empty()))
    }

    /// Sets a preference of this laptop (kept beside the device id in `meta`; not a user
    /// record, so neither logged nor synced).
    pub async fn set_preference(&self, key: &str, value: &str) -> Result<()> {
        set_meta(&mut *self.pool.acquire().await?, key, value).await
    }

    /// Closes the pool, checkpointing the WAL.
    pub async fn close(self) {
        // sqlx's close can return while a connection being handed back lands in the idle queue;
        // left there, it would close later on a thread of its own, holding the file open
        // meanwhile. Closing again closes it.
        for _ in 0..200 {
            self.pool.close().await;
            if self.pool.size() == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// One write transaction: everything in it lands together with its change-log entries, or nothing.
pub struct Write<'s> {
    tx: Transaction<'static, Sqlite>,
    _turn: MutexGuard<'s, ()>,
    store: &'s Store,
    source: Source,
    user_id: String,
    user_name: String,
    at: DateTime<Utc>,
    stamp: String,
    next_seq: Option<i64>,
    clock: Option<hlc::Hlc>,
    /// The hash of this device's last entry, which the next entry chains to.
    head: Option<String>,
}

impl<'s> Write<'s> {
    /// The connection of the transaction, for reads. Writes to user tables go through
    /// [`Write::insert`], [`Write::update`] and [`Write::tombstone`].
    pub fn conn(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }

    /// The instant of this write.
    pub fn now(&self) -> DateTime<Utc> {
        self.at
    }

    /// The instant of this write as stored in `created_at`, `updated_at` and the log.
    pub fn stamp(&self) -> &str {
        &self.stamp
    }

    /// The device that makes this write.
    pub fn device_id(&self) -> &str {
        &self.store.device_id
    }

    /// The store this write belongs to.
    pub fn store(&self) -> &'s Store {
        self.store
    }

    /// Records an event that changes no record (a login, a lock, an export, a look at a
    /// sensitive record) in the change log, which is also the audit trail.
    pub async fn event(&mut self, table: &str, record_id: &str, event: crate::audit::Event, details: serde_json::Value) -> Result<()> {
        self.append(table, record_id, "event", Some(event.as_str()), details.to_string(), 0).await
    }

    /// Appends one entry to the change log: the next sequence of this device, the next clock
    /// reading, and the row version the write produced.
    async fn log(&mut self, table: &str, record_id: &str, op: Op, changes: &Changes, row_version: i64) -> Result<()> {
        self.append(table, record_id, op.as_str(), None, changes.to_json(), row_version).await
    }

    async fn append(&mut self, table: &str, record_id: &str, op: &str, event: Option<&str>, changes: String, row_version: i64) -> Result<()> {
        crate::failpoint::hit();
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
        let last = match self.clock {
            Some(c) => c,
            None => {
                let max: Option<String> = sqlx::query_scalar("SELECT MAX(hlc) FROM change_log").fetch_one(&mut *self.tx).await?;
                max.as_deref().and_then(hlc::Hlc::decode).unwrap_or_default()
            }
        };
        let clock = last.tick(Utc::now().timestamp_millis());
        self.clock = Some(clock);
        let prev_hash = match self.head.take() {
            Some(h) => h,
            None => chain::head(&mut self.tx, &self.store.device_id).await?,
        };
        let mut link = chain::Link {
            device_id: self.store.device_id.clone(),
            seq,
            hlc: clock.encode(&self.store.device_id),
            table_name: table.to_owned(),
            record_id: record_id.to_owned(),
            op: op.to_owned(),
            event: event.map(str::to_owned),
            changes,
            user_id: self.user_id.clone(),
            user_name: self.user_name.clone(),
            source: self.source.as_str().to_owned(),
            at: self.stamp.clone(),
            row_version,
            prev_hash,
            hash: String::new(),
        };
        link.hash = link.expected_hash();
        chain::bind(sqlx::query(&chain::insert_sql(1)), &link)
        .execute(&mut *self.tx)
        .await?;
        self.head = Some(link.hash);
        Ok(())
    }

    /// Commits the transaction, noting this laptop's last entry beside the log.
    pub async fn commit(mut self) -> Result<()> {
        if let (Some(head), Some(next)) = (&self.head, self.next_seq) {
            sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(chain::head_key(&self.store.device_id))
                .bind(format!("{}:{head}", next - 1))
                .execute(&mut *self.tx)
                .await?;
        }
        self.tx.commit().await?;
        if let (Some(head), Some(next)) = (&self.head, self.next_seq) {
            // The change is saved whatever becomes of the anchor: one left behind only finds less,
            // and reporting a failure here would have the person save it twice.
            let _ = anchor::write(&self.store.db_path, &self.store.key, &self.store.device_id, next - 1, head);
        }
        Ok(())
    }
}

tokio::task_local! {
    /// While set, new ids are derived from this seed and a counter: [`with_seeded_ids`].
    static SEEDED: (String, std::cell::Cell<u64>);
}

/// A new record id: UUID v7, so ids sort by creation time — or, inside [`with_seeded_ids`],
/// the next id of its seed.
pub fn new_id() -> String {
    SEEDED
        .try_with(|(seed, n)| {
            let i = n.get();
            n.set(i + 1);
            natural_id("seeded", &[seed, &i.to_string()])
        })
        .unwrap_or_else(|_| uuid::Uuid::now_v7().to_string())
}

/// Runs `work` with every new id derived from `seed` and the order it is asked in, so that two
/// laptops doing the same work (loading the demo's cases) make the same records.
pub async fn with_seeded_ids<F: std::future::Future>(seed: &str, work: F) -> F::Output {
    SEEDED.scope((seed.to_owned(), std::cell::Cell::new(0)), work).await
}

/// The namespace of the app's natural ids.
const NATURAL_ID_NAMESPACE: uuid::Uuid = uuid::uuid!("6f0c1b1e-4a53-4b0e-9a57-2b8f3c7d9e10");

/// The id of a record that two laptops may create on their own: a UUID v5 of its kind and its
/// natural key, so the two copies are the same record (see the table in this module's docs).
pub fn natural_id(kind: &str, key: &[&str]) -> String {
    let mut name = kind.to_owned();
    for part in key {
        name.push('\u{1f}');
        name.push_str(part);
    }
    uuid::Uuid::new_v5(&NATURAL_ID_NAMESPACE, name.as_bytes()).to_string()
}

/// The one textual form of an instant in the database and the log (RFC 3339, UTC, microseconds).
pub fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}
