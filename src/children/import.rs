//! Importing children from the spreadsheets wards keep: .xlsx, .xls and .ods of every shape,
//! headers in Vietnamese somewhere near the top, dates as serials or text, residential groups
//! and special circumstances written by hand, text in the legacy TCVN3 and VNI encodings.
//!
//! Plan, then apply: [`preview`] reads the sheet, maps the columns and checks every row with no
//! write; [`commit`] writes the good rows in one transaction, or nothing.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::index::{same_birth, Entry, Index};
use super::{validate, Birth, ChildInput, Circumstance, Guardian, Household, Sex, Valid, ValidSpan};
use crate::auth::{Actor, Need};
use crate::limits::Limits;
use crate::sheet::{self, Value};
use crate::store::{Source, Store};
use crate::text::legacy::{self, Legacy};
use crate::text::{self, InvalidInput};
use crate::ward::{self, Unit, UnitKind};
use crate::Result;

/// The most rows one import takes; a larger register is imported in parts.
pub const MAX_ROWS: usize = Limits::DEFAULT.max_rows;
/// How many rows the preview shows; the problems are all listed.
const PREVIEW_ROWS: usize = 200;

labelled_enum! {
    /// What a column of the sheet holds.
    pub enum ImportField {
        /// Họ và tên.
        FullName = ("full_name", "Họ và tên"),
        /// Ngày sinh, or the year.
        Birth = ("birth", "Ngày sinh"),
        /// Giới tính: "Nam" / "Nữ".
        Sex = ("sex", "Giới tính"),
        /// A column ticked "x" for boys.
        Male = ("male", "Nam (đánh dấu x)"),
        /// A column ticked "x" for girls.
        Female = ("female", "Nữ (đánh dấu x)"),
        /// Số định danh cá nhân.
        IdNumber = ("id_number", "Số định danh cá nhân"),
        /// Tổ dân phố.
        Group = ("group", "Tổ dân phố"),
        /// Địa chỉ.
        Address = ("address", "Địa chỉ"),
        /// The father's name.
        Father = ("father", "Họ tên cha"),
        /// The mother's name.
        Mother = ("mother", "Họ tên mẹ"),
        /// Another guardian's name.
        Guardian = ("guardian", "Người giám hộ"),
        /// Their relation to the child.
        Relation = ("relation", "Quan hệ với trẻ"),
        /// A guardian's phone.
        Phone = ("phone", "Số điện thoại"),
        /// Trường.
        School = ("school", "Trường"),
        /// Lớp.
        ClassName = ("class_name", "Lớp"),
        /// Hộ nghèo / cận nghèo.
        Household = ("household", "Hộ nghèo, cận nghèo"),
        /// Khuyết tật.
        Disability = ("disability", "Khuyết tật"),
        /// Hoàn cảnh đặc biệt, in words or letters.
        Circumstances = ("circumstances", "Hoàn cảnh đặc biệt"),
        /// Ghi chú.
        Notes = ("notes", "Ghi chú"),
    }
}

/// Headers wards write, folded, and the field each means. Earlier entries win, so the longer,
/// more precise phrases come first.
const HEADER_WORDS: &[(&str, ImportField)] = &[
    ("ho ten cha", ImportField::Father),
    ("ten cha", ImportField::Father),
    ("ho ten me", ImportField::Mother),
    ("ten me", ImportField::Mother),
    ("nguoi giam ho", ImportField::Guardian),
    ("nguoi cham soc", ImportField::Guardian),
    ("phu huynh", ImportField::Guardian),
    ("cha me", ImportField::Guardian),
    ("quan he", ImportField::Relation),
    ("hoan canh dac biet", ImportField::Circumstances),
    ("hccb", ImportField::Circumstances),
    ("nhom hoan canh", ImportField::Circumstances),
    ("doi tuong", ImportField::Circumstances),
    ("ho va ten", ImportField::FullName),
    ("ho ten", ImportField::FullName),
    ("ten tre", ImportField::FullName),
    ("ngay thang nam sinh", ImportField::Birth),
    ("ngay sinh", ImportField::Birth),
    ("nam sinh", ImportField::Birth),
    ("gioi tinh", ImportField::Sex),
    ("dinh danh", ImportField::IdNumber),
    ("cccd", ImportField::IdNumber),
    ("can cuoc", ImportField::IdNumber),
    ("to dan pho", ImportField::Group),
    ("tdp", ImportField::Group),
    ("khu pho", ImportField::Group),
    ("dia chi", ImportField::Address),
    ("noi o", ImportField::Address),
    ("dien thoai", ImportField::Phone),
    ("sdt", ImportField::Phone),
    ("so dt", ImportField::Phone),
    ("truong", ImportField::School),
    ("lop", ImportField::ClassName),
    ("can ngheo", ImportField::Household),
    ("ho ngheo", ImportField::Household),
    ("khuyet tat", ImportField::Disability),
    ("ghi chu", ImportField::Notes),
];

/// Headers that are a whole word on their own.
const HEADER_EXACT: &[(&str, ImportField)] =
    &[("nam", ImportField::Male), ("nu", ImportField::Female), ("to", ImportField::Group), ("cha", ImportField::Father), ("me", ImportField::Mother), ("ten", ImportField::FullName)];

/// The field a header most likely means.
pub fn guess_field(header: &str) -> Option<ImportField> {
    let h = text::fold(header).replace(['.', ',', ':', '(', ')', '/', '-'], " ");
    let h = h.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some((_, f)) = HEADER_EXACT.iter().find(|(w, _)| *w == h) {
        return Some(*f);
    }
    HEADER_WORDS.iter().find(|(w, _)| h.contains(w)).map(|(_, f)| *f)
}

