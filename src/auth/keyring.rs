//! The key ring beside the database (`treem.keys`): one slot per account. A slot holds an
//! X25519 key pair of its own, the secret wrapped with a key derived from the account's password
//! by Argon2id, and the laptop's master key sealed to the slot's public key (as [`crate::seal`]
//! does). So the master key can be sealed anew to every slot without anyone's password: when an
//! account is stopped or a password changes, the next login on the laptop [changes the master
//! key](change_key) — the database, the kept files and every remaining slot — and a copy of this
//! file taken before opens nothing any more. The master key itself is never written anywhere in
//! clear, and lives in memory only while unlocked.
//!
//! One process at a time reads, changes and writes the ring (an OS lock on `treem.keys.lock`,
//! released by the system if the process dies), so a login counting a wrong password beside an
//! officer adding an account cannot undo the new slot.
//!
//! Also here: moving a database into its encrypted form. The encrypted copy is written beside
//! the old file as `treem.db.new`, checked, and renamed over it, so a crash at any moment leaves
//! either the old or the new file whole.

use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use chrono::{DateTime, Utc};
use curve25519_dalek::MontgomeryPoint;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sqlx::{ConnectOptions, Connection};
use zeroize::Zeroizing;

use crate::{Error, Result};

/// The ward's 256-bit master key: opens the database (SQLCipher) and the kept files. Erased
/// from memory when dropped.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    /// A fresh random key.
    pub fn generate() -> MasterKey {
        let mut key = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(key.as_mut());
        MasterKey(key)
    }

    /// The key of these bytes (a key unsealed from a backup).
    pub(crate) fn from_bytes(bytes: Zeroizing<[u8; 32]>) -> MasterKey {
        MasterKey(bytes)
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The value of SQLCipher's `PRAGMA key` for a raw key (no key derivation inside SQLCipher:
    /// the key is already random).
    pub(crate) fn sqlcipher_pragma(&self) -> String {
        format!("\"x'{}'\"", hex::encode_upper(self.0.as_ref()))
    }
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(…)")
    }
}

/// Argon2id's cost: above OWASP's minimum for Argon2id (19 MiB, 2 passes) in memory, with
/// unlocking well under a second on a 2-core laptop (`scripts/bench` measures it).
pub(crate) const ARGON2_MEMORY_KIB: u32 = 64 * 1024;
pub(crate) const ARGON2_PASSES: u32 = 2;
pub(crate) const ARGON2_LANES: u32 = 1;

/// After this many wrong passwords in a row, each further try waits.
pub const FREE_TRIES: u32 = 5;

/// The key ring file of the database at `db_path`.
pub fn path_beside(db_path: &Path) -> PathBuf {
    db_path.with_extension("keys")
}

/// Where the encrypted copy of a database is written before it replaces the old file.
pub fn pending_path(db_path: &Path) -> PathBuf {
    let mut name = db_path.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

/// The key ring's lock, held while the ring is read, changed and written, or while the data is
/// set up or moved into its encrypted form.
pub(crate) struct RingLock(#[allow(dead_code)] std::fs::File);

/// Waits for the key ring's lock.
pub(crate) fn lock_ring(db_path: &Path) -> Result<RingLock> {
    let path = db_path.with_extension("keys.lock");
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::file(dir, e))?;
    }
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(|e| Error::file(&path, e))?;
    file.lock().map_err(|e| Error::file(&path, e))?;
    Ok(RingLock(file))
}

