//! Reading the paragraphs of a Word (.docx) file: the text of each `<w:p>` in document.xml.

use std::io::Read;

use quick_xml::events::Event;

use super::import::ImportError;

/// The document's paragraphs as lines of plain text.
pub fn paragraphs(bytes: &[u8]) -> Result<String, ImportError> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| ImportError::NotADocx)?;
    let mut xml = String::new();
    zip.by_name("word/document.xml").map_err(|_| ImportError::NotADocx)?.read_to_string(&mut xml).map_err(|_| ImportError::NotADocx)?;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut out = String::new();
    let mut in_text = false;
    loop {
        match reader.read_event().map_err(|_| ImportError::NotADocx)? {
            Event::Start(e) if e.name().as_ref() == b"w:t" => in_text = true,
            Event::End(e) if e.name().as_ref() == b"w:t" => in_text = false,
            Event::End(e) if e.name().as_ref() == b"w:p" => out.push('\n'),
            Event::Empty(e) if matches!(e.name().as_ref(), b"w:br" | b"w:cr") => out.push('\n'),
            Event::Empty(e) if e.name().as_ref() == b"w:tab" => out.push(' '),
            Event::Text(t) if in_text => out.push_str(&t.unescape().map_err(|_| ImportError::NotADocx)?),
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}
