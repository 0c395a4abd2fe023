//! What `synchronous = FULL` costs, to decide it (see `src/store/mod.rs`): one small write
//! transaction on an encrypted database in WAL mode, committed 300 times under NORMAL and under
//! FULL, and a user action of the app (a progress note added) under the store's own setting.
//! Target: a user action stays under 50 ms at the 95th percentile. A measuring script; run by
//! `scripts/bench`.

use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};
use treem::plan;
use treem::{demo, Source};

const COMMITS: usize = 300;

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The median and the 95th percentile.
fn spread(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[times.len() * 95 / 100])
}

async fn commits(path: &std::path::Path, synchronous: SqliteSynchronous) -> (Duration, Duration) {
    let mut conn = SqliteConnectOptions::from_str("sqlite://")
        .expect("options")
        .filename(path)
        .pragma("key", "\"x'2DD29CA851E7B56E4697B0E1F08507293D761A05CE4D1B628663F411A8086D99'\"")
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(synchronous)
        .connect()
        .await
        .expect("opens");
    sqlx::query("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)").execute(&mut conn).await.expect("table");
    let mut times = Vec::with_capacity(COMMITS);
    for i in 0..COMMITS {
        let start = Instant::now();
        let mut tx = conn.begin().await.expect("begin");
        sqlx::query("INSERT INTO notes (text) VALUES (?)").bind(format!("Đã tổ chức buổi sinh hoạt số {i}")).execute(&mut *tx).await.expect("insert");
        tx.commit().await.expect("commit");
        times.push(start.elapsed());
    }
    conn.close().await.expect("close");
    spread(times)
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, mode) in [("NORMAL", SqliteSynchronous::Normal), ("FULL", SqliteSynchronous::Full)] {
        let (median, p95) = rt.block_on(commits(&dir.path().join(format!("{name}.db")), mode));
        println!("Một giao dịch ghi nhỏ, synchronous = {name}: trung vị {}, 95% dưới {}", ms(median), ms(p95));
    }
    let (store, officer, _) = rt.block_on(treem::auth::set_up(&dir.path().join("ward/treem.db"), "canbo", "Cán bộ", "đồng hồ cát xanh lá")).expect("first start");
    rt.block_on(demo::load(&store, &officer)).expect("demo");
    let plan = rt.block_on(plan::of_year(&store, &officer, 2024)).expect("plan");
    let part = rt.block_on(plan::tree(&store, &officer, &plan.id)).expect("tree").assignments[0].id.clone();
    let day = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    let mut times = Vec::with_capacity(COMMITS);
    for i in 0..COMMITS {
        let start = Instant::now();
        rt.block_on(plan::add_note(&store, &officer, Source::Window, &part, day, &format!("Đã tổ chức buổi sinh hoạt số {i}."))).expect("note");
        times.push(start.elapsed());
    }
    let (median, p95) = spread(times);
    println!("Thêm một ghi chú tiến độ (ứng dụng, synchronous = FULL): trung vị {}, 95% dưới {} (mục tiêu < 50 ms)", ms(median), ms(p95));
}
