//! The health check of a database (`treem check`, and on every start without the replay):
//! SQLite's own integrity check, the audit trail's hash chains, every kept file against its
//! hash, and the change log replayed into an empty schema and compared with every table.

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
    /// The audit trail's chains.
    pub chains: crate::audit::ChainCheck,
    /// The replay of the change log (none in the quick check on start).
    pub replay: Option<Replayed>,
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
        if let Some(b) = self.chains.breaks.first() {
            return Some(format!("Nhật ký truy cập bị sửa hoặc xóa: máy {}, mục {}: {}", b.device_id, b.seq, b.reason));
        }
        self.replay.as_ref()?.difference.as_ref().map(|d| format!("Dựng lại từ nhật ký thay đổi không khớp: {d}"))
    }
}

/// Runs every check.
pub async fn run(store: &Store, actor: &Actor) -> Result<Report> {
    actor.require(Need::Sync)?;
    let mut report = quick(store).await?;
    report.replay = Some(store::replay(store.pool()).await?);
    Ok(report)
}

/// The check made on every start: all but the replay, which takes longer on a large database.
/// Anyone logged in may be told their data is damaged.
pub async fn quick(store: &Store) -> Result<Report> {
    let integrity: Vec<String> = match store.damaged_pages().await {
        Some(found) => vec![found],
        None => sqlx::query_scalar("PRAGMA integrity_check").fetch_all(store.pool()).await?,
    };
    let (files, damaged_files) = files::damaged(store).await?;
    let chains = crate::audit::chains(store).await?;
    Ok(Report { integrity, files, damaged_files, chains, replay: None })
}
