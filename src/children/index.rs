//! Finding children as people type, and listing them as official lists do.
//!
//! The live register is held in memory in official order (given name, family name, middle
//! name, Vietnamese alphabet). Every record's folded words (name, ID number, guardians and their
//! phones, residential group) go into a sorted word list, each word with the records it is in,
//! and the words of the children's own names into a second one. A query word matches the words
//! it begins ("ng" matches "nguyen" and "ngoc"): the records of those words make one bit set
//! per query word, the sets are intersected — over the names first, so that a name typed in
//! full finds that child — and the records left are read in order through the filters: a few
//! milliseconds for a hundred thousand.
//!
//! Triggers move the database's `children_generation` on any write to the register, whoever
//! makes it (the window, the command line, a sync). When it has moved, the index reads which
//! records the change log touched since it was built and reloads just those; a large change
//! (an import) or a residential group renamed rebuilds it whole.

use std::collections::{HashMap, HashSet};
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

/// Beyond this many records changed, the index is rebuilt whole rather than patched.
const PATCH_LIMIT: usize = 2_000;

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
    pub spans: Vec<Span>,
    /// Where it sorts: [`text::name_sort_key`] of the name.
    key: Vec<u8>,
    /// Its folded words, as searched: one line per field (the name, the ID number, the
    /// residential group, each guardian with their phone), words separated by spaces.
    line: String,
}

/// An entry's facts that the filters check.
#[derive(Debug, Clone, Copy)]
struct Facets {
    /// Index in [`Index::groups`], or [`NO_GROUP`].
    group: u32,
    sex: Sex,
    household: Household,
    birth: Birth,
    has_spans: bool,
}

/// No residential group; also what a group unknown to the index resolves to (matches none).
const NO_GROUP: u32 = u32::MAX;

/// A period in a group of special circumstances.
pub(crate) type Span = (Circumstance, NaiveDate, Option<NaiveDate>);

impl Entry {
    pub(crate) fn in_group_on(&self, code: Circumstance, on: NaiveDate) -> bool {
        self.spans.iter().any(|&(c, start, end)| c == code && super::holds(start, end, on))
    }

    /// The letters of the groups holding on `on` ("a, d"); the sensitive ones only when asked.
    pub(crate) fn letters_on(&self, on: NaiveDate, with_sensitive: bool) -> String {
        let mut codes: Vec<Circumstance> = self
            .spans
            .iter()
            .filter(|&&(c, start, end)| super::holds(start, end, on) && (with_sensitive || !c.sensitive()))
            .map(|s| s.0)
            .collect();
        codes.sort_by_key(|c| Circumstance::ALL.iter().position(|a| a == c));
        codes.dedup();
        codes.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// Its folded words.
    fn words(&self) -> std::str::SplitWhitespace<'_> {
        self.line.split_whitespace()
    }

    /// The folded words of the child's own name (the first field).
    fn name_words(&self) -> std::str::SplitWhitespace<'_> {
        self.line.split('\n').next().unwrap_or("").split_whitespace()
    }

    fn order(a: &Entry, b: &Entry) -> std::cmp::Ordering {
        a.key.cmp(&b.key).then_with(|| a.id.cmp(&b.id))
    }
}

/// The register in memory, in official order.
pub struct Index {
    generation: i64,
    /// The change log's last row when the index was read: later rows say what changed.
    log_mark: i64,
    entries: Vec<Arc<Entry>>,
    /// What the filters look at, side by side in one array (quick to scan), by entry.
    facets: Vec<Facets>,
    /// The residential groups the facets number.
    groups: Vec<String>,
    /// Every folded word, with the entries it is in.
    words: WordIndex,
    /// The words of the children's own names, with the entries they are in.
    name_words: WordIndex,
    /// How many of the demo ward's fictional children are still in the register.
    demo: u32,
}

