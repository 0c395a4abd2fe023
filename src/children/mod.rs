//! The register of children: each child's record, their groups of special circumstances over
//! time, the consents to keep their data, and the rules of who may see what. Every look at a
//! record and every change lands in the change log, which is also the audit trail.
//!
//! Finding and ordering live in [`index`], spreadsheets in [`import`] and [`export`], fictional
//! children for the demo and the benchmarks in [`generate`].

pub mod export;
pub mod generate;
pub mod import;
pub mod index;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use ts_rs::TS;

use crate::auth::{Actor, Need};
use crate::history::HistoryLine;
use crate::store::writable::{LimitedWrites, Rule};
use crate::store::{new_id, Cols, Source, Store, Write};
use crate::text::{self, InvalidInput};
use crate::{Error, Result};

/// The tables this module owns; their history is read only through a child's page.
pub const TABLES: [&str; 3] = ["children", "child_circumstances", "child_consents"];

/// A person is a child until their 16th birthday (Law on Children, Art. 1).
pub const CHILD_AGE_LIMIT: u32 = 16;
/// From this age a child's own consent is asked too (Decree 13/2023, Art. 20).
pub const OWN_CONSENT_AGE: u32 = 7;
/// The longest name accepted.
pub const MAX_NAME_CHARS: usize = 100;

/// What a collaborator's laptop may write in the register, as the child's form writes it: a
/// child of their group added or corrected, never removed, never with notes.
pub(crate) const COLLABORATOR_WRITES: [LimitedWrites; 3] = [
    LimitedWrites {
        table: "children",
        insert: true,
        update: true,
        remove: false,
        columns: &[
            ("full_name", Rule::Text { required: true, max: MAX_NAME_CHARS }),
            ("birth_date", Rule::Date { required: false }),
            ("birth_year", Rule::Year),
            ("sex", Rule::OneOf(|s| Sex::from_stored(s).is_some())),
            ("id_number", Rule::Text { required: false, max: 12 }),
            ("group_unit_id", Rule::Reference),
            ("address", Rule::Text { required: false, max: 300 }),
            ("guardians", Rule::List { items: 5, max: MAX_NAME_CHARS }),
            ("school", Rule::Text { required: false, max: 200 }),
            ("class_name", Rule::Text { required: false, max: 20 }),
            ("household", Rule::OneOf(|s| Household::from_stored(s).is_some())),
            ("disability", Rule::Text { required: false, max: 300 }),
            ("notes", Rule::Empty),
        ],
    },
    LimitedWrites {
        table: "child_circumstances",
        insert: true,
        update: true,
        remove: true,
        columns: &[
            ("child_id", Rule::Reference),
            ("code", Rule::OneOf(|s| Circumstance::from_stored(s).is_some_and(|c| !c.sensitive()))),
            ("subgroup", Rule::Text { required: false, max: 20 }),
            ("start_date", Rule::Date { required: true }),
            ("end_date", Rule::Date { required: false }),
            ("note", Rule::Text { required: false, max: 500 }),
        ],
    },
    LimitedWrites {
        table: "child_consents",
        insert: true,
        update: false,
        remove: false,
        columns: &[
            ("child_id", Rule::Reference),
            ("given_by", Rule::OneOf(|s| ConsentGiver::from_stored(s).is_some())),
            ("giver_name", Rule::Text { required: true, max: MAX_NAME_CHARS }),
            ("given_on", Rule::Date { required: true }),
            ("purpose", Rule::Text { required: true, max: 300 }),
            ("recorded_by", Rule::Text { required: true, max: MAX_NAME_CHARS }),
        ],
    },
];

labelled_enum! {
    /// Sex, as the register and Mẫu 01 record it.
    pub enum Sex {
        /// Nam.
        Male = ("male", "Nam"),
        /// Nữ.
        Female = ("female", "Nữ"),
    }
}

labelled_enum! {
    /// The household's poverty status.
    pub enum Household {
        /// Hộ nghèo.
        Poor = ("poor", "Hộ nghèo"),
        /// Hộ cận nghèo.
        NearPoor = ("near_poor", "Hộ cận nghèo"),
        /// Neither.
        Neither = ("none", "Không"),
    }
}

labelled_enum! {
    /// The 14 groups of children in special circumstances, Art. 10(1) of the Law on Children,
    /// by their clause letters (there is no f or j).
    pub enum Circumstance {
        /// a.
        A = ("a", "Mồ côi cả cha và mẹ"),
        /// b.
        B = ("b", "Bị bỏ rơi"),
        /// c.
        C = ("c", "Không nơi nương tựa"),
        /// d.
        D = ("d", "Khuyết tật"),
        /// đ.
        Dd = ("đ", "Nhiễm HIV/AIDS"),
        /// e.
        E = ("e", "Vi phạm pháp luật"),
        /// g.
        G = ("g", "Nghiện ma túy"),
        /// h.
        H = ("h", "Phải bỏ học kiếm sống chưa hoàn thành phổ cập giáo dục trung học cơ sở"),
        /// i.
        I = ("i", "Bị tổn hại nghiêm trọng về thể chất và tinh thần do bị bạo lực"),
        /// k.
        K = ("k", "Bị bóc lột"),
        /// l.
        L = ("l", "Bị xâm hại tình dục"),
        /// m.
        M = ("m", "Bị mua bán"),
        /// n.
        N = ("n", "Mắc bệnh hiểm nghèo hoặc bệnh phải điều trị dài ngày thuộc hộ nghèo, hộ cận nghèo"),
        /// o.
        O = ("o", "Di cư, lánh nạn, tị nạn chưa xác định được cha mẹ hoặc không có người chăm sóc"),
    }
}

