//! Working offline across laptops: the ward's laptops (devices), the sync files that carry
//! their change logs to each other, the merge, and the conflicts it keeps.
//!
//! # How a file moves
//! A laptop's file for another carries every change-log entry past what that laptop said it
//! holds of each device (from the last file it sent here), or everything; filtered to what the
//! receiving laptop's account may see ([`filter`]); with the kept files those entries name. It
//! is [encrypted with the ward's key and signed by the sending laptop](file).
//!
//! Receiving checks the file, then in one transaction stores the entries it lacks (idempotent
//! on device and sequence: the same file twice changes nothing) and folds each record they touch
//! from all its entries in clock order ([`crate::store::fold`]): field by field the latest write
//! wins, on every laptop alike, whatever order files arrive in; a value overwritten without its
//! writer having seen it is kept as a [conflict](Conflict) for the officer to choose. What a
//! collaborator's laptop sends is held, on the receiving laptop, to what its account may change.

pub mod file;
mod filter;
pub mod join;
pub mod witness;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use ed25519_dalek::SigningKey;
use rand_core::OsRng;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::SqlitePool;
use ts_rs::TS;

use crate::audit::Event;
use crate::auth::{Actor, Need, UserRole};
use crate::store::chain::{self, Link, LINK_COLUMNS};
use crate::store::fold::{self, LogEntry};
use crate::store::Changes;
use crate::store::writable::{LimitedWrites, Rule};
use crate::store::{hlc, natural_id, Cols, Source, Write};
use crate::{Error, Result, Store};
use filter::{Audience, Bounds, Seen, Shown};

/// Why a sync or join file is refused. Nothing changes when one is.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Not a sync file at all.
    #[error("Đây không phải tệp đồng bộ của ứng dụng Công tác Trẻ em.")]
    NotASyncFile,
    /// Shorter than it says it is.
    #[error("Tệp đồng bộ bị cắt ngắn (chép hoặc tải về chưa hết), nên không nhận; dữ liệu chưa thay đổi. Hãy chép lại tệp từ máy gửi.")]
    CutShort,
    /// Its signature does not match its content.
    #[error("Tệp đồng bộ đã bị thay đổi sau khi máy gửi ký, nên không nhận; dữ liệu chưa thay đổi. Hãy nhờ máy gửi tạo lại tệp.")]
    Altered,
    /// Made with another ward's key.
    #[error("Tệp đồng bộ này của phường khác (hoặc của một bộ dữ liệu khác), nên không nhận; dữ liệu chưa thay đổi.")]
    OtherWard,
    /// Signed by a laptop this one does not know.
    #[error("Tệp đồng bộ đến từ một máy chưa được kết nạp vào phường, nên không nhận; dữ liệu chưa thay đổi. Hãy kết nạp máy đó trước (trang Thiết bị) hoặc nhận tệp của máy văn phòng trước.")]
    UnknownDevice,
    /// A newer version's file.
    #[error("Tệp đồng bộ do phiên bản mới hơn của ứng dụng tạo ra. Hãy cài phiên bản mới nhất rồi nhận lại.")]
    NewerFormat,
    /// Made by a version whose files every laptop of the ward could open.
    #[error("Tệp đồng bộ do phiên bản cũ của ứng dụng tạo ra. Hãy cập nhật ứng dụng trên máy gửi rồi tạo lại tệp.")]
    OlderFormat,
    /// Made for laptops among which this one is not.
    #[error("Tệp đồng bộ không được tạo cho máy này (máy gửi chưa biết máy này khi tạo tệp), nên không mở được; dữ liệu chưa thay đổi. Hãy nhờ máy gửi tạo lại tệp cho máy này.")]
    NotAddressedHere,
    /// Made for another laptop.
    #[error("Tệp này được tạo cho máy «{0}», không phải máy này; dữ liệu chưa thay đổi.")]
    ForAnotherDevice(String),
    /// Made for the office's laptops, received on a limited one.
    #[error("Tệp này gửi cho máy của cán bộ hoặc lãnh đạo. Hãy nhờ cán bộ tạo tệp gửi riêng cho máy này.")]
    ForOfficeOnly,
    /// Made for the office's laptops where there is no other.
    #[error("Phường chưa có máy nào khác của cán bộ hoặc lãnh đạo để nhận tệp này. Hãy kết nạp máy đó trước (trang Thiết bị), hoặc chọn máy nhận.")]
    NoOfficeLaptop,
    /// Made on this very laptop.
    #[error("Tệp này do chính máy này tạo ra; hãy nhận nó trên máy kia.")]
    FromThisDevice,
    /// Carries changes the sending laptop's account may not make.
    #[error("Tệp từ máy «{device}» có thay đổi vượt quyền của tài khoản máy đó ({what}), nên không nhận; dữ liệu chưa thay đổi.")]
    BeyondRole {
        /// The sending laptop.
        device: String,
        /// What was beyond it.
        what: String,
    },
    /// Misses entries of a device between what this laptop holds and what the file carries.
    #[error("Tệp từ máy «{sender}» thiếu mục nhật ký số {missing} của máy «{device}» (tệp mang từ mục {next} trở đi), nên không nhận; dữ liệu chưa thay đổi. Hãy nhờ máy gửi tạo lại tệp với mọi thay đổi.")]
    Gap {
        /// The sending laptop.
        sender: String,
        /// The device whose entries are missing.
        device: String,
        /// The first sequence missing.
        missing: i64,
        /// The first sequence the file carries past it.
        next: i64,
    },
    /// History this laptop holds differs from what the sending laptop holds of it.
    #[error("Lịch sử thay đổi không khớp giữa hai máy: {0}. Có thể lịch sử đã bị sửa, hoặc một máy đã khôi phục bản sao lưu cũ hơn những gì nó đã gửi đi. Tệp không được nhận, dữ liệu chưa thay đổi. Hãy báo lãnh đạo phường và chạy «Kiểm tra dữ liệu» trên cả hai máy.")]
    Rewritten(String),
    /// An entry that cannot be merged into this database.
    #[error("Không gộp được tệp đồng bộ: {0}. Dữ liệu chưa thay đổi.")]
    Unmergeable(String),
    /// Not a join file.
    #[error("Đây không phải tệp kết nạp máy của ứng dụng Công tác Trẻ em.")]
    NotAJoinFile,
    /// The one-time passphrase does not open the join file.
    #[error("Mật khẩu kết nạp không đúng (hoặc tệp kết nạp đã bị thay đổi). Hãy nhập đúng mật khẩu cán bộ đưa kèm tệp.")]
    WrongJoinPassphrase,
    /// A backup whose content does not match its manifest, or that does not open.
    #[error("Bản sao lưu hỏng: {0}. Dữ liệu chưa thay đổi; hãy chọn một bản sao lưu khác.")]
    DamagedBackup(String),
    /// The recovery code typed does not open the backup.
    #[error("Mã khôi phục này không mở được bản sao lưu: mã đã nhập sai, hoặc bản sao lưu được tạo khi phường dùng một mã khác. Hãy kiểm tra từng nhóm ký tự, hoặc dùng tài khoản cán bộ phụ trách.")]
    WrongRecoveryCode,
    /// A backup no one could open: no officer's account has a password on this laptop, and the
    /// ward has no recovery code here.
    #[error("Không sao lưu được: bản sao lưu sẽ không mở được, vì trên máy này không có tài khoản cán bộ phụ trách nào có mật khẩu và máy chưa có mã khôi phục của phường. Hãy nhờ cán bộ phụ trách tạo mã khôi phục (trang Sao lưu, kiểm tra) rồi sao lưu lại.")]
    UnopenableBackup,
    /// A backup made before the ward had a recovery code.
    #[error("Bản sao lưu này được tạo khi phường chưa có mã khôi phục, nên chỉ mở được bằng tên đăng nhập và mật khẩu của cán bộ phụ trách.")]
    NoRecoverySeal,
    /// The folder already holds data.
    #[error("Thư mục này đã có dữ liệu; hãy chọn một thư mục trống để kết nạp máy.")]
    DataExists,
}

