//! Backups of the whole data: the database (a consistent encrypted copy made while the app
//! runs, with `sqlcipher_export` in one read transaction) with its anchor, the keys, and the
//! kept files (as stored: encrypted), in one zip file with a manifest of their hashes.
//!
//! The keys (format 2): only the officers' slots of the key ring are readable in it
//! (`treem.keys`); the whole ring is sealed under a key derived from the database's key
//! (`treem.keys.sealed`), and that key is sealed to the ward's recovery code
//! (`recovery.json`, see [`recovery`]). So a backup opens with an officer's password or with the
//! recovery code, and with nothing else: not with a viewer's or a leader's password. Once
//! opened, the whole ring is restored, every account with its password. Backups of format 1
//! (the whole ring readable) are still restored, with an officer's password.
//!
//! Automatic backups go to `backups/` in the data folder (and to a folder the officer chose,
//! such as a USB stick), on leaving the app and once a day, the last 10 kept. Restoring checks
//! the backup whole first (hashes, the password, SQLite's integrity check), keeps the current
//! database aside, then puts the backup in its place.

use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sqlx::{ConnectOptions, Connection};
use ts_rs::TS;
use zeroize::Zeroizing;

use crate::audit::Event;
use crate::auth::keyring::{self, KeyRing, MasterKey};
use crate::auth::{self, Actor, Need, UserRole};
use crate::store::Source;
use crate::sync::SyncError;
use crate::text::InvalidInput;
use crate::{Error, Result, Store};

pub mod recovery;

/// How many automatic backups are kept in each folder.
pub const KEPT: usize = 10;
/// The extension of backup files.
pub const EXTENSION: &str = "treembackup";
/// The laptop preference naming a second folder for automatic backups.
pub const FOLDER_PREFERENCE: &str = "backup_folder";
const MANIFEST: &str = "manifest.json";
/// Temporary copies a backup makes in the data folder start with this; removed at start.
const TEMPORARY_PREFIX: &str = ".sao-luu-";
/// A backup being written beside its target ends with this; removed at start.
const PARTIAL_SUFFIX: &str = ".partial";

const DB_NAME: &str = "treem.db";
const KEYS_NAME: &str = "treem.keys";
const ANCHOR_NAME: &str = "treem.db-anchor";
const SEALED_KEYS_NAME: &str = "treem.keys.sealed";
const RECOVERY_NAME: &str = "recovery.json";
/// The manifest's format: 1 held the whole key ring readable.
const FORMAT: u32 = 2;
/// What the key sealed to the recovery code is for (the HKDF label).
const RECOVERY_LABEL: &[u8] = b"treem backup recovery v1";

/// The database's key sealed to the ward's recovery code (`recovery.json`).
#[derive(Serialize, Deserialize)]
struct RecoverySeal {
    ephemeral: String,
    wrapped: String,
}

/// The key the whole key ring is sealed under in a backup.
fn ring_key(key: &MasterKey) -> Zeroizing<[u8; 32]> {
    let mut out = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(None, key.bytes()).expand(b"treem backup key ring v1", out.as_mut()).expect("32 bytes is a valid HKDF length");
    out
}

/// Writes the backup's keys into `work`: the officers' slots, the whole ring sealed, and the
/// database's key sealed to the recovery code when the ward has one.
fn write_keys(store: &Store, work: &Path, officers: &[String], recipient: Option<curve25519_dalek::MontgomeryPoint>, ward: &str) -> Result<()> {
    let (whole, officers_only) = KeyRing::for_backup(store.db_path(), officers)?;
    let recovery = recipient.and_then(|r| crate::seal::seal(store.key().bytes(), &r, RECOVERY_LABEL, ward.as_bytes()));
    if officers_only.is_none() && recovery.is_none() {
        return Err(SyncError::UnopenableBackup.into());
    }
    // The format's readable ring, even empty (a laptop of the leader's, with a recovery code).
    crate::files::write_whole(&work.join(KEYS_NAME), officers_only.as_deref().unwrap_or(br#"{"format":1,"slots":[]}"#))?;
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let sealed = XChaCha20Poly1305::new(ring_key(store.key()).as_ref().into())
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: &whole, aad: ward.as_bytes() })
        .map_err(|_| Error::DamagedKeyRing)?;
    crate::files::write_whole(&work.join(SEALED_KEYS_NAME), &[nonce.as_slice(), &sealed].concat())?;
    if let Some(seal) = recovery {
        let json = serde_json::to_vec(&RecoverySeal { ephemeral: hex::encode(seal.ephemeral), wrapped: hex::encode(seal.wrapped) }).expect("a seal serialises");
        crate::files::write_whole(&work.join(RECOVERY_NAME), &json)?;
    }
    Ok(())
}

