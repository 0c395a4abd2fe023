//! Files the app keeps (evidence, received reports): copied into `files/` in the data folder,
//! named by their SHA-256 so the same file is stored once and a changed copy is noticed.

use std::path::Path;

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;
use ts_rs::TS;

use crate::store::{new_id, Cols, Write};
use crate::{Error, Result};

/// A kept file as the window lists it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, TS)]
#[ts(export)]
pub struct StoredFile {
    /// Id.
    pub id: String,
    /// The name the user's file had.
    pub file_name: String,
    /// Path relative to the data folder.
    pub stored_path: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// Size.
    pub size_bytes: i32,
}

/// A file handed to the app: a path on disk (command line) or bytes (the window).
#[derive(Debug, Clone, Copy)]
pub enum Upload<'a> {
    /// A file on disk.
    Path(&'a Path),
    /// A file's name and content.
    Bytes {
        /// The file's name.
        name: &'a str,
        /// Its content.
        bytes: &'a [u8],
    },
}

impl Upload<'_> {
    pub(crate) async fn keep(self, w: &mut Write<'_>) -> Result<StoredFile> {
        match self {
            Upload::Path(path) => keep(w, path).await,
            Upload::Bytes { name, bytes } => keep_bytes(w, name, bytes).await,
        }
    }
}

/// Largest file kept (a scanned report can be big; a film is not evidence).
const MAX_BYTES: u64 = 100 * 1024 * 1024;

/// Copies `path` into the data folder and records it, inside the caller's write.
pub(crate) async fn keep(w: &mut Write<'_>, path: &Path) -> Result<StoredFile> {
    let meta = tokio::fs::metadata(path).await.map_err(|e| Error::file(path, e))?;
    if meta.len() > MAX_BYTES {
        return Err(too_big());
    }
    let bytes = tokio::fs::read(path).await.map_err(|e| Error::file(path, e))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    keep_bytes(w, &name, &bytes).await
}

fn too_big() -> Error {
    crate::text::InvalidInput::new("file", "Tệp lớn hơn 100 MB; hãy nén hoặc chụp lại với độ phân giải thấp hơn.").into()
}

/// Stores `bytes` under the data folder as a file called `name`, inside the caller's write.
pub(crate) async fn keep_bytes(w: &mut Write<'_>, name: &str, bytes: &[u8]) -> Result<StoredFile> {
    if bytes.len() as u64 > MAX_BYTES {
        return Err(too_big());
    }
    let name = crate::text::nfc(name);
    let file_name = if name.is_empty() { "tệp".to_owned() } else { name };
    let sha256 = hex::encode(Sha256::digest(bytes));
    let ext = Path::new(&file_name).extension().map(|e| format!(".{}", e.to_string_lossy().to_lowercase())).unwrap_or_default();
    let stored_path = format!("files/{}/{}{}", &sha256[..2], sha256, ext);
    let target = w.store().data_dir().join(&stored_path);
    write_whole(&target, bytes, &sha256).await?;
    let file = StoredFile { id: new_id(), file_name, stored_path, sha256, size_bytes: bytes.len() as i32 };
    let cols = Cols::new()
        .set("file_name", &file.file_name)
        .set("stored_path", &file.stored_path)
        .set("sha256", &file.sha256)
        .set("size_bytes", file.size_bytes);
    w.insert("files", &file.id, cols).await?;
    Ok(file)
}

/// Puts `bytes` at `target` whole or not at all: written to a temporary file beside it, flushed
/// to disk, then renamed over. A file already there is kept only when its content matches the
/// hash (a torn copy from a crash is replaced).
async fn write_whole(target: &Path, bytes: &[u8], sha256: &str) -> Result<()> {
    if let Ok(existing) = tokio::fs::read(target).await {
        if hex::encode(Sha256::digest(&existing)) == sha256 {
            return Ok(());
        }
    }
    let dir = target.parent().ok_or_else(|| Error::file(target, std::io::ErrorKind::InvalidInput.into()))?;
    tokio::fs::create_dir_all(dir).await.map_err(|e| Error::file(dir, e))?;
    let temporary = dir.join(format!(".{}.tmp", new_id()));
    let written = async {
        let mut f = tokio::fs::File::create(&temporary).await?;
        tokio::io::AsyncWriteExt::write_all(&mut f, bytes).await?;
        f.sync_all().await?;
        drop(f);
        tokio::fs::rename(&temporary, target).await
    }
    .await;
    if let Err(e) = written {
        let _ = tokio::fs::remove_file(&temporary).await;
        return Err(Error::file(target, e));
    }
    Ok(())
}

/// Writes `bytes` to `target` (a file the user chose) whole or not at all.
pub async fn write_whole_to(target: &Path, bytes: &[u8]) -> Result<()> {
    let sha256 = hex::encode(Sha256::digest(bytes));
    write_whole(target, bytes, &sha256).await
}

/// Every kept file checked against its hash: the names of those missing or changed.
pub async fn damaged(store: &crate::Store) -> Result<(usize, Vec<String>)> {
    let files = sqlx::query_as::<_, StoredFile>("SELECT id, file_name, stored_path, sha256, size_bytes FROM files WHERE deleted_at IS NULL ORDER BY id")
        .fetch_all(store.pool())
        .await?;
    let mut bad = Vec::new();
    for f in &files {
        let ok = match tokio::fs::read(store.data_dir().join(&f.stored_path)).await {
            Ok(bytes) => hex::encode(Sha256::digest(&bytes)) == f.sha256,
            Err(_) => false,
        };
        if !ok {
            bad.push(format!("{} ({})", f.file_name, f.stored_path));
        }
    }
    Ok((files.len(), bad))
}

/// Files linked from `table` (which has a `file_id` column) where `column` = `value`.
pub(crate) async fn list_for(pool: &SqlitePool, table: &'static str, column: &'static str, value: &str) -> Result<Vec<StoredFile>> {
    Ok(sqlx::query_as::<_, StoredFile>(&format!(
        "SELECT f.id, f.file_name, f.stored_path, f.sha256, f.size_bytes FROM {table} l JOIN files f ON f.id = l.file_id
         WHERE l.{column} = ? AND l.deleted_at IS NULL ORDER BY l.created_at"
    ))
    .bind(value)
    .fetch_all(pool)
    .await?)
}

/// The name a kept file had when the user gave it.
pub async fn name_of(pool: &SqlitePool, file_id: &str) -> Result<String> {
    sqlx::query_scalar("SELECT file_name FROM files WHERE id = ?")
        .bind(file_id)
        .fetch_optional(pool)
        .await?
        .ok_or(Error::NotFound { what: "tệp" })
}

/// The bytes of a kept file, checked against its hash.
pub async fn read(store: &crate::Store, file_id: &str) -> Result<Vec<u8>> {
    let f = sqlx::query_as::<_, StoredFile>("SELECT id, file_name, stored_path, sha256, size_bytes FROM files WHERE id = ?")
        .bind(file_id)
        .fetch_optional(store.pool())
        .await?
        .ok_or(Error::NotFound { what: "tệp" })?;
    let path = store.data_dir().join(&f.stored_path);
    let bytes = tokio::fs::read(&path).await.map_err(|e| Error::file(&path, e))?;
    if hex::encode(Sha256::digest(&bytes)) != f.sha256 {
        return Err(crate::text::InvalidInput::new("file", format!("Tệp {} đã bị thay đổi bên ngoài ứng dụng (mã kiểm tra không khớp).", f.file_name)).into());
    }
    Ok(bytes)
}