/// A cell as the importer reads it.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
}

impl Cell {
    fn of(v: &Value) -> Cell {
        match v {
            Value::Error | Value::Bool(false) => Cell::Empty,
            Value::Text(s) if s.trim().is_empty() => Cell::Empty,
            Value::Text(s) => Cell::Text(s.clone()),
            Value::Number(n) => Cell::Number(*n),
            Value::Date(d) => Cell::Date(*d),
            Value::Bool(true) => Cell::Text("x".into()),
        }
    }

    fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => text::nfc(s),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => text::format_date(*d),
        }
    }
}

/// An Excel date serial (days since 30/12/1899 in the 1900 date system) as a day.
fn serial_date(serial: f64) -> Option<NaiveDate> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(chrono::Days::new(serial.floor() as u64))
}

/// The column letters Excel shows: A … Z, AA …
pub fn column_letter(index: usize) -> String {
    sheet::column_letter(u32::try_from(index).unwrap_or(u32::MAX))
}

fn unreadable(message: impl Into<String>) -> crate::Error {
    InvalidInput::new("file", message).into()
}

/// What a hand-written cell says when it means "none": empty, "0", "-", "không".
fn means_none(cell: &str) -> bool {
    matches!(text::fold(cell).trim(), "" | "khong" | "-" | "0")
}

/// The message of an import stopped by its bad rows.
pub fn stopped(bad_rows: u32) -> String {
    format!("{bad_rows} dòng có lỗi nên chưa nhập dòng nào.")
}

/// One sheet, read into cells, with the header row found.
struct Table {
    sheets: Vec<String>,
    sheet: String,
    /// Excel's number of the header row.
    header_row: usize,
    headers: Vec<String>,
    /// Data rows: Excel's row number and the cells.
    rows: Vec<(usize, Vec<Cell>)>,
    /// The legacy encoding each column is converted from, if any.
    legacy: Vec<Option<Legacy>>,
    /// How the sheet's text was read, column by column.
    reading: legacy::SheetReading,
}

fn read_table(bytes: &[u8], sheet: Option<&str>, limits: &Limits) -> Result<Table> {
    let read = sheet::read(bytes, sheet, limits)?;
    let name = read.name;
    let mut rows: Vec<(usize, Vec<Cell>)> = Vec::new();
    for row in read.rows {
        // Laid out up to the row's last filled cell, as the reader counted them.
        let width = row.cells.last().map(|(c, _)| *c as usize + 1).unwrap_or(0);
        let mut cells = vec![Cell::Empty; width];
        for (c, v) in &row.cells {
            cells[*c as usize] = Cell::of(v);
        }
        if cells.iter().any(|c| *c != Cell::Empty) {
            rows.push((row.index as usize + 1, cells));
        }
    }
    // The header is the first row near the top where two or more cells read as known headers,
    // as typed or read in a legacy encoding.
    let header_at = rows.iter().take(20).position(|(_, cells)| looks_like_header(cells)).unwrap_or(0);
    let (header_row, header_cells) = rows.get(header_at).cloned().unwrap_or((1, Vec::new()));
    let data: Vec<(usize, Vec<Cell>)> = rows.into_iter().skip(header_at + 1).filter(|(_, cells)| !is_not_a_child(cells)).collect();
    if data.len() > limits.max_rows {
        return Err(unreadable(format!(
            "Trang “{name}” có {} dòng dữ liệu; mỗi lần nhập nhiều nhất {} dòng. Hãy chia danh sách thành nhiều tệp rồi nhập lần lượt.",
            text::grouped(data.len() as i64),
            text::grouped(limits.max_rows as i64)
        )));
    }
    let width = data.iter().map(|(_, c)| c.len()).chain([header_cells.len(), read.width as usize]).max().unwrap_or(0);
    let reading = sheet_reading(&header_cells, &data, width);
    let legacy_of: Vec<Option<Legacy>> = reading.columns.iter().map(|c| c.encoding()).collect();
    let headers = (0..width)
        .map(|col| {
            let raw = header_cells.get(col).map(Cell::text).unwrap_or_default();
            match legacy_of[col] {
                Some(enc) => legacy::to_unicode(&raw, enc),
                // A header typed in a legacy encoding over a column of numbers or dates.
                None if guess_field(&raw).is_none() => reading
                    .encoding
                    .into_iter()
                    .chain([Legacy::Tcvn3, Legacy::Vni])
                    .map(|enc| legacy::to_unicode(&raw, enc))
                    .find(|t| guess_field(t).is_some())
                    .unwrap_or(raw),
                None => raw,
            }
        })
        .collect();
    Ok(Table { sheets: read.sheets, sheet: name, header_row, headers, rows: data, legacy: legacy_of, reading })
}

/// The legacy encoding of the sheet, decided on the evidence of all its columns (each with its
/// header), and how each column is read.
fn sheet_reading(header_cells: &[Cell], data: &[(usize, Vec<Cell>)], width: usize) -> legacy::SheetReading {
    let columns: Vec<Vec<&str>> = (0..width)
        .map(|col| {
            std::iter::once(header_cells.get(col))
                .chain(data.iter().map(|(_, c)| c.get(col)))
                .filter_map(|c| match c {
                    Some(Cell::Text(s)) => Some(s.as_str()),
                    _ => None,
                })
                .collect()
        })
        .collect();
    legacy::detect_sheet(&columns)
}

