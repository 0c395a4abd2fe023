//! The PDF engine: measure, wrap, justify, tables, pages, on printpdf with the bundled font.
//! It knows nothing of plans or children: documents are built from layout [`Block`]s.

pub mod fonts;
pub mod layout;
pub mod render;

pub use fonts::Style;
pub use layout::{lay_out, mm, Align, Block, Column, LaidOut, Page, Paragraph, Picture, Placed, Rule, Run, Table, TableColumn};

/// Lays out `blocks` on A4 pages with Decree 30 margins, numbered from page 2, and renders the PDF.
pub fn render(title: &str, blocks: &[Block]) -> Vec<u8> {
    render::to_pdf(title, &lay_out(Page::a4(), blocks, true))
}
