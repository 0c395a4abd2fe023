//! The signers' certificates: .p12/.pfx files the ward keeps (imported, or made for internal
//! use), whose password is asked at each signing and never kept; and certificates on a USB
//! token, through the token's PKCS#11 library this laptop is pointed at, whose PIN is asked at
//! each signing and never kept. Also the form this laptop signs in.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::SqlitePool;
use ts_rs::TS;

use crate::auth::{Actor, Need};
use crate::signing::{self, Form, Identity};
use crate::token::{self, TokenCertificate};
use crate::store::writable::{LimitedWrites, Rule};
use crate::store::{new_id, stamp, Cols, Source, Store};
use crate::{files, text, Error, Result};

/// A kept certificate as the window lists it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, TS)]
#[ts(export)]
pub struct CertificateInfo {
    /// Id.
    pub id: String,
    /// The name in the certificate.
    pub signer: String,
    /// The full subject.
    pub subject: String,
    /// End of validity (UTC).
    pub not_after: DateTime<Utc>,
    /// Made by the ward, not by a certification authority.
    pub internal: bool,
}

/// Kept certificates.
pub async fn list(store: &Store, actor: &Actor) -> Result<Vec<CertificateInfo>> {
    actor.require(Need::ReadPlan)?;
    list_in(store.pool()).await
}

pub(crate) async fn list_in(pool: &SqlitePool) -> Result<Vec<CertificateInfo>> {
    Ok(sqlx::query_as::<_, CertificateInfo>(
        "SELECT id, signer, subject, not_after, internal FROM certificates WHERE deleted_at IS NULL ORDER BY created_at",
    )
    .fetch_all(pool)
    .await?)
}

/// What a leader's own laptop may write of certificates: the leader's, brought to the office's
/// laptop, where documents are signed (a fingerprint recorded at first use included).
pub(crate) const LEADER_WRITES: LimitedWrites = LimitedWrites {
    table: "certificates",
    insert: true,
    update: true,
    remove: false,
    columns: &[
        ("signer", Rule::Text { required: true, max: 300 }),
        ("subject", Rule::Text { required: true, max: 300 }),
        ("not_after", Rule::Instant),
        ("internal", Rule::Flag),
        ("fingerprint", Rule::Hex(64)),
        ("file_id", Rule::Reference),
    ],
};

/// Keeps a .p12 after checking that `password` opens it and that it can sign now.
pub async fn import(store: &Store, actor: &Actor, source: Source, file_name: &str, bytes: &[u8], password: &str) -> Result<CertificateInfo> {
    actor.require(Need::IssueDocuments)?;
    let identity = Identity::from_pkcs12(bytes, password, &[])?;
    identity.check_valid_at(Utc::now())?;
    let info = CertificateInfo {
        id: new_id(),
        signer: identity.name.clone(),
        subject: identity.name.clone(),
        not_after: identity.not_after,
        internal: identity.internal,
    };
    let mut w = store.write(actor, source).await?;
    let file = files::keep_bytes(&mut w, file_name, bytes).await?;
    let cols = Cols::new()
        .set("signer", &info.signer)
        .set("subject", &info.subject)
        .set("not_after", stamp(info.not_after))
        .set("internal", info.internal)
        .set("fingerprint", identity.fingerprint())
        .set("file_id", &file.id);
    w.insert("certificates", &info.id, cols).await?;
    w.commit().await?;
    Ok(info)
}

/// Makes and keeps a certificate for internal use (three years), protected by `password`.
pub async fn create_internal(store: &Store, actor: &Actor, source: Source, name: &str, password: &str) -> Result<CertificateInfo> {
    actor.require(Need::IssueDocuments)?;
    let name = text::required("name", "họ và tên người ký", name, 100)?;
    if password.chars().count() < 6 {
        return Err(text::InvalidInput::new("password", "Mật khẩu cần ít nhất 6 ký tự.").into());
    }
    let ward = crate::ward::get_in(store.pool()).await?.map(|w| format!("UBND {}", w.name)).unwrap_or_else(|| "UBND phường".into());
    let p12 = signing::create_internal(&name, &ward, password, Utc::now(), 3 * 365)?;
    import(store, actor, source, &format!("{name}.p12"), &p12, password).await
}