/// Whether a cell reads as a known header, as typed or in a legacy encoding.
fn is_header_word(cell: &Cell) -> bool {
    let Cell::Text(raw) = cell else { return false };
    [raw.clone(), legacy::to_unicode(raw, Legacy::Tcvn3), legacy::to_unicode(raw, Legacy::Vni)].iter().any(|t| guess_field(t).is_some())
}

fn looks_like_header(cells: &[Cell]) -> bool {
    cells.iter().filter(|c| is_header_word(c)).count() >= 2
}

/// Rows that are no child: the columns numbered under the header, a second header row ("Nam |
/// Nữ" under a merged "Giới tính": two or more cells, every one a header's word), a total or
/// the signatures at the foot.
fn is_not_a_child(cells: &[Cell]) -> bool {
    let filled: Vec<&Cell> = cells.iter().filter(|c| **c != Cell::Empty).collect();
    if is_column_numbering(cells) || (filled.len() >= 2 && filled.iter().all(|c| is_header_word(c))) {
        return true;
    }
    let Some(first_text) = cells.iter().find_map(|c| match c {
        Cell::Text(t) => Some(t),
        _ => None,
    }) else {
        return false;
    };
    let foot = |t: &str| ["tong cong", "tong so", "cong:", "nguoi lap", "xac nhan", "ghi chu:"].iter().any(|w| text::fold(t).starts_with(w));
    foot(first_text) || [Legacy::Tcvn3, Legacy::Vni].iter().any(|&enc| foot(&legacy::to_unicode(first_text, enc)))
}

/// Official lists often number their columns (1, 2, 3 …) under the header: not a child.
fn is_column_numbering(cells: &[Cell]) -> bool {
    let filled: Vec<&Cell> = cells.iter().filter(|c| **c != Cell::Empty).collect();
    filled.len() >= 3 && filled.iter().enumerate().all(|(i, c)| matches!(c, Cell::Number(n) if *n == (i + 1) as f64))
}

/// A column of the sheet: its header, what it was mapped to, and any legacy text converted.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ImportColumn {
    /// From 0.
    pub index: u32,
    /// "C".
    pub letter: String,
    /// The header as written (converted to Unicode if it was legacy text).
    pub header: String,
    /// What the column holds, or `None` to leave it out.
    pub field: Option<ImportField>,
    /// The legacy encoding its text was in, converted to Unicode.
    pub legacy: Option<Legacy>,
    /// That encoding's name: "TCVN3 (ABC)", "VNI".
    pub legacy_label: Option<String>,
    /// A few of its cells, as converted: "NguyÔn V¨n §øc → Nguyễn Văn Đức" for legacy text.
    pub examples: Vec<String>,
}

/// How the sheet's text was read when it was typed in a legacy font: the decision, taken for the
/// whole sheet, and what it rests on, in sentences the window shows as they are.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SheetEncoding {
    /// The encoding the sheet was typed in.
    pub legacy: Legacy,
    /// "Trang tính được gõ bằng phông TCVN3 (.VnTime); đã chuyển sang Unicode."
    pub summary: String,
    /// The columns that showed it: "Nhận ra ở cột B (Họ và tên), D (Địa chỉ): …".
    pub evidence: String,
    /// The columns read otherwise, or on the sheet's word alone, one sentence each.
    pub notes: Vec<String>,
}

impl SheetEncoding {
    /// The decision shown for a sheet read as `reading` says, its columns headed `headers`;
    /// `None` for a sheet in Unicode (or whose encoding could not be told).
    fn of(reading: &legacy::SheetReading, headers: &[String]) -> Option<SheetEncoding> {
        use legacy::ColumnReading as R;
        let sheet = reading.encoding?;
        let names = |keep: &dyn Fn(R) -> bool| -> Vec<String> {
            reading
                .columns
                .iter()
                .enumerate()
                .filter(|(_, r)| keep(**r))
                .map(|(i, _)| match headers.get(i).map(|h| h.trim()).filter(|h| !h.is_empty()) {
                    Some(h) => format!("{} ({h})", column_letter(i)),
                    None => column_letter(i),
                })
                .collect()
        };
        let listed = |columns: &[String]| match columns {
            [one] => format!("Cột {one}"),
            many => format!("Các cột {}", many.join(", ")),
        };
        let shown = names(&|r| r == R::Shown(sheet));
        let mut notes = Vec::new();
        let follows = names(&|r| r == R::Follows(sheet));
        if !follows.is_empty() {
            notes.push(format!(
                "{} có quá ít chữ để tự nhận ra bảng mã nên được chuyển theo cả trang tính.",
                listed(&follows)
            ));
        }
        for other in [Legacy::Tcvn3, Legacy::Vni].into_iter().filter(|&e| e != sheet) {
            let columns = names(&|r| r == R::Shown(other));
            if !columns.is_empty() {
                notes.push(format!("{} được gõ bằng bảng mã {}; đã chuyển riêng theo bảng mã đó.", listed(&columns), other.label()));
            }
        }
        let unicode = names(&|r| r == R::Unicode);
        if !unicode.is_empty() {
            notes.push(format!("{} đã gõ bằng Unicode nên để nguyên.", listed(&unicode)));
        }
        let unclear = names(&|r| r == R::Unclear);
        if !unclear.is_empty() {
            notes.push(format!(
                "{} có ký tự lạ nhưng không đọc được theo bảng mã {} nên để nguyên; hãy xem lại các ô đó.",
                listed(&unclear),
                sheet.label()
            ));
        }
        Some(SheetEncoding {
            legacy: sheet,
            summary: format!("Trang tính được gõ bằng phông {}; đã chuyển sang Unicode.", sheet.font_label()),
            evidence: format!(
                "Nhận ra ở {}: chữ ở đó chỉ đọc thành tiếng Việt theo bảng mã {}.",
                text::lower_first(&listed(&shown)),
                sheet.label()
            ),
            notes,
        })
    }
}