/// Reads the ring, lets `change` change it, and writes it back, under the ring's lock.
pub(crate) fn update<T>(db_path: &Path, change: impl FnOnce(&mut KeyRing) -> Result<T>) -> Result<T> {
    let _lock = lock_ring(db_path)?;
    let mut ring = KeyRing::load(db_path)?;
    let out = change(&mut ring)?;
    ring.save(db_path)?;
    Ok(out)
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct KeyRing {
    format: u32,
    slots: Vec<Slot>,
    /// The master key is to change at the next login: an account was stopped or a password
    /// changed, and a copy of this file taken before would still open the data.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    change_key: bool,
    /// The master key changed and the audit trail does not say so yet (it is written at the
    /// next login that can write).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    key_changed: bool,
}

/// The ring's format: 2 since slots have key pairs (1: the master key under each password).
const FORMAT: u32 = 2;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Slot {
    user_id: String,
    login: String,
    memory_kib: u32,
    passes: u32,
    lanes: u32,
    salt: String,
    nonce: String,
    /// The slot's X25519 secret, wrapped under the password's key; in a slot an older version
    /// wrote (no `public`), the master key itself.
    wrapped: String,
    /// The slot's X25519 public key, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    public: Option<String>,
    /// The master key sealed to `public`: the ephemeral public key and the wrapped key, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed: Option<(String, String)>,
    #[serde(default)]
    failures: u32,
    #[serde(default)]
    last_failure: Option<DateTime<Utc>>,
    /// Wrong passwords not yet written to the audit trail (it is encrypted: they are written
    /// at the next successful login).
    #[serde(default)]
    unreported: u32,
}

pub(crate) fn kek(password: &str, salt: &[u8], memory_kib: u32, passes: u32, lanes: u32) -> Result<Zeroizing<[u8; 32]>> {
    let params = Params::new(memory_kib, passes, lanes, Some(32)).map_err(|_| Error::DamagedKeyRing)?;
    let mut out = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(password.as_bytes(), salt, out.as_mut())
        .map_err(|_| Error::DamagedKeyRing)?;
    Ok(out)
}

/// What a slot's wrapping binds to: the account, so a slot cannot be moved to another.
fn slot_aad(user_id: &str, login: &str) -> Vec<u8> {
    format!("treem-slot\u{1f}{user_id}\u{1f}{login}").into_bytes()
}

/// What the master key sealed to a slot is for.
const SLOT_LABEL: &[u8] = b"treem key ring slot v2";

impl Slot {
    /// A slot for `user_id` whose password gave `kek` (from `salt`), holding `key`.
    fn new(user_id: &str, login: &str, salt: &[u8], kek: &[u8; 32], key: &MasterKey) -> Result<Slot> {
        let mut secret = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(secret.as_mut());
        let mut nonce = [0u8; 24];
        OsRng.fill_bytes(&mut nonce);
        let aad = slot_aad(user_id, login);
        let wrapped = XChaCha20Poly1305::new(kek.into())
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: secret.as_ref(), aad: &aad })
            .map_err(|_| Error::DamagedKeyRing)?;
        let mut slot = Slot {
            user_id: user_id.to_owned(),
            login: login.to_owned(),
            memory_kib: ARGON2_MEMORY_KIB,
            passes: ARGON2_PASSES,
            lanes: ARGON2_LANES,
            salt: hex::encode(salt),
            nonce: hex::encode(nonce),
            wrapped: hex::encode(wrapped),
            public: Some(hex::encode(MontgomeryPoint::mul_base_clamped(*secret).to_bytes())),
            sealed: None,
            failures: 0,
            last_failure: None,
            unreported: 0,
        };
        slot.seal(key)?;
        Ok(slot)
    }

    /// Seals `key` to the slot's public key (a slot an older version wrote has none: it gets one
    /// at its owner's next login).
    fn seal(&mut self, key: &MasterKey) -> Result<()> {
        let public = self.public.as_deref().and_then(|p| hex::decode(p).ok()).and_then(|p| <[u8; 32]>::try_from(p).ok()).ok_or(Error::DamagedKeyRing)?;
        let sealed = crate::seal::seal(key.bytes(), &MontgomeryPoint(public), SLOT_LABEL, &slot_aad(&self.user_id, &self.login)).ok_or(Error::DamagedKeyRing)?;
        self.sealed = Some((hex::encode(sealed.ephemeral), hex::encode(sealed.wrapped)));
        Ok(())
    }

    /// The master key, from what the password's key unwrapped.
    fn master_key(&self, unwrapped: &[u8; 32]) -> Option<MasterKey> {
        let Some((ephemeral, wrapped)) = &self.sealed else {
            return Some(MasterKey(Zeroizing::new(*unwrapped)));
        };
        let sealed = crate::seal::Sealed { ephemeral: hex::decode(ephemeral).ok()?.try_into().ok()?, wrapped: hex::decode(wrapped).ok()? };
        crate::seal::open(&sealed, unwrapped, SLOT_LABEL, &slot_aad(&self.user_id, &self.login)).map(MasterKey)
    }
}

