//! Sync and backups at scale. Targets: export and import of 10,000 changed records each < 2 s;
//! a sync file of 10,000 changes < 2 MB; a backup of a database with 100,000 children < 5 s.
//! A measuring script rather than criterion (each step runs once on a large database); run by
//! `scripts/bench`.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use treem::store::Cols;
use treem::{demo, sync, Source};

const REGISTER: usize = 100_000;
const CHANGED: usize = 10_000;
const PASSWORD: &str = "đồng hồ cát xanh lá";

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn mb(bytes: usize) -> String {
    format!("{:.2} MB", bytes as f64 / 1024.0 / 1024.0)
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let (office, officer, _) = rt.block_on(treem::auth::set_up(&dir.path().join("office/treem.db"), "canbo", "Cán bộ", PASSWORD)).expect("first start");
    rt.block_on(demo::load(&office, &officer)).expect("demo");
    let day = NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
    rt.block_on(treem::children::generate::add(&office, &officer, REGISTER - demo::DEMO_CHILDREN, 7, day)).expect("children");

    let start = Instant::now();
    let invitation = rt.block_on(sync::join::invite(&office, &officer, "Máy B", "canbo")).expect("invite");
    let invited = start.elapsed();
    let start = Instant::now();
    let (laptop, actor) = rt.block_on(sync::join::join(&dir.path().join("laptop/treem.db"), &invitation.bytes, &invitation.passphrase, PASSWORD)).expect("join");
    println!(
        "Kết nạp máy với {REGISTER} trẻ em: tạo tệp {} ({}), nhận tệp {}",
        secs(invited),
        mb(invitation.bytes.len()),
        secs(start.elapsed())
    );

    // 10,000 children's records changed on the laptop (one field each, in one transaction).
    rt.block_on(async {
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM children ORDER BY id LIMIT ?").bind(CHANGED as i64).fetch_all(laptop.pool()).await.expect("ids");
        let mut w = laptop.write(&actor, Source::Cli).await.expect("write");
        for (i, id) in ids.iter().enumerate() {
            w.update("children", id, Cols::new().set("address", format!("Số {i}, đường Phan Đình Phùng"))).await.expect("update");
        }
        w.commit().await.expect("commit");
    });

    let start = Instant::now();
    let (file, plan) = rt.block_on(sync::export(&laptop, &actor, Some(office.device_id()), false)).expect("export");
    let exported = start.elapsed();
    println!("Xuất {} thay đổi của {} bản ghi: {} — tệp {} (mục tiêu < 2 s, < 2 MB)", plan.entries, plan.records, secs(exported), mb(file.len()));
    let start = Instant::now();
    let done = rt.block_on(sync::import(&office, &officer, &file, &mut |_, _| {})).expect("import");
    println!("Nhập {} thay đổi mới của {} bản ghi: {} (mục tiêu < 2 s)", done.new_entries, done.records, secs(start.elapsed()));

    let start = Instant::now();
    let made = rt.block_on(treem::backup::make(&office, &officer, &dir.path().join("sao-luu.treembackup"))).expect("backup");
    println!("Sao lưu dữ liệu có {REGISTER} trẻ em: {} — tệp {} (mục tiêu < 5 s)", secs(start.elapsed()), mb(made.bytes as usize));
}
