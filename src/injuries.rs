//! Accidents and injuries of children (seed plan II.3.d): when and where, the child, the cause,
//! whether the child was injured or died, and what was done. A death calls for the urgent report
//! to the city the plan demands ("báo cáo kịp thời"): it is drafted prefilled from the record
//! ([`crate::documents::register::create_injury_report`]) and owed on the overview until issued.
//!
//! Injuries name children and their harm: the officer records them, leaders read them, like
//! cases; other roles see them only as counts in the statistics.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::auth::{Actor, Need};
use crate::children::ChildInput;
use crate::store::{new_id, Cols, Source, Store};
use crate::text;
use crate::{Error, Result};

/// Days after a death within which the ward's urgent report is expected (the plan says "kịp
/// thời", promptly; the ward's practice, not a legal term).
pub const URGENT_REPORT_DAYS: i64 = 1;

labelled_enum! {
    /// What caused it.
    pub enum Cause {
        /// Đuối nước.
        Drowning = ("drowning", "Đuối nước"),
        /// Tai nạn giao thông.
        Traffic = ("traffic", "Tai nạn giao thông"),
        /// Ngã.
        Fall = ("fall", "Ngã"),
        /// Bỏng.
        Burn = ("burn", "Bỏng"),
        /// Ngộ độc.
        Poisoning = ("poisoning", "Ngộ độc"),
        /// Another cause.
        Other = ("other", "Khác"),
    }
}

labelled_enum! {
    /// What became of the child.
    pub enum Outcome {
        /// Injured.
        Injured = ("injured", "Bị thương"),
        /// Died.
        Died = ("died", "Tử vong"),
    }
}

/// An injury as typed.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct InjuryInput {
    /// A child of the register…
    pub child_id: Option<String>,
    /// …or a new one, added with it.
    pub new_child: Option<ChildInput>,
    /// dd/mm/yyyy.
    pub occurred_on: String,
    /// Where.
    pub place: String,
    /// Cause.
    pub cause: Cause,
    /// Injured or died.
    pub outcome: Outcome,
    /// What happened.
    pub description: String,
    /// What was done.
    pub actions: String,
}

/// An injury recorded.
#[derive(Debug, Clone, Serialize, TS, sqlx::FromRow)]
#[ts(export)]
pub struct Injury {
    /// Id.
    pub id: String,
    /// The child.
    pub child_id: String,
    /// Their name.
    pub child_name: String,
    /// Their sex.
    pub child_sex: crate::children::Sex,
    /// Their year of birth.
    pub child_birth_year: i32,
    /// Their day of birth, when known.
    pub child_birth_date: Option<NaiveDate>,
    /// Their residential group.
    pub child_group: Option<String>,
    /// When.
    pub occurred_on: NaiveDate,
    /// Where.
    pub place: String,
    /// Cause.
    pub cause: Cause,
    /// Injured or died.
    pub outcome: Outcome,
    /// What happened.
    pub description: String,
    /// What was done.
    pub actions: String,
    /// Who recorded it.
    pub recorded_by: String,
    /// The urgent report of a death, drafted or issued.
    pub report_id: Option<String>,
    /// Whether that report was issued.
    pub report_issued: bool,
    /// A death whose urgent report is not yet issued.
    #[sqlx(skip)]
    pub report_owed: bool,
}

impl Injury {
    fn with_report_owed(self) -> Injury {
        Injury { report_owed: self.outcome == Outcome::Died && !self.report_issued, ..self }
    }

    /// The day the urgent report of a death is expected.
    pub fn report_due_on(&self) -> NaiveDate {
        self.occurred_on + Duration::days(URGENT_REPORT_DAYS)
    }
}

const SELECT: &str = "SELECT i.id, i.child_id, c.full_name AS child_name, c.sex AS child_sex, c.birth_year AS child_birth_year,
    c.birth_date AS child_birth_date, u.name AS child_group,
    i.occurred_on, i.place, i.cause, i.outcome, i.description, i.actions, i.recorded_by,
    (SELECT d.id FROM documents d WHERE d.injury_id = i.id AND d.deleted_at IS NULL ORDER BY d.created_at DESC LIMIT 1) AS report_id,
    EXISTS (SELECT 1 FROM documents d WHERE d.injury_id = i.id AND d.status = 'issued' AND d.deleted_at IS NULL) AS report_issued
    FROM injuries i JOIN children c ON c.id = i.child_id LEFT JOIN units u ON u.id = c.group_unit_id WHERE i.deleted_at IS NULL";

/// The injuries of a year (all when `year` is none), newest first.
pub async fn list(store: &Store, actor: &Actor, year: Option<i32>) -> Result<Vec<Injury>> {
    actor.require(Need::ReadCases)?;
    all_in(store.pool(), year).await
}

pub(crate) async fn all_in(pool: &sqlx::SqlitePool, year: Option<i32>) -> Result<Vec<Injury>> {
    let sql = format!("{SELECT} AND (? IS NULL OR substr(i.occurred_on, 1, 4) = printf('%04d', ?)) ORDER BY i.occurred_on DESC, i.created_at DESC");
    Ok(sqlx::query_as::<_, Injury>(&sql).bind(year).bind(year).fetch_all(pool).await?.into_iter().map(Injury::with_report_owed).collect())
}

/// One injury.
pub async fn get(store: &Store, actor: &Actor, id: &str) -> Result<Injury> {
    actor.require(Need::ReadCases)?;
    get_in(store.pool(), id).await
}

pub(crate) async fn get_in(pool: &sqlx::SqlitePool, id: &str) -> Result<Injury> {
    let injury = sqlx::query_as::<_, Injury>(&format!("{SELECT} AND i.id = ?")).bind(id).fetch_optional(pool).await?;
    injury.map(Injury::with_report_owed).ok_or(Error::NotFound { what: "trường hợp tai nạn, thương tích" })
}

/// Records an injury (and a new child with it, in one transaction).
pub async fn record(store: &Store, actor: &Actor, source: Source, input: &InjuryInput, today: NaiveDate) -> Result<Injury> {
    actor.require(Need::EditCases)?;
    let occurred_on = text::happened("occurred_on", "Ngày xảy ra", text::parse_date("occurred_on", &input.occurred_on)?, today)?;
    let description = text::required("description", "diễn biến sự việc", &input.description, 10_000)?;
    let place = text::optional("place", "Nơi xảy ra", &input.place, 300)?;
    let actions = text::optional("actions", "Những việc đã làm", &input.actions, 10_000)?;
    let about = crate::children::About::new(input.child_id.as_deref(), input.new_child.as_ref(), today)?;
    let mut w = store.write(actor, source).await?;
    let child_id = about.child_in(&mut w, occurred_on, "xảy ra").await?;
    let id = new_id();
    let cols = Cols::new()
        .set("child_id", &child_id)
        .set("occurred_on", occurred_on)
        .set("place", &place)
        .set("cause", input.cause)
        .set("outcome", input.outcome)
        .set("description", &description)
        .set("actions", &actions)
        .set("recorded_by", actor.name());
    w.insert("injuries", &id, cols).await?;
    w.commit().await?;
    get_in(store.pool(), &id).await
}