impl KeyRing {
    pub(crate) fn load(db_path: &Path) -> Result<KeyRing> {
        let path = path_beside(db_path);
        let text = std::fs::read_to_string(&path).map_err(|e| Error::file(&path, e))?;
        let ring: KeyRing = serde_json::from_str(&text).map_err(|_| Error::DamagedKeyRing)?;
        if ring.format > FORMAT {
            return Err(Error::NewerDatabase);
        }
        Ok(ring)
    }

    /// Written whole or not at all (temporary file, flushed, renamed over), by a holder of
    /// the ring's lock.
    pub(crate) fn save(&self, db_path: &Path) -> Result<()> {
        let path = path_beside(db_path);
        let json = serde_json::to_vec_pretty(self).map_err(|_| Error::DamagedKeyRing)?;
        crate::files::write_whole(&path, &json)
    }

    /// Gives `user_id` a slot for `password`, replacing the one it had.
    pub(crate) fn add(&mut self, user_id: &str, login: &str, password: &str, key: &MasterKey) -> Result<()> {
        let mut salt = [0u8; 16];
        OsRng.fill_bytes(&mut salt);
        let kek = kek(password, &salt, ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES)?;
        let slot = Slot::new(user_id, login, &salt, &kek, key)?;
        self.format = FORMAT;
        self.remove(user_id);
        self.slots.push(slot);
        Ok(())
    }

    /// Asks for the master key to change at the next login (see [`change_key`]).
    pub(crate) fn change_key_soon(&mut self) {
        self.change_key = true;
    }

    /// Whether the master key changed and the audit trail does not say so yet.
    pub(crate) fn key_changed(&self) -> bool {
        self.key_changed
    }

    /// Notes that the audit trail says the key changed.
    pub(crate) fn key_change_written(&mut self) {
        self.key_changed = false;
    }

    /// For a backup, under the ring's lock: the whole ring as written, and a ring holding only
    /// the slots of `keep` (the officers), their wrong-password counts cleared; `None` for the
    /// latter when none of them has a slot here.
    pub(crate) fn for_backup(db_path: &Path, keep: &[String]) -> Result<(Zeroizing<Vec<u8>>, Option<Vec<u8>>)> {
        let _lock = lock_ring(db_path)?;
        let ring = KeyRing::load(db_path)?;
        let whole = Zeroizing::new(serde_json::to_vec_pretty(&ring).map_err(|_| Error::DamagedKeyRing)?);
        let slots = ring
            .slots
            .into_iter()
            .filter(|s| keep.contains(&s.user_id))
            .map(|s| Slot { failures: 0, last_failure: None, unreported: 0, ..s })
            .collect();
        let officers = KeyRing { format: ring.format, slots, ..KeyRing::default() };
        if officers.slots.is_empty() {
            return Ok((whole, None));
        }
        Ok((whole, Some(serde_json::to_vec_pretty(&officers).map_err(|_| Error::DamagedKeyRing)?)))
    }

    pub(crate) fn remove(&mut self, user_id: &str) {
        self.slots.retain(|s| s.user_id != user_id);
    }

    /// Whether `user_id` has a slot.
    pub(crate) fn holds(&self, user_id: &str) -> bool {
        self.slots.iter().any(|s| s.user_id == user_id)
    }

