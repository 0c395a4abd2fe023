//! The desktop shell: the window, the app state and one thin command per core operation.
//! The list of commands below is the one place a command is named: it makes the Tauri
//! handlers and the TypeScript functions the UI calls.

pub mod api;

use treem::{ErrorPayload, Store};

/// What every command reaches: the open database.
pub struct AppState {
    /// The store.
    pub store: Store,
}

macro_rules! commands {
    (
        $( $name:ident ( $req:ty ) -> $resp:ty ; )*
        // Commands whose answer is a file's bytes: they cross as binary, not as JSON.
        => binary { $( $bname:ident ( $breq:ty ) ; )* }
    ) => {
        /// The `#[tauri::command]` wrappers.
        pub mod ipc {
            use super::*;
            $(
                #[tauri::command]
                pub async fn $name(state: tauri::State<'_, AppState>, req: $req) -> Result<$resp, ErrorPayload> {
                    api::$name(&state.store, req).await.map_err(|e| e.payload())
                }
            )*
            $(
                #[tauri::command]
                pub async fn $bname(state: tauri::State<'_, AppState>, req: $breq) -> Result<tauri::ipc::Response, ErrorPayload> {
                    api::$bname(&state.store, req).await.map(tauri::ipc::Response::new).map_err(|e| e.payload())
                }
            )*
        }

        /// The invoke handler with every command.
        pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$( ipc::$name, )* $( ipc::$bname ),*]
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
    vocabulary(()) -> treem::vocabulary::Vocabulary;
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
    first_screen_shown(()) -> ();
    documents(()) -> Vec<treem::documents::register::Document>;
    document_create(api::CreateDocumentRequest) -> treem::documents::register::Document;
    document(api::DocumentRequest) -> treem::documents::register::Document;
    document_save(api::SaveDocumentRequest) -> treem::documents::register::Document;
    document_save_pdf(api::SavePdfRequest) -> ();
    document_issue(api::IssueRequest) -> treem::documents::register::Document;
    document_verify(api::DocumentRequest) -> treem::signing::Verification;
    document_print(api::DocumentRequest) -> ();
    register_of_year(api::RegisterRequest) -> Vec<treem::documents::register::Document>;
    certificates(()) -> Vec<treem::certificates::CertificateInfo>;
    certificate_import(api::ImportCertificateRequest) -> treem::certificates::CertificateInfo;
    certificate_create(api::CreateCertificateRequest) -> treem::certificates::CertificateInfo;
    verify_pdf(api::VerifyRequest) -> treem::signing::Verification;
    trusted_authorities(()) -> Vec<treem::trust::Authority>;
    trusted_authority_add(api::AddAuthorityRequest) -> treem::trust::Authority;
    trusted_authority_remove(api::AuthorityRequest) -> ();
    set_seal(api::SealRequest) -> ();
    set_signature_image(api::SignatureImageRequest) -> ();

    // A file's bytes cross as binary, not as a JSON array of numbers.
    => binary {
        document_pdf(api::DocumentRequest);
    }
}

/// Opens the database (creating the demo ward on first start) for the app.
pub async fn open_state(path: std::path::PathBuf) -> treem::Result<AppState> {
    let store = Store::open(path).await?;
    treem::demo::load(&store).await?;
    Ok(AppState { store })
}

/// Adds the state and the commands to a builder of any runtime (the real one, or the mock one
/// in tests).
pub fn builder<R: tauri::Runtime>(base: tauri::Builder<R>, state: AppState) -> tauri::Builder<R> {
    base.manage(state).invoke_handler(handler())
}

/// Starts the desktop app. `TREEM_DB` names another database file (tests, demos).
pub fn run() {
    api::mark_process_start();
    // WebKitGTK's accelerated compositing doubles the web process's memory and shows blank
    // windows on some graphics drivers; a forms UI does not need it.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    // Copies opened in the system's viewer last session are not kept.
    let _ = std::fs::remove_dir_all(api::viewer_dir());
    let path = std::env::var_os("TREEM_DB").map(std::path::PathBuf::from).unwrap_or_else(treem::default_db_path);
    let plugins = |b: tauri::Builder<tauri::Wry>| b.plugin(tauri_plugin_dialog::init()).plugin(tauri_plugin_opener::init());
    let started = match tauri::async_runtime::block_on(open_state(path.clone())) {
        Ok(state) => builder(plugins(tauri::Builder::default()), state).run(tauri::generate_context!()),
        Err(e) => {
            let message = format!("Không mở được dữ liệu của ứng dụng tại\n{}\n\n{e}", path.display());
            plugins(tauri::Builder::default()).setup(|app| startup_failed(app, message)).run(tauri::generate_context!())
        }
    };
    if let Err(e) = started {
        // The window system itself failed: nothing else can show the message.
        eprintln!("Không khởi động được ứng dụng: {e}");
        std::process::exit(1);
    }
}

/// Says in a window why the app cannot start (a console is not seen on Windows), then quits.
fn startup_failed(app: &mut tauri::App, message: String) -> Result<(), Box<dyn std::error::Error>> {
    use tauri::Manager as _;
    use tauri_plugin_dialog::{DialogExt as _, MessageDialogButtons, MessageDialogKind};
    for window in app.webview_windows().values() {
        window.hide()?;
    }
    let handle = app.handle().clone();
    app.dialog()
        .message(message)
        .title("Công tác Trẻ em")
        .kind(MessageDialogKind::Error)
        .buttons(MessageDialogButtons::OkCustom("Đóng".into()))
        .show(move |_| handle.exit(1));
    Ok(())
}
