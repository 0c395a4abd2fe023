//! Witnesses of history. Every sync file carries its sender's heads: for each device's log, the
//! last entry the sender holds and its hash, signed with the rest of the file by the sender's
//! device key. The receiver checks them against its own log before taking anything, and keeps
//! them ([`keep`]); the audit check compares its log with every head kept ([`kept`]).
//!
//! So history that one laptop has received and another then changes — an entry altered and the
//! chain recomputed, or the tail cut off, by someone holding that laptop's key — is found at the
//! next sync between them, whichever way the file goes, and on the changed laptop by `check`
//! while the heads it kept are there.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;

use super::SyncError;
use crate::Result;

/// The last entry a laptop holds of one device's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Head {
    /// Whose log.
    pub device_id: String,
    /// The entry's sequence.
    pub seq: i64,
    /// The entry's hash.
    pub hash: String,
}

/// This laptop's heads: the last entry it holds of each device's log (whole or withheld), from
/// `holdings` (device → the highest sequence held).
pub(super) async fn heads(conn: &mut SqliteConnection, holdings: &BTreeMap<String, i64>) -> Result<Vec<Head>> {
    let mut heads = Vec::with_capacity(holdings.len());
    for (device, &seq) in holdings {
        if let Some(hash) = held(conn, device, seq, seq).await?.remove(&seq) {
            heads.push(Head { device_id: device.clone(), seq, hash });
        }
    }
    Ok(heads)
}

/// The hashes this laptop holds of `device`'s entries `seqs` (whole or withheld).
async fn held(conn: &mut SqliteConnection, device: &str, from: i64, to: i64) -> Result<BTreeMap<i64, String>> {
    Ok(sqlx::query_as::<_, (i64, String)>(
        "SELECT seq, hash FROM change_log WHERE device_id = ?1 AND seq BETWEEN ?2 AND ?3
         UNION SELECT seq, hash FROM withheld_entries WHERE device_id = ?1 AND seq BETWEEN ?2 AND ?3",
    )
    .bind(device)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?
    .into_iter()
    .collect())
}