const SIGNING_KEY: &str = "device_signing_key";
const WARD_TAG: &str = "ward_tag";
/// Records folded together, their entries read in one query (well under SQLite's 32,766
/// parameters).
const FOLD_BATCH: usize = 500;
/// Change-log entries written by one statement (15 parameters each).
const ENTRIES_A_STATEMENT: usize = 500;

/// This laptop's signing key, made on first use (kept in the encrypted database).
async fn signing_key(pool: &SqlitePool) -> Result<SigningKey> {
    if let Some(hex_key) = sqlx::query_scalar::<_, String>("SELECT value FROM meta WHERE key = ?").bind(SIGNING_KEY).fetch_optional(pool).await? {
        if let Some(bytes) = hex::decode(&hex_key).ok().and_then(|b| <[u8; 32]>::try_from(b).ok()) {
            return Ok(SigningKey::from_bytes(&bytes));
        }
    }
    let key = SigningKey::generate(&mut OsRng);
    set_signing_key(pool, &key).await?;
    Ok(key)
}

async fn set_signing_key(pool: &SqlitePool, key: &SigningKey) -> Result<()> {
    sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(SIGNING_KEY)
        .bind(hex::encode(key.to_bytes()))
        .execute(pool)
        .await?;
    Ok(())
}

/// The ward's tag, the same on every laptop of the ward and different for another ward's data:
/// kept in `meta` (made at set-up, carried by the join file). A ward set up before tags were
/// kept takes the one derived from its key, as its laptops, which then shared that key, do too.
pub(crate) async fn ward_tag(store: &Store) -> Result<String> {
    if let Some(tag) = store.preference(WARD_TAG).await? {
        return Ok(tag);
    }
    let tag = file::legacy_ward_tag(store.key());
    store.set_preference(WARD_TAG, &tag).await?;
    Ok(tag)
}

/// Gives a new ward's database its tag (`None`: a new one).
pub(crate) async fn set_ward_tag(store: &Store, tag: Option<&str>) -> Result<()> {
    store.set_preference(WARD_TAG, tag.map_or_else(file::new_ward_tag, str::to_owned).as_str()).await
}

/// Registers this laptop among the ward's devices (the office's laptop, on its first invite
/// or file), inside `w`.
async fn register_self(w: &mut Write<'_>, key: &SigningKey) -> Result<()> {
    let id = w.device_id().to_owned();
    if w.read("devices", &id, &["id"]).await?.is_none() {
        let cols = Cols::new().set("name", "Máy văn phòng").set("public_key", hex::encode(key.verifying_key().to_bytes()));
        w.insert("devices", &id, cols).await?;
    }
    Ok(())
}

/// One of the ward's laptops, as the devices page lists it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Device {
    /// Its id in the change log.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The account it was joined for (none: the office's own laptop).
    pub account: Option<String>,
    /// That account's role.
    pub role: Option<UserRole>,
    /// A collaborator's residential group.
    pub group_name: Option<String>,
    /// Whether it is the laptop in use.
    pub this_laptop: bool,
    /// When it joined, in Vietnam time.
    pub joined: String,
    /// When a file from it was last received here, in Vietnam time.
    pub last_received: Option<String>,
    /// When a file for it was last made here, in Vietnam time.
    pub last_sent: Option<String>,
    /// Changes to records a file for it would carry now.
    #[ts(type = "number")]
    pub waiting: i64,
}

#[derive(Clone, sqlx::FromRow)]
struct DeviceRow {
    id: String,
    name: String,
    public_key: String,
    user_id: Option<String>,
    account: Option<String>,
    role: Option<UserRole>,
    group_unit_id: Option<String>,
    group_name: Option<String>,
    created_at: String,
}

const DEVICE_SELECT: &str = "SELECT d.id, d.name, d.public_key, d.user_id, u.name AS account, u.role, u.group_unit_id, g.name AS group_name, d.created_at
    FROM devices d LEFT JOIN users u ON u.id = d.user_id LEFT JOIN units g ON g.id = u.group_unit_id WHERE d.deleted_at IS NULL";

impl DeviceRow {
    fn audience(&self) -> Audience {
        Audience::of(self.role, self.group_unit_id.clone())
    }

    /// The role whose rights bound this laptop's own entries; `None` for the office's laptops
    /// (an officer's, or the one the ward issues documents from, `issuing`), whose entries are
    /// bounded by nothing but the chain.
    fn bounded_by(&self, issuing: Option<&str>) -> Option<UserRole> {
        match self.role {
            None | Some(UserRole::Officer) => None,
            Some(UserRole::Leader) if issuing == Some(self.id.as_str()) => None,
            role => role,
        }
    }
}

/// The laptop the ward numbers and issues documents from, as this laptop knows it.
async fn issuing_office(conn: &mut sqlx::SqliteConnection) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>("SELECT issuing_device_id FROM ward WHERE deleted_at IS NULL LIMIT 1").fetch_optional(conn).await?.flatten())
}

/// Whether this laptop passes on other laptops' entries: the office's laptops do; a laptop whose
/// own entries are bounded sends those only.
async fn relays(conn: &mut sqlx::SqliteConnection, device_id: &str) -> Result<bool> {
    let issuing = issuing_office(&mut *conn).await?;
    Ok(device_row(&mut *conn, device_id).await?.is_none_or(|d| d.bounded_by(issuing.as_deref()).is_none()))
}

async fn device_row(conn: &mut sqlx::SqliteConnection, id: &str) -> Result<Option<DeviceRow>> {
    Ok(sqlx::query_as::<_, DeviceRow>(&format!("{DEVICE_SELECT} AND d.id = ?")).bind(id).fetch_optional(conn).await?)
}

/// What this laptop's own account may receive: everything on the office's laptops.
async fn own_audience(conn: &mut sqlx::SqliteConnection, device_id: &str) -> Result<Audience> {
    Ok(device_row(conn, device_id).await?.map_or(Audience::Full, |d| d.audience()))
}

/// Whether this laptop holds the whole ward (the office's laptops), not one group's part.
pub(crate) async fn holds_whole_ward(store: &Store) -> Result<bool> {
    Ok(own_audience(&mut *store.pool().acquire().await?, store.device_id()).await? == Audience::Full)
}

/// Refuses a person who may not see everything this laptop holds. Moving a laptop's data out
/// (a sync file, a backup) or taking another laptop's in is for the office's people, or for the
/// account a collaborator's laptop was joined for: a collaborator logged in on the office's
/// laptop moves nothing of the whole ward.
pub async fn require_whole_laptop(store: &Store, actor: &Actor) -> Result<()> {
    actor.require(Need::Sync)?;
    let laptop = own_audience(&mut *store.pool().acquire().await?, store.device_id()).await?;
    let person = Audience::of(Some(actor.role()), actor.only_group().map(str::to_owned));
    if person == Audience::Full || person == laptop {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "Vai trò “{}” chỉ đồng bộ và sao lưu trên máy được kết nạp cho tài khoản của mình; máy này giữ dữ liệu của cả phường.",
            actor.role().label()
        )))
    }
}

fn local_time(stamp: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stamp).map(|t| crate::vietnam_clock(t.with_timezone(&chrono::Utc))).unwrap_or_default()
}

