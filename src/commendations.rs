//! Commendations (Law 06/2022 on emulation and commendation, Art. 80(3)): organisations and
//! people proposed with their achievements, linked to the plan's activities or to campaigns; the
//! review; the Chairman's decision with its list (a numbered document of the register, drafted by
//! [`crate::documents::register::create_commendation_decision`]); each one's history; and where
//! the fields of the Giấy khen go on the ward's pre-printed blanks.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use ts_rs::TS;

use crate::auth::{Actor, Need};
use crate::store::{natural_id, new_id, Cols, Source, Store};
use crate::text::{self, InvalidInput};
use crate::{Error, Result};

labelled_enum! {
    /// Who is commended.
    pub enum NomineeKind {
        /// Tập thể.
        Organisation = ("organisation", "Tập thể"),
        /// Cá nhân.
        Person = ("person", "Cá nhân"),
    }
}

labelled_enum! {
    /// Where a proposal stands.
    pub enum NominationStatus {
        /// Proposed, not yet reviewed.
        Proposed = ("proposed", "Chờ xét duyệt"),
        /// Agreed at the review: goes into the decision.
        Approved = ("approved", "Đồng ý khen thưởng"),
        /// Not agreed.
        Rejected = ("rejected", "Không đồng ý"),
    }
}

/// A proposal as the form gives it.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct NominationInput {
    /// The year whose work is commended.
    pub year: i32,
    /// An organisation or a person.
    pub nominee_kind: Option<NomineeKind>,
    /// "Hội Liên hiệp Phụ nữ phường", "Bà Nguyễn Thị Hoa".
    pub name: String,
    /// The ward's unit it is, or a person works in.
    pub unit_id: Option<String>,
    /// A person's post and place.
    pub position: String,
    /// What they did.
    pub achievements: String,
    /// The plan's activity the work was for.
    pub node_id: Option<String>,
    /// Or the campaign.
    pub campaign_id: Option<String>,
}

/// A proposal and where it stands.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, TS)]
#[ts(export)]
pub struct Nomination {
    /// Id.
    pub id: String,
    /// The year.
    pub year: i32,
    /// An organisation or a person.
    pub nominee_kind: NomineeKind,
    /// Name.
    pub name: String,
    /// The ward's unit.
    pub unit_id: Option<String>,
    /// Its name.
    pub unit_name: Option<String>,
    /// A person's post and place.
    pub position: String,
    /// Achievements.
    pub achievements: String,
    /// The plan's activity.
    pub node_id: Option<String>,
    /// Its text.
    pub activity: Option<String>,
    /// The campaign.
    pub campaign_id: Option<String>,
    /// Its name.
    pub campaign_name: Option<String>,
    /// Where it stands.
    pub status: NominationStatus,
    /// What the review said.
    pub review_note: String,
    /// The decision that awards it.
    pub document_id: Option<String>,
    /// "05/QĐ-UBND" once the decision is issued; empty before.
    #[sqlx(default)]
    pub decision_text: String,
    /// Earlier commendations of the same unit or person: "2023: 03/QĐ-UBND".
    #[sqlx(skip)]
    pub earlier: Vec<String>,
}

const SELECT: &str = "SELECT n.id, n.year, n.nominee_kind, n.name, n.unit_id, u.name AS unit_name, n.position, n.achievements,
    n.node_id, p.text AS activity, n.campaign_id, c.name AS campaign_name, n.status, n.review_note, n.document_id,
    CASE WHEN d.number IS NOT NULL THEN printf('%02d/%s', d.number, d.symbol) ELSE '' END AS decision_text
    FROM nominations n LEFT JOIN units u ON u.id = n.unit_id LEFT JOIN campaigns c ON c.id = n.campaign_id
    LEFT JOIN plan_nodes p ON p.id = n.node_id
    LEFT JOIN documents d ON d.id = n.document_id AND d.deleted_at IS NULL";

struct Valid {
    year: i32,
    kind: NomineeKind,
    name: String,
    unit_id: Option<String>,
    position: String,
    achievements: String,
    node_id: Option<String>,
    campaign_id: Option<String>,
}

fn validate(input: &NominationInput) -> Result<Valid> {
    if !(2000..=2200).contains(&input.year) {
        return Err(InvalidInput::new("year", "Chọn năm có 4 chữ số, ví dụ 2024.").into());
    }
    let kind = input.nominee_kind.ok_or_else(|| InvalidInput::new("nominee_kind", "Chọn tập thể hoặc cá nhân."))?;
    let name = text::required("name", "tên tập thể hoặc họ và tên", &input.name, 200)?;
    let position = text::optional("position", "Chức vụ, đơn vị", &input.position, 200)?;
    let achievements = text::required("achievements", "thành tích", &input.achievements, 3000)?;
    let some = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    Ok(Valid {
        year: input.year,
        kind,
        name,
        unit_id: some(&input.unit_id),
        position,
        achievements,
        node_id: some(&input.node_id),
        campaign_id: some(&input.campaign_id),
    })
}

