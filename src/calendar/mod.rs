//! Working days: weekends, the public holidays of Vietnam, and the days the government swaps or
//! gives back, so that a deadline "within 5 working days" lands where the law puts it.
//!
//! The holiday table is the built-in calendar of 2024–2030 ([`built_in`]) with the officer's
//! changes on top (table `calendar_days`, one row per changed day, its id derived from the day
//! so two laptops that change the same day change one record). Each year follows a notice: the
//! Government Office's letter conveying the Prime Minister's decision on days off ([`NOTICES`]
//! for the years built in, table `calendar_notices` for a year the officer enters). A year
//! without a notice holds the days the Labour Code gives (Art. 112: 1/1, five days of Tết, Giỗ
//! Tổ Hùng Vương 10/3 lunar, 30/4, 1/5, 2/9 and one day beside it; a holiday on a weekend is
//! given back on the next working day) and is expected ("dự kiến"): the year's page says so, and
//! so does every deadline counted across it. Tết and Giỗ Tổ come from the [lunar] calendar at
//! UTC+7. A year outside the table and without any day entered by the officer is a hole: a
//! deadline that needs it says so instead of guessing.

pub mod lunar;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::auth::{Actor, Need};
use crate::store::{natural_id, Cols, Source, Store};
use crate::text::{self, InvalidInput};
use crate::{Error, Result};

labelled_enum! {
    /// Whether a day is worked.
    pub enum DayKind {
        /// A holiday, a day given back, or a weekday swapped for a Saturday.
        Off = ("off", "Ngày nghỉ"),
        /// A weekend day worked in exchange, or a holiday the ward works.
        Working = ("working", "Ngày làm việc"),
    }
}

/// The years the built-in table covers.
pub const BUILT_IN_YEARS: std::ops::RangeInclusive<i32> = 2024..=2030;

/// The notices the built-in years follow, as published (checked against the press reports of
/// the Government Office's letters; where a letter's number could not be found, it says so).
pub const NOTICES: &[(i32, &str)] = &[
    (2024, "Thông báo số 6150/TB-LĐTBXH năm 2023 của Bộ Lao động - Thương binh và Xã hội"),
    (2025, "Văn bản số 8726/VPCP-KGVX ngày 26/11/2024 của Văn phòng Chính phủ"),
    (
        2026,
        "Văn bản số 12729/VPCP-KGVX ngày 25/12/2025 của Văn phòng Chính phủ (Tết Dương lịch); văn bản của Văn phòng Chính phủ tháng 10/2025 truyền đạt ý kiến của Thủ tướng (Tết Nguyên đán, Quốc khánh; chưa đối chiếu được số hiệu)",
    ),
];

fn built_in_notice(year: i32) -> Option<&'static str> {
    NOTICES.iter().find(|(y, _)| *y == year).map(|(_, n)| *n)
}

/// One day of the table that is not an ordinary weekday or weekend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct CalendarDay {
    /// The day.
    pub day: NaiveDate,
    /// Off or worked.
    pub kind: DayKind,
    /// "Tết Nguyên đán", "Nghỉ bù Giỗ Tổ Hùng Vương", "Làm bù cho thứ Hai 29/04".
    pub name: String,
    /// "Thứ Hai" … "Chủ nhật".
    pub weekday: String,
    /// From the built-in table and not changed by the officer.
    pub built_in: bool,
    /// Entered or changed by the officer (the built-in value, if any, is under it).
    pub changed: bool,
}

/// A year of the table, as its page shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CalendarYear {
    /// The year.
    pub year: i32,
    /// Whether deadlines can be counted in it (built in, or filled by the officer).
    pub covered: bool,
    /// Its days off and worked weekend days, in order.
    pub days: Vec<CalendarDay>,
    /// Days off that fall on weekdays (the count officers check against the announcement).
    pub weekdays_off: u32,
    /// The notice the year follows: the ward's, else the built-in one.
    pub notice: Option<String>,
    /// Whether the notice is one the ward entered.
    pub notice_entered: bool,
    /// No notice yet: the Labour Code's days, expected ("dự kiến").
    pub expected: bool,
}

