//! The commands of the register of children: search, a child's page and form, groups and
//! consents, the import wizard, lists saved and printed.

use std::sync::atomic::{AtomicU32, Ordering};

use serde::{Deserialize, Serialize};
use treem::auth::Actor;
use treem::children::import::{ImportChoice, ImportPreview, ImportResult};
use treem::children::index::{ChildList, ChildQuery};
use treem::children::{self, Child, ChildCheck, ChildInput, ChildPage, CircumstanceInput, ConsentInput};
use treem::{Result, Source, Store};
use ts_rs::TS;

use super::{open_in_system_viewer, read_chosen};

/// The largest spreadsheet the import wizard opens: the core's limit, checked before reading.
const MAX_WORKBOOK_BYTES: u64 = treem::limits::Limits::DEFAULT.max_file_bytes;

fn today() -> chrono::NaiveDate {
    treem::today_in_vietnam()
}

pub async fn children_search(store: &Store, actor: &Actor, req: ChildQuery) -> Result<ChildList> {
    children::index::search(store, actor, &req, today()).await
}

/// One child, as of a day (dd/mm/yyyy) or today.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct ChildRequest {
    /// The child.
    pub id: String,
    /// dd/mm/yyyy; empty for today.
    pub on: String,
}

pub async fn child(store: &Store, actor: &Actor, req: ChildRequest) -> Result<ChildPage> {
    let on = children::day_or_today("on", &req.on, today())?;
    children::page(store, actor, &req.id, on).await
}

/// A child's form, to check before saving.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct ChildCheckRequest {
    /// The details.
    pub input: ChildInput,
    /// The record being edited, if any.
    pub except: Option<String>,
}

pub async fn children_likely_duplicates(store: &Store, actor: &Actor, _req: ()) -> Result<children::index::LikelyDuplicates> {
    children::index::likely_duplicates(store, actor, today()).await
}

pub async fn child_check(store: &Store, actor: &Actor, req: ChildCheckRequest) -> Result<ChildCheck> {
    children::check(store, actor, &req.input, req.except.as_deref(), today()).await
}

pub async fn child_add(store: &Store, actor: &Actor, req: ChildInput) -> Result<Child> {
    children::add(store, actor, Source::Window, &req, today()).await
}

/// A child's changed details.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct ChildUpdateRequest {
    /// The child.
    pub id: String,
    /// The details.
    pub input: ChildInput,
}

pub async fn child_update(store: &Store, actor: &Actor, req: ChildUpdateRequest) -> Result<Child> {
    children::update(store, actor, Source::Window, &req.id, &req.input, today()).await
}

/// Remove a record, saying why.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct ChildRemoveRequest {
    /// The child.
    pub id: String,
    /// Why.
    pub reason: String,
}

pub async fn child_remove(store: &Store, actor: &Actor, req: ChildRemoveRequest) -> Result<()> {
    children::remove(store, actor, Source::Window, &req.id, &req.reason).await
}

/// A record removed by mistake.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct ChildRestoreRequest {
    /// The child.
    pub id: String,
}

pub async fn child_restore(store: &Store, actor: &Actor, req: ChildRestoreRequest) -> Result<Child> {
    children::restore(store, actor, Source::Window, &req.id).await
}

/// Merge a duplicate into the record kept.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct ChildMergeRequest {
    /// The record kept.
    pub keep: String,
    /// The duplicate, removed.
    pub duplicate: String,
}

pub async fn child_merge(store: &Store, actor: &Actor, req: ChildMergeRequest) -> Result<Child> {
    children::merge(store, actor, Source::Window, &req.keep, &req.duplicate).await
}

/// A new period in a group of special circumstances.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct CircumstanceAddRequest {
    /// The child.
    pub child_id: String,
    /// The period.
    pub input: CircumstanceInput,
}

pub async fn circumstance_add(store: &Store, actor: &Actor, req: CircumstanceAddRequest) -> Result<()> {
    children::add_circumstance(store, actor, Source::Window, &req.child_id, &req.input).await
}

/// A period changed.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct CircumstanceUpdateRequest {
    /// The period.
    pub id: String,
    /// Its new details.
    pub input: CircumstanceInput,
}

pub async fn circumstance_update(store: &Store, actor: &Actor, req: CircumstanceUpdateRequest) -> Result<()> {
    children::update_circumstance(store, actor, Source::Window, &req.id, &req.input).await
}

