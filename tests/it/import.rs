//! The seed plan and other plans in the customary form import into the expected tree.

use chrono::NaiveDate;
use treem::plan::import::{self, ImportError, NodeKind, PlanDraft};
use treem::plan::period::Period;
use treem::plan::reporting::ReportPeriod;
use treem::{plan, Source};

use crate::support::{self, seed_draft};

fn labels(nodes: &[import::DraftNode], kind: NodeKind) -> Vec<String> {
    nodes.iter().filter(|n| n.kind == kind).map(|n| n.label.clone()).collect()
}

#[test]
fn seed_header_is_understood() {
    let d = seed_draft();
    assert_eq!(d.year, 2024);
    assert_eq!(d.symbol, "KH-UBND");
    assert_eq!(d.number, None);
    assert_eq!(d.place, "Phường Nguyễn Nghiêm");
    assert_eq!(d.title, "Triển khai thực hiện công tác trẻ em trên địa bàn phường Nguyễn Nghiêm năm 2024");
    assert!(d.preamble.starts_with("Thực hiện Kế hoạch số 90/KH-UBND ngày 08/4/2024"), "{}", d.preamble);
    assert!(d.closing.starts_with("Trên đây là Kế hoạch"));
    assert_eq!(d.recipients.len(), 6);
    assert_eq!(d.recipients[0], "Phòng Lao động - TB và XH;");
    assert_eq!(d.signer_prefix, "KT. CHỦ TỊCH");
    assert_eq!(d.signer_title, "PHÓ CHỦ TỊCH");
    assert_eq!(d.signer_name, "Võ Thùy Dương");
}

#[test]
fn seed_outline_has_every_part_item_and_sub_item_in_place() {
    let d = seed_draft();
    assert_eq!(labels(&d.nodes, NodeKind::Part), ["I", "II", "III", "IV", "V"]);
    let texts: Vec<&str> = d.nodes.iter().map(|n| n.text.as_str()).collect();
    // Headings keep their punctuation as written, for a faithful printed copy.
    assert_eq!(texts, ["Mục đích, yêu cầu:", "Nội dung hoạt động:", "Kinh phí:", "Tổ chức thực hiện:", "Chế độ báo cáo:"]);

    let part1 = &d.nodes[0];
    assert_eq!(labels(&part1.children, NodeKind::Item), ["1", "2"]);
    assert_eq!(labels(&part1.children[1].children, NodeKind::SubItem), ["a", "b"]);

    let part2 = &d.nodes[1];
    assert_eq!(labels(&part2.children, NodeKind::Item), ["1", "2", "3", "4", "5"]);
    let subs: Vec<Vec<String>> = part2.children.iter().map(|i| labels(&i.children, NodeKind::SubItem)).collect();
    assert_eq!(subs[0], ["a", "b", "c", "d", "đ", "e", "g"]);
    assert_eq!(subs[1], ["a", "b", "c", "d", "đ", "e", "g"]);
    assert_eq!(subs[2], ["a", "b", "c", "d", "đ", "e"]);
    assert_eq!(subs[3], ["a", "b", "d"], "the seed skips c in II.4; it is kept as written");
    assert_eq!(subs[4], ["a", "b"]);
    // The paragraph split by a blank line in II.3.e is one sub-item again.
    let e = &part2.children[2].children[5];
    assert!(e.text.contains("giai đoạn 2022 - 2025, tầm nhìn đến năm 2030"), "{}", e.text);
    // Emphasis marks are not text: they become bold and italic stretches.
    let theme = &part2.children[3].children[0];
    assert!(theme.text.contains("chủ đề: “Hành động thiết thực, ưu tiên nguồn lực cho trẻ em”"));
    let span = |n: &import::DraftNode, e: &import::Emphasis| n.text.chars().skip(e.start as usize).take((e.end - e.start) as usize).collect::<String>();
    assert_eq!(theme.emphasis.len(), 1);
    assert!(theme.emphasis[0].bold);
    assert_eq!(span(theme, &theme.emphasis[0]), "“Hành động thiết thực, ưu tiên nguồn lực cho trẻ em”");
    let reporting = &d.nodes[4].children[0];
    let italics: Vec<String> = reporting.emphasis.iter().filter(|e| !e.bold).map(|e| span(reporting, e)).collect();
    assert_eq!(italics, ["trước ngày 19/5/2024", "trước ngày 17/11/2024"]);

    assert_eq!(labels(&d.nodes[2].children, NodeKind::Item), ["1", "2"]);
    assert!(d.warnings.iter().any(|w| w.contains("II.4") && w.contains("“c”")), "{:?}", d.warnings);
}

