//! Backups of the whole data: the database (a consistent encrypted copy made while the app
//! runs, with `sqlcipher_export` in one read transaction), the key ring and the kept files (as
//! stored: encrypted), in one zip file with a manifest of their hashes. Nothing in it is
//! readable without an account's password.
//!
//! Automatic backups go to `backups/` in the data folder (and to a folder the officer chose,
//! such as a USB stick), on leaving the app and once a day, the last 10 kept. Restoring checks
//! the backup whole first (hashes, the password, SQLite's integrity check), keeps the current
//! database aside, then puts the backup in its place.

use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{ConnectOptions, Connection};
use ts_rs::TS;

use crate::audit::Event;
use crate::auth::keyring::{self, KeyRing, MasterKey};
use crate::auth::{self, Actor, Need, UserRole};
use crate::store::Source;
use crate::sync::SyncError;
use crate::{Error, Result, Store};

/// How many automatic backups are kept in each folder.
pub const KEPT: usize = 10;
/// The extension of backup files.
pub const EXTENSION: &str = "treembackup";
/// The laptop preference naming a second folder for automatic backups.
pub const FOLDER_PREFERENCE: &str = "backup_folder";
const MANIFEST: &str = "manifest.json";
const DB_NAME: &str = "treem.db";
const KEYS_NAME: &str = "treem.keys";

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    ward: String,
    made_at: String,
    /// Every other member with its SHA-256.
    members: Vec<(String, String)>,
}

/// A backup made.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Made {
    /// Where it was written.
    pub path: String,
    /// Its size.
    #[ts(type = "number")]
    pub bytes: u64,
    /// Its size as the window shows it ("1,2 MB").
    pub size: String,
    /// Kept files in it.
    #[ts(type = "number")]
    pub files: i64,
}

/// Writes a backup of `store` to `target` (whole or not at all).
pub async fn make(store: &Store, actor: &Actor, target: &Path) -> Result<Made> {
    actor.require(Need::Sync)?;
    let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, e))?;
    let copy = dir.join(format!(".{}.db.tmp", crate::store::new_id()));
    let made = async {
        let mut conn = store.pool().acquire().await?;
        sqlx::query(&format!("ATTACH DATABASE {} AS backup KEY {}", keyring::quoted(&copy), store.key().sqlcipher_pragma())).execute(&mut *conn).await?;
        // One read transaction: the copy is the database as of one moment, while others write.
        let exported = async {
            sqlx::query("BEGIN").execute(&mut *conn).await?;
            sqlx::query("SELECT sqlcipher_export('backup')").execute(&mut *conn).await?;
            sqlx::query("COMMIT").execute(&mut *conn).await
        }
        .await;
        if exported.is_err() {
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
        }
        sqlx::query("DETACH DATABASE backup").execute(&mut *conn).await?;
        exported?;
        let files: Vec<String> = sqlx::query_scalar("SELECT DISTINCT stored_path FROM files ORDER BY stored_path").fetch_all(&mut *conn).await?;
        drop(conn);
        write_zip(store, &copy, &files, target)
    }
    .await;
    let _ = std::fs::remove_file(&copy);
    let made = made?;
    let mut w = store.write(actor, Source::Window).await?;
    w.event("backup", "", Event::Backup, serde_json::json!({ "tệp": target.display().to_string() })).await?;
    w.commit().await?;
    Ok(made)
}

/// Writes the zip beside `target` member by member (a database of 100,000 children is ~180 MB:
/// never held in memory whole), each member's SHA-256 taken as it is copied and the manifest
/// last; then renames it into place.
fn write_zip(store: &Store, db_copy: &Path, files: &[String], target: &Path) -> Result<Made> {
    let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let partial = dir.join(format!(".{}.partial", crate::store::new_id()));
    let written = (|| -> std::io::Result<i64> {
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(std::fs::File::create(&partial)?));
        // Everything in it is encrypted already: compressing would gain nothing.
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored).large_file(true);
        let mut members = Vec::new();
        let mut add = |zip: &mut zip::ZipWriter<_>, name: &str, from: &Path| -> std::io::Result<()> {
            let mut source = std::fs::File::open(from)?;
            zip.start_file(name, stored).map_err(std::io::Error::other)?;
            let mut hash = Sha256::new();
            let mut buf = vec![0u8; 1 << 16];
            loop {
                let n = source.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                hash.update(&buf[..n]);
                zip.write_all(&buf[..n])?;
            }
            members.push((name.to_owned(), hex::encode(hash.finalize())));
            Ok(())
        };
        add(&mut zip, DB_NAME, db_copy)?;
        add(&mut zip, KEYS_NAME, &keyring::path_beside(store.db_path()))?;
        let mut kept = 0;
        for path in files {
            // A file whose bytes are missing is reported by the integrity check, not the backup.
            let full = store.data_dir().join(path);
            if full.exists() {
                add(&mut zip, path, &full)?;
                kept += 1;
            }
        }
        let manifest = Manifest {
            format: 1,
            ward: crate::sync::file::ward_tag(store.key()),
            made_at: crate::store::stamp(chrono::Utc::now()),
            members,
        };
        zip.start_file(MANIFEST, stored).map_err(std::io::Error::other)?;
        zip.write_all(&serde_json::to_vec_pretty(&manifest).expect("a manifest serialises"))?;
        let file = zip.finish().map_err(std::io::Error::other)?.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&partial, target)?;
        crate::files::sync_dir(dir)?;
        Ok(kept)
    })();
    let kept = written.map_err(|e| {
        let _ = std::fs::remove_file(&partial);
        Error::file(target, e)
    })?;
    let bytes = std::fs::metadata(target).map_err(|e| Error::file(target, e))?.len();
    Ok(Made { path: target.display().to_string(), size: size_text(bytes), bytes, files: kept })
}

