//! When an activity happens: a named period of the year, or dates the officer sets.

use chrono::NaiveDate;

labelled_enum! {
    /// The periods plans name instead of dates.
    pub enum Period {
        /// Cả năm: 1/1–31/12.
        WholeYear = ("whole_year", "Cả năm"),
        /// Tháng hành động vì trẻ em: 1/6–30/6 (Law on Children, Art. 11).
        ActionMonth = ("action_month", "Tháng hành động (01/6–30/6)"),
        /// Hè: 1/6–31/8.
        Summer = ("summer", "Hè"),
        /// Tết Trung thu: the two weeks up to the 15th of the 8th lunar month.
        MidAutumn = ("mid_autumn", "Tết Trung thu"),
        /// Dates set by the officer.
        Custom = ("custom", "Theo ngày"),
    }
}

/// Solar dates of the 15th of the 8th lunar month (Tết Trung thu). Lunar dates have no simple
/// formula; extend this table as years come.
const MID_AUTUMN: [(i32, u32, u32); 9] = [
    (2022, 9, 10),
    (2023, 9, 29),
    (2024, 9, 17),
    (2025, 10, 6),
    (2026, 9, 25),
    (2027, 9, 15),
    (2028, 10, 3),
    (2029, 9, 22),
    (2030, 9, 12),
];

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

impl Period {
    /// The first and last day of this period in `year` (Custom spans the year until set).
    pub fn range(self, year: i32) -> (NaiveDate, NaiveDate) {
        match self {
            Period::WholeYear | Period::Custom => (ymd(year, 1, 1), ymd(year, 12, 31)),
            Period::ActionMonth => (ymd(year, 6, 1), ymd(year, 6, 30)),
            Period::Summer => (ymd(year, 6, 1), ymd(year, 8, 31)),
            Period::MidAutumn => {
                let day = MID_AUTUMN
                    .iter()
                    .find(|(y, _, _)| *y == year)
                    .map(|&(y, m, d)| ymd(y, m, d))
                    .unwrap_or_else(|| ymd(year, 9, 30));
                (day - chrono::Duration::days(14), day)
            }
        }
    }

    /// The period an activity's text names, if any ("Tháng hành động", "hè", "Trung thu").
    pub fn named_in(folded_text: &str) -> Option<Period> {
        let words: Vec<&str> = folded_text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
        let has = |phrase: &str| {
            let p: Vec<&str> = phrase.split(' ').collect();
            words.windows(p.len()).any(|w| w == p.as_slice())
        };
        let named: Vec<Period> = [
            (Period::ActionMonth, has("thang hanh dong")),
            (Period::MidAutumn, has("trung thu")),
            (Period::Summer, ["mua he", "nghi he", "hoat dong he", "sinh hoat he", "ky he", "trong he", "dip he"].iter().any(|p| has(p))),
        ]
        .into_iter()
        .filter_map(|(p, found)| found.then_some(p))
        .collect();
        // A text that lists several occasions is a year-round activity.
        match named.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::fold;

    #[test]
    fn names_are_found_in_text() {
        assert_eq!(Period::named_in(&fold("Tổ chức Tháng hành động vì trẻ em năm 2024")), Some(Period::ActionMonth));
        assert_eq!(Period::named_in(&fold("chuẩn bị cho trẻ em có kỳ nghỉ hè an toàn")), Some(Period::Summer));
        assert_eq!(Period::named_in(&fold("Tết Trung thu cho trẻ em")), Some(Period::MidAutumn));
        assert_eq!(Period::named_in(&fold("Thực hiện nghiêm túc chế độ thông tin")), None);
        assert_eq!(Period::named_in(&fold("nhân Tháng hành động vì trẻ em, Tết Trung thu")), None);
    }

    #[test]
    fn mid_autumn_2024_ends_on_17_september() {
        assert_eq!(Period::MidAutumn.range(2024).1, NaiveDate::from_ymd_opt(2024, 9, 17).unwrap());
        assert_eq!(Period::ActionMonth.range(2024), (ymd(2024, 6, 1), ymd(2024, 6, 30)));
    }
}
