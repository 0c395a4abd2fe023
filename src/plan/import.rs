//! Reading a plan document (text or Word) in the customary form into a [`PlanDraft`]: a pure
//! function, so the user can look at and correct what was understood before anything is saved.
//!
//! The customary form: "Số: …/KH-UBND", the place and date line, "KẾ HOẠCH" and its summary,
//! legal bases ("Căn cứ …") or a preamble ("Thực hiện …"), then parts "I.", "II." … holding
//! items "1.", "2." … and sub-items "a.", "b.", … "đ." …; part "Tổ chức thực hiện" lists the
//! units with their tasks; part "Chế độ báo cáo" gives the reporting deadlines; then "Trên đây
//! …", "Nơi nhận:" and the signature block.

use chrono::NaiveDate;
use regex::Regex;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::period::Period;
use super::reporting::ReportPeriod;
use crate::text::{fold, nfc};

/// Why a file could not be read as a plan. Nothing is written when this happens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Not UTF-8 text.
    #[error("Tệp không phải văn bản Unicode (UTF-8). Hãy mở tệp bằng Word và lưu lại dạng .docx hoặc .txt (Unicode).")]
    NotText,
    /// A .docx that is not one.
    #[error("Tệp .docx bị hỏng hoặc không phải tệp Word. Hãy mở bằng Word và lưu lại.")]
    NotADocx,
    /// A file, or a part of a .docx, far larger than any plan (perhaps made to exhaust memory).
    #[error("Tệp quá lớn đối với một kế hoạch (quá {} MB khi giải nén). Hãy kiểm tra lại tệp, hoặc chép phần kế hoạch sang một tệp Word mới.", super::docx::MAX_XML_BYTES / 1024 / 1024)]
    TooLarge,
    /// A limit passed while reading (the text made from a Word file, list labels included).
    #[error(transparent)]
    Limit(#[from] crate::limits::Exceeded),
    /// An extension the importer does not read.
    #[error("Chỉ nhập được kế hoạch dạng .txt hoặc .docx.")]
    UnknownFormat,
    /// Text without the shape of a plan.
    #[error("Không nhận ra đây là một kế hoạch: {0}")]
    NotAPlan(&'static str),
}

labelled_enum! {
    /// What kind of line of the outline a node is.
    pub enum NodeKind {
        /// "I.", "II." …
        Part = ("part", "Phần"),
        /// "1.", "2." …
        Item = ("item", "Mục"),
        /// "a.", "b." …
        SubItem = ("sub_item", "Tiểu mục"),
        /// A unit named in part "Tổ chức thực hiện".
        UnitEntry = ("unit_entry", "Đơn vị"),
        /// A task paragraph under a unit entry.
        Task = ("task", "Nhiệm vụ"),
        /// Any other paragraph.
        Paragraph = ("paragraph", "Đoạn văn"),
    }
}

/// A stretch of a node's text set in bold or italic (written `**…**` or `*…*` in the source).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Emphasis {
    /// First character.
    pub start: u32,
    /// One past the last character.
    pub end: u32,
    /// Bold, else italic.
    pub bold: bool,
}

/// The text without its emphasis marks, and where the marks were.
pub fn strip_emphasis(s: &str) -> (String, Vec<Emphasis>) {
    let chars: Vec<char> = s.chars().collect();
    let (mut out, mut spans) = (String::new(), vec![]);
    let (mut n, mut bold, mut italic) = (0u32, None, None);
    let mut i = 0;
    while i < chars.len() {
        let (open, is_bold, width) = if chars[i] == '*' && chars.get(i + 1) == Some(&'*') {
            (&mut bold, true, 2)
        } else if chars[i] == '*' {
            (&mut italic, false, 1)
        } else {
            out.push(chars[i]);
            n += 1;
            i += 1;
            continue;
        };
        match open.take() {
            Some(start) if start < n => spans.push(Emphasis { start, end: n, bold: is_bold }),
            Some(_) => {}
            None => *open = Some(n),
        }
        i += width;
    }
    (out, spans)
}

fn plain(s: &str) -> String {
    strip_emphasis(s).0
}

/// One node of the outline as understood.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DraftNode {
    /// What it is.
    pub kind: NodeKind,
    /// "II", "4", "đ"; empty for paragraphs and tasks.
    pub label: String,
    /// The text, NFC, without the label and emphasis marks.
    pub text: String,
    /// Its bold and italic stretches.
    #[serde(default)]
    pub emphasis: Vec<Emphasis>,
    /// Whether units report progress on it.
    pub is_activity: bool,
    /// When it happens.
    pub period: Period,
    /// Index into [`PlanDraft::units`] of the unit this entry names (unit entries) or leads (activities).
    pub lead_unit: Option<usize>,
    /// Indexes of the units suggested to coordinate.
    pub coordinating_units: Vec<usize>,
    /// Its children in order.
    pub children: Vec<DraftNode>,
}

