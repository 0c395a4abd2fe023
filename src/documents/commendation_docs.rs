//! The Chairman's decision on commendations (Quyết định khen thưởng, numbered QĐ-UBND) with the
//! list attached, and the Giấy khen: on plain A4 landscape in the customary layout, or onto the
//! ward's pre-printed blanks at the positions set once in millimetres, with a test print that
//! marks where each field will fall.

use chrono::Datelike;
use sqlx::SqlitePool;

use super::frame::{date_line, Frame, Signature, SignedMark};
use super::plan_doc::ward_frame;
use super::register::{number_text, Document};
use crate::auth::{Actor, Need};
use crate::commendations::{self, CertificateField, FieldPosition, Nomination, NomineeKind};
use crate::pdf::fonts::Fonts;
use crate::pdf::{mm, Align, Block, LaidOut, Page, Paragraph, Placed, Run, Style, Table, TableColumn};
use crate::text::{format_date, lower_first};
use crate::{Error, Result, Store};

/// The symbol of the Chairman's decisions.
pub const SYMBOL: &str = "QĐ-UBND";

/// The decision's summary for a year.
pub fn decision_summary(year: i32) -> String {
    format!("Về việc khen thưởng các tập thể, cá nhân có thành tích xuất sắc trong công tác chăm sóc, giáo dục và bảo vệ trẻ em năm {year}")
}

/// Where the decision goes unless the officer changes it.
pub fn decision_recipients() -> Vec<String> {
    vec!["Như Điều 3;".into(), "TT Đảng ủy, HĐND phường;".into(), "CT, PCT UBND phường;".into(), "Lưu: VT, VH-XH.".into()]
}

fn article(n: u32, text: &str) -> Block {
    Block::Paragraph(Paragraph::body(vec![Run::bold(format!("Điều {n}. ")), Run::regular(text)]))
}

/// How many organisations and people: "02 tập thể và 03 cá nhân".
fn counted(list: &[Nomination]) -> String {
    let n = |k: NomineeKind| list.iter().filter(|x| x.nominee_kind == k).count();
    let mut parts = Vec::new();
    if n(NomineeKind::Organisation) > 0 {
        parts.push(format!("{:02} tập thể", n(NomineeKind::Organisation)));
    }
    if n(NomineeKind::Person) > 0 {
        parts.push(format!("{:02} cá nhân", n(NomineeKind::Person)));
    }
    parts.join(" và ")
}

