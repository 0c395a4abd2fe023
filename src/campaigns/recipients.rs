//! The children who receive in a campaign: choosing them by criteria from the register or by
//! hand, their gifts and scholarships, the handing over, and the totals by fund, by group of
//! special circumstances and by residential group.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use super::{fund_use, get_in, limit, live, Campaign, FundSource};
use crate::auth::{Actor, Need};
use crate::children::index::ChildQuery;
use crate::children::{Birth, Circumstance, Guardian, Household};
use crate::money;
use crate::store::writable::{LimitedWrites, Rule};
use crate::store::{new_id, Cols, Source, Store, Write};
use crate::text::{self, InvalidInput};
use crate::{Error, Result};

/// The most children one choice adds.
pub const MAX_AT_ONCE: usize = 2000;

labelled_enum! {
    /// A gift or a scholarship.
    pub enum GiftKind {
        /// Quà.
        Gift = ("gift", "Quà"),
        /// Học bổng.
        Scholarship = ("scholarship", "Học bổng"),
    }
}

labelled_enum! {
    /// In cash or in kind.
    pub enum GiftForm {
        /// Tiền mặt.
        Cash = ("cash", "Tiền mặt"),
        /// Hiện vật.
        InKind = ("in_kind", "Hiện vật"),
    }
}

/// Who to choose from the register.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct Criteria {
    /// The day ages and groups are taken on, dd/mm/yyyy; empty for the campaign's first day.
    pub on: String,
    /// In any of these groups of special circumstances on that day (none: any child).
    pub circumstances: Vec<Circumstance>,
    /// Of a household in any of these statuses (none: any).
    pub households: Vec<Household>,
    /// From this age.
    pub age_from: Option<u32>,
    /// Up to this age.
    pub age_to: Option<u32>,
    /// Only this residential group.
    pub group_unit_id: Option<String>,
    /// Only at a school whose name holds these words (tone marks aside).
    pub school: String,
    /// Words of a name, as the register's search takes them: to choose children by hand.
    pub text: String,
}

/// The children the criteria choose: how many, and the first of them.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Candidates {
    /// How many the criteria choose.
    pub total: u32,
    /// The first [`MAX_AT_ONCE`] of them, in official order.
    pub rows: Vec<Candidate>,
}

/// A child the criteria found.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Candidate {
    /// The child's id.
    pub child_id: String,
    /// Name.
    pub full_name: String,
    /// "05/09/2016".
    pub birth_text: String,
    /// "8 tuổi" on the criteria's day.
    pub age_text: String,
    /// Residential group.
    pub group_name: Option<String>,
    /// The groups of special circumstances on the day: "a, d".
    pub circumstances: String,
    /// Household.
    pub household: Household,
    /// Already a recipient in this campaign.
    pub already_in: bool,
    /// What the child received on the same occasion last year, in words; empty for nothing.
    pub last_year: String,
}

