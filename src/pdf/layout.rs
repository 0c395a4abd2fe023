//! Layout: blocks (paragraphs, tables, columns, rules) flowed onto pages, measured with the
//! fonts' own metrics. The result is a list of placed pieces per page, ready to render.

use super::fonts::{Fonts, Style};

/// Millimetres to points.
pub fn mm(v: f32) -> f32 {
    v * 72.0 / 25.4
}

/// A page: size and margins in points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Page {
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
    /// Top margin.
    pub top: f32,
    /// Bottom margin.
    pub bottom: f32,
    /// Left margin.
    pub left: f32,
    /// Right margin.
    pub right: f32,
}

impl Page {
    /// A4 portrait with the margins of Decree 30/2020 (top and bottom 20 mm, left 30 mm, right 15 mm).
    pub fn a4() -> Page {
        Page { width: mm(210.0), height: mm(297.0), top: mm(20.0), bottom: mm(20.0), left: mm(30.0), right: mm(15.0) }
    }

    /// A4 landscape, for documents made of wide tables (Decree 30 allows it), with the same
    /// margins.
    pub fn a4_landscape() -> Page {
        Page { width: mm(297.0), height: mm(210.0), ..Page::a4() }
    }

    /// Width of the text area.
    pub fn content_width(&self) -> f32 {
        self.width - self.left - self.right
    }

    /// Height of the text area.
    pub fn content_height(&self) -> f32 {
        self.height - self.top - self.bottom
    }
}

/// A stretch of text in one style.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// Text (NFC); "\n" breaks the line.
    pub text: String,
    /// Style.
    pub style: Style,
}

impl Run {
    /// A run.
    pub fn new(text: impl Into<String>, style: Style) -> Run {
        Run { text: crate::text::nfc_keep_spaces(&text.into()), style }
    }
    /// Regular text.
    pub fn regular(text: impl Into<String>) -> Run {
        Run::new(text, Style::Regular)
    }
    /// Bold text.
    pub fn bold(text: impl Into<String>) -> Run {
        Run::new(text, Style::Bold)
    }
    /// Italic text.
    pub fn italic(text: impl Into<String>) -> Run {
        Run::new(text, Style::Italic)
    }
}

/// Horizontal alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// Left.
    Left,
    /// Centre.
    Center,
    /// Right.
    Right,
    /// Both edges, the last line left.
    #[default]
    Justify,
}

/// A paragraph.
#[derive(Debug, Clone, PartialEq)]
pub struct Paragraph {
    /// Its runs.
    pub runs: Vec<Run>,
    /// Font size in points.
    pub size: f32,
    /// Alignment.
    pub align: Align,
    /// Indent of the first line.
    pub first_indent: f32,
    /// Indent of every line from the left.
    pub indent: f32,
    /// Space above.
    pub space_before: f32,
    /// Space below.
    pub space_after: f32,
    /// Line spacing (1.0 single).
    pub line_spacing: f32,
    /// Never end a page right after this paragraph (headings).
    pub keep_with_next: bool,
    /// Make the lines about equally long (centred titles), not a full line and a stub.
    pub balance: bool,
}

impl Paragraph {
    /// A body paragraph: 14 pt, justified, first line indented 1.27 cm, 6 pt after.
    pub fn body(runs: Vec<Run>) -> Paragraph {
        Paragraph {
            runs,
            size: 14.0,
            align: Align::Justify,
            first_indent: mm(12.7),
            indent: 0.0,
            space_before: 0.0,
            space_after: 6.0,
            line_spacing: 1.05,
            keep_with_next: false,
            balance: false,
        }
    }

    /// A line centred, no indent; when it takes more than one line, the lines are balanced
    /// (a title never leaves a lone word on its last line).
    pub fn centered(runs: Vec<Run>, size: f32) -> Paragraph {
        Paragraph { size, align: Align::Center, first_indent: 0.0, space_after: 0.0, balance: true, ..Paragraph::body(runs) }
    }

    /// Sets the size.
    pub fn size(mut self, size: f32) -> Self {
        self.size = size;
        self
    }
    /// Sets the alignment.
    pub fn align(mut self, align: Align) -> Self {
        self.align = align;
        self
    }
    /// Sets the space before and after.
    pub fn spacing(mut self, before: f32, after: f32) -> Self {
        self.space_before = before;
        self.space_after = after;
        self
    }
    /// Sets the first-line indent.
    pub fn first_indent(mut self, v: f32) -> Self {
        self.first_indent = v;
        self
    }
    /// Keeps it on the page of the next block.
    pub fn keep_with_next(mut self) -> Self {
        self.keep_with_next = true;
        self
    }

    fn line_height(&self) -> f32 {
        self.size * 1.15 * self.line_spacing
    }
}

/// How wide a table column is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColumnWidth {
    /// Sized from its content.
    Auto,
    /// Fixed, in points.
    Fixed(f32),
}

/// A table column.
#[derive(Debug, Clone, PartialEq)]
pub struct TableColumn {
    /// Header text.
    pub header: String,
    /// Width.
    pub width: ColumnWidth,
    /// Alignment of its cells.
    pub align: Align,
}

