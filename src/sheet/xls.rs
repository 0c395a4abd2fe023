//! Excel 97–2003 workbooks (.xls, BIFF8): the Workbook stream of the compound file, walked
//! record by record. Every length is checked against the record that holds it; the sheet's
//! DIMENSIONS record and the shared string table's declared count are not trusted for anything.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use super::{choose, is_builtin_date, is_date_format, number, Grid, Sheet, SheetError, Value};
use crate::limits::{Exceeded, Limits};

/// The first bytes of a compound file (.xls, and .xlsx encrypted with a password).
pub(super) const SIGNATURE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const CONTINUE: u16 = 0x003C;

pub(super) fn read(bytes: &[u8], wanted: Option<&str>, limits: &Limits) -> Result<Sheet, SheetError> {
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|_| SheetError::NotASpreadsheet)?;
    if file.exists("/EncryptedPackage") {
        return Err(SheetError::Password);
    }
    let name = if file.is_stream("/Workbook") {
        "/Workbook"
    } else if file.is_stream("/Book") {
        // Excel 5.0/95 and older.
        return Err(SheetError::OtherFormat);
    } else {
        return Err(SheetError::NotASpreadsheet);
    };
    let mut stream = Vec::new();
    let limit = limits.max_file_bytes;
    file.open_stream(name)
        .and_then(|s| s.take(limit.saturating_add(1)).read_to_end(&mut stream))
        .map_err(|_| SheetError::Damaged)?;
    if stream.len() as u64 > limit {
        return Err(Exceeded::FileBytes { limit }.into());
    }
    let book = globals(&stream)?;
    let names: Vec<String> = book.sheets.iter().map(|(_, n)| n.clone()).collect();
    let i = choose(&names, wanted)?;
    let name = names[i].clone();
    let mut grid = Grid::new(limits);
    match cells(&stream, book.sheets[i].0, &book, &mut grid) {
        Ok(()) => Ok(grid.finish(names, name)),
        Err(SheetError::Damaged) => Err(SheetError::DamagedSheet(name)),
        Err(e) => Err(e),
    }
}

/// One record: its type and its data, within the stream.
struct Record<'a> {
    kind: u16,
    data: &'a [u8],
}

/// The records of a stream from `at`, each within the stream or an error.
struct Records<'a> {
    stream: &'a [u8],
    at: usize,
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, SheetError>;

    fn next(&mut self) -> Option<Self::Item> {
        let header = self.stream.get(self.at..self.at.checked_add(4)?)?;
        let kind = u16::from_le_bytes([header[0], header[1]]);
        let len = usize::from(u16::from_le_bytes([header[2], header[3]]));
        let start = self.at + 4;
        match self.stream.get(start..start + len) {
            Some(data) => {
                self.at = start + len;
                Some(Ok(Record { kind, data }))
            }
            None => {
                self.at = self.stream.len();
                Some(Err(SheetError::Damaged))
            }
        }
    }
}

/// Little-endian numbers out of a record, short records refused.
fn u16_at(d: &[u8], at: usize) -> Result<u16, SheetError> {
    d.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]])).ok_or(SheetError::Damaged)
}

fn u32_at(d: &[u8], at: usize) -> Result<u32, SheetError> {
    d.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).ok_or(SheetError::Damaged)
}

