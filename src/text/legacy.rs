//! Vietnamese typed in the legacy TCVN3 (ABC, fonts .VnTime) and VNI (fonts VNI-Times)
//! encodings, as it arrives from old spreadsheets: each legacy byte shows up as the
//! Windows-1252 / Latin-1 character of the same value ("Nguyễn" reads "NguyÔn" in TCVN3 and
//! "Nguyeãn" in VNI). [`detect`] recognises such a column, [`detect_sheet`] a whole sheet from its
//! columns; [`to_unicode`] repairs the text.

use unicode_normalization::UnicodeNormalization;

/// A legacy Vietnamese encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Legacy {
    /// TCVN3 (TCVN 5712:1993 VN3), the ABC keyboard's encoding for the .VnTime fonts: one byte
    /// a letter; toned capitals share the lower-case bytes (the .VnTimeH fonts draw them).
    Tcvn3,
    /// VNI-Windows, for the VNI-Times fonts: a base letter followed by a mark byte.
    Vni,
}

impl Legacy {
    /// The encoding's name as officers know it.
    pub fn label(self) -> &'static str {
        match self {
            Legacy::Tcvn3 => "TCVN3 (ABC)",
            Legacy::Vni => "VNI",
        }
    }

    /// The fonts officers typed it with: "TCVN3 (.VnTime)", "VNI (VNI-Times)".
    pub fn font_label(self) -> &'static str {
        match self {
            Legacy::Tcvn3 => "TCVN3 (.VnTime)",
            Legacy::Vni => "VNI (VNI-Times)",
        }
    }
}

// Tables from Unikey's converter, fcitx/fcitx5-unikey unikey/data.cpp (TCVN3, VNI-WIN), checked
// letter by letter against khiemdoan/VBKey Modules/mdlCodeTable.bas and lamdao/xvnkb tcvn.h, vni.h.

/// TCVN3 byte → letter: 67 lower-case letters and the 7 capitals that have their own byte.
/// Source: fcitx/fcitx5-unikey unikey/data.cpp, also koron/libiconv lib/tcvn.h (0xA1–0xFE).
/// TCVN 5712 VN1/VN2 (libiconv, xvnkb) add toned capitals at 0x80–0x9F and other free bytes; the
/// ABC keyboard never typed them, and in .VnTime text those bytes are punctuation (– … “ ”).
#[rustfmt::skip]
const TCVN3: [(u8, char); 74] = [
    (0xA1, 'Ă'), (0xA2, 'Â'), (0xA3, 'Ê'), (0xA4, 'Ô'), (0xA5, 'Ơ'), (0xA6, 'Ư'), (0xA7, 'Đ'),
    (0xA8, 'ă'), (0xA9, 'â'), (0xAA, 'ê'), (0xAB, 'ô'), (0xAC, 'ơ'), (0xAD, 'ư'), (0xAE, 'đ'),
    (0xB5, 'à'), (0xB6, 'ả'), (0xB7, 'ã'), (0xB8, 'á'), (0xB9, 'ạ'),
    (0xBB, 'ằ'), (0xBC, 'ẳ'), (0xBD, 'ẵ'), (0xBE, 'ắ'), (0xC6, 'ặ'),
    (0xC7, 'ầ'), (0xC8, 'ẩ'), (0xC9, 'ẫ'), (0xCA, 'ấ'), (0xCB, 'ậ'),
    (0xCC, 'è'), (0xCE, 'ẻ'), (0xCF, 'ẽ'), (0xD0, 'é'), (0xD1, 'ẹ'),
    (0xD2, 'ề'), (0xD3, 'ể'), (0xD4, 'ễ'), (0xD5, 'ế'), (0xD6, 'ệ'),
    (0xD7, 'ì'), (0xD8, 'ỉ'), (0xDC, 'ĩ'), (0xDD, 'í'), (0xDE, 'ị'),
    (0xDF, 'ò'), (0xE1, 'ỏ'), (0xE2, 'õ'), (0xE3, 'ó'), (0xE4, 'ọ'),
    (0xE5, 'ồ'), (0xE6, 'ổ'), (0xE7, 'ỗ'), (0xE8, 'ố'), (0xE9, 'ộ'),
    (0xEA, 'ờ'), (0xEB, 'ở'), (0xEC, 'ỡ'), (0xED, 'ớ'), (0xEE, 'ợ'),
    (0xEF, 'ù'), (0xF1, 'ủ'), (0xF2, 'ũ'), (0xF3, 'ú'), (0xF4, 'ụ'),
    (0xF5, 'ừ'), (0xF6, 'ử'), (0xF7, 'ữ'), (0xF8, 'ứ'), (0xF9, 'ự'),
    (0xFA, 'ỳ'), (0xFB, 'ỷ'), (0xFC, 'ỹ'), (0xFD, 'ý'), (0xFE, 'ỵ'),
];

/// VNI letters written with one byte. Source: fcitx/fcitx5-unikey unikey/data.cpp (VNI-WIN).
#[rustfmt::skip]
const VNI_SINGLE: [(u8, char); 18] = [
    (0xD1, 'Đ'), (0xF1, 'đ'), (0xD4, 'Ơ'), (0xF4, 'ơ'), (0xD6, 'Ư'), (0xF6, 'ư'),
    (0xCD, 'Í'), (0xED, 'í'), (0xCC, 'Ì'), (0xEC, 'ì'), (0xC6, 'Ỉ'), (0xE6, 'ỉ'),
    (0xD3, 'Ĩ'), (0xF3, 'ĩ'), (0xD2, 'Ị'), (0xF2, 'ị'), (0xCE, 'Ỵ'), (0xEE, 'ỵ'),
];

