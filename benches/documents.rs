//! Document speed. Targets: the plan document and the yearly report each < 100 ms; a
//! 3,000-row table with a signature column < 1 s. `scripts/bench` also times headless
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
    let (store, officer) = rt.block_on(treem::auth::set_up(&dir.path().join("bench.db"), "canbo", "Cán bộ", "mật khẩu thử")).expect("first start");
    rt.block_on(demo::load(&store, &officer)).expect("demo");
    let p = rt.block_on(plan::current(&store, &officer)).expect("plan").expect("a plan");
    let report = rt.block_on(register::create_draft(&store, &officer, Source::Cli, register::Kind::Report, &p.id, Some(treem::plan::reporting::ReportPeriod::Year), None, None)).expect("draft");

    c.bench_function("plan document", |b| b.iter(|| rt.block_on(documents::plan_pdf(&store, &officer, &p.id)).expect("pdf")));
    c.bench_function("yearly report", |b| b.iter(|| rt.block_on(register::pdf(&store, &officer, &report.id)).expect("pdf")));

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

criterion_group!(benches, documents);
criterion_main!(benches);
