//! End to end: the real built app under Xvfb, driven through tauri-driver and WebKitWebDriver.
//! Run by `scripts/test` (it builds the app, starts Xvfb and sets DISPLAY); ignored in a plain
//! `cargo test` because it needs a display and the driver.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const DRIVER: &str = "http://127.0.0.1:4444";
const PASSWORD: &str = "đồng hồ cát xanh lá";
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver(Child);

impl Drop for Driver {
    /// Ends tauri-driver with the WebKitWebDriver and app it started (one process group).
    fn drop(&mut self) {
        #[cfg(unix)]
        let _ = Command::new("kill").args(["--", &format!("-{}", self.0.id())]).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn start_driver(db: &std::path::Path) -> Driver {
    let native = std::env::var("WEBKIT_WEBDRIVER").unwrap_or_else(|_| "/usr/bin/WebKitWebDriver".into());
    let log = std::fs::File::create(workspace().join("artifacts/tauri-driver.log")).unwrap();
    let mut command = Command::new(std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into()));
    command.args(["--port", "4444", "--native-driver", &native]).env("TREEM_DB", db).stdout(Stdio::from(log.try_clone().unwrap())).stderr(Stdio::from(log));
    // Its own process group, so that ending the test ends the driver and the app it started.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let child = command.spawn().expect("tauri-driver is installed (cargo install tauri-driver)");
    let start = Instant::now();
    while TcpStream::connect("127.0.0.1:4444").is_err() {
        assert!(start.elapsed() < Duration::from_secs(30), "tauri-driver did not start");
        std::thread::sleep(Duration::from_millis(200));
    }
    Driver(child)
}

/// A database set up by the officer "canbo" with the demo ward, before the app starts.
fn demo_ward(db: &std::path::Path) {
    tauri::async_runtime::block_on(async {
        let (store, officer, _) = treem::auth::set_up(db, "canbo", "Nguyễn Thị Hoa", PASSWORD).await.unwrap();
        treem::demo::load(&store, &officer).await.unwrap();
        store.close().await;
    });
}

struct Session {
    id: String,
}

/// Every WebDriver call gives up after a minute rather than hang the test run.
fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().timeout(Duration::from_secs(60)).build()
}

fn get(path: &str) -> Value {
    match agent().get(&format!("{DRIVER}{path}")).call() {
        Ok(r) => r.into_json().unwrap(),
        Err(e) => panic!("{path}: {e}"),
    }
}

fn post(path: &str, body: Value) -> Value {
    let resp = agent().post(&format!("{DRIVER}{path}")).send_json(body);
    match resp {
        Ok(r) => r.into_json().unwrap(),
        Err(ureq::Error::Status(code, r)) => panic!("{path}: {code} {}", r.into_string().unwrap_or_default()),
        Err(e) => panic!("{path}: {e}"),
    }
}

impl Session {
    fn open() -> Session {
        Session::open_app(&std::env::var("TREEM_APP").map(PathBuf::from).unwrap_or_else(|_| workspace().join("target/debug/cong-tac-tre-em")))
    }

    fn open_app(app: &std::path::Path) -> Session {
        Session::open_app_on(app, &[])
    }

    /// The app started with `args` on its command line, as the file manager starts it on a file.
    fn open_app_on(app: &std::path::Path, args: &[&std::path::Path]) -> Session {
        assert!(app.exists(), "build the app first: {}", app.display());
        let caps = json!({ "capabilities": { "alwaysMatch": { "browserName": "wry", "tauri:options": { "application": app, "args": args } } } });
        // The first connection can fail while the driver warms up: retry.
        let mut last = String::new();
        for _ in 0..5 {
            match agent().post(&format!("{DRIVER}/session")).send_json(caps.clone()) {
                Ok(r) => {
                    let v: Value = r.into_json().unwrap();
                    return Session { id: v["value"]["sessionId"].as_str().unwrap().to_owned() };
                }
                Err(e) => {
                    last = e.to_string();
                    std::thread::sleep(Duration::from_secs(1));
                }
            }
        }
        panic!("no session: {last}");
    }