/// Folded words, sorted, each with the entries it is in (ascending).
#[derive(Clone, Default)]
struct WordIndex(Vec<(Box<str>, Vec<u32>)>);

/// Which words of an entry a word index holds.
type WordsOf = for<'a> fn(&'a Entry) -> std::str::SplitWhitespace<'a>;

impl WordIndex {
    fn of(entries: &[Arc<Entry>], words_of: WordsOf) -> WordIndex {
        let mut postings: HashMap<&str, Vec<u32>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            for word in words_of(e) {
                let list = postings.entry(word).or_default();
                if list.last() != Some(&(i as u32)) {
                    list.push(i as u32);
                }
            }
        }
        let mut words: Vec<(Box<str>, Vec<u32>)> = postings.into_iter().map(|(w, list)| (Box::from(w), list)).collect();
        words.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        WordIndex(words)
    }

    /// Moves old entries to their new places (`remap`; `u32::MAX` for those gone) and adds the
    /// words of the entries that `landed`.
    fn renumber(&mut self, remap: &[u32], landed: &[usize], entries: &[Arc<Entry>], words_of: WordsOf) {
        for (_, list) in &mut self.0 {
            list.retain_mut(|i| {
                *i = remap[*i as usize];
                *i != u32::MAX
            });
        }
        for &j in landed {
            for word in words_of(&entries[j]) {
                match self.0.binary_search_by(|(w, _)| w.as_ref().cmp(word)) {
                    Ok(k) => {
                        if let Err(at) = self.0[k].1.binary_search(&(j as u32)) {
                            self.0[k].1.insert(at, j as u32);
                        }
                    }
                    Err(k) => self.0.insert(k, (Box::from(word), vec![j as u32])),
                }
            }
        }
        self.0.retain(|(_, list)| !list.is_empty());
    }

    /// The entries (of `n`) holding a word that begins with `prefix`, as a bit set.
    fn entries_with_word_from(&self, prefix: &str, n: usize) -> Vec<u64> {
        let mut bits = vec![0u64; n.div_ceil(64)];
        let first = self.0.partition_point(|(w, _)| w.as_ref() < prefix);
        for (_, list) in self.0[first..].iter().take_while(|(w, _)| w.starts_with(prefix)) {
            for &i in list {
                bits[i as usize / 64] |= 1 << (i % 64);
            }
        }
        bits
    }
}

/// One live record as the loading query gives it.
type Loaded = (
    String,
    String,
    Option<NaiveDate>,
    i32,
    Sex,
    Option<String>,
    Option<String>,
    Option<String>,
    Vec<super::Guardian>,
    Household,
);

async fn generation(store: &Store) -> Result<i64> {
    let value: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = 'children_generation'").fetch_optional(store.pool()).await?;
    Ok(value.and_then(|v| v.parse().ok()).unwrap_or(0))
}

async fn log_mark(store: &Store) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COALESCE(MAX(rowid), 0) FROM change_log").fetch_one(store.pool()).await?)
}

fn undecodable(e: serde_json::Error) -> crate::Error {
    crate::Error::Database(sqlx::Error::Decode(e.into()))
}