impl Circumstance {
    /// Decree 56/2017's sub-groups of this group, where it gives them (orphans, Art. 5).
    pub fn subgroups(self) -> &'static [&'static str] {
        match self {
            Circumstance::A => &[
                "Không có người chăm sóc",
                "Đang được chăm sóc thay thế tại cơ sở trợ giúp xã hội",
                "Đang được chăm sóc thay thế bởi người thân thích",
                "Đang được chăm sóc thay thế bởi người không phải là người thân thích",
            ],
            _ => &[],
        }
    }

    /// "a) Mồ côi cả cha và mẹ".
    pub fn titled(self) -> String {
        format!("{}) {}", self.as_str(), self.label())
    }

    /// Groups that say something sensitive (Decree 13/2023: health, crime, abuse): HIV, breaking
    /// the law, drugs, violence, exploitation, sexual abuse, trafficking. Collaborators do not
    /// see them.
    pub fn sensitive(self) -> bool {
        use Circumstance::*;
        matches!(self, Dd | E | G | I | K | L | M)
    }
}

/// Whether a period from `start` to `end` (open while it lasts) holds on `on`.
pub(crate) fn holds(start: NaiveDate, end: Option<NaiveDate>, on: NaiveDate) -> bool {
    start <= on && end.is_none_or(|end| on <= end)
}

labelled_enum! {
    /// Who gave a consent.
    pub enum ConsentGiver {
        /// A parent or guardian.
        Guardian = ("guardian", "Cha, mẹ hoặc người giám hộ"),
        /// The child, from age 7.
        Child = ("child", "Trẻ em (từ đủ 7 tuổi)"),
    }
}

/// A parent or guardian.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Guardian {
    /// "Nguyễn Văn Hùng".
    pub name: String,
    /// "Cha", "Mẹ", "Bà ngoại" …
    pub relation: String,
    /// Phone number as written.
    pub phone: String,
}

impl Guardian {
    /// "Mẹ: Trần Thị Hoa".
    pub fn titled(&self) -> String {
        if self.relation.is_empty() {
            self.name.clone()
        } else {
            format!("{}: {}", self.relation, self.name)
        }
    }
}

/// A child's details as a form or an import gives them.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct ChildInput {
    /// "Họ và tên".
    pub full_name: String,
    /// "05/09/2016", or only the year "2016" when that is all that is known.
    pub birth: String,
    /// Nam / Nữ.
    pub sex: Option<Sex>,
    /// The personal ID number (12 digits), or empty.
    pub id_number: String,
    /// The residential group.
    pub group_unit_id: Option<String>,
    /// Address.
    pub address: String,
    /// Parents or guardians.
    pub guardians: Vec<Guardian>,
    /// School.
    pub school: String,
    /// Class.
    pub class_name: String,
    /// Household status.
    pub household: Option<Household>,
    /// What disability, in words; empty for none.
    pub disability: String,
    /// Notes; `None` leaves them as they are (a collaborator's form has none).
    pub notes: Option<String>,
}

/// A child's date of birth, or the year alone when only that is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Birth {
    /// The day is known.
    Day(NaiveDate),
    /// Only the year, perhaps estimated.
    Year(i32),
}

impl Birth {
    /// Reads "05/09/2016", "5/9/2016", "2016-09-05" or a year alone ("2016").
    pub fn parse(field: &'static str, s: &str) -> std::result::Result<Birth, InvalidInput> {
        let s = s.trim();
        if s.is_empty() {
            return Err(InvalidInput::new(field, "Nhập ngày sinh theo dạng ngày/tháng/năm, ví dụ 05/09/2016, hoặc chỉ năm sinh nếu không rõ ngày."));
        }
        if s.len() == 4 && s.chars().all(|c| c.is_ascii_digit()) {
            let year: i32 = s.parse().map_err(|_| InvalidInput::new(field, "Năm sinh phải có 4 chữ số, ví dụ 2016."))?;
            return Ok(Birth::Year(year));
        }
        Ok(Birth::Day(text::parse_date(field, s).map_err(|e| InvalidInput::new(field, e.message.replace("Nhập ngày theo dạng", "Nhập ngày sinh theo dạng")))?))
    }

    /// The year of birth.
    pub fn year(self) -> i32 {
        match self {
            Birth::Day(d) => d.year(),
            Birth::Year(y) => y,
        }
    }

    /// The day, when known.
    pub fn day(self) -> Option<NaiveDate> {
        match self {
            Birth::Day(d) => Some(d),
            Birth::Year(_) => None,
        }
    }

    /// "05/09/2016", or "năm 2016" when only the year is known.
    pub fn text(self) -> String {
        match self {
            Birth::Day(d) => text::format_date(d),
            Birth::Year(y) => format!("năm {y}"),
        }
    }

    /// Age in whole years on `on`: a birthday counts from the day itself; one born on 29
    /// February has it on 1 March in other years. With the year alone, the age that year
    /// reaches. `None` before birth.
    pub fn age_on(self, on: NaiveDate) -> Option<u32> {
        let years = match self {
            Birth::Day(born) => {
                if on < born {
                    return None;
                }
                let mut years = on.year() - born.year();
                if (on.month(), on.day()) < (born.month(), born.day()) {
                    years -= 1;
                }
                years
            }
            Birth::Year(y) => on.year() - y,
        };
        u32::try_from(years).ok()
    }

    /// Whole months on `on`, for babies (ages under 2 are said in months).
    fn months_on(self, on: NaiveDate) -> Option<u32> {
        let born = self.day()?;
        if on < born {
            return None;
        }
        let mut months = (on.year() - born.year()) * 12 + on.month() as i32 - born.month() as i32;
        if on.day() < born.day() {
            months -= 1;
        }
        u32::try_from(months).ok()
    }

    /// "8 tuổi", "14 tháng" under 2 years, "khoảng 8 tuổi" from a year alone.
    pub fn age_text(self, on: NaiveDate) -> String {
        match (self, self.age_on(on)) {
            (_, None) => "chưa sinh".to_owned(),
            (Birth::Year(_), Some(age)) => format!("khoảng {age} tuổi"),
            (Birth::Day(_), Some(age)) if age < 2 => format!("{} tháng", self.months_on(on).unwrap_or(0)),
            (Birth::Day(_), Some(age)) => format!("{age} tuổi"),
        }
    }

    /// Still a child on `on` (under 16, born).
    pub fn is_child_on(self, on: NaiveDate) -> bool {
        self.age_on(on).is_some_and(|a| a < CHILD_AGE_LIMIT)
    }

    pub(crate) fn from_columns(day: Option<NaiveDate>, year: i32) -> Birth {
        day.map(Birth::Day).unwrap_or(Birth::Year(year))
    }
}

