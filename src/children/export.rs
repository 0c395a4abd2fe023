//! Lists of children taken out of the app: any list as an Excel workbook, and a residential
//! group's children as a printed list through the document engine. Each list made is recorded
//! in the audit trail, under the file name it is given.

use chrono::NaiveDate;

use super::index::{self, ChildQuery, Entry};
use crate::auth::{Actor, Need};
use crate::documents::frame::{Frame, Signature};
use crate::pdf::{Align, Block, Paragraph, Run, Table, TableColumn};
use crate::store::Store;
use crate::text;
use crate::{Error, Result};

/// What a list's title says it holds: "trẻ em thuộc nhóm d) Khuyết tật, Tổ dân phố 2".
fn described(query: &ChildQuery, entries_group: Option<&str>) -> String {
    let mut parts = Vec::new();
    if let Some(c) = query.circumstance {
        parts.push(format!("nhóm {}", c.titled()));
    }
    if let Some(g) = entries_group {
        parts.push(g.to_owned());
    }
    if !query.text.trim().is_empty() {
        parts.push(format!("tìm “{}”", query.text.trim()));
    }
    parts.join(", ")
}

async fn group_name(store: &Store, query: &ChildQuery) -> Result<Option<String>> {
    match query.group_unit_id.as_deref().filter(|g| !g.is_empty()) {
        Some(id) => Ok(sqlx::query_scalar("SELECT name FROM units WHERE id = ?").bind(id).fetch_optional(store.pool()).await?),
        None => Ok(None),
    }
}

/// The children a query finds, as an Excel workbook to be saved as `file_name`: a title row
/// with the ward and the day, Vietnamese headers, dates as dates.
pub async fn xlsx(store: &Store, actor: &Actor, query: &ChildQuery, today: NaiveDate, file_name: &str) -> Result<Vec<u8>> {
    actor.require(Need::ManageChildren)?;
    let (on, entries) = index::all_matching(store, actor, query, today).await?;
    let ward = crate::ward::get_in(store.pool()).await?.map(|w| w.name).unwrap_or_default();
    let what = described(query, group_name(store, query).await?.as_deref());
    let bytes = write_xlsx(actor, &ward, &what, on, &entries).map_err(|e| Error::file(file_name, std::io::Error::other(e.to_string())))?;
    crate::audit::exported(store, actor, "children", "", file_name).await?;
    Ok(bytes)
}

fn write_xlsx(actor: &Actor, ward: &str, what: &str, on: NaiveDate, entries: &[Entry]) -> std::result::Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use chrono::Datelike;
    use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Danh sách trẻ em")?;
    let title = Format::new().set_bold().set_font_size(14);
    let header = Format::new().set_bold().set_text_wrap().set_align(FormatAlign::Center).set_border(FormatBorder::Thin);
    let cell = Format::new().set_border(FormatBorder::Thin);
    let date = Format::new().set_num_format("dd/mm/yyyy").set_border(FormatBorder::Thin);
    let mut heading = format!("DANH SÁCH TRẺ EM — {}", ward.to_uppercase());
    if !what.is_empty() {
        heading.push_str(&format!(" ({what})"));
    }
    sheet.write_string_with_format(0, 0, text::nfc(&heading), &title)?;
    sheet.write_string(1, 0, format!("Tính đến ngày {}; {} trẻ.", text::format_date(on), entries.len()))?;
    let headers = [
        ("STT", 6.0),
        ("Họ và tên", 26.0),
        ("Ngày sinh", 12.0),
        ("Tuổi", 10.0),
        ("Giới tính", 9.0),
        ("Số định danh cá nhân", 16.0),
        ("Tổ dân phố", 16.0),
        ("Cha, mẹ hoặc người giám hộ", 28.0),
        ("Hộ nghèo, cận nghèo", 14.0),
        ("Nhóm hoàn cảnh đặc biệt", 14.0),
    ];
    for (c, (h, width)) in headers.iter().enumerate() {
        sheet.write_string_with_format(3, c as u16, *h, &header)?;
        sheet.set_column_width(c as u16, *width)?;
    }
    for (i, e) in entries.iter().enumerate() {
        let r = 4 + i as u32;
        sheet.write_number_with_format(r, 0, (i + 1) as f64, &cell)?;
        sheet.write_string_with_format(r, 1, &e.full_name, &cell)?;
        match e.birth.day() {
            Some(d) => {
                let day = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)?;
                sheet.write_datetime_with_format(r, 2, day, &date)?;
            }
            None => {
                sheet.write_number_with_format(r, 2, e.birth.year() as f64, &cell)?;
            }
        }
        sheet.write_string_with_format(r, 3, e.birth.age_text(on), &cell)?;
        sheet.write_string_with_format(r, 4, e.sex.label(), &cell)?;
        sheet.write_string_with_format(r, 5, e.id_number.as_deref().unwrap_or(""), &cell)?;
        sheet.write_string_with_format(r, 6, e.group_name.as_deref().unwrap_or(""), &cell)?;
        sheet.write_string_with_format(r, 7, &e.guardian, &cell)?;
        let household = if e.household == super::Household::Neither { "" } else { e.household.label() };
        sheet.write_string_with_format(r, 8, household, &cell)?;
        sheet.write_string_with_format(r, 9, index::row(e, i + 1, on, actor).circumstances, &cell)?;
    }
    sheet.set_freeze_panes(4, 0)?;
    book.save_to_buffer()
}

