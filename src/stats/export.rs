//! The statistics as a workbook: one sheet, each indicator with its value and its breakdowns.

use rust_xlsxwriter::{Format, FormatBorder, Workbook, XlsxError};

use super::Statistics;
use crate::text::format_date;

/// The statistics as .xlsx bytes.
pub fn xlsx(stats: &Statistics, ward: &str) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Thống kê")?;
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    let header = Format::new().set_bold().set_border(FormatBorder::Thin);
    let cell = Format::new().set_border(FormatBorder::Thin);
    sheet.set_column_width(0, 12)?;
    sheet.set_column_width(1, 46)?;
    sheet.set_column_width(2, 14)?;
    sheet.set_column_width(3, 14)?;
    sheet.set_column_width(4, 18)?;
    sheet.write_string_with_format(0, 0, crate::text::nfc(&format!("SỐ LIỆU THỐNG KÊ VỀ TRẺ EM — {}", ward.to_uppercase())), &title)?;
    sheet.write_string(1, 0, format!("Kỳ: từ ngày {} đến ngày {}.", format_date(stats.from), format_date(stats.to)))?;
    let mut r = 3u32;
    for ind in &stats.indicators {
        sheet.write_string_with_format(r, 0, &ind.code, &bold)?;
        sheet.write_string_with_format(r, 1, &ind.name, &bold)?;
        sheet.write_string_with_format(r, 4, &ind.value_text, &bold)?;
        r += 1;
        sheet.write_string(r, 1, &ind.formula)?;
        r += 1;
        for b in &ind.breakdowns {
            sheet.write_string_with_format(r, 1, &b.title, &header)?;
            sheet.write_string_with_format(r, 2, "Số lượng", &header)?;
            sheet.write_string_with_format(r, 3, "Trên tổng số", &header)?;
            sheet.write_string_with_format(r, 4, "Giá trị", &header)?;
            r += 1;
            for row in &b.rows {
                sheet.write_string_with_format(r, 1, &row.label, &cell)?;
                sheet.write_number_with_format(r, 2, row.count as f64, &cell)?;
                sheet.write_number_with_format(r, 3, row.of as f64, &cell)?;
                sheet.write_string_with_format(r, 4, &row.value_text, &cell)?;
                r += 1;
            }
        }
        r += 1;
    }
    book.save_to_buffer()
}
