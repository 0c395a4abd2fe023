//! A campaign's documents: the sign-off list (danh sách ký nhận) of each residential group,
//! the paper record of the gifts handed over, set on landscape A4 for its many columns; and the
//! campaign report (numbered, BC-UBND), money received and spent by source and gifts by group.

use sqlx::SqlitePool;

use super::frame::{heading, para, Frame, Signature, SignedMark};
use super::plan_doc::ward_frame;
use super::register::Document;
use crate::auth::{Actor, Need};
use crate::campaigns::recipients::{self, CampaignPage, Recipient, Tally};
use crate::campaigns::{Campaign, Money};
use crate::money;
use crate::pdf::{Align, Block, Paragraph, Run, Table, TableColumn};
use crate::text::{self, format_date, lower_first};
use crate::{Error, Result, Store};

/// The sign-off lists of a campaign: of one residential group, or of each in turn, every
/// group's on pages of its own with its totals and signatures. Landscape A4.
pub async fn signoff_pdf(store: &Store, actor: &Actor, campaign_id: &str, group_unit_id: Option<&str>) -> Result<Vec<u8>> {
    actor.require(Need::ReadChildren)?;
    let group = actor.only_group().or(group_unit_id);
    let mut conn = store.pool().acquire().await?;
    let campaign = crate::campaigns::get_in(&mut conn, campaign_id, group).await?;
    let all = recipients::of_campaign(&mut conn, &campaign, group).await?;
    drop(conn);
    if all.is_empty() {
        return Err(crate::text::InvalidInput::new("group", "Đợt này chưa có trẻ nhận quà ở tổ dân phố đã chọn.").into());
    }
    let mut groups: Vec<(String, Vec<Recipient>)> = Vec::new();
    for r in all {
        let name = r.group_name.clone().unwrap_or_else(|| "Chưa có tổ dân phố".to_owned());
        match groups.iter_mut().find(|(g, _)| *g == name) {
            Some((_, list)) => list.push(r),
            None => groups.push((name, vec![r])),
        }
    }
    groups.sort_by(|a, b| text::compare(&a.0, &b.0));
    let today = crate::today_in_vietnam();
    let mut blocks = Vec::new();
    for (i, (group_name, list)) in groups.iter().enumerate() {
        if i > 0 {
            blocks.push(Block::PageBreak);
        }
        blocks.extend(signoff_frame(store.pool(), &campaign, group_name, list, actor.name(), today).await?.blocks());
    }
    let meta = crate::pdf::Meta::titled(&format!("Danh sách ký nhận - {}", campaign.name));
    let bytes = crate::pdf::render_on(&meta, crate::pdf::Page::a4_landscape(), &blocks);
    crate::audit::exported(store, actor, "campaigns", campaign_id, "danh-sach-ky-nhan.pdf").await?;
    Ok(bytes)
}