impl Valid {
    fn cols(&self) -> Cols {
        Cols::new()
            .set("year", self.year)
            .set("nominee_kind", self.kind)
            .set("name", &self.name)
            .set("unit_id", &self.unit_id)
            .set("position", &self.position)
            .set("achievements", &self.achievements)
            .set("node_id", &self.node_id)
            .set("campaign_id", &self.campaign_id)
    }
}

/// Proposes an organisation or a person.
pub async fn nominate(store: &Store, actor: &Actor, source: Source, input: &NominationInput) -> Result<Nomination> {
    actor.require(Need::ManageCampaigns)?;
    let valid = validate(input)?;
    let mut w = store.write(actor, source).await?;
    let id = new_id();
    w.insert("nominations", &id, valid.cols().set("status", NominationStatus::Proposed).set("review_note", "")).await?;
    w.commit().await?;
    get_in(store.pool(), &id).await
}

/// Changes a proposal not yet in a decision.
pub async fn update(store: &Store, actor: &Actor, source: Source, id: &str, input: &NominationInput) -> Result<Nomination> {
    actor.require(Need::ManageCampaigns)?;
    let valid = validate(input)?;
    let mut w = store.write(actor, source).await?;
    not_decided(&mut w, id).await?;
    w.update("nominations", id, valid.cols()).await?;
    w.commit().await?;
    get_in(store.pool(), id).await
}

/// Refuses a proposal withdrawn, or awarded by an issued decision; returns the draft decision
/// it is in, if any.
async fn not_decided(w: &mut crate::store::Write<'_>, id: &str) -> Result<Option<String>> {
    let row: Option<(Option<String>, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT n.deleted_at, n.document_id, d.status FROM nominations n LEFT JOIN documents d ON d.id = n.document_id WHERE n.id = ?",
    )
    .bind(id)
    .fetch_optional(w.conn())
    .await?;
    match row {
        None | Some((Some(_), _, _)) => Err(Error::NotFound { what: "đề nghị khen thưởng" }),
        Some((None, _, Some(status))) if status == "issued" => {
            Err(InvalidInput::new("id", "Đề nghị này đã có quyết định khen thưởng được phát hành, không sửa được.").into())
        }
        Some((None, draft, _)) => Ok(draft),
    }
}

/// Records the review: agreed (goes into the next decision) or not.
pub async fn review(store: &Store, actor: &Actor, source: Source, id: &str, approved: bool, note: &str) -> Result<Nomination> {
    actor.require(Need::ManageCampaigns)?;
    let note = text::optional("review_note", "Ý kiến xét duyệt", note, 1000)?;
    if !approved && note.is_empty() {
        return Err(InvalidInput::new("review_note", "Ghi lý do không đồng ý khen thưởng.").into());
    }
    let status = if approved { NominationStatus::Approved } else { NominationStatus::Rejected };
    let mut w = store.write(actor, source).await?;
    let mut cols = Cols::new().set("status", status).set("review_note", &note);
    // Not agreed after all: it leaves the draft decision it was in.
    if not_decided(&mut w, id).await?.is_some() && !approved {
        cols = cols.set("document_id", None::<String>);
    }
    w.update("nominations", id, cols).await?;
    w.commit().await?;
    get_in(store.pool(), id).await
}

/// Withdraws a proposal not yet in a decision.
pub async fn remove(store: &Store, actor: &Actor, source: Source, id: &str) -> Result<()> {
    actor.require(Need::ManageCampaigns)?;
    let mut w = store.write(actor, source).await?;
    not_decided(&mut w, id).await?;
    w.tombstone("nominations", id).await?;
    w.commit().await
}

pub(crate) async fn get_in(pool: &SqlitePool, id: &str) -> Result<Nomination> {
    sqlx::query_as(&format!("{SELECT} WHERE n.id = ? AND n.deleted_at IS NULL")).bind(id).fetch_optional(pool).await?.ok_or(Error::NotFound { what: "đề nghị khen thưởng" })
}

/// A year's proposals, organisations first, each with the earlier commendations of the same
/// unit or person.
pub async fn list(store: &Store, actor: &Actor, year: i32) -> Result<Vec<Nomination>> {
    actor.require(Need::ReadPlan)?;
    let mut rows: Vec<Nomination> = sqlx::query_as(&format!("{SELECT} WHERE n.year = ? AND n.deleted_at IS NULL ORDER BY n.nominee_kind, n.created_at"))
        .bind(year)
        .fetch_all(store.pool())
        .await?;
    let all = decided(store.pool()).await?;
    for r in &mut rows {
        r.earlier = all.iter().filter(|d| d.year < r.year && same_nominee(d, r)).map(|d| format!("{}: Giấy khen, Quyết định số {}", d.year, d.decision_text)).collect();
    }
    Ok(rows)
}