#[test]
fn seed_units_of_part_four_are_found_with_their_tasks() {
    let d = seed_draft();
    assert_eq!(
        d.units,
        [
            "Văn hóa - Xã hội, Đài truyền thanh",
            "Các trường học",
            "Trạm Y tế",
            "Tài chính - Kế toán",
            "Văn phòng - Thông kê",
            "Tư pháp - Hộ tịch",
            "Công an",
            "Đoàn Thanh niên",
            "Hội Liên hiệp Phụ nữ",
            "UBMTTQ Việt Nam và các đoàn thể",
        ]
    );
    let part4 = &d.nodes[3];
    let tasks: Vec<usize> = part4.children.iter().map(|u| u.children.iter().filter(|t| t.kind == NodeKind::Task).count()).collect();
    assert_eq!(tasks, [10, 4, 2, 1, 1, 1, 4, 2, 2, 2]);
    for (i, entry) in part4.children.iter().enumerate() {
        assert_eq!(entry.kind, NodeKind::UnitEntry);
        assert_eq!(entry.lead_unit, Some(i));
        assert!(entry.children.iter().all(|t| t.is_activity && t.lead_unit == Some(i)));
    }
    // The drafting unit leads the activities of part II; units named in them coordinate.
    let schools = 1;
    let police = 6;
    let part2 = &d.nodes[1];
    assert!(part2.children.iter().flat_map(|i| &i.children).all(|s| s.lead_unit == Some(0)));
    let violence = &part2.children[0].children[4]; // II.1.đ: schools, violence, online
    assert!(violence.coordinating_units.contains(&schools), "{:?}", violence.coordinating_units);
    assert!(violence.coordinating_units.contains(&police), "{:?}", violence.coordinating_units);
}

#[test]
fn seed_deadlines_and_periods_are_found() {
    let d = seed_draft();
    let deadlines: Vec<(ReportPeriod, NaiveDate)> = d.deadlines.iter().map(|x| (x.period, x.due_on)).collect();
    assert_eq!(
        deadlines,
        [
            (ReportPeriod::Half, NaiveDate::from_ymd_opt(2024, 5, 19).unwrap()),
            (ReportPeriod::Year, NaiveDate::from_ymd_opt(2024, 11, 17).unwrap())
        ]
    );
    let action_month = &d.nodes[1].children[3].children[0];
    assert_eq!(action_month.period, Period::ActionMonth);
    assert_eq!(d.activities().len(), 25 + 29);
}

