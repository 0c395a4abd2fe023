//! The ward's recovery code: shown once when the ward is set up (and when the officer makes a new
//! one), to be printed or written down and kept apart from the laptops. Every backup made since
//! is sealed to the code's public key, kept in `meta` and carried to the office's other laptops
//! by their join file; the code itself is kept nowhere. With it, a backup is restored when no
//! officer's password is known any more.
//!
//! The code is 160 random bits written as 32 letters and digits (Crockford's base32, which has
//! no I, L, O or U, so nothing reads two ways), in groups of four. Its X25519 secret is derived
//! from those bits by HKDF-SHA256: they are random, so no slow derivation is needed.

use curve25519_dalek::MontgomeryPoint;
use hkdf::Hkdf;
use rand_core::{OsRng, RngCore};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::audit::Event;
use crate::auth::{Actor, Need};
use crate::store::{Cols, Source};
use crate::text::InvalidInput;
use crate::{Result, Store};

const BYTES: usize = 20;
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// The `meta` key of the public key backups are sealed to.
const RECIPIENT: &str = "backup_recipient";

/// A recovery code, as the officer writes it down. Erased from memory when dropped.
pub struct RecoveryCode(Zeroizing<[u8; BYTES]>);

impl RecoveryCode {
    /// A new random code.
    pub(crate) fn generate() -> RecoveryCode {
        let mut bytes = Zeroizing::new([0u8; BYTES]);
        OsRng.fill_bytes(bytes.as_mut());
        RecoveryCode(bytes)
    }

    /// Reads a code as typed: case, spaces and dashes do not matter, nor O for 0 or I and L for 1.
    pub fn parse(typed: &str) -> Result<RecoveryCode> {
        let wrong = || InvalidInput::new("recovery_code", "Mã khôi phục gồm 32 ký tự (chữ cái và chữ số), in thành 8 nhóm 4 ký tự. Hãy nhập đúng như đã in.");
        let mut bits: u64 = 0;
        let mut held = 0;
        let mut out = Zeroizing::new([0u8; BYTES]);
        let mut at = 0;
        for c in typed.chars().filter(|c| !c.is_whitespace() && *c != '-') {
            let c = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                other => other,
            };
            let value = ALPHABET.iter().position(|&a| a as char == c).ok_or_else(wrong)? as u64;
            bits = (bits << 5) | value;
            held += 5;
            if held >= 8 {
                held -= 8;
                *out.get_mut(at).ok_or_else(wrong)? = (bits >> held) as u8;
                at += 1;
            }
        }
        if at != BYTES || held != 0 {
            return Err(wrong().into());
        }
        Ok(RecoveryCode(out))
    }

    /// The code in groups of four: `7KQM-2XHD-…`.
    pub fn text(&self) -> String {
        let mut chars = String::new();
        let mut bits: u64 = 0;
        let mut held = 0;
        for byte in self.0.iter() {
            bits = (bits << 8) | u64::from(*byte);
            held += 8;
            while held >= 5 {
                held -= 5;
                chars.push(ALPHABET[((bits >> held) & 31) as usize] as char);
            }
        }
        chars.as_bytes().chunks(4).map(|g| std::str::from_utf8(g).expect("ASCII")).collect::<Vec<_>>().join("-")
    }

    /// The X25519 secret backups are opened with.
    pub(crate) fn secret(&self) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        Hkdf::<Sha256>::new(None, self.0.as_ref()).expand(b"treem recovery key v1", out.as_mut()).expect("32 bytes is a valid HKDF length");
        out
    }

    /// The public key backups are sealed to.
    pub(crate) fn recipient(&self) -> MontgomeryPoint {
        MontgomeryPoint::mul_base_clamped(*self.secret())
    }
}

impl std::fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCode(…)")
    }
}