/// The ward's laptops, this one first, with what is waiting for each.
pub async fn devices(store: &Store, actor: &Actor) -> Result<Vec<Device>> {
    actor.require(Need::Sync)?;
    let mut conn = store.pool().acquire().await?;
    let rows = sqlx::query_as::<_, DeviceRow>(&format!("{DEVICE_SELECT} ORDER BY d.created_at")).fetch_all(&mut *conn).await?;
    let peers: HashMap<String, (Option<String>, Option<String>)> =
        sqlx::query_as::<_, (String, Option<String>, Option<String>)>("SELECT peer_id, last_received_at, last_sent_at FROM sync_peers")
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .map(|(p, r, s)| (p, (r, s)))
            .collect();
    let mut out = Vec::new();
    for row in rows {
        let this_laptop = row.id == store.device_id();
        let waiting = if this_laptop {
            0
        } else {
            let past = peer_state(&mut conn, &row.id, "MAX(known, sent)").await?;
            gather(&mut conn, store, &row.audience(), &past).await?.entries.iter().filter(|l| l.op != "event").count() as i64
        };
        let (received, sent) = peers.get(&row.id).cloned().unwrap_or_default();
        out.push(Device {
            joined: local_time(&row.created_at),
            id: row.id,
            name: row.name,
            account: row.account,
            role: row.role,
            group_name: row.group_name,
            this_laptop,
            last_received: received.as_deref().map(local_time),
            last_sent: sent.as_deref().map(local_time),
            waiting,
        });
    }
    out.sort_by_key(|d| !d.this_laptop);
    Ok(out)
}

/// A file's content: the entries, stubs of those withheld, the sender's holdings, the files.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Content {
    /// The highest sequence the sender holds of each device.
    knows: BTreeMap<String, i64>,
    entries: Vec<Link>,
    withheld: Vec<Withheld>,
    /// Kept files (as stored: already sealed with the ward's key), their bytes after the JSON.
    files: Vec<Blob>,
    /// The last entry the sender holds of each device's log (see [`witness`]).
    heads: Vec<witness::Head>,
    /// When the file was made, by the sender's clock (milliseconds), never before its last entry:
    /// a file delivered late is told from a log cut short by it.
    #[serde(default)]
    made: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow)]
struct Withheld {
    device_id: String,
    seq: i64,
    hash: String,
    /// True when the entry is in the file without some of its columns.
    columns_removed: bool,
}

#[derive(Debug, Serialize, Deserialize)]
struct Blob {
    path: String,
    len: usize,
}

/// What a file for another laptop holds (shown before it is made, and after).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Outgoing {
    /// The laptop it is for; none: any laptop of the officer or the leader.
    pub recipient: Option<String>,
    /// Changes carried.
    #[ts(type = "number")]
    pub entries: i64,
    /// Records they touch.
    #[ts(type = "number")]
    pub records: i64,
    /// Kept files carried.
    #[ts(type = "number")]
    pub files: i64,
    /// Whether it carries everything rather than what the laptop lacks.
    pub everything: bool,
}

/// The entries a file for `peer` carries, filtered to what it may see.
async fn outgoing(conn: &mut sqlx::SqliteConnection, store: &Store, peer: &DeviceRow, everything: bool) -> Result<Content> {
    let known = if everything { HashMap::new() } else { peer_state(conn, &peer.id, "known").await? };
    gather(conn, store, &peer.audience(), &known).await
}

/// What `peer` holds of each device's log, by `measure`: `known` (it said so) or
/// `MAX(known, sent)` (files were made for it up to there).
async fn peer_state(conn: &mut sqlx::SqliteConnection, peer: &str, measure: &'static str) -> Result<HashMap<String, i64>> {
    let sql = format!("SELECT device_id, {measure} FROM sync_peer_state WHERE peer_id = ?");
    Ok(sqlx::query_as::<_, (String, i64)>(&sql).bind(peer).fetch_all(conn).await?.into_iter().collect())
}

async fn gather(conn: &mut sqlx::SqliteConnection, store: &Store, audience: &Audience, knows: &HashMap<String, i64>) -> Result<Content> {
    // A laptop away from the office relays nothing: it sends its own entries only.
    let only_own = !relays(conn, store.device_id()).await?;
    let devices: Vec<String> = if only_own {
        vec![store.device_id().to_owned()]
    } else {
        sqlx::query_scalar("SELECT DISTINCT device_id FROM change_log").fetch_all(&mut *conn).await?
    };
    let seen = match audience {
        Audience::Full => None,
        limited => Some(Seen::load(conn, limited).await?),
    };
    let mut content = Content::default();
    for device in devices {
        let past = knows.get(&device).copied().unwrap_or(0);
        let links = sqlx::query_as::<_, Link>(&format!("SELECT {LINK_COLUMNS} FROM change_log WHERE device_id = ? AND seq > ? ORDER BY seq"))
            .bind(&device)
            .bind(past)
            .fetch_all(&mut *conn)
            .await?;
        for link in links {
            match seen.as_ref().map_or(Shown::Whole, |s| s.show(&link)) {
                Shown::Whole => content.entries.push(link),
                Shown::WithoutColumns(cut) => {
                    content.withheld.push(Withheld { device_id: link.device_id, seq: link.seq, hash: link.hash, columns_removed: true });
                    content.entries.push(cut);
                }
                Shown::Withheld => content.withheld.push(Withheld { device_id: link.device_id, seq: link.seq, hash: link.hash, columns_removed: false }),
            }
        }
    }
    if let Some(seen) = &seen {
        complete_records(conn, seen, &mut content).await?;
    }
    content.knows = holdings(conn).await?;
    content.heads = witness::heads(conn, &content.knows).await?;
    Ok(content)
}

/// Adds to a limited laptop's file the earlier entries of the records it gets (see
/// [`Seen::records_to_complete`]); the laptop stores those it lacks.
async fn complete_records(conn: &mut sqlx::SqliteConnection, seen: &Seen, content: &mut Content) -> Result<()> {
    let records = seen.records_to_complete(content.entries.iter());
    let present: BTreeSet<(String, i64)> = content.entries.iter().map(|l| (l.device_id.clone(), l.seq)).collect();
    let records: Vec<(String, String)> = records.into_iter().collect();
    for batch in records.chunk_by(|a, b| a.0 == b.0).flat_map(|same_table| same_table.chunks(FOLD_BATCH)) {
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM change_log WHERE table_name = ? AND record_id IN ({}) AND op <> 'event'",
            vec!["?"; batch.len()].join(", ")
        );
        let mut q = sqlx::query_as::<_, Link>(&sql).bind(&batch[0].0);
        for (_, id) in batch {
            q = q.bind(id);
        }
        for link in q.fetch_all(&mut *conn).await? {
            if present.contains(&(link.device_id.clone(), link.seq)) {
                continue;
            }
            match seen.show(&link) {
                Shown::Whole => content.entries.push(link),
                Shown::WithoutColumns(cut) => {
                    content.withheld.push(Withheld { device_id: link.device_id, seq: link.seq, hash: link.hash, columns_removed: true });
                    content.entries.push(cut);
                }
                Shown::Withheld => {}
            }
        }
    }
    Ok(())
}

/// The highest sequence this laptop holds of each device (whole or withheld).
async fn holdings(conn: &mut sqlx::SqliteConnection) -> Result<BTreeMap<String, i64>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT device_id, MAX(seq) FROM (SELECT device_id, seq FROM change_log UNION ALL SELECT device_id, seq FROM withheld_entries) GROUP BY device_id",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().collect())
}

fn summary(recipient: Option<String>, entries: &[Link], files: usize, everything: bool) -> Outgoing {
    let records: BTreeSet<(&str, &str)> = entries.iter().filter(|l| l.op != "event").map(|l| (l.table_name.as_str(), l.record_id.as_str())).collect();
    Outgoing { recipient, entries: entries.len() as i64, records: records.len() as i64, files: files as i64, everything }
}

