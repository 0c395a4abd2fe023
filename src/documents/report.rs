//! The 6-month and yearly report on the plan (Báo cáo kết quả thực hiện kế hoạch công tác trẻ
//! em): drafted from the records, with the sections the officer writes.

use chrono::NaiveDate;
use sqlx::SqlitePool;

use super::frame::{heading, para, Frame, SignedMark};
use super::plan_doc::ward_frame;
use super::register::{Document, Narrative};
use crate::overview::{self, outline_label};
use crate::pdf::{Align, Block, Table, TableColumn, Run};
use crate::plan::import::NodeKind;
use crate::plan::reporting::ReportPeriod;
use crate::plan::{self, reporting, Plan, Role, Status};
use crate::text::format_date;
use crate::Result;

/// "6 tháng đầu năm 2024" or "năm 2024".
pub fn period_words(period: ReportPeriod, year: i32) -> String {
    match period {
        ReportPeriod::Half => format!("6 tháng đầu năm {year}"),
        ReportPeriod::Year => format!("năm {year}"),
    }
}

/// The report's summary line.
pub fn summary(p: &Plan, period: ReportPeriod) -> String {
    format!("Kết quả thực hiện Kế hoạch công tác trẻ em {}", period_words(period, p.year))
}

/// Where reports go unless the officer changes it.
pub fn default_recipients() -> Vec<String> {
    vec![
        "UBND thành phố;".into(),
        "Phòng Văn hóa - Xã hội thành phố;".into(),
        "CT, PCT UBND phường;".into(),
        "Lưu: VT, VH-XH.".into(),
    ]
}

/// The last day the report speaks of.
fn period_end(period: ReportPeriod, year: i32) -> NaiveDate {
    let (m, d) = match period {
        ReportPeriod::Half => (6, 30),
        ReportPeriod::Year => (12, 31),
    };
    NaiveDate::from_ymd_opt(year, m, d).unwrap_or(NaiveDate::MIN)
}

/// The officer's sections, drafted from the records for them to edit.
pub(crate) async fn drafted_narrative(pool: &SqlitePool, p: &Plan, period: ReportPeriod) -> Result<Narrative> {
    let o = overview::overview_in(pool, &p.id, period_end(period, p.year)).await?;
    let all = &o.all_units.counts;
    let (total, done, doing) = (all.applicable, all.done, all.in_progress);
    Ok(Narrative {
        results: format!(
            "Trong {}, UBND phường đã chỉ đạo các ban ngành, hội đoàn thể, trường học và tổ dân phố triển khai Kế hoạch công tác trẻ em. Trong {total} phần việc được giao cho các đơn vị, {done} phần việc đã hoàn thành, {doing} phần việc đang thực hiện.",
            period_words(period, p.year)
        ),
        shortcomings: String::new(),
        proposals: String::new(),
    })
}

fn narrative_block(text: &str, empty: &str) -> Vec<Block> {
    let paras: Vec<Block> = text.lines().filter(|l| !l.trim().is_empty()).map(para).collect();
    if paras.is_empty() { vec![para(empty)] } else { paras }
}

fn first_sentence(text: &str, max: usize) -> String {
    let cut = text.find(". ").map(|i| &text[..=i]).unwrap_or(text);
    if cut.chars().count() <= max { cut.to_owned() } else { format!("{}…", cut.chars().take(max).collect::<String>().trim_end()) }
}

