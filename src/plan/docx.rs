//! Reading the paragraphs of a Word (.docx) file: the text of each `<w:p>` in document.xml, with
//! the labels Word's automatic list numbering draws ("I.", "1.", "a)") put back in front, as a
//! typed plan has them.
//!
//! A .docx is a zip: what is decompressed is capped ([`Limits::max_part_bytes`]), and so is the
//! text made from it, list labels included ([`Limits::max_expanded_chars`]): a label of a
//! million "%1" drawn for every paragraph would otherwise make gigabytes of text. A small hostile
//! file is refused at once.

use std::collections::HashMap;
use std::io::Read;

use quick_xml::events::{BytesStart, Event};

use super::import::ImportError;
use crate::limits::{Counter, Exceeded, Limits};

/// The most XML read from one part of a .docx (the app's [`Limits`]). A plan's text is well
/// under a few MB; its XML, with Word's markup, under ten times that.
pub const MAX_XML_BYTES: u64 = Limits::DEFAULT.max_part_bytes;

/// The document's paragraphs as lines of plain text, within the app's limits.
pub fn paragraphs(bytes: &[u8]) -> Result<String, ImportError> {
    paragraphs_within(bytes, &Limits::DEFAULT)
}

/// The document's paragraphs as lines of plain text, within `limits`.
pub fn paragraphs_within(bytes: &[u8], limits: &Limits) -> Result<String, ImportError> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| ImportError::NotADocx)?;
    let document = read_part(&mut zip, "word/document.xml", limits)?.ok_or(ImportError::NotADocx)?;
    let numbering = match read_part(&mut zip, "word/numbering.xml", limits)? {
        Some(xml) => Numbering::parse(&xml)?,
        None => Numbering::default(),
    };
    text_of(&document, numbering, limits)
}

/// One part of the zip, read up to the cap; `None` when the part is missing.
fn read_part(zip: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>, name: &str, limits: &Limits) -> Result<Option<String>, ImportError> {
    let entry = match zip.by_name(name) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => return Ok(None),
        Err(_) => return Err(ImportError::NotADocx),
    };
    let cap = limits.max_part_bytes;
    if entry.size() > cap {
        return Err(ImportError::TooLarge);
    }
    let mut xml = String::new();
    // The declared size may lie: stop reading one byte past the cap whatever it says.
    entry.take(cap.saturating_add(1)).read_to_string(&mut xml).map_err(|_| ImportError::NotADocx)?;
    if xml.len() as u64 > cap {
        return Err(ImportError::TooLarge);
    }
    Ok(Some(xml))
}

fn attr(e: &BytesStart, name: &[u8]) -> Option<String> {
    e.attributes().flatten().find(|a| a.key.as_ref() == name).and_then(|a| a.unescape_value().ok()).map(|v| v.into_owned())
}

/// How one level of a list draws its label.
#[derive(Debug, Clone, Default)]
struct Level {
    start: u32,
    format: String,
    text: String,
}

/// The list definitions of numbering.xml and the counters of the lists as the document goes.
#[derive(Debug, Default)]
struct Numbering {
    /// Abstract list id → its levels.
    abstracts: HashMap<String, HashMap<u32, Level>>,
    /// List instance id (`w:numId`) → its abstract list and level start overrides.
    instances: HashMap<String, (String, HashMap<u32, u32>)>,
    /// List instance → the current count at each level.
    counters: HashMap<String, Vec<u32>>,
}