/// Finds a device by id or name.
async fn find_device(conn: &mut sqlx::SqliteConnection, which: &str) -> Result<DeviceRow> {
    if let Some(row) = device_row(conn, which).await? {
        return Ok(row);
    }
    let rows = sqlx::query_as::<_, DeviceRow>(&format!("{DEVICE_SELECT} AND d.name = ?")).bind(which).fetch_all(&mut *conn).await?;
    rows.into_iter().next().ok_or(Error::NotFound { what: "máy này trong danh sách thiết bị của phường" })
}

/// What a file for `for_device` (id or name; none: the office's laptops) would carry.
pub async fn plan_export(store: &Store, actor: &Actor, for_device: Option<&str>, everything: bool) -> Result<Outgoing> {
    require_whole_laptop(store, actor).await?;
    let mut conn = store.pool().acquire().await?;
    let (recipient, content) = collect(&mut conn, store, for_device, everything).await?;
    let files = content.entries.iter().filter(|l| l.table_name == "files" && l.op == "insert").count();
    Ok(summary(recipient.map(|r| r.name), &content.entries, files, everything || for_device.is_none()))
}

async fn collect(conn: &mut sqlx::SqliteConnection, store: &Store, for_device: Option<&str>, everything: bool) -> Result<(Option<DeviceRow>, Content)> {
    match for_device {
        Some(which) => {
            let peer = find_device(conn, which).await?;
            if peer.id == store.device_id() {
                return Err(crate::text::InvalidInput::new("device", "Hãy chọn máy nhận, không phải máy đang dùng.").into());
            }
            let g = outgoing(conn, store, &peer, everything).await?;
            Ok((Some(peer), g))
        }
        None => Ok((None, gather(conn, store, &Audience::Full, &HashMap::new()).await?)),
    }
}

/// Makes the file for `for_device` (id or name; none: everything, for the office's laptops).
pub async fn export(store: &Store, actor: &Actor, for_device: Option<&str>, everything: bool) -> Result<(Vec<u8>, Outgoing)> {
    require_whole_laptop(store, actor).await?;
    let key = signing_key(store.pool()).await?;
    {
        let mut w = store.write(actor, Source::Window).await?;
        register_self(&mut w, &key).await?;
        w.commit().await?;
    }
    let mut conn = store.pool().acquire().await?;
    let (recipient, mut content) = collect(&mut conn, store, for_device, everything).await?;
    let last_own: Option<String> = sqlx::query_scalar("SELECT hlc FROM change_log WHERE device_id = ? ORDER BY seq DESC LIMIT 1").bind(store.device_id()).fetch_optional(&mut *conn).await?;
    let last_own = last_own.as_deref().and_then(hlc::Hlc::decode).map_or(0, |h| h.millis);
    content.made = chrono::Utc::now().timestamp_millis().max(last_own);
    let mut blobs = Vec::new();
    let sent_up_to = content.knows.clone();
    let kept: Vec<String> = content.entries.iter().filter(|l| l.table_name == "files" && l.op == "insert").map(|l| l.record_id.clone()).collect();
    for file_id in kept {
        let path = sqlx::query_scalar::<_, String>("SELECT stored_path FROM files WHERE id = ?").bind(&file_id).fetch_optional(&mut *conn).await?;
        let Some(path) = path.filter(|p| kept_path(p)) else { continue };
        let full = store.data_dir().join(&path);
        let stored = tokio::fs::read(&full).await.map_err(|e| Error::file(&full, e))?;
        // Each laptop seals its kept files with its own key: the file carries them open, inside
        // its own encryption.
        let bytes = crate::files::unseal(store.key(), &stored)?;
        content.files.push(Blob { path, len: bytes.len() });
        blobs.push(bytes);
    }
    let recipients = addressed(&mut conn, store, recipient.as_ref()).await?;
    drop(conn);
    let mut body = serde_json::to_vec(&content).map_err(|e| Error::Database(sqlx::Error::Decode(e.into())))?;
    let mut framed = (body.len() as u64).to_le_bytes().to_vec();
    framed.append(&mut body);
    for b in blobs {
        framed.extend_from_slice(&b);
    }
    let made_at = crate::store::stamp(chrono::Utc::now());
    let header = file::Header {
        // Set by `file::seal`.
        format: 0,
        ward: ward_tag(store).await?,
        sender: store.device_id().to_owned(),
        recipient: recipient.as_ref().map(|r| r.id.clone()),
        made_at: made_at.clone(),
        entries: content.entries.len(),
        files: content.files.len(),
        nonce: String::new(),
        keys: Vec::new(),
    };
    let bytes = file::seal(header, &framed, &recipients, &key);
    let plan = summary(recipient.as_ref().map(|r| r.name.clone()), &content.entries, content.files.len(), everything || for_device.is_none());
    let mut w = store.write(actor, Source::Window).await?;
    let about = recipient.as_ref().map_or("", |r| r.id.as_str());
    w.event("devices", about, Event::SyncSent, serde_json::json!({ "máy nhận": plan.recipient, "số thay đổi": plan.entries })).await?;
    if let Some(r) = &recipient {
        sqlx::query("INSERT INTO sync_peers (peer_id, last_sent_at) VALUES (?, ?) ON CONFLICT (peer_id) DO UPDATE SET last_sent_at = excluded.last_sent_at")
            .bind(&r.id)
            .bind(&made_at)
            .execute(w.conn())
            .await?;
        note_peer(&mut w, &r.id, "sent", &sent_up_to).await?;
    }
    w.commit().await?;
    Ok((bytes, plan))
}

/// The laptops a file is sealed to: the one it is made for, or (none named) every laptop of the
/// officer and the leader but this one.
async fn addressed(conn: &mut sqlx::SqliteConnection, store: &Store, recipient: Option<&DeviceRow>) -> Result<Vec<(String, ed25519_dalek::VerifyingKey)>> {
    let devices = match recipient {
        Some(one) => vec![one.clone()],
        None => sqlx::query_as::<_, DeviceRow>(DEVICE_SELECT)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .filter(|d| d.id != store.device_id() && d.audience() == Audience::Full)
            .collect(),
    };
    if devices.is_empty() {
        return Err(SyncError::NoOfficeLaptop.into());
    }
    devices
        .into_iter()
        .map(|d| file::verifying_key(&d.public_key).map(|key| (d.id.clone(), key)).ok_or_else(|| SyncError::UnknownDevice.into()))
        .collect()
}

/// A kept file's path as the store names them (`files/ab/<sha256>.ext`): nothing else is read
/// or written from a sync file.
pub(crate) fn kept_path(path: &str) -> bool {
    let mut parts = path.split('/');
    let ok = parts.next() == Some("files")
        && parts.next().is_some_and(|d| d.len() == 2 && d.chars().all(|c| c.is_ascii_hexdigit()))
        && parts.next().is_some_and(|f| f.len() >= 64 && f.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') && !f.contains(".."))
        && parts.next().is_none();
    ok
}

/// What receiving a file did (or would do).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Incoming {
    /// The laptop that made it.
    pub sender: String,
    /// When it was made, in Vietnam time.
    pub made_at: String,
    /// Changes in it.
    #[ts(type = "number")]
    pub entries: i64,
    /// Of those, changes this laptop did not have.
    #[ts(type = "number")]
    pub new_entries: i64,
    /// Records those changes touch.
    #[ts(type = "number")]
    pub records: i64,
    /// Kept files received.
    #[ts(type = "number")]
    pub files: i64,
    /// New conflicts found.
    #[ts(type = "number")]
    pub conflicts: i64,
    /// After receiving, the pairs of children's records that look like one child (the same list
    /// imported on two laptops), for the officer to look at; none for other roles.
    #[ts(type = "number")]
    pub likely_duplicates: i64,
}

