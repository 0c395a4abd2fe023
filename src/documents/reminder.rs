//! The reminder letter (công văn đôn đốc) to one unit that is late: a Decree 30 letter, with
//! no type line and its summary after "V/v" under the number, addressed "Kính gửi:" the unit,
//! listing the activities past their deadline and the reports not sent as of the day it is
//! issued (a draft: today), and asking the unit to complete and report within a week.

use chrono::{Duration, NaiveDate};
use sqlx::SqlitePool;

use super::frame::{heading, para, Frame, Signature, SignedMark};
use super::plan_doc::ward_frame;
use super::register::Document;
use crate::plan::{self, Plan};
use crate::text::{format_date, lower_first};
use crate::{Error, Result};

/// The ward's symbol for its letters: a letter has no type code (Decree 30, Annex III), only
/// the issuing body and the drafting section ("UBND-VHXH": the culture-social officer).
pub const SYMBOL: &str = "UBND-VHXH";

/// Days the unit is given to complete and report, counted from the day of the letter.
pub const DAYS_TO_REPLY: i64 = 7;

/// The letter's summary; the frame prints it after "V/v".
pub fn summary(p: &Plan) -> String {
    format!("Đôn đốc thực hiện Kế hoạch công tác trẻ em năm {}", p.year)
}

/// Where the letter goes unless the officer changes it: the unit ("Như trên"), the leaders,
/// the archive.
pub fn default_recipients() -> Vec<String> {
    vec!["Như trên;".into(), "CT, PCT UBND phường;".into(), "Lưu: VT, VH-XH.".into()]
}

/// The day by which the unit is asked to complete and report.
pub fn reply_by(day: NaiveDate) -> NaiveDate {
    day + Duration::days(DAYS_TO_REPLY)
}

fn without_end(text: &str) -> &str {
    text.trim().trim_end_matches(['.', ';', ':', ','])
}

/// The letter as a document frame, as of its date (a draft: today).
pub(crate) async fn frame(pool: &SqlitePool, doc: &Document, signed: Option<SignedMark>) -> Result<Frame> {
    let plan_id = doc.plan_id.as_deref().ok_or(Error::NotFound { what: "kế hoạch của văn bản" })?;
    let unit_id = doc.unit_id.as_deref().ok_or(Error::NotFound { what: "đơn vị nhận công văn" })?;
    let p = plan::get_in(pool, plan_id).await?;
    let day = doc.issued_on.unwrap_or_else(crate::today_in_vietnam);
    let page = crate::unit_page::unit_page_in(pool, plan_id, unit_id, day).await?;
    let unit = &page.unit.name;
    let plan_ref = match (p.number, p.issued_on) {
        (Some(n), Some(d)) => format!("Kế hoạch số {n:02}/{} ngày {} của UBND phường", p.symbol, format_date(d)),
        _ => "Kế hoạch của UBND phường".to_owned(),
    };
    let mut body = vec![para(&format!(
        "Thực hiện {plan_ref} về {}, qua theo dõi tiến độ đến ngày {}, {unit} còn những nội dung sau chưa hoàn thành đúng thời hạn:",
        lower_first(without_end(&p.title)),
        format_date(day)
    ))];
    let late: Vec<_> = page.late_activities().collect();
    let missing: Vec<_> = page.missing_reports().collect();
    let mut section = 0;
    if !late.is_empty() {
        section += 1;
        body.push(heading(&format!("{section}. Các hoạt động đã quá thời hạn nhưng chưa hoàn thành")));
        for a in &late {
            body.push(para(&format!(
                "- Mục {}: {} (thời hạn: {}; tình trạng: {}).",
                a.label,
                without_end(&a.text),
                format_date(a.due_on),
                lower_first(a.status.label())
            )));
        }
    }
    if !missing.is_empty() {
        section += 1;
        body.push(heading(&format!("{section}. Các báo cáo chưa gửi")));
        for r in &missing {
            body.push(para(&format!("- {} năm {}, hạn gửi ngày {}.", r.period.report_name(), p.year, format_date(r.due_on))));
        }
    }
    if section == 0 {
        body.push(para(&format!("(Đến ngày {}, đơn vị không còn nội dung nào quá hạn.)", format_date(day))));
    }
    body.push(para(&format!(
        "Để bảo đảm tiến độ thực hiện Kế hoạch, UBND phường đề nghị {unit} khẩn trương hoàn thành các nội dung nêu trên và báo cáo kết quả về UBND phường (qua công chức Văn hóa - Xã hội) trước ngày {}./.",
        format_date(reply_by(day))
    )));
    Ok(Frame {
        number: doc.number,
        symbol: doc.symbol.clone(),
        date: doc.issued_on,
        doc_type: String::new(),
        summary: lower_first(&doc.summary),
        addressees: vec![unit.clone()],
        body,
        signature: Signature { signed, ..Signature::from_parts(&doc.signer_prefix, &doc.signer_title, &doc.signer_name) },
        recipients: doc.recipients.clone(),
        ..ward_frame(pool, doc.year).await?
    })
}
