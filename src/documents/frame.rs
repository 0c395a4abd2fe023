//! The frame of a Vietnamese administrative document (Decree 30/2020, Annex I): the two-column
//! header, number and date, type and summary, legal bases, body, signature block, recipients.
//! A document kind fills a [`Frame`]; the frame turns it into layout blocks.
//!
//! A letter (công văn) is the same frame with no document type: its summary goes under the
//! number, after "V/v", in 12–13 pt upright type, and "Kính gửi:" names who it is addressed to
//! before the body.

use chrono::{Datelike, NaiveDate};

use crate::pdf::{mm, Align, Block, Column, Paragraph, Picture, Rule, Run, Style};

/// Who signs, and how the signature block reads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Signature {
    /// Authority lines above the title: "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH".
    pub authority: Vec<String>,
    /// "PHÓ CHỦ TỊCH".
    pub title: String,
    /// "Võ Thùy Dương".
    pub name: String,
    /// Once digitally signed: what the space for the signature shows.
    pub signed: Option<SignedMark>,
}

/// What a digitally signed document shows between the signer's title and name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SignedMark {
    /// Who signed and when.
    pub note: String,
    /// The signer's handwritten signature (PNG).
    pub image: Option<std::sync::Arc<Vec<u8>>>,
    /// The body's seal (PNG).
    pub seal: Option<std::sync::Arc<Vec<u8>>>,
}

impl Signature {
    /// A signature block from the stored parts: the authority lines joined by " / "
    /// ("TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH"), the title and the name.
    pub fn from_parts(authority: &str, title: &str, name: &str) -> Signature {
        Signature {
            authority: authority.split(" / ").filter(|s| !s.is_empty()).map(str::to_owned).collect(),
            title: title.to_owned(),
            name: name.to_owned(),
            ..Signature::default()
        }
    }

    /// The band of pictures between title and name (Annex I): the signature centred, the seal
    /// at real size (35 mm) overlapping about a third of the signature from the left.
    fn pictures(mark: &SignedMark) -> Option<Block> {
        let sized = |png: &std::sync::Arc<Vec<u8>>, max_w: f32, max_h: f32| {
            let (w, h) = Picture::png_size(png)?;
            let scale = (max_w / w as f32).min(max_h / h as f32);
            Some((w as f32 * scale, h as f32 * scale))
        };
        let mut pictures = vec![];
        let mut band = 0.0f32;
        let signature = mark.image.as_ref().and_then(|png| Some((png, sized(png, mm(45.0), mm(20.0))?)));
        if let Some((png, (w, h))) = signature {
            band = band.max(h + mm(4.0));
            pictures.push(Picture { png: png.clone(), width: w, height: h, dx: -w / 2.0, dy: mm(2.0) });
        }
        if let Some(png) = &mark.seal {
            if let Some((w, h)) = sized(png, mm(35.0), mm(35.0)) {
                let sig_left = signature.map(|(_, (sw, _))| -sw / 2.0).unwrap_or(0.0);
                let sig_w = signature.map(|(_, (sw, _))| sw).unwrap_or(0.0);
                let right = sig_left + sig_w / 3.0;
                band = band.max(h);
                pictures.insert(0, Picture { png: png.clone(), width: w, height: h, dx: right - w, dy: 0.0 });
            }
        }
        (!pictures.is_empty()).then_some(Block::Pictures { height: band, pictures })
    }
}

/// Everything a document shows around its body.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// The parent authority: "Thành phố Quảng Ngãi".
    pub parent_authority: String,
    /// The ward: "Phường Nguyễn Nghiêm".
    pub ward: String,
    /// The place in the date line.
    pub place: String,
    /// Register number, once issued.
    pub number: Option<i32>,
    /// "KH-UBND"; empty for a list that stands alone, which has no number line.
    pub symbol: String,
    /// The date, once issued; drafts show blanks and the year.
    pub date: Option<NaiveDate>,
    /// The year, for drafts.
    pub year: i32,
    /// "KẾ HOẠCH", "BÁO CÁO"; empty for a letter (công văn), which has no type line.
    pub doc_type: String,
    /// The summary under the type, or for a letter the words after "V/v" under the number.
    pub summary: String,
    /// Who a letter is addressed to ("Kính gửi:"), one or more; empty for other documents.
    pub addressees: Vec<String>,
    /// The authority that decides, on its own line before the legal bases ("CHỦ TỊCH ỦY BAN
    /// NHÂN DÂN PHƯỜNG …" in a decision); empty for other documents.
    pub issuer: String,
    /// "Căn cứ …" lines.
    pub bases: Vec<String>,
    /// The body.
    pub body: Vec<Block>,
    /// The signature block.
    pub signature: Signature,
    /// "Nơi nhận" lines, without the dash.
    pub recipients: Vec<String>,
    /// A second signature on the left, where "Nơi nhận" would stand (a list's maker beside the
    /// Chairman who confirms it).
    pub counter_signature: Option<Signature>,
}

