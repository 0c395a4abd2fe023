//! The demo ward's 2024 campaigns — Tết, the Action Month, Tết Trung thu — with funds from the
//! budget and from donors, and fictional recipients from the demo register, some already handed
//! over. Ids come from natural keys, so two laptops that load the demo hold the same records.

use chrono::NaiveDate;

use super::recipients::{GiftForm, GiftKind};
use super::{DonorKind, FundSource, Occasion};
use crate::children::{Circumstance, Guardian, Household};
use crate::store::{natural_id, Cols, Write};
use crate::Result;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a real day")
}

struct Fund {
    key: &'static str,
    source: FundSource,
    donor: &'static str,
    donor_kind: Option<DonorKind>,
    planned: i64,
    received: i64,
}

struct Demo {
    key: &'static str,
    name: &'static str,
    occasion: Occasion,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    theme: &'static str,
    /// The plan's activity it carries out: the first activity of this period.
    period: Option<&'static str>,
    funds: Vec<Fund>,
    kind: GiftKind,
    form: GiftForm,
    description: &'static str,
    value: i64,
    /// Handed over on this day, for the children of these residential groups (by number).
    handed: Option<(NaiveDate, &'static [usize])>,
}

fn campaigns() -> Vec<Demo> {
    vec![
        Demo {
            key: "tet-2024",
            name: "Thăm, tặng quà trẻ em có hoàn cảnh đặc biệt dịp Tết Nguyên đán Giáp Thìn 2024",
            occasion: Occasion::Tet,
            starts_on: day(2024, 2, 1),
            ends_on: day(2024, 2, 8),
            theme: "",
            period: None,
            funds: vec![
                Fund { key: "budget", source: FundSource::Budget, donor: "", donor_kind: None, planned: 5_000_000, received: 5_000_000 },
                Fund {
                    key: "duong-qn",
                    source: FundSource::Mobilised,
                    donor: "Công ty Cổ phần Đường Quảng Ngãi",
                    donor_kind: Some(DonorKind::Business),
                    planned: 10_000_000,
                    received: 10_000_000,
                },
            ],
            kind: GiftKind::Gift,
            form: GiftForm::Cash,
            description: "Quà Tết (tiền mặt)",
            value: 1_000_000,
            handed: Some((day(2024, 2, 5), &[1, 2, 3, 4])),
        },
        Demo {
            key: "action-month-2024",
            name: "Trao học bổng cho trẻ em hộ nghèo, cận nghèo nhân Tháng hành động vì trẻ em năm 2024",
            occasion: Occasion::ActionMonth,
            starts_on: day(2024, 6, 1),
            ends_on: day(2024, 6, 30),
            theme: "Hành động thiết thực, ưu tiên nguồn lực cho trẻ em",
            period: Some("action_month"),
            funds: vec![
                Fund { key: "budget", source: FundSource::Budget, donor: "", donor_kind: None, planned: 5_000_000, received: 5_000_000 },
                Fund {
                    key: "chu-thap-do",
                    source: FundSource::Mobilised,
                    donor: "Hội Chữ thập đỏ phường Nguyễn Nghiêm",
                    donor_kind: Some(DonorKind::Organisation),
                    planned: 6_000_000,
                    received: 4_000_000,
                },
            ],
            kind: GiftKind::Scholarship,
            form: GiftForm::Cash,
            description: "Học bổng (tiền mặt)",
            value: 1_000_000,
            handed: Some((day(2024, 6, 1), &[1, 2])),
        },
        Demo {
            key: "mid-autumn-2024",
            name: "Vui Tết Trung thu cho trẻ em năm 2024",
            occasion: Occasion::MidAutumn,
            starts_on: day(2024, 9, 10),
            ends_on: day(2024, 9, 17),
            theme: "",
            period: Some("mid_autumn"),
            funds: vec![
                Fund {
                    key: "ba-lan",
                    source: FundSource::Mobilised,
                    donor: "Bà Nguyễn Thị Lan",
                    donor_kind: Some(DonorKind::Person),
                    planned: 3_000_000,
                    received: 3_000_000,
                },
                Fund { key: "budget", source: FundSource::Budget, donor: "", donor_kind: None, planned: 2_000_000, received: 0 },
            ],
            kind: GiftKind::Gift,
            form: GiftForm::InKind,
            description: "Lồng đèn, bánh Trung thu",
            value: 100_000,
            handed: None,
        },
    ]
}

/// A child of the demo register, as the demo's choices need it.
#[derive(sqlx::FromRow)]
struct Child {
    id: String,
    birth_date: Option<NaiveDate>,
    birth_year: i32,
    household: Household,
    group_unit_id: Option<String>,
    guardians: String,
}

/// Adds the demo campaigns inside the demo's write, after its children.
pub(crate) async fn add_in(w: &mut Write<'_>) -> Result<()> {
    let children: Vec<Child> = sqlx::query_as(
        "SELECT id, birth_date, birth_year, household, group_unit_id, guardians FROM children WHERE deleted_at IS NULL ORDER BY id",
    )
    .fetch_all(w.conn())
    .await?;
    let spans: Vec<(String, Circumstance, NaiveDate, Option<NaiveDate>)> =
        sqlx::query_as("SELECT child_id, code, start_date, end_date FROM child_circumstances WHERE deleted_at IS NULL").fetch_all(w.conn()).await?;
    let groups: Vec<String> = sqlx::query_scalar("SELECT id FROM units WHERE kind = 'residential_group' AND deleted_at IS NULL ORDER BY position").fetch_all(w.conn()).await?;
    for demo in campaigns() {
        let id = natural_id("demo_campaign", &[demo.key]);
        let node: Option<String> = match demo.period {
            Some(p) => sqlx::query_scalar("SELECT id FROM plan_nodes WHERE period = ? AND is_activity = 1 AND deleted_at IS NULL ORDER BY position LIMIT 1")
                .bind(p)
                .fetch_optional(w.conn())
                .await?,
            None => None,
        };
        let cols = Cols::new()
            .set("name", demo.name)
            .set("occasion", demo.occasion)
            .set("year", 2024)
            .set("starts_on", demo.starts_on)
            .set("ends_on", demo.ends_on)
            .set("theme", demo.theme)
            .set("node_id", node);
        w.insert("campaigns", &id, cols).await?;
        let mut room = Vec::new();
        for f in &demo.funds {
            let fund_id = natural_id("demo_fund", &[demo.key, f.key]);
            let cols = Cols::new()
                .set("campaign_id", &id)
                .set("source", f.source)
                .set("donor", f.donor)
                .set("donor_kind", f.donor_kind)
                .set("planned", f.planned)
                .set("received", f.received)
                .set("note", "");
            w.insert("campaign_funds", &fund_id, cols).await?;
            // Gifts handed over only from what came in; the rest waits for the money.
            room.push((fund_id, f.planned.max(f.received), f.received));
        }
        let on = demo.starts_on;
        // Residential groups by their number: "Tổ dân phố 1" is 1.
        let group_number = |c: &Child| groups.iter().position(|g| c.group_unit_id.as_ref() == Some(g)).map(|i| i + 1);
        let age = |c: &Child| crate::children::Birth::from_columns(c.birth_date, c.birth_year).age_on(on);
        let chosen = children.iter().filter(|c| match demo.occasion {
            Occasion::Tet => spans.iter().any(|(child, _, start, end)| *child == c.id && crate::children::holds(*start, *end, on)),
            Occasion::ActionMonth => matches!(c.household, Household::Poor | Household::NearPoor) && age(c).is_some_and(|a| (6..16).contains(&a)),
            _ => group_number(c).is_some_and(|g| g >= 3) && age(c).is_some_and(|a| a < 6),
        });
        for c in chosen {
            let Some(fund) = room.iter_mut().find(|(_, left, _)| *left >= demo.value) else { break };
            fund.1 -= demo.value;
            let handed = demo.handed.filter(|(_, in_groups)| group_number(c).is_some_and(|g| in_groups.contains(&g)) && fund.2 >= demo.value);
            if handed.is_some() {
                fund.2 -= demo.value;
            }
            let guardians: Vec<Guardian> = serde_json::from_str(&c.guardians).unwrap_or_default();
            let cols = Cols::new()
                .set("campaign_id", &id)
                .set("child_id", &c.id)
                .set("fund_id", &fund.0)
                .set("kind", demo.kind)
                .set("form", demo.form)
                .set("description", demo.description)
                .set("value", demo.value)
                .set("handed_over_on", handed.map(|(d, _)| d))
                .set("received_by", if handed.is_some() { guardians.first().map(Guardian::titled).unwrap_or_default() } else { String::new() });
            w.insert("campaign_recipients", &natural_id("demo_recipient", &[demo.key, &c.id]), cols).await?;
        }
    }
    Ok(())
}

/// Removes the demo campaigns with the demo's children.
pub(crate) async fn remove_in(w: &mut Write<'_>) -> Result<()> {
    for demo in campaigns() {
        let id = natural_id("demo_campaign", &[demo.key]);
        for table in ["campaign_recipients", "campaign_funds"] {
            let ids: Vec<String> = sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE campaign_id = ? AND deleted_at IS NULL")).bind(&id).fetch_all(w.conn()).await?;
            for r in ids {
                w.tombstone(table, &r).await?;
            }
        }
        let live: Option<Option<String>> = sqlx::query_scalar("SELECT deleted_at FROM campaigns WHERE id = ?").bind(&id).fetch_optional(w.conn()).await?;
        if live == Some(None) {
            w.tombstone("campaigns", &id).await?;
        }
    }
    Ok(())
}
