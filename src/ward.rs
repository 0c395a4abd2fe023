//! The ward: its name and parent authority, the units that take part (offices, schools, mass
//! organisations, residential groups) and the people who sign.

use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use ts_rs::TS;

use crate::store::{new_id, Changes, Op, Source, Store, Write};
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

/// What kind of unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum UnitKind {
    /// An office, school or organisation.
    Agency,
    /// A residential group (tổ dân phố).
    ResidentialGroup,
}

impl UnitKind {
    fn as_str(self) -> &'static str {
        match self {
            UnitKind::Agency => "agency",
            UnitKind::ResidentialGroup => "residential_group",
        }
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
    /// agency or residential_group.
    pub kind: String,
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
pub async fn get(pool: &SqlitePool) -> Result<Option<Ward>> {
    Ok(sqlx::query_as::<_, Ward>(
        "SELECT name, parent_authority, place_name, seal_file_id IS NOT NULL AS has_seal FROM ward WHERE deleted_at IS NULL LIMIT 1",
    )
        .fetch_optional(pool)
        .await?)
}

/// Saves the ward's settings.
pub async fn save(store: &Store, source: Source, ward: &Ward) -> Result<Ward> {
    let old = get(store.pool()).await?;
    let new = Ward {
        name: text::required("name", "tên phường", &ward.name, 200)?,
        parent_authority: text::required("parent_authority", "cơ quan cấp trên", &ward.parent_authority, 200)?,
        place_name: text::required("place_name", "địa danh ghi ở dòng ngày tháng", &ward.place_name, 200)?,
        has_seal: old.as_ref().is_some_and(|o| o.has_seal),
    };
    let mut w = store.write(source).await?;
    let existing: Option<String> = sqlx::query_scalar("SELECT id FROM ward WHERE deleted_at IS NULL LIMIT 1").fetch_optional(w.conn()).await?;
    let (now, device) = (w.now(), w.device_id().to_owned());
    let (id, op) = match existing {
        Some(id) => {
            sqlx::query("UPDATE ward SET name = ?, parent_authority = ?, place_name = ?, updated_at = ?, device_id = ?, row_version = row_version + 1 WHERE id = ?")
                .bind(&new.name)
                .bind(&new.parent_authority)
                .bind(&new.place_name)
                .bind(now)
                .bind(&device)
                .bind(&id)
                .execute(w.conn())
                .await?;
            (id, Op::Update)
        }
        None => {
            let id = new_id();
            sqlx::query("INSERT INTO ward (id, name, parent_authority, place_name, created_at, updated_at, device_id) VALUES (?, ?, ?, ?, ?, ?, ?)")
                .bind(&id)
                .bind(&new.name)
                .bind(&new.parent_authority)
                .bind(&new.place_name)
                .bind(now)
                .bind(now)
                .bind(&device)
                .execute(w.conn())
                .await?;
            (id, Op::Insert)
        }
    };
    let changes = match &old {
        Some(old) => Changes::diff(old, &new),
        None => Changes::inserted(&new),
    };
    if !changes.is_empty() {
        w.log("ward", &id, op, changes).await?;
    }
    w.commit().await?;
    Ok(new)
}

/// Units in list order.
pub async fn units(pool: &SqlitePool) -> Result<Vec<Unit>> {
    Ok(sqlx::query_as::<_, Unit>("SELECT id, name, kind, position FROM units WHERE deleted_at IS NULL ORDER BY position")
        .fetch_all(pool)
        .await?)
}

/// The id of the unit with this name, creating it if the ward has none.
pub(crate) async fn ensure_unit(w: &mut Write<'_>, name: &str, kind: UnitKind) -> Result<String> {
    if let Some(id) = sqlx::query_scalar::<_, String>("SELECT id FROM units WHERE name = ? AND deleted_at IS NULL")
        .bind(name)
        .fetch_optional(w.conn())
        .await?
    {
        return Ok(id);
    }
    let position: i32 = sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM units").fetch_one(w.conn()).await?;
    let unit = Unit { id: new_id(), name: name.to_owned(), kind: kind.as_str().to_owned(), position };
    let (now, device) = (w.now(), w.device_id().to_owned());
    sqlx::query("INSERT INTO units (id, name, kind, position, created_at, updated_at, device_id) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(&unit.id)
        .bind(&unit.name)
        .bind(&unit.kind)
        .bind(unit.position)
        .bind(now)
        .bind(now)
        .bind(device)
        .execute(w.conn())
        .await?;
    w.log("units", &unit.id, Op::Insert, Changes::inserted(&unit)).await?;
    Ok(unit.id)
}

/// Adds a unit (or returns the one of that name).
pub async fn add_unit(store: &Store, source: Source, name: &str, kind: UnitKind) -> Result<Unit> {
    let name = text::required("name", "tên đơn vị", name, 200)?;
    let mut w = store.write(source).await?;
    let id = ensure_unit(&mut w, &name, kind).await?;
    w.commit().await?;
    unit(store.pool(), &id).await
}

async fn unit(pool: &SqlitePool, id: &str) -> Result<Unit> {
    sqlx::query_as::<_, Unit>("SELECT id, name, kind, position FROM units WHERE id = ? AND deleted_at IS NULL")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(Error::NotFound { what: "đơn vị" })
}

/// Renames a unit.
pub async fn rename_unit(store: &Store, source: Source, id: &str, name: &str) -> Result<Unit> {
    let name = text::required("name", "tên đơn vị", name, 200)?;
    let before = unit(store.pool(), id).await?;
    let mut w = store.write(source).await?;
    let (now, device) = (w.now(), w.device_id().to_owned());
    sqlx::query("UPDATE units SET name = ?, updated_at = ?, device_id = ?, row_version = row_version + 1 WHERE id = ?")
        .bind(&name)
        .bind(now)
        .bind(device)
        .bind(id)
        .execute(w.conn())
        .await?;
    w.log("units", id, Op::Update, Changes::default().field("name", &before.name, &name)).await?;
    w.commit().await?;
    unit(store.pool(), id).await
}

/// The people who sign.
pub async fn signers(pool: &SqlitePool) -> Result<Vec<Signer>> {
    Ok(sqlx::query_as::<_, Signer>(
        "SELECT id, full_name, title, signature_file_id IS NOT NULL AS has_signature_image FROM signers WHERE deleted_at IS NULL ORDER BY created_at",
    )
        .fetch_all(pool)
        .await?)
}

/// Adds a signer, or updates one when `signer.id` names it.
pub async fn save_signer(store: &Store, source: Source, signer: &Signer) -> Result<Signer> {
    let full_name = text::required("full_name", "họ và tên người ký", &signer.full_name, 100)?;
    let title = text::required("title", "chức vụ", &signer.title, 100)?;
    let mut w = store.write(source).await?;
    let (now, device) = (w.now(), w.device_id().to_owned());
    let id = if signer.id.is_empty() { new_id() } else { signer.id.clone() };
    let old = signers(store.pool()).await?.into_iter().find(|s| s.id == id);
    let has_signature_image = old.as_ref().is_some_and(|o| o.has_signature_image);
    let saved = Signer { id, full_name, title, has_signature_image };
    match &old {
        Some(old) => {
            sqlx::query("UPDATE signers SET full_name = ?, title = ?, updated_at = ?, device_id = ?, row_version = row_version + 1 WHERE id = ?")
                .bind(&saved.full_name)
                .bind(&saved.title)
                .bind(now)
                .bind(device)
                .bind(&saved.id)
                .execute(w.conn())
                .await?;
            w.log("signers", &saved.id, Op::Update, Changes::diff(old, &saved)).await?;
        }
        None => {
            sqlx::query("INSERT INTO signers (id, full_name, title, created_at, updated_at, device_id) VALUES (?, ?, ?, ?, ?, ?)")
                .bind(&saved.id)
                .bind(&saved.full_name)
                .bind(&saved.title)
                .bind(now)
                .bind(now)
                .bind(device)
                .execute(w.conn())
                .await?;
            w.log("signers", &saved.id, Op::Insert, Changes::inserted(&saved)).await?;
        }
    }
    w.commit().await?;
    Ok(saved)
}

/// Largest image kept for a seal or a signature.
const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;

fn check_png(bytes: &[u8], what: &str) -> Result<()> {
    if crate::pdf::Picture::png_size(bytes).is_none() {
        return Err(text::InvalidInput::new("image", format!("Ảnh {what} phải là tệp PNG (nền trong suốt). Hãy chụp hoặc quét lại và lưu dạng .png.")).into());
    }
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(text::InvalidInput::new("image", format!("Ảnh {what} lớn hơn 2 MB; hãy giảm độ phân giải.")).into());
    }
    Ok(())
}

/// Keeps the image of the ward's seal (red, real size, transparent PNG).
pub async fn set_seal(store: &Store, source: Source, file_name: &str, png: &[u8]) -> Result<()> {
    check_png(png, "con dấu")?;
    let mut w = store.write(source).await?;
    let id: String = sqlx::query_scalar("SELECT id FROM ward WHERE deleted_at IS NULL LIMIT 1")
        .fetch_optional(w.conn())
        .await?
        .ok_or(Error::NotFound { what: "thông tin phường" })?;
    let file = crate::files::keep_bytes(&mut w, file_name, png).await?;
    let (now, device) = (w.now(), w.device_id().to_owned());
    sqlx::query("UPDATE ward SET seal_file_id = ?, updated_at = ?, device_id = ?, row_version = row_version + 1 WHERE id = ?")
        .bind(&file.id)
        .bind(now)
        .bind(device)
        .bind(&id)
        .execute(w.conn())
        .await?;
    w.log("ward", &id, Op::Update, Changes::default().field("seal_file_id", (), &file.id)).await?;
    w.commit().await
}

/// Keeps the image of a signer's handwritten signature (blue, transparent PNG).
pub async fn set_signature_image(store: &Store, source: Source, signer_id: &str, file_name: &str, png: &[u8]) -> Result<()> {
    check_png(png, "chữ ký")?;
    let mut w = store.write(source).await?;
    let file = crate::files::keep_bytes(&mut w, file_name, png).await?;
    let (now, device) = (w.now(), w.device_id().to_owned());
    let done = sqlx::query("UPDATE signers SET signature_file_id = ?, updated_at = ?, device_id = ?, row_version = row_version + 1 WHERE id = ? AND deleted_at IS NULL")
        .bind(&file.id)
        .bind(now)
        .bind(device)
        .bind(signer_id)
        .execute(w.conn())
        .await?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound { what: "người ký" });
    }
    w.log("signers", signer_id, Op::Update, Changes::default().field("signature_file_id", (), &file.id)).await?;
    w.commit().await
}

/// The seal's PNG, if the ward has one.
pub async fn seal_png(store: &Store) -> Result<Option<Vec<u8>>> {
    let id: Option<String> = sqlx::query_scalar("SELECT seal_file_id FROM ward WHERE deleted_at IS NULL LIMIT 1")
        .fetch_optional(store.pool())
        .await?
        .flatten();
    match id {
        Some(id) => Ok(Some(crate::files::read(store, &id).await?)),
        None => Ok(None),
    }
}

/// The handwritten signature's PNG of the signer with this name, if there is one.
pub async fn signature_png(store: &Store, full_name: &str) -> Result<Option<Vec<u8>>> {
    let id: Option<String> = sqlx::query_scalar("SELECT signature_file_id FROM signers WHERE full_name = ? AND deleted_at IS NULL LIMIT 1")
        .bind(full_name)
        .fetch_optional(store.pool())
        .await?
        .flatten();
    match id {
        Some(id) => Ok(Some(crate::files::read(store, &id).await?)),
        None => Ok(None),
    }
}