/// One residential group's sign-off list as a document frame.
async fn signoff_frame(pool: &SqlitePool, campaign: &Campaign, group_name: &str, list: &[Recipient], maker: &str, today: chrono::NaiveDate) -> Result<Frame> {
    let base = ward_frame(pool, campaign.year).await?;
    let plan_signer: Option<(String, String)> =
        sqlx::query_as("SELECT signer_title, signer_name FROM plans WHERE deleted_at IS NULL ORDER BY year DESC LIMIT 1").fetch_optional(pool).await?;
    let (title, name) = plan_signer.unwrap_or_default();
    let rows: Vec<Vec<Vec<Run>>> = list
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let gift = if r.description.is_empty() { format!("{} ({})", r.kind.label(), lower_first(r.form.label())) } else { r.description.clone() };
            vec![
                vec![Run::regular((i + 1).to_string())],
                vec![Run::regular(&r.full_name)],
                vec![Run::regular(&r.birth_text)],
                vec![Run::regular(&r.guardian)],
                vec![Run::regular(gift)],
                vec![Run::regular(money::grouped(r.value))],
                vec![Run::regular(r.handed_over_on.map(format_date).unwrap_or_default())],
                vec![],
            ]
        })
        .chain(std::iter::once(total_row(list)))
        .collect();
    let total: i64 = list.iter().map(|r| r.value).sum();
    let body = vec![
        Block::Paragraph(Paragraph::centered(vec![Run::italic(format!("Tổ dân phố: {group_name}"))], 13.0).spacing(0.0, 8.0)),
        Block::Table(Table {
            columns: vec![
                TableColumn::fixed_mm("STT", 11.0, Align::Center),
                TableColumn::auto("Họ và tên trẻ em", Align::Left),
                TableColumn::fixed_mm("Ngày sinh", 24.0, Align::Center),
                TableColumn::auto("Cha, mẹ hoặc người giám hộ", Align::Left),
                TableColumn::auto("Quà, học bổng", Align::Left),
                TableColumn::fixed_mm("Giá trị (đồng)", 25.0, Align::Right),
                TableColumn::fixed_mm("Ngày nhận", 24.0, Align::Center),
                TableColumn::fixed_mm("Người nhận ký, ghi rõ họ tên", 45.0, Align::Left),
            ],
            rows,
            size: 12.0,
            min_row_height: 28.0,
        }),
        Block::Paragraph(Paragraph::body(vec![Run::italic(format!("Tổng số tiền (viết bằng chữ): {}.", money::in_words(total)))]).first_indent(0.0)),
    ];
    Ok(Frame {
        doc_type: "DANH SÁCH KÝ NHẬN".into(),
        summary: format!("{} ({})", campaign.name, campaign.dates_text),
        body,
        date: Some(today),
        signature: Signature { authority: vec!["XÁC NHẬN CỦA UBND PHƯỜNG".into()], title, name, signed: None },
        counter_signature: Some(Signature { authority: vec![], title: "NGƯỜI LẬP DANH SÁCH".into(), name: maker.to_owned(), signed: None }),
        ..base
    })
}

fn total_row(list: &[Recipient]) -> Vec<Vec<Run>> {
    let total: i64 = list.iter().map(|r| r.value).sum();
    vec![
        vec![],
        vec![Run::bold(format!("Tổng cộng: {} suất", list.len()))],
        vec![],
        vec![],
        vec![],
        vec![Run::bold(money::grouped(total))],
        vec![],
        vec![],
    ]
}

/// The campaign report's summary.
pub fn report_summary(campaign: &Campaign) -> String {
    format!("Kết quả {}", lower_first(&campaign.name))
}

/// Where the campaign report goes unless the officer changes it.
pub fn report_recipients() -> Vec<String> {
    vec!["TT Đảng ủy, HĐND phường;".into(), "CT, PCT UBND phường;".into(), "Lưu: VT, VH-XH.".into()]
}

fn money_table(rows: Vec<(String, Money)>) -> Table {
    let mut total = Money::default();
    let cells = |label: Run, m: &Money, bold: bool| {
        let n = |v: i64| if bold { Run::bold(money::grouped(v)) } else { Run::regular(money::grouped(v)) };
        vec![vec![label], vec![n(m.planned)], vec![n(m.received)], vec![n(m.spent)], vec![n(m.left)]]
    };
    let mut body: Vec<Vec<Vec<Run>>> = Vec::new();
    for (label, m) in &rows {
        total.add(m);
        body.push(cells(Run::regular(label), m, false));
    }
    body.push(cells(Run::bold("Tổng cộng"), &total, true));
    Table {
        columns: vec![
            TableColumn::auto("Nguồn kinh phí", Align::Left),
            TableColumn::fixed_mm("Dự kiến (đồng)", 27.0, Align::Right),
            TableColumn::fixed_mm("Đã nhận (đồng)", 27.0, Align::Right),
            TableColumn::fixed_mm("Đã chi (đồng)", 27.0, Align::Right),
            TableColumn::fixed_mm("Còn lại (đồng)", 27.0, Align::Right),
        ],
        rows: body,
        size: 12.0,
        min_row_height: 0.0,
    }
}

