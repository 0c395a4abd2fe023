//! The forms of a case (Decree 56/2017's annex: Mẫu 01 the report received, 02 the initial
//! assessment, 03 the detailed assessment, 04 the plan, 06 the review) and the Chairman's
//! decision approving the plan (Mẫu 05), a Decree 30 Quyết định issued through the register.
//!
//! A form carries its number ("Mẫu số 04") at the top right, the ward's header, no register
//! number, and the signature of the person who did the step. A form whose step is not yet
//! recorded prints blank, with room to fill it in by hand (the plan's deadline stated on it).

use sqlx::SqlitePool;

use super::frame::{heading, para, Frame, Signature, SignedMark};
use super::plan_doc::ward_frame;
use super::register::Document;
use crate::auth::{Actor, Need};
use crate::cases::{self, CasePage, StepDetails, StepKind, StepRecord};
use crate::pdf::{Align, Block, Paragraph, Run, Table, TableColumn};
use crate::text::{format_date, lower_first};
use crate::{Error, Result, Store};

/// The symbol of the ward's decisions.
pub const DECISION_SYMBOL: &str = "QĐ-UBND";

labelled_enum! {
    /// A form of a case that prints on its own.
    pub enum CaseForm {
        /// Mẫu 01.
        Receipt = ("receipt", "Mẫu 01 — Phiếu tiếp nhận thông tin"),
        /// Mẫu 02.
        Initial = ("initial", "Mẫu 02 — Đánh giá ban đầu"),
        /// Mẫu 03.
        Detailed = ("detailed", "Mẫu 03 — Đánh giá chi tiết"),
        /// Mẫu 04.
        Plan = ("plan", "Mẫu 04 — Kế hoạch hỗ trợ, can thiệp"),
        /// Mẫu 06.
        Review = ("review", "Mẫu 06 — Đánh giá kết quả"),
    }
}

impl CaseForm {
    fn number(self) -> &'static str {
        match self {
            CaseForm::Receipt => "01",
            CaseForm::Initial => "02",
            CaseForm::Detailed => "03",
            CaseForm::Plan => "04",
            CaseForm::Review => "06",
        }
    }

    /// The name its file is saved under: "mau-04-vu-viec-03-2024.pdf".
    pub fn file_name(self, case_number: &str) -> String {
        format!("mau-{}-vu-viec-{}.pdf", self.number(), case_number.replace('/', "-"))
    }

    fn step(self) -> Option<StepKind> {
        match self {
            CaseForm::Receipt => None,
            CaseForm::Initial => Some(StepKind::Initial),
            CaseForm::Detailed => Some(StepKind::Detailed),
            CaseForm::Plan => Some(StepKind::Plan),
            CaseForm::Review => Some(StepKind::Review),
        }
    }
}

/// The decision's summary.
pub fn decision_summary(child_name: &str) -> String {
    format!("Về việc phê duyệt kế hoạch hỗ trợ, can thiệp đối với trẻ em {child_name}")
}

/// Where the decision goes unless the officer changes it.
pub fn decision_recipients() -> Vec<String> {
    vec!["Như Điều 3;".into(), "CT, PCT UBND phường;".into(), "Lưu: VT, VH-XH.".into()]
}

fn form_mark(number: &str) -> Block {
    Block::Paragraph(Paragraph { align: Align::Right, first_indent: 0.0, ..Paragraph::body(vec![Run::italic(format!("Mẫu số {number} (Nghị định số 56/2017/NĐ-CP)"))]) }.size(11.0).spacing(0.0, 4.0))
}

/// "Label: value"; a value not yet recorded leaves a dotted line to write on by hand (set
/// flush left: justified, the dots would pull the label's words apart).
fn line(label: &str, value: &str) -> Block {
    let value = value.trim();
    let paragraph = if value.is_empty() {
        Paragraph { align: Align::Left, ..Paragraph::body(vec![Run::regular(format!("{label}: …………………………………………………"))]) }
    } else {
        Paragraph::body(vec![Run::regular(format!("{label}: ")), Run::regular(value)])
    };
    Block::Paragraph(paragraph.spacing(0.0, 3.0))
}

