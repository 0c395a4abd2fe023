//! The register of children: records and who may see them, search and official order, groups
//! of special circumstances on a day, duplicates and merging, Excel in and out, the command line.

use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;
use treem::auth::{Actor, UserRole};
use treem::children::import::{self, ImportChoice};
use treem::children::index::{self, ChildQuery};
use treem::children::{self, ChildInput, Circumstance, CircumstanceInput, ConsentGiver, ConsentInput, Guardian, Household, Sex};
use treem::{Source, Store};

use crate::support::{self, TempStore};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn today() -> NaiveDate {
    day(2024, 6, 30)
}

async fn group(t: &TempStore, n: u32) -> String {
    treem::ward::unit_named(&t.store, &t.officer, &format!("Tổ dân phố {n}")).await.unwrap().id
}

/// The demo ward with its fictional children removed: its residential groups, no children.
async fn ward() -> TempStore {
    let t = support::demo().await;
    let removed = children::generate::remove_demo(&t.store, &t.officer).await.unwrap();
    assert_eq!(removed, treem::demo::DEMO_CHILDREN, "the demo ward had its fictional children");
    let live: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM children WHERE deleted_at IS NULL").fetch_one(t.store.pool()).await.unwrap();
    assert_eq!(live, 0);
    t
}

fn input(name: &str, birth: &str, sex: Sex, group: &str) -> ChildInput {
    ChildInput {
        full_name: name.into(),
        birth: birth.into(),
        sex: Some(sex),
        group_unit_id: Some(group.into()),
        guardians: vec![Guardian { name: "Trần Thị Hoa".into(), relation: "Mẹ".into(), phone: "0905123456".into() }],
        household: Some(Household::Neither),
        notes: Some("Gia đình khó khăn.".into()),
        ..Default::default()
    }
}

async fn names(store: &Store, actor: &Actor, q: ChildQuery) -> Vec<String> {
    let q = ChildQuery { limit: 500, ..q };
    index::search(store, actor, &q, today()).await.unwrap().rows.into_iter().map(|r| r.full_name).collect()
}

fn text(s: &str) -> ChildQuery {
    ChildQuery { text: s.into(), ..Default::default() }
}

#[tokio::test]
async fn search_ignores_tones_and_lists_in_official_order() {
    let t = ward().await;
    let (s, o) = (&t.store, &t.officer);
    let g1 = group(&t, 1).await;
    let g2 = group(&t, 2).await;
    for (name, birth, g) in [
        ("Nguyễn Văn Đức", "05/09/2016", &g1),
        ("Lê Thị Ánh", "01/01/2015", &g1),
        ("Trần Văn An", "2017", &g2),
        ("Nguye\u{302}\u{303}n Thị Ư", "03/03/2018", &g2),
        ("Phạm Đức Dũng", "04/04/2014", &g1),
        ("Đỗ Văn Ơn", "05/05/2013", &g1),
        ("Lê An", "06/06/2012", &g1),
    ] {
        children::add(s, o, Source::Window, &input(name, birth, Sex::Male, g), today()).await.unwrap();
    }
    // Given name, then family, then middle name; the Vietnamese alphabet, tones after the letter.
    let all = ["Lê An", "Trần Văn An", "Lê Thị Ánh", "Phạm Đức Dũng", "Nguyễn Văn Đức", "Đỗ Văn Ơn", "Nguyễn Thị Ư"];
    assert_eq!(names(s, o, text("")).await, all);
    assert_eq!(names(s, o, text("nguyen duc")).await, ["Nguyễn Văn Đức"]);
    // Children whose own name holds every word come alone; else the words may stand anywhere.
    let mut other = input("Lê Văn Tâm", "01/02/2013", Sex::Male, &g1);
    other.guardians = vec![Guardian { name: "Nguyễn Đức Hải".into(), relation: "Cha".into(), phone: String::new() }];
    children::add(s, o, Source::Window, &other, today()).await.unwrap();
    assert_eq!(names(s, o, text("nguyen duc")).await, ["Nguyễn Văn Đức"], "a child of that name comes alone");
    assert_eq!(names(s, o, text("nguyen duc hai")).await, ["Lê Văn Tâm"], "no child of that name: the father's");
    assert_eq!(names(s, o, text("van duc")).await, ["Nguyễn Văn Đức"]);
    assert_eq!(names(s, o, text("hoa dung")).await, ["Phạm Đức Dũng"], "the mother Hoa, the child Dũng");
    children::remove(s, o, Source::Window, &index::search(s, o, &ChildQuery { limit: 1, ..text("le van tam") }, today()).await.unwrap().rows[0].id, "Thử").await.unwrap();
    // Decomposed input, capitals, đ typed as d: all fold alike.
    assert_eq!(names(s, o, text("NGUYE\u{302}\u{303}N")).await, ["Nguyễn Văn Đức", "Nguyễn Thị Ư"]);
    assert_eq!(names(s, o, text("duc")).await, ["Phạm Đức Dũng", "Nguyễn Văn Đức"]);
    assert_eq!(names(s, o, text("on")).await, ["Đỗ Văn Ơn"]);
    // By guardian, phone and residential group.
    assert_eq!(names(s, o, text("tran thi hoa")).await.len(), all.len());
    assert_eq!(names(s, o, text("0905123")).await.len(), all.len());
    assert_eq!(names(s, o, text("0905 123 456")).await.len(), all.len(), "a phone typed in groups");
    assert!(names(s, o, text("0905 999")).await.is_empty());
    assert_eq!(names(s, o, text("to dan pho 2")).await, ["Trần Văn An", "Nguyễn Thị Ư"]);
    let list = index::search(s, o, &ChildQuery { limit: 2, offset: 1, ..Default::default() }, today()).await.unwrap();
    assert_eq!(list.total, 7);
    assert_eq!(list.rows.iter().map(|r| (r.number, r.full_name.as_str())).collect::<Vec<_>>(), [(2, "Trần Văn An"), (3, "Lê Thị Ánh")]);
    assert_eq!(list.rows[0].birth_text, "năm 2017");
    assert_eq!(list.rows[0].age_text, "khoảng 7 tuổi");
}

