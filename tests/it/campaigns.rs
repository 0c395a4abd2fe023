//! Campaigns of gifts and scholarships: recipients chosen by criteria against an independent
//! count, duplicates and last year's gifts shown, fund limits, hand-overs held to the group,
//! totals that add up, the sign-off list as a person reads it, and the command line.

use std::collections::BTreeSet;
use std::process::Command;

use chrono::NaiveDate;
use treem::auth::UserRole;
use treem::campaigns::recipients::{self, Criteria, GiftForm, GiftInput, GiftKind, HandOverInput};
use treem::campaigns::{self, CampaignInput, DonorKind, FundInput, FundSource, Occasion};
use treem::children::{Circumstance, Household};
use treem::{ward, ErrorCode, Source, Store};

use crate::documents::{check_pdf, collapse};
use crate::support::{self, TempStore, PASSWORD};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn campaign(t: &TempStore, name: &str, occasion: Occasion, from: &str, to: &str) -> String {
    let input = CampaignInput { name: name.into(), occasion: Some(occasion), starts_on: from.into(), ends_on: to.into(), ..Default::default() };
    campaigns::create(&t.store, &t.officer, Source::Window, &input).await.expect("campaign created")
}

async fn fund(t: &TempStore, campaign: &str, planned: &str, received: &str) -> String {
    let input = FundInput { source: Some(FundSource::Budget), planned: planned.into(), received: received.into(), ..Default::default() };
    campaigns::add_fund(&t.store, &t.officer, Source::Window, campaign, &input).await.expect("fund added")
}

fn gift(fund: &str, value: &str) -> GiftInput {
    GiftInput { kind: Some(GiftKind::Gift), form: Some(GiftForm::Cash), description: "Quà (tiền mặt)".into(), value: value.into(), fund_id: fund.into() }
}

async fn group(store: &Store, t: &TempStore, name: &str) -> String {
    ward::unit_named(store, &t.officer, name).await.unwrap().id
}

/// The register's children chosen the slow, obvious way: every live record read back, ages and
/// groups worked out here.
async fn independent_choice(t: &TempStore, on: NaiveDate, codes: &[&str], households: &[&str], ages: (u32, u32), group: Option<&str>) -> BTreeSet<String> {
    let rows: Vec<(String, Option<NaiveDate>, i32, String, Option<String>)> =
        sqlx::query_as("SELECT id, birth_date, birth_year, household, group_unit_id FROM children WHERE deleted_at IS NULL").fetch_all(t.store.pool()).await.unwrap();
    let spans: Vec<(String, String, NaiveDate, Option<NaiveDate>)> =
        sqlx::query_as("SELECT child_id, code, start_date, end_date FROM child_circumstances WHERE deleted_at IS NULL").fetch_all(t.store.pool()).await.unwrap();
    let mut out = BTreeSet::new();
    for (id, born, year, household, g) in rows {
        let age = match born {
            Some(b) => {
                if b > on {
                    continue;
                }
                let mut a = chrono::Datelike::year(&on) - chrono::Datelike::year(&b);
                if (chrono::Datelike::month(&on), chrono::Datelike::day(&on)) < (chrono::Datelike::month(&b), chrono::Datelike::day(&b)) {
                    a -= 1;
                }
                a
            }
            None => chrono::Datelike::year(&on) - year,
        };
        if age < ages.0 as i32 || age > ages.1 as i32 || age >= 16 {
            continue;
        }
        if group.is_some_and(|want| g.as_deref() != Some(want)) {
            continue;
        }
        if !households.is_empty() && !households.contains(&household.as_str()) {
            continue;
        }
        let in_group = spans.iter().any(|(c, code, start, end)| *c == id && codes.contains(&code.as_str()) && *start <= on && end.is_none_or(|e| on <= e));
        if !codes.is_empty() && !in_group {
            continue;
        }
        out.insert(id);
    }
    out
}