    /// Unwraps the master key with `login`'s password. A wrong password is counted in the key
    /// ring (never in the database); from the sixth in a row each try must wait longer. Tries
    /// take turns under the ring's lock, so tries made in parallel are counted as one after
    /// another and cannot all pass the wait. Returns the key and the wrong tries since the last
    /// login, for the audit trail.
    pub(crate) fn unlock(db_path: &Path, login: &str, password: &str) -> Result<(MasterKey, u32)> {
        let _lock = lock_ring(db_path)?;
        KeyRing::unlock_held(db_path, login, password)
    }

    /// As [`unlock`](KeyRing::unlock), by a holder of the ring's lock (a login keeps it until its
    /// database is open, so that no other process changes the key in between).
    pub(crate) fn unlock_held(db_path: &Path, login: &str, password: &str) -> Result<(MasterKey, u32)> {
        let mut ring = KeyRing::load(db_path)?;
        let Some(at) = ring.slots.iter().position(|s| s.login == login) else {
            // As slow as a real try, so that which names exist does not show.
            let _ = kek(password, &[0u8; 16], ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES);
            return Err(Error::WrongPassword);
        };
        let now = Utc::now();
        let slot = &mut ring.slots[at];
        if let Some(wait) = wait_after(slot.failures, slot.last_failure, now) {
            return Err(Error::TooManyTries { seconds: wait });
        }
        let salt = hex::decode(&slot.salt).map_err(|_| Error::DamagedKeyRing)?;
        let nonce = hex::decode(&slot.nonce).map_err(|_| Error::DamagedKeyRing)?;
        let wrapped = hex::decode(&slot.wrapped).map_err(|_| Error::DamagedKeyRing)?;
        if nonce.len() != 24 {
            return Err(Error::DamagedKeyRing);
        }
        let kek = kek(password, &salt, slot.memory_kib, slot.passes, slot.lanes)?;
        let opened = XChaCha20Poly1305::new(kek.as_ref().into())
            .decrypt(XNonce::from_slice(&nonce), Payload { msg: &wrapped, aad: &slot_aad(&slot.user_id, &slot.login) })
            .ok()
            .map(Zeroizing::new)
            .and_then(|bytes| <[u8; 32]>::try_from(bytes.as_slice()).ok().map(Zeroizing::new))
            .and_then(|unwrapped| slot.master_key(&unwrapped));
        let key = match opened {
            Some(key) => key,
            None => {
                slot.failures += 1;
                slot.unreported += 1;
                slot.last_failure = Some(now);
                ring.save(db_path)?;
                return Err(Error::WrongPassword);
            }
        };
        let old_form = slot.public.is_none();
        if slot.failures == 0 && slot.unreported == 0 && !old_form {
            return Ok((key, 0));
        }
        if old_form {
            // A slot an older version wrote gets a key pair, so that a new master key can reach it.
            let fresh = Slot::new(&slot.user_id, &slot.login, &salt, &kek, &key)?;
            *slot = Slot { memory_kib: slot.memory_kib, passes: slot.passes, lanes: slot.lanes, unreported: slot.unreported, ..fresh };
            ring.format = FORMAT;
        }
        slot.failures = 0;
        slot.last_failure = None;
        let unreported = std::mem::take(&mut slot.unreported);
        ring.save(db_path)?;
        Ok((key, unreported))
    }
}

/// How long the next try must still wait after `failures` wrong passwords in a row: nothing for
/// the first five, then 30 s, doubling up to 15 minutes.
fn wait_after(failures: u32, last: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<u64> {
    if failures < FREE_TRIES {
        return None;
    }
    let delay = (30u64 << (failures - FREE_TRIES).min(5)).min(15 * 60);
    let since = last.map(|t| (now - t).num_seconds().max(0) as u64).unwrap_or(delay);
    (since < delay).then(|| delay - since)
}

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// Whether the file at `path` is an unencrypted SQLite database.
pub fn is_plain_sqlite(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 16];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut head)).is_ok() && &head == SQLITE_HEADER
}

