//! Clearly fictional but realistic children, for the demo ward and the benchmarks: Vietnamese
//! family, middle and given names drawn by their usual frequency, births spread over sixteen
//! years, the demo ward's residential groups, parents, and special circumstances at rates of the
//! order wards report. The same seed always gives the same children.

use chrono::{Datelike, Days, NaiveDate};

use super::{Birth, Circumstance, Guardian, Household, Sex, Valid, ValidSpan};
use crate::auth::{Actor, Need};
use crate::store::{natural_id, Source, Store, Write};
use crate::ward::UnitKind;
use crate::Result;

/// Family names with their rough share in a hundred.
const FAMILY: &[(&str, u32)] = &[
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Huỳnh", 4), ("Võ", 4), ("Phan", 4), ("Hoàng", 3),
    ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2), ("Ngô", 2), ("Dương", 1), ("Trương", 1), ("Đinh", 1),
    ("Đoàn", 1), ("Lương", 1), ("Mai", 1), ("Lý", 1), ("Tô", 1), ("Ưng", 1),
];
const MIDDLE_MALE: &[(&str, u32)] = &[
    ("Văn", 24), ("Minh", 10), ("Đức", 8), ("Quốc", 7), ("Gia", 7), ("Hoàng", 6), ("Hữu", 6), ("Anh", 5),
    ("Công", 5), ("Đình", 5), ("Thành", 4), ("Bảo", 5), ("Trung", 3), ("Ngọc", 3), ("Tuấn", 2),
];
const MIDDLE_FEMALE: &[(&str, u32)] = &[
    ("Thị", 28), ("Ngọc", 10), ("Thu", 6), ("Thanh", 6), ("Bảo", 6), ("Minh", 6), ("Khánh", 5), ("Phương", 5),
    ("Kim", 4), ("Mỹ", 4), ("Gia", 4), ("Hoài", 3), ("Diệu", 3), ("Quỳnh", 3), ("Ánh", 3),
];
const GIVEN_MALE: &[(&str, u32)] = &[
    ("An", 5), ("Bảo", 5), ("Bình", 3), ("Cường", 2), ("Dũng", 3), ("Duy", 3), ("Đạt", 4), ("Đức", 4), ("Hải", 3),
    ("Hiếu", 3), ("Hoàng", 3), ("Huy", 5), ("Hùng", 2), ("Khang", 4), ("Khánh", 3), ("Khoa", 4), ("Khôi", 4),
    ("Kiệt", 3), ("Lâm", 2), ("Long", 3), ("Lộc", 2), ("Minh", 6), ("Nam", 4), ("Nghĩa", 2), ("Nhân", 3),
    ("Phát", 3), ("Phong", 3), ("Phúc", 4), ("Quân", 4), ("Quang", 3), ("Sơn", 2), ("Tài", 2), ("Thành", 3),
    ("Thắng", 2), ("Thịnh", 3), ("Tiến", 2), ("Toàn", 2), ("Trí", 3), ("Trung", 2), ("Tuấn", 4), ("Tùng", 2),
    ("Vinh", 2), ("Vũ", 3), ("Ân", 2), ("Ơn", 1),
];
const GIVEN_FEMALE: &[(&str, u32)] = &[
    ("Anh", 6), ("Ánh", 3), ("Châu", 3), ("Chi", 4), ("Diệp", 2), ("Dung", 2), ("Duyên", 2), ("Giang", 3), ("Hà", 3),
    ("Hân", 5), ("Hằng", 2), ("Hạnh", 2), ("Hoa", 2), ("Hương", 3), ("Huyền", 3), ("Lan", 2), ("Linh", 6), ("Ly", 3),
    ("Mai", 3), ("My", 5), ("Ngân", 4), ("Ngọc", 5), ("Nhi", 6), ("Như", 3), ("Nhung", 2), ("Oanh", 2), ("Phương", 3),
    ("Quyên", 2), ("Quỳnh", 3), ("Tâm", 3), ("Thảo", 4), ("Thư", 5), ("Thủy", 2), ("Trang", 4), ("Trâm", 3),
    ("Uyên", 3), ("Vân", 2), ("Vy", 6), ("Xuân", 2), ("Yến", 3), ("Ưng", 1),
];
const STREETS: &[&str] = &[
    "Lê Lợi", "Hùng Vương", "Quang Trung", "Phan Đình Phùng", "Trần Hưng Đạo", "Nguyễn Nghiêm", "Bà Triệu",
    "Lê Trung Đình", "Chu Văn An", "Nguyễn Tự Tân",
];
/// Special circumstances and their chance in ten thousand children.
const CIRCUMSTANCE_RATES: &[(Circumstance, u32)] = &[
    (Circumstance::A, 30), (Circumstance::B, 5), (Circumstance::C, 10), (Circumstance::D, 150), (Circumstance::Dd, 5),
    (Circumstance::E, 10), (Circumstance::G, 3), (Circumstance::H, 20), (Circumstance::I, 10), (Circumstance::K, 8),
    (Circumstance::L, 5), (Circumstance::M, 2), (Circumstance::N, 30), (Circumstance::O, 2),
];

