//! The commands through Tauri's mock runtime: arguments and results cross as JSON, errors as
//! `{code, message}`; and the TypeScript bindings of the command list are current.

use serde_json::{json, Value};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::WebviewWindow;

struct App {
    _app: tauri::App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
    _dir: tempfile::TempDir,
}

const PASSWORD: &str = "đồng hồ cát xanh lá";

/// The app at its first start: locked, no account yet.
fn locked_app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let state = treem_app::AppState::new(dir.path().join("treem.db"));
    let app = treem_app::builder(mock_builder(), state).build(mock_context(noop_assets())).unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    App { _app: app, webview, _dir: dir }
}

/// The app after the officer's first start (which loads the demo ward).
fn app() -> App {
    let app = locked_app();
    let done = invoke(&app, "set_up", json!({ "login": "canbo", "name": "Nguyễn Thị Hoa", "password": PASSWORD, "repeat": PASSWORD })).unwrap();
    assert_eq!(done["me"]["actor"]["role"], "officer");
    // The ward's recovery code, shown this once: eight groups of four.
    let code = done["recovery_code"].as_str().unwrap();
    assert_eq!(code.split('-').map(str::len).collect::<Vec<_>>(), [4; 8], "{code}");
    app
}

/// A call of `cmd` as the window makes it.
fn request(cmd: &str, req: Value) -> InvokeRequest {
    InvokeRequest {
        cmd: cmd.into(),
        callback: tauri::ipc::CallbackFn(0),
        error: tauri::ipc::CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: tauri::ipc::InvokeBody::Json(json!({ "req": req })),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    }
}

fn invoke(app: &App, cmd: &str, req: Value) -> Result<Value, Value> {
    get_ipc_response(&app.webview, request(cmd, req)).map(|b| b.deserialize::<Value>().unwrap())
}

/// A command whose answer crosses as binary.
fn invoke_bytes(app: &App, cmd: &str, req: Value) -> Vec<u8> {
    let body = get_ipc_response(&app.webview, request(cmd, req)).expect("answered");
    match body {
        tauri::ipc::InvokeResponseBody::Raw(bytes) => bytes,
        tauri::ipc::InvokeResponseBody::Json(json) => panic!("answered JSON, not binary: {json}"),
    }
}

/// A file as the officer would choose it in the dialog: the commands take its path.
fn chosen(app: &App, name: &str, bytes: &[u8]) -> String {
    let path = app._dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

#[test]
fn first_start_shows_the_demo_ward() {
    let app = app();
    let ward = invoke(&app, "ward", Value::Null).unwrap();
    assert_eq!(ward["name"], "Phường Nguyễn Nghiêm");
    let tree = invoke(&app, "plan_tree", Value::Null).unwrap();
    assert_eq!(tree["plan"]["year"], 2024);
    let o = invoke(&app, "overview", json!({ "today": "20/6/2024" })).unwrap();
    assert_eq!(o["today"], "2024-06-20");
    assert!(!o["due_soon"].as_array().unwrap().is_empty());
}

#[test]
fn a_status_and_a_note_set_through_commands_are_read_back() {
    let app = app();
    let tree = invoke(&app, "plan_tree", Value::Null).unwrap();
    let a = &tree["assignments"][0];
    let set = invoke(&app, "set_status", json!({ "assignment_id": a["id"], "status": "done" })).unwrap();
    assert_eq!(set["status"], "done");
    invoke(&app, "add_note", json!({ "assignment_id": a["id"], "noted_on": "3/6/2024", "text": "Đã hoàn thành." })).unwrap();
    invoke(&app, "add_evidence", json!({ "assignment_id": a["id"], "path": chosen(&app, "anh.jpg", &[1, 2, 3]) })).unwrap();
    let page = invoke(&app, "activity", json!({ "node_id": a["node_id"] })).unwrap();
    let unit = page["units"].as_array().unwrap().iter().find(|u| u["assignment"]["id"] == a["id"]).unwrap();
    assert_eq!(unit["assignment"]["status"], "done");
    assert_eq!(unit["notes"][0]["text"], "Đã hoàn thành.");
    assert_eq!(unit["notes"][0]["noted_on"], "2024-06-03");
    assert_eq!(unit["evidence"][0]["file_name"], "anh.jpg");
    let history = invoke(&app, "history", json!({ "table": "assignments", "record_id": a["id"] })).unwrap();
    assert_eq!(history.as_array().unwrap().len(), 2);
}

#[test]
fn errors_cross_as_code_and_vietnamese_message() {
    let app = app();
    let tree = invoke(&app, "plan_tree", Value::Null).unwrap();
    let a = &tree["assignments"][0];
    let err = invoke(&app, "add_note", json!({ "assignment_id": a["id"], "noted_on": "31/02/2024", "text": "x" })).unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["message"], "Ngày 31/02/2024 không có trên lịch; hãy kiểm tra lại.");
    let err = invoke(&app, "set_status", json!({ "assignment_id": "khong-co", "status": "done" })).unwrap_err();
    assert_eq!(err["code"], "not_found");
    let err = invoke(&app, "import_preview", json!({ "path": chosen(&app, "a.docx", &[1, 2]) })).unwrap_err();
    assert_eq!(err["code"], "unreadable_plan");
    assert!(err["message"].as_str().unwrap().contains("Word"));
}

#[test]
fn a_plan_is_previewed_then_saved() {
    let app = app();
    let path = chosen(&app, "kế hoạch.txt", treem::demo::SEED_PLAN.as_bytes());
    let draft = invoke(&app, "import_preview", json!({ "path": path })).unwrap();
    assert_eq!(draft["units"].as_array().unwrap().len(), 10);
    // The demo already holds a 2024 plan: the preview says so before anything is saved.
    assert!(draft["warnings"].as_array().unwrap().iter().any(|w| w.as_str().unwrap().contains("Đã có một kế hoạch năm 2024")), "{}", draft["warnings"]);
    // A unit that leads activities cannot be dropped; the core says why, beside the list.
    let err = invoke(&app, "import_drop_unit", json!({ "draft": draft, "unit_index": 0 })).unwrap_err();
    assert_eq!((err["code"].as_str(), err["field"].as_str()), (Some("invalid_input"), Some("units")));
    assert!(err["message"].as_str().unwrap().contains("chủ trì"));
    let mut corrected = draft.clone();
    corrected["year"] = json!(2025);
    corrected["title"] = json!("Triển khai thực hiện công tác trẻ em năm 2025");
    // Deadlines are typed as the officer writes dates; the core reads them.
    let err = invoke(&app, "import_save", json!({ "draft": corrected, "due_dates": ["31/02/2025", "15/12/2025"] })).unwrap_err();
    assert_eq!(err["field"], "deadlines");
    assert_eq!(invoke(&app, "plans", Value::Null).unwrap().as_array().unwrap().len(), 1, "nothing saved");
    let saved = invoke(&app, "import_save", json!({ "draft": corrected, "due_dates": ["15/06/2025", "15/12/2025"] })).unwrap();
    assert_eq!(saved["year"], 2025);
    let tree = invoke(&app, "plan_tree", Value::Null).unwrap();
    assert_eq!(tree["plan"]["title"], "Triển khai thực hiện công tác trẻ em năm 2025");
    // The units were matched by name, not created again.
    assert_eq!(invoke(&app, "units", Value::Null).unwrap().as_array().unwrap().len(), 14);
    // Both plans are kept; the officer switches back to 2024.
    let plans = invoke(&app, "plans", Value::Null).unwrap();
    let years: Vec<i64> = plans.as_array().unwrap().iter().map(|p| p["year"].as_i64().unwrap()).collect();
    assert_eq!(years, [2025, 2024]);
    invoke(&app, "choose_plan", json!({ "plan_id": plans[1]["id"] })).unwrap();
    assert_eq!(invoke(&app, "plan_tree", Value::Null).unwrap()["plan"]["year"], 2024);
}

