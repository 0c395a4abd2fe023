//! The desktop shell: the window, the app state and one thin command per core operation.
//! The list of commands below is the one place a command is named: it makes the Tauri
//! handlers and the TypeScript functions the UI calls.

pub mod api;

use std::path::PathBuf;
use std::sync::Arc;

use treem::auth::Actor;
use treem::{Error, ErrorPayload, Store};

/// The database opened by a login, and who logged in.
pub struct Session {
    /// The store.
    pub store: Store,
    /// The person acting.
    pub actor: Actor,
}

/// What every command reaches: the database file and, while unlocked, the session. Locking
/// drops the session, and with it the store and its key.
pub struct AppState {
    /// The database file.
    pub db_path: PathBuf,
    session: tauri::async_runtime::RwLock<Option<Arc<Session>>>,
    /// A file of the app's the app was opened on (from the file manager), until the window
    /// takes it.
    opened: std::sync::Mutex<Option<PathBuf>>,
}

impl AppState {
    /// Locked: the window asks for a login.
    pub fn new(db_path: PathBuf) -> AppState {
        AppState { db_path, session: Default::default(), opened: Default::default() }
    }

    /// Locked, opened on `file` (a sync, backup or join file).
    pub fn opened_on(db_path: PathBuf, file: Option<PathBuf>) -> AppState {
        AppState { opened: std::sync::Mutex::new(file), ..AppState::new(db_path) }
    }