/// The children the criteria choose, in official order, each with whether they are already
/// in the campaign and what they received on its occasion last year; at most [`MAX_AT_ONCE`],
/// as many as one choice adds.
pub async fn candidates(store: &Store, actor: &Actor, campaign_id: &str, criteria: &Criteria) -> Result<Candidates> {
    actor.require(Need::ManageCampaigns)?;
    let mut conn = store.pool().acquire().await?;
    let campaign = get_in(&mut conn, campaign_id, None).await?;
    let on = crate::children::day_or_today("on", &criteria.on, campaign.starts_on)?;
    let query = ChildQuery {
        text: criteria.text.clone(),
        on: text::format_date(on),
        group_unit_id: criteria.group_unit_id.clone(),
        age_from: criteria.age_from,
        age_to: criteria.age_to,
        ..ChildQuery::default()
    };
    let (_, entries) = crate::children::index::all_matching(store, actor, &query, on).await?;
    let school = text::fold(criteria.school.trim());
    let schools: HashMap<String, String> = if school.is_empty() {
        HashMap::new()
    } else {
        sqlx::query_as::<_, (String, String)>("SELECT id, school FROM children WHERE deleted_at IS NULL").fetch_all(&mut *conn).await?.into_iter().collect()
    };
    let chosen: Vec<_> = entries
        .into_iter()
        .filter(|e| criteria.circumstances.is_empty() || criteria.circumstances.iter().any(|&c| e.in_group_on(c, on)))
        .filter(|e| criteria.households.is_empty() || criteria.households.contains(&e.household))
        .filter(|e| school.is_empty() || schools.get(&e.id).is_some_and(|s| text::fold(s).contains(&school)))
        .collect();
    let already: HashSet<String> = sqlx::query_scalar("SELECT child_id FROM campaign_recipients WHERE campaign_id = ? AND deleted_at IS NULL")
        .bind(campaign_id)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
    let last = last_year(&mut conn, &campaign).await?;
    let total = chosen.len() as u32;
    let rows = chosen
        .into_iter()
        .take(MAX_AT_ONCE)
        .map(|e| Candidate {
            already_in: already.contains(&e.id),
            last_year: last.get(&e.id).cloned().unwrap_or_default(),
            child_id: e.id.clone(),
            full_name: e.full_name.clone(),
            birth_text: e.birth.text(),
            age_text: e.birth.age_text(on),
            group_name: e.group_name.clone(),
            circumstances: e.letters_on(on, actor.sees_sensitive_groups()),
            household: e.household,
        })
        .collect();
    Ok(Candidates { total, rows })
}

/// What each child received on the campaign's occasion the year before: "Quà 500.000 đ (Tết
/// Nguyên đán 2023)".
async fn last_year(conn: &mut SqliteConnection, campaign: &Campaign) -> Result<HashMap<String, String>> {
    if campaign.occasion == super::Occasion::Other {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, GiftKind, i64, i32)> = sqlx::query_as(
        "SELECT r.child_id, r.kind, r.value, c.year FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id
         WHERE c.occasion = ? AND c.year = ? AND r.deleted_at IS NULL AND c.deleted_at IS NULL",
    )
    .bind(campaign.occasion.as_str())
    .bind(campaign.year - 1)
    .fetch_all(conn)
    .await?;
    let mut out: HashMap<String, String> = HashMap::new();
    for (child, kind, value, year) in rows {
        let line = format!("{} {} ({} {year})", kind.label(), money::format(value), campaign.occasion.label());
        out.entry(child).and_modify(|s| *s = format!("{s}; {line}")).or_insert(line);
    }
    Ok(out)
}

/// The gift or scholarship each chosen child gets.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct GiftInput {
    /// A gift or a scholarship.
    pub kind: Option<GiftKind>,
    /// In cash or in kind.
    pub form: Option<GiftForm>,
    /// What it is: "Quà Tết (gạo, bánh kẹo)".
    pub description: String,
    /// Its value, as typed ("500.000").
    pub value: String,
    /// The fund it comes from.
    pub fund_id: String,
}

struct ValidGift {
    kind: GiftKind,
    form: GiftForm,
    description: String,
    value: i64,
    fund_id: String,
}

fn validate_gift(input: &GiftInput) -> Result<ValidGift> {
    let kind = input.kind.ok_or_else(|| InvalidInput::new("kind", "Chọn quà hoặc học bổng."))?;
    let form = input.form.ok_or_else(|| InvalidInput::new("form", "Chọn tiền mặt hoặc hiện vật."))?;
    let description = text::optional("description", "Nội dung quà", &input.description, 200)?;
    let value = money::parse("value", &input.value, money::MAX_GIFT)?;
    if input.fund_id.is_empty() {
        return Err(InvalidInput::new("fund_id", "Chọn nguồn kinh phí của suất quà.").into());
    }
    Ok(ValidGift { kind, form, description, value, fund_id: input.fund_id.clone() })
}