/// The day a page or list is taken on: dd/mm/yyyy as typed, or `today` when empty.
pub fn day_or_today(field: &'static str, typed: &str, today: NaiveDate) -> Result<NaiveDate> {
    Ok(match typed.trim() {
        "" => today,
        s => text::parse_date(field, s)?,
    })
}

/// A child's details once checked: what is stored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Valid {
    pub full_name: String,
    pub birth: Birth,
    pub sex: Sex,
    pub id_number: Option<String>,
    pub group_unit_id: Option<String>,
    pub address: String,
    pub guardians: Vec<Guardian>,
    pub school: String,
    pub class_name: String,
    pub household: Household,
    pub disability: String,
    pub notes: Option<String>,
}

/// Checks a personal ID number: 12 digits, whose 4th digit tells sex and century and whose
/// 5th–6th the year of birth (Circular 59/2021/TT-BCA).
pub fn check_id_number(id: &str, sex: Option<Sex>, birth: Option<Birth>) -> std::result::Result<(), InvalidInput> {
    let field = "id_number";
    if !id.chars().all(|c| c.is_ascii_digit()) {
        return Err(InvalidInput::new(field, "Số định danh cá nhân chỉ gồm chữ số."));
    }
    let n = id.chars().count();
    if n != 12 {
        return Err(InvalidInput::new(field, format!("Số định danh cá nhân có 12 chữ số; số đã nhập có {n} chữ số.")));
    }
    let digits: Vec<u32> = id.chars().filter_map(|c| c.to_digit(10)).collect();
    let century_sex = digits[3];
    let century = 1900 + (century_sex / 2) as i32 * 100;
    let id_sex = if century_sex % 2 == 0 { Sex::Male } else { Sex::Female };
    if let Some(sex) = sex {
        if sex != id_sex {
            return Err(InvalidInput::new(
                field,
                format!("Chữ số thứ tư của số định danh ({century_sex}) là của người {}, khác giới tính đã chọn.", id_sex.label().to_lowercase()),
            ));
        }
    }
    if let Some(Birth::Day(d)) = birth {
        let year = century + (digits[4] * 10 + digits[5]) as i32;
        if year != d.year() {
            return Err(InvalidInput::new(field, format!("Số định danh ghi năm sinh {year}, khác ngày sinh {}.", text::format_date(d))));
        }
    }
    Ok(())
}

/// Checks a child's details as of `today`; every problem found, each naming its field.
pub(crate) fn validate(input: &ChildInput, today: NaiveDate) -> std::result::Result<Valid, Vec<InvalidInput>> {
    let mut problems = Vec::new();
    let full_name = text::required("full_name", "họ và tên", &input.full_name, MAX_NAME_CHARS)
        .map_err(|e| problems.push(e))
        .ok();
    if let Some(name) = &full_name {
        if name.chars().any(|c| c.is_ascii_digit()) {
            problems.push(InvalidInput::new("full_name", "Họ và tên không được có chữ số; hãy kiểm tra lại."));
        }
    }
    let birth = Birth::parse("birth", &input.birth).map_err(|e| problems.push(e)).ok();
    if let Some(b) = birth {
        if b.age_on(today).is_none() {
            problems.push(InvalidInput::new("birth", "Ngày sinh không được sau hôm nay; hãy kiểm tra lại."));
        } else if b.year() < today.year() - 30 {
            problems.push(InvalidInput::new("birth", format!("Năm sinh {} quá xa cho một hồ sơ trẻ em; hãy kiểm tra lại.", b.year())));
        }
    }
    if input.sex.is_none() {
        problems.push(InvalidInput::new("sex", "Chọn giới tính: Nam hoặc Nữ."));
    }
    let id: String = input.id_number.chars().filter(|c| !c.is_whitespace() && *c != '.').collect();
    let id_number = if id.is_empty() {
        None
    } else {
        if let Err(e) = check_id_number(&id, input.sex, birth) {
            problems.push(e);
        }
        Some(id)
    };
    let mut field_problems = Vec::new();
    let mut short = |field: &'static str, label: &str, s: &str, max: usize| -> String {
        let s = text::nfc(s);
        if let Err(e) = text::refuse_forbidden(field, label, &s) {
            field_problems.push(e);
        } else if s.chars().count() > max {
            field_problems.push(InvalidInput::new(field, format!("{label} dài quá {max} ký tự; hãy rút gọn.")));
        }
        s
    };
    let address = short("address", "Địa chỉ", &input.address, 300);
    let school = short("school", "Trường", &input.school, 200);
    let class_name = short("class_name", "Lớp", &input.class_name, 20);
    let disability = short("disability", "Khuyết tật", &input.disability, 300);
    let notes = input.notes.as_deref().map(|n| short("notes", "Ghi chú", n, 5000));
    let mut guardians = Vec::new();
    for g in &input.guardians {
        let g = Guardian {
            name: short("guardians", "Tên người giám hộ", &g.name, MAX_NAME_CHARS),
            relation: short("guardians", "Quan hệ", &g.relation, 50),
            phone: short("guardians", "Số điện thoại", &g.phone, 30),
        };
        if g.name.is_empty() && g.phone.is_empty() {
            continue;
        }
        if !g.phone.is_empty() && !g.phone.chars().all(|c| c.is_ascii_digit() || " .+-()".contains(c)) {
            problems.push(InvalidInput::new("guardians", format!("Số điện thoại “{}” chỉ được gồm chữ số.", g.phone)));
        }
        guardians.push(g);
    }
    problems.extend(field_problems);
    if guardians.len() > 5 {
        problems.push(InvalidInput::new("guardians", "Ghi nhiều nhất 5 người giám hộ."));
    }
    match (full_name, birth, input.sex) {
        (Some(full_name), Some(birth), Some(sex)) if problems.is_empty() => Ok(Valid {
            full_name,
            birth,
            sex,
            id_number,
            group_unit_id: input.group_unit_id.clone().filter(|g| !g.is_empty()),
            address,
            guardians,
            school,
            class_name,
            household: input.household.unwrap_or(Household::Neither),
            disability,
            notes,
        }),
        _ => Err(problems),
    }
}

