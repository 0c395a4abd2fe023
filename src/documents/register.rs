//! The register of outgoing documents (sổ đăng ký văn bản đi): drafts that can change, and
//! issued documents — numbered from 01 each year, dated, optionally signed — that are frozen:
//! their PDF and its hash are kept and they reprint from them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use ts_rs::TS;

use super::frame::SignedMark;
use super::{campaign_docs, case_docs, commendation_docs, delivery, plan_doc, progress, protection_docs, reminder, report};
use crate::auth::{Actor, Need};
use crate::files;
use crate::signing::{Identity, SignOptions};
use crate::store::{new_id, stamp, Cols, Source, Store, Write};
use crate::text::{self, InvalidInput};
use crate::plan::reporting::ReportPeriod;
use crate::{plan, Error, Result};

labelled_enum! {
    /// The kinds of document the ward issues from the app.
    pub enum Kind {
        /// Kế hoạch (KH).
        Plan = ("plan", "Kế hoạch"),
        /// Báo cáo kết quả thực hiện kế hoạch (BC).
        Report = ("report", "Báo cáo"),
        /// Bảng theo dõi tiến độ (not numbered).
        Progress = ("progress", "Bảng theo dõi tiến độ"),
        /// Danh sách giao nhận văn bản (not numbered).
        Delivery = ("delivery", "Danh sách giao nhận"),
        /// Công văn đôn đốc: a letter to one unit that is late (numbered, no type code).
        Reminder = ("reminder", "Công văn đôn đốc"),
        /// Quyết định phê duyệt kế hoạch hỗ trợ, can thiệp (Mẫu 05 of Decree 56) for a case.
        CaseDecision = ("case_decision", "Quyết định phê duyệt kế hoạch hỗ trợ, can thiệp"),
        /// Báo cáo nhanh: a child died of an accident or injury (seed plan II.3.d).
        InjuryReport = ("injury_report", "Báo cáo nhanh trẻ em tử vong do tai nạn, thương tích"),
        /// Báo cáo kết quả tự kiểm tra lao động trẻ em (seed plan II.5.a).
        LabourReport = ("labour_report", "Báo cáo tự kiểm tra lao động trẻ em"),
        /// Báo cáo kết quả một đợt thăm, tặng quà (BC).
        CampaignReport = ("campaign_report", "Báo cáo kết quả đợt thăm, tặng quà"),
        /// Quyết định khen thưởng of the Chairman, with its list (QĐ).
        Commendation = ("commendation", "Quyết định khen thưởng"),
    }
}

impl Kind {
    /// Whether the register gives it a number.
    pub fn numbered(self) -> bool {
        matches!(self, Kind::Plan | Kind::Report | Kind::Reminder | Kind::CaseDecision | Kind::InjuryReport | Kind::LabourReport | Kind::CampaignReport | Kind::Commendation)
    }

    /// The page it is set on: the progress table has many columns, so landscape A4.
    pub fn page(self) -> crate::pdf::Page {
        match self {
            Kind::Progress => crate::pdf::Page::a4_landscape(),
            _ => crate::pdf::Page::a4(),
        }
    }

    /// Names children and what happened to them: only those who may open cases read it; the
    /// register shows others its number, date and kind.
    pub fn restricted(self) -> bool {
        matches!(self, Kind::CaseDecision | Kind::InjuryReport | Kind::LabourReport)
    }
}

labelled_enum! {
    /// Where a document stands in the register.
    pub enum DocStatus {
        /// Editable, not numbered.
        Draft = ("draft", "Bản nháp"),
        /// Numbered, dated and frozen.
        Issued = ("issued", "Đã phát hành"),
    }
}

/// The sections of a report the officer writes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Narrative {
    /// Kết quả đạt được.
    pub results: String,
    /// Tồn tại, hạn chế.
    pub shortcomings: String,
    /// Đề xuất, kiến nghị.
    pub proposals: String,
}