/// The report as a document frame.
pub(crate) async fn frame(store: &crate::Store, doc: &Document, signed: Option<SignedMark>) -> Result<Frame> {
    let pool = store.pool();
    let plan_id = doc.plan_id.clone().unwrap_or_default();
    let p = plan::get_in(pool, &plan_id).await?;
    let period = doc.period.unwrap_or(ReportPeriod::Year);
    let end = period_end(period, p.year);
    let tree = plan::tree_in(pool, &plan_id).await?;
    let o = overview::overview_in(pool, &plan_id, end).await?;
    let plan_ref = match (p.number, p.issued_on) {
        (Some(n), Some(d)) => format!("Kế hoạch số {n:02}/{} ngày {}", p.symbol, format_date(d)),
        _ => format!("Kế hoạch của UBND phường về {}", crate::text::lower_first(&p.title)),
    };
    let mut body = vec![para(&format!(
        "Thực hiện {plan_ref}, UBND phường báo cáo kết quả thực hiện công tác trẻ em {} như sau:",
        period_words(period, p.year)
    ))];
    body.push(heading("I. KẾT QUẢ THỰC HIỆN"));
    body.push(heading("1. Kết quả chung"));
    body.extend(narrative_block(&doc.narrative.results, "(Chưa có nội dung.)"));

    body.push(heading("2. Tiến độ các nội dung của kế hoạch"));
    let rows: Vec<Vec<Vec<Run>>> = tree
        .nodes
        .iter()
        .filter(|n| n.is_activity && n.kind != NodeKind::Task)
        .map(|n| {
            let units: Vec<_> = tree.assignments.iter().filter(|a| a.node_id == n.id).collect();
            let done = units.iter().filter(|a| a.status == Status::Done).count();
            let lead = units.iter().find(|a| a.role == Role::Lead).map(|a| a.unit_name.clone()).unwrap_or_default();
            vec![
                vec![Run::regular(outline_label(&tree, n))],
                vec![Run::regular(first_sentence(&n.text, 160))],
                vec![Run::regular(lead)],
                vec![Run::regular(format!("{done}/{} đơn vị hoàn thành", units.len()))],
            ]
        })
        .collect();
    body.push(Block::Table(Table {
        columns: vec![
            TableColumn::auto("Mục", Align::Center),
            TableColumn::auto("Nội dung", Align::Left),
            TableColumn::auto("Đơn vị chủ trì", Align::Left),
            TableColumn::auto("Tiến độ", Align::Left),
        ],
        rows,
        size: 12.0,
        min_row_height: 0.0,
    }));

    body.push(heading("3. Kết quả theo đơn vị"));
    let rows = o
        .by_unit
        .iter()
        .map(|u| {
            vec![
                vec![Run::regular(u.unit_name.clone())],
                vec![Run::regular(u.counts.total.to_string())],
                vec![Run::regular(u.counts.done.to_string())],
                vec![Run::regular(u.counts.in_progress.to_string())],
                vec![Run::regular(u.counts.not_started.to_string())],
            ]
        })
        .collect();
    body.push(Block::Table(Table {
        columns: vec![
            TableColumn::auto("Đơn vị", Align::Left),
            TableColumn::auto("Số việc", Align::Center),
            TableColumn::auto("Hoàn thành", Align::Center),
            TableColumn::auto("Đang thực hiện", Align::Center),
            TableColumn::auto("Chưa bắt đầu", Align::Center),
        ],
        rows,
        size: 12.0,
        min_row_height: 0.0,
    }));

    body.push(heading("4. Báo cáo của các đơn vị"));
    let table = reporting::table_in(pool, &plan_id, crate::today_in_vietnam()).await?;
    if let Some(col) = table.deadlines.iter().position(|d| d.period == period) {
        let names = |want: &[reporting::ReportState]| {
            table.rows.iter().filter(|r| want.contains(&r.cells[col].state)).map(|r| r.unit.name.clone()).collect::<Vec<_>>()
        };
        let on_time = names(&[reporting::ReportState::Received]);
        let late = names(&[reporting::ReportState::Late]);
        let missing = names(&[reporting::ReportState::Missing, reporting::ReportState::Pending]);
        let list = |v: &Vec<String>| if v.is_empty() { "không có".to_owned() } else { v.join("; ") };
        body.push(para(&format!(
            "Hạn gửi báo cáo: {}. Đã nhận đúng hạn báo cáo của {} đơn vị: {}. Nhận muộn: {}. Chưa nhận: {}.",
            format_date(table.deadlines[col].due_on),
            on_time.len(),
            list(&on_time),
            list(&late),
            list(&missing)
        )));
    }

    let mut section = 4;
    let notes = plan::notes_until_in(pool, &plan_id, end).await?;
    if !notes.is_empty() {
        section += 1;
        body.push(heading(&format!("{section}. Ghi nhận tiến độ của các đơn vị")));
        for n in notes {
            let label = tree.nodes.iter().find(|x| x.id == n.node_id).map(|x| outline_label(&tree, x)).unwrap_or_default();
            body.push(para(&format!("- Ngày {}, {} (mục {label}): {}", format_date(n.noted_on), n.unit_name, n.text)));
        }
    }

    section += 1;
    body.extend(statistics_section(store, section, p.year, end).await?);
    let campaigns = campaigns_section(store, section + 1, p.year, end).await?;
    let next = section + 1 + u32::from(!campaigns.is_empty());
    body.extend(campaigns);
    body.extend(commendations_section(store.pool(), next, p.year, end).await?);

    body.push(heading("II. TỒN TẠI, HẠN CHẾ"));
    body.extend(narrative_block(&doc.narrative.shortcomings, "(Chưa có nội dung.)"));
    body.push(heading("III. ĐỀ XUẤT, KIẾN NGHỊ"));
    body.extend(narrative_block(&doc.narrative.proposals, "(Chưa có nội dung.)"));

    Ok(doc.frame("BÁO CÁO", body, signed, ward_frame(pool, doc.year).await?))
}