/// The first of a form's problems, as the error of a save.
pub(crate) fn first_problem(mut problems: Vec<InvalidInput>) -> Error {
    if problems.is_empty() {
        return InvalidInput::new("full_name", "Hồ sơ chưa hợp lệ.").into();
    }
    problems.swap_remove(0).into()
}

impl Valid {
    fn cols(&self) -> Cols {
        let mut cols = Cols::new()
            .set("full_name", &self.full_name)
            .set("birth_date", self.birth.day())
            .set("birth_year", self.birth.year())
            .set("sex", self.sex)
            .set("id_number", &self.id_number)
            .set("group_unit_id", &self.group_unit_id)
            .set("address", &self.address)
            .set("guardians", &self.guardians)
            .set("school", &self.school)
            .set("class_name", &self.class_name)
            .set("household", self.household)
            .set("disability", &self.disability);
        if let Some(notes) = &self.notes {
            cols = cols.set("notes", notes);
        }
        cols
    }
}

/// A child's record as the child's page shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Child {
    /// Id.
    pub id: String,
    /// "Nguyễn Văn Đức".
    pub full_name: String,
    /// The day of birth, when known.
    pub birth_date: Option<NaiveDate>,
    /// The year of birth, known or estimated.
    pub birth_year: i32,
    /// "05/09/2016" or "năm 2016".
    pub birth_text: String,
    /// Nam / Nữ.
    pub sex: Sex,
    /// Personal ID number.
    pub id_number: Option<String>,
    /// The residential group.
    pub group_unit_id: Option<String>,
    /// Its name.
    pub group_name: Option<String>,
    /// Address.
    pub address: String,
    /// Parents or guardians.
    pub guardians: Vec<Guardian>,
    /// School.
    pub school: String,
    /// Class.
    pub class_name: String,
    /// Household status.
    pub household: Household,
    /// Disability, in words.
    pub disability: String,
    /// Notes; `None` for those who may not read them.
    pub notes: Option<String>,
    /// Why the record was removed, if it was.
    pub removed_reason: Option<String>,
    /// The record this one was merged into.
    pub merged_into: Option<String>,
}

impl Child {
    /// The date of birth or the year.
    pub fn birth(&self) -> Birth {
        Birth::from_columns(self.birth_date, self.birth_year)
    }
}

#[derive(sqlx::FromRow)]
struct ChildRowDb {
    id: String,
    full_name: String,
    birth_date: Option<NaiveDate>,
    birth_year: i32,
    sex: Sex,
    id_number: Option<String>,
    group_unit_id: Option<String>,
    group_name: Option<String>,
    address: String,
    guardians: String,
    school: String,
    class_name: String,
    household: Household,
    disability: String,
    notes: String,
    removed_reason: Option<String>,
    merged_into: Option<String>,
}

const CHILD_SELECT: &str = "SELECT c.id, c.full_name, c.birth_date, c.birth_year, c.sex, c.id_number, c.group_unit_id,
    u.name AS group_name, c.address, c.guardians, c.school, c.class_name, c.household, c.disability, c.notes,
    c.removed_reason, c.merged_into FROM children c LEFT JOIN units u ON u.id = c.group_unit_id";

impl ChildRowDb {
    fn into_child(self, sees_notes: bool) -> Child {
        let birth = Birth::from_columns(self.birth_date, self.birth_year);
        Child {
            birth_text: birth.text(),
            id: self.id,
            full_name: self.full_name,
            birth_date: self.birth_date,
            birth_year: self.birth_year,
            sex: self.sex,
            id_number: self.id_number,
            group_unit_id: self.group_unit_id,
            group_name: self.group_name,
            address: self.address,
            guardians: serde_json::from_str(&self.guardians).unwrap_or_default(),
            school: self.school,
            class_name: self.class_name,
            household: self.household,
            disability: self.disability,
            notes: sees_notes.then_some(self.notes),
            removed_reason: self.removed_reason,
            merged_into: self.merged_into,
        }
    }
}

pub(crate) async fn child_in(conn: &mut SqliteConnection, id: &str, sees_notes: bool) -> Result<Child> {
    let row = sqlx::query_as::<_, ChildRowDb>(&format!("{CHILD_SELECT} WHERE c.id = ?"))
        .bind(id)
        .fetch_optional(conn)
        .await?
        .ok_or(Error::NotFound { what: "hồ sơ trẻ em" })?;
    Ok(row.into_child(sees_notes))
}

/// A period in one group of special circumstances.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CircumstanceSpan {
    /// Id.
    pub id: String,
    /// The group.
    pub code: Circumstance,
    /// "a) Mồ côi cả cha và mẹ".
    pub title: String,
    /// Decree 56's sub-group.
    pub subgroup: Option<String>,
    /// From.
    pub start_date: NaiveDate,
    /// To, if it ended.
    pub end_date: Option<NaiveDate>,
    /// "01/01/2020 – nay".
    pub span_text: String,
    /// Whether it holds on the page's day.
    pub current: bool,
    /// Note.
    pub note: String,
}

impl CircumstanceSpan {
    /// Whether the child was in this group on `on`.
    pub fn holds_on(&self, on: NaiveDate) -> bool {
        holds(self.start_date, self.end_date, on)
    }
}

#[derive(sqlx::FromRow)]
struct SpanDb {
    id: String,
    code: Circumstance,
    subgroup: Option<String>,
    start_date: NaiveDate,
    end_date: Option<NaiveDate>,
    note: String,
}

impl SpanDb {
    fn into_span(self, on: NaiveDate) -> CircumstanceSpan {
        let span_text = format!(
            "{} – {}",
            text::format_date(self.start_date),
            self.end_date.map(text::format_date).unwrap_or_else(|| "nay".to_owned())
        );
        let mut span = CircumstanceSpan {
            id: self.id,
            code: self.code,
            title: self.code.titled(),
            subgroup: self.subgroup,
            start_date: self.start_date,
            end_date: self.end_date,
            span_text,
            current: false,
            note: self.note,
        };
        span.current = span.holds_on(on);
        span
    }
}