/// An article of a decision: "Điều 1." in bold, then its text.
fn article(n: u32, text: &str) -> Block {
    Block::Paragraph(Paragraph::body(vec![Run::bold(format!("Điều {n}. ")), Run::regular(text)]))
}

async fn child_lines(pool: &SqlitePool, child_id: &str, on: chrono::NaiveDate) -> Result<Vec<Block>> {
    let mut conn = pool.acquire().await?;
    let child = crate::children::child_in(&mut conn, child_id, false).await?;
    let birth = child.birth();
    let residence = [child.address.as_str(), child.group_name.as_deref().unwrap_or_default()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(", ");
    let guardians = child.guardians.iter().map(|g| g.titled()).collect::<Vec<_>>().join("; ");
    Ok(vec![
        line("Họ và tên trẻ em", &child.full_name),
        line("Ngày sinh", &format!("{} ({})", child.birth_text, birth.age_text(on))),
        line("Giới tính", child.sex.label()),
        line("Nơi cư trú", &residence),
        line("Cha, mẹ, người chăm sóc", &guardians),
    ])
}

fn latest(page: &CasePage, kind: StepKind) -> Option<&StepRecord> {
    page.steps.iter().filter(|s| s.step == kind).last()
}

/// A form of a case as a PDF, written in the audit trail as a record that left the app.
pub async fn form_pdf(store: &Store, actor: &Actor, case_id: &str, form: CaseForm) -> Result<Vec<u8>> {
    actor.require(Need::ReadCases)?;
    let now = chrono::Utc::now();
    let page = cases::page_in(store, case_id, now).await?;
    let pool = store.pool();
    let step = form.step().and_then(|k| latest(&page, k));
    let at = step.map(|s| s.done_at).unwrap_or(page.case.received_at);
    let on = crate::calendar::vietnam_day(if form == CaseForm::Receipt || step.is_some() { at } else { now });
    let c = &page.case;
    let mut body = vec![];
    let (title, summary, signer_title) = match form {
        CaseForm::Receipt => {
            body.push(heading("I. Thông tin tiếp nhận"));
            body.push(line("Thời điểm tiếp nhận", &c.received_text));
            body.push(line("Hình thức tiếp nhận", c.channel.label()));
            body.push(line("Người tiếp nhận", &c.received_by));
            body.push(heading("II. Thông tin về trẻ em"));
            body.extend(child_lines(pool, &c.child_id, on).await?);
            body.push(heading("III. Nội dung sự việc"));
            body.push(line("Loại hành vi xâm hại", c.abuse_type.label()));
            body.push(line("Môi trường xảy ra", c.setting.label()));
            body.push(line("Nơi xảy ra", &c.place));
            body.push(line("Diễn biến sự việc", &c.account));
            body.push(line("Những việc đã làm", &c.taken));
            body.push(heading("IV. Người cung cấp thông tin"));
            match &c.informant {
                Some(i) => {
                    body.push(line("Họ và tên", &i.name));
                    body.push(line("Điện thoại", &i.phone));
                    body.push(line("Địa chỉ", &i.address));
                    body.push(line("Quan hệ với trẻ em", &i.relation));
                }
                None => body.push(para("Người cung cấp thông tin không đồng ý cho biết thông tin cá nhân (hoặc không cung cấp).")),
            }
            ("PHIẾU TIẾP NHẬN THÔNG TIN, THÔNG BÁO", "Về trẻ em bị xâm hại hoặc có nguy cơ bị bạo lực, bóc lột, bỏ rơi".to_owned(), "NGƯỜI TIẾP NHẬN")
        }
        CaseForm::Initial => {
            body.push(heading("I. Thông tin về trẻ em"));
            body.extend(child_lines(pool, &c.child_id, on).await?);
            body.push(line("Vụ việc", &format!("số {}, tiếp nhận lúc {}", c.number_text, c.received_text)));
            body.push(heading("II. Đánh giá nguy cơ, mức độ tổn hại"));
            let a = match step.map(|s| &s.details) {
                Some(StepDetails::Initial(a)) => Some(a),
                _ => None,
            };
            body.push(line("Mức độ nguy cơ (Cao / Trung bình / Thấp)", a.map(|a| a.risk.label()).unwrap_or_default()));
            body.push(line(
                "Trẻ em có nguy cơ bị tổn hại nghiêm trọng về tính mạng, sức khỏe, nhân phẩm",
                a.map(|a| if a.serious_harm { "Có" } else { "Không" }).unwrap_or_default(),
            ));
            body.push(line("Kết quả đánh giá", a.map(|a| a.findings.as_str()).unwrap_or_default()));
            body.push(heading("III. Biện pháp can thiệp khẩn cấp (trong 12 giờ kể từ khi tiếp nhận)"));
            body.push(line("Biện pháp đã áp dụng", a.map(|a| a.emergency_measures.as_str()).unwrap_or_default()));
            body.push(line("Thời điểm áp dụng", &a.and_then(|a| a.emergency_at).map(cases::clock_text).unwrap_or_default()));
            ("BÁO CÁO ĐÁNH GIÁ BAN ĐẦU", "Về nguy cơ, mức độ tổn hại của trẻ em".to_owned(), "NGƯỜI ĐÁNH GIÁ")
        }
        CaseForm::Detailed => {
            body.push(heading("I. Thông tin về trẻ em"));
            body.extend(child_lines(pool, &c.child_id, on).await?);
            let d = match step.map(|s| &s.details) {
                Some(StepDetails::Detailed(d)) => Some(d),
                _ => None,
            };
            let f = |get: fn(&cases::DetailedAssessment) -> &str| d.map(get).unwrap_or_default().to_owned();
            body.push(heading("II. Kết quả đánh giá chi tiết"));
            body.push(line("1. Tình trạng thể chất", &f(|d| &d.physical)));
            body.push(line("2. Tình trạng tâm lý", &f(|d| &d.psychological)));
            body.push(line("3. Gia đình, môi trường sống", &f(|d| &d.family)));
            body.push(line("4. Khả năng bảo vệ, chăm sóc của cha, mẹ, người chăm sóc", &f(|d| &d.caregivers)));
            body.push(line("5. Nhu cầu của trẻ em", &f(|d| &d.needs)));
            body.push(heading("III. Cuộc họp thống nhất nhu cầu của trẻ em"));
            body.push(line("Ngày họp", &d.and_then(|d| d.meeting_on).map(format_date).unwrap_or_default()));
            body.push(line("Thành phần", &f(|d| &d.meeting_participants)));
            body.push(line("Kết luận", &f(|d| &d.meeting_conclusions)));
            ("BÁO CÁO ĐÁNH GIÁ CHI TIẾT", "Về tình trạng, nhu cầu của trẻ em và gia đình".to_owned(), "NGƯỜI ĐÁNH GIÁ")
        }
        CaseForm::Plan => {
            body.push(heading("I. Thông tin về trẻ em"));
            body.extend(child_lines(pool, &c.child_id, on).await?);
            let due = page.deadlines.iter().filter(|d| d.kind == cases::DeadlineKind::Plan).last();
            if let Some(d) = due {
                body.push(line("Thời hạn lập kế hoạch", &format!("{} ({})", d.due_text, d.rule)));
            }
            let goals = match step.map(|s| &s.details) {
                Some(StepDetails::Plan(p)) => p.goals.clone(),
                _ => String::new(),
            };
            body.push(heading("II. Mục tiêu"));
            body.push(line("Mục tiêu hỗ trợ, can thiệp", &goals));
            body.push(heading("III. Các hoạt động hỗ trợ, can thiệp"));
            let cycle = step.map(|s| s.cycle).unwrap_or(page.cycle);
            let mut rows: Vec<Vec<Vec<Run>>> = page
                .actions
                .iter()
                .filter(|a| step.is_some() && a.cycle == cycle)
                .enumerate()
                .map(|(i, a)| {
                    vec![
                        vec![Run::regular((i + 1).to_string())],
                        vec![Run::regular(a.action.clone())],
                        vec![Run::regular(a.unit_name.clone().unwrap_or_default())],
                        vec![Run::regular(format_date(a.due_on))],
                        vec![Run::regular(a.result.clone())],
                    ]
                })
                .collect();
            let blank = rows.is_empty();
            if blank {
                rows = (1..=5).map(|i| vec![vec![Run::regular(i.to_string())], vec![], vec![], vec![], vec![]]).collect();
            }
            body.push(Block::Table(Table {
                columns: vec![
                    TableColumn::fixed_mm("TT", 10.0, Align::Center),
                    TableColumn::auto("Hoạt động", Align::Left),
                    TableColumn::fixed_mm("Đơn vị thực hiện", 35.0, Align::Left),
                    TableColumn::fixed_mm("Thời hạn", 24.0, Align::Center),
                    TableColumn::fixed_mm("Kết quả", 30.0, Align::Left),
                ],
                rows,
                size: 12.0,
                min_row_height: if blank { 24.0 } else { 0.0 },
            }));
            body.push(heading("IV. Tổ chức thực hiện"));
            body.push(para("Công chức Văn hóa - Xã hội chủ trì, phối hợp với các đơn vị được giao tổ chức thực hiện, theo dõi, đánh giá và báo cáo Chủ tịch UBND phường kết quả thực hiện kế hoạch."));
            ("KẾ HOẠCH HỖ TRỢ, CAN THIỆP", format!("Đối với trẻ em {}", c.child_name), "NGƯỜI LẬP KẾ HOẠCH")
        }
        CaseForm::Review => {
            body.push(heading("I. Thông tin về trẻ em"));
            body.extend(child_lines(pool, &c.child_id, on).await?);
            let r = match step.map(|s| &s.details) {
                Some(StepDetails::Review(r)) => Some(r),
                _ => None,
            };
            body.push(heading("II. Đánh giá"));
            let rate = |v: Option<cases::Risk>| vec![Run::regular(v.map(|v| v.label()).unwrap_or_default())];
            body.push(Block::Table(Table {
                columns: vec![TableColumn::auto("Nội dung đánh giá", Align::Left), TableColumn::fixed_mm("Mức độ (Cao / Trung bình / Thấp)", 45.0, Align::Center)],
                rows: vec![
                    vec![vec![Run::regular("Mức độ tổn hại còn lại của trẻ em")], rate(r.map(|r| r.remaining_harm))],
                    vec![vec![Run::regular("Khả năng tiếp cận trẻ em của người có hành vi xâm hại")], rate(r.map(|r| r.abuser_access))],
                    vec![vec![Run::regular("Trở ngại trong môi trường chăm sóc trẻ em")], rate(r.map(|r| r.care_obstacles))],
                ],
                size: 12.0,
                min_row_height: 20.0,
            }));
            body.push(line("Sự phục hồi của trẻ em", r.map(|r| r.recovery.as_str()).unwrap_or_default()));
            body.push(heading("III. Kết luận"));
            body.push(line("Đề xuất", r.map(|r| r.outcome.label()).unwrap_or_default()));
            body.push(line("Ghi chú", r.map(|r| r.note.as_str()).unwrap_or_default()));
            ("BÁO CÁO ĐÁNH GIÁ KẾT QUẢ", "Thực hiện kế hoạch hỗ trợ, can thiệp".to_owned(), "NGƯỜI ĐÁNH GIÁ")
        }
    };
    let signer = match form {
        CaseForm::Receipt => c.received_by.clone(),
        _ => step.map(|s| s.done_by.clone()).unwrap_or_default(),
    };
    use chrono::Datelike;
    let frame = Frame {
        doc_type: title.to_owned(),
        summary,
        body,
        date: (form == CaseForm::Receipt || step.is_some()).then_some(on),
        signature: Signature { authority: vec![], title: signer_title.into(), name: signer, signed: None },
        ..ward_frame(pool, on.year()).await?
    };
    let mut blocks = vec![form_mark(form.number())];
    blocks.extend(frame.blocks());
    let name = form.file_name(&c.number_text);
    let bytes = crate::pdf::render(&format!("{} — vụ việc {}", form.label(), c.number_text), &blocks);
    crate::audit::exported(store, actor, "cases", case_id, &name).await?;
    Ok(bytes)
}

/// The approval decision (Mẫu 05) as a document frame.
pub(crate) async fn decision(pool: &SqlitePool, doc: &Document, signed: Option<SignedMark>) -> Result<Frame> {
    let case_id = doc.case_id.as_deref().ok_or(Error::NotFound { what: "vụ việc của quyết định" })?;
    let (case, _) = cases::for_decision(pool, case_id).await?;
    let ward = crate::ward::get_in(pool).await?.ok_or(Error::NotFound { what: "thông tin phường; hãy nhập ở mục Thông tin phường" })?;
    let mut conn = pool.acquire().await?;
    let child = crate::children::child_in(&mut conn, &case.child_id, false).await?;
    drop(conn);
    let residence = [child.address.as_str(), child.group_name.as_deref().unwrap_or_default()].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(", ");
    // The units of the plan this decision approves: the latest cycle's.
    let units: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT u.name FROM case_actions a JOIN units u ON u.id = a.unit_id
         WHERE a.case_id = ?1 AND a.deleted_at IS NULL
           AND a.cycle = (SELECT MAX(cycle) FROM case_actions WHERE case_id = ?1 AND deleted_at IS NULL) ORDER BY u.name",
    )
    .bind(case_id)
    .fetch_all(pool)
    .await?;
    let mut who = vec!["Văn phòng HĐND và UBND phường".to_owned(), "công chức Văn hóa - Xã hội".to_owned()];
    // Units keep their capitals: they are names.
    who.extend(units);
    who.push("cha, mẹ, người chăm sóc trẻ em".to_owned());
    let body = vec![
        Block::Paragraph(Paragraph::centered(vec![Run::bold("QUYẾT ĐỊNH:")], 14.0).keep_with_next().spacing(6.0, 8.0)),
        article(1, &format!(
            "Phê duyệt Kế hoạch hỗ trợ, can thiệp đối với trẻ em {}, sinh {}, giới tính {}, cư trú tại {} (Kế hoạch kèm theo Quyết định này).",
            child.full_name,
            child.birth_text,
            lower_first(child.sex.label()),
            if residence.is_empty() { ward.name.clone() } else { format!("{residence}, {}", ward.name) }
        )),
        article(2, "Giao công chức Văn hóa - Xã hội chủ trì, phối hợp với các đơn vị, cá nhân có liên quan tổ chức thực hiện Kế hoạch; theo dõi, đánh giá và báo cáo kết quả về Chủ tịch Ủy ban nhân dân phường."),
        article(3, &format!("Quyết định này có hiệu lực kể từ ngày ký. {} chịu trách nhiệm thi hành Quyết định này./.", crate::text::upper_first(&who.join(", ")))),
    ];
    use chrono::Datelike;
    Ok(Frame {
        number: doc.number,
        symbol: doc.symbol.clone(),
        date: doc.issued_on,
        doc_type: "QUYẾT ĐỊNH".to_owned(),
        summary: doc.summary.clone(),
        issuer: format!("CHỦ TỊCH ỦY BAN NHÂN DÂN {}", ward.name),
        bases: vec![
            "Căn cứ Luật Trẻ em ngày 05 tháng 4 năm 2016;".to_owned(),
            "Căn cứ Nghị định số 56/2017/NĐ-CP ngày 09 tháng 5 năm 2017 của Chính phủ quy định chi tiết một số điều của Luật Trẻ em;".to_owned(),
            format!("Xét đề nghị của công chức Văn hóa - Xã hội về Kế hoạch hỗ trợ, can thiệp đối với trẻ em (vụ việc số {}).", case.number_text),
        ],
        body,
        signature: Signature { signed, ..Signature::from_parts(&doc.signer_prefix, &doc.signer_title, &doc.signer_name) },
        recipients: doc.recipients.clone(),
        ..ward_frame(pool, doc.issued_on.map(|d| d.year()).unwrap_or(doc.year)).await?
    })
}