#[test]
fn a_plan_in_the_same_form_with_other_content_imports() {
    let text = "ỦY BAN NHÂN DÂN\nSố: 12/KH-UBND\nPhường Trần Phú, ngày 05 tháng 01 năm 2025\nKẾ HOẠCH\nCông tác trẻ em năm 2025\n\
        Căn cứ Luật Trẻ em năm 2016;\nCăn cứ Nghị định số 56/2017/NĐ-CP.\n\
        I. Mục đích\n1. Bảo vệ trẻ em.\nII. Nhiệm vụ\n1. Tổ chức Tết Trung thu cho thiếu nhi.\n2. Truyền thông\na) Phát thanh hằng tháng.\nb) Tổ chức diễn đàn trẻ em trong hè.\n\
        III. Tổ chức thực hiện\n1. Văn hóa - Xã hội phường tham mưu\nTổng hợp, báo cáo.\n2. Đề nghị Đoàn Thanh niên phường\nTổ chức sinh hoạt hè.\n\
        IV. Chế độ báo cáo\nBáo cáo 6 tháng trước ngày 15/6/2025, cả năm trước ngày 15/12/2025.\nNơi nhận:\n- Như trên;\n- Lưu: VT.\nCHỦ TỊCH\nNguyễn Văn A\n";
    let d: PlanDraft = import::parse(text).unwrap();
    assert_eq!((d.year, d.number, d.symbol.as_str()), (2025, Some(12), "KH-UBND"));
    assert_eq!(d.issued_on, NaiveDate::from_ymd_opt(2025, 1, 5));
    assert_eq!(d.legal_bases.len(), 2);
    assert_eq!(d.units, ["Văn hóa - Xã hội", "Đoàn Thanh niên"]);
    assert_eq!(d.deadlines.len(), 2);
    assert_eq!(d.signer_title, "CHỦ TỊCH");
    assert_eq!(d.signer_name, "Nguyễn Văn A");
    let acts = d.activities();
    assert_eq!(acts.len(), 5);
    assert_eq!(acts[0].period, Period::MidAutumn);
    assert_eq!(acts[2].period, Period::Summer);
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
}

fn docx_of(text: &str) -> Vec<u8> {
    use std::io::Write;
    let mut body = String::new();
    for line in text.lines() {
        let escaped = line.replace('&', "&amp;").replace('<', "&lt;");
        body.push_str(&format!("<w:p><w:r><w:t xml:space=\"preserve\">{escaped}</w:t></w:r></w:p>"));
    }
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    zip.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).unwrap();
    zip.write_all(xml.as_bytes()).unwrap();
    zip.finish().unwrap();
    buf.into_inner()
}

const OTHER_PLAN: &str = "ỦY BAN NHÂN DÂN\nSố: 12/KH-UBND\nPhường Trần Phú, ngày 05 tháng 01 năm 2025\nKẾ HOẠCH\nCông tác trẻ em năm 2025\n\
    Căn cứ Luật Trẻ em năm 2016;\nCăn cứ Nghị định số 56/2017/NĐ-CP.\n\
    I. Mục đích\n1. Bảo vệ trẻ em.\nII. Nhiệm vụ\n1. Tổ chức Tết Trung thu cho thiếu nhi.\n2. Truyền thông\na) Phát thanh hằng tháng.\nb) Tổ chức diễn đàn trẻ em trong hè.\n\
    III. Tổ chức thực hiện\n1. Văn hóa - Xã hội phường tham mưu\nTổng hợp, báo cáo.\n2. Đề nghị Đoàn Thanh niên phường\nTổ chức sinh hoạt hè.\n\
    IV. Chế độ báo cáo\nBáo cáo 6 tháng trước ngày 15/6/2025, cả năm trước ngày 15/12/2025.\nNơi nhận:\n- Như trên;\n- Lưu: VT.\nCHỦ TỊCH\nNguyễn Văn A\n";

