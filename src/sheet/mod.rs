//! Reading one sheet of a workbook (.xlsx, .xls, .ods) into its filled cells, streaming and
//! counting: cells and text are counted as they are read against a [`Limits`], so a small
//! hostile file (a declared dimension of the whole grid, a shared string used a million times,
//! rows and columns repeated to the end of the grid) is refused at once with the limit named.
//!
//! Nothing here knows what the sheet holds: the register of children reads its rows.

mod ods;
mod xls;
mod xlsx;

use std::collections::HashMap;
use std::io::{Cursor, Read};

use chrono::NaiveDate;

use crate::limits::{Counter, Exceeded, Limits};

/// The rows of Excel's grid; a position past them is a broken file.
const GRID_ROWS: u32 = 1_048_576;

/// What a filled cell holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Text, as typed.
    Text(String),
    /// A number (not shown as a date).
    Number(f64),
    /// A day: a number shown as a date, or a date cell.
    Date(NaiveDate),
    /// TRUE or FALSE.
    Bool(bool),
    /// An error value ("#N/A").
    Error,
}

/// A row with something in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// From 0: Excel's row number less one.
    pub index: u32,
    /// The filled cells by column (from 0), left to right.
    pub cells: Vec<(u32, Value)>,
}

/// A sheet read, with the names of every sheet of its workbook.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// Every sheet of the workbook, in order.
    pub sheets: Vec<String>,
    /// The sheet read.
    pub name: String,
    /// Its rows with something in them, top to bottom.
    pub rows: Vec<Row>,
    /// One past the rightmost filled column.
    pub width: u32,
}

/// Why a workbook could not be read. Nothing is built past the first of these.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SheetError {
    /// Neither a zipped workbook nor an Excel 97–2003 one.
    #[error("Tệp không phải sổ tính Excel (.xlsx, .xls) hay LibreOffice (.ods), hoặc đã bị hỏng. Hãy mở tệp trong Excel, lưu lại dạng .xlsx rồi nhập.")]
    NotASpreadsheet,
    /// A workbook whose structure is broken: cut short, or its parts do not hold together.
    #[error("Tệp sổ tính bị hỏng hoặc bị cắt ngắn (chưa tải về hết?); hãy lấy lại tệp gốc.")]
    Damaged,
    /// The sheet's cells cannot be read.
    #[error("Không đọc được trang “{0}”: tệp bị hỏng hoặc bị cắt ngắn.")]
    DamagedSheet(String),
    /// Encrypted with a password.
    #[error("Sổ tính có đặt mật khẩu. Hãy mở tệp trong Excel, bỏ mật khẩu, lưu lại rồi nhập.")]
    Password,
    /// A format the importer does not read (Excel 95 and older, binary .xlsb).
    #[error("Sổ tính được lưu theo định dạng cũ hoặc định dạng nhị phân (.xlsb) mà ứng dụng không đọc. Hãy mở tệp trong Excel, lưu lại dạng .xlsx rồi nhập.")]
    OtherFormat,
    /// No sheet at all.
    #[error("Sổ tính không có trang nào.")]
    NoSheet,
    /// The sheet asked for is not in the workbook.
    #[error("Sổ tính không có trang “{name}”; các trang: {}.", .sheets.join(", "))]
    NoSuchSheet {
        /// The sheet asked for.
        name: String,
        /// The sheets there are.
        sheets: Vec<String>,
    },
    /// A limit passed.
    #[error(transparent)]
    Limit(#[from] Exceeded),
}

/// Reads sheet `sheet` (the first when `None` or empty) of a workbook from its bytes.
pub fn read(bytes: &[u8], sheet: Option<&str>, limits: &Limits) -> Result<Sheet, SheetError> {
    if bytes.len() as u64 > limits.max_file_bytes {
        return Err(Exceeded::FileBytes { limit: limits.max_file_bytes }.into());
    }
    let sheet = sheet.filter(|s| !s.is_empty());
    if bytes.starts_with(&xls::SIGNATURE) {
        return xls::read(bytes, sheet, limits);
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(SheetError::NotASpreadsheet);
    }
    refuse_zip_bomb(bytes, limits)?;
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| SheetError::Damaged)?;
    if part_name(&zip, "content.xml").is_some() && part_name(&zip, "xl/workbook.xml").is_none() {
        ods::read(&mut zip, sheet, limits)
    } else if part_name(&zip, "xl/workbook.xml").is_some() {
        xlsx::read(&mut zip, sheet, limits)
    } else if part_name(&zip, "xl/workbook.bin").is_some() {
        Err(SheetError::OtherFormat)
    } else {
        Err(SheetError::Damaged)
    }
}

