//! Campaigns of visits, gifts and scholarships (Tết, the Children's Action Month, Tết Trung
//! thu …): each campaign's funds by source, planned, received and spent; the children who
//! receive ([`recipients`]), chosen by criteria from the register or by hand; the handing over,
//! which a collaborator records in their residential group; and the totals. Every đồng is a
//! write through the store, so every change to money is in the change log, the audit trail.
//!
//! Money rules: a fund's gifts together never exceed what the fund may spend (the larger of
//! what was planned and what was received), and a gift is handed over only from money received.

pub mod demo;
pub mod recipients;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use crate::auth::{Actor, Need};
use crate::money;
use crate::store::{new_id, Cols, Source, Store, Write};
use crate::text::{self, InvalidInput};
use crate::{Error, Result};

/// The tables this module owns.
pub const TABLES: [&str; 3] = ["campaigns", "campaign_funds", "campaign_recipients"];

labelled_enum! {
    /// The occasion of a campaign.
    pub enum Occasion {
        /// Tết Nguyên đán.
        Tet = ("tet", "Tết Nguyên đán"),
        /// Tháng hành động vì trẻ em, 1/6–30/6.
        ActionMonth = ("action_month", "Tháng hành động vì trẻ em"),
        /// Tết Trung thu.
        MidAutumn = ("mid_autumn", "Tết Trung thu"),
        /// The start of the school year.
        SchoolYear = ("school_year", "Khai giảng năm học mới"),
        /// Another occasion.
        Other = ("other", "Dịp khác"),
    }
}

labelled_enum! {
    /// Where a fund's money comes from.
    pub enum FundSource {
        /// The state budget.
        Budget = ("budget", "Ngân sách nhà nước"),
        /// Mobilised from businesses, organisations and people.
        Mobilised = ("mobilised", "Nguồn vận động"),
    }
}

labelled_enum! {
    /// Who gave mobilised money.
    pub enum DonorKind {
        /// A business.
        Business = ("business", "Doanh nghiệp"),
        /// An organisation.
        Organisation = ("organisation", "Tổ chức"),
        /// A person.
        Person = ("person", "Cá nhân"),
    }
}

/// A campaign as a form gives it.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct CampaignInput {
    /// "Thăm, tặng quà trẻ em dịp Tết Nguyên đán Giáp Thìn 2024".
    pub name: String,
    /// The occasion.
    pub occasion: Option<Occasion>,
    /// From, dd/mm/yyyy.
    pub starts_on: String,
    /// To, dd/mm/yyyy.
    pub ends_on: String,
    /// The theme ("Hành động thiết thực, ưu tiên nguồn lực cho trẻ em").
    pub theme: String,
    /// The plan's activity it carries out.
    pub node_id: Option<String>,
}

struct ValidCampaign {
    name: String,
    occasion: Occasion,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    theme: String,
    node_id: Option<String>,
}

fn validate_campaign(input: &CampaignInput) -> Result<ValidCampaign> {
    let name = text::required("name", "tên đợt", &input.name, 300)?;
    let occasion = input.occasion.ok_or_else(|| InvalidInput::new("occasion", "Chọn dịp: Tết Nguyên đán, Tháng hành động vì trẻ em, Tết Trung thu …"))?;
    let starts_on = text::parse_date("starts_on", &input.starts_on)?;
    let ends_on = text::parse_date("ends_on", &input.ends_on)?;
    if ends_on < starts_on {
        return Err(InvalidInput::new("ends_on", "Ngày kết thúc không được trước ngày bắt đầu.").into());
    }
    if (ends_on - starts_on).num_days() > 366 {
        return Err(InvalidInput::new("ends_on", "Một đợt kéo dài không quá một năm; hãy kiểm tra lại ngày.").into());
    }
    let theme = text::optional("theme", "Chủ đề", &input.theme, 300)?;
    Ok(ValidCampaign { name, occasion, starts_on, ends_on, theme, node_id: input.node_id.clone().filter(|n| !n.is_empty()) })
}

