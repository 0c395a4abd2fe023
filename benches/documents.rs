//! Document speed. Targets: the plan document and the yearly report each < 100 ms; a
//! 3,000-row table with a signature column < 1 s; signing the yearly report's PDF (PAdES, an
//! incremental update) with a key in a .p12 < 100 ms and through a PKCS#11 token (SoftHSM2: a
//! USB token adds its own signing time, about half a second) < 200 ms; verifying a file with
//! two signatures against the trust list < 50 ms. `scripts/bench` also times headless
//! Chromium printing the same table from HTML (written here to target/bench-table.html) so the
//! ratio is on record.

use criterion::{criterion_group, criterion_main, Criterion};
use treem::documents::{self, delivery, register};
use treem::pdf::{self, Block};
use treem::{demo, plan, Source};

fn names() -> Vec<String> {
    let family = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi"];
    let middle = ["Văn", "Thị", "Minh", "Thùy", "Đức", "Ngọc"];
    let given = ["An", "Bình", "Dũng", "Dương", "Hà", "Khánh", "Linh", "Phúc", "Quân", "Yến"];
    (0..3000).map(|i| format!("{} {} {} — Tổ dân phố {}", family[i % 8], middle[i % 6], given[i % 10], i % 4 + 1)).collect()
}

fn html_of(rows: &[String]) -> String {
    let mut html = String::from(
        "<!doctype html><meta charset=utf-8><style>@page{size:A4;margin:20mm 15mm 20mm 30mm}body{font-family:'Liberation Serif';font-size:13pt}\
         table{border-collapse:collapse;width:100%}th,td{border:0.5pt solid #000;padding:3pt}thead{display:table-header-group}tr{break-inside:avoid}\
         td.sign{width:45mm;height:24pt}</style><h3 style=text-align:center>DANH SÁCH KÝ NHẬN</h3><table><thead><tr><th>STT</th><th>Họ và tên</th><th>Ngày nhận</th><th>Người nhận ký, ghi rõ họ tên</th></tr></thead><tbody>",
    );
    for (i, r) in rows.iter().enumerate() {
        html.push_str(&format!("<tr><td>{}</td><td>{r}</td><td></td><td class=sign></td></tr>", i + 1));
    }
    html.push_str("</tbody></table>");
    html
}

fn documents(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, officer, _) = rt.block_on(treem::auth::set_up(&dir.path().join("bench.db"), "canbo", "Cán bộ", "đồng hồ cát xanh lá")).expect("first start");
    rt.block_on(demo::load(&store, &officer)).expect("demo");
    let p = rt.block_on(plan::current(&store, &officer)).expect("plan").expect("a plan");
    let report = rt.block_on(register::create_draft(&store, &officer, Source::Cli, register::Kind::Report, &p.id, Some(treem::plan::reporting::ReportPeriod::Year), None, None)).expect("draft");

    c.bench_function("plan document", |b| b.iter(|| rt.block_on(documents::plan_pdf(&store, &officer, &p.id)).expect("pdf")));
    c.bench_function("yearly report", |b| b.iter(|| rt.block_on(register::pdf(&store, &officer, &report.id)).expect("pdf")));

    signing(c, &rt, &store, &officer, &report.id);

    let rows = names();
    let target = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&target).ok();
    std::fs::write(target.join("bench-table.html"), html_of(&rows)).expect("html written");
    let blocks = vec![Block::Table(delivery::sign_off_table("Họ và tên", rows))];
    std::fs::write(target.join("bench-table.pdf"), pdf::render("Danh sách", &blocks)).expect("pdf written");
    let mut group = c.benchmark_group("table");
    group.sample_size(10);
    group.bench_function("3000-row table with a signature column", |b| b.iter(|| pdf::render("Danh sách", &blocks)));
    group.finish();
}

fn signing(c: &mut Criterion, rt: &tokio::runtime::Runtime, store: &treem::Store, officer: &treem::auth::Actor, report: &str) {
    use treem::signing::{self, Form, Identity, SignOptions};
    let unsigned = rt.block_on(register::pdf(store, officer, report)).expect("pdf");
    let p12 = signing::create_internal("Võ Thùy Dương", "UBND phường", "mật khẩu", chrono::Utc::now(), 30).expect("certificate");
    let file_key = Identity::from_pkcs12(&p12, "mật khẩu", &[]).expect("opens");
    let opts = SignOptions { reason: "Ban hành văn bản", at: chrono::Utc::now(), form: Form::Pades };
    c.bench_function("sign the yearly report with a .p12", |b| b.iter(|| signing::sign_pdf(&unsigned, &file_key, &opts).expect("signed")));

    // A SoftHSM2 token, made as the tests make it.
    let dir = tempfile::tempdir().expect("temp dir");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/test-token");
    let made = std::process::Command::new("bash").arg(script).arg(dir.path().join("token")).output().expect("bash");
    assert!(made.status.success(), "scripts/test-token: {}", String::from_utf8_lossy(&made.stderr));
    std::env::set_var("SOFTHSM2_CONF", dir.path().join("token/softhsm2.conf"));
    let module = std::path::Path::new("/usr/lib/softhsm/libsofthsm2.so");
    let token_key = Identity::from_token(module, "a1", "123456", &[]).expect("token opens");
    // The token's certificate was made a moment ago: sign from now on.
    std::thread::sleep(std::time::Duration::from_secs(1));
    let opts = SignOptions { at: chrono::Utc::now(), ..opts };
    c.bench_function("sign the yearly report on a token (SoftHSM2)", |b| b.iter(|| signing::sign_pdf(&unsigned, &token_key, &opts).expect("signed")));

    let once = signing::sign_pdf(&unsigned, &token_key, &opts).expect("signed");
    let twice = signing::sign_pdf(&once, &file_key, &opts).expect("signed again");
    let trust = signing::TrustList { ward_certificates: vec![file_key.fingerprint()], ..Default::default() };
    c.bench_function("verify two signatures", |b| b.iter(|| signing::verify_pdf(&twice, &trust).expect("verified")));
}

criterion_group!(benches, documents);
criterion_main!(benches);