/// A consent given to keep and use a child's data.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, TS)]
#[ts(export)]
pub struct Consent {
    /// Id.
    pub id: String,
    /// The guardian or the child.
    pub given_by: ConsentGiver,
    /// Who gave it.
    pub giver_name: String,
    /// When.
    pub given_on: NaiveDate,
    /// For what.
    pub purpose: String,
    /// The account that recorded it.
    pub recorded_by: String,
}

/// A child's page: the record, their age, groups, consents and history.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ChildPage {
    /// The record.
    pub child: Child,
    /// "8 tuổi" on the page's day.
    pub age_text: String,
    /// Under 16 and not removed: counted in the register's active numbers.
    pub active: bool,
    /// Groups of special circumstances, the current ones first.
    pub circumstances: Vec<CircumstanceSpan>,
    /// Consents given.
    pub consents: Vec<Consent>,
    /// What consent is still missing, in words.
    pub consent_missing: Vec<String>,
    /// Changes to the record, oldest first.
    pub history: Vec<HistoryLine>,
    /// Whether this person may change the record (never a removed one).
    pub may_edit: bool,
    /// Whether this person may merge or remove it.
    pub may_manage: bool,
}

/// Opens a child's page as of `on`, and writes in the audit trail that this person looked.
pub async fn page(store: &Store, actor: &Actor, id: &str, on: NaiveDate) -> Result<ChildPage> {
    actor.require(Need::ReadChildren)?;
    let mut conn = store.pool().acquire().await?;
    let child = child_in(&mut conn, id, actor.sees_child_notes()).await?;
    actor.require_for_group(Need::ReadChildren, child.group_unit_id.as_deref())?;
    drop(conn);
    crate::audit::viewed(store, actor, "children", id).await?;
    let mut circumstances: Vec<CircumstanceSpan> = sqlx::query_as::<_, SpanDb>(
        "SELECT id, code, subgroup, start_date, end_date, note FROM child_circumstances
         WHERE child_id = ? AND deleted_at IS NULL ORDER BY start_date",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await?
    .into_iter()
    .filter(|s| actor.sees_sensitive_groups() || !s.code.sensitive())
    .map(|s| s.into_span(on))
    .collect();
    circumstances.sort_by_key(|s| !s.current);
    let consents = sqlx::query_as::<_, Consent>(
        "SELECT id, given_by, giver_name, given_on, purpose, recorded_by FROM child_consents
         WHERE child_id = ? AND deleted_at IS NULL ORDER BY given_on",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await?;
    let birth = child.birth();
    let live = child.removed_reason.is_none() && child.merged_into.is_none();
    let mut consent_missing = Vec::new();
    if !consents.iter().any(|c| c.given_by == ConsentGiver::Guardian) {
        consent_missing.push("Chưa ghi sự đồng ý của cha, mẹ hoặc người giám hộ.".to_owned());
    }
    if birth.age_on(on).is_some_and(|a| a >= OWN_CONSENT_AGE) && !consents.iter().any(|c| c.given_by == ConsentGiver::Child) {
        consent_missing.push("Trẻ từ đủ 7 tuổi: chưa ghi sự đồng ý của chính trẻ.".to_owned());
    }
    let hidden: &[&str] = if actor.sees_child_notes() { &[] } else { &["notes"] };
    let history = crate::history::of_record_in(store.pool(), "children", id, hidden).await?;
    Ok(ChildPage {
        age_text: birth.age_text(on),
        active: live && birth.is_child_on(on),
        may_edit: live && actor.require_for_group(Need::EditChildren, child.group_unit_id.as_deref()).is_ok(),
        may_manage: live && actor.require(Need::ManageChildren).is_ok(),
        child,
        circumstances,
        consents,
        consent_missing,
        history,
    })
}

/// What the form shows before saving: every problem with the details, and the records that
/// may be the same child.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ChildCheck {
    /// Problems, each naming its field.
    pub problems: Vec<crate::text::FieldProblem>,
    /// Children already in the register with the same ID number, or the same name and birth.
    pub duplicates: Vec<index::ChildRow>,
}

/// Checks a child's details before saving (`except`: the record being edited).
pub async fn check(store: &Store, actor: &Actor, input: &ChildInput, except: Option<&str>, today: NaiveDate) -> Result<ChildCheck> {
    actor.require(Need::EditChildren)?;
    match validate(input, today) {
        Ok(valid) => {
            let duplicates = index::duplicates_of(store, actor, &valid, except, today).await?;
            Ok(ChildCheck { problems: Vec::new(), duplicates })
        }
        Err(problems) => Ok(ChildCheck { problems: problems.into_iter().map(Into::into).collect(), duplicates: Vec::new() }),
    }
}

/// Adds a child to the register. A collaborator adds only to their own residential group.
pub async fn add(store: &Store, actor: &Actor, source: Source, input: &ChildInput, today: NaiveDate) -> Result<Child> {
    actor.require(Need::EditChildren)?;
    let valid = validate(input, today).map_err(first_problem)?;
    actor.require_for_group(Need::EditChildren, valid.group_unit_id.as_deref())?;
    let mut w = store.write(actor, source).await?;
    check_group(&mut w, valid.group_unit_id.as_deref()).await?;
    let id = add_in(&mut w, &valid).await?;
    let child = child_in(w.conn(), &id, actor.sees_child_notes()).await?;
    w.commit().await?;
    Ok(child)
}

/// [`add`] inside the caller's write, for a residential group already known to be the ward's.
pub(crate) async fn add_in(w: &mut Write<'_>, valid: &Valid) -> Result<String> {
    let id = new_id();
    add_with_id_in(w, &id, valid).await?;
    Ok(id)
}

pub(crate) async fn add_with_id_in(w: &mut Write<'_>, id: &str, valid: &Valid) -> Result<()> {
    let mut cols = valid.cols();
    if valid.notes.is_none() {
        cols = cols.set("notes", "");
    }
    w.insert("children", id, cols).await
}

pub(crate) async fn check_group(w: &mut Write<'_>, group: Option<&str>) -> Result<()> {
    if let Some(group) = group {
        let found: Option<String> = sqlx::query_scalar("SELECT kind FROM units WHERE id = ? AND deleted_at IS NULL")
            .bind(group)
            .fetch_optional(w.conn())
            .await?;
        if found.as_deref() != Some("residential_group") {
            return Err(InvalidInput::new("group_unit_id", "Chọn một tổ dân phố của phường.").into());
        }
    }
    Ok(())
}

/// The child another record (a case, an injury) is about: one already in the register, or a
/// new one entered with the record — exactly one of the two, checked before anything is written.
pub(crate) enum About {
    /// A child of the register, by id.
    Registered(String),
    /// A new child, checked.
    New(Box<Valid>),
}

impl About {
    /// Reads the choice made in a form: a child of the register, or the details of a new one.
    pub(crate) fn new(child_id: Option<&str>, new_child: Option<&ChildInput>, today: NaiveDate) -> Result<About> {
        match (child_id, new_child) {
            (Some(id), None) => Ok(About::Registered(id.to_owned())),
            (None, Some(c)) => Ok(About::New(Box::new(validate(c, today).map_err(first_problem)?))),
            _ => Err(InvalidInput::new("child", "Chọn một trẻ trong sổ, hoặc nhập thông tin trẻ mới (chỉ một trong hai).").into()),
        }
    }

    /// The child's id inside the caller's write, adding a new child to the register. Refuses a
    /// child removed from the register, and one born after `on`, the day of the record
    /// (`what`: "tiếp nhận", "xảy ra"), which means the wrong child or the wrong day.
    pub(crate) async fn child_in(self, w: &mut Write<'_>, on: NaiveDate, what: &str) -> Result<String> {
        let (name, birth) = match &self {
            About::Registered(id) => {
                require_live(w, id).await?;
                let child = child_in(w.conn(), id, false).await?;
                (child.full_name.clone(), child.birth())
            }
            About::New(valid) => (valid.full_name.clone(), valid.birth),
        };
        let unborn = match birth.day() {
            Some(born) => born > on,
            None => birth.year() > on.year(),
        };
        if unborn {
            let message = format!("{name} sinh {}, sau ngày {what} {}. Hãy kiểm tra lại trẻ đã chọn hoặc ngày {what}.", birth.text(), text::format_date(on));
            return Err(InvalidInput::new("child", message).into());
        }
        match self {
            About::Registered(id) => Ok(id),
            About::New(valid) => {
                check_group(w, valid.group_unit_id.as_deref()).await?;
                add_in(w, &valid).await
            }
        }
    }
}

/// Refuses to write about a child no longer in the register (removed, or merged into another).
pub(crate) async fn require_live(w: &mut Write<'_>, child_id: &str) -> Result<()> {
    let deleted: Option<Option<String>> = sqlx::query_scalar("SELECT deleted_at FROM children WHERE id = ?").bind(child_id).fetch_optional(w.conn()).await?;
    match deleted {
        None => Err(Error::NotFound { what: "trẻ em trong sổ" }),
        Some(Some(_)) => Err(InvalidInput::new(
            "child",
            "Hồ sơ của trẻ đã bị xóa hoặc gộp khỏi sổ. Hãy khôi phục hồ sơ trẻ (hoặc mở hồ sơ đã gộp) trước khi ghi tiếp.",
        )
        .into()),
        Some(None) => Ok(()),
    }
}

/// Changes a child's record. A collaborator changes only their group's children, and keeps
/// them there.
pub async fn update(store: &Store, actor: &Actor, source: Source, id: &str, input: &ChildInput, today: NaiveDate) -> Result<Child> {
    actor.require(Need::EditChildren)?;
    let mut valid = validate(input, today).map_err(first_problem)?;
    if !actor.sees_child_notes() {
        valid.notes = None;
    }
    let mut w = store.write(actor, source).await?;
    let before = live_child(&mut w, id).await?;
    actor.require_for_group(Need::EditChildren, before.group_unit_id.as_deref())?;
    actor.require_for_group(Need::EditChildren, valid.group_unit_id.as_deref())?;
    check_group(&mut w, valid.group_unit_id.as_deref()).await?;
    w.update("children", id, valid.cols()).await?;
    let child = child_in(w.conn(), id, actor.sees_child_notes()).await?;
    w.commit().await?;
    Ok(child)
}

async fn live_child(w: &mut Write<'_>, id: &str) -> Result<Child> {
    let child = child_in(w.conn(), id, true).await?;
    let deleted: Option<String> = sqlx::query_scalar("SELECT deleted_at FROM children WHERE id = ?").bind(id).fetch_one(w.conn()).await?;
    if deleted.is_some() {
        return Err(Error::NotFound { what: "hồ sơ trẻ em (hồ sơ đã bị xóa hoặc gộp)" });
    }
    Ok(child)
}

/// Removes a child's record, with the reason; nothing is erased and the history stays.
pub async fn remove(store: &Store, actor: &Actor, source: Source, id: &str, reason: &str) -> Result<()> {
    actor.require(Need::ManageChildren)?;
    let reason = text::required("reason", "lý do xóa hồ sơ", reason, 300)?;
    let mut w = store.write(actor, source).await?;
    live_child(&mut w, id).await?;
    w.update("children", id, Cols::new().set("removed_reason", &reason)).await?;
    w.tombstone("children", id).await?;
    w.commit().await
}

/// Brings back a record removed by mistake (not one merged into another: that is undone by
/// hand). Its history keeps both the removal and the return.
pub async fn restore(store: &Store, actor: &Actor, source: Source, id: &str) -> Result<Child> {
    actor.require(Need::ManageChildren)?;
    let mut w = store.write(actor, source).await?;
    let child = child_in(w.conn(), id, true).await?;
    if child.merged_into.is_some() {
        return Err(InvalidInput::new("id", "Hồ sơ này đã được gộp vào hồ sơ khác nên không khôi phục được.").into());
    }
    let cols = Cols::new().set("deleted_at", None::<String>).set("removed_reason", None::<String>);
    w.update("children", id, cols).await?;
    let child = child_in(w.conn(), id, actor.sees_child_notes()).await?;
    w.commit().await?;
    Ok(child)
}

/// Merges `duplicate` into `keep`: the kept record takes the details it lacks, the groups and
/// consents move over, and the duplicate is removed pointing at the kept one. Both histories stay.
pub async fn merge(store: &Store, actor: &Actor, source: Source, keep: &str, duplicate: &str) -> Result<Child> {
    actor.require(Need::ManageChildren)?;
    if keep == duplicate {
        return Err(InvalidInput::new("duplicate", "Chọn hai hồ sơ khác nhau để gộp.").into());
    }
    let mut w = store.write(actor, source).await?;
    let kept = live_child(&mut w, keep).await?;
    let gone = live_child(&mut w, duplicate).await?;
    let mut cols = Cols::new();
    let fill = |mine: &str, theirs: &str| if mine.is_empty() { theirs.to_owned() } else { mine.to_owned() };
    if kept.birth_date.is_none() && gone.birth_date.is_some() {
        cols = cols.set("birth_date", gone.birth_date).set("birth_year", gone.birth_year);
    }
    if kept.id_number.is_none() {
        cols = cols.set("id_number", &gone.id_number);
    }
    if kept.group_unit_id.is_none() {
        cols = cols.set("group_unit_id", &gone.group_unit_id);
    }
    let mut guardians = kept.guardians.clone();
    for g in gone.guardians {
        if !guardians.iter().any(|k| text::fold(&k.name) == text::fold(&g.name)) {
            guardians.push(g);
        }
    }
    let notes = match (kept.notes.as_deref().unwrap_or(""), gone.notes.as_deref().unwrap_or("")) {
        (a, "") => a.to_owned(),
        ("", b) => b.to_owned(),
        (a, b) => format!("{a}\n{b}"),
    };
    cols = cols
        .set("address", fill(&kept.address, &gone.address))
        .set("guardians", &guardians)
        .set("school", fill(&kept.school, &gone.school))
        .set("class_name", fill(&kept.class_name, &gone.class_name))
        .set("disability", fill(&kept.disability, &gone.disability))
        .set("notes", notes);
    if kept.household == Household::Neither {
        cols = cols.set("household", gone.household);
    }
    w.update("children", keep, cols).await?;
    for table in ["child_circumstances", "child_consents"] {
        let ids: Vec<String> = sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE child_id = ? AND deleted_at IS NULL"))
            .bind(duplicate)
            .fetch_all(w.conn())
            .await?;
        for id in ids {
            w.update(table, &id, Cols::new().set("child_id", keep)).await?;
        }
    }
    crate::campaigns::recipients::move_child_in(&mut w, duplicate, keep).await?;
    let reason = format!("Gộp vào hồ sơ {} ({})", kept.full_name, kept.birth_text);
    w.update("children", duplicate, Cols::new().set("merged_into", keep).set("removed_reason", reason)).await?;
    w.tombstone("children", duplicate).await?;
    let child = child_in(w.conn(), keep, actor.sees_child_notes()).await?;
    w.commit().await?;
    Ok(child)
}

/// A child's membership of a group of special circumstances, as a form gives it.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct CircumstanceInput {
    /// The group.
    pub code: Circumstance,
    /// Decree 56's sub-group, one of [`Circumstance::subgroups`].
    pub subgroup: Option<String>,
    /// From, dd/mm/yyyy.
    pub start: String,
    /// To, dd/mm/yyyy, or empty while it lasts.
    pub end: String,
    /// Note.
    pub note: String,
}