#[tokio::test]
async fn groups_hold_on_their_days_and_sixteen_year_olds_leave_the_counts() {
    let t = ward().await;
    let (s, o) = (&t.store, &t.officer);
    let g1 = group(&t, 1).await;
    let child = children::add(s, o, Source::Window, &input("Võ Thị Mai", "29/02/2008", Sex::Female, &g1), today()).await.unwrap();
    let span = CircumstanceInput { code: Circumstance::D, subgroup: None, start: "01/01/2024".into(), end: "30/06/2024".into(), note: String::new() };
    children::add_circumstance(s, o, Source::Window, &child.id, &span).await.unwrap();
    let in_d = |on: &str| ChildQuery { circumstance: Some(Circumstance::D), on: on.into(), include_over_age: true, ..Default::default() };
    assert_eq!(names(s, o, in_d("30/06/2024")).await, ["Võ Thị Mai"]);
    assert!(names(s, o, in_d("01/07/2024")).await.is_empty());
    assert!(names(s, o, in_d("31/12/2023")).await.is_empty());
    // Born 29/02/2008: still a child on 28/02/2024, sixteen on 29/02/2024.
    let active = |on: &str| ChildQuery { on: on.into(), ..Default::default() };
    assert_eq!(names(s, o, active("28/02/2024")).await, ["Võ Thị Mai"]);
    assert!(names(s, o, active("29/02/2024")).await.is_empty());
    assert_eq!(names(s, o, ChildQuery { include_over_age: true, ..active("29/02/2024") }).await, ["Võ Thị Mai"]);
    let page = children::page(s, o, &child.id, day(2024, 3, 1)).await.unwrap();
    assert!(!page.active, "sixteen: no longer counted, history kept");
    assert_eq!(page.age_text, "16 tuổi");
    assert!(page.circumstances[0].current);
    // A subgroup must be one Decree 56 gives for that group.
    let bad = CircumstanceInput { code: Circumstance::A, subgroup: Some("Ở với hàng xóm".into()), ..span };
    assert!(children::add_circumstance(s, o, Source::Window, &child.id, &bad).await.is_err());
}

#[tokio::test]
async fn every_look_is_in_the_audit_trail_and_collaborators_see_their_group_without_notes() {
    let t = ward().await;
    let (s, o) = (&t.store, &t.officer);
    let (g1, g2) = (group(&t, 1).await, group(&t, 2).await);
    let mine = children::add(s, o, Source::Window, &input("Nguyễn Văn Đức", "05/09/2016", Sex::Male, &g1), today()).await.unwrap();
    let other = children::add(s, o, Source::Window, &input("Lê Thị Ánh", "01/01/2015", Sex::Female, &g2), today()).await.unwrap();
    let consent = ConsentInput { given_by: ConsentGiver::Guardian, giver_name: "Trần Thị Hoa".into(), given_on: "01/06/2024".into(), purpose: "Quản lý hồ sơ trẻ em".into() };
    children::add_consent(s, o, Source::Window, &mine.id, &consent).await.unwrap();
    let too_young = ConsentInput { given_by: ConsentGiver::Child, given_on: "01/06/2023".into(), ..consent.clone() };
    assert!(children::add_consent(s, o, Source::Window, &mine.id, &too_young).await.is_err(), "6 years old on that day");

    let page = children::page(s, o, &mine.id, today()).await.unwrap();
    assert_eq!(page.child.notes.as_deref(), Some("Gia đình khó khăn."));
    assert_eq!(page.consents.len(), 1);
    assert_eq!(page.consents[0].recorded_by, "Nguyễn Thị Hoa");
    assert_eq!(page.consent_missing, ["Trẻ từ đủ 7 tuổi: chưa ghi sự đồng ý của chính trẻ."]);
    let views: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM change_log WHERE event = 'view' AND table_name = 'children' AND record_id = ?")
        .bind(&mine.id)
        .fetch_one(s.pool())
        .await
        .unwrap();
    assert_eq!(views, 1);

    for code in [Circumstance::D, Circumstance::L] {
        let span = CircumstanceInput { code, subgroup: None, start: "01/01/2024".into(), end: String::new(), note: String::new() };
        children::add_circumstance(s, o, Source::Window, &mine.id, &span).await.unwrap();
    }
    let (cs, collaborator) = t.user("ctv1", UserRole::Collaborator, Some(&g1)).await;
    assert_eq!(names(&cs, &collaborator, text("")).await, ["Nguyễn Văn Đức"]);
    // The sensitive groups (here l, sexual abuse) are the officer's to see, not the collaborator's.
    let row = |store, actor| async move { index::search(store, actor, &ChildQuery { text: "duc".into(), limit: 1, ..Default::default() }, today()).await.unwrap().rows[0].circumstances.clone() };
    assert_eq!(row(s, o).await, "d, l");
    assert_eq!(row(&cs, &collaborator).await, "d");
    let asked = ChildQuery { circumstance: Some(Circumstance::L), ..Default::default() };
    assert!(index::search(&cs, &collaborator, &asked, today()).await.is_err());
    assert_eq!(children::page(&cs, &collaborator, &mine.id, today()).await.unwrap().circumstances.len(), 1);
    // A child's history is read on the child's page only, where the look is recorded.
    let history = treem::history::of_record(&cs, &collaborator, "children", &mine.id).await.unwrap_err();
    assert!(history.to_string().contains("trang của trẻ"), "{history}");
    let seen = children::page(&cs, &collaborator, &mine.id, today()).await.unwrap();
    assert_eq!(seen.child.notes, None, "no notes for collaborators");
    assert!(seen.may_edit && !seen.may_manage);
    assert!(children::page(&cs, &collaborator, &other.id, today()).await.is_err());
    let moved = ChildInput { notes: None, ..input("Nguyễn Văn Đức", "05/09/2016", Sex::Male, &g2) };
    assert!(children::update(&cs, &collaborator, Source::Window, &mine.id, &moved, today()).await.is_err(), "not out of their group");
    let into_other = input("Bùi Thị Lan", "01/01/2019", Sex::Female, &g2);
    assert!(children::add(&cs, &collaborator, Source::Window, &into_other, today()).await.is_err());
    assert!(children::remove(&cs, &collaborator, Source::Window, &mine.id, "x").await.is_err());
    let (vs, viewer) = t.user("xem", UserRole::Viewer, None).await;
    let refused = index::search(&vs, &viewer, &ChildQuery::default(), today()).await.unwrap_err();
    assert!(refused.to_string().contains("xem hồ sơ trẻ em"), "{refused}");
    // The looks taken on the collaborator's laptop reach the office's audit trail by sync.
    let (bytes, _) = treem::sync::export(&cs, &collaborator, Some(s.device_id()), false).await.unwrap();
    treem::sync::import(s, o, &bytes, &mut |_, _| {}).await.unwrap();
    let audit = treem::audit::list(s, o, &Default::default()).await.unwrap();
    assert!(audit.iter().any(|l| l.user_name == "ctv1" && l.action == "Xem hồ sơ" && l.table == "Hồ sơ trẻ em"));
}