impl ValidCampaign {
    fn cols(&self) -> Cols {
        Cols::new()
            .set("name", &self.name)
            .set("occasion", self.occasion)
            // A Tết campaign that starts in late December belongs to the year of its Tết.
            .set("year", self.ends_on.year())
            .set("starts_on", self.starts_on)
            .set("ends_on", self.ends_on)
            .set("theme", &self.theme)
            .set("node_id", &self.node_id)
    }
}

async fn check_activity(w: &mut Write<'_>, node_id: Option<&str>) -> Result<()> {
    if let Some(node) = node_id {
        let activity: Option<i64> = sqlx::query_scalar("SELECT is_activity FROM plan_nodes WHERE id = ? AND deleted_at IS NULL")
            .bind(node)
            .fetch_optional(w.conn())
            .await?;
        if activity != Some(1) {
            return Err(InvalidInput::new("node_id", "Chọn một hoạt động của kế hoạch.").into());
        }
    }
    Ok(())
}

/// Starts a campaign.
pub async fn create(store: &Store, actor: &Actor, source: Source, input: &CampaignInput) -> Result<String> {
    actor.require(Need::ManageCampaigns)?;
    let valid = validate_campaign(input)?;
    let mut w = store.write(actor, source).await?;
    check_activity(&mut w, valid.node_id.as_deref()).await?;
    let id = new_id();
    w.insert("campaigns", &id, valid.cols()).await?;
    w.commit().await?;
    Ok(id)
}

/// Changes a campaign's name, occasion, dates, theme or activity.
pub async fn update(store: &Store, actor: &Actor, source: Source, id: &str, input: &CampaignInput) -> Result<()> {
    actor.require(Need::ManageCampaigns)?;
    let valid = validate_campaign(input)?;
    let mut w = store.write(actor, source).await?;
    live(&mut w, "campaigns", id, "đợt thăm, tặng quà").await?;
    check_activity(&mut w, valid.node_id.as_deref()).await?;
    w.update("campaigns", id, valid.cols()).await?;
    w.commit().await
}

/// Removes a campaign none of whose gifts was handed over.
pub async fn remove(store: &Store, actor: &Actor, source: Source, id: &str) -> Result<()> {
    actor.require(Need::ManageCampaigns)?;
    let mut w = store.write(actor, source).await?;
    live(&mut w, "campaigns", id, "đợt thăm, tặng quà").await?;
    let handed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM campaign_recipients WHERE campaign_id = ? AND handed_over_on IS NOT NULL AND deleted_at IS NULL")
        .bind(id)
        .fetch_one(w.conn())
        .await?;
    if handed > 0 {
        return Err(InvalidInput::new("id", format!("Đợt này đã trao {handed} suất quà có ký nhận nên không xóa được.")).into());
    }
    let reports: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents WHERE campaign_id = ? AND deleted_at IS NULL").bind(id).fetch_one(w.conn()).await?;
    if reports > 0 {
        return Err(InvalidInput::new("id", "Đợt này đã có báo cáo kết quả trong sổ văn bản nên không xóa được.").into());
    }
    for table in ["campaign_recipients", "campaign_funds"] {
        let ids: Vec<String> = sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE campaign_id = ? AND deleted_at IS NULL")).bind(id).fetch_all(w.conn()).await?;
        for r in ids {
            w.tombstone(table, &r).await?;
        }
    }
    w.tombstone("campaigns", id).await?;
    w.commit().await
}

/// Refuses to work on a record of `table` that does not exist or was removed.
pub(crate) async fn live(w: &mut Write<'_>, table: &str, id: &str, what: &'static str) -> Result<()> {
    let deleted: Option<Option<String>> = sqlx::query_scalar(&format!("SELECT deleted_at FROM {table} WHERE id = ?")).bind(id).fetch_optional(w.conn()).await?;
    match deleted {
        Some(None) => Ok(()),
        _ => Err(Error::NotFound { what }),
    }
}

/// A fund as a form gives it.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct FundInput {
    /// The state budget or mobilised.
    pub source: Option<FundSource>,
    /// Mobilised: who gave it.
    pub donor: String,
    /// Mobilised: a business, an organisation or a person.
    pub donor_kind: Option<DonorKind>,
    /// Planned, as typed ("5.000.000", "5 triệu").
    pub planned: String,
    /// Received so far, as typed; empty for nothing yet.
    pub received: String,
    /// Note.
    pub note: String,
}