/// A reporting deadline found in the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DraftDeadline {
    /// 6-monthly or yearly.
    pub period: ReportPeriod,
    /// The day reports are due.
    pub due_on: NaiveDate,
}

/// Everything understood from a plan document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PlanDraft {
    /// The plan's year.
    pub year: i32,
    /// The number, if the document has one yet.
    pub number: Option<i32>,
    /// "KH-UBND".
    pub symbol: String,
    /// The date, if the document has a full one.
    pub issued_on: Option<NaiveDate>,
    /// "Phường Nguyễn Nghiêm".
    pub place: String,
    /// The summary under "KẾ HOẠCH".
    pub title: String,
    /// "Căn cứ …" lines.
    pub legal_bases: Vec<String>,
    /// Other paragraphs before part I ("Thực hiện …").
    pub preamble: String,
    /// The outline.
    pub nodes: Vec<DraftNode>,
    /// Units named in part "Tổ chức thực hiện", in order.
    pub units: Vec<String>,
    /// Reporting deadlines.
    pub deadlines: Vec<DraftDeadline>,
    /// "Trên đây là …".
    pub closing: String,
    /// "Nơi nhận" lines, without the leading "- ".
    pub recipients: Vec<String>,
    /// "KT. CHỦ TỊCH".
    pub signer_prefix: String,
    /// "PHÓ CHỦ TỊCH".
    pub signer_title: String,
    /// "Võ Thùy Dương".
    pub signer_name: String,
    /// Things worth a look before saving (a skipped letter, a missing deadline …).
    pub warnings: Vec<String>,
}

impl PlanDraft {
    /// Every activity in outline order.
    pub fn activities(&self) -> Vec<&DraftNode> {
        fn walk<'a>(nodes: &'a [DraftNode], out: &mut Vec<&'a DraftNode>) {
            for n in nodes {
                if n.is_activity {
                    out.push(n);
                }
                walk(&n.children, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.nodes, &mut out);
        out
    }
}

impl PlanDraft {
    /// Takes unit `index` off the draft: coordinating parts drop it and the indexes of later
    /// units shift down. A unit that leads an activity or is a part IV entry is refused until
    /// another unit is chosen there.
    pub fn drop_unit(&mut self, index: usize) -> Result<(), crate::text::InvalidInput> {
        fn leads(nodes: &[DraftNode], index: usize) -> usize {
            nodes.iter().map(|n| usize::from(n.lead_unit == Some(index)) + leads(&n.children, index)).sum()
        }
        fn shift(nodes: &mut [DraftNode], index: usize) {
            for n in nodes {
                n.lead_unit = n.lead_unit.map(|u| if u > index { u - 1 } else { u });
                n.coordinating_units.retain(|&u| u != index);
                for u in &mut n.coordinating_units {
                    if *u > index {
                        *u -= 1;
                    }
                }
                shift(&mut n.children, index);
            }
        }
        let name = self.units.get(index).cloned().ok_or_else(|| crate::text::InvalidInput::new("units", "Không có đơn vị này trong danh sách."))?;
        let led = leads(&self.nodes, index);
        if led > 0 {
            return Err(crate::text::InvalidInput::new(
                "units",
                format!("“{name}” đang chủ trì {led} mục; hãy chọn đơn vị chủ trì khác cho các mục đó trước khi bỏ đơn vị này."),
            ));
        }
        self.units.remove(index);
        shift(&mut self.nodes, index);
        Ok(())
    }
}

/// Reads a plan from a file's bytes; `file_name` tells .txt from .docx.
pub fn read_file(file_name: &str, bytes: &[u8]) -> Result<PlanDraft, ImportError> {
    read_file_within(file_name, bytes, &crate::limits::Limits::DEFAULT)
}

/// Reads a plan from a file's bytes within `limits`; `file_name` tells .txt from .docx.
pub fn read_file_within(file_name: &str, bytes: &[u8], limits: &crate::limits::Limits) -> Result<PlanDraft, ImportError> {
    if bytes.len() as u64 > limits.max_part_bytes {
        return Err(ImportError::TooLarge);
    }
    let lower = file_name.to_lowercase();
    let text = if lower.ends_with(".docx") {
        super::docx::paragraphs_within(bytes, limits)?
    } else if lower.ends_with(".txt") || lower.ends_with(".md") {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        String::from_utf8(bytes.to_vec()).map_err(|_| ImportError::NotText)?
    } else {
        return Err(ImportError::UnknownFormat);
    };
    parse(&text)
}

/// The role of a part, from its title.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartRole {
    Purpose,
    Activities,
    Funding,
    Organisation,
    Reporting,
}