/// A file's size as the window shows it: "1,2 MB", "36 KB".
fn size_text(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / 1024.0 / 1024.0).replace('.', ",")
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// A backup opened and checked: its members, and the key an account's password unwrapped.
pub struct Checked {
    members: Vec<(String, Vec<u8>)>,
    key: MasterKey,
    /// When it was made (UTC, RFC 3339).
    pub made_at: String,
}

fn damaged(why: &str) -> Error {
    SyncError::DamagedBackup(why.to_owned()).into()
}

/// Opens a backup and checks it whole: every member against the manifest's hash, the
/// password of `login` (an officer's account in the backup) against its key ring, and SQLite's
/// integrity check of its database. Nothing is written but a temporary copy, removed after.
pub async fn check(path: &Path, login: &str, password: &str) -> Result<Checked> {
    let bytes = std::fs::read(path).map_err(|e| Error::file(path, e))?;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| damaged("không phải tệp sao lưu của ứng dụng hoặc bị cắt ngắn"))?;
    let mut read = |name: &str| -> Result<Vec<u8>> {
        let mut member = zip.by_name(name).map_err(|_| damaged(&format!("thiếu {name}")))?;
        let mut out = Vec::new();
        member.read_to_end(&mut out).map_err(|_| damaged(&format!("không đọc được {name}")))?;
        Ok(out)
    };
    let manifest: Manifest = serde_json::from_slice(&read(MANIFEST)?).map_err(|_| damaged("mục lục không đọc được"))?;
    let mut members = Vec::new();
    for (name, sha) in &manifest.members {
        let bytes = read(name)?;
        if hex::encode(Sha256::digest(&bytes)) != *sha {
            return Err(damaged(&format!("{name} đã bị thay đổi")));
        }
        if name != DB_NAME && name != KEYS_NAME && !name.starts_with("files/") || name.contains("..") {
            return Err(damaged(&format!("tên lạ {name}")));
        }
        members.push((name.clone(), bytes));
    }
    let member = |name: &str| members.iter().find(|(n, _)| n == name).map(|(_, b)| b.as_slice());
    let (Some(db), Some(keys)) = (member(DB_NAME), member(KEYS_NAME)) else {
        return Err(damaged("thiếu cơ sở dữ liệu hoặc tệp khóa"));
    };
    // The key ring and database are read from a private temporary folder.
    let temp = std::env::temp_dir().join(format!("treem-restore-{}", crate::store::new_id()));
    std::fs::create_dir_all(&temp).map_err(|e| Error::file(&temp, e))?;
    let checked = async {
        let db_path = temp.join(DB_NAME);
        std::fs::write(&db_path, db).map_err(|e| Error::file(&db_path, e))?;
        std::fs::write(keyring::path_beside(&db_path), keys).map_err(|e| Error::file(&db_path, e))?;
        let login = auth::login_key(login).map_err(|_| Error::WrongPassword)?;
        let (key, _) = KeyRing::unlock(&db_path, &login, password)?;
        crate::store::keep_openssl_at_exit();
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(&db_path).pragma("key", key.sqlcipher_pragma()).connect().await?;
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await.map_err(|_| damaged("cơ sở dữ liệu không mở được"))?;
        let role: Option<UserRole> = sqlx::query_scalar("SELECT role FROM users WHERE login = ? AND deleted_at IS NULL AND disabled_at IS NULL")
            .bind(&login)
            .fetch_optional(&mut conn)
            .await?;
        conn.close().await?;
        if integrity != "ok" {
            return Err(damaged(&format!("SQLite báo: {integrity}")));
        }
        if role != Some(UserRole::Officer) {
            return Err(Error::Forbidden("Chỉ tài khoản cán bộ phụ trách trong bản sao lưu mới khôi phục được bản sao lưu.".to_owned()));
        }
        Ok(key)
    }
    .await;
    let _ = std::fs::remove_dir_all(&temp);
    Ok(Checked { members, key: checked?, made_at: manifest.made_at })
}