/// The live records (all, or those of `only`), ready to place. The rows come as one JSON array
/// built inside SQLite: far quicker than a row at a time.
async fn load_entries(store: &Store, only: Option<&[String]>) -> Result<Vec<Entry>> {
    let only_json = only.map(|ids| serde_json::to_string(ids).unwrap_or_default());
    let only_sql = if only.is_some() { "AND c.id IN (SELECT value FROM json_each(?1))" } else { "" };
    let json: String = sqlx::query_scalar(&format!(
        "SELECT json_group_array(json_array(c.id, c.full_name, c.birth_date, c.birth_year, c.sex, c.id_number,
                c.group_unit_id, u.name, json(c.guardians), c.household))
         FROM children c LEFT JOIN units u ON u.id = c.group_unit_id WHERE c.deleted_at IS NULL {only_sql}"
    ))
    .bind(&only_json)
    .fetch_one(store.pool())
    .await?;
    let rows: Vec<Loaded> = serde_json::from_str(&json).map_err(undecodable)?;
    let json: String = sqlx::query_scalar(&format!(
        "SELECT json_group_array(json_array(s.child_id, s.code, s.start_date, s.end_date)) FROM child_circumstances s
         JOIN children c ON c.id = s.child_id WHERE s.deleted_at IS NULL AND c.deleted_at IS NULL {only_sql}"
    ))
    .bind(&only_json)
    .fetch_one(store.pool())
    .await?;
    let spans: Vec<(String, Circumstance, NaiveDate, Option<NaiveDate>)> = serde_json::from_str(&json).map_err(undecodable)?;
    let mut by_child: HashMap<String, Vec<Span>> = HashMap::new();
    for (child, code, start, end) in spans {
        by_child.entry(child).or_default().push((code, start, end));
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let spans = by_child.remove(&r.0).unwrap_or_default();
            entry(r, spans)
        })
        .collect())
}

/// A loaded record with its sort key and its line of folded text.
fn entry(r: Loaded, spans: Vec<Span>) -> Entry {
    let (id, full_name, birth_date, birth_year, sex, id_number, group_unit_id, group_name, guardians, household) = r;
    let folded_name = text::fold(&full_name);
    let mut line = folded_name.clone();
    for part in id_number.iter().chain(group_name.iter()) {
        line.push('\n');
        line.push_str(&text::fold(part));
    }
    for g in &guardians {
        line.push('\n');
        line.push_str(&text::fold(&g.name).replace('\n', " "));
        line.push(' ');
        line.extend(g.phone.chars().filter(char::is_ascii_digit));
    }
    let guardian = guardians.first().map(super::Guardian::titled).unwrap_or_default();
    Entry {
        key: text::name_sort_key(&full_name),
        id,
        full_name,
        folded_name,
        birth: Birth::from_columns(birth_date, birth_year),
        sex,
        id_number,
        group_unit_id,
        group_name,
        guardian,
        household,
        spans,
        line,
    }
}

impl Index {
    /// The index of `store`'s register as it is now: the cached one, patched or rebuilt when
    /// the register changed since.
    pub(crate) async fn current(store: &Store) -> Result<Arc<Index>> {
        let mut cached = store.children_cache().0.lock().await;
        let now = generation(store).await?;
        if let Some(index) = cached.as_ref().filter(|i| i.generation == now) {
            return Ok(index.clone());
        }
        let patched = match cached.take() {
            Some(old) => Index::patched(old, store, now).await?,
            None => None,
        };
        let index = Arc::new(match patched {
            Some(index) => index,
            None => Index::load(store, now).await?,
        });
        *cached = Some(index.clone());
        Ok(index)
    }

    async fn load(store: &Store, generation: i64) -> Result<Index> {
        let log_mark = log_mark(store).await?;
        let mut entries = load_entries(store, None).await?;
        entries.sort_unstable_by(Entry::order);
        Ok(Index::of(generation, log_mark, entries.into_iter().map(Arc::new).collect()))
    }

    fn of(generation: i64, log_mark: i64, entries: Vec<Arc<Entry>>) -> Index {
        let words = WordIndex::of(&entries, Entry::words);
        let name_words = WordIndex::of(&entries, Entry::name_words);
        Index::with_words(generation, log_mark, entries, words, name_words)
    }