impl TableColumn {
    /// A column sized from its content.
    pub fn auto(header: &str, align: Align) -> TableColumn {
        TableColumn { header: header.to_owned(), width: ColumnWidth::Auto, align }
    }
    /// A column of a fixed width in millimetres (a signature column).
    pub fn fixed_mm(header: &str, width: f32, align: Align) -> TableColumn {
        TableColumn { header: header.to_owned(), width: ColumnWidth::Fixed(mm(width)), align }
    }
}

/// A table whose header repeats on every page and whose rows never split a line across pages.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Columns.
    pub columns: Vec<TableColumn>,
    /// Rows of cells, each cell a list of runs.
    pub rows: Vec<Vec<Vec<Run>>>,
    /// Font size.
    pub size: f32,
    /// Least height of a row (room to sign in).
    pub min_row_height: f32,
}

/// A horizontal rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Length in points.
    pub length: f32,
    /// Space above.
    pub space_before: f32,
    /// Space below.
    pub space_after: f32,
}

/// A PNG image placed at a size, its left edge `dx` from the centre of its column.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    /// The PNG file.
    pub png: std::sync::Arc<Vec<u8>>,
    /// Width in points.
    pub width: f32,
    /// Height in points.
    pub height: f32,
    /// Offset of the left edge from the column's centre.
    pub dx: f32,
    /// Offset of the top edge from the top of the block.
    pub dy: f32,
}

impl Picture {
    /// Width and height in pixels from a PNG header, if it is one.
    pub fn png_size(png: &[u8]) -> Option<(u32, u32)> {
        if png.len() < 24 || &png[..8] != b"\x89PNG\r\n\x1a\n" {
            return None;
        }
        let w = u32::from_be_bytes(png[16..20].try_into().ok()?);
        let h = u32::from_be_bytes(png[20..24].try_into().ok()?);
        (w > 0 && h > 0).then_some((w, h))
    }
}

/// A column of a side-by-side row (the document header, the signature row).
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Share of the width (all shares add to 1).
    pub share: f32,
    /// Its blocks, laid out without page breaks.
    pub blocks: Vec<Block>,
}

/// What documents are made of.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph.
    Paragraph(Paragraph),
    /// A table.
    Table(Table),
    /// Columns side by side, kept on one page.
    Columns(Vec<Column>),
    /// A rule centred in its column.
    Rule(Rule),
    /// Vertical space.
    Space(f32),
    /// Blocks that stay on one page (the signature block).
    KeepTogether(Vec<Block>),
    /// Pictures sharing a band of the given height (a seal over a signature).
    Pictures {
        /// Height of the band.
        height: f32,
        /// The pictures, placed within it.
        pictures: Vec<Picture>,
    },
    /// Start a new page.
    PageBreak,
}

/// A piece placed on a page; y is measured down from the top of the page.
#[derive(Debug, Clone, PartialEq)]
pub enum Placed {
    /// Text with its baseline at (x, y).
    Text {
        /// Left.
        x: f32,
        /// Baseline.
        y: f32,
        /// Style.
        style: Style,
        /// Size.
        size: f32,
        /// Text.
        text: String,
    },
    /// A PNG image; (x, y) is its top-left corner.
    Image {
        /// Left.
        x: f32,
        /// Top.
        y: f32,
        /// Width.
        width: f32,
        /// Height.
        height: f32,
        /// The PNG file.
        png: std::sync::Arc<Vec<u8>>,
    },
    /// A straight line.
    Line {
        /// Start x.
        x1: f32,
        /// Start y.
        y1: f32,
        /// End x.
        x2: f32,
        /// End y.
        y2: f32,
        /// Thickness.
        width: f32,
    },
}

impl Placed {
    fn shifted(mut self, dx: f32, dy: f32) -> Placed {
        match &mut self {
            Placed::Text { x, y, .. } => {
                *x += dx;
                *y += dy;
            }
            Placed::Image { x, y, .. } => {
                *x += dx;
                *y += dy;
            }
            Placed::Line { x1, y1, x2, y2, .. } => {
                *x1 += dx;
                *x2 += dx;
                *y1 += dy;
                *y2 += dy;
            }
        }
        self
    }
}

// ---------------------------------------------------------------------------------------------
// Line breaking

#[derive(Debug, Clone)]
struct Word {
    pieces: Vec<(Style, String)>,
    width: f32,
    space: f32,
    break_after: bool,
}

/// A line of words with its natural width.
#[derive(Debug, Clone)]
struct Line {
    words: Vec<Word>,
    width: f32,
    last: bool,
}

