//! Files the app keeps (evidence, received reports, images, issued PDFs): copied into `files/`
//! in the data folder, encrypted with the master key (XChaCha20-Poly1305), named by the SHA-256
//! of their content so the same file is stored once and a changed copy is noticed. What is read
//! back is byte for byte what was kept.

use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand_core::{OsRng, RngCore};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;
use ts_rs::TS;

use crate::auth::keyring::MasterKey;
use crate::auth::{Actor, Need};
use crate::store::writable::{LimitedWrites, Rule};
use crate::store::{new_id, Cols, Write};
use crate::Store;
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
pub(crate) const MAX_BYTES: u64 = 100 * 1024 * 1024;

/// What a laptop away from the office may write of kept files: a new one (the evidence a
/// collaborator attached, the certificate a leader brings).
pub(crate) const NEW_FILES: LimitedWrites = LimitedWrites {
    table: "files",
    insert: true,
    update: false,
    remove: false,
    columns: &[
        ("file_name", Rule::Text { required: true, max: 255 }),
        ("stored_path", Rule::Text { required: true, max: 100 }),
        ("sha256", Rule::Hex(64)),
        ("size_bytes", Rule::Integer { min: 0, max: MAX_BYTES as i64 }),
    ],
};

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
    // A file's name is the system's, not typed here: what no stored text may hold is dropped.
    let name: String = crate::text::nfc(name).chars().filter(|&c| !crate::text::forbidden(c)).collect();
    let file_name = if name.is_empty() { "tệp".to_owned() } else { name };
    let sha256 = hex::encode(Sha256::digest(bytes));
    let ext = Path::new(&file_name).extension().map(|e| format!(".{}", e.to_string_lossy().to_lowercase())).unwrap_or_default();
    let stored_path = format!("files/{}/{}{}", &sha256[..2], sha256, ext);
    let target = w.store().data_dir().join(&stored_path);
    let key = w.store().key();
    let kept_already = match tokio::fs::read(&target).await {
        Ok(stored) => unseal(key, &stored).is_ok_and(|plain| hex::encode(Sha256::digest(&plain)) == sha256),
        Err(_) => false,
    };
    if !kept_already {
        write_whole(&target, &seal(key, bytes))?;
    }
    let file = StoredFile { id: new_id(), file_name, stored_path, sha256, size_bytes: bytes.len() as i32 };
    let cols = Cols::new()
        .set("file_name", &file.file_name)
        .set("stored_path", &file.stored_path)
        .set("sha256", &file.sha256)
        .set("size_bytes", file.size_bytes);
    w.insert("files", &file.id, cols).await?;
    Ok(file)
}

/// The first bytes of a kept file that is encrypted; files kept by older versions lack them
/// until [`encrypt_plain_files`] has passed.
const SEALED: &[u8; 8] = b"TREEMF01";

/// A kept file's content as written to disk: the mark, a random nonce, the ciphertext.
pub(crate) fn seal(key: &MasterKey, plain: &[u8]) -> Vec<u8> {
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let cipher = XChaCha20Poly1305::new(key.bytes().into())
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad: SEALED })
        .expect("XChaCha20-Poly1305 encrypts any length the app keeps");
    [SEALED.as_slice(), &nonce, &cipher].concat()
}

/// A kept file's content from what is on disk; a file not encrypted yet is returned as it is
/// (its hash is checked by the caller either way).
pub(crate) fn unseal(key: &MasterKey, stored: &[u8]) -> Result<Vec<u8>> {
    let Some(rest) = stored.strip_prefix(SEALED.as_slice()) else {
        return Ok(stored.to_vec());
    };
    if rest.len() < 24 {
        return Err(Error::file("files", std::io::ErrorKind::InvalidData.into()));
    }
    let (nonce, cipher) = rest.split_at(24);
    XChaCha20Poly1305::new(key.bytes().into())
        .decrypt(XNonce::from_slice(nonce), Payload { msg: cipher, aad: SEALED })
        .map_err(|_| Error::file("files", std::io::ErrorKind::InvalidData.into()))
}

/// Whether a kept file begins with the mark of an encrypted one (only its first bytes are read).
fn starts_sealed(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 8];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && &head == SEALED
}

/// The kept files in the data folder, with (`true`) or without the copies sealed anew for a
/// change of key (named `.moi-<name>` beside theirs).
fn kept_files(data_dir: &Path, sealed_anew: bool) -> Result<Vec<std::path::PathBuf>> {
    let root = data_dir.join("files");
    let Ok(dirs) = std::fs::read_dir(&root) else { return Ok(Vec::new()) };
    let mut found = Vec::new();
    for dir in dirs.flatten().filter(|d| d.path().is_dir()) {
        for file in std::fs::read_dir(dir.path()).map_err(|e| Error::file(dir.path(), e))?.flatten() {
            let name = file.file_name().to_string_lossy().into_owned();
            if file.path().is_file() && name.starts_with(SEALED_ANEW) == sealed_anew && (sealed_anew || !name.starts_with('.')) {
                found.push(file.path());
            }
        }
    }
    Ok(found)
}