fn f64_at(d: &[u8], at: usize) -> Result<f64, SheetError> {
    let b = d.get(at..at + 8).ok_or(SheetError::Damaged)?;
    Ok(f64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
}

/// What the workbook's global records say.
struct Book {
    /// Each sheet's BOF offset in the stream, and its name.
    sheets: Vec<(usize, String)>,
    /// Shared strings.
    strings: Vec<String>,
    /// For each cell format (XF), whether it shows a date.
    dates: Vec<bool>,
    is_1904: bool,
}

fn globals(stream: &[u8]) -> Result<Book, SheetError> {
    let mut records = Records { stream, at: 0 }.peekable();
    match records.next() {
        Some(Ok(r)) if r.kind == BOF && u16_at(r.data, 0)? == 0x0600 => {}
        Some(Ok(r)) if r.kind == BOF => return Err(SheetError::OtherFormat),
        _ => return Err(SheetError::NotASpreadsheet),
    }
    let mut book = Book { sheets: Vec::new(), strings: Vec::new(), dates: Vec::new(), is_1904: false };
    let mut formats: HashMap<u16, bool> = HashMap::new();
    let mut xfs: Vec<u16> = Vec::new();
    while let Some(r) = records.next() {
        let r = r?;
        match r.kind {
            EOF => break,
            // FILEPASS: encrypted.
            0x002F => return Err(SheetError::Password),
            // DATEMODE.
            0x0022 => book.is_1904 = u16_at(r.data, 0)? == 1,
            // FORMAT: a number format's code.
            0x041E => {
                let id = u16_at(r.data, 0)?;
                let (code, _) = unicode_string(r.data.get(2..).ok_or(SheetError::Damaged)?, 2)?;
                formats.insert(id, is_date_format(&code));
            }
            // XF: a cell format, by its number format.
            0x00E0 => xfs.push(u16_at(r.data, 2)?),
            // BOUNDSHEET8: a sheet, where its records start and its name.
            0x0085 => {
                let at = u32_at(r.data, 0)? as usize;
                let (name, _) = unicode_string(r.data.get(6..).ok_or(SheetError::Damaged)?, 1)?;
                book.sheets.push((at, name));
            }
            // SST: the shared strings, continued in the CONTINUE records after it.
            0x00FC => {
                let mut parts = vec![r.data];
                while let Some(Ok(next)) = records.next_if(|n| matches!(n, Ok(n) if n.kind == CONTINUE)) {
                    parts.push(next.data);
                }
                book.strings = shared_strings(&parts)?;
            }
            _ => {}
        }
    }
    book.dates = xfs.iter().map(|f| formats.get(f).copied().unwrap_or_else(|| is_builtin_date(u32::from(*f)))).collect();
    Ok(book)
}

/// An XLUnicodeString: its length (in a `len_bytes`-byte field), flags, then the characters,
/// one byte each (Latin-1) or two (UTF-16). The text and the bytes it took.
fn unicode_string(d: &[u8], len_bytes: usize) -> Result<(String, usize), SheetError> {
    let cch = if len_bytes == 1 { usize::from(*d.first().ok_or(SheetError::Damaged)?) } else { usize::from(u16_at(d, 0)?) };
    let flags = *d.get(len_bytes).ok_or(SheetError::Damaged)?;
    let start = len_bytes + 1;
    let wide = flags & 1 != 0;
    let end = start + if wide { cch * 2 } else { cch };
    let chars = d.get(start..end).ok_or(SheetError::Damaged)?;
    Ok((decode(chars, wide), end))
}

fn decode(chars: &[u8], wide: bool) -> String {
    if wide {
        char::decode_utf16(chars.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]]))).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect()
    } else {
        chars.iter().map(|&b| char::from(b)).collect()
    }
}

/// Reads across the SST record and its CONTINUE records.
struct Parts<'a> {
    parts: &'a [&'a [u8]],
    part: usize,
    at: usize,
}

impl Parts<'_> {
    fn current(&mut self) -> Option<&[u8]> {
        while self.part < self.parts.len() && self.at >= self.parts[self.part].len() {
            self.part += 1;
            self.at = 0;
        }
        self.parts.get(self.part).map(|p| &p[self.at..])
    }

    fn done(&mut self) -> bool {
        self.current().is_none()
    }

    fn bytes(&mut self, mut n: usize, out: &mut Vec<u8>) -> Result<(), SheetError> {
        while n > 0 {
            let here = self.current().ok_or(SheetError::Damaged)?;
            let take = here.len().min(n);
            out.extend_from_slice(&here[..take]);
            self.at += take;
            n -= take;
        }
        Ok(())
    }

    fn skip(&mut self, mut n: usize) -> Result<(), SheetError> {
        while n > 0 {
            let here = self.current().ok_or(SheetError::Damaged)?.len();
            let take = here.min(n);
            self.at += take;
            n -= take;
        }
        Ok(())
    }

    fn u8(&mut self) -> Result<u8, SheetError> {
        let mut b = Vec::with_capacity(1);
        self.bytes(1, &mut b)?;
        Ok(b[0])
    }

    fn u16(&mut self) -> Result<u16, SheetError> {
        let mut b = Vec::with_capacity(2);
        self.bytes(2, &mut b)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self) -> Result<u32, SheetError> {
        let mut b = Vec::with_capacity(4);
        self.bytes(4, &mut b)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// `cch` characters; where they cross into the next CONTINUE record, that record starts
    /// with a new flags byte saying whether the rest is one or two bytes a character.
    fn chars(&mut self, cch: usize, mut wide: bool) -> Result<String, SheetError> {
        let mut s = String::new();
        let mut left = cch;
        while left > 0 {
            if self.parts.get(self.part).is_some_and(|p| self.at >= p.len()) {
                // Characters that go on in the next CONTINUE record: it begins with the flags
                // of what remains, one or two bytes a character.
                self.part += 1;
                self.at = 0;
                wide = self.u8()? & 1 != 0;
            }
            let here = self.current().ok_or(SheetError::Damaged)?.len();
            let width = if wide { 2 } else { 1 };
            let fit = (here / width).min(left);
            if fit == 0 {
                return Err(SheetError::Damaged);
            }
            let mut raw = Vec::with_capacity(fit * width);
            self.bytes(fit * width, &mut raw)?;
            s.push_str(&decode(&raw, wide));
            left -= fit;
        }
        Ok(s)
    }
}

/// The shared string table. Its declared count is ignored: strings are read while bytes last.
fn shared_strings(parts: &[&[u8]]) -> Result<Vec<String>, SheetError> {
    let mut p = Parts { parts, part: 0, at: 0 };
    p.skip(8)?;
    let mut strings = Vec::new();
    while !p.done() {
        let cch = usize::from(p.u16()?);
        let flags = p.u8()?;
        let runs = if flags & 0x08 != 0 { usize::from(p.u16()?) } else { 0 };
        let ext = if flags & 0x04 != 0 { p.u32()? as usize } else { 0 };
        strings.push(p.chars(cch, flags & 1 != 0)?);
        p.skip(runs * 4)?;
        p.skip(ext)?;
    }
    Ok(strings)
}