fn words(runs: &[Run], size: f32) -> Vec<Word> {
    let fonts = Fonts::get();
    let mut out = Vec::new();
    let mut cur = Word { pieces: vec![], width: 0.0, space: 0.0, break_after: false };
    let finish = |cur: &mut Word, out: &mut Vec<Word>, space: f32, hard: bool| {
        if !cur.pieces.is_empty() {
            cur.space = space;
            cur.break_after = hard;
            cur.width = cur.pieces.iter().map(|(s, t)| fonts.width(*s, t, size)).sum();
            out.push(std::mem::replace(cur, Word { pieces: vec![], width: 0.0, space: 0.0, break_after: false }));
        } else if hard {
            if let Some(last) = out.last_mut() {
                last.break_after = true;
            }
        }
    };
    for run in runs {
        for c in run.text.chars() {
            match c {
                ' ' | '\t' => finish(&mut cur, &mut out, fonts.width(run.style, " ", size), false),
                '\n' => finish(&mut cur, &mut out, 0.0, true),
                c => match cur.pieces.last_mut() {
                    Some((s, t)) if *s == run.style => t.push(c),
                    _ => cur.pieces.push((run.style, c.to_string())),
                },
            }
        }
    }
    finish(&mut cur, &mut out, 0.0, false);
    bind_dashes(out)
}

/// A dash standing alone ("2022 - 2025") stays with the word after it: a line never ends on it.
fn bind_dashes(words: Vec<Word>) -> Vec<Word> {
    let mut out: Vec<Word> = Vec::with_capacity(words.len());
    let mut carry: Option<Word> = None;
    for w in words {
        let w = match carry.take() {
            Some(mut dash) => {
                let style = dash.pieces.last().map(|p| p.0).unwrap_or_default();
                dash.pieces.push((style, " ".into()));
                dash.width += dash.space + w.width;
                dash.pieces.extend(w.pieces);
                dash.space = w.space;
                dash.break_after = w.break_after;
                dash
            }
            None => w,
        };
        let lone_dash = matches!(w.pieces.as_slice(), [(_, t)] if t == "-" || t == "–");
        if lone_dash && !w.break_after {
            carry = Some(w);
        } else {
            out.push(w);
        }
    }
    out.extend(carry);
    out
}

/// Splits a word wider than the line into pieces that fit.
fn split_long(word: Word, width: f32, size: f32) -> Vec<Word> {
    let fonts = Fonts::get();
    let mut out = vec![];
    let mut cur = Word { pieces: vec![], width: 0.0, space: 0.0, break_after: false };
    for (style, text) in word.pieces {
        for c in text.chars() {
            let w = fonts.width(style, c.encode_utf8(&mut [0; 4]), size);
            if cur.width + w > width && !cur.pieces.is_empty() {
                out.push(std::mem::replace(&mut cur, Word { pieces: vec![], width: 0.0, space: 0.0, break_after: false }));
            }
            match cur.pieces.last_mut() {
                Some((s, t)) if *s == style => t.push(c),
                _ => cur.pieces.push((style, c.to_string())),
            }
            cur.width += w;
        }
    }
    cur.space = word.space;
    cur.break_after = word.break_after;
    out.push(cur);
    out
}

fn break_lines(runs: &[Run], size: f32, width: f32, first_indent: f32) -> Vec<Line> {
    let mut lines = vec![];
    let mut cur: Vec<Word> = vec![];
    let mut cur_width = 0.0f32;
    let avail = |lines: &Vec<Line>| if lines.is_empty() { width - first_indent } else { width };
    let mut queue: std::collections::VecDeque<Word> = words(runs, size).into();
    while let Some(word) = queue.pop_front() {
        let room = avail(&lines);
        if word.width > room && cur.is_empty() {
            let mut parts = split_long(word, room, size);
            let rest = parts.split_off(1);
            for p in rest.into_iter().rev() {
                queue.push_front(p);
            }
            let first = parts.remove(0);
            lines.push(Line { width: first.width, words: vec![first], last: false });
            continue;
        }
        let gap = cur.last().map(|w| w.space).unwrap_or(0.0);
        if !cur.is_empty() && cur_width + gap + word.width > room {
            lines.push(Line { words: std::mem::take(&mut cur), width: cur_width, last: false });
            cur_width = 0.0;
            queue.push_front(word);
            continue;
        }
        cur_width += gap + word.width;
        let hard = word.break_after;
        cur.push(word);
        if hard {
            lines.push(Line { words: std::mem::take(&mut cur), width: cur_width, last: true });
            cur_width = 0.0;
        }
    }
    if !cur.is_empty() {
        lines.push(Line { words: cur, width: cur_width, last: true });
    }
    if let Some(l) = lines.last_mut() {
        l.last = true;
    }
    lines
}

