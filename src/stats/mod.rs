//! The statistics a ward computes from its own records (Thông tư 13/2021/TT-BLĐTBXH, seed plan
//! II.3.e), for any period: children by age group, sex and residential group; children in
//! special circumstances by group and the share supported; abuse by type, sex, age group and
//! setting; injuries and deaths by cause; cases by step and how many deadlines were met.
//!
//! # Indicators are data
//! Each indicator is an entry of `indicators.json` (beside this file): a code, a name, the
//! formula in words, the population it counts, a filter, what share it measures if any, and the
//! breakdowns, and whether it counts records or children (a child with two cases is one child
//! abused). The populations and their fields are the code's part ([`Population`]); a new
//! indicator that counts, filters or breaks down what they hold is a new entry, with no code.
//!
//! | population | one record per | as at | fields |
//! |---|---|---|---|
//! | `children` | child of the register under 16 on the period's last day | that day's ages and groups of special circumstances | sex, age_group, group, household |
//! | `special` | such child in a group of special circumstances | the last day | the same, circumstance (several), supported |
//! | `cases` | case received in the period | its end | abuse_type, setting, channel, stage, sex, age_group, group |
//! | `injuries` | injury in the period | — | cause, outcome, sex, age_group, group |
//! | `deadlines` | deadline of a case due in the period | its end | deadline, met |
//!
//! A child's age group is their age on the last day (children, special), on the day received
//! (cases) or on the day of the injury. "Supported" is a child with a case whose plan was
//! approved by the last day. The register is read as it is now: children removed from it since
//! are not counted, nor their residential groups as they were (the register keeps no history of
//! those); the groups of special circumstances have their dates, and are taken on the last day.

pub mod chart;
pub mod export;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::auth::{Actor, Need};
use crate::children::{Birth, Circumstance, Sex};
use crate::text::{self, InvalidInput};
use crate::{Error, Result, Store};

/// What an indicator counts: one record per child, case, injury or deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Population {
    /// Children under 16 in the register on the period's last day.
    Children,
    /// Those of them in a group of special circumstances.
    Special,
    /// Cases received in the period.
    Cases,
    /// Injuries in the period.
    Injuries,
    /// Deadlines of cases due in the period.
    Deadlines,
}

impl Population {
    /// The fields its records hold, with their titles.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Population::Children => &["sex", "age_group", "group", "household"],
            Population::Special => &["sex", "age_group", "group", "household", "circumstance", "supported"],
            Population::Cases => &["abuse_type", "setting", "channel", "stage", "sex", "age_group", "group"],
            Population::Injuries => &["cause", "outcome", "sex", "age_group", "group"],
            Population::Deadlines => &["deadline", "met"],
        }
    }
}

/// "Theo giới tính": a breakdown's title.
fn field_title(field: &str) -> &'static str {
    match field {
        "sex" => "Theo giới tính",
        "age_group" => "Theo nhóm tuổi",
        "group" => "Theo tổ dân phố",
        "household" => "Theo hộ nghèo, cận nghèo",
        "circumstance" => "Theo nhóm hoàn cảnh đặc biệt",
        "supported" => "Theo được hỗ trợ",
        "abuse_type" => "Theo loại hành vi xâm hại",
        "setting" => "Theo môi trường xảy ra",
        "channel" => "Theo hình thức tiếp nhận",
        "stage" => "Theo bước xử lý",
        "cause" => "Theo nguyên nhân",
        "outcome" => "Theo hậu quả",
        "deadline" => "Theo loại thời hạn",
        "met" => "Theo đúng hạn",
        _ => "Khác",
    }
}

/// An age group of the breakdowns.
#[derive(Debug, Clone, Deserialize)]
pub struct AgeGroup {
    /// "Dưới 6 tuổi".
    pub label: String,
    /// First age in it.
    pub from: u32,
    /// Last age in it.
    pub to: u32,
}

