//! Vietnamese text: NFC normalisation, folding for search, sorting, dates as officers write them.

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

/// The form every stored string takes: Unicode NFC, trimmed.
pub fn nfc(s: &str) -> String {
    s.trim().nfc().collect()
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

/// A required text field: NFC, not empty, at most `max` characters.
pub fn required(field: &'static str, label: &str, s: &str, max: usize) -> Result<String, InvalidInput> {
    let s = nfc(s);
    if s.is_empty() {
        return Err(InvalidInput::new(field, format!("Nhập {label}.")));
    }
    if s.chars().count() > max {
        return Err(InvalidInput::new(field, format!("{label} dài quá {max} ký tự; hãy rút gọn.")));
    }
    Ok(s)
}

/// Folds text for forgiving search: no tone marks, đ → d, lower case.
/// "Nguyễn" and "nguyen" fold alike.
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// True when every word of `query` appears in `haystack`, ignoring tones and case.
pub fn matches(haystack: &str, query: &str) -> bool {
    let hay = fold(haystack);
    fold(query).split_whitespace().all(|w| hay.contains(w))
}

const ALPHABET: &str = "aăâbcdđeêghiklmnoôơpqrstuưvxy";
const TONES: [char; 5] = ['\u{300}', '\u{301}', '\u{303}', '\u{309}', '\u{323}'];

/// A sort key in Vietnamese alphabetical order (a ă â b c d đ e ê …, tones after the base
/// letter): compare keys to sort words as a Vietnamese dictionary does.
pub fn collation_key(s: &str) -> Vec<u32> {
    let mut letters = Vec::new();
    let mut tones = Vec::new();
    for c in s.nfd().flat_map(char::to_lowercase) {
        if let Some(t) = TONES.iter().position(|&t| t == c) {
            tones.push(t as u32 + 1);
            continue;
        }
        letters.push(c);
    }
    let base: String = letters.into_iter().collect::<String>().nfc().collect();
    let mut key: Vec<u32> = base
        .chars()
        .map(|c| match ALPHABET.chars().position(|a| a == c) {
            Some(i) => 1000 + i as u32,
            None => 2000 + c as u32,
        })
        .collect();
    key.push(0);
    key.extend(tones);
    key
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
        assert!(matches("Đài truyền thanh phường", "dai truyen"));
        assert!(!matches("Trạm Y tế", "cong an"));
    }

    #[test]
    fn collation_follows_the_vietnamese_alphabet() {
        let mut words = vec!["Đức", "Dũng", "Ánh", "An", "Ân", "Ăn", "Bình"];
        words.sort_by_key(|w| collation_key(w));
        assert_eq!(words, vec!["An", "Ánh", "Ăn", "Ân", "Bình", "Dũng", "Đức"]);
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