/// A path as an SQL string literal (for `ATTACH DATABASE`).
pub(crate) fn quoted(path: &Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', "''"))
}

/// Writes the encrypted copy of the database at `db_path` to `target` (nothing when there is no
/// database yet: the store creates it encrypted). The old file is not touched.
pub(crate) async fn encrypt_copy(db_path: &Path, target: &Path, key: &MasterKey) -> Result<()> {
    // An empty file (a copy that never got its content) holds nothing to keep.
    if std::fs::metadata(db_path).map_or(true, |m| m.len() == 0) {
        return Ok(());
    }
    if !is_plain_sqlite(db_path) {
        return Err(Error::MissingKeyRing);
    }
    // The attached file is created with the main connection's flags: allow creating.
    crate::store::keep_openssl_at_exit();
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(db_path).create_if_missing(true).connect().await?;
    // Whatever the WAL holds goes into the main file first, so the copy has all of it.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await?;
    sqlx::query(&format!("ATTACH DATABASE {} AS encrypted KEY {}", quoted(target), key.sqlcipher_pragma()))
        .execute(&mut conn)
        .await?;
    sqlx::query("SELECT sqlcipher_export('encrypted')").execute(&mut conn).await?;
    sqlx::query("DETACH DATABASE encrypted").execute(&mut conn).await?;
    conn.close().await?;
    crate::failpoint::hit_named("encrypt_copied");
    Ok(())
}

/// What a login's look at the master key came to (see [`change_key`]).
pub(crate) enum KeyChange {
    /// Nothing to change, or not now: another window or command has the data open, or an
    /// account has not logged in since this version gave slots key pairs (its slot could not
    /// receive a new key).
    Kept,
    /// The key changed: the new one.
    Changed(MasterKey),
    /// The change failed before it held (why, in words): the data is as it was, under the old
    /// key, and the next login tries again.
    Failed(String),
}

/// Changes the master key of the laptop whose database is at `db_path` from `old`, when the
/// ring asks for it, no other process has the database open, and every slot has a key pair.
/// The caller holds the ring's lock. Like the move into the encrypted form, and with the same
/// [`finish_pending`]: the database is copied under the new key beside the old one
/// (`treem.db.new`), the kept files are sealed anew beside theirs (`.moi-…`), then the ring is
/// written with the new key sealed to every slot — the moment the change holds —, and the
/// copies take the old files' places. Killed before the ring is written, the old files stand and
/// the copies are thrown away at the next login; after, the next login finishes the swap.
pub(crate) async fn change_key(db_path: &Path, old: &MasterKey) -> Result<KeyChange> {
    let mut ring = KeyRing::load(db_path)?;
    if !ring.change_key || ring.slots.iter().any(|s| s.public.is_none()) {
        return Ok(KeyChange::Kept);
    }
    let Some(_alone) = crate::store::open_alone(db_path)? else { return Ok(KeyChange::Kept) };
    let new = MasterKey::generate();
    let pending = pending_path(db_path);
    let data_dir = crate::data_dir_of(db_path);
    let prepared = async {
        remove_with_sidecars(&pending, true)?;
        if !copy_under(db_path, old, &pending, &new).await? {
            return Ok(false);
        }
        crate::failpoint::hit_named("key_copied");
        crate::failpoint::disk_full_at("key_files").map_err(|e| Error::file(&data_dir, e))?;
        crate::files::seal_anew(&data_dir, old, &new)?;
        crate::failpoint::hit_named("key_files_sealed");
        Ok::<bool, Error>(true)
    };
    let failed = match prepared.await {
        Ok(true) => None,
        Ok(false) => Some(None),
        Err(e) => Some(Some(e.to_string())),
    };
    if let Some(why) = failed {
        // Nothing holds yet: what was prepared goes, the files first (see `finish_pending`).
        crate::files::settle_sealed_anew(&data_dir, None)?;
        remove_with_sidecars(&pending, true)?;
        return Ok(why.map_or(KeyChange::Kept, KeyChange::Failed));
    }
    for slot in &mut ring.slots {
        slot.seal(&new)?;
    }
    ring.format = FORMAT;
    ring.change_key = false;
    ring.key_changed = true;
    ring.save(db_path)?;
    crate::failpoint::hit_named("key_ring_written");
    finish_pending(db_path, &new).await?;
    Ok(KeyChange::Changed(new))
}

