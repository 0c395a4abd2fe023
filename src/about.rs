//! What the app tells about itself: its version, the version of its data, and where its data
//! and backups live (the Giới thiệu page), so that an officer moving to a new laptop knows what
//! to carry.

use serde::Serialize;
use ts_rs::TS;

use crate::auth::{Actor, Need};
use crate::{Result, Store};

/// This build's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The app and its data.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct About {
    /// The app's version ("0.1.0").
    pub version: String,
    /// The version of the data's structure: the last migration applied (its timestamp).
    #[ts(type = "number")]
    pub data_version: i64,
    /// The folder holding the database and the kept files.
    pub data_folder: String,
    /// The database file.
    pub database: String,
    /// The folder of the automatic backups.
    pub backup_folder: String,
    /// The second folder backups are copied to, if chosen (a USB stick).
    pub extra_backup_folder: Option<String>,
}

/// The app's version and where its data and backups are.
pub async fn about(store: &Store, actor: &Actor) -> Result<About> {
    actor.require(Need::ReadPlan)?;
    let data_version: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success = 1").fetch_one(store.pool()).await?;
    Ok(About {
        version: VERSION.to_owned(),
        data_version,
        data_folder: store.data_dir().display().to_string(),
        database: store.db_path().display().to_string(),
        backup_folder: crate::backup::folder_of(store).display().to_string(),
        extra_backup_folder: crate::backup::extra_folder(store).await?.map(|p| p.display().to_string()),
    })
}
