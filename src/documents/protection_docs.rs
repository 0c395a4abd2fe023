//! Two reports the seed plan asks the ward to send the city: the urgent report of a child who
//! died of an accident or injury (II.3.d, "báo cáo kịp thời"), prefilled from the record; and
//! the report of the year's self-checks of child labour (II.5.a), with the checks as a table.
//! Both are addressed to the ward's parent authority, as set in the ward's details.

use chrono::Datelike;
use sqlx::SqlitePool;

use super::frame::{heading, para, Frame, Signature, SignedMark};
use super::plan_doc::ward_frame;
use super::register::Document;
use crate::pdf::{Align, Block, Run, Table, TableColumn};
use crate::text::{format_date, lower_first};
use crate::{Error, Result};

/// The urgent report's summary.
pub const INJURY_SUMMARY: &str = "Về trường hợp trẻ em tử vong do tai nạn, thương tích";

/// The self-check report's summary.
pub fn labour_summary(year: i32) -> String {
    format!("Kết quả tự kiểm tra việc sử dụng lao động trẻ em năm {year}")
}

/// Where the reports go unless the officer changes it.
pub fn recipients() -> Vec<String> {
    vec!["Như trên;".into(), "CT, PCT UBND phường;".into(), "Lưu: VT, VH-XH.".into()]
}

async fn addressee(pool: &SqlitePool) -> Result<String> {
    let ward = crate::ward::get_in(pool).await?.ok_or(Error::NotFound { what: "thông tin phường; hãy nhập ở mục Thông tin phường" })?;
    Ok(format!("Ủy ban nhân dân {}", ward.parent_authority))
}

fn frame_of(doc: &Document, doc_type: &str, body: Vec<Block>, to: String, signed: Option<SignedMark>, base: Frame) -> Frame {
    Frame {
        number: doc.number,
        symbol: doc.symbol.clone(),
        date: doc.issued_on,
        doc_type: doc_type.to_owned(),
        summary: doc.summary.clone(),
        addressees: vec![to],
        body,
        signature: Signature { signed, ..Signature::from_parts(&doc.signer_prefix, &doc.signer_title, &doc.signer_name) },
        recipients: doc.recipients.clone(),
        ..base
    }
}