/// A period entered by mistake.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct CircumstanceRequest {
    /// The period.
    pub id: String,
}

pub async fn circumstance_remove(store: &Store, actor: &Actor, req: CircumstanceRequest) -> Result<()> {
    children::remove_circumstance(store, actor, Source::Window, &req.id).await
}

/// A consent recorded.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct ConsentAddRequest {
    /// The child.
    pub child_id: String,
    /// The consent.
    pub input: ConsentInput,
}

pub async fn consent_add(store: &Store, actor: &Actor, req: ConsentAddRequest) -> Result<()> {
    children::add_consent(store, actor, Source::Window, &req.child_id, &req.input).await
}

pub async fn children_remove_demo(store: &Store, actor: &Actor, _req: ()) -> Result<u32> {
    Ok(children::generate::remove_demo(store, actor).await? as u32)
}

/// A workbook chosen in the import wizard, with the sheet and columns chosen so far.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct ChildrenImportRequest {
    /// The file, as the dialog gave it.
    pub path: String,
    /// The sheet and the mapping.
    pub choice: ImportChoice,
    /// Import the good rows and leave out the bad ones.
    pub skip_bad_rows: bool,
}

pub async fn children_import_preview(store: &Store, actor: &Actor, req: ChildrenImportRequest) -> Result<ImportPreview> {
    let (_, bytes) = read_chosen(&req.path, MAX_WORKBOOK_BYTES)?;
    children::import::preview(store, actor, &bytes, &req.choice, today()).await
}

/// How far the running import is: rows written of rows to write.
#[derive(Debug, Clone, Copy, Default, Serialize, TS)]
#[ts(export)]
pub struct ImportProgress {
    /// Rows written.
    pub done: u32,
    /// Rows to write.
    pub total: u32,
}

static IMPORT_DONE: AtomicU32 = AtomicU32::new(0);
static IMPORT_TOTAL: AtomicU32 = AtomicU32::new(0);

pub async fn children_import_commit(store: &Store, actor: &Actor, req: ChildrenImportRequest) -> Result<ImportResult> {
    let (_, bytes) = read_chosen(&req.path, MAX_WORKBOOK_BYTES)?;
    IMPORT_DONE.store(0, Ordering::Relaxed);
    IMPORT_TOTAL.store(0, Ordering::Relaxed);
    let progress = |done: usize, total: usize| {
        IMPORT_DONE.store(done as u32, Ordering::Relaxed);
        IMPORT_TOTAL.store(total as u32, Ordering::Relaxed);
    };
    children::import::commit(store, actor, Source::Window, &bytes, &req.choice, req.skip_bad_rows, today(), &progress).await
}

/// Asked by the wizard while [`children_import_commit`] runs, to move its progress bar.
pub async fn children_import_progress(_store: &Store, actor: &Actor, _req: ()) -> Result<ImportProgress> {
    actor.require(treem::auth::Need::ManageChildren)?;
    Ok(ImportProgress { done: IMPORT_DONE.load(Ordering::Relaxed), total: IMPORT_TOTAL.load(Ordering::Relaxed) })
}

/// A list saved to a file the officer chose.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct ChildrenSaveRequest {
    /// The list, as the register page shows it.
    pub query: ChildQuery,
    /// Where to write (.xlsx or .pdf).
    pub path: String,
}

fn file_name(path: &str) -> String {
    std::path::Path::new(path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

pub async fn children_save_xlsx(store: &Store, actor: &Actor, req: ChildrenSaveRequest) -> Result<()> {
    let bytes = children::export::xlsx(store, actor, &req.query, today(), &file_name(&req.path)).await?;
    treem::files::write_whole_to(std::path::Path::new(&req.path), &bytes).await
}

pub async fn children_save_pdf(store: &Store, actor: &Actor, req: ChildrenSaveRequest) -> Result<()> {
    let bytes = children::export::pdf(store, actor, &req.query, today(), &file_name(&req.path)).await?;
    treem::files::write_whole_to(std::path::Path::new(&req.path), &bytes).await
}

/// Opens the printed list in the system's viewer, to print it. (As with documents, the copy it
/// opens sits unencrypted in the viewer's folder, emptied when the app starts.)
pub async fn children_print(store: &Store, actor: &Actor, req: ChildQuery) -> Result<()> {
    let name = "danh-sach-tre-em.pdf";
    let bytes = children::export::pdf(store, actor, &req, today(), name).await?;
    open_in_system_viewer(name, &bytes)
}