/// One problem in one row.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct RowProblem {
    /// Excel's row number.
    pub row: u32,
    /// "C", or empty when the row as a whole is at fault.
    pub column: String,
    /// "Dòng 12, cột C (Ngày sinh): ngày 31/02/2016 không có trên lịch."
    pub message: String,
}

/// One row as it would be imported.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ImportRow {
    /// Excel's row number.
    pub row: u32,
    /// Name.
    pub full_name: String,
    /// Birth as read.
    pub birth_text: String,
    /// Nam / Nữ, if read.
    pub sex: Option<Sex>,
    /// The residential group found.
    pub group_name: Option<String>,
    /// The letters of the groups of special circumstances found: "a, d".
    pub circumstances: String,
    /// Whether the row has a problem (and is left out, or stops the import).
    pub bad: bool,
}

/// What an import would do, before anything is written.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ImportPreview {
    /// Every sheet of the workbook.
    pub sheets: Vec<String>,
    /// The sheet read.
    pub sheet: String,
    /// Excel's number of the header row.
    pub header_row: u32,
    /// The columns and their mapping.
    pub columns: Vec<ImportColumn>,
    /// The first rows, as they would be imported.
    pub rows: Vec<ImportRow>,
    /// Data rows in the sheet.
    pub total_rows: u32,
    /// Rows with no problem.
    pub good_rows: u32,
    /// Every problem, row by row.
    pub problems: Vec<RowProblem>,
    /// The day groups of special circumstances found in the sheet start on (the import's day).
    pub circumstances_from: String,
    /// The legacy font the sheet was typed in, converted to Unicode, and what showed it.
    pub encoding: Option<SheetEncoding>,
}

/// What the officer chose: the sheet and, for each column, its field (`None`: guess, using the
/// last mapping remembered for the same headers).
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct ImportChoice {
    /// The sheet; empty for the first.
    pub sheet: String,
    /// The field of each column by index; absent to guess.
    pub mapping: Option<Vec<Option<ImportField>>>,
}

/// A row turned into a child, or the problems that stop it.
struct Parsed {
    row: usize,
    input: ChildInput,
    /// The child as checked, when the row's details hold.
    valid: Option<Valid>,
    /// The name of the residential group found.
    group_name: Option<String>,
    spans: Vec<Circumstance>,
    problems: Vec<RowProblem>,
}

const MAPPING_KEY: &str = "children_import_mapping";

/// The last mapping chosen, by folded header.
async fn remembered(store: &Store) -> Result<HashMap<String, Option<ImportField>>> {
    let json: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = ?").bind(MAPPING_KEY).fetch_optional(store.pool()).await?;
    Ok(json.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default())
}

async fn remember(store: &Store, headers: &[String], mapping: &[Option<ImportField>]) -> Result<()> {
    let mut known = remembered(store).await?;
    for (h, f) in headers.iter().zip(mapping) {
        if !h.trim().is_empty() {
            known.insert(text::fold(h), *f);
        }
    }
    store.set_preference(MAPPING_KEY, &serde_json::to_string(&known).unwrap_or_default()).await
}

async fn mapping_for(store: &Store, table: &Table, chosen: Option<&Vec<Option<ImportField>>>) -> Result<Vec<Option<ImportField>>> {
    if let Some(m) = chosen {
        let mut m = m.clone();
        m.resize(table.headers.len(), None);
        return Ok(m);
    }
    let known = remembered(store).await?;
    let mut taken = Vec::new();
    Ok(table
        .headers
        .iter()
        .map(|h| {
            let field = known.get(&text::fold(h)).copied().unwrap_or_else(|| guess_field(h));
            // A field goes to its first column only ("Họ và tên" of the child, not of the mother).
            let repeatable = matches!(field, Some(ImportField::Notes));
            match field {
                Some(f) if taken.contains(&f) && !repeatable => None,
                Some(f) => {
                    taken.push(f);
                    Some(f)
                }
                None => None,
            }
        })
        .collect())
}

/// The residential group a hand-written name means: "Tổ 2", "TDP 2", "tổ dân phố số 2", "2".
pub fn find_group<'a>(groups: &'a [Unit], written: &str) -> Option<&'a Unit> {
    let folded = text::fold(written);
    if let Some(u) = groups.iter().find(|u| text::fold(&u.name) == folded) {
        return Some(u);
    }
    let number: String = folded.split_whitespace().filter(|w| w.chars().all(|c| c.is_ascii_digit())).collect::<Vec<_>>().concat();
    let words_ok = folded.split_whitespace().all(|w| matches!(w, "to" | "dan" | "pho" | "so" | "tdp" | "khu") || w.chars().all(|c| c.is_ascii_digit()));
    if number.is_empty() || !words_ok {
        return None;
    }
    groups.iter().find(|u| text::fold(&u.name).split_whitespace().last().is_some_and(|last| last.trim_start_matches('0') == number.trim_start_matches('0')))
}

