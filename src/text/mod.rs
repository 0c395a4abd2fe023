//! Vietnamese text: NFC normalisation, folding for search, sorting, dates as officers write them.

pub mod legacy;

use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

/// Input that breaks a rule, with a message that says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InvalidInput {
    /// The field, as the UI names it.
    pub field: &'static str,
    /// What to do, in Vietnamese.
    pub message: String,
}

impl InvalidInput {
    /// A problem with one field.
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}

/// A problem with one field, as a form lists it in its error summary.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct FieldProblem {
    /// The field, as the UI names it.
    pub field: String,
    /// What to do, in Vietnamese.
    pub message: String,
}

impl From<InvalidInput> for FieldProblem {
    fn from(e: InvalidInput) -> Self {
        FieldProblem { field: e.field.to_owned(), message: e.message }
    }
}

/// The form every stored string takes: Unicode NFC, trimmed, line breaks as `\n` (Windows'
/// `\r\n` and old Macs' `\r` become it).
pub fn nfc(s: &str) -> String {
    let s = s.trim();
    if s.contains('\r') {
        s.replace("\r\n", "\n").replace('\r', "\n").nfc().collect()
    } else {
        s.nfc().collect()
    }
}

/// The first character no stored text may hold: a control character other than a tab or a
/// line break (ESC, BEL, NUL… — printed in a terminal they clear it or move the cursor) or a
/// bidirectional embedding, override or isolate (which reorders what a reader sees, so that a
/// name reads other than it is).
pub fn forbidden_char(s: &str) -> Option<char> {
    s.chars().find(|&c| forbidden(c))
}

/// Whether `c` is one no stored text may hold (see [`forbidden_char`]).
pub fn forbidden(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Refuses text holding a [forbidden character](forbidden_char), naming it.
pub fn refuse_forbidden(field: &'static str, label: &str, s: &str) -> Result<(), InvalidInput> {
    match forbidden_char(s) {
        Some(c) => Err(InvalidInput::new(
            field,
            format!("{} có ký tự điều khiển không được phép (U+{:04X}); hãy gõ lại, không dán từ nơi khác.", upper_first(label), c as u32),
        )),
        None => Ok(()),
    }
}

/// NFC without trimming, for text whose spacing matters (document runs).
pub fn nfc_keep_spaces(s: &str) -> String {
    s.nfc().collect()
}

/// The first letter in lower case, as a title reads inside a sentence ("về triển khai …").
pub fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The first letter in capitals: "Văn phòng …" at the start of a sentence.
pub fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An optional text field: NFC, trimmed, at most `max` characters.
pub fn optional(field: &'static str, label: &str, s: &str, max: usize) -> Result<String, InvalidInput> {
    let s = nfc(s);
    refuse_forbidden(field, label, &s)?;
    if s.chars().count() > max {
        return Err(InvalidInput::new(field, format!("{label} dài quá {max} ký tự; hãy rút gọn.")));
    }
    Ok(s)
}

/// A required text field: NFC, not empty, at most `max` characters.
pub fn required(field: &'static str, label: &str, s: &str, max: usize) -> Result<String, InvalidInput> {
    let s = nfc(s);
    refuse_forbidden(field, label, &s)?;
    if s.is_empty() {
        return Err(InvalidInput::new(field, format!("Nhập {label}.")));
    }
    if s.chars().count() > max {
        return Err(InvalidInput::new(field, format!("{label} dài quá {max} ký tự; hãy rút gọn.")));
    }
    Ok(s)
}

/// Folds text for forgiving search: no tone marks, đ → d, lower case.
/// "Nguyễn" and "nguyen" fold alike, whether typed composed or decomposed.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        // Each letter decomposed on its own (a table look-up, no buffering): the base letter
        // stays, the marks go.
        unicode_normalization::char::decompose_canonical(c, |d| match d {
            '\u{300}'..='\u{36f}' => {}
            // Đ, and the Icelandic eth that old fonts and OCR put in its place.
            'đ' | 'Đ' | 'ð' | 'Ð' => out.push('d'),
            d => out.extend(d.to_lowercase()),
        });
    }
    out
}

/// True when every word of `query` appears in `haystack`, ignoring tones and case.
pub fn matches(haystack: &str, query: &str) -> bool {
    let hay = fold(haystack);
    fold(query).split_whitespace().all(|w| hay.contains(w))
}

/// Vietnamese alphabetical order: the CLDR "vi" collation (a ă â b c d đ e ê …, tones after
/// the base letter), from ICU4X's compiled data.
fn collator() -> &'static icu_collator::CollatorBorrowed<'static> {
    static COLLATOR: std::sync::OnceLock<icu_collator::CollatorBorrowed<'static>> = std::sync::OnceLock::new();
    COLLATOR.get_or_init(|| {
        icu_collator::Collator::try_new(icu_locale_core::locale!("vi").into(), Default::default())
            .expect("the compiled collation data includes Vietnamese")
    })
}

/// Compares two words or phrases in Vietnamese alphabetical order.
pub fn compare(a: &str, b: &str) -> std::cmp::Ordering {
    collator().compare(a, b)
}

/// The key official lists sort a person's name by: the given name, then the family name, then
/// the middle name, each in Vietnamese alphabetical order. Keys compare bytewise; they hold
/// only in this build (a new ICU4X may order differently), so they are kept in memory, never
/// stored.
pub fn name_sort_key(full_name: &str) -> Vec<u8> {
    let name = nfc(full_name);
    let words: Vec<&str> = name.split_whitespace().collect();
    let (given, family, middle) = match words.as_slice() {
        [] => ("", "", String::new()),
        [one] => (*one, "", String::new()),
        [family, middle @ .., given] => (*given, *family, middle.join(" ")),
    };
    let mut key = Vec::with_capacity(32);
    for part in [given, family, middle.as_str()] {
        // Sort keys never hold a zero byte, so zero ends each part.
        let _ = collator().write_sort_key_to(part, &mut key);
        key.push(0);
    }
    key
}