/// Refuses gifts worth `more` from a fund beyond what it may give.
async fn check_fund_room(conn: &mut SqliteConnection, campaign_id: &str, fund_id: &str, more: i64) -> Result<()> {
    let fund: Option<(String, FundSource, String, i64, i64)> =
        sqlx::query_as("SELECT campaign_id, source, donor, planned, received FROM campaign_funds WHERE id = ? AND deleted_at IS NULL")
            .bind(fund_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((campaign, source, donor, planned, received)) = fund else {
        return Err(InvalidInput::new("fund_id", "Chọn một nguồn kinh phí của đợt này.").into());
    };
    if campaign != campaign_id {
        return Err(InvalidInput::new("fund_id", "Nguồn kinh phí đã chọn thuộc đợt khác.").into());
    }
    let used = fund_use(conn, fund_id).await?;
    let room = limit(planned, received) - used.allocated;
    if more > room {
        return Err(InvalidInput::new(
            "value",
            format!(
                "Vượt nguồn {}: còn {} chưa phân bổ, các suất quà cần {}. Hãy bớt suất quà, giảm giá trị hoặc chọn nguồn khác.",
                super::Fund::title_of(source, &donor),
                money::format(room.max(0)),
                money::format(more)
            ),
        )
        .into());
    }
    Ok(())
}

/// Gives each of `child_ids` the gift, in one write; refused whole if the fund cannot pay for
/// all of them. A child already in the campaign may receive again (a gift and a scholarship):
/// the list flags them. Returns how many were added.
pub async fn add(store: &Store, actor: &Actor, source: Source, campaign_id: &str, child_ids: &[String], gift: &GiftInput) -> Result<usize> {
    actor.require(Need::ManageCampaigns)?;
    let gift = validate_gift(gift)?;
    let mut seen = HashSet::new();
    let child_ids: Vec<&String> = child_ids.iter().filter(|c| seen.insert(c.as_str())).collect();
    if child_ids.is_empty() {
        return Err(InvalidInput::new("child_ids", "Chọn ít nhất một trẻ.").into());
    }
    if child_ids.len() > MAX_AT_ONCE {
        return Err(InvalidInput::new("child_ids", format!("Mỗi lần thêm nhiều nhất {MAX_AT_ONCE} trẻ.")).into());
    }
    let mut w = store.write(actor, source).await?;
    live(&mut w, "campaigns", campaign_id, "đợt thăm, tặng quà").await?;
    let more = gift.value.checked_mul(child_ids.len() as i64).unwrap_or(i64::MAX);
    check_fund_room(w.conn(), campaign_id, &gift.fund_id, more).await?;
    for child in &child_ids {
        crate::children::require_live(&mut w, child).await?;
        let cols = Cols::new()
            .set("campaign_id", campaign_id)
            .set("child_id", child)
            .set("fund_id", &gift.fund_id)
            .set("kind", gift.kind)
            .set("form", gift.form)
            .set("description", &gift.description)
            .set("value", gift.value)
            .set("received_by", "");
        w.insert("campaign_recipients", &new_id(), cols).await?;
    }
    w.commit().await?;
    Ok(child_ids.len())
}

/// Gives a merged child's gifts to the record they were merged into, inside the merge's write.
pub(crate) async fn move_child_in(w: &mut Write<'_>, from: &str, to: &str) -> Result<()> {
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM campaign_recipients WHERE child_id = ? AND deleted_at IS NULL").bind(from).fetch_all(w.conn()).await?;
    for id in ids {
        w.update("campaign_recipients", &id, Cols::new().set("child_id", to)).await?;
    }
    Ok(())
}

/// Changes a gift not yet handed over (its kind, value, fund …).
pub async fn update(store: &Store, actor: &Actor, source: Source, recipient_id: &str, gift: &GiftInput) -> Result<()> {
    actor.require(Need::ManageCampaigns)?;
    let gift = validate_gift(gift)?;
    let mut w = store.write(actor, source).await?;
    let r = recipient_in(w.conn(), recipient_id).await?;
    if r.handed_over_on.is_some() {
        return Err(InvalidInput::new("value", "Suất quà đã trao và ký nhận, không sửa được. Nếu ghi nhầm, hãy bỏ ghi nhận trao quà trước.").into());
    }
    // The gift's own value is freed from its fund before the new one is checked.
    let freed = if r.fund_id == gift.fund_id { r.value } else { 0 };
    check_fund_room(w.conn(), &r.campaign_id, &gift.fund_id, gift.value - freed).await?;
    let cols = Cols::new()
        .set("fund_id", &gift.fund_id)
        .set("kind", gift.kind)
        .set("form", gift.form)
        .set("description", &gift.description)
        .set("value", gift.value);
    w.update("campaign_recipients", recipient_id, cols).await?;
    w.commit().await
}

/// Takes a child off a campaign; refused once the gift was handed over and signed for.
pub async fn remove(store: &Store, actor: &Actor, source: Source, recipient_id: &str) -> Result<()> {
    actor.require(Need::ManageCampaigns)?;
    let mut w = store.write(actor, source).await?;
    let r = recipient_in(w.conn(), recipient_id).await?;
    if r.handed_over_on.is_some() {
        return Err(InvalidInput::new(
            "id",
            format!("{} đã nhận quà và ký nhận ngày {}, nên không bỏ khỏi danh sách được.", r.full_name, r.handed_over_on.map(text::format_date).unwrap_or_default()),
        )
        .into());
    }
    w.tombstone("campaign_recipients", recipient_id).await?;
    w.commit().await
}

/// What a collaborator's laptop may write of a gift of its group: that it was handed over (or
/// that a mistaken hand-over is taken back), and who received it, as the hand-over screen does.
pub(crate) const COLLABORATOR_WRITES: LimitedWrites = LimitedWrites {
    table: "campaign_recipients",
    insert: false,
    update: true,
    remove: false,
    columns: &[("handed_over_on", Rule::Date { required: false }), ("received_by", Rule::Text { required: false, max: 150 })],
};

/// What the hand-over screen records.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct HandOverInput {
    /// The day, dd/mm/yyyy; empty for today.
    pub on: String,
    /// Who received it for the child ("Mẹ: Trần Thị Hoa"); empty for the child.
    pub received_by: String,
}