/// VNI letters written as base byte + mark byte; capitals take their own marks.
/// Source: fcitx/fcitx5-unikey unikey/data.cpp (VNI-WIN).
#[rustfmt::skip]
const VNI_PAIR: [(u8, u8, char); 116] = [
    (b'A', 0xD9, 'Á'), (b'A', 0xD8, 'À'), (b'A', 0xDB, 'Ả'), (b'A', 0xD5, 'Ã'), (b'A', 0xCF, 'Ạ'),
    (b'a', 0xF9, 'á'), (b'a', 0xF8, 'à'), (b'a', 0xFB, 'ả'), (b'a', 0xF5, 'ã'), (b'a', 0xEF, 'ạ'),
    (b'A', 0xC2, 'Â'), (b'A', 0xC1, 'Ấ'), (b'A', 0xC0, 'Ầ'), (b'A', 0xC5, 'Ẩ'), (b'A', 0xC3, 'Ẫ'), (b'A', 0xC4, 'Ậ'),
    (b'a', 0xE2, 'â'), (b'a', 0xE1, 'ấ'), (b'a', 0xE0, 'ầ'), (b'a', 0xE5, 'ẩ'), (b'a', 0xE3, 'ẫ'), (b'a', 0xE4, 'ậ'),
    (b'A', 0xCA, 'Ă'), (b'A', 0xC9, 'Ắ'), (b'A', 0xC8, 'Ằ'), (b'A', 0xDA, 'Ẳ'), (b'A', 0xDC, 'Ẵ'), (b'A', 0xCB, 'Ặ'),
    (b'a', 0xEA, 'ă'), (b'a', 0xE9, 'ắ'), (b'a', 0xE8, 'ằ'), (b'a', 0xFA, 'ẳ'), (b'a', 0xFC, 'ẵ'), (b'a', 0xEB, 'ặ'),
    (b'E', 0xD9, 'É'), (b'E', 0xD8, 'È'), (b'E', 0xDB, 'Ẻ'), (b'E', 0xD5, 'Ẽ'), (b'E', 0xCF, 'Ẹ'),
    (b'e', 0xF9, 'é'), (b'e', 0xF8, 'è'), (b'e', 0xFB, 'ẻ'), (b'e', 0xF5, 'ẽ'), (b'e', 0xEF, 'ẹ'),
    (b'E', 0xC2, 'Ê'), (b'E', 0xC1, 'Ế'), (b'E', 0xC0, 'Ề'), (b'E', 0xC5, 'Ể'), (b'E', 0xC3, 'Ễ'), (b'E', 0xC4, 'Ệ'),
    (b'e', 0xE2, 'ê'), (b'e', 0xE1, 'ế'), (b'e', 0xE0, 'ề'), (b'e', 0xE5, 'ể'), (b'e', 0xE3, 'ễ'), (b'e', 0xE4, 'ệ'),
    (b'O', 0xD9, 'Ó'), (b'O', 0xD8, 'Ò'), (b'O', 0xDB, 'Ỏ'), (b'O', 0xD5, 'Õ'), (b'O', 0xCF, 'Ọ'),
    (b'o', 0xF9, 'ó'), (b'o', 0xF8, 'ò'), (b'o', 0xFB, 'ỏ'), (b'o', 0xF5, 'õ'), (b'o', 0xEF, 'ọ'),
    (b'O', 0xC2, 'Ô'), (b'O', 0xC1, 'Ố'), (b'O', 0xC0, 'Ồ'), (b'O', 0xC5, 'Ổ'), (b'O', 0xC3, 'Ỗ'), (b'O', 0xC4, 'Ộ'),
    (b'o', 0xE2, 'ô'), (b'o', 0xE1, 'ố'), (b'o', 0xE0, 'ồ'), (b'o', 0xE5, 'ổ'), (b'o', 0xE3, 'ỗ'), (b'o', 0xE4, 'ộ'),
    (0xD4, 0xD9, 'Ớ'), (0xD4, 0xD8, 'Ờ'), (0xD4, 0xDB, 'Ở'), (0xD4, 0xD5, 'Ỡ'), (0xD4, 0xCF, 'Ợ'),
    (0xF4, 0xF9, 'ớ'), (0xF4, 0xF8, 'ờ'), (0xF4, 0xFB, 'ở'), (0xF4, 0xF5, 'ỡ'), (0xF4, 0xEF, 'ợ'),
    (b'U', 0xD9, 'Ú'), (b'U', 0xD8, 'Ù'), (b'U', 0xDB, 'Ủ'), (b'U', 0xD5, 'Ũ'), (b'U', 0xCF, 'Ụ'),
    (b'u', 0xF9, 'ú'), (b'u', 0xF8, 'ù'), (b'u', 0xFB, 'ủ'), (b'u', 0xF5, 'ũ'), (b'u', 0xEF, 'ụ'),
    (0xD6, 0xD9, 'Ứ'), (0xD6, 0xD8, 'Ừ'), (0xD6, 0xDB, 'Ử'), (0xD6, 0xD5, 'Ữ'), (0xD6, 0xCF, 'Ự'),
    (0xF6, 0xF9, 'ứ'), (0xF6, 0xF8, 'ừ'), (0xF6, 0xFB, 'ử'), (0xF6, 0xF5, 'ữ'), (0xF6, 0xEF, 'ự'),
    (b'Y', 0xD9, 'Ý'), (b'Y', 0xD8, 'Ỳ'), (b'Y', 0xDB, 'Ỷ'), (b'Y', 0xD5, 'Ỹ'),
    (b'y', 0xF9, 'ý'), (b'y', 0xF8, 'ỳ'), (b'y', 0xFB, 'ỷ'), (b'y', 0xF5, 'ỹ'),
];

/// Windows-1252 at 0x80–0x9F (0x81, 0x8D, 0x8F, 0x90, 0x9D are unassigned).
/// Source: python/cpython Lib/encodings/cp1252.py.
#[rustfmt::skip]
const CP1252_HIGH: [(u8, char); 27] = [
    (0x80, '€'), (0x82, '‚'), (0x83, 'ƒ'), (0x84, '„'), (0x85, '…'), (0x86, '†'), (0x87, '‡'),
    (0x88, 'ˆ'), (0x89, '‰'), (0x8A, 'Š'), (0x8B, '‹'), (0x8C, 'Œ'), (0x8E, 'Ž'), (0x91, '‘'),
    (0x92, '’'), (0x93, '“'), (0x94, '”'), (0x95, '•'), (0x96, '–'), (0x97, '—'), (0x98, '˜'),
    (0x99, '™'), (0x9A, 'š'), (0x9B, '›'), (0x9C, 'œ'), (0x9E, 'ž'), (0x9F, 'Ÿ'),
];

