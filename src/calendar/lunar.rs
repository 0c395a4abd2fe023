//! Vietnamese lunar calendar (âm lịch) ↔ Gregorian calendar conversion.
//!
//! This module owns the astronomy behind the lunar holidays. Tết Nguyên Đán
//! (1/1 âm lịch) and Giỗ Tổ Hùng Vương (10/3 âm lịch) move every Gregorian year,
//! and their dates depend on new moons and solar terms as observed at UTC+7,
//! which is why Vietnam's Tết can differ from China's (2007: 17 Feb vs 18 Feb).
//! Rather than hard-coding a guessed holiday table, the dates are computed with
//! Hồ Ngọc Đức's published algorithm ("amlich": new moons after Meeus with a ΔT
//! correction, apparent solar longitude, month 11 containing the winter
//! solstice, leap month = first month without a major solar term). The
//! astronomical series is accurate for roughly 1900–2100.

use chrono::{Datelike, NaiveDate};
use std::f64::consts::PI;

/// Vietnam's time zone, in hours east of UTC.
const TIME_ZONE: f64 = 7.0;
/// Julian day of the new moon of 1900-01-01 (k = 0 in the new-moon series).
const NEW_MOON_EPOCH: f64 = 2_415_021.076_998_695;
/// Mean synodic month, in days.
const SYNODIC_MONTH: f64 = 29.530_588_853;
/// Julian day number of 0000-12-31, i.e. chrono's `num_days_from_ce() == 0`.
const JD_CE_DAY_ZERO: i64 = 1_721_425;

/// A date in the Vietnamese lunar calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LunarDate {
    /// Lunar year (the Gregorian year in which its month 1 begins).
    pub year: i32,
    /// Lunar month, 1..=12.
    pub month: u32,
    /// Day of the lunar month, 1..=30.
    pub day: u32,
    /// Whether this month is the intercalary (leap, "nhuận") month.
    pub leap: bool,
}

/// Julian day number of a Gregorian date.
fn date_to_jd(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) + JD_CE_DAY_ZERO
}

/// Gregorian date of a Julian day number; `None` outside chrono's range.
fn jd_to_date(jd: i64) -> Option<NaiveDate> {
    i32::try_from(jd - JD_CE_DAY_ZERO)
        .ok()
        .and_then(NaiveDate::from_num_days_from_ce_opt)
}

/// Julian day number of 31 December of `year` (integer formula, never fails).
fn jd_of_dec_31(year: i64) -> i64 {
    let y = year + 4800; // month 12: a = 0, m = 9, (153 * 9 + 2) / 5 = 275
    31 + 275 + 365 * y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400) - 32045
}

/// Julian day (UT, fractional) of the `k`-th new moon after 1900-01-01 (Meeus).
fn new_moon(k: i64) -> f64 {
    let k = k as f64;
    let t = k / 1236.85; // Julian centuries since 1900-01-00.5
    let (t2, t3) = (t * t, t * t * t);
    let dr = PI / 180.0;
    let mean = 2_415_020.759_33 + 29.530_588_68 * k + 0.000_117_8 * t2 - 0.000_000_155 * t3
        + 0.000_33 * ((166.56 + 132.87 * t - 0.009_173 * t2) * dr).sin();
    // Sun's mean anomaly.
    let m = (359.2242 + 29.105_356_08 * k - 0.000_033_3 * t2 - 0.000_003_47 * t3) * dr;
    // Moon's mean anomaly.
    let mpr = (306.0253 + 385.816_918_06 * k + 0.010_730_6 * t2 + 0.000_012_36 * t3) * dr;
    // Moon's argument of latitude.
    let f = (21.2964 + 390.670_506_46 * k - 0.001_652_8 * t2 - 0.000_002_39 * t3) * dr;
    let c1 = (0.1734 - 0.000_393 * t) * m.sin() + 0.0021 * (2.0 * m).sin() - 0.4068 * mpr.sin()
        + 0.0161 * (2.0 * mpr).sin()
        - 0.0004 * (3.0 * mpr).sin()
        + 0.0104 * (2.0 * f).sin()
        - 0.0051 * (m + mpr).sin()
        - 0.0074 * (m - mpr).sin()
        + 0.0004 * (2.0 * f + m).sin()
        - 0.0004 * (2.0 * f - m).sin()
        - 0.0006 * (2.0 * f + mpr).sin()
        + 0.0010 * (2.0 * f - mpr).sin()
        + 0.0005 * (2.0 * mpr + m).sin();
    let delta_t = if t < -11.0 {
        0.001 + 0.000_839 * t + 0.000_226_1 * t2 - 0.000_008_45 * t3 - 0.000_000_081 * t * t3
    } else {
        -0.000_278 + 0.000_265 * t + 0.000_262 * t2
    };
    mean + c1 - delta_t
}