/// "Thứ Hai" … "Chủ nhật".
pub fn weekday_name(day: NaiveDate) -> &'static str {
    match day.weekday() {
        Weekday::Mon => "Thứ Hai",
        Weekday::Tue => "Thứ Ba",
        Weekday::Wed => "Thứ Tư",
        Weekday::Thu => "Thứ Năm",
        Weekday::Fri => "Thứ Sáu",
        Weekday::Sat => "Thứ Bảy",
        Weekday::Sun => "Chủ nhật",
    }
}

fn is_weekend(day: NaiveDate) -> bool {
    matches!(day.weekday(), Weekday::Sat | Weekday::Sun)
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    // Only called with days of the built-in table, which exist.
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// The built-in days of a year (empty outside [`BUILT_IN_YEARS`]): what the government announced
/// for 2024–2026 ([`NOTICES`]), the Labour Code's days for later years.
pub fn built_in(year: i32) -> Vec<(NaiveDate, DayKind, String)> {
    if !BUILT_IN_YEARS.contains(&year) {
        return vec![];
    }
    let mut days: Vec<(NaiveDate, DayKind, String)> = Vec::new();
    let mut span = |from: NaiveDate, to: NaiveDate, name: &str| {
        let mut d = from;
        while d <= to {
            days.push((d, DayKind::Off, name.to_owned()));
            d += Duration::days(1);
        }
    };
    const TET: &str = "Tết Nguyên đán";
    const GIO_TO: &str = "Giỗ Tổ Hùng Vương (10/3 âm lịch)";
    match year {
        // Announced for civil servants (Thông báo 6150/TB-LĐTBXH, 2023): Tết 08–14/02; Monday
        // 29/4 off, worked on Saturday 04/5; 2/9 with Tuesday 3/9.
        2024 => {
            span(ymd(2024, 1, 1), ymd(2024, 1, 1), "Tết Dương lịch");
            span(ymd(2024, 2, 8), ymd(2024, 2, 14), TET);
            span(ymd(2024, 4, 18), ymd(2024, 4, 18), GIO_TO);
            span(ymd(2024, 4, 29), ymd(2024, 4, 29), "Nghỉ hoán đổi (làm bù thứ Bảy 04/05)");
            span(ymd(2024, 4, 30), ymd(2024, 4, 30), "Ngày Chiến thắng");
            span(ymd(2024, 5, 1), ymd(2024, 5, 1), "Ngày Quốc tế Lao động");
            span(ymd(2024, 9, 2), ymd(2024, 9, 3), "Quốc khánh");
            days.push((ymd(2024, 5, 4), DayKind::Working, "Làm bù cho thứ Hai 29/04".to_owned()));
        }
        // Announced: Tết 25/01–02/02 (the weekdays 27–31/01); Friday 2/5 off, worked on
        // Saturday 26/4; 2/9 with Monday 1/9.
        2025 => {
            span(ymd(2025, 1, 1), ymd(2025, 1, 1), "Tết Dương lịch");
            span(ymd(2025, 1, 25), ymd(2025, 2, 2), TET);
            span(ymd(2025, 4, 7), ymd(2025, 4, 7), GIO_TO);
            span(ymd(2025, 4, 30), ymd(2025, 4, 30), "Ngày Chiến thắng");
            span(ymd(2025, 5, 1), ymd(2025, 5, 1), "Ngày Quốc tế Lao động");
            span(ymd(2025, 5, 2), ymd(2025, 5, 2), "Nghỉ hoán đổi (làm bù thứ Bảy 26/04)");
            span(ymd(2025, 9, 1), ymd(2025, 9, 2), "Quốc khánh");
            days.push((ymd(2025, 4, 26), DayKind::Working, "Làm bù cho thứ Sáu 02/05".to_owned()));
        }
        // Announced: 1/1 (Thursday) with Friday 2/1 off, worked on Saturday 10/1; Tết 14/02–22/02
        // (the weekdays 16–20/02); 2/9 (Wednesday) with Tuesday 1/9, and Monday 31/8 off, worked
        // on Saturday 22/8. Giỗ Tổ, 30/4 and 1/5 by the Labour Code: Giỗ Tổ on Sunday 26/4 is
        // given back on Monday 27/4.
        2026 => {
            span(ymd(2026, 1, 1), ymd(2026, 1, 1), "Tết Dương lịch");
            span(ymd(2026, 1, 2), ymd(2026, 1, 2), "Nghỉ hoán đổi (làm bù thứ Bảy 10/01)");
            span(ymd(2026, 2, 14), ymd(2026, 2, 22), TET);
            span(ymd(2026, 8, 31), ymd(2026, 8, 31), "Nghỉ hoán đổi (làm bù thứ Bảy 22/08)");
            span(ymd(2026, 9, 1), ymd(2026, 9, 2), "Quốc khánh");
            days.extend(statutory(year).into_iter().filter(|(day, _, _)| day.month() == 4 || day.month() == 5));
            days.push((ymd(2026, 1, 10), DayKind::Working, "Làm bù cho thứ Sáu 02/01".to_owned()));
            days.push((ymd(2026, 8, 22), DayKind::Working, "Làm bù cho thứ Hai 31/08".to_owned()));
        }
        _ => days.extend(statutory(year)),
    }
    days.sort_by_key(|d| d.0);
    days
}

/// The Labour Code's days off of a year (Art. 112), with a holiday on a weekend given back on
/// the next working day; Tết as the last day of the lunar year and the first four of the new
/// one.
fn statutory(year: i32) -> Vec<(NaiveDate, DayKind, String)> {
    let tet = lunar::tet(year);
    let national = ymd(year, 9, 2);
    // The day beside 2/9 makes a long weekend where it can.
    let beside = if national.weekday() == Weekday::Tue { ymd(year, 9, 1) } else { ymd(year, 9, 3) };
    let mut holidays: Vec<(NaiveDate, String)> = vec![(ymd(year, 1, 1), "Tết Dương lịch".into())];
    for i in -1..=3 {
        holidays.push((tet + Duration::days(i), "Tết Nguyên đán".into()));
    }
    holidays.push((lunar::gio_to(year), "Giỗ Tổ Hùng Vương".into()));
    holidays.push((ymd(year, 4, 30), "Ngày Chiến thắng".into()));
    holidays.push((ymd(year, 5, 1), "Ngày Quốc tế Lao động".into()));
    holidays.push((national, "Quốc khánh".into()));
    holidays.push((beside, "Quốc khánh".into()));
    holidays.sort();
    let taken: BTreeSet<NaiveDate> = holidays.iter().map(|h| h.0).collect();
    let mut given_back: BTreeSet<NaiveDate> = BTreeSet::new();
    let mut out: Vec<(NaiveDate, DayKind, String)> = Vec::new();
    for (day, name) in &holidays {
        let lunar_note = if name.starts_with("Giỗ Tổ") { " (10/3 âm lịch)" } else { "" };
        out.push((*day, DayKind::Off, format!("{name}{lunar_note}")));
        if is_weekend(*day) {
            let mut next = *day + Duration::days(1);
            while is_weekend(next) || taken.contains(&next) || given_back.contains(&next) {
                next += Duration::days(1);
            }
            given_back.insert(next);
            out.push((next, DayKind::Off, format!("Nghỉ bù {name}")));
        }
    }
    out
}

/// The built-in table, made once: every case deadline is compared with it.
static BUILT_IN: std::sync::LazyLock<Calendar> = std::sync::LazyLock::new(Calendar::make_built_in);

/// The holiday table as deadlines read it: the built-in days with the officer's changes on top.
#[derive(Debug, Clone, Default)]
pub struct Calendar {
    days: BTreeMap<NaiveDate, DayKind>,
    covered: BTreeSet<i32>,
    /// Covered years without a notice.
    expected: BTreeSet<i32>,
    /// The days the officer changed, with their names.
    changed: BTreeMap<NaiveDate, String>,
}

impl Calendar {
    /// The built-in table alone.
    pub fn built_in() -> Calendar {
        BUILT_IN.clone()
    }

    fn make_built_in() -> Calendar {
        let mut c = Calendar::default();
        for year in BUILT_IN_YEARS {
            c.covered.insert(year);
            if built_in_notice(year).is_none() {
                c.expected.insert(year);
            }
            for (day, kind, _) in built_in(year) {
                c.days.insert(day, kind);
            }
        }
        c
    }

    /// The table of a database: the built-in days and notices with the officer's on top. A year
    /// outside the built-in ones is covered once its Tết is in the table as days off (filled
    /// with [`fill_year`], or entered by hand): a single day given back does not make a year's
    /// table.
    pub async fn load(pool: &sqlx::SqlitePool) -> Result<Calendar> {
        let mut c = Calendar::built_in();
        for change in changes(pool).await? {
            c.days.insert(change.day, change.kind);
            c.changed.insert(change.day, change.name);
        }
        let years: BTreeSet<i32> = c.days.keys().map(|d| d.year()).filter(|y| !BUILT_IN_YEARS.contains(y)).collect();
        for year in years {
            if c.days.get(&lunar::tet(year)) == Some(&DayKind::Off) {
                c.covered.insert(year);
                c.expected.insert(year);
            }
        }
        for (year, _) in notices(pool).await? {
            c.expected.remove(&year);
        }
        Ok(c)
    }

    /// What a deadline counted `n` working days from `from` to `due` should say of the table:
    /// that a year it crosses has no notice yet (the day is expected), or that the officer's
    /// changes moved it, from which day and for which days.
    pub fn note(&self, from: NaiveDate, n: u32, due: NaiveDate) -> Option<String> {
        if let Some(year) = (from.year()..=due.year()).find(|y| self.expected.contains(y)) {
            return Some(format!(
                "Hạn dự kiến: năm {year} chưa có thông báo nghỉ lễ, Tết của Chính phủ; khi có, hãy nhập thông báo và sửa ngày ở “Lịch ngày nghỉ”."
            ));
        }
        if self.changed.is_empty() {
            return None;
        }
        let before = BUILT_IN.add_working_days(from, n).ok().filter(|d| *d != due)?;
        let days: Vec<String> = self
            .changed
            .range(from.min(before)..=due.max(before))
            .map(|(day, name)| format!("{} {} ({name})", weekday_name(*day).to_lowercase(), text::format_date(*day)))
            .collect();
        Some(format!("Hạn đã dời từ ngày {} theo lịch ngày nghỉ phường đã sửa: {}.", text::format_date(before), days.join("; ")))
    }

    /// Whether deadlines can be counted in `year`.
    pub fn covers(&self, year: i32) -> bool {
        self.covered.contains(&year)
    }

    /// Whether `day` is worked; an error for a year the table does not cover.
    pub fn is_working(&self, day: NaiveDate) -> Result<bool> {
        if !self.covers(day.year()) {
            return Err(InvalidInput::new(
                "calendar",
                format!(
                    "Chưa có lịch ngày nghỉ năm {0}, nên chưa tính được hạn theo ngày làm việc. Vào “Lịch ngày nghỉ”, chọn năm {0} và bấm “Lập lịch năm {0}”.",
                    day.year()
                ),
            )
            .into());
        }
        Ok(match self.days.get(&day) {
            Some(DayKind::Off) => false,
            Some(DayKind::Working) => true,
            None => !is_weekend(day),
        })
    }

    /// The day `n` working days after `from` (the day of `from` itself not counted): a
    /// deadline "within n working days from" that day ends at the end of the day returned.
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Result<NaiveDate> {
        let mut day = from;
        let mut left = n;
        while left > 0 {
            day += Duration::days(1);
            if self.is_working(day)? {
                left -= 1;
            }
        }
        Ok(day)
    }
}

/// `n` weekdays after `from`, holidays aside: where a deadline falls in a year the table lacks,
/// the day it would be without holidays, shown with the advice to fill the year.
pub fn add_weekdays(from: NaiveDate, n: u32) -> NaiveDate {
    let mut day = from;
    let mut left = n;
    while left > 0 {
        day += Duration::days(1);
        if !is_weekend(day) {
            left -= 1;
        }
    }
    day
}

/// The end of a day in Vietnam (23:59:59 UTC+7), as an instant.
pub fn end_of_day(day: NaiveDate) -> DateTime<Utc> {
    crate::instant_in_vietnam(day.and_hms_opt(23, 59, 59).unwrap_or_default())
}

/// The day an instant falls on in Vietnam.
pub fn vietnam_day(at: DateTime<Utc>) -> NaiveDate {
    crate::vietnam_time(at).date_naive()
}

#[derive(sqlx::FromRow)]
struct Change {
    day: NaiveDate,
    kind: DayKind,
    name: String,
}

async fn changes(pool: &sqlx::SqlitePool) -> Result<Vec<Change>> {
    Ok(sqlx::query_as::<_, Change>("SELECT day, kind, name FROM calendar_days WHERE deleted_at IS NULL ORDER BY day").fetch_all(pool).await?)
}

/// The notices the ward entered, by year.
async fn notices(pool: &sqlx::SqlitePool) -> Result<BTreeMap<i32, String>> {
    Ok(sqlx::query_as::<_, (i32, String)>("SELECT year, notice FROM calendar_notices WHERE deleted_at IS NULL").fetch_all(pool).await?.into_iter().collect())
}

/// A year of the table with its days, built-in and changed.
pub async fn year(store: &Store, actor: &Actor, year: i32) -> Result<CalendarYear> {
    actor.require(Need::ReadPlan)?;
    if !(1900..=2200).contains(&year) {
        return Err(InvalidInput::new("year", "Chọn một năm có 4 chữ số, ví dụ 2025.").into());
    }
    let calendar = Calendar::load(store.pool()).await?;
    let mut days: BTreeMap<NaiveDate, CalendarDay> = built_in(year)
        .into_iter()
        .map(|(day, kind, name)| (day, CalendarDay { day, kind, name, weekday: weekday_name(day).into(), built_in: true, changed: false }))
        .collect();
    for c in changes(store.pool()).await?.into_iter().filter(|c| c.day.year() == year) {
        days.insert(c.day, CalendarDay { day: c.day, kind: c.kind, name: c.name, weekday: weekday_name(c.day).into(), built_in: false, changed: true });
    }
    let days: Vec<CalendarDay> = days.into_values().collect();
    let weekdays_off = days.iter().filter(|d| d.kind == DayKind::Off && !is_weekend(d.day)).count() as u32;
    let entered = notices(store.pool()).await?.remove(&year);
    let covered = calendar.covers(year);
    Ok(CalendarYear {
        year,
        covered,
        days,
        weekdays_off,
        notice_entered: entered.is_some(),
        notice: entered.or_else(|| built_in_notice(year).map(str::to_owned)),
        expected: covered && calendar.expected.contains(&year),
    })
}

/// Records the notice a year's days follow ("Văn bản số …/VPCP-KGVX ngày …"), once the officer
/// has set the days to it: the year is no longer expected. An empty notice takes the ward's
/// back (the built-in one, if any, stands again).
pub async fn set_notice(store: &Store, actor: &Actor, source: Source, year: i32, notice: &str) -> Result<CalendarYear> {
    actor.require(Need::EditPlan)?;
    if !(1900..=2200).contains(&year) {
        return Err(InvalidInput::new("year", "Chọn một năm có 4 chữ số, ví dụ 2027.").into());
    }
    let id = natural_id("calendar_notice", &[&year.to_string()]);
    let notice = Some(text::optional("notice", "thông báo nghỉ lễ, Tết", notice, 500)?).filter(|n| !n.is_empty());
    let mut w = store.write(actor, source).await?;
    let kept = w.read("calendar_notices", &id, &["id"]).await?.is_some();
    match (notice, kept) {
        (Some(notice), true) => {
            w.update("calendar_notices", &id, Cols::new().set("notice", notice).set("deleted_at", None::<String>)).await?;
        }
        (Some(notice), false) => w.insert("calendar_notices", &id, Cols::new().set("year", year).set("notice", notice)).await?,
        (None, true) => {
            w.tombstone("calendar_notices", &id).await?;
        }
        (None, false) => {}
    }
    w.commit().await?;
    self::year(store, actor, year).await
}

/// A day the officer sets: off with its name, or worked.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct DayInput {
    /// dd/mm/yyyy.
    pub day: String,
    /// Off or worked.
    pub kind: DayKind,
    /// What it is: "Nghỉ bù Quốc khánh", "Làm bù cho thứ Sáu 02/05".
    pub name: String,
}