/// A document in the register.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Document {
    /// Id.
    pub id: String,
    /// Kind.
    pub kind: Kind,
    /// The plan it speaks of.
    pub plan_id: Option<String>,
    /// 6-monthly or yearly (reports).
    pub period: Option<ReportPeriod>,
    /// The document a delivery list is for.
    pub source_id: Option<String>,
    /// The unit a reminder letter is addressed to.
    pub unit_id: Option<String>,
    /// The case an approval decision is for.
    pub case_id: Option<String>,
    /// The injury an urgent report is for.
    pub injury_id: Option<String>,
    /// The year a self-check report speaks of.
    pub about_year: Option<i32>,
    /// The campaign a campaign report speaks of.
    pub campaign_id: Option<String>,
    /// Year of the register.
    pub year: i32,
    /// Number, once issued.
    pub number: Option<i32>,
    /// "BC-UBND".
    pub symbol: String,
    /// Date, once issued.
    pub issued_on: Option<NaiveDate>,
    /// Summary.
    pub summary: String,
    /// "KT. CHỦ TỊCH".
    pub signer_prefix: String,
    /// "PHÓ CHỦ TỊCH".
    pub signer_title: String,
    /// Signer's name.
    pub signer_name: String,
    /// Nơi nhận.
    pub recipients: Vec<String>,
    /// The officer's sections (reports).
    pub narrative: Narrative,
    /// Draft or issued.
    pub status: DocStatus,
    /// "05/BC-UBND" once numbered, else empty: the form the register and the window show.
    pub number_text: String,
    /// What can be done with it now, so the window offers only that.
    pub can: Actions,
    /// SHA-256 of the issued PDF.
    pub sha256: Option<String>,
    /// Who signed it digitally, in the order they signed ("A; B").
    pub signed_by: Option<String>,
    /// When the last of them signed (UTC).
    pub signed_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    kind: Kind,
    plan_id: Option<String>,
    period: Option<ReportPeriod>,
    source_id: Option<String>,
    unit_id: Option<String>,
    case_id: Option<String>,
    injury_id: Option<String>,
    about_year: Option<i32>,
    campaign_id: Option<String>,
    year: i32,
    number: Option<i32>,
    symbol: String,
    issued_on: Option<NaiveDate>,
    summary: String,
    signer_prefix: String,
    signer_title: String,
    signer_name: String,
    recipients: String,
    narrative: String,
    status: DocStatus,
    file_id: Option<String>,
    sha256: Option<String>,
    signed_by: Option<String>,
    signed_at: Option<DateTime<Utc>>,
}

/// What the officer can do with a document, by its kind and where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Actions {
    /// Edit the draft and number, date and sign it (the numbered kinds, while a draft).
    pub issue: bool,
    /// Write the report's three sections (reports, while a draft).
    pub write_sections: bool,
    /// Make its delivery list (an issued plan or report).
    pub delivery_list: bool,
    /// Check its digital signature (once issued).
    pub verify: bool,
    /// Add a signature after the first (once issued).
    pub sign_again: bool,
    /// Add or remove the documents sent with it (while a draft).
    pub attach: bool,
}

impl Actions {
    fn of(kind: Kind, status: DocStatus) -> Actions {
        let draft = status == DocStatus::Draft;
        Actions {
            issue: draft && kind.numbered(),
            write_sections: draft && matches!(kind, Kind::Report | Kind::LabourReport | Kind::CampaignReport),
            delivery_list: !draft && matches!(kind, Kind::Plan | Kind::Report),
            verify: !draft,
            sign_again: !draft,
            attach: draft,
        }
    }
}

/// "05/BC-UBND" (numbers below 10 with a leading zero, Decree 30 Annex I), or empty.
pub fn number_text(number: Option<i32>, symbol: &str) -> String {
    number.map(|n| format!("{n:02}/{symbol}")).unwrap_or_default()
}

impl From<Row> for Document {
    fn from(r: Row) -> Document {
        Document {
            id: r.id,
            kind: r.kind,
            number_text: number_text(r.number, &r.symbol),
            can: Actions::of(r.kind, r.status),
            plan_id: r.plan_id,
            period: r.period,
            source_id: r.source_id,
            unit_id: r.unit_id,
            case_id: r.case_id,
            injury_id: r.injury_id,
            about_year: r.about_year,
            campaign_id: r.campaign_id,
            year: r.year,
            number: r.number,
            symbol: r.symbol,
            issued_on: r.issued_on,
            summary: r.summary,
            signer_prefix: r.signer_prefix,
            signer_title: r.signer_title,
            signer_name: r.signer_name,
            recipients: serde_json::from_str(&r.recipients).unwrap_or_default(),
            narrative: serde_json::from_str(&r.narrative).unwrap_or_default(),
            status: r.status,
            sha256: r.sha256,
            signed_by: r.signed_by,
            signed_at: r.signed_at,
        }
    }
}

async fn row(pool: &SqlitePool, id: &str) -> Result<Row> {
    sqlx::query_as::<_, Row>("SELECT * FROM documents WHERE id = ? AND deleted_at IS NULL")
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(Error::NotFound { what: "văn bản" })
}

/// Whether the document `id` names a child (see [`Kind::restricted`]).
pub(crate) async fn restricted(pool: &SqlitePool, id: &str) -> Result<bool> {
    let kind: Option<Kind> = sqlx::query_scalar("SELECT kind FROM documents WHERE id = ?").bind(id).fetch_optional(pool).await?;
    Ok(kind.is_some_and(Kind::restricted))
}

/// Whether the kept file `file_id` is the PDF of a document that names a child.
pub(crate) async fn file_restricted(pool: &SqlitePool, file_id: &str) -> Result<bool> {
    let kinds: Vec<Kind> = sqlx::query_scalar(
        "SELECT kind FROM documents WHERE file_id = ?1
         UNION ALL SELECT d.kind FROM document_attachments a JOIN documents d ON d.id = a.document_id WHERE ?1 IN (a.file_id, a.issued_file_id)",
    )
    .bind(file_id)
    .fetch_all(pool)
    .await?;
    Ok(kinds.into_iter().any(Kind::restricted))
}

/// One document.
pub async fn get(store: &Store, actor: &Actor, id: &str) -> Result<Document> {
    actor.require(Need::ReadPlan)?;
    Ok(shown_to(actor, get_in(store.pool(), id).await?))
}

