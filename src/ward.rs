//! The ward: its name and parent authority, the units that take part (offices, schools, mass
//! organisations, residential groups) and the people who sign.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use sqlx::SqlitePool;

use crate::auth::{Actor, Need};
use crate::store::{natural_id, Cols, Source, Store, Write};
use crate::text;
use crate::{Error, Result};

/// The ward's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow, TS)]
#[ts(export)]
pub struct Ward {
    /// "Phường Nguyễn Nghiêm".
    pub name: String,
    /// "Thành phố Quảng Ngãi".
    pub parent_authority: String,
    /// The place in the date line: "Phường Nguyễn Nghiêm".
    pub place_name: String,
    /// Whether an image of the ward's seal is kept.
    #[serde(default)]
    pub has_seal: bool,
}

labelled_enum! {
    /// What kind of unit.
    pub enum UnitKind {
        /// An office, school or organisation.
        Agency = ("agency", "Cơ quan, tổ chức"),
        /// A residential group (tổ dân phố).
        ResidentialGroup = ("residential_group", "Tổ dân phố"),
    }
}

/// A unit that takes part.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, TS)]
#[ts(export)]
pub struct Unit {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Office or residential group.
    pub kind: UnitKind,
    /// Order in lists.
    pub position: i32,
}

/// A person who signs.
#[derive(Debug, Clone, Serialize, Deserialize, sqlx::FromRow, TS)]
#[ts(export)]
pub struct Signer {
    /// Id (empty for a new one).
    pub id: String,
    /// "Võ Thùy Dương".
    pub full_name: String,
    /// "Chủ tịch", "Phó Chủ tịch".
    pub title: String,
    /// Whether an image of their handwritten signature is kept.
    #[serde(default)]
    pub has_signature_image: bool,
}

/// The ward's settings, if set.
pub async fn get(store: &Store, actor: &Actor) -> Result<Option<Ward>> {
    actor.require(Need::ReadPlan)?;
    get_in(store.pool()).await
}

pub(crate) async fn get_in(pool: &SqlitePool) -> Result<Option<Ward>> {
    Ok(sqlx::query_as::<_, Ward>(
        "SELECT name, parent_authority, place_name, seal_file_id IS NOT NULL AS has_seal FROM ward WHERE deleted_at IS NULL LIMIT 1",
    )
        .fetch_optional(pool)
        .await?)
}

/// Saves the ward's settings.
pub async fn save(store: &Store, actor: &Actor, source: Source, ward: &Ward) -> Result<Ward> {
    actor.require(Need::SetUpWard)?;
    let mut w = store.write(actor, source).await?;
    save_in(&mut w, ward).await?;
    w.commit().await?;
    Ok(get_in(store.pool()).await?.unwrap_or_else(|| ward.clone()))
}

/// The id of the one ward of a database: derived, so that two laptops set up on their own hold
/// the same ward.
fn ward_id() -> String {
    natural_id("ward", &[])
}

/// [`save`] inside the caller's write. The laptop that first sets the ward up becomes the one
/// that numbers its documents.
pub(crate) async fn save_in(w: &mut Write<'_>, ward: &Ward) -> Result<()> {
    let cols = Cols::new()
        .set("name", text::required("name", "tên phường", &ward.name, 200)?)
        .set("parent_authority", text::required("parent_authority", "cơ quan cấp trên", &ward.parent_authority, 200)?)
        .set("place_name", text::required("place_name", "địa danh ghi ở dòng ngày tháng", &ward.place_name, 200)?);
    let existing: Option<String> = sqlx::query_scalar("SELECT id FROM ward WHERE deleted_at IS NULL LIMIT 1").fetch_optional(w.conn()).await?;
    match existing {
        Some(id) => {
            w.update("ward", &id, cols).await?;
        }
        None => {
            let device = w.device_id().to_owned();
            w.insert("ward", &ward_id(), cols.set("issuing_device_id", device)).await?;
        }
    }
    Ok(())
}

