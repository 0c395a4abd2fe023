//! Shared helpers: a fresh database in a temporary folder.

use treem::{demo, Store};

pub struct TempStore {
    pub store: Store,
    pub dir: tempfile::TempDir,
}

impl TempStore {
    pub fn db_path(&self) -> std::path::PathBuf {
        self.dir.path().join("treem.db")
    }
}

pub async fn empty() -> TempStore {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path().join("treem.db")).await.expect("open store");
    TempStore { store, dir }
}

pub async fn demo() -> TempStore {
    let t = empty().await;
    assert!(demo::load(&t.store).await.expect("demo loads"));
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