/// An indicator, as `indicators.json` defines it.
#[derive(Debug, Clone, Deserialize)]
pub struct Indicator {
    /// "0101" for those of Thông tư 13/2021; "TE.xx" for the ward's own.
    pub code: String,
    /// "Số trẻ em bị xâm hại".
    pub name: String,
    /// How it is computed, in words.
    pub formula: String,
    /// What it counts.
    pub source: Population,
    /// Only the records whose fields hold these values (stored values: "died", "yes").
    #[serde(default)]
    pub filter: BTreeMap<String, String>,
    /// A share: the records holding these values, of all counted.
    #[serde(default)]
    pub share_of: Option<BTreeMap<String, String>>,
    /// What is counted: each record ("records", the default), or each child once however many
    /// records name them ("children": a child with two cases is one child abused).
    #[serde(default)]
    pub count: Counted,
    /// The fields it is broken down by.
    pub breakdowns: Vec<String>,
}

/// What an indicator counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Counted {
    /// Each record.
    #[default]
    Records,
    /// Each child once.
    Children,
}

/// The definitions: age groups and indicators.
#[derive(Debug, Clone, Deserialize)]
pub struct Definitions {
    /// Age groups, in order.
    pub age_groups: Vec<AgeGroup>,
    /// Indicators, in order.
    pub indicators: Vec<Indicator>,
}

const DEFINITIONS: &str = include_str!("indicators.json");

/// The indicators as data, read once and checked: every field named exists in its population.
pub fn definitions() -> Result<&'static Definitions> {
    static PARSED: OnceLock<std::result::Result<Definitions, String>> = OnceLock::new();
    PARSED
        .get_or_init(|| {
            let d: Definitions = serde_json::from_str(DEFINITIONS).map_err(|e| e.to_string())?;
            for i in &d.indicators {
                let fields = i.source.fields();
                let named = i.breakdowns.iter().chain(i.filter.keys()).chain(i.share_of.iter().flat_map(|s| s.keys()));
                if let Some(bad) = named.clone().find(|f| !fields.contains(&f.as_str())) {
                    return Err(format!("chỉ tiêu {}: trường “{bad}” không có trong nguồn dữ liệu", i.code));
                }
            }
            Ok(d)
        })
        .as_ref()
        .map_err(|e| Error::Invalid(InvalidInput::new("indicators", format!("Danh mục chỉ tiêu thống kê không hợp lệ: {e}"))))
}

/// One line of a breakdown.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct BreakdownRow {
    /// "Nữ", "Dưới 6 tuổi", "Tổ dân phố 2".
    pub label: String,
    /// How many (for a share: how many hold the share's values).
    pub count: i64,
    /// Of how many (a share), else equal to `count`.
    pub of: i64,
    /// "12", or "40,0% (4/10)".
    pub value_text: String,
}

/// An indicator broken down by one field.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Breakdown {
    /// The field.
    pub field: String,
    /// "Theo giới tính".
    pub title: String,
    /// Its lines, in the field's own order.
    pub rows: Vec<BreakdownRow>,
}

/// An indicator computed.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct IndicatorValue {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// How it is computed.
    pub formula: String,
    /// A share rather than a count.
    pub share: bool,
    /// How many (for a share, how many hold its values).
    pub count: i64,
    /// Of how many.
    pub of: i64,
    /// "12", or "40,0% (4/10)".
    pub value_text: String,
    /// The breakdowns.
    pub breakdowns: Vec<Breakdown>,
}

/// The statistics of a period.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Statistics {
    /// First day.
    pub from: NaiveDate,
    /// Last day: the day "as at".
    pub to: NaiveDate,
    /// The indicators, in the definitions' order.
    pub indicators: Vec<IndicatorValue>,
}

/// "40,0% (4/10)", or "—" of nothing.
fn share_text(count: i64, of: i64) -> String {
    if of == 0 {
        "—".to_owned()
    } else {
        format!("{}% ({count}/{of})", format!("{:.1}", count as f64 * 100.0 / of as f64).replace('.', ","))
    }
}

/// One record of a population: the child it is about, and its fields' stored values (a field
/// may hold several).
struct Record<'a> {
    child: &'a str,
    values: Vec<(&'static str, Vec<&'a str>)>,
}

impl<'a> Record<'a> {
    fn get(&self, field: &str) -> &[&'a str] {
        self.values.iter().find(|(f, _)| *f == field).map(|(_, v)| v.as_slice()).unwrap_or(&[])
    }