/// A .docx of just its body and its list numbering.
fn word_file(document: &str, numbering: &str) -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    for (name, xml) in [("word/document.xml", document), ("word/numbering.xml", numbering)] {
        zip.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(xml.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
    buf.into_inner()
}

/// The plan as Word keeps it when "I.", "1." and "a)" come from automatic list numbering: the
/// labels are not in the text but in numbering.xml, referred to by each paragraph.
fn docx_with_word_numbering(text: &str) -> Vec<u8> {
    let levels = [(regex::Regex::new(r"^(I|II|III|IV|V)\. ").unwrap(), 0), (regex::Regex::new(r"^\d+\. ").unwrap(), 1), (regex::Regex::new(r"^[a-z]\) ").unwrap(), 2)];
    let mut body = String::new();
    for line in text.lines() {
        let escaped = line.replace('&', "&amp;").replace('<', "&lt;");
        let numbered = levels.iter().find_map(|(re, level)| re.find(&escaped).map(|m| (*level, escaped[m.end()..].to_owned())));
        body.push_str(&match numbered {
            Some((level, rest)) => format!(
                "<w:p><w:pPr><w:numPr><w:ilvl w:val=\"{level}\"/><w:numId w:val=\"7\"/></w:numPr></w:pPr><w:r><w:t>{rest}</w:t></w:r></w:p>"
            ),
            None => format!("<w:p><w:r><w:t xml:space=\"preserve\">{escaped}</w:t></w:r></w:p>"),
        });
    }
    let w = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"";
    let document = format!("<?xml version=\"1.0\"?><w:document {w}><w:body>{body}</w:body></w:document>");
    let numbering = format!(
        "<?xml version=\"1.0\"?><w:numbering {w}><w:abstractNum w:abstractNumId=\"3\">\
         <w:lvl w:ilvl=\"0\"><w:start w:val=\"1\"/><w:numFmt w:val=\"upperRoman\"/><w:lvlText w:val=\"%1.\"/></w:lvl>\
         <w:lvl w:ilvl=\"1\"><w:start w:val=\"1\"/><w:numFmt w:val=\"decimal\"/><w:lvlText w:val=\"%2.\"/></w:lvl>\
         <w:lvl w:ilvl=\"2\"><w:start w:val=\"1\"/><w:numFmt w:val=\"lowerLetter\"/><w:lvlText w:val=\"%3)\"/></w:lvl>\
         </w:abstractNum><w:num w:numId=\"7\"><w:abstractNumId w:val=\"3\"/></w:num></w:numbering>"
    );
    word_file(&document, &numbering)
}

#[test]
fn word_list_numbering_gives_the_same_tree_as_typed_labels() {
    let docx = docx_with_word_numbering(OTHER_PLAN);
    let text = treem::plan::docx::paragraphs(&docx).unwrap();
    assert!(!text.contains("<w:"), "{text}");
    let from_docx = import::read_file("ke-hoach.docx", &docx).unwrap();
    assert_eq!(from_docx, import::parse(OTHER_PLAN).unwrap());
    assert_eq!(from_docx.activities().len(), 5);
}

#[test]
fn a_docx_that_inflates_beyond_any_plan_is_refused_at_once() {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut buf);
    zip.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).unwrap();
    let block = vec![b' '; 1024 * 1024];
    for _ in 0..(treem::plan::docx::MAX_XML_BYTES / block.len() as u64 + 2) {
        zip.write_all(&block).unwrap();
    }
    zip.finish().unwrap();
    let bomb = buf.into_inner();
    assert!(bomb.len() < 1024 * 1024, "small on disk: {} bytes", bomb.len());
    assert_eq!(import::read_file("bom.docx", &bomb).unwrap_err(), ImportError::TooLarge);
}

#[test]
fn the_seed_as_a_word_file_imports_the_same() {
    let from_docx = import::read_file("ke-hoach.docx", &docx_of(treem::demo::SEED_PLAN)).unwrap();
    assert_eq!(from_docx, seed_draft());
}

#[test]
fn decomposed_input_is_stored_as_nfc() {
    use unicode_normalization::UnicodeNormalization;
    let decomposed: String = treem::demo::SEED_PLAN.nfd().collect();
    assert_ne!(decomposed, treem::demo::SEED_PLAN);
    assert_eq!(import::parse(&decomposed).unwrap(), seed_draft());
}

#[tokio::test]
async fn a_malformed_plan_file_is_refused_and_nothing_is_written() {
    let t = support::demo().await;
    let before = support::row_counts(&t.store).await;
    for (name, bytes) in [
        ("hong.docx", b"PK\x03\x04 not really".to_vec()),
        ("ghi-chu.txt", "Danh sách đi chợ\n- rau\n- cá".as_bytes().to_vec()),
        ("latin1.txt", vec![0x4b, 0xc9, 0x20, 0xff, 0xfe]),
        ("anh.png", vec![0x89, 0x50, 0x4e, 0x47]),
    ] {
        let err = import::read_file(name, &bytes).unwrap_err();
        let message = treem::Error::from(err.clone()).payload().message;
        assert!(!message.is_empty() && message.chars().any(|c| "ếệểễớờởỡợ".contains(c)), "Vietnamese message: {message}");
        assert!(matches!(err, ImportError::NotADocx | ImportError::NotAPlan(_) | ImportError::NotText | ImportError::UnknownFormat));
    }
    // A draft with a bad unit reference fails inside the transaction: nothing lands.
    let mut draft = seed_draft();
    draft.nodes[3].children[9].children[1].lead_unit = Some(99);
    draft.units.push("Đơn vị mới chưa có".into());
    let err = plan::save_draft(&t.store, &t.officer, Source::Import, &draft).await.unwrap_err();
    assert_eq!(err.code(), treem::ErrorCode::InvalidInput);
    assert_eq!(support::row_counts(&t.store).await, before);
}