/// A document as this person may see it: a case's decision names the child, so to those who
/// may not open cases the register shows only its number, date and kind.
fn shown_to(actor: &Actor, mut doc: Document) -> Document {
    if doc.kind.restricted() && actor.require(Need::ReadCases).is_err() {
        doc.summary = format!("{} (nội dung chỉ cán bộ và lãnh đạo được xem)", doc.kind.label());
        doc.recipients.clear();
        doc.narrative = Narrative::default();
        doc.can = Actions { issue: false, write_sections: false, delivery_list: false, verify: false, sign_again: false, attach: false };
    }
    doc
}

pub(crate) async fn get_in(pool: &SqlitePool, id: &str) -> Result<Document> {
    Ok(row(pool, id).await?.into())
}

/// Every document, newest first (drafts and issued).
pub async fn list(store: &Store, actor: &Actor) -> Result<Vec<Document>> {
    actor.require(Need::ReadPlan)?;
    Ok(list_in(store.pool()).await?.into_iter().map(|d| shown_to(actor, d)).collect())
}

pub(crate) async fn list_in(pool: &SqlitePool) -> Result<Vec<Document>> {
    let rows = sqlx::query_as::<_, Row>("SELECT * FROM documents WHERE deleted_at IS NULL ORDER BY created_at DESC").fetch_all(pool).await?;
    Ok(rows.into_iter().map(Document::from).collect())
}

/// The register of a year: issued documents by number.
pub async fn register(store: &Store, actor: &Actor, year: i32) -> Result<Vec<Document>> {
    actor.require(Need::ReadPlan)?;
    Ok(register_in(store.pool(), year).await?.into_iter().map(|d| shown_to(actor, d)).collect())
}

pub(crate) async fn register_in(pool: &SqlitePool, year: i32) -> Result<Vec<Document>> {
    let rows = sqlx::query_as::<_, Row>(
        "SELECT * FROM documents WHERE year = ? AND status = 'issued' AND number IS NOT NULL AND deleted_at IS NULL ORDER BY number",
    )
    .bind(year)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(Document::from).collect())
}

/// The letters of a plan sent (or drafted) to a unit, newest first.
pub async fn for_unit(store: &Store, actor: &Actor, plan_id: &str, unit_id: &str) -> Result<Vec<Document>> {
    actor.require(Need::ReadPlan)?;
    for_unit_in(store.pool(), plan_id, unit_id).await
}

pub(crate) async fn for_unit_in(pool: &SqlitePool, plan_id: &str, unit_id: &str) -> Result<Vec<Document>> {
    let rows = sqlx::query_as::<_, Row>("SELECT * FROM documents WHERE plan_id = ? AND unit_id = ? AND deleted_at IS NULL ORDER BY created_at DESC")
        .bind(plan_id)
        .bind(unit_id)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(Document::from).collect())
}

/// Longest narrative section: about twenty pages.
const MAX_SECTION_CHARS: usize = 60_000;

fn check_narrative(n: &Narrative) -> Result<Narrative> {
    let mut out = Narrative::default();
    for (field, label, text, slot) in [
        ("results", "Kết quả đạt được", &n.results, &mut out.results),
        ("shortcomings", "Tồn tại, hạn chế", &n.shortcomings, &mut out.shortcomings),
        ("proposals", "Đề xuất, kiến nghị", &n.proposals, &mut out.proposals),
    ] {
        let t = text::nfc(text);
        let chars = t.chars().count();
        if chars > MAX_SECTION_CHARS {
            return Err(InvalidInput::new(
                field,
                format!("Phần “{label}” dài {chars} ký tự, quá giới hạn 60.000 ký tự (khoảng 20 trang). Hãy rút gọn, hoặc đưa số liệu chi tiết vào phụ lục."),
            )
            .into());
        }
        *slot = t;
    }
    Ok(out)
}

impl Document {
    /// The Decree 30 frame of this document from the ward's (`base`): its number, date, type,
    /// summary, signer and recipients around `body`.
    pub(crate) fn frame(&self, doc_type: &str, body: Vec<crate::pdf::Block>, signed: Option<SignedMark>, base: super::frame::Frame) -> super::frame::Frame {
        super::frame::Frame {
            number: self.number,
            symbol: self.symbol.clone(),
            date: self.issued_on,
            doc_type: doc_type.to_owned(),
            summary: self.summary.clone(),
            body,
            signature: super::frame::Signature { signed, ..super::frame::Signature::from_parts(&self.signer_prefix, &self.signer_title, &self.signer_name) },
            recipients: self.recipients.clone(),
            ..base
        }
    }
}