/// Special circumstances as written in words or by clause letter: "Mồ côi cả cha và mẹ",
/// "Khuyết tật", "a, d". Returns the groups and what could not be read.
pub fn read_circumstances(written: &str) -> (Vec<Circumstance>, Vec<String>) {
    let mut found = Vec::new();
    let mut unknown = Vec::new();
    // A group's whole name may hold commas and slashes ("Nhiễm HIV/AIDS"): those are found
    // first, then what is left is split into letters and words.
    let mut parts = Vec::new();
    for piece in written.split([';', '+', '\n']) {
        let folded = text::fold(piece);
        match Circumstance::ALL.iter().find(|c| folded.contains(&text::fold(c.label()))) {
            Some(&c) => {
                if !found.contains(&c) {
                    found.push(c);
                }
            }
            None => parts.extend(piece.split([',', '/']).map(str::to_owned)),
        }
    }
    for part in parts {
        let part = text::nfc(&part);
        if means_none(&part) {
            continue;
        }
        let letter = part.trim_end_matches([')', '.']).trim().to_lowercase();
        let by_letter = Circumstance::ALL.iter().find(|c| c.as_str() == letter || (letter == "dd" && **c == Circumstance::Dd));
        let f = text::fold(&part);
        let by_words = || -> Option<Circumstance> {
            use Circumstance::*;
            Some(if f.contains("mo coi") {
                if f.contains("ca cha") || f.contains("cha va me") || f.contains("cha lan me") || f.contains("ca hai") {
                    A
                } else {
                    return None;
                }
            } else if f.contains("bo roi") {
                B
            } else if f.contains("nuong tua") {
                C
            } else if f.contains("khuyet tat") {
                D
            } else if f.contains("hiv") {
                Dd
            } else if f.contains("vi pham phap luat") {
                E
            } else if f.contains("ma tuy") {
                G
            } else if f.contains("bo hoc") {
                H
            } else if f.contains("xam hai tinh duc") || f.contains("xam hai") {
                L
            } else if f.contains("bao luc") {
                I
            } else if f.contains("boc lot") || f.contains("lao dong") {
                K
            } else if f.contains("mua ban") {
                M
            } else if f.contains("benh hiem ngheo") || f.contains("dieu tri dai ngay") {
                N
            } else if f.contains("di cu") || f.contains("lanh nan") || f.contains("ti nan") {
                O
            } else {
                return None;
            })
        };
        match by_letter.copied().or_else(by_words) {
            Some(c) if !found.contains(&c) => found.push(c),
            Some(_) => {}
            None => unknown.push(part),
        }
    }
    (found, unknown)
}

fn read_sex(cell: &str) -> Option<Sex> {
    match text::fold(cell).as_str() {
        "nam" | "m" | "trai" | "be trai" => Some(Sex::Male),
        "nu" | "f" | "gai" | "be gai" => Some(Sex::Female),
        _ => None,
    }
}

fn read_household(cell: &str) -> Option<Household> {
    let f = text::fold(cell);
    if means_none(cell) {
        Some(Household::Neither)
    } else if f.contains("can ngheo") || f == "cn" || f == "hcn" {
        Some(Household::NearPoor)
    } else if f.contains("ngheo") || f == "hn" || f == "x" {
        Some(Household::Poor)
    } else {
        None
    }
}

/// An ID number from a cell: a number loses its leading zeros in Excel (every province code
/// has one, 001–009 two), so a number shorter than 12 digits gets them back.
fn read_id(cell: &Cell) -> String {
    let s: String = cell.text().chars().filter(|c| !c.is_whitespace() && *c != '.' && *c != '\'').collect();
    if matches!(cell, Cell::Number(_)) && s.len() < 12 {
        format!("{s:0>12}")
    } else {
        s
    }
}

fn read_birth(cell: &Cell) -> std::result::Result<String, String> {
    match cell {
        Cell::Empty => Ok(String::new()),
        Cell::Date(d) => Ok(text::format_date(*d)),
        Cell::Number(n) if n.fract() == 0.0 && (1900.0..=2200.0).contains(n) => Ok(format!("{}", *n as i64)),
        Cell::Number(n) => serial_date(*n).map(text::format_date).ok_or_else(|| format!("“{n}” không phải ngày sinh")),
        Cell::Text(s) => Ok(text::nfc(s)),
    }
}

/// The first column mapped to `field`.
fn column_of(mapping: &[Option<ImportField>], field: ImportField) -> Option<usize> {
    mapping.iter().position(|m| *m == Some(field))
}

/// "Dòng 12, cột C (Ngày sinh)", or "Dòng 12" for the row as a whole.
fn place(row: usize, col: Option<usize>, mapping: &[Option<ImportField>]) -> String {
    match col {
        Some(c) => {
            let label = mapping.get(c).copied().flatten().map(|f| f.label()).unwrap_or("");
            format!("Dòng {row}, cột {} ({label})", column_letter(c))
        }
        None => format!("Dòng {row}"),
    }
}