/// Opens the whole key ring a backup sealed (see [`write_keys`]).
fn open_ring(sealed: &[u8], key: &MasterKey, ward: &str) -> Result<Zeroizing<Vec<u8>>> {
    let (nonce, body) = sealed.split_at_checked(24).ok_or_else(|| damaged("tệp khóa bị hỏng"))?;
    XChaCha20Poly1305::new(ring_key(key).as_ref().into())
        .decrypt(XNonce::from_slice(nonce), Payload { msg: body, aad: ward.as_bytes() })
        .map(Zeroizing::new)
        .map_err(|_| damaged("tệp khóa bị hỏng hoặc không thuộc bản sao lưu này"))
}

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    ward: String,
    made_at: String,
    /// Every other member with its SHA-256, at most [`MAX_MEMBERS`] read.
    #[serde(deserialize_with = "at_most_max_members")]
    members: Vec<(String, String)>,
}

const TOO_MANY_MEMBERS: &str = "too many members";

/// The manifest's members, counted as they are read: a manifest of millions of tiny entries is
/// refused before it is built.
fn at_most_max_members<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Vec<(String, String)>, D::Error> {
    struct Counted;
    impl<'de> serde::de::Visitor<'de> for Counted {
        type Value = Vec<(String, String)>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list of names and hashes")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(pair) = seq.next_element()? {
                if out.len() == MAX_MEMBERS {
                    return Err(serde::de::Error::custom(TOO_MANY_MEMBERS));
                }
                out.push(pair);
            }
            Ok(out)
        }
    }
    d.deserialize_seq(Counted)
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
    crate::sync::require_whole_laptop(store, actor).await?;
    let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, e))?;
    // The copy is made in a folder of the data folder (what a killed backup leaves is removed
    // at start), never in the system's temporary one.
    let work = store.data_dir().join(format!("{TEMPORARY_PREFIX}{}", crate::store::new_id()));
    let _in_use = crate::files::mark_in_use(&work)?;
    std::fs::create_dir_all(&work).map_err(|e| Error::file(&work, e))?;
    let copy = work.join(DB_NAME);
    let made = async {
        let mut conn = store.pool().acquire().await?;
        sqlx::query(&format!("ATTACH DATABASE {} AS backup KEY {}", keyring::quoted(&copy), store.key().sqlcipher_pragma())).execute(&mut *conn).await?;
        // One read transaction: the copy is the database as of one moment, while others write;
        // its last entry and its officers are read in the same moment.
        let exported = async {
            sqlx::query("BEGIN").execute(&mut *conn).await?;
            sqlx::query("SELECT sqlcipher_export('backup')").execute(&mut *conn).await?;
            let head: Option<(i64, String)> = sqlx::query_as("SELECT seq, hash FROM change_log WHERE device_id = ? ORDER BY seq DESC LIMIT 1")
                .bind(store.device_id())
                .fetch_optional(&mut *conn)
                .await?;
            let officers: Vec<String> = sqlx::query_scalar("SELECT id FROM users WHERE role = 'officer' AND deleted_at IS NULL AND disabled_at IS NULL")
                .fetch_all(&mut *conn)
                .await?;
            sqlx::query("COMMIT").execute(&mut *conn).await?;
            Ok::<_, sqlx::Error>((head, officers))
        }
        .await;
        if exported.is_err() {
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
        }
        sqlx::query("DETACH DATABASE backup").execute(&mut *conn).await?;
        let (head, officers) = exported?;
        let files: Vec<String> = sqlx::query_scalar("SELECT DISTINCT stored_path FROM files ORDER BY stored_path").fetch_all(&mut *conn).await?;
        drop(conn);
        let ward = crate::sync::ward_tag(store).await?;
        write_keys(store, &work, &officers, recovery::recipient(store).await?, &ward)?;
        if let Some((seq, hash)) = head {
            crate::store::anchor::write(&copy, store.key(), store.device_id(), seq, &hash)?;
        }
        write_zip(store, &ward, &work, &files, target)
    }
    .await;
    let made = made?;
    let mut w = store.write(actor, Source::Window).await?;
    w.event("backup", "", Event::Backup, serde_json::json!({ "tệp": target.display().to_string() })).await?;
    w.commit().await?;
    Ok(made)
}

