//! Whom the ward trusts when it checks a signature: the certification authorities the officer
//! puts on the trust list (empty at first), and the internal certificates the ward made itself.
//! Verifying a PDF against the store's list lives here; the pure check is
//! [`signing::verify_pdf`].

use chrono::{DateTime, Utc};
use der::{Decode, DecodePem, EncodePem};
use serde::Serialize;
use sqlx::SqlitePool;
use ts_rs::TS;
use x509_cert::Certificate;

use crate::auth::{Actor, Need};
use crate::signing::{self, FileVerification, TrustList};
use crate::store::{natural_id, stamp, Cols, Source, Store};
use crate::text::InvalidInput;
use crate::{Error, Result};

/// A certification authority on the trust list.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, TS)]
#[ts(export)]
pub struct Authority {
    /// Id (derived from the fingerprint).
    pub id: String,
    /// The authority's name ("Root CA Bộ Nội vụ" …).
    pub name: String,
    /// Its full distinguished name.
    pub subject: String,
    /// SHA-256 fingerprint of the certificate, lowercase hex, for comparing with the
    /// authority's published one.
    pub fingerprint: String,
    /// End of validity (UTC).
    pub not_after: DateTime<Utc>,
}

/// Largest certificate file accepted.
const MAX_CERTIFICATE_BYTES: usize = 64 * 1024;

/// Reads a certificate from DER bytes or PEM text (.cer, .crt, .pem).
pub fn parse_certificate(bytes: &[u8]) -> Result<Certificate> {
    if bytes.len() > MAX_CERTIFICATE_BYTES {
        return Err(not_a_certificate().into());
    }
    let parsed = match std::str::from_utf8(bytes) {
        Ok(text) if text.contains("-----BEGIN") => Certificate::from_pem(text.trim().as_bytes()),
        _ => Certificate::from_der(bytes),
    };
    parsed.map_err(|_| not_a_certificate().into())
}

fn not_a_certificate() -> InvalidInput {
    InvalidInput::new(
        "certificate",
        "Tệp này không phải chứng thư số của tổ chức chứng thực (.cer, .crt hoặc .pem). Hãy tải tệp chứng thư gốc từ trang của tổ chức chứng thực.",
    )
}

/// The authorities on the trust list, by name.
pub async fn list(store: &Store, actor: &Actor) -> Result<Vec<Authority>> {
    actor.require(Need::ReadPlan)?;
    list_in(store.pool()).await
}

pub(crate) async fn list_in(pool: &SqlitePool) -> Result<Vec<Authority>> {
    Ok(sqlx::query_as::<_, Authority>(
        "SELECT id, name, subject, fingerprint, not_after FROM trusted_authorities WHERE deleted_at IS NULL ORDER BY name, id",
    )
    .fetch_all(pool)
    .await?)
}

/// Puts a certification authority's certificate (DER or PEM) on the trust list; adding one
/// already listed returns it unchanged, adding one removed before lists it again.
pub async fn add(store: &Store, actor: &Actor, source: Source, bytes: &[u8]) -> Result<Authority> {
    actor.require(Need::SetUpWard)?;
    let cert = parse_certificate(bytes)?;
    let fingerprint = signing::fingerprint(&cert);
    let pem = cert
        .to_pem(der::pem::LineEnding::LF)
        .map_err(|_| InvalidInput::new("certificate", "Chứng thư số này không ghi lại được; hãy tải lại tệp từ tổ chức chứng thực."))?;
    let subject = &cert.tbs_certificate.subject;
    let not_after = DateTime::<Utc>::from(cert.tbs_certificate.validity.not_after.to_system_time());
    let id = natural_id("trusted_authority", &[&fingerprint]);
    let cols = Cols::new()
        .set("name", signing::display_name(subject))
        .set("subject", subject.to_string())
        .set("fingerprint", &fingerprint)
        .set("not_after", stamp(not_after))
        .set("certificate", pem);
    let mut w = store.write(actor, source).await?;
    match w.read("trusted_authorities", &id, &["deleted_at"]).await? {
        None => w.insert("trusted_authorities", &id, cols).await?,
        Some(row) if !row.get("deleted_at").is_some_and(|v| v.is_null()) => {
            w.update("trusted_authorities", &id, cols.set("deleted_at", None::<String>)).await?;
        }
        Some(_) => {}
    }
    w.commit().await?;
    authority(store.pool(), &id).await
}

/// [`add`] from a file the officer chose, read here.
pub async fn add_file(store: &Store, actor: &Actor, source: Source, path: &std::path::Path) -> Result<Authority> {
    actor.require(Need::SetUpWard)?;
    let size = std::fs::metadata(path).map_err(|e| Error::File { path: path.display().to_string(), source: e })?.len();
    if size > MAX_CERTIFICATE_BYTES as u64 {
        return Err(not_a_certificate().into());
    }
    let bytes = std::fs::read(path).map_err(|e| Error::File { path: path.display().to_string(), source: e })?;
    add(store, actor, source, &bytes).await
}

async fn authority(pool: &SqlitePool, id: &str) -> Result<Authority> {
    sqlx::query_as::<_, Authority>(
        "SELECT id, name, subject, fingerprint, not_after FROM trusted_authorities WHERE id = ? AND deleted_at IS NULL",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?
    .ok_or(Error::NotFound { what: "tổ chức chứng thực trong danh sách tin cậy" })
}

/// Takes an authority off the trust list (a tombstone: it can be added again).
pub async fn remove(store: &Store, actor: &Actor, source: Source, id: &str) -> Result<()> {
    actor.require(Need::SetUpWard)?;
    authority(store.pool(), id).await?;
    let mut w = store.write(actor, source).await?;
    w.tombstone("trusted_authorities", id).await?;
    w.commit().await
}

/// What the ward trusts now: the listed authorities, and every internal certificate it made
/// (removed ones too, so that what they signed still reads as the ward's own).
pub async fn trust_list(store: &Store, actor: &Actor) -> Result<TrustList> {
    actor.require(Need::ReadPlan)?;
    trust_list_in(store.pool()).await
}

pub(crate) async fn trust_list_in(pool: &SqlitePool) -> Result<TrustList> {
    let pems: Vec<String> = sqlx::query_scalar("SELECT certificate FROM trusted_authorities WHERE deleted_at IS NULL")
        .fetch_all(pool)
        .await?;
    let authorities = pems.iter().filter_map(|p| Certificate::from_pem(p.as_bytes()).ok()).collect();
    let ward_certificates = sqlx::query_scalar("SELECT fingerprint FROM certificates WHERE internal = 1 AND fingerprint IS NOT NULL")
        .fetch_all(pool)
        .await?;
    Ok(TrustList { authorities, ward_certificates })
}

/// Verifies a signed PDF against the ward's trust list.
pub async fn verify_pdf(store: &Store, actor: &Actor, pdf: &[u8]) -> Result<FileVerification> {
    actor.require(Need::ReadPlan)?;
    verify_pdf_in(store.pool(), pdf).await
}

pub(crate) async fn verify_pdf_in(pool: &SqlitePool, pdf: &[u8]) -> Result<FileVerification> {
    Ok(signing::verify_pdf(pdf, &trust_list_in(pool).await?)?)
}