/// Indicators whose first breakdown the report draws as a chart.
const CHARTED: &[&str] = &["TE.02", "0101"];

/// The campaigns of gifts and scholarships that started in the period, with money by source;
/// nothing when there were none.
async fn campaigns_section(store: &crate::Store, section: u32, year: i32, end: NaiveDate) -> Result<Vec<Block>> {
    let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(end);
    let mut conn = store.pool().acquire().await?;
    let campaigns = crate::campaigns::money_by_source(&mut conn, from, end).await?;
    if campaigns.is_empty() {
        return Ok(vec![]);
    }
    let mut out = vec![heading(&format!("{section}. Thăm, tặng quà, học bổng cho trẻ em"))];
    let mut rows = Vec::new();
    let mut total = [0i64; 3];
    for (c, by_source) in &campaigns {
        let amount = |s: crate::campaigns::FundSource| by_source.iter().find(|(x, _)| *x == s).map(|(_, m)| m.spent).unwrap_or(0);
        let budget = amount(crate::campaigns::FundSource::Budget);
        let mobilised = amount(crate::campaigns::FundSource::Mobilised);
        total[0] += c.handed_over;
        total[1] += budget;
        total[2] += mobilised;
        rows.push(vec![
            vec![Run::regular(format!("{} ({})", c.name, c.dates_text))],
            vec![Run::regular(format!("{}/{}", c.handed_over, c.gifts))],
            vec![Run::regular(crate::money::grouped(budget))],
            vec![Run::regular(crate::money::grouped(mobilised))],
        ]);
    }
    rows.push(vec![
        vec![Run::bold("Tổng cộng")],
        vec![Run::bold(total[0].to_string())],
        vec![Run::bold(crate::money::grouped(total[1]))],
        vec![Run::bold(crate::money::grouped(total[2]))],
    ]);
    out.push(para(&format!(
        "Trong kỳ, phường tổ chức {} đợt thăm, tặng quà, học bổng; đã trao {} suất với tổng số tiền {}, trong đó ngân sách nhà nước {} và nguồn vận động {}.",
        campaigns.len(),
        total[0],
        crate::money::format(total[1] + total[2]),
        crate::money::format(total[1]),
        crate::money::format(total[2])
    )));
    out.push(Block::Table(Table {
        columns: vec![
            TableColumn::auto("Đợt", Align::Left),
            TableColumn::fixed_mm("Đã trao/số suất", 24.0, Align::Center),
            TableColumn::fixed_mm("Ngân sách (đồng)", 28.0, Align::Right),
            TableColumn::fixed_mm("Vận động (đồng)", 28.0, Align::Right),
        ],
        rows,
        size: 12.0,
        min_row_height: 0.0,
    }));
    Ok(out)
}