pub(crate) struct ValidSpan {
    pub code: Circumstance,
    pub subgroup: Option<String>,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub note: String,
}

impl CircumstanceInput {
    pub(crate) fn validate(&self) -> Result<ValidSpan> {
        let start = text::parse_date("start", &self.start)?;
        let end = match self.end.trim() {
            "" => None,
            s => Some(text::parse_date("end", s)?),
        };
        if end.is_some_and(|e| e < start) {
            return Err(InvalidInput::new("end", "Ngày kết thúc không được trước ngày bắt đầu.").into());
        }
        let subgroup = self.subgroup.as_deref().map(text::nfc).filter(|s| !s.is_empty());
        if let Some(sub) = &subgroup {
            if !self.code.subgroups().contains(&sub.as_str()) {
                return Err(InvalidInput::new("subgroup", format!("Nhóm {} không có phân nhóm “{sub}”.", self.code.as_str())).into());
            }
        }
        let note = text::nfc(&self.note);
        if note.chars().count() > 500 {
            return Err(InvalidInput::new("note", "Ghi chú dài quá 500 ký tự; hãy rút gọn.").into());
        }
        Ok(ValidSpan { code: self.code, subgroup, start, end, note })
    }
}

impl ValidSpan {
    fn cols(&self) -> Cols {
        Cols::new()
            .set("code", self.code)
            .set("subgroup", &self.subgroup)
            .set("start_date", self.start)
            .set("end_date", self.end)
            .set("note", &self.note)
    }
}

