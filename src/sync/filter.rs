//! Who may see and send what between laptops: a collaborator's laptop receives only its
//! residential group's children (without notes and without the sensitive groups of special
//! circumstances) and their gifts, and no case, injury, labour check or restricted document; a
//! viewer's receives no child at all. What a collaborator's laptop sends back is held to the
//! same bounds: of a gift, only that it was handed over.

use std::collections::{HashMap, HashSet};

use sqlx::SqliteConnection;

use crate::auth::UserRole;
use crate::children::Circumstance;
use crate::documents::register::Kind;
use crate::store::chain::Link;
use crate::store::writable::LimitedWrites;
use crate::store::Changes;
use crate::Result;

/// Tables only the office's laptops receive: cases and what only those who open cases read,
/// conflicts (the officer chooses), and the signers' certificates (their private keys).
const OFFICE_TABLES: &[&str] = &["cases", "case_steps", "case_actions", "case_referrals", "injuries", "labour_checks", "sync_conflicts", "certificates"];
const CHILD_TABLES: &[&str] = &["children", "child_circumstances", "child_consents"];
const PROGRESS_TABLES: &[&str] = &["assignments", "progress_notes", "evidence"];
/// Columns of a child's record a collaborator's laptop does not receive.
const CHILD_COLUMNS_WITHHELD: &[&str] = &["notes", "merged_into"];

/// Who a file is for, or who sent one.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Audience {
    /// The officer's or the leader's laptop: everything.
    Full,
    /// A collaborator's (their residential group) or a viewer's laptop.
    Limited { role: UserRole, group: Option<String> },
}

impl Audience {
    pub(crate) fn of(role: Option<UserRole>, group: Option<String>) -> Audience {
        match role {
            None | Some(UserRole::Officer) | Some(UserRole::Leader) => Audience::Full,
            Some(role) => Audience::Limited { role, group: if role == UserRole::Collaborator { group } else { None } },
        }
    }
}

/// What a limited laptop may see, read from the sending laptop's records as they are now.
pub(crate) struct Seen {
    group: Option<String>,
    children: HashSet<String>,
    /// The child of each group of special circumstances and consent.
    parent_child: HashMap<String, String>,
    circumstances: HashSet<String>,
    consents: HashSet<String>,
    /// The gifts of the group's children, by child.
    gifts_of: HashMap<String, Vec<String>>,
    /// The same gifts, by id.
    gifts: HashSet<String>,
    restricted_documents: HashSet<String>,
    restricted_attachments: HashSet<String>,
    restricted_files: HashSet<String>,
}

/// How an entry goes to a limited laptop.
pub(crate) enum Shown {
    Whole,
    WithoutColumns(Link),
    Withheld,
}

impl Seen {
    pub(crate) async fn load(conn: &mut SqliteConnection, audience: &Audience) -> Result<Seen> {
        let group = match audience {
            Audience::Limited { role: UserRole::Collaborator, group } => group.clone(),
            _ => None,
        };
        let children: HashSet<String> = match &group {
            Some(g) => sqlx::query_scalar("SELECT id FROM children WHERE group_unit_id = ?").bind(g).fetch_all(&mut *conn).await?.into_iter().collect(),
            None => HashSet::new(),
        };
        let mut parent_child = HashMap::new();
        let rows: Vec<(String, String, String)> = sqlx::query_as("SELECT id, child_id, code FROM child_circumstances").fetch_all(&mut *conn).await?;
        let mut circumstances = HashSet::new();
        for (id, child, code) in rows {
            if children.contains(&child) && Circumstance::from_stored(&code).is_some_and(|c| !c.sensitive()) {
                circumstances.insert(id.clone());
                parent_child.insert(id, child);
            }
        }
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, child_id FROM child_consents").fetch_all(&mut *conn).await?;
        let mut consents = HashSet::new();
        for (id, child) in rows.into_iter().filter(|(_, child)| children.contains(child)) {
            consents.insert(id.clone());
            parent_child.insert(id, child);
        }
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, child_id FROM campaign_recipients").fetch_all(&mut *conn).await?;
        let mut gifts_of: HashMap<String, Vec<String>> = HashMap::new();
        for (id, child) in rows.into_iter().filter(|(_, child)| children.contains(child)) {
            gifts_of.entry(child).or_default().push(id);
        }
        let gifts: HashSet<String> = gifts_of.values().flatten().cloned().collect();
        let rows: Vec<(String, String, Option<String>)> = sqlx::query_as("SELECT id, kind, file_id FROM documents").fetch_all(&mut *conn).await?;
        let mut restricted_documents = HashSet::new();
        let mut restricted_files: HashSet<String> = sqlx::query_scalar("SELECT file_id FROM certificates").fetch_all(&mut *conn).await?.into_iter().collect();
        for (id, kind, file) in rows {
            if Kind::from_stored(&kind).is_some_and(Kind::restricted) {
                restricted_documents.insert(id);
                restricted_files.extend(file);
            }
        }
        // A restricted document's attachments, and their files, stay with it.
        let rows: Vec<(String, String, String, Option<String>)> =
            sqlx::query_as("SELECT id, document_id, file_id, issued_file_id FROM document_attachments").fetch_all(&mut *conn).await?;
        let mut restricted_attachments = HashSet::new();
        for (id, _, file, issued) in rows.into_iter().filter(|r| restricted_documents.contains(&r.1)) {
            restricted_attachments.insert(id);
            restricted_files.insert(file);
            restricted_files.extend(issued);
        }
        Ok(Seen { group, children, parent_child, circumstances, consents, gifts_of, gifts, restricted_documents, restricted_attachments, restricted_files })
    }