fn parse_rows(table: &Table, mapping: &[Option<ImportField>], groups: &[Unit], today: NaiveDate) -> Vec<Parsed> {
    let column_of = |f: ImportField| column_of(mapping, f);
    table
        .rows
        .iter()
        .map(|(row, cells)| {
            let row = *row;
            let mut problems = Vec::new();
            let mut problem = |col: Option<usize>, message: String| {
                let column = col.map(column_letter).unwrap_or_default();
                problems.push(RowProblem { row: row as u32, column, message: format!("{}: {message}", place(row, col, mapping)) });
            };
            let cell = |col: Option<usize>| -> Cell {
                match col.and_then(|c| cells.get(c).map(|cell| (c, cell))) {
                    Some((c, Cell::Text(s))) => match table.legacy.get(c).copied().flatten() {
                        Some(enc) => Cell::Text(legacy::to_unicode(s, enc)),
                        None => Cell::Text(s.clone()),
                    },
                    Some((_, other)) => other.clone(),
                    None => Cell::Empty,
                }
            };
            let text_of = |f: ImportField| cell(column_of(f)).text();
            let mut input = ChildInput { full_name: text_of(ImportField::FullName), ..Default::default() };
            match read_birth(&cell(column_of(ImportField::Birth))) {
                Ok(b) => input.birth = b,
                Err(m) => problem(column_of(ImportField::Birth), format!("{m}; nhập ngày sinh dạng ngày/tháng/năm.")),
            }
            input.sex = match (column_of(ImportField::Sex), column_of(ImportField::Male), column_of(ImportField::Female)) {
                (Some(c), _, _) => {
                    let s = cell(Some(c)).text();
                    let sex = read_sex(&s);
                    if sex.is_none() && !s.is_empty() {
                        problem(Some(c), format!("“{s}” không phải Nam hay Nữ."));
                    }
                    sex
                }
                (None, m, f) => match (!means_none(&cell(m).text()), !means_none(&cell(f).text())) {
                    (true, false) => Some(Sex::Male),
                    (false, true) => Some(Sex::Female),
                    (true, true) => {
                        problem(m, "đánh dấu cả Nam lẫn Nữ.".into());
                        None
                    }
                    (false, false) => None,
                },
            };
            input.id_number = read_id(&cell(column_of(ImportField::IdNumber)));
            let group_text = text_of(ImportField::Group);
            let mut group_name = None;
            if !group_text.is_empty() {
                match find_group(groups, &group_text) {
                    Some(u) => {
                        input.group_unit_id = Some(u.id.clone());
                        group_name = Some(u.name.clone());
                    }
                    None => problem(
                        column_of(ImportField::Group),
                        format!("phường không có tổ dân phố “{group_text}” (các tổ: {}).", groups.iter().map(|u| u.name.as_str()).collect::<Vec<_>>().join(", ")),
                    ),
                }
            }
            input.address = text_of(ImportField::Address);
            for (f, relation) in [(ImportField::Mother, "Mẹ"), (ImportField::Father, "Cha")] {
                let name = text_of(f);
                if !name.is_empty() {
                    input.guardians.push(Guardian { name, relation: relation.into(), phone: String::new() });
                }
            }
            let guardian = text_of(ImportField::Guardian);
            let phone = text_of(ImportField::Phone);
            if !guardian.is_empty() {
                input.guardians.push(Guardian { name: guardian, relation: text_of(ImportField::Relation), phone: phone.clone() });
            } else if let Some(first) = input.guardians.first_mut().filter(|_| !phone.is_empty()) {
                first.phone = phone;
            }
            input.school = text_of(ImportField::School);
            input.class_name = text_of(ImportField::ClassName);
            let household = text_of(ImportField::Household);
            input.household = read_household(&household);
            if input.household.is_none() {
                problem(column_of(ImportField::Household), format!("“{household}” không phải hộ nghèo hay cận nghèo (để trống nếu không)."));
            }
            let disability = text_of(ImportField::Disability);
            let has_disability = !means_none(&disability);
            input.disability = if has_disability && text::fold(&disability) == "x" { "Có".into() } else if has_disability { disability } else { String::new() };
            // Every column mapped to notes, joined.
            let notes: Vec<String> = (0..mapping.len())
                .filter(|&c| mapping[c] == Some(ImportField::Notes))
                .map(|c| cell(Some(c)).text())
                .filter(|t| !t.is_empty())
                .collect();
            input.notes = Some(notes.join("; "));
            let (mut spans, unknown) = read_circumstances(&text_of(ImportField::Circumstances));
            for u in unknown {
                problem(
                    column_of(ImportField::Circumstances),
                    format!("“{u}” không phải một trong 14 nhóm hoàn cảnh đặc biệt (ghi chữ cái a–o hoặc tên nhóm, ví dụ “Mồ côi cả cha và mẹ”)."),
                );
            }
            if has_disability && !spans.contains(&Circumstance::D) {
                spans.push(Circumstance::D);
            }
            let valid = match validate(&input, today) {
                Ok(valid) => Some(valid),
                Err(found) => {
                    report_invalid(found, mapping, &mut problem);
                    None
                }
            };
            Parsed { row, input, valid, group_name, spans, problems }
        })
        .collect()
}

/// The problems `validate` found in a row, each placed in the column it comes from.
fn report_invalid(found: Vec<InvalidInput>, mapping: &[Option<ImportField>], problem: &mut impl FnMut(Option<usize>, String)) {
    let column_of = |f: ImportField| column_of(mapping, f);
    for p in found {
        let col = match p.field {
            "full_name" => column_of(ImportField::FullName),
            "birth" => column_of(ImportField::Birth),
            "sex" => column_of(ImportField::Sex).or(column_of(ImportField::Male)),
            "id_number" => column_of(ImportField::IdNumber),
            "address" => column_of(ImportField::Address),
            "school" => column_of(ImportField::School),
            "class_name" => column_of(ImportField::ClassName),
            "disability" => column_of(ImportField::Disability),
            "notes" => column_of(ImportField::Notes),
            "guardians" => column_of(ImportField::Guardian).or(column_of(ImportField::Father)).or(column_of(ImportField::Phone)),
            _ => None,
        };
        // A missing column is a problem of the row.
        let message = if p.field == "sex" && col.is_none() { "thiếu giới tính (không có cột Giới tính).".to_owned() } else { text::lower_first(&p.message) };
        problem(col, message);
    }
}