pub(crate) async fn add_span_in(w: &mut Write<'_>, child_id: &str, span: &ValidSpan) -> Result<String> {
    let id = new_id();
    w.insert("child_circumstances", &id, span.cols().set("child_id", child_id)).await?;
    Ok(id)
}

async fn child_of_span(w: &mut Write<'_>, span_id: &str) -> Result<String> {
    sqlx::query_scalar("SELECT child_id FROM child_circumstances WHERE id = ? AND deleted_at IS NULL")
        .bind(span_id)
        .fetch_optional(w.conn())
        .await?
        .ok_or(Error::NotFound { what: "nhóm hoàn cảnh đặc biệt" })
}

/// Adds a period in a group of special circumstances to a child.
pub async fn add_circumstance(store: &Store, actor: &Actor, source: Source, child_id: &str, input: &CircumstanceInput) -> Result<()> {
    actor.require(Need::EditChildren)?;
    let span = input.validate()?;
    let mut w = store.write(actor, source).await?;
    let child = live_child(&mut w, child_id).await?;
    actor.require_for_group(Need::EditChildren, child.group_unit_id.as_deref())?;
    add_span_in(&mut w, child_id, &span).await?;
    w.commit().await
}

/// Changes a period (most often: sets the day it ended).
pub async fn update_circumstance(store: &Store, actor: &Actor, source: Source, span_id: &str, input: &CircumstanceInput) -> Result<()> {
    actor.require(Need::EditChildren)?;
    let span = input.validate()?;
    let mut w = store.write(actor, source).await?;
    let child_id = child_of_span(&mut w, span_id).await?;
    let child = live_child(&mut w, &child_id).await?;
    actor.require_for_group(Need::EditChildren, child.group_unit_id.as_deref())?;
    w.update("child_circumstances", span_id, span.cols()).await?;
    w.commit().await
}