/// Records that a gift was handed over. A collaborator records only their residential group's;
/// a gift is handed over only from money the fund received.
pub async fn hand_over(store: &Store, actor: &Actor, source: Source, recipient_id: &str, input: &HandOverInput, today: NaiveDate) -> Result<()> {
    actor.require(Need::HandOver)?;
    let on = crate::children::day_or_today("on", &input.on, today)?;
    let on = text::happened("on", "Ngày trao quà", on, today)?;
    let received_by = text::optional("received_by", "Người nhận thay", &input.received_by, 150)?;
    let mut w = store.write(actor, source).await?;
    let r = recipient_in(w.conn(), recipient_id).await?;
    actor.require_for_group(Need::HandOver, r.group_unit_id.as_deref())?;
    if let Some(day) = r.handed_over_on {
        return Err(InvalidInput::new("on", format!("Suất quà của {} đã ghi trao ngày {}.", r.full_name, text::format_date(day))).into());
    }
    let (received, source_, donor): (i64, FundSource, String) =
        sqlx::query_as("SELECT received, source, donor FROM campaign_funds WHERE id = ? AND deleted_at IS NULL").bind(&r.fund_id).fetch_one(w.conn()).await?;
    let used = fund_use(w.conn(), &r.fund_id).await?;
    if used.spent + r.value > received {
        return Err(InvalidInput::new(
            "on",
            format!(
                "{} mới nhận {}, đã trao {}: không đủ để trao suất {}. Hãy ghi số tiền đã nhận của nguồn trước.",
                super::Fund::title_of(source_, &donor),
                money::format(received),
                money::format(used.spent),
                money::format(r.value)
            ),
        )
        .into());
    }
    w.update("campaign_recipients", recipient_id, Cols::new().set("handed_over_on", on).set("received_by", &received_by)).await?;
    w.commit().await
}