/// Apparent solar longitude in radians, normalised to [0, 2π), at Julian day `jd`.
fn sun_longitude(jd: f64) -> f64 {
    let t = (jd - 2_451_545.0) / 36_525.0; // Julian centuries since J2000
    let t2 = t * t;
    let dr = PI / 180.0;
    let m = 357.529_10 + 35_999.050_30 * t - 0.000_155_9 * t2 - 0.000_000_48 * t * t2;
    let l0 = 280.466_45 + 36_000.769_83 * t + 0.000_303_2 * t2;
    let dl = (1.914_600 - 0.004_817 * t - 0.000_014 * t2) * (dr * m).sin()
        + (0.019_993 - 0.000_101 * t) * (dr * 2.0 * m).sin()
        + 0.000_290 * (dr * 3.0 * m).sin();
    ((l0 + dl) * dr).rem_euclid(2.0 * PI)
}

/// Solar-term sector (0..=11, 30° each) at local midnight starting day `jd`.
fn sun_sector(jd: i64) -> i64 {
    (sun_longitude(jd as f64 - 0.5 - TIME_ZONE / 24.0) / PI * 6.0).floor() as i64
}

/// Local (UTC+7) Julian day number of the `k`-th new moon.
fn new_moon_day(k: i64) -> i64 {
    (new_moon(k) + 0.5 + TIME_ZONE / 24.0).floor() as i64
}

/// First day of lunar month 11 (the month containing the winter solstice)
/// that begins in Gregorian `year`.
fn lunar_month_11(year: i64) -> i64 {
    let k = ((jd_of_dec_31(year) - 2_415_021) as f64 / SYNODIC_MONTH).floor() as i64;
    let new_moon = new_moon_day(k);
    if sun_sector(new_moon) >= 9 {
        new_moon_day(k - 1)
    } else {
        new_moon
    }
}