fn tally_table(first: &str, tallies: &[Tally]) -> Table {
    let rows: Vec<Vec<Vec<Run>>> = tallies
        .iter()
        .map(|t| {
            vec![
                vec![Run::regular(&t.label)],
                vec![Run::regular(t.gifts.to_string())],
                vec![Run::regular(t.handed_over.to_string())],
                vec![Run::regular(money::grouped(t.spent))],
            ]
        })
        .collect();
    Table {
        columns: vec![
            TableColumn::auto(first, Align::Left),
            TableColumn::fixed_mm("Số suất", 18.0, Align::Center),
            TableColumn::fixed_mm("Đã trao", 18.0, Align::Center),
            TableColumn::fixed_mm("Số tiền đã trao (đồng)", 32.0, Align::Right),
        ],
        rows,
        size: 12.0,
        min_row_height: 0.0,
    }
}

/// The campaign report as a document frame.
pub(crate) async fn campaign_report(store: &Store, doc: &Document, signed: Option<SignedMark>) -> Result<Frame> {
    let id = doc.campaign_id.as_deref().ok_or(Error::NotFound { what: "đợt thăm, tặng quà của báo cáo" })?;
    let pool = store.pool();
    let mut conn = pool.acquire().await?;
    let campaign = crate::campaigns::get_in(&mut conn, id, None).await?;
    let recipients = recipients::of_campaign(&mut conn, &campaign, None).await?;
    drop(conn);
    // The report goes to people who do not read children's sensitive groups: those are not named.
    let page = recipients::page_of(pool, campaign, recipients, false).await?;
    let CampaignPage { campaign, by_circumstance, by_residential_group, by_kind, .. } = page;
    let mut body = vec![heading("I. TÌNH HÌNH CHUNG")];
    let mut general = format!("Thực hiện kế hoạch công tác trẻ em năm {}, từ ngày {}, Ủy ban nhân dân phường tổ chức {}", campaign.year, campaign.dates_text.replace(" – ", " đến ngày "), lower_first(&campaign.name));
    if !campaign.theme.is_empty() {
        general.push_str(&format!(" với chủ đề “{}”", campaign.theme));
    }
    general.push('.');
    body.push(para(&general));
    body.push(heading("II. KẾT QUẢ THỰC HIỆN"));
    body.push(heading("1. Kinh phí"));
    let by_source: Vec<(String, Money)> = campaign
        .funds
        .iter()
        .map(|f| (f.title.clone(), f.money.clone()))
        .collect();
    body.push(para(&format!(
        "Tổng kinh phí đã nhận: {} ({}); đã chi: {} ({}).",
        money::format(campaign.money.received),
        lower_first(&money::in_words(campaign.money.received)),
        money::format(campaign.money.spent),
        lower_first(&money::in_words(campaign.money.spent))
    )));
    body.push(Block::Table(money_table(by_source)));
    body.push(heading("2. Quà, học bổng đã trao"));
    body.push(para(&format!("Đã trao {} trên tổng số {} suất quà, học bổng.", campaign.handed_over, campaign.gifts)));
    body.push(Block::Table(tally_table("Loại", &by_kind)));
    body.push(Block::Table(tally_table("Nhóm trẻ em", &by_circumstance)));
    body.push(Block::Table(tally_table("Tổ dân phố", &by_residential_group)));
    let n = &doc.narrative;
    for line in n.results.lines().filter(|l| !l.trim().is_empty()) {
        body.push(para(line));
    }
    for (title, text) in [("III. TỒN TẠI, HẠN CHẾ", &n.shortcomings), ("IV. ĐỀ XUẤT, KIẾN NGHỊ", &n.proposals)] {
        if !text.trim().is_empty() {
            body.push(heading(title));
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                body.push(para(line));
            }
        }
    }
    Ok(doc.frame("BÁO CÁO", body, signed, ward_frame(pool, doc.year).await?))
}