/// The urgent report of a death, as a document frame.
pub(crate) async fn injury_report(pool: &SqlitePool, doc: &Document, signed: Option<SignedMark>) -> Result<Frame> {
    let id = doc.injury_id.as_deref().ok_or(Error::NotFound { what: "trường hợp tai nạn của báo cáo" })?;
    let injury = crate::injuries::get_in(pool, id).await?;
    let mut conn = pool.acquire().await?;
    let child = crate::children::child_in(&mut conn, &injury.child_id, false).await?;
    drop(conn);
    let residence = [child.address.as_str(), child.group_name.as_deref().unwrap_or_default()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(", ");
    let place = if injury.place.is_empty() { String::new() } else { format!(", tại {}", injury.place) };
    let cause = match injury.cause {
        crate::injuries::Cause::Other => "tai nạn, thương tích".to_owned(),
        c => lower_first(c.label()),
    };
    let mut body = vec![
        para(&format!(
            "Ngày {}{place}, trẻ em {}, sinh {}, giới tính {}, cư trú tại {}, đã tử vong do {cause}.",
            format_date(injury.occurred_on),
            child.full_name,
            child.birth_text,
            lower_first(child.sex.label()),
            if residence.is_empty() { "địa bàn phường".to_owned() } else { residence }
        )),
        heading("1. Diễn biến sự việc"),
        para(&injury.description),
        heading("2. Công tác xử lý, hỗ trợ"),
        para(if injury.actions.is_empty() { "UBND phường đã chỉ đạo các đơn vị liên quan thăm hỏi, hỗ trợ gia đình trẻ." } else { &injury.actions }),
    ];
    body.push(para("UBND phường báo cáo nhanh để Ủy ban nhân dân cấp trên biết, theo dõi và chỉ đạo./."));
    let year = doc.issued_on.map(|d| d.year()).unwrap_or(doc.year);
    Ok(frame_of(doc, "BÁO CÁO NHANH", body, addressee(pool).await?, signed, ward_frame(pool, year).await?))
}

/// The report of a year's self-checks of child labour, as a document frame.
pub(crate) async fn labour_report(pool: &SqlitePool, doc: &Document, signed: Option<SignedMark>) -> Result<Frame> {
    let year = doc.about_year.ok_or(Error::NotFound { what: "năm của báo cáo" })?;
    let checks = crate::labour::year_in(pool, year).await?;
    let businesses = checks.iter().filter(|c| c.kind == crate::labour::PlaceKind::Business).count();
    // Children are under 16; those of 16 and 17 are minors (người chưa thành niên).
    let children = checks.iter().flat_map(|c| &c.found).filter(|f| f.age < 16).count();
    let minors = checks.iter().flat_map(|c| &c.found).filter(|f| f.age >= 16).count();
    let found = if minors == 0 {
        format!("{children} trẻ em lao động")
    } else {
        format!("{children} trẻ em và {minors} người chưa thành niên từ đủ 16 đến dưới 18 tuổi lao động")
    };
    let plan_ref = match crate::plan::of_year_in(pool, year).await {
        Ok(crate::plan::Plan { number: Some(n), issued_on: Some(d), symbol, .. }) => format!("Kế hoạch số {n:02}/{symbol} ngày {} của UBND phường", format_date(d)),
        _ => "Kế hoạch công tác trẻ em của UBND phường".to_owned(),
    };
    let mut body = vec![
        para(&format!(
            "Thực hiện {plan_ref} năm {year}, UBND phường báo cáo kết quả tự kiểm tra việc sử dụng trẻ em tham gia lao động tại các cơ sở sản xuất, kinh doanh và hộ gia đình trên địa bàn như sau:"
        )),
        heading("1. Kết quả kiểm tra"),
        para(&format!(
            "Trong năm {year}, phường đã tổ chức {} cuộc kiểm tra ({businesses} cơ sở sản xuất, kinh doanh; {} hộ gia đình); phát hiện {found}.",
            checks.len(),
            checks.len() - businesses
        )),
    ];
    if !checks.is_empty() {
        let rows = checks
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let found = if c.found.is_empty() {
                    "Không phát hiện".to_owned()
                } else {
                    c.found.iter().map(|f| format!("{} ({} tuổi): {}", f.name, f.age, f.work)).collect::<Vec<_>>().join("; ")
                };
                let team = [c.team_units.join(", "), c.team_people.clone()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join("; ");
                vec![
                    vec![Run::regular((i + 1).to_string())],
                    vec![Run::regular(format_date(c.checked_on))],
                    vec![Run::regular(c.place.clone())],
                    vec![Run::regular(team)],
                    vec![Run::regular(found)],
                    vec![Run::regular([c.findings.as_str(), c.required.as_str()].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" Yêu cầu: "))],
                ]
            })
            .collect();
        body.push(Block::Table(Table {
            columns: vec![
                TableColumn::fixed_mm("TT", 9.0, Align::Center),
                TableColumn::fixed_mm("Ngày", 22.0, Align::Center),
                TableColumn::auto("Cơ sở, hộ gia đình", Align::Left),
                TableColumn::auto("Đoàn kiểm tra", Align::Left),
                TableColumn::auto("Trẻ em lao động", Align::Left),
                TableColumn::auto("Kết quả, yêu cầu", Align::Left),
            ],
            rows,
            size: 11.0,
            min_row_height: 0.0,
        }));
    }
    body.push(heading("2. Đánh giá chung"));
    let with_children = checks.iter().filter(|c| !c.found.is_empty()).count();
    let drafted = if with_children == 0 {
        "Các cơ sở, hộ gia đình được kiểm tra chấp hành quy định của pháp luật về lao động là người chưa thành niên; không phát hiện trẻ em lao động trái quy định.".to_owned()
    } else {
        format!(
            "Qua kiểm tra, phát hiện {with_children} nơi sử dụng trẻ em lao động; UBND phường đã yêu cầu chấm dứt việc sử dụng trẻ em lao động trái quy định và theo dõi việc khắc phục."
        )
    };
    if doc.narrative.results.trim().is_empty() {
        body.push(para(&drafted));
    } else {
        body.extend(doc.narrative.results.lines().filter(|l| !l.trim().is_empty()).map(para));
    }
    // The officer's other sections, numbered on, when written.
    let mut section = 2;
    for (title, text) in [("Tồn tại, hạn chế", &doc.narrative.shortcomings), ("Đề xuất, kiến nghị", &doc.narrative.proposals)] {
        if !text.trim().is_empty() {
            section += 1;
            body.push(heading(&format!("{section}. {title}")));
            body.extend(text.lines().filter(|l| !l.trim().is_empty()).map(para));
        }
    }
    let issued_year = doc.issued_on.map(|d| d.year()).unwrap_or(doc.year);
    Ok(frame_of(doc, "BÁO CÁO", body, addressee(pool).await?, signed, ward_frame(pool, issued_year).await?))
}