/// Offset (in months after month 11 starting at `a11`) of the leap month:
/// the first month whose sun sector does not change, i.e. with no major term.
fn leap_month_offset(a11: i64) -> i64 {
    let k = ((a11 as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH + 0.5).floor() as i64;
    let mut i = 1;
    let mut arc = sun_sector(new_moon_day(k + i));
    loop {
        let last = arc;
        i += 1;
        arc = sun_sector(new_moon_day(k + i));
        if arc == last || i >= 14 {
            return i - 1;
        }
    }
}

/// Converts a Gregorian date to the Vietnamese lunar calendar (UTC+7).
pub fn solar_to_lunar(date: NaiveDate) -> LunarDate {
    let day_number = date_to_jd(date);
    let year = i64::from(date.year());
    // Estimate from the mean month, then correct: the true new moon can drift far
    // enough from the mean one that the original single-step check yields day 0
    // (e.g. 2054-05-07).
    let mut k = ((day_number as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH).floor() as i64;
    while new_moon_day(k) > day_number {
        k -= 1;
    }
    while new_moon_day(k + 1) <= day_number {
        k += 1;
    }
    let month_start = new_moon_day(k);
    let (a11, b11, mut lunar_year) = if lunar_month_11(year) >= month_start {
        (lunar_month_11(year - 1), lunar_month_11(year), year)
    } else {
        (lunar_month_11(year), lunar_month_11(year + 1), year + 1)
    };
    let diff = (month_start - a11) / 29; // months since month 11; both operands >= 0
    let mut month = diff + 11;
    let mut leap = false;
    if b11 - a11 > 365 {
        let leap_offset = leap_month_offset(a11);
        if diff >= leap_offset {
            month = diff + 10;
            leap = diff == leap_offset;
        }
    }
    if month > 12 {
        month -= 12;
    }
    if month >= 11 && diff < 4 {
        lunar_year -= 1;
    }
    // Casts are lossless: month is 1..=12, day is 1..=30, and lunar_year is within
    // one of a chrono year (|year| < 2^18).
    LunarDate {
        year: lunar_year as i32,
        month: month as u32,
        day: (day_number - month_start + 1) as u32,
        leap,
    }
}

/// Converts a Vietnamese lunar date (UTC+7) to the Gregorian calendar.
///
/// `year` is the lunar year, `month` is 1..=12 and `leap` selects the leap month.
/// Returns `None` when the date does not exist: month or day out of range, a leap
/// month the year does not have, or day 30 of a 29-day month.
pub fn lunar_to_solar(year: i32, month: u32, day: u32, leap: bool) -> Option<NaiveDate> {
    if !(1..=12).contains(&month) || !(1..=30).contains(&day) {
        return None;
    }
    let (year, month, day) = (i64::from(year), i64::from(month), i64::from(day));
    let (a11, b11) = if month < 11 {
        (lunar_month_11(year - 1), lunar_month_11(year))
    } else {
        (lunar_month_11(year), lunar_month_11(year + 1))
    };
    let k = (0.5 + (a11 as f64 - NEW_MOON_EPOCH) / SYNODIC_MONTH).floor() as i64;
    let mut offset = (month - 11).rem_euclid(12);
    if b11 - a11 > 365 {
        let leap_offset = leap_month_offset(a11);
        let leap_month = (leap_offset - 2).rem_euclid(12);
        if leap && month != leap_month {
            return None;
        }
        if leap || offset >= leap_offset {
            offset += 1;
        }
    } else if leap {
        return None;
    }
    let month_start = new_moon_day(k + offset);
    if day > new_moon_day(k + offset + 1) - month_start {
        return None;
    }
    jd_to_date(month_start + day - 1)
}

/// Tết Nguyên Đán: 1/1 lunar of the lunar year that starts in Gregorian `year`.
///
/// # Panics
/// Only if the result falls outside chrono's date range (|year| > ~262 000).
pub fn tet(year: i32) -> NaiveDate {
    // Day 1 of a non-leap month always exists, so None can only mean the
    // date is outside chrono's range, which is impossible for real calendar years.
    lunar_to_solar(year, 1, 1, false).expect("lunar 1/1 exists for every year in chrono's range")
}

/// Giỗ Tổ Hùng Vương: 10/3 lunar (the regular, non-leap 3rd month) of `year`.
///
/// # Panics
/// Only if the result falls outside chrono's date range (|year| > ~262 000).
pub fn gio_to(year: i32) -> NaiveDate {
    // Day 10 of a non-leap month always exists (every lunar month has >= 29 days).
    lunar_to_solar(year, 3, 10, false).expect("lunar 10/3 exists for every year in chrono's range")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn tet_matches_published_dates() {
        let expected = [
            (2020, 1, 25),
            (2021, 2, 12),
            (2022, 2, 1),
            (2023, 1, 22),
            (2024, 2, 10),
            (2025, 1, 29),
            (2026, 2, 17),
            (2027, 2, 6),
            (2028, 1, 26),
            (2029, 2, 13),
            // 2030 is listed in the brief as 2030-02-03, but that is China's (UTC+8) date: the
            // new moon falls at 2030-02-02 16:07 UTC = 23:07 UTC+7, so Vietnam's Tết is 02-02.
            (2030, 2, 2),
        ];
        for (y, m, d) in expected {
            assert_eq!(tet(y), ymd(y, m, d), "Tết {y}");
        }
    }

    #[test]
    fn gio_to_matches_published_dates() {
        let expected = [
            (2023, 4, 29),
            (2024, 4, 18),
            (2025, 4, 7),
            (2026, 4, 26),
            (2027, 4, 16),
            (2028, 4, 4),
            (2029, 4, 23),
            (2030, 4, 12),
        ];
        for (y, m, d) in expected {
            assert_eq!(gio_to(y), ymd(y, m, d), "Giỗ Tổ {y}");
        }
    }

    #[test]
    fn tet_uses_vietnam_time_zone() {
        // New moons at 2007-02-17 16:14 UTC and 2030-02-02 16:07 UTC fall before midnight at
        // UTC+7 but after it at UTC+8, so Vietnam's Tết is one day before China's.
        assert_eq!(tet(2007), ymd(2007, 2, 17));
        assert_eq!(
            solar_to_lunar(ymd(2007, 2, 18)),
            LunarDate {
                year: 2007,
                month: 1,
                day: 2,
                leap: false
            }
        );
        assert_eq!(tet(2030), ymd(2030, 2, 2));
    }

    #[test]
    fn leap_second_month_2023() {
        assert_eq!(lunar_to_solar(2023, 2, 1, true), Some(ymd(2023, 3, 22)));
        assert_eq!(
            solar_to_lunar(ymd(2023, 3, 22)),
            LunarDate {
                year: 2023,
                month: 2,
                day: 1,
                leap: true
            }
        );
        assert_eq!(
            lunar_to_solar(2024, 2, 1, true),
            None,
            "2024 has no leap month"
        );
        assert_eq!(
            lunar_to_solar(2023, 3, 1, true),
            None,
            "2023's leap month is the 2nd"
        );
    }

    #[test]
    fn last_day_of_quy_mao_year() {
        // Whichever of 29/12 or 30/12 is the last day of 2023, it is the eve of Tết 2024.
        let eve = tet(2024).pred_opt().expect("in range");
        let last = solar_to_lunar(eve);
        assert_eq!((last.year, last.month, last.leap), (2023, 12, false));
        match lunar_to_solar(2023, 12, 30, false) {
            Some(date) => {
                assert_eq!(date, eve);
                assert_eq!(last.day, 30);
            }
            None => assert_eq!(last.day, 29),
        }
    }

    #[test]
    fn invalid_dates_are_rejected() {
        assert_eq!(lunar_to_solar(2024, 0, 1, false), None);
        assert_eq!(lunar_to_solar(2024, 13, 1, false), None);
        assert_eq!(lunar_to_solar(2024, 1, 0, false), None);
        assert_eq!(lunar_to_solar(2024, 1, 31, false), None);
    }

    #[test]
    fn round_trip_every_day_2024_to_2030() {
        let mut date = ymd(2024, 1, 1);
        while date <= ymd(2030, 12, 31) {
            let l = solar_to_lunar(date);
            assert_eq!(
                lunar_to_solar(l.year, l.month, l.day, l.leap),
                Some(date),
                "{date} -> {l:?}"
            );
            date = date.succ_opt().expect("in range");
        }
    }
}