/// Checks a file and works out what receiving it would do, changing nothing.
pub async fn plan_import(store: &Store, actor: &Actor, bytes: &[u8]) -> Result<Incoming> {
    receive(store, actor, bytes, false, &mut |_, _| {}).await
}

/// Receives a file from another laptop: checked whole first, then merged in one transaction.
/// `progress` hears (records merged, records in all) as it goes.
pub async fn import(store: &Store, actor: &Actor, bytes: &[u8], progress: &mut (dyn FnMut(usize, usize) + Send)) -> Result<Incoming> {
    receive(store, actor, bytes, true, progress).await
}

async fn receive(store: &Store, actor: &Actor, bytes: &[u8], apply: bool, progress: &mut (dyn FnMut(usize, usize) + Send)) -> Result<Incoming> {
    require_whole_laptop(store, actor).await?;
    let parts = file::split(bytes)?;
    let header = parts.header.clone();
    if header.ward != ward_tag(store).await? {
        return Err(SyncError::OtherWard.into());
    }
    if header.sender == store.device_id() {
        return Err(SyncError::FromThisDevice.into());
    }
    let mut w = store.write(actor, Source::Sync).await?;
    let sender = device_row(w.conn(), &header.sender).await?.ok_or(SyncError::UnknownDevice)?;
    let public = file::verifying_key(&sender.public_key).ok_or(SyncError::UnknownDevice)?;
    match &header.recipient {
        Some(r) if r != store.device_id() => {
            let name = device_row(w.conn(), r).await?.map_or_else(|| r.clone(), |d| d.name);
            return Err(SyncError::ForAnotherDevice(name).into());
        }
        None if own_audience(w.conn(), store.device_id()).await? != Audience::Full => return Err(SyncError::ForOfficeOnly.into()),
        _ => {}
    }
    let body = parts.open(&public, store.device_id(), &signing_key(store.pool()).await?)?;
    let (content, blobs) = unframe(&body)?;
    let receiver = own_audience(w.conn(), store.device_id()).await?;
    let done = match merge(&mut w, &receiver, &sender, &content, &blobs, apply, progress).await {
        // Refused, and kept in the audit trail: the person who received the file may close the
        // message, the trail keeps it.
        Err(Error::Sync(SyncError::Rewritten(detail))) => {
            drop(w);
            let mut w = store.write(actor, Source::Sync).await?;
            w.event("devices", &sender.id, Event::HistoryMismatch, serde_json::json!({ "máy gửi": sender.name, "chi tiết": detail })).await?;
            w.commit().await?;
            return Err(SyncError::Rewritten(detail).into());
        }
        merged => merged?,
    };
    let incoming = Incoming {
        sender: sender.name.clone(),
        made_at: local_time(&header.made_at),
        entries: content.entries.len() as i64,
        new_entries: done.new_entries as i64,
        records: done.records as i64,
        files: content.files.len() as i64,
        conflicts: done.conflicts as i64,
        likely_duplicates: 0,
    };
    if !apply {
        return Ok(incoming);
    }
    let now = w.stamp().to_owned();
    sqlx::query("INSERT INTO sync_peers (peer_id, last_received_at) VALUES (?, ?) ON CONFLICT (peer_id) DO UPDATE SET last_received_at = excluded.last_received_at")
        .bind(&sender.id)
        .bind(&now)
        .execute(w.conn())
        .await?;
    if done.new_entries > 0 {
        let details = serde_json::json!({ "máy gửi": sender.name, "số thay đổi mới": done.new_entries, "xung đột mới": done.conflicts });
        w.event("devices", &sender.id, Event::SyncReceived, details).await?;
    }
    w.commit().await?;
    let mut incoming = incoming;
    if done.new_entries > 0 && actor.require(Need::ManageChildren).is_ok() {
        let today = crate::today_in_vietnam();
        incoming.likely_duplicates = crate::children::index::likely_duplicates(store, actor, today).await?.total as i64;
    }
    Ok(incoming)
}

/// Reads an opened file's body as receiving does, keeping nothing: for the fuzz target, which
/// stands for someone holding the ward's key and writing a body by hand.
#[doc(hidden)]
pub fn read_body(body: &[u8]) -> std::result::Result<usize, SyncError> {
    unframe(body).map(|(content, blobs)| content.entries.len() + blobs.len())
}

fn unframe(body: &[u8]) -> Result<(Content, Vec<&[u8]>), SyncError> {
    let len = body.get(..8).map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes"))).ok_or(SyncError::Altered)?;
    let end = usize::try_from(len).ok().and_then(|l| l.checked_add(8)).ok_or(SyncError::Altered)?;
    let json = body.get(8..end).ok_or(SyncError::Altered)?;
    let content: Content = serde_json::from_slice(json).map_err(|_| SyncError::Altered)?;
    let mut at = end;
    let mut blobs = Vec::new();
    for blob in &content.files {
        let next = at.checked_add(blob.len).ok_or(SyncError::Altered)?;
        blobs.push(body.get(at..next).ok_or(SyncError::Altered)?);
        at = next;
    }
    Ok((content, blobs))
}

struct Merged {
    new_entries: usize,
    records: usize,
    conflicts: usize,
}