#[test]
fn a_plan_of_one_part_or_an_excerpt_imports_with_a_warning() {
    let one_part = "KẾ HOẠCH\nTổ chức Tết Trung thu năm 2025\nI. Nội dung\n1. Tổ chức vui Tết Trung thu cho thiếu nhi.\n2. Tặng quà trẻ em có hoàn cảnh khó khăn.\n";
    let d = import::parse(one_part).unwrap();
    assert_eq!(d.year, 2025);
    assert_eq!(d.nodes.len(), 1);
    assert!(d.warnings.iter().any(|w| w.contains("trích đoạn")), "{:?}", d.warnings);
    let excerpt = "II. Nội dung hoạt động\n1. Truyền thông về phòng chống đuối nước trong hè.\nIII. Tổ chức thực hiện\n1. Văn hóa - Xã hội phường tham mưu\nTổng hợp.\n";
    let d = import::parse(excerpt).unwrap();
    assert_eq!(d.nodes.len(), 2);
    assert_eq!(d.year, 0, "the officer fills the year in the preview");
    assert!(d.warnings.iter().any(|w| w.contains("KẾ HOẠCH")), "{:?}", d.warnings);
    assert!(d.warnings.iter().any(|w| w.contains("năm")), "{:?}", d.warnings);
    // Text with no numbered part at all is still not a plan.
    assert!(matches!(import::parse("Danh sách đi chợ\n- rau\n- cá"), Err(ImportError::NotAPlan(_))));
}

#[test]
fn hostile_list_numbering_in_a_docx_is_ignored_not_obeyed() {
    let bytes = docx_with_word_numbering(OTHER_PLAN);
    let hostile = {
        use std::io::{Read, Write};
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut out = std::io::Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut out);
        for i in 0..zip.len() {
            let mut entry = zip.by_index(i).unwrap();
            let mut xml = String::new();
            entry.read_to_string(&mut xml).unwrap();
            let xml = xml.replace("<w:ilvl w:val=\"2\"/>", "<w:ilvl w:val=\"4000000000\"/>").replace("<w:start w:val=\"1\"/>", "<w:start w:val=\"4294967295\"/>");
            writer.start_file(entry.name(), zip::write::SimpleFileOptions::default()).unwrap();
            writer.write_all(xml.as_bytes()).unwrap();
        }
        writer.finish().unwrap();
        out.into_inner()
    };
    let started = std::time::Instant::now();
    let text = treem::plan::docx::paragraphs(&hostile).unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "no runaway counting");
    assert!(text.len() < 10_000, "no runaway labels: {} bytes", text.len());
}

/// The draft with what a PDF's text cannot carry taken out: bold and italic, and the case of the
/// part headings (set in capitals in the PDF).
fn as_text_of_a_pdf(mut d: PlanDraft) -> PlanDraft {
    fn plain(nodes: &mut [import::DraftNode]) {
        for n in nodes {
            n.emphasis.clear();
            plain(&mut n.children);
        }
    }
    plain(&mut d.nodes);
    for part in &mut d.nodes {
        part.text = part.text.to_lowercase();
    }
    d
}

