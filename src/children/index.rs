//! Finding children as people type, and listing them as official lists do.
//!
//! The live register is held in memory in official order (given name, family name, middle
//! name, Vietnamese alphabet), with every record's folded text (name, ID number, guardians and
//! their phones, residential group) laid end to end in one buffer. A search looks for the
//! longest word of the query at the start of a word in that buffer, at memory speed, then
//! checks the other words and the filters on the records it hit; the hits come out already in
//! order. The index is rebuilt
//! when the database's `children_generation` moves, which triggers move on any write.

use std::sync::Arc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Birth, Circumstance, Household, Sex, Valid};
use crate::auth::{Actor, Need};
use crate::store::Store;
use crate::text;
use crate::Result;

/// The longest page of a list one query returns.
pub const MAX_PAGE: usize = 500;

/// The cached index of one store.
#[derive(Default)]
pub struct Cache(tokio::sync::Mutex<Option<Arc<Index>>>);

/// One live record, as lists need it.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub id: String,
    pub full_name: String,
    pub folded_name: String,
    pub birth: Birth,
    pub sex: Sex,
    pub id_number: Option<String>,
    pub group_unit_id: Option<String>,
    pub group_name: Option<String>,
    pub guardian: String,
    pub household: Household,
    pub spans: Vec<(Circumstance, NaiveDate, Option<NaiveDate>)>,
}

impl Entry {
    fn in_group_on(&self, code: Circumstance, on: NaiveDate) -> bool {
        self.spans.iter().any(|&(c, start, end)| c == code && start <= on && end.is_none_or(|e| on <= e))
    }

    fn letters_on(&self, on: NaiveDate) -> String {
        let mut codes: Vec<Circumstance> =
            self.spans.iter().filter(|&&(_, start, end)| start <= on && end.is_none_or(|e| on <= e)).map(|s| s.0).collect();
        codes.sort_by_key(|c| Circumstance::ALL.iter().position(|a| a == c));
        codes.dedup();
        codes.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
    }
}

/// The register in memory, in official order.
pub struct Index {
    generation: i64,
    entries: Vec<Entry>,
    /// Every entry's folded text, one line each, in the entries' order.
    text: String,
    /// Where each entry's line starts in `text`.
    starts: Vec<usize>,
}

#[derive(sqlx::FromRow)]
struct Loaded {
    id: String,
    full_name: String,
    birth_date: Option<NaiveDate>,
    birth_year: i32,
    sex: Sex,
    id_number: Option<String>,
    group_unit_id: Option<String>,
    group_name: Option<String>,
    guardians: String,
    household: Household,
}

async fn generation(store: &Store) -> Result<i64> {
    let value: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'children_generation'").fetch_optional(store.pool()).await?;
    Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
}

impl Index {
    /// The index of `store`'s register as it is now: the cached one, or a new one when the
    /// register changed since it was built.
    pub(crate) async fn current(store: &Store) -> Result<Arc<Index>> {
        let mut cached = store.children_cache().0.lock().await;
        let now = generation(store).await?;
        if let Some(index) = cached.as_ref().filter(|i| i.generation == now) {
            return Ok(index.clone());
        }
        let index = Arc::new(Index::load(store, now).await?);
        *cached = Some(index.clone());
        Ok(index)
    }

    async fn load(store: &Store, generation: i64) -> Result<Index> {
        let rows = sqlx::query_as::<_, Loaded>(
            "SELECT c.id, c.full_name, c.birth_date, c.birth_year, c.sex, c.id_number, c.group_unit_id, u.name AS group_name,
                    c.guardians, c.household
             FROM children c LEFT JOIN units u ON u.id = c.group_unit_id WHERE c.deleted_at IS NULL",
        )
        .fetch_all(store.pool())
        .await?;
        let spans: Vec<(String, Circumstance, NaiveDate, Option<NaiveDate>)> = sqlx::query_as(
            "SELECT s.child_id, s.code, s.start_date, s.end_date FROM child_circumstances s
             JOIN children c ON c.id = s.child_id WHERE s.deleted_at IS NULL AND c.deleted_at IS NULL ORDER BY s.child_id",
        )
        .fetch_all(store.pool())
        .await?;
        let mut by_child: std::collections::HashMap<String, Vec<(Circumstance, NaiveDate, Option<NaiveDate>)>> = Default::default();
        for (child, code, start, end) in spans {
            by_child.entry(child).or_default().push((code, start, end));
        }
        let mut keyed: Vec<(Vec<u8>, Entry, String)> = rows
            .into_iter()
            .map(|r| {
                let guardians: Vec<super::Guardian> = serde_json::from_str(&r.guardians).unwrap_or_default();
                let mut line = text::fold(&r.full_name);
                let folded_name = line.clone();
                for part in r.id_number.iter().chain(r.group_name.iter()) {
                    line.push(' ');
                    line.push_str(&text::fold(part));
                }
                for g in &guardians {
                    line.push(' ');
                    line.push_str(&text::fold(&g.name));
                    line.push(' ');
                    line.push_str(&g.phone.chars().filter(char::is_ascii_digit).collect::<String>());
                }
                // A line never holds the separator, so no match runs across two records.
                let line = line.replace('\n', " ");
                let guardian = guardians
                    .first()
                    .map(|g| if g.relation.is_empty() { g.name.clone() } else { format!("{}: {}", g.relation, g.name) })
                    .unwrap_or_default();
                let entry = Entry {
                    spans: by_child.remove(&r.id).unwrap_or_default(),
                    id: r.id,
                    folded_name,
                    birth: Birth::from_columns(r.birth_date, r.birth_year),
                    sex: r.sex,
                    id_number: r.id_number,
                    group_unit_id: r.group_unit_id,
                    group_name: r.group_name,
                    guardian,
                    household: r.household,
                    full_name: r.full_name,
                };
                (text::name_sort_key(&entry.full_name), entry, line)
            })
            .collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
        let mut index = Index { generation, entries: Vec::with_capacity(keyed.len()), text: String::new(), starts: Vec::with_capacity(keyed.len()) };
        for (_, entry, line) in keyed {
            index.starts.push(index.text.len());
            index.text.push_str(&line);
            index.text.push('\n');
            index.entries.push(entry);
        }
        Ok(index)
    }

