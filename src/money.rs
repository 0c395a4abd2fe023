//! Money: whole đồng, typed as officers type it, shown with dot grouping ("1.500.000 đ") and
//! read out in words as official documents write it ("Một triệu năm trăm nghìn đồng").

use crate::text::InvalidInput;

/// The most one gift or scholarship may be worth: anything above is a typing mistake.
pub const MAX_GIFT: i64 = 100_000_000;
/// The most one fund may hold.
pub const MAX_FUND: i64 = 100_000_000_000;

pub use crate::text::grouped;

/// "1.500.000 đ".
pub fn format(amount: i64) -> String {
    format!("{} đ", grouped(amount))
}

/// Reads an amount as typed: "1.500.000", "1500000", "1 500 000 đ", "1.500.000,00", "1,5
/// triệu", "500 nghìn", "2 tỷ". A dot or space groups thousands (only between groups of three
/// digits); before a unit word a comma is the decimal mark. Refuses what is not a whole
/// positive number of đồng, and more than `max`.
pub fn parse(field: &'static str, typed: &str, max: i64) -> Result<i64, InvalidInput> {
    let example = "Nhập số tiền bằng chữ số, ví dụ 500.000 hoặc 1,5 triệu.";
    let folded = crate::text::fold(typed);
    let mut s = folded.trim().trim_end_matches("dong").trim_end_matches("vnd").trim_end_matches('d').trim();
    if s.is_empty() {
        return Err(InvalidInput::new(field, format!("Chưa nhập số tiền. {example}")));
    }
    if s.starts_with('-') {
        return Err(InvalidInput::new(field, "Số tiền không được âm."));
    }
    let mut scale = 1i64;
    for (word, factor) in [("ty", 1_000_000_000), ("ti", 1_000_000_000), ("trieu", 1_000_000), ("nghin", 1_000), ("ngan", 1_000)] {
        if let Some(rest) = s.strip_suffix(word) {
            s = rest.trim();
            scale = factor;
            break;
        }
    }
    // The whole part, its thousands grouped or not, and a decimal part after a comma.
    let (whole, frac) = s.split_once(',').unwrap_or((s, ""));
    let groups: Vec<&str> = whole.split(['.', ' ']).collect();
    let grouped_right = groups.len() == 1 || (!groups[0].is_empty() && groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3));
    // "1.5 triệu": a dot before a unit word that does not group thousands is a decimal point.
    let (whole, frac): (String, &str) = match (grouped_right, scale > 1, groups.as_slice()) {
        (true, _, _) => (groups.concat(), frac),
        (false, true, [w, f]) if frac.is_empty() => (w.to_string(), *f),
        _ => return Err(InvalidInput::new(field, example)),
    };
    if whole.is_empty() || !whole.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) || frac.len() > 9 {
        return Err(InvalidInput::new(field, example));
    }
    let whole: i64 = whole.parse().map_err(|_| InvalidInput::new(field, example))?;
    let frac_value: i64 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| InvalidInput::new(field, example))? };
    let frac_scale = 10i64.pow(frac.len() as u32);
    if (frac_value * scale) % frac_scale != 0 {
        return Err(InvalidInput::new(field, "Số tiền phải là số đồng chẵn."));
    }
    match whole.checked_mul(scale).and_then(|w| w.checked_add(frac_value * scale / frac_scale)) {
        Some(0) => Err(InvalidInput::new(field, "Số tiền phải lớn hơn 0.")),
        Some(a) if a <= max => Ok(a),
        _ => Err(InvalidInput::new(field, format!("Số tiền vượt quá mức cho phép ({}); hãy kiểm tra lại.", format(max)))),
    }
}

const DIGITS: [&str; 10] = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"];

/// The words of a group of three digits; `full` reads its hundreds even when they are 0
/// ("không trăm linh năm"), as every group after the first is read.
fn group_words(n: u64, full: bool) -> Vec<&'static str> {
    let (h, t, u) = ((n / 100) as usize, (n / 10 % 10) as usize, (n % 10) as usize);
    let mut w = Vec::new();
    if h > 0 || full {
        w.extend([DIGITS[h], "trăm"]);
    }
    match t {
        0 if u > 0 && !w.is_empty() => w.push("linh"),
        0 => {}
        1 => w.push("mười"),
        _ => w.extend([DIGITS[t], "mươi"]),
    }
    match u {
        0 => {}
        1 if t >= 2 => w.push("mốt"),
        5 if t >= 1 => w.push("lăm"),
        _ => w.push(DIGITS[u]),
    }
    w
}