    fn leaves_group(&self, link: &Link) -> bool {
        let Some(group) = &self.group else { return false };
        Changes::parse(&link.changes).is_some_and(|c| c.pairs().any(|(column, old, _)| column == "group_unit_id" && old.as_str() == Some(group)))
    }

    /// The records a limited laptop gets whole with every entry they have, when an entry of
    /// theirs (or of a group or consent of theirs) goes to it: a child who came into the group
    /// after that laptop was sent the child's earlier entries (withheld then) arrives entire,
    /// with the child's gifts.
    pub(crate) fn records_to_complete<'a>(&self, sent: impl Iterator<Item = &'a Link>) -> std::collections::BTreeSet<(String, String)> {
        let mut out = std::collections::BTreeSet::new();
        for link in sent.filter(|l| l.op != "event") {
            match link.table_name.as_str() {
                "children" if self.children.contains(&link.record_id) => {
                    out.insert(("children".to_owned(), link.record_id.clone()));
                    for gift in self.gifts_of.get(&link.record_id).into_iter().flatten() {
                        out.insert(("campaign_recipients".to_owned(), gift.clone()));
                    }
                }
                "child_circumstances" | "child_consents" => {
                    if let Some(child) = self.parent_child.get(&link.record_id) {
                        out.insert(("children".to_owned(), child.clone()));
                        out.insert((link.table_name.clone(), link.record_id.clone()));
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// How `link` goes to a limited laptop.
    pub(crate) fn show(&self, link: &Link) -> Shown {
        let id = &link.record_id;
        let visible = match link.table_name.as_str() {
            _ if link.op == "event" => false,
            t if OFFICE_TABLES.contains(&t) => false,
            // A child moving out of the group: the laptop learns where to.
            "children" => self.children.contains(id) || self.leaves_group(link),
            "child_circumstances" => self.circumstances.contains(id),
            "child_consents" => self.consents.contains(id),
            "campaign_recipients" => self.gifts.contains(id),
            "documents" => !self.restricted_documents.contains(id),
            "document_attachments" => !self.restricted_attachments.contains(id),
            "files" => !self.restricted_files.contains(id),
            _ => true,
        };
        if !visible {
            return Shown::Withheld;
        }
        if link.table_name == "children" {
            if let Some(mut changes) = Changes::parse(&link.changes) {
                let before = changes.clone();
                changes.retain(|c| !CHILD_COLUMNS_WITHHELD.contains(&c));
                if changes != before {
                    let mut cut = link.clone();
                    cut.changes = changes.to_json();
                    return Shown::WithoutColumns(cut);
                }
            }
        }
        Shown::Whole
    }
}

/// Everything a collaborator's laptop may write, as the modules owning the tables declare it.
fn collaborator_writes(table: &str) -> Option<&'static LimitedWrites> {
    static ALL: std::sync::LazyLock<Vec<&'static LimitedWrites>> = std::sync::LazyLock::new(|| {
        let mut all: Vec<&'static LimitedWrites> = Vec::new();
        all.extend(crate::children::COLLABORATOR_WRITES.iter());
        all.extend(crate::plan::COLLABORATOR_WRITES.iter());
        all.push(&crate::files::NEW_FILES);
        all.push(&crate::campaigns::recipients::COLLABORATOR_WRITES);
        all
    });
    ALL.iter().copied().find(|w| w.table == table)
}

/// What a leader's own laptop writes: the leader's certificates with their kept files, and the
/// conflicts its merges find. Numbering, issuing and signing happen on the office's laptop
/// (`documents::register::office_only`), whose entries are not bounded.
fn leader_writes(table: &str) -> Option<&'static LimitedWrites> {
    [&crate::certificates::LEADER_WRITES, &crate::files::NEW_FILES, &super::CONFLICT_WRITES].into_iter().find(|w| w.table == table)
}