    fn with_words(generation: i64, log_mark: i64, entries: Vec<Arc<Entry>>, words: WordIndex, name_words: WordIndex) -> Index {
        let mut groups: Vec<String> = Vec::new();
        let facets = entries
            .iter()
            .map(|e| {
                let group = match &e.group_unit_id {
                    Some(g) => match groups.iter().position(|known| known == g) {
                        Some(i) => i as u32,
                        None => {
                            groups.push(g.clone());
                            (groups.len() - 1) as u32
                        }
                    },
                    None => NO_GROUP,
                };
                Facets { group, sex: e.sex, household: e.household, birth: e.birth, has_spans: !e.spans.is_empty() }
            })
            .collect();
        let demo = entries.iter().filter(|e| super::generate::is_demo(&e.id)).count() as u32;
        Index { generation, log_mark, entries, facets, groups, words, name_words, demo }
    }

    /// This index with the records changed since it was read reloaded, or `None` when the
    /// change is too large to patch (or renamed a residential group).
    async fn patched(old: Arc<Index>, store: &Store, generation: i64) -> Result<Option<Index>> {
        let mark = log_mark(store).await?;
        let touched: Vec<(String, String)> = sqlx::query_as(
            "SELECT DISTINCT table_name, record_id FROM change_log
             WHERE rowid > ? AND op <> 'event' AND table_name IN ('children', 'child_circumstances', 'units') LIMIT ?",
        )
        .bind(old.log_mark)
        .bind(PATCH_LIMIT as i64 + 1)
        .fetch_all(store.pool())
        .await?;
        if touched.len() > PATCH_LIMIT || touched.iter().any(|(table, _)| table == "units") {
            return Ok(None);
        }
        let mut ids: HashSet<String> = touched.iter().filter(|(t, _)| t == "children").map(|(_, id)| id.clone()).collect();
        let spans: Vec<String> = touched.into_iter().filter(|(t, _)| t == "child_circumstances").map(|(_, id)| id).collect();
        if !spans.is_empty() {
            let owners: Vec<String> = sqlx::query_scalar("SELECT child_id FROM child_circumstances WHERE id IN (SELECT value FROM json_each(?))")
                .bind(serde_json::to_string(&spans).unwrap_or_default())
                .fetch_all(store.pool())
                .await?;
            ids.extend(owners);
        }
        let ids: Vec<String> = ids.into_iter().collect();
        let mut fresh = load_entries(store, Some(&ids)).await?;
        fresh.sort_unstable_by(Entry::order);
        let gone: HashSet<&str> = ids.iter().map(String::as_str).collect();
        // Both lists are in order: merge them, noting where each old entry goes and where the
        // fresh ones land, so the word lists are renumbered rather than rebuilt.
        let mut remap = vec![u32::MAX; old.entries.len()];
        let mut entries = Vec::with_capacity(old.entries.len() + fresh.len());
        let mut landed = Vec::with_capacity(fresh.len());
        let mut fresh = fresh.into_iter().map(Arc::new).peekable();
        for (at, e) in old.entries.iter().enumerate() {
            if gone.contains(e.id.as_str()) {
                continue;
            }
            while let Some(f) = fresh.next_if(|f| Entry::order(f, e).is_lt()) {
                landed.push(entries.len());
                entries.push(f);
            }
            remap[at] = entries.len() as u32;
            entries.push(e.clone());
        }
        for f in fresh {
            landed.push(entries.len());
            entries.push(f);
        }
        // The word lists are taken over when no search still holds the old index.
        let (mut words, mut name_words) = match Arc::try_unwrap(old) {
            Ok(index) => (index.words, index.name_words),
            Err(shared) => (shared.words.clone(), shared.name_words.clone()),
        };
        words.renumber(&remap, &landed, &entries, Entry::words);
        name_words.renumber(&remap, &landed, &entries, Entry::name_words);
        Ok(Some(Index::with_words(generation, mark, entries, words, name_words)))
    }