/// Latin-1 letters that Unicode Vietnamese uses itself: not evidence of a legacy encoding.
const VIETNAMESE_LATIN1: &str = "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý";

/// TCVN3 bytes 0x80–0xFF as letters, '\0' where the byte is no letter.
const TCVN3_DECODE: [char; 128] = {
    let mut t = ['\0'; 128];
    let mut i = 0;
    while i < TCVN3.len() {
        t[(TCVN3[i].0 - 0x80) as usize] = TCVN3[i].1;
        i += 1;
    }
    t
};

/// The byte a character stands for when a legacy byte went through Windows-1252 or Latin-1:
/// U+0000–U+00FF (raw C1 controls included) are their own value, '€' … 'Ÿ' their cp1252 byte.
fn legacy_byte(c: char) -> Option<u8> {
    match u8::try_from(u32::from(c)) {
        Ok(b) => Some(b),
        Err(_) => CP1252_HIGH.iter().find(|&&(_, w)| w == c).map(|&(b, _)| b),
    }
}

/// A character that is no Vietnamese letter, as it should read: raw C1 controls become the
/// Windows-1252 symbol of their byte (neither encoding puts a letter at 0x80–0x9F).
fn passthrough(c: char) -> char {
    match legacy_byte(c) {
        Some(b @ 0x80..=0x9F) => CP1252_HIGH.iter().find(|&&(k, _)| k == b).map_or(c, |&(_, w)| w),
        _ => c,
    }
}

fn tcvn3_letter(b: u8) -> Option<char> {
    let c = TCVN3_DECODE[usize::from(b.checked_sub(0x80)?)];
    (c != '\0').then_some(c)
}

fn vni_single(b: u8) -> Option<char> {
    VNI_SINGLE.iter().find(|&&(k, _)| k == b).map(|&(_, c)| c)
}

fn vni_pair(base: u8, mark: u8) -> Option<char> {
    VNI_PAIR.iter().find(|&&(b, m, _)| b == base && m == mark).map(|&(_, _, c)| c)
}

fn vni_mark(b: u8) -> bool {
    VNI_PAIR.iter().any(|&(_, m, _)| m == b)
}

/// A character of a legacy table that real Vietnamese text (Unicode, NFC) never holds: the
/// evidence a column is legacy text. "Zoë" has one too; the syllable check sorts that out.
fn is_odd(c: char) -> bool {
    if VIETNAMESE_LATIN1.contains(c) {
        return false;
    }
    match legacy_byte(c) {
        Some(b) if b >= 0x80 => tcvn3_letter(b).is_some() || vni_single(b).is_some() || vni_mark(b),
        _ => false,
    }
}

/// Letters that only Unicode Vietnamese has (ă đ ĩ ũ ơ ư, ạ … ỹ, combining tones): a string
/// holding one is Unicode already, and must be left alone.
fn has_vietnamese_unicode(s: &str) -> bool {
    const OWN: &str = "ĂăĐđĨĩŨũƠơƯư";
    const MARKS: &str = "\u{300}\u{301}\u{302}\u{303}\u{306}\u{309}\u{31B}\u{323}";
    s.chars().any(|c| OWN.contains(c) || MARKS.contains(c) || ('\u{1EA0}'..='\u{1EF9}').contains(&c))
}

/// A decoding, with what detection needs to know about it.
struct Decoded {
    text: String,
    /// Odd characters that became part of a Vietnamese letter.
    explained: usize,
    /// Whether any character was read as a legacy letter.
    changed: bool,
    /// Latin-1 letters left as they were, which text in the encoding cannot hold ("Á" is no
    /// TCVN3 byte; a VNI "â" needs a base letter before it).
    stray: usize,
}

fn is_stray(c: char) -> bool {
    c.is_alphabetic() && legacy_byte(c).is_some_and(|b| b >= 0x80)
}

fn decode(s: &str, enc: Legacy) -> Decoded {
    match enc {
        Legacy::Tcvn3 => decode_tcvn3(s),
        Legacy::Vni => decode_vni(s),
    }
}

fn decode_tcvn3(s: &str) -> Decoded {
    // (letter, whether it came from a byte TCVN3 shares between cases)
    let mut out: Vec<(char, bool)> = Vec::with_capacity(s.len());
    let (mut explained, mut changed, mut stray) = (0, false, 0);
    for c in s.chars() {
        match legacy_byte(c).and_then(tcvn3_letter) {
            Some(l) => {
                explained += usize::from(is_odd(c));
                changed |= l != c;
                out.push((l, l.is_lowercase()));
            }
            None => {
                stray += usize::from(is_stray(c));
                out.push((passthrough(c), false));
            }
        }
    }
    restore_capitals(&mut out);
    let text = out.into_iter().map(|(c, _)| c).collect::<String>().nfc().collect();
    Decoded { text, explained, changed, stray }
}

/// TCVN3 has no byte for a toned capital: .VnTimeH text and capitals typed in .VnTime use the
/// lower-case bytes. Read them as capitals where the letters around say so: among capitals (the
/// whole cell, or one word), and at the start of a word in a cell whose words all start upper
/// case ("¸nh" in "§Æng Ngäc ¸nh" is the name "Ánh").
fn restore_capitals(out: &mut [(char, bool)]) {
    let is_word_break = |&(c, _): &(char, bool)| !c.is_alphabetic();
    let case_count = |part: &[(char, bool)]| {
        part.iter().filter(|&&(c, shared)| !shared && c.is_alphabetic()).fold((0, 0), |(up, low), &(c, _)| {
            (up + usize::from(c.is_uppercase()), low + usize::from(c.is_lowercase()))
        })
    };
    let capitals = |(up, low): (usize, usize)| low == 0 && up >= 2;
    let whole_cell = capitals(case_count(out));
    let (mut titled, mut untitled) = (0, 0);
    for word in out.split(is_word_break) {
        if let Some(&(c, false)) = word.first() {
            if c.is_uppercase() {
                titled += 1;
            } else {
                untitled += 1;
            }
        }
    }
    let title_case = untitled == 0 && titled >= 2;
    let upper = |c: &mut char| *c = c.to_uppercase().next().unwrap_or(*c);
    for word in out.split_mut(is_word_break) {
        if whole_cell || capitals(case_count(word)) {
            word.iter_mut().filter(|(_, shared)| *shared).for_each(|(c, _)| upper(c));
        } else if let Some((c, true)) = word.first_mut() {
            if title_case {
                upper(c);
            }
        }
    }
}