#[test]
fn reports_are_recorded_through_commands() {
    let app = app();
    let table = invoke(&app, "report_table", json!({ "today": "1/5/2024" })).unwrap();
    let deadline = table["deadlines"][0]["id"].clone();
    let unit = table["rows"][0]["unit"]["id"].clone();
    invoke(&app, "record_report", json!({ "deadline_id": deadline, "unit_id": unit, "received_on": "18/5/2024", "path": chosen(&app, "bc.pdf", b"%PDF") })).unwrap();
    let table = invoke(&app, "report_table", json!({ "today": "1/6/2024" })).unwrap();
    assert_eq!(table["rows"][0]["cells"][0]["state"], "received");
    assert_eq!(table["rows"][1]["cells"][0]["state"], "missing");
}

#[test]
fn a_units_page_and_its_reminder_letter_through_commands() {
    let app = app();
    let units = invoke(&app, "units", Value::Null).unwrap();
    let unit = units.as_array().unwrap().iter().find(|u| u["name"] == "Văn hóa - Xã hội, Đài truyền thanh").unwrap();
    let page = invoke(&app, "unit_page", json!({ "unit_id": unit["id"], "today": "1/9/2024" })).unwrap();
    assert_eq!(page["unit"]["name"], unit["name"]);
    assert_eq!(page["today"], "2024-09-01");
    assert_eq!(page["counts"]["late"], 2);
    assert_eq!(page["counts"]["missing_reports"], 1);
    assert_eq!(page["reminder_due"], true);
    let late: Vec<&Value> = page["activities"].as_array().unwrap().iter().filter(|a| a["late"] == true).collect();
    assert_eq!(late.len(), 2);
    assert!(late.iter().all(|a| a["status"] == "not_started" && a["role"] == "lead" && a["label"].as_str().unwrap().starts_with("II.")));
    assert_eq!(page["reports"][0]["state"], "missing");
    let early = invoke(&app, "unit_page", json!({ "unit_id": unit["id"], "today": "2/1/2024" })).unwrap();
    assert_eq!(early["reminder_due"], false);
    let err = invoke(&app, "unit_page", json!({ "unit_id": unit["id"], "today": "31/9/2024" })).unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    let err = invoke(&app, "unit_page", json!({ "unit_id": "khong-co", "today": null })).unwrap_err();
    assert_eq!(err["code"], "not_found");

    let doc = invoke(&app, "document_create", json!({ "kind": "reminder", "period": null, "source_id": null, "unit_id": unit["id"] })).unwrap();
    assert_eq!(doc["kind"], "reminder");
    assert_eq!(doc["unit_id"], unit["id"]);
    assert_eq!(doc["symbol"], "UBND-VHXH");
    let page = invoke(&app, "unit_page", json!({ "unit_id": unit["id"], "today": null })).unwrap();
    assert_eq!(page["letters"][0]["id"], doc["id"]);
    // The demo's cases already hold decisions in the register of 2024: the letter takes the next number.
    let before = invoke(&app, "register_of_year", json!({ "year": 2024 })).unwrap().as_array().unwrap().len();
    let issued = invoke(&app, "document_issue", json!({ "id": doc["id"], "issued_on": "1/9/2024", "certificate_id": null, "password": null })).unwrap();
    assert_eq!(issued["number_text"], format!("{:02}/UBND-VHXH", before + 1));
    let err = invoke(&app, "document_create", json!({ "kind": "reminder", "period": null, "source_id": null, "unit_id": null })).unwrap_err();
    assert_eq!(err["code"], "invalid_input");
}

/// Regenerates `ui/src/bindings/commands.ts`; CI fails when the committed file differs.
#[test]
fn typescript_command_bindings_are_written() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings");
    std::fs::create_dir_all(&dir).unwrap();
    let mut types: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|n| n.strip_suffix(".ts").map(str::to_owned))
        .filter(|n| n != "commands")
        .collect();
    types.sort();
    let mut out = String::from("// Generated by `cargo test -p treem-app` from the command list in src-tauri/src/lib.rs. Do not edit.\n");
    out.push_str("import { call } from \"../ipc\";\n");
    for t in &types {
        out.push_str(&format!("import type {{ {t} }} from \"./{t}\";\n"));
    }
    out.push('\n');
    let functions = treem_app::typescript();
    assert!(functions.contains("export const setStatus = (req: SetStatusRequest): Promise<Assignment> => call(\"set_status\", req);"), "{functions}");
    assert!(functions.contains("export const planTree = (): Promise<PlanTree> =>"));
    out.push_str(&functions);
    std::fs::write(dir.join("commands.ts"), out).unwrap();
}

