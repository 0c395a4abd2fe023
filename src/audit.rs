//! The audit trail: the change log read as who did what and when, with the events beside the
//! writes (logins, wrong passwords, locks, exports, looks at a sensitive record), each device's
//! hash chain checked, and an export to Excel.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use ts_rs::TS;

use crate::auth::{Actor, Need};
use crate::store::chain::{self, Link};
use crate::store::{Source, Store};
use crate::sync::witness::Witnessed;
use crate::{Error, Result};

labelled_enum! {
    /// What happened, for an entry that changes no record.
    pub enum Event {
        /// A successful login (or unlock).
        Login = ("login", "Đăng nhập"),
        /// Wrong passwords before the next login (how many in the details).
        LoginFailed = ("login_failed", "Nhập sai mật khẩu"),
        /// The window was locked.
        Lock = ("lock", "Khóa màn hình"),
        /// One's own password changed.
        PasswordChanged = ("password_changed", "Đổi mật khẩu"),
        /// An officer set another account's password.
        PasswordReset = ("password_reset", "Đặt lại mật khẩu"),
        /// Data taken out of the app (a list, the audit trail).
        Export = ("export", "Xuất dữ liệu"),
        /// A sensitive record was opened.
        View = ("view", "Xem hồ sơ"),
        /// A sync file made for another laptop.
        SyncSent = ("sync_sent", "Gửi dữ liệu cho máy khác"),
        /// A sync file from another laptop merged.
        SyncReceived = ("sync_received", "Nhận dữ liệu từ máy khác"),
        /// A join file made for a new laptop.
        DeviceInvited = ("device_invited", "Kết nạp máy"),
        /// A backup of the data made.
        Backup = ("backup", "Sao lưu dữ liệu"),
        /// A sync file refused because its history disagreed with this laptop's (the details say
        /// where).
        HistoryMismatch = ("history_mismatch", "Lịch sử thay đổi không khớp"),
        /// A new recovery code made for the ward's backups.
        RecoveryCodeMade = ("recovery_code_made", "Tạo mã khôi phục"),
        /// The laptop's master key changed (after an account was stopped or a password changed).
        KeyChanged = ("key_changed", "Đổi khóa mã hóa dữ liệu"),
        /// The change of the master key failed before it held (why, in the details); the next
        /// login tries again.
        KeyChangeFailed = ("key_change_failed", "Chưa đổi được khóa mã hóa dữ liệu"),
    }
}

/// Writes that a sensitive record (a child, a case) was opened: the register of children and the
/// cases, which come next, call it on every view, so each look leaves a trace.
pub async fn viewed(store: &Store, actor: &Actor, table: &str, record_id: &str) -> Result<()> {
    let mut w = store.write(actor, Source::Window).await?;
    w.event(table, record_id, Event::View, serde_json::json!({})).await?;
    w.commit().await
}

/// Writes that a record left the app as a file (a document's PDF saved elsewhere, a list).
pub async fn exported(store: &Store, actor: &Actor, table: &str, record_id: &str, file_name: &str) -> Result<()> {
    let mut w = store.write(actor, Source::Window).await?;
    w.event(table, record_id, Event::Export, serde_json::json!({ "tệp": file_name })).await?;
    w.commit().await
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// One account's entries.
    pub user_id: Option<String>,
    /// One record's entries.
    pub record_id: Option<String>,
    /// From this day (Vietnam time), inclusive.
    pub from: Option<NaiveDate>,
    /// To this day (Vietnam time), inclusive.
    pub to: Option<NaiveDate>,
}

/// One entry as the Nhật ký page shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AuditLine {
    /// The device.
    pub device_id: String,
    /// Its sequence on the device.
    #[ts(type = "number")]
    pub seq: i64,
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// dd/mm/yyyy hh:mm, Vietnam time.
    pub when: String,
    /// Who (name).
    pub user_name: String,
    /// Who (account id; '' before accounts existed).
    pub user_id: String,
    /// What, in Vietnamese: "Đăng nhập", "Sửa", "Thêm", "Xóa".
    pub action: String,
    /// The kind of record, in Vietnamese ("Đơn vị", "Văn bản" …).
    pub table: String,
    /// The table as stored.
    pub table_name: String,
    /// The record.
    pub record_id: String,
    /// The fields changed, or an event's details.
    pub details: String,
    /// Whether this entry's chain link is broken (altered, or an entry before it removed).
    pub broken: bool,
}

/// The result of checking every device's chain.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ChainCheck {
    /// Entries checked.
    #[ts(type = "number")]
    pub entries: i64,
    /// Devices (chains).
    #[ts(type = "number")]
    pub devices: i64,
    /// The first break of each broken chain.
    pub breaks: Vec<ChainBreak>,
}

/// Where a chain breaks.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ChainBreak {
    /// The device.
    pub device_id: String,
    /// The entry where it breaks.
    #[ts(type = "number")]
    pub seq: i64,
    /// What is wrong, in Vietnamese.
    pub reason: String,
}

impl ChainCheck {
    /// Whether every chain is whole.
    pub fn whole(&self) -> bool {
        self.breaks.is_empty()
    }
}

