//! The command bodies: each takes the store and one request, and calls the core. No business
//! rule lives here; this layer only turns UI input (dates as typed, file bytes) into core calls.

use serde::{Deserialize, Serialize};
use treem::files::{StoredFile, Upload};
use treem::overview::Overview;
use treem::plan::import::PlanDraft;
use treem::plan::period::Period;
use treem::plan::reporting::{self, ReportTable};
use treem::plan::{self, ActivityPage, Assignment, Node, Note, Plan, PlanTree, Status};
use treem::history::HistoryLine;
use treem::ward::{self, Signer, Unit, UnitKind, Ward};
use crate::AppState;
use treem::auth::{self, Actor, UserRole};
use treem::{text, Error, Result, Source, Store};
use ts_rs::TS;

mod campaigns;
mod cases;
mod children;
mod commendations;
mod sync;
pub use campaigns::*;
pub use cases::*;
pub use children::*;
pub use commendations::*;
pub use sync::*;

async fn current_plan(store: &Store, actor: &Actor) -> Result<Plan> {
    plan::current(store, actor).await?.ok_or(Error::NotFound { what: "kế hoạch nào; hãy nhập kế hoạch của năm" })
}

fn date(field: &'static str, s: &str) -> Result<chrono::NaiveDate> {
    Ok(text::parse_date(field, s)?)
}

/// A file the officer chose in the system's dialog: its name and content, read here rather
/// than sent over IPC. Refused at once when larger than `max_bytes`.
pub(crate) fn read_chosen(path: &str, max_bytes: u64) -> Result<(String, Vec<u8>)> {
    let path = std::path::Path::new(path);
    let size = std::fs::metadata(path).map_err(|e| Error::File { path: path.display().to_string(), source: e })?.len();
    if size > max_bytes {
        let message = format!("Tệp lớn hơn {} MB, không phải loại tệp này; hãy chọn lại.", max_bytes.div_ceil(1024 * 1024));
        return Err(text::InvalidInput::new("path", message).into());
    }
    let bytes = std::fs::read(path).map_err(|e| Error::File { path: path.display().to_string(), source: e })?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok((name, bytes))
}

/// The overview, as of a day the officer may pick (dd/mm/yyyy), else today.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct OverviewRequest {
    /// dd/mm/yyyy.
    pub today: Option<String>,
}

pub async fn overview(store: &Store, actor: &Actor, req: OverviewRequest) -> Result<Overview> {
    let today = match req.today.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => date("today", s)?,
        None => treem::today_in_vietnam(),
    };
    let plan = current_plan(store, actor).await?;
    treem::overview::overview(store, actor, &plan.id, today).await
}

/// One unit's page, as of a day the officer may pick (dd/mm/yyyy), else today.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct UnitPageRequest {
    /// The unit.
    pub unit_id: String,
    /// dd/mm/yyyy.
    pub today: Option<String>,
}

pub async fn unit_page(store: &Store, actor: &Actor, req: UnitPageRequest) -> Result<treem::unit_page::UnitPage> {
    let today = match req.today.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => date("today", s)?,
        None => treem::today_in_vietnam(),
    };
    let plan = current_plan(store, actor).await?;
    treem::unit_page::unit_page(store, actor, &plan.id, &req.unit_id, today).await
}

/// The labels of the core's enums and the facts of the day, asked once at start.
pub async fn vocabulary(_state: &AppState, _req: ()) -> Result<treem::vocabulary::Vocabulary> {
    Ok(treem::vocabulary::vocabulary())
}

/// Which activities of the current plan match a filter.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct PlanFilterRequest {
    /// The filter.
    pub filter: plan::Filter,
}

pub async fn plan_search(store: &Store, actor: &Actor, req: PlanFilterRequest) -> Result<Vec<String>> {
    let plan = current_plan(store, actor).await?;
    plan::search(store, actor, &plan.id, &req.filter).await
}

pub async fn plan_tree(store: &Store, actor: &Actor, _req: ()) -> Result<PlanTree> {
    let plan = current_plan(store, actor).await?;
    plan::tree(store, actor, &plan.id).await
}

/// One activity.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct NodeRequest {
    /// The node.
    pub node_id: String,
}

pub async fn activity(store: &Store, actor: &Actor, req: NodeRequest) -> Result<ActivityPage> {
    plan::activity(store, actor, &req.node_id).await
}

/// Set a unit's status on an activity.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct SetStatusRequest {
    /// The assignment.
    pub assignment_id: String,
    /// The new status.
    pub status: Status,
}

pub async fn set_status(store: &Store, actor: &Actor, req: SetStatusRequest) -> Result<Assignment> {
    plan::set_status(store, actor, Source::Window, &req.assignment_id, req.status).await
}