/// The decision and, on the pages after it, the list it attaches.
pub(crate) async fn decision(pool: &SqlitePool, doc: &Document, signed: Option<SignedMark>) -> Result<Vec<Block>> {
    let year = doc.about_year.ok_or(Error::NotFound { what: "năm của quyết định khen thưởng" })?;
    let list = commendations::of_decision(pool, &doc.id).await?;
    let ward = crate::ward::get_in(pool).await?.ok_or(Error::NotFound { what: "thông tin phường; hãy nhập ở mục Thông tin phường" })?;
    let body = vec![
        Block::Paragraph(Paragraph::centered(vec![Run::bold("QUYẾT ĐỊNH:")], 14.0).keep_with_next().spacing(6.0, 8.0)),
        article(
            1,
            &format!(
                "Tặng Giấy khen cho {} (có danh sách kèm theo) đã có thành tích xuất sắc trong công tác chăm sóc, giáo dục và bảo vệ trẻ em năm {year}.",
                counted(&list)
            ),
        ),
        article(2, "Tiền thưởng kèm theo Giấy khen thực hiện theo quy định của Luật Thi đua, khen thưởng và các văn bản hướng dẫn thi hành."),
        article(3, "Quyết định này có hiệu lực kể từ ngày ký. Văn phòng HĐND và UBND phường, công chức Văn hóa - Xã hội và các tập thể, cá nhân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./."),
    ];
    let base = ward_frame(pool, doc.issued_on.map(|d| d.year()).unwrap_or(doc.year)).await?;
    let frame = Frame {
        issuer: format!("CHỦ TỊCH ỦY BAN NHÂN DÂN {}", ward.name),
        bases: vec![
            "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;".to_owned(),
            "Căn cứ Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023 của Chính phủ quy định chi tiết thi hành một số điều của Luật Thi đua, khen thưởng;".to_owned(),
            "Theo đề nghị của công chức Văn hóa - Xã hội phường.".to_owned(),
        ],
        ..doc.frame("QUYẾT ĐỊNH", body, signed, base)
    };
    let mut blocks = frame.blocks();
    blocks.push(Block::PageBreak);
    blocks.push(Block::Paragraph(Paragraph::centered(vec![Run::bold("DANH SÁCH TẬP THỂ, CÁ NHÂN ĐƯỢC TẶNG GIẤY KHEN")], 14.0)));
    let of = match (doc.number, doc.issued_on) {
        (Some(_), Some(day)) => format!("(Kèm theo Quyết định số {} ngày {} của Chủ tịch UBND {})", number_text(doc.number, &doc.symbol), format_date(day), lower_first(&ward.name)),
        _ => format!("(Kèm theo Quyết định số      /{} ngày      của Chủ tịch UBND {})", doc.symbol, lower_first(&ward.name)),
    };
    blocks.push(Block::Paragraph(Paragraph::centered(vec![Run::italic(of)], 13.0).spacing(2.0, 10.0)));
    let mut rows: Vec<Vec<Vec<Run>>> = Vec::new();
    for (heading, kind) in [("I. TẬP THỂ", NomineeKind::Organisation), ("II. CÁ NHÂN", NomineeKind::Person)] {
        let of_kind: Vec<&Nomination> = list.iter().filter(|n| n.nominee_kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        rows.push(vec![vec![], vec![Run::bold(heading)], vec![], vec![]]);
        for (i, n) in of_kind.iter().enumerate() {
            rows.push(vec![
                vec![Run::regular((i + 1).to_string())],
                vec![Run::regular(&n.name)],
                vec![Run::regular(match n.nominee_kind {
                    NomineeKind::Person if n.position.is_empty() => n.unit_name.clone().unwrap_or_default(),
                    NomineeKind::Person => n.position.clone(),
                    NomineeKind::Organisation => String::new(),
                })],
                vec![Run::regular(&n.achievements)],
            ]);
        }
    }
    blocks.push(Block::Table(Table {
        columns: vec![
            TableColumn::fixed_mm("STT", 12.0, Align::Center),
            TableColumn::fixed_mm("Tên tập thể, họ và tên cá nhân", 50.0, Align::Left),
            TableColumn::fixed_mm("Chức vụ, đơn vị", 40.0, Align::Left),
            TableColumn::auto("Thành tích", Align::Left),
        ],
        rows,
        size: 12.0,
        min_row_height: 0.0,
    }));
    blocks.push(Block::Paragraph(Paragraph::body(vec![Run::italic(format!("Danh sách gồm {}./.", counted(&list)))]).first_indent(0.0)));
    Ok(blocks)
}

/// What a Giấy khen says in its fields.
struct Fields {
    name: String,
    position: String,
    achievement: String,
    decision: String,
    date_line: String,
    signer: String,
    /// "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH", the lines above the name.
    signer_lines: Vec<String>,
    ward: String,
}

async fn fields(pool: &SqlitePool, n: &Nomination) -> Result<Fields> {
    let document_id = n.document_id.as_deref().ok_or_else(|| crate::text::InvalidInput::new("id", "Chỉ in Giấy khen cho đề nghị đã có quyết định khen thưởng."))?;
    let doc = super::register::get_in(pool, document_id).await?;
    let ward = crate::ward::get_in(pool).await?.ok_or(Error::NotFound { what: "thông tin phường; hãy nhập ở mục Thông tin phường" })?;
    let decision = match (doc.number, doc.issued_on) {
        (Some(_), Some(day)) => format!("Quyết định số {} ngày {}", number_text(doc.number, &doc.symbol), format_date(day)),
        _ => return Err(crate::text::InvalidInput::new("id", "Quyết định khen thưởng chưa cấp số: hãy phát hành quyết định trước khi in Giấy khen.").into()),
    };
    let position = match n.nominee_kind {
        NomineeKind::Person => n.position.clone(),
        NomineeKind::Organisation => String::new(),
    };
    Ok(Fields {
        name: n.name.clone(),
        position,
        achievement: format!("Đã có thành tích xuất sắc trong công tác chăm sóc, giáo dục và bảo vệ trẻ em năm {}", n.year),
        decision,
        date_line: date_line(&ward.place_name, doc.issued_on, doc.year),
        signer: doc.signer_name.clone(),
        signer_lines: Signature::from_parts(&doc.signer_prefix, &doc.signer_title, "").authority.into_iter().chain([doc.signer_title.clone()]).filter(|l| !l.is_empty()).collect(),
        ward: ward.name,
    })
}

/// The Giấy khen of the proposals `ids` (each awarded by an issued decision), one sheet each:
/// on plain paper in the customary layout, or only the fields, onto the ward's blanks.
pub async fn certificates_pdf(store: &Store, actor: &Actor, ids: &[String], on_blanks: bool) -> Result<Vec<u8>> {
    actor.require(Need::ManageCampaigns)?;
    let pool = store.pool();
    let layout = commendations::layout_in(pool).await?;
    let page = Page { top: mm(15.0), bottom: mm(15.0), left: mm(20.0), right: mm(20.0), ..Page::a4_landscape() };
    let mut pages = Vec::new();
    for id in ids {
        let n = commendations::get_in(pool, id).await?;
        let f = fields(pool, &n).await?;
        pages.push(if on_blanks { on_blank(&f, &layout) } else { plain(&f, page) });
    }
    if pages.is_empty() {
        return Err(crate::text::InvalidInput::new("ids", "Chọn ít nhất một tập thể, cá nhân để in Giấy khen.").into());
    }
    let laid = LaidOut { page, pages };
    Ok(crate::pdf::render::to_pdf(&crate::pdf::Meta::titled("Giấy khen"), &laid))
}

/// The widest a line of a certificate runs: a long name is set smaller rather than off the sheet.
const WIDEST: f32 = 250.0;

/// A line of text centred on `x` mm with its baseline at `y` mm.
fn centred(text: &str, style: Style, p: FieldPosition) -> Placed {
    let fonts = Fonts::get();
    let natural = fonts.width(style, text, p.size);
    let size = if natural > mm(WIDEST) { p.size * mm(WIDEST) / natural } else { p.size };
    let width = fonts.width(style, text, size);
    Placed::Text { x: mm(p.x) - width / 2.0, y: mm(p.y), style, size, text: crate::text::nfc(text) }
}

/// Only the fields, where the ward's blank leaves room for them.
fn on_blank(f: &Fields, layout: &commendations::Layout) -> Vec<Placed> {
    let mut out = Vec::new();
    for (field, p) in layout {
        let (text, style) = match field {
            CertificateField::Name => (f.name.clone(), Style::Bold),
            CertificateField::Position => (f.position.clone(), Style::Italic),
            CertificateField::Achievement => (f.achievement.clone(), Style::Regular),
            CertificateField::Decision => (f.decision.clone(), Style::Italic),
            CertificateField::DateLine => (f.date_line.clone(), Style::Italic),
            CertificateField::SignerTitle => {
                // One line under another, from the position set.
                for (i, line) in f.signer_lines.iter().enumerate() {
                    out.push(centred(&crate::text::nfc(&line.to_uppercase()), Style::Bold, FieldPosition { y: p.y + 6.5 * i as f32, ..*p }));
                }
                continue;
            }
            CertificateField::Signer => (f.signer.clone(), Style::Bold),
        };
        if !text.is_empty() {
            out.push(centred(&text, style, *p));
        }
    }
    out
}

/// The whole certificate on plain paper: motto, issuer, "GIẤY KHEN", the name, the
/// achievement, the decision and the signature, in a double frame.
fn plain(f: &Fields, page: Page) -> Vec<Placed> {
    let centre = page.width / 2.0 * 25.4 / 72.0;
    let at = |x: f32, y: f32, size: f32| FieldPosition { x, y, size };
    let mut out = vec![
        centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", Style::Bold, at(centre, 30.0, 14.0)),
        centred("Độc lập - Tự do - Hạnh phúc", Style::Bold, at(centre, 37.0, 14.0)),
        centred(&format!("CHỦ TỊCH ỦY BAN NHÂN DÂN {}", crate::text::nfc(&f.ward.to_uppercase())), Style::Bold, at(centre, 52.0, 15.0)),
        centred("GIẤY KHEN", Style::Bold, at(centre, 76.0, 40.0)),
        centred("TẶNG", Style::Regular, at(centre, 92.0, 15.0)),
        centred(&f.name, Style::Bold, at(centre, 108.0, 24.0)),
    ];
    if !f.position.is_empty() {
        out.push(centred(&f.position, Style::Italic, at(centre, 118.0, 15.0)));
    }
    out.push(centred(&f.achievement, Style::Regular, at(centre, 132.0, 15.0)));
    out.push(centred(&f.decision, Style::Italic, at(75.0, 178.0, 12.0)));
    out.push(centred(&f.date_line, Style::Italic, at(215.0, 147.0, 14.0)));
    for (i, line) in f.signer_lines.iter().enumerate() {
        out.push(centred(&crate::text::nfc(&line.to_uppercase()), Style::Bold, at(215.0, 154.0 + 6.5 * i as f32, 14.0)));
    }
    out.push(centred(&f.signer, Style::Bold, at(215.0, 190.0, 15.0)));
    // The double frame of a certificate, inside the margins.
    let (l, t, r, b) = (mm(12.0), mm(12.0), page.width - mm(12.0), page.height - mm(12.0));
    for (inset, width) in [(0.0, 2.0), (mm(2.5), 0.6)] {
        let (l, t, r, b) = (l + inset, t + inset, r - inset, b - inset);
        for (x1, y1, x2, y2) in [(l, t, r, t), (r, t, r, b), (r, b, l, b), (l, b, l, t)] {
            out.push(Placed::Line { x1, y1, x2, y2, width });
        }
    }
    out
}

/// A test print for the ward's blanks: at each field's position, a cross, the field's name and
/// a sample of its text, so the officer lays the sheet over a blank against the light and moves
/// the fields until they fall right.
pub async fn test_print(store: &Store, actor: &Actor) -> Result<Vec<u8>> {
    actor.require(Need::ReadPlan)?;
    let layout = commendations::layout_in(store.pool()).await?;
    let page = Page::a4_landscape();
    let mut placed = Vec::new();
    for (field, p) in &layout {
        let (x, y) = (mm(p.x), mm(p.y));
        placed.push(Placed::Line { x1: x - mm(4.0), y1: y, x2: x + mm(4.0), y2: y, width: 0.4 });
        placed.push(Placed::Line { x1: x, y1: y - mm(4.0), x2: x, y2: y + mm(4.0), width: 0.4 });
        placed.push(centred(&format!("{} ({:.0}; {:.0} mm)", field.label(), p.x, p.y), Style::Italic, FieldPosition { size: 9.0, y: p.y - 5.0, ..*p }));
        placed.push(centred("Nguyễn Văn Mẫu", Style::Regular, *p));
    }
    let laid = LaidOut { page, pages: vec![placed] };
    Ok(crate::pdf::render::to_pdf(&crate::pdf::Meta::titled("In thử Giấy khen"), &laid))
}