/// Whether this laptop is the ward office's, the one that numbers and issues documents.
pub async fn is_issuing_office(store: &Store, actor: &Actor) -> Result<bool> {
    actor.require(Need::ReadPlan)?;
    let device: Option<Option<String>> = sqlx::query_scalar("SELECT issuing_device_id FROM ward WHERE deleted_at IS NULL LIMIT 1")
        .fetch_optional(store.pool())
        .await?;
    // No office yet (a ward set up before laptops had one): this laptop becomes it on issuing.
    Ok(device.flatten().is_none_or(|d| d == store.device_id()))
}

/// Makes this laptop the ward office's: from now on it numbers and issues the documents, and
/// the laptop that did so before only drafts (once the change reaches it).
pub async fn set_issuing_office(store: &Store, actor: &Actor, source: Source) -> Result<()> {
    actor.require(Need::SetUpWard)?;
    let mut w = store.write(actor, source).await?;
    let id: String = sqlx::query_scalar("SELECT id FROM ward WHERE deleted_at IS NULL LIMIT 1")
        .fetch_optional(w.conn())
        .await?
        .ok_or(Error::NotFound { what: "thông tin phường" })?;
    let device = w.device_id().to_owned();
    w.update("ward", &id, Cols::new().set("issuing_device_id", device)).await?;
    w.commit().await
}

/// Minutes without use before the window locks itself (a ward setting, 10 by default).
pub async fn lock_minutes(store: &Store) -> Result<u32> {
    let minutes: Option<i64> = sqlx::query_scalar("SELECT lock_minutes FROM ward WHERE deleted_at IS NULL LIMIT 1").fetch_optional(store.pool()).await?;
    Ok(minutes.map(|m| m.clamp(1, MAX_LOCK_MINUTES as i64) as u32).unwrap_or(DEFAULT_LOCK_MINUTES))
}

/// The lock's delay when the ward has not set one.
pub const DEFAULT_LOCK_MINUTES: u32 = 10;
const MAX_LOCK_MINUTES: u32 = 240;

/// Sets after how many minutes without use the window locks itself.
pub async fn set_lock_minutes(store: &Store, actor: &Actor, source: Source, minutes: u32) -> Result<()> {
    actor.require(Need::SetUpWard)?;
    if !(1..=MAX_LOCK_MINUTES).contains(&minutes) {
        return Err(text::InvalidInput::new("lock_minutes", format!("Thời gian tự khóa từ 1 đến {MAX_LOCK_MINUTES} phút.")).into());
    }
    let mut w = store.write(actor, source).await?;
    let id: String = sqlx::query_scalar("SELECT id FROM ward WHERE deleted_at IS NULL LIMIT 1")
        .fetch_optional(w.conn())
        .await?
        .ok_or(Error::NotFound { what: "thông tin phường" })?;
    w.update("ward", &id, Cols::new().set("lock_minutes", minutes)).await?;
    w.commit().await
}

/// Units in list order.
pub async fn units(store: &Store, actor: &Actor) -> Result<Vec<Unit>> {
    actor.require(Need::ReadPlan)?;
    units_in(store.pool()).await
}

pub(crate) async fn units_in(pool: &SqlitePool) -> Result<Vec<Unit>> {
    Ok(sqlx::query_as::<_, Unit>("SELECT id, name, kind, position FROM units WHERE deleted_at IS NULL ORDER BY position")
        .fetch_all(pool)
        .await?)
}

/// The id of the unit with this name, creating it if the ward has none. A new unit's id is
/// derived from its folded name, so two laptops that add the same unit hold one.
pub(crate) async fn ensure_unit(w: &mut Write<'_>, name: &str, kind: UnitKind) -> Result<String> {
    // "Công an Phường" and "Công an phường" are one unit: match as search does.
    let live: Vec<(String, String)> = sqlx::query_as("SELECT id, name FROM units WHERE deleted_at IS NULL").fetch_all(w.conn()).await?;
    let folded = text::fold(name);
    if let Some((id, _)) = live.into_iter().find(|(_, n)| text::fold(n) == folded) {
        return Ok(id);
    }
    let position: i32 = sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM units").fetch_one(w.conn()).await?;
    let id = w.natural_or_new_id("units", "unit", &[&text::fold(name)]).await?;
    w.insert("units", &id, Cols::new().set("name", name).set("kind", kind).set("position", position)).await?;
    Ok(id)
}

