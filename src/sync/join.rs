//! Joining a laptop to the ward. The officer makes a join file for one of the ward's accounts:
//! the ward's tag, the new laptop's device id and signing key, the office laptop's public key and
//! a first sync file of what the account may see, sealed to the new laptop — all encrypted under
//! a key derived (Argon2id) from a one-time passphrase the officer gives the user apart from the
//! file. The new laptop opens it, makes its own database key, the user sets their own password
//! there, and the laptop is a device of the ward. No laptop's key opens another's data.
//!
//! ```text
//! "TREEMJ01" | header length (u32 LE) | header (JSON: who and what, the KDF's salt) | sealed secrets
//! ```

use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::SigningKey;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::{file, register_self, signing_key, DeviceRow, SyncError};
use crate::audit::Event;
use crate::auth::keyring::{self, KeyRing, MasterKey};
use crate::auth::{self, Actor, Need, UserRole};
use crate::store::{new_id, Cols, Source};
use crate::{Error, Result, Store};

const MAGIC: &[u8; 8] = b"TREEMJ01";
/// Letters and digits that cannot be misread for one another (no i, l, o, 0, 1).
const PASSPHRASE_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: u32,
    device_name: String,
    login: String,
    account_name: String,
    role: UserRole,
    salt: String,
    nonce: String,
    memory_kib: u32,
    passes: u32,
    lanes: u32,
}

/// The join file's format: 1 carried the office's database key.
const FORMAT: u32 = 2;

#[derive(Serialize, Deserialize)]
struct Secrets {
    ward_tag: String,
    user_id: String,
    device_id: String,
    signing_key: String,
    sender_device_id: String,
    sender_public_key: String,
    /// The public key of the ward's recovery code, which this laptop's backups are sealed to.
    #[serde(default)]
    backup_recipient: Option<String>,
}

/// A join file made for a new laptop, with the passphrase that opens it.
pub struct Invitation {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// The one-time passphrase, to give the user apart from the file.
    pub passphrase: String,
    /// The new laptop's device id.
    pub device_id: String,
}

/// Joining a laptop for the account `login`, to be called `name` in the list of devices.
pub async fn invite(store: &Store, actor: &Actor, name: &str, login: &str) -> Result<Invitation> {
    actor.require(Need::ManageDevices)?;
    let name = crate::text::required("name", "Tên máy", name, 100)?;
    let login = auth::login_key(login)?;
    let user = auth::users(store, actor)
        .await?
        .into_iter()
        .find(|u| u.login == login && u.disabled_at.is_none())
        .ok_or_else(|| crate::text::InvalidInput::new("user", format!("Phường không có tài khoản «{login}» đang dùng.")))?;
    let office_key = signing_key(store.pool()).await?;
    let laptop_key = SigningKey::generate(&mut OsRng);
    let device_id = new_id();
    let mut w = store.write(actor, Source::Window).await?;
    register_self(&mut w, &office_key).await?;
    let cols = Cols::new().set("name", &name).set("user_id", &user.id).set("public_key", hex::encode(laptop_key.verifying_key().to_bytes()));
    w.insert("devices", &device_id, cols).await?;
    w.event("devices", &device_id, Event::DeviceInvited, serde_json::json!({ "máy": name, "tài khoản": user.login })).await?;
    w.commit().await?;
    let (bundle, _) = super::export(store, actor, Some(&device_id), true).await?;

    let mut passphrase = String::new();
    for i in 0..20 {
        if i > 0 && i % 5 == 0 {
            passphrase.push('-');
        }
        let mut b = [0u8; 1];
        loop {
            OsRng.fill_bytes(&mut b);
            // Only bytes that map evenly onto the alphabet, so every letter is equally likely.
            if (b[0] as usize) < 256 - 256 % PASSPHRASE_ALPHABET.len() {
                break;
            }
        }
        passphrase.push(PASSPHRASE_ALPHABET[b[0] as usize % PASSPHRASE_ALPHABET.len()] as char);
    }
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let header = Header {
        format: FORMAT,
        device_name: name,
        login: user.login.clone(),
        account_name: user.name.clone(),
        role: user.role,
        salt: hex::encode(salt),
        nonce: hex::encode(nonce),
        memory_kib: keyring::ARGON2_MEMORY_KIB,
        passes: keyring::ARGON2_PASSES,
        lanes: keyring::ARGON2_LANES,
    };
    let secrets = Secrets {
        ward_tag: super::ward_tag(store).await?,
        user_id: user.id,
        device_id: device_id.clone(),
        signing_key: hex::encode(laptop_key.to_bytes()),
        sender_device_id: store.device_id().to_owned(),
        sender_public_key: hex::encode(office_key.verifying_key().to_bytes()),
        backup_recipient: crate::backup::recovery::recipient_hex(store).await?,
    };
    let secrets_json = Zeroizing::new(serde_json::to_vec(&secrets).expect("secrets serialise"));
    let mut plain = Zeroizing::new((secrets_json.len() as u32).to_le_bytes().to_vec());
    plain.extend_from_slice(&secrets_json);
    plain.extend_from_slice(&bundle);
    let header_json = serde_json::to_vec(&header).expect("a header serialises");
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&(header_json.len() as u32).to_le_bytes());
    out.extend_from_slice(&header_json);
    let kek = keyring::kek(&normal(&passphrase), &salt, header.memory_kib, header.passes, header.lanes)?;
    let sealed = XChaCha20Poly1305::new(kek.as_ref().into())
        .encrypt(XNonce::from_slice(&nonce), Payload { msg: &plain, aad: &out })
        .map_err(|_| SyncError::NotAJoinFile)?;
    out.extend_from_slice(&sealed);
    Ok(Invitation { bytes: out, passphrase, device_id })
}

