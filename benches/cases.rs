//! Cases and statistics at scale. Targets, with 100,000 children and 2,000 cases: the
//! statistics of a year < 200 ms; the overview with the cases' deadlines < 100 ms.
//! A measuring script rather than criterion, to print percentiles; run by `scripts/bench`.

use std::time::{Duration, Instant};

use chrono::{Duration as Days, NaiveDate, TimeZone, Utc};
use treem::cases::{InitialAssessment, PlanDetails, DetailedAssessment, Risk, StepDetails};
use treem::store::{new_id, stamp, Cols};
use treem::{demo, Source};

const REGISTER: usize = 100_000;
const CASES: usize = 2_000;

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
    rt.block_on(treem::children::generate::add(&store, &officer, REGISTER - demo::DEMO_CHILDREN, 7, NaiveDate::from_ymd_opt(2024, 12, 31).unwrap())).expect("children");

    // 2,000 cases over 2024, at every step, written in one go through the store's typed writes.
    let start = Instant::now();
    rt.block_on(async {
        let children: Vec<String> = sqlx::query_scalar("SELECT id FROM children WHERE birth_year BETWEEN 2010 AND 2020 ORDER BY id LIMIT ?")
            .bind(CASES as i64)
            .fetch_all(store.pool())
            .await
            .expect("children");
        let types = ["violence", "sexual_abuse", "exploitation", "neglect", "abandonment", "trafficking", "other"];
        let settings = ["family", "school", "community", "online"];
        let mut w = store.write(&officer, Source::Cli).await.expect("write");
        for (i, child) in children.iter().enumerate() {
            let received = Utc.with_ymd_and_hms(2024, 1, 1, 2, 0, 0).unwrap() + Days::hours((i as i64 * 4_373) % (365 * 24));
            let id = new_id();
            let cols = Cols::new()
                .set("year", 2024)
                .set("number", i as i64 + 1)
                .set("child_id", child)
                .set("received_at", stamp(received))
                .set("channel", "hotline_111")
                .set("abuse_type", types[i % types.len()])
                .set("setting", settings[i % settings.len()])
                .set("place", "")
                .set("account", "Sự việc hư cấu để đo tốc độ.")
                .set("taken", "")
                .set("informant", None::<String>)
                .set("received_by", "Cán bộ");
            w.insert("cases", &id, cols).await.expect("case");
            let steps = [
                StepDetails::Initial(InitialAssessment { risk: Risk::Medium, findings: "Đánh giá.".into(), ..Default::default() }),
                StepDetails::Detailed(DetailedAssessment { needs: "Nhu cầu.".into(), ..Default::default() }),
                StepDetails::Plan(PlanDetails { goals: "Mục tiêu.".into() }),
            ];
            for (k, details) in steps.iter().take(i % 4).enumerate() {
                let cols = Cols::new()
                    .set("case_id", &id)
                    .set("cycle", 1)
                    .set("step", details.kind())
                    .set("done_at", stamp(received + Days::hours(6 + 30 * k as i64 * (1 + (i % 3) as i64))))
                    .set("done_by", "Cán bộ")
                    .set("details", serde_json::to_string(details).expect("json"))
                    .set("document_id", None::<String>);
                w.insert("case_steps", &new_id(), cols).await.expect("step");
            }
        }
        w.commit().await.expect("commit");
    });
    println!("Tạo {REGISTER} trẻ và {CASES} vụ việc hư cấu: {:.1} s", start.elapsed().as_secs_f64());

    let (from, to) = (NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(), NaiveDate::from_ymd_opt(2024, 12, 31).unwrap());
    // The first reads the register into memory (done in the background at login).
    let t = Instant::now();
    let first = rt.block_on(treem::stats::compute(&store, &officer, from, to)).expect("stats");
    println!("Thống kê năm lần đầu (đọc sổ vào bộ nhớ): {}", ms(t.elapsed()));
    let abuse = first.indicators.iter().find(|i| i.code == "0101").expect("0101");
    assert_eq!(abuse.count as usize, CASES);
    let mut times = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        rt.block_on(treem::stats::compute(&store, &officer, from, to)).expect("stats");
        times.push(t.elapsed());
    }
    times.sort();
    println!("Thống kê một năm ({REGISTER} trẻ, {CASES} vụ việc): trung vị {}, phân vị 95 {} (mục tiêu < 200 ms)", ms(percentile(&times, 0.5)), ms(percentile(&times, 0.95)));

    let plan = rt.block_on(treem::plan::of_year(&store, &officer, 2024)).expect("plan");
    let mut times = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let o = rt.block_on(treem::overview::overview(&store, &officer, &plan.id, today)).expect("overview");
        times.push(t.elapsed());
        assert!(o.late.iter().filter(|i| i.case_id.is_some()).count() > CASES / 2);
    }
    times.sort();
    println!("Tổng quan có thời hạn vụ việc ({CASES} vụ việc): trung vị {}, phân vị 95 {} (mục tiêu < 100 ms)", ms(percentile(&times, 0.5)), ms(percentile(&times, 0.95)));
    rt.block_on(store.close());
}