/// Checks the chains of `links` (each device's in sequence); `heads` are the last entries noted
/// beside the log (device, seq, hash), so that entries cut off a chain's end are found too.
/// `partial` holds what this laptop was given of other laptops' entries it may not read in
/// full: (device, seq) → (hash, whether the entry is here without some columns); a withheld
/// entry's hash stands in for it, and an entry given without some columns cannot match its hash.
/// `witnessed` are the heads other laptops said they held: an entry held here must still have the
/// hash they received, and this laptop (`own_device`) must still hold its own entries they hold.
fn check_links(
    links: &[Link],
    heads: &[(String, i64, String)],
    partial: &HashMap<(String, i64), (String, bool)>,
    witnessed: &[Witnessed],
    own_device: &str,
) -> ChainCheck {
    let mut breaks: Vec<ChainBreak> = Vec::new();
    let mut devices = 0;
    let mut prev: Option<&Link> = None;
    for link in links {
        let same_device = prev.is_some_and(|p| p.device_id == link.device_id);
        if !same_device {
            devices += 1;
        }
        if breaks.last().is_some_and(|b| b.device_id == link.device_id) {
            prev = Some(link);
            continue;
        }
        let (mut expected_seq, mut expected_prev) = match prev.filter(|_| same_device) {
            Some(p) => (p.seq + 1, p.hash.as_str()),
            None => (1, ""),
        };
        while expected_seq < link.seq {
            match partial.get(&(link.device_id.clone(), expected_seq)) {
                Some((hash, false)) => {
                    expected_prev = hash;
                    expected_seq += 1;
                }
                _ => break,
            }
        }
        let cut = partial.get(&(link.device_id.clone(), link.seq)).is_some_and(|(_, columns_removed)| *columns_removed);
        let reason = if link.seq != expected_seq {
            Some(missing(expected_seq, link.seq - 1))
        } else if link.prev_hash != expected_prev {
            Some("không nối với mục trước (mục trước đã bị sửa hoặc xóa)".to_owned())
        } else if !cut && link.hash != link.expected_hash() {
            Some("nội dung đã bị sửa sau khi ghi".to_owned())
        } else {
            None
        };
        if let Some(reason) = reason {
            breaks.push(ChainBreak { device_id: link.device_id.clone(), seq: link.seq, reason });
        }
        prev = Some(link);
    }
    for (device, seq, hash) in heads {
        if breaks.iter().any(|b| &b.device_id == device) {
            continue;
        }
        let last = links.iter().filter(|l| &l.device_id == device).last();
        let (last_seq, last_hash) = last.map_or((0, ""), |l| (l.seq, l.hash.as_str()));
        if last_seq < *seq {
            breaks.push(ChainBreak { device_id: device.clone(), seq: last_seq + 1, reason: missing(last_seq + 1, *seq) });
        } else if last_seq == *seq && last_hash != hash {
            breaks.push(ChainBreak { device_id: device.clone(), seq: last_seq, reason: "mục cuối không phải mục đã ghi (đã bị thay)".to_owned() });
        }
    }
    if !witnessed.is_empty() {
        let held: HashMap<(&str, i64), &str> = links
            .iter()
            .map(|l| ((l.device_id.as_str(), l.seq), l.hash.as_str()))
            .chain(partial.iter().map(|((d, s), (h, _))| ((d.as_str(), *s), h.as_str())))
            .collect();
        for Witnessed { witness, head } in witnessed {
            if breaks.iter().any(|b| b.device_id == head.device_id) {
                continue;
            }
            let reason = match held.get(&(head.device_id.as_str(), head.seq)) {
                Some(hash) if *hash == head.hash => continue,
                Some(_) => format!("khác với mục mà máy «{witness}» đã nhận (lịch sử đã bị sửa sau đó)"),
                None if head.device_id == own_device => format!("thiếu mục mà máy «{witness}» đã nhận (đã bị xóa)"),
                None => continue,
            };
            breaks.push(ChainBreak { device_id: head.device_id.clone(), seq: head.seq, reason });
        }
    }
    ChainCheck { entries: links.len() as i64, devices, breaks }
}

fn missing(from: i64, to: i64) -> String {
    if from == to {
        format!("thiếu mục {from} (đã bị xóa)")
    } else {
        format!("thiếu các mục {from} đến {to} (đã bị xóa)")
    }
}

async fn checked(store: &Store) -> Result<(Vec<Link>, ChainCheck)> {
    // One snapshot for the entries and the heads noted beside them: read apart, an entry written
    // in between would look like one deleted.
    let mut read = store.pool().begin().await?;
    let links = chain::all_links(&mut read).await?;
    let partial: HashMap<(String, i64), (String, bool)> =
        sqlx::query_as::<_, (String, i64, String, bool)>("SELECT device_id, seq, hash, columns_removed FROM withheld_entries")
            .fetch_all(&mut *read)
            .await?
            .into_iter()
            .map(|(d, s, h, c)| ((d, s), (h, c)))
            .collect();
    let heads = chain::noted_heads(&mut read).await?;
    let witnessed = crate::sync::witness::kept(&mut read).await?;
    read.commit().await?;
    let check = check_links(&links, &heads, &partial, &witnessed, store.device_id());
    Ok((links, check))
}

