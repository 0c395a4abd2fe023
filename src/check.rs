//! The health check of a database (`treem check`): SQLite's own integrity check, every kept file
//! against its hash, and the change log replayed into an empty schema and compared with every
//! table.

use crate::auth::{Actor, Need};
use crate::store::{self, Replayed};
use crate::{files, Result, Store};

/// What the check found.
#[derive(Debug, Clone)]
pub struct Report {
    /// SQLite's `integrity_check` lines; `["ok"]` when whole.
    pub integrity: Vec<String>,
    /// Files kept.
    pub files: usize,
    /// Kept files missing or changed.
    pub damaged_files: Vec<String>,
    /// The replay of the change log.
    pub replay: Replayed,
}

impl Report {
    /// The first thing wrong, in Vietnamese; `None` when everything holds.
    pub fn first_problem(&self) -> Option<String> {
        if self.integrity != ["ok"] {
            return Some(format!("SQLite báo tệp dữ liệu hỏng: {}", self.integrity.join("; ")));
        }
        if let Some(f) = self.damaged_files.first() {
            return Some(format!("Tệp lưu trữ bị mất hoặc bị thay đổi: {f}"));
        }
        self.replay.difference.as_ref().map(|d| format!("Dựng lại từ nhật ký thay đổi không khớp: {d}"))
    }
}

/// Runs the three checks.
pub async fn run(store: &Store, actor: &Actor) -> Result<Report> {
    actor.require(Need::ReadAudit)?;
    let integrity: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(store.pool()).await?;
    let (files, damaged_files) = files::damaged(store).await?;
    let replay = store::replay(store.pool()).await?;
    Ok(Report { integrity, files, damaged_files, replay })
}