/// Refuses, before anything is parsed, a zipped workbook that inflates beyond the limit: each
/// part is inflated into nothing, counting, up to the limit.
fn refuse_zip_bomb(bytes: &[u8], limits: &Limits) -> Result<(), SheetError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| SheetError::Damaged)?;
    let limit = limits.max_file_bytes;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|_| SheetError::Damaged)?;
        let room = limit.saturating_sub(total).saturating_add(1);
        total += std::io::copy(&mut entry.take(room), &mut std::io::sink()).map_err(|_| SheetError::Damaged)?;
        if total > limit {
            return Err(Exceeded::FileBytes { limit }.into());
        }
    }
    Ok(())
}

type Zip<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

/// The name a part is stored under, matched as Excel does, ignoring case and a leading "/".
fn part_name(zip: &Zip, name: &str) -> Option<String> {
    let name = name.trim_start_matches('/');
    if zip.index_for_name(name).is_some() {
        return Some(name.to_owned());
    }
    zip.file_names().find(|n| n.eq_ignore_ascii_case(name)).map(str::to_owned)
}

/// An XML part, streamed; `None` when the part is missing.
fn xml_part<'z, 'a>(zip: &'z mut Zip<'a>, name: &str) -> Result<Option<quick_xml::Reader<std::io::BufReader<zip::read::ZipFile<'z, Cursor<&'a [u8]>>>>>, SheetError> {
    let Some(name) = part_name(zip, name) else { return Ok(None) };
    let file = zip.by_name(&name).map_err(|_| SheetError::Damaged)?;
    Ok(Some(quick_xml::Reader::from_reader(std::io::BufReader::new(file))))
}

/// The value of attribute `name` (qualified as written), unescaped.
fn attr(e: &quick_xml::events::BytesStart, name: &[u8]) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.as_ref() == name).and_then(|a| a.unescape_value().ok()).map(|v| v.into_owned())
}

/// The sheet being read: cells and text counted as they come, rows in any order.
struct Grid {
    rows: Vec<Row>,
    /// Row index → its place in `rows`.
    at: HashMap<u32, usize>,
    /// One past the rightmost cell of each row, in `rows` order.
    widths: Vec<u32>,
    width: u32,
    cells: Counter,
    text: Counter,
    max_columns: u32,
}

impl Grid {
    fn new(limits: &Limits) -> Grid {
        Grid {
            rows: Vec::new(),
            at: HashMap::new(),
            widths: Vec::new(),
            width: 0,
            cells: Counter::new(limits.max_cells, Exceeded::Cells { limit: limits.max_cells }),
            text: Counter::new(limits.max_text_bytes, Exceeded::TextBytes { limit: limits.max_text_bytes }),
            max_columns: limits.max_columns,
        }
    }

    /// Puts a value at (row, column), counting the cells the row is laid out in up to it and
    /// the bytes of its text.
    fn put(&mut self, row: u32, col: u32, value: Value) -> Result<(), SheetError> {
        if row >= GRID_ROWS {
            return Err(SheetError::Damaged);
        }
        if col >= self.max_columns {
            return Err(Exceeded::Columns { column: column_letter(col), limit: self.max_columns }.into());
        }
        let i = match self.at.get(&row) {
            Some(&i) => i,
            None => {
                self.rows.push(Row { index: row, cells: Vec::new() });
                self.widths.push(0);
                self.at.insert(row, self.rows.len() - 1);
                self.rows.len() - 1
            }
        };
        // A cell inside the row's width is one more; one further right lays out the cells
        // between as well.
        let grown = (col + 1).saturating_sub(self.widths[i]).max(1);
        self.cells.add(u64::from(grown))?;
        if let Value::Text(s) = &value {
            self.text.add(s.len() as u64)?;
        }
        self.widths[i] = self.widths[i].max(col + 1);
        self.width = self.width.max(col + 1);
        self.rows[i].cells.push((col, value));
        Ok(())
    }

    fn finish(mut self, sheets: Vec<String>, name: String) -> Sheet {
        self.rows.sort_by_key(|r| r.index);
        for row in &mut self.rows {
            // The last value written at a place wins.
            row.cells.reverse();
            row.cells.sort_by_key(|(c, _)| *c);
            row.cells.dedup_by_key(|(c, _)| *c);
        }
        Sheet { sheets, name, rows: self.rows, width: self.width }
    }
}