/// Writes the zip beside `target` member by member (a database of 100,000 children is ~180 MB:
/// never held in memory whole), each member's SHA-256 taken as it is copied and the manifest
/// last; then renames it into place.
fn write_zip(store: &Store, ward: &str, work: &Path, files: &[String], target: &Path) -> Result<Made> {
    let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let partial = dir.join(format!(".{}{PARTIAL_SUFFIX}", crate::store::new_id()));
    let _in_use = crate::files::mark_in_use(&partial)?;
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
        for name in [DB_NAME, ANCHOR_NAME, KEYS_NAME, SEALED_KEYS_NAME, RECOVERY_NAME] {
            // The anchor is there once the laptop wrote an entry, the seal once it has a code.
            if work.join(name).exists() {
                add(&mut zip, name, &work.join(name))?;
            }
        }
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
            format: FORMAT,
            ward: ward.to_owned(),
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

/// The most a backup's manifest may take: a list of names and hashes (200 bytes each).
const MAX_MANIFEST_BYTES: u64 = 64 << 20;
/// The most members a backup may list: the database, the key ring, and the kept files.
const MAX_MEMBERS: usize = 200_000;
/// The most a key ring may take (a few hundred bytes an account).
const MAX_KEYS_BYTES: u64 = 1 << 20;
/// The most a backup's database may take (a ward of 100,000 children is ~180 MB).
const MAX_DB_BYTES: u64 = 16 << 30;
/// The most one kept file may take, sealed (the app keeps files up to 100 MB).
const MAX_FILE_BYTES: u64 = crate::files::MAX_BYTES + 1024;
/// The folders a restore prepares its data in, beside the live data, named with this prefix.
const STAGING_PREFIX: &str = ".khoi-phuc-";
/// The note a restore leaves while it switches the data: where the new data is, and where the
/// old goes. Present at start, it means the switch was interrupted: it is finished then.
const SWITCH_NOTE: &str = "khoi-phuc.json";
/// The folders the data replaced by a restore is kept in, named with this prefix and the time.
pub const ASIDE_PREFIX: &str = "truoc-khoi-phuc-";

/// A backup opened and checked, its data prepared in a folder beside the live data; the folder
/// is removed when this is dropped without being restored.
pub struct Checked {
    staging: PathBuf,
    /// Removes the prepared folder when the restore is done or abandoned.
    in_use: crate::files::InUse,
    key: MasterKey,
    /// When it was made (UTC, RFC 3339).
    pub made_at: String,
    /// The ward whose backup it is, by name ("Phường Cẩm Thành").
    pub ward_name: String,
    /// The ward's tag ([`crate::sync::ward_tag`]), to tell another ward's backup.
    ward_tag: String,
}

impl Checked {
    /// Whether the backup is of the ward whose data `store` holds.
    pub async fn of_ward(&self, store: &Store) -> Result<bool> {
        Ok(self.ward_tag == crate::sync::ward_tag(store).await?)
    }
}

fn damaged(why: &str) -> Error {
    SyncError::DamagedBackup(why.to_owned()).into()
}

/// Whether `name` is one a backup may hold: the database, the key ring, or a kept file as the
/// store names them. Nothing else is ever written from a backup.
fn member_name_ok(name: &str) -> bool {
    [DB_NAME, ANCHOR_NAME, KEYS_NAME, SEALED_KEYS_NAME, RECOVERY_NAME].contains(&name) || crate::sync::kept_path(name)
}

/// Copies at most `max` bytes of `from` to a new file `to`, hashing them; refuses a member
/// longer than its limit, whatever its header says.
fn extract(from: &mut impl Read, to: &Path, max: u64, name: &str) -> Result<String> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, e))?;
    }
    let mut out = std::io::BufWriter::new(std::fs::File::create(to).map_err(|e| Error::file(to, e))?);
    let mut hash = Sha256::new();
    let mut limited = from.take(max + 1);
    let mut buf = vec![0u8; 1 << 16];
    let mut total: u64 = 0;
    loop {
        let n = limited.read(&mut buf).map_err(|_| damaged(&format!("không đọc được {name}")))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > max {
            return Err(damaged(&format!("{name} lớn quá giới hạn {} MB", max >> 20)));
        }
        hash.update(&buf[..n]);
        crate::failpoint::disk_full_at("restore_extract").and_then(|_| out.write_all(&buf[..n])).map_err(|e| Error::file(to, e))?;
    }
    let file = out.into_inner().map_err(|e| Error::file(to, e.into_error()))?;
    file.sync_all().map_err(|e| Error::file(to, e))?;
    Ok(hex::encode(hash.finalize()))
}