    /// The file the app was opened on, once.
    pub fn take_opened(&self) -> Option<PathBuf> {
        self.opened.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// The session, or [`Error::Locked`] when nobody is logged in.
    pub async fn session(&self) -> Result<Arc<Session>, Error> {
        self.session.read().await.clone().ok_or(Error::Locked)
    }

    /// Starts a session after a login.
    pub async fn unlock(&self, store: Store, actor: Actor) {
        let session = Arc::new(Session { store, actor });
        *self.session.write().await = Some(session.clone());
        // The register of children is read into memory now, so that its page opens at once.
        tauri::async_runtime::spawn(async move {
            let _ = treem::children::index::warm(&session.store, &session.actor).await;
        });
    }

    /// Ends the session; commands still running finish with the store they hold.
    pub async fn lock(&self) -> Option<Arc<Session>> {
        self.session.write().await.take()
    }

    /// Ends the session and closes its database once the commands still holding it are done
    /// (restoring a backup puts another file in its place).
    pub async fn close(&self) {
        let Some(mut session) = self.lock().await else { return };
        for _ in 0..100 {
            match Arc::try_unwrap(session) {
                Ok(s) => return s.store.close().await,
                Err(held) => {
                    session = held;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        }
    }
}

macro_rules! commands {
    (
        $( $name:ident ( $req:ty ) -> $resp:ty ; )*
        // Commands whose answer is a file's bytes: they cross as binary, not as JSON.
        => binary { $( $bname:ident ( $breq:ty ) ; )* }
        // Commands that work while locked: logging in, and what the login screen needs.
        => locked { $( $lname:ident ( $lreq:ty ) -> $lresp:ty ; )* }
    ) => {
        /// The `#[tauri::command]` wrappers.
        pub mod ipc {
            use super::*;
            $(
                #[tauri::command]
                pub async fn $name(state: tauri::State<'_, AppState>, req: $req) -> Result<$resp, ErrorPayload> {
                    let s = state.session().await.map_err(|e| e.payload())?;
                    api::$name(&s.store, &s.actor, req).await.map_err(|e| e.payload())
                }
            )*
            $(
                #[tauri::command]
                pub async fn $bname(state: tauri::State<'_, AppState>, req: $breq) -> Result<tauri::ipc::Response, ErrorPayload> {
                    let s = state.session().await.map_err(|e| e.payload())?;
                    api::$bname(&s.store, &s.actor, req).await.map(tauri::ipc::Response::new).map_err(|e| e.payload())
                }
            )*
            $(
                #[tauri::command]
                pub async fn $lname(state: tauri::State<'_, AppState>, req: $lreq) -> Result<$lresp, ErrorPayload> {
                    api::$lname(&state, req).await.map_err(|e| e.payload())
                }
            )*
        }

        /// The invoke handler with every command.
        pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$( ipc::$name, )* $( ipc::$bname, )* $( ipc::$lname ),*]
        }

        /// The TypeScript functions the UI calls, one per command, typed by the generated bindings.
        pub fn typescript() -> String {
            let mut out = String::new();
            $(
                out.push_str(&ts_function(
                    stringify!($name),
                    &<$req as ts_rs::TS>::name(),
                    &<$resp as ts_rs::TS>::name(),
                ));
            )*
            $(
                out.push_str(&ts_function(stringify!($bname), &<$breq as ts_rs::TS>::name(), "ArrayBuffer"));
            )*
            $(
                out.push_str(&ts_function(
                    stringify!($lname),
                    &<$lreq as ts_rs::TS>::name(),
                    &<$lresp as ts_rs::TS>::name(),
                ));
            )*
            out
        }
    };
}

fn ts_function(name: &str, req: &str, resp: &str) -> String {
    let camel: String = name
        .split('_')
        .enumerate()
        .map(|(i, w)| if i == 0 { w.to_owned() } else { w[..1].to_uppercase() + &w[1..] })
        .collect();
    if req == "null" {
        format!("export const {camel} = (): Promise<{resp}> => call(\"{name}\", null);\n")
    } else {
        format!("export const {camel} = (req: {req}): Promise<{resp}> => call(\"{name}\", req);\n")
    }
}

commands! {
    me(()) -> api::Me;
    users(()) -> Vec<treem::auth::User>;
    user_add(api::AddUserRequest) -> treem::auth::User;
    user_reset_password(api::ResetPasswordRequest) -> ();
    user_disable(api::UserRequest) -> ();
    change_password(api::ChangePasswordRequest) -> ();
    audit(api::AuditRequest) -> Vec<treem::audit::AuditLine>;
    audit_verify(()) -> treem::audit::ChainCheck;
    audit_save_xlsx(api::SaveAuditRequest) -> ();
    set_lock_minutes(api::LockMinutesRequest) -> ();
    overview(api::OverviewRequest) -> treem::overview::Overview;
    plan_search(api::PlanFilterRequest) -> Vec<String>;
    plan_tree(()) -> treem::plan::PlanTree;
    activity(api::NodeRequest) -> treem::plan::ActivityPage;
    set_status(api::SetStatusRequest) -> treem::plan::Assignment;
    add_note(api::AddNoteRequest) -> treem::plan::Note;
    add_evidence(api::AddEvidenceRequest) -> treem::files::StoredFile;
    assign_unit(api::AssignRequest) -> treem::plan::Assignment;
    unassign(api::AssignmentRequest) -> ();
    set_lead(api::AssignmentRequest) -> treem::plan::Assignment;
    set_timing(api::SetTimingRequest) -> treem::plan::Node;
    units(()) -> Vec<treem::ward::Unit>;
    add_unit(api::AddUnitRequest) -> treem::ward::Unit;
    rename_unit(api::RenameUnitRequest) -> treem::ward::Unit;
    unit_page(api::UnitPageRequest) -> treem::unit_page::UnitPage;
    ward(()) -> Option<treem::ward::Ward>;
    save_ward(treem::ward::Ward) -> treem::ward::Ward;
    issuing_office(()) -> bool;
    make_issuing_office(()) -> ();
    signers(()) -> Vec<treem::ward::Signer>;
    save_signer(treem::ward::Signer) -> treem::ward::Signer;
    report_table(api::OverviewRequest) -> treem::plan::reporting::ReportTable;
    set_report_due(api::SetDueRequest) -> ();
    record_report(api::RecordReportRequest) -> ();
    unrecord_report(api::UnrecordReportRequest) -> ();
    import_preview(api::ImportPreviewRequest) -> treem::plan::import::PlanDraft;
    import_save(api::ImportSaveRequest) -> treem::plan::Plan;
    import_drop_unit(api::ImportDropUnitRequest) -> treem::plan::import::PlanDraft;
    plans(()) -> Vec<treem::plan::Plan>;
    choose_plan(api::PlanRequest) -> treem::plan::Plan;
    history(api::HistoryRequest) -> Vec<treem::history::HistoryLine>;
    assignment_history(api::AssignmentRequest) -> Vec<treem::history::HistoryLine>;
    remove_evidence(api::EvidenceRequest) -> ();
    open_file(api::FileRequest) -> ();
    documents(()) -> Vec<treem::documents::register::Document>;
    document_create(api::CreateDocumentRequest) -> treem::documents::register::Document;
    document(api::DocumentRequest) -> treem::documents::register::Document;
    document_save(api::SaveDocumentRequest) -> treem::documents::register::Document;
    document_save_pdf(api::SavePdfRequest) -> ();
    document_issue(api::IssueRequest) -> treem::documents::register::Document;
    document_add_signature(api::AddSignatureRequest) -> treem::documents::register::Document;
    document_attachments(api::DocumentRequest) -> Vec<treem::documents::attachments::Attachment>;
    attachment_add(api::AddAttachmentRequest) -> treem::documents::attachments::Attachment;
    attachment_remove(api::AttachmentRequest) -> ();
    attachment_save_pdf(api::SavePdfRequest) -> ();
    document_verify(api::DocumentRequest) -> treem::signing::FileVerification;
    document_print(api::DocumentRequest) -> ();
    register_of_year(api::RegisterRequest) -> Vec<treem::documents::register::Document>;
    certificates(()) -> Vec<treem::certificates::CertificateInfo>;
    certificate_import(api::ImportCertificateRequest) -> treem::certificates::CertificateInfo;
    certificate_create(api::CreateCertificateRequest) -> treem::certificates::CertificateInfo;
    verify_pdf(api::VerifyRequest) -> treem::signing::FileVerification;
    signing_settings(()) -> api::SigningSettings;
    about(()) -> treem::about::About;
    token_module_set(api::TokenModuleRequest) -> Vec<treem::token::TokenCertificate>;
    token_certificates(()) -> Vec<treem::token::TokenCertificate>;
    signature_form_set(api::SignatureFormRequest) -> ();
    trusted_authorities(()) -> Vec<treem::trust::Authority>;
    trusted_authority_add(api::AddAuthorityRequest) -> treem::trust::Authority;
    trusted_authority_remove(api::AuthorityRequest) -> ();
    set_seal(api::SealRequest) -> ();
    set_signature_image(api::SignatureImageRequest) -> ();
    children_search(treem::children::index::ChildQuery) -> treem::children::index::ChildList;
    children_likely_duplicates(()) -> treem::children::index::LikelyDuplicates;
    child(api::ChildRequest) -> treem::children::ChildPage;
    child_check(api::ChildCheckRequest) -> treem::children::ChildCheck;
    child_add(treem::children::ChildInput) -> treem::children::Child;
    child_update(api::ChildUpdateRequest) -> treem::children::Child;
    child_remove(api::ChildRemoveRequest) -> ();
    child_restore(api::ChildRestoreRequest) -> treem::children::Child;
    child_merge(api::ChildMergeRequest) -> treem::children::Child;
    circumstance_add(api::CircumstanceAddRequest) -> ();
    circumstance_update(api::CircumstanceUpdateRequest) -> ();
    circumstance_remove(api::CircumstanceRequest) -> ();
    consent_add(api::ConsentAddRequest) -> ();
    children_import_preview(api::ChildrenImportRequest) -> treem::children::import::ImportPreview;
    children_import_commit(api::ChildrenImportRequest) -> treem::children::import::ImportResult;
    children_import_progress(()) -> api::ImportProgress;
    children_save_xlsx(api::ChildrenSaveRequest) -> ();
    children_save_pdf(api::ChildrenSaveRequest) -> ();
    children_print(treem::children::index::ChildQuery) -> ();
    children_remove_demo(()) -> u32;
    campaigns(()) -> Vec<treem::campaigns::Campaign>;
    campaign_page(api::CampaignRequest) -> treem::campaigns::recipients::CampaignPage;
    campaign_create(treem::campaigns::CampaignInput) -> String;
    campaign_update(api::CampaignUpdateRequest) -> ();
    campaign_remove(api::CampaignRequest) -> ();
    fund_add(api::FundAddRequest) -> String;
    fund_update(api::FundUpdateRequest) -> ();
    fund_remove(api::RecordRequest) -> ();
    campaign_candidates(api::CandidatesRequest) -> treem::campaigns::recipients::Candidates;
    recipients_add(api::RecipientsAddRequest) -> u32;
    recipient_update(api::RecipientUpdateRequest) -> ();
    recipient_remove(api::RecordRequest) -> ();
    hand_over_list(api::HandOverListRequest) -> Vec<treem::campaigns::recipients::Recipient>;
    hand_over(api::HandOverRequest) -> ();
    hand_over_undo(api::RecordRequest) -> ();
    signoff_pdf(api::SignoffRequest) -> ();
    campaign_report(api::CampaignRequest) -> treem::documents::register::Document;
    campaigns_of_activity(api::NodeRequest) -> Vec<treem::campaigns::Campaign>;
    nominations(api::YearRequest) -> Vec<treem::commendations::Nomination>;
    nominate(treem::commendations::NominationInput) -> treem::commendations::Nomination;
    nomination_update(api::NominationUpdateRequest) -> treem::commendations::Nomination;
    nomination_review(api::ReviewRequest) -> treem::commendations::Nomination;
    nomination_remove(api::RecordRequest) -> ();
    commendation_decision(api::YearRequest) -> treem::documents::register::Document;
    commendations_of_unit(api::UnitRequest) -> Vec<treem::commendations::Nomination>;
    certificates_pdf(api::CertificatesRequest) -> ();
    certificate_layout(()) -> treem::commendations::Layout;
    certificate_layout_set(treem::commendations::Layout) -> ();
    certificate_test_print(()) -> ();
    cases_list(()) -> Vec<treem::cases::CaseRow>;
    case_page(api::CaseRequest) -> treem::cases::CasePage;
    case_receive(treem::cases::ReceiveInput) -> treem::cases::CaseHeader;
    case_assess(treem::cases::InitialStep) -> treem::cases::CasePage;
    case_assess_in_detail(treem::cases::DetailedStep) -> treem::cases::CasePage;
    case_plan(treem::cases::PlanStep) -> treem::cases::CasePage;
    case_follow_up(treem::cases::FollowUpStep) -> treem::cases::CasePage;
    case_review(treem::cases::ReviewStep) -> treem::cases::CasePage;
    case_action_done(treem::cases::ActionDoneInput) -> ();
    case_refer(treem::cases::ReferralInput) -> ();
    case_referral_outcome(treem::cases::ReferralOutcomeInput) -> ();
    case_decision(api::CaseRequest) -> treem::documents::register::Document;
    case_form_print(api::CaseFormRequest) -> ();
    case_form_save(api::CaseFormSaveRequest) -> ();
    calendar_year(api::CalendarYearRequest) -> treem::calendar::CalendarYear;
    calendar_set(treem::calendar::DayInput) -> treem::calendar::CalendarDay;
    calendar_reset(api::CalendarDayRequest) -> ();
    calendar_fill(api::CalendarYearRequest) -> treem::calendar::CalendarYear;
    calendar_notice(api::CalendarNoticeRequest) -> treem::calendar::CalendarYear;
    injuries_list(api::InjuriesRequest) -> Vec<treem::injuries::Injury>;
    injury_record(treem::injuries::InjuryInput) -> treem::injuries::Injury;
    injury_report(api::InjuryRequest) -> treem::documents::register::Document;
    labour_checks(api::CalendarYearRequest) -> Vec<treem::labour::LabourCheck>;
    labour_check_record(treem::labour::CheckInput) -> treem::labour::LabourCheck;
    labour_report(api::CalendarYearRequest) -> treem::documents::register::Document;
    statistics(api::StatisticsRequest) -> treem::stats::Statistics;
    statistics_save_xlsx(api::StatisticsSaveRequest) -> ();
    devices(()) -> Vec<treem::sync::Device>;
    device_invite(api::InviteRequest) -> api::InviteAnswer;
    sync_plan_export(api::ExportRequest) -> treem::sync::Outgoing;
    sync_export(api::ExportRequest) -> treem::sync::Outgoing;
    sync_plan_import(api::ChosenFile) -> treem::sync::Incoming;
    sync_import(api::ChosenFile) -> treem::sync::Incoming;
    sync_progress(()) -> api::Progress;
    conflicts(()) -> Vec<treem::sync::Conflict>;
    conflict_choose(api::ChooseRequest) -> ();
    backups(()) -> api::Backups;
    backup_now(()) -> treem::backup::Made;
    backup_daily(()) -> Option<treem::backup::Made>;
    backup_set_folder(api::BackupFolderRequest) -> ();
    recovery_code_renew(()) -> String;
    integrity_check(()) -> api::Health;
    integrity_on_start(()) -> api::Health;

    // A file's bytes cross as binary, not as a JSON array of numbers.
    => binary {
        document_pdf(api::DocumentRequest);
    }

    => locked {
        start(()) -> api::Start;
        set_up(api::SetUpRequest) -> api::SetUpDone;
        log_in(api::LogInRequest) -> api::Me;
        lock(()) -> ();
        vocabulary(()) -> treem::vocabulary::Vocabulary;
        first_screen_shown(()) -> ();
        restore(api::RestoreRequest) -> api::Restored;
        join_ward(api::JoinRequest) -> api::Me;
        join_facts(api::ChosenFile) -> treem::sync::join::JoinFacts;
    }
}

/// Adds the state and the commands to a builder of any runtime (the real one, or the mock one
/// in tests).
pub fn builder<R: tauri::Runtime>(base: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    base.manage(state).invoke_handler(handler())
}

/// Starts the desktop app. `TREEM_DB` names another database file (tests, demos).
pub fn run() {
    api::mark_process_start();
    // A forms UI needs no GPU. WebKitGTK's accelerated compositing doubles the web process's
    // memory and shows blank windows on some graphics drivers; and GTK's GLX probe and WebKit's
    // two EGL look-ups (a render device for the web process, a way to hand over its frames) each
    // load the GL driver — with Mesa's software driver, ~20 MB of LLVM — into the app process.
    #[cfg(target_os = "linux")]
    for (name, value) in [
        ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
        ("GDK_GL", "disable"),
        ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
        ("WEBKIT_WEB_RENDER_DEVICE_FILE", "/dev/null"),
    ] {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, value);
        }
    }
    // Copies opened in the system's viewer last session are not kept.
    let _ = std::fs::remove_dir_all(api::viewer_dir());
    let path = std::env::var_os("TREEM_DB").map(PathBuf::from).unwrap_or_else(treem::default_db_path);
    // Opened from the file manager on one of the app's files: the window goes to it.
    let opened = std::env::args_os().skip(1).map(PathBuf::from).find(|p| treem::files::AppFile::of(p).is_some());
    let state = AppState::opened_on(path, opened);
    let built = builder(tauri::Builder::default().plugin(tauri_plugin_dialog::init()).plugin(tauri_plugin_opener::init()), state)
        .build(tauri::generate_context!());
    let app = match built {
        Ok(app) => app,
        Err(e) => {
            // The window system itself failed: nothing else can show the message.
            eprintln!("Không khởi động được ứng dụng: {e}");
            std::process::exit(1);
        }
    };
    app.run(|handle, event| {
        // Leaving the app leaves a backup of what was done, while the data is still open.
        if let tauri::RunEvent::Exit = event {
            let state = tauri::Manager::state::<AppState>(handle);
            tauri::async_runtime::block_on(async {
                if let Ok(s) = state.session().await {
                    let _ = treem::backup::automatic(&s.store, &s.actor).await;
                }
            });
        }
    });
}
