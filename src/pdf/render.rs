//! Turning laid-out pages into PDF bytes with printpdf: the used faces embedded and subset.

use printpdf::{
    Color, Greyscale, Line, LinePoint, Mm, Op, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, RawImage,
    TextItem, TextMatrix, XObjectTransform,
};

use super::fonts::{Fonts, Style};
use super::layout::{LaidOut, Placed};

/// What a PDF says about itself in its document information.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// Title (a document's summary).
    pub title: String,
    /// Author (the ward).
    pub author: String,
    /// Creation and modification date (an issued document's date of issue).
    pub created: chrono::DateTime<chrono::Utc>,
}

impl Meta {
    /// A title, no author, made now.
    pub fn titled(title: &str) -> Meta {
        Meta { title: title.to_owned(), author: String::new(), created: chrono::Utc::now() }
    }
}

/// The producer and creator every PDF names.
pub const PRODUCER: &str = "Công tác Trẻ em";

/// Whether printpdf can decode an image (PNG) fully, as it must to embed it.
pub fn image_decodes(bytes: &[u8]) -> bool {
    RawImage::decode_from_bytes(bytes, &mut Vec::new()).is_ok()
}

/// The PDF of a laid-out document.
pub fn to_pdf(meta: &Meta, laid: &LaidOut) -> Vec<u8> {
    let fonts = Fonts::get();
    let mut doc = PdfDocument::new(&meta.title);
    // printpdf writes the dates as UTC; it would otherwise claim 01/01/1970.
    let created = printpdf::DateTime::from_unix_timestamp(meta.created.timestamp()).unwrap_or_else(|_| printpdf::DateTime::now());
    let info = &mut doc.metadata.info;
    info.author = meta.author.clone();
    info.producer = PRODUCER.to_owned();
    info.creator = PRODUCER.to_owned();
    info.creation_date = created;
    info.modification_date = created;
    info.metadata_date = created;
    let mut ids = [None, None, None, None];
    for page in &laid.pages {
        for p in page {
            if let Placed::Text { style, .. } = p {
                if ids[style.index()].is_none() {
                    ids[style.index()] = Some(doc.add_font(&fonts.face(*style).parsed));
                }
            }
        }
    }
    // Each distinct picture is embedded once, however often it is placed.
    let mut images: Vec<(std::sync::Arc<Vec<u8>>, printpdf::XObjectId, f32, f32)> = vec![];
    for page in &laid.pages {
        for p in page {
            if let Placed::Image { png, .. } = p {
                if images.iter().any(|(known, ..)| std::sync::Arc::ptr_eq(known, png)) {
                    continue;
                }
                if let Ok(raw) = RawImage::decode_from_bytes(png, &mut Vec::new()) {
                    let (w, h) = (raw.width as f32, raw.height as f32);
                    images.push((png.clone(), doc.add_image(&raw), w, h));
                }
            }
        }
    }
    let height = laid.page.height;
    let pages = laid
        .pages
        .iter()
        .map(|placed| {
            let mut ops = vec![Op::SetOutlineColor { col: Color::Greyscale(Greyscale { percent: 0.0, icc_profile: None }) }];
            for p in placed {
                if let Placed::Line { x1, y1, x2, y2, width } = p {
                    ops.push(Op::SetOutlineThickness { pt: Pt(*width) });
                    ops.push(Op::DrawLine {
                        line: Line {
                            points: vec![
                                LinePoint { p: Point { x: Pt(*x1), y: Pt(height - y1) }, bezier: false },
                                LinePoint { p: Point { x: Pt(*x2), y: Pt(height - y2) }, bezier: false },
                            ],
                            is_closed: false,
                        },
                    });
                }
            }
            for p in placed {
                if let Placed::Image { x, y, width, height: h, png } = p {
                    if let Some((_, id, pw, ph)) = images.iter().find(|(known, ..)| std::sync::Arc::ptr_eq(known, png)) {
                        ops.push(Op::UseXobject {
                            id: id.clone(),
                            transform: XObjectTransform {
                                translate_x: Some(Pt(*x)),
                                translate_y: Some(Pt(height - y - h)),
                                scale_x: Some(width / pw),
                                scale_y: Some(h / ph),
                                dpi: Some(72.0),
                                ..Default::default()
                            },
                        });
                    }
                }
            }
            ops.push(Op::StartTextSection);
            let mut current: Option<(Style, f32)> = None;
            for p in placed {
                if let Placed::Text { x, y, style, size, text } = p {
                    if current != Some((*style, *size)) {
                        if let Some(id) = &ids[style.index()] {
                            ops.push(Op::SetFont { font: PdfFontHandle::External(id.clone()), size: Pt(*size) });
                        }
                        current = Some((*style, *size));
                    }
                    ops.push(Op::SetTextMatrix { matrix: TextMatrix::Translate(Pt(*x), Pt(height - y)) });
                    ops.push(Op::ShowText { items: vec![TextItem::Text(text.clone())] });
                }
            }
            ops.push(Op::EndTextSection);
            PdfPage::new(Mm(laid.page.width * 25.4 / 72.0), Mm(height * 25.4 / 72.0), ops)
        })
        .collect();
    doc.with_pages(pages);
    let options = PdfSaveOptions { subset_fonts: true, ..PdfSaveOptions::default() };
    doc.save(&options, &mut Vec::new())
}