/// Adds a unit (or returns the one of that name).
pub async fn add_unit(store: &Store, actor: &Actor, source: Source, name: &str, kind: UnitKind) -> Result<Unit> {
    actor.require(Need::EditPlan)?;
    let name = text::required("name", "tên đơn vị", name, 200)?;
    let mut w = store.write(actor, source).await?;
    let id = ensure_unit(&mut w, &name, kind).await?;
    w.commit().await?;
    unit_in(store.pool(), &id).await
}

/// One live unit.
pub async fn unit(store: &Store, actor: &Actor, id: &str) -> Result<Unit> {
    actor.require(Need::ReadPlan)?;
    unit_in(store.pool(), id).await
}

pub(crate) async fn unit_in(pool: &SqlitePool, id: &str) -> Result<Unit> {
    sqlx::query_as::<_, Unit>("SELECT id, name, kind, position FROM units WHERE id = ? AND deleted_at IS NULL")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(Error::NotFound { what: "đơn vị" })
}

/// The live unit with this name, matched as search does ("tổ 5" finds "Tổ 5").
pub async fn unit_named(store: &Store, actor: &Actor, name: &str) -> Result<Unit> {
    let folded = text::fold(name.trim());
    units(store, actor).await?.into_iter().find(|u| text::fold(&u.name) == folded).ok_or(Error::NotFound { what: "đơn vị có tên này" })
}

/// Renames a unit.
pub async fn rename_unit(store: &Store, actor: &Actor, source: Source, id: &str, name: &str) -> Result<Unit> {
    actor.require(Need::EditPlan)?;
    let name = text::required("name", "tên đơn vị", name, 200)?;
    unit_in(store.pool(), id).await?;
    let mut w = store.write(actor, source).await?;
    w.update("units", id, Cols::new().set("name", &name)).await?;
    w.commit().await?;
    unit_in(store.pool(), id).await
}

/// The people who sign.
pub async fn signers(store: &Store, actor: &Actor) -> Result<Vec<Signer>> {
    actor.require(Need::ReadPlan)?;
    signers_in(store.pool()).await
}

pub(crate) async fn signers_in(pool: &SqlitePool) -> Result<Vec<Signer>> {
    Ok(sqlx::query_as::<_, Signer>(
        "SELECT id, full_name, title, signature_file_id IS NOT NULL AS has_signature_image FROM signers WHERE deleted_at IS NULL ORDER BY created_at",
    )
        .fetch_all(pool)
        .await?)
}

/// Adds a signer, or updates one when `signer.id` names it.
pub async fn save_signer(store: &Store, actor: &Actor, source: Source, signer: &Signer) -> Result<Signer> {
    actor.require(Need::SetUpWard)?;
    let mut w = store.write(actor, source).await?;
    let id = save_signer_in(&mut w, signer).await?;
    w.commit().await?;
    signers_in(store.pool()).await?.into_iter().find(|s| s.id == id).ok_or(Error::NotFound { what: "người ký" })
}

/// [`save_signer`] inside the caller's write; a new signer's id is derived from the folded name.
pub(crate) async fn save_signer_in(w: &mut Write<'_>, signer: &Signer) -> Result<String> {
    let full_name = text::required("full_name", "họ và tên người ký", &signer.full_name, 100)?;
    let title = text::required("title", "chức vụ", &signer.title, 100)?;
    let cols = Cols::new().set("full_name", &full_name).set("title", &title);
    if signer.id.is_empty() {
        let id = w.natural_or_new_id("signers", "signer", &[&text::fold(&full_name)]).await?;
        w.insert("signers", &id, cols).await?;
        Ok(id)
    } else {
        if w.read("signers", &signer.id, &["id"]).await?.is_none() {
            return Err(Error::NotFound { what: "người ký" });
        }
        w.update("signers", &signer.id, cols).await?;
        Ok(signer.id.clone())
    }
}

/// Most pixels in a seal or signature image (a seal scanned at 600 dpi is about 1,000×1,000).
const MAX_IMAGE_PIXELS: u64 = 4000 * 4000;

/// Largest image kept for a seal or a signature.
const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;