/// Opens a kept certificate for signing. A certificate kept before fingerprints were recorded
/// gets its fingerprint now (the password opens it), so that what it signs verifies as the
/// ward's own.
pub async fn identity(store: &Store, actor: &Actor, source: Source, id: &str, password: &str) -> Result<Identity> {
    actor.require(Need::IssueDocuments)?;
    let (file_id, fingerprint): (String, Option<String>) =
        sqlx::query_as("SELECT file_id, fingerprint FROM certificates WHERE id = ? AND deleted_at IS NULL")
            .bind(id)
            .fetch_optional(store.pool())
            .await?
            .ok_or(Error::NotFound { what: "chứng thư số" })?;
    let bytes = files::read(store, actor, &file_id).await?;
    let authorities = crate::trust::trust_list_in(store.pool()).await?.authorities;
    let identity = Identity::from_pkcs12(&bytes, password, &authorities)?;
    if fingerprint.is_none() {
        let mut w = store.write(actor, source).await?;
        w.update("certificates", id, Cols::new().set("fingerprint", identity.fingerprint())).await?;
        w.commit().await?;
    }
    Ok(identity)
}

/// The certificates on the USB tokens the PKCS#11 library at `module` sees.
pub async fn on_token(actor: &Actor, module: &Path) -> Result<Vec<TokenCertificate>> {
    actor.require(Need::IssueDocuments)?;
    let module = module.to_owned();
    Ok(tokio::task::spawn_blocking(move || token::list(&module)).await.map_err(|e| Error::Sign(signing::SignError::Token(e.to_string())))??)
}

/// Opens the certificate `id` (its PKCS#11 id in hex) on a token for one signing, checking the
/// PIN; the ward's trust list completes the chain put into the signature.
pub async fn token_identity(store: &Store, actor: &Actor, module: &Path, id: &str, pin: &str) -> Result<Identity> {
    actor.require(Need::IssueDocuments)?;
    let authorities = crate::trust::trust_list_in(store.pool()).await?.authorities;
    let (module, id, pin) = (module.to_owned(), id.to_owned(), zeroize::Zeroizing::new(pin.to_owned()));
    Ok(tokio::task::spawn_blocking(move || Identity::from_token(&module, &id, &pin, &authorities))
        .await
        .map_err(|e| Error::Sign(signing::SignError::Token(e.to_string())))??)
}

/// The token library this laptop signs with, if the officer chose one.
pub async fn token_module(store: &Store) -> Result<Option<PathBuf>> {
    Ok(store.preference(token::MODULE_PREFERENCE).await?.map(PathBuf::from))
}

/// Chooses the token library this laptop signs with (after checking that it loads and sees a
/// token), or forgets it with `None`.
pub async fn set_token_module(store: &Store, actor: &Actor, module: Option<&Path>) -> Result<Vec<TokenCertificate>> {
    actor.require(Need::IssueDocuments)?;
    let Some(module) = module else {
        store.set_preference(token::MODULE_PREFERENCE, "").await?;
        return Ok(vec![]);
    };
    let found = on_token(actor, module).await?;
    store.set_preference(token::MODULE_PREFERENCE, &module.display().to_string()).await?;
    Ok(found)
}

/// The form this laptop signs documents in.
pub async fn signature_form(store: &Store) -> Result<Form> {
    Ok(store.preference(Form::PREFERENCE).await?.map(|s| Form::parse(&s)).unwrap_or_default())
}

/// Sets the form this laptop signs documents in.
pub async fn set_signature_form(store: &Store, actor: &Actor, form: Form) -> Result<()> {
    actor.require(Need::IssueDocuments)?;
    store.set_preference(Form::PREFERENCE, form.as_str()).await
}