/// A passphrase as typed: case, spaces and dashes do not matter.
fn normal(passphrase: &str) -> String {
    passphrase.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

/// What a join file says before it is opened: the laptop's name, the account and its role.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct JoinFacts {
    /// The name the office gave the laptop.
    pub device_name: String,
    /// The account's login name.
    pub login: String,
    /// The account's full name.
    pub account_name: String,
    /// Its role.
    pub role: UserRole,
}

fn read_header(bytes: &[u8]) -> Result<(Header, usize), SyncError> {
    if bytes.len() < 12 || &bytes[..8] != MAGIC {
        return Err(SyncError::NotAJoinFile);
    }
    let len = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes")) as usize;
    let header: Header = bytes.get(12..12 + len).and_then(|h| serde_json::from_slice(h).ok()).ok_or(SyncError::NotAJoinFile)?;
    if header.format < FORMAT {
        return Err(SyncError::OlderFormat);
    }
    if header.format > FORMAT {
        return Err(SyncError::NewerFormat);
    }
    Ok((header, 12 + len))
}

/// Reads who a join file is for.
pub fn facts(bytes: &[u8]) -> Result<JoinFacts> {
    let (h, _) = read_header(bytes)?;
    Ok(JoinFacts { device_name: h.device_name, login: h.login, account_name: h.account_name, role: h.role })
}