fn decode_vni(s: &str) -> Decoded {
    let chars: Vec<char> = s.chars().collect();
    let mut text = String::with_capacity(s.len());
    let (mut explained, mut changed, mut stray) = (0, false, 0);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let byte = legacy_byte(c);
        let next = chars.get(i + 1).copied();
        if let (Some(b), Some(n)) = (byte, next) {
            if let Some(l) = legacy_byte(n).filter(|&m| m >= 0xC0).and_then(|m| vni_pair(b, m)) {
                text.push(l);
                explained += usize::from(is_odd(c)) + usize::from(is_odd(n));
                changed = true;
                i += 2;
                continue;
            }
        }
        match byte.and_then(vni_single) {
            Some(l) => {
                explained += usize::from(is_odd(c));
                changed |= l != c;
                text.push(l);
            }
            None => {
                stray += usize::from(is_stray(c));
                text.push(passthrough(c));
            }
        }
        i += 1;
    }
    Decoded { text: text.nfc().collect(), explained, changed, stray }
}

/// Converts text typed in a legacy encoding to Unicode (NFC). Text that already holds letters
/// only Unicode has (ơ, ư, ạ …, or combining tone marks) is returned unchanged but for NFC, so
/// a cell fixed by hand in a legacy column survives.
pub fn to_unicode(s: &str, enc: Legacy) -> String {
    if has_vietnamese_unicode(s) {
        return s.nfc().collect();
    }
    decode(s, enc).text
}

const INITIALS: [&str; 27] = [
    "ngh", "ng", "gh", "gi", "kh", "nh", "ph", "th", "tr", "ch", "qu", "b", "c", "d", "đ", "g", "h", "k",
    "l", "m", "n", "p", "r", "s", "t", "v", "x",
];
const FINALS: [&str; 9] = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t"];
/// Vowel groups that stand with or without a final consonant.
const RHYME_ANY: [&str; 14] = ["a", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "oa", "oe", "uê", "uy"];
/// Vowel groups that need a final consonant.
const RHYME_CLOSED: [&str; 10] = ["ă", "â", "iê", "yê", "uô", "ươ", "uyê", "oă", "uâ", "oo"];
/// Vowel groups that end the syllable (their last vowel is a glide, or ia ua ưa).
const RHYME_OPEN: [&str; 31] = [
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi", "ui", "ưi", "ưu", "ưa",
    "ua", "uơ", "oai", "oao", "oay", "oeo", "uây", "uôi", "uya", "uyu", "ươi", "ươu", "iêu", "yêu",
];
const VOWELS: &str = "aăâeêioôơuưy";

/// Whether a word is a well-formed Vietnamese syllable: initial, vowel group, final, at most one
/// tone, and only sắc or nặng before c ch p t. Loose on spelling rules, strict on shape, which is
/// what tells a right decoding from a wrong one ("Nguyễn" against "Nguyeón" or "Mỹller").
fn is_syllable(word: &str) -> bool {
    let mut tone = None;
    let mut tones = 0;
    let mut bare = String::new();
    for c in word.chars().flat_map(char::to_lowercase).collect::<String>().nfd() {
        match c {
            '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}' => {
                tones += 1;
                tone = Some(c);
            }
            c => bare.push(c),
        }
    }
    let bare: String = bare.nfc().collect();
    if tones > 1 || !bare.chars().all(|c| "abcdđeghiklmnopqrstuvxyăâêôơư".contains(c)) {
        return false;
    }
    let rhyme_ok = |rest: &str| {
        let split = rest.find(|c: char| !VOWELS.contains(c)).unwrap_or(rest.len());
        let (group, fin) = rest.split_at(split);
        if group.is_empty() || !FINALS.contains(&fin) {
            return false;
        }
        let shape_ok = if fin.is_empty() {
            RHYME_ANY.contains(&group) || RHYME_OPEN.contains(&group)
        } else {
            RHYME_ANY.contains(&group) || RHYME_CLOSED.contains(&group)
        };
        let stop = matches!(fin, "c" | "ch" | "p" | "t");
        shape_ok && (!stop || matches!(tone, Some('\u{301}' | '\u{323}')))
    };
    rhyme_ok(&bare) || INITIALS.iter().any(|i| bare.strip_prefix(i).is_some_and(rhyme_ok))
}

/// The words of a text that carry a non-ASCII letter (the ones a decoding can get wrong).
fn accented_words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_ascii())
}

/// The words a decoding is judged by: those with a non-ASCII letter, and lower-case ASCII ones
/// ("cha", "minh" are syllables, "vz" is not). Capitalised ASCII words ("HIV", "Anna") say
/// nothing about Vietnamese and are left out.
fn judged_words(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty() && (!w.is_ascii() || w.bytes().all(|b| b.is_ascii_lowercase())))
}

#[derive(Default)]
struct Score {
    /// Candidate cells this encoding turns into Vietnamese.
    cells: usize,
    /// Odd characters seen, and those that became part of a Vietnamese letter.
    odd: usize,
    explained: usize,
    /// Words judged after decoding (see [`judged_words`]), and those that are syllables.
    words: usize,
    valid: usize,
    /// The valid words of two letters or more.
    distinct: std::collections::BTreeSet<String>,
}

impl Score {
    fn convincing(&self, candidates: usize) -> bool {
        self.cells * 5 >= candidates * 4          // a clear majority of the legacy-looking cells
            && self.explained >= 1                // the column has a character typical of it
            && self.explained * 10 >= self.odd * 9 // and explains nearly all odd characters
            && self.valid * 5 >= self.words * 4
            && self.valid >= 2
            // Two different words, or one with an initial consonant ("Nữ" in a column of
            // "Nam"/"Nữ"): "10 µm" twice, read "10 àm", is no Vietnamese.
            && (self.distinct.len() >= 2
                || self.distinct.iter().any(|w| w.starts_with(|c: char| "bcdghklmnpqrstvx".contains(c))))
    }