/// A small, seeded generator (SplitMix64): the same children on every machine.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, in_ten_thousand: u32) -> bool {
        self.below(10_000) < in_ten_thousand as u64
    }

    fn pick<'a>(&mut self, weighted: &[(&'a str, u32)]) -> &'a str {
        let total: u32 = weighted.iter().map(|w| w.1).sum();
        let mut roll = self.below(total as u64) as u32;
        for (word, weight) in weighted {
            if roll < *weight {
                return word;
            }
            roll -= weight;
        }
        weighted[0].0
    }
}

/// One fictional child with their groups of special circumstances.
pub(crate) struct Fictional {
    pub child: Valid,
    pub spans: Vec<ValidSpan>,
}

/// `n` fictional children living in `groups`, born in the sixteen years before `today`.
pub(crate) fn children(n: usize, seed: u64, groups: &[String], today: NaiveDate) -> Vec<Fictional> {
    let mut dice = Dice(seed);
    let span_days = 16 * 365;
    (0..n)
        .map(|_| {
            let sex = if dice.below(100) < 51 { Sex::Male } else { Sex::Female };
            let family = dice.pick(FAMILY);
            let (middle, given) = match sex {
                Sex::Male => (dice.pick(MIDDLE_MALE), dice.pick(GIVEN_MALE)),
                Sex::Female => (dice.pick(MIDDLE_FEMALE), dice.pick(GIVEN_FEMALE)),
            };
            let born = today.checked_sub_days(Days::new(1 + dice.below(span_days))).unwrap_or(today);
            let age = Birth::Day(born).age_on(today).unwrap_or(0);
            // One in fifty records knows only the year, as with children who arrived without papers.
            let birth = if dice.chance(200) && today.year() - born.year() < 16 { Birth::Year(born.year()) } else { Birth::Day(born) };
            let id_number = (matches!(birth, Birth::Day(_)) && dice.chance(8_000)).then(|| {
                let century_sex = (born.year() / 100 - 19) as u64 * 2 + u64::from(sex == Sex::Female);
                format!("051{century_sex}{:02}{:06}", born.year() % 100, dice.below(1_000_000))
            });
            let father = format!("{family} {} {}", dice.pick(MIDDLE_MALE), dice.pick(GIVEN_MALE));
            let mother = format!("{} {} {}", dice.pick(FAMILY), dice.pick(MIDDLE_FEMALE), dice.pick(GIVEN_FEMALE));
            let phone = format!("09{:08}", dice.below(100_000_000));
            let mut guardians = vec![
                Guardian { name: mother, relation: "Mẹ".into(), phone },
                Guardian { name: father, relation: "Cha".into(), phone: String::new() },
            ];
            let mut spans = Vec::new();
            for &(code, rate) in CIRCUMSTANCE_RATES {
                if dice.chance(rate) {
                    let since = born.checked_add_days(Days::new(dice.below((today - born).num_days().max(1) as u64))).unwrap_or(born);
                    let subgroup = code.subgroups().get(dice.below(code.subgroups().len().max(1) as u64) as usize).map(|s| s.to_string());
                    spans.push(ValidSpan { code, subgroup, start: since, end: None, note: String::new() });
                }
            }
            if spans.iter().any(|s| s.code == Circumstance::A) {
                guardians = vec![Guardian { name: format!("{family} Thị {}", dice.pick(GIVEN_FEMALE)), relation: "Bà nội".into(), phone: String::new() }];
            }
            let (school, class_name) = match age {
                0..=2 => (String::new(), String::new()),
                3..=5 => ("Trường Mầm non Hoa Sen".to_owned(), format!("Lớp {} tuổi", age)),
                6..=10 => ("Trường Tiểu học Lê Lợi".to_owned(), format!("{}{}", age - 5, ["A", "B", "C"][dice.below(3) as usize])),
                11..=14 => ("Trường THCS Nguyễn Nghiêm".to_owned(), format!("{}{}", age - 5, ["A", "B", "C", "D"][dice.below(4) as usize])),
                _ => ("Trường THPT Trần Quốc Tuấn".to_owned(), "10A".to_owned()),
            };
            let household = match dice.below(100) {
                0..=3 => Household::Poor,
                4..=8 => Household::NearPoor,
                _ => Household::Neither,
            };
            let disability = if spans.iter().any(|s| s.code == Circumstance::D) {
                ["Khuyết tật vận động", "Khuyết tật nghe, nói", "Khuyết tật trí tuệ", "Khuyết tật nhìn"][dice.below(4) as usize].to_owned()
            } else {
                String::new()
            };
            Fictional {
                child: Valid {
                    full_name: format!("{family} {middle} {given}"),
                    birth,
                    sex,
                    id_number,
                    group_unit_id: groups.get(dice.below(groups.len().max(1) as u64) as usize).cloned(),
                    address: format!("Số {}, đường {}", 1 + dice.below(200), STREETS[dice.below(STREETS.len() as u64) as usize]),
                    guardians,
                    school,
                    class_name,
                    household,
                    disability,
                    notes: Some(String::new()),
                },
                spans,
            }
        })
        .collect()
}