/// Starts a draft of a kind of document for a plan (and, for reports, a period; for delivery
/// lists, the issued document delivered; for reminder letters, the unit addressed).
pub async fn create_draft(
    store: &Store, actor: &Actor,
    source: Source,
    kind: Kind,
    plan_id: &str,
    period: Option<ReportPeriod>,
    source_id: Option<&str>,
    unit_id: Option<&str>,
) -> Result<Document> {
    actor.require(Need::DraftDocuments)?;
    let p = plan::get_in(store.pool(), plan_id).await?;
    let (symbol, summary, recipients, narrative) = match kind {
        Kind::Plan => (p.symbol.clone(), p.title.clone(), serde_json::from_str(&p.recipients).unwrap_or_default(), Narrative::default()),
        Kind::Report => {
            let period = period.ok_or_else(|| InvalidInput::new("period", "Chọn kỳ báo cáo: 6 tháng hoặc cả năm."))?;
            let drafted = report::drafted_narrative(store.pool(), &p, period).await?;
            (
                "BC-UBND".to_owned(),
                report::summary(&p, period),
                report::default_recipients(),
                drafted,
            )
        }
        Kind::Progress => (String::new(), format!("Bảng theo dõi tiến độ thực hiện kế hoạch công tác trẻ em năm {}", p.year), vec![], Narrative::default()),
        Kind::Delivery => {
            let of = get_in(store.pool(), source_id.ok_or_else(|| InvalidInput::new("source_id", "Chọn văn bản cần lập danh sách giao nhận."))?).await?;
            if of.status != DocStatus::Issued {
                return Err(InvalidInput::new("source_id", "Chỉ lập danh sách giao nhận cho văn bản đã cấp số.").into());
            }
            if !matches!(of.kind, Kind::Plan | Kind::Report) {
                return Err(InvalidInput::new("source_id", "Danh sách giao nhận chỉ lập cho kế hoạch và báo cáo.").into());
            }
            (String::new(), format!("Danh sách giao nhận văn bản số {:02}/{}", of.number.unwrap_or(0), of.symbol), of.recipients.clone(), Narrative::default())
        }
        Kind::Reminder => {
            let unit_id = unit_id.ok_or_else(|| InvalidInput::new("unit_id", "Chọn đơn vị nhận công văn đôn đốc."))?;
            let page = crate::unit_page::unit_page_in(store.pool(), plan_id, unit_id, crate::today_in_vietnam()).await?;
            if !page.reminder_due {
                return Err(InvalidInput::new(
                    "unit_id",
                    format!("{} không có hoạt động quá hạn hay báo cáo chưa nộp, nên không cần công văn đôn đốc.", page.unit.name),
                )
                .into());
            }
            (reminder::SYMBOL.to_owned(), reminder::summary(&p), reminder::default_recipients(), Narrative::default())
        }
        Kind::CaseDecision | Kind::InjuryReport | Kind::LabourReport | Kind::CampaignReport | Kind::Commendation => {
            return Err(InvalidInput::new(
                "kind",
                "Văn bản này được lập từ trang của vụ việc, của trường hợp tai nạn, của danh sách kiểm tra lao động trẻ em, của đợt thăm, tặng quà hoặc của trang khen thưởng.",
            )
            .into())
        }
    };
    let unit_id = if kind == Kind::Reminder { unit_id.map(str::to_owned) } else { None };
    let doc = Document {
        id: new_id(),
        kind,
        plan_id: Some(plan_id.to_owned()),
        period,
        source_id: source_id.map(str::to_owned),
        unit_id,
        case_id: None,
        injury_id: None,
        about_year: None,
        campaign_id: None,
        year: p.year,
        number: None,
        symbol,
        issued_on: None,
        summary,
        signer_prefix: p.signer_prefix.clone(),
        signer_title: p.signer_title.clone(),
        signer_name: p.signer_name.clone(),
        recipients,
        narrative,
        status: DocStatus::Draft,
        number_text: String::new(),
        can: Actions::of(kind, DocStatus::Draft),
        sha256: None,
        signed_by: None,
        signed_at: None,
    };
    let mut w = store.write(actor, source).await?;
    let cols = Cols::new()
        .set("kind", kind)
        .set("plan_id", &doc.plan_id)
        .set("period", &doc.period)
        .set("source_id", &doc.source_id)
        .set("unit_id", &doc.unit_id)
        .set("year", doc.year)
        .set("symbol", &doc.symbol)
        .set("summary", &doc.summary)
        .set("signer_prefix", &doc.signer_prefix)
        .set("signer_title", &doc.signer_title)
        .set("signer_name", &doc.signer_name)
        .set("recipients", &doc.recipients)
        .set("narrative", &doc.narrative)
        .set("status", DocStatus::Draft);
    w.insert("documents", &doc.id, cols).await?;
    w.commit().await?;
    Ok(doc)
}

/// The signer of the latest plan: who signs the ward's documents unless the officer changes it.
async fn usual_signer(pool: &SqlitePool) -> Result<(String, String, String)> {
    let signer: Option<(String, String, String)> =
        sqlx::query_as("SELECT signer_prefix, signer_title, signer_name FROM plans WHERE deleted_at IS NULL ORDER BY year DESC LIMIT 1").fetch_optional(pool).await?;
    Ok(signer.unwrap_or_default())
}