/// Checks every device's chain: sequence without gaps, each entry linked to the one before,
/// each entry's content matching its hash.
pub async fn verify(store: &Store, actor: &Actor) -> Result<ChainCheck> {
    actor.require(Need::ReadAudit)?;
    chains(store).await
}

/// The chains checked, for the integrity check (which says only where they break).
pub(crate) async fn chains(store: &Store) -> Result<ChainCheck> {
    Ok(checked(store).await?.1)
}

fn vietnam_day_start(d: NaiveDate) -> String {
    let t = d.and_hms_opt(0, 0, 0).expect("midnight exists") - chrono::Duration::hours(7);
    crate::store::stamp(DateTime::from_naive_utc_and_offset(t, Utc))
}

/// The entries that match `filter`, newest first, each marked when its chain is broken there
/// or before it.
pub async fn list(store: &Store, actor: &Actor, filter: &AuditFilter) -> Result<Vec<AuditLine>> {
    actor.require(Need::ReadAudit)?;
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        if from > to {
            return Err(crate::text::InvalidInput::new("to", "Ngày cuối không được trước ngày đầu.").into());
        }
    }
    let (all, check) = checked(store).await?;
    let from = filter.from.map(vietnam_day_start);
    let to = filter.to.map(|d| vietnam_day_start(d + chrono::Duration::days(1)));
    let mut lines: Vec<AuditLine> = all
        .into_iter()
        .filter(|l| filter.user_id.as_deref().is_none_or(|u| l.user_id == u))
        .filter(|l| filter.record_id.as_deref().is_none_or(|r| l.record_id == r))
        .filter(|l| from.as_deref().is_none_or(|f| l.at.as_str() >= f))
        .filter(|l| to.as_deref().is_none_or(|t| l.at.as_str() < t))
        .map(|l| {
            let broken = check.breaks.iter().any(|b| b.device_id == l.device_id && l.seq >= b.seq);
            line(l, broken)
        })
        .collect();
    lines.sort_by(|a, b| b.at.cmp(&a.at).then(b.seq.cmp(&a.seq)));
    Ok(lines)
}

fn line(l: Link, broken: bool) -> AuditLine {
    let at = DateTime::parse_from_rfc3339(&l.at).map(|t| t.with_timezone(&Utc)).unwrap_or_default();
    let action = match (l.op.as_str(), l.event.as_deref().and_then(Event::from_stored)) {
        ("event", Some(e)) => e.label().to_owned(),
        ("insert", _) => "Thêm".to_owned(),
        ("update", _) => "Sửa".to_owned(),
        ("delete", _) => "Xóa".to_owned(),
        (other, _) => other.to_owned(),
    };
    let details = if l.op == "event" {
        // An event's details are a few named facts: "lần: 2", "tệp: báo cáo.pdf".
        match serde_json::from_str::<serde_json::Value>(&l.changes) {
            Ok(serde_json::Value::Object(facts)) => facts
                .iter()
                .map(|(k, v)| format!("{k}: {}", v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())))
                .collect::<Vec<_>>()
                .join(", "),
            _ => l.changes.clone(),
        }
    } else {
        crate::store::Changes::parse(&l.changes)
            .map(|c| c.pairs().filter_map(|(k, _, _)| crate::history::field_label(k)).collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    };
    AuditLine {
        when: crate::vietnam_clock(at),
        at,
        device_id: l.device_id,
        seq: l.seq,
        user_name: l.user_name,
        user_id: l.user_id,
        action,
        table: crate::history::table_label(&l.table_name).to_owned(),
        table_name: l.table_name,
        record_id: l.record_id,
        details,
        broken,
    }
}

/// The listed entries as an Excel workbook. Whoever writes it somewhere records that with
/// [`exported`].
pub async fn xlsx(store: &Store, actor: &Actor, filter: &AuditFilter) -> Result<Vec<u8>> {
    let lines = list(store, actor, filter).await?;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let xlsx_error = |_| Error::file("nhat-ky.xlsx", std::io::ErrorKind::Other.into());
    sheet.set_name("Nhật ký").map_err(xlsx_error)?;
    let headers = ["Thời gian", "Người thực hiện", "Thao tác", "Loại bản ghi", "Bản ghi", "Chi tiết", "Máy", "Số thứ tự", "Chuỗi"];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold).map_err(xlsx_error)?;
    }
    for (r, l) in lines.iter().enumerate() {
        let r = r as u32 + 1;
        let cells = [&l.when, &l.user_name, &l.action, &l.table, &l.record_id, &l.details, &l.device_id];
        for (c, v) in cells.iter().enumerate() {
            sheet.write_string(r, c as u16, v.as_str()).map_err(xlsx_error)?;
        }
        sheet.write_number(r, 7, l.seq as f64).map_err(xlsx_error)?;
        sheet.write_string(r, 8, if l.broken { "Bị phá vỡ" } else { "Nguyên vẹn" }).map_err(xlsx_error)?;
    }
    book.save_to_buffer().map_err(xlsx_error)
}