#[tokio::test]
async fn duplicates_are_found_and_merged_with_history_kept() {
    let t = ward().await;
    let (s, o) = (&t.store, &t.officer);
    let g1 = group(&t, 1).await;
    let first = ChildInput { id_number: "051216000123".into(), ..input("Nguyễn Văn Đức", "05/09/2016", Sex::Male, &g1) };
    let kept = children::add(s, o, Source::Window, &first, today()).await.unwrap();
    let same_id = ChildInput { id_number: "051216000123".into(), ..input("Nguyễn Đức", "05/09/2016", Sex::Male, &g1) };
    let check = children::check(s, o, &same_id, None, today()).await.unwrap();
    assert_eq!(check.duplicates.len(), 1, "same ID number");
    let same_name = input("NGUYỄN VĂN ĐỨC", "5/9/2016", Sex::Male, &g1);
    assert_eq!(children::check(s, o, &same_name, None, today()).await.unwrap().duplicates[0].id, kept.id);
    assert!(children::check(s, o, &same_name, Some(&kept.id), today()).await.unwrap().duplicates.is_empty());
    let bad = ChildInput { id_number: "05121600012".into(), birth: "31/02/2016".into(), ..same_name.clone() };
    let problems = children::check(s, o, &bad, None, today()).await.unwrap().problems;
    assert_eq!(problems.iter().map(|p| p.field.as_str()).collect::<Vec<_>>(), ["birth", "id_number"]);

    let twin = ChildInput { school: "Trường Tiểu học Lê Lợi".into(), ..same_name };
    let twin = children::add(s, o, Source::Window, &twin, today()).await.unwrap();
    let span = CircumstanceInput { code: Circumstance::A, subgroup: None, start: "01/01/2024".into(), end: String::new(), note: String::new() };
    children::add_circumstance(s, o, Source::Window, &twin.id, &span).await.unwrap();
    let merged = children::merge(s, o, Source::Window, &kept.id, &twin.id).await.unwrap();
    assert_eq!(merged.school, "Trường Tiểu học Lê Lợi", "the kept record takes what it lacked");
    let page = children::page(s, o, &kept.id, today()).await.unwrap();
    assert_eq!(page.circumstances.len(), 1, "groups move over");
    assert!(page.history.iter().any(|h| h.changes.iter().any(|c| c.field == "Trường")));
    assert_eq!(names(s, o, text("")).await, ["Nguyễn Văn Đức"]);
    let gone: (Option<String>, Option<String>, Option<String>) =
        sqlx::query_as("SELECT merged_into, removed_reason, deleted_at FROM children WHERE id = ?").bind(&twin.id).fetch_one(s.pool()).await.unwrap();
    assert_eq!(gone.0.as_deref(), Some(kept.id.as_str()));
    assert!(gone.1.unwrap().starts_with("Gộp vào hồ sơ Nguyễn Văn Đức"));
    assert!(gone.2.is_some(), "tombstoned, not erased");
    // A merged record is not brought back; one removed by mistake is, with its history.
    assert!(children::restore(s, o, Source::Window, &twin.id).await.is_err());
    children::remove(s, o, Source::Window, &kept.id, "Nhập nhầm").await.unwrap();
    assert!(names(s, o, text("")).await.is_empty());
    let back = children::restore(s, o, Source::Window, &kept.id).await.unwrap();
    assert_eq!(back.removed_reason, None);
    assert_eq!(names(s, o, text("")).await, ["Nguyễn Văn Đức"]);
    let history = children::page(s, o, &kept.id, today()).await.unwrap().history;
    assert_eq!(history.last().unwrap().summary, "Khôi phục hồ sơ");
    let replayed = treem::store::replay(s.pool()).await.unwrap();
    assert!(replayed.difference.is_none(), "the log rebuilds the register: {:?}", replayed.difference);
}

/// Latin-1 text, as a spreadsheet holds bytes typed in a legacy font.
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