/// The column letters Excel shows: A … Z, AA …
pub fn column_letter(index: u32) -> String {
    let mut n = u64::from(index) + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// The sheet to read among `sheets`: the one named, or the first.
fn choose(sheets: &[String], wanted: Option<&str>) -> Result<usize, SheetError> {
    match wanted {
        Some(s) => sheets.iter().position(|n| n == s).ok_or_else(|| SheetError::NoSuchSheet { name: s.to_owned(), sheets: sheets.to_vec() }),
        None if sheets.is_empty() => Err(SheetError::NoSheet),
        None => Ok(0),
    }
}

/// An Excel serial as a day, in the workbook's date system; `None` off the calendar.
fn serial_day(serial: f64, is_1904: bool) -> Option<NaiveDate> {
    if !(0.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as u64;
    if is_1904 {
        return NaiveDate::from_ymd_opt(1904, 1, 1)?.checked_add_days(chrono::Days::new(days));
    }
    // Excel counts a 29 February 1900 that never was: serials before it start a day later.
    let (base, days) = if days < 60 { (NaiveDate::from_ymd_opt(1899, 12, 31)?, days) } else { (NaiveDate::from_ymd_opt(1899, 12, 30)?, days) };
    base.checked_add_days(chrono::Days::new(days))
}

/// Whether an Excel number format shows a date or a time of day (not an elapsed time).
fn is_date_format(code: &str) -> bool {
    let lower = code.to_lowercase();
    // An elapsed time ("[h]:mm") counts hours, not a time of day.
    if ["[h", "[m", "[s"].iter().any(|e| lower.contains(e)) {
        return false;
    }
    let (mut quoted, mut escaped, mut bracket) = (false, false, 0u32);
    for c in code.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '"' => quoted = !quoted,
            _ if quoted => {}
            '\\' | '_' => escaped = true,
            ';' => return false,
            '[' => bracket += 1,
            ']' => bracket = bracket.saturating_sub(1),
            'd' | 'm' | 'y' | 'h' | 's' | 'D' | 'M' | 'Y' | 'H' | 'S' if bracket == 0 => return true,
            _ => {}
        }
    }
    false
}

/// Whether one of Excel's built-in number formats shows a date or time.
fn is_builtin_date(id: u32) -> bool {
    matches!(id, 14..=22 | 45 | 47)
}

/// A number in a format: a day when the format shows dates.
fn number(n: f64, date: bool, is_1904: bool) -> Value {
    match (date, serial_day(n, is_1904)) {
        (true, Some(d)) => Value::Date(d),
        _ => Value::Number(n),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A zip of the given parts.
    pub(crate) fn zipped(parts: &[(&str, &str)]) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, body) in parts {
            z.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            std::io::Write::write_all(&mut z, body.as_bytes()).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    #[test]
    fn grid_counts_the_cells_laid_out() {
        let limits = Limits { max_cells: 10, ..Limits::DEFAULT };
        let mut g = Grid::new(&limits);
        g.put(0, 9, Value::Number(1.0)).unwrap();
        assert!(matches!(g.put(1, 0, Value::Number(1.0)), Err(SheetError::Limit(Exceeded::Cells { limit: 10 }))));
        let mut g = Grid::new(&limits);
        for _ in 0..10 {
            g.put(0, 0, Value::Bool(true)).unwrap();
        }
        assert!(g.put(0, 0, Value::Bool(false)).is_err(), "a place written again and again counts each time");
        assert!(matches!(Grid::new(&limits).put(0, 5000, Value::Error), Err(SheetError::Limit(Exceeded::Columns { .. }))));
    }

    #[test]
    fn dates_and_formats() {
        assert_eq!(serial_day(42618.0, false), NaiveDate::from_ymd_opt(2016, 9, 5));
        assert_eq!(serial_day(1.0, false), NaiveDate::from_ymd_opt(1900, 1, 1));
        assert_eq!(serial_day(0.0, true), NaiveDate::from_ymd_opt(1904, 1, 1));
        assert!(is_date_format("dd/mm/yyyy"));
        assert!(is_date_format("[$-42A]d mmmm yyyy"));
        assert!(!is_date_format("0.00"));
        assert!(!is_date_format("[h]:mm"));
        assert!(!is_date_format("\"Ngày\" 0"));
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(16383), "XFD");
    }
}