/// Takes back a hand-over recorded by mistake.
pub async fn undo_hand_over(store: &Store, actor: &Actor, source: Source, recipient_id: &str) -> Result<()> {
    actor.require(Need::HandOver)?;
    let mut w = store.write(actor, source).await?;
    let r = recipient_in(w.conn(), recipient_id).await?;
    actor.require_for_group(Need::HandOver, r.group_unit_id.as_deref())?;
    if r.handed_over_on.is_none() {
        return Err(InvalidInput::new("id", format!("Suất quà của {} chưa ghi trao.", r.full_name)).into());
    }
    // The issued report counted this gift as handed over: the record stays as the report says.
    let reported: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents WHERE campaign_id = ? AND status = 'issued' AND deleted_at IS NULL")
        .bind(&r.campaign_id)
        .fetch_one(w.conn())
        .await?;
    if reported > 0 {
        return Err(InvalidInput::new("id", "Đợt này đã có báo cáo kết quả được phát hành, nên không bỏ ghi nhận trao quà được nữa.").into());
    }
    w.update("campaign_recipients", recipient_id, Cols::new().set("handed_over_on", None::<NaiveDate>).set("received_by", "")).await?;
    w.commit().await
}

/// A recipient as lists, the hand-over screen and the sign-off list show them.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Recipient {
    /// Id.
    pub id: String,
    /// The campaign.
    pub campaign_id: String,
    /// The child.
    pub child_id: String,
    /// Name.
    pub full_name: String,
    /// "05/09/2016".
    pub birth_text: String,
    /// The residential group.
    pub group_unit_id: Option<String>,
    /// Its name.
    pub group_name: Option<String>,
    /// The first parent or guardian: "Mẹ: Trần Thị Hoa".
    pub guardian: String,
    /// Gift or scholarship.
    pub kind: GiftKind,
    /// Cash or in kind.
    pub form: GiftForm,
    /// What it is.
    pub description: String,
    /// Value, đồng.
    #[ts(type = "number")]
    pub value: i64,
    /// "500.000 đ".
    pub value_text: String,
    /// The fund.
    pub fund_id: String,
    /// The day it was handed over.
    pub handed_over_on: Option<NaiveDate>,
    /// Who received it for the child.
    pub received_by: String,
    /// The child is in this campaign more than once.
    pub duplicate: bool,
    /// What the child received on the same occasion last year, in words.
    pub last_year: String,
}

#[derive(sqlx::FromRow)]
struct RecipientDb {
    id: String,
    campaign_id: String,
    child_id: String,
    full_name: String,
    birth_date: Option<NaiveDate>,
    birth_year: i32,
    group_unit_id: Option<String>,
    group_name: Option<String>,
    guardians: String,
    kind: GiftKind,
    form: GiftForm,
    description: String,
    value: i64,
    fund_id: String,
    handed_over_on: Option<NaiveDate>,
    received_by: String,
}

const RECIPIENT_SELECT: &str = "SELECT r.id, r.campaign_id, r.child_id, ch.full_name, ch.birth_date, ch.birth_year, ch.group_unit_id,
    u.name AS group_name, ch.guardians, r.kind, r.form, r.description, r.value, r.fund_id, r.handed_over_on, r.received_by
    FROM campaign_recipients r JOIN children ch ON ch.id = r.child_id LEFT JOIN units u ON u.id = ch.group_unit_id";

impl RecipientDb {
    fn into_recipient(self) -> Recipient {
        let guardians: Vec<Guardian> = serde_json::from_str(&self.guardians).unwrap_or_default();
        Recipient {
            birth_text: Birth::from_columns(self.birth_date, self.birth_year).text(),
            guardian: guardians.first().map(Guardian::titled).unwrap_or_default(),
            id: self.id,
            campaign_id: self.campaign_id,
            child_id: self.child_id,
            full_name: self.full_name,
            group_unit_id: self.group_unit_id,
            group_name: self.group_name,
            kind: self.kind,
            form: self.form,
            description: self.description,
            value_text: money::format(self.value),
            value: self.value,
            fund_id: self.fund_id,
            handed_over_on: self.handed_over_on,
            received_by: self.received_by,
            duplicate: false,
            last_year: String::new(),
        }
    }
}