/// How a kept file sealed anew under a new key is named, beside the old one, until the change holds.
const SEALED_ANEW: &str = ".moi-";

fn sealed_anew_path(path: &Path) -> std::path::PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!("{SEALED_ANEW}{name}"))
}

/// Encrypts, in place and each whole, the kept files an older version left in clear.
pub(crate) fn encrypt_plain_files(data_dir: &Path, key: &MasterKey) -> Result<()> {
    for path in kept_files(data_dir, false)? {
        if !starts_sealed(&path) {
            let content = std::fs::read(&path).map_err(|e| Error::file(&path, e))?;
            write_whole(&path, &seal(key, &content))?;
        }
    }
    Ok(())
}

/// Seals every kept file anew under `new`, beside the old one (see
/// [`change_key`](crate::auth::keyring::change_key)). A file that does not open with `old` (damaged) is
/// left as it is, for `check` to report.
pub(crate) fn seal_anew(data_dir: &Path, old: &MasterKey, new: &MasterKey) -> Result<()> {
    for path in kept_files(data_dir, false)? {
        let stored = std::fs::read(&path).map_err(|e| Error::file(&path, e))?;
        if let Ok(plain) = unseal(old, &stored) {
            write_whole(&sealed_anew_path(&path), &seal(new, &plain))?;
        }
    }
    Ok(())
}

/// Ends what a change of key left of kept files sealed anew: with the key the change gave, each
/// that opens with it takes its old file's place; with none (a change that did not hold), they
/// are removed.
pub(crate) fn settle_sealed_anew(data_dir: &Path, key: Option<&MasterKey>) -> Result<()> {
    for path in kept_files(data_dir, true)? {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let old = path.with_file_name(&name[SEALED_ANEW.len()..]);
        let opens = key.is_some_and(|key| std::fs::read(&path).is_ok_and(|stored| stored.starts_with(SEALED) && unseal(key, &stored).is_ok()));
        if opens {
            std::fs::rename(&path, &old).map_err(|e| Error::file(&old, e))?;
            let dir = old.parent().unwrap_or(data_dir);
            sync_dir(dir).map_err(|e| Error::file(dir, e))?;
        } else {
            std::fs::remove_file(&path).map_err(|e| Error::file(&path, e))?;
        }
    }
    Ok(())
}

/// Puts `bytes` at `target` whole or not at all: written to a temporary file beside it, flushed
/// to disk, renamed over, and the rename itself flushed, so that neither a crash nor a power cut
/// leaves a torn file or loses the new one.
pub(crate) fn write_whole(target: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write as _;
    let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, e))?;
    let temporary = dir.join(format!(".{}.tmp", new_id()));
    let written = (|| {
        let mut f = std::fs::File::create(&temporary)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&temporary, target)?;
        sync_dir(dir)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(Error::file(target, e));
    }
    Ok(())
}

/// Flushes a folder's entries (a rename in it) to disk. Windows makes renames durable itself.
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Temporary work (a file or folder) marked as in use by a lock its process holds beside it,
/// `<work>.lock`: the lock goes with the process, so what a killed process left is told from
/// what another one is working on ([`remove_left_behind`]). Dropping it removes the work.
pub(crate) struct InUse {
    work: std::path::PathBuf,
    lock: std::path::PathBuf,
    _file: std::fs::File,
    /// The work is left in place when dropped (a restore's switch to finish at the next start).
    keep: bool,
}

fn lock_path(work: &Path) -> std::path::PathBuf {
    let mut name = work.as_os_str().to_owned();
    name.push(".lock");
    std::path::PathBuf::from(name)
}

/// Marks `work` (not yet made) as in use by this process.
pub(crate) fn mark_in_use(work: &Path) -> Result<InUse> {
    let lock = lock_path(work);
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&lock).map_err(|e| Error::file(&lock, e))?;
    file.lock().map_err(|e| Error::file(&lock, e))?;
    Ok(InUse { work: work.to_path_buf(), lock, _file: file, keep: false })
}

impl InUse {
    /// Leaves the work in place when dropped: what comes next needs it.
    pub(crate) fn keep(&mut self) {
        self.keep = true;
    }
}

impl Drop for InUse {
    fn drop(&mut self) {
        if !self.keep {
            let _ = if self.work.is_dir() { std::fs::remove_dir_all(&self.work) } else { std::fs::remove_file(&self.work) };
        }
        let _ = std::fs::remove_file(&self.lock);
    }
}