#[tokio::test]
async fn recipients_chosen_by_criteria_are_those_an_independent_count_finds() {
    let t = support::demo().await;
    treem::children::generate::add(&t.store, &t.officer, 400, 11, day(2024, 6, 1)).await.unwrap();
    let id = campaign(&t, "Tháng hành động vì trẻ em năm 2025", Occasion::ActionMonth, "01/06/2025", "30/06/2025").await;
    let g2 = group(&t.store, &t, "Tổ dân phố 2").await;
    let on = day(2025, 6, 1);
    let cases: Vec<(Criteria, BTreeSet<String>)> = vec![
        (
            Criteria { circumstances: vec![Circumstance::A, Circumstance::D], ..Default::default() },
            independent_choice(&t, on, &["a", "d"], &[], (0, 15), None).await,
        ),
        (
            Criteria { households: vec![Household::Poor, Household::NearPoor], age_from: Some(6), age_to: Some(15), ..Default::default() },
            independent_choice(&t, on, &[], &["poor", "near_poor"], (6, 15), None).await,
        ),
        (
            Criteria { group_unit_id: Some(g2.clone()), age_to: Some(5), on: "15/06/2025".into(), ..Default::default() },
            independent_choice(&t, day(2025, 6, 15), &[], &[], (0, 5), Some(&g2)).await,
        ),
    ];
    for (criteria, expected) in cases {
        assert!(!expected.is_empty(), "the demo register has such children");
        let found: BTreeSet<String> = recipients::candidates(&t.store, &t.officer, &id, &criteria).await.unwrap().rows.into_iter().map(|c| c.child_id).collect();
        assert_eq!(found, expected, "{criteria:?}");
    }
    // A school, tone marks aside.
    let child: String = sqlx::query_scalar("SELECT id FROM children WHERE birth_year = 2016 AND deleted_at IS NULL LIMIT 1").fetch_one(t.store.pool()).await.unwrap();
    let mut w = t.store.write(&t.officer, Source::Window).await.unwrap();
    w.update("children", &child, treem::store::Cols::new().set("school", "Trường Tiểu học Lê Trung Đình")).await.unwrap();
    w.commit().await.unwrap();
    let found = recipients::candidates(&t.store, &t.officer, &id, &Criteria { school: "le trung dinh".into(), ..Default::default() }).await.unwrap();
    assert_eq!(found.rows.iter().map(|c| c.child_id.as_str()).collect::<Vec<_>>(), [child.as_str()]);
    // By hand: a name typed without tone marks.
    let name: String = sqlx::query_scalar("SELECT full_name FROM children WHERE id = ?").bind(&child).fetch_one(t.store.pool()).await.unwrap();
    let found = recipients::candidates(&t.store, &t.officer, &id, &Criteria { text: treem::text::fold(&name), ..Default::default() }).await.unwrap();
    assert!(found.rows.iter().any(|c| c.child_id == child) && found.total < 20, "{}", found.total);
    // Everyone: the count whole, the rows as many as one choice adds.
    let everyone = recipients::candidates(&t.store, &t.officer, &id, &Criteria::default()).await.unwrap();
    assert_eq!(everyone.total as usize, independent_choice(&t, on, &[], &[], (0, 15), None).await.len());
    assert_eq!(everyone.rows.len(), recipients::MAX_AT_ONCE.min(everyone.total as usize));
}

#[tokio::test]
async fn a_child_twice_is_flagged_and_last_years_gift_is_shown() {
    let t = support::demo().await;
    let tet_2024: String = sqlx::query_scalar("SELECT id FROM campaigns WHERE occasion = 'tet'").fetch_one(t.store.pool()).await.unwrap();
    let got_2024: String = sqlx::query_scalar("SELECT child_id FROM campaign_recipients WHERE campaign_id = ? LIMIT 1").bind(&tet_2024).fetch_one(t.store.pool()).await.unwrap();
    let id = campaign(&t, "Thăm, tặng quà Tết Ất Tỵ 2025", Occasion::Tet, "20/01/2025", "27/01/2025").await;
    let f = fund(&t, &id, "10.000.000", "10.000.000").await;
    let candidates = recipients::candidates(&t.store, &t.officer, &id, &Criteria { on: "20/01/2025".into(), ..Default::default() }).await.unwrap().rows;
    let shown = candidates.iter().find(|c| c.child_id == got_2024).expect("last year's recipient is a candidate");
    assert!(shown.last_year.contains("1.000.000 đ") && shown.last_year.contains("Tết Nguyên đán 2024"), "{}", shown.last_year);
    let other = candidates.iter().find(|c| c.last_year.is_empty()).expect("a child who got nothing last year");
    recipients::add(&t.store, &t.officer, Source::Window, &id, &[got_2024.clone(), other.child_id.clone()], &gift(&f, "500.000")).await.unwrap();
    recipients::add(&t.store, &t.officer, Source::Window, &id, &[got_2024.clone()], &GiftInput { kind: Some(GiftKind::Scholarship), ..gift(&f, "1 triệu") })
        .await
        .unwrap();
    let page = recipients::page(&t.store, &t.officer, &id).await.unwrap();
    assert_eq!(page.recipients.len(), 3);
    for r in &page.recipients {
        assert_eq!(r.duplicate, r.child_id == got_2024, "{}", r.full_name);
        assert_eq!(r.last_year.is_empty(), r.child_id != got_2024);
    }
    let again = recipients::candidates(&t.store, &t.officer, &id, &Criteria { on: "20/01/2025".into(), ..Default::default() }).await.unwrap().rows;
    assert!(again.iter().find(|c| c.child_id == got_2024).unwrap().already_in);
}