/// Sets one day of the table (the officer's change wins over the built-in day).
pub async fn set_day(store: &Store, actor: &Actor, source: Source, input: &DayInput) -> Result<CalendarDay> {
    actor.require(Need::EditPlan)?;
    let day = text::parse_date("day", &input.day)?;
    let name = text::required("name", "tên ngày (ví dụ “Nghỉ bù Quốc khánh”)", &input.name, 120)?;
    let mut w = store.write(actor, source).await?;
    write_day(&mut w, day, input.kind, &name).await?;
    w.commit().await?;
    Ok(CalendarDay { day, kind: input.kind, name, weekday: weekday_name(day).into(), built_in: false, changed: true })
}

async fn write_day(w: &mut crate::store::Write<'_>, day: NaiveDate, kind: DayKind, name: &str) -> Result<()> {
    let id = natural_id("calendar_day", &[&day.to_string()]);
    let cols = Cols::new().set("day", day).set("kind", kind).set("name", name);
    if w.read("calendar_days", &id, &["id"]).await?.is_some() {
        w.update("calendar_days", &id, cols.set("deleted_at", None::<String>)).await?;
    } else {
        w.insert("calendar_days", &id, cols).await?;
    }
    Ok(())
}

/// Takes back the officer's change of a day: the built-in day (or an ordinary one) again.
pub async fn reset_day(store: &Store, actor: &Actor, source: Source, day: &str) -> Result<()> {
    actor.require(Need::EditPlan)?;
    let day = text::parse_date("day", day)?;
    let id = natural_id("calendar_day", &[&day.to_string()]);
    let mut w = store.write(actor, source).await?;
    let not_changed = || InvalidInput::new("day", format!("Ngày {} chưa được sửa trong lịch.", text::format_date(day))).into();
    match w.tombstone("calendar_days", &id).await {
        Ok(true) => w.commit().await,
        Ok(false) | Err(Error::NotFound { .. }) => Err(not_changed()),
        Err(e) => Err(e),
    }
}