impl Numbering {
    fn parse(xml: &str) -> Result<Numbering, ImportError> {
        let mut n = Numbering::default();
        let mut reader = quick_xml::Reader::from_str(xml);
        let (mut abstract_id, mut num_id, mut level): (Option<String>, Option<String>, Option<u32>) = (None, None, None);
        loop {
            let event = reader.read_event().map_err(|_| ImportError::NotADocx)?;
            let (start, empty) = match &event {
                Event::Start(e) => (Some(e.clone()), false),
                Event::Empty(e) => (Some(e.clone()), true),
                Event::End(e) => {
                    match e.name().as_ref() {
                        b"w:abstractNum" => abstract_id = None,
                        b"w:num" => num_id = None,
                        b"w:lvl" | b"w:lvlOverride" => level = None,
                        _ => {}
                    }
                    (None, false)
                }
                Event::Eof => break,
                _ => (None, false),
            };
            let Some(e) = start else { continue };
            let val = || attr(&e, b"w:val");
            match e.name().as_ref() {
                b"w:abstractNum" if !empty => abstract_id = attr(&e, b"w:abstractNumId"),
                b"w:num" if !empty => {
                    num_id = attr(&e, b"w:numId");
                    if let Some(id) = &num_id {
                        n.instances.entry(id.clone()).or_default();
                    }
                }
                b"w:lvl" | b"w:lvlOverride" if !empty => level = attr(&e, b"w:ilvl").and_then(|v| v.parse().ok()),
                b"w:abstractNumId" => {
                    if let (Some(id), Some(v)) = (&num_id, val()) {
                        n.instances.entry(id.clone()).or_default().0 = v;
                    }
                }
                b"w:startOverride" => {
                    if let (Some(id), Some(l), Some(v)) = (&num_id, level, val().and_then(|v| v.parse().ok())) {
                        n.instances.entry(id.clone()).or_default().1.insert(l, v);
                    }
                }
                b"w:start" | b"w:numFmt" | b"w:lvlText" => {
                    if let (Some(a), Some(l), Some(v)) = (&abstract_id, level, val()) {
                        let lvl = n.abstracts.entry(a.clone()).or_default().entry(l).or_insert(Level { start: 1, ..Level::default() });
                        match e.name().as_ref() {
                            b"w:start" => lvl.start = v.parse().unwrap_or(1),
                            b"w:numFmt" => lvl.format = v,
                            _ => lvl.text = v,
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(n)
    }

    /// The label of the next paragraph of list `num_id` at level `ilvl` ("II.", "3.", "b)"),
    /// its characters counted in `drawn` as they are made.
    fn next_label(&mut self, num_id: &str, ilvl: u32, drawn: &mut Counter) -> Result<Option<String>, Exceeded> {
        // Word has nine levels, 0–8; anything else is not a list Word drew.
        if ilvl > 8 {
            return Ok(None);
        }
        let Some((abstract_id, overrides)) = self.instances.get(num_id) else { return Ok(None) };
        let Some(levels) = self.abstracts.get(abstract_id) else { return Ok(None) };
        // Plans count in the tens; a huge start is a broken or hostile file.
        let start_of = |l: u32| overrides.get(&l).copied().or_else(|| levels.get(&l).map(|x| x.start)).unwrap_or(1).min(MAX_START);
        let counters = self.counters.entry(num_id.to_owned()).or_default();
        let depth = ilvl as usize + 1;
        while counters.len() < depth {
            // A level not seen yet starts one below its start, so that its first use is its start.
            counters.push(start_of(counters.len() as u32).saturating_sub(1));
        }
        counters.truncate(depth);
        counters[ilvl as usize] = counters[ilvl as usize].saturating_add(1).min(MAX_START);
        let Some(level) = levels.get(&ilvl) else { return Ok(None) };
        if level.format == "bullet" || level.format == "none" {
            return Ok((level.format == "bullet").then(|| "-".to_owned()));
        }
        let numbers: Vec<String> = counters
            .iter()
            .enumerate()
            .map(|(l, count)| format_number(*count, levels.get(&(l as u32)).map(|x| x.format.as_str()).unwrap_or("decimal")))
            .collect();
        draw_label(&level.text, &numbers, drawn).map(Some)
    }
}

/// A level's text ("%1.%2.") with each "%n" replaced by the count of level n, counting every
/// character made; a "%n" of a level deeper than the paragraph's stays as written.
fn draw_label(text: &str, numbers: &[String], drawn: &mut Counter) -> Result<String, Exceeded> {
    let mut label = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let number = match chars.peek() {
            Some(d) if c == '%' => d.to_digit(10).filter(|d| *d >= 1).and_then(|d| numbers.get(d as usize - 1)),
            _ => None,
        };
        match number {
            Some(n) => {
                chars.next();
                drawn.add(n.chars().count() as u64)?;
                label.push_str(n);
            }
            None => {
                drawn.add(1)?;
                label.push(c);
            }
        }
    }
    Ok(label)
}

/// The largest list number drawn.
const MAX_START: u32 = 10_000;

/// A list counter drawn in one of Word's number formats.
fn format_number(n: u32, format: &str) -> String {
    match format {
        "upperRoman" => roman(n),
        "lowerRoman" => roman(n).to_lowercase(),
        "upperLetter" => letters(n).to_uppercase(),
        "lowerLetter" => letters(n),
        _ => n.to_string(),
    }
}

fn roman(mut n: u32) -> String {
    const TABLE: [(u32, &str); 13] =
        [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")];
    let mut out = String::new();
    for (value, digits) in TABLE {
        while n >= value {
            out.push_str(digits);
            n -= value;
        }
    }
    out
}

/// Word's letters: a … z, then aa, bb …
fn letters(n: u32) -> String {
    if n == 0 {
        return String::new();
    }
    let letter = char::from(b'a' + ((n - 1) % 26) as u8);
    std::iter::repeat_n(letter, ((n - 1) / 26 + 1) as usize).collect()
}

fn text_of(xml: &str, mut numbering: Numbering, limits: &Limits) -> Result<String, ImportError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = String::new();
    // Every character of the text made, labels included.
    let mut drawn = Counter::new(limits.max_expanded_chars, Exceeded::ExpandedChars { limit: limits.max_expanded_chars });
    let mut paragraph = String::new();
    let (mut in_text, mut in_numbering) = (false, false);
    let (mut num_id, mut ilvl): (Option<String>, u32) = (None, 0);
    loop {
        match reader.read_event().map_err(|_| ImportError::NotADocx)? {
            Event::Start(e) if e.name().as_ref() == b"w:p" => {
                paragraph.clear();
                num_id = None;
                ilvl = 0;
            }
            Event::Start(e) if e.name().as_ref() == b"w:t" => in_text = true,
            Event::End(e) if e.name().as_ref() == b"w:t" => in_text = false,
            Event::Start(e) if e.name().as_ref() == b"w:numPr" => in_numbering = true,
            Event::End(e) if e.name().as_ref() == b"w:numPr" => in_numbering = false,
            Event::Empty(e) if in_numbering && e.name().as_ref() == b"w:ilvl" => {
                ilvl = attr(&e, b"w:val").and_then(|v| v.parse().ok()).unwrap_or(0);
            }
            Event::Empty(e) if in_numbering && e.name().as_ref() == b"w:numId" => num_id = attr(&e, b"w:val"),
            Event::End(e) if e.name().as_ref() == b"w:p" => {
                let label = match num_id.as_deref().filter(|id| *id != "0") {
                    Some(id) => numbering.next_label(id, ilvl, &mut drawn)?,
                    None => None,
                };
                if let Some(label) = label.filter(|_| !paragraph.trim().is_empty()) {
                    out.push_str(&label);
                    out.push(' ');
                    drawn.add(1)?;
                }
                drawn.add(paragraph.chars().count() as u64 + 1)?;
                out.push_str(&paragraph);
                out.push('\n');
            }
            Event::Empty(e) if matches!(e.name().as_ref(), b"w:br" | b"w:cr") => paragraph.push('\n'),
            Event::Empty(e) if e.name().as_ref() == b"w:tab" => paragraph.push(' '),
            Event::Text(t) if in_text => paragraph.push_str(&t.unescape().map_err(|_| ImportError::NotADocx)?),
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_draw_as_word_draws_them() {
        assert_eq!(roman(14), "XIV");
        assert_eq!(format_number(4, "upperRoman"), "IV");
        assert_eq!(format_number(2, "lowerLetter"), "b");
        assert_eq!(letters(27), "aa");
        assert_eq!(format_number(3, "decimal"), "3");
    }

    #[test]
    fn labels_are_drawn_and_counted() {
        let numbers = ["II".to_owned(), "3".to_owned()];
        let mut drawn = Counter::new(100, Exceeded::ExpandedChars { limit: 100 });
        assert_eq!(draw_label("%1.%2.%3%", &numbers, &mut drawn).unwrap(), "II.3.%3%");
        assert_eq!(drawn.used(), 8);
        let mut small = Counter::new(10, Exceeded::ExpandedChars { limit: 10 });
        assert_eq!(draw_label(&"%1".repeat(6), &numbers, &mut small), Err(Exceeded::ExpandedChars { limit: 10 }));
    }
}