    fn url(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.id)
    }

    /// Waits for an element matching `css` (and containing `text`, if given). Matching runs in
    /// the page, which stays quick however busy WebKit's element-text endpoint is.
    fn find(&self, css: &str, text: Option<&str>) -> String {
        let start = Instant::now();
        let script = "const [css, text] = arguments; \
            return [...document.querySelectorAll(css)].find(e => !text || e.textContent.includes(text)) || null;";
        loop {
            let found = post(&self.url("/execute/sync"), json!({ "script": script, "args": [css, text] }));
            if let Some(id) = found["value"][ELEMENT_KEY].as_str() {
                return id.to_owned();
            }
            assert!(start.elapsed() < Duration::from_secs(20), "no element {css} with {text:?}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn text(&self, el: &str) -> String {
        let arg = json!({ ELEMENT_KEY: el });
        let v = post(&self.url("/execute/sync"), json!({ "script": "return arguments[0].textContent;", "args": [arg] }));
        v["value"].as_str().unwrap_or_default().trim().to_owned()
    }

    fn attr(&self, el: &str, name: &str) -> String {
        let arg = json!({ ELEMENT_KEY: el });
        let v = post(&self.url("/execute/sync"), json!({ "script": "return arguments[0].getAttribute(arguments[1]);", "args": [arg, name] }));
        v["value"].as_str().unwrap_or_default().to_owned()
    }

    fn click(&self, el: &str) {
        post(&self.url(&format!("/element/{el}/click")), json!({}));
    }

    fn type_text(&self, el: &str, text: &str) {
        post(&self.url(&format!("/element/{el}/value")), json!({ "text": text }));
    }

    fn script(&self, script: &str) -> Value {
        post(&self.url("/execute/sync"), json!({ "script": script, "args": [] }))["value"].clone()
    }

    /// The screen as a person sees it, taken from the X server (WebKitWebDriver's own snapshot
    /// can hang once pdf.js has drawn in the page).
    fn screenshot(&self, name: &str) {
        // No test damages the data: an alarm on screen is a false one.
        let alarm = self.script("return document.querySelector('[data-testid=damaged]')?.textContent ?? null;");
        assert!(alarm.is_null(), "{name}: the window says the data is damaged: {alarm}");
        let path = workspace().join("artifacts").join(name);
        let taken = Command::new("import").args(["-window", "root"]).arg(&path).status();
        assert!(taken.is_ok_and(|s| s.success()), "screenshot {name} (ImageMagick's import, under Xvfb)");
    }

    /// Replaces what a field holds with `text`.
    fn retype(&self, el: &str, text: &str) {
        post(&self.url(&format!("/element/{el}/clear")), json!({}));
        self.type_text(el, text);
    }

    /// Logs in on the login page and waits for the window behind it.
    fn log_in(&self, login: &str, password: &str) {
        self.retype(&self.find("[data-testid=login-name]", None), login);
        self.retype(&self.find("[data-testid=login-password]", None), password);
        self.click(&self.find("[data-testid=login-submit]", None));
        self.find("[data-testid=who]", None);
    }

    /// The first start: the officer "canbo" sets up the ward and lands on the demo ward's overview.
    fn set_up_as_officer(&self) {
        self.find("[data-testid=setup-warning]", None);
        self.type_text(&self.find("[data-testid=setup-login]", None), "canbo");
        self.type_text(&self.find("[data-testid=setup-name]", None), "Nguyễn Thị Hoa");
        self.type_text(&self.find("[data-testid=setup-password]", None), PASSWORD);
        self.type_text(&self.find("[data-testid=setup-repeat]", None), PASSWORD);
        self.click(&self.find("[data-testid=setup-submit]", None));
        // The recovery code is shown once; the app opens only once it is said to be written down.
        let code = self.text(&self.find("[data-testid=recovery-code]", None));
        assert_eq!(code.len(), 39, "eight groups of four: {code}");
        self.screenshot("e2e-recovery-code.png");
        let disabled = post(&self.url("/execute/sync"), json!({ "script": "return document.querySelector('[data-testid=recovery-continue]').disabled;", "args": [] }));
        assert_eq!(disabled["value"].as_bool(), Some(true), "not before it is written down");
        self.click(&self.find("[data-testid=recovery-written]", None));
        self.click(&self.find("[data-testid=recovery-continue]", None));
        self.find("[data-testid=late-count]", None);
    }

    fn close(self) {
        let _ = agent().delete(&format!("{DRIVER}{}", self.url(""))).call();
    }
}

#[test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through scripts/test"]
fn a_status_and_note_set_in_the_window_are_there_after_restart() {
    std::fs::create_dir_all(workspace().join("artifacts")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("treem.db");
    let _driver = start_driver(&db);
    let note = "Đã tổ chức lễ phát động Tháng hành động tại Nhà văn hóa tổ dân phố 2.";

    // First start: the officer's account, then the demo ward.
    let s = Session::open();
    s.find("[data-testid=setup-warning]", None);
    s.screenshot("e2e-first-start.png");
    s.set_up_as_officer();
    s.find("[data-testid=who]", Some("Nguyễn Thị Hoa"));
    // The window fills a 1366×768 laptop screen.
    let rect = get(&s.url("/window/rect"))["value"].clone();
    assert!(rect["width"].as_i64().unwrap() >= 1366 && rect["height"].as_i64().unwrap() >= 700, "{rect}");
    s.screenshot("e2e-overview.png");
    s.click(&s.find("a[href='#/ke-hoach']", None));
    let link = s.find("[data-testid=activity-link]", Some("Tổ chức Tháng hành động vì trẻ em năm 2024"));
    let route = s.attr(&link, "href");
    s.click(&link);
    let block = s.find("[data-testid=unit-block]", None);
    let unit = s.attr(&block, "data-unit");
    assert!(!unit.is_empty());
    // Choosing a status saves nothing until "Lưu tình trạng"; the undo stands beside the unit.
    let choose_done = || {
        s.click(&s.find("[data-testid=unit-block] [data-testid=status-select] option[value=done]", None));
        s.click(&s.find("[data-testid=unit-block] [data-testid=status-save]", None));
        s.find("[data-testid=unit-block] [data-testid=status-badge]", Some("Hoàn thành"));
    };
    choose_done();
    s.click(&s.find("[data-testid=unit-block] [data-testid=undo]", None));
    s.find("[data-testid=unit-block] [data-testid=unit-notice]", Some("Đã hoàn tác"));
    s.find("[data-testid=unit-block] [data-testid=status-badge]", Some("Chưa bắt đầu"));
    choose_done();
    s.type_text(&s.find("[data-testid=unit-block] [data-testid=note-text]", None), note);
    s.click(&s.find("[data-testid=unit-block] [data-testid=note-save]", None));
    s.find("[data-testid=note]", Some(note));
    // The change is in the unit's history, from the change log.
    s.click(&s.find("[data-testid=unit-block] details summary", None));
    s.find("[data-testid=unit-block] .history li", Some("Tình trạng: Chưa bắt đầu → Hoàn thành"));
    s.screenshot("e2e-activity.png");

    // Ctrl+L locks; the password unlocks, back on the same page.
    s.script("document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'l', code: 'KeyL', ctrlKey: true, bubbles: true }));");
    s.find("[data-testid=login-notice]", Some("Đã khóa màn hình"));
    assert!(!s.text(&s.find("body", None)).contains(note), "nothing of the page shows while locked");
    s.screenshot("e2e-locked.png");
    s.type_text(&s.find("[data-testid=login-password]", None), "sai mật khẩu");
    s.click(&s.find("[data-testid=login-submit]", None));
    s.find("body", Some("mật khẩu không đúng"));
    s.log_in("canbo", PASSWORD);
    s.find("[data-testid=note]", Some(note));
    s.close();

    // The app starts again on the same database: locked until someone logs in.
    let s = Session::open();
    s.log_in("canbo", PASSWORD);
    s.find("[data-testid=late-count]", None);
    s.script(&format!("location.hash = {};", json!(route)));
    let block = s.find("[data-testid=unit-block]", None);
    assert_eq!(s.attr(&block, "data-unit"), unit);
    let badge = s.find("[data-testid=unit-block] [data-testid=status-badge]", None);
    assert_eq!(s.text(&badge), "Hoàn thành");
    let saved = s.find("[data-testid=note]", None);
    assert!(s.text(&saved).contains(note), "{}", s.text(&saved));
    s.screenshot("e2e-after-restart.png");

    // The unit's own page lists its activities, the one just done among them.
    s.script("location.hash = '#/don-vi';");
    s.click(&s.find("a[href^='#/don-vi/']", Some(&unit)));
    s.find("[data-testid=unit-page]", Some(&unit));
    s.find("[data-testid=unit-activity]", Some("Hoàn thành"));
    s.find("[data-testid=reminder-create]", None);
    s.screenshot("e2e-unit.png");
    s.close();
}

#[test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through scripts/test"]
fn a_report_issued_in_the_window_is_in_the_register_and_verifies() {
    std::fs::create_dir_all(workspace().join("artifacts")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("treem.db");
    // The ward as the officer left it: the demo, and a viewer's account.
    demo_ward(&db);
    tauri::async_runtime::block_on(async {
        let (store, officer) = treem::auth::log_in(&db, "canbo", PASSWORD).await.unwrap();
        let viewer = treem::auth::NewUser { login: "xem", name: "Trần Văn Xem", role: treem::auth::UserRole::Viewer, group_unit_id: None, password: PASSWORD };
        treem::auth::add_user(&store, &officer, viewer).await.unwrap();
        store.close().await;
    });
    let _driver = start_driver(&db);
    let s = Session::open();
    s.log_in("canbo", PASSWORD);
    s.find("[data-testid=late-count]", None);

    // A signer's internal certificate.
    s.script("location.hash = '#/chung-thu';");
    s.type_text(&s.find("[data-testid=cert-name]", None), "Võ Thùy Dương");
    s.type_text(&s.find("[data-testid=cert-password]", None), "mat-khau-123");
    s.type_text(&s.find("[data-testid=cert-password2]", None), "mat-khau-123");
    s.click(&s.find("[data-testid=cert-create]", None));
    s.find("[data-testid=certificates]", Some("Võ Thùy Dương"));

    // The 6-month report, issued and signed.
    s.script("location.hash = '#/van-ban';");
    s.click(&s.find("[data-testid=new-report-half]", None));
    s.find("[data-testid=narrative-results]", None);
    s.find("[data-testid=pdf-preview] canvas", None);
    s.click(&s.find("[data-testid=issue-open]", None));
    s.type_text(&s.find("[data-testid=signer-password]", None), "mat-khau-123");
    s.click(&s.find("[data-testid=issue-confirm]", None));
    s.find("[data-testid=doc-status]", Some("Số 01/BC-UBND"));
    s.find("[data-testid=doc-status]", Some("ký số bởi Võ Thùy Dương"));
    s.find("[data-testid=pdf-preview] canvas", None);
    std::thread::sleep(Duration::from_millis(800));
    s.screenshot("e2e-report-issued.png");

    // In the register with its number; verified from there.
    s.script("location.hash = '#/so-van-ban';");
    let number = s.find("[data-testid=register-number]", Some("01/BC-UBND"));
    s.click(&number);
    s.click(&s.find("[data-testid=verify]", None));
    let result = s.find("[data-testid=verification]", None);
    let text = s.text(&result);
    assert!(text.contains("Tệp còn nguyên vẹn từ khi ký") && text.contains("chứng thư nội bộ của phường"), "{text}");
    assert!(text.contains("Võ Thùy Dương"), "{text}");

    // A viewer reads the register and the document, and is offered nothing to change.
    s.click(&s.find("[data-testid=lock]", None));
    s.log_in("xem", PASSWORD);
    s.find("[data-testid=who]", Some("Trần Văn Xem"));
    s.script("location.hash = '#/so-van-ban';");
    s.click(&s.find("[data-testid=register-number]", Some("01/BC-UBND")));
    s.find("[data-testid=doc-status]", Some("Số 01/BC-UBND"));
    s.script("location.hash = '#/van-ban';");
    s.find("h1", None);
    std::thread::sleep(Duration::from_millis(500));
    let page = s.text(&s.find("body", None));
    assert!(!page.contains("Cấp số và ký"), "a viewer is offered no issuing: {page}");
    assert!(!page.contains("Nhập kế hoạch") && !page.contains("Tài khoản") && !page.contains("Nhật ký"), "{page}");
    s.screenshot("e2e-viewer.png");

    // The officer's audit trail shows the viewer's login, and the chain is whole.
    s.click(&s.find("[data-testid=lock]", None));
    s.log_in("canbo", PASSWORD);
    s.script("location.hash = '#/nhat-ky';");
    s.find("[data-testid=chain-check]", Some("nguyên vẹn"));
    s.find("[data-testid=audit-line]", Some("Trần Văn Xem"));
    s.screenshot("e2e-audit.png");
    s.close();
}

#[test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through scripts/test"]
fn a_workbook_imported_in_the_window_is_found_typing_without_tones() {
    std::fs::create_dir_all(workspace().join("artifacts")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("treem.db");
    demo_ward(&db);
    // A workbook as a ward keeps it: a title, then the header, groups written short.
    let workbook = dir.path().join("danh-sách trẻ em.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "DANH SÁCH TRẺ EM CÓ HOÀN CẢNH ĐẶC BIỆT").unwrap();
    for (c, h) in ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Tổ dân phố", "Hoàn cảnh đặc biệt"].iter().enumerate() {
        sheet.write_string(2, c as u16, *h).unwrap();
    }
    for (r, row) in [["1", "Khổng Minh Triết", "12/03/2015", "Nam", "TDP 3", "Khuyết tật"], ["2", "Khổng Thị Ơn", "2018", "Nữ", "Tổ 3", ""]].iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(3 + r as u32, c as u16, *v).unwrap();
        }
    }
    book.save(&workbook).unwrap();

    let _driver = start_driver(&db);
    let s = Session::open();
    s.log_in("canbo", PASSWORD);
    s.find("[data-testid=late-count]", None);
    s.click(&s.find("a[href='#/tre-em']", None));
    s.find("[data-testid=child-count]", Some("trẻ, tính đến ngày"));
    s.find("[data-testid=child-row]", None);
    s.find("[data-testid=demo-children]", Some(&format!("{} trẻ em mẫu", treem::demo::DEMO_CHILDREN)));
    s.screenshot("e2e-children.png");

    // The records that look like one child, for the officer to look at (the demo's may hold some).
    s.click(&s.find("[data-testid=children-duplicates]", None));
    s.find("h1", Some("Hồ sơ có thể trùng"));
    let said = s.text(&s.find("[data-testid=no-duplicates], [data-testid=duplicates-count]", None));
    assert!(said.contains("Không thấy hồ sơ nào có thể trùng") || said.contains("cặp hồ sơ có thể trùng"), "{said}");
    s.screenshot("e2e-children-duplicates.png");
    s.script("location.hash = '#/tre-em';");

    // The wizard: the file, the columns guessed, every row checked, then the import.
    s.click(&s.find("[data-testid=children-import]", None));
    let picker = s.find("#children-file", None);
    let arg = json!({ ELEMENT_KEY: picker });
    post(&s.url("/execute/sync"), json!({ "script": "arguments[0].dispatchEvent(new CustomEvent('treempick', { detail: arguments[1] }));", "args": [arg, workbook] }));
    s.find("[data-testid=import-summary]", Some("2 dòng hợp lệ"));
    s.find("[data-testid=import-columns]", Some("Họ và tên"));
    s.screenshot("e2e-children-import.png");
    s.click(&s.find("[data-testid=import-commit]", None));
    s.find("[data-testid=import-result]", Some("Đã nhập 2 trẻ"));

    // Found as one types, without tone marks; opened.
    s.script("location.hash = '#/tre-em';");
    s.type_text(&s.find("[data-testid=child-search]", None), "khong minh triet");
    s.find("[data-testid=child-count]", Some("1 trẻ"));
    s.click(&s.find("[data-testid=child-row]", Some("Khổng Minh Triết")));
    let page = s.find("[data-testid=child-page]", Some("Khổng Minh Triết"));
    let text = s.text(&page);
    assert!(text.contains("Tổ dân phố 3") && text.contains("12/03/2015"), "{text}");
    s.find("body", Some("d) Khuyết tật"));
    s.screenshot("e2e-child.png");
    // Removed with a reason, then brought back from the register's page.
    s.click(&s.find("[data-testid=child-remove-open]", None));
    s.type_text(&s.find("[data-testid=child-remove-reason]", None), "Nhập nhầm");
    s.click(&s.find("[data-testid=child-remove]", None));
    s.find("[data-testid=child-removed]", Some("Đã xóa hồ sơ của Khổng Minh Triết"));
    s.click(&s.find("[data-testid=child-undo]", None));
    s.find("body", Some("Đã khôi phục hồ sơ của Khổng Minh Triết"));
    s.retype(&s.find("[data-testid=child-search]", None), "khong minh triet");
    s.find("[data-testid=child-row]", Some("Khổng Minh Triết"));
    s.close();

    // The look is in the audit trail.
    tauri::async_runtime::block_on(async {
        let (store, officer) = treem::auth::log_in(&db, "canbo", PASSWORD).await.unwrap();
        let lines = treem::audit::list(&store, &officer, &Default::default()).await.unwrap();
        assert!(lines.iter().any(|l| l.action == "Xem hồ sơ" && l.table == "Hồ sơ trẻ em"), "the view is audited");
        store.close().await;
    });
}

#[test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through scripts/test"]
fn a_report_received_and_assessed_shows_its_plan_deadline_and_prints_the_plan_form() {
    std::fs::create_dir_all(workspace().join("artifacts")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("treem.db");
    demo_ward(&db);
    let child: String = tauri::async_runtime::block_on(async {
        let (store, _) = treem::auth::log_in(&db, "canbo", PASSWORD).await.unwrap();
        let name = sqlx::query_scalar("SELECT full_name FROM children WHERE birth_year = 2015 ORDER BY id LIMIT 1").fetch_one(store.pool()).await.unwrap();
        store.close().await;
        name
    });
    let _driver = start_driver(&db);
    let s = Session::open();
    s.log_in("canbo", PASSWORD);
    s.find("[data-testid=late-count]", None);

    // Receiving the report: the child found in the register without tone marks.
    s.click(&s.find("a[href='#/vu-viec']", None));
    s.click(&s.find("[data-testid=case-new]", None));
    s.type_text(&s.find("[data-testid=case-child-search]", None), &treem::text::fold(&child));
    s.click(&s.find("[data-testid=case-child-option]", Some(&child)));
    s.find("[data-testid=case-child-chosen]", Some(&child));
    let choose = "const [id, value] = arguments; const el = document.getElementById(id); el.value = value; el.dispatchEvent(new Event('change', { bubbles: true }));";
    for (id, value) in [("channel", "hotline_111"), ("abuse_type", "violence"), ("setting", "family")] {
        post(&s.url("/execute/sync"), json!({ "script": choose, "args": [id, value] }));
    }
    s.type_text(&s.find("#account", None), "Tổng đài 111 chuyển thông tin trẻ bị cha đánh.");
    s.click(&s.find("[data-testid=case-receive-submit]", None));
    s.find("[data-testid=case-stage]", Some("Đã tiếp nhận"));
    s.find("[data-testid=case-deadlines]", Some("12 giờ kể từ khi tiếp nhận"));

    // The initial assessment; then the plan's 5 working days are what is due.
    post(&s.url("/execute/sync"), json!({ "script": choose, "args": ["risk", "medium"] }));
    s.type_text(&s.find("#findings", None), "Trẻ có vết bầm ở tay; mẹ hợp tác.");
    s.click(&s.find("[data-testid=step-submit]", None));
    s.find("[data-testid=case-stage]", Some("chờ đánh giá chi tiết"));
    let deadlines = s.text(&s.find("[data-testid=case-deadlines]", Some("5 ngày làm việc kể từ khi tiếp nhận")));
    assert!(deadlines.contains("Lập kế hoạch hỗ trợ, can thiệp (Mẫu 04)"), "{deadlines}");
    s.script("document.querySelector('h1').scrollIntoView();");
    s.screenshot("e2e-case.png");
    let case_url = s.script("return location.hash;");

    s.click(&s.find("a[href='#/tong-quan']", None));
    let due = s.text(&s.find("[data-testid=due-soon]", Some("5 ngày làm việc kể từ khi tiếp nhận")));
    assert!(due.contains("Vụ việc 01/") && !due.contains(&child), "the overview names the case by number only: {due}");
    s.screenshot("e2e-overview-cases.png");

    // The plan form (Mẫu 04) saved where the officer chose.
    s.script(&format!("location.hash = {case_url};"));
    let save = s.find("[data-testid=form-save-plan]", None);
    let pdf = dir.path().join("kế hoạch can thiệp.pdf");
    post(&s.url("/execute/sync"), json!({ "script": "arguments[0].dispatchEvent(new CustomEvent('treemsave', { detail: arguments[1] }));", "args": [json!({ ELEMENT_KEY: save }), pdf] }));
    s.find("[data-testid=form-saved]", None);

    // The holiday table the deadlines count by: Tết 2024 as announced.
    s.click(&s.find("a[href='#/lich-nghi']", None));
    s.retype(&s.find("#cal_year", None), "2024");
    s.click(&s.find("button[type=submit]", Some("Xem")));
    // Tết Giáp Thìn began on Thursday 08/02/2024: a day only 2024's table holds.
    s.find("[data-testid=calendar-days]", Some("08/02/2024"));
    s.find("h2", Some("Năm 2024"));
    s.find("[data-testid=calendar-source]", Some("6150/TB-LĐTBXH"));
    s.screenshot("e2e-calendar.png");
    s.close();
    let text = Command::new("pdftotext").arg(&pdf).arg("-").output().expect("pdftotext").stdout;
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains("KẾ HOẠCH HỖ TRỢ, CAN THIỆP") && text.contains(&child) && text.contains("Mẫu số 04"), "{text}");
}

#[test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through scripts/test"]
fn the_statistics_show_as_tables_and_charts_and_save_as_a_workbook() {
    std::fs::create_dir_all(workspace().join("artifacts")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("treem.db");
    demo_ward(&db);
    tauri::async_runtime::block_on(async {
        let (store, officer) = treem::auth::log_in(&db, "canbo", PASSWORD).await.unwrap();
        treem::cases::generate::add_demo(&store, &officer).await.unwrap();
        store.close().await;
    });
    let _driver = start_driver(&db);
    let s = Session::open();
    s.log_in("canbo", PASSWORD);
    s.find("[data-testid=late-count]", None);

    s.click(&s.find("a[href='#/thong-ke']", None));
    s.retype(&s.find("#from", None), "01/01/2024");
    s.retype(&s.find("#to", None), "31/12/2024");
    s.click(&s.find("[data-testid=stats-show]", None));
    let abuse = s.text(&s.find("[data-testid=indicator]", Some("Số trẻ em bị xâm hại")));
    assert!(abuse.contains("0101") && abuse.contains("Bạo lực"), "{abuse}");
    let charts = s.script("return document.querySelectorAll('[data-testid=indicator] canvas').length;");
    assert!(charts.as_u64().unwrap_or(0) >= 8, "a chart for each breakdown: {charts}");
    s.screenshot("e2e-statistics.png");
    let book = dir.path().join("thống kê 2024.xlsx");
    let save = s.find("[data-testid=stats-save]", None);
    post(&s.url("/execute/sync"), json!({ "script": "arguments[0].dispatchEvent(new CustomEvent('treemsave', { detail: arguments[1] }));", "args": [json!({ ELEMENT_KEY: save }), book] }));
    let start = Instant::now();
    while !book.exists() {
        assert!(start.elapsed() < Duration::from_secs(20), "the workbook was saved");
        std::thread::sleep(Duration::from_millis(200));
    }

    // The demo's drowning, its urgent report already sent.
    s.click(&s.find("a[href='#/tai-nan']", None));
    let choose = "const [id, value] = arguments; const el = document.getElementById(id); el.value = value; el.dispatchEvent(new Event('change', { bubbles: true }));";
    post(&s.url("/execute/sync"), json!({ "script": choose, "args": ["injury-year", "2024"] }));
    s.find("[data-testid=injury-row]", Some("Đuối nước"));
    s.screenshot("e2e-injuries.png");

    // The year's checks of child labour, and the list of cases with no details of what happened.
    s.click(&s.find("a[href='#/lao-dong-tre-em']", None));
    post(&s.url("/execute/sync"), json!({ "script": choose, "args": ["check-year", "2024"] }));
    s.find("[data-testid=checks]", Some("Quán ăn Hương Quê"));
    s.screenshot("e2e-labour-checks.png");
    s.click(&s.find("a[href='#/vu-viec']", None));
    let list = s.text(&s.find("[data-testid=cases]", Some("Quá hạn")));
    assert!(!list.contains("Tổng đài 111 chuyển thông tin"), "the list shows no account of what happened");
    s.screenshot("e2e-cases.png");
    s.close();
}

/// Renames a unit in a database while no app has it open (the edit another person made).
fn rename_unit(db: &std::path::Path, from: &str, to: &str) {
    tauri::async_runtime::block_on(async {
        let (store, actor) = treem::auth::log_in(db, "canbo", PASSWORD).await.unwrap();
        let unit = treem::ward::unit_named(&store, &actor, from).await.unwrap();
        treem::ward::rename_unit(&store, &actor, treem::Source::Cli, &unit.id, to).await.unwrap();
        store.close().await;
    });
}

/// Answers the system's file dialog of `button` with `path` (as the pages' test hooks allow).
fn answer_dialog(s: &Session, button: &str, event: &str, path: &std::path::Path) {
    let script = "arguments[0].dispatchEvent(new CustomEvent(arguments[1], { detail: arguments[2] }));";
    post(&s.url("/execute/sync"), json!({ "script": script, "args": [json!({ ELEMENT_KEY: button }), event, path] }));
}

#[test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through scripts/test"]
fn a_laptop_joined_in_the_window_sends_a_file_whose_change_and_conflict_the_office_sees() {
    std::fs::create_dir_all(workspace().join("artifacts")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let office = dir.path().join("office/treem.db");
    let laptop = dir.path().join("laptop/treem.db");
    std::fs::create_dir_all(office.parent().unwrap()).unwrap();
    demo_ward(&office);
    let join_file = dir.path().join("kết nạp.treemjoin");
    let to_office = dir.path().join("gửi văn phòng.treemsync");

    // The office's window: a join file for the new laptop, and its one-time passphrase.
    let passphrase = {
        let _driver = start_driver(&office);
        let s = Session::open();
        s.log_in("canbo", PASSWORD);
        // A collaborator's account is added without a password: this laptop holds the whole ward.
        s.click(&s.find("a[href='#/tai-khoan']", None));
        s.type_text(&s.find("#ua-login", None), "ctv1");
        s.type_text(&s.find("#ua-name", None), "Lê Thị Mai");
        s.click(&s.find("#ua-role option[value=collaborator]", None));
        s.click(&s.find("#ua-group option", Some("Tổ dân phố 1")));
        s.find("form p.hint", Some("không đăng nhập trên máy này"));
        assert_eq!(s.script("return document.querySelector('#ua-password') === null;"), Value::Bool(true), "no password field for a collaborator");
        s.click(&s.find("button", Some("Thêm tài khoản")));
        s.find("[data-testid=notice]", Some("kết nạp máy cho cộng tác viên"));
        s.find("[data-testid=account-row]", Some("Mật khẩu đặt trên máy của cộng tác viên"));
        s.screenshot("e2e-accounts-collaborator.png");
        s.click(&s.find("a[href='#/dong-bo']", None));
        s.click(&s.find("a[href='#/thiet-bi']", None));
        s.type_text(&s.find("[data-testid=device-name]", None), "Máy tổ dân phố 1");
        s.click(&s.find("[data-testid=device-user] option[value=canbo]", None));
        answer_dialog(&s, &s.find("[data-testid=device-invite]", None), "treemsave", &join_file);
        let passphrase = s.text(&s.find("[data-testid=passphrase]", None));
        s.find("[data-testid=device-row]", Some("Máy tổ dân phố 1"));
        s.screenshot("e2e-devices.png");
        s.close();
        passphrase
    };
    assert_eq!(passphrase.len(), 23, "{passphrase}");

    // The new laptop's first start: it joins the ward with the file and the passphrase.
    {
        let _driver = start_driver(&laptop);
        let s = Session::open();
        s.click(&s.find("[data-testid=setup-join-toggle]", None));
        answer_dialog(&s, &s.find("button", Some("Chọn tệp kết nạp")), "treempick", &join_file);
        s.find("[data-testid=join-facts]", Some("Máy tổ dân phố 1"));
        s.type_text(&s.find("[data-testid=join-passphrase]", None), &passphrase);
        s.type_text(&s.find("[data-testid=join-password]", None), PASSWORD);
        s.type_text(&s.find("[data-testid=join-repeat]", None), PASSWORD);
        s.screenshot("e2e-join.png");
        s.click(&s.find("[data-testid=join-submit]", None));
        s.find("[data-testid=who]", Some("Nguyễn Thị Hoa"));
        s.close();
    }

    // Both rename the police unit before they meet; the laptop also renames the health station.
    rename_unit(&office, "Công an", "Công an phường (văn phòng)");
    rename_unit(&laptop, "Công an", "Công an phường (máy tổ 1)");
    rename_unit(&laptop, "Trạm Y tế", "Trạm Y tế phường Nguyễn Nghiêm");

    // The laptop's window: what the file for the office carries, then the file.
    {
        let _driver = start_driver(&laptop);
        let s = Session::open();
        s.log_in("canbo", PASSWORD);
        s.click(&s.find("a[href='#/dong-bo']", None));
        s.find("[data-testid=sync-outgoing]", Some("2 bản ghi"));
        answer_dialog(&s, &s.find("[data-testid=sync-send]", None), "treemsave", &to_office);
        s.find("[data-testid=sync-sent]", Some("Máy văn phòng"));
        s.close();
    }

    // The office's window: the file shown first, merged, the change there, the conflict kept.
    let _driver = start_driver(&office);
    let s = Session::open();
    s.log_in("canbo", PASSWORD);
    s.click(&s.find("a[href='#/dong-bo']", None));
    answer_dialog(&s, &s.find("button", Some("Chọn tệp đồng bộ")), "treempick", &to_office);
    s.find("[data-testid=sync-incoming]", Some("Máy tổ dân phố 1"));
    s.click(&s.find("[data-testid=sync-merge]", None));
    s.find("[data-testid=sync-received]", Some("1 xung đột mới"));
    s.screenshot("e2e-sync.png");
    s.click(&s.find("a[href='#/don-vi']", None));
    s.find("main", Some("Trạm Y tế phường Nguyễn Nghiêm"));
    s.click(&s.find("a[href='#/dong-bo']", None));
    s.click(&s.find("a[href='#/xung-dot']", None));
    let row = s.text(&s.find("[data-testid=conflict-row]", None));
    assert!(row.contains("Công an phường (máy tổ 1)") && row.contains("Công an phường (văn phòng)"), "{row}");
    s.screenshot("e2e-conflicts.png");
    s.click(&s.find("[data-testid=take-other]", None));
    s.find("[data-testid=notice]", Some("Công an phường (văn phòng)"));
    s.click(&s.find("a[href='#/don-vi']", None));
    s.find("main", Some("Công an phường (văn phòng)"));

    // A backup now, and the integrity check on demand.
    s.click(&s.find("a[href='#/dong-bo']", None));
    s.click(&s.find("a[href='#/sao-luu']", None));
    s.click(&s.find("[data-testid=backup-now]", None));
    s.find("[data-testid=notice]", Some("Đã sao lưu"));
    s.click(&s.find("[data-testid=integrity-check]", None));
    s.find("[data-testid=health]", Some("Dữ liệu nguyên vẹn"));
    s.screenshot("e2e-backups.png");
    s.close();
}

#[test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through scripts/test"]
fn a_campaign_made_in_the_window_picks_children_by_criteria_and_counts_the_gifts_handed_over() {
    std::fs::create_dir_all(workspace().join("artifacts")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("treem.db");
    demo_ward(&db);
    let _driver = start_driver(&db);
    let s = Session::open();
    s.log_in("canbo", PASSWORD);
    let choose = "const [id, value] = arguments; const el = document.getElementById(id); \
        if (value === null) { el.selectedIndex = [...el.options].findIndex(o => !o.disabled); } else { el.value = value; } \
        el.dispatchEvent(new Event('change', { bubbles: true }));";
    let select = |id: &str, value: Option<&str>| {
        post(&s.url("/execute/sync"), json!({ "script": choose, "args": [id, value] }));
    };

    s.click(&s.find("a[href='#/dot-tang-qua']", None));
    s.find("[data-testid=campaign-row]", Some("Tết Nguyên đán Giáp Thìn 2024"));
    s.screenshot("e2e-campaigns.png");
    s.click(&s.find("[data-testid=campaign-new]", None));
    s.type_text(&s.find("[data-testid=campaign-name]", None), "Thăm, tặng quà trẻ em hộ nghèo dịp Tết Ất Tỵ 2025");
    select("c-occasion", Some("tet"));
    s.type_text(&s.find("[data-testid=campaign-start]", None), "20/01/2025");
    s.type_text(&s.find("[data-testid=campaign-end]", None), "27/1/2025");
    s.click(&s.find("[data-testid=campaign-save]", None));
    s.find("[data-testid=campaign-title]", Some("Tết Ất Tỵ 2025"));

    s.click(&s.find("[data-testid=fund-new]", None));
    select("f-source", Some("budget"));
    s.type_text(&s.find("[data-testid=fund-planned]", None), "20.000.000");
    s.type_text(&s.find("[data-testid=fund-received]", None), "20 triệu");
    s.click(&s.find("[data-testid=fund-save]", None));
    s.find("[data-testid=funds]", Some("Ngân sách nhà nước"));

    s.click(&s.find("[data-testid=campaign-pick]", None));
    s.click(&s.find("[data-testid=picker-household-poor]", None));
    s.click(&s.find("[data-testid=picker-household-near_poor]", None));
    s.click(&s.find("[data-testid=picker-find]", None));
    let heading = s.text(&s.find("h2", Some("Tìm thấy")));
    let found: usize = heading.split_whitespace().nth(2).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{heading}"));
    // The same children the core finds for the same criteria, counted apart from the window.
    let expected = tauri::async_runtime::block_on(async {
        let (store, officer) = treem::auth::log_in(&db, "canbo", PASSWORD).await.unwrap();
        let id: String = sqlx::query_scalar("SELECT id FROM campaigns WHERE name LIKE '%Ất Tỵ%'").fetch_one(store.pool()).await.unwrap();
        let criteria = treem::campaigns::recipients::Criteria {
            households: vec![treem::children::Household::Poor, treem::children::Household::NearPoor],
            ..Default::default()
        };
        let n = treem::campaigns::recipients::candidates(&store, &officer, &id, &criteria).await.unwrap().total as usize;
        store.close().await;
        n
    });
    assert!(found > 2 && found == expected, "{found} found in the window, {expected} by the core");
    select("g-form", Some("cash"));
    s.type_text(&s.find("[data-testid=gift-value]", None), "100.000");
    select("g-fund", None);
    s.screenshot("e2e-recipient-picker.png");
    s.click(&s.find("[data-testid=picker-add]", None));
    s.find("[data-testid=recipients]", None);
    let rows = s.script("return document.querySelectorAll('[data-testid=recipient-row]').length;");
    assert_eq!(rows.as_u64(), Some(found as u64));

    s.click(&s.find("[data-testid=campaign-hand-over]", None));
    s.find("[data-testid=hand-over-row]", None);
    for _ in 0..2 {
        let before = s.script("return document.querySelectorAll('[data-testid=hand-over-mark]').length;").as_u64().unwrap();
        s.click(&s.find("[data-testid=hand-over-mark]", None));
        let start = Instant::now();
        while s.script("return document.querySelectorAll('[data-testid=hand-over-mark]').length;").as_u64().unwrap() != before - 1 {
            assert!(start.elapsed() < Duration::from_secs(20), "the gift was marked handed over");
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    s.find("[data-testid=hand-over-count]", Some(&format!("Đã trao 2/{found}")));
    s.screenshot("e2e-hand-over.png");
    s.click(&s.find("a", Some("← Trang của đợt")));
    s.find("[data-testid=campaign-handed]", Some(&format!("2/{found}")));
    s.find("[data-testid=campaign-spent]", Some("200.000 đ"));
    let start = Instant::now();
    while s.script("return document.querySelectorAll('canvas').length;").as_u64().unwrap_or(0) < 2 {
        assert!(start.elapsed() < Duration::from_secs(20), "the totals are drawn as charts");
        std::thread::sleep(Duration::from_millis(200));
    }
    s.screenshot("e2e-campaign.png");

    // The year's proposals for commendation: the one waiting is agreed, and the decision drafted.
    s.click(&s.find("a[href='#/khen-thuong']", None));
    select("c-year", Some("2024"));
    s.find("[data-testid=nominations]", Some("Bà Trần Thị Mai"));
    s.click(&s.find("[data-testid=nominations] button", Some("Đồng ý")));
    let start = Instant::now();
    while s.script("return document.querySelectorAll('[data-testid=nominations] .r-pending').length;").as_u64() != Some(0) {
        assert!(start.elapsed() < Duration::from_secs(20), "the proposal was agreed");
        std::thread::sleep(Duration::from_millis(200));
    }
    s.screenshot("e2e-commendations.png");
    s.click(&s.find("[data-testid=commendation-decision]", None));
    s.find("h1", Some("Quyết định khen thưởng"));
    s.close();
}

/// Chooses who signs in the signer list, by the option's value.
fn choose_signer(s: &Session, value: &str) {
    let picker = s.find("[data-testid=signer]", None);
    let pick = "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'));";
    post(&s.url("/execute/sync"), json!({ "script": pick, "args": [json!({ ELEMENT_KEY: picker }), value] }));
}

#[test]
#[ignore = "needs the built app, Xvfb and tauri-driver: run through scripts/test"]
fn a_report_is_signed_with_the_usb_token_from_the_window_and_signed_again_by_the_chairman() {
    std::fs::create_dir_all(workspace().join("artifacts")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("treem.db");
    // A SoftHSM2 token standing in for the USB token, and the test root CA on the trust list.
    let token = dir.path().join("token");
    let made = Command::new("bash").arg(workspace().join("scripts/test-token")).arg(&token).output().unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    std::env::set_var("SOFTHSM2_CONF", token.join("softhsm2.conf"));
    let module = std::env::var("TREEM_SOFTHSM_MODULE").unwrap_or_else(|_| "/usr/lib/softhsm/libsofthsm2.so".into());
    demo_ward(&db);
    tauri::async_runtime::block_on(async {
        let (store, officer) = treem::auth::log_in(&db, "canbo", PASSWORD).await.unwrap();
        let root = std::fs::read(token.join("root.crt")).unwrap();
        treem::trust::add(&store, &officer, treem::Source::Window, &root).await.unwrap();
        store.close().await;
    });
    let _driver = start_driver(&db);
    let s = Session::open();
    s.log_in("canbo", PASSWORD);
    s.find("[data-testid=late-count]", None);

    // The officer points this laptop at the token's library once; the token's certificates show.
    s.script("location.hash = '#/chung-thu';");
    let chooser = s.find("button", Some("Chọn tệp thư viện khác"));
    answer_dialog(&s, &chooser, "treempick", std::path::Path::new(&module));
    let listed = s.find("[data-testid=token-certificates]", Some("Nguyễn Văn Hùng"));
    let text = s.text(&listed);
    assert!(text.contains("CA cấp 2 thử nghiệm") && text.contains("a1") && text.contains("Võ Thùy Dương"), "{text}");
    s.screenshot("e2e-token-certificates.png");

    // The 6-month report, issued and signed with the token: a wrong PIN first.
    s.script("location.hash = '#/van-ban';");
    s.click(&s.find("[data-testid=new-report-half]", None));
    s.find("[data-testid=narrative-results]", None);
    s.click(&s.find("[data-testid=issue-open]", None));
    s.find("[data-testid=signer] option", Some("token"));
    choose_signer(&s, "token:a1");
    s.type_text(&s.find("[data-testid=signer-pin]", None), "000000");
    s.click(&s.find("[data-testid=issue-confirm]", None));
    s.find("[data-testid=pin-error]", Some("Mã PIN không đúng"));
    s.find("[data-testid=doc-status]", Some("Bản nháp"));
    s.screenshot("e2e-token-wrong-pin.png");
    s.type_text(&s.find("[data-testid=signer-pin]", None), "123456");
    s.click(&s.find("[data-testid=issue-confirm]", None));
    s.find("[data-testid=doc-status]", Some("Số 01/BC-UBND"));
    s.find("[data-testid=doc-status]", Some("ký số bởi Nguyễn Văn Hùng"));

    // The Chairman signs after: a second signature on the token's other key.
    s.click(&s.find("[data-testid=sign-again-open]", None));
    s.find("[data-testid=signer] option", Some("Võ Thùy Dương"));
    choose_signer(&s, "token:e1");
    s.type_text(&s.find("[data-testid=signer-pin]", None), "123456");
    s.click(&s.find("[data-testid=sign-again-confirm]", None));
    s.find("[data-testid=doc-status]", Some("Nguyễn Văn Hùng; Võ Thùy Dương"));
    s.click(&s.find("[data-testid=verify]", None));
    let result = s.text(&s.find("[data-testid=verification]", Some("Cả 2 chữ ký số đều hợp lệ")));
    assert!(result.contains("Chuỗi chứng thư: Nguyễn Văn Hùng → CA cấp 2 thử nghiệm → Root CA thử nghiệm"), "{result}");
    std::thread::sleep(Duration::from_millis(500));
    s.screenshot("e2e-token-signed-twice.png");
    s.close();
    drop(_driver);

    // The file the register keeps: two signatures that pdfsig finds valid.
    let pdf = tauri::async_runtime::block_on(async {
        let (store, officer) = treem::auth::log_in(&db, "canbo", PASSWORD).await.unwrap();
        let docs = treem::documents::register::register(&store, &officer, chrono::Datelike::year(&treem::today_in_vietnam())).await.unwrap();
        let doc = docs.iter().find(|d| d.signed_by.as_deref() == Some("Nguyễn Văn Hùng; Võ Thùy Dương")).expect("the report in the register");
        treem::documents::register::pdf(&store, &officer, &doc.id).await.unwrap()
    });
    let path = workspace().join("artifacts/e2e-token-report.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let sig = String::from_utf8(Command::new("pdfsig").arg(&path).output().unwrap().stdout).unwrap();
    assert_eq!(sig.matches("Signature is Valid.").count(), 2, "{sig}");
    assert_eq!(sig.matches("ETSI.CAdES.detached").count(), 2, "{sig}");
}

#[test]
#[ignore = "needs the .deb installed, Xvfb and tauri-driver: run through scripts/test"]
fn the_installed_app_opens_the_demo_ward_and_tells_its_version_and_where_its_data_is() {
    let installed = std::env::var("TREEM_INSTALLED_APP").expect("scripts/test installs the .deb and names its binary in TREEM_INSTALLED_APP");
    std::fs::create_dir_all(workspace().join("artifacts")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("treem.db");
    let _driver = start_driver(&db);
    let s = Session::open_app(std::path::Path::new(&installed));
    // First start of the installed app: the officer's account, then the demo ward.
    s.set_up_as_officer();
    s.script("location.hash = '#/ke-hoach';");
    s.find("body", Some("Tháng hành động"));
    // Giới thiệu: the version built, and the data folder it was started on.
    s.click(&s.find("a[href='#/gioi-thieu']", None));
    let version = s.text(&s.find("[data-testid=about-version]", None));
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    let folder = s.text(&s.find("[data-testid=about-data]", None));
    assert_eq!(std::path::Path::new(&folder), dir.path(), "{folder}");
    s.screenshot("e2e-installed-about.png");
    s.close();

    // Opened from the file manager on a backup: after the login, the backups page offers it.
    let backup = dir.path().join("sao-luu thử.treembackup");
    tauri::async_runtime::block_on(async {
        let (store, officer) = treem::auth::log_in(&db, "canbo", PASSWORD).await.unwrap();
        treem::backup::make(&store, &officer, &backup).await.unwrap();
        store.close().await;
    });
    let s = Session::open_app_on(std::path::Path::new(&installed), &[&backup]);
    s.log_in("canbo", PASSWORD);
    let offered = s.text(&s.find("[data-testid=restore-path]", None));
    assert!(offered.contains("sao-luu thử.treembackup"), "{offered}");
    s.screenshot("e2e-installed-opened-backup.png");
    s.close();
    drop(_driver);

    // A new laptop opened on an invitation: its first start reads it for joining the ward.
    let invitation = dir.path().join("kết nạp máy 2.treemjoin");
    tauri::async_runtime::block_on(async {
        let (store, officer) = treem::auth::log_in(&db, "canbo", PASSWORD).await.unwrap();
        let made = treem::sync::join::invite(&store, &officer, "Máy tổ dân phố 2", "canbo").await.unwrap();
        std::fs::write(&invitation, &made.bytes).unwrap();
        store.close().await;
    });
    let laptop = dir.path().join("may-moi/treem.db");
    std::fs::create_dir_all(laptop.parent().unwrap()).unwrap();
    let _driver = start_driver(&laptop);
    let s = Session::open_app_on(std::path::Path::new(&installed), &[&invitation]);
    s.find("[data-testid=join-facts]", Some("Máy tổ dân phố 2"));
    s.screenshot("e2e-installed-opened-invitation.png");
    s.close();
}

/// Installs a .deb (as root, or through sudo) and gives the installed version.
fn install_deb(deb: &str) -> String {
    let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0"));
    let mut command = if root { Command::new("/usr/bin/env") } else { let mut c = Command::new("sudo"); c.args(["-n", "/usr/bin/env"]); c };
    let done = command.args(["DEBIAN_FRONTEND=noninteractive", "apt-get"]).args(["install", "-y", "-qq", "--reinstall", "--allow-downgrades", deb]).output().unwrap();
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let version = Command::new("dpkg-query").args(["-W", "-f=${Version}", "cong-tac-tre-em"]).output().unwrap();
    String::from_utf8(version.stdout).unwrap()
}

#[test]
#[ignore = "needs the two .deb packages, root or sudo, Xvfb and tauri-driver: run through scripts/test"]
fn the_installed_app_keeps_its_data_when_a_newer_version_is_installed_over_it() {
    let (deb, newer) = (std::env::var("TREEM_DEB").expect("TREEM_DEB"), std::env::var("TREEM_NEWER_DEB").expect("TREEM_NEWER_DEB"));
    let installed = std::env::var("TREEM_INSTALLED_APP").expect("TREEM_INSTALLED_APP");
    std::fs::create_dir_all(workspace().join("artifacts")).unwrap();
    let before = install_deb(&deb);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("treem.db");
    demo_ward(&db);
    let note = "Ghi chú trước khi cập nhật phiên bản.";
    {
        let _driver = start_driver(&db);
        let s = Session::open_app(std::path::Path::new(&installed));
        s.log_in("canbo", PASSWORD);
        s.script("location.hash = '#/cai-dat';");
        s.find("h1", None);
        s.close();
    }
    tauri::async_runtime::block_on(async {
        let (store, officer) = treem::auth::log_in(&db, "canbo", PASSWORD).await.unwrap();
        let plan = treem::plan::current(&store, &officer).await.unwrap().unwrap();
        let tree = treem::plan::tree(&store, &officer, &plan.id).await.unwrap();
        let assignment = &tree.assignments[0];
        treem::plan::add_note(&store, &officer, treem::Source::Window, &assignment.id, treem::today_in_vietnam(), note).await.unwrap();
        store.close().await;
    });

    // The newer version installed over it: the same data, the note still there.
    let after = install_deb(&newer);
    assert_ne!(before, after, "a newer package was installed");
    {
        let _driver = start_driver(&db);
        let s = Session::open_app(std::path::Path::new(&installed));
        s.log_in("canbo", PASSWORD);
        s.find("[data-testid=late-count]", None);
        s.screenshot("e2e-installed-updated.png");
        s.close();
    }
    tauri::async_runtime::block_on(async {
        let (store, officer) = treem::auth::log_in(&db, "canbo", PASSWORD).await.unwrap_or_else(|e| panic!("{e}"));
        let plan = treem::plan::current(&store, &officer).await.unwrap().unwrap();
        let notes = treem::plan::notes_until(&store, &officer, &plan.id, treem::today_in_vietnam()).await.unwrap();
        assert!(notes.iter().any(|n| n.text == note), "the note survives the update");
        store.close().await;
    });
    install_deb(&deb);
}
