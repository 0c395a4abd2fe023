//! OpenDocument spreadsheets (.ods): content.xml streamed row by row. Repeated empty rows and
//! cells (LibreOffice writes the rest of the grid as one repeated empty row) only move the
//! position; a repeated filled cell or row is laid out, and counted, copy by copy.

use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};

use super::{attr, choose, xml_part, Grid, Sheet, SheetError, Value, Zip};
use crate::limits::{Exceeded, Limits};

fn damaged<E>(_: E) -> SheetError {
    SheetError::Damaged
}

pub(super) fn read(zip: &mut Zip, wanted: Option<&str>, limits: &Limits) -> Result<Sheet, SheetError> {
    if let Some(mut manifest) = xml_part(zip, "META-INF/manifest.xml")? {
        let mut buf = Vec::new();
        loop {
            match manifest.read_event_into(&mut buf).map_err(damaged)? {
                Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"encryption-data" => return Err(SheetError::Password),
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
    }
    let mut xml = xml_part(zip, "content.xml")?.ok_or(SheetError::Damaged)?;
    let mut grid = Grid::new(limits);
    let mut names = Vec::new();
    let mut chosen: Option<String> = None;
    let mut buf = Vec::new();
    loop {
        match xml.read_event_into(&mut buf).map_err(damaged)? {
            Event::Start(e) if e.name().as_ref() == b"table:table" => {
                let name = attr(&e, b"table:name").unwrap_or_default();
                names.push(name.clone());
                let read_it = chosen.is_none() && wanted.is_none_or(|w| w == name);
                buf.clear();
                if read_it {
                    table(&mut xml, &mut grid, limits).map_err(|e| match e {
                        SheetError::Damaged => SheetError::DamagedSheet(name.clone()),
                        e => e,
                    })?;
                    chosen = Some(name);
                }
            }
            Event::Empty(e) if e.name().as_ref() == b"table:table" => names.push(attr(&e, b"table:name").unwrap_or_default()),
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    match chosen {
        Some(name) => Ok(grid.finish(names, name)),
        None => {
            choose(&names, wanted)?;
            Err(SheetError::NoSheet)
        }
    }
}

/// A repeat count: how many rows or columns an element stands for.
fn repeats(e: &BytesStart, name: &[u8]) -> Result<u32, SheetError> {
    match attr(e, name) {
        Some(n) => n.trim().parse::<u32>().map(|n| n.max(1)).map_err(damaged),
        None => Ok(1),
    }
}

/// Reads one table's cells into the grid, up to its end.
fn table<R: BufRead>(xml: &mut quick_xml::Reader<R>, grid: &mut Grid, limits: &Limits) -> Result<(), SheetError> {
    let mut buf = Vec::new();
    let mut row = 0u32;
    let mut depth = 0u32;
    loop {
        let event = xml.read_event_into(&mut buf).map_err(damaged)?;
        match event {
            Event::Start(ref e) if e.name().as_ref() == b"table:table-row" => {
                let times = repeats(e, b"table:number-rows-repeated")?;
                let mut inner = Vec::new();
                let cells = row_cells(xml, &mut inner, row, grid, limits)?;
                // The copies after the first, each counted as it is laid out; an empty row's
                // copies are only a move.
                if !cells.is_empty() {
                    for k in 1..times {
                        for (col, value) in &cells {
                            grid.put(row.saturating_add(k), *col, value.clone())?;
                        }
                    }
                }
                row = row.saturating_add(times);
            }
            Event::Empty(ref e) if e.name().as_ref() == b"table:table-row" => row = row.saturating_add(repeats(e, b"table:number-rows-repeated")?),
            Event::Start(ref e) if e.name().as_ref() == b"table:table" => depth += 1,
            Event::End(ref e) if e.name().as_ref() == b"table:table" => {
                if depth == 0 {
                    return Ok(());
                }
                depth -= 1;
            }
            Event::Eof => return Err(SheetError::Damaged),
            _ => {}
        }
        buf.clear();
    }
}

/// Reads the cells of a row into the grid at `row`, up to the row's end; gives them back for
/// the row's repeats.
fn row_cells<R: BufRead>(xml: &mut quick_xml::Reader<R>, buf: &mut Vec<u8>, row: u32, grid: &mut Grid, limits: &Limits) -> Result<Vec<(u32, Value)>, SheetError> {
    let mut cells = Vec::new();
    let mut col = 0u32;
    loop {
        let event = xml.read_event_into(buf).map_err(damaged)?;
        let (e, open) = match event {
            Event::Start(ref e) => (e.clone().into_owned(), true),
            Event::Empty(ref e) => (e.clone().into_owned(), false),
            Event::End(ref e) if e.name().as_ref() == b"table:table-row" => return Ok(cells),
            Event::Eof => return Err(SheetError::Damaged),
            _ => {
                buf.clear();
                continue;
            }
        };
        buf.clear();
        if !matches!(e.name().as_ref(), b"table:table-cell" | b"table:covered-table-cell") {
            if open {
                // Anything else in a row (a nested element we do not read) is skipped whole.
                xml.read_to_end_into(e.name(), buf).map_err(damaged)?;
                buf.clear();
            }
            continue;
        }
        let times = repeats(&e, b"table:number-columns-repeated")?;
        let value = cell_value(xml, &e, open, limits)?;
        if let Some(value) = value {
            for k in 0..times {
                let at = col.saturating_add(k);
                grid.put(row, at, value.clone())?;
                cells.push((at, value.clone()));
            }
        }
        col = col.saturating_add(times);
    }
}

/// The value of a cell from its attributes, or for text from its paragraphs (read up to the
/// cell's end when it is open); `None` when empty.
fn cell_value<R: BufRead>(xml: &mut quick_xml::Reader<R>, e: &BytesStart, open: bool, limits: &Limits) -> Result<Option<Value>, SheetError> {
    let mut value: Option<Value> = None;
    let mut is_string = false;
    for a in e.attributes() {
        let a = a.map_err(damaged)?;
        let text = || a.unescape_value().map(|v| v.into_owned()).map_err(damaged);
        match a.key.as_ref() {
            _ if value.is_some() => {}
            b"office:value" => value = Some(Value::Number(text()?.trim().parse::<f64>().ok().filter(|n| n.is_finite()).ok_or(SheetError::Damaged)?)),
            b"office:string-value" => value = Some(Value::Text(text()?)),
            b"office:date-value" => {
                let s = text()?;
                value = Some(match chrono::NaiveDate::parse_from_str(s.get(..10).unwrap_or(&s), "%Y-%m-%d") {
                    Ok(d) => Value::Date(d),
                    Err(_) => Value::Text(s),
                });
            }
            b"office:time-value" => value = Some(Value::Text(text()?)),
            b"office:boolean-value" => value = Some(Value::Bool(matches!(text()?.as_str(), "true" | "TRUE"))),
            b"office:value-type" => is_string = text()? == "string",
            _ => {}
        }
    }
    if !open {
        return Ok(value);
    }
    let mut buf = Vec::new();
    if value.is_some() || !is_string {
        xml.read_to_end_into(e.name(), &mut buf).map_err(damaged)?;
        return Ok(value);
    }
    // Text typed in the cell: its paragraphs, one per line, with their spaces.
    let (mut s, mut paragraphs, mut depth) = (String::new(), 0u32, 0u32);
    let too_long = Exceeded::TextBytes { limit: limits.max_text_bytes };
    loop {
        let event = xml.read_event_into(&mut buf).map_err(damaged)?;
        match event {
            Event::Start(ref x) | Event::Empty(ref x) if x.name().as_ref() == b"office:annotation" => {
                if matches!(event, Event::Start(_)) {
                    let name = x.name().as_ref().to_vec();
                    let mut skip = Vec::new();
                    xml.read_to_end_into(quick_xml::name::QName(&name), &mut skip).map_err(damaged)?;
                }
            }
            Event::Start(ref x) | Event::Empty(ref x) if x.name().as_ref() == b"text:p" => {
                if paragraphs > 0 {
                    s.push('\n');
                }
                paragraphs += 1;
            }
            Event::Start(ref x) | Event::Empty(ref x) if x.name().as_ref() == b"text:s" => {
                let n = match attr(x, b"text:c") {
                    Some(c) => c.trim().parse::<u64>().map_err(damaged)?,
                    None => 1,
                };
                if (s.len() as u64).saturating_add(n) > limits.max_text_bytes {
                    return Err(too_long.into());
                }
                s.extend(std::iter::repeat_n(' ', n as usize));
            }
            Event::Start(ref x) => {
                if x.name() == e.name() {
                    depth += 1;
                }
            }
            Event::End(ref x) if x.name() == e.name() => {
                if depth == 0 {
                    return Ok(Some(Value::Text(s)));
                }
                depth -= 1;
            }
            Event::Text(ref t) => s.push_str(&t.unescape().map_err(damaged)?),
            Event::Eof => return Err(SheetError::Damaged),
            _ => {}
        }
        buf.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::zipped;
    use super::*;

    fn ods(rows: &str) -> Vec<u8> {
        let content = format!(
            r#"<office:document-content xmlns:office="o" xmlns:table="t" xmlns:text="x"><office:body><office:spreadsheet><table:table table:name="A">{rows}</table:table><table:table table:name="B"/></office:spreadsheet></office:body></office:document-content>"#
        );
        zipped(&[("mimetype", "application/vnd.oasis.opendocument.spreadsheet"), ("content.xml", &content)])
    }

    #[test]
    fn repeated_empty_rows_only_move_the_position() {
        let started = std::time::Instant::now();
        let bytes = ods(r#"<table:table-row table:number-rows-repeated="4294967295"><table:table-cell table:number-columns-repeated="4294967295"/></table:table-row>"#);
        let sheet = super::super::read(&bytes, None, &Limits::DEFAULT).unwrap();
        assert!(sheet.rows.is_empty());
        assert_eq!(sheet.sheets, ["A", "B"]);
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
        // A filled cell after them is past the grid: a broken file.
        let past = ods(r#"<table:table-row table:number-rows-repeated="4294967295"/><table:table-row><table:table-cell office:value="1"/></table:table-row>"#);
        assert_eq!(super::super::read(&past, None, &Limits::DEFAULT), Err(SheetError::DamagedSheet("A".into())));
    }

    #[test]
    fn text_spaces_are_counted_as_they_are_made() {
        let limits = Limits { max_text_bytes: 1000, ..Limits::DEFAULT };
        let bytes = ods(r#"<table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="4000000000"/>b</text:p></table:table-cell></table:table-row>"#);
        assert_eq!(super::super::read(&bytes, None, &limits), Err(SheetError::Limit(Exceeded::TextBytes { limit: 1000 })));
        let bytes = ods(r#"<table:table-row><table:table-cell office:value-type="string"><text:p>a<text:s text:c="2"/>b</text:p><text:p>c</text:p></table:table-cell></table:table-row>"#);
        let sheet = super::super::read(&bytes, Some("A"), &limits).unwrap();
        assert_eq!(sheet.rows[0].cells, [(0, Value::Text("a  b\nc".into()))]);
        assert_eq!(super::super::read(&bytes, Some("C"), &limits).unwrap_err().to_string(), "Sổ tính không có trang “C”; các trang: A, B.");
    }
}