fn part_role(title: &str) -> PartRole {
    let f = fold(title);
    if f.contains("muc dich") {
        PartRole::Purpose
    } else if f.contains("kinh phi") {
        PartRole::Funding
    } else if f.contains("to chuc thuc hien") {
        PartRole::Organisation
    } else if f.contains("bao cao") {
        PartRole::Reporting
    } else {
        PartRole::Activities
    }
}

/// The sub-item letters in Vietnamese order (no f, j, w, z).
const LETTERS: [&str; 18] = ["a", "b", "c", "d", "đ", "e", "g", "h", "i", "k", "l", "m", "n", "o", "p", "q", "r", "s"];

fn roman(n: &str) -> Option<u32> {
    let vals: Vec<i64> = n
        .chars()
        .map(|c| match c {
            'I' => Some(1),
            'V' => Some(5),
            'X' => Some(10),
            'L' => Some(50),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let total: i64 = vals
        .iter()
        .enumerate()
        .map(|(i, v)| if vals.get(i + 1).is_some_and(|next| next > v) { -v } else { *v })
        .sum();
    u32::try_from(total).ok().filter(|t| *t > 0)
}

/// Characters that end a sentence or a heading: a line ending in one is not cut short.
const CLOSING: [char; 9] = ['.', ':', ';', '!', '?', '…', '"', '”', ')'];

/// A line that opens an item of a list: "- ", "+ ", "• ".
fn is_bullet(line: &str) -> bool {
    ["- ", "+ ", "• ", "– "].iter().any(|b| line.starts_with(b))
}

/// A page's number as `pdftotext` writes it at the top of a page (Decree 30 puts it there from
/// page 2 on): "2", "- 2 -".
fn is_page_number(line: &str) -> bool {
    let digits = line.trim_matches(|c: char| c == '-' || c == '–' || c.is_whitespace());
    (1..=3).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The width, in characters, a text was hard-wrapped at, if it was: a plan copied out of a PDF
/// has every line of a paragraph broken at the page's width, a Word or typed plan one line a
/// paragraph. The width is what nine lines in ten stay within; the text counts as wrapped when
/// it is a page's width (40 to 200 characters) and a quarter or more of its lines reach close to
/// it and stop mid-sentence with text right under them.
fn wrap_width(lines: &[Option<String>]) -> Option<usize> {
    let mut lengths: Vec<usize> = lines.iter().flatten().map(|l| l.chars().count()).collect();
    if lengths.len() < 20 {
        return None;
    }
    lengths.sort_unstable();
    let width = lengths[lengths.len() * 9 / 10];
    if !(40..=200).contains(&width) {
        return None;
    }
    let cut = lines
        .windows(2)
        .filter(|w| match (&w[0], &w[1]) {
            (Some(line), Some(_)) => line.chars().count() * 5 >= width * 4 && !line.ends_with(CLOSING),
            _ => false,
        })
        .count();
    (cut * 4 >= lengths.len()).then_some(width)
}

/// Lines of the document: NFC and trimmed, with the lines of one paragraph or heading that the
/// page broke joined again:
/// - a sentence cut short goes on in lower case or with a number, even past a blank line
///   ("… giai đoạn 2022 -" / "2025, tầm nhìn …", where a page ended);
/// - a numbered heading in capitals goes on in capitals ("I. MỤC ĐÍCH," / "YÊU CẦU:");
/// - in a hard-wrapped text (see [`wrap_width`]), a line that filled the width goes on in the
///   next whatever that starts with, and the summary under "KẾ HOẠCH" goes on to the blank line
///   under it.
///
/// A line that starts with a label ("II.", "3.", "b)") always starts anew; so does one after a
/// blank line, unless it goes on in lower case, and one like a list's item ("- Lưu VT.") unless
/// the full line above stops mid-phrase ("… Phòng Lao động" / "- Thương binh …"). Page numbers
/// and form feeds (`pdftotext`'s page breaks) are left out.
fn lines(text: &str, heading: &Regex) -> Vec<String> {
    // `None`: a blank line.
    let mut physical: Vec<Option<String>> = Vec::new();
    for raw in text.lines() {
        let page_starts = raw.starts_with('\u{c}');
        let line = nfc(&raw.replace(['\u{a0}', '\u{c}'], " "));
        if page_starts && is_page_number(&line) {
            continue;
        }
        physical.push((!line.is_empty()).then_some(line));
    }
    let width = wrap_width(&physical);
    let mut out: Vec<String> = Vec::new();
    let mut gap = false;
    for line in physical {
        let Some(line) = line else {
            gap = true;
            continue;
        };
        let in_title = out.len() >= 2 && fold(&out[out.len() - 2]) == "ke hoach";
        let continues = out.last().is_some_and(|prev| goes_on(prev, &line, gap, width, in_title, heading));
        match out.last_mut() {
            Some(prev) if continues => {
                prev.push(' ');
                prev.push_str(&line);
            }
            _ => out.push(line),
        }
        gap = false;
    }
    out
}

/// Whether `line` goes on from `prev` (see [`lines`]).
fn goes_on(prev: &str, line: &str, gap: bool, width: Option<usize>, in_title: bool, heading: &Regex) -> bool {
    if heading.is_match(line) {
        return false;
    }
    let ends_open = !prev.ends_with(CLOSING);
    if ends_open && line.chars().next().is_some_and(|c| c.is_lowercase() || c.is_ascii_digit()) {
        return true;
    }
    if gap {
        return false;
    }
    if ends_open && heading.is_match(prev) && is_upper(prev) && is_upper(line) {
        return true;
    }
    let Some(width) = width else { return false };
    let length = |s: &str| s.chars().count();
    if in_title {
        // The summary is centred on short lines; body text under it without a blank line is not.
        return ends_open && !fold(line).starts_with("can cu") && length(line) * 5 < width * 4;
    }
    let next_word = line.split_whitespace().next().map_or(0, length);
    let full = (length(prev) + 1 + next_word) * 10 > width * 9;
    full && (ends_open || !is_bullet(line))
}

fn is_upper(s: &str) -> bool {
    s.chars().any(char::is_alphabetic) && s.chars().all(|c| !c.is_lowercase())
}

/// The unit's name as a list names it: without "Đề nghị", "tham mưu" and the trailing "phường".
fn unit_name(entry: &str) -> String {
    let mut s = entry.trim().trim_end_matches([':', '.']).trim().to_string();
    for prefix in ["Đề nghị ", "đề nghị "] {
        if let Some(rest) = s.strip_prefix(prefix) {
            s = rest.to_string();
        }
    }
    for suffix in [" tham mưu", " phường"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest.trim().to_string();
        }
    }
    s
}

/// Words in an activity's text that suggest a unit coordinates it, keyed by words of the unit's
/// name. These are suggestions shown before saving, for the officer to correct.
const UNIT_HINTS: &[(&str, &[&str])] = &[
    ("truong hoc", &["truong hoc", "nha truong", "hoc duong", "hoc sinh", "den truong", "giao vien"]),
    ("y te", &["y te", "suc khoe", "kham benh", "tiem chung"]),
    ("tai chinh", &["kinh phi", "nguon luc", "tai chinh"]),
    ("van phong", &["khen thuong", "bieu duong", "thong ke"]),
    ("tu phap", &["tu phap", "phap ly", "khai sinh", "con nuoi", "giao duc phap luat"]),
    ("cong an", &["cong an", "vi pham phap luat", "toi pham", "ma tuy", "moi truong mang", "mua ban"]),
    ("doan thanh nien", &["doan thanh nien", "nghi he", "mua he", "dien dan tre em", "thieu nhi"]),
    ("phu nu", &["phu nu", "ky nang lam cha me", "gia dinh"]),
    ("mat tran", &["mat tran", "to chuc thanh vien", "doan vien", "hoi vien"]),
    ("mttq", &["mat tran", "to chuc thanh vien", "doan vien", "hoi vien"]),
];

fn has_phrase(folded: &str, phrase: &str) -> bool {
    let padded = format!(" {} ", folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" "));
    padded.contains(&format!(" {phrase} "))
}

fn suggested_units(units: &[String], text: &str, lead: Option<usize>) -> Vec<usize> {
    let f = fold(text);
    units
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != lead)
        .filter(|(_, name)| {
            let name = fold(name);
            UNIT_HINTS.iter().any(|(key, hints)| has_phrase(&name, key) && hints.iter().any(|h| has_phrase(&f, h)))
        })
        .map(|(i, _)| i)
        .collect()
}

