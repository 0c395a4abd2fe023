//! The register of children at scale. Targets, with 100,000 children: a search as one types
//! < 10 ms at the 95th percentile; opening the register page (after a record changed, the
//! first page) < 300 ms; importing 10,000 rows from .xlsx < 3 s all in (preview and import).
//! Also printed: reading the whole register the first time after a login, which the window
//! does in the background as soon as someone logs in.
//! A measuring script rather than criterion, to print percentiles; run by `scripts/bench`.

use std::time::{Duration, Instant};

use treem::children::import::{self, ImportChoice};
use treem::children::index::{self, ChildQuery};
use treem::children::{self, generate};
use treem::{demo, Source};

const REGISTER: usize = 100_000;
const IMPORTED: usize = 10_000;

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let today = treem::today_in_vietnam();
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, officer, _) = rt.block_on(treem::auth::set_up(&dir.path().join("bench.db"), "canbo", "Cán bộ", "đồng hồ cát xanh lá")).expect("first start");
    rt.block_on(demo::load(&store, &officer)).expect("demo");
    let start = Instant::now();
    rt.block_on(generate::add(&store, &officer, REGISTER - demo::DEMO_CHILDREN, 7, today)).expect("children");
    println!("Tạo {REGISTER} trẻ hư cấu: {:.1} s", start.elapsed().as_secs_f64());

    // Opening the register page after a change: the index is rebuilt, then the first page.
    let mut opens = Vec::new();
    for round in 0..5 {
        let first = rt.block_on(index::search(&store, &officer, &ChildQuery { limit: 1, ..Default::default() }, today)).expect("search");
        let id = first.rows[0].id.clone();
        let page = rt.block_on(children::page(&store, &officer, &id, today)).expect("page");
        let mut input = children::ChildInput { full_name: page.child.full_name.clone(), birth: page.child.birth_text.clone(), sex: Some(page.child.sex), ..Default::default() };
        input.address = format!("Số {round}, đường Lê Lợi");
        input.birth = page.child.birth_date.map(treem::text::format_date).unwrap_or_else(|| page.child.birth_year.to_string());
        input.group_unit_id = page.child.group_unit_id.clone();
        rt.block_on(children::update(&store, &officer, Source::Cli, &id, &input, today)).expect("a change");
        let t = Instant::now();
        let list = rt.block_on(index::search(&store, &officer, &ChildQuery { limit: 100, ..Default::default() }, today)).expect("search");
        opens.push(t.elapsed());
        // The generated children are all under 16; a few of the demo's have grown up since 2024.
        assert!(list.total as usize > REGISTER - demo::DEMO_CHILDREN, "{}", list.total);
    }
    opens.sort();
    println!("Mở trang hồ sơ trẻ em sau khi sửa một hồ sơ ({REGISTER} trẻ): trung vị {}, chậm nhất {}", ms(percentile(&opens, 0.5)), ms(opens[opens.len() - 1]));
    // The first open after logging in reads the whole register (the window starts that in the
    // background at login).
    let mut cold = Vec::new();
    for _ in 0..3 {
        let (again, actor) = rt.block_on(treem::auth::log_in(&dir.path().join("bench.db"), "canbo", "đồng hồ cát xanh lá")).expect("login");
        let t = Instant::now();
        rt.block_on(index::search(&again, &actor, &ChildQuery { limit: 100, ..Default::default() }, today)).expect("search");
        cold.push(t.elapsed());
        rt.block_on(again.close());
    }
    cold.sort();
    println!("Đọc cả sổ lần đầu sau đăng nhập ({REGISTER} trẻ): trung vị {}", ms(percentile(&cold, 0.5)));

    // Searching as one types, letter by letter, names and IDs and groups, with and without filters.
    let typed = ["nguyen van duc", "tran thi huong", "le minh", "pham ngoc anh", "vo", "0512", "to dan pho 3", "ung", "dang bao", "hoang gia khang"];
    let mut times = Vec::new();
    for word in typed {
        for end in 1..=word.len() {
            for circumstance in [None, Some(children::Circumstance::D)] {
                let q = ChildQuery { text: word[..end].to_owned(), circumstance, limit: 100, ..Default::default() };
                let t = Instant::now();
                rt.block_on(index::search(&store, &officer, &q, today)).expect("search");
                times.push(t.elapsed());
            }
        }
    }
    times.sort();
    println!(
        "Tìm khi gõ ({} lần, {REGISTER} trẻ): trung vị {}, phân vị 95 {}, chậm nhất {}",
        times.len(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.95)),
        ms(times[times.len() - 1])
    );

    // Importing 10,000 rows: a list exported from one ward, read into another.
    let fresh = tempfile::tempdir().expect("temp dir");
    let (other, other_officer, _) = rt.block_on(treem::auth::set_up(&fresh.path().join("bench.db"), "canbo", "Cán bộ", "đồng hồ cát xanh lá")).expect("first start");
    rt.block_on(demo::load(&other, &other_officer)).expect("demo");
    let source_dir = tempfile::tempdir().expect("temp dir");
    let (source, source_officer, _) = rt.block_on(treem::auth::set_up(&source_dir.path().join("bench.db"), "canbo", "Cán bộ", "đồng hồ cát xanh lá")).expect("first start");
    rt.block_on(demo::load(&source, &source_officer)).expect("demo");
    rt.block_on(generate::add(&source, &source_officer, IMPORTED - demo::DEMO_CHILDREN, 99, today)).expect("children");
    let workbook = rt.block_on(children::export::xlsx(&source, &source_officer, &ChildQuery { include_over_age: true, ..Default::default() }, today, "danh-sach.xlsx")).expect("export");
    let t = Instant::now();
    let preview = rt.block_on(import::preview(&other, &other_officer, &workbook, &ImportChoice::default(), today)).expect("preview");
    let previewed = t.elapsed();
    let t = Instant::now();
    let done = rt.block_on(import::commit(&other, &other_officer, Source::Cli, &workbook, &ImportChoice::default(), true, today, &|_, _| {})).expect("import");
    let imported = t.elapsed();
    println!(
        "Nhập {} dòng từ .xlsx ({} KB): xem trước {}, nhập tất cả {} ({} trẻ, bỏ qua {} dòng trùng)",
        preview.total_rows,
        workbook.len() / 1024,
        ms(previewed),
        ms(imported),
        done.added,
        done.skipped
    );
}