/// Who opens a backup.
#[derive(Debug, Clone, Copy)]
pub enum Opener<'a> {
    /// An officer's account in the backup, with its password.
    Officer {
        /// The login name.
        login: &'a str,
        /// The password.
        password: &'a str,
    },
    /// The ward's recovery code, as typed, with an officer's account in the backup and the new
    /// password it opens the restored data with (no one knew the old one).
    RecoveryCode {
        /// The code.
        code: &'a str,
        /// The officer's login name.
        login: &'a str,
        /// The officer's new password.
        new_password: &'a str,
    },
}

/// Opens a backup and checks it whole, preparing its data beside the live data of `db_path`
/// (in the data folder, never the system's temporary folder): the manifest (read up to a limit
/// before anything else), every member streamed to disk against its limit and the manifest's
/// hash, the opener (an officer's password against the backup's officers' slots, or the
/// recovery code against its seal), SQLite's integrity check of its database, and its version
/// (a newer app's backup is refused here, before anything moves). The live data is not touched.
pub async fn check(path: &Path, opener: Opener<'_>, db_path: &Path) -> Result<Checked> {
    if let Opener::RecoveryCode { code, login, new_password } = opener {
        recovery::RecoveryCode::parse(code)?;
        let login = auth::login_key(login).map_err(|_| InvalidInput::new("login", "Không có tài khoản cán bộ phụ trách này trong bản sao lưu."))?;
        auth::check_password("password", new_password, &login, "")?;
    }
    let file = std::fs::File::open(path).map_err(|e| Error::file(path, e))?;
    let (mut zip, manifest) = open_archive(std::io::BufReader::new(file))?;
    let data_dir = crate::data_dir_of(db_path);
    let staging = data_dir.join(format!("{STAGING_PREFIX}{}", crate::store::new_id()));
    // A laptop restoring into a folder not made yet (a new laptop) makes it.
    std::fs::create_dir_all(&data_dir).map_err(|e| Error::file(&data_dir, e))?;
    let in_use = crate::files::mark_in_use(&staging)?;
    std::fs::create_dir_all(&staging).map_err(|e| Error::file(&staging, e))?;
    // From here the prepared folder goes with `Checked`, or is removed on the way out.
    let mut checked = Checked { staging, in_use, key: MasterKey::generate(), made_at: manifest.made_at.clone(), ward_name: String::new(), ward_tag: manifest.ward.clone() };
    for (name, sha) in &manifest.members {
        let mut member = zip.by_name(name).map_err(|_| damaged(&format!("thiếu {name}")))?;
        let max = match name.as_str() {
            DB_NAME => MAX_DB_BYTES,
            KEYS_NAME | SEALED_KEYS_NAME | ANCHOR_NAME | RECOVERY_NAME => MAX_KEYS_BYTES,
            _ => MAX_FILE_BYTES,
        };
        if extract(&mut member, &checked.staging.join(name), max, name)? != *sha {
            return Err(damaged(&format!("{name} đã bị thay đổi")));
        }
    }
    let db = checked.staging.join(DB_NAME);
    let (key, login) = match opener {
        Opener::Officer { login, password } => {
            let login = auth::login_key(login).map_err(|_| Error::WrongPassword)?;
            (KeyRing::unlock(&db, &login, password)?.0, login)
        }
        Opener::RecoveryCode { code, login, .. } => {
            let code = recovery::RecoveryCode::parse(code)?;
            let bytes = std::fs::read(checked.staging.join(RECOVERY_NAME)).map_err(|_| SyncError::NoRecoverySeal)?;
            let broken = || damaged("tệp mã khôi phục bị hỏng");
            let seal: RecoverySeal = serde_json::from_slice(&bytes).map_err(|_| broken())?;
            let ephemeral = hex::decode(&seal.ephemeral).ok().and_then(|e| <[u8; 32]>::try_from(e).ok()).ok_or_else(broken)?;
            let wrapped = hex::decode(&seal.wrapped).map_err(|_| broken())?;
            let sealed = crate::seal::Sealed { ephemeral, wrapped };
            let key = crate::seal::open(&sealed, &code.secret(), RECOVERY_LABEL, manifest.ward.as_bytes()).ok_or(SyncError::WrongRecoveryCode)?;
            let login = auth::login_key(login).map_err(|_| InvalidInput::new("login", "Không có tài khoản cán bộ phụ trách này trong bản sao lưu."))?;
            (MasterKey::from_bytes(key), login)
        }
    };
    if manifest.format >= 2 {
        // The whole ring comes back, every account with its password.
        let path = checked.staging.join(SEALED_KEYS_NAME);
        let sealed = std::fs::read(&path).map_err(|e| Error::file(&path, e))?;
        crate::files::write_whole(&checked.staging.join(KEYS_NAME), &open_ring(&sealed, &key, &manifest.ward)?)?;
    }
    crate::store::keep_openssl_at_exit();
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(&db).pragma("key", key.sqlcipher_pragma()).connect().await?;
    let read = async {
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await.map_err(|_| damaged("cơ sở dữ liệu không mở được"))?;
        if integrity != "ok" {
            return Err(damaged(&format!("SQLite báo: {integrity}")));
        }
        let version: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success").fetch_one(&mut conn).await?;
        if version.unwrap_or(0) > crate::store::newest_migration() {
            return Err(Error::NewerDatabase);
        }
        let officer: Option<(String, UserRole)> = sqlx::query_as("SELECT id, role FROM users WHERE login = ? AND deleted_at IS NULL AND disabled_at IS NULL")
            .bind(&login)
            .fetch_optional(&mut conn)
            .await?;
        let Some((user_id, UserRole::Officer)) = officer else {
            return Err(match opener {
                Opener::Officer { .. } => Error::Forbidden("Chỉ tài khoản cán bộ phụ trách trong bản sao lưu mới khôi phục được bản sao lưu.".to_owned()),
                Opener::RecoveryCode { .. } => InvalidInput::new("login", "Không có tài khoản cán bộ phụ trách này trong bản sao lưu.").into(),
            });
        };
        let ward: Option<String> = sqlx::query_scalar("SELECT name FROM ward WHERE deleted_at IS NULL LIMIT 1").fetch_optional(&mut conn).await?;
        let tag: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'ward_tag'").fetch_optional(&mut conn).await?;
        Ok((user_id, ward.unwrap_or_default(), tag.unwrap_or_else(|| crate::sync::file::legacy_ward_tag(&key))))
    }
    .await;
    conn.close().await?;
    let (user_id, ward_name, tag) = read?;
    checked.ward_name = ward_name;
    if tag != checked.ward_tag {
        return Err(damaged("mục lục ghi một phường khác với dữ liệu trong bản sao lưu"));
    }
    if let Opener::RecoveryCode { new_password, .. } = opener {
        // No one knows the officer's password: the restored data opens with the new one.
        keyring::update(&db, |ring| ring.add(&user_id, &login, new_password, &key))?;
    }
    checked.key = key;
    Ok(checked)
}