/// Add a progress note.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct AddNoteRequest {
    /// The assignment.
    pub assignment_id: String,
    /// dd/mm/yyyy.
    pub noted_on: String,
    /// The note.
    pub text: String,
}

pub async fn add_note(store: &Store, actor: &Actor, req: AddNoteRequest) -> Result<Note> {
    let noted_on = date("noted_on", &req.noted_on)?;
    plan::add_note(store, actor, Source::Window, &req.assignment_id, noted_on, &req.text).await
}

/// Attach an evidence file.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct AddEvidenceRequest {
    /// The assignment.
    pub assignment_id: String,
    /// The file chosen.
    pub path: String,
}

pub async fn add_evidence(store: &Store, actor: &Actor, req: AddEvidenceRequest) -> Result<StoredFile> {
    plan::add_evidence(store, actor, Source::Window, &req.assignment_id, Upload::Path(std::path::Path::new(&req.path))).await
}

/// Add a unit to an activity.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct AssignRequest {
    /// The activity.
    pub node_id: String,
    /// The unit.
    pub unit_id: String,
}

pub async fn assign_unit(store: &Store, actor: &Actor, req: AssignRequest) -> Result<Assignment> {
    plan::assign_unit(store, actor, Source::Window, &req.node_id, &req.unit_id, false).await
}

/// Take a unit off an activity.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct AssignmentRequest {
    /// The assignment.
    pub assignment_id: String,
}

pub async fn set_lead(store: &Store, actor: &Actor, req: AssignmentRequest) -> Result<Assignment> {
    plan::set_lead(store, actor, Source::Window, &req.assignment_id).await
}

pub async fn unassign(store: &Store, actor: &Actor, req: AssignmentRequest) -> Result<()> {
    plan::unassign(store, actor, Source::Window, &req.assignment_id).await
}

/// Set when an activity happens.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct SetTimingRequest {
    /// The activity.
    pub node_id: String,
    /// A named period, or custom.
    pub period: Period,
    /// dd/mm/yyyy, for custom.
    pub starts_on: Option<String>,
    /// dd/mm/yyyy, for custom.
    pub ends_on: Option<String>,
}

pub async fn set_timing(store: &Store, actor: &Actor, req: SetTimingRequest) -> Result<Node> {
    let dates = match (req.starts_on.as_deref(), req.ends_on.as_deref()) {
        (Some(s), Some(e)) if req.period == Period::Custom => Some((date("starts_on", s)?, date("ends_on", e)?)),
        _ => None,
    };
    plan::set_timing(store, actor, Source::Window, &req.node_id, req.period, dates).await
}

pub async fn units(store: &Store, actor: &Actor, _req: ()) -> Result<Vec<Unit>> {
    ward::units(store, actor).await
}

/// Add a unit.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct AddUnitRequest {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: UnitKind,
}

pub async fn add_unit(store: &Store, actor: &Actor, req: AddUnitRequest) -> Result<Unit> {
    ward::add_unit(store, actor, Source::Window, &req.name, req.kind).await
}

/// Rename a unit.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct RenameUnitRequest {
    /// The unit.
    pub unit_id: String,
    /// New name.
    pub name: String,
}

pub async fn rename_unit(store: &Store, actor: &Actor, req: RenameUnitRequest) -> Result<Unit> {
    ward::rename_unit(store, actor, Source::Window, &req.unit_id, &req.name).await
}

pub async fn ward(store: &Store, actor: &Actor, _req: ()) -> Result<Option<Ward>> {
    ward::get(store, actor).await
}

pub async fn save_ward(store: &Store, actor: &Actor, req: Ward) -> Result<Ward> {
    ward::save(store, actor, Source::Window, &req).await
}

pub async fn issuing_office(store: &Store, actor: &Actor, _req: ()) -> Result<bool> {
    ward::is_issuing_office(store, actor).await
}

pub async fn make_issuing_office(store: &Store, actor: &Actor, _req: ()) -> Result<()> {
    ward::set_issuing_office(store, actor, Source::Window).await
}

pub async fn signers(store: &Store, actor: &Actor, _req: ()) -> Result<Vec<Signer>> {
    ward::signers(store, actor).await
}

pub async fn save_signer(store: &Store, actor: &Actor, req: Signer) -> Result<Signer> {
    ward::save_signer(store, actor, Source::Window, &req).await
}

pub async fn report_table(store: &Store, actor: &Actor, req: OverviewRequest) -> Result<ReportTable> {
    let today = match req.today.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => date("today", s)?,
        None => treem::today_in_vietnam(),
    };
    let plan = current_plan(store, actor).await?;
    reporting::table(store, actor, &plan.id, today).await
}

/// Change a reporting deadline.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct SetDueRequest {
    /// The deadline.
    pub deadline_id: String,
    /// dd/mm/yyyy.
    pub due_on: String,
}