/// The room left for a number or a day a clerk writes in by hand: spaces that do not collapse.
const BLANK: &str = "\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}";

/// The room for a day or month written in by hand.
const DAY_BLANK: &str = "\u{a0}\u{a0}\u{a0}\u{a0}\u{a0}";

fn upper(s: &str) -> String {
    crate::text::nfc(&s.to_uppercase())
}

/// "Số: 05/KH-UBND" (numbers under 10 take a leading 0); drafts leave the number blank.
pub fn number_line(number: Option<i32>, symbol: &str) -> String {
    match number {
        Some(n) => format!("Số: {n:02}/{symbol}"),
        None => format!("Số:{BLANK}/{symbol}"),
    }
}

/// "Phường Nguyễn Nghiêm, ngày 08 tháng 4 năm 2024": days under 10 and months 1–2 take a leading 0.
pub fn date_line(place: &str, date: Option<NaiveDate>, year: i32) -> String {
    match date {
        Some(d) => {
            let month = if d.month() <= 2 { format!("{:02}", d.month()) } else { d.month().to_string() };
            format!("{place}, ngày {:02} tháng {month} năm {}", d.day(), d.year())
        }
        None => format!("{place}, ngày{DAY_BLANK}tháng{DAY_BLANK}năm {year}"),
    }
}

/// A heading of the body: bold, indented, kept with what follows.
pub fn heading(text: &str) -> Block {
    Block::Paragraph(Paragraph::body(vec![Run::bold(text)]).keep_with_next())
}

/// A body paragraph.
pub fn para(text: &str) -> Block {
    Block::Paragraph(Paragraph::body(vec![Run::regular(text)]))
}

/// A body paragraph whose stretches `emphasis` names are bold or italic; `offset` is where the
/// emphasised text starts in `text` (after a label such as "a. ").
pub fn para_with(text: &str, offset: usize, emphasis: &[crate::plan::import::Emphasis]) -> Block {
    let chars: Vec<char> = text.chars().collect();
    let mut style = vec![Style::Regular; chars.len()];
    for e in emphasis {
        for s in style.iter_mut().take((offset + e.end as usize).min(chars.len())).skip(offset + e.start as usize) {
            *s = if e.bold { Style::Bold } else { Style::Italic };
        }
    }
    let mut runs: Vec<Run> = vec![];
    for (c, st) in chars.iter().zip(&style) {
        match runs.last_mut() {
            Some(r) if r.style == *st => r.text.push(*c),
            _ => runs.push(Run::new(c.to_string(), *st)),
        }
    }
    Block::Paragraph(Paragraph::body(runs))
}

impl Frame {
    /// The document as layout blocks.
    pub fn blocks(&self) -> Vec<Block> {
        let fonts = crate::pdf::fonts::Fonts::get();
        // Decree 30 lets the parent authority's name be shortened ("UBND"); the issuing body is
        // written in full, on two lines.
        let parent = format!("UBND {}", upper(&self.parent_authority));
        let body_name = upper(&self.ward);
        let motto = "Độc lập - Tự do - Hạnh phúc";
        let left = vec![
            Block::Paragraph(Paragraph::centered(vec![Run::regular(parent)], 12.0)),
            Block::Paragraph(Paragraph::centered(vec![Run::bold(format!("ỦY BAN NHÂN DÂN\n{body_name}"))], 12.5)),
            Block::Rule(Rule { length: fonts.width(Style::Bold, &body_name, 12.5).min(mm(70.0)) * 0.4, space_before: 4.0, space_after: 6.0 }),
        ];
        let mut left = left;
        // A list that stands alone (a residential group's children) has no number.
        if !self.symbol.is_empty() {
            left.push(Block::Paragraph(Paragraph::centered(vec![Run::regular(number_line(self.number, &self.symbol))], 13.0)));
        }
        let letter = self.doc_type.is_empty();
        if letter && !self.summary.is_empty() {
            // Decree 30, Annex I: the summary of a letter sits centred under the number, after
            // "V/v", 12–13 pt upright, 6 pt below the number.
            left.push(Block::Paragraph(
                Paragraph { balance: true, ..Paragraph::centered(vec![Run::regular(format!("V/v {}", self.summary))], 12.5) }.spacing(6.0, 0.0),
            ));
        }
        let right = vec![
            Block::Paragraph(Paragraph::centered(vec![Run::bold("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")], 12.5)),
            Block::Paragraph(Paragraph::centered(vec![Run::bold(motto)], 13.5)),
            Block::Rule(Rule { length: fonts.width(Style::Bold, motto, 13.5), space_before: 4.0, space_after: 8.0 }),
            Block::Paragraph(Paragraph::centered(vec![Run::italic(date_line(&self.place, self.date, self.year))], 13.0)),
        ];
        let mut blocks = vec![
            Block::Columns(vec![Column { share: 0.40, blocks: left }, Column { share: 0.60, blocks: right }]),
            Block::Space(18.0),
        ];
        if !letter {
            blocks.extend([
                Block::Paragraph(Paragraph::centered(vec![Run::bold(self.doc_type.clone())], 14.0).keep_with_next()),
                Block::Paragraph(Paragraph { balance: true, ..Paragraph::centered(vec![Run::bold(self.summary.clone())], 14.0).keep_with_next() }),
                Block::Rule(Rule { length: mm(35.0), space_before: 5.0, space_after: 12.0 }),
            ]);
        }
        blocks.extend(self.addressed_to());
        if !self.issuer.is_empty() {
            blocks.push(Block::Paragraph(Paragraph::centered(vec![Run::bold(upper(&self.issuer))], 14.0).keep_with_next().spacing(0.0, 8.0)));
        }
        for b in &self.bases {
            blocks.push(Block::Paragraph(Paragraph::body(vec![Run::italic(b.clone())]).spacing(0.0, 3.0)));
        }
        if !self.bases.is_empty() {
            blocks.push(Block::Space(6.0));
        }
        blocks.extend(self.body.iter().cloned());
        blocks.push(Block::Space(6.0));
        blocks.push(Block::KeepTogether(vec![self.signature_row()]));
        blocks
    }