#[test]
fn a_report_is_drafted_issued_signed_registered_and_verified() {
    let app = app();
    let cert = invoke(&app, "certificate_create", json!({ "name": "Võ Thùy Dương", "password": "mat-khau-123" })).unwrap();
    assert_eq!(cert["internal"], true);
    let err = invoke(&app, "certificate_create", json!({ "name": "A", "password": "123" })).unwrap_err();
    assert_eq!(err["code"], "invalid_input");

    let doc = invoke(&app, "document_create", json!({ "kind": "report", "period": "half", "source_id": null })).unwrap();
    assert_eq!(doc["status"], "draft");
    let pdf = invoke_bytes(&app, "document_pdf", json!({ "id": doc["id"] }));
    assert!(pdf.starts_with(b"%PDF-"));
    let saved = app._dir.path().join("báo cáo.pdf");
    invoke(&app, "document_save_pdf", json!({ "id": doc["id"], "path": saved.display().to_string() })).unwrap();
    let written = std::fs::read(&saved).unwrap();
    assert!(written.starts_with(b"%PDF-") && written.ends_with(b"%%EOF"), "a whole PDF where the officer chose");
    let trail = invoke(&app, "audit", json!({ "user_id": null, "record_id": doc["id"], "from": null, "to": null })).unwrap();
    assert_eq!((trail[0]["action"].as_str(), trail[0]["details"].as_str()), (Some("Xuất dữ liệu"), Some("tệp: báo cáo.pdf")));

    let wrong = invoke(&app, "document_issue", json!({ "id": doc["id"], "issued_on": "18/5/2024", "certificate_id": cert["id"], "password": "sai" })).unwrap_err();
    assert_eq!(wrong["code"], "certificate");
    let before = invoke(&app, "register_of_year", json!({ "year": 2024 })).unwrap().as_array().unwrap().clone();
    assert!(before.iter().all(|d| d["kind"] == "case_decision" || d["kind"] == "injury_report"), "nothing issued but the demo's decisions on cases and its urgent report");

    let issued = invoke(&app, "document_issue", json!({ "id": doc["id"], "issued_on": "18/5/2024", "certificate_id": cert["id"], "password": "mat-khau-123" })).unwrap();
    assert_eq!(issued["number"], before.len() + 1);
    assert_eq!(issued["signed_by"], "Võ Thùy Dương");
    let book = invoke(&app, "register_of_year", json!({ "year": 2024 })).unwrap();
    assert_eq!(book[before.len()]["id"], doc["id"]);
    let v = invoke(&app, "document_verify", json!({ "id": doc["id"] })).unwrap();
    assert_eq!(v["signatures"].as_array().map(Vec::len), Some(1), "{v}");
    let v = &v["signatures"][0];
    assert_eq!((v["intact"].as_bool(), v["whole_file"].as_bool()), (Some(true), Some(true)));
    assert_eq!(v["trust"]["kind"], "internal", "{v}");
    assert!(v["verdict"].as_str().unwrap().contains("nội bộ của phường"), "{v}");
    let err = invoke(&app, "verify_pdf", json!({ "path": chosen(&app, "x.pdf", b"%PDF") })).unwrap_err();
    assert_eq!(err["code"], "signature");
}

#[test]
fn the_trust_list_starts_empty_and_the_officer_keeps_it() {
    let app = app();
    assert_eq!(invoke(&app, "trusted_authorities", json!(null)).unwrap(), json!([]));
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("khong-phai.cer");
    std::fs::write(&junk, b"not a certificate").unwrap();
    let err = invoke(&app, "trusted_authority_add", json!({ "path": junk.display().to_string() })).unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    let err = invoke(&app, "trusted_authority_add", json!({ "path": dir.path().join("khong-co.cer").display().to_string() })).unwrap_err();
    assert_eq!(err["code"], "file");

    // A certificate file as an authority publishes it (any certificate will do here).
    let p12 = treem::signing::create_internal("CA Thử", "Tổ chức thử", "mat-khau", chrono::Utc::now(), 30).unwrap();
    let cert = treem::signing::Identity::from_pkcs12(&p12, "mat-khau", &[]).unwrap().certificate_der().unwrap();
    let path = dir.path().join("ca.cer");
    std::fs::write(&path, cert).unwrap();
    let added = invoke(&app, "trusted_authority_add", json!({ "path": path.display().to_string() })).unwrap();
    assert_eq!(added["name"], "CA Thử");
    let same = invoke(&app, "trusted_authority_add", json!({ "path": path.display().to_string() })).unwrap();
    assert_eq!(same["id"], added["id"]);
    assert_eq!(invoke(&app, "trusted_authorities", json!(null)).unwrap().as_array().unwrap().len(), 1);
    invoke(&app, "trusted_authority_remove", json!({ "id": added["id"] })).unwrap();
    assert_eq!(invoke(&app, "trusted_authorities", json!(null)).unwrap(), json!([]));
}

/// A second connection to the app's database file, logged in as the officer.
fn probe(app: &App) -> treem::Store {
    tauri::async_runtime::block_on(treem::auth::log_in(&app._dir.path().join("treem.db"), "canbo", PASSWORD)).unwrap().0
}

