//! The delivery list of an issued document (danh sách giao nhận văn bản): its recipients with a
//! column for their signature on receipt.

use sqlx::SqlitePool;

use super::register::Document;
use crate::pdf::{Align, Block, Paragraph, Run, Table, TableColumn};
use crate::text::format_date;
use crate::Result;

/// The recipients a copy is delivered to: "Nơi nhận" without the archive line.
pub fn delivered_to(recipients: &[String]) -> Vec<String> {
    recipients
        .iter()
        .filter(|r| !crate::text::fold(r).starts_with("luu"))
        .map(|r| r.trim_end_matches([';', '.']).to_owned())
        .collect()
}

/// A sign-off table: numbered rows with a blank column to sign in.
pub fn sign_off_table(first: &str, rows: Vec<String>) -> Table {
    Table {
        columns: vec![
            TableColumn::auto("STT", Align::Center),
            TableColumn::auto(first, Align::Left),
            TableColumn::fixed_mm("Ngày nhận", 25.0, Align::Center),
            TableColumn::fixed_mm("Người nhận ký, ghi rõ họ tên", 45.0, Align::Left),
        ],
        rows: rows.into_iter().enumerate().map(|(i, r)| vec![vec![Run::regular((i + 1).to_string())], vec![Run::regular(r)], vec![], vec![]]).collect(),
        size: 13.0,
        min_row_height: 30.0,
    }
}

/// The list's blocks.
pub(crate) async fn blocks(pool: &SqlitePool, of: &Document) -> Result<Vec<Block>> {
    let ward = crate::ward::get_in(pool).await?.map(|w| w.name).unwrap_or_default();
    let which = format!(
        "Văn bản số {:02}/{} ngày {} của UBND {} về {}",
        of.number.unwrap_or(0),
        of.symbol,
        of.issued_on.map(format_date).unwrap_or_default(),
        crate::text::lower_first(&ward),
        crate::text::lower_first(&of.summary)
    );
    Ok(vec![
        Block::Paragraph(Paragraph::centered(vec![Run::bold("DANH SÁCH GIAO NHẬN VĂN BẢN")], 14.0)),
        Block::Paragraph(Paragraph::centered(vec![Run::italic(which)], 13.0).spacing(4.0, 12.0)),
        Block::Table(sign_off_table("Nơi nhận", delivered_to(&of.recipients))),
    ])
}