/// Every commendation awarded by an issued decision, oldest first.
async fn decided(pool: &SqlitePool) -> Result<Vec<Nomination>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE n.deleted_at IS NULL AND n.status = 'approved' AND d.number IS NOT NULL ORDER BY n.year")).fetch_all(pool).await?)
}

/// The same unit, or the same name (tone marks and case aside) of the same kind.
fn same_nominee(a: &Nomination, b: &Nomination) -> bool {
    a.nominee_kind == b.nominee_kind
        && match (&a.unit_id, &b.unit_id, a.nominee_kind) {
            (Some(x), Some(y), NomineeKind::Organisation) => x == y,
            _ => text::fold(&a.name) == text::fold(&b.name),
        }
}

/// The commendations a unit or a person received, by issued decisions: a unit's page and a
/// person's history.
pub async fn history(store: &Store, actor: &Actor, unit_id: Option<&str>, name: Option<&str>) -> Result<Vec<Nomination>> {
    actor.require(Need::ReadPlan)?;
    let name = name.map(text::fold);
    Ok(decided(store.pool())
        .await?
        .into_iter()
        .filter(|d| unit_id.is_some_and(|u| d.unit_id.as_deref() == Some(u)) || name.as_ref().is_some_and(|n| text::fold(&d.name) == *n))
        .collect())
}

/// The proposals a decision awards, organisations first.
pub async fn of_document(store: &Store, actor: &Actor, document_id: &str) -> Result<Vec<Nomination>> {
    actor.require(Need::ReadPlan)?;
    of_decision(store.pool(), document_id).await
}

/// [`of_document`] without the check, for the documents.
pub(crate) async fn of_decision(pool: &SqlitePool, document_id: &str) -> Result<Vec<Nomination>> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE n.document_id = ? AND n.deleted_at IS NULL ORDER BY n.nominee_kind, n.created_at"))
        .bind(document_id)
        .fetch_all(pool)
        .await?)
}

/// Puts a year's approved proposals not yet in a decision into the decision `document_id`,
/// inside its write; returns how many.
pub(crate) async fn attach_in(w: &mut crate::store::Write<'_>, year: i32, document_id: &str) -> Result<usize> {
    let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM nominations WHERE year = ? AND status = 'approved' AND document_id IS NULL AND deleted_at IS NULL")
        .bind(year)
        .fetch_all(w.conn())
        .await?;
    for id in &ids {
        w.update("nominations", id, Cols::new().set("document_id", document_id)).await?;
    }
    Ok(ids.len())
}

labelled_enum! {
    /// A field of the Giấy khen, printed on a pre-printed blank.
    pub enum CertificateField {
        /// The name of the organisation or person.
        Name = ("name", "Tên tập thể, cá nhân"),
        /// A person's post and place.
        Position = ("position", "Chức vụ, đơn vị"),
        /// The achievement.
        Achievement = ("achievement", "Thành tích"),
        /// The decision's number and date.
        Decision = ("decision", "Số, ngày quyết định"),
        /// "Phường …, ngày … tháng … năm …".
        DateLine = ("date_line", "Địa danh, ngày tháng"),
        /// The signer's title lines ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH").
        SignerTitle = ("signer_title", "Chức vụ người ký"),
        /// The signer's name.
        Signer = ("signer", "Người ký"),
    }
}

/// Where a field goes: its centre line, from the sheet's left edge, and its baseline from the
/// top, in millimetres; and its size in points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FieldPosition {
    /// Centre, mm from the left edge.
    pub x: f32,
    /// Baseline, mm from the top edge.
    pub y: f32,
    /// Font size, pt.
    pub size: f32,
}

/// The positions of every field on the ward's blanks.
pub type Layout = BTreeMap<CertificateField, FieldPosition>;

impl PartialOrd for CertificateField {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for CertificateField {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let at = |f: &CertificateField| CertificateField::ALL.iter().position(|x| x == f);
        at(self).cmp(&at(other))
    }
}

/// Where the fields go when no one has set them: the customary blank, A4 landscape.
pub fn default_layout() -> Layout {
    use CertificateField::*;
    [
        (Name, FieldPosition { x: 148.5, y: 112.0, size: 26.0 }),
        (Position, FieldPosition { x: 148.5, y: 124.0, size: 16.0 }),
        (Achievement, FieldPosition { x: 148.5, y: 140.0, size: 16.0 }),
        (Decision, FieldPosition { x: 75.0, y: 178.0, size: 12.0 }),
        (DateLine, FieldPosition { x: 215.0, y: 150.0, size: 14.0 }),
        (SignerTitle, FieldPosition { x: 215.0, y: 158.0, size: 14.0 }),
        (Signer, FieldPosition { x: 215.0, y: 192.0, size: 16.0 }),
    ]
    .into_iter()
    .collect()
}