struct ValidFund {
    source: FundSource,
    donor: String,
    donor_kind: Option<DonorKind>,
    planned: i64,
    received: i64,
    note: String,
}

fn amount_or_zero(field: &'static str, typed: &str) -> std::result::Result<i64, InvalidInput> {
    if typed.trim().is_empty() || typed.trim() == "0" {
        Ok(0)
    } else {
        money::parse(field, typed, money::MAX_FUND)
    }
}

fn validate_fund(input: &FundInput) -> Result<ValidFund> {
    let source = input.source.ok_or_else(|| InvalidInput::new("source", "Chọn nguồn: ngân sách nhà nước hoặc nguồn vận động."))?;
    let donor = text::optional("donor", "Tên nhà tài trợ", &input.donor, 200)?;
    let (donor, donor_kind) = match source {
        FundSource::Budget => (String::new(), None),
        FundSource::Mobilised => {
            if donor.is_empty() {
                return Err(InvalidInput::new("donor", "Nguồn vận động: nhập tên doanh nghiệp, tổ chức hoặc cá nhân đã ủng hộ.").into());
            }
            let kind = input.donor_kind.ok_or_else(|| InvalidInput::new("donor_kind", "Chọn nhà tài trợ là doanh nghiệp, tổ chức hay cá nhân."))?;
            (donor, Some(kind))
        }
    };
    let planned = amount_or_zero("planned", &input.planned)?;
    let received = amount_or_zero("received", &input.received)?;
    if planned == 0 && received == 0 {
        return Err(InvalidInput::new("planned", "Nhập số tiền dự kiến hoặc đã nhận của nguồn này.").into());
    }
    let note = text::optional("note", "Ghi chú", &input.note, 500)?;
    Ok(ValidFund { source, donor, donor_kind, planned, received, note })
}

impl ValidFund {
    fn cols(&self) -> Cols {
        Cols::new()
            .set("source", self.source)
            .set("donor", &self.donor)
            .set("donor_kind", self.donor_kind)
            .set("planned", self.planned)
            .set("received", self.received)
            .set("note", &self.note)
    }
}

/// What a fund may give in all: what was planned, or what came in if more.
fn limit(planned: i64, received: i64) -> i64 {
    planned.max(received)
}

/// Adds a fund to a campaign.
pub async fn add_fund(store: &Store, actor: &Actor, source: Source, campaign_id: &str, input: &FundInput) -> Result<String> {
    actor.require(Need::ManageCampaigns)?;
    let valid = validate_fund(input)?;
    let mut w = store.write(actor, source).await?;
    live(&mut w, "campaigns", campaign_id, "đợt thăm, tặng quà").await?;
    let id = new_id();
    w.insert("campaign_funds", &id, valid.cols().set("campaign_id", campaign_id)).await?;
    w.commit().await?;
    Ok(id)
}

/// Changes a fund; never below what its gifts already take, nor what was handed over below
/// what was received.
pub async fn update_fund(store: &Store, actor: &Actor, source: Source, fund_id: &str, input: &FundInput) -> Result<()> {
    actor.require(Need::ManageCampaigns)?;
    let valid = validate_fund(input)?;
    let mut w = store.write(actor, source).await?;
    live(&mut w, "campaign_funds", fund_id, "nguồn kinh phí").await?;
    let use_ = fund_use(w.conn(), fund_id).await?;
    if use_.allocated > limit(valid.planned, valid.received) {
        return Err(InvalidInput::new(
            "planned",
            format!("Các suất quà đã lập từ nguồn này là {}; số dự kiến hoặc đã nhận không được ít hơn.", money::format(use_.allocated)),
        )
        .into());
    }
    if use_.spent > valid.received {
        return Err(InvalidInput::new("received", format!("Đã trao {} từ nguồn này; số đã nhận không được ít hơn.", money::format(use_.spent))).into());
    }
    w.update("campaign_funds", fund_id, valid.cols()).await?;
    w.commit().await
}

