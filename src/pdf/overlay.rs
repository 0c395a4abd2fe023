//! Writing a few lines onto an existing PDF's first page, at its top right, in the bundled
//! font: the lines are laid out on a page of the same size, and that page is drawn over the
//! first page as a form XObject, so the original content is left as it was. (A page turned by
//! /Rotate gets the lines at the top right of its unturned box.)

use lopdf::{dictionary, Document, Object, ObjectId, Stream};

use super::layout::{lay_out, mm, Align, Block, Page, Paragraph, Run};
use super::render::{to_pdf, Meta};

/// Why a PDF could not be written on.
#[derive(Debug, thiserror::Error)]
pub enum OverlayError {
    /// The file is not a PDF lopdf can read, or has no page.
    #[error("tệp không phải PDF đọc được, hoặc không có trang nào")]
    Unreadable,
    /// The PDF is encrypted.
    #[error("tệp PDF được đặt mật khẩu, không ghi thêm được")]
    Encrypted,
    /// Writing failed.
    #[error("không ghi được tệp PDF: {0}")]
    Write(String),
}

/// A page's attribute, its own or inherited from the page tree.
fn inherited<'a>(doc: &'a Document, page: ObjectId, key: &[u8]) -> Option<&'a Object> {
    let mut dict = doc.get_dictionary(page).ok()?;
    for _ in 0..32 {
        if let Ok(o) = dict.get(key) {
            return match o {
                Object::Reference(r) => doc.get_object(*r).ok(),
                o => Some(o),
            };
        }
        dict = doc.get_dictionary(dict.get(b"Parent").ok()?.as_reference().ok()?).ok()?;
    }
    None
}

/// The visible area of a page: its crop box, else its media box, as origin and size in points.
fn visible_box(doc: &Document, page: ObjectId) -> Option<[f32; 4]> {
    let b = inherited(doc, page, b"CropBox").or_else(|| inherited(doc, page, b"MediaBox"))?;
    let n: Vec<f32> = b.as_array().ok()?.iter().filter_map(|n| n.as_float().ok()).collect();
    (n.len() == 4).then(|| [n[0].min(n[2]), n[1].min(n[3]), (n[2] - n[0]).abs(), (n[3] - n[1]).abs()])
}

/// Writes `lines` at the top right of the first page of `pdf`, in `size` pt, `top_mm` from the
/// top edge and `right_mm` from the right.
pub fn stamp_first_page(pdf: &[u8], lines: &[String], size: f32, top_mm: f32, right_mm: f32) -> Result<Vec<u8>, OverlayError> {
    let mut doc = Document::load_mem(pdf).map_err(|_| OverlayError::Unreadable)?;
    if doc.is_encrypted() {
        return Err(OverlayError::Encrypted);
    }
    let first = *doc.get_pages().values().next().ok_or(OverlayError::Unreadable)?;
    let [x0, y0, width, height] = visible_box(&doc, first).unwrap_or([0.0, 0.0, mm(210.0), mm(297.0)]);
    // A page drawing with resources it inherits gets them as its own, so that adding the
    // stamp to them hides nothing.
    if doc.get_dictionary(first).is_ok_and(|d| !d.has(b"Resources")) {
        let resources = inherited(&doc, first, b"Resources").cloned().unwrap_or_else(|| dictionary! {}.into());
        doc.get_object_mut(first).and_then(Object::as_dict_mut).map_err(|e| OverlayError::Write(e.to_string()))?.set("Resources", resources);
    }

    // The lines on a page of the same size.
    let page = Page { width, height, top: mm(top_mm), bottom: 0.0, left: width / 3.0, right: mm(right_mm) };
    let blocks: Vec<Block> = lines
        .iter()
        .map(|l| {
            Block::Paragraph(Paragraph { align: Align::Right, first_indent: 0.0, space_after: 0.0, line_spacing: 1.0, size, ..Paragraph::body(vec![Run::regular(l.as_str())]) })
        })
        .collect();
    let drawn = to_pdf(&Meta::titled(""), &lay_out(page, &blocks, false));
    let mut over = Document::load_mem(&drawn).map_err(|e| OverlayError::Write(e.to_string()))?;
    over.renumber_objects_with(doc.max_id + 1);
    let over_page = *over.get_pages().values().next().ok_or(OverlayError::Unreadable)?;
    let content = over.get_page_content(over_page);
    let resources = over.get_dictionary(over_page).ok().and_then(|d| d.get(b"Resources").ok().cloned()).unwrap_or(Object::Dictionary(dictionary! {}));
    let max = over.max_id;
    // Only what the drawn page uses comes along: fonts and their streams.
    doc.objects.extend(over.objects.into_iter().filter(|(_, o)| !matches!(o.type_name(), Ok(b"Page" | b"Pages" | b"Catalog"))));
    doc.max_id = doc.max_id.max(max);
    let form = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), width.into(), height.into()],
            "Resources" => resources,
        },
        content,
    ));
    let name = format!("Stamp{}", form.0);
    doc.add_xobject(first, name.as_bytes(), form).map_err(|e| OverlayError::Write(e.to_string()))?;
    // Draw it in a clean graphics state, whatever the page's own content left set.
    let existing = doc.get_page_contents(first);
    let before = doc.add_object(Stream::new(dictionary! {}, b"q\n".to_vec()));
    let after = doc.add_object(Stream::new(dictionary! {}, format!("\nQ\nq 1 0 0 1 {x0} {y0} cm /{name} Do Q\n").into_bytes()));
    let mut contents: Vec<Object> = vec![before.into()];
    contents.extend(existing.into_iter().map(Object::from));
    contents.push(after.into());
    doc.get_object_mut(first).and_then(Object::as_dict_mut).map_err(|e| OverlayError::Write(e.to_string()))?.set("Contents", contents);
    doc.prune_objects();
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| OverlayError::Write(e.to_string()))?;
    Ok(out)
}