/// What a collaborator's changes are checked against: the residential group of each child, the
/// child and code of each group of special circumstances and consent, the unit of each
/// assignment and note — as this laptop holds them (`stored`) and as the file leaves them
/// (`after`). A change to a record already here must be within bounds both before and after.
#[derive(Default, Clone)]
struct Facts {
    child_group: HashMap<String, Option<String>>,
    parent_child: HashMap<String, String>,
    circumstance_code: HashMap<String, String>,
    assignment_unit: HashMap<String, String>,
    note_assignment: HashMap<String, String>,
    gift_child: HashMap<String, String>,
}

pub(crate) struct Bounds {
    stored: Facts,
    after: Facts,
    /// Children that were ever in each residential group (a child moved out while its
    /// collaborator's laptop was away may still carry that laptop's last edits).
    once_in_group: HashSet<(String, String)>,
    files: HashSet<String>,
}

fn text_of(changes: &Changes, column: &str) -> Option<Option<String>> {
    changes.new_values().find(|(c, _)| *c == column).map(|(_, v)| v.as_str().map(str::to_owned))
}

impl Bounds {
    pub(crate) async fn load(conn: &mut SqliteConnection, links: &[Link]) -> Result<Bounds> {
        let mut f = Facts::default();
        for (id, group) in sqlx::query_as::<_, (String, Option<String>)>("SELECT id, group_unit_id FROM children").fetch_all(&mut *conn).await? {
            f.child_group.insert(id, group);
        }
        for (id, child, code) in sqlx::query_as::<_, (String, String, String)>("SELECT id, child_id, code FROM child_circumstances").fetch_all(&mut *conn).await? {
            f.parent_child.insert(id.clone(), child);
            f.circumstance_code.insert(id, code);
        }
        for (id, child) in sqlx::query_as::<_, (String, String)>("SELECT id, child_id FROM child_consents").fetch_all(&mut *conn).await? {
            f.parent_child.insert(id, child);
        }
        for (id, unit) in sqlx::query_as::<_, (String, String)>("SELECT id, unit_id FROM assignments").fetch_all(&mut *conn).await? {
            f.assignment_unit.insert(id, unit);
        }
        for table in ["progress_notes", "evidence"] {
            for (id, a) in sqlx::query_as::<_, (String, String)>(&format!("SELECT id, assignment_id FROM {table}")).fetch_all(&mut *conn).await? {
                f.note_assignment.insert(id, a);
            }
        }
        for (id, child) in sqlx::query_as::<_, (String, String)>("SELECT id, child_id FROM campaign_recipients").fetch_all(&mut *conn).await? {
            f.gift_child.insert(id, child);
        }
        let once_in_group: HashSet<(String, String)> = sqlx::query_as::<_, (String, String)>(
            "SELECT DISTINCT record_id, json_extract(changes, '$.group_unit_id[1]') AS g FROM change_log
             WHERE table_name = 'children' AND g IS NOT NULL",
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
        let files: HashSet<String> = sqlx::query_scalar("SELECT id FROM files").fetch_all(&mut *conn).await?.into_iter().collect();
        let stored = f.clone();
        for link in links {
            let Some(changes) = Changes::parse(&link.changes) else { continue };
            let id = link.record_id.clone();
            match link.table_name.as_str() {
                "children" => {
                    if let Some(group) = text_of(&changes, "group_unit_id") {
                        f.child_group.insert(id, group);
                    }
                }
                "child_circumstances" | "child_consents" => {
                    if let Some(Some(child)) = text_of(&changes, "child_id") {
                        f.parent_child.insert(id.clone(), child);
                    }
                    if let Some(Some(code)) = text_of(&changes, "code") {
                        f.circumstance_code.insert(id, code);
                    }
                }
                "progress_notes" | "evidence" => {
                    if let Some(Some(a)) = text_of(&changes, "assignment_id") {
                        f.note_assignment.insert(id, a);
                    }
                }
                _ => {}
            }
        }
        Ok(Bounds { stored, after: f, once_in_group, files })
    }

    /// Why `link`, made on the laptop of an account of `role` (of residential group `group`), is
    /// beyond what that laptop may change; `None` when it is within.
    pub(crate) fn beyond(&self, role: UserRole, group: &Option<String>, link: &Link) -> Option<String> {
        if link.op == "event" {
            return None;
        }
        let table = link.table_name.as_str();
        let id = &link.record_id;
        let declared = match role {
            UserRole::Collaborator => collaborator_writes(table),
            UserRole::Leader => leader_writes(table),
            UserRole::Officer | UserRole::Viewer => None,
        };
        let Some(declared) = declared else {
            return Some(format!("dữ liệu vai trò này không được sửa: bảng {table}, bản ghi {id}"));
        };
        let Some(changes) = Changes::parse(&link.changes) else {
            return Some(format!("mục nhật ký không đọc được: bảng {table}, bản ghi {id}"));
        };
        if let Some(what) = declared.refusal(&link.op, changes.new_values()) {
            return Some(format!("{what}: bảng {table}, bản ghi {id}"));
        }
        let in_scope = match table {
            "files" => !self.files.contains(id),
            // A leader's certificates and the conflicts its laptop found are not a group's.
            "certificates" | "sync_conflicts" => true,
            // A gift already on the laptop.
            "campaign_recipients" => self.within(&self.stored, group, table, id),
            _ => {
                let after = self.within(&self.after, group, table, id);
                let known = self.stored.child_group.contains_key(id)
                    || self.stored.parent_child.contains_key(id)
                    || self.stored.assignment_unit.contains_key(id)
                    || self.stored.note_assignment.contains_key(id);
                after && (!known || self.within(&self.stored, group, table, id))
            }
        };
        (!in_scope).then(|| {
            let what = if CHILD_TABLES.contains(&table) {
                "hồ sơ trẻ em ngoài tổ dân phố của máy"
            } else if PROGRESS_TABLES.contains(&table) {
                "tiến độ của đơn vị khác"
            } else if table == "campaign_recipients" {
                "quà của trẻ ngoài tổ dân phố của máy"
            } else {
                "tệp đã có"
            };
            format!("{what}: bảng {table}, bản ghi {id}")
        })
    }

    /// Whether record `id` of `table`, as `facts` have it, belongs to `group`.
    fn within(&self, facts: &Facts, group: &Option<String>, table: &str, id: &str) -> bool {
        let Some(group) = group else { return false };
        let child_in_group = |child: Option<&String>| {
            child.is_some_and(|c| {
                facts.child_group.get(c).is_some_and(|g| g.as_ref() == Some(group)) || self.once_in_group.contains(&(c.clone(), group.clone()))
            })
        };
        let sensitive = |circumstance: &str| facts.circumstance_code.get(circumstance).and_then(|c| Circumstance::from_stored(c)).is_none_or(|c| c.sensitive());
        match table {
            "children" => child_in_group(Some(&id.to_owned())),
            "child_circumstances" => child_in_group(facts.parent_child.get(id)) && !sensitive(id),
            "child_consents" => child_in_group(facts.parent_child.get(id)),
            "campaign_recipients" => child_in_group(facts.gift_child.get(id)),
            "assignments" => facts.assignment_unit.get(id) == Some(group),
            "progress_notes" | "evidence" => facts.note_assignment.get(id).and_then(|a| facts.assignment_unit.get(a)) == Some(group),
            _ => false,
        }
    }
}