/// Removes a fund no gift is given from.
pub async fn remove_fund(store: &Store, actor: &Actor, source: Source, fund_id: &str) -> Result<()> {
    actor.require(Need::ManageCampaigns)?;
    let mut w = store.write(actor, source).await?;
    live(&mut w, "campaign_funds", fund_id, "nguồn kinh phí").await?;
    let use_ = fund_use(w.conn(), fund_id).await?;
    if use_.count > 0 {
        return Err(InvalidInput::new("fund_id", format!("Có {} suất quà lấy từ nguồn này; hãy chuyển hoặc bỏ các suất đó trước.", use_.count)).into());
    }
    w.tombstone("campaign_funds", fund_id).await?;
    w.commit().await
}

/// What a fund's gifts take: their number, their value, and the value handed over.
#[derive(Debug, Clone, Copy, Default, sqlx::FromRow)]
pub(crate) struct FundUse {
    pub count: i64,
    pub allocated: i64,
    pub spent: i64,
}

pub(crate) async fn fund_use(conn: &mut SqliteConnection, fund_id: &str) -> Result<FundUse> {
    Ok(sqlx::query_as(
        "SELECT COUNT(*) AS count, COALESCE(SUM(value), 0) AS allocated,
                COALESCE(SUM(CASE WHEN handed_over_on IS NOT NULL THEN value END), 0) AS spent
         FROM campaign_recipients WHERE fund_id = ? AND deleted_at IS NULL",
    )
    .bind(fund_id)
    .fetch_one(conn)
    .await?)
}

/// A fund with what it holds and what it gave.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Fund {
    /// Id.
    pub id: String,
    /// The budget or mobilised.
    pub source: FundSource,
    /// Who gave it (mobilised).
    pub donor: String,
    /// A business, an organisation or a person.
    pub donor_kind: Option<DonorKind>,
    /// "Ngân sách nhà nước" or "Nguồn vận động: Công ty …".
    pub title: String,
    /// Planned, received, given, spent and left.
    pub money: Money,
    /// The same, written out.
    pub money_text: MoneyText,
    /// How many gifts it gives.
    #[ts(type = "number")]
    pub gifts: i64,
    /// More was handed over than received: laptops that marked gifts apart, each within what it
    /// knew, passed the fund together. The officer records the money received or takes a
    /// hand-over back.
    pub overspent: bool,
    /// Note.
    pub note: String,
}

impl Fund {
    /// "Ngân sách nhà nước", "Nguồn vận động: Công ty TNHH Hòa Phát".
    pub fn title_of(source: FundSource, donor: &str) -> String {
        match source {
            FundSource::Budget => source.label().to_owned(),
            FundSource::Mobilised => format!("{}: {donor}", source.label()),
        }
    }
}

#[derive(sqlx::FromRow)]
struct FundRowDb {
    id: String,
    campaign_id: String,
    source: FundSource,
    donor: String,
    donor_kind: Option<String>,
    planned: i64,
    received: i64,
    note: String,
    gifts: i64,
    allocated: i64,
    spent: i64,
}

impl FundRowDb {
    fn into_fund(self) -> Fund {
        let money = Money {
            planned: self.planned,
            received: self.received,
            allocated: self.allocated,
            spent: self.spent,
            left: self.received - self.spent,
            unallocated: limit(self.planned, self.received) - self.allocated,
        };
        Fund {
            title: Fund::title_of(self.source, &self.donor),
            overspent: self.spent > self.received,
            money_text: money.text(),
            money,
            id: self.id,
            source: self.source,
            donor: self.donor,
            donor_kind: self.donor_kind.as_deref().and_then(DonorKind::from_stored),
            gifts: self.gifts,
            note: self.note,
        }
    }
}

const FUND_SELECT: &str = "SELECT f.id, f.campaign_id, f.source, f.donor, f.donor_kind, f.planned, f.received, f.note,
    COUNT(r.id) AS gifts, COALESCE(SUM(r.value), 0) AS allocated,
    COALESCE(SUM(CASE WHEN r.handed_over_on IS NOT NULL THEN r.value END), 0) AS spent
    FROM campaign_funds f LEFT JOIN campaign_recipients r ON r.fund_id = f.id AND r.deleted_at IS NULL
    WHERE f.deleted_at IS NULL";

