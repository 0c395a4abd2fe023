//! The PDF engine: measure, wrap, justify, tables, pages, on printpdf with the bundled font.
//! It knows nothing of plans or children: documents are built from layout [`Block`]s.

pub mod fonts;
pub mod layout;
pub mod overlay;
pub mod render;

pub use fonts::Style;
pub use layout::{lay_out, mm, Align, Block, Column, LaidOut, Page, Paragraph, Picture, Placed, Rule, Run, Table, TableColumn};

pub use render::Meta;

/// Lays out `blocks` on A4 pages with Decree 30 margins, numbered from page 2, and renders the
/// PDF, titled `title` and dated now.
pub fn render(title: &str, blocks: &[Block]) -> Vec<u8> {
    render_with(&Meta::titled(title), blocks)
}

/// [`render`] with the document information given.
pub fn render_with(meta: &Meta, blocks: &[Block]) -> Vec<u8> {
    render_on(meta, Page::a4(), blocks)
}

/// [`render_with`] on pages of the given setup (A4 landscape for wide tables).
pub fn render_on(meta: &Meta, page: Page, blocks: &[Block]) -> Vec<u8> {
    render::to_pdf(meta, &lay_out(page, blocks, true))
}