/// Fills a year outside the built-in table with the Labour Code's days off (to check against
/// the government's announcement and correct), so deadlines can be counted in it; days the
/// officer already set are kept.
pub async fn fill_year(store: &Store, actor: &Actor, source: Source, year: i32) -> Result<CalendarYear> {
    actor.require(Need::EditPlan)?;
    if !(1900..=2200).contains(&year) {
        return Err(InvalidInput::new("year", "Chọn một năm có 4 chữ số, ví dụ 2031.").into());
    }
    if Calendar::load(store.pool()).await?.covers(year) {
        return Err(InvalidInput::new("year", format!("Lịch năm {year} đã có; hãy sửa từng ngày.")).into());
    }
    let set: BTreeSet<NaiveDate> = changes(store.pool()).await?.into_iter().map(|c| c.day).collect();
    let mut w = store.write(actor, source).await?;
    for (day, kind, name) in statutory(year).into_iter().filter(|d| !set.contains(&d.0)) {
        write_day(&mut w, day, kind, &name).await?;
    }
    w.commit().await?;
    self::year(store, actor, year).await
}

/// A day counted in working days, with what the table says of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// The day.
    pub day: NaiveDate,
    /// Expected (a year without a notice), or moved by the officer's changes ([`Calendar::note`]).
    pub note: Option<String>,
}