    /// Whether the encoding reads the column well, however little there is to go on: the
    /// conditions of [`Score::convincing`] but the amounts ("Tæ 2" alone reads "Tổ 2" in TCVN3
    /// as well as "Tỉ 2" in VNI).
    fn fits(&self, candidates: usize) -> bool {
        self.cells * 5 >= candidates * 4
            && self.explained >= 1
            && self.explained * 10 >= self.odd * 9
            && self.valid * 5 >= self.words * 4
            && self.valid >= 1
    }
}

/// Guesses the legacy encoding of one spreadsheet column from its cells; `None` unless the
/// evidence is clear, since a wrong guess is worse than none.
///
/// A cell looks legacy when it holds a character of a legacy table that Vietnamese never uses
/// (¸ µ Ô¬ ø …) or a word that is no Vietnamese syllable as it stands ("Nguyeãn"). An encoding
/// is chosen when it turns at least 80 % of those cells into well-formed Vietnamese syllables,
/// accounts for at least 90 % of the odd characters, and the other encoding does not do as
/// well; if both do, the one giving more valid syllables wins, and a tie gives `None`. Columns
/// with more than one Unicode Vietnamese cell, and more than one for ten legacy-looking cells,
/// give `None`.
pub fn detect(cells: &[&str]) -> Option<Legacy> {
    Evidence::of(cells).own()
}

/// What one column's cells say about the legacy encodings.
struct Evidence {
    /// Cells that look legacy (see [`detect`]).
    candidates: usize,
    /// Cells holding letters only Unicode has.
    unicode: usize,
    /// TCVN3's score, then VNI's.
    scores: [Score; 2],
}

const ENCODINGS: [Legacy; 2] = [Legacy::Tcvn3, Legacy::Vni];

impl Evidence {
    fn of(cells: &[&str]) -> Evidence {
        let mut e = Evidence { candidates: 0, unicode: 0, scores: [Score::default(), Score::default()] };
        for cell in cells.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
            if has_vietnamese_unicode(cell) {
                e.unicode += 1;
                continue;
            }
            let odd = cell.chars().filter(|&c| is_odd(c)).count();
            if odd == 0 && accented_words(cell).all(is_syllable) {
                continue; // ASCII, numbers, or Latin-1 that reads as Vietnamese already ("Tô Hà")
            }
            e.candidates += 1;
            for (enc, score) in ENCODINGS.iter().zip(e.scores.iter_mut()) {
                let d = decode(cell, *enc);
                let (mut words, mut valid) = (0, 0);
                for w in judged_words(&d.text) {
                    words += 1;
                    if is_syllable(w) {
                        valid += 1;
                        if !w.is_ascii() && w.chars().nth(1).is_some() {
                            score.distinct.insert(w.to_lowercase()); // "2×3" read "2ì3" proves nothing
                        }
                    }
                }
                score.odd += odd;
                score.explained += d.explained;
                score.words += words;
                score.valid += valid;
                if d.changed && d.explained == odd && d.stray == 0 && words > 0 && valid * 4 >= words * 3 {
                    score.cells += 1;
                }
            }
        }
        e
    }

    /// Unicode text: one Unicode cell (a header retyped, a name fixed by hand) is tolerated;
    /// more, and the Latin-1-only cells of the column may be Unicode too.
    fn is_unicode(&self) -> bool {
        self.unicode > 1 && self.unicode * 10 > self.candidates
    }

    fn score(&self, enc: Legacy) -> &Score {
        &self.scores[usize::from(enc == Legacy::Vni)]
    }

    /// The encoding the column shows on its own.
    fn own(&self) -> Option<Legacy> {
        if self.candidates == 0 || self.is_unicode() {
            return None;
        }
        let [tcvn3, vni] = &self.scores;
        match (tcvn3.convincing(self.candidates), vni.convincing(self.candidates)) {
            (true, false) => Some(Legacy::Tcvn3),
            (false, true) => Some(Legacy::Vni),
            (true, true) if tcvn3.valid > vni.valid => Some(Legacy::Tcvn3),
            (true, true) if vni.valid > tcvn3.valid => Some(Legacy::Vni),
            _ => None,
        }
    }

    fn fits(&self, enc: Legacy) -> bool {
        self.candidates > 0 && self.score(enc).fits(self.candidates)
    }
}

/// How one column of a sheet is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnReading {
    /// Nothing that looks legacy: numbers, dates, ASCII, Latin-1 that reads as Vietnamese
    /// already ("Tô Hà"); left as it is.
    Plain,
    /// Unicode text already; left as it is.
    Unicode,
    /// Legacy text whose own cells show the encoding.
    Shown(Legacy),
    /// Legacy text too short or too little to show an encoding on its own ("Tæ 2", "N÷"),
    /// read in the sheet's encoding, which reads it well.
    Follows(Legacy),
    /// Looks legacy, but neither the sheet's encoding nor one of its own reads it: left as it is.
    Unclear,
}

impl ColumnReading {
    /// The encoding the column is converted from, if any.
    pub fn encoding(self) -> Option<Legacy> {
        match self {
            ColumnReading::Shown(enc) | ColumnReading::Follows(enc) => Some(enc),
            _ => None,
        }
    }
}

/// How a sheet's text is read: one encoding for the sheet, and each column's reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetReading {
    /// The encoding the sheet was typed in, if it was typed in a legacy one.
    pub encoding: Option<Legacy>,
    /// Each column's reading, in order.
    pub columns: Vec<ColumnReading>,
}