/// A printed list of the children a query finds (most often one residential group's), laid out
/// as the ward's documents are, signed by the person who made it, to be saved as `file_name`.
pub async fn pdf(store: &Store, actor: &Actor, query: &ChildQuery, today: NaiveDate, file_name: &str) -> Result<Vec<u8>> {
    actor.require(Need::ReadChildren)?;
    if let Some(g) = query.group_unit_id.as_deref().filter(|g| !g.is_empty()) {
        actor.require_for_group(Need::ReadChildren, Some(g))?;
    }
    let (on, entries) = index::all_matching(store, actor, query, today).await?;
    let group = group_name(store, query).await?;
    let what = described(query, group.as_deref());
    let mut summary = "Trẻ em".to_owned();
    if !what.is_empty() {
        summary.push_str(&format!(" ({what})"));
    }
    summary.push_str(&format!(" tính đến ngày {}", text::format_date(on)));
    let rows = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let r = index::row(e, i + 1, on, actor);
            vec![
                vec![Run::regular((i + 1).to_string())],
                vec![Run::regular(r.full_name)],
                vec![Run::regular(r.birth_text)],
                vec![Run::regular(r.sex.label())],
                vec![Run::regular(r.group_name.unwrap_or_default())],
                vec![Run::regular(r.guardian)],
                vec![Run::regular(r.circumstances)],
            ]
        })
        .collect();
    let body = vec![
        Block::Table(Table {
            columns: vec![
                TableColumn::fixed_mm("STT", 10.0, Align::Center),
                TableColumn::auto("Họ và tên", Align::Left),
                TableColumn::fixed_mm("Ngày sinh", 22.0, Align::Center),
                TableColumn::fixed_mm("Giới tính", 16.0, Align::Center),
                TableColumn::fixed_mm("Tổ dân phố", 27.0, Align::Left),
                TableColumn::auto("Cha, mẹ hoặc người giám hộ", Align::Left),
                TableColumn::fixed_mm("Nhóm", 13.0, Align::Center),
            ],
            rows,
            size: 11.0,
            min_row_height: 0.0,
        }),
        Block::Paragraph(Paragraph::body(vec![Run::italic(format!(
            "Tổng số: {} trẻ. Cột “Nhóm” ghi chữ cái của nhóm trẻ em có hoàn cảnh đặc biệt (khoản 1 Điều 10 Luật Trẻ em).",
            entries.len()
        ))])),
    ];
    let frame = Frame {
        doc_type: "DANH SÁCH".into(),
        summary,
        body,
        date: Some(today),
        signature: Signature { authority: vec![], title: "Người lập danh sách".into(), name: actor.name().to_owned(), signed: None },
        ..crate::documents::plan_doc::ward_frame(store.pool(), chrono::Datelike::year(&today)).await?
    };
    let bytes = crate::pdf::render("Danh sách trẻ em", &frame.blocks());
    crate::audit::exported(store, actor, "children", "", file_name).await?;
    Ok(bytes)
}