/// A pattern of the customary form, compiled once for every parse.
fn pattern(cell: &'static std::sync::OnceLock<Regex>, source: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(source).expect("static regex"))
}

/// Parses the text of a plan document.
pub fn parse(text: &str) -> Result<PlanDraft, ImportError> {
    use std::sync::OnceLock;
    static PATTERNS: [OnceLock<Regex>; 7] = [const { OnceLock::new() }; 7];
    let part_re = pattern(&PATTERNS[0], r"^([IVXL]+)\.\s*(.*)$");
    let item_re = pattern(&PATTERNS[1], r"^(\d{1,2})\.\s*(.*)$");
    let sub_re = pattern(&PATTERNS[2], r"^(đ|[a-s])[\.\)]\s+(.*)$");
    let heading = pattern(&PATTERNS[3], r"^([IVXL]+|\d{1,2}|đ|[a-s])[\.\)]\s");
    let number_re = pattern(&PATTERNS[4], r"^Số:\s*(\d*)\s*/\s*(\S+)");
    let date_re = pattern(&PATTERNS[5], r"^(.+?),\s*ngày\s*(\d{0,2})\s*tháng\s*(\d{0,2})\s*năm\s*(\d{4})");
    let year_re = pattern(&PATTERNS[6], r"năm\s+(\d{4})");
    let lines = lines(text, heading);
    if lines.is_empty() {
        return Err(ImportError::NotAPlan("tệp trống."));
    }

    let mut draft = PlanDraft {
        year: 0,
        number: None,
        symbol: "KH-UBND".into(),
        issued_on: None,
        place: String::new(),
        title: String::new(),
        legal_bases: vec![],
        preamble: String::new(),
        nodes: vec![],
        units: vec![],
        deadlines: vec![],
        closing: String::new(),
        recipients: vec![],
        signer_prefix: String::new(),
        signer_title: String::new(),
        signer_name: String::new(),
        warnings: vec![],
    };

    // The header, up to the first part. An excerpt may lack the "KẾ HOẠCH" line or part I.; only
    // text with no numbered part at all is not a plan.
    let first_part = lines
        .iter()
        .position(|l| part_re.captures(l).is_some_and(|c| roman(&c[1]) == Some(1)))
        .or_else(|| lines.iter().position(|l| part_re.captures(l).is_some_and(|c| roman(&c[1]).is_some())))
        .ok_or(ImportError::NotAPlan("không thấy phần nào đánh số La Mã (I., II., …)."))?;
    let type_at = lines[..first_part].iter().position(|l| fold(l) == "ke hoach");
    if type_at.is_none() {
        draft.warnings.push("Không thấy dòng “KẾ HOẠCH” ở đầu: có thể đây là trích đoạn của kế hoạch. Hãy xem lại trích yếu và năm trước khi lưu.".into());
    }
    if !lines[first_part].trim_start().starts_with("I.") {
        draft.warnings.push("Nội dung không bắt đầu từ phần I.: có thể đây là trích đoạn của kế hoạch.".into());
    }
    let header_end = type_at.unwrap_or(first_part);
    for line in &lines[..header_end] {
        if let Some(c) = number_re.captures(line) {
            draft.number = c[1].parse().ok();
            draft.symbol = c[2].to_string();
        } else if let Some(c) = date_re.captures(line) {
            draft.place = c[1].trim().to_string();
            let (d, m, y) = (c[2].parse::<u32>().ok(), c[3].parse::<u32>().ok(), c[4].parse::<i32>().ok());
            if let Some(y) = y {
                draft.year = y;
                draft.issued_on = d.zip(m).and_then(|(d, m)| NaiveDate::from_ymd_opt(y, m, d));
            }
        }
    }
    let mut preamble = Vec::new();
    let after_type = type_at.map(|t| t + 1).unwrap_or(first_part);
    for (i, line) in lines[after_type..first_part].iter().enumerate() {
        if i == 0 {
            draft.title = plain(line);
        } else if fold(line).starts_with("can cu") {
            draft.legal_bases.push(plain(line));
        } else {
            preamble.push(plain(line));
        }
    }
    draft.preamble = preamble.join("\n");
    if draft.title.is_empty() {
        draft.warnings.push("Không thấy trích yếu của kế hoạch; hãy nhập trước khi lưu.".into());
    }
    if let Some(c) = year_re.captures(&draft.title) {
        draft.year = c[1].parse().unwrap_or(draft.year);
    }
    if draft.year == 0 {
        draft.warnings.push("Không xác định được năm của kế hoạch; hãy nhập năm trước khi lưu.".into());
    }

    // The end: closing paragraph, recipients, signature block.
    let end = lines[first_part..]
        .iter()
        .position(|l| fold(l).starts_with("tren day") || fold(l).starts_with("noi nhan"))
        .map(|p| p + first_part)
        .unwrap_or(lines.len());
    let mut tail = lines[end..].iter().peekable();
    if let Some(l) = tail.peek() {
        if fold(l).starts_with("tren day") {
            draft.closing = plain(l);
            tail.next();
        }
    }
    if tail.peek().is_some_and(|l| fold(l).starts_with("noi nhan")) {
        tail.next();
        while let Some(l) = tail.peek() {
            let Some(item) = l.strip_prefix('-') else { break };
            draft.recipients.push(plain(item.trim()));
            tail.next();
        }
    }
    let sign: Vec<String> = tail.map(|l| plain(l)).collect();
    if let Some((name, titles)) = sign.split_last() {
        draft.signer_name = name.to_string();
        let titles: Vec<&String> = titles.iter().filter(|l| is_upper(l)).collect();
        match titles.as_slice() {
            [] => {}
            [only] => draft.signer_title = only.to_string(),
            [prefix @ .., title] => {
                draft.signer_prefix = prefix.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" / ");
                draft.signer_title = title.to_string();
            }
        }
    }

    // The outline.
    let mut role = PartRole::Activities;
    // An excerpt may start at a later part: count on from the one before it.
    let mut last_roman = part_re.captures(&lines[first_part]).and_then(|c| roman(&c[1])).unwrap_or(1) - 1;
    for line in &lines[first_part..end] {
        if let Some(c) = part_re.captures(line).filter(|c| roman(&c[1]).is_some_and(|n| n == last_roman + 1)) {
            last_roman += 1;
            let text = c[2].trim().to_string();
            role = part_role(&text);
            draft.nodes.push(node(NodeKind::Part, &c[1], text));
            continue;
        }
        let Some(part) = draft.nodes.last_mut() else { continue };
        if let Some(c) = item_re.captures(line) {
            let text = c[2].trim().to_string();
            let expected = part.children.iter().filter(|n| n.kind != NodeKind::Paragraph).count() + 1;
            if c[1].parse::<usize>().ok() != Some(expected) {
                draft.warnings.push(format!("Phần {}: sau mục {} là mục {}.", part.label, expected - 1, &c[1]));
            }
            let mut item = node(NodeKind::Item, &c[1], text);
            if role == PartRole::Organisation {
                item.kind = NodeKind::UnitEntry;
                item.lead_unit = Some(draft.units.len());
                draft.units.push(unit_name(&plain(&c[2])));
            }
            part.children.push(item);
            continue;
        }
        let item = part.children.last_mut().filter(|n| n.kind != NodeKind::Paragraph);
        if let (Some(item), Some(c)) = (item, sub_re.captures(line)) {
            let letter = c[1].to_string();
            let before = item.children.iter().rev().find(|n| n.kind == NodeKind::SubItem).map(|n| n.label.clone());
            let expected = match &before {
                Some(b) => LETTERS.iter().position(|l| l == b).and_then(|i| LETTERS.get(i + 1)).copied(),
                None => Some("a"),
            };
            if expected != Some(letter.as_str()) {
                let after = before.map(|b| format!("sau {b}")).unwrap_or_else(|| "đầu tiên".into());
                draft.warnings.push(format!(
                    "Mục {}.{}: tiểu mục {after} là “{letter}”, theo thứ tự phải là “{}”.",
                    part.label,
                    item.label,
                    expected.unwrap_or("?")
                ));
            }
            item.children.push(node(NodeKind::SubItem, &letter, c[2].to_string()));
            continue;
        }
        // A paragraph: a task under a unit entry, else body of the deepest open node.
        let target = match part.children.last_mut() {
            Some(item) if item.kind != NodeKind::Paragraph => match item.children.last_mut() {
                Some(sub) if sub.kind == NodeKind::SubItem => sub,
                _ => item,
            },
            _ => part,
        };
        let kind = if target.kind == NodeKind::UnitEntry { NodeKind::Task } else { NodeKind::Paragraph };
        let mut para = node(kind, "", line.clone());
        para.lead_unit = if kind == NodeKind::Task { target.lead_unit } else { None };
        target.children.push(para);
    }
    if draft.nodes.len() < 2 {
        draft.warnings.push("Chỉ thấy một phần: có thể đây là trích đoạn của kế hoạch. Hãy xem lại trước khi lưu.".into());
    }

    // Reporting deadlines, in the reporting part (or anywhere if there is none).
    let reporting_text: String = draft
        .nodes
        .iter()
        .filter(|p| part_role(&p.text) == PartRole::Reporting)
        .flat_map(|p| std::iter::once(p.text.clone()).chain(p.children.iter().map(|c| c.text.clone())))
        .collect::<Vec<_>>()
        .join(" ");
    static DEADLINES: [OnceLock<Regex>; 2] = [const { OnceLock::new() }; 2];
    for (period, re) in [
        (ReportPeriod::Half, pattern(&DEADLINES[0], r"6 tháng[^0-9]{0,40}?(\d{1,2})/(\d{1,2})/(\d{4})")),
        (ReportPeriod::Year, pattern(&DEADLINES[1], r"cả năm[^0-9]{0,40}?(\d{1,2})/(\d{1,2})/(\d{4})")),
    ] {
        match re.captures(&reporting_text).and_then(|c| {
            NaiveDate::from_ymd_opt(c[3].parse().ok()?, c[2].parse().ok()?, c[1].parse().ok()?)
        }) {
            Some(due_on) => draft.deadlines.push(DraftDeadline { period, due_on }),
            None => draft.warnings.push(format!("Không thấy hạn báo cáo {}; hãy nhập hạn trước khi lưu.", period.label().to_lowercase())),
        }
    }
    if draft.units.is_empty() {
        draft.warnings.push("Không thấy danh sách đơn vị ở phần “Tổ chức thực hiện”.".into());
    }

    mark_activities(&mut draft);
    Ok(draft)
}