pub async fn set_report_due(store: &Store, actor: &Actor, req: SetDueRequest) -> Result<()> {
    reporting::set_due(store, actor, Source::Window, &req.deadline_id, date("due_on", &req.due_on)?).await
}

/// Record a unit's report as received.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct RecordReportRequest {
    /// The deadline.
    pub deadline_id: String,
    /// The unit.
    pub unit_id: String,
    /// dd/mm/yyyy.
    pub received_on: String,
    /// The report's file, if attached.
    pub path: Option<String>,
}

pub async fn record_report(store: &Store, actor: &Actor, req: RecordReportRequest) -> Result<()> {
    let received_on = date("received_on", &req.received_on)?;
    let upload = req.path.as_deref().map(|p| Upload::Path(std::path::Path::new(p)));
    reporting::record_received(store, actor, Source::Window, &req.deadline_id, &req.unit_id, received_on, upload).await
}

/// Undo a report recorded as received by mistake.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct UnrecordReportRequest {
    /// The deadline.
    pub deadline_id: String,
    /// The unit.
    pub unit_id: String,
}

pub async fn unrecord_report(store: &Store, actor: &Actor, req: UnrecordReportRequest) -> Result<()> {
    reporting::unrecord_received(store, actor, Source::Window, &req.deadline_id, &req.unit_id).await
}

/// A plan file to read.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct ImportPreviewRequest {
    /// The plan file chosen (.txt or .docx).
    pub path: String,
}

pub async fn import_preview(store: &Store, actor: &Actor, req: ImportPreviewRequest) -> Result<PlanDraft> {
    let (name, bytes) = read_chosen(&req.path, plan::docx::MAX_XML_BYTES)?;
    let mut draft = plan::import::read_file(&name, &bytes)?;
    draft.warnings.extend(plan::draft_notes(store, actor, &draft).await?);
    Ok(draft)
}

/// A plan draft as the officer corrected it, with the reporting deadlines as typed.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct ImportSaveRequest {
    /// The draft.
    pub draft: PlanDraft,
    /// dd/mm/yyyy, one per deadline of the draft, in its order.
    pub due_dates: Vec<String>,
}

pub async fn import_save(store: &Store, actor: &Actor, req: ImportSaveRequest) -> Result<Plan> {
    let mut draft = req.draft;
    for (deadline, typed) in draft.deadlines.iter_mut().zip(&req.due_dates) {
        deadline.due_on = date("deadlines", typed)?;
    }
    plan::save_draft(store, actor, Source::Import, &draft).await
}

/// Take a unit off a draft being imported.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct ImportDropUnitRequest {
    /// The draft.
    pub draft: PlanDraft,
    /// The unit's place in the draft's list.
    pub unit_index: u32,
}

pub async fn import_drop_unit(_store: &Store, _actor: &Actor, req: ImportDropUnitRequest) -> Result<PlanDraft> {
    let mut draft = req.draft;
    draft.drop_unit(req.unit_index as usize)?;
    Ok(draft)
}

pub async fn plans(store: &Store, actor: &Actor, _req: ()) -> Result<Vec<Plan>> {
    plan::list(store, actor).await
}

/// A plan.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct PlanRequest {
    /// The plan.
    pub plan_id: String,
}

pub async fn choose_plan(store: &Store, actor: &Actor, req: PlanRequest) -> Result<Plan> {
    plan::choose(store, actor, &req.plan_id).await
}

/// A record's history.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct HistoryRequest {
    /// The table.
    pub table: String,
    /// The record.
    pub record_id: String,
}

pub async fn history(store: &Store, actor: &Actor, req: HistoryRequest) -> Result<Vec<HistoryLine>> {
    treem::history::of_record(store, actor, &req.table, &req.record_id).await
}

/// The history of a unit's part in an activity, with its notes and evidence.
pub async fn assignment_history(store: &Store, actor: &Actor, req: AssignmentRequest) -> Result<Vec<HistoryLine>> {
    treem::history::of_assignment(store, actor, &req.assignment_id).await
}

/// One evidence file of a unit's part in an activity.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct EvidenceRequest {
    /// The assignment.
    pub assignment_id: String,
    /// The kept file.
    pub file_id: String,
}

pub async fn remove_evidence(store: &Store, actor: &Actor, req: EvidenceRequest) -> Result<()> {
    plan::remove_evidence(store, actor, Source::Window, &req.assignment_id, &req.file_id).await
}

/// A kept file.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct FileRequest {
    /// The file.
    pub file_id: String,
}

/// Opens a kept file (evidence, a received report) in the system's viewer.
pub async fn open_file(store: &Store, actor: &Actor, req: FileRequest) -> Result<()> {
    let name = treem::files::name_of(store, actor, &req.file_id).await?;
    open_in_system_viewer(&name, &treem::files::read(store, actor, &req.file_id).await?)
}