const LAYOUT_KEY: &str = "certificate_layout";

/// The ward's positions of the fields on its blanks.
pub async fn layout(store: &Store, actor: &Actor) -> Result<Layout> {
    actor.require(Need::ReadPlan)?;
    layout_in(store.pool()).await
}

pub(crate) async fn layout_in(pool: &SqlitePool) -> Result<Layout> {
    let json: Option<String> = sqlx::query_scalar("SELECT positions FROM certificate_layouts WHERE id = ? AND deleted_at IS NULL")
        .bind(natural_id(LAYOUT_KEY, &[]))
        .fetch_optional(pool)
        .await?;
    let mut out = default_layout();
    if let Some(saved) = json.and_then(|j| serde_json::from_str::<Layout>(&j).ok()) {
        out.extend(saved);
    }
    Ok(out)
}

/// Sets where the fields go on the ward's blanks, each within the sheet.
pub async fn set_layout(store: &Store, actor: &Actor, source: Source, layout: &Layout) -> Result<()> {
    actor.require(Need::ManageCampaigns)?;
    for (field, p) in layout {
        if !(0.0..=297.0).contains(&p.x) || !(0.0..=210.0).contains(&p.y) {
            return Err(InvalidInput::new("positions", format!("“{}”: vị trí phải nằm trong tờ A4 ngang (ngang 0–297 mm, dọc 0–210 mm).", field.label())).into());
        }
        if !(6.0..=60.0).contains(&p.size) {
            return Err(InvalidInput::new("positions", format!("“{}”: cỡ chữ từ 6 đến 60.", field.label())).into());
        }
    }
    let id = natural_id(LAYOUT_KEY, &[]);
    let mut w = store.write(actor, source).await?;
    let cols = Cols::new().set("positions", layout);
    if w.read("certificate_layouts", &id, &["id"]).await?.is_some() {
        w.update("certificate_layouts", &id, cols).await?;
    } else {
        w.insert("certificate_layouts", &id, cols).await?;
    }
    w.commit().await
}

/// The demo ward's proposals for 2024: two agreed at the review, one waiting for it.
pub(crate) async fn add_demo_in(w: &mut crate::store::Write<'_>) -> Result<()> {
    let tet = natural_id("demo_campaign", &["tet-2024"]);
    let proposals = [
        (
            "hlhpn",
            NomineeKind::Organisation,
            "Hội Liên hiệp Phụ nữ phường",
            Some("Hội Liên hiệp Phụ nữ"),
            "",
            "Vận động doanh nghiệp, nhà hảo tâm ủng hộ quà Tết cho trẻ em có hoàn cảnh đặc biệt; phối hợp tổ chức Tháng hành động vì trẻ em năm 2024.",
            Some(tet.as_str()),
            NominationStatus::Approved,
        ),
        (
            "tyt",
            NomineeKind::Organisation,
            "Trạm Y tế phường",
            Some("Trạm Y tế"),
            "",
            "Tổ chức khám sức khỏe định kỳ cho trẻ em; tỷ lệ trẻ em dưới 1 tuổi được tiêm chủng đầy đủ đạt 100%.",
            None,
            NominationStatus::Approved,
        ),
        (
            "ctv-mai",
            NomineeKind::Person,
            "Bà Trần Thị Mai",
            None,
            "Cộng tác viên công tác trẻ em, Tổ dân phố 2",
            "Theo dõi sát trẻ em có hoàn cảnh đặc biệt của tổ dân phố; trao quà đầy đủ, kịp thời trong các đợt thăm, tặng quà năm 2024.",
            None,
            NominationStatus::Proposed,
        ),
    ];
    for (key, kind, name, unit, position, achievements, campaign, status) in proposals {
        let unit_id: Option<String> = match unit {
            Some(unit) => sqlx::query_scalar("SELECT id FROM units WHERE name = ? AND deleted_at IS NULL").bind(unit).fetch_optional(w.conn()).await?,
            None => None,
        };
        let cols = Cols::new()
            .set("year", 2024)
            .set("nominee_kind", kind)
            .set("name", name)
            .set("unit_id", unit_id)
            .set("position", position)
            .set("achievements", achievements)
            .set("node_id", None::<String>)
            .set("campaign_id", campaign)
            .set("status", status)
            .set("review_note", "");
        w.insert("nominations", &natural_id("demo_nomination", &[key]), cols).await?;
    }
    Ok(())
}