#[tokio::test]
async fn funds_limit_the_gifts_and_the_totals_add_up() {
    let t = support::demo().await;
    let id = campaign(&t, "Trao quà Trung thu 2025", Occasion::MidAutumn, "01/10/2025", "06/10/2025").await;
    // Amounts refused before anything is written.
    let before = support::row_counts(&t.store).await;
    for (planned, received) in [("-1.000.000", ""), ("200 tỷ", ""), ("", ""), ("abc", "")] {
        let err = campaigns::add_fund(&t.store, &t.officer, Source::Window, &id, &FundInput { source: Some(FundSource::Budget), planned: planned.into(), received: received.into(), ..Default::default() })
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{planned}");
    }
    let mobilised = FundInput { source: Some(FundSource::Mobilised), donor: String::new(), donor_kind: Some(DonorKind::Business), planned: "1 triệu".into(), ..Default::default() };
    assert!(campaigns::add_fund(&t.store, &t.officer, Source::Window, &id, &mobilised).await.is_err(), "a donor is named");
    assert_eq!(support::row_counts(&t.store).await, before);

    let f = fund(&t, &id, "1.000.000", "500.000").await;
    let kids: Vec<String> = sqlx::query_scalar("SELECT id FROM children WHERE deleted_at IS NULL ORDER BY id LIMIT 3").fetch_all(t.store.pool()).await.unwrap();
    // Three gifts of 500.000 from a fund of 1.000.000: refused whole.
    let before = support::row_counts(&t.store).await;
    let err = recipients::add(&t.store, &t.officer, Source::Window, &id, &kids, &gift(&f, "500.000")).await.unwrap_err();
    assert!(err.to_string().contains("Vượt nguồn") && err.to_string().contains("1.000.000 đ"), "{err}");
    assert_eq!(support::row_counts(&t.store).await, before);
    for bad in ["0", "-500.000", "500 triệu"] {
        assert!(recipients::add(&t.store, &t.officer, Source::Window, &id, &kids[..1], &gift(&f, bad)).await.is_err(), "{bad}");
    }
    recipients::add(&t.store, &t.officer, Source::Window, &id, &kids[..2], &gift(&f, "500.000")).await.unwrap();
    let page = recipients::page(&t.store, &t.officer, &id).await.unwrap();
    let (r1, r2) = (page.recipients[0].id.clone(), page.recipients[1].id.clone());
    // Handed over only from money received: 500.000 came in.
    let today = treem::today_in_vietnam();
    recipients::hand_over(&t.store, &t.officer, Source::Window, &r1, &HandOverInput { on: String::new(), received_by: "Mẹ: Trần Thị Hoa".into() }, today).await.unwrap();
    let err = recipients::hand_over(&t.store, &t.officer, Source::Window, &r2, &HandOverInput::default(), today).await.unwrap_err();
    assert!(err.to_string().contains("mới nhận 500.000 đ"), "{err}");
    // The fund cannot fall below what its gifts take or what was handed over.
    let lower = FundInput { source: Some(FundSource::Budget), planned: "900.000".into(), received: "500.000".into(), ..Default::default() };
    assert!(campaigns::update_fund(&t.store, &t.officer, Source::Window, &f, &lower).await.is_err());
    let none_in = FundInput { source: Some(FundSource::Budget), planned: "1.000.000".into(), received: "".into(), ..Default::default() };
    assert!(campaigns::update_fund(&t.store, &t.officer, Source::Window, &f, &none_in).await.is_err());
    let all_in = FundInput { source: Some(FundSource::Budget), planned: "1.000.000".into(), received: "1.000.000".into(), ..Default::default() };
    campaigns::update_fund(&t.store, &t.officer, Source::Window, &f, &all_in).await.unwrap();
    recipients::hand_over(&t.store, &t.officer, Source::Window, &r2, &HandOverInput::default(), today).await.unwrap();
    // Removing a gift signed for is refused; undoing the hand-over first allows it.
    let err = recipients::remove(&t.store, &t.officer, Source::Window, &r2).await.unwrap_err();
    assert!(err.to_string().contains("đã nhận quà và ký nhận"), "{err}");
    let c = campaigns::get(&t.store, &t.officer, &id).await.unwrap();
    assert_eq!((c.money.planned, c.money.received, c.money.allocated, c.money.spent, c.money.left), (1_000_000, 1_000_000, 1_000_000, 1_000_000, 0));
    assert_eq!((c.gifts, c.handed_over), (2, 2));
    let page = recipients::page(&t.store, &t.officer, &id).await.unwrap();
    let total = |tallies: &[recipients::Tally]| (tallies.iter().map(|x| x.gifts).sum::<i64>(), tallies.iter().map(|x| x.spent).sum::<i64>());
    assert_eq!(total(&page.by_residential_group), (2, 1_000_000));
    assert_eq!(total(&page.by_kind), (2, 1_000_000));
    recipients::undo_hand_over(&t.store, &t.officer, Source::Window, &r2).await.unwrap();
    recipients::remove(&t.store, &t.officer, Source::Window, &r2).await.unwrap();
    assert_eq!(campaigns::get(&t.store, &t.officer, &id).await.unwrap().money.spent, 500_000);
    // Two laptops marking gifts apart can pass a fund together: the fund says so.
    assert!(!campaigns::get(&t.store, &t.officer, &id).await.unwrap().funds[0].overspent);
    let mut w = t.store.write(&t.officer, Source::Sync).await.unwrap();
    w.update("campaign_funds", &f, treem::store::Cols::new().set("received", 400_000)).await.unwrap();
    w.commit().await.unwrap();
    assert!(campaigns::get(&t.store, &t.officer, &id).await.unwrap().funds[0].overspent);
    // Once the campaign's report is issued, a hand-over it counted stays.
    let report = treem::documents::register::create_campaign_report(&t.store, &t.officer, Source::Window, &id).await.unwrap();
    treem::documents::register::issue(&t.store, &t.officer, Source::Window, &report.id, treem::today_in_vietnam(), None).await.unwrap();
    let err = recipients::undo_hand_over(&t.store, &t.officer, Source::Window, &r1).await.unwrap_err();
    assert!(err.to_string().contains("báo cáo kết quả"), "{err}");
    // Every change to money is in the audit trail.
    let logged: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM change_log WHERE table_name = 'campaign_funds' AND record_id = ? AND changes LIKE '%received%'")
        .bind(&f)
        .fetch_one(t.store.pool())
        .await
        .unwrap();
    assert_eq!(logged, 3, "the fund added, its received amount raised, then lowered");
}