/// Whether `checked` may replace the data in use. With a session open on it, only an account
/// that manages the ward's laptops restores, and another ward's backup only once the officer
/// confirmed it, both wards named. With none (the data does not open), the backup's own
/// officer's credentials, checked by [`check`], are what allows it.
pub async fn may_restore(checked: &Checked, current: Option<(&Store, &Actor)>, other_ward_confirmed: bool) -> Result<()> {
    let Some((store, actor)) = current else { return Ok(()) };
    actor.require(Need::ManageDevices)?;
    if other_ward_confirmed || checked.of_ward(store).await? {
        return Ok(());
    }
    let current: Option<String> = sqlx::query_scalar("SELECT name FROM ward WHERE deleted_at IS NULL LIMIT 1").fetch_optional(store.pool()).await?;
    Err(Error::OtherWardBackup { backup: checked.ward_name.clone(), current: current.unwrap_or_default() })
}

/// What a backup says of itself, read and checked before any password is asked.
#[derive(Debug, Clone)]
pub struct Inspected {
    /// When it was made (UTC, RFC 3339).
    pub made_at: String,
    /// The kept files it holds.
    pub files: usize,
}

/// Reads what a backup says of itself: the zip's directory and the manifest, every name and
/// every member's storage checked, nothing unpacked.
pub fn inspect<R: Read + std::io::Seek>(reader: R) -> Result<Inspected> {
    let (_, manifest) = open_archive(reader)?;
    let files = manifest.members.iter().filter(|(name, _)| crate::sync::kept_path(name)).count();
    Ok(Inspected { made_at: manifest.made_at, files })
}