/// "1.500.000": a number with a dot between groups of three digits, as Vietnamese writes them.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// Parses a date as officers write it: "5/9/2016", "05/09/2016", "05-09-2016" or ISO "2016-09-05".
pub fn parse_date(field: &'static str, s: &str) -> Result<NaiveDate, InvalidInput> {
    let s = s.trim();
    let bad = || {
        InvalidInput::new(field, "Nhập ngày theo dạng ngày/tháng/năm, ví dụ 05/09/2024.")
    };
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d);
    }
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    let [d, m, y] = parts.as_slice() else { return Err(bad()) };
    let (d, m, y): (u32, u32, i32) = (
        d.trim().parse().map_err(|_| bad())?,
        m.trim().parse().map_err(|_| bad())?,
        y.trim().parse().map_err(|_| bad())?,
    );
    if !(1900..=2200).contains(&y) {
        return Err(InvalidInput::new(field, "Năm phải có 4 chữ số, ví dụ 2024."));
    }
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| {
        InvalidInput::new(field, format!("Ngày {d:02}/{m:02}/{y} không có trên lịch; hãy kiểm tra lại."))
    })
}

/// Refuses a day after `today` for what has happened ("Ngày kiểm tra chưa tới; hãy kiểm tra lại.").
pub fn happened(field: &'static str, label: &str, day: NaiveDate, today: NaiveDate) -> Result<NaiveDate, InvalidInput> {
    if day > today {
        return Err(InvalidInput::new(field, format!("{label} chưa tới; hãy kiểm tra lại.")));
    }
    Ok(day)
}

/// A date as Vietnamese documents print it: "05/09/2024".
pub fn format_date(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfc_composes_decomposed_input() {
        let decomposed = "Nguye\u{302}\u{303}n";
        assert_eq!(nfc(decomposed), "Nguyễn");
        assert_eq!(nfc(decomposed).chars().count(), 6);
    }

    #[test]
    fn fold_ignores_tones_and_d() {
        assert_eq!(fold("Nguyễn Đức Dũng"), "nguyen duc dung");
        assert_eq!(fold("NGUYE\u{302}\u{303}N ĐỨC"), "nguyen duc");
        assert_eq!(fold("Ðào Thị Ưng Ơn"), "dao thi ung on");
        assert!(matches("Đài truyền thanh phường", "dai truyen"));
        assert!(!matches("Trạm Y tế", "cong an"));
    }

    #[test]
    fn collation_follows_the_vietnamese_alphabet() {
        let mut words = vec!["Đức", "Dũng", "Ánh", "An", "Ân", "Ăn", "Bình", "Ư", "Uy", "Ơn", "Ôn", "On", "Ót", "Ý", "Yến"];
        words.sort_by(|a, b| compare(a, b));
        assert_eq!(words, vec!["An", "Ánh", "Ăn", "Ân", "Bình", "Dũng", "Đức", "On", "Ót", "Ôn", "Ơn", "Uy", "Ư", "Ý", "Yến"]);
        // Decomposed input (as some keyboards send it) sorts as the composed form.
        assert_eq!(compare("Nguye\u{302}\u{303}n", "Nguyễn"), std::cmp::Ordering::Equal);
    }

    #[test]
    fn names_sort_by_given_then_family_then_middle_name() {
        let mut names = vec![
            "Trần Văn Bình", "Nguyễn Thị Ánh", "Lê Đức An", "Nguyễn Văn An", "Phạm Ư", "Đỗ Thị Ưng", "Nguyễn Thị Ơn",
            "Bùi Văn Dũng", "Vũ Đình Đức", "Nguye\u{302}\u{303}n Văn Đạt",
        ];
        names.sort_by_key(|n| name_sort_key(n));
        assert_eq!(
            names,
            vec![
                "Lê Đức An", "Nguyễn Văn An", "Nguyễn Thị Ánh", "Trần Văn Bình", "Bùi Văn Dũng", "Nguye\u{302}\u{303}n Văn Đạt",
                "Vũ Đình Đức", "Nguyễn Thị Ơn", "Phạm Ư", "Đỗ Thị Ưng",
            ]
        );
        // Same given and family name: the middle name decides.
        assert!(name_sort_key("Nguyễn Văn An") > name_sort_key("Nguyễn Thị An"));
        assert!(name_sort_key("Lê An") < name_sort_key("Lê Văn An"));
    }

    #[test]
    fn dates_parse_as_officers_write_them() {
        let d = NaiveDate::from_ymd_opt(2016, 9, 5).unwrap();
        assert_eq!(parse_date("d", "5/9/2016").unwrap(), d);
        assert_eq!(parse_date("d", "05/09/2016").unwrap(), d);
        assert_eq!(parse_date("d", "2016-09-05").unwrap(), d);
        let err = parse_date("d", "30/02/2024").unwrap_err();
        assert!(err.message.contains("không có trên lịch"), "{}", err.message);
        assert!(parse_date("d", "hôm qua").is_err());
    }

    #[test]
    fn required_refuses_empty_and_overlong() {
        assert!(required("name", "tên", "   ", 10).is_err());
        assert!(required("name", "tên", &"x".repeat(11), 10).is_err());
        assert_eq!(required("name", "tên", " Tổ 1 ", 10).unwrap(), "Tổ 1");
    }
}
