//! Campaigns at scale. Targets, with 100,000 children in the register: choosing recipients by
//! criteria < 300 ms; adding 2,000 of them in one go < 2 s; the campaign's page with 2,000
//! recipients < 300 ms; the sign-off lists of 2,000 recipients (every residential group) < 3 s.
//! A measuring script rather than criterion (each step runs once on a large database); run by
//! `scripts/bench`.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use treem::campaigns::recipients::{self, Criteria, GiftForm, GiftInput, GiftKind, MAX_AT_ONCE};
use treem::campaigns::{self, CampaignInput, FundInput, FundSource, Occasion};
use treem::children::Household;
use treem::{demo, Source};

const REGISTER: usize = 100_000;
const PASSWORD: &str = "đồng hồ cát xanh lá";

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, officer, _) = rt.block_on(treem::auth::set_up(&dir.path().join("treem.db"), "canbo", "Cán bộ", PASSWORD)).expect("first start");
    rt.block_on(demo::load(&store, &officer)).expect("demo");
    let day = NaiveDate::from_ymd_opt(2024, 12, 31).unwrap();
    rt.block_on(treem::children::generate::add(&store, &officer, REGISTER - demo::DEMO_CHILDREN, 7, day)).expect("children");
    let input = CampaignInput {
        name: "Thăm, tặng quà Tết Ất Tỵ 2025".into(),
        occasion: Some(Occasion::Tet),
        starts_on: "20/01/2025".into(),
        ends_on: "27/01/2025".into(),
        ..Default::default()
    };
    let id = rt.block_on(campaigns::create(&store, &officer, Source::Cli, &input)).expect("campaign");
    let fund = FundInput { source: Some(FundSource::Budget), planned: "1 tỷ".into(), received: "1 tỷ".into(), ..Default::default() };
    let fund_id = rt.block_on(campaigns::add_fund(&store, &officer, Source::Cli, &id, &fund)).expect("fund");
    // The register's index is read once at login in the app; here, before the timings.
    rt.block_on(treem::children::index::warm(&store, &officer)).expect("warm");

    let criteria = Criteria { households: vec![Household::Poor, Household::NearPoor], age_from: Some(6), ..Default::default() };
    let start = Instant::now();
    let found = rt.block_on(recipients::candidates(&store, &officer, &id, &criteria)).expect("candidates");
    println!("Chọn trẻ theo tiêu chí trong {REGISTER} trẻ: {} trẻ, {} (mục tiêu < 300 ms)", found.total, ms(start.elapsed()));

    let chosen: Vec<String> = found.rows.iter().take(MAX_AT_ONCE).map(|c| c.child_id.clone()).collect();
    let gift = GiftInput { kind: Some(GiftKind::Gift), form: Some(GiftForm::Cash), description: "Quà Tết".into(), value: "300.000".into(), fund_id };
    let start = Instant::now();
    rt.block_on(recipients::add(&store, &officer, Source::Cli, &id, &chosen, &gift)).expect("add");
    println!("Thêm {} trẻ vào danh sách: {} (mục tiêu < 2 s)", chosen.len(), ms(start.elapsed()));

    let start = Instant::now();
    let page = rt.block_on(recipients::page(&store, &officer, &id)).expect("page");
    println!("Trang của đợt với {} trẻ nhận quà: {} (mục tiêu < 300 ms)", page.recipients.len(), ms(start.elapsed()));

    let start = Instant::now();
    let pdf = rt.block_on(treem::documents::campaign_docs::signoff_pdf(&store, &officer, &id, None)).expect("sign-off");
    println!("Danh sách ký nhận của {} trẻ (mọi tổ dân phố): {}, {} KB (mục tiêu < 3 s)", page.recipients.len(), ms(start.elapsed()), pdf.len() / 1024);
}