/// A draft that stands apart from any plan (a decision on a case, a report on an injury or on
/// the year's checks), with what it speaks of among `cols`.
async fn insert_standalone(store: &Store, actor: &Actor, source: Source, kind: Kind, cols: Cols, symbol: &str, summary: &str, prefix: &str, recipients: &[String]) -> Result<Document> {
    let (_, title, name) = usual_signer(store.pool()).await?;
    use chrono::Datelike;
    let id = new_id();
    let cols = cols
        .set("kind", kind)
        .set("year", crate::today_in_vietnam().year())
        .set("symbol", symbol)
        .set("summary", summary)
        .set("signer_prefix", prefix)
        .set("signer_title", &title)
        .set("signer_name", &name)
        .set("recipients", recipients)
        .set("narrative", Narrative::default())
        .set("status", DocStatus::Draft);
    let mut w = store.write(actor, source).await?;
    w.insert("documents", &id, cols).await?;
    w.commit().await?;
    get_in(store.pool(), &id).await
}

/// The draft of `kind` already made for what `column` names, if any: opened again rather than
/// drafted twice.
async fn existing_draft(pool: &SqlitePool, kind: Kind, column: &str, value: &str) -> Result<Option<Document>> {
    let id: Option<String> = sqlx::query_scalar(&format!("SELECT id FROM documents WHERE kind = ? AND {column} = ? AND status = 'draft' AND deleted_at IS NULL"))
        .bind(kind.as_str())
        .bind(value)
        .fetch_optional(pool)
        .await?;
    Ok(match id {
        Some(id) => Some(get_in(pool, &id).await?),
        None => None,
    })
}

/// Drafts the Chairman's decision approving a case's plan (Mẫu 05), once the plan is recorded;
/// the draft already made for the current plan is returned rather than a second one.
pub async fn create_case_decision(store: &Store, actor: &Actor, source: Source, case_id: &str) -> Result<Document> {
    actor.require(Need::DraftDocuments)?;
    actor.require(Need::ReadCases)?;
    let (case, stage) = crate::cases::for_decision(store.pool(), case_id).await?;
    if stage != crate::cases::Stage::Planned {
        return Err(InvalidInput::new("case_id", format!("Vụ việc đang ở bước “{}”: chỉ lập quyết định phê duyệt khi đã có kế hoạch chờ phê duyệt.", stage.label())).into());
    }
    if let Some(doc) = existing_draft(store.pool(), Kind::CaseDecision, "case_id", case_id).await? {
        return Ok(doc);
    }
    let (prefix, _, _) = usual_signer(store.pool()).await?;
    // The Chairman decides alone: a decision is signed "KT. CHỦ TỊCH", never on behalf of the committee.
    let prefix = prefix.split(" / ").filter(|p| !p.starts_with("TM.")).collect::<Vec<_>>().join(" / ");
    let summary = case_docs::decision_summary(&case.child_name);
    let cols = Cols::new().set("case_id", case_id);
    insert_standalone(store, actor, source, Kind::CaseDecision, cols, case_docs::DECISION_SYMBOL, &summary, &prefix, &case_docs::decision_recipients()).await
}

/// Drafts the urgent report of a child's death from an injury, prefilled from the record; the
/// draft already made is returned rather than a second one.
pub async fn create_injury_report(store: &Store, actor: &Actor, source: Source, injury_id: &str) -> Result<Document> {
    actor.require(Need::DraftDocuments)?;
    actor.require(Need::ReadCases)?;
    let injury = crate::injuries::get_in(store.pool(), injury_id).await?;
    if injury.outcome != crate::injuries::Outcome::Died {
        return Err(InvalidInput::new("injury_id", "Báo cáo nhanh chỉ lập cho trường hợp trẻ em tử vong.").into());
    }
    if let Some(doc) = existing_draft(store.pool(), Kind::InjuryReport, "injury_id", injury_id).await? {
        return Ok(doc);
    }
    let (prefix, _, _) = usual_signer(store.pool()).await?;
    let cols = Cols::new().set("injury_id", injury_id);
    insert_standalone(store, actor, source, Kind::InjuryReport, cols, "BC-UBND", protection_docs::INJURY_SUMMARY, &prefix, &protection_docs::recipients()).await
}

/// Drafts the self-check report on child labour of a year, from that year's checks.
pub async fn create_labour_report(store: &Store, actor: &Actor, source: Source, year: i32) -> Result<Document> {
    actor.require(Need::DraftDocuments)?;
    actor.require(Need::ReadCases)?;
    if !(2000..=2200).contains(&year) {
        return Err(InvalidInput::new("year", "Chọn một năm có 4 chữ số, ví dụ 2024.").into());
    }
    if let Some(doc) = existing_draft(store.pool(), Kind::LabourReport, "about_year", &year.to_string()).await? {
        return Ok(doc);
    }
    let (prefix, _, _) = usual_signer(store.pool()).await?;
    let cols = Cols::new().set("about_year", year);
    insert_standalone(store, actor, source, Kind::LabourReport, cols, "BC-UBND", &protection_docs::labour_summary(year), &prefix, &protection_docs::recipients()).await
}