static PROCESS_START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Notes when the process started, for [`first_screen_shown`].
pub fn mark_process_start() {
    PROCESS_START.get_or_init(std::time::Instant::now);
}

/// Called once by the UI when the first screen shows its data; with `TREEM_TIMING` set, prints
/// how long that took after the process started (the start-up benchmark reads it).
pub async fn first_screen_shown(_state: &AppState, _req: ()) -> Result<()> {
    if let (Some(start), Some(_)) = (PROCESS_START.get(), std::env::var_os("TREEM_TIMING")) {
        eprintln!("first-screen-ms {}", start.elapsed().as_millis());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Documents, the register, certificates

use treem::certificates::{self, CertificateInfo};
use treem::documents::register::{self, Document, DraftEdits, Kind};
use treem::documents::attachments::{self, Attachment};
use treem::signing::{FileVerification, Identity};
use treem::token::TokenCertificate;
use treem::trust::{self, Authority};

/// Start a document of the current plan.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct CreateDocumentRequest {
    /// Which kind.
    pub kind: Kind,
    /// 6-monthly or yearly, for reports.
    pub period: Option<treem::plan::reporting::ReportPeriod>,
    /// The issued document a delivery list is for.
    pub source_id: Option<String>,
    /// The unit a reminder letter is addressed to.
    pub unit_id: Option<String>,
}

pub async fn documents(store: &Store, actor: &Actor, _req: ()) -> Result<Vec<Document>> {
    register::list(store, actor).await
}

pub async fn document_create(store: &Store, actor: &Actor, req: CreateDocumentRequest) -> Result<Document> {
    let plan = current_plan(store, actor).await?;
    register::create_draft(store, actor, Source::Window, req.kind, &plan.id, req.period, req.source_id.as_deref(), req.unit_id.as_deref()).await
}

/// One document.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct DocumentRequest {
    /// The document.
    pub id: String,
}

pub async fn document(store: &Store, actor: &Actor, req: DocumentRequest) -> Result<Document> {
    register::get(store, actor, &req.id).await
}

/// The document's PDF, for the preview.
pub async fn document_pdf(store: &Store, actor: &Actor, req: DocumentRequest) -> Result<Vec<u8>> {
    register::pdf(store, actor, &req.id).await
}

/// Save the document's PDF where the officer chose.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct SavePdfRequest {
    /// The document.
    pub id: String,
    /// Where to write it.
    pub path: String,
}

pub async fn document_save_pdf(store: &Store, actor: &Actor, req: SavePdfRequest) -> Result<()> {
    let bytes = register::pdf(store, actor, &req.id).await?;
    let path = std::path::Path::new(&req.path);
    treem::files::write_whole_to(path, &bytes).await?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    treem::audit::exported(store, actor, "documents", &req.id, &name).await
}

/// The app's version and where its data and backups are (Giới thiệu).
pub async fn about(store: &Store, actor: &Actor, _req: ()) -> Result<treem::about::About> {
    treem::about::about(store, actor).await
}

/// The documents sent with a document.
pub async fn document_attachments(store: &Store, actor: &Actor, req: DocumentRequest) -> Result<Vec<Attachment>> {
    attachments::list(store, actor, &req.id).await
}

/// Add a PDF to a draft's attachments.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct AddAttachmentRequest {
    /// The draft.
    pub document_id: String,
    /// The PDF chosen.
    pub path: String,
    /// Its title.
    pub title: String,
}

pub async fn attachment_add(store: &Store, actor: &Actor, req: AddAttachmentRequest) -> Result<Attachment> {
    attachments::add(store, actor, Source::Window, &req.document_id, Upload::Path(std::path::Path::new(&req.path)), &req.title).await
}

/// One attachment.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct AttachmentRequest {
    /// The attachment.
    pub id: String,
}

pub async fn attachment_remove(store: &Store, actor: &Actor, req: AttachmentRequest) -> Result<()> {
    attachments::remove(store, actor, Source::Window, &req.id).await
}

/// Save an attachment's PDF (stamped and signed once issued) where the officer chose.
pub async fn attachment_save_pdf(store: &Store, actor: &Actor, req: SavePdfRequest) -> Result<()> {
    let (_, bytes) = attachments::pdf(store, actor, &req.id).await?;
    let path = std::path::Path::new(&req.path);
    treem::files::write_whole_to(path, &bytes).await?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    treem::audit::exported(store, actor, "document_attachments", &req.id, &name).await
}

/// Save a draft.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct SaveDocumentRequest {
    /// The document.
    pub id: String,
    /// The changes.
    pub edits: DraftEdits,
}

pub async fn document_save(store: &Store, actor: &Actor, req: SaveDocumentRequest) -> Result<Document> {
    register::save_draft(store, actor, Source::Window, &req.id, &req.edits).await
}