    /// The entries that match, in official order.
    pub(crate) fn find(&self, filter: &Filter<'_>) -> Vec<usize> {
        let group_number = |id: &str| self.groups.iter().position(|g| g == id).map(|i| i as u32).unwrap_or(NO_GROUP - 1);
        let checks = Checks {
            filter,
            group: filter.group_unit_id.map(group_number),
            only_group: filter.only_group.map(group_number),
        };
        let admits = |i: usize| checks.admits(&self.facets[i], &self.entries[i]);
        let words = query_words(filter.text);
        if words.is_empty() {
            return (0..self.entries.len()).filter(|&i| admits(i)).collect();
        }
        let n = self.entries.len();
        let all_of = |index: &WordIndex| {
            let mut all = index.entries_with_word_from(&words[0], n);
            for word in &words[1..] {
                all.iter_mut().zip(index.entries_with_word_from(word, n)).for_each(|(a, b)| *a &= b);
            }
            all
        };
        // "nguyen van duc" means a child of that name: when some children's own names hold every
        // word, they come alone; otherwise the words may stand anywhere (a guardian, "duc to 2").
        let hits = |bits: Vec<u64>| {
            let mut hits = Vec::new();
            for (block, &set) in bits.iter().enumerate() {
                let mut set = set;
                while set != 0 {
                    let i = block * 64 + set.trailing_zeros() as usize;
                    set &= set - 1;
                    if admits(i) {
                        hits.push(i);
                    }
                }
            }
            hits
        };
        if words.len() > 1 {
            let named = hits(all_of(&self.name_words));
            if !named.is_empty() {
                return named;
            }
        }
        hits(all_of(&self.words))
    }

    pub(crate) fn entry(&self, i: usize) -> &Entry {
        &self.entries[i]
    }

    /// Every live entry, in official order.
    pub(crate) fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().map(|e| e.as_ref())
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

/// A query's folded words. Numbers typed in groups ("0905 123 456", "051.216.000.123") are one
/// word, as the index holds phones and ID numbers.
fn query_words(query: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut last_was_number = false;
    for word in text::fold(query).split_whitespace() {
        let digits: String = word.chars().filter(|c| !matches!(c, '.' | '-')).collect();
        let number = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit());
        match words.last_mut() {
            Some(last) if number && last_was_number => last.push_str(&digits),
            _ => words.push(if number { digits } else { word.to_owned() }),
        }
        last_was_number = number;
    }
    words
}

/// A filter with its residential groups numbered as the index numbers them.
struct Checks<'a> {
    filter: &'a Filter<'a>,
    group: Option<u32>,
    only_group: Option<u32>,
}

impl Checks<'_> {
    fn admits(&self, f: &Facets, e: &Entry) -> bool {
        let filter = self.filter;
        if self.only_group.is_some_and(|g| f.group != g) || self.group.is_some_and(|g| f.group != g) {
            return false;
        }
        if filter.sex.is_some_and(|s| s != f.sex) || filter.household.is_some_and(|h| h != f.household) {
            return false;
        }
        let Some(age) = f.birth.age_on(filter.on) else { return false };
        if !filter.include_over_age && age >= super::CHILD_AGE_LIMIT {
            return false;
        }
        if filter.age_from.is_some_and(|a| age < a) || filter.age_to.is_some_and(|a| age > a) {
            return false;
        }
        filter.circumstance.is_none_or(|c| f.has_spans && e.in_group_on(c, filter.on))
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
    /// How many of the demo ward's fictional children the register still holds (0 for those
    /// who may not remove them).
    pub demo_children: u32,
}