fn node(kind: NodeKind, label: &str, text: String) -> DraftNode {
    let (text, emphasis) = strip_emphasis(&text);
    DraftNode {
        kind,
        label: label.to_string(),
        text,
        emphasis,
        is_activity: false,
        period: Period::WholeYear,
        lead_unit: None,
        coordinating_units: vec![],
        children: vec![],
    }
}

/// Marks the activities (sub-items of the activities part, or its items without sub-items, and
/// the units' tasks), with their period and the units suggested for them.
fn mark_activities(draft: &mut PlanDraft) {
    // The unit that drafts the plan ("… tham mưu"), else the first: it leads the activities part.
    let lead = draft
        .nodes
        .iter()
        .flat_map(|p| &p.children)
        .find(|n| n.kind == NodeKind::UnitEntry && fold(&n.text).contains("tham muu"))
        .and_then(|n| n.lead_unit)
        .or(if draft.units.is_empty() { None } else { Some(0) });
    let units = draft.units.clone();
    for part in &mut draft.nodes {
        let role = part_role(&part.text);
        for item in &mut part.children {
            let item_period = Period::named_in(&fold(&item.text));
            let has_subs = item.children.iter().any(|c| c.kind == NodeKind::SubItem);
            match (role, item.kind) {
                (PartRole::Activities, NodeKind::Item) if !has_subs => {
                    set_activity(item, item_period, lead, &units);
                }
                (PartRole::Activities, NodeKind::Item) => {
                    for sub in item.children.iter_mut().filter(|c| c.kind == NodeKind::SubItem) {
                        let period = Period::named_in(&fold(&sub.text)).or(item_period);
                        set_activity(sub, period, lead, &units);
                    }
                }
                (PartRole::Organisation, NodeKind::UnitEntry) => {
                    let unit = item.lead_unit;
                    for task in item.children.iter_mut().filter(|c| c.kind == NodeKind::Task) {
                        task.is_activity = true;
                        task.period = Period::named_in(&fold(&task.text)).unwrap_or(Period::WholeYear);
                        task.lead_unit = unit;
                    }
                }
                _ => {}
            }
        }
    }
}

