//! Shared helpers: a fresh encrypted database in a temporary folder, with its officer logged in.

use treem::auth::{self, Actor, NewUser, UserRole};
use treem::{demo, Store};

/// The password of every account the tests make.
pub const PASSWORD: &str = "mật khẩu thử";

pub struct TempStore {
    pub store: Store,
    pub officer: Actor,
    pub dir: tempfile::TempDir,
}

impl TempStore {
    pub fn db_path(&self) -> std::path::PathBuf {
        self.dir.path().join("treem.db")
    }

    /// Adds an account of `role` and logs it in on a second connection.
    pub async fn user(&self, login: &str, role: UserRole, group_unit_id: Option<&str>) -> (Store, Actor) {
        let new = NewUser { login, name: login, role, group_unit_id, password: PASSWORD };
        auth::add_user(&self.store, &self.officer, new).await.expect("account added");
        auth::log_in(&self.db_path(), login, PASSWORD).await.expect("logs in")
    }
}

pub async fn empty() -> TempStore {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, officer) = auth::set_up(&dir.path().join("treem.db"), "canbo", "Nguyễn Thị Hoa", PASSWORD).await.expect("first start");
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