/// The words of a number below a billion; `full` as in [`group_words`] for its first group.
fn below_billion(n: u64, full: bool) -> Vec<&'static str> {
    let groups = [(n / 1_000_000, "triệu"), (n / 1_000 % 1_000, "nghìn"), (n % 1_000, "")];
    let mut w = Vec::new();
    let mut started = full;
    for (value, name) in groups {
        if value == 0 {
            continue;
        }
        w.extend(group_words(value, started));
        if !name.is_empty() {
            w.push(name);
        }
        started = true;
    }
    w
}

fn words_of(n: u64) -> Vec<&'static str> {
    if n == 0 {
        return vec!["không"];
    }
    let (billions, rest) = (n / 1_000_000_000, n % 1_000_000_000);
    let mut w = Vec::new();
    if billions > 0 {
        w.extend(words_of(billions));
        w.push("tỷ");
    }
    if rest > 0 {
        w.extend(below_billion(rest, billions > 0));
    }
    w
}

/// "Một triệu năm trăm nghìn đồng".
pub fn in_words(amount: i64) -> String {
    let mut words = words_of(amount.unsigned_abs());
    if amount < 0 {
        words.insert(0, "âm");
    }
    words.push("đồng");
    crate::text::upper_first(&words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_grouped_with_dots() {
        assert_eq!(format(1_500_000), "1.500.000 đ");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1.000");
        assert_eq!(grouped(21_000_000), "21.000.000");
        assert_eq!(grouped(1_000_000_000), "1.000.000.000");
        assert_eq!(grouped(0), "0");
    }

    #[test]
    fn amounts_read_in_words_as_documents_write_them() {
        let cases = [
            (1_500_000, "Một triệu năm trăm nghìn đồng"),
            (1_005_000, "Một triệu không trăm linh năm nghìn đồng"),
            (21_000_000, "Hai mươi mốt triệu đồng"),
            (1_000_000_000, "Một tỷ đồng"),
            (15_000, "Mười lăm nghìn đồng"),
            (25_000, "Hai mươi lăm nghìn đồng"),
            (105_000, "Một trăm linh năm nghìn đồng"),
            (110_000, "Một trăm mười nghìn đồng"),
            (1_000_050, "Một triệu không trăm năm mươi đồng"),
            (2_011_000, "Hai triệu không trăm mười một nghìn đồng"),
            (300_000, "Ba trăm nghìn đồng"),
            (12_345_678_901, "Mười hai tỷ ba trăm bốn mươi lăm triệu sáu trăm bảy mươi tám nghìn chín trăm linh một đồng"),
            (1_000_000_001, "Một tỷ không trăm linh một đồng"),
            (0, "Không đồng"),
        ];
        for (n, words) in cases {
            assert_eq!(in_words(n), words, "{n}");
        }
    }

    #[test]
    fn amounts_are_read_as_officers_type_them() {
        let ok = |s: &str| parse("value", s, MAX_FUND).unwrap();
        assert_eq!(ok("1.500.000"), 1_500_000);
        assert_eq!(ok("1500000"), 1_500_000);
        assert_eq!(ok("1 500 000 đ"), 1_500_000);
        assert_eq!(ok("1.500.000 đồng"), 1_500_000);
        assert_eq!(ok("1,5 triệu"), 1_500_000);
        assert_eq!(ok("500 nghìn"), 500_000);
        assert_eq!(ok("2 tỷ"), 2_000_000_000);
        assert_eq!(ok("300000 VNĐ"), 300_000);
        assert_eq!(ok("1.500.000,00"), 1_500_000);
        assert_eq!(ok("1.500 nghìn"), 1_500_000);
        assert_eq!(ok("1.200 triệu"), 1_200_000_000);
        assert_eq!(ok("1.5 triệu"), 1_500_000);
        assert_eq!(ok("2 tỉ"), 2_000_000_000);
        for bad in ["", "-500.000", "0", "abc", "1,5 triệu rưỡi", "1,0000000005 triệu", "999 tỷ", "1.50.000", "15.00", "1.500,5"] {
            assert!(parse("value", bad, MAX_FUND).is_err(), "{bad} should be refused");
        }
        assert!(parse("value", "200 triệu", MAX_GIFT).is_err());
    }
}