/// Marks rows that repeat a child already in the register, or an earlier row of the file.
fn mark_duplicates(parsed: &mut [Parsed], index: &Index, mapping: &[Option<ImportField>]) {
    let (id_column, name_column) = (column_of(mapping, ImportField::IdNumber), column_of(mapping, ImportField::FullName));
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    let mut seen_ids: HashMap<String, usize> = HashMap::new();
    // The register by ID number and by name and birth, so each row is checked in one look-up.
    let mut by_id: HashMap<&str, &Entry> = HashMap::new();
    let mut by_name: HashMap<&str, Vec<&Entry>> = HashMap::new();
    for e in index.entries() {
        if let Some(id) = e.id_number.as_deref() {
            by_id.entry(id).or_insert(e);
        }
        by_name.entry(e.folded_name.as_str()).or_default().push(e);
    }
    for p in parsed.iter_mut().filter(|p| p.problems.is_empty()) {
        let Some(valid) = &p.valid else { continue };
        let birth = valid.birth;
        let name = text::fold(&valid.full_name);
        let id = valid.id_number.as_deref();
        let same_name = || by_name.get(name.as_str()).and_then(|list| list.iter().find(|e| same_birth(birth, e.birth)));
        let known = id.and_then(|i| by_id.get(i)).or_else(same_name).copied();
        if let Some(e) = known {
            let col = if id.is_some() && e.id_number.as_deref() == id { id_column } else { name_column };
            p.problems.push(RowProblem {
                row: p.row as u32,
                column: col.map(column_letter).unwrap_or_default(),
                message: format!("{}: trùng với trẻ đã có trong sổ: {} ({}).", place(p.row, col, mapping), e.full_name, e.birth.text()),
            });
            continue;
        }
        let earlier = id.and_then(|i| seen_ids.get(i)).or_else(|| seen.get(&(name.clone(), birth.text()))).copied();
        if let Some(first) = earlier {
            p.problems.push(RowProblem {
                row: p.row as u32,
                column: String::new(),
                message: format!("Dòng {}: trùng với dòng {first} của tệp (cùng số định danh, hoặc cùng họ tên và ngày sinh).", p.row),
            });
            continue;
        }
        seen.insert((name, birth.text()), p.row);
        if let Some(i) = id {
            seen_ids.insert(i.to_owned(), p.row);
        }
    }
}

/// The rows read and checked, each against the register as it is now.
async fn plan(store: &Store, bytes: &[u8], choice: &ImportChoice, today: NaiveDate) -> Result<(Table, Vec<Option<ImportField>>, Vec<Parsed>)> {
    let (table, mapping, mut parsed) = parse(store, bytes, choice, today).await?;
    mark_duplicates(&mut parsed, &*Index::current(store).await?, &mapping);
    Ok((table, mapping, parsed))
}

/// The rows read and checked on their own, not yet against the register.
async fn parse(store: &Store, bytes: &[u8], choice: &ImportChoice, today: NaiveDate) -> Result<(Table, Vec<Option<ImportField>>, Vec<Parsed>)> {
    let table = read_table(bytes, Some(&choice.sheet), &Limits::DEFAULT)?;
    let mapping = mapping_for(store, &table, choice.mapping.as_ref()).await?;
    let groups: Vec<Unit> = ward::units_in(store.pool()).await?.into_iter().filter(|u| u.kind == UnitKind::ResidentialGroup).collect();
    let parsed = parse_rows(&table, &mapping, &groups, today);
    Ok((table, mapping, parsed))
}

/// Reads a workbook and shows what importing it would do; writes nothing.
pub async fn preview(store: &Store, actor: &Actor, bytes: &[u8], choice: &ImportChoice, today: NaiveDate) -> Result<ImportPreview> {
    actor.require(Need::ManageChildren)?;
    let (table, mapping, parsed) = plan(store, bytes, choice, today).await?;
    let columns = table
        .headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let legacy = table.legacy[i];
            let examples = table
                .rows
                .iter()
                .filter_map(|(_, cells)| match cells.get(i) {
                    Some(Cell::Text(s)) => Some(match legacy.map(|enc| legacy::to_unicode(s, enc)) {
                        Some(converted) if converted != text::nfc(s) => format!("{s} → {converted}"),
                        _ => text::nfc(s),
                    }),
                    Some(c @ (Cell::Number(_) | Cell::Date(_))) => Some(c.text()),
                    _ => None,
                })
                .take(3)
                .collect();
            ImportColumn {
                index: i as u32,
                letter: column_letter(i),
                header: h.clone(),
                field: mapping[i],
                legacy,
                legacy_label: legacy.map(|l| l.label().to_owned()),
                examples,
            }
        })
        .collect();
    let rows = parsed
        .iter()
        .take(PREVIEW_ROWS)
        .map(|p| ImportRow {
            row: p.row as u32,
            full_name: text::nfc(&p.input.full_name),
            birth_text: Birth::parse("birth", &p.input.birth).map(Birth::text).unwrap_or_else(|_| p.input.birth.clone()),
            sex: p.input.sex,
            group_name: p.group_name.clone(),
            circumstances: p.spans.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", "),
            bad: !p.problems.is_empty(),
        })
        .collect();
    let good = parsed.iter().filter(|p| p.problems.is_empty()).count();
    Ok(ImportPreview {
        sheets: table.sheets.clone(),
        sheet: table.sheet.clone(),
        header_row: table.header_row as u32,
        columns,
        rows,
        total_rows: parsed.len() as u32,
        good_rows: good as u32,
        problems: parsed.into_iter().flat_map(|p| p.problems).collect(),
        circumstances_from: text::format_date(today),
        encoding: SheetEncoding::of(&table.reading, &table.headers),
    })
}

/// What an import did.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ImportResult {
    /// Children added.
    pub added: u32,
    /// Rows left out for their problems.
    pub skipped: u32,
    /// The problems of the rows left out.
    pub problems: Vec<RowProblem>,
}