/// Row counts of every table.
fn counts(store: &treem::Store) -> Vec<(String, i64)> {
    tauri::async_runtime::block_on(async {
        let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name != 'meta' ORDER BY name")
            .fetch_all(store.pool())
            .await
            .unwrap();
        let mut out = vec![];
        for t in tables {
            out.push((t.clone(), sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {t}")).fetch_one(store.pool()).await.unwrap()));
        }
        out
    })
}

#[test]
fn every_command_refuses_what_the_core_refuses_and_writes_nothing() {
    let app = app();
    let tree = invoke(&app, "plan_tree", Value::Null).unwrap();
    let lead = tree["assignments"].as_array().unwrap().iter().find(|a| a["role"] == "lead").unwrap().clone();
    let unit = invoke(&app, "units", Value::Null).unwrap()[0].clone();
    let long = "x".repeat(10_000);
    let missing = "00000000-0000-0000-0000-000000000000";
    let store = probe(&app);
    let before = counts(&store);
    let refused: Vec<(&str, Value, &str)> = vec![
        ("set_status", json!({ "assignment_id": missing, "status": "done" }), "not_found"),
        ("add_note", json!({ "assignment_id": lead["id"], "noted_on": "30/02/2024", "text": "Ghi chú" }), "invalid_input"),
        ("add_note", json!({ "assignment_id": lead["id"], "noted_on": "01/03/2024", "text": long }), "invalid_input"),
        ("add_note", json!({ "assignment_id": lead["id"], "noted_on": "01/03/2024", "text": "   " }), "invalid_input"),
        ("add_evidence", json!({ "assignment_id": lead["id"], "path": "/khong/co/tep.jpg" }), "file"),
        ("unassign", json!({ "assignment_id": lead["id"] }), "invalid_input"),
        ("assign_unit", json!({ "node_id": missing, "unit_id": unit["id"] }), "database"),
        ("set_timing", json!({ "node_id": lead["node_id"], "period": "custom", "starts_on": "30/06/2024", "ends_on": "01/06/2024" }), "invalid_input"),
        ("add_unit", json!({ "name": "", "kind": "agency" }), "invalid_input"),
        ("rename_unit", json!({ "unit_id": unit["id"], "name": long }), "invalid_input"),
        ("save_ward", json!({ "name": "", "parent_authority": "Thành phố Quảng Ngãi", "place_name": "Phường", "has_seal": false }), "invalid_input"),
        ("save_signer", json!({ "id": "", "full_name": "", "title": "Chủ tịch", "has_signature_image": false }), "invalid_input"),
        ("set_report_due", json!({ "deadline_id": missing, "due_on": "19/05/2024" }), "not_found"),
        ("record_report", json!({ "deadline_id": missing, "unit_id": unit["id"], "received_on": "19/05/2024", "path": null }), "not_found"),
        ("unrecord_report", json!({ "deadline_id": missing, "unit_id": unit["id"] }), "not_found"),
        ("import_preview", json!({ "path": chosen(&app, "ghi-chu.txt", "Danh sách đi chợ".as_bytes()) }), "unreadable_plan"),
        ("choose_plan", json!({ "plan_id": missing }), "not_found"),
        ("document_create", json!({ "kind": "report", "period": null, "source_id": null, "unit_id": null }), "invalid_input"),
        ("document_issue", json!({ "id": missing, "issued_on": "01/07/2024", "certificate_id": null, "password": null }), "not_found"),
        ("certificate_import", json!({ "path": chosen(&app, "sai.p12", b"not a p12"), "password": "x" }), "certificate"),
        ("set_seal", json!({ "path": chosen(&app, "dau.png", b"\x89PNG broken") }), "invalid_input"),
        ("verify_pdf", json!({ "path": chosen(&app, "khong-ky.pdf", b"%PDF-1.4\n%%EOF") }), "signature"),
        ("remove_evidence", json!({ "assignment_id": lead["id"], "file_id": missing }), "not_found"),
        ("sync_plan_import", json!({ "path": chosen(&app, "dong-bo.treemsync", b"TREEMS01 cut") }), "sync_file"),
        ("sync_import", json!({ "path": chosen(&app, "khac.treemsync", b"PK\x03\x04") }), "sync_file"),
        ("device_invite", json!({ "name": "Máy mới", "login": "khongco", "path": chosen(&app, "x.treemjoin", b"") }), "invalid_input"),
        ("device_invite", json!({ "name": long, "login": "canbo", "path": chosen(&app, "y.treemjoin", b"") }), "invalid_input"),
        ("sync_plan_export", json!({ "device_id": missing, "everything": false, "path": null }), "not_found"),
        ("conflict_choose", json!({ "conflict_id": missing, "choice": "other" }), "not_found"),
    ];
    for (cmd, req, code) in refused {
        let err = invoke(&app, cmd, req).expect_err(cmd);
        assert_eq!(err["code"], code, "{cmd}: {err}");
        let message = err["message"].as_str().unwrap();
        assert!(message.chars().any(|c| "ăâđêôơưáàảãạéèẻẽẹíìỉĩịóòỏõọúùủũụýỳỷỹỵ".contains(c)), "{cmd}: Vietnamese message: {message}");
    }
    assert_eq!(counts(&store), before, "a refused command writes nothing");
}

#[test]
fn the_window_logs_in_locks_and_unlocks() {
    let app = locked_app();
    assert_eq!(invoke(&app, "start", Value::Null).unwrap()["first_start"], true);
    let err = invoke(&app, "plan_tree", Value::Null).unwrap_err();
    assert_eq!(err["code"], "locked");
    let err = invoke(&app, "set_up", json!({ "login": "canbo", "name": "Hoa", "password": PASSWORD, "repeat": "khác" })).unwrap_err();
    assert_eq!((err["code"].as_str(), err["field"].as_str()), (Some("invalid_input"), Some("repeat")));
    let err = invoke(&app, "set_up", json!({ "login": "canbo", "name": "Hoa", "password": "ngắn", "repeat": "ngắn" })).unwrap_err();
    assert_eq!(err["field"], "password");
    // Long enough, but a guesser's first tries.
    let err = invoke(&app, "set_up", json!({ "login": "canbo", "name": "Hoa", "password": "matkhau2024", "repeat": "matkhau2024" })).unwrap_err();
    assert_eq!(err["field"], "password");
    assert!(err["message"].as_str().unwrap().contains("dễ bị dò"), "{err}");
    invoke(&app, "set_up", json!({ "login": "canbo", "name": "Hoa", "password": PASSWORD, "repeat": PASSWORD })).unwrap();
    assert_eq!(invoke(&app, "start", Value::Null).unwrap()["first_start"], false);
    assert_eq!(invoke(&app, "me", Value::Null).unwrap()["lock_minutes"], 10);
    assert_eq!(invoke(&app, "plan_tree", Value::Null).unwrap()["plan"]["year"], 2024);

    invoke(&app, "lock", Value::Null).unwrap();
    assert_eq!(invoke(&app, "plan_tree", Value::Null).unwrap_err()["code"], "locked");
    let err = invoke(&app, "log_in", json!({ "login": "canbo", "password": "sai mật khẩu" })).unwrap_err();
    assert_eq!(err["code"], "wrong_password");
    assert_eq!(invoke(&app, "plan_tree", Value::Null).unwrap_err()["code"], "locked");
    let me = invoke(&app, "log_in", json!({ "login": "CanBo", "password": PASSWORD })).unwrap();
    assert_eq!(me["actor"]["name"], "Hoa");
    assert_eq!(invoke(&app, "plan_tree", Value::Null).unwrap()["plan"]["year"], 2024);

    let trail = invoke(&app, "audit", json!({})).unwrap();
    let actions: Vec<&str> = trail.as_array().unwrap().iter().map(|l| l["action"].as_str().unwrap()).collect();
    assert_eq!(actions[..3], ["Đăng nhập", "Nhập sai mật khẩu", "Khóa màn hình"], "newest first");
    assert_eq!(actions.iter().filter(|a| **a == "Đăng nhập").count(), 2, "the first start logged in too");
    assert_eq!(invoke(&app, "audit_verify", Value::Null).unwrap()["breaks"], json!([]));
    // Dates are typed as the officer writes them; a day that does not exist is said so.
    let err = invoke(&app, "audit", json!({ "user_id": null, "record_id": null, "from": "31/02/2024", "to": null })).unwrap_err();
    assert_eq!((err["code"].as_str(), err["field"].as_str()), (Some("invalid_input"), Some("from")));
    let today = invoke(&app, "vocabulary", Value::Null).unwrap()["today"].as_str().unwrap().to_owned();
    let (y, m, d) = (&today[..4], &today[5..7], &today[8..10]);
    let typed = format!("{d}/{m}/{y}");
    let of_today = invoke(&app, "audit", json!({ "user_id": null, "record_id": null, "from": typed, "to": typed })).unwrap();
    assert_eq!(of_today.as_array().unwrap().len(), trail.as_array().unwrap().len(), "everything happened today");
    let none = invoke(&app, "audit", json!({ "user_id": null, "record_id": null, "from": "1/1/2020", "to": "31/12/2020" })).unwrap();
    assert_eq!(none, json!([]));
    let path = app._dir.path().join("nhật ký.xlsx");
    let filter = json!({ "user_id": null, "record_id": null, "from": null, "to": null });
    invoke(&app, "audit_save_xlsx", json!({ "filter": filter, "path": path.display().to_string() })).unwrap();
    assert!(std::fs::read(&path).unwrap().starts_with(b"PK"));
}

#[test]
fn stopping_an_account_in_the_window_changes_the_key_once_the_window_is_locked() {
    let app = app();
    let viewer = invoke(&app, "user_add", json!({ "login": "xem", "name": "Trần Văn Xem", "role": "viewer", "group_unit_id": null, "password": PASSWORD })).unwrap();
    let ring = app._dir.path().join("treem.keys");
    let copied = std::fs::read(&ring).unwrap();
    invoke(&app, "user_disable", json!({ "user_id": viewer["id"] })).unwrap();
    // Locking closes the data; the next login changes the key.
    invoke(&app, "lock", Value::Null).unwrap();
    invoke(&app, "log_in", json!({ "login": "canbo", "password": PASSWORD })).unwrap();
    let trail = invoke(&app, "audit", json!({})).unwrap();
    let actions: Vec<&str> = trail.as_array().unwrap().iter().map(|l| l["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"Đổi khóa mã hóa dữ liệu"), "{actions:?}");
    assert_eq!(invoke(&app, "plan_tree", Value::Null).unwrap()["plan"]["year"], 2024);
    // The key ring as it was before the account stopped opens nothing now.
    invoke(&app, "lock", Value::Null).unwrap();
    let current = std::fs::read(&ring).unwrap();
    std::fs::write(&ring, &copied).unwrap();
    assert!(invoke(&app, "log_in", json!({ "login": "xem", "password": PASSWORD })).is_err());
    assert!(invoke(&app, "log_in", json!({ "login": "canbo", "password": PASSWORD })).is_err());
    std::fs::write(&ring, current).unwrap();
    invoke(&app, "log_in", json!({ "login": "canbo", "password": PASSWORD })).unwrap();
}

#[test]
fn a_viewer_reads_but_the_core_refuses_the_rest() {
    let app = app();
    let group = invoke(&app, "units", Value::Null).unwrap().as_array().unwrap().iter().find(|u| u["kind"] == "residential_group").unwrap().clone();
    invoke(&app, "user_add", json!({ "login": "xem", "name": "Trần Văn Xem", "role": "viewer", "group_unit_id": null, "password": PASSWORD })).unwrap();
    let err = invoke(&app, "user_add", json!({ "login": "ctv", "name": "Lê Thị Cộng", "role": "collaborator", "group_unit_id": null, "password": "" })).unwrap_err();
    assert_eq!(err["field"], "group");
    // A collaborator's password would open this laptop, which holds the whole ward.
    let err = invoke(&app, "user_add", json!({ "login": "ctv", "name": "Lê Thị Cộng", "role": "collaborator", "group_unit_id": group["id"], "password": PASSWORD })).unwrap_err();
    assert_eq!(err["field"], "password");
    invoke(&app, "user_add", json!({ "login": "ctv", "name": "Lê Thị Cộng", "role": "collaborator", "group_unit_id": group["id"], "password": "" })).unwrap();
    let users = invoke(&app, "users", Value::Null).unwrap();
    assert_eq!(users.as_array().unwrap().len(), 3);
    let doc = invoke(&app, "document_create", json!({ "kind": "report", "period": "half", "source_id": null, "unit_id": null })).unwrap();

    invoke(&app, "lock", Value::Null).unwrap();
    let me = invoke(&app, "log_in", json!({ "login": "xem", "password": PASSWORD })).unwrap();
    assert_eq!(me["actor"]["can"], json!(["read_plan"]));
    let store = probe(&app);
    let before = counts(&store);
    assert_eq!(invoke(&app, "plan_tree", Value::Null).unwrap()["plan"]["year"], 2024);
    let lead = invoke(&app, "plan_tree", Value::Null).unwrap()["assignments"][0].clone();
    for (cmd, req) in [
        ("document_issue", json!({ "id": doc["id"], "issued_on": "1/7/2024", "certificate_id": null, "password": null })),
        ("set_status", json!({ "assignment_id": lead["id"], "status": "done" })),
        ("make_issuing_office", Value::Null),
        ("users", Value::Null),
        ("audit", json!({})),
        ("save_ward", json!({ "name": "X", "parent_authority": "Y", "place_name": "Z", "has_seal": false })),
    ] {
        let err = invoke(&app, cmd, req).expect_err(cmd);
        assert_eq!(err["code"], "forbidden", "{cmd}: {err}");
        assert!(err["message"].as_str().unwrap().starts_with("Vai trò “Chỉ xem” không được"), "{cmd}: {err}");
    }
    assert_eq!(counts(&store), before, "nothing written by a refused command");
}

#[test]
fn the_register_of_children_through_commands() {
    let app = app();
    // The demo's fictional children, searched without tone marks, in official order.
    let all = invoke(&app, "children_search", json!({ "text": "", "on": "", "circumstance": null, "group_unit_id": null, "sex": null, "household": null, "age_from": null, "age_to": null, "include_over_age": true, "offset": 0, "limit": 5 })).unwrap();
    assert_eq!(all["total"], 300);
    assert_eq!(all["demo_children"], 300);
    assert_eq!(all["rows"].as_array().unwrap().len(), 5);
    let units = invoke(&app, "units", Value::Null).unwrap();
    let group = units.as_array().unwrap().iter().find(|u| u["name"] == "Tổ dân phố 2").unwrap()["id"].clone();
    let input = json!({ "full_name": "Khổng Minh Triết", "birth": "12/3/2015", "sex": "male", "id_number": "", "group_unit_id": group,
        "address": "", "guardians": [], "school": "", "class_name": "", "household": "none", "disability": "", "notes": "" });
    let check = invoke(&app, "child_check", json!({ "input": input.clone(), "except": null })).unwrap();
    assert_eq!(check["problems"], json!([]));
    let child = invoke(&app, "child_add", input.clone()).unwrap();
    // A second one is a duplicate the form warns of; a bad date is a problem named by field.
    let again = invoke(&app, "child_check", json!({ "input": input.clone(), "except": null })).unwrap();
    assert_eq!(again["duplicates"][0]["id"], child["id"]);
    let mut bad = input.clone();
    bad["birth"] = json!("31/02/2015");
    let refused = invoke(&app, "child_add", bad).unwrap_err();
    assert_eq!(refused["code"], "invalid_input");
    assert_eq!(refused["field"], "birth");
    let found = invoke(&app, "children_search", json!({ "text": "khong minh", "on": "", "circumstance": null, "group_unit_id": null, "sex": null, "household": null, "age_from": null, "age_to": null, "include_over_age": false, "offset": 0, "limit": 10 })).unwrap();
    assert_eq!(found["rows"][0]["full_name"], "Khổng Minh Triết");
    let page = invoke(&app, "child", json!({ "id": child["id"], "on": "" })).unwrap();
    assert_eq!(page["child"]["group_name"], "Tổ dân phố 2");
    assert_eq!(page["may_manage"], true);
    // A child's history is not read through the generic history command.
    let history = invoke(&app, "history", json!({ "table": "children", "record_id": child["id"] })).unwrap_err();
    assert_eq!(history["code"], "forbidden");
    // Removing the demo's children leaves the ward's own.
    assert_eq!(invoke(&app, "children_remove_demo", Value::Null).unwrap(), 300);
    let left = invoke(&app, "children_search", json!({ "text": "", "on": "", "circumstance": null, "group_unit_id": null, "sex": null, "household": null, "age_from": null, "age_to": null, "include_over_age": true, "offset": 0, "limit": 5 })).unwrap();
    assert_eq!(left["total"], 1);
    assert_eq!(left["demo_children"], 0);
}

#[test]
fn cases_and_the_holiday_table_through_commands_and_who_may_call_them() {
    let app = app();
    // The demo ward's cases: one at every step.
    let list = invoke(&app, "cases_list", Value::Null).unwrap();
    assert_eq!(list.as_array().unwrap().len(), treem::cases::generate::DEMO_CASES);
    let planned = list.as_array().unwrap().iter().find(|c| c["stage"] == "planned").unwrap().clone();
    let decision = invoke(&app, "case_decision", json!({ "id": planned["id"] })).unwrap();
    assert_eq!(decision["kind"], "case_decision");
    assert_eq!(invoke(&app, "case_decision", json!({ "id": planned["id"] })).unwrap()["id"], decision["id"], "the demo's draft, not a second one");

    let child = invoke(&app, "children_search", json!({ "text": "", "on": "", "circumstance": null, "group_unit_id": null, "sex": null, "household": null, "age_from": null, "age_to": null, "include_over_age": false, "offset": 0, "limit": 1 })).unwrap()["rows"][0]["id"].clone();
    let report = json!({ "child_id": child, "new_child": null, "received_at": "", "channel": "school", "abuse_type": "neglect", "setting": "family",
        "place": "", "account": "Nhà trường báo trẻ nghỉ học nhiều ngày.", "taken": "", "informant_consents": false, "informant": null });
    let mut bad = report.clone();
    bad["received_at"] = json!("hôm qua");
    let err = invoke(&app, "case_receive", bad).unwrap_err();
    assert_eq!((err["code"].as_str(), err["field"].as_str()), (Some("invalid_input"), Some("received_at")), "{err}");
    let case = invoke(&app, "case_receive", report.clone()).unwrap();
    let page = invoke(&app, "case_page", json!({ "id": case["id"] })).unwrap();
    assert_eq!(page["stage"], "received");
    assert_eq!(page["next"], json!(["initial"]));
    let page = invoke(&app, "case_assess", json!({ "case_id": case["id"], "done_at": "", "details": { "risk": "medium", "serious_harm": false, "findings": "Trẻ an toàn tạm thời.", "emergency_measures": "", "emergency_at": "" } })).unwrap();
    assert_eq!(page["stage"], "assessed");
    assert_eq!(page["deadlines"][1]["rule"], "5 ngày làm việc kể từ khi tiếp nhận");
    let today = treem::today_in_vietnam().format("%d/%m/%Y").to_string();
    let overview = invoke(&app, "overview", json!({ "today": today })).unwrap();
    assert!(overview["due_soon"].as_array().unwrap().iter().any(|i| i["case_id"] == case["id"] && i["kind"] == "case"), "{overview}");
    let saved = app._dir.path().join("mẫu 04.pdf");
    invoke(&app, "case_form_save", json!({ "id": case["id"], "form": "plan", "path": saved.display().to_string() })).unwrap();
    assert!(std::fs::read(&saved).unwrap().starts_with(b"%PDF-"));
    let year = invoke(&app, "calendar_year", json!({ "year": 2024 })).unwrap();
    assert!(year["days"].as_array().unwrap().iter().any(|d| d["day"] == "2024-02-10" && d["name"] == "Tết Nguyên đán"));
    assert_eq!(year["weekdays_off"], 12);
    invoke(&app, "calendar_set", json!({ "day": "16/02/2024", "kind": "off", "name": "Nghỉ bù" })).unwrap();
    invoke(&app, "calendar_reset", json!({ "day": "16/02/2024" })).unwrap();
    // 2027 has no notice yet: expected, until the officer enters it.
    assert_eq!(invoke(&app, "calendar_year", json!({ "year": 2027 })).unwrap()["expected"], true);
    let noticed = invoke(&app, "calendar_notice", json!({ "year": 2027, "notice": "Văn bản số 1/VPCP-KGVX ngày 20/11/2026" })).unwrap();
    assert!(noticed["expected"] == false && noticed["notice_entered"] == true, "{noticed}");
    // The demo's injuries and checks; the statistics as a workbook.
    let injuries = invoke(&app, "injuries_list", json!({ "year": 2024 })).unwrap();
    assert_eq!(injuries.as_array().unwrap().len(), 3);
    assert!(injuries.as_array().unwrap().iter().any(|i| i["outcome"] == "died" && i["report_issued"] == true));
    assert_eq!(invoke(&app, "labour_checks", json!({ "year": 2024 })).unwrap().as_array().unwrap().len(), 2);
    let labour = invoke(&app, "labour_report", json!({ "year": 2024 })).unwrap();
    assert_eq!((labour["kind"].as_str(), labour["about_year"].as_i64()), (Some("labour_report"), Some(2024)));
    let book = app._dir.path().join("thống kê.xlsx");
    invoke(&app, "statistics_save_xlsx", json!({ "period": { "from": "01/01/2024", "to": "31/12/2024" }, "path": book.display().to_string() })).unwrap();
    assert!(std::fs::read(&book).unwrap().starts_with(b"PK"), "an .xlsx (a zip)");
    let err = invoke(&app, "statistics", json!({ "from": "31/12/2024", "to": "01/01/2024" })).unwrap_err();
    assert_eq!((err["code"].as_str(), err["field"].as_str()), (Some("invalid_input"), Some("to")));

    invoke(&app, "user_add", json!({ "login": "lanhdao", "name": "Võ Thùy Dương", "role": "leader", "group_unit_id": null, "password": PASSWORD })).unwrap();
    invoke(&app, "user_add", json!({ "login": "xem", "name": "Trần Văn Xem", "role": "viewer", "group_unit_id": null, "password": PASSWORD })).unwrap();
    let step = |details: Value| json!({ "case_id": case["id"], "done_at": "", "details": details });
    let text = "Nội dung.";
    let writes: Vec<(&str, Value)> = vec![
        ("case_receive", report.clone()),
        ("case_assess", step(json!({ "risk": "low", "serious_harm": false, "findings": text, "emergency_measures": "", "emergency_at": "" }))),
        ("case_assess_in_detail", step(json!({ "physical": text, "psychological": text, "family": text, "caregivers": text, "needs": text, "meeting_on": "", "meeting_participants": "", "meeting_conclusions": "" }))),
        ("case_plan", step(json!({ "goals": text, "actions": [{ "action": text, "unit_id": null, "due_on": "31/12/2030" }] }))),
        ("case_follow_up", json!({ "case_id": case["id"], "done_at": "", "details": { "note": "Thăm gia đình." } })),
        ("case_review", step(json!({ "remaining_harm": "low", "abuser_access": "low", "care_obstacles": "low", "recovery": text, "outcome": "close", "note": "" }))),
        ("case_action_done", json!({ "id": "x", "done_on": "", "result": "Xong." })),
        ("case_refer", json!({ "case_id": case["id"], "referred_to": "police", "referred_on": "", "reason": "Xác minh." })),
        ("case_referral_outcome", json!({ "id": "x", "outcome": "Đã xử lý.", "outcome_on": "" })),
        ("case_decision", json!({ "id": planned["id"] })),
        ("calendar_set", json!({ "day": "16/02/2024", "kind": "off", "name": "Nghỉ bù" })),
        ("calendar_fill", json!({ "year": 2031 })),
        ("calendar_notice", json!({ "year": 2027, "notice": "Văn bản số 1/VPCP-KGVX" })),
        ("injury_record", json!({ "child_id": child, "new_child": null, "occurred_on": "01/06/2024", "place": "", "cause": "fall", "outcome": "injured", "description": text, "actions": "" })),
        ("injury_report", json!({ "id": "x" })),
        ("labour_check_record", json!({ "checked_on": "01/06/2024", "kind": "business", "place": text, "team_units": [], "team_people": "", "found": [], "findings": text, "required": "", "follow_up": "", "follow_up_on": "" })),
        ("labour_report", json!({ "year": 2024 })),
    ];
    let store = probe(&app);
    let before = counts(&store);
    for (login, reads) in [("lanhdao", true), ("xem", false)] {
        invoke(&app, "lock", Value::Null).unwrap();
        invoke(&app, "log_in", json!({ "login": login, "password": PASSWORD })).unwrap();
        let reading = [
            ("cases_list", Value::Null),
            ("case_page", json!({ "id": case["id"] })),
            ("case_form_print", json!({ "id": case["id"], "form": "receipt" })),
            ("injuries_list", json!({ "year": null })),
            ("labour_checks", json!({ "year": 2024 })),
        ];
        for (cmd, req) in reading {
            if cmd == "case_form_print" && reads {
                continue; // the leader may print; no viewer window in a test
            }
            let answer = invoke(&app, cmd, req);
            assert_eq!(answer.is_ok(), reads, "{login} {cmd}: {answer:?}");
        }
        for (cmd, req) in &writes {
            let err = invoke(&app, cmd, req.clone()).expect_err(cmd);
            assert_eq!(err["code"], "forbidden", "{login} {cmd}: {err}");
        }
        assert_eq!(invoke(&app, "calendar_year", json!({ "year": 2025 })).unwrap()["year"], 2025, "{login} reads the calendar");
        let stats = invoke(&app, "statistics", json!({ "from": "01/01/2024", "to": "31/12/2024" })).unwrap();
        assert!(stats["indicators"].as_array().unwrap().iter().any(|i| i["code"] == "0101"), "{login} reads the statistics");
    }
    // Only the log grew: the locks and logins, and the leader's one look at the case.
    let after = counts(&store);
    let changed: Vec<_> = before.iter().zip(&after).filter(|(b, a)| b != a).map(|(b, _)| b.0.clone()).collect();
    assert_eq!(changed, ["change_log"]);
    let views: Vec<(String, String)> = tauri::async_runtime::block_on(
        sqlx::query_as("SELECT user_name, record_id FROM change_log WHERE table_name = 'cases' AND event = 'view' AND user_name != 'Nguyễn Thị Hoa'").fetch_all(store.pool()),
    )
    .unwrap();
    assert_eq!(views, [("Võ Thùy Dương".to_owned(), case["id"].as_str().unwrap().to_owned())]);
}

#[test]
fn two_laptops_join_exchange_files_and_settle_a_conflict_through_commands() {
    let office = app();
    let join_file = office._dir.path().join("máy tổ 1.treemjoin");
    let answer = invoke(&office, "device_invite", json!({ "name": "Máy tổ dân phố 1", "login": "canbo", "path": join_file.display().to_string() })).unwrap();
    let passphrase = answer["passphrase"].as_str().unwrap().to_owned();

    let laptop = locked_app();
    let taken = laptop._dir.path().join("nhận.treemjoin");
    std::fs::copy(&join_file, &taken).unwrap();
    let facts = invoke(&laptop, "join_facts", json!({ "path": taken.display().to_string() })).unwrap();
    assert_eq!((facts["device_name"].as_str(), facts["role"].as_str()), (Some("Máy tổ dân phố 1"), Some("officer")));
    let wrong = invoke(&laptop, "join_ward", json!({ "path": taken.display().to_string(), "passphrase": "sai", "password": PASSWORD, "repeat": PASSWORD })).unwrap_err();
    assert_eq!(wrong["code"], "sync_file");
    let me = invoke(&laptop, "join_ward", json!({ "path": taken.display().to_string(), "passphrase": passphrase, "password": PASSWORD, "repeat": PASSWORD })).unwrap();
    assert_eq!(me["actor"]["login"], "canbo");
    let devices = invoke(&laptop, "devices", Value::Null).unwrap();
    assert_eq!(devices[0]["name"], "Máy tổ dân phố 1");
    assert_eq!(devices[0]["this_laptop"], true);
    let office_id = devices.as_array().unwrap().iter().find(|d| d["this_laptop"] == false).unwrap()["id"].clone();

    let unit = invoke(&office, "units", Value::Null).unwrap().as_array().unwrap().iter().find(|u| u["name"] == "Công an").unwrap().clone();
    invoke(&office, "rename_unit", json!({ "unit_id": unit["id"], "name": "Công an phường" })).unwrap();
    invoke(&laptop, "rename_unit", json!({ "unit_id": unit["id"], "name": "Công an phường Nguyễn Nghiêm" })).unwrap();
    let planned = invoke(&laptop, "sync_plan_export", json!({ "device_id": office_id, "everything": false, "path": null })).unwrap();
    assert_eq!(planned["records"], 1);
    let file = laptop._dir.path().join("gửi văn phòng.treemsync");
    invoke(&laptop, "sync_export", json!({ "device_id": office_id, "everything": false, "path": file.display().to_string() })).unwrap();
    let received = office._dir.path().join("từ máy tổ 1.treemsync");
    std::fs::copy(&file, &received).unwrap();
    let preview = invoke(&office, "sync_plan_import", json!({ "path": received.display().to_string() })).unwrap();
    assert_eq!((preview["sender"].as_str(), preview["conflicts"].as_i64()), (Some("Máy tổ dân phố 1"), Some(1)));
    let done = invoke(&office, "sync_import", json!({ "path": received.display().to_string() })).unwrap();
    assert_eq!(done["new_entries"], preview["new_entries"]);
    assert_eq!(invoke(&office, "sync_progress", Value::Null).unwrap()["total"], 0, "nothing running after");
    let conflicts = invoke(&office, "conflicts", Value::Null).unwrap();
    assert_eq!(conflicts.as_array().unwrap().len(), 1);
    assert_eq!(conflicts[0]["kept_value"], "Công an phường Nguyễn Nghiêm");
    invoke(&office, "conflict_choose", json!({ "conflict_id": conflicts[0]["id"], "choice": "other" })).unwrap();
    let units = invoke(&office, "units", Value::Null).unwrap();
    assert!(units.as_array().unwrap().iter().any(|u| u["name"] == "Công an phường"));

    let made = invoke(&office, "backup_now", Value::Null).unwrap();
    assert!(made["bytes"].as_u64().unwrap() > 0);
    let backups = invoke(&office, "backups", Value::Null).unwrap();
    assert_eq!(backups["list"].as_array().unwrap().len(), 1);
    assert!(invoke(&office, "backup_daily", Value::Null).unwrap().is_null(), "one made today already");
    let health = invoke(&office, "integrity_check", Value::Null).unwrap();
    assert!(health["problem"].is_null(), "{health}");
    assert!(invoke(&office, "integrity_on_start", Value::Null).unwrap()["problem"].is_null());
    invoke(&office, "rename_unit", json!({ "unit_id": unit["id"], "name": "Công an (sau sao lưu)" })).unwrap();
    let wrong = invoke(&office, "restore", json!({ "path": made["path"], "login": "canbo", "password": "sai" })).unwrap_err();
    assert_eq!(wrong["code"], "wrong_password");
    let restored = invoke(&office, "restore", json!({ "path": made["path"], "login": "canbo", "password": PASSWORD })).unwrap();
    assert!(restored["kept_aside"].is_string());
    let units = invoke(&office, "units", Value::Null).unwrap();
    assert!(units.as_array().unwrap().iter().any(|u| u["name"] == "Công an phường"), "the data as backed up");

    // The ward has a recovery code from its set-up; a new one opens the backups made after it,
    // with a new password for the officer, typed twice.
    assert_eq!(invoke(&office, "backups", Value::Null).unwrap()["has_recovery_code"], true);
    let code = invoke(&office, "recovery_code_renew", Value::Null).unwrap();
    let made = invoke(&office, "backup_now", Value::Null).unwrap();
    let new_password = "mưa rơi trên mái ngói";
    let request = |code: &Value, repeat: &str| json!({ "path": made["path"], "login": "canbo", "password": new_password, "repeat": repeat, "recovery_code": code });
    let err = invoke(&office, "restore", request(&code, "khác")).unwrap_err();
    assert_eq!((err["code"].as_str(), err["field"].as_str()), (Some("invalid_input"), Some("repeat")));
    let err = invoke(&office, "restore", request(&json!("0000-0000-0000-0000-0000-0000-0000-0000"), new_password)).unwrap_err();
    assert!(err["message"].as_str().unwrap().contains("Mã khôi phục này không mở được"), "{err}");
    invoke(&office, "restore", request(&code, new_password)).unwrap();
    invoke(&office, "lock", Value::Null).unwrap();
    let me = invoke(&office, "log_in", json!({ "login": "canbo", "password": new_password })).unwrap();
    assert_eq!(me["actor"]["login"], "canbo");
}

#[test]
fn a_campaign_is_made_its_children_picked_by_criteria_and_its_gifts_handed_over() {
    let app = app();
    let demo = invoke(&app, "campaigns", Value::Null).unwrap();
    assert_eq!(demo.as_array().unwrap().len(), 3, "the demo's 2024 campaigns");
    let err = invoke(&app, "campaign_create", json!({ "name": "", "occasion": "tet", "starts_on": "20/01/2025", "ends_on": "27/01/2025", "theme": "", "node_id": null }))
        .unwrap_err();
    assert_eq!((err["code"].as_str(), err["field"].as_str()), (Some("invalid_input"), Some("name")));
    let id = invoke(&app, "campaign_create", json!({ "name": "Thăm, tặng quà Tết Ất Tỵ 2025", "occasion": "tet", "starts_on": "20/01/2025", "ends_on": "27/01/2025", "theme": "", "node_id": null }))
        .unwrap();
    let id = id.as_str().unwrap();
    let fund = invoke(&app, "fund_add", json!({ "campaign_id": id, "input": { "source": "mobilised", "donor": "Công ty TNHH Minh Phát", "donor_kind": "business", "planned": "20 triệu", "received": "20.000.000", "note": "" } }))
        .unwrap();
    let criteria = json!({ "on": "", "circumstances": [], "households": ["poor", "near_poor"], "age_from": null, "age_to": null, "group_unit_id": null, "school": "", "text": "" });
    let found = invoke(&app, "campaign_candidates", json!({ "campaign_id": id, "criteria": criteria })).unwrap();
    let ids: Vec<&str> = found["rows"].as_array().unwrap().iter().take(4).map(|c| c["child_id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 4);
    let gift = json!({ "kind": "gift", "form": "cash", "description": "Quà Tết", "value": "500.000", "fund_id": fund });
    assert_eq!(invoke(&app, "recipients_add", json!({ "campaign_id": id, "child_ids": ids, "gift": gift })).unwrap(), 4);
    let list = invoke(&app, "hand_over_list", json!({ "campaign_id": id, "group_unit_id": null, "query": "" })).unwrap();
    let first = list[0]["id"].as_str().unwrap();
    invoke(&app, "hand_over", json!({ "id": first, "input": { "on": "", "received_by": "Mẹ" } })).unwrap();
    let page = invoke(&app, "campaign_page", json!({ "id": id })).unwrap();
    assert_eq!((page["campaign"]["gifts"].as_i64(), page["campaign"]["handed_over"].as_i64()), (Some(4), Some(1)));
    assert_eq!(page["campaign"]["money"]["spent"], 500_000);
    assert_eq!(page["campaign"]["money"]["left"], 19_500_000);
    assert_eq!(page["campaign"]["money_text"]["left"], "19.500.000 đ", "written out by the core");
    assert_eq!(page["whole_ward"], true);
    let err = invoke(&app, "recipient_remove", json!({ "id": first })).unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    let path = chosen(&app, "ky-nhan.pdf", b"");
    invoke(&app, "signoff_pdf", json!({ "campaign_id": id, "group_unit_id": null, "path": path })).unwrap();
    assert!(std::fs::read(&path).unwrap().starts_with(b"%PDF"));
    let doc = invoke(&app, "campaign_report", json!({ "id": id })).unwrap();
    assert_eq!(doc["kind"], "campaign_report");
    let words = invoke(&app, "vocabulary", Value::Null).unwrap();
    assert_eq!(words["fund_sources"][0]["label"], "Ngân sách nhà nước");
}

#[test]
fn proposals_are_reviewed_decided_and_their_certificates_placed_on_the_blanks() {
    let app = app();
    let list = invoke(&app, "nominations", json!({ "year": 2024 })).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 3, "the demo's proposals");
    let waiting = list.as_array().unwrap().iter().find(|n| n["status"] == "proposed").unwrap()["id"].as_str().unwrap().to_owned();
    let err = invoke(&app, "nomination_review", json!({ "id": waiting, "approved": false, "note": "" })).unwrap_err();
    assert_eq!(err["field"], "review_note");
    invoke(&app, "nomination_review", json!({ "id": waiting, "approved": true, "note": "" })).unwrap();
    let doc = invoke(&app, "commendation_decision", json!({ "year": 2024 })).unwrap();
    assert_eq!((doc["kind"].as_str(), doc["symbol"].as_str()), (Some("commendation"), Some("QĐ-UBND")));
    let mut layout = invoke(&app, "certificate_layout", Value::Null).unwrap();
    assert_eq!(layout["name"]["x"], 148.5);
    layout["name"]["y"] = json!(60.0);
    invoke(&app, "certificate_layout_set", layout).unwrap();
    assert_eq!(invoke(&app, "certificate_layout", Value::Null).unwrap()["name"]["y"], 60.0);
    let err = invoke(&app, "certificates_pdf", json!({ "ids": [waiting], "on_blanks": true, "path": chosen(&app, "gk.pdf", b"") })).unwrap_err();
    assert_eq!(err["code"], "invalid_input", "no certificate before the decision is issued");
}
