//! Office Open XML workbooks (.xlsx): the sheet's XML streamed cell by cell. Its `dimension`
//! is not read at all: only the cells there are count.

use std::collections::HashMap;
use std::io::BufRead;

use quick_xml::events::Event;

use super::{attr, choose, is_builtin_date, is_date_format, number, xml_part, Grid, Sheet, SheetError, Value, Zip};
use crate::limits::Limits;

type Xml<R> = quick_xml::Reader<R>;

fn damaged<E>(_: E) -> SheetError {
    SheetError::Damaged
}

pub(super) fn read(zip: &mut Zip, wanted: Option<&str>, limits: &Limits) -> Result<Sheet, SheetError> {
    let (sheets, is_1904) = workbook(zip)?;
    let names: Vec<String> = sheets.iter().map(|(n, _)| n.clone()).collect();
    let i = choose(&names, wanted)?;
    let rels = relationships(zip)?;
    let path = rels.get(&sheets[i].1).cloned().ok_or(SheetError::Damaged)?;
    let strings = shared_strings(zip)?;
    let dates = styles(zip)?;
    let mut grid = Grid::new(limits);
    let name = names[i].clone();
    let Some(mut xml) = xml_part(zip, &path)? else { return Err(SheetError::DamagedSheet(name)) };
    match cells(&mut xml, &strings, &dates, is_1904, &mut grid) {
        Ok(()) => Ok(grid.finish(names, name)),
        Err(SheetError::Damaged) => Err(SheetError::DamagedSheet(name)),
        Err(e) => Err(e),
    }
}