/// An RK number: a float's top 30 bits or a 30-bit integer, perhaps divided by 100.
fn rk(v: u32) -> f64 {
    let n = if v & 2 != 0 { f64::from((v as i32) >> 2) } else { f64::from_bits(u64::from(v & 0xFFFF_FFFC) << 32) };
    if v & 1 != 0 {
        n / 100.0
    } else {
        n
    }
}

/// Reads the cells of the sheet whose BOF is at `at` into the grid.
fn cells(stream: &[u8], at: usize, book: &Book, grid: &mut Grid) -> Result<(), SheetError> {
    if at >= stream.len() {
        return Err(SheetError::Damaged);
    }
    let num = |n: f64, xf: u16| number(n, book.dates.get(usize::from(xf)).copied().unwrap_or(false), book.is_1904);
    let mut depth = 0u32;
    // Where a formula whose text follows in a STRING record stands.
    let mut pending: Option<(u32, u32)> = None;
    for r in (Records { stream, at }) {
        let r = r?;
        let d = r.data;
        let pos = || -> Result<(u32, u32), SheetError> { Ok((u32::from(u16_at(d, 0)?), u32::from(u16_at(d, 2)?))) };
        match r.kind {
            BOF => depth += 1,
            EOF => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Ok(());
                }
            }
            // Cells of an embedded chart's records are not the sheet's.
            _ if depth != 1 => {}
            // NUMBER.
            0x0203 => {
                let (row, col) = pos()?;
                grid.put(row, col, num(f64_at(d, 6)?, u16_at(d, 4)?))?;
            }
            // RK.
            0x027E => {
                let (row, col) = pos()?;
                grid.put(row, col, num(rk(u32_at(d, 6)?), u16_at(d, 4)?))?;
            }
            // MULRK: several RK cells of a row.
            0x00BD => {
                let (row, first) = pos()?;
                let entries = d.len().saturating_sub(6) / 6;
                for k in 0..entries {
                    let at = 4 + k * 6;
                    grid.put(row, first + k as u32, num(rk(u32_at(d, at + 2)?), u16_at(d, at)?))?;
                }
            }
            // LABELSST: a shared string.
            0x00FD => {
                let (row, col) = pos()?;
                let s = book.strings.get(u32_at(d, 6)? as usize).ok_or(SheetError::Damaged)?;
                grid.put(row, col, Value::Text(s.clone()))?;
            }
            // LABEL: a string in the cell.
            0x0204 => {
                let (row, col) = pos()?;
                let (s, _) = unicode_string(d.get(6..).ok_or(SheetError::Damaged)?, 2)?;
                grid.put(row, col, Value::Text(s))?;
            }
            // BOOLERR.
            0x0205 => {
                let (row, col) = pos()?;
                let (v, is_error) = (*d.get(6).ok_or(SheetError::Damaged)?, *d.get(7).ok_or(SheetError::Damaged)?);
                grid.put(row, col, if is_error != 0 { Value::Error } else { Value::Bool(v != 0) })?;
            }
            // FORMULA: its last computed value.
            0x0006 => {
                let (row, col) = pos()?;
                let v = d.get(6..14).ok_or(SheetError::Damaged)?;
                if v[6..8] == [0xFF, 0xFF] {
                    match v[0] {
                        0 => pending = Some((row, col)),
                        1 => grid.put(row, col, Value::Bool(v[2] != 0))?,
                        2 => grid.put(row, col, Value::Error)?,
                        _ => {}
                    }
                } else {
                    grid.put(row, col, num(f64_at(d, 6)?, u16_at(d, 4)?))?;
                }
            }
            // STRING: the text a formula computed.
            0x0207 => {
                if let Some((row, col)) = pending.take() {
                    let (s, _) = unicode_string(d, 2)?;
                    grid.put(row, col, Value::Text(s))?;
                }
            }
            _ => {}
        }
    }
    Err(SheetError::Damaged)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rk_numbers() {
        assert_eq!(rk((2016 << 2) | 2), 2016.0);
        assert_eq!(rk((12345 << 2) | 3), 123.45);
        assert_eq!(rk((1.5f64.to_bits() >> 32) as u32), 1.5);
    }

    #[test]
    fn shared_strings_cross_continue_records() {
        // Two strings; the second starts in the SST record and goes on, two bytes a character,
        // in a CONTINUE record that begins with its flags.
        let sst: &[u8] = &[2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, b'a', b'b', 3, 0, 0, b'c'];
        let cont: &[u8] = &[1, b'd', 0, 0xD0, 0x1E];
        assert_eq!(shared_strings(&[sst, cont]).unwrap(), ["ab", "cdỐ"]);
        assert_eq!(shared_strings(&[&sst[..12]]), Err(SheetError::Damaged));
    }
}