async fn funds_where(conn: &mut SqliteConnection, campaign_id: Option<&str>) -> Result<Vec<(String, Fund)>> {
    let sql = format!("{FUND_SELECT} AND (?1 IS NULL OR f.campaign_id = ?1) GROUP BY f.id ORDER BY f.source, f.created_at");
    let rows: Vec<FundRowDb> = sqlx::query_as(&sql).bind(campaign_id).fetch_all(conn).await?;
    Ok(rows.into_iter().map(|r| (r.campaign_id.clone(), r.into_fund())).collect())
}

/// Money of one source, or of the whole campaign.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Money {
    /// Planned, đồng.
    #[ts(type = "number")]
    pub planned: i64,
    /// Received, đồng.
    #[ts(type = "number")]
    pub received: i64,
    /// Given to recipients, đồng.
    #[ts(type = "number")]
    pub allocated: i64,
    /// Handed over, đồng.
    #[ts(type = "number")]
    pub spent: i64,
    /// Received and not yet handed over, đồng.
    #[ts(type = "number")]
    pub left: i64,
    /// What may still be given to recipients (the larger of planned and received, less what is
    /// given), đồng.
    #[ts(type = "number")]
    pub unallocated: i64,
}

/// [`Money`] as the window and the documents write it: "1.500.000 đ".
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct MoneyText {
    /// Planned.
    pub planned: String,
    /// Received.
    pub received: String,
    /// Given to recipients.
    pub allocated: String,
    /// Handed over.
    pub spent: String,
    /// Received and not yet handed over.
    pub left: String,
    /// What may still be given to recipients.
    pub unallocated: String,
}

impl Money {
    /// The amounts written out.
    pub fn text(&self) -> MoneyText {
        MoneyText {
            planned: money::format(self.planned),
            received: money::format(self.received),
            allocated: money::format(self.allocated),
            spent: money::format(self.spent),
            left: money::format(self.left),
            unallocated: money::format(self.unallocated),
        }
    }

    /// Adds another source's money to this.
    pub(crate) fn add(&mut self, m: &Money) {
        self.planned += m.planned;
        self.received += m.received;
        self.allocated += m.allocated;
        self.spent += m.spent;
        self.left += m.left;
        self.unallocated += m.unallocated;
    }
}

/// A campaign in the list.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Campaign {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Occasion.
    pub occasion: Occasion,
    /// The year of the occasion.
    pub year: i32,
    /// From.
    pub starts_on: NaiveDate,
    /// To.
    pub ends_on: NaiveDate,
    /// "01/02/2024 – 09/02/2024".
    pub dates_text: String,
    /// Theme.
    pub theme: String,
    /// The plan's activity it carries out.
    pub node_id: Option<String>,
    /// Its text.
    pub activity: Option<String>,
    /// Its funds.
    pub funds: Vec<Fund>,
    /// Money of all its funds.
    pub money: Money,
    /// The same, written out.
    pub money_text: MoneyText,
    /// How many gifts and scholarships.
    #[ts(type = "number")]
    pub gifts: i64,
    /// How many handed over.
    #[ts(type = "number")]
    pub handed_over: i64,
}

#[derive(sqlx::FromRow)]
struct CampaignRowDb {
    id: String,
    name: String,
    occasion: Occasion,
    year: i32,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    theme: String,
    node_id: Option<String>,
    activity: Option<String>,
    gifts: i64,
    handed_over: i64,
}