/// Drafts the report of a campaign, from its funds and gifts; the draft already made is
/// returned rather than a second one.
pub async fn create_campaign_report(store: &Store, actor: &Actor, source: Source, campaign_id: &str) -> Result<Document> {
    actor.require(Need::DraftDocuments)?;
    let mut conn = store.pool().acquire().await?;
    let campaign = crate::campaigns::get_in(&mut conn, campaign_id, None).await?;
    drop(conn);
    if let Some(doc) = existing_draft(store.pool(), Kind::CampaignReport, "campaign_id", campaign_id).await? {
        return Ok(doc);
    }
    let (prefix, _, _) = usual_signer(store.pool()).await?;
    let cols = Cols::new().set("campaign_id", campaign_id);
    let summary = campaign_docs::report_summary(&campaign);
    insert_standalone(store, actor, source, Kind::CampaignReport, cols, "BC-UBND", &summary, &prefix, &campaign_docs::report_recipients()).await
}

/// Drafts the Chairman's decision on a year's commendations, with every proposal agreed at the
/// review and not yet in a decision; the draft already made is returned, with any proposal
/// agreed since added to it.
pub async fn create_commendation_decision(store: &Store, actor: &Actor, source: Source, year: i32) -> Result<Document> {
    actor.require(Need::DraftDocuments)?;
    actor.require(Need::ManageCampaigns)?;
    if !(2000..=2200).contains(&year) {
        return Err(InvalidInput::new("year", "Chọn một năm có 4 chữ số, ví dụ 2024.").into());
    }
    let (prefix, title, name) = usual_signer(store.pool()).await?;
    // The Chairman decides alone: signed "KT. CHỦ TỊCH", never on behalf of the committee.
    let prefix = prefix.split(" / ").filter(|p| !p.starts_with("TM.")).collect::<Vec<_>>().join(" / ");
    let mut w = store.write(actor, source).await?;
    // The draft is looked for inside the write: one issued meanwhile takes no more proposals.
    let draft: Option<String> = sqlx::query_scalar("SELECT id FROM documents WHERE kind = ? AND about_year = ? AND status = 'draft' AND deleted_at IS NULL")
        .bind(Kind::Commendation.as_str())
        .bind(year)
        .fetch_optional(w.conn())
        .await?;
    let id = match &draft {
        Some(id) => id.clone(),
        None => {
            let id = new_id();
            let cols = Cols::new()
                .set("kind", Kind::Commendation)
                .set("about_year", year)
                .set("year", chrono::Datelike::year(&crate::today_in_vietnam()))
                .set("symbol", commendation_docs::SYMBOL)
                .set("summary", commendation_docs::decision_summary(year))
                .set("signer_prefix", &prefix)
                .set("signer_title", &title)
                .set("signer_name", &name)
                .set("recipients", commendation_docs::decision_recipients())
                .set("narrative", Narrative::default())
                .set("status", DocStatus::Draft);
            w.insert("documents", &id, cols).await?;
            id
        }
    };
    let added = crate::commendations::attach_in(&mut w, year, &id).await?;
    if draft.is_none() && added == 0 {
        return Err(InvalidInput::new("year", format!("Năm {year} chưa có đề nghị khen thưởng nào được đồng ý: hãy xét duyệt các đề nghị trước.")).into());
    }
    w.commit().await?;
    get_in(store.pool(), &id).await
}

/// What the officer may change in a draft.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct DraftEdits {
    /// Summary.
    pub summary: String,
    /// The report's sections.
    pub narrative: Narrative,
    /// Nơi nhận.
    pub recipients: Vec<String>,
}

/// Saves changes to a draft. An issued document is never changed.
pub async fn save_draft(store: &Store, actor: &Actor, source: Source, id: &str, edits: &DraftEdits) -> Result<Document> {
    actor.require(Need::DraftDocuments)?;
    let summary = text::required("summary", "trích yếu", &edits.summary, 500)?;
    let narrative = check_narrative(&edits.narrative)?;
    let recipients: Vec<String> = edits.recipients.iter().map(|r| text::nfc(r)).filter(|r| !r.is_empty()).collect();
    let mut w = store.write(actor, source).await?;
    let status = w.read("documents", id, &["status"]).await?.ok_or(Error::NotFound { what: "văn bản" })?;
    if status.get("status").and_then(|s| s.as_str()) == Some(DocStatus::Issued.as_str()) {
        return Err(InvalidInput::new("status", "Văn bản đã cấp số và phát hành, không sửa được. Muốn thay đổi, hãy lập văn bản mới.").into());
    }
    let cols = Cols::new().set("summary", &summary).set("narrative", &narrative).set("recipients", &recipients);
    w.update("documents", id, cols).await?;
    w.commit().await?;
    get_in(store.pool(), id).await
}

/// The PDF of a document: the kept file of an issued one, a fresh rendering of a draft.
pub async fn pdf(store: &Store, actor: &Actor, id: &str) -> Result<Vec<u8>> {
    actor.require(Need::ReadPlan)?;
    let r = row(store.pool(), id).await?;
    if r.kind.restricted() {
        actor.require(Need::ReadCases)?;
    }
    if let Some(file_id) = &r.file_id {
        return files::read(store, actor, file_id).await;
    }
    let doc = Document::from(r);
    render(store, &doc, None, Utc::now()).await
}

