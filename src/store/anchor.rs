//! The anchor: this laptop's last committed entry (sequence and hash), written beside the
//! database (`treem.db-anchor`) after every commit that logged one, with an HMAC under a key
//! derived from the laptop's master key. The database notes the same head inside itself, but a
//! database that lost its last committed transactions — a WAL left behind with one damaged byte
//! is dropped whole by SQLite's recovery, silently — loses that note with them. The anchor,
//! outside it, still says how far the log had gone: at the next start the store finds the log
//! behind it and refuses to write, naming the way out (a restore).
//!
//! It finds loss, not every forgery: someone who holds the key can write an anchor to match, and
//! one without it can delete the file (a missing or unreadable anchor is not an alarm: a
//! restored or newly joined laptop has none until its first write).

use std::path::{Path, PathBuf};

use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::auth::keyring::MasterKey;
use crate::Result;

/// The anchor file of the database at `db_path`.
pub(crate) fn path(db_path: &Path) -> PathBuf {
    let mut name = db_path.as_os_str().to_owned();
    name.push("-anchor");
    PathBuf::from(name)
}

#[derive(Serialize, Deserialize)]
struct Anchor {
    device: String,
    seq: i64,
    head: String,
    mac: String,
}

fn mac(key: &MasterKey, device: &str, seq: i64, head: &str) -> Hmac<Sha256> {
    let mut mac_key = [0u8; 32];
    Hkdf::<Sha256>::new(None, key.bytes()).expand(b"treem anchor v1", &mut mac_key).expect("32 bytes is a valid HKDF length");
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&mac_key).expect("HMAC takes any key length");
    mac.update(format!("{device}\u{1f}{seq}\u{1f}{head}").as_bytes());
    mac
}

/// Notes `device`'s entry `seq` (with its hash) as the last committed one.
pub(crate) fn write(db_path: &Path, key: &MasterKey, device: &str, seq: i64, head: &str) -> Result<()> {
    let tag = hex::encode(mac(key, device, seq, head).finalize().into_bytes());
    let anchor = Anchor { device: device.to_owned(), seq, head: head.to_owned(), mac: tag };
    crate::files::write_whole(&path(db_path), &serde_json::to_vec(&anchor).expect("an anchor serialises"))
}

/// The last committed entry the anchor notes for `device`, if there is a readable, authentic one.
fn read(db_path: &Path, key: &MasterKey, device: &str) -> Option<(i64, String)> {
    let bytes = std::fs::read(path(db_path)).ok()?;
    let anchor: Anchor = serde_json::from_slice(&bytes).ok()?;
    let tag = hex::decode(&anchor.mac).ok()?;
    (anchor.device == device && mac(key, device, anchor.seq, &anchor.head).verify_slice(&tag).is_ok()).then_some((anchor.seq, anchor.head))
}

/// What the database lost, when its log is behind the anchor: `None` when it holds every entry
/// the anchor knows of (`noted` is the head the database notes of its own log).
pub(crate) fn lost(db_path: &Path, key: &MasterKey, device: &str, noted: Option<i64>) -> Option<String> {
    let (seq, _) = read(db_path, key, device)?;
    let held = noted.unwrap_or(0);
    (seq > held).then(|| {
        format!("tệp dữ liệu thiếu những thay đổi đã lưu: nhật ký của máy này dừng ở mục {held}, trong khi lần ghi cuối đã lưu đến mục {seq}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_anchor_ahead_of_the_log_is_loss_and_a_forged_one_is_not_believed() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("treem.db");
        let key = MasterKey::generate();
        assert_eq!(lost(&db, &key, "a", Some(3)), None, "no anchor yet");
        write(&db, &key, "a", 7, "abc").unwrap();
        assert_eq!(lost(&db, &key, "a", Some(7)), None);
        assert!(lost(&db, &key, "a", Some(5)).unwrap().contains("dừng ở mục 5"));
        assert!(lost(&db, &key, "a", None).is_some());
        assert_eq!(lost(&db, &key, "b", Some(0)), None, "another laptop's anchor");
        assert_eq!(lost(&db, &MasterKey::generate(), "a", Some(0)), None, "another key's anchor");
        let text = std::fs::read_to_string(path(&db)).unwrap().replace("\"seq\":7", "\"seq\":9");
        std::fs::write(path(&db), text).unwrap();
        assert_eq!(lost(&db, &key, "a", Some(7)), None, "an anchor altered by hand is not believed");
    }
}