    fn holds(&self, wanted: &BTreeMap<String, String>) -> bool {
        wanted.iter().all(|(f, v)| self.get(f).contains(&v.as_str()))
    }
}

fn age_group<'d>(defs: &'d Definitions, birth: Birth, on: NaiveDate) -> &'d str {
    let age = birth.age_on(on).unwrap_or(0);
    defs.age_groups.iter().find(|g| (g.from..=g.to).contains(&age)).map(|g| g.label.as_str()).unwrap_or("Từ 16 tuổi trở lên")
}

const NO_GROUP: &str = "Chưa rõ tổ dân phố";

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The label of a stored value of a field.
fn value_label(field: &str, value: &str) -> String {
    let label = match field {
        "sex" => Sex::from_stored(value).map(Sex::label),
        "household" => crate::children::Household::from_stored(value).map(|h| h.label()),
        "circumstance" => Circumstance::from_stored(value).map(Circumstance::label),
        "abuse_type" => crate::cases::AbuseType::from_stored(value).map(|v| v.label()),
        "setting" => crate::cases::Setting::from_stored(value).map(|v| v.label()),
        "channel" => crate::cases::Channel::from_stored(value).map(|v| v.label()),
        "stage" => crate::cases::Stage::from_stored(value).map(|v| v.label()),
        "cause" => crate::injuries::Cause::from_stored(value).map(|v| v.label()),
        "outcome" => crate::injuries::Outcome::from_stored(value).map(|v| v.label()),
        "deadline" => crate::cases::DeadlineKind::from_stored(value).map(|v| v.label()),
        "supported" | "met" => Some(if value == "yes" { "Có" } else { "Không" }),
        _ => None,
    };
    match (field, label) {
        ("circumstance", Some(l)) => format!("{value}) {l}"),
        (_, Some(l)) => l.to_owned(),
        (_, None) => value.to_owned(),
    }
}

/// The order a field's values are listed in: the enum's order, the age groups', else by name.
fn value_order(defs: &Definitions, field: &str) -> Option<Vec<String>> {
    fn all<T: crate::vocabulary::Labelled + Copy>(f: impl Fn(T) -> &'static str) -> Option<Vec<String>> {
        Some(T::ALL.iter().map(|v| f(*v).to_owned()).collect())
    }
    match field {
        "sex" => all::<Sex>(Sex::as_str),
        "household" => all::<crate::children::Household>(|h| h.as_str()),
        "circumstance" => all::<Circumstance>(Circumstance::as_str),
        "abuse_type" => all::<crate::cases::AbuseType>(|v| v.as_str()),
        "setting" => all::<crate::cases::Setting>(|v| v.as_str()),
        "channel" => all::<crate::cases::Channel>(|v| v.as_str()),
        "stage" => all::<crate::cases::Stage>(|v| v.as_str()),
        "cause" => all::<crate::injuries::Cause>(|v| v.as_str()),
        "outcome" => all::<crate::injuries::Outcome>(|v| v.as_str()),
        "deadline" => all::<crate::cases::DeadlineKind>(|v| v.as_str()),
        "supported" | "met" => Some(vec!["yes".into(), "no".into()]),
        "age_group" => Some(defs.age_groups.iter().map(|g| g.label.clone()).collect()),
        _ => None,
    }
}