async fn recipient_in(conn: &mut SqliteConnection, id: &str) -> Result<Recipient> {
    let row: RecipientDb = sqlx::query_as(&format!("{RECIPIENT_SELECT} WHERE r.id = ? AND r.deleted_at IS NULL"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(Error::NotFound { what: "suất quà" })?;
    Ok(row.into_recipient())
}

/// A campaign's recipients in official order (by given name), limited to a collaborator's
/// group, each flagged when the child is in the campaign twice.
pub(crate) async fn of_campaign(conn: &mut SqliteConnection, campaign: &Campaign, group: Option<&str>) -> Result<Vec<Recipient>> {
    let rows: Vec<RecipientDb> = sqlx::query_as(&format!(
        "{RECIPIENT_SELECT} WHERE r.campaign_id = ?1 AND r.deleted_at IS NULL AND (?2 IS NULL OR ch.group_unit_id = ?2)"
    ))
    .bind(&campaign.id)
    .bind(group)
    .fetch_all(&mut *conn)
    .await?;
    let mut seen: HashMap<String, u32> = HashMap::new();
    for r in &rows {
        *seen.entry(r.child_id.clone()).or_default() += 1;
    }
    let last = last_year(conn, campaign).await?;
    let mut out: Vec<(Vec<u8>, Recipient)> = rows
        .into_iter()
        .map(|r| {
            let mut r = r.into_recipient();
            r.duplicate = seen.get(&r.child_id).is_some_and(|n| *n > 1);
            r.last_year = last.get(&r.child_id).cloned().unwrap_or_default();
            (text::name_sort_key(&r.full_name), r)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.child_id.cmp(&b.1.child_id)).then_with(|| a.1.id.cmp(&b.1.id)));
    Ok(out.into_iter().map(|(_, r)| r).collect())
}

/// A line of the totals: gifts and money of one group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct Tally {
    /// The group's name: a fund, a group of special circumstances, a residential group.
    pub label: String,
    /// How many gifts and scholarships.
    #[ts(type = "number")]
    pub gifts: i64,
    /// How many handed over.
    #[ts(type = "number")]
    pub handed_over: i64,
    /// Their value, đồng.
    #[ts(type = "number")]
    pub value: i64,
    /// The value handed over, đồng.
    #[ts(type = "number")]
    pub spent: i64,
    /// The same, written out.
    pub spent_text: String,
}

impl Tally {
    fn add(&mut self, r: &Recipient) {
        self.gifts += 1;
        self.value += r.value;
        if r.handed_over_on.is_some() {
            self.handed_over += 1;
            self.spent += r.value;
        }
    }
}

/// A campaign's page: the campaign, its recipients and its totals.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CampaignPage {
    /// The campaign, funds and money.
    pub campaign: Campaign,
    /// Recipients in official order.
    pub recipients: Vec<Recipient>,
    /// By group of special circumstances on the campaign's first day (a child in two groups
    /// counts in each); "Không thuộc nhóm nào" for the others.
    pub by_circumstance: Vec<Tally>,
    /// By residential group.
    pub by_residential_group: Vec<Tally>,
    /// By gift or scholarship.
    pub by_kind: Vec<Tally>,
    /// Whether this person may change the campaign, its funds and recipients.
    pub may_manage: bool,
    /// Whether this person sees the whole ward (every residential group, and the campaign's
    /// money), not one group's gifts.
    pub whole_ward: bool,
}

/// Opens a campaign's page. A collaborator sees their residential group's recipients.
pub async fn page(store: &Store, actor: &Actor, campaign_id: &str) -> Result<CampaignPage> {
    actor.require(Need::ReadChildren)?;
    let mut conn = store.pool().acquire().await?;
    let campaign = get_in(&mut conn, campaign_id, actor.only_group()).await?;
    let recipients = of_campaign(&mut conn, &campaign, actor.only_group()).await?;
    drop(conn);
    let mut page = page_of(store.pool(), campaign, recipients, actor.sees_sensitive_groups()).await?;
    page.may_manage = actor.require(Need::ManageCampaigns).is_ok();
    page.whole_ward = actor.only_group().is_none();
    Ok(page)
}