/// Checks what a file says of history against this laptop's log: every entry it carries that is
/// here already, and every head, must have the hash held here; this laptop's own log, and the
/// sender's as this laptop holds it, must reach as far as the file says. `sender` is the
/// sending laptop's (id, name).
pub(super) async fn check(
    conn: &mut SqliteConnection,
    own_device: &str,
    sender: (&str, &str),
    carried: &[(String, i64, String)],
    heads: &[Head],
    knows: &BTreeMap<String, i64>,
    made: i64,
) -> Result<()> {
    // A head for each log the sender holds, at the entry it says it holds: none left out.
    let headed: BTreeMap<&str, i64> = heads.iter().map(|h| (h.device_id.as_str(), h.seq)).collect();
    if heads.len() != headed.len() || knows.iter().any(|(device, seq)| headed.get(device.as_str()) != Some(seq)) || headed.len() != knows.len() {
        return Err(SyncError::Altered.into());
    }
    // What the sender held before, it still holds: a head behind the one kept from a file it made
    // earlier is a log cut short there (a file made before that one, delivered late, says less).
    for head in heads {
        let before: Option<(i64, i64)> = sqlx::query_as("SELECT seq, made FROM witnessed_heads WHERE witness_id = ? AND device_id = ?")
            .bind(sender.0)
            .bind(&head.device_id)
            .fetch_optional(&mut *conn)
            .await?;
        if let Some((before, _)) = before.filter(|(b, kept_made)| *b > head.seq && made >= *kept_made) {
            let name = super::device_row(conn, &head.device_id).await?.map_or_else(|| head.device_id.clone(), |d| d.name);
            let detail = format!("máy «{}» trước đây đã nhận đến mục {before} của máy «{name}», nay chỉ còn đến mục {}", sender.1, head.seq);
            return Err(SyncError::Rewritten(detail).into());
        }
    }
    let carried_here: BTreeSet<(&str, i64)> = carried.iter().map(|(d, s, _)| (d.as_str(), *s)).collect();
    let claims = carried.iter().map(|(d, s, h)| (d.as_str(), *s, h.as_str())).chain(heads.iter().map(|h| (h.device_id.as_str(), h.seq, h.hash.as_str())));
    let mut by_device: BTreeMap<&str, Vec<(i64, &str)>> = BTreeMap::new();
    for (device, seq, hash) in claims {
        by_device.entry(device).or_default().push((seq, hash));
    }
    for (device, claims) in by_device {
        let from = claims.iter().map(|c| c.0).min().unwrap_or(0);
        let to = claims.iter().map(|c| c.0).max().unwrap_or(0);
        let here = held(conn, device, from, to).await?;
        for (seq, hash) in claims {
            let detail = match here.get(&seq) {
                Some(h) if h == hash => continue,
                Some(_) => {
                    let name = super::device_row(conn, device).await?.map_or_else(|| device.to_owned(), |d| d.name);
                    format!("mục {seq} của máy «{name}» ở máy «{}» khác với ở máy này", sender.1)
                }
                // One of this laptop's own entries the sender holds and this laptop lost, unless
                // the file brings it back (a laptop restored from an older backup).
                None if device == own_device && !carried_here.contains(&(device, seq)) => {
                    format!("máy «{}» đã nhận đến mục {seq} của máy này, nhưng máy này không còn mục đó", sender.1)
                }
                None => continue,
            };
            return Err(SyncError::Rewritten(detail).into());
        }
    }
    // The sender holds every entry of its own it wrote before making the file: its head may not
    // be behind one this laptop received that its clock says came earlier.
    if let Some(own_head) = heads.iter().find(|h| h.device_id == sender.0) {
        let received = super::last_held(&mut *conn, sender.0).await?;
        let next: Option<String> = sqlx::query_scalar("SELECT hlc FROM change_log WHERE device_id = ? AND seq = ?")
            .bind(sender.0)
            .bind(own_head.seq + 1)
            .fetch_optional(&mut *conn)
            .await?;
        let written_before = next.as_deref().and_then(crate::store::hlc::Hlc::decode).is_none_or(|h| h.millis < made);
        if received > own_head.seq && written_before {
            let detail = format!("máy này đã nhận đến mục {received} của máy «{}», nhưng máy đó nay chỉ còn đến mục {}", sender.1, own_head.seq);
            return Err(SyncError::Rewritten(detail).into());
        }
    }
    Ok(())
}

/// Keeps the heads `witness` sent that this laptop now holds with the same hash (after the
/// merge), never moving one back: a head of an entry not here proves nothing yet, and is not
/// kept, so no sender can plant one.
pub(super) async fn keep(conn: &mut SqliteConnection, witness: &str, heads: &[Head], at: &str, made: i64) -> Result<()> {
    for head in heads {
        let here = held(conn, &head.device_id, head.seq, head.seq).await?;
        if here.get(&head.seq) != Some(&head.hash) {
            continue;
        }
        sqlx::query(
            "INSERT INTO witnessed_heads (witness_id, device_id, seq, hash, received_at, made) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (witness_id, device_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, received_at = excluded.received_at,
                 made = MAX(witnessed_heads.made, excluded.made)
             WHERE excluded.seq >= witnessed_heads.seq",
        )
        .bind(witness)
        .bind(&head.device_id)
        .bind(head.seq)
        .bind(&head.hash)
        .bind(at)
        .bind(made)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A head another laptop holds, with that laptop's name.
pub struct Witnessed {
    /// The witness's name (its id when it is not in the devices' list).
    pub witness: String,
    /// What it holds.
    pub head: Head,
}

/// Every head kept from other laptops.
pub async fn kept(conn: &mut SqliteConnection) -> Result<Vec<Witnessed>> {
    let rows: Vec<(String, String, i64, String)> = sqlx::query_as(
        "SELECT COALESCE(d.name, w.witness_id), w.device_id, w.seq, w.hash FROM witnessed_heads w LEFT JOIN devices d ON d.id = w.witness_id ORDER BY w.device_id, w.seq",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(witness, device_id, seq, hash)| Witnessed { witness, head: Head { device_id, seq, hash } }).collect())
}