/// The sheets (name, relationship id) in order, and whether dates count from 1904.
fn workbook(zip: &mut Zip) -> Result<(Vec<(String, String)>, bool), SheetError> {
    let mut xml = xml_part(zip, "xl/workbook.xml")?.ok_or(SheetError::Damaged)?;
    let (mut sheets, mut is_1904, mut buf) = (Vec::new(), false, Vec::new());
    loop {
        match xml.read_event_into(&mut buf).map_err(damaged)? {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                b"sheet" => {
                    let id = e.attributes().flatten().find(|a| a.key.local_name().as_ref() == b"id").and_then(|a| a.unescape_value().ok());
                    match (attr(&e, b"name"), id) {
                        (Some(name), Some(id)) => sheets.push((name, id.into_owned())),
                        _ => return Err(SheetError::Damaged),
                    }
                }
                b"workbookPr" => is_1904 = matches!(attr(&e, b"date1904").as_deref(), Some("1" | "true")),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok((sheets, is_1904))
}

/// The parts the workbook's relationships point to, by id, as paths in the zip.
fn relationships(zip: &mut Zip) -> Result<HashMap<String, String>, SheetError> {
    let mut xml = xml_part(zip, "xl/_rels/workbook.xml.rels")?.ok_or(SheetError::Damaged)?;
    let (mut rels, mut buf) = (HashMap::new(), Vec::new());
    loop {
        match xml.read_event_into(&mut buf).map_err(damaged)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"Relationship" => {
                if let (Some(id), Some(target)) = (attr(&e, b"Id"), attr(&e, b"Target")) {
                    let path = match target.strip_prefix('/') {
                        Some(absolute) => absolute.to_owned(),
                        None => format!("xl/{target}"),
                    };
                    rels.insert(id, path);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(rels)
}

/// The shared strings, in order. Their size is bounded by the part's, itself bounded by what the
/// zip may inflate to; each use in a cell is counted as text.
fn shared_strings(zip: &mut Zip) -> Result<Vec<String>, SheetError> {
    let Some(mut xml) = xml_part(zip, "xl/sharedStrings.xml")? else { return Ok(Vec::new()) };
    let mut strings = Vec::new();
    let mut buf = Vec::new();
    loop {
        match xml.read_event_into(&mut buf).map_err(damaged)? {
            Event::Start(e) if e.local_name().as_ref() == b"si" => {
                buf.clear();
                strings.push(rich_text(&mut xml, &mut buf, b"si")?);
            }
            Event::Empty(e) if e.local_name().as_ref() == b"si" => strings.push(String::new()),
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(strings)
}

/// The text of a string item (`<si>`, `<is>`) up to its end: its `<t>` runs, without the
/// phonetic guides (`<rPh>`).
fn rich_text<R: BufRead>(xml: &mut Xml<R>, buf: &mut Vec<u8>, end: &[u8]) -> Result<String, SheetError> {
    let (mut s, mut in_t, mut in_phonetic) = (String::new(), false, false);
    loop {
        match xml.read_event_into(buf).map_err(damaged)? {
            Event::Start(e) => match e.local_name().as_ref() {
                b"t" => in_t = true,
                b"rPh" => in_phonetic = true,
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                b"t" => in_t = false,
                b"rPh" => in_phonetic = false,
                n if n == end => return Ok(s),
                _ => {}
            },
            Event::Text(t) if in_t && !in_phonetic => s.push_str(&t.unescape().map_err(damaged)?),
            Event::CData(t) if in_t && !in_phonetic => s.push_str(std::str::from_utf8(&t).map_err(damaged)?),
            Event::Eof => return Err(SheetError::Damaged),
            _ => {}
        }
        buf.clear();
    }
}

/// For each cell style (`s` of a cell), whether it shows a date.
fn styles(zip: &mut Zip) -> Result<Vec<bool>, SheetError> {
    let Some(mut xml) = xml_part(zip, "xl/styles.xml")? else { return Ok(Vec::new()) };
    let (mut custom, mut dates, mut buf) = (HashMap::new(), Vec::new(), Vec::new());
    let mut in_cell_xfs = false;
    loop {
        match xml.read_event_into(&mut buf).map_err(damaged)? {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                b"numFmt" => {
                    if let (Some(id), Some(code)) = (attr(&e, b"numFmtId").and_then(|v| v.parse::<u32>().ok()), attr(&e, b"formatCode")) {
                        custom.insert(id, is_date_format(&code));
                    }
                }
                b"cellXfs" => in_cell_xfs = true,
                b"xf" if in_cell_xfs => {
                    let id = attr(&e, b"numFmtId").and_then(|v| v.parse::<u32>().ok()).unwrap_or(0);
                    dates.push(custom.get(&id).copied().unwrap_or_else(|| is_builtin_date(id)));
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == b"cellXfs" => in_cell_xfs = false,
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(dates)
}

/// A cell reference ("B7") as (row, column) from 0; `None` when it is not one.
fn cell_ref(r: &str) -> Option<(u32, u32)> {
    let split = r.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = r.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let col = letters.bytes().fold(0u32, |n, b| n * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1);
    let row: u32 = digits.parse().ok()?;
    (row >= 1 && col >= 1).then(|| (row - 1, col - 1))
}

/// One cell as it is being read.
#[derive(Default)]
struct CellXml {
    kind: Option<String>,
    style: usize,
    value: Option<String>,
    inline: Option<String>,
}

fn cells<R: BufRead>(xml: &mut Xml<R>, strings: &[String], dates: &[bool], is_1904: bool, grid: &mut Grid) -> Result<(), SheetError> {
    let (mut buf, mut row, mut col) = (Vec::new(), 0u32, 0u32);
    let mut in_data = false;
    let mut cell: Option<(u32, u32, CellXml)> = None;
    let mut in_v = false;
    loop {
        let event = xml.read_event_into(&mut buf).map_err(damaged)?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) if e.local_name().as_ref() == b"sheetData" => in_data = matches!(event, Event::Start(_)),
            Event::End(ref e) if e.local_name().as_ref() == b"sheetData" => break,
            Event::Start(ref e) | Event::Empty(ref e) if in_data && e.local_name().as_ref() == b"row" => {
                if let Some(r) = attr(e, b"r") {
                    row = r.parse::<u32>().ok().filter(|r| *r >= 1).ok_or(SheetError::Damaged)? - 1;
                }
                col = 0;
                if matches!(event, Event::Empty(_)) {
                    row = row.saturating_add(1);
                }
            }
            Event::End(ref e) if in_data && e.local_name().as_ref() == b"row" => row = row.saturating_add(1),
            Event::Start(ref e) | Event::Empty(ref e) if in_data && e.local_name().as_ref() == b"c" => {
                let (r, c) = match attr(e, b"r") {
                    Some(r) => cell_ref(&r).ok_or(SheetError::Damaged)?,
                    None => (row, col),
                };
                col = c.saturating_add(1);
                let style = attr(e, b"s").and_then(|s| s.parse().ok()).unwrap_or(0);
                let found = CellXml { kind: attr(e, b"t"), style, ..CellXml::default() };
                if matches!(event, Event::Start(_)) {
                    cell = Some((r, c, found));
                }
            }
            Event::Start(ref e) if cell.is_some() && e.local_name().as_ref() == b"v" => in_v = true,
            Event::End(ref e) if e.local_name().as_ref() == b"v" => in_v = false,
            Event::Text(ref t) if in_v => {
                if let Some((_, _, c)) = cell.as_mut() {
                    c.value.get_or_insert_with(String::new).push_str(&t.unescape().map_err(damaged)?);
                }
            }
            Event::Start(ref e) if e.local_name().as_ref() == b"is" => {
                let text = {
                    let mut inner = Vec::new();
                    rich_text(xml, &mut inner, b"is")?
                };
                if let Some((_, _, c)) = cell.as_mut() {
                    c.inline = Some(text);
                }
            }
            Event::End(ref e) if e.local_name().as_ref() == b"c" => {
                if let Some((r, c, found)) = cell.take() {
                    if let Some(value) = value_of(found, strings, dates, is_1904)? {
                        grid.put(r, c, value)?;
                    }
                }
            }
            Event::Eof => return Err(SheetError::Damaged),
            _ => {}
        }
        buf.clear();
    }
    Ok(())
}

/// What a cell holds, by its type (`t`) and style; `None` for an empty cell.
fn value_of(cell: CellXml, strings: &[String], dates: &[bool], is_1904: bool) -> Result<Option<Value>, SheetError> {
    let v = cell.value.unwrap_or_default();
    Ok(Some(match cell.kind.as_deref() {
        Some("s") => Value::Text(v.trim().parse::<usize>().ok().and_then(|i| strings.get(i)).ok_or(SheetError::Damaged)?.clone()),
        Some("inlineStr") => match cell.inline {
            Some(s) => Value::Text(s),
            None => return Ok(None),
        },
        Some("str") => Value::Text(v),
        Some("b") => Value::Bool(v.trim() != "0"),
        Some("e") => Value::Error,
        Some("d") => match chrono::NaiveDate::parse_from_str(v.get(..10).unwrap_or(&v), "%Y-%m-%d") {
            Ok(d) => Value::Date(d),
            Err(_) => Value::Text(v),
        },
        _ if v.is_empty() => return Ok(None),
        kind => match v.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => number(n, dates.get(cell.style).copied().unwrap_or(false), is_1904),
            _ if kind.is_none() => Value::Text(v),
            _ => return Err(SheetError::Damaged),
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::super::tests::zipped;
    use super::*;

    fn xlsx(sheet: &str) -> Vec<u8> {
        zipped(&[
            ("xl/workbook.xml", r#"<workbook xmlns:r="r"><workbookPr date1904="1"/><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>"#),
            ("xl/_rels/workbook.xml.rels", r#"<Relationships><Relationship Id="rId1" Target="/xl/worksheets/s.xml"/></Relationships>"#),
            ("xl/sharedStrings.xml", r#"<sst><si><r><t>Ngày</t></r><r><t xml:space="preserve"> sinh</t></r><rPh><t>x</t></rPh></si></sst>"#),
            ("xl/styles.xml", r#"<styleSheet><numFmts><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/></numFmts><cellStyleXfs><xf numFmtId="14"/></cellStyleXfs><cellXfs><xf numFmtId="0"/><xf numFmtId="164"/></cellXfs></styleSheet>"#),
            ("xl/worksheets/s.xml", &format!("<worksheet><sheetData>{sheet}</sheetData></worksheet>")),
        ])
    }

    #[test]
    fn cells_by_type_and_style() {
        let sheet = read_sheet(&xlsx(r#"<row r="2"><c t="s"><v>0</v></c><c s="1"><v>0</v></c><c s="0"><v>2016</v></c><c t="b"><v>0</v></c><c t="e"><v>#N/A</v></c><c/><c t="inlineStr"><is><t>a&amp;b</t></is></c></row>"#));
        let sheet = sheet.unwrap();
        assert_eq!(sheet.rows[0].index, 1);
        let day = chrono::NaiveDate::from_ymd_opt(1904, 1, 1).unwrap();
        let expected = [
            (0, Value::Text("Ngày sinh".into())),
            (1, Value::Date(day)),
            (2, Value::Number(2016.0)),
            (3, Value::Bool(false)),
            (4, Value::Error),
            (6, Value::Text("a&b".into())),
        ];
        assert_eq!(sheet.rows[0].cells, expected);
        assert_eq!(sheet.width, 7);
    }

    #[test]
    fn a_shared_string_that_is_not_there_is_a_broken_sheet() {
        assert_eq!(read_sheet(&xlsx(r#"<row><c t="s"><v>7</v></c></row>"#)), Err(SheetError::DamagedSheet("S".into())));
        assert_eq!(read_sheet(&xlsx(r#"<row><c r="B0"><v>1</v></c></row>"#)), Err(SheetError::DamagedSheet("S".into())));
    }

    fn read_sheet(bytes: &[u8]) -> Result<Sheet, SheetError> {
        super::super::read(bytes, None, &Limits::DEFAULT)
    }

    #[test]
    fn cell_references() {
        assert_eq!(cell_ref("A1"), Some((0, 0)));
        assert_eq!(cell_ref("XFD1048576"), Some((1_048_575, 16383)));
        assert_eq!(cell_ref("AB12"), Some((11, 27)));
        assert_eq!(cell_ref("A0"), None);
        assert_eq!(cell_ref("ABCD1"), None);
        assert_eq!(cell_ref("A99999999999"), None);
        assert_eq!(cell_ref("12"), None);
    }
}