fn compute_one(defs: &Definitions, ind: &Indicator, records: &[Record<'_>]) -> IndicatorValue {
    let counted: Vec<&Record> = records.iter().filter(|r| r.holds(&ind.filter)).collect();
    let size = |rs: &mut dyn Iterator<Item = &&Record>| match ind.count {
        Counted::Records => rs.count() as i64,
        Counted::Children => rs.map(|r| r.child).collect::<HashSet<&str>>().len() as i64,
    };
    let hits = |rs: &[&Record]| match &ind.share_of {
        Some(want) => size(&mut rs.iter().filter(|r| r.holds(want))),
        None => size(&mut rs.iter()),
    };
    let text_of = |count: i64, of: i64| if ind.share_of.is_some() { share_text(count, of) } else { count.to_string() };
    let breakdowns = ind
        .breakdowns
        .iter()
        .map(|field| {
            let mut by: HashMap<&str, Vec<&Record>> = HashMap::new();
            for r in &counted {
                for v in r.get(field) {
                    by.entry(v).or_default().push(r);
                }
            }
            let mut values: Vec<String> = match value_order(defs, field) {
                // Every value of a known list, so a nought shows as a nought.
                Some(order) => order,
                None => {
                    let mut v: Vec<String> = by.keys().map(|k| k.to_string()).collect();
                    v.sort_by(|a, b| text::compare(a, b));
                    v
                }
            };
            // Values outside the list (an age of 16 and over, a child with no group) come last.
            let mut rest: Vec<String> = by.keys().map(|k| k.to_string()).filter(|k| !values.contains(k)).collect();
            rest.sort();
            values.extend(rest);
            let rows = values
                .iter()
                .map(|v| {
                    let rs = by.get(v.as_str()).map(|r| r.as_slice()).unwrap_or(&[]);
                    let (count, of) = (hits(rs), size(&mut rs.iter()));
                    BreakdownRow { label: value_label(field, v), count, of, value_text: text_of(count, of) }
                })
                .collect();
            Breakdown { field: field.clone(), title: field_title(field).to_owned(), rows }
        })
        .collect();
    let (count, of) = (hits(&counted), size(&mut counted.iter()));
    IndicatorValue {
        code: ind.code.clone(),
        name: ind.name.clone(),
        formula: ind.formula.clone(),
        share: ind.share_of.is_some(),
        count,
        of,
        value_text: text_of(count, of),
        breakdowns,
    }
}

/// What a reader of the statistics may learn from them. Small figures tell of persons: "one
/// child of Tổ dân phố 3 in group đ" names a child to whoever knows the group. So a reader who
/// may not see the sensitive groups of special circumstances is shown figures that leave them
/// out, and one who may not read cases is not shown cases and injuries by residential group.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Readers {
    sensitive_groups: bool,
    cases_by_group: bool,
}

impl Readers {
    /// Everything: the officer's figures, and the reports the ward issues.
    pub(crate) const ALL: Readers = Readers { sensitive_groups: true, cases_by_group: true };

    fn of(actor: &Actor) -> Readers {
        Readers { sensitive_groups: actor.sees_sensitive_groups(), cases_by_group: actor.require(Need::ReadCases).is_ok() }
    }
}

/// The statistics of the period `from`–`to` (inclusive), as `actor` may read them ([`Readers`]).
pub async fn compute(store: &Store, actor: &Actor, from: NaiveDate, to: NaiveDate) -> Result<Statistics> {
    actor.require(Need::ReadPlan)?;
    if to < from {
        return Err(InvalidInput::new("to", format!("Ngày cuối kỳ ({}) trước ngày đầu kỳ ({}).", text::format_date(to), text::format_date(from))).into());
    }
    compute_for(store, from, to, Readers::of(actor)).await
}

/// The statistics of a period as a workbook (.xlsx).
pub async fn workbook(store: &Store, actor: &Actor, from: NaiveDate, to: NaiveDate) -> Result<Vec<u8>> {
    let stats = compute(store, actor, from, to).await?;
    let ward = crate::ward::get_in(store.pool()).await?.map(|w| w.name).unwrap_or_default();
    export::xlsx(&stats, &ward).map_err(|e| Error::file("thong-ke.xlsx", std::io::Error::other(e.to_string())))
}

pub(crate) async fn compute_in(store: &Store, from: NaiveDate, to: NaiveDate) -> Result<Statistics> {
    compute_for(store, from, to, Readers::ALL).await
}