/// The zip and its manifest, checked: read up to its limit, at most [`MAX_MEMBERS`] members
/// counted as they are read, no newer format, only names a backup may hold, the database and
/// key ring among them, and every member stored as it is.
fn open_archive<R: Read + std::io::Seek>(reader: R) -> Result<(zip::ZipArchive<R>, Manifest)> {
    let mut zip = zip::ZipArchive::new(reader).map_err(|_| damaged("không phải tệp sao lưu của ứng dụng hoặc bị cắt ngắn"))?;
    let manifest: Manifest = {
        let member = zip.by_name(MANIFEST).map_err(|_| damaged(&format!("thiếu {MANIFEST}")))?;
        let mut bytes = Vec::new();
        member.take(MAX_MANIFEST_BYTES + 1).read_to_end(&mut bytes).map_err(|_| damaged(&format!("không đọc được {MANIFEST}")))?;
        if bytes.len() as u64 > MAX_MANIFEST_BYTES {
            return Err(damaged(&format!("mục lục lớn quá giới hạn {} MB", MAX_MANIFEST_BYTES >> 20)));
        }
        serde_json::from_slice(&bytes).map_err(|e| {
            if e.to_string().contains(TOO_MANY_MEMBERS) {
                damaged(&format!("mục lục kê hơn {} tệp", crate::text::grouped(MAX_MEMBERS as i64)))
            } else {
                damaged("mục lục không đọc được")
            }
        })?
    };
    if manifest.format > FORMAT {
        return Err(Error::NewerDatabase);
    }
    if let Some((name, _)) = manifest.members.iter().find(|(name, _)| !member_name_ok(name)) {
        return Err(damaged(&format!("tên lạ {name}")));
    }
    let names: std::collections::HashSet<&str> = manifest.members.iter().map(|(n, _)| n.as_str()).collect();
    if !names.contains(DB_NAME) || !names.contains(KEYS_NAME) || (manifest.format >= 2 && !names.contains(SEALED_KEYS_NAME)) {
        return Err(damaged("thiếu cơ sở dữ liệu hoặc tệp khóa"));
    }
    for (name, _) in &manifest.members {
        let member = zip.by_name(name).map_err(|_| damaged(&format!("thiếu {name}")))?;
        // The app stores every member as it is (it is encrypted already): a compressed one,
        // which could inflate without end, is not the app's.
        if member.compression() != zip::CompressionMethod::Stored {
            return Err(damaged(&format!("{name} bị nén, không phải do ứng dụng tạo")));
        }
    }
    Ok((zip, manifest))
}

/// What a restore switches: the prepared data, and where the live data goes.
#[derive(Debug, Serialize, Deserialize)]
struct Switch {
    /// The folder holding the backup's database and key ring, checked.
    staging: PathBuf,
    /// The folder the live database and key ring move to.
    aside: PathBuf,
}

/// The database's files and the key ring: `(name as in the data folder, name as in the prepared
/// or aside folder)`. The key ring goes last and comes back first: a key ring without its
/// database is never left in place.
fn switched_files(db_path: &Path) -> Vec<(PathBuf, String)> {
    let mut out: Vec<(PathBuf, String)> = ["", "-wal", "-shm", "-anchor"]
        .iter()
        .map(|suffix| {
            let mut live = db_path.as_os_str().to_owned();
            live.push(suffix);
            (PathBuf::from(live), format!("{DB_NAME}{suffix}"))
        })
        .collect();
    out.push((keyring::path_beside(db_path), KEYS_NAME.to_owned()));
    out
}