    /// The entries that match, in official order.
    pub(crate) fn find(&self, filter: &Filter<'_>) -> Vec<usize> {
        let words: Vec<String> = text::fold(filter.text).split_whitespace().map(str::to_owned).collect();
        let Some(longest) = words.iter().max_by_key(|w| w.len()) else {
            return (0..self.entries.len()).filter(|&i| filter.admits(&self.entries[i])).collect();
        };
        let mut hits = Vec::new();
        let mut last = usize::MAX;
        let bytes = self.text.as_bytes();
        for at in memchr::memmem::find_iter(bytes, longest.as_bytes()) {
            // Words match from their start, as people type them: "2" finds "Tổ dân phố 2",
            // not a phone number with a 2 inside.
            if at > 0 && !matches!(bytes[at - 1], b' ' | b'\n') {
                continue;
            }
            let i = self.starts.partition_point(|&s| s <= at) - 1;
            if i == last {
                continue;
            }
            last = i;
            let line = self.line(i);
            let starts_a_word = |w: &str| line.split([' ', '\n']).any(|token| token.starts_with(w));
            if words.iter().all(|w| starts_a_word(w)) && filter.admits(&self.entries[i]) {
                hits.push(i);
            }
        }
        hits
    }

    fn line(&self, i: usize) -> &str {
        let end = self.starts.get(i + 1).copied().unwrap_or(self.text.len());
        &self.text[self.starts[i]..end]
    }

    pub(crate) fn entry(&self, i: usize) -> &Entry {
        &self.entries[i]
    }

    /// Every live entry, in official order.
    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
    }
}

/// What a list asks of the index.
pub(crate) struct Filter<'a> {
    pub text: &'a str,
    pub on: NaiveDate,
    pub circumstance: Option<Circumstance>,
    pub group_unit_id: Option<&'a str>,
    pub sex: Option<Sex>,
    pub household: Option<Household>,
    pub age_from: Option<u32>,
    pub age_to: Option<u32>,
    pub include_over_age: bool,
    /// A collaborator's own group: nothing else is seen.
    pub only_group: Option<&'a str>,
}

impl Filter<'_> {
    fn admits(&self, e: &Entry) -> bool {
        let group = e.group_unit_id.as_deref();
        if self.only_group.is_some_and(|g| group != Some(g)) || self.group_unit_id.is_some_and(|g| group != Some(g)) {
            return false;
        }
        if self.sex.is_some_and(|s| s != e.sex) || self.household.is_some_and(|h| h != e.household) {
            return false;
        }
        let Some(age) = e.birth.age_on(self.on) else { return false };
        if !self.include_over_age && age >= super::CHILD_AGE_LIMIT {
            return false;
        }
        if self.age_from.is_some_and(|a| age < a) || self.age_to.is_some_and(|a| age > a) {
            return false;
        }
        self.circumstance.is_none_or(|c| e.in_group_on(c, self.on))
    }
}

/// A search of the register, as the list page and the command line ask it.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[ts(export)]
pub struct ChildQuery {
    /// Words to find in names, ID numbers, guardians and residential groups; tone marks, đ and
    /// case do not matter. Empty: everyone.
    pub text: String,
    /// The day ages and groups are taken on, dd/mm/yyyy; empty for today.
    pub on: String,
    /// Only those in this group of special circumstances on that day.
    pub circumstance: Option<Circumstance>,
    /// Only this residential group.
    pub group_unit_id: Option<String>,
    /// Only this sex.
    pub sex: Option<Sex>,
    /// Only this household status.
    pub household: Option<Household>,
    /// Only from this age.
    pub age_from: Option<u32>,
    /// Only up to this age.
    pub age_to: Option<u32>,
    /// Also those who have turned 16 (no longer counted as children).
    pub include_over_age: bool,
    /// The first row to return.
    pub offset: u32,
    /// How many rows to return (at most [`MAX_PAGE`]); 0 for the count alone.
    pub limit: u32,
}