/// A campaign's page from its recipients: the totals by group.
pub(crate) async fn page_of(pool: &sqlx::SqlitePool, campaign: Campaign, recipients: Vec<Recipient>, with_sensitive: bool) -> Result<CampaignPage> {
    let mut conn = pool.acquire().await?;
    let by_circumstance = by_circumstance(&mut conn, &recipients, campaign.starts_on, with_sensitive).await?;
    let mut groups: Vec<Tally> = Vec::new();
    for r in &recipients {
        let label = r.group_name.clone().unwrap_or_else(|| "Chưa có tổ dân phố".to_owned());
        match groups.iter_mut().find(|t| t.label == label) {
            Some(t) => t.add(r),
            None => {
                let mut t = Tally { label, ..Tally::default() };
                t.add(r);
                groups.push(t);
            }
        }
    }
    groups.sort_by(|a, b| text::compare(&a.label, &b.label));
    let by_kind = GiftKind::ALL
        .iter()
        .map(|k| {
            let mut t = Tally { label: k.label().to_owned(), ..Tally::default() };
            recipients.iter().filter(|r| r.kind == *k).for_each(|r| t.add(r));
            t
        })
        .collect();
    let written = |mut tallies: Vec<Tally>| {
        tallies.iter_mut().for_each(|t| t.spent_text = money::format(t.spent));
        tallies
    };
    Ok(CampaignPage {
        may_manage: false,
        whole_ward: true,
        campaign,
        recipients,
        by_circumstance: written(by_circumstance),
        by_residential_group: written(groups),
        by_kind: written(by_kind),
    })
}

async fn by_circumstance(conn: &mut SqliteConnection, recipients: &[Recipient], on: NaiveDate, with_sensitive: bool) -> Result<Vec<Tally>> {
    let ids: Vec<&str> = recipients.iter().map(|r| r.child_id.as_str()).collect();
    let spans: Vec<(String, Circumstance, NaiveDate, Option<NaiveDate>)> = sqlx::query_as(
        "SELECT child_id, code, start_date, end_date FROM child_circumstances
         WHERE deleted_at IS NULL AND child_id IN (SELECT value FROM json_each(?))",
    )
    .bind(serde_json::to_string(&ids).unwrap_or_default())
    .fetch_all(conn)
    .await?;
    let mut groups_of: HashMap<&str, Vec<Circumstance>> = HashMap::new();
    for (child, code, start, end) in &spans {
        if crate::children::holds(*start, *end, on) && (with_sensitive || !code.sensitive()) {
            groups_of.entry(child.as_str()).or_default().push(*code);
        }
    }
    let mut out: Vec<Tally> = Circumstance::ALL.iter().map(|c| Tally { label: c.titled(), ..Tally::default() }).collect();
    let mut none = Tally { label: "Không thuộc nhóm hoàn cảnh đặc biệt".to_owned(), ..Tally::default() };
    for r in recipients {
        let mut codes = groups_of.get(r.child_id.as_str()).cloned().unwrap_or_default();
        codes.sort_by_key(|c| Circumstance::ALL.iter().position(|a| a == c));
        codes.dedup();
        if codes.is_empty() {
            none.add(r);
        }
        for c in codes {
            if let Some(i) = Circumstance::ALL.iter().position(|a| *a == c) {
                out[i].add(r);
            }
        }
    }
    out.retain(|t| t.gifts > 0);
    if none.gifts > 0 {
        out.push(none);
    }
    Ok(out)
}

/// The hand-over screen's list: the recipients of one residential group (a collaborator's own),
/// found by a few letters of the name, those not yet handed over first.
pub async fn to_hand_over(store: &Store, actor: &Actor, campaign_id: &str, group_unit_id: Option<&str>, query: &str) -> Result<Vec<Recipient>> {
    actor.require(Need::HandOver)?;
    let group = actor.only_group().or(group_unit_id.filter(|g| !g.is_empty()));
    let mut conn = store.pool().acquire().await?;
    let campaign = get_in(&mut conn, campaign_id, group).await?;
    let mut list = of_campaign(&mut conn, &campaign, group).await?;
    if !query.trim().is_empty() {
        list.retain(|r| text::matches(&format!("{} {}", r.full_name, r.guardian), query));
    }
    list.sort_by_key(|r| r.handed_over_on.is_some());
    Ok(list)
}