/// Restores a checked backup as the database at `db_path` (the app's store must be closed).
/// Kept files are added to those there first (each named by its hash: none is overwritten).
/// Then a note of the switch is written, the live database and key ring are moved into a
/// folder beside them (whose path is returned), the prepared ones moved into place, and the
/// note removed. Each step is a rename in the data folder: a restore killed at any step is
/// finished at the next start ([`finish_interrupted`]); one that fails before the note (a full
/// disk) leaves the live data as it was.
pub async fn restore(mut checked: Checked, db_path: &Path) -> Result<Option<PathBuf>> {
    let _lock = keyring::lock_ring(db_path)?;
    let data_dir = crate::data_dir_of(db_path);
    let files_dir = checked.staging.join("files");
    crate::failpoint::disk_full_at("restore_files").map_err(|e| Error::file(&files_dir, e))?;
    if files_dir.exists() {
        // A kept file the data folder lacks moves in now (nothing live reads it); one it holds
        // under the same key stays; one it holds under another key (this laptop's key changed
        // since the backup, or the backup is another laptop's) is swapped with the data, below.
        for entry in walk(&files_dir)? {
            let relative = entry.strip_prefix(&checked.staging).unwrap_or(&entry).to_path_buf();
            let target = data_dir.join(&relative);
            if !target.exists() {
                if let Some(dir) = target.parent() {
                    std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, e))?;
                }
                std::fs::rename(&entry, &target).map_err(|e| Error::file(&target, e))?;
            } else if std::fs::read(&target).is_ok_and(|live| crate::files::unseal(&checked.key, &live).is_ok()) {
                std::fs::remove_file(&entry).map_err(|e| Error::file(&entry, e))?;
            }
        }
    }
    crate::failpoint::hit_named("restore_files_added");
    let had_data = switched_files(db_path).iter().any(|(live, _)| live.exists());
    let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string();
    let aside = data_dir.join(format!("{ASIDE_PREFIX}{stamp}"));
    let switch = Switch { staging: checked.staging.clone(), aside: aside.clone() };
    let note = serde_json::to_vec_pretty(&switch).expect("a switch serialises");
    crate::failpoint::disk_full_at("restore_note").map_err(|e| Error::file(&data_dir.join(SWITCH_NOTE), e))?;
    crate::files::write_whole(&data_dir.join(SWITCH_NOTE), &note)?;
    crate::failpoint::hit_named("restore_noted");
    if let Err(e) = switch_data(db_path, &switch) {
        // The note stands: the next start finishes the switch, with what is still prepared.
        checked.in_use.keep();
        return Err(e);
    }
    // The prepared folder is now empty of what matters; `Checked` removes the rest.
    drop(checked);
    Ok(had_data.then_some(aside))
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| Error::file(&d, e))? {
            let path = entry.map_err(|e| Error::file(&d, e))?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    Ok(out)
}

/// Moves the live data aside and the prepared data into place, as `switch` says, then removes
/// the note. Safe to run again from any point: each file moves only if it is still where it was.
fn switch_data(db_path: &Path, switch: &Switch) -> Result<()> {
    let data_dir = crate::data_dir_of(db_path);
    let rename = |from: &Path, to: &Path| -> Result<()> {
        std::fs::rename(from, to).map_err(|e| Error::file(from, e))?;
        crate::files::sync_dir(&data_dir).map_err(|e| Error::file(&data_dir, e))
    };
    let files = switched_files(db_path);
    // The prepared database is in place once it has left its folder: from then on nothing
    // live is moved aside again.
    let prepared_left = !switch.staging.join(DB_NAME).exists();
    if !prepared_left {
        std::fs::create_dir_all(&switch.aside).map_err(|e| Error::file(&switch.aside, e))?;
        for (live, name) in files.iter().rev() {
            if live.exists() {
                rename(live, &switch.aside.join(name))?;
                crate::failpoint::hit_named(&format!("restore_aside_{name}"));
            }
        }
    }
    for (live, name) in &files {
        let prepared = switch.staging.join(name);
        if prepared.exists() {
            rename(&prepared, live)?;
            crate::failpoint::hit_named(&format!("restore_in_{name}"));
        }
    }
    // The kept files the backup holds under its key where the replaced data held them under
    // another: the replaced ones go aside with their database.
    let prepared_files = switch.staging.join("files");
    if prepared_files.exists() {
        for prepared in walk(&prepared_files)? {
            let relative = prepared.strip_prefix(&switch.staging).unwrap_or(&prepared).to_path_buf();
            let (live, aside) = (data_dir.join(&relative), switch.aside.join(&relative));
            for dir in [live.parent(), aside.parent()].into_iter().flatten() {
                std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, e))?;
            }
            if live.exists() {
                rename(&live, &aside)?;
            }
            rename(&prepared, &live)?;
        }
    }
    let note = data_dir.join(SWITCH_NOTE);
    std::fs::remove_file(&note).map_err(|e| Error::file(&note, e))?;
    crate::files::sync_dir(&data_dir).map_err(|e| Error::file(&data_dir, e))?;
    let _ = std::fs::remove_dir_all(&switch.staging);
    Ok(())
}