async fn compute_for(store: &Store, from: NaiveDate, to: NaiveDate, readers: Readers) -> Result<Statistics> {
    let defs = definitions()?;
    let at = crate::calendar::end_of_day(to);
    let index = crate::children::index::Index::current(store).await?;
    let cases = crate::cases::facts_in(store, at).await?;
    let injuries = crate::injuries::all_in(store.pool(), None).await?;
    let supported: HashSet<&str> = cases.iter().filter(|c| c.approved_at.is_some()).map(|c| c.child_id.as_str()).collect();

    let mut children = Vec::new();
    let mut special = Vec::new();
    for e in index.entries().filter(|e| e.birth.is_child_on(to)) {
        let base = vec![
            ("sex", vec![e.sex.as_str()]),
            ("age_group", vec![age_group(defs, e.birth, to)]),
            ("group", vec![e.group_name.as_deref().unwrap_or(NO_GROUP)]),
            ("household", vec![e.household.as_str()]),
        ];
        let mut groups: Vec<&str> = e
            .spans
            .iter()
            .filter(|&&(c, start, end)| crate::children::holds(start, end, to) && (readers.sensitive_groups || !c.sensitive()))
            .map(|s| s.0.as_str())
            .collect();
        groups.sort_unstable();
        groups.dedup();
        if !groups.is_empty() {
            let mut values = base.clone();
            values.push(("circumstance", groups));
            values.push(("supported", vec![yes(supported.contains(e.id.as_str()))]));
            special.push(Record { child: &e.id, values });
        }
        children.push(Record { child: &e.id, values: base });
    }
    let in_period = |d: NaiveDate| d >= from && d <= to;
    let case_records: Vec<Record> = cases
        .iter()
        .filter(|c| in_period(c.received_on))
        .map(|c| Record {
            child: &c.child_id,
            values: vec![
                ("abuse_type", vec![c.abuse_type.as_str()]),
                ("setting", vec![c.setting.as_str()]),
                ("channel", vec![c.channel.as_str()]),
                ("stage", vec![c.stage.as_str()]),
                ("sex", vec![c.child_sex.as_str()]),
                ("age_group", vec![age_group(defs, c.child_birth, c.received_on)]),
                ("group", vec![c.child_group.as_deref().unwrap_or(NO_GROUP)]),
            ],
        })
        .collect();
    let injury_records: Vec<Record> = injuries
        .iter()
        .filter(|i| in_period(i.occurred_on))
        .map(|i| Record {
            child: &i.child_id,
            values: vec![
                ("cause", vec![i.cause.as_str()]),
                ("outcome", vec![i.outcome.as_str()]),
                ("sex", vec![i.child_sex.as_str()]),
                ("age_group", vec![age_group(defs, Birth::from_columns(i.child_birth_date, i.child_birth_year), i.occurred_on)]),
                ("group", vec![i.child_group.as_deref().unwrap_or(NO_GROUP)]),
            ],
        })
        .collect();
    // A deadline counts in the period it falls due, once it is met, missed or past.
    let deadline_records: Vec<Record> = cases
        .iter()
        .flat_map(|c| c.deadlines.iter().map(move |d| (c, d)))
        .filter(|(_, d)| in_period(d.due_on) && d.state != crate::cases::DeadlineState::Open)
        .map(|(c, d)| Record { child: &c.child_id, values: vec![("deadline", vec![d.kind.as_str()]), ("met", vec![yes(d.state == crate::cases::DeadlineState::Met)])] })
        .collect();
    let indicators = defs
        .indicators
        .iter()
        .map(|ind| {
            let records = match ind.source {
                Population::Children => &children,
                Population::Special => &special,
                Population::Cases => &case_records,
                Population::Injuries => &injury_records,
                Population::Deadlines => &deadline_records,
            };
            let mut value = compute_one(defs, ind, records);
            if !readers.cases_by_group && matches!(ind.source, Population::Cases | Population::Injuries) {
                value.breakdowns.retain(|b| b.field != "group");
            }
            value
        })
        .collect();
    Ok(Statistics { from, to, indicators })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_indicator_definitions_parse_and_name_only_fields_their_population_holds() {
        let d = definitions().unwrap();
        assert!(d.indicators.iter().any(|i| i.code == "0101"));
        let mut codes: Vec<&str> = d.indicators.iter().map(|i| i.code.as_str()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), d.indicators.len(), "codes are unique");
    }

    #[test]
    fn shares_read_as_vietnamese_per_cents() {
        assert_eq!(share_text(4, 10), "40,0% (4/10)");
        assert_eq!(share_text(0, 0), "—");
        assert_eq!(share_text(1, 3), "33,3% (1/3)");
    }
}