/// The outline one line a node, "II.4.a Tổ chức …", for a readable difference.
fn outline(d: &PlanDraft) -> Vec<String> {
    fn walk(nodes: &[import::DraftNode], path: &str, out: &mut Vec<String>) {
        for n in nodes {
            let here = if n.label.is_empty() { format!("{path}¶") } else { format!("{path}{}.", n.label) };
            out.push(format!("{here} {}", n.text));
            walk(&n.children, &here, out);
        }
    }
    let mut out = Vec::new();
    walk(&d.nodes, "", &mut out);
    out
}

#[test]
fn a_plan_copied_out_of_a_pdf_reads_as_the_typed_one() {
    // The seed as pdftotext gives it back from the signed PDF (scripts/plan-as-pdftotext.py):
    // hard-wrapped at the page's width, headings in capitals, a heading and the title broken
    // over lines, page breaks with page numbers.
    let bytes = std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ke-hoach-pdftotext.txt")).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(text.contains("I. MỤC ĐÍCH,\nYÊU CẦU:\n"), "heading I is broken in two");
    assert!(text.contains("KẾ HOẠCH\nTriển khai thực hiện công tác trẻ em\ntrên địa bàn phường\nNguyễn Nghiêm năm 2024\n"));
    assert!(text.contains("\n\u{c}2\n"), "page numbers");
    assert!(text.lines().all(|l| l.chars().count() <= 90));

    let d = import::read_file("ke-hoach.txt", &bytes).unwrap();
    assert_eq!(d.title, "Triển khai thực hiện công tác trẻ em trên địa bàn phường Nguyễn Nghiêm năm 2024");
    assert_eq!(d.nodes[0].text, "MỤC ĐÍCH, YÊU CẦU:");
    let typed = as_text_of_a_pdf(seed_draft());
    let d = as_text_of_a_pdf(d);
    assert_eq!(outline(&d), outline(&typed));
    assert_eq!(d, typed, "the same header, outline, units, deadlines, closing and signature");
}

#[test]
fn the_typed_seed_reads_as_it_always_did() {
    // The seed's draft as the importer read it before it learned to join hard-wrapped lines.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ke-hoach-seed-draft.json");
    let before: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    assert_eq!(serde_json::to_value(seed_draft()).unwrap(), before);
    let from_docx = import::read_file("ke-hoach.docx", &docx_of(treem::demo::SEED_PLAN)).unwrap();
    assert_eq!(serde_json::to_value(from_docx).unwrap(), before);
}

/// A .docx whose one list level draws its label as "%1" a million times (2 MB of XML, a few KB
/// zipped), over 20,000 numbered paragraphs: drawn in full, 20 billion characters.
fn docx_with_a_label_of_a_million_counters() -> Vec<u8> {
    let numbering = format!(
        r#"<w:numbering xmlns:w="w"><w:abstractNum w:abstractNumId="0"><w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="{}"/></w:lvl></w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>"#,
        "%1".repeat(1_000_000)
    );
    let paragraph = r#"<w:p><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>Mục</w:t></w:r></w:p>"#;
    let document = format!(r#"<w:document xmlns:w="w"><w:body>{}</w:body></w:document>"#, paragraph.repeat(20_000));
    word_file(&document, &numbering)
}

#[test]
fn a_list_label_that_expands_beyond_any_plan_is_refused_at_once() {
    let docx = docx_with_a_label_of_a_million_counters();
    assert!(docx.len() < 256 * 1024, "small on disk: {} bytes", docx.len());
    let started = std::time::Instant::now();
    let err = import::read_file("nhan.docx", &docx).unwrap_err();
    assert_eq!(err, ImportError::Limit(treem::limits::Exceeded::ExpandedChars { limit: treem::limits::Limits::DEFAULT.max_expanded_chars }));
    let message = treem::Error::from(err).payload().message;
    assert!(message.contains("vượt giới hạn 8.388.608 ký tự"), "{message}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "refused at once: {:?}", started.elapsed());
    // The same counting, with a smaller limit, stops a label well within the first paragraph.
    let small = treem::limits::Limits { max_expanded_chars: 1000, ..treem::limits::Limits::DEFAULT };
    assert!(matches!(treem::plan::docx::paragraphs_within(&docx, &small), Err(ImportError::Limit(_))));
}