/// One row of the register's list.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ChildRow {
    /// Position in the whole list, from 1 (the "STT" column).
    pub number: u32,
    /// Id.
    pub id: String,
    /// Name.
    pub full_name: String,
    /// "05/09/2016" or "năm 2016".
    pub birth_text: String,
    /// "8 tuổi" on the list's day.
    pub age_text: String,
    /// Nam / Nữ.
    pub sex: Sex,
    /// Personal ID number.
    pub id_number: Option<String>,
    /// The residential group's name.
    pub group_name: Option<String>,
    /// "Mẹ: Trần Thị Hoa".
    pub guardian: String,
    /// Household status.
    pub household: Household,
    /// The letters of the groups of special circumstances on the list's day: "a, d".
    pub circumstances: String,
}

/// A page of the register's list and how many there are in all.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ChildList {
    /// How many match.
    pub total: u32,
    /// The page asked for.
    pub rows: Vec<ChildRow>,
    /// The day ages and groups are taken on, dd/mm/yyyy.
    pub on: String,
}

impl ChildQuery {
    pub(crate) fn day(&self, today: NaiveDate) -> Result<NaiveDate> {
        Ok(match self.on.trim() {
            "" => today,
            s => text::parse_date("on", s)?,
        })
    }

    pub(crate) fn filter<'a>(&'a self, actor: &'a Actor, on: NaiveDate) -> Filter<'a> {
        Filter {
            text: &self.text,
            on,
            circumstance: self.circumstance,
            group_unit_id: self.group_unit_id.as_deref().filter(|g| !g.is_empty()),
            sex: self.sex,
            household: self.household,
            age_from: self.age_from,
            age_to: self.age_to,
            include_over_age: self.include_over_age,
            only_group: actor.only_group(),
        }
    }
}

pub(crate) fn row(e: &Entry, number: usize, on: NaiveDate) -> ChildRow {
    ChildRow {
        number: number as u32,
        id: e.id.clone(),
        full_name: e.full_name.clone(),
        birth_text: e.birth.text(),
        age_text: e.birth.age_text(on),
        sex: e.sex,
        id_number: e.id_number.clone(),
        group_name: e.group_name.clone(),
        guardian: e.guardian.clone(),
        household: e.household,
        circumstances: e.letters_on(on),
    }
}

/// Searches the register: the matching children in official order, a page of them, and the
/// count. A collaborator finds only their residential group's.
pub async fn search(store: &Store, actor: &Actor, query: &ChildQuery, today: NaiveDate) -> Result<ChildList> {
    actor.require(Need::ReadChildren)?;
    let on = query.day(today)?;
    let index = Index::current(store).await?;
    let hits = index.find(&query.filter(actor, on));
    let start = (query.offset as usize).min(hits.len());
    let end = (start + (query.limit as usize).min(MAX_PAGE)).min(hits.len());
    let rows = hits[start..end].iter().enumerate().map(|(k, &i)| row(index.entry(i), start + k + 1, on)).collect();
    Ok(ChildList { total: hits.len() as u32, rows, on: text::format_date(on) })
}

/// Everyone a query matches, in official order, with no paging (for exports and printed lists).
pub(crate) async fn all_matching(store: &Store, actor: &Actor, query: &ChildQuery, today: NaiveDate) -> Result<(NaiveDate, Vec<Entry>)> {
    actor.require(Need::ReadChildren)?;
    let on = query.day(today)?;
    let index = Index::current(store).await?;
    let hits = index.find(&query.filter(actor, on));
    Ok((on, hits.into_iter().map(|i| index.entry(i).clone()).collect()))
}

/// Whether two records look like the same child: the same ID number, or the same name (tone
/// marks and case aside) and the same birth.
pub(crate) fn same_child(a_name: &str, a_birth: Birth, a_id: Option<&str>, b: &Entry) -> bool {
    if let (Some(x), Some(y)) = (a_id, b.id_number.as_deref()) {
        if x == y {
            return true;
        }
    }
    a_name == b.folded_name && a_birth == b.birth
}

/// The records already in the register that may be this child (`except`: the one being edited).
pub(crate) async fn duplicates_of(store: &Store, actor: &Actor, valid: &Valid, except: Option<&str>, today: NaiveDate) -> Result<Vec<ChildRow>> {
    let index = Index::current(store).await?;
    let name = text::fold(&valid.full_name);
    Ok(index
        .entries()
        .iter()
        .enumerate()
        .filter(|(_, e)| Some(e.id.as_str()) != except)
        .filter(|(_, e)| actor.only_group().is_none_or(|g| e.group_unit_id.as_deref() == Some(g)))
        .filter(|(_, e)| same_child(&name, valid.birth, valid.id_number.as_deref(), e))
        .map(|(i, e)| row(e, i + 1, today))
        .collect())
}