/// Who signs: a kept .p12 certificate with its password, or a certificate on the USB token
/// (through the library this laptop is set to) with the PIN. Neither secret is kept, nor
/// printed: no `Debug`.
#[derive(Default, Deserialize, TS)]
#[ts(export)]
pub struct SignerChoice {
    /// The kept certificate to sign with, if any.
    pub certificate_id: Option<String>,
    /// Its password.
    pub password: Option<String>,
    /// The certificate on the token to sign with (its PKCS#11 id in hex), if any.
    pub token_cert: Option<String>,
    /// The token's PIN.
    pub pin: Option<String>,
}

impl SignerChoice {
    async fn open(&self, store: &Store, actor: &Actor) -> Result<Option<Identity>> {
        if let Some(id) = &self.certificate_id {
            return Ok(Some(certificates::identity(store, actor, Source::Window, id, self.password.as_deref().unwrap_or_default()).await?));
        }
        let Some(cert) = &self.token_cert else { return Ok(None) };
        let module = certificates::token_module(store).await?.ok_or_else(|| {
            treem::Error::Invalid(treem::text::InvalidInput::new("token", "Chưa chọn thư viện của token: vào “Chữ ký số” để chọn."))
        })?;
        Ok(Some(certificates::token_identity(store, actor, &module, cert, self.pin.as_deref().unwrap_or_default()).await?))
    }
}

/// Issue a document: number, date, and a signature when a signer is chosen.
#[derive(Deserialize, TS)]
#[ts(export)]
pub struct IssueRequest {
    /// The document.
    pub id: String,
    /// dd/mm/yyyy.
    pub issued_on: String,
    /// Who signs, if anyone.
    #[serde(flatten)]
    #[ts(flatten)]
    pub signer: SignerChoice,
}

pub async fn document_issue(store: &Store, actor: &Actor, req: IssueRequest) -> Result<Document> {
    let on = date("issued_on", &req.issued_on)?;
    let identity = req.signer.open(store, actor).await?;
    register::issue(store, actor, Source::Window, &req.id, on, identity.as_ref()).await
}

/// Add a signature to an issued document (the Chairman's after the officer's).
#[derive(Deserialize, TS)]
#[ts(export)]
pub struct AddSignatureRequest {
    /// The document.
    pub id: String,
    /// Who signs.
    #[serde(flatten)]
    #[ts(flatten)]
    pub signer: SignerChoice,
}

pub async fn document_add_signature(store: &Store, actor: &Actor, req: AddSignatureRequest) -> Result<Document> {
    let identity = req.signer.open(store, actor).await?.ok_or_else(|| {
        treem::Error::Invalid(treem::text::InvalidInput::new("certificate_id", "Chọn chứng thư số để ký."))
    })?;
    register::add_signature(store, actor, Source::Window, &req.id, &identity).await
}

/// How this laptop signs: the token's library, the libraries known on this system, the form.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct SigningSettings {
    /// The token library chosen, if any.
    pub module: Option<String>,
    /// Known token libraries, with whether each is installed.
    pub known: Vec<treem::token::KnownModule>,
    /// The form documents are signed in.
    pub form: treem::signing::Form,
    /// Each form with its label.
    pub forms: Vec<(treem::signing::Form, String)>,
}

pub async fn signing_settings(store: &Store, actor: &Actor, _req: ()) -> Result<SigningSettings> {
    actor.require(treem::auth::Need::IssueDocuments)?;
    use treem::signing::Form;
    Ok(SigningSettings {
        module: certificates::token_module(store).await?.map(|p| p.display().to_string()),
        known: treem::token::known_modules(),
        form: certificates::signature_form(store).await?,
        forms: [Form::Pades, Form::Pkcs7].into_iter().map(|f| (f, f.label().to_owned())).collect(),
    })
}

/// Point this laptop at a token's library (or forget it, with no path).
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct TokenModuleRequest {
    /// The library's path.
    pub path: Option<String>,
}

pub async fn token_module_set(store: &Store, actor: &Actor, req: TokenModuleRequest) -> Result<Vec<TokenCertificate>> {
    certificates::set_token_module(store, actor, req.path.as_deref().filter(|p| !p.is_empty()).map(std::path::Path::new)).await
}

/// The certificates on the token, through the library this laptop is set to.
pub async fn token_certificates(store: &Store, actor: &Actor, _req: ()) -> Result<Vec<TokenCertificate>> {
    let module = certificates::token_module(store).await?.ok_or_else(|| {
        treem::Error::Invalid(treem::text::InvalidInput::new("token", "Chưa chọn thư viện của token: vào “Chữ ký số” để chọn."))
    })?;
    certificates::on_token(actor, &module).await
}

