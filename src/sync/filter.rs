//! Who may see and send what between laptops: a collaborator's laptop receives only its
//! residential group's children (without notes and without the sensitive groups of special
//! circumstances) and no case, injury, labour check or restricted document; a viewer's receives
//! no child at all. What a collaborator's laptop sends back is held to the same bounds.

use std::collections::{HashMap, HashSet};

use sqlx::SqliteConnection;

use crate::auth::UserRole;
use crate::children::Circumstance;
use crate::documents::register::Kind;
use crate::store::chain::Link;
use crate::store::Changes;
use crate::Result;

/// Tables of cases and what only those who open cases read.
const CASE_TABLES: &[&str] = &["cases", "case_steps", "case_actions", "case_referrals", "injuries", "labour_checks", "sync_conflicts"];
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
    children: HashSet<String>,
    circumstances: HashSet<String>,
    consents: HashSet<String>,
    restricted_documents: HashSet<String>,
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
        let rows: Vec<(String, String, String)> = sqlx::query_as("SELECT id, child_id, code FROM child_circumstances").fetch_all(&mut *conn).await?;
        let circumstances = rows
            .into_iter()
            .filter(|(_, child, code)| children.contains(child) && Circumstance::from_stored(code).is_some_and(|c| !c.sensitive()))
            .map(|(id, _, _)| id)
            .collect();
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, child_id FROM child_consents").fetch_all(&mut *conn).await?;
        let consents = rows.into_iter().filter(|(_, child)| children.contains(child)).map(|(id, _)| id).collect();
        let rows: Vec<(String, String, Option<String>)> = sqlx::query_as("SELECT id, kind, file_id FROM documents").fetch_all(&mut *conn).await?;
        let mut restricted_documents = HashSet::new();
        let mut restricted_files = HashSet::new();
        for (id, kind, file) in rows {
            if Kind::from_stored(&kind).is_some_and(Kind::restricted) {
                restricted_documents.insert(id);
                restricted_files.extend(file);
            }
        }
        Ok(Seen { children, circumstances, consents, restricted_documents, restricted_files })
    }

    /// How `link` goes to a limited laptop.
    pub(crate) fn show(&self, link: &Link) -> Shown {
        let id = &link.record_id;
        let visible = match link.table_name.as_str() {
            _ if link.op == "event" => false,
            t if CASE_TABLES.contains(&t) => false,
            "children" => self.children.contains(id),
            "child_circumstances" => self.circumstances.contains(id),
            "child_consents" => self.consents.contains(id),
            "documents" => !self.restricted_documents.contains(id),
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

/// The residential group of each child and the child and code of each group of special
/// circumstances and consent, as the receiving laptop knows them and as the file sets them:
/// what a collaborator's changes are checked against.
#[derive(Default)]
pub(crate) struct Bounds {
    child_group: HashMap<String, Option<String>>,
    parent_child: HashMap<String, String>,
    circumstance_code: HashMap<String, String>,
    assignment_unit: HashMap<String, String>,
    note_assignment: HashMap<String, String>,
}

fn text_of(changes: &Changes, column: &str) -> Option<Option<String>> {
    changes.new_values().find(|(c, _)| *c == column).map(|(_, v)| v.as_str().map(str::to_owned))
}

impl Bounds {
    pub(crate) async fn load(conn: &mut SqliteConnection, links: &[Link]) -> Result<Bounds> {
        let mut b = Bounds::default();
        for (id, group) in sqlx::query_as::<_, (String, Option<String>)>("SELECT id, group_unit_id FROM children").fetch_all(&mut *conn).await? {
            b.child_group.insert(id, group);
        }
        for (id, child, code) in sqlx::query_as::<_, (String, String, String)>("SELECT id, child_id, code FROM child_circumstances").fetch_all(&mut *conn).await? {
            b.parent_child.insert(id.clone(), child);
            b.circumstance_code.insert(id, code);
        }
        for (id, child) in sqlx::query_as::<_, (String, String)>("SELECT id, child_id FROM child_consents").fetch_all(&mut *conn).await? {
            b.parent_child.insert(id, child);
        }
        for (id, unit) in sqlx::query_as::<_, (String, String)>("SELECT id, unit_id FROM assignments").fetch_all(&mut *conn).await? {
            b.assignment_unit.insert(id, unit);
        }
        for table in ["progress_notes", "evidence"] {
            for (id, a) in sqlx::query_as::<_, (String, String)>(&format!("SELECT id, assignment_id FROM {table}")).fetch_all(&mut *conn).await? {
                b.note_assignment.insert(id, a);
            }
        }
        for link in links {
            let Some(changes) = Changes::parse(&link.changes) else { continue };
            let id = link.record_id.clone();
            match link.table_name.as_str() {
                "children" => {
                    if let Some(group) = text_of(&changes, "group_unit_id") {
                        b.child_group.insert(id, group);
                    }
                }
                "child_circumstances" | "child_consents" => {
                    if let Some(Some(child)) = text_of(&changes, "child_id") {
                        b.parent_child.insert(id.clone(), child);
                    }
                    if let Some(Some(code)) = text_of(&changes, "code") {
                        b.circumstance_code.insert(id, code);
                    }
                }
                "progress_notes" | "evidence" => {
                    if let Some(Some(a)) = text_of(&changes, "assignment_id") {
                        b.note_assignment.insert(id, a);
                    }
                }
                _ => {}
            }
        }
        Ok(b)
    }

    /// Why `link`, made on a laptop of `audience`, is beyond what that laptop may change; `None`
    /// when it is within.
    pub(crate) fn beyond(&self, audience: &Audience, link: &Link) -> Option<String> {
        let Audience::Limited { role, group } = audience else { return None };
        if link.op == "event" {
            return None;
        }
        let table = link.table_name.as_str();
        let in_group = |child: Option<&String>| {
            child.and_then(|c| self.child_group.get(c)).is_some_and(|g| g.is_some() && g == group)
        };
        let allowed = *role == UserRole::Collaborator
            && match table {
                "children" => in_group(Some(&link.record_id)),
                "child_circumstances" => {
                    in_group(self.parent_child.get(&link.record_id))
                        && self.circumstance_code.get(&link.record_id).and_then(|c| Circumstance::from_stored(c)).is_some_and(|c| !c.sensitive())
                }
                "child_consents" => in_group(self.parent_child.get(&link.record_id)),
                "assignments" => self.assignment_unit.get(&link.record_id).is_some_and(|u| Some(u) == group.as_ref()),
                "progress_notes" | "evidence" => self
                    .note_assignment
                    .get(&link.record_id)
                    .and_then(|a| self.assignment_unit.get(a))
                    .is_some_and(|u| Some(u) == group.as_ref()),
                "files" => link.op == "insert",
                _ => false,
            };
        (!allowed).then(|| {
            let what = if CHILD_TABLES.contains(&table) {
                "hồ sơ trẻ em ngoài tổ dân phố của máy"
            } else if PROGRESS_TABLES.contains(&table) {
                "tiến độ của đơn vị khác"
            } else {
                "dữ liệu vai trò này không được sửa"
            };
            format!("{what}: bảng {table}, bản ghi {}", link.record_id)
        })
    }
}