/// Stores the entries this laptop lacks and folds every record they touch, inside `w`. The
/// connection's page cache is widened meanwhile: a large file touches records all over the
/// database, and each page read again is decrypted and authenticated again.
async fn merge(
    w: &mut Write<'_>,
    receiver: &Audience,
    sender: &DeviceRow,
    content: &Content,
    blobs: &[&[u8]],
    apply: bool,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<Merged> {
    sqlx::query("PRAGMA cache_size = -65536").execute(w.conn()).await?;
    let merged = merge_entries(w, receiver, sender, content, blobs, apply, progress).await;
    // SQLite's default: the pool's connection goes back as it came.
    sqlx::query("PRAGMA cache_size = -2000").execute(w.conn()).await?;
    merged
}

async fn merge_entries(
    w: &mut Write<'_>,
    receiver: &Audience,
    sender: &DeviceRow,
    content: &Content,
    blobs: &[&[u8]],
    apply: bool,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<Merged> {
    let audience = sender.audience();
    let beyond = |what: &str| -> Error { SyncError::BeyondRole { device: sender.name.clone(), what: what.to_owned() }.into() };
    // Only the office's laptops send stubs of entries withheld, and only to a limited laptop.
    if !content.withheld.is_empty() && (audience != Audience::Full || *receiver == Audience::Full) {
        return Err(beyond("mang mục nhật ký bị giữ lại"));
    }
    for link in &content.entries {
        // Entries older than the clock have none; every other reading must be well formed.
        let Some(clock) = hlc::Hlc::decode(&link.hlc).filter(|c| link.hlc.is_empty() || c.encode(&link.device_id) == link.hlc) else {
            return Err(SyncError::Altered.into());
        };
        // A limited laptop's clock may not run a day ahead: its entries would win every field.
        if audience != Audience::Full && clock.millis > chrono::Utc::now().timestamp_millis() + 24 * 3600 * 1000 {
            return Err(beyond("đồng hồ của máy đó chạy sai, nhanh hơn một ngày"));
        }
    }
    let issuing = issuing_office(w.conn()).await?;
    if let Some(role) = sender.bounded_by(issuing.as_deref()) {
        if content.entries.iter().any(|l| l.device_id != sender.id) {
            return Err(beyond("mang thay đổi của máy khác"));
        }
        if content.entries.iter().any(|l| Some(&l.user_id) != sender.user_id.as_ref()) {
            return Err(beyond("mang thay đổi ghi tên người khác"));
        }
        // Entries this laptop already holds, the same, were checked when they came (a laptop
        // sends again what it does not know arrived).
        let (first, last) = content.entries.iter().fold((i64::MAX, i64::MIN), |(a, b), l| (a.min(l.seq), b.max(l.seq)));
        let held: BTreeSet<(i64, String)> = sqlx::query_as("SELECT seq, hash FROM change_log WHERE device_id = ? AND seq BETWEEN ? AND ?")
            .bind(&sender.id)
            .bind(first)
            .bind(last)
            .fetch_all(w.conn())
            .await?
            .into_iter()
            .collect();
        let bounds = Bounds::load(w.conn(), &content.entries).await?;
        let beyond_role = content
            .entries
            .iter()
            .filter(|l| !held.contains(&(l.seq, l.hash.clone())))
            .find_map(|l| bounds.beyond(role, &sender.group_unit_id, l).map(|why| format!("mục {}, {why}", l.seq)));
        if let Some(what) = beyond_role {
            return Err(beyond(&what));
        }
    }
    refuse_after_stop(w, sender, content).await?;
    refuse_gaps(w, sender, content).await?;
    let carried: Vec<(String, i64, String)> = content
        .entries
        .iter()
        .map(|l| (l.device_id.clone(), l.seq, l.hash.clone()))
        .chain(content.withheld.iter().map(|s| (s.device_id.clone(), s.seq, s.hash.clone())))
        .collect();
    let own = w.store().device_id().to_owned();
    witness::check(w.conn(), &own, (&sender.id, &sender.name), &carried, &content.heads, &content.knows, content.made).await?;
    let cut: BTreeSet<(&str, i64)> = content.withheld.iter().filter(|s| s.columns_removed).map(|s| (s.device_id.as_str(), s.seq)).collect();
    // Rows are written parents first; any reference still open is checked when the merge commits.
    sqlx::query("PRAGMA defer_foreign_keys = ON").execute(w.conn()).await?;
    // The entries this laptop lacks (some of a device's may be here already), each checked.
    let mut have: BTreeSet<(String, i64)> = BTreeSet::new();
    let mut ranges: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for link in &content.entries {
        let r = ranges.entry(link.device_id.as_str()).or_insert((link.seq, link.seq));
        *r = (r.0.min(link.seq), r.1.max(link.seq));
    }
    for (device, (from, to)) in ranges {
        let seqs: Vec<i64> = sqlx::query_scalar("SELECT seq FROM change_log WHERE device_id = ? AND seq BETWEEN ? AND ?")
            .bind(device)
            .bind(from)
            .bind(to)
            .fetch_all(w.conn())
            .await?;
        have.extend(seqs.into_iter().map(|seq| (device.to_owned(), seq)));
    }
    let mut new: Vec<&Link> = Vec::new();
    for link in &content.entries {
        if !cut.contains(&(link.device_id.as_str(), link.seq)) && link.hash != link.expected_hash() {
            return Err(SyncError::Altered.into());
        }
        if have.insert((link.device_id.clone(), link.seq)) {
            new.push(link);
        }
    }
    // Many rows a statement: each statement costs a hand-over to SQLite's thread.
    for chunk in new.chunks(ENTRIES_A_STATEMENT) {
        let sql = chain::insert_sql(chunk.len());
        let mut q = sqlx::query(&sql);
        for link in chunk {
            q = chain::bind(q, link);
        }
        q.execute(w.conn()).await?;
    }
    let mut touched: BTreeSet<(String, String)> = BTreeSet::new();
    for link in &new {
        if link.op != "event" {
            touched.insert((link.table_name.clone(), link.record_id.clone()));
        }
        if cut.contains(&(link.device_id.as_str(), link.seq)) {
            mark_withheld(w, &link.device_id, link.seq, &link.hash, true).await?;
        }
    }
    let new_entries = new.len();
    for stub in content.withheld.iter().filter(|s| !s.columns_removed) {
        let present: Option<i64> =
            sqlx::query_scalar("SELECT 1 FROM change_log WHERE device_id = ? AND seq = ?").bind(&stub.device_id).bind(stub.seq).fetch_optional(w.conn()).await?;
        if present.is_none() {
            mark_withheld(w, &stub.device_id, stub.seq, &stub.hash, false).await?;
        }
    }
    let tables = fold::user_tables(w.conn()).await?;
    let order = fold::in_reference_order(w.conn(), &tables).await?;
    let rank: HashMap<&str, usize> = order.iter().enumerate().map(|(i, t)| (t.as_str(), i)).collect();
    let mut touched: Vec<(String, String)> = touched.into_iter().collect();
    touched.sort_by_key(|(table, _)| rank.get(table.as_str()).copied().unwrap_or(usize::MAX));
    let total = touched.len();
    let mut clashes = Vec::new();
    // Records are folded a batch at a time: their entries read in one query per batch.
    let mut done = 0;
    for batch in touched.chunk_by(|a, b| a.0 == b.0).flat_map(|same_table| same_table.chunks(FOLD_BATCH)) {
        let table = &batch[0].0;
        let columns = tables.get(table).ok_or_else(|| SyncError::Unmergeable(format!("bảng {table} không có trong dữ liệu của phiên bản này")))?;
        let sql = format!(
            "SELECT {} FROM change_log WHERE table_name = ? AND record_id IN ({}) AND op <> 'event' ORDER BY record_id, hlc, device_id, seq",
            fold::ENTRY_COLUMNS,
            vec!["?"; batch.len()].join(", ")
        );
        let mut query = sqlx::query_as::<_, LogEntry>(&sql).bind(table);
        for (_, record_id) in batch {
            query = query.bind(record_id);
        }
        let entries = query.fetch_all(w.conn()).await?;
        let mut rows = Vec::new();
        for of_record in entries.chunk_by(|a, b| a.record_id == b.record_id) {
            rows.push((of_record[0].record_id.as_str(), fold::fold(of_record).map_err(SyncError::Unmergeable)?));
        }
        let written: Vec<(&str, &fold::Folded)> = rows.iter().filter(|(_, row)| row.exists).map(|(id, row)| (*id, row)).collect();
        fold::put(w.conn(), table, columns, &written).await.map_err(SyncError::Unmergeable)?;
        for (record_id, row) in rows {
            clashes.extend(row.clashes.into_iter().map(|c| (table.clone(), record_id.to_owned(), c)));
        }
        if done < total / 2 && done + batch.len() >= total / 2 {
            crate::failpoint::hit_named("sync_merge");
        }
        done += batch.len();
        progress(done, total);
    }
    // A limited laptop keeps no conflicts: the office's laptops find the same ones, from the
    // same entries, and only the officer chooses.
    let mut conflicts = 0;
    if *receiver == Audience::Full {
        for (table, record_id, clash) in &clashes {
            if keep_conflict(w, table, record_id, clash).await? {
                conflicts += 1;
            }
        }
    }
    if apply {
        // Only the files the entries name.
        let named: BTreeSet<String> = content
            .entries
            .iter()
            .filter(|l| l.table_name == "files" && l.op == "insert")
            .filter_map(|l| Changes::parse(&l.changes))
            .filter_map(|c| c.new_values().find(|(column, _)| *column == "stored_path").and_then(|(_, v)| v.as_str().map(str::to_owned)))
            .collect();
        for (blob, bytes) in content.files.iter().zip(blobs) {
            if !named.contains(&blob.path) {
                return Err(SyncError::Altered.into());
            }
            keep_blob(w.store(), blob, bytes)?;
        }
        note_peer(w, &sender.id, "known", &content.knows).await?;
        let at = w.stamp().to_owned();
        witness::keep(w.conn(), &sender.id, &content.heads, &at, content.made).await?;
    }
    Ok(Merged { new_entries, records: total, conflicts })
}

/// The last entry of `device`'s log this laptop holds, whole or withheld (0: none).
pub(crate) async fn last_held(conn: &mut sqlx::SqliteConnection, device: &str) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM (SELECT seq FROM change_log WHERE device_id = ?1 UNION ALL SELECT seq FROM withheld_entries WHERE device_id = ?1)")
        .bind(device)
        .fetch_one(conn)
        .await?)
}