/// Choose the form documents are signed in.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct SignatureFormRequest {
    /// The form.
    pub form: treem::signing::Form,
}

pub async fn signature_form_set(store: &Store, actor: &Actor, req: SignatureFormRequest) -> Result<()> {
    certificates::set_signature_form(store, actor, req.form).await
}

/// Check the signature of a kept document.
pub async fn document_verify(store: &Store, actor: &Actor, req: DocumentRequest) -> Result<FileVerification> {
    treem::trust::verify_pdf(store, actor, &register::pdf(store, actor, &req.id).await?).await
}

/// Open the document's PDF in the system's viewer, to print it.
pub async fn document_print(store: &Store, actor: &Actor, req: DocumentRequest) -> Result<()> {
    let doc = register::get(store, actor, &req.id).await?;
    let bytes = register::pdf(store, actor, &req.id).await?;
    let name = match doc.number {
        Some(n) => format!("{n:02}-{}.pdf", doc.symbol.replace('/', "-")),
        None => format!("ban-nhap-{}.pdf", &doc.id[..8]),
    };
    open_in_system_viewer(&name, &bytes)
}

/// The folder the app's copies for the system's viewer go in; emptied when the app starts.
pub fn viewer_dir() -> std::path::PathBuf {
    std::env::temp_dir().join("cong-tac-tre-em")
}

/// Writes `bytes` to a fresh file in [`viewer_dir`] with `name`'s extension (never the name
/// itself, which the user chose) and opens it with the system's program for its kind.
fn open_in_system_viewer(name: &str, bytes: &[u8]) -> Result<()> {
    let dir = viewer_dir();
    std::fs::create_dir_all(&dir).map_err(|e| Error::File { path: dir.display().to_string(), source: e })?;
    let extension: String = std::path::Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().chars().filter(char::is_ascii_alphanumeric).take(8).collect())
        .unwrap_or_default();
    let path = dir.join(format!("{}.{extension}", uuid::Uuid::now_v7()));
    std::fs::write(&path, bytes).map_err(|e| Error::File { path: path.display().to_string(), source: e })?;
    tauri_plugin_opener::open_path(&path, None::<&str>)
        .map_err(|e| Error::File { path: path.display().to_string(), source: std::io::Error::other(e.to_string()) })
}

/// The register of a year.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct RegisterRequest {
    /// The year.
    pub year: i32,
}

pub async fn register_of_year(store: &Store, actor: &Actor, req: RegisterRequest) -> Result<Vec<Document>> {
    register::register(store, actor, req.year).await
}

pub async fn certificates(store: &Store, actor: &Actor, _req: ()) -> Result<Vec<CertificateInfo>> {
    certificates::list(store, actor).await
}

/// Import a .p12/.pfx.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct ImportCertificateRequest {
    /// The .p12/.pfx file chosen.
    pub path: String,
    /// Its password (checked, not kept).
    pub password: String,
}

pub async fn certificate_import(store: &Store, actor: &Actor, req: ImportCertificateRequest) -> Result<CertificateInfo> {
    let (name, bytes) = read_chosen(&req.path, SMALL_FILE_BYTES)?;
    certificates::import(store, actor, Source::Window, &name, &bytes, &req.password).await
}

/// Make an internal certificate.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct CreateCertificateRequest {
    /// The signer's name.
    pub name: String,
    /// Its password.
    pub password: String,
}

pub async fn certificate_create(store: &Store, actor: &Actor, req: CreateCertificateRequest) -> Result<CertificateInfo> {
    certificates::create_internal(store, actor, Source::Window, &req.name, &req.password).await
}

/// A PDF from elsewhere to verify.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct VerifyRequest {
    /// The PDF chosen.
    pub path: String,
}

pub async fn verify_pdf(store: &Store, actor: &Actor, req: VerifyRequest) -> Result<FileVerification> {
    let (_, bytes) = read_chosen(&req.path, 200 * 1024 * 1024)?;
    treem::trust::verify_pdf(store, actor, &bytes).await
}

/// Certificates and images are small; anything far larger is not one.
const SMALL_FILE_BYTES: u64 = 4 * 1024 * 1024;

pub async fn trusted_authorities(store: &Store, actor: &Actor, _req: ()) -> Result<Vec<Authority>> {
    trust::list(store, actor).await
}

/// Put a certification authority on the trust list, from its certificate file.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct AddAuthorityRequest {
    /// The .cer/.crt/.pem file chosen.
    pub path: String,
}

pub async fn trusted_authority_add(store: &Store, actor: &Actor, req: AddAuthorityRequest) -> Result<Authority> {
    trust::add_file(store, actor, Source::Window, std::path::Path::new(&req.path)).await
}

/// One authority on the trust list.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct AuthorityRequest {
    /// The authority.
    pub id: String,
}

