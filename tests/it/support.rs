//! Shared helpers: a fresh encrypted database in a temporary folder, with its officer logged in.

use treem::auth::{self, Actor, NewUser, UserRole};
use treem::{demo, Store};

/// The password of every account the tests make.
pub const PASSWORD: &str = "đồng hồ cát xanh lá";

pub struct TempStore {
    pub store: Store,
    pub officer: Actor,
    pub dir: tempfile::TempDir,
}

impl TempStore {
    pub fn db_path(&self) -> std::path::PathBuf {
        self.dir.path().join("treem.db")
    }

    /// Adds an account of `role` and logs it in: an office role on a second connection to this
    /// laptop, a collaborator on a laptop joined for them (in a folder of this one's), which
    /// holds their residential group only.
    pub async fn user(&self, login: &str, role: UserRole, group_unit_id: Option<&str>) -> (Store, Actor) {
        let collaborator = role == UserRole::Collaborator;
        let new = NewUser { login, name: login, role, group_unit_id, password: if collaborator { "" } else { PASSWORD } };
        auth::add_user(&self.store, &self.officer, new).await.expect("account added");
        if !collaborator {
            return auth::log_in(&self.db_path(), login, PASSWORD).await.expect("logs in");
        }
        let invitation = treem::sync::join::invite(&self.store, &self.officer, &format!("Máy của {login}"), login).await.expect("laptop invited");
        let db = self.dir.path().join(format!("may-{login}/treem.db"));
        treem::sync::join::join(&db, &invitation.bytes, &invitation.passphrase, PASSWORD).await.expect("laptop joined")
    }
}

pub async fn empty() -> TempStore {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, officer, _) = auth::set_up(&dir.path().join("treem.db"), "canbo", "Nguyễn Thị Hoa", PASSWORD).await.expect("first start");
    TempStore { store, officer, dir }
}

pub async fn demo() -> TempStore {
    let t = empty().await;
    assert!(demo::load(&t.store, &t.officer).await.expect("demo loads"));
    t
}

/// Row counts of every table, to prove that a refused operation wrote nothing.
pub async fn row_counts(store: &Store) -> Vec<(String, i64)> {
    let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY name")
        .fetch_all(store.pool())
        .await
        .unwrap();
    let mut out = vec![];
    for t in tables {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t}")).fetch_one(store.pool()).await.unwrap();
        out.push((t, n));
    }
    out
}

pub fn seed_draft() -> treem::plan::import::PlanDraft {
    treem::plan::import::parse(demo::SEED_PLAN).expect("seed parses")
}

/// An unencrypted database as an older version left it: every migration before `version`
/// applied (the migrations are copied to `dir`), in WAL mode, foreign keys on.
pub async fn database_before(dir: &std::path::Path, version: &str) -> (std::path::PathBuf, sqlx::SqlitePool) {
    let old = dir.join("migrations");
    std::fs::create_dir(&old).unwrap();
    for entry in std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.as_str() < version {
            std::fs::copy(&path, old.join(&name)).unwrap();
        }
    }
    let db = dir.join("treem.db");
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&db)
        .create_if_missing(true)
        .foreign_keys(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    sqlx::migrate::Migrator::new(old.as_path()).await.unwrap().run(&pool).await.unwrap();
    (db, pool)
}