/// A workbook as wards keep them: a title, the header on row 3, numbered columns, hand-written
/// groups and circumstances, a sex column ticked "x", a name column in TCVN3.
fn workbook(rows: &[[&str; 7]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Trẻ em").unwrap();
    sheet.write_string(0, 0, "DANH SÁCH TRẺ EM TỔ DÂN PHỐ").unwrap();
    let headers = ["STT", "Họ và tên", "Ngày sinh", "Nam", "Nữ", "Tổ dân phố", "Hoàn cảnh đặc biệt", "Số định danh"];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(2, c as u16, *h).unwrap();
        sheet.write_number(3, c as u16, (c + 1) as f64).unwrap();
    }
    for (i, r) in rows.iter().enumerate() {
        let row = 4 + i as u32;
        sheet.write_number(row, 0, (i + 1) as f64).unwrap();
        for (c, v) in r.iter().enumerate() {
            let col = c as u16 + 1;
            match (c, v.parse::<f64>()) {
                (1, Ok(serial)) => sheet.write_number(row, col, serial).unwrap(),
                _ if v.is_empty() => continue,
                _ => sheet.write_string(row, col, *v).unwrap(),
            };
        }
    }
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn import_checks_every_row_and_writes_all_or_nothing() {
    let t = ward().await;
    let (s, o) = (&t.store, &t.officer);
    let duc = latin1(b"Nguy\xD4n V\xA8n \xA7\xF8c");
    let huong = latin1(b"Tr\xC7n Th\xDE H\xAD\xACng");
    let long_name = "A".repeat(10_000);
    // Every name typed in TCVN3 but the one too long; the header retyped in Unicode.
    let tam = latin1(b"Tr\xC7n V\xA8n T\xA9m");
    let lan = latin1(b"\xA7\xB5m Th\xDE Lan");
    let hung = latin1(b"Tr\xC7n V\xA8n H\xADng");
    let rows: Vec<[&str; 7]> = vec![
        [&duc, "42618", "x", "", "Tổ 2", "Mồ côi cả cha và mẹ", "051216000123"],
        [&huong, "12/03/2015", "", "x", "TDP 1", "khuyết tật", ""],
        [&tam, "31/02/2016", "x", "", "Tổ 1", "", ""],
        [&lan, "2017", "", "x", "Tổ 9", "", "05131700012"],
        [&long_name, "01/01/2018", "x", "", "Tổ 1", "", ""],
        [&hung, "01/01/2014", "x", "", "tổ dân phố số 3", "Mồ côi cha", ""],
    ];
    let bytes = workbook(&rows);
    let before = support::row_counts(s).await;
    let preview = import::preview(s, o, &bytes, &ImportChoice::default(), today()).await.unwrap();
    assert_eq!(preview.header_row, 3);
    assert_eq!((preview.total_rows, preview.good_rows), (6, 2));
    let name_column = preview.columns.iter().find(|c| c.field == Some(import::ImportField::FullName)).unwrap();
    assert_eq!(name_column.letter, "B");
    assert_eq!(name_column.legacy, Some(treem::text::legacy::Legacy::Tcvn3));
    assert!(name_column.examples[0].ends_with("→ Nguyễn Văn Đức"), "{:?}", name_column.examples);
    assert_eq!(preview.rows[0].full_name, "Nguyễn Văn Đức");
    assert_eq!(preview.rows[0].birth_text, "05/09/2016");
    assert_eq!(preview.rows[0].group_name.as_deref(), Some("Tổ dân phố 2"));
    assert_eq!(preview.rows[1].circumstances, "d");
    let messages: Vec<&str> = preview.problems.iter().map(|p| p.message.as_str()).collect();
    let expect = [
        "Dòng 7, cột C (Ngày sinh): ngày 31/02/2016 không có trên lịch",
        "Dòng 8, cột F (Tổ dân phố): phường không có tổ dân phố “Tổ 9”",
        "Dòng 8, cột H (Số định danh cá nhân): số định danh cá nhân có 12 chữ số; số đã nhập có 11 chữ số.",
        "Dòng 9, cột B (Họ và tên): họ và tên dài quá 100 ký tự",
        "Dòng 10, cột G (Hoàn cảnh đặc biệt): “Mồ côi cha” không phải một trong 14 nhóm",
    ];
    for e in expect {
        assert!(messages.iter().any(|m| m.starts_with(e)), "missing “{e}” in {messages:#?}");
    }
    let refused = import::commit(s, o, Source::Import, &bytes, &ImportChoice::default(), false, today(), &|_, _| {}).await.unwrap_err();
    assert!(refused.to_string().starts_with("4 dòng có lỗi nên chưa nhập dòng nào."), "{refused}");
    assert_eq!(support::row_counts(s).await, before, "nothing written");

    let done = import::commit(s, o, Source::Import, &bytes, &ImportChoice::default(), true, today(), &|_, _| {}).await.unwrap();
    assert_eq!((done.added, done.skipped), (2, 4));
    assert_eq!(names(s, o, text("")).await, ["Nguyễn Văn Đức", "Trần Thị Hương"]);
    assert_eq!(names(s, o, ChildQuery { circumstance: Some(Circumstance::A), ..Default::default() }).await, ["Nguyễn Văn Đức"]);
    // The same file again: every good row is now a duplicate.
    let again = import::preview(s, o, &bytes, &ImportChoice::default(), today()).await.unwrap();
    assert_eq!(again.good_rows, 0);
    assert!(again.problems.iter().any(|p| p.message.contains("trùng với trẻ đã có trong sổ: Nguyễn Văn Đức")), "{:#?}", again.problems);
    // The mapping chosen is remembered for the next file with the same headers.
    let mut mapping: Vec<Option<import::ImportField>> = again.columns.iter().map(|c| c.field).collect();
    mapping[7] = None;
    let choice = ImportChoice { sheet: "Trẻ em".into(), mapping: Some(mapping) };
    import::commit(s, o, Source::Import, &workbook(&[["Đỗ Thị Yến", "01/01/2019", "", "x", "Tổ 3", "", "xyz"]]), &choice, false, today(), &|_, _| {})
        .await
        .unwrap();
    let next = import::preview(s, o, &bytes, &ImportChoice::default(), today()).await.unwrap();
    assert_eq!(next.columns[7].field, None);
}

#[tokio::test]
async fn bad_workbooks_are_refused_with_a_clear_message_and_nothing_written() {
    let t = ward().await;
    let (s, o) = (&t.store, &t.officer);
    let before = support::row_counts(s).await;
    let refuse = |bytes: Vec<u8>| async move { import::preview(s, o, &bytes, &ImportChoice::default(), today()).await.unwrap_err().to_string() };
    assert!(refuse(b"Ho va ten,Ngay sinh\n".to_vec()).await.contains("không phải sổ tính"));
    let whole = workbook(&[["Lê Văn Bình", "01/01/2016", "x", "", "Tổ 1", "", ""]]);
    assert!(refuse(whole[..whole.len() / 2].to_vec()).await.contains("bị cắt ngắn"));
    // A zip bomb: one part that inflates to 300 MB of zeros, from a file of a few hundred KB.
    let mut bomb = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    bomb.start_file("xl/worksheets/sheet1.xml", zip::write::SimpleFileOptions::default()).unwrap();
    let zeros = vec![0u8; 1024 * 1024];
    for _ in 0..300 {
        std::io::Write::write_all(&mut bomb, &zeros).unwrap();
    }
    let bomb = bomb.finish().unwrap().into_inner();
    assert!(bomb.len() < 2 * 1024 * 1024);
    assert!(refuse(bomb).await.contains("giải nén ra hơn 64 MB"));
    // An Office file encrypted with a password is a compound file holding "EncryptedPackage".
    let encrypted = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/password.xlsx")).unwrap();
    assert!(refuse(encrypted).await.contains("mật khẩu"));
    // 50,000 rows: refused whole, with the limit said.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "Họ và tên").unwrap();
    sheet.write_string(0, 1, "Ngày sinh").unwrap();
    for r in 1..=50_000u32 {
        sheet.write_string(r, 0, "Lê Văn Bình").unwrap();
    }
    assert!(refuse(book.save_to_buffer().unwrap()).await.contains("50.000 dòng dữ liệu; mỗi lần nhập nhiều nhất 20.000 dòng"));
    assert_eq!(support::row_counts(s).await, before);
}

#[tokio::test]
async fn lists_go_out_as_excel_and_as_a_printed_list() {
    let t = ward().await;
    let (s, o) = (&t.store, &t.officer);
    let g2 = group(&t, 2).await;
    for (name, birth) in [("Nguyễn Văn Đức", "05/09/2016"), ("Lê Thị Ánh", "01/01/2015")] {
        children::add(s, o, Source::Window, &input(name, birth, Sex::Male, &g2), today()).await.unwrap();
    }
    let q = ChildQuery { group_unit_id: Some(g2.clone()), ..Default::default() };
    let bytes = children::export::xlsx(s, o, &q, today(), "danh-sach.xlsx").await.unwrap();
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range("Danh sách trẻ em").unwrap();
    let title = range.get_value((0, 0)).unwrap().to_string();
    assert_eq!(title, "DANH SÁCH TRẺ EM — PHƯỜNG NGUYỄN NGHIÊM (Tổ dân phố 2)");
    assert_eq!(range.get_value((3, 1)).unwrap().to_string(), "Họ và tên");
    assert_eq!(range.get_value((4, 1)).unwrap().to_string(), "Lê Thị Ánh");
    let born = range.get_value((5, 2)).unwrap();
    match born {
        calamine::Data::DateTime(d) => assert_eq!(d.as_f64(), 42618.0, "05/09/2016 as Excel's serial"),
        other => panic!("dates are dates: {other:?}"),
    }

    let pdf = children::export::pdf(s, o, &q, today(), "danh-sach.pdf").await.unwrap();
    let audit = treem::audit::list(s, o, &Default::default()).await.unwrap();
    let exports: Vec<&str> = audit.iter().filter(|l| l.action == "Xuất dữ liệu").map(|l| l.details.as_str()).collect();
    assert_eq!(exports, ["tệp: danh-sach.pdf", "tệp: danh-sach.xlsx"], "each list made is in the audit trail, newest first");
    let text = crate::documents::check_pdf("danh-sach-tre-em", &pdf);
    for expected in ["DANH SÁCH", "Tổ dân phố 2", "Lê Thị Ánh", "Nguyễn Văn Đức", "05/09/2016", "NGƯỜI LẬP DANH SÁCH", "Nguyễn Thị Hoa"] {
        assert!(text.contains(expected), "“{expected}” in {text}");
    }
    assert!(!text.contains("Số:"), "a list stands without a number");
}

fn treem(db: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_treem"));
    cmd.args(args).arg("--db").arg(db).env("TREEM_DATA_DIR", db.parent().unwrap());
    cmd.env("TREEM_USER", "canbo").env("TREEM_PASSWORD", support::PASSWORD);
    cmd.output().expect("treem runs")
}

#[tokio::test]
async fn the_command_line_imports_searches_and_exports() {
    let t = ward().await;
    let db = t.db_path();
    let dir = t.dir.path().to_path_buf();
    t.store.close().await;
    let file = dir.join("tre-em.xlsx");
    let duc = latin1(b"Nguy\xD4n V\xA8n \xA7\xF8c");
    let tam = latin1(b"Tr\xC7n V\xA8n T\xA9m");
    std::fs::write(&file, workbook(&[[&duc, "42618", "x", "", "Tổ 2", "", ""], [&tam, "31/02/2016", "x", "", "Tổ 1", "", ""]])).unwrap();
    let file_arg = file.to_str().unwrap();

    let refused = treem(&db, &["children", "import", file_arg]);
    assert!(!refused.status.success());
    let out = String::from_utf8_lossy(&refused.stdout);
    assert!(out.contains("Dòng 6, cột C (Ngày sinh): ngày 31/02/2016 không có trên lịch"), "{out}");
    assert!(out.contains("Cột B (Họ và tên): chuyển từ bảng mã TCVN3 (ABC) sang Unicode"), "{out}");
    let none = treem(&db, &["children", "search", "--json"]);
    let found: serde_json::Value = serde_json::from_slice(&none.stdout).unwrap();
    assert_eq!(found["total"], 0, "nothing written");

    let ok = treem(&db, &["children", "import", file_arg, "--skip-bad-rows"]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("Đã nhập 1 trẻ; bỏ qua 1 dòng có lỗi."));
    let search = treem(&db, &["children", "search", "nguyen duc", "--json"]);
    let found: serde_json::Value = serde_json::from_slice(&search.stdout).unwrap();
    assert_eq!(found["rows"][0]["full_name"], "Nguyễn Văn Đức");
    assert_eq!(found["rows"][0]["group_name"], "Tổ dân phố 2");

    let added = treem(&db, &["demo", "children", "40"]);
    assert!(added.status.success());
    let all = treem(&db, &["children", "search", "--json"]);
    let all: serde_json::Value = serde_json::from_slice(&all.stdout).unwrap();
    let listed: Vec<String> = all["rows"].as_array().unwrap().iter().map(|r| r["full_name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(all["total"].as_u64().unwrap() as usize, listed.len());
    let mut sorted = listed.clone();
    sorted.sort_by_key(|n| treem::text::name_sort_key(n));
    assert_eq!(listed, sorted, "an empty query lists everyone in official order");

    let out = dir.join("danh-sach.xlsx");
    let export = treem(&db, &["children", "export", "--out", out.to_str().unwrap(), "--group", "q"]);
    assert!(!export.status.success(), "q is no group");
    let export = treem(&db, &["children", "export", "--out", out.to_str().unwrap()]);
    assert!(export.status.success(), "{}", String::from_utf8_lossy(&export.stderr));
    assert!(std::fs::metadata(&out).unwrap().len() > 1000);
}

/// Everyone, in order, with what the list shows of them.
async fn listing(store: &Store, actor: &Actor) -> Vec<String> {
    let q = ChildQuery { include_over_age: true, limit: 500, ..Default::default() };
    let list = index::search(store, actor, &q, treem::today_in_vietnam()).await.unwrap();
    list.rows.into_iter().map(|r| format!("{} {} {} {:?} {}", r.full_name, r.birth_text, r.guardian, r.group_name, r.circumstances)).collect()
}

#[tokio::test]
async fn the_index_patched_after_each_change_equals_one_read_afresh() {
    let t = support::demo().await;
    let (s, o) = (&t.store, &t.officer);
    let g1 = group(&t, 1).await;
    let before = listing(s, o).await;
    assert_eq!(before.len(), treem::demo::DEMO_CHILDREN);
    let added = children::add(s, o, Source::Window, &input("Ưng Văn Ánh", "05/09/2016", Sex::Male, &g1), today()).await.unwrap();
    let first = index::search(s, o, &ChildQuery { limit: 3, ..Default::default() }, treem::today_in_vietnam()).await.unwrap().rows;
    // Renamed to sort elsewhere; another one removed; a group added; one merged into another.
    children::update(s, o, Source::Window, &added.id, &input("Ưng Văn Yến", "05/09/2016", Sex::Male, &g1), today()).await.unwrap();
    children::remove(s, o, Source::Window, &first[0].id, "Chuyển đi nơi khác").await.unwrap();
    let span = CircumstanceInput { code: Circumstance::K, subgroup: None, start: "01/01/2024".into(), end: String::new(), note: String::new() };
    children::add_circumstance(s, o, Source::Window, &first[1].id, &span).await.unwrap();
    children::merge(s, o, Source::Window, &first[1].id, &first[2].id).await.unwrap();
    let patched = listing(s, o).await;
    assert_eq!(patched.len(), treem::demo::DEMO_CHILDREN - 1);
    assert!(patched.iter().any(|l| l.starts_with("Ưng Văn Yến")) && !patched.iter().any(|l| l.starts_with("Ưng Văn Ánh")));
    let (fresh_store, fresh_actor) = treem::auth::log_in(&t.db_path(), "canbo", support::PASSWORD).await.unwrap();
    assert_eq!(patched, listing(&fresh_store, &fresh_actor).await, "patched in place = read afresh");
    // A residential group renamed reaches every child of it.
    treem::ward::rename_unit(s, o, Source::Window, &g1, "Tổ dân phố số 1").await.unwrap();
    let q = ChildQuery { text: "to dan pho so 1".into(), include_over_age: true, limit: 500, ..Default::default() };
    let renamed = index::search(s, o, &q, treem::today_in_vietnam()).await.unwrap();
    assert_eq!(renamed.total as usize, patched.iter().filter(|l| l.contains("Some(\"Tổ dân phố 1\")")).count());
    assert!(renamed.total > 0);
}

#[tokio::test]
async fn old_excel_and_libreoffice_workbooks_import_alike() {
    let t = ward().await;
    let (s, o) = (&t.store, &t.officer);
    for name in ["tre-em.xls", "tre-em.ods"] {
        let bytes = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)).unwrap();
        let preview = import::preview(s, o, &bytes, &ImportChoice::default(), today()).await.unwrap();
        assert_eq!((preview.total_rows, preview.good_rows), (3, 3), "{name}: {:#?}", preview.problems);
        let rows: Vec<(String, String, Option<String>, String)> =
            preview.rows.iter().map(|r| (r.full_name.clone(), r.birth_text.clone(), r.group_name.clone(), r.circumstances.clone())).collect();
        assert_eq!(
            rows,
            [
                ("Nguyễn Văn Đức".into(), "05/09/2016".into(), Some("Tổ dân phố 2".into()), "a".into()),
                ("Trần Thị Hương".into(), "12/03/2015".into(), Some("Tổ dân phố 1".into()), "d".into()),
                ("Lê Văn Bình".into(), "năm 2017".into(), Some("Tổ dân phố 3".into()), String::new()),
            ],
            "{name}"
        );
    }
}

/// `s` in TCVN3, as a legacy font typed it: each letter the one byte that reads back as it.
fn tcvn3(s: &str) -> String {
    use treem::text::legacy::{to_unicode, Legacy};
    s.chars()
        .map(|c| {
            if c.is_ascii() {
                return c;
            }
            (0xA0u8..=0xFF).map(|b| b as char).find(|b| to_unicode(&b.to_string(), Legacy::Tcvn3) == c.to_string()).expect("a TCVN3 letter")
        })
        .collect()
}

#[tokio::test]
async fn a_workbook_typed_all_in_tcvn3_with_a_second_header_and_a_total_row_imports() {
    let t = ward().await;
    let (s, o) = (&t.store, &t.officer);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, tcvn3("danh sách trẻ em")).unwrap();
    let headers = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "", "Số định danh", "Hoàn cảnh đặc biệt", "Ghi chú", "Ghi chú"];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(2, c as u16, tcvn3(h)).unwrap();
    }
    // "Giới tính" over two columns, "Nam" and "Nữ" under it; "0" means not ticked.
    sheet.write_string(3, 3, tcvn3("Nam")).unwrap();
    sheet.write_string(3, 4, tcvn3("Nữ")).unwrap();
    let rows: [(&str, &str, &str, &str, f64, &str); 2] = [
        ("Nguyễn Văn Đức", "05/09/2016", "x", "0", 1216000123.0, "Nhiễm HIV/AIDS"),
        ("Trần Thị Hương", "12/03/2015", "", "x", 0.0, "Mắc bệnh hiểm nghèo hoặc bệnh phải điều trị dài ngày thuộc hộ nghèo, hộ cận nghèo"),
    ];
    for (r, (name, birth, male, female, id, group)) in rows.iter().enumerate() {
        let row = 4 + r as u32;
        sheet.write_number(row, 0, (r + 1) as f64).unwrap();
        sheet.write_string(row, 1, tcvn3(name)).unwrap();
        sheet.write_string(row, 2, *birth).unwrap();
        sheet.write_string(row, 3, *male).unwrap();
        sheet.write_string(row, 4, *female).unwrap();
        if *id > 0.0 {
            sheet.write_number(row, 5, *id).unwrap();
        }
        sheet.write_string(row, 6, tcvn3(group)).unwrap();
        sheet.write_string(row, 7, tcvn3("Sống với bà")).unwrap();
        sheet.write_string(row, 8, tcvn3("Học khá")).unwrap();
    }
    sheet.write_string(6, 1, tcvn3("Tổng cộng: 2 trẻ")).unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let preview = import::preview(s, o, &bytes, &ImportChoice::default(), today()).await.unwrap();
    assert_eq!(preview.header_row, 3);
    let fields: Vec<Option<import::ImportField>> = preview.columns.iter().map(|c| c.field).collect();
    use import::ImportField::*;
    assert_eq!(fields, [None, Some(FullName), Some(Birth), Some(Sex), None, Some(IdNumber), Some(Circumstances), Some(Notes), Some(Notes)]);
    assert_eq!(preview.columns[1].header, "Họ và tên");
    assert_eq!(preview.total_rows, 2, "the second header and the total are no children");
    // With "Giới tính" read as Nam/Nữ in one column, the sub-header columns are mapped by hand.
    let mapping = vec![None, Some(FullName), Some(Birth), Some(Male), Some(Female), Some(IdNumber), Some(Circumstances), Some(Notes), Some(Notes)];
    let choice = ImportChoice { sheet: String::new(), mapping: Some(mapping) };
    let preview = import::preview(s, o, &bytes, &choice, today()).await.unwrap();
    assert!(preview.problems.is_empty(), "{:#?}", preview.problems);
    assert_eq!(preview.rows.iter().map(|r| r.circumstances.as_str()).collect::<Vec<_>>(), ["đ", "n"]);
    assert_eq!(preview.rows.iter().map(|r| r.sex).collect::<Vec<_>>(), [Some(children::Sex::Male), Some(children::Sex::Female)]);
    import::commit(s, o, Source::Import, &bytes, &choice, false, today(), &|_, _| {}).await.unwrap();
    let found = index::search(s, o, &ChildQuery { limit: 1, ..text("001216000123") }, today()).await.unwrap();
    assert_eq!(found.rows[0].full_name, "Nguyễn Văn Đức", "Hà Nội's 001 kept its two zeros");
    let page = children::page(s, o, &found.rows[0].id, today()).await.unwrap();
    assert_eq!(page.child.notes.as_deref(), Some("Sống với bà; Học khá"));
    // With no column of names, the preview still shows the columns to map; the import refuses.
    let unnamed = ImportChoice { sheet: String::new(), mapping: Some(vec![None; 9]) };
    assert_eq!(import::preview(s, o, &bytes, &unnamed, today()).await.unwrap().good_rows, 0);
    assert!(import::commit(s, o, Source::Import, &bytes, &unnamed, true, today(), &|_, _| {}).await.unwrap_err().to_string().contains("Họ và tên"));
}