pub async fn trusted_authority_remove(store: &Store, actor: &Actor, req: AuthorityRequest) -> Result<()> {
    trust::remove(store, actor, Source::Window, &req.id).await
}

/// An image of the ward's seal.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct SealRequest {
    /// The PNG chosen.
    pub path: String,
}

pub async fn set_seal(store: &Store, actor: &Actor, req: SealRequest) -> Result<()> {
    let (name, bytes) = read_chosen(&req.path, SMALL_FILE_BYTES)?;
    ward::set_seal(store, actor, Source::Window, &name, &bytes).await
}

/// An image of a signer's handwritten signature.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct SignatureImageRequest {
    /// The signer.
    pub signer_id: String,
    /// The PNG chosen.
    pub path: String,
}

pub async fn set_signature_image(store: &Store, actor: &Actor, req: SignatureImageRequest) -> Result<()> {
    let (name, bytes) = read_chosen(&req.path, SMALL_FILE_BYTES)?;
    ward::set_signature_image(store, actor, Source::Window, &req.signer_id, &name, &bytes).await
}

// ---------------------------------------------------------------------------------------------
// Logging in, locking, accounts, the audit trail

/// What the window shows before anyone logs in.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct Start {
    /// No account yet: ask for the officer's name and password.
    pub first_start: bool,
    /// Where the data lives, for the login screen's small print.
    pub data_dir: String,
    /// The app's file it was opened on from the file manager, if any (given once).
    pub opened: Option<OpenedFile>,
}

/// A file of the app's the window is to go to.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct OpenedFile {
    /// Its path.
    pub path: String,
    /// What it is.
    pub kind: treem::files::AppFile,
}

pub async fn start(state: &AppState, _req: ()) -> Result<Start> {
    // A restore killed midway is finished before anything looks at the data; if that fails,
    // logging in says why.
    let _ = treem::backup::finish_interrupted(&state.db_path);
    let data_dir = state.db_path.parent().map(|p| p.display().to_string()).unwrap_or_default();
    let opened = state
        .take_opened()
        .and_then(|path| treem::files::AppFile::of(&path).map(|kind| OpenedFile { path: path.display().to_string(), kind }));
    Ok(Start { first_start: auth::first_start(&state.db_path), data_dir, opened })
}

/// Who is logged in, what they may do, and when the window locks itself.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct Me {
    /// The person.
    pub actor: Actor,
    /// Minutes without use before the window locks.
    pub lock_minutes: u32,
}

pub(crate) async fn me_of(store: &Store, actor: &Actor) -> Result<Me> {
    Ok(Me { actor: actor.clone(), lock_minutes: treem::ward::lock_minutes(store).await? })
}

pub async fn me(store: &Store, actor: &Actor, _req: ()) -> Result<Me> {
    me_of(store, actor).await
}

/// The first start: the officer's account.
// No `Debug`: it carries a password.
#[derive(Deserialize, TS)]
#[ts(export)]
pub struct SetUpRequest {
    /// Login name.
    pub login: String,
    /// Full name.
    pub name: String,
    /// Password.
    pub password: String,
    /// The password again.
    pub repeat: String,
}

/// A ward set up: the officer's session, and the recovery code, shown this once.
#[derive(Serialize, TS)]
#[ts(export)]
pub struct SetUpDone {
    /// The officer, logged in.
    pub me: Me,
    /// The ward's recovery code for its backups (`XXXX-XXXX-…`), to be printed.
    pub recovery_code: String,
}

/// Creates the officer's account, encrypts the data, and (into a new database) loads the demo
/// ward, which the officer can replace by importing the ward's own plan.
pub async fn set_up(state: &AppState, req: SetUpRequest) -> Result<SetUpDone> {
    if req.password != req.repeat {
        return Err(text::InvalidInput::new("repeat", "Hai lần nhập mật khẩu không giống nhau.").into());
    }
    let (store, actor, code) = auth::set_up(&state.db_path, &req.login, &req.name, &req.password).await?;
    if treem::demo::load(&store, &actor).await? {
        treem::cases::generate::add_demo(&store, &actor).await?;
    }
    let me = me_of(&store, &actor).await?;
    state.unlock(store, actor).await;
    Ok(SetUpDone { me, recovery_code: code.text() })
}

/// A login (or an unlock).
// No `Debug`: it carries a password.
#[derive(Deserialize, TS)]
#[ts(export)]
pub struct LogInRequest {
    /// Login name.
    pub login: String,
    /// Password.
    pub password: String,
}

pub async fn log_in(state: &AppState, req: LogInRequest) -> Result<Me> {
    let (store, actor) = auth::log_in(&state.db_path, &req.login, &req.password).await?;
    let me = me_of(&store, &actor).await?;
    state.unlock(store, actor).await;
    Ok(me)
}