/// Removes a period entered by mistake.
pub async fn remove_circumstance(store: &Store, actor: &Actor, source: Source, span_id: &str) -> Result<()> {
    actor.require(Need::EditChildren)?;
    let mut w = store.write(actor, source).await?;
    let child_id = child_of_span(&mut w, span_id).await?;
    let child = live_child(&mut w, &child_id).await?;
    actor.require_for_group(Need::EditChildren, child.group_unit_id.as_deref())?;
    w.tombstone("child_circumstances", span_id).await?;
    w.commit().await
}

/// A consent as a form gives it.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct ConsentInput {
    /// The guardian or the child.
    pub given_by: ConsentGiver,
    /// Who gave it.
    pub giver_name: String,
    /// When, dd/mm/yyyy.
    pub given_on: String,
    /// For what.
    pub purpose: String,
}

/// Records a consent; the person recording it is the one acting.
pub async fn add_consent(store: &Store, actor: &Actor, source: Source, child_id: &str, input: &ConsentInput) -> Result<()> {
    actor.require(Need::EditChildren)?;
    let giver_name = text::required("giver_name", "tên người đồng ý", &input.giver_name, MAX_NAME_CHARS)?;
    let given_on = text::parse_date("given_on", &input.given_on)?;
    let purpose = text::required("purpose", "mục đích", &input.purpose, 300)?;
    let mut w = store.write(actor, source).await?;
    let child = live_child(&mut w, child_id).await?;
    actor.require_for_group(Need::EditChildren, child.group_unit_id.as_deref())?;
    if input.given_by == ConsentGiver::Child && child.birth().age_on(given_on).is_none_or(|a| a < OWN_CONSENT_AGE) {
        return Err(InvalidInput::new("given_by", "Trẻ chưa đủ 7 tuổi vào ngày đó: ghi sự đồng ý của cha, mẹ hoặc người giám hộ.").into());
    }
    let cols = Cols::new()
        .set("child_id", child_id)
        .set("given_by", input.given_by)
        .set("giver_name", giver_name)
        .set("given_on", given_on)
        .set("purpose", purpose)
        .set("recorded_by", actor.name());
    w.insert("child_consents", &new_id(), cols).await?;
    w.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn ages_count_from_the_birthday_and_29_february_from_1_march() {
        let leap = Birth::Day(d(2016, 2, 29));
        assert_eq!(leap.age_on(d(2017, 2, 28)), Some(0));
        assert_eq!(leap.age_on(d(2017, 3, 1)), Some(1));
        assert_eq!(leap.age_on(d(2020, 2, 29)), Some(4));
        assert_eq!(leap.age_on(d(2032, 2, 28)), Some(15));
        assert_eq!(leap.age_on(d(2032, 2, 29)), Some(16));
        assert!(leap.is_child_on(d(2032, 2, 28)));
        assert!(!leap.is_child_on(d(2032, 2, 29)));
        let plain = Birth::Day(d(2016, 9, 5));
        assert_eq!(plain.age_on(d(2024, 9, 4)), Some(7));
        assert_eq!(plain.age_on(d(2024, 9, 5)), Some(8));
        assert_eq!(plain.age_on(d(2016, 9, 4)), None);
        assert_eq!(plain.age_text(d(2024, 9, 5)), "8 tuổi");
        assert_eq!(plain.age_text(d(2017, 11, 4)), "13 tháng");
        assert_eq!(Birth::Year(2016).age_text(d(2024, 1, 1)), "khoảng 8 tuổi");
    }

    #[test]
    fn births_parse_as_a_day_or_a_year() {
        assert_eq!(Birth::parse("birth", "5/9/2016").unwrap(), Birth::Day(d(2016, 9, 5)));
        assert_eq!(Birth::parse("birth", "2016").unwrap(), Birth::Year(2016));
        let err = Birth::parse("birth", "31/02/2016").unwrap_err();
        assert!(err.message.contains("không có trên lịch"), "{}", err.message);
        assert!(Birth::parse("birth", "").is_err());
    }

    #[test]
    fn id_numbers_are_checked_against_sex_and_year() {
        let birth = Some(Birth::Day(d(2016, 9, 5)));
        assert!(check_id_number("051216000123", Some(Sex::Male), birth).is_ok());
        assert!(check_id_number("051316000123", Some(Sex::Female), birth).is_ok());
        let eleven = check_id_number("05121600012", Some(Sex::Male), birth).unwrap_err();
        assert!(eleven.message.contains("11 chữ số"), "{}", eleven.message);
        assert!(check_id_number("051316000123", Some(Sex::Male), birth).unwrap_err().message.contains("giới tính"));
        assert!(check_id_number("051215000123", Some(Sex::Male), birth).unwrap_err().message.contains("năm sinh 2015"));
        assert!(check_id_number("05121600012a", None, None).is_err());
    }

    #[test]
    fn a_form_lists_every_problem() {
        let input = ChildInput {
            full_name: "x".repeat(10_000),
            birth: "31/02/2016".into(),
            sex: None,
            id_number: "12345678901".into(),
            ..Default::default()
        };
        let problems = validate(&input, d(2024, 6, 1)).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, vec!["full_name", "birth", "sex", "id_number"]);
    }

    #[test]
    fn spans_hold_between_their_days() {
        let span = SpanDb { id: "x".into(), code: Circumstance::D, subgroup: None, start_date: d(2024, 1, 1), end_date: Some(d(2024, 6, 30)), note: String::new() }
            .into_span(d(2024, 6, 30));
        assert!(span.current);
        assert!(span.holds_on(d(2024, 1, 1)));
        assert!(!span.holds_on(d(2023, 12, 31)));
        assert!(!span.holds_on(d(2024, 7, 1)));
        assert_eq!(span.span_text, "01/01/2024 – 30/06/2024");
    }
}