/// Writes a copy of the database at `db_path` (opened with `key`) to `target`, encrypted with
/// `target_key`; `false`, and nothing written, while another connection has the database open.
/// The old file is not touched.
async fn copy_under(db_path: &Path, key: &MasterKey, target: &Path, target_key: &MasterKey) -> Result<bool> {
    crate::store::keep_openssl_at_exit();
    // No store has the file open (the caller holds `open_alone`). A connection can still
    // linger, idle, a moment after its store went: the normal locking mode keeps the WAL's
    // shared index true for it. (The exclusive mode would not: it keeps the index in its own
    // memory and deletes the WAL under the other connection, whose stale index then makes the
    // next open fail with a short read.) The attached copy is created with the main
    // connection's flags: allow creating.
    let opened = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(db_path)
        .create_if_missing(true)
        .pragma("key", key.sqlcipher_pragma())
        .busy_timeout(std::time::Duration::from_secs(3))
        .connect()
        .await;
    let busy = |e: &sqlx::Error| matches!(e, sqlx::Error::Database(d) if d.code().and_then(|c| c.parse::<i32>().ok()).is_some_and(|c| c & 0xff == 5));
    let mut conn = match opened {
        Ok(conn) => conn,
        Err(e) if busy(&e) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    if let Err(e) = sqlx::query("SELECT count(*) FROM sqlite_master").execute(&mut conn).await {
        conn.close().await?;
        return if busy(&e) { Ok(false) } else { Err(e.into()) };
    }
    // A ward set up before tags were kept takes its tag from the key: it is written down, so that
    // it outlives the key.
    sqlx::query("INSERT OR IGNORE INTO meta (key, value) VALUES ('ward_tag', ?)").bind(crate::sync::file::legacy_ward_tag(key)).execute(&mut conn).await?;
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await?;
    sqlx::query(&format!("ATTACH DATABASE {} AS rekeyed KEY {}", quoted(target), target_key.sqlcipher_pragma())).execute(&mut conn).await?;
    sqlx::query("SELECT sqlcipher_export('rekeyed')").execute(&mut conn).await?;
    sqlx::query("DETACH DATABASE rekeyed").execute(&mut conn).await?;
    conn.close().await?;
    Ok(true)
}

/// Completes a move into the encrypted form, or a change of key, that a crash interrupted: the
/// checked copy waiting beside the database replaces it when it opens with the ring's key, and
/// the kept files sealed anew for it take their places. A copy under another key, beside a
/// database the ring's key opens, is a change of key killed before its ring was written: it is
/// thrown away, with the files sealed for it. The caller holds the ring's lock. Kept files not
/// yet encrypted are encrypted.
pub(crate) async fn finish_pending(db_path: &Path, key: &MasterKey) -> Result<()> {
    let pending = pending_path(db_path);
    let data_dir = crate::data_dir_of(db_path);
    if pending.exists() {
        if !opens_whole(&pending, key).await {
            if is_plain_sqlite(db_path) || !opens_whole(db_path, key).await {
                return Err(Error::UnfinishedEncryption);
            }
            // The files first: without the copy beside them, they would be taken for a finished change.
            crate::files::settle_sealed_anew(&data_dir, None)?;
            remove_with_sidecars(&pending, true)?;
            return crate::files::encrypt_plain_files(&data_dir, key);
        }
        remove_with_sidecars(db_path, false)?;
        crate::failpoint::hit_named("encrypt_before_swap");
        std::fs::rename(&pending, db_path).map_err(|e| Error::file(db_path, e))?;
        // The copy's anchor was written beside it as it was built: the database's own is next.
        remove_with_sidecars(&pending, false)?;
        let mut open_lock = pending.as_os_str().to_owned();
        open_lock.push("-open");
        let _ = std::fs::remove_file(open_lock);
        let dir = db_path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        crate::files::sync_dir(dir).map_err(|e| Error::file(dir, e))?;
    } else if is_plain_sqlite(db_path) {
        return Err(Error::PlainDatabaseBesideKeyRing);
    }
    crate::files::settle_sealed_anew(&data_dir, Some(key))?;
    crate::files::encrypt_plain_files(&data_dir, key)
}

/// Removes a database's WAL, shared-memory and anchor files (and, with `itself`, the database),
/// so that no stale journal is applied to, nor stale anchor held against, the file that takes
/// its place.
pub(crate) fn remove_with_sidecars(db_path: &Path, itself: bool) -> Result<()> {
    let mut paths: Vec<PathBuf> = ["-wal", "-shm", "-journal", "-anchor"]
        .iter()
        .map(|suffix| {
            let mut side = db_path.as_os_str().to_owned();
            side.push(suffix);
            PathBuf::from(side)
        })
        .collect();
    if itself {
        paths.push(db_path.to_path_buf());
    }
    for path in paths.into_iter().filter(|p| p.exists()) {
        std::fs::remove_file(&path).map_err(|e| Error::file(&path, e))?;
    }
    Ok(())
}

/// Whether `path` opens with `key` and passes SQLite's integrity check; its WAL is folded in.
async fn opens_whole(path: &Path, key: &MasterKey) -> bool {
    let opened = async {
        crate::store::keep_openssl_at_exit();
        let mut conn = sqlx::sqlite::SqliteConnectOptions::new().filename(path).pragma("key", key.sqlcipher_pragma()).connect().await?;
        let check: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut conn).await?;
        conn.close().await?;
        Ok::<bool, sqlx::Error>(check == "ok")
    };
    opened.await.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tries_wait_longer_after_five_wrong_passwords() {
        let now = Utc::now();
        assert_eq!(wait_after(4, Some(now), now), None);
        assert_eq!(wait_after(5, Some(now), now), Some(30));
        assert_eq!(wait_after(6, Some(now - chrono::Duration::seconds(10)), now), Some(50));
        assert_eq!(wait_after(5, Some(now - chrono::Duration::seconds(31)), now), None);
        assert_eq!(wait_after(40, Some(now), now), Some(15 * 60));
    }

    #[test]
    fn a_slot_an_older_version_wrote_opens_and_is_given_a_key_pair() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("treem.db");
        let key = MasterKey::generate();
        let password = "đồng hồ cát xanh lá";
        let (salt, nonce) = ([3u8; 16], [4u8; 24]);
        // As the version before key pairs wrote it: the master key itself under the password's key.
        let kek = kek(password, &salt, ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES).unwrap();
        let wrapped = XChaCha20Poly1305::new(kek.as_ref().into()).encrypt(XNonce::from_slice(&nonce), Payload { msg: key.bytes(), aad: &slot_aad("u1", "canbo") }).unwrap();
        let old = Slot { nonce: hex::encode(nonce), wrapped: hex::encode(wrapped), public: None, sealed: None, ..Slot::new("u1", "canbo", &salt, &kek, &key).unwrap() };
        KeyRing { format: 1, slots: vec![old], ..KeyRing::default() }.save(&db).unwrap();
        assert!(matches!(KeyRing::unlock(&db, "canbo", "sai mật khẩu"), Err(Error::WrongPassword)));
        let (opened, wrong) = KeyRing::unlock(&db, "canbo", password).unwrap();
        assert_eq!((opened.bytes(), wrong), (key.bytes(), 1));
        let slot = &KeyRing::load(&db).unwrap().slots[0];
        assert!(slot.public.is_some() && slot.sealed.is_some(), "the slot has its key pair now");
        assert_eq!(KeyRing::unlock(&db, "canbo", password).unwrap().0.bytes(), key.bytes());
    }
}