impl ChildQuery {
    /// The day of the list, checking that this person may ask what the query asks.
    pub(crate) fn day(&self, actor: &Actor, today: NaiveDate) -> Result<NaiveDate> {
        if self.circumstance.is_some_and(Circumstance::sensitive) && !actor.sees_sensitive_groups() {
            return Err(crate::Error::Forbidden(format!("Vai trò “{}” không được xem nhóm hoàn cảnh này.", actor.role().label())));
        }
        super::day_or_today("on", &self.on, today)
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

/// A list's row for `e`; the sensitive groups only for those who may see them.
pub(crate) fn row(e: &Entry, number: usize, on: NaiveDate, actor: &Actor) -> ChildRow {
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
        circumstances: e.letters_on(on, actor.sees_sensitive_groups()),
    }
}

/// Searches the register: the matching children in official order, a page of them, and the
/// count. A collaborator finds only their residential group's.
pub async fn search(store: &Store, actor: &Actor, query: &ChildQuery, today: NaiveDate) -> Result<ChildList> {
    actor.require(Need::ReadChildren)?;
    let on = query.day(actor, today)?;
    let index = Index::current(store).await?;
    let hits = index.find(&query.filter(actor, on));
    let start = (query.offset as usize).min(hits.len());
    let end = (start + (query.limit as usize).min(MAX_PAGE)).min(hits.len());
    let rows = hits[start..end].iter().enumerate().map(|(k, &i)| row(index.entry(i), start + k + 1, on, actor)).collect();
    let demo_children = if actor.require(Need::ManageChildren).is_ok() { index.demo } else { 0 };
    Ok(ChildList { total: hits.len() as u32, rows, on: text::format_date(on), demo_children })
}

/// Reads the register into memory ahead of its first search (the window calls it at login);
/// does nothing for those who may not read it.
pub async fn warm(store: &Store, actor: &Actor) -> Result<()> {
    if actor.require(Need::ReadChildren).is_ok() {
        Index::current(store).await?;
    }
    Ok(())
}

/// Everyone a query matches, in official order, with no paging (for exports and printed lists).
pub(crate) async fn all_matching(store: &Store, actor: &Actor, query: &ChildQuery, today: NaiveDate) -> Result<(NaiveDate, Vec<Entry>)> {
    actor.require(Need::ReadChildren)?;
    let on = query.day(actor, today)?;
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
    a_name == b.folded_name && same_birth(a_birth, b.birth)
}

/// The same day, or the same year when one of them knows only the year.
pub(crate) fn same_birth(a: Birth, b: Birth) -> bool {
    match (a, b) {
        (Birth::Day(x), Birth::Day(y)) => x == y,
        _ => a.year() == b.year(),
    }
}

/// The records already in the register that may be this child (`except`: the one being edited).
pub(crate) async fn duplicates_of(store: &Store, actor: &Actor, valid: &Valid, except: Option<&str>, today: NaiveDate) -> Result<Vec<ChildRow>> {
    let index = Index::current(store).await?;
    let name = text::fold(&valid.full_name);
    Ok(index
        .entries()
        .enumerate()
        .filter(|(_, e)| Some(e.id.as_str()) != except)
        .filter(|(_, e)| actor.only_group().is_none_or(|g| e.group_unit_id.as_deref() == Some(g)))
        .filter(|(_, e)| same_child(&name, valid.birth, valid.id_number.as_deref(), e))
        .map(|(i, e)| row(e, i + 1, today, actor))
        .collect())
}

/// Two records of the register that look like one child: the same ID number, or the same name
/// (tone marks and case aside) and birth. Nothing is merged by itself; the officer looks at each
/// pair and merges (or not) from the child's page.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct LikelyDuplicate {
    /// The record that sorts first.
    pub first: ChildRow,
    /// The other.
    pub second: ChildRow,
    /// Why they look alike, in Vietnamese.
    pub why: String,
}

/// The pairs of records that look like one child, the first [`MAX_LIKELY_DUPLICATES`] of them.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct LikelyDuplicates {
    /// The pairs, in official order of their first record.
    pub pairs: Vec<LikelyDuplicate>,
    /// How many pairs there are in all.
    pub total: u32,
}

/// The most pairs listed at once: a ward that imported the same list twice has thousands, and
/// the first ones tell what happened.
pub const MAX_LIKELY_DUPLICATES: usize = 500;