/// Refuses a file that would leave a hole in a device's log here: past the last entry this
/// laptop holds of each device, the file must carry (whole or as a stub) every entry up to its
/// last. An entry left out would break that device's chain on this laptop for good.
async fn refuse_gaps(w: &mut Write<'_>, sender: &DeviceRow, content: &Content) -> Result<()> {
    let mut carried: BTreeMap<&str, BTreeSet<i64>> = BTreeMap::new();
    for (device, seq) in content.entries.iter().map(|l| (l.device_id.as_str(), l.seq)).chain(content.withheld.iter().map(|s| (s.device_id.as_str(), s.seq))) {
        carried.entry(device).or_default().insert(seq);
    }
    for (device, seqs) in carried {
        let mut expected = last_held(w.conn(), device).await? + 1;
        for &seq in seqs.range(expected..) {
            if seq != expected {
                let name = device_row(w.conn(), device).await?.map_or_else(|| device.to_owned(), |d| d.name);
                return Err(SyncError::Gap { sender: sender.name.clone(), device: name, missing: expected, next: seq }.into());
            }
            expected += 1;
        }
    }
    Ok(())
}

/// Notes how far `peer` holds each device's log, by `measure` (`known` or `sent`); never back.
async fn note_peer(w: &mut Write<'_>, peer: &str, measure: &'static str, upto: &BTreeMap<String, i64>) -> Result<()> {
    let sql = format!(
        "INSERT INTO sync_peer_state (peer_id, device_id, {measure}) VALUES (?, ?, ?)
         ON CONFLICT (peer_id, device_id) DO UPDATE SET {measure} = MAX({measure}, excluded.{measure})"
    );
    for (device, seq) in upto {
        sqlx::query(&sql).bind(peer).bind(device).bind(seq).execute(w.conn()).await?;
    }
    Ok(())
}

async fn mark_withheld(w: &mut Write<'_>, device: &str, seq: i64, hash: &str, columns_removed: bool) -> Result<()> {
    // An entry withheld before may come now without some columns: it is here, marked so.
    sqlx::query(
        "INSERT INTO withheld_entries (device_id, seq, hash, columns_removed) VALUES (?, ?, ?, ?)
         ON CONFLICT (device_id, seq) DO UPDATE SET columns_removed = excluded.columns_removed",
    )
        .bind(device)
        .bind(seq)
        .bind(hash)
        .bind(columns_removed as i64)
        .execute(w.conn())
        .await?;
    Ok(())
}

/// Seals a received kept file with this laptop's key and writes it, unless it is there: its
/// content must be what its name (the SHA-256 of the content) says.
fn keep_blob(store: &Store, blob: &Blob, bytes: &[u8]) -> Result<()> {
    use sha2::{Digest, Sha256};
    let named_hash = blob.path.rsplit('/').next().map(|f| f.split('.').next().unwrap_or_default()).unwrap_or_default();
    if !kept_path(&blob.path) || hex::encode(Sha256::digest(bytes)) != named_hash {
        return Err(SyncError::Altered.into());
    }
    let target = store.data_dir().join(&blob.path);
    // One already here stays if it opens with this laptop's key (a restore may have left one
    // sealed under another).
    let kept = std::fs::read(&target).is_ok_and(|stored| crate::files::unseal(store.key(), &stored).is_ok_and(|plain| plain == bytes));
    if !kept {
        crate::files::write_whole(&target, &crate::files::seal(store.key(), bytes))?;
    }
    Ok(())
}

/// Refuses a file whose laptop wrote after its account was stopped here: what that laptop did
/// once the office had stopped the account is not the ward's (entries it carries of other
/// laptops were taken by a laptop of the office already).
async fn refuse_after_stop(w: &mut Write<'_>, sender: &DeviceRow, content: &Content) -> Result<()> {
    let stopped: HashMap<String, (String, String)> =
        sqlx::query_as::<_, (String, String, String)>("SELECT id, name, disabled_at FROM users WHERE disabled_at IS NOT NULL")
            .fetch_all(w.conn())
            .await?
            .into_iter()
            .map(|(id, name, at)| (id, (name, at)))
            .collect();
    for link in content.entries.iter().filter(|l| l.device_id == sender.id) {
        let Some((name, at)) = stopped.get(&link.user_id) else { continue };
        let Ok(stop) = chrono::DateTime::parse_from_rfc3339(at) else { continue };
        if hlc::Hlc::decode(&link.hlc).is_some_and(|c| c.millis > stop.timestamp_millis()) {
            let day = crate::vietnam_time(stop.to_utc()).format("%d/%m/%Y %H:%M");
            return Err(SyncError::BeyondRole {
                device: sender.name.clone(),
                what: format!("mục {} được ghi sau khi tài khoản “{name}” bị dừng lúc {day}", link.seq),
            }
            .into());
        }
    }
    Ok(())
}

/// What a leader's own laptop may write of conflicts: those its merges find (the officer
/// chooses between the values, on the office's laptop).
pub(crate) const CONFLICT_WRITES: LimitedWrites = LimitedWrites {
    table: "sync_conflicts",
    insert: true,
    update: false,
    remove: false,
    columns: &[
        ("table_name", Rule::Text { required: true, max: 64 }),
        ("record_id", Rule::Text { required: true, max: 200 }),
        ("column_name", Rule::Text { required: true, max: 64 }),
        ("kind", Rule::OneOf(|k| k == "field" || k == "deleted")),
        ("kept_value", Rule::Json { max: 1_000_000 }),
        ("kept_device", Rule::Reference),
        ("kept_hlc", Rule::Text { required: true, max: 120 }),
        ("other_value", Rule::Json { max: 1_000_000 }),
        ("other_device", Rule::Reference),
        ("other_hlc", Rule::Text { required: true, max: 120 }),
    ],
};

/// Records a conflict the fold found, unless already kept (by this laptop or another).
async fn keep_conflict(w: &mut Write<'_>, table: &str, record_id: &str, clash: &fold::Clash) -> Result<bool> {
    let id = natural_id("conflict", &[table, record_id, &clash.column, &clash.kept.writer.hlc, &clash.other.writer.hlc]);
    if w.read("sync_conflicts", &id, &["id"]).await?.is_some() {
        return Ok(false);
    }
    let cols = Cols::new()
        .set("table_name", table)
        .set("record_id", record_id)
        .set("column_name", &clash.column)
        .set("kind", if clash.deletion { "deleted" } else { "field" })
        .set("kept_value", clash.kept.value.to_string())
        .set("kept_device", &clash.kept.writer.device_id)
        .set("kept_hlc", &clash.kept.writer.hlc)
        .set("other_value", clash.other.value.to_string())
        .set("other_device", &clash.other.writer.device_id)
        .set("other_hlc", &clash.other.writer.hlc);
    w.insert("sync_conflicts", &id, cols).await?;
    Ok(true)
}

labelled_enum! {
    /// Which value of a conflict the officer keeps.
    pub enum ConflictChoice {
        /// The value the merge kept.
        Kept = ("kept", "Giữ giá trị đang dùng"),
        /// The value the merge did not keep.
        Other = ("other", "Dùng giá trị kia"),
    }
}