/// The instant an issued document's PDF says it was made: its date of issue, at the time of
/// day (in Vietnam) it is issued — so, issued the same day, the moment of issuing.
fn issue_instant(on: NaiveDate, now: DateTime<Utc>) -> DateTime<Utc> {
    let local = on.and_time(crate::vietnam_time(now).time());
    local.and_local_timezone(crate::vietnam_time(now).timezone()).single().map(|t| t.with_timezone(&Utc)).unwrap_or(now)
}

async fn render(store: &Store, doc: &Document, signed: Option<SignedMark>, created: DateTime<Utc>) -> Result<Vec<u8>> {
    let pool = store.pool();
    if doc.kind == Kind::Commendation {
        let blocks = commendation_docs::decision(pool, doc, signed).await?;
        let author = crate::ward::get_in(pool).await?.map(|w| w.name).unwrap_or_default();
        return Ok(crate::pdf::render_with(&crate::pdf::Meta { title: doc.summary.clone(), author, created }, &blocks));
    }
    let standalone = match doc.kind {
        Kind::CaseDecision => Some(case_docs::decision(pool, doc, signed.clone()).await?),
        Kind::InjuryReport => Some(protection_docs::injury_report(pool, doc, signed.clone()).await?),
        Kind::LabourReport => Some(protection_docs::labour_report(pool, doc, signed.clone()).await?),
        Kind::CampaignReport => Some(campaign_docs::campaign_report(store, doc, signed.clone()).await?),
        _ => None,
    };
    if let Some(frame) = standalone {
        let blocks = frame.blocks();
        let author = crate::ward::get_in(pool).await?.map(|w| w.name).unwrap_or_default();
        return Ok(crate::pdf::render_with(&crate::pdf::Meta { title: doc.summary.clone(), author, created }, &blocks));
    }
    let plan_id = doc.plan_id.as_deref().ok_or(Error::NotFound { what: "kế hoạch của văn bản" })?;
    let blocks = match doc.kind {
        Kind::Plan => {
            let mut frame = plan_doc::frame(pool, plan_id).await?;
            frame.number = doc.number;
            frame.date = doc.issued_on;
            frame.summary = doc.summary.clone();
            frame.recipients = doc.recipients.clone();
            frame.signature.signed = signed;
            frame.blocks()
        }
        Kind::Report => report::frame(store, doc, signed).await?.blocks(),
        Kind::Reminder => reminder::frame(pool, doc, signed).await?.blocks(),
        Kind::CaseDecision | Kind::InjuryReport | Kind::LabourReport | Kind::CampaignReport | Kind::Commendation => unreachable!("rendered above"),
        Kind::Progress => progress::blocks(pool, plan_id, crate::today_in_vietnam()).await?,
        Kind::Delivery => {
            let of = get_in(pool, doc.source_id.as_deref().unwrap_or_default()).await?;
            delivery::blocks(pool, &of).await?
        }
    };
    let author = crate::ward::get_in(pool).await?.map(|w| w.name).unwrap_or_default();
    let meta = crate::pdf::Meta { title: doc.summary.clone(), author, created };
    Ok(crate::pdf::render_on(&meta, doc.kind.page(), &blocks))
}

/// Refuses a laptop that is not the ward office's: only the office issues and signs, so that no
/// two documents share a number and no two signatures are added to one file apart.
async fn office_only(w: &mut Write<'_>) -> Result<()> {
    let (ward_id, office): (String, Option<String>) = sqlx::query_as("SELECT id, issuing_device_id FROM ward WHERE deleted_at IS NULL LIMIT 1")
        .fetch_optional(w.conn())
        .await?
        .ok_or(Error::NotFound { what: "thông tin phường" })?;
    match office {
        Some(device) if device == w.device_id() => Ok(()),
        Some(_) => Err(Error::NotIssuingOffice),
        // A ward set up before laptops had an office: the first laptop to issue becomes it.
        None => {
            let device = w.device_id().to_owned();
            w.update("ward", &ward_id, Cols::new().set("issuing_device_id", device)).await?;
            Ok(())
        }
    }
}