#[tokio::test]
async fn a_collaborator_hands_over_in_their_own_group_only() {
    let t = support::demo().await;
    let g1 = group(&t.store, &t, "Tổ dân phố 1").await;
    let mid_autumn: String = sqlx::query_scalar("SELECT id FROM campaigns WHERE occasion = 'mid_autumn'").fetch_one(t.store.pool()).await.unwrap();
    // The demo's Trung thu gifts go to groups 3 and 4; the officer adds one in group 1.
    let f: String = sqlx::query_scalar("SELECT id FROM campaign_funds WHERE campaign_id = ? AND received > 0").bind(&mid_autumn).fetch_one(t.store.pool()).await.unwrap();
    let mut w = t.store.write(&t.officer, Source::Window).await.unwrap();
    w.update("campaign_funds", &f, treem::store::Cols::new().set("received", 6_000_000)).await.unwrap();
    w.update("campaign_funds", &f, treem::store::Cols::new().set("planned", 6_000_000)).await.unwrap();
    w.commit().await.unwrap();
    let child: String = sqlx::query_scalar("SELECT id FROM children WHERE group_unit_id = ? AND deleted_at IS NULL LIMIT 1").bind(&g1).fetch_one(t.store.pool()).await.unwrap();
    recipients::add(&t.store, &t.officer, Source::Window, &mid_autumn, &[child.clone()], &gift(&f, "100.000")).await.unwrap();
    // The collaborator's laptop, joined now, holds their group's part of the campaign.
    let (store, ctv) = t.user("ctv1", UserRole::Collaborator, Some(&g1)).await;
    let mine = recipients::to_hand_over(&store, &ctv, &mid_autumn, None, "").await.unwrap();
    assert_eq!(mine.len(), 1, "the collaborator's list holds their group only");
    assert_eq!(mine[0].child_id, child);
    let others: String = sqlx::query_scalar("SELECT id FROM campaign_recipients WHERE campaign_id = ? AND child_id <> ? LIMIT 1")
        .bind(&mid_autumn)
        .bind(&child)
        .fetch_one(t.store.pool())
        .await
        .unwrap();
    let today = treem::today_in_vietnam();
    // Another group's gifts are not on their laptop at all.
    let err = recipients::hand_over(&store, &ctv, Source::Window, &others, &HandOverInput::default(), today).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    recipients::hand_over(&store, &ctv, Source::Window, &mine[0].id, &HandOverInput { on: String::new(), received_by: "Bà nội".into() }, today).await.unwrap();
    assert!(recipients::remove(&store, &ctv, Source::Window, &mine[0].id).await.is_err(), "a collaborator does not change the list");
    let page = recipients::page(&store, &ctv, &mid_autumn).await.unwrap();
    assert_eq!((page.campaign.gifts, page.campaign.handed_over), (1, 1), "counts of the group");
    assert!(!page.may_manage);
}