/// The commendations decided in the period: how many organisations and people, and who;
/// nothing when there were none.
async fn commendations_section(pool: &sqlx::SqlitePool, section: u32, year: i32, end: NaiveDate) -> Result<Vec<Block>> {
    let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(end);
    let decisions: Vec<(String, i32, String, NaiveDate)> = sqlx::query_as(
        "SELECT id, number, symbol, issued_on FROM documents
         WHERE kind = 'commendation' AND status = 'issued' AND deleted_at IS NULL AND issued_on BETWEEN ? AND ? ORDER BY issued_on",
    )
    .bind(from)
    .bind(end)
    .fetch_all(pool)
    .await?;
    if decisions.is_empty() {
        return Ok(vec![]);
    }
    let mut out = vec![heading(&format!("{section}. Khen thưởng"))];
    for (id, number, symbol, day) in decisions {
        let awarded = crate::commendations::of_decision(pool, &id).await?;
        let names = |kind| awarded.iter().filter(|n| n.nominee_kind == kind).map(|n| n.name.clone()).collect::<Vec<_>>();
        let (groups, people) = (names(crate::commendations::NomineeKind::Organisation), names(crate::commendations::NomineeKind::Person));
        let parts: Vec<String> = [("tập thể", &groups), ("cá nhân", &people)]
            .iter()
            .filter(|(_, names)| !names.is_empty())
            .map(|(what, names)| format!("{} {what} ({})", names.len(), names.join("; ")))
            .collect();
        out.push(para(&format!("Quyết định số {number:02}/{symbol} ngày {} của Chủ tịch UBND phường tặng Giấy khen cho {}.", format_date(day), parts.join(" và "))));
    }
    Ok(out)
}

/// The statistics of the period (1 January to its last day, or to today while it runs) as a
/// section: every indicator with its value, and charts of the main breakdowns.
async fn statistics_section(store: &crate::Store, section: u32, year: i32, end: NaiveDate) -> Result<Vec<Block>> {
    let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(end);
    let to = end.min(crate::today_in_vietnam()).max(from);
    let stats = crate::stats::compute_in(store, from, to).await?;
    let mut out = vec![
        heading(&format!("{section}. Số liệu thống kê về trẻ em (Thông tư số 13/2021/TT-BLĐTBXH)")),
        para(&format!("Số liệu từ ngày {} đến ngày {}, tính từ hồ sơ trẻ em, vụ việc và tai nạn, thương tích do UBND phường quản lý:", format_date(from), format_date(to))),
    ];
    let rows = stats
        .indicators
        .iter()
        .map(|i| {
            let parts: Vec<String> = i
                .breakdowns
                .first()
                .map(|b| b.rows.iter().filter(|r| r.of > 0).map(|r| format!("{}: {}", r.label, r.value_text)).collect())
                .unwrap_or_default();
            vec![vec![Run::regular(i.code.clone())], vec![Run::regular(i.name.clone())], vec![Run::regular(i.value_text.clone())], vec![Run::regular(parts.join("; "))]]
        })
        .collect();
    out.push(Block::Table(Table {
        columns: vec![
            TableColumn::fixed_mm("Mã", 14.0, Align::Center),
            TableColumn::auto("Chỉ tiêu", Align::Left),
            TableColumn::fixed_mm("Số liệu", 26.0, Align::Center),
            TableColumn::auto("Chia theo", Align::Left),
        ],
        rows,
        size: 11.0,
        min_row_height: 0.0,
    }));
    for code in CHARTED {
        let Some(ind) = stats.indicators.iter().find(|i| i.code == *code) else { continue };
        let Some(breakdown) = ind.breakdowns.first() else { continue };
        let width_mm = 150.0;
        let title = format!("{} {}", ind.name, crate::text::lower_first(&breakdown.title));
        if let Some(png) = crate::stats::chart::bars_png(&title, breakdown, width_mm as f64) {
            if let Some((w, h)) = crate::pdf::Picture::png_size(&png) {
                let width = crate::pdf::mm(width_mm);
                let height = width * h as f32 / w as f32;
                out.push(Block::Space(6.0));
                out.push(Block::Pictures { height, pictures: vec![crate::pdf::Picture { png: std::sync::Arc::new(png), width, height, dx: -width / 2.0, dy: 0.0 }] });
            }
        }
    }
    Ok(out)
}