/// Imports a workbook in one transaction: with a problem in any row nothing is written and the
/// error lists the problems, unless `skip_bad_rows`, which imports the good rows alone.
/// `progress(done, total)` is told as rows are written.
pub async fn commit(
    store: &Store,
    actor: &Actor,
    source: Source,
    bytes: &[u8],
    choice: &ImportChoice,
    skip_bad_rows: bool,
    today: NaiveDate,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> Result<ImportResult> {
    actor.require(Need::ManageChildren)?;
    let (table, mapping, mut parsed) = parse(store, bytes, choice, today).await?;
    // The register is compared with once the write has begun: no other import can add the
    // same children between the check and the write (the same list imported twice at once).
    let mut w = store.write(actor, source).await?;
    mark_duplicates(&mut parsed, &*Index::current(store).await?, &mapping);
    if !mapping.contains(&Some(ImportField::FullName)) {
        return Err(unreadable("Chưa chọn cột “Họ và tên”: hãy chỉ cho biết cột nào ghi họ và tên của trẻ."));
    }
    let problems: Vec<RowProblem> = parsed.iter().flat_map(|p| p.problems.iter().cloned()).collect();
    if !problems.is_empty() && !skip_bad_rows {
        let bad_rows = parsed.iter().filter(|p| !p.problems.is_empty()).count();
        let shown: Vec<&str> = problems.iter().take(5).map(|p| p.message.as_str()).collect();
        return Err(unreadable(format!(
            "{} {}{}",
            stopped(bad_rows as u32),
            shown.join(" "),
            if problems.len() > 5 { format!(" … và {} lỗi khác.", problems.len() - 5) } else { String::new() }
        )));
    }
    let good: Vec<(&Parsed, &Valid)> = parsed.iter().filter(|p| p.problems.is_empty()).filter_map(|p| Some((p, p.valid.as_ref()?))).collect();
    let total = good.len();
    for (done, (p, valid)) in good.iter().enumerate() {
        let id = super::add_in(&mut w, valid).await?;
        for &code in &p.spans {
            let span = ValidSpan { code, subgroup: None, start: today, end: None, note: "Nhập từ tệp".into() };
            super::add_span_in(&mut w, &id, &span).await?;
        }
        if done % 100 == 0 {
            progress(done, total);
        }
    }
    w.commit().await?;
    progress(total, total);
    remember(store, &table.headers, &mapping).await?;
    Ok(ImportResult { added: total as u32, skipped: (parsed.len() - total) as u32, problems })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(n: u32) -> Unit {
        Unit { id: format!("u{n}"), name: format!("Tổ dân phố {n}"), kind: UnitKind::ResidentialGroup, position: n as i32 }
    }

    #[test]
    fn headers_are_guessed_from_the_words_wards_write() {
        assert_eq!(guess_field("Họ và tên"), Some(ImportField::FullName));
        assert_eq!(guess_field("HỌ VÀ TÊN TRẺ"), Some(ImportField::FullName));
        assert_eq!(guess_field("Ngày, tháng, năm sinh"), Some(ImportField::Birth));
        assert_eq!(guess_field("Tổ dân phố"), Some(ImportField::Group));
        assert_eq!(guess_field("Họ tên mẹ"), Some(ImportField::Mother));
        assert_eq!(guess_field("Nữ"), Some(ImportField::Female));
        assert_eq!(guess_field("Số CCCD/Định danh"), Some(ImportField::IdNumber));
        assert_eq!(guess_field("Hoàn cảnh đặc biệt"), Some(ImportField::Circumstances));
        assert_eq!(guess_field("STT"), None);
    }

    #[test]
    fn residential_groups_written_short_are_found() {
        let groups = vec![unit(1), unit(2), unit(3)];
        for written in ["Tổ 2", "TDP 2", "tổ dân phố số 2", "2", "Tổ dân phố 02", "TỔ DÂN PHỐ 2"] {
            assert_eq!(find_group(&groups, written).map(|u| u.id.as_str()), Some("u2"), "{written}");
        }
        assert!(find_group(&groups, "Tổ 9").is_none());
        assert!(find_group(&groups, "Thôn 2").is_none());
    }

    #[test]
    fn circumstances_are_read_from_words_and_letters() {
        let (found, unknown) = read_circumstances("Mồ côi cả cha và mẹ; Khuyết tật");
        assert_eq!(found, vec![Circumstance::A, Circumstance::D]);
        assert!(unknown.is_empty());
        assert_eq!(read_circumstances("a, đ, k)").0, vec![Circumstance::A, Circumstance::Dd, Circumstance::K]);
        let (found, unknown) = read_circumstances("Mồ côi cha");
        assert!(found.is_empty());
        assert_eq!(unknown, vec!["Mồ côi cha".to_owned()]);
        assert!(read_circumstances("không").0.is_empty());
    }

    #[test]
    fn cells_read_as_wards_write_them() {
        assert_eq!(serial_date(42618.0), NaiveDate::from_ymd_opt(2016, 9, 5));
        assert_eq!(read_birth(&Cell::Number(2016.0)).unwrap(), "2016");
        assert_eq!(read_birth(&Cell::Number(42618.0)).unwrap(), "05/09/2016");
        assert_eq!(read_id(&Cell::Number(51216000123.0)), "051216000123");
        assert_eq!(read_sex("NỮ"), Some(Sex::Female));
        assert_eq!(read_household("Hộ cận nghèo"), Some(Household::NearPoor));
        assert_eq!(read_household("nghèo"), Some(Household::Poor));
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(text::grouped(50000), "50.000");
    }
}