/// A register typed all in TCVN3 (.VnTime), as a ward kept it for years: names, addresses and
/// mothers in long cells, the residential group as short "Tæ 2" ("Tổ 2") and the sex as "N÷".
fn register_in_tcvn3(rows: &[[&str; 6]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, tcvn3("Danh sách trẻ em dưới 16 tuổi")).unwrap();
    // The group's header as short as its cells: "Tæ" reads "Tổ" in TCVN3, "Tỉ" in VNI.
    let headers = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Địa chỉ", "Tổ", "Họ tên mẹ"];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(2, c as u16, tcvn3(h)).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        let at = 3 + r as u32;
        sheet.write_number(at, 0, (r + 1) as f64).unwrap();
        for (c, v) in row.iter().enumerate() {
            let value = if c == 1 { v.to_string() } else { tcvn3(v) };
            sheet.write_string(at, c as u16 + 1, value).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_register_typed_in_tcvn3_reads_its_short_group_cells_in_tcvn3_too() {
    let t = ward().await;
    let (s, o) = (&t.store, &t.officer);
    let rows = [
        ["Nguyễn Văn Đức", "05/09/2016", "Nam", "Số 12 đường Lê Lợi", "Tổ 2", "Trần Thị Hương"],
        ["Phạm Thị Ngọc Lan", "12/03/2015", "Nữ", "Số 5 hẻm 30 Nguyễn Nghiêm", "Tổ 1", "Lê Thị Hoa"],
        ["Võ Minh Khôi", "20/11/2017", "Nam", "Số 8 đường Hùng Vương", "Tổ 3", "Đặng Thị Mỹ"],
        ["Đỗ Thị Yến", "01/01/2019", "Nữ", "Số 41 đường Phan Đình Phùng", "Tổ 2", "Huỳnh Thị Lựu"],
    ];
    let bytes = register_in_tcvn3(&rows);
    assert_eq!(tcvn3("Tổ 2"), "T\u{e6} 2", "“Tổ 2” as .VnTime typed it reads “Tæ 2”");
    let group_cells: Vec<String> = ["Tổ"].iter().chain(rows.iter().map(|r| &r[4])).map(|c| tcvn3(c)).collect();
    let group_cells: Vec<&str> = group_cells.iter().map(String::as_str).collect();
    assert_eq!(treem::text::legacy::detect(&group_cells), None, "the group column alone shows no encoding");

    let preview = import::preview(s, o, &bytes, &ImportChoice::default(), today()).await.unwrap();
    assert!(preview.problems.is_empty(), "{:#?}", preview.problems);
    assert_eq!((preview.total_rows, preview.good_rows), (4, 4));
    let read: Vec<(String, Option<String>, Option<Sex>)> = preview.rows.iter().map(|r| (r.full_name.clone(), r.group_name.clone(), r.sex)).collect();
    let group = |n: u32| Some(format!("Tổ dân phố {n}"));
    assert_eq!(
        read,
        [
            ("Nguyễn Văn Đức".into(), group(2), Some(Sex::Male)),
            ("Phạm Thị Ngọc Lan".into(), group(1), Some(Sex::Female)),
            ("Võ Minh Khôi".into(), group(3), Some(Sex::Male)),
            ("Đỗ Thị Yến".into(), group(2), Some(Sex::Female)),
        ]
    );
    let headers: Vec<&str> = preview.columns.iter().map(|c| c.header.as_str()).collect();
    assert_eq!(headers, ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Địa chỉ", "Tổ", "Họ tên mẹ"]);
    let tcvn3_enc = Some(treem::text::legacy::Legacy::Tcvn3);
    assert!(preview.columns[1..].iter().filter(|c| c.letter != "C").all(|c| c.legacy == tcvn3_enc), "{:#?}", preview.columns);
    assert_eq!(preview.columns[5].examples[0], "Tæ 2 → Tổ 2");

    // The decision, for the whole sheet, with what showed it.
    let encoding = preview.encoding.as_ref().expect("the sheet's encoding is shown");
    assert_eq!(encoding.legacy, treem::text::legacy::Legacy::Tcvn3);
    assert_eq!(encoding.summary, "Trang tính được gõ bằng phông TCVN3 (.VnTime); đã chuyển sang Unicode.");
    assert!(encoding.evidence.starts_with("Nhận ra ở các cột B (Họ và tên),"), "{}", encoding.evidence);
    assert!(encoding.evidence.contains("E (Địa chỉ)") && encoding.evidence.contains("G (Họ tên mẹ)"), "{}", encoding.evidence);
    assert!(encoding.notes.iter().any(|n| n.contains("F (Tổ)") && n.contains("chuyển theo cả trang tính")), "{:?}", encoding.notes);

    let done = import::commit(s, o, Source::Import, &bytes, &ImportChoice::default(), false, today(), &|_, _| {}).await.unwrap();
    assert_eq!(done.added, 4);
    let found = index::search(s, o, &ChildQuery { limit: 1, ..text("pham thi ngoc lan") }, today()).await.unwrap();
    let page = children::page(s, o, &found.rows[0].id, today()).await.unwrap();
    assert_eq!(page.child.full_name, "Phạm Thị Ngọc Lan");
    assert_eq!(page.child.group_name.as_deref(), Some("Tổ dân phố 1"));
    assert_eq!(page.child.address, "Số 5 hẻm 30 Nguyễn Nghiêm");
    assert_eq!(page.child.guardians[0].name, "Lê Thị Hoa");
}

/// A zipped workbook of the given parts, as Excel lays it out.
fn zipped(parts: &[(&str, &str)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, body) in parts {
        z.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut z, body.as_bytes()).unwrap();
    }
    z.finish().unwrap().into_inner()
}

/// An .xlsx of one sheet: its XML (inside `<worksheet>`) and its shared strings.
fn xlsx_of(sheet: &str, shared: &[&str]) -> Vec<u8> {
    let strings: String = shared.iter().map(|s| format!("<si><t>{s}</t></si>")).collect();
    zipped(&[
        ("[Content_Types].xml", r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#),
        ("xl/workbook.xml", r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Trẻ em" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
        ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
        ("xl/sharedStrings.xml", &format!(r#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{strings}</sst>"#)),
        ("xl/worksheets/sheet1.xml", &format!(r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{sheet}</worksheet>"#)),
    ])
}

/// The header and one child, as shared strings 0–5.
const CHILD_ROWS: &str = r#"<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row><row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" t="s"><v>4</v></c><c r="C2" t="s"><v>5</v></c></row>"#;
const CHILD_STRINGS: [&str; 6] = ["Họ và tên", "Ngày sinh", "Giới tính", "Lê Văn Bình", "01/01/2016", "Nam"];

#[tokio::test]
async fn a_sheet_declaring_the_whole_grid_reads_by_its_cells_and_cells_beyond_the_limit_are_refused() {
    let t = ward().await;
    let (s, o) = (&t.store, &t.officer);
    // 1.8 KB that declared a dense range of 17 billion cells: the declaration is not read.
    let declared = xlsx_of(&format!(r#"<dimension ref="A1:XFD1048576"/><sheetData>{CHILD_ROWS}</sheetData>"#), &CHILD_STRINGS);
    assert!(declared.len() < 4096, "{} bytes", declared.len());
    let preview = import::preview(s, o, &declared, &ImportChoice::default(), today()).await.unwrap();
    assert_eq!((preview.total_rows, preview.good_rows), (1, 1), "{:#?}", preview.problems);
    assert_eq!(preview.rows[0].full_name, "Lê Văn Bình");
    // A filled cell in the grid's last corner is refused by the column limit, with the column said.
    let corner = xlsx_of(
        &format!(r#"<dimension ref="A1:XFD1048576"/><sheetData>{CHILD_ROWS}<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>"#),
        &CHILD_STRINGS,
    );
    let refused = import::preview(s, o, &corner, &ImportChoice::default(), today()).await.unwrap_err();
    assert!(refused.to_string().contains("dữ liệu ở cột XFD, vượt giới hạn 1.024 cột"), "{refused}");
    assert_eq!(refused.payload().field.as_deref(), Some("file"));
}

#[tokio::test]
async fn a_shared_string_used_a_million_times_over_is_refused_by_the_text_limit() {
    let t = ward().await;
    let (s, o) = (&t.store, &t.officer);
    // One string of a million letters, used by 20,000 cells: 20 GB of text from a file of KBs.
    let huge = "A".repeat(1_000_000);
    let cells: String = (1..=20_000).map(|r| format!(r#"<row r="{r}"><c r="A{r}" t="s"><v>0</v></c></row>"#)).collect();
    let bytes = xlsx_of(&format!("<sheetData>{cells}</sheetData>"), &[&huge]);
    assert!(bytes.len() < 200 * 1024, "{} bytes", bytes.len());
    let started = std::time::Instant::now();
    let refused = import::preview(s, o, &bytes, &ImportChoice::default(), today()).await.unwrap_err();
    assert!(refused.to_string().contains("hơn 64 MB chữ, vượt giới hạn 64 MB chữ"), "{refused}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
}

/// An .ods of one sheet whose `<table:table>` holds `rows`.
fn ods_of(rows: &str) -> Vec<u8> {
    zipped(&[
        ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        ("META-INF/manifest.xml", r#"<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#),
        ("content.xml", &format!(
            r#"<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Trẻ em">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
        )),
    ])
}

#[tokio::test]
async fn rows_and_columns_repeated_to_the_end_of_the_grid_are_refused_by_the_cell_and_column_limits() {
    let t = ward().await;
    let (s, o) = (&t.store, &t.officer);
    let cell = |t: &str| format!(r#"<table:table-cell office:value-type="string"><text:p>{t}</text:p></table:table-cell>"#);
    let header = format!("<table:table-row>{}{}{}</table:table-row>", cell("Họ và tên"), cell("Ngày sinh"), cell("Giới tính"));
    let child = format!("<table:table-row>{}{}{}</table:table-row>", cell("Lê Văn Bình"), cell("01/01/2016"), cell("Nam"));
    // As LibreOffice saves: the rest of the grid as repeated empty rows and cells, which cost nothing.
    let tail = r#"<table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="16384"/></table:table-row>"#;
    let saved = ods_of(&format!("{header}{child}{tail}"));
    let preview = import::preview(s, o, &saved, &ImportChoice::default(), today()).await.unwrap();
    assert_eq!((preview.total_rows, preview.good_rows), (1, 1), "{:#?}", preview.problems);
    // A filled cell repeated across the grid's 16,384 columns, in a row repeated down its rows.
    let filled = r#"<table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#;
    let refused = import::preview(s, o, &ods_of(filled), &ImportChoice::default(), today()).await.unwrap_err();
    assert!(refused.to_string().contains("vượt giới hạn 1.024 cột"), "{refused}");
    // Within the columns, the rows repeated: refused by the cells, at the limit.
    let filled = r#"<table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="1000" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#;
    let started = std::time::Instant::now();
    let refused = import::preview(s, o, &ods_of(&format!("{header}{filled}")), &ImportChoice::default(), today()).await.unwrap_err();
    assert!(refused.to_string().contains("hơn 2.000.000 ô, vượt giới hạn 2.000.000 ô"), "{refused}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
}

/// An Excel 97–2003 workbook (BIFF8) of one sheet, whose sheet records are `sheet`.
fn xls_of(sheet: &[(u16, Vec<u8>)]) -> Vec<u8> {
    fn record(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
        out.extend(kind.to_le_bytes());
        out.extend((data.len() as u16).to_le_bytes());
        out.extend(data);
    }
    let bof = |dt: u16| [&0x0600u16.to_le_bytes()[..], &dt.to_le_bytes(), &[0u8; 12]].concat();
    let name = b"Sheet1";
    // BOF, BOUNDSHEET8 (its offset patched below), EOF.
    let mut stream = Vec::new();
    record(&mut stream, 0x0809, &bof(0x0005));
    let boundsheet_at = stream.len() + 4;
    record(&mut stream, 0x0085, &[&[0u8; 4][..], &[0, 0, name.len() as u8, 0], name].concat());
    record(&mut stream, 0x000A, &[]);
    let sheet_at = stream.len() as u32;
    stream[boundsheet_at..boundsheet_at + 4].copy_from_slice(&sheet_at.to_le_bytes());
    record(&mut stream, 0x0809, &bof(0x0010));
    for (kind, data) in sheet {
        record(&mut stream, *kind, data);
    }
    record(&mut stream, 0x000A, &[]);
    let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    std::io::Write::write_all(&mut file.create_stream("/Workbook").unwrap(), &stream).unwrap();
    file.flush().unwrap();
    file.into_inner().into_inner()
}

/// A LABEL record: text typed in a cell.
fn xls_label(row: u16, col: u16, text: &str) -> (u16, Vec<u8>) {
    let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    (0x0204, [&row.to_le_bytes()[..], &col.to_le_bytes(), &[0, 0], &(text.encode_utf16().count() as u16).to_le_bytes(), &[1], &utf16].concat())
}

#[tokio::test]
async fn an_old_excel_sheet_declaring_a_huge_dimension_reads_by_its_cells() {
    let t = ward().await;
    let (s, o) = (&t.store, &t.officer);
    // DIMENSIONS: rows 0 to 4,294,967,294 (BIFF8 writes them in 32 bits), columns 0 to 255:
    // a trillion cells declared by a file of a few KB.
    let dimensions = (0x0200, [&0u32.to_le_bytes()[..], &u32::MAX.to_le_bytes(), &0u16.to_le_bytes(), &256u16.to_le_bytes(), &[0, 0]].concat());
    let cells = [
        xls_label(0, 0, "Họ và tên"),
        xls_label(0, 1, "Ngày sinh"),
        xls_label(0, 2, "Giới tính"),
        xls_label(1, 0, "Lê Văn Bình"),
        xls_label(1, 1, "01/01/2016"),
        xls_label(1, 2, "Nam"),
    ];
    let bytes = xls_of(&[&[dimensions][..], &cells].concat());
    let preview = import::preview(s, o, &bytes, &ImportChoice::default(), today()).await.unwrap();
    assert_eq!((preview.total_rows, preview.good_rows), (1, 1), "{:#?}", preview.problems);
    assert_eq!(preview.rows[0].full_name, "Lê Văn Bình");
    // The real old workbook with its DIMENSIONS record rewritten to declare 4 billion rows
    // reads as it did.
    let mut real = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tre-em.xls")).unwrap();
    let at = real.windows(4).position(|w| w == [0x00, 0x02, 0x0e, 0x00]).expect("a DIMENSIONS record") + 4;
    real[at + 4..at + 8].copy_from_slice(&u32::MAX.to_le_bytes());
    let preview = import::preview(s, o, &real, &ImportChoice::default(), today()).await.unwrap();
    assert_eq!((preview.total_rows, preview.good_rows), (3, 3), "{:#?}", preview.problems);
    // Cells far apart no longer make a dense range between them: one at the last column of an
    // old sheet is laid out with its row alone.
    let far = [&cells[..], &[xls_label(65_535, 255, "x")]].concat();
    let preview = import::preview(s, o, &xls_of(&far), &ImportChoice::default(), today()).await.unwrap();
    assert_eq!(preview.columns.len(), 256);
}