    /// "Kính gửi: X." on one line for one addressee; "Kính gửi:" then "- X;" lines for several.
    fn addressed_to(&self) -> Vec<Block> {
        let line = |runs: Vec<Run>| Block::Paragraph(Paragraph::centered(runs, 14.0).keep_with_next().spacing(0.0, 0.0));
        let mut out = match self.addressees.as_slice() {
            [] => return vec![],
            [one] => vec![line(vec![Run::regular(format!("Kính gửi: {}.", one.trim_end_matches(['.', ';'])))])],
            many => {
                let mut v = vec![line(vec![Run::regular("Kính gửi:")])];
                let last = many.len() - 1;
                for (i, a) in many.iter().enumerate() {
                    let end = if i == last { "." } else { ";" };
                    v.push(line(vec![Run::regular(format!("- {}{end}", a.trim_end_matches(['.', ';'])))]));
                }
                v
            }
        };
        out.push(Block::Space(12.0));
        out
    }

    fn signature_row(&self) -> Block {
        let sign = Frame::signature_column(&self.signature);
        if let Some(counter) = &self.counter_signature {
            return Block::Columns(vec![Column { share: 0.5, blocks: Frame::signature_column(counter) }, Column { share: 0.5, blocks: sign }]);
        }
        let mut recipients = vec![];
        if !self.recipients.is_empty() {
            recipients.push(Block::Paragraph(
            Paragraph { align: Align::Left, first_indent: 0.0, ..Paragraph::body(vec![Run::new("Nơi nhận:", Style::BoldItalic)]) }
                .size(12.0)
                .spacing(0.0, 0.0),
            ));
        }
        for r in &self.recipients {
            recipients.push(Block::Paragraph(
                Paragraph { align: Align::Left, first_indent: 0.0, ..Paragraph::body(vec![Run::regular(format!("- {r}"))]) }
                    .size(11.0)
                    .spacing(0.0, 0.0),
            ));
        }
        Block::Columns(vec![Column { share: 0.5, blocks: recipients }, Column { share: 0.5, blocks: sign }])
    }

    /// A signature block: authority lines, title, the room to sign (or the signed mark), name.
    fn signature_column(signature: &Signature) -> Vec<Block> {
        let mut sign: Vec<Block> = signature
            .authority
            .iter()
            .chain(std::iter::once(&signature.title))
            .filter(|l| !l.is_empty())
            .map(|l| Block::Paragraph(Paragraph::centered(vec![Run::bold(upper(l))], 14.0)))
            .collect();
        match &signature.signed {
            Some(mark) => {
                sign.push(Block::Space(6.0));
                match Signature::pictures(mark) {
                    Some(pictures) => sign.push(pictures),
                    None => sign.push(Block::Space(8.0)),
                }
                sign.push(Block::Paragraph(Paragraph::centered(vec![Run::italic(mark.note.clone())], 10.0)));
                sign.push(Block::Space(8.0));
            }
            None => sign.push(Block::Space(72.0)),
        }
        sign.push(Block::Paragraph(Paragraph::centered(vec![Run::bold(signature.name.clone())], 14.0)));
        sign
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_take_leading_zeros_as_decree_30_says() {
        assert_eq!(number_line(Some(5), "BC-UBND"), "Số: 05/BC-UBND");
        assert_eq!(number_line(Some(123), "KH-UBND"), "Số: 123/KH-UBND");
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d);
        assert_eq!(date_line("Phường Nguyễn Nghiêm", d(2024, 4, 8), 2024), "Phường Nguyễn Nghiêm, ngày 08 tháng 4 năm 2024");
        assert_eq!(date_line("Phường X", d(2024, 2, 15), 2024), "Phường X, ngày 15 tháng 02 năm 2024");
        assert_eq!(date_line("Phường X", d(2024, 11, 17), 2024), "Phường X, ngày 17 tháng 11 năm 2024");
    }
}