fn check_png(bytes: &[u8], what: &str) -> Result<()> {
    let Some((width, height)) = crate::pdf::Picture::png_size(bytes) else {
        return Err(text::InvalidInput::new("image", format!("Ảnh {what} phải là tệp PNG (nền trong suốt). Hãy chụp hoặc quét lại và lưu dạng .png.")).into());
    };
    // A small file may declare a huge picture that would take gigabytes to decode.
    if u64::from(width) * u64::from(height) > MAX_IMAGE_PIXELS {
        return Err(text::InvalidInput::new("image", format!("Ảnh {what} quá lớn ({width}×{height} điểm ảnh); hãy giảm độ phân giải rồi chọn lại.")).into());
    }
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(text::InvalidInput::new("image", format!("Ảnh {what} lớn hơn 2 MB; hãy giảm độ phân giải.")).into());
    }
    // A PNG that cannot be decoded would be silently left off a signed document: refuse it now.
    if !crate::pdf::render::image_decodes(bytes) {
        return Err(text::InvalidInput::new(
            "image",
            format!("Tệp ảnh {what} bị hỏng hoặc không đầy đủ, không đọc được. Hãy lưu lại ảnh dạng .png từ bản gốc rồi chọn lại."),
        )
        .into());
    }
    Ok(())
}

/// Keeps the image of the ward's seal (red, real size, transparent PNG).
pub async fn set_seal(store: &Store, actor: &Actor, source: Source, file_name: &str, png: &[u8]) -> Result<()> {
    actor.require(Need::SetUpWard)?;
    check_png(png, "con dấu")?;
    let mut w = store.write(actor, source).await?;
    let id: String = sqlx::query_scalar("SELECT id FROM ward WHERE deleted_at IS NULL LIMIT 1")
        .fetch_optional(w.conn())
        .await?
        .ok_or(Error::NotFound { what: "thông tin phường" })?;
    let file = crate::files::keep_bytes(&mut w, file_name, png).await?;
    w.update("ward", &id, Cols::new().set("seal_file_id", &file.id)).await?;
    w.commit().await
}

/// Keeps the image of a signer's handwritten signature (blue, transparent PNG).
pub async fn set_signature_image(store: &Store, actor: &Actor, source: Source, signer_id: &str, file_name: &str, png: &[u8]) -> Result<()> {
    actor.require(Need::SetUpWard)?;
    check_png(png, "chữ ký")?;
    let mut w = store.write(actor, source).await?;
    let live: Option<String> = sqlx::query_scalar("SELECT id FROM signers WHERE id = ? AND deleted_at IS NULL")
        .bind(signer_id)
        .fetch_optional(w.conn())
        .await?;
    if live.is_none() {
        return Err(Error::NotFound { what: "người ký" });
    }
    let file = crate::files::keep_bytes(&mut w, file_name, png).await?;
    w.update("signers", signer_id, Cols::new().set("signature_file_id", &file.id)).await?;
    w.commit().await
}

/// The seal's PNG, if the ward has one.
pub async fn seal_png(store: &Store, actor: &Actor) -> Result<Option<Vec<u8>>> {
    actor.require(Need::ReadPlan)?;
    let id: Option<String> = sqlx::query_scalar("SELECT seal_file_id FROM ward WHERE deleted_at IS NULL LIMIT 1")
        .fetch_optional(store.pool())
        .await?
        .flatten();
    match id {
        Some(id) => Ok(Some(crate::files::read(store, actor, &id).await?)),
        None => Ok(None),
    }
}

/// The handwritten signature's PNG of the signer with this name, if there is one.
pub async fn signature_png(store: &Store, actor: &Actor, full_name: &str) -> Result<Option<Vec<u8>>> {
    actor.require(Need::ReadPlan)?;
    let id: Option<String> = sqlx::query_scalar("SELECT signature_file_id FROM signers WHERE full_name = ? AND deleted_at IS NULL LIMIT 1")
        .bind(full_name)
        .fetch_optional(store.pool())
        .await?
        .flatten();
    match id {
        Some(id) => Ok(Some(crate::files::read(store, actor, &id).await?)),
        None => Ok(None),
    }
}