fn set_activity(node: &mut DraftNode, period: Option<Period>, lead: Option<usize>, units: &[String]) {
    node.is_activity = true;
    node.period = period.unwrap_or(Period::WholeYear);
    node.lead_unit = lead;
    let text = std::iter::once(node.text.as_str()).chain(node.children.iter().map(|c| c.text.as_str())).collect::<Vec<_>>().join(" ");
    node.coordinating_units = suggested_units(units, &text, lead);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roman_numerals() {
        assert_eq!(roman("IV"), Some(4));
        assert_eq!(roman("IX"), Some(9));
        assert_eq!(roman("XII"), Some(12));
        assert_eq!(roman("ABC"), None);
    }

    #[test]
    fn unit_names_lose_request_words() {
        assert_eq!(unit_name("Đề nghị Đoàn Thanh niên phường"), "Đoàn Thanh niên");
        assert_eq!(unit_name("Văn hóa - Xã hội, Đài truyền thanh phường tham mưu"), "Văn hóa - Xã hội, Đài truyền thanh");
        assert_eq!(unit_name("Các trường học"), "Các trường học");
    }

    #[test]
    fn a_broken_paragraph_is_joined() {
        let heading = Regex::new(r"^([IVXL]+|\d{1,2}|đ|[a-s])[\.\)]\s").unwrap();
        let l = lines("e. giai đoạn 2022 -\n\n2025, tầm nhìn.\n\n1. Mục", &heading);
        assert_eq!(l, vec!["e. giai đoạn 2022 - 2025, tầm nhìn.", "1. Mục"]);
    }

    #[test]
    fn page_numbers_and_form_feeds_are_left_out() {
        let heading = Regex::new(r"^([IVXL]+|\d{1,2}|đ|[a-s])[\.\)]\s").unwrap();
        // A page ends mid-sentence; the next starts with its number, as pdftotext writes it.
        let l = lines("a. Phối hợp với các ban ngành tổ chức\n\u{c}2\nthực hiện.\n\u{c}- 3 -\nb. Mục\n\u{c}", &heading);
        assert_eq!(l, vec!["a. Phối hợp với các ban ngành tổ chức thực hiện.", "b. Mục"]);
        // A number that is not at the top of a page is text.
        assert_eq!(lines("Tổng số trẻ em\n12", &heading), vec!["Tổng số trẻ em 12"]);
    }

    #[test]
    fn a_numbered_heading_in_capitals_goes_on_in_capitals() {
        let heading = Regex::new(r"^([IVXL]+|\d{1,2}|đ|[a-s])[\.\)]\s").unwrap();
        let l = lines("I. MỤC ĐÍCH,\nYÊU CẦU:\n1. Mục đích:", &heading);
        assert_eq!(l, vec!["I. MỤC ĐÍCH, YÊU CẦU:", "1. Mục đích:"]);
        // Capitals under capitals that are no numbered heading stay apart: the signature block.
        assert_eq!(lines("KT. CHỦ TỊCH\nPHÓ CHỦ TỊCH", &heading), vec!["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]);
        // Nor does a heading that ends with its colon take the next line.
        assert_eq!(lines("II. NỘI DUNG:\nA. PHẦN CHUNG", &heading), vec!["II. NỘI DUNG:", "A. PHẦN CHUNG"]);
    }

    #[test]
    fn only_text_broken_at_a_page_width_counts_as_hard_wrapped() {
        let physical = |text: &str| text.lines().map(|l| Some(l.trim().to_string()).filter(|l| !l.is_empty())).collect::<Vec<_>>();
        assert_eq!(wrap_width(&physical(crate::demo::SEED_PLAN)), None, "one line a paragraph");
        let wrapped = include_str!("../../tests/fixtures/ke-hoach-pdftotext.txt");
        let width = wrap_width(&physical(wrapped));
        assert!(width.is_some_and(|w| (85..=90).contains(&w)), "{width:?}");
        // Short lines, each a paragraph: no width to speak of.
        let list = "Tổ chức Tết Trung thu cho thiếu nhi phường.\n".repeat(30);
        assert_eq!(wrap_width(&physical(&list)), None);
    }

    #[test]
    fn emphasis_marks_become_spans() {
        let (text, spans) = strip_emphasis("chủ đề: **“Hành động”** (*trước ngày 19/5*), *mở");
        assert_eq!(text, "chủ đề: “Hành động” (trước ngày 19/5), mở");
        assert_eq!(spans, vec![Emphasis { start: 8, end: 19, bold: true }, Emphasis { start: 21, end: 36, bold: false }]);
        let chars: Vec<char> = text.chars().collect();
        assert_eq!(chars[8..19].iter().collect::<String>(), "“Hành động”");
    }

    #[test]
    fn text_without_outline_is_refused() {
        assert!(matches!(parse("KẾ HOẠCH\nVề việc gì đó\nMột đoạn văn."), Err(ImportError::NotAPlan(_))));
        assert!(matches!(parse(""), Err(ImportError::NotAPlan(_))));
        assert_eq!(read_file("x.txt", &[0xff, 0xfe, 0x00]).unwrap_err(), ImportError::NotText);
        assert_eq!(read_file("x.docx", b"not a zip").unwrap_err(), ImportError::NotADocx);
        assert_eq!(read_file("x.pdf", b"%PDF").unwrap_err(), ImportError::UnknownFormat);
    }
}