/// Locks the window: the session ends and its store is closed, with its key (so that the next
/// login may change the key, which it does only with the database closed everywhere).
pub async fn lock(state: &AppState, _req: ()) -> Result<()> {
    let recorded = match state.session().await {
        Ok(s) => auth::lock(&s.store, &s.actor).await,
        Err(_) => Ok(()),
    };
    // Locked even when the trail could not take the entry (a damaged file, a full disk).
    state.close().await;
    recorded
}

pub async fn users(store: &Store, actor: &Actor, _req: ()) -> Result<Vec<auth::User>> {
    auth::users(store, actor).await
}

/// A new account.
// No `Debug`: it carries a password.
#[derive(Deserialize, TS)]
#[ts(export)]
pub struct AddUserRequest {
    /// Login name.
    pub login: String,
    /// Full name.
    pub name: String,
    /// Role.
    pub role: UserRole,
    /// A collaborator's residential group.
    pub group_unit_id: Option<String>,
    /// The first password.
    pub password: String,
}

pub async fn user_add(store: &Store, actor: &Actor, req: AddUserRequest) -> Result<auth::User> {
    let new = auth::NewUser {
        login: &req.login,
        name: &req.name,
        role: req.role,
        group_unit_id: req.group_unit_id.as_deref().filter(|g| !g.is_empty()),
        password: &req.password,
    };
    auth::add_user(store, actor, new).await
}

/// One account.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct UserRequest {
    /// The account.
    pub user_id: String,
}

/// Another account's new password.
// No `Debug`: it carries a password.
#[derive(Deserialize, TS)]
#[ts(export)]
pub struct ResetPasswordRequest {
    /// The account.
    pub user_id: String,
    /// The new password.
    pub password: String,
}

pub async fn user_reset_password(store: &Store, actor: &Actor, req: ResetPasswordRequest) -> Result<()> {
    auth::reset_password(store, actor, &req.user_id, &req.password).await
}

pub async fn user_disable(store: &Store, actor: &Actor, req: UserRequest) -> Result<()> {
    auth::disable(store, actor, &req.user_id).await
}

/// One's own new password.
// No `Debug`: it carries a password.
#[derive(Deserialize, TS)]
#[ts(export)]
pub struct ChangePasswordRequest {
    /// The password now.
    pub old_password: String,
    /// The new one.
    pub new_password: String,
    /// The new one again.
    pub repeat: String,
}

pub async fn change_password(store: &Store, actor: &Actor, req: ChangePasswordRequest) -> Result<()> {
    if req.new_password != req.repeat {
        return Err(text::InvalidInput::new("repeat", "Hai lần nhập mật khẩu mới không giống nhau.").into());
    }
    auth::change_password(store, actor, &req.old_password, &req.new_password).await
}

/// Which audit entries to show, dates as the officer types them (dd/mm/yyyy).
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct AuditRequest {
    /// One account's entries.
    pub user_id: Option<String>,
    /// One record's entries.
    pub record_id: Option<String>,
    /// From this day.
    pub from: Option<String>,
    /// To this day.
    pub to: Option<String>,
}

impl AuditRequest {
    fn filter(&self) -> Result<treem::audit::AuditFilter> {
        let typed = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let day = |field: &'static str, s: &Option<String>| typed(s).map(|s| date(field, &s)).transpose();
        Ok(treem::audit::AuditFilter { user_id: typed(&self.user_id), record_id: typed(&self.record_id), from: day("from", &self.from)?, to: day("to", &self.to)? })
    }
}

pub async fn audit(store: &Store, actor: &Actor, req: AuditRequest) -> Result<Vec<treem::audit::AuditLine>> {
    treem::audit::list(store, actor, &req.filter()?).await
}

pub async fn audit_verify(store: &Store, actor: &Actor, _req: ()) -> Result<treem::audit::ChainCheck> {
    treem::audit::verify(store, actor).await
}

/// The audit trail as shown, saved as Excel where the officer chose.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct SaveAuditRequest {
    /// The filter the page shows.
    pub filter: AuditRequest,
    /// Where to save (.xlsx).
    pub path: String,
}

pub async fn audit_save_xlsx(store: &Store, actor: &Actor, req: SaveAuditRequest) -> Result<()> {
    let bytes = treem::audit::xlsx(store, actor, &req.filter.filter()?).await?;
    let path = std::path::Path::new(&req.path);
    treem::files::write_whole_to(path, &bytes).await?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    treem::audit::exported(store, actor, "change_log", "", &name).await
}

/// After how many minutes without use the window locks itself.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct LockMinutesRequest {
    /// Minutes.
    pub minutes: u32,
}

pub async fn set_lock_minutes(store: &Store, actor: &Actor, req: LockMinutesRequest) -> Result<()> {
    treem::ward::set_lock_minutes(store, actor, Source::Window, req.minutes).await
}