#[tokio::test]
async fn the_signoff_list_reads_as_a_clerk_would_write_it() {
    let t = support::demo().await;
    let id: String = sqlx::query_scalar("SELECT id FROM campaigns WHERE occasion = 'mid_autumn'").fetch_one(t.store.pool()).await.unwrap();
    let g3 = group(&t.store, &t, "Tổ dân phố 3").await;
    let page = recipients::page(&t.store, &t.officer, &id).await.unwrap();
    let in_g3: Vec<_> = page.recipients.iter().filter(|r| r.group_unit_id.as_deref() == Some(g3.as_str())).collect();
    assert!(in_g3.len() > 12, "long enough to run over a page: {}", in_g3.len());
    let bytes = treem::documents::campaign_docs::signoff_pdf(&t.store, &t.officer, &id, Some(&g3)).await.unwrap();
    let text = check_pdf("danh-sach-ky-nhan", &bytes);
    for want in ["DANH SÁCH KÝ NHẬN", "Vui Tết Trung thu cho trẻ em năm 2024", "Tổ dân phố 3", "Người nhận ký, ghi rõ họ tên", "NGƯỜI LẬP DANH SÁCH", "XÁC NHẬN CỦA UBND PHƯỜNG"] {
        assert!(text.contains(want), "{want}");
    }
    assert!(text.contains(&format!("Tổng cộng: {} suất", in_g3.len())));
    let total: i64 = in_g3.iter().map(|r| r.value).sum();
    assert!(text.contains(&treem::money::grouped(total)));
    assert!(text.contains(&treem::money::in_words(total)), "{}", treem::money::in_words(total));
    for r in &in_g3 {
        assert!(text.contains(&r.full_name), "{}", r.full_name);
    }
    assert!(!page.recipients.iter().filter(|r| r.group_unit_id.as_deref() != Some(g3.as_str())).any(|r| text.contains(&r.full_name)), "one group's list");
    // Landscape; the header on every page; the last row, the totals and the signatures together.
    let path = std::env::temp_dir().join(format!("ky-nhan-{}.pdf", std::process::id()));
    std::fs::write(&path, &bytes).unwrap();
    let info = String::from_utf8(Command::new("pdfinfo").arg(&path).output().unwrap().stdout).unwrap();
    assert!(info.contains("841.89 x 595.276"), "landscape A4: {info}");
    let pages: Vec<String> = String::from_utf8(Command::new("pdftotext").arg(&path).arg("-").output().unwrap().stdout)
        .unwrap()
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .map(collapse)
        .collect();
    std::fs::remove_file(&path).ok();
    assert!(pages.len() >= 2, "{} pages", pages.len());
    assert!(pages.iter().all(|p| p.contains("Họ và tên trẻ em")), "the header repeats");
    let last = pages.last().unwrap();
    assert!(last.contains(&in_g3.last().unwrap().full_name) && last.contains("Tổng cộng") && last.contains("NGƯỜI LẬP DANH SÁCH"));
}