/// Decides the legacy encoding of a whole sheet from its columns (each column's cells, its
/// header included). A sheet typed in a legacy font is typed in it throughout, but a column of
/// short values ("Tæ 2" for "Tổ 2", "N÷" for "Nữ") carries too little to show the encoding on
/// its own: TCVN3 reads "Tæ 2" as "Tổ 2" and VNI as "Tỉ 2", both Vietnamese.
///
/// Each column that shows an encoding on its own (see [`detect`]) weighs for it by its
/// legacy-looking cells; the heavier encoding is the sheet's, and a tie gives none. Then:
/// - a column that shows the sheet's encoding, or shows nothing but reads well in it, is
///   converted from the sheet's encoding;
/// - a column that shows the other encoding and does not read well in the sheet's (pasted from
///   another file) keeps its own;
/// - Unicode columns, and columns with nothing a legacy encoding would change, are left alone.
pub fn detect_sheet(columns: &[Vec<&str>]) -> SheetReading {
    let evidence: Vec<Evidence> = columns.iter().map(|cells| Evidence::of(cells)).collect();
    let mut weight = [0usize; 2];
    for e in &evidence {
        if let Some(enc) = e.own() {
            weight[usize::from(enc == Legacy::Vni)] += e.candidates;
        }
    }
    let encoding = match weight {
        [t, v] if t > v => Some(Legacy::Tcvn3),
        [t, v] if v > t => Some(Legacy::Vni),
        _ => None,
    };
    let columns = evidence
        .iter()
        .map(|e| {
            if e.candidates == 0 {
                return if e.unicode > 0 { ColumnReading::Unicode } else { ColumnReading::Plain };
            }
            if e.is_unicode() {
                return ColumnReading::Unicode;
            }
            match (encoding, e.own()) {
                (Some(sheet), Some(own)) if own == sheet => ColumnReading::Shown(own),
                (Some(sheet), _) if e.fits(sheet) => ColumnReading::Follows(sheet),
                (_, Some(own)) => ColumnReading::Shown(own),
                _ => ColumnReading::Unclear,
            }
        })
        .collect();
    SheetReading { encoding, columns }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Legacy bytes as Excel hands them over: Windows-1252 characters.
    fn cp1252(bytes: &[u8]) -> String {
        bytes
            .iter()
            .map(|&b| CP1252_HIGH.iter().find(|&&(k, _)| k == b).map_or(char::from(b), |&(_, c)| c))
            .collect()
    }

    /// Legacy bytes stored as Latin-1: 0x80–0x9F arrive as raw C1 controls.
    fn latin1(bytes: &[u8]) -> String {
        bytes.iter().map(|&b| char::from(b)).collect()
    }

    // Byte strings written from Unikey's tables (fcitx/fcitx5-unikey unikey/data.cpp).
    const TCVN3_SAMPLES: [(&[u8], &str); 5] = [
        (b"Nguy\xD4n V\xA8n \xA7\xF8c", "Nguyễn Văn Đức"),
        (b"Tr\xC7n Th\xDE H\xAD\xACng", "Trần Thị Hương"),
        (b"T\xE6 d\xA9n ph\xE8 2", "Tổ dân phố 2"),
        (b"M\xE5 c\xABi c\xB6 cha v\xB5 m\xD1", "Mồ côi cả cha và mẹ"),
        (b"Khuy\xD5t t\xCBt", "Khuyết tật"),
    ];
    const VNI_SAMPLES: [(&[u8], &str); 5] = [
        (b"Nguye\xE3n Va\xEAn \xD1\xF6\xF9c", "Nguyễn Văn Đức"),
        (b"Tra\xE0n Th\xF2 H\xF6\xF4ng", "Trần Thị Hương"),
        (b"To\xE5 da\xE2n pho\xE1 2", "Tổ dân phố 2"),
        (b"Mo\xE0 co\xE2i ca\xFB cha va\xF8 me\xEF", "Mồ côi cả cha và mẹ"),
        (b"Khuye\xE1t ta\xE4t", "Khuyết tật"),
    ];

    fn column(samples: &[(&[u8], &str)], to_text: fn(&[u8]) -> String) -> Vec<String> {
        samples.iter().map(|(bytes, _)| to_text(bytes)).collect()
    }

    fn refs(cells: &[String]) -> Vec<&str> {
        cells.iter().map(String::as_str).collect()
    }

    /// The 134 toned letters: 12 vowels × (bare + 5 tones) … as NFC, plus đ, lower then upper.
    fn all_letters() -> Vec<char> {
        let mut lower = Vec::new();
        for v in ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"] {
            for tone in ["", "\u{301}", "\u{300}", "\u{309}", "\u{303}", "\u{323}"] {
                let c: String = format!("{v}{tone}").nfc().collect();
                lower.push(c.chars().next().unwrap());
            }
        }
        lower.retain(|&c| !"aeiouy".contains(c)); // the bare ASCII vowels are no legacy letters
        lower.push('đ');
        let upper: Vec<char> = lower.iter().map(|c| c.to_uppercase().next().unwrap()).collect();
        assert_eq!(lower.len(), 67);
        lower.into_iter().chain(upper).collect()
    }

    #[test]
    fn labels() {
        assert_eq!(Legacy::Tcvn3.label(), "TCVN3 (ABC)");
        assert_eq!(Legacy::Vni.label(), "VNI");
    }

    #[test]
    fn tcvn3_samples_convert() {
        for (bytes, want) in TCVN3_SAMPLES {
            assert_eq!(to_unicode(&cp1252(bytes), Legacy::Tcvn3), want);
        }
        assert_eq!(cp1252(TCVN3_SAMPLES[0].0), "NguyÔn V¨n §øc");
    }

    #[test]
    fn vni_samples_convert() {
        for (bytes, want) in VNI_SAMPLES {
            assert_eq!(to_unicode(&cp1252(bytes), Legacy::Vni), want);
        }
        assert_eq!(cp1252(VNI_SAMPLES[0].0), "Nguyeãn Vaên Ñöùc");
        assert_eq!(to_unicode(&cp1252(b"Ng\xF6\xF4\xF8i"), Legacy::Vni), "Người");
    }

    #[test]
    fn capitals() {
        // TCVN3: Ầ and Ị have no byte of their own; Ư and Ơ do.
        assert_eq!(to_unicode(&cp1252(b"TR\xC7N TH\xDE H\xA6\xA5NG"), Legacy::Tcvn3), "TRẦN THỊ HƯƠNG");
        assert_eq!(to_unicode(&cp1252(b"H\xB5 N\xE9I"), Legacy::Tcvn3), "HÀ NỘI");
        // One capital is not enough to make a word upper case: "Đà Nẵng", "Hà".
        assert_eq!(to_unicode(&cp1252(b"\xA7\xB5 N\xBDng"), Legacy::Tcvn3), "Đà Nẵng");
        assert_eq!(to_unicode(&cp1252(b"H\xB5"), Legacy::Tcvn3), "Hà");
        // A name whose words all start upper case: "¸nh" is "Ánh"; not so in running text.
        assert_eq!(to_unicode(&cp1252(b"\xA7\xC6ng Ng\xE4c \xB8nh"), Legacy::Tcvn3), "Đặng Ngọc Ánh");
        assert_eq!(to_unicode(&cp1252(b"Ph\xE8 \xA8n u\xE8ng"), Legacy::Tcvn3), "Phố ăn uống");
        assert_eq!(to_unicode(&cp1252(b"TRA\xC0N TH\xD2 H\xD6\xD4NG"), Legacy::Vni), "TRẦN THỊ HƯƠNG");
    }

    #[test]
    fn c1_controls_and_windows_1252() {
        // The same bytes through Latin-1 (raw C1) and Windows-1252 read alike.
        let bytes: &[u8] = b"Th\xABn 3 \x96 x\xB7 Ho\xB5 B\xD7nh\x85";
        let want = "Thôn 3 – xã Hoà Bình…";
        assert_eq!(to_unicode(&latin1(bytes), Legacy::Tcvn3), want);
        assert_eq!(to_unicode(&cp1252(bytes), Legacy::Tcvn3), want);
        let vni: &[u8] = b"\x93Tho\xE2n 3\x94";
        assert_eq!(to_unicode(&latin1(vni), Legacy::Vni), "“Thôn 3”");
        assert_eq!(to_unicode(&cp1252(vni), Legacy::Vni), "“Thôn 3”");
        let cells: Vec<String> =
            TCVN3_SAMPLES.iter().map(|(b, _)| latin1(&[*b, b" \x96 \x85"].concat())).collect();
        assert_eq!(detect(&refs(&cells)), Some(Legacy::Tcvn3));
    }

    #[test]
    fn unicode_is_left_alone() {
        for s in ["Nguyễn Văn Đức", "Trần Thị Hương"] {
            let nfd: String = s.nfd().collect();
            for enc in [Legacy::Tcvn3, Legacy::Vni] {
                assert_eq!(to_unicode(s, enc), s);
                assert_eq!(to_unicode(&nfd, enc), s);
            }
        }
    }

    #[test]
    fn detects_tcvn3() {
        let cells = column(&TCVN3_SAMPLES, cp1252);
        assert_eq!(detect(&refs(&cells)), Some(Legacy::Tcvn3));
        assert_eq!(detect(&[cells[0].as_str()]), Some(Legacy::Tcvn3));
        // ASCII names and blanks in between change nothing.
        let mut mixed = refs(&cells);
        mixed.extend(["Nguyen Van A", "", "12/05/2010"]);
        assert_eq!(detect(&mixed), Some(Legacy::Tcvn3));
    }

    #[test]
    fn detects_vni() {
        let cells = column(&VNI_SAMPLES, cp1252);
        assert_eq!(detect(&refs(&cells)), Some(Legacy::Vni));
        assert_eq!(detect(&[cells[0].as_str()]), Some(Legacy::Vni));
    }

    #[test]
    fn detects_a_gender_column() {
        let tcvn3 = cp1252(b"N\xF7");
        let vni = cp1252(b"N\xF6\xF5");
        assert_eq!(to_unicode(&tcvn3, Legacy::Tcvn3), "Nữ");
        assert_eq!(to_unicode(&vni, Legacy::Vni), "Nữ");
        assert_eq!(detect(&["Nam", &tcvn3, &tcvn3, "Nam"]), Some(Legacy::Tcvn3));
        assert_eq!(detect(&["Nam", &vni, "Nam", &vni]), Some(Legacy::Vni));
        // One cell of one word is too little to go on.
        assert_eq!(detect(&["Nam", &tcvn3]), None);
    }

    #[test]
    fn no_guess_without_evidence() {
        let unicode: Vec<String> = TCVN3_SAMPLES.iter().map(|(_, u)| u.to_string()).collect();
        let nfd: Vec<String> = unicode.iter().map(|s| s.nfd().collect()).collect();
        assert_eq!(detect(&refs(&unicode)), None);
        assert_eq!(detect(&refs(&nfd)), None);
        assert_eq!(detect(&["Tô Hà", "Cao Bá Quát", "Lê Văn Tám"]), None);
        assert_eq!(detect(&["Nguyen Van A", "Tran Thi B", "Le C"]), None);
        assert_eq!(detect(&["12", "3.5", "2010-05-12", "12/05/2010", "0912 345 678"]), None);
        assert_eq!(detect(&["Café", "Zoë", "Müller", "naïve", "Björk", "Straße", "Ñandú"]), None);
        assert_eq!(detect(&["10 µm", "10 µm", "©2010", "½ kg", "§ 3", "±5 °C", "€100"]), None);
        assert_eq!(detect(&["20×30", "10×15", "2×3", "10÷2", "1ª"]), None);
        assert_eq!(detect(&["x·y", "«abc»", "¡Hola!", "¿Qué?", "Año", "Øresund", "Æsir"]), None);
        assert_eq!(detect(&[]), None);
        assert_eq!(detect(&["", "  "]), None);
    }

    #[test]
    fn unicode_header_over_legacy_data() {
        let mut cells = vec!["Họ và tên".to_string()];
        cells.extend(column(&TCVN3_SAMPLES[..2], cp1252));
        assert_eq!(detect(&refs(&cells)), Some(Legacy::Tcvn3));
        assert_eq!(to_unicode(&cells[0], Legacy::Tcvn3), "Họ và tên");
    }

    #[test]
    fn no_guess_for_mixed_unicode_column() {
        let mut cells = column(&TCVN3_SAMPLES[..2], cp1252);
        cells.extend(["Nguyễn Văn Đức", "Trần Thị Hương", "Lê Thị Hoa"].map(String::from));
        assert_eq!(detect(&refs(&cells)), None);
    }

    #[test]
    fn a_sheet_is_read_in_one_encoding_throughout() {
        use ColumnReading::*;
        let names = column(&TCVN3_SAMPLES[..2], cp1252);
        let groups: Vec<String> = [&b"T\xE6 2"[..], b"T\xE6 1", b"T\xE6 2"].iter().map(|b| cp1252(b)).collect();
        // On its own, "Tæ 2" reads as well in TCVN3 ("Tổ 2") as in VNI ("Tỉ 2").
        assert_eq!(detect(&refs(&groups)), None);
        assert_eq!((to_unicode(&groups[0], Legacy::Tcvn3), to_unicode(&groups[0], Legacy::Vni)), ("Tổ 2".into(), "Tỉ 2".into()));
        let sex = [cp1252(b"N\xF7"), "Nam".into()];
        let sheet = detect_sheet(&[
            refs(&names),
            refs(&groups),
            refs(&sex),
            vec!["051216000123", "Nguyen Van A", ""],
            vec!["Mồ côi cả cha và mẹ", "Khuyết tật"],
            vec![],
        ]);
        assert_eq!(sheet.encoding, Some(Legacy::Tcvn3));
        assert_eq!(sheet.columns, [Shown(Legacy::Tcvn3), Follows(Legacy::Tcvn3), Follows(Legacy::Tcvn3), Plain, Unicode, Plain]);
        assert_eq!(to_unicode(&groups[1], sheet.columns[1].encoding().unwrap()), "Tổ 1");
    }

    #[test]
    fn a_sheet_with_mixed_evidence_goes_by_its_weight() {
        use ColumnReading::*;
        let tcvn3 = column(&TCVN3_SAMPLES, cp1252);
        let vni = column(&VNI_SAMPLES, cp1252);
        let groups = [cp1252(b"T\xE6 2")];
        // Five cells show TCVN3, two VNI (notes pasted from another file): the sheet is TCVN3,
        // the pasted column keeps its own encoding, the short one follows the sheet.
        let sheet = detect_sheet(&[refs(&tcvn3), refs(&vni[..2]), refs(&groups)]);
        assert_eq!(sheet.encoding, Some(Legacy::Tcvn3));
        assert_eq!(sheet.columns, [Shown(Legacy::Tcvn3), Shown(Legacy::Vni), Follows(Legacy::Tcvn3)]);
        // The other way round: VNI weighs more, and "Tæ" is VNI's "Tỉ".
        let sheet = detect_sheet(&[refs(&tcvn3[..2]), refs(&vni), refs(&groups)]);
        assert_eq!(sheet.encoding, Some(Legacy::Vni));
        assert_eq!(sheet.columns, [Shown(Legacy::Tcvn3), Shown(Legacy::Vni), Follows(Legacy::Vni)]);
        // Even weight decides nothing: each column keeps what it shows, the short one is left.
        let sheet = detect_sheet(&[refs(&tcvn3[..2]), refs(&vni[..2]), refs(&groups)]);
        assert_eq!(sheet.encoding, None);
        assert_eq!(sheet.columns, [Shown(Legacy::Tcvn3), Shown(Legacy::Vni), Unclear]);
        // Short cells alone are no evidence for a sheet.
        let sheet = detect_sheet(&[refs(&groups), vec!["Nam", "Tô Hà"]]);
        assert_eq!((sheet.encoding, sheet.columns), (None, vec![Unclear, Plain]));
    }

    #[test]
    fn syllables() {
        for w in ["Nguyễn", "khuya", "người", "rượu", "quyển", "giữa", "gìn", "xoong", "Đức", "thuở", "TRẦN"]
        {
            assert!(is_syllable(w), "{w}");
        }
        for w in ["Nguyeón", "Mỹller", "Zoở", "Vaờn", "ẹửực", "Hửụng", "hàt", "ăa"] {
            assert!(!is_syllable(w), "{w}");
        }
    }

    #[test]
    fn tables_are_consistent() {
        assert_eq!(TCVN3.len() + 60, 134, "60 toned capitals share lower-case TCVN3 bytes");
        assert_eq!(VNI_SINGLE.len() + VNI_PAIR.len(), 134);
        let mut seen = HashMap::new();
        for &(b, c) in &TCVN3 {
            assert!(seen.insert(b, c).is_none(), "TCVN3 byte {b:#X} twice");
        }
        let mut vni = HashMap::new();
        for &(b, c) in &VNI_SINGLE {
            assert!(vni.insert(vec![b], c).is_none());
            assert!(!vni_mark(b), "VNI byte {b:#X} is both a letter and a mark");
        }
        for &(b, m, c) in &VNI_PAIR {
            assert!(vni.insert(vec![b, m], c).is_none(), "VNI {b:#X} {m:#X} twice");
        }
    }

    #[test]
    fn every_letter_round_trips() {
        let letters = all_letters();
        assert_eq!(letters.len(), 134);
        // Reverse maps: Unicode letter → legacy bytes.
        let tcvn3: HashMap<char, u8> = TCVN3.iter().map(|&(b, c)| (c, b)).collect();
        let vni: HashMap<char, Vec<u8>> = VNI_SINGLE
            .iter()
            .map(|&(b, c)| (c, vec![b]))
            .chain(VNI_PAIR.iter().map(|&(b, m, c)| (c, vec![b, m])))
            .collect();
        let mut shared = 0;
        for &c in &letters {
            let lower = c.to_lowercase().next().unwrap();
            match tcvn3.get(&c) {
                Some(&b) => assert_eq!(to_unicode(&cp1252(&[b]), Legacy::Tcvn3), c.to_string()),
                None => {
                    // A toned capital: written with the lower-case byte, read back as a capital
                    // among capitals.
                    assert!(c.is_uppercase(), "{c} missing from TCVN3");
                    let b = tcvn3[&lower];
                    assert_eq!(to_unicode(&cp1252(&[b]), Legacy::Tcvn3), lower.to_string());
                    let word = cp1252(&[b'N', b'G', b]);
                    assert_eq!(to_unicode(&word, Legacy::Tcvn3), format!("NG{c}"));
                    shared += 1;
                }
            }
            let bytes = vni.get(&c).unwrap_or_else(|| panic!("{c} missing from VNI"));
            assert_eq!(to_unicode(&cp1252(bytes), Legacy::Vni), c.to_string(), "VNI {c}");
            assert_eq!(to_unicode(&latin1(bytes), Legacy::Vni), c.to_string(), "VNI {c}");
        }
        assert_eq!(shared, 60);
    }
}