/// The pairs of records that look like one child ([`LikelyDuplicate`]), in official order, at
/// most [`MAX_LIKELY_DUPLICATES`], with how many there are in all. For the officer, after a
/// sync or an import brought records made on two laptops for the same child.
pub async fn likely_duplicates(store: &Store, actor: &Actor, today: NaiveDate) -> Result<LikelyDuplicates> {
    actor.require(Need::ManageChildren)?;
    let index = Index::current(store).await?;
    let entries: Vec<&Entry> = index.entries().collect();
    let mut by_id: HashMap<&str, usize> = HashMap::new();
    let mut by_name: HashMap<(&str, i32), Vec<usize>> = HashMap::new();
    let mut pairs: Vec<(usize, usize, String)> = Vec::new();
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    for (i, e) in entries.iter().enumerate() {
        if let Some(id) = e.id_number.as_deref() {
            match by_id.get(id) {
                Some(&j) if seen.insert((j, i)) => pairs.push((j, i, format!("cùng số định danh {id}"))),
                Some(_) => {}
                None => {
                    by_id.insert(id, i);
                }
            }
        }
        let same = by_name.entry((e.folded_name.as_str(), e.birth.year())).or_default();
        for &j in same.iter() {
            if same_birth(entries[j].birth, e.birth) && seen.insert((j, i)) {
                pairs.push((j, i, format!("cùng họ tên và ngày sinh ({})", e.birth.text())));
            }
        }
        same.push(i);
    }
    let total = pairs.len() as u32;
    let pairs = pairs
        .into_iter()
        .take(MAX_LIKELY_DUPLICATES)
        .map(|(j, i, why)| LikelyDuplicate { first: row(entries[j], j + 1, today, actor), second: row(entries[i], i + 1, today, actor), why })
        .collect();
    Ok(LikelyDuplicates { pairs, total })
}

/// What lists of other records (cases, statistics) show of a child.
#[derive(Debug, Clone)]
pub(crate) struct Brief {
    pub full_name: String,
    /// Removed from the register, or merged into another record.
    pub removed: bool,
    pub sex: Sex,
    pub birth: Birth,
    pub group_name: Option<String>,
}

/// The children `ids` names, from the register held in memory; the few no longer in it
/// (removed) read from the database. Looking each child up in the database would read pages
/// scattered over the whole register.
pub(crate) async fn briefs(store: &Store, ids: &HashSet<&str>) -> Result<HashMap<String, Brief>> {
    let index = Index::current(store).await?;
    // Every entry's id is hashed once per call: a short non-cryptographic hash does it in a
    // fraction of the default's time (the ids are our own UUIDs, nothing to defend against).
    let wanted: HashSet<&str, std::hash::BuildHasherDefault<Fnv>> = ids.iter().copied().collect();
    let mut out: HashMap<String, Brief> = HashMap::with_capacity(ids.len());
    for e in index.entries().filter(|e| wanted.contains(e.id.as_str())) {
        out.insert(e.id.clone(), Brief { full_name: e.full_name.clone(), removed: false, sex: e.sex, birth: e.birth, group_name: e.group_name.clone() });
    }
    let missing: Vec<&str> = ids.iter().copied().filter(|id| !out.contains_key(*id)).collect();
    if !missing.is_empty() {
        let rows: Vec<(String, String, Sex, Option<NaiveDate>, i32, Option<String>)> = sqlx::query_as(
            "SELECT c.id, c.full_name, c.sex, c.birth_date, c.birth_year, u.name FROM children c LEFT JOIN units u ON u.id = c.group_unit_id
             WHERE c.id IN (SELECT value FROM json_each(?))",
        )
        .bind(serde_json::to_string(&missing).unwrap_or_default())
        .fetch_all(store.pool())
        .await?;
        for (id, full_name, sex, day, year, group_name) in rows {
            out.insert(id, Brief { full_name, removed: true, sex, birth: Birth::from_columns(day, year), group_name });
        }
    }
    Ok(out)
}

/// FNV-1a, 64 bits.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}