/// The id of the `i`-th fictional child of `seed`: derived, so that two laptops that load the
/// demo hold the same children.
fn fictional_id(seed: u64, i: usize) -> String {
    natural_id("fictional_child", &[&seed.to_string(), &i.to_string()])
}

/// Adds `n` fictional children to the register inside the caller's write.
pub(crate) async fn add_in(w: &mut Write<'_>, n: usize, seed: u64, today: NaiveDate) -> Result<usize> {
    let groups: Vec<String> = sqlx::query_scalar("SELECT id FROM units WHERE kind = ? AND deleted_at IS NULL ORDER BY position")
        .bind(UnitKind::ResidentialGroup.as_str())
        .fetch_all(w.conn())
        .await?;
    for (i, f) in children(n, seed, &groups, today).into_iter().enumerate() {
        let id = w.natural_or_new_id("children", "fictional_child", &[&seed.to_string(), &i.to_string()]).await?;
        super::add_with_id_in(w, &id, &f.child).await?;
        for span in &f.spans {
            super::add_span_in(w, &id, span).await?;
        }
    }
    Ok(n)
}

/// Removes the demo ward's fictional children still in the register (a ward that starts from
/// the demo keeps its own children only); returns how many.
pub async fn remove_demo(store: &Store, actor: &Actor) -> Result<usize> {
    actor.require(Need::ManageChildren)?;
    let mut w = store.write(actor, Source::Window).await?;
    let mut removed = 0;
    for i in 0..crate::demo::DEMO_CHILDREN {
        let id = fictional_id(crate::demo::DEMO_SEED, i);
        let live: Option<Option<String>> = sqlx::query_scalar("SELECT deleted_at FROM children WHERE id = ?").bind(&id).fetch_optional(w.conn()).await?;
        if live == Some(None) {
            w.update("children", &id, crate::store::Cols::new().set("removed_reason", "Trẻ em mẫu (hư cấu) của dữ liệu mẫu")).await?;
            w.tombstone("children", &id).await?;
            removed += 1;
        }
    }
    crate::campaigns::demo::remove_in(&mut w).await?;
    w.commit().await?;
    Ok(removed)
}

/// Whether `id` is one of the demo ward's fictional children.
pub(crate) fn is_demo(id: &str) -> bool {
    static IDS: std::sync::OnceLock<std::collections::HashSet<String>> = std::sync::OnceLock::new();
    IDS.get_or_init(|| (0..crate::demo::DEMO_CHILDREN).map(|i| fictional_id(crate::demo::DEMO_SEED, i)).collect()).contains(id)
}

/// Adds `n` fictional children (the same ones for the same `seed`) in one transaction.
pub async fn add(store: &Store, actor: &Actor, n: usize, seed: u64, today: NaiveDate) -> Result<usize> {
    actor.require(Need::ManageChildren)?;
    let mut w = store.write(actor, Source::Import).await?;
    let added = add_in(&mut w, n, seed, today).await?;
    w.commit().await?;
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_children() {
        let today = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
        let groups = vec!["g1".to_owned(), "g2".to_owned()];
        let a = children(500, 7, &groups, today);
        let b = children(500, 7, &groups, today);
        assert!(a.iter().zip(&b).all(|(x, y)| x.child == y.child));
        let nguyen = a.iter().filter(|f| f.child.full_name.starts_with("Nguyễn ")).count();
        assert!((100..300).contains(&nguyen), "Nguyễn is the commonest family name: {nguyen} of 500");
        for f in &a {
            assert!(f.child.birth.is_child_on(today), "{:?}", f.child.birth);
            assert!(super::super::check_id_number(f.child.id_number.as_deref().unwrap_or("051216000000"), None, None).is_ok());
            if let Some(id) = &f.child.id_number {
                super::super::check_id_number(id, Some(f.child.sex), Some(f.child.birth)).unwrap();
            }
        }
        assert!(a.iter().any(|f| !f.spans.is_empty()));
    }
}