/// Makes this laptop a device of the ward from a join file: creates the database at `db_path`
/// (which must not hold data yet) with what the file carries, and gives the account a key-ring
/// slot for `password`. Returns the account logged in.
pub async fn join(db_path: &Path, bytes: &[u8], passphrase: &str, password: &str) -> Result<(Store, Actor)> {
    let (header, at) = read_header(bytes)?;
    auth::check_password("password", password, &header.login, &header.account_name)?;
    let salt = hex::decode(&header.salt).map_err(|_| SyncError::NotAJoinFile)?;
    let nonce = hex::decode(&header.nonce).ok().filter(|n| n.len() == 24).ok_or(SyncError::NotAJoinFile)?;
    if header.memory_kib > 1024 * 1024 || header.passes > 16 || header.lanes > 16 {
        return Err(SyncError::NotAJoinFile.into());
    }
    let kek = keyring::kek(&normal(passphrase), &salt, header.memory_kib, header.passes, header.lanes)?;
    let plain = Zeroizing::new(
        XChaCha20Poly1305::new(kek.as_ref().into())
            .decrypt(XNonce::from_slice(&nonce), Payload { msg: &bytes[at..], aad: &bytes[..at] })
            .map_err(|_| SyncError::WrongJoinPassphrase)?,
    );
    let len = plain.get(..4).map(|b| u32::from_le_bytes(b.try_into().expect("4 bytes")) as usize).ok_or(SyncError::NotAJoinFile)?;
    let secrets: Secrets = plain.get(4..4 + len).and_then(|s| serde_json::from_slice(s).ok()).ok_or(SyncError::NotAJoinFile)?;
    let bundle = &plain[4 + len..];
    let laptop_key: [u8; 32] = hex::decode(&secrets.signing_key).ok().and_then(|k| k.try_into().ok()).ok_or(SyncError::NotAJoinFile)?;
    let laptop_key = SigningKey::from_bytes(&laptop_key);
    // This laptop's own database key: it opens this laptop's data and nothing of the office's.
    let key = MasterKey::generate();

    auth::refuse_over_kept_data(db_path)?;
    let lock = keyring::lock_ring(db_path)?;
    if !auth::first_start(db_path) || std::fs::metadata(db_path).is_ok_and(|m| m.len() > 0) {
        return Err(SyncError::DataExists.into());
    }
    // Built beside the database and renamed into place, so a join that dies leaves no half.
    let pending = keyring::pending_path(db_path);
    keyring::remove_with_sidecars(&pending, true)?;
    {
        let store = Store::open_as(&pending, &key, Some(&secrets.device_id)).await?;
        super::set_signing_key(store.pool(), &laptop_key).await?;
        super::set_ward_tag(&store, Some(&secrets.ward_tag)).await?;
        if let Some(recipient) = &secrets.backup_recipient {
            crate::backup::recovery::set_recipient_hex(&store, recipient).await?;
        }
        let actor = Actor::joining(&secrets.user_id, &header.login, &header.account_name, header.role);
        let parts = file::split(bundle)?;
        let sender = DeviceRow {
            id: secrets.sender_device_id.clone(),
            name: "Máy văn phòng".to_owned(),
            public_key: secrets.sender_public_key.clone(),
            user_id: None,
            account: None,
            role: None,
            group_unit_id: None,
            group_name: None,
            created_at: String::new(),
        };
        let public = file::verifying_key(&sender.public_key).ok_or(SyncError::NotAJoinFile)?;
        let body = parts.open(&public, &secrets.device_id, &laptop_key)?;
        let (content, blobs) = super::unframe(&body)?;
        let mut w = store.write(&actor, Source::Sync).await?;
        // The laptop's own account decides what it is; its group does not matter here.
        let receiver = super::Audience::of(Some(header.role), None);
        super::merge(&mut w, &receiver, &sender, &content, &blobs, true, &mut |_, _| {}).await?;
        sqlx::query("INSERT INTO sync_peers (peer_id, last_received_at) VALUES (?, ?)").bind(&sender.id).bind(w.stamp().to_owned()).execute(w.conn()).await?;
        w.commit().await?;
        let has_account: Option<i64> = sqlx::query_scalar("SELECT 1 FROM users WHERE id = ?").bind(&secrets.user_id).fetch_optional(store.pool()).await?;
        store.close().await;
        if has_account.is_none() {
            return Err(SyncError::NotAJoinFile.into());
        }
    }
    let mut ring = KeyRing::default();
    ring.add(&secrets.user_id, &header.login, password, &key)?;
    ring.save(db_path)?;
    keyring::finish_pending(db_path, &key).await?;
    drop(lock);
    auth::log_in(db_path, &header.login, password).await.map_err(|e| match e {
        Error::WrongPassword => SyncError::NotAJoinFile.into(),
        other => other,
    })
}
