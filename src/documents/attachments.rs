//! The documents sent with a document (văn bản kèm theo): PDFs the officer adds to a draft. At
//! issuing, as Annex I of Decree 30/2020 describes, each is stamped at the top right of its
//! first page with the document's number and symbol and the signing time (ISO 8601, Vietnam
//! time) in 10 pt, then signed with the document, in the same write; the original is kept.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::SqlitePool;
use ts_rs::TS;

use super::register::{self, DocStatus};
use crate::auth::{Actor, Need};
use crate::files::{self, Upload};
use crate::signing::{Form, Identity, SignOptions};
use crate::store::{new_id, Cols, Source, Store, Write};
use crate::text::{self, InvalidInput};
use crate::{Error, Result};

/// At most this many attachments to one document.
const MAX_PER_DOCUMENT: i64 = 20;
/// The stamp's size (Annex I: 10 pt).
const STAMP_SIZE: f32 = 10.0;

/// A document sent with another.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, TS)]
#[ts(export)]
pub struct Attachment {
    /// Id.
    pub id: String,
    /// The document it goes with.
    pub document_id: String,
    /// Its place in the list, from 1.
    pub position: i64,
    /// Its title.
    pub title: String,
    /// The name of the file given.
    pub file_name: String,
    /// Stamped (and signed) at issuing.
    pub issued: bool,
}

fn not_a_pdf() -> Error {
    InvalidInput::new("file", "Văn bản kèm theo phải là tệp PDF đọc được, không đặt mật khẩu. Hãy in văn bản ra PDF rồi chọn lại.").into()
}

/// The attachments of a document, in order.
pub async fn list(store: &Store, actor: &Actor, document_id: &str) -> Result<Vec<Attachment>> {
    register::get(store, actor, document_id).await?;
    if register::restricted(store.pool(), document_id).await? {
        actor.require(Need::ReadCases)?;
    }
    list_in(store.pool(), document_id).await
}

async fn list_in(pool: &SqlitePool, document_id: &str) -> Result<Vec<Attachment>> {
    Ok(sqlx::query_as(
        "SELECT a.id, a.document_id, a.position, a.title, f.file_name, a.issued_file_id IS NOT NULL AS issued
         FROM document_attachments a JOIN files f ON f.id = a.file_id
         WHERE a.document_id = ? AND a.deleted_at IS NULL ORDER BY a.position",
    )
    .bind(document_id)
    .fetch_all(pool)
    .await?)
}