#[tokio::test]
async fn the_campaign_report_is_numbered_and_the_yearly_report_counts_the_campaigns() {
    let t = support::demo().await;
    let id: String = sqlx::query_scalar("SELECT id FROM campaigns WHERE occasion = 'action_month'").fetch_one(t.store.pool()).await.unwrap();
    let doc = treem::documents::register::create_campaign_report(&t.store, &t.officer, Source::Window, &id).await.unwrap();
    assert_eq!(doc.symbol, "BC-UBND");
    let again = treem::documents::register::create_campaign_report(&t.store, &t.officer, Source::Window, &id).await.unwrap();
    assert_eq!(again.id, doc.id, "one draft per campaign");
    let issued = treem::documents::register::issue(&t.store, &t.officer, Source::Window, &doc.id, treem::today_in_vietnam(), None).await.unwrap();
    assert!(issued.number.is_some());
    let text = check_pdf("bao-cao-dot-tang-qua", &treem::documents::register::pdf(&t.store, &t.officer, &doc.id).await.unwrap());
    let c = campaigns::get(&t.store, &t.officer, &id).await.unwrap();
    for want in ["BÁO CÁO", "Kết quả trao học bổng", "Ngân sách nhà nước", "Hội Chữ thập đỏ phường Nguyễn Nghiêm"] {
        assert!(text.contains(want), "{want}");
    }
    assert!(text.contains(&treem::money::grouped(c.money.received)) && text.contains(&treem::text::lower_first(&treem::money::in_words(c.money.spent))));
    assert!(text.contains(&format!("Đã trao {} trên tổng số {} suất", c.handed_over, c.gifts)));

    let p = treem::plan::current(&t.store, &t.officer).await.unwrap().unwrap();
    let year = treem::documents::register::create_draft(&t.store, &t.officer, Source::Window, treem::documents::register::Kind::Report, &p.id, Some(treem::plan::reporting::ReportPeriod::Year), None, None)
        .await
        .unwrap();
    let text = collapse(&check_pdf("bao-cao-nam-dot-tang-qua", &treem::documents::register::pdf(&t.store, &t.officer, &year.id).await.unwrap()));
    assert!(text.contains("Thăm, tặng quà, học bổng cho trẻ em"));
    assert!(text.contains("phường tổ chức 3 đợt"), "the three demo campaigns of 2024");
}

#[test]
fn the_command_line_lists_campaigns_and_prints_a_groups_signoff_list() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let t = rt.block_on(support::demo());
    let db = t.db_path();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_treem")).args(args).arg("--db").arg(&db).env("TREEM_USER", "canbo").env("TREEM_PASSWORD", PASSWORD).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let list: serde_json::Value = serde_json::from_str(&run(&["campaign", "list", "--json"])).unwrap();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3);
    let tet = list.iter().find(|c| c["occasion"] == "tet").unwrap();
    assert!(tet["name"].as_str().unwrap().contains("Tết Nguyên đán"));
    let funds = tet["funds"].as_array().unwrap();
    assert_eq!(funds.len(), 2);
    let spent: i64 = funds.iter().map(|f| f["money"]["spent"].as_i64().unwrap()).sum();
    assert_eq!(tet["money"]["spent"].as_i64().unwrap(), spent);
    assert!(spent > 0, "the demo's Tết gifts were handed over");
    let out = t.dir.path().join("ky-nhan.pdf");
    let id = list.iter().find(|c| c["occasion"] == "mid_autumn").unwrap()["id"].as_str().unwrap().to_owned();
    run(&["doc", "signoff", "--campaign", &id, "--group", "Tổ dân phố 4", "--out", out.to_str().unwrap()]);
    let text = String::from_utf8(Command::new("pdftotext").arg(&out).arg("-").output().unwrap().stdout).unwrap();
    assert!(text.contains("Tổ dân phố 4") && !text.contains("Tổ dân phố 3"));
    drop(rt);
}