/// The lines of a paragraph; a balanced one is broken at the narrowest width that needs no
/// more lines than the full width does.
fn balanced_lines(p: &Paragraph, width: f32) -> Vec<Line> {
    let lines = break_lines(&p.runs, p.size, width, p.first_indent);
    if !p.balance || lines.len() < 2 {
        return lines;
    }
    let (mut lo, mut hi) = (width / 2.0, width);
    while hi - lo > 1.0 {
        let mid = (lo + hi) / 2.0;
        if break_lines(&p.runs, p.size, mid, p.first_indent).len() <= lines.len() {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    break_lines(&p.runs, p.size, hi, p.first_indent)
}

/// Places one line's words; `top` is the top of the line box.
fn place_line(line: &Line, x0: f32, width: f32, top: f32, size: f32, line_height: f32, align: Align, out: &mut Vec<Placed>) {
    let baseline = top + (line_height - size * 1.107) / 2.0 + size * 0.891;
    let free = (width - line.width).max(0.0);
    let (mut x, extra) = match align {
        Align::Left => (x0, 0.0),
        Align::Center => (x0 + free / 2.0, 0.0),
        Align::Right => (x0 + free, 0.0),
        Align::Justify if line.last || line.words.len() < 2 => (x0, 0.0),
        Align::Justify => (x0, free / (line.words.len() - 1) as f32),
    };
    let fonts = Fonts::get();
    let n = line.words.len();
    // Without extra spacing, a style's consecutive words go out as one piece of text.
    let mut pending: Option<(f32, Style, String)> = None;
    for (i, w) in line.words.iter().enumerate() {
        let trailing = if i + 1 < n { " " } else { "" };
        for (j, (style, text)) in w.pieces.iter().enumerate() {
            let piece_text = if j + 1 == w.pieces.len() { format!("{text}{trailing}") } else { text.clone() };
            match &mut pending {
                Some((_, s, t)) if *s == *style && extra == 0.0 => t.push_str(&piece_text),
                _ => {
                    if let Some((px, s, t)) = pending.take() {
                        out.push(Placed::Text { x: px, y: baseline, style: s, size, text: t });
                    }
                    pending = Some((x, *style, piece_text));
                }
            }
            x += fonts.width(*style, text, size);
        }
        x += w.space + extra;
        if extra != 0.0 {
            if let Some((px, s, t)) = pending.take() {
                out.push(Placed::Text { x: px, y: baseline, style: s, size, text: t });
            }
        }
    }
    if let Some((px, s, t)) = pending {
        out.push(Placed::Text { x: px, y: baseline, style: s, size, text: t });
    }
}

// ---------------------------------------------------------------------------------------------
// Flowing blocks onto pages

/// The laid-out document: placed pieces per page.
#[derive(Debug, Clone)]
pub struct LaidOut {
    /// The page setup.
    pub page: Page,
    /// Pieces per page.
    pub pages: Vec<Vec<Placed>>,
}

/// A region text flows into: a width, and a height after which a new page starts (or none).
struct Flow {
    x0: f32,
    width: f32,
    limit: Option<f32>,
    y: f32,
    pages: Vec<Vec<Placed>>,
}

impl Flow {
    fn new(x0: f32, width: f32, limit: Option<f32>) -> Flow {
        Flow { x0, width, limit, y: 0.0, pages: vec![vec![]] }
    }

    fn remaining(&self) -> f32 {
        self.limit.map(|l| l - self.y).unwrap_or(f32::INFINITY)
    }

    fn at_top(&self) -> bool {
        self.y <= 0.01
    }

    fn new_page(&mut self) {
        self.pages.push(vec![]);
        self.y = 0.0;
    }

    fn push(&mut self, p: Placed) {
        self.pages.last_mut().expect("a page").push(p);
    }

    fn blocks(&mut self, blocks: &[Block]) {
        for (i, b) in blocks.iter().enumerate() {
            if let Block::Paragraph(p) = b {
                if p.keep_with_next && self.limit.is_some() {
                    // A run of headings stays with each other and with the start of the text.
                    let mut need = self.paragraph_height(p);
                    for next in &blocks[i + 1..] {
                        match next {
                            Block::Paragraph(n) if n.keep_with_next => need += self.paragraph_height(n),
                            other => {
                                need += self.start_height(other);
                                break;
                            }
                        }
                    }
                    if need > self.remaining() && !self.at_top() {
                        self.new_page();
                    }
                }
            }
            match b {
                Block::Table(t) => {
                    let tail = self.table_tail(&blocks[i + 1..]);
                    self.table(t, tail);
                }
                b => self.block(b),
            }
        }
    }

    /// What the end of a table keeps on its page: the kept block (the signatures) that follows
    /// it, with at most two short blocks between (the total in words, a space).
    fn table_tail(&self, after: &[Block]) -> f32 {
        let Some(end) = after.iter().take(3).position(|b| matches!(b, Block::KeepTogether(_))) else { return 0.0 };
        let short = after[..end].iter().all(|b| matches!(b, Block::Paragraph(_) | Block::Space(_)));
        let h = self.measure(&after[..=end]);
        match self.limit {
            Some(limit) if short && h <= limit / 2.0 => h,
            _ => 0.0,
        }
    }

    fn paragraph_height(&self, p: &Paragraph) -> f32 {
        let lines = balanced_lines(p, self.width - p.indent);
        p.space_before + lines.len() as f32 * p.line_height() + p.space_after
    }

    /// Height the start of a block needs (for keep-with-next): two lines, a header and a row.
    fn start_height(&self, b: &Block) -> f32 {
        match b {
            Block::Paragraph(p) => p.space_before + 2.0 * p.line_height(),
            Block::Table(t) => 3.0 * t.size * 1.15 + 12.0,
            other => self.measure(std::slice::from_ref(other)),
        }
    }

    /// Height of blocks laid out without page breaks.
    fn measure(&self, blocks: &[Block]) -> f32 {
        let mut f = Flow::new(0.0, self.width, None);
        f.blocks(blocks);
        f.y
    }

    fn block(&mut self, b: &Block) {
        match b {
            Block::Paragraph(p) => self.paragraph(p),
            Block::Table(t) => self.table(t, 0.0),
            Block::Columns(cols) => self.columns(cols),
            Block::Rule(r) => {
                let x = self.x0 + (self.width - r.length.min(self.width)) / 2.0;
                let y = self.y + r.space_before;
                self.push(Placed::Line { x1: x, y1: y, x2: x + r.length.min(self.width), y2: y, width: 0.6 });
                self.y = y + r.space_after;
            }
            Block::Space(h) => {
                if self.remaining() < *h {
                    self.new_page();
                } else {
                    self.y += h;
                }
            }
            Block::KeepTogether(blocks) => {
                let h = self.measure(blocks);
                if h > self.remaining() && !self.at_top() && self.limit.is_some_and(|l| h <= l) {
                    self.new_page();
                }
                self.blocks(blocks);
            }
            Block::PageBreak => {
                if self.limit.is_some() {
                    self.new_page();
                }
            }
            Block::Pictures { height, pictures } => {
                if self.remaining() < *height && !self.at_top() {
                    self.new_page();
                }
                let centre = self.x0 + self.width / 2.0;
                for p in pictures {
                    let placed = Placed::Image { x: centre + p.dx, y: self.y + p.dy, width: p.width, height: p.height, png: p.png.clone() };
                    self.push(placed);
                }
                self.y += height;
            }
        }
    }

    fn paragraph(&mut self, p: &Paragraph) {
        let lh = p.line_height();
        let lines = balanced_lines(p, self.width - p.indent);
        if self.remaining() < p.space_before + lh && !self.at_top() {
            self.new_page();
        }
        if !self.at_top() {
            self.y += p.space_before;
        }
        for (i, line) in lines.iter().enumerate() {
            if self.remaining() < lh && !self.at_top() {
                self.new_page();
            }
            let indent = p.indent + if i == 0 { p.first_indent } else { 0.0 };
            let mut out = vec![];
            place_line(line, self.x0 + indent, self.width - indent, self.y, p.size, lh, p.align, &mut out);
            for o in out {
                self.push(o);
            }
            self.y += lh;
        }
        self.y += p.space_after;
    }

    fn columns(&mut self, cols: &[Column]) {
        let mut x = self.x0;
        let mut laid = vec![];
        let mut height = 0.0f32;
        for c in cols {
            let w = self.width * c.share;
            let mut f = Flow::new(x, w, None);
            f.blocks(&c.blocks);
            height = height.max(f.y);
            laid.push(f.pages.into_iter().flatten().collect::<Vec<_>>());
            x += w;
        }
        if height > self.remaining() && !self.at_top() {
            self.new_page();
        }
        let dy = self.y;
        for p in laid.into_iter().flatten() {
            self.push(p.shifted(0.0, dy));
        }
        self.y += height;
    }

    /// Lays out a table; its last rows stay on one page with the `tail` height that follows.
    fn table(&mut self, t: &Table, tail: f32) {
        /// The rows kept with what follows: the last row and the totals under it.
        const KEPT_ROWS: usize = 2;
        const PAD: f32 = 3.0;
        let widths = column_widths(t, self.width, PAD);
        let lh = t.size * 1.15;
        let header: Vec<Vec<Line>> = t
            .columns
            .iter()
            .zip(&widths)
            .map(|(c, w)| break_lines(&[Run::bold(c.header.clone())], t.size, w - 2.0 * PAD, 0.0))
            .collect();
        let header_h = header.iter().map(Vec::len).max().unwrap_or(1) as f32 * lh + 2.0 * PAD;
        let rows: Vec<Vec<Vec<Line>>> = t
            .rows
            .iter()
            .map(|r| r.iter().zip(&widths).map(|(cell, w)| break_lines(cell, t.size, w - 2.0 * PAD, 0.0)).collect())
            .collect();
        let draw_row = |flow: &mut Flow, cells: &[Vec<Line>], from: usize, to: usize, h: f32, header: bool| {
            let top = flow.y;
            let mut x = flow.x0;
            for (i, (lines, w)) in cells.iter().zip(&widths).enumerate() {
                let align = if header { Align::Center } else { t.columns[i].align };
                let mut out = vec![];
                for (k, line) in lines.iter().enumerate().skip(from).take(to.saturating_sub(from)) {
                    place_line(line, x + PAD, w - 2.0 * PAD, top + PAD + (k - from) as f32 * lh, t.size, lh, align, &mut out);
                }
                for o in out {
                    flow.push(o);
                }
                x += w;
            }
            // The grid: top, bottom and every vertical.
            let right = flow.x0 + widths.iter().sum::<f32>();
            flow.push(Placed::Line { x1: flow.x0, y1: top, x2: right, y2: top, width: 0.5 });
            flow.push(Placed::Line { x1: flow.x0, y1: top + h, x2: right, y2: top + h, width: 0.5 });
            let mut vx = flow.x0;
            for w in std::iter::once(&0.0).chain(widths.iter()) {
                vx += w;
                flow.push(Placed::Line { x1: vx, y1: top, x2: vx, y2: top + h, width: 0.5 });
            }
            flow.y += h;
        };
        let start_page = |flow: &mut Flow| {
            draw_row(flow, &header, 0, usize::MAX, header_h, true);
        };
        let heights: Vec<f32> = rows.iter().map(|cells| (cells.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * lh + 2.0 * PAD).max(t.min_row_height)).collect();
        let full = self.limit.map(|l| l - header_h).unwrap_or(f32::INFINITY);
        let kept_from = rows.len().saturating_sub(KEPT_ROWS);
        let end_height = heights[kept_from..].iter().sum::<f32>() + 6.0 + tail;
        let keep_end = tail > 0.0 && end_height <= full;
        let short_table = kept_from == 0 && keep_end;
        let first_row = heights.first().copied().unwrap_or(lh + 2.0 * PAD).min(full);
        if (self.remaining() < header_h + first_row || (short_table && self.remaining() < header_h + end_height)) && !self.at_top() {
            self.new_page();
        }
        start_page(self);
        for (j, cells) in rows.iter().enumerate() {
            let n = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let h = heights[j];
            if j == kept_from && j > 0 && keep_end && end_height > self.remaining() {
                self.new_page();
                start_page(self);
            }
            if h <= self.remaining() {
                draw_row(self, cells, 0, n, h, false);
                continue;
            }
            if h <= full {
                self.new_page();
                start_page(self);
                draw_row(self, cells, 0, n, h, false);
                continue;
            }
            // Taller than a page: split between lines, never inside one.
            let mut from = 0;
            while from < n {
                let fit = (((self.remaining() - 2.0 * PAD) / lh).floor() as usize).max(1).min(n - from);
                draw_row(self, cells, from, from + fit, fit as f32 * lh + 2.0 * PAD, false);
                from += fit;
                if from < n {
                    self.new_page();
                    start_page(self);
                }
            }
        }
        self.y += 6.0;
    }
}

/// Column widths: fixed ones as given; the others get at least their longest word and share the
/// rest in proportion to how much text they hold.
fn column_widths(t: &Table, width: f32, pad: f32) -> Vec<f32> {
    let fonts = Fonts::get();
    let fixed: f32 = t.columns.iter().map(|c| if let ColumnWidth::Fixed(w) = c.width { w } else { 0.0 }).sum();
    let mut min = vec![0.0f32; t.columns.len()];
    let mut max = vec![0.0f32; t.columns.len()];
    let mut measure = |i: usize, runs: &[Run]| {
        for w in words(runs, t.size) {
            min[i] = min[i].max(w.width + 2.0 * pad);
        }
        let natural: f32 = runs.iter().map(|r| fonts.width(r.style, &r.text, t.size)).sum();
        max[i] = max[i].max(natural + 2.0 * pad);
    };
    for (i, c) in t.columns.iter().enumerate() {
        measure(i, &[Run::bold(c.header.clone())]);
    }
    for row in &t.rows {
        for (i, cell) in row.iter().enumerate().take(t.columns.len()) {
            measure(i, cell);
        }
    }
    let auto: Vec<usize> = (0..t.columns.len()).filter(|&i| t.columns[i].width == ColumnWidth::Auto).collect();
    let avail = (width - fixed).max(0.0);
    let sum_min: f32 = auto.iter().map(|&i| min[i]).sum();
    let sum_max: f32 = auto.iter().map(|&i| max[i]).sum();
    let mut out: Vec<f32> = t.columns.iter().map(|c| if let ColumnWidth::Fixed(w) = c.width { w } else { 0.0 }).collect();
    if sum_max <= avail {
        // Everything fits on one line: share the spare room in proportion.
        for &i in &auto {
            out[i] = max[i] * avail / sum_max.max(1.0);
        }
    } else if sum_min >= avail {
        for &i in &auto {
            out[i] = min[i] * avail / sum_min.max(1.0);
        }
    } else {
        // Columns narrower than a fair share get all they want (one line each); the rest
        // share what is left between their least and their natural widths.
        let mut open: Vec<usize> = auto.clone();
        let mut room = avail;
        loop {
            let fair = room / open.len().max(1) as f32;
            let (small, big): (Vec<usize>, Vec<usize>) = open.iter().partition(|&&i| max[i] <= fair);
            if small.is_empty() {
                break;
            }
            for &i in &small {
                out[i] = max[i];
                room -= max[i];
            }
            open = big;
        }
        let open_min: f32 = open.iter().map(|&i| min[i]).sum();
        let spare = (room - open_min).max(0.0);
        let want: f32 = open.iter().map(|&i| max[i] - min[i]).sum();
        for &i in &open {
            out[i] = min[i] + spare * (max[i] - min[i]) / want.max(1.0);
        }
    }
    out
}

/// Lays out blocks on pages; with `page_numbers`, numbers pages from 2 at the top centre.
pub fn lay_out(page: Page, blocks: &[Block], page_numbers: bool) -> LaidOut {
    let mut flow = Flow::new(page.left, page.content_width(), Some(page.content_height()));
    flow.blocks(blocks);
    let mut pages: Vec<Vec<Placed>> =
        flow.pages.into_iter().map(|p| p.into_iter().map(|x| x.shifted(0.0, page.top)).collect()).collect();
    if pages.len() > 1 && pages.last().is_some_and(|p| p.is_empty()) {
        pages.pop();
    }
    if page_numbers {
        let fonts = Fonts::get();
        for (i, p) in pages.iter_mut().enumerate().skip(1) {
            let text = (i + 1).to_string();
            let w = fonts.width(Style::Regular, &text, 13.0);
            p.push(Placed::Text { x: (page.width - w) / 2.0, y: page.top * 0.6, style: Style::Regular, size: 13.0, text });
        }
    }
    LaidOut { page, pages }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(p: &[Placed]) -> Vec<(f32, f32, String)> {
        p.iter()
            .filter_map(|x| match x {
                Placed::Text { x, y, text, .. } => Some((*x, *y, text.clone())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn lines_wrap_at_the_measured_width() {
        let size = 14.0;
        let text = "Triển khai kịp thời, đầy đủ và có hiệu quả về công tác trẻ em trên địa bàn phường.";
        let width = 200.0;
        let lines = break_lines(&[Run::regular(text)], size, width, 0.0);
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(l.width <= width + 0.01, "{} > {width}", l.width);
        }
        // Each line (but the last) is full: the next word would not have fitted.
        let fonts = Fonts::get();
        for pair in lines.windows(2) {
            let next = &pair[1].words[0];
            let space = fonts.width(Style::Regular, " ", size);
            assert!(pair[0].width + space + next.width > width);
        }
        let joined: Vec<String> = lines.iter().flat_map(|l| l.words.iter().map(|w| w.pieces[0].1.clone())).collect();
        assert_eq!(joined.join(" "), text);
    }

    #[test]
    fn a_word_longer_than_the_line_is_broken() {
        let word = "x".repeat(300);
        let lines = break_lines(&[Run::regular(word.clone())], 12.0, 100.0, 0.0);
        assert!(lines.len() > 5);
        assert!(lines.iter().all(|l| l.width <= 100.0 + 0.01));
        let total: usize = lines.iter().flat_map(|l| &l.words).flat_map(|w| &w.pieces).map(|p| p.1.chars().count()).sum();
        assert_eq!(total, 300);
    }

    #[test]
    fn justified_lines_end_at_the_right_edge() {
        let text = "Tăng cường tuyên truyền phòng, chống tai nạn, thương tích, đuối nước, bạo lực, xâm hại trẻ em và các hình thức bạo lực.";
        let p = Paragraph::body(vec![Run::regular(text)]).first_indent(0.0);
        let laid = lay_out(Page::a4(), &[Block::Paragraph(p)], false);
        let t = texts(&laid.pages[0]);
        let fonts = Fonts::get();
        let right = Page::a4().left + Page::a4().content_width();
        let first_line_y = t[0].1;
        let last_on_first = t.iter().filter(|x| x.1 == first_line_y).last().unwrap();
        let end = last_on_first.0 + fonts.width(Style::Regular, last_on_first.2.trim_end(), 14.0);
        assert!((end - right).abs() < 0.5, "{end} vs {right}");
    }

    #[test]
    fn bold_runs_keep_their_style_inside_a_paragraph() {
        let p = Paragraph::body(vec![Run::regular("chủ đề: "), Run::bold("“Hành động thiết thực”"), Run::regular(" và")]);
        let laid = lay_out(Page::a4(), &[Block::Paragraph(p)], false);
        let styles: Vec<Style> = laid.pages[0]
            .iter()
            .filter_map(|x| if let Placed::Text { style, .. } = x { Some(*style) } else { None })
            .collect();
        assert!(styles.contains(&Style::Bold) && styles.contains(&Style::Regular));
    }

    fn long_table(rows: usize) -> Table {
        Table {
            columns: vec![TableColumn::auto("STT", Align::Center), TableColumn::auto("Họ và tên", Align::Left), TableColumn::fixed_mm("Ký nhận", 30.0, Align::Left)],
            rows: (1..=rows).map(|i| vec![vec![Run::regular(i.to_string())], vec![Run::regular(format!("Nguyễn Văn Người Thứ {i}"))], vec![]]).collect(),
            size: 13.0,
            min_row_height: 24.0,
        }
    }

    #[test]
    fn table_header_repeats_on_every_page_and_pages_are_numbered() {
        let laid = lay_out(Page::a4(), &[Block::Table(long_table(120))], true);
        assert!(laid.pages.len() >= 4, "{}", laid.pages.len());
        for (i, page) in laid.pages.iter().enumerate() {
            let t = texts(page);
            assert!(t.iter().any(|x| x.2.starts_with("Họ và tên")), "header on page {}", i + 1);
            let numbered = t.iter().any(|x| x.2 == (i + 1).to_string() && x.1 < Page::a4().top);
            assert_eq!(numbered, i > 0, "page number on page {}", i + 1);
        }
        // Every row is there once.
        let all: Vec<String> = laid.pages.iter().flat_map(|p| texts(p)).map(|t| t.2).collect();
        for i in [1, 60, 120] {
            assert_eq!(all.iter().filter(|t| t.trim() == format!("Nguyễn Văn Người Thứ {i}")).count(), 1);
        }
    }

    #[test]
    fn no_line_is_split_across_pages() {
        let bottom = Page::a4().height - Page::a4().bottom;
        let mut blocks = vec![];
        for i in 0..40 {
            blocks.push(Block::Paragraph(Paragraph::body(vec![Run::regular(format!("Đoạn {i}: ").repeat(30))])));
        }
        blocks.push(Block::Table(long_table(50)));
        let laid = lay_out(Page::a4(), &blocks, true);
        for page in &laid.pages {
            for t in texts(page) {
                assert!(t.1 <= bottom, "baseline {} below the text area {bottom}", t.1);
            }
        }
    }

    #[test]
    fn a_run_of_headings_never_ends_a_page() {
        let body = |i: usize| Block::Paragraph(Paragraph::body(vec![Run::regular(format!("Đoạn văn {i} ").repeat(12))]));
        let heading = |t: &str| Block::Paragraph(Paragraph::body(vec![Run::bold(t)]).keep_with_next());
        for filler in 20..40 {
            let mut blocks: Vec<Block> = (0..filler).map(body).collect();
            blocks.push(heading("IV. Tổ chức thực hiện:"));
            blocks.push(heading("1. Văn hóa - Xã hội"));
            blocks.push(Block::Paragraph(Paragraph::body(vec![Run::regular("Mởđầu ".to_owned() + &"nội dung ".repeat(40))])));
            let laid = lay_out(Page::a4(), &blocks, false);
            let page_of = |s: &str| laid.pages.iter().position(|p| texts(p).iter().any(|t| t.2.starts_with(s))).unwrap();
            assert_eq!(page_of("IV."), page_of("Mởđầu"), "with {filler} paragraphs before");
            assert_eq!(page_of("1. Văn"), page_of("Mởđầu"));
        }
    }

    #[test]
    fn a_kept_block_moves_whole_to_the_next_page() {
        let mut blocks: Vec<Block> = (0..30).map(|i| Block::Paragraph(Paragraph::body(vec![Run::regular(format!("Dòng {i}"))]))).collect();
        let sign = Block::KeepTogether(vec![
            Block::Paragraph(Paragraph::centered(vec![Run::bold("CHỦ TỊCH")], 14.0)),
            Block::Space(80.0),
            Block::Paragraph(Paragraph::centered(vec![Run::bold("Nguyễn Văn A")], 14.0)),
        ]);
        blocks.push(sign);
        let laid = lay_out(Page::a4(), &blocks, false);
        let page_of = |s: &str| laid.pages.iter().position(|p| texts(p).iter().any(|t| t.2 == s)).unwrap();
        assert_eq!(page_of("CHỦ TỊCH"), page_of("Nguyễn Văn A"));
    }

    #[test]
    fn a_centred_title_leaves_no_lone_word() {
        let title = "BẢNG THEO DÕI TIẾN ĐỘ THỰC HIỆN KẾ HOẠCH CÔNG TÁC TRẺ EM";
        let laid = lay_out(Page::a4(), &[Block::Paragraph(Paragraph::centered(vec![Run::bold(title)], 14.0))], false);
        let lines = texts(&laid.pages[0]);
        assert_eq!(lines.len(), 2, "{lines:?}");
        let words = |s: &str| s.split_whitespace().count();
        assert!(words(&lines[1].2) >= 4 && words(&lines[0].2).abs_diff(words(&lines[1].2)) <= 3, "{lines:?}");
    }

    #[test]
    fn a_tables_last_rows_stay_with_its_totals_and_signatures() {
        let page_count = |laid: &LaidOut| laid.pages.len();
        for rows in 1..60 {
            let blocks = vec![
                Block::Paragraph(Paragraph::centered(vec![Run::bold("DANH SÁCH KÝ NHẬN")], 14.0)),
                Block::Table(long_table(rows)),
                Block::Paragraph(Paragraph::body(vec![Run::italic("Tổng số tiền (viết bằng chữ): Một triệu đồng.")])),
                Block::Space(6.0),
                Block::KeepTogether(vec![
                    Block::Paragraph(Paragraph::centered(vec![Run::bold("NGƯỜI LẬP DANH SÁCH")], 14.0)),
                    Block::Space(72.0),
                    Block::Paragraph(Paragraph::centered(vec![Run::bold("Nguyễn Thị Hoa")], 14.0)),
                ]),
            ];
            let laid = lay_out(Page::a4_landscape(), &blocks, true);
            let page_of = |s: &str| laid.pages.iter().position(|p| texts(p).iter().any(|t| t.2.trim() == s)).unwrap();
            let last_row = page_of(&format!("Nguyễn Văn Người Thứ {rows}"));
            assert_eq!(last_row, page_of("NGƯỜI LẬP DANH SÁCH"), "{rows} rows");
            assert_eq!(last_row, page_of("Tổng số tiền (viết bằng chữ): Một triệu đồng."), "{rows} rows");
            if rows >= 2 {
                assert_eq!(page_of(&format!("Nguyễn Văn Người Thứ {}", rows - 1)), last_row, "{rows} rows: the last row never stands alone");
            }
            assert!(page_count(&laid) <= rows / 6 + 2);
        }
    }
}