/// Adds a PDF to a draft's attachments.
pub async fn add(store: &Store, actor: &Actor, source: Source, document_id: &str, upload: Upload<'_>, title: &str) -> Result<Attachment> {
    actor.require(Need::DraftDocuments)?;
    let title = text::required("title", "tên văn bản kèm theo", title, 300)?;
    let (name, bytes) = match upload {
        Upload::Path(path) => (
            path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            tokio::fs::read(path).await.map_err(|e| Error::file(path, e))?,
        ),
        Upload::Bytes { name, bytes } => (name.to_owned(), bytes.to_vec()),
    };
    let readable = lopdf::Document::load_mem(&bytes).is_ok_and(|d| !d.is_encrypted() && !d.get_pages().is_empty());
    if !readable {
        return Err(not_a_pdf());
    }
    // Writing the number on a signed file would void its signatures.
    if bytes.windows(10).any(|w| w == b"/ByteRange") {
        return Err(InvalidInput::new(
            "file",
            "Tệp này đã có chữ ký số: ghi số lên sẽ làm chữ ký đó mất hiệu lực. Hãy dùng bản chưa ký của văn bản kèm theo, hoặc gửi tệp đã ký riêng.",
        )
        .into());
    }
    let mut w = store.write(actor, source).await?;
    let status: Option<DocStatus> = sqlx::query_scalar("SELECT status FROM documents WHERE id = ? AND deleted_at IS NULL")
        .bind(document_id)
        .fetch_optional(w.conn())
        .await?;
    match status {
        None => return Err(Error::NotFound { what: "văn bản" }),
        Some(DocStatus::Issued) => return Err(InvalidInput::new("file", "Văn bản đã ban hành: không thêm được văn bản kèm theo.").into()),
        Some(_) => {}
    }
    let (count, last): (i64, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MAX(position) FROM document_attachments WHERE document_id = ? AND deleted_at IS NULL")
            .bind(document_id)
            .fetch_one(w.conn())
            .await?;
    if count >= MAX_PER_DOCUMENT {
        return Err(InvalidInput::new("file", format!("Một văn bản có tối đa {MAX_PER_DOCUMENT} văn bản kèm theo.")).into());
    }
    let file = files::keep_bytes(&mut w, &name, &bytes).await?;
    let id = new_id();
    let position = last.unwrap_or(0) + 1;
    let cols = Cols::new().set("document_id", document_id).set("position", position).set("title", &title).set("file_id", &file.id);
    w.insert("document_attachments", &id, cols).await?;
    w.commit().await?;
    Ok(Attachment { id, document_id: document_id.to_owned(), position, title, file_name: file.file_name, issued: false })
}

/// Takes an attachment off a draft.
pub async fn remove(store: &Store, actor: &Actor, source: Source, id: &str) -> Result<()> {
    actor.require(Need::DraftDocuments)?;
    let mut w = store.write(actor, source).await?;
    let status: Option<DocStatus> = sqlx::query_scalar(
        "SELECT d.status FROM document_attachments a JOIN documents d ON d.id = a.document_id WHERE a.id = ? AND a.deleted_at IS NULL",
    )
    .bind(id)
    .fetch_optional(w.conn())
    .await?;
    match status {
        None => return Err(Error::NotFound { what: "văn bản kèm theo" }),
        Some(DocStatus::Issued) => return Err(InvalidInput::new("file", "Văn bản đã ban hành: văn bản kèm theo không gỡ ra được.").into()),
        Some(_) => {}
    }
    w.tombstone("document_attachments", id).await?;
    w.commit().await
}

/// An attachment's PDF and file name: stamped and signed once the document is issued, the
/// file as given before.
pub async fn pdf(store: &Store, actor: &Actor, id: &str) -> Result<(String, Vec<u8>)> {
    let (document_id, file_id, issued): (String, String, Option<String>) =
        sqlx::query_as("SELECT document_id, file_id, issued_file_id FROM document_attachments WHERE id = ? AND deleted_at IS NULL")
            .bind(id)
            .fetch_optional(store.pool())
            .await?
            .ok_or(Error::NotFound { what: "văn bản kèm theo" })?;
    list(store, actor, &document_id).await?;
    let file_id = issued.unwrap_or(file_id);
    Ok((files::name_of_in(store.pool(), &file_id).await?, files::read(store, actor, &file_id).await?))
}

/// The stamp's lines: the number and symbol, and when it was signed (or the day of issue).
fn stamp_lines(number: &str, signed: Option<DateTime<Utc>>, on: chrono::NaiveDate) -> Vec<String> {
    let time = match signed {
        Some(at) => format!("Thời gian ký: {}", crate::vietnam_time(at).format("%Y-%m-%dT%H:%M:%S+07:00")),
        None => format!("Ngày ban hành: {}", text::format_date(on)),
    };
    vec![format!("Số: {number}"), time]
}

/// Stamps and signs the attachments of a document being issued, inside its write.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn issue_in(
    w: &mut Write<'_>,
    store: &Store,
    actor: &Actor,
    document_id: &str,
    number: &str,
    on: chrono::NaiveDate,
    signer: Option<(&Identity, Form)>,
    at: DateTime<Utc>,
) -> Result<usize> {
    let attachments: Vec<(String, String)> =
        sqlx::query_as("SELECT id, file_id FROM document_attachments WHERE document_id = ? AND deleted_at IS NULL ORDER BY position")
            .bind(document_id)
            .fetch_all(w.conn())
            .await?;
    let lines = stamp_lines(number, signer.map(|_| at), on);
    for (id, file_id) in &attachments {
        let original = files::read(store, actor, file_id).await?;
        let name = files::name_of_in(store.pool(), file_id).await?;
        let stamped = crate::pdf::overlay::stamp_first_page(&original, &lines, STAMP_SIZE, 6.0, 10.0)
            .map_err(|e| Error::Sign(crate::signing::SignError::Pdf(format!("{name}: {e}"))))?;
        let bytes = match signer {
            Some((identity, form)) => crate::signing::sign_pdf(&stamped, identity, &SignOptions { reason: "Ban hành văn bản kèm theo", at, form })?,
            None => stamped,
        };
        let kept = files::keep_bytes(w, &name, &bytes).await?;
        w.update("document_attachments", id, Cols::new().set("issued_file_id", &kept.id)).await?;
    }
    Ok(attachments.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stamp_gives_the_number_and_the_signing_time_in_vietnam() {
        let at = "2026-11-30T16:45:07Z".parse::<DateTime<Utc>>().unwrap();
        let on = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(stamp_lines("05/QĐ-UBND", Some(at), on), ["Số: 05/QĐ-UBND", "Thời gian ký: 2026-11-30T23:45:07+07:00"]);
        assert_eq!(stamp_lines("05/QĐ-UBND", None, on)[1], "Ngày ban hành: 30/11/2026");
    }
}

/// An attachment signed again, waiting to replace its kept file.
pub(crate) struct SignedAgain {
    id: String,
    was: String,
    name: String,
    bytes: Vec<u8>,
}

/// Signs again each issued attachment of a document (an incremental update), outside any write.
pub(crate) async fn sign_again(store: &Store, actor: &Actor, document_id: &str, signer: &Identity, opts: &SignOptions<'_>) -> Result<Vec<SignedAgain>> {
    let issued: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, issued_file_id FROM document_attachments WHERE document_id = ? AND deleted_at IS NULL AND issued_file_id IS NOT NULL ORDER BY position",
    )
    .bind(document_id)
    .fetch_all(store.pool())
    .await?;
    let mut out = Vec::new();
    for (id, was) in issued {
        let name = files::name_of_in(store.pool(), &was).await?;
        let bytes = crate::signing::sign_pdf(&files::read(store, actor, &was).await?, signer, opts)?;
        out.push(SignedAgain { id, was, name, bytes });
    }
    Ok(out)
}

/// Keeps the attachments signed again, inside the document's write; refuses if one changed since.
pub(crate) async fn keep_signed_again(w: &mut Write<'_>, signed: Vec<SignedAgain>) -> Result<()> {
    for s in signed {
        let current: Option<String> = sqlx::query_scalar("SELECT issued_file_id FROM document_attachments WHERE id = ?").bind(&s.id).fetch_one(w.conn()).await?;
        if current.as_deref() != Some(s.was.as_str()) {
            return Err(InvalidInput::new("status", "Văn bản kèm theo vừa thay đổi; hãy mở lại văn bản rồi ký.").into());
        }
        let kept = files::keep_bytes(w, &s.name, &s.bytes).await?;
        w.update("document_attachments", &s.id, Cols::new().set("issued_file_id", &kept.id)).await?;
    }
    Ok(())
}