/// Removes the temporary work in `dir` whose name `is_work` accepts and whose process is gone
/// (its lock is free, or it has none).
pub(crate) fn remove_left_behind(dir: &Path, is_work: impl Fn(&str) -> bool) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !is_work(&name) || name.ends_with(".lock") {
            continue;
        }
        let lock = lock_path(&entry.path());
        let free = match std::fs::OpenOptions::new().write(true).open(&lock) {
            Ok(f) => f.try_lock().is_ok(),
            Err(_) => true,
        };
        if free {
            let path = entry.path();
            let _ = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
            let _ = std::fs::remove_file(&lock);
        }
    }
    // Locks whose work is gone.
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(work) = name.strip_suffix(".lock").filter(|w| is_work(w)) {
            if !dir.join(work).exists() && std::fs::OpenOptions::new().write(true).open(entry.path()).is_ok_and(|f| f.try_lock().is_ok()) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// Writes `bytes` to `target` (a file the user chose) whole or not at all.
pub async fn write_whole_to(target: &Path, bytes: &[u8]) -> Result<()> {
    write_whole(target, bytes)
}

/// Every kept file checked against its hash: the names of those missing or changed.
pub(crate) async fn damaged(store: &crate::Store) -> Result<(usize, Vec<String>)> {
    let files = sqlx::query_as::<_, StoredFile>("SELECT id, file_name, stored_path, sha256, size_bytes FROM files WHERE deleted_at IS NULL ORDER BY id")
        .fetch_all(store.pool())
        .await?;
    let mut bad = Vec::new();
    for f in &files {
        let ok = match tokio::fs::read(store.data_dir().join(&f.stored_path)).await {
            Ok(stored) => unseal(store.key(), &stored).is_ok_and(|bytes| hex::encode(Sha256::digest(&bytes)) == f.sha256),
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
pub async fn name_of(store: &Store, actor: &Actor, file_id: &str) -> Result<String> {
    actor.require(Need::ReadPlan)?;
    name_of_in(store.pool(), file_id).await
}

pub(crate) async fn name_of_in(pool: &SqlitePool, file_id: &str) -> Result<String> {
    sqlx::query_scalar("SELECT file_name FROM files WHERE id = ?")
        .bind(file_id)
        .fetch_optional(pool)
        .await?
        .ok_or(Error::NotFound { what: "tệp" })
}

/// The bytes of a kept file, checked against its hash.
pub async fn read(store: &crate::Store, actor: &Actor, file_id: &str) -> Result<Vec<u8>> {
    actor.require(Need::ReadPlan)?;
    // A signer's certificate file is for those who sign, not for every reader.
    let certificate: Option<i64> = sqlx::query_scalar("SELECT 1 FROM certificates WHERE file_id = ? LIMIT 1").bind(file_id).fetch_optional(store.pool()).await?;
    if certificate.is_some() {
        actor.require(Need::IssueDocuments)?;
    }
    // The PDF of a document that names a child is read as the document is.
    if crate::documents::register::file_restricted(store.pool(), file_id).await? {
        actor.require(Need::ReadCases)?;
    }
    let f = sqlx::query_as::<_, StoredFile>("SELECT id, file_name, stored_path, sha256, size_bytes FROM files WHERE id = ?")
        .bind(file_id)
        .fetch_optional(store.pool())
        .await?
        .ok_or(Error::NotFound { what: "tệp" })?;
    let path = store.data_dir().join(&f.stored_path);
    let stored = tokio::fs::read(&path).await.map_err(|e| Error::file(&path, e))?;
    let bytes = unseal(store.key(), &stored).unwrap_or_default();
    if hex::encode(Sha256::digest(&bytes)) != f.sha256 {
        return Err(crate::text::InvalidInput::new("file", format!("Tệp {} đã bị thay đổi bên ngoài ứng dụng (mã kiểm tra không khớp).", f.file_name)).into());
    }
    Ok(bytes)
}

/// The files the app makes and opens by itself (the installer associates them with the app, so
/// that opening one from the file manager opens the app on it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AppFile {
    /// Changes sent from another laptop (.treemsync): received on the sync page.
    Sync,
    /// A backup (.treembackup): restored on the backups page.
    Backup,
    /// A laptop's invitation to the ward (.treemjoin): taken on the first start.
    Join,
}

impl AppFile {
    /// The kind of app file `path` is, by its extension.
    pub fn of(path: &Path) -> Option<AppFile> {
        match path.extension()?.to_str()?.to_lowercase().as_str() {
            "treemsync" => Some(AppFile::Sync),
            crate::backup::EXTENSION => Some(AppFile::Backup),
            "treemjoin" => Some(AppFile::Join),
            _ => None,
        }
    }
}

#[cfg(test)]
mod app_file_tests {
    use super::*;

    #[test]
    fn the_apps_files_are_known_by_their_extension() {
        assert_eq!(AppFile::of(Path::new("C:\\Users\\Hoa\\gửi văn phòng.TREEMSYNC")), Some(AppFile::Sync));
        assert_eq!(AppFile::of(Path::new("/media/usb/sao-luu-20261130.treembackup")), Some(AppFile::Backup));
        assert_eq!(AppFile::of(Path::new("may3.treemjoin")), Some(AppFile::Join));
        assert_eq!(AppFile::of(Path::new("bao-cao.pdf")), None);
        assert_eq!(AppFile::of(Path::new("treemsync")), None);
    }
}