/// A conflict as the conflicts page shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Conflict {
    /// Id.
    pub id: String,
    /// What kind of record, in Vietnamese.
    pub what: String,
    /// The table.
    pub table_name: String,
    /// The record.
    pub record_id: String,
    /// The field.
    pub column_name: String,
    /// The record, as people name it (a unit's name, a child's, an activity's title).
    pub record_name: String,
    /// The field, in Vietnamese.
    pub field: String,
    /// Whether it is an edit against a deletion.
    pub deletion: bool,
    /// The value kept, as text.
    pub kept_value: String,
    /// The laptop that wrote it.
    pub kept_device: String,
    /// When, in Vietnam time.
    pub kept_at: String,
    /// The value not kept, as text.
    pub other_value: String,
    /// The laptop that wrote it.
    pub other_device: String,
    /// When, in Vietnam time.
    pub other_at: String,
    /// Whether the officer has chosen.
    pub resolved: Option<ConflictChoice>,
}

fn hlc_time(hlc: &str) -> String {
    crate::store::hlc::Hlc::decode(hlc)
        .and_then(|h| chrono::DateTime::from_timestamp_millis(h.millis))
        .map(crate::vietnam_clock)
        .unwrap_or_default()
}

fn shown(json: &str) -> String {
    match serde_json::from_str::<Value>(json) {
        Ok(Value::Null) => "(trống)".to_owned(),
        Ok(Value::String(s)) => s,
        Ok(Value::Object(map)) => map.iter().map(|(k, v)| format!("{k}: {}", shown(&v.to_string()))).collect::<Vec<_>>().join("; "),
        Ok(other) => other.to_string(),
        Err(_) => json.to_owned(),
    }
}

fn field_label(column: &str) -> String {
    match column {
        "name" => "Tên",
        "full_name" => "Họ và tên",
        "title" => "Nội dung",
        "status" => "Trạng thái",
        "deleted_at" => "Xóa bản ghi",
        "birth_date" => "Ngày sinh",
        "group_unit_id" => "Tổ dân phố",
        "guardian_name" => "Cha, mẹ hoặc người chăm sóc",
        "phone" => "Số điện thoại",
        "address" => "Địa chỉ",
        "text" => "Ghi chú",
        "lock_minutes" => "Số phút tự khóa",
        other => other,
    }
    .to_owned()
}

/// A record's name as people know it, from whichever naming column its table has.
async fn record_name(pool: &SqlitePool, tables: &std::collections::BTreeMap<String, Vec<String>>, table: &str, id: &str) -> Result<String> {
    let Some(column) = tables.get(table).and_then(|cols| ["name", "full_name", "title", "number"].into_iter().find(|c| cols.iter().any(|x| x == c))) else {
        return Ok(String::new());
    };
    let value: Option<Value> = sqlx::query_scalar::<_, String>(&format!("SELECT json_quote({column}) FROM {table} WHERE id = ?"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .and_then(|v| serde_json::from_str(&v).ok());
    Ok(value.map(|v| shown(&v.to_string())).unwrap_or_default())
}

fn table_label(table: &str) -> &'static str {
    match table {
        "units" => "Đơn vị",
        "plans" => "Kế hoạch",
        "plan_nodes" => "Hoạt động của kế hoạch",
        "assignments" => "Phần việc của đơn vị",
        "progress_notes" => "Ghi chú tiến độ",
        "children" => "Hồ sơ trẻ em",
        "child_circumstances" => "Nhóm hoàn cảnh đặc biệt",
        "child_consents" => "Sự đồng ý",
        "documents" => "Văn bản",
        "ward" => "Thông tin phường",
        "signers" => "Người ký",
        "users" => "Tài khoản",
        "cases" | "case_steps" | "case_actions" | "case_referrals" => "Vụ việc",
        _ => "Bản ghi",
    }
}

#[derive(sqlx::FromRow)]
struct ConflictRow {
    id: String,
    table_name: String,
    record_id: String,
    column_name: String,
    kind: String,
    kept_value: Option<String>,
    kept_device: String,
    kept_hlc: String,
    other_value: Option<String>,
    other_device: String,
    other_hlc: String,
    chosen: Option<String>,
}

/// The conflicts, those still to choose first (case records only to those who read cases).
pub async fn conflicts(store: &Store, actor: &Actor) -> Result<Vec<Conflict>> {
    actor.require(Need::ManageDevices)?;
    let rows = sqlx::query_as::<_, ConflictRow>(
        "SELECT id, table_name, record_id, column_name, kind, kept_value, kept_device, kept_hlc, other_value, other_device, other_hlc, chosen
         FROM sync_conflicts WHERE deleted_at IS NULL ORDER BY resolved_at IS NOT NULL, created_at DESC",
    )
    .fetch_all(store.pool())
    .await?;
    let names: HashMap<String, String> =
        sqlx::query_as::<_, (String, String)>("SELECT id, name FROM devices").fetch_all(store.pool()).await?.into_iter().collect();
    let device = |id: &str| names.get(id).cloned().unwrap_or_else(|| format!("máy {}", id.chars().take(8).collect::<String>()));
    let tables = fold::user_tables(&mut *store.pool().acquire().await?).await?;
    let mut out = Vec::new();
    for r in rows {
        let record_name = record_name(store.pool(), &tables, &r.table_name, &r.record_id).await?;
        out.push(Conflict {
            record_name,
            field: field_label(&r.column_name),
            what: table_label(&r.table_name).to_owned(),
            deletion: r.kind == "deleted",
            kept_value: if r.kind == "deleted" { "Đã xóa".to_owned() } else { shown(r.kept_value.as_deref().unwrap_or("null")) },
            kept_device: device(&r.kept_device),
            kept_at: hlc_time(&r.kept_hlc),
            other_value: shown(r.other_value.as_deref().unwrap_or("null")),
            other_device: device(&r.other_device),
            other_at: hlc_time(&r.other_hlc),
            resolved: r.chosen.as_deref().and_then(ConflictChoice::from_stored),
            id: r.id,
            table_name: r.table_name,
            record_id: r.record_id,
            column_name: r.column_name,
        });
    }
    Ok(out)
}

/// The officer's choice: keeping the value kept, or writing the other one (for a deletion:
/// bringing the record back), as a new change that wins on every laptop.
pub async fn choose(store: &Store, actor: &Actor, conflict_id: &str, choice: ConflictChoice) -> Result<()> {
    actor.require(Need::ManageDevices)?;
    let mut w = store.write(actor, Source::Window).await?;
    let row = sqlx::query_as::<_, ConflictRow>(
        "SELECT id, table_name, record_id, column_name, kind, kept_value, kept_device, kept_hlc, other_value, other_device, other_hlc, chosen
         FROM sync_conflicts WHERE id = ? AND deleted_at IS NULL",
    )
    .bind(conflict_id)
    .fetch_optional(w.conn())
    .await?
    .ok_or(Error::NotFound { what: "xung đột này" })?;
    if choice == ConflictChoice::Other {
        let tables = fold::user_tables(w.conn()).await?;
        let known = tables.get(&row.table_name).is_some_and(|cols| cols.contains(&row.column_name)) && fold::writable(&row.column_name);
        if !known {
            return Err(Error::NotFound { what: "trường dữ liệu của xung đột này" });
        }
        let value = if row.kind == "deleted" {
            Value::Null
        } else {
            serde_json::from_str(row.other_value.as_deref().unwrap_or("null")).unwrap_or(Value::Null)
        };
        w.update(&row.table_name, &row.record_id, Cols::new().set_named(row.column_name.clone(), value)).await?;
    }
    let cols = Cols::new().set("resolved_at", w.stamp().to_owned()).set("resolved_by", actor.name()).set("chosen", choice.as_str());
    w.update("sync_conflicts", conflict_id, cols).await?;
    w.commit().await
}