/// Issues a draft: takes the next number of the year, dates it, renders it, signs it when a
/// signer is given, and keeps the PDF and its hash — all in one transaction, on the ward
/// office's laptop only, so that no two documents ever share a number.
pub async fn issue(store: &Store, actor: &Actor, source: Source, id: &str, on: NaiveDate, signer: Option<&Identity>) -> Result<Document> {
    actor.require(Need::IssueDocuments)?;
    use chrono::Datelike;
    let now = Utc::now();
    if let Some(id) = signer {
        id.check_valid_at(now)?;
    }
    let mut w = store.write(actor, source).await?;
    office_only(&mut w).await?;
    let mut doc: Document = sqlx::query_as::<_, Row>("SELECT * FROM documents WHERE id = ? AND deleted_at IS NULL")
        .bind(id)
        .fetch_optional(w.conn())
        .await?
        .ok_or(Error::NotFound { what: "văn bản" })?
        .into();
    if doc.status == DocStatus::Issued {
        return Err(InvalidInput::new("status", "Văn bản này đã được cấp số rồi.").into());
    }
    check_narrative(&doc.narrative)?;
    let year = on.year();
    if doc.kind.numbered() {
        let number: i32 = sqlx::query_scalar("SELECT COALESCE(MAX(number), 0) + 1 FROM documents WHERE year = ? AND number IS NOT NULL")
            .bind(year)
            .fetch_one(w.conn())
            .await?;
        doc.number = Some(number);
    }
    doc.issued_on = Some(on);
    doc.year = year;
    if let (Kind::CaseDecision, Some(case_id)) = (doc.kind, doc.case_id.clone()) {
        let decision = number_text(doc.number, &doc.symbol);
        let at = if on == crate::calendar::vietnam_day(now) { now } else { crate::calendar::end_of_day(on).min(now) };
        crate::cases::approve_in(&mut w, &case_id, id, &decision, at, actor.name()).await?;
    }
    let mark = match signer {
        Some(s) => {
            let vn = crate::vietnam_time(now);
            Some(SignedMark {
                note: format!("Ký số bởi: {}\nThời gian ký: {}", s.name, vn.format("%Y-%m-%dT%H:%M:%S+07:00")),
                image: crate::ward::signature_png(store, actor, &doc.signer_name).await?.map(std::sync::Arc::new),
                seal: crate::ward::seal_png(store, actor).await?.map(std::sync::Arc::new),
            })
        }
        None => None,
    };
    let unsigned = render(store, &doc, mark, issue_instant(on, now)).await?;
    let form = crate::certificates::signature_form(store).await?;
    let bytes = match signer {
        Some(identity) => crate::signing::sign_pdf(&unsigned, identity, &SignOptions { reason: "Ban hành văn bản", at: now, form })?,
        None => unsigned,
    };
    let number = number_text(doc.number, &doc.symbol);
    let number = if number.is_empty() { doc.symbol.clone() } else { number };
    super::attachments::issue_in(&mut w, store, actor, id, &number, on, signer.map(|s| (s, form)), now).await?;
    let name = format!("{}-{}.pdf", doc.kind.as_str(), doc.number.map(|n| format!("{n:02}")).unwrap_or_else(|| doc.id.clone()));
    let file = files::keep_bytes(&mut w, &name, &bytes).await?;
    let cols = Cols::new()
        .set("status", DocStatus::Issued)
        .set("year", year)
        .set("number", doc.number)
        .set("issued_on", on)
        .set("file_id", &file.id)
        .set("sha256", &file.sha256)
        .set("signed_by", signer.map(|s| s.name.clone()))
        .set("signed_at", signer.map(|_| stamp(now)));
    w.update("documents", id, cols).await?;
    w.commit().await?;
    get_in(store.pool(), id).await
}

/// Adds a signature to an issued document's PDF — the Chairman's after the officer's — and to
/// its attachments, each as an incremental update that keeps the earlier signatures valid. The
/// new files replace the kept ones in one transaction, on the ward office's laptop; the signers
/// are listed in order, and `signed_at` becomes the time of the last signature.
pub async fn add_signature(store: &Store, actor: &Actor, source: Source, id: &str, signer: &Identity) -> Result<Document> {
    actor.require(Need::IssueDocuments)?;
    let now = Utc::now();
    signer.check_valid_at(now)?;
    let form = crate::certificates::signature_form(store).await?;
    let r = row(store.pool(), id).await?;
    let file_id = match (r.status, &r.file_id) {
        (DocStatus::Issued, Some(f)) => f.clone(),
        _ => return Err(InvalidInput::new("status", "Chỉ ký thêm được văn bản đã cấp số và ban hành.").into()),
    };
    // Signed before the write, so the write is not held while the token signs.
    let opts = SignOptions { reason: "Ký duyệt văn bản", at: now, form };
    let name = files::name_of_in(store.pool(), &file_id).await?;
    let bytes = crate::signing::sign_pdf(&pdf(store, actor, id).await?, signer, &opts)?;
    let attachments = super::attachments::sign_again(store, actor, id, signer, &opts).await?;

    let mut w = store.write(actor, source).await?;
    office_only(&mut w).await?;
    let (status, current, signed_by): (DocStatus, Option<String>, Option<String>) =
        sqlx::query_as("SELECT status, file_id, signed_by FROM documents WHERE id = ? AND deleted_at IS NULL")
            .bind(id)
            .fetch_optional(w.conn())
            .await?
            .ok_or(Error::NotFound { what: "văn bản" })?;
    if status != DocStatus::Issued || current.as_deref() != Some(file_id.as_str()) {
        return Err(InvalidInput::new("status", "Văn bản vừa được ký thêm hoặc thay đổi; hãy mở lại văn bản rồi ký.").into());
    }
    let file = files::keep_bytes(&mut w, &name, &bytes).await?;
    super::attachments::keep_signed_again(&mut w, attachments).await?;
    let signers = match signed_by {
        Some(before) if !before.is_empty() => format!("{before}; {}", signer.name),
        _ => signer.name.clone(),
    };
    let cols = Cols::new()
        .set("file_id", &file.id)
        .set("sha256", &file.sha256)
        .set("signed_by", signers)
        .set("signed_at", stamp(now));
    w.update("documents", id, cols).await?;
    w.commit().await?;
    get_in(store.pool(), id).await
}