/// The public key this laptop's backups are sealed to, if the ward has a recovery code.
pub(crate) async fn recipient(store: &Store) -> Result<Option<MontgomeryPoint>> {
    let hex_key = recipient_hex(store).await?;
    Ok(hex_key.and_then(|h| hex::decode(h).ok()).and_then(|b| <[u8; 32]>::try_from(b).ok()).map(MontgomeryPoint))
}

/// The recipient as a join file carries it: the ward's, as the office last renewed it and the
/// sync files brought it; before that, the one this laptop was set up or joined with.
pub(crate) async fn recipient_hex(store: &Store) -> Result<Option<String>> {
    let ward: Option<Option<String>> = sqlx::query_scalar("SELECT backup_recipient FROM ward WHERE deleted_at IS NULL LIMIT 1").fetch_optional(store.pool()).await?;
    match ward.flatten() {
        Some(hex_key) => Ok(Some(hex_key)),
        None => store.preference(RECIPIENT).await,
    }
}

/// Keeps the recipient a join file brought, if it is a public key that can be sealed to.
pub(crate) async fn set_recipient_hex(store: &Store, hex_key: &str) -> Result<()> {
    if hex::decode(hex_key).ok().and_then(|b| <[u8; 32]>::try_from(b).ok()).is_some_and(|k| crate::seal::usable(&MontgomeryPoint(k))) {
        store.set_preference(RECIPIENT, hex_key).await?;
    }
    Ok(())
}

/// Makes the ward's recovery code at set-up, keeping its public key.
pub(crate) async fn first(store: &Store) -> Result<RecoveryCode> {
    let code = RecoveryCode::generate();
    store.set_preference(RECIPIENT, &hex::encode(code.recipient().as_bytes())).await?;
    Ok(code)
}

/// Replaces the ward's recovery code (the officer, for a ward set up before codes were made, or
/// when the printed code is lost): backups made from now on open with the new code — on this
/// laptop, and on each other laptop once a sync file from here has reached it (the key is kept
/// with the ward's record) —; those made before, with the code of their time. The key and the
/// audit entry are written together.
pub async fn renew(store: &Store, actor: &Actor) -> Result<RecoveryCode> {
    actor.require(Need::ManageDevices)?;
    crate::sync::require_whole_laptop(store, actor).await?;
    let code = RecoveryCode::generate();
    let mut w = store.write(actor, Source::Window).await?;
    let recipient = hex::encode(code.recipient().as_bytes());
    crate::store::set_meta(w.conn(), RECIPIENT, &recipient).await?;
    let ward: Option<String> = sqlx::query_scalar("SELECT id FROM ward WHERE deleted_at IS NULL LIMIT 1").fetch_optional(w.conn()).await?;
    if let Some(ward) = ward {
        w.update("ward", &ward, Cols::new().set("backup_recipient", &recipient)).await?;
    }
    w.event("backup", "", Event::RecoveryCodeMade, serde_json::json!({})).await?;
    w.commit().await?;
    Ok(code)
}

/// Whether the ward has a recovery code (its backups can be opened with one).
pub async fn exists(store: &Store, actor: &Actor) -> Result<bool> {
    actor.require(Need::ManageDevices)?;
    Ok(recipient(store).await?.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_reads_back_as_written_however_it_is_typed() {
        let code = RecoveryCode::generate();
        let text = code.text();
        assert_eq!(text.len(), 39, "{text}");
        assert_eq!(text.split('-').count(), 8);
        let typed = text.to_lowercase().replace('-', " ").replace('0', "o").replace('1', "l");
        let back = RecoveryCode::parse(&typed).unwrap();
        assert_eq!(back.0.as_ref(), code.0.as_ref());
        assert_eq!(back.recipient(), code.recipient());
        assert!(RecoveryCode::parse(&text[..text.len() - 1]).is_err(), "a letter short");
        assert!(RecoveryCode::parse(&format!("{text}A")).is_err(), "a letter too many");
        assert!(RecoveryCode::parse(&text.replace(&text[..1], "U")).is_err(), "U is not in the alphabet");
        assert_ne!(RecoveryCode::generate().text(), text);
    }
}
