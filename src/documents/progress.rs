//! The progress table (bảng theo dõi): every activity × unit with its status, as a long table.

use chrono::NaiveDate;
use sqlx::SqlitePool;

use crate::overview::outline_label;
use crate::pdf::{Align, Block, Paragraph, Run, Table, TableColumn};
use crate::plan;
use crate::text::format_date;
use crate::Result;

/// The table's blocks, as of `today`.
pub(crate) async fn blocks(pool: &SqlitePool, plan_id: &str, today: NaiveDate) -> Result<Vec<Block>> {
    let tree = plan::tree_in(pool, plan_id).await?;
    let notes = plan::notes_until_in(pool, plan_id, today).await?;
    let mut rows = vec![];
    for n in tree.nodes.iter().filter(|n| n.is_activity) {
        for a in tree.assignments.iter().filter(|a| a.node_id == n.id) {
            let last_note = notes
                .iter()
                .rev()
                .find(|x| x.node_id == n.id && x.unit_name == a.unit_name)
                .map(|x| format!("{}: {}", format_date(x.noted_on), x.text))
                .unwrap_or_default();
            rows.push(vec![
                vec![Run::regular((rows.len() + 1).to_string())],
                vec![Run::regular(outline_label(&tree, n))],
                vec![Run::regular(n.text.clone())],
                vec![Run::regular(a.unit_name.clone())],
                vec![Run::regular(a.status.label())],
                vec![Run::regular(last_note)],
            ]);
        }
    }
    Ok(vec![
        Block::Paragraph(Paragraph::centered(vec![Run::bold("BẢNG THEO DÕI TIẾN ĐỘ THỰC HIỆN KẾ HOẠCH CÔNG TÁC TRẺ EM")], 14.0)),
        Block::Paragraph(Paragraph::centered(vec![Run::bold(tree.plan.title.clone())], 13.0)),
        Block::Paragraph(Paragraph::centered(vec![Run::italic(format!("(Tính đến ngày {})", format_date(today)))], 13.0).spacing(0.0, 10.0)),
        Block::Table(Table {
            columns: vec![
                TableColumn::auto("STT", Align::Center),
                TableColumn::auto("Mục", Align::Center),
                TableColumn::auto("Hoạt động", Align::Left),
                TableColumn::auto("Đơn vị", Align::Left),
                TableColumn::auto("Tình trạng", Align::Left),
                TableColumn::auto("Ghi chú gần nhất", Align::Left),
            ],
            rows,
            size: 10.0,
            min_row_height: 0.0,
        }),
    ])
}