/// At start, before the data is opened: finishes a restore that was interrupted while it
/// switched the data (its note is there), and removes what killed backups and restores left
/// in the data folder (prepared folders, partial copies). Returns the folder the replaced data
/// was kept in when a restore was finished.
pub fn finish_interrupted(db_path: &Path) -> Result<Option<PathBuf>> {
    let data_dir = crate::data_dir_of(db_path);
    let note = data_dir.join(SWITCH_NOTE);
    let mut finished = None;
    if note.exists() {
        let _lock = keyring::lock_ring(db_path)?;
        let text = std::fs::read(&note).map_err(|e| Error::file(&note, e))?;
        let switch: Switch = serde_json::from_slice(&text).map_err(|_| damaged("ghi chú khôi phục dở dang không đọc được"))?;
        let inside = |p: &Path| p.parent() == Some(data_dir.as_path());
        if !inside(&switch.staging) || !inside(&switch.aside) {
            return Err(damaged("ghi chú khôi phục dở dang trỏ ra ngoài thư mục dữ liệu"));
        }
        switch_data(db_path, &switch)?;
        finished = Some(switch.aside);
    }
    // Another process may be backing up or restoring right now: its work is locked.
    crate::files::remove_left_behind(&data_dir, |name| name.starts_with(STAGING_PREFIX) || name.starts_with(TEMPORARY_PREFIX));
    crate::files::remove_left_behind(&folder_at(&data_dir), |name| name.starts_with('.') && name.ends_with(PARTIAL_SUFFIX));
    Ok(finished)
}

/// A folder where data replaced by a restore is kept, when no data is in place: a new ward
/// must not be made over it (the officer moves it back, or restores).
pub fn data_kept_aside(db_path: &Path) -> Option<PathBuf> {
    if db_path.exists() || keyring::path_beside(db_path).exists() {
        return None;
    }
    let data_dir = crate::data_dir_of(db_path);
    let mut kept: Vec<PathBuf> = std::fs::read_dir(&data_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(ASIDE_PREFIX) && e.path().join(KEYS_NAME).exists())
        .map(|e| e.path())
        .collect();
    kept.sort();
    kept.pop()
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
    folder_at(store.data_dir())
}

fn folder_at(data_dir: &Path) -> PathBuf {
    data_dir.join("backups")
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
    if crate::sync::require_whole_laptop(store, actor).await.is_err() {
        return Ok(None);
    }
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

    fn zip_of(manifest: &[u8]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        zip.start_file(MANIFEST, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(manifest).unwrap();
        zip.finish().unwrap().into_inner()
    }

    #[test]
    fn a_manifest_of_millions_of_tiny_members_is_refused_as_it_is_read() {
        let members = vec![["", ""]; MAX_MEMBERS + 1];
        let manifest = serde_json::to_vec(&serde_json::json!({ "format": 1, "ward": "w", "made_at": "t", "members": members })).unwrap();
        let err = inspect(std::io::Cursor::new(zip_of(&manifest))).unwrap_err();
        assert!(err.to_string().contains("mục lục kê hơn 200.000 tệp"), "{err}");
        let bare = serde_json::to_vec(&serde_json::json!({ "format": 1, "ward": "w", "made_at": "t", "members": [] })).unwrap();
        assert!(inspect(std::io::Cursor::new(zip_of(&bare))).unwrap_err().to_string().contains("thiếu cơ sở dữ liệu"));
    }

    #[test]
    fn sizes_read_as_vietnamese_write_them() {
        assert_eq!(size_text(1_288_490), "1,2 MB");
        assert_eq!(size_text(36_000), "36 KB");
        assert_eq!(size_text(1), "1 KB");
    }
}