/// Restores a checked backup as the database at `db_path` (the app's store must be closed).
/// The current database and key ring are moved into a folder beside it, whose path is returned;
/// kept files are added to those there (each named by its hash, so none is overwritten).
pub async fn restore(checked: Checked, db_path: &Path) -> Result<Option<PathBuf>> {
    let _lock = keyring::lock_ring(db_path)?;
    let data_dir = crate::data_dir_of(db_path);
    for (name, bytes) in checked.members.iter().filter(|(n, _)| n.starts_with("files/")) {
        let target = data_dir.join(name);
        if !target.exists() {
            crate::files::write_whole(&target, bytes)?;
        }
    }
    let keys = keyring::path_beside(db_path);
    let aside = if db_path.exists() || keys.exists() {
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string();
        let folder = data_dir.join(format!("truoc-khoi-phuc-{stamp}"));
        std::fs::create_dir_all(&folder).map_err(|e| Error::file(&folder, e))?;
        let name = db_path.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| DB_NAME.into());
        for suffix in ["", "-wal", "-shm"] {
            let mut from = db_path.as_os_str().to_owned();
            from.push(suffix);
            let from = PathBuf::from(from);
            if from.exists() {
                let mut to = name.clone();
                to.push(suffix);
                std::fs::rename(&from, folder.join(to)).map_err(|e| Error::file(&from, e))?;
            }
        }
        if keys.exists() {
            std::fs::rename(&keys, folder.join(KEYS_NAME)).map_err(|e| Error::file(&keys, e))?;
        }
        Some(folder)
    } else {
        None
    };
    let member = |name: &str| checked.members.iter().find(|(n, _)| n == name).map(|(_, b)| b.as_slice()).unwrap_or_default();
    crate::files::write_whole(db_path, member(DB_NAME))?;
    crate::files::write_whole(&keys, member(KEYS_NAME))?;
    drop(checked.key);
    Ok(aside)
}

/// A backup in a folder, as the backups page lists it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Listed {
    /// Its path.
    pub path: String,
    /// Its file name.
    pub name: String,
    /// Its size.
    #[ts(type = "number")]
    pub bytes: u64,
    /// Its size as the window shows it ("1,2 MB").
    pub size: String,
}

/// The data folder's backup folder.
pub fn folder_of(store: &Store) -> PathBuf {
    store.data_dir().join("backups")
}

fn listed(folder: &Path) -> Vec<Listed> {
    let mut out: Vec<Listed> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == EXTENSION))
        .map(|e| {
            let bytes = e.metadata().map(|m| m.len()).unwrap_or(0);
            Listed { path: e.path().display().to_string(), name: e.file_name().to_string_lossy().into_owned(), bytes, size: size_text(bytes) }
        })
        .collect();
    // Names carry the time: newest first.
    out.sort_by(|a, b| b.name.cmp(&a.name));
    out
}

/// The backups in the data folder's backup folder, newest first.
pub async fn list(store: &Store, actor: &Actor) -> Result<Vec<Listed>> {
    actor.require(Need::Sync)?;
    Ok(listed(&folder_of(store)))
}

/// The folder chosen for a second copy of each automatic backup, if any.
pub async fn extra_folder(store: &Store) -> Result<Option<PathBuf>> {
    Ok(store.preference(FOLDER_PREFERENCE).await?.map(PathBuf::from))
}

/// Makes an automatic backup now, in the data folder and the chosen folder, keeping the last
/// [`KEPT`] in each. Returns the backup in the data folder.
pub async fn automatic(store: &Store, actor: &Actor) -> Result<Made> {
    let name = format!("sao-luu-{}.{EXTENSION}", chrono::Utc::now().format("%Y%m%d-%H%M%S-%3f"));
    let folder = folder_of(store);
    let made = make(store, actor, &folder.join(&name)).await?;
    prune(&folder)?;
    if let Some(extra) = extra_folder(store).await? {
        // A USB stick may be absent: the backup in the data folder stands either way.
        if std::fs::create_dir_all(&extra).is_ok() && std::fs::copy(&made.path, extra.join(&name)).is_ok() {
            prune(&extra)?;
        }
    }
    Ok(made)
}

fn prune(folder: &Path) -> Result<()> {
    for old in listed(folder).into_iter().skip(KEPT) {
        std::fs::remove_file(&old.path).map_err(|e| Error::file(&old.path, e))?;
    }
    Ok(())
}

/// Makes the day's automatic backup if the newest is older than a day (or there is none).
pub async fn daily(store: &Store, actor: &Actor) -> Result<Option<Made>> {
    let newest = listed(&folder_of(store)).into_iter().next();
    let fresh = newest.and_then(|n| std::fs::metadata(&n.path).ok()?.modified().ok()).is_some_and(|t| t.elapsed().is_ok_and(|e| e.as_secs() < 24 * 3600));
    if fresh {
        return Ok(None);
    }
    automatic(store, actor).await.map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_vietnamese_write_them() {
        assert_eq!(size_text(1_288_490), "1,2 MB");
        assert_eq!(size_text(36_000), "36 KB");
        assert_eq!(size_text(1), "1 KB");
    }
}