/// The day `n` working days after `from` under the ward's table (`treem calendar due`).
pub async fn due(store: &Store, actor: &Actor, from: NaiveDate, n: u32) -> Result<Due> {
    actor.require(Need::ReadPlan)?;
    let calendar = Calendar::load(store.pool()).await?;
    let day = calendar.add_working_days(from, n)?;
    Ok(Due { day, note: calendar.note(from, n, day) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn five_working_days_cross_tet_2024_as_published() {
        let c = Calendar::built_in();
        // Tết Giáp Thìn: off 08/02 (Thu) to 14/02 (Wed); 15/02 is the first day back.
        for day in 8..=14 {
            assert!(!c.is_working(d(2024, 2, day)).unwrap(), "{day}/02/2024 is off");
        }
        assert!(c.is_working(d(2024, 2, 15)).unwrap());
        // Received Wednesday 07/02: Thursday 15, Friday 16, Monday 19, Tuesday 20, Wednesday 21.
        assert_eq!(c.add_working_days(d(2024, 2, 7), 5).unwrap(), d(2024, 2, 21));
        // Received Thursday 01/02: Friday 2, Monday 5, Tuesday 6, Wednesday 7, then Thursday 15.
        assert_eq!(c.add_working_days(d(2024, 2, 1), 5).unwrap(), d(2024, 2, 15));
        // An ordinary week: Friday + 5 working days is the next Friday.
        assert_eq!(c.add_working_days(d(2024, 3, 1), 5).unwrap(), d(2024, 3, 8));
    }

    #[test]
    fn swapped_days_of_2024_and_2025_count_as_announced() {
        let c = Calendar::built_in();
        assert!(!c.is_working(d(2024, 4, 29)).unwrap(), "Monday 29/4/2024 was swapped off");
        assert!(c.is_working(d(2024, 5, 4)).unwrap(), "Saturday 4/5/2024 was worked");
        assert!(c.is_working(d(2025, 4, 26)).unwrap(), "Saturday 26/4/2025 was worked");
        assert!(!c.is_working(d(2025, 5, 2)).unwrap());
        // From Friday 25/4/2025: Saturday 26 (worked), Monday 28, Tuesday 29, then 30/4–4/5 off, Monday 5, Tuesday 6.
        assert_eq!(c.add_working_days(d(2025, 4, 25), 5).unwrap(), d(2025, 5, 6));
    }

    #[test]
    fn each_year_has_the_labour_codes_eleven_days_off() {
        for year in BUILT_IN_YEARS {
            let days = built_in(year);
            let off: BTreeSet<NaiveDate> = days.iter().filter(|x| x.1 == DayKind::Off).map(|x| x.0).collect();
            // 11 holidays a year (Art. 112), each falling on a weekend given back: at least 11
            // weekdays off, more where swaps were announced (two in 2026).
            let weekdays = off.iter().filter(|x| !is_weekend(**x)).count();
            assert!((11..=13).contains(&weekdays), "{year}: {weekdays} weekdays off");
            assert!(off.contains(&lunar::tet(year)), "{year}: Tết");
            assert!(off.contains(&lunar::gio_to(year)), "{year}: Giỗ Tổ");
            assert!(off.contains(&d(year, 9, 2)) && off.contains(&d(year, 4, 30)) && off.contains(&d(year, 5, 1)));
        }
        // 2026: Giỗ Tổ on Sunday 26/4 is given back on Monday 27/4.
        assert!(built_in(2026).iter().any(|x| x.0 == d(2026, 4, 27) && x.2.starts_with("Nghỉ bù")));
        // Years without a notice are expected, not announced.
        let c = Calendar::built_in();
        assert!(c.expected.contains(&2027) && !c.expected.contains(&2026));
        let due = c.add_working_days(d(2026, 12, 28), 5).unwrap();
        assert!(c.note(d(2026, 12, 28), 5, due).is_some_and(|n| n.contains("năm 2027 chưa có thông báo")));
        assert_eq!(c.note(d(2026, 3, 2), 5, c.add_working_days(d(2026, 3, 2), 5).unwrap()), None);
    }

    #[test]
    fn deadlines_of_2026_cross_new_year_and_national_day_as_announced() {
        let c = Calendar::built_in();
        // New Year: Thursday 1/1 and the swapped Friday 2/1 off, Saturday 10/1 worked.
        assert!(!c.is_working(d(2026, 1, 2)).unwrap());
        assert!(c.is_working(d(2026, 1, 10)).unwrap());
        // Received Wednesday 31/12/2025: Monday 5, Tuesday 6, Wednesday 7, Thursday 8, Friday 9/1.
        assert_eq!(c.add_working_days(d(2025, 12, 31), 5).unwrap(), d(2026, 1, 9));
        // Received Thursday 8/1: Friday 9, Saturday 10 (worked), Monday 12, Tuesday 13, Wednesday 14.
        assert_eq!(c.add_working_days(d(2026, 1, 8), 5).unwrap(), d(2026, 1, 14));
        // National Day: Saturday 22/8 worked; Monday 31/8, Tuesday 1/9 and Wednesday 2/9 off.
        assert!(c.is_working(d(2026, 8, 22)).unwrap());
        for day in [d(2026, 8, 31), d(2026, 9, 1), d(2026, 9, 2)] {
            assert!(!c.is_working(day).unwrap(), "{day} is off");
        }
        assert!(c.is_working(d(2026, 9, 3)).unwrap(), "Thursday 3/9 is worked");
        // Received Thursday 27/8: Friday 28, then Thursday 3, Friday 4, Monday 7, Tuesday 8/9.
        assert_eq!(c.add_working_days(d(2026, 8, 27), 5).unwrap(), d(2026, 9, 8));
        // Received Friday 21/8: Saturday 22 (worked), Monday 24 … Thursday 27.
        assert_eq!(c.add_working_days(d(2026, 8, 21), 5).unwrap(), d(2026, 8, 27));
    }

    #[test]
    fn a_year_outside_the_table_is_a_hole_with_advice() {
        let c = Calendar::built_in();
        let e = c.add_working_days(d(2030, 12, 27), 5).unwrap_err();
        assert!(e.to_string().contains("Chưa có lịch ngày nghỉ năm 2031"), "{e}");
    }
}