async fn campaigns_where(conn: &mut SqliteConnection, id: Option<&str>, group: Option<&str>) -> Result<Vec<Campaign>> {
    // A collaborator's counts are their residential group's.
    let rows: Vec<CampaignRowDb> = sqlx::query_as(
        "SELECT c.id, c.name, c.occasion, c.year, c.starts_on, c.ends_on, c.theme, c.node_id, n.text AS activity,
                (SELECT COUNT(*) FROM campaign_recipients r JOIN children ch ON ch.id = r.child_id
                 WHERE r.campaign_id = c.id AND r.deleted_at IS NULL AND (?2 IS NULL OR ch.group_unit_id = ?2)) AS gifts,
                (SELECT COUNT(*) FROM campaign_recipients r JOIN children ch ON ch.id = r.child_id
                 WHERE r.campaign_id = c.id AND r.deleted_at IS NULL AND r.handed_over_on IS NOT NULL
                   AND (?2 IS NULL OR ch.group_unit_id = ?2)) AS handed_over
         FROM campaigns c LEFT JOIN plan_nodes n ON n.id = c.node_id
         WHERE c.deleted_at IS NULL AND (?1 IS NULL OR c.id = ?1)
         ORDER BY c.starts_on DESC, c.name",
    )
    .bind(id)
    .bind(group)
    .fetch_all(&mut *conn)
    .await?;
    let mut funds = funds_where(conn, id).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let mine: Vec<Fund> = funds.iter_mut().filter(|(c, _)| *c == r.id).map(|(_, f)| f.clone()).collect();
            let mut money = Money::default();
            mine.iter().for_each(|f| money.add(&f.money));
            Campaign {
                dates_text: format!("{} – {}", text::format_date(r.starts_on), text::format_date(r.ends_on)),
                id: r.id,
                name: r.name,
                occasion: r.occasion,
                year: r.year,
                starts_on: r.starts_on,
                ends_on: r.ends_on,
                theme: r.theme,
                node_id: r.node_id,
                activity: r.activity,
                funds: mine,
                money_text: money.text(),
                money,
                gifts: r.gifts,
                handed_over: r.handed_over,
            }
        })
        .collect())
}

/// Every campaign, newest first, with its funds and totals.
pub async fn list(store: &Store, actor: &Actor) -> Result<Vec<Campaign>> {
    actor.require(Need::ReadChildren)?;
    let mut conn = store.pool().acquire().await?;
    campaigns_where(&mut conn, None, actor.only_group()).await
}

/// One campaign with its funds and totals.
pub async fn get(store: &Store, actor: &Actor, id: &str) -> Result<Campaign> {
    actor.require(Need::ReadChildren)?;
    let mut conn = store.pool().acquire().await?;
    get_in(&mut conn, id, actor.only_group()).await
}

pub(crate) async fn get_in(conn: &mut SqliteConnection, id: &str, group: Option<&str>) -> Result<Campaign> {
    campaigns_where(conn, Some(id), group).await?.pop().ok_or(Error::NotFound { what: "đợt thăm, tặng quà" })
}

/// The campaigns that carry out a plan's activity (its page shows them).
pub async fn for_activity(store: &Store, actor: &Actor, node_id: &str) -> Result<Vec<Campaign>> {
    Ok(list(store, actor).await?.into_iter().filter(|c| c.node_id.as_deref() == Some(node_id)).collect())
}

/// Money of a year's campaigns by source, for the 6-monthly and yearly reports: campaigns that
/// start from `from` to `to`.
pub(crate) async fn money_by_source(conn: &mut SqliteConnection, from: NaiveDate, to: NaiveDate) -> Result<Vec<(Campaign, Vec<(FundSource, Money)>)>> {
    let all = campaigns_where(conn, None, None).await?;
    Ok(all
        .into_iter()
        .filter(|c| from <= c.starts_on && c.starts_on <= to)
        .map(|c| {
            let by = FundSource::ALL
                .iter()
                .map(|&s| {
                    let mut m = Money::default();
                    c.funds.iter().filter(|f| f.source == s).for_each(|f| m.add(&f.money));
                    (s, m)
                })
                .collect();
            (c, by)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mobilised_fund_names_its_donor_and_amounts_are_checked() {
        let fund = |source, donor: &str, planned: &str| FundInput {
            source: Some(source),
            donor: donor.into(),
            donor_kind: Some(DonorKind::Business),
            planned: planned.into(),
            received: String::new(),
            note: String::new(),
        };
        assert!(validate_fund(&fund(FundSource::Mobilised, "", "5 triệu")).is_err());
        assert!(validate_fund(&fund(FundSource::Budget, "", "")).is_err());
        assert!(validate_fund(&fund(FundSource::Budget, "", "-5.000.000")).is_err());
        let ok = validate_fund(&fund(FundSource::Budget, "ai đó", "5.000.000")).unwrap();
        assert_eq!((ok.planned, ok.donor.as_str(), ok.donor_kind), (5_000_000, "", None));
        assert_eq!(Fund::title_of(FundSource::Mobilised, "Công ty A"), "Nguồn vận động: Công ty A");
    }
}
