//! Checks of child labour at businesses and households (seed plan II.5.a): when and where, the
//! team of units and people, the children found working and in what conditions, the findings,
//! what was required and its follow-up; the year's list, and the self-check report the ward
//! sends to the city ([`crate::documents::register::create_labour_report`]).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::auth::{Actor, Need};
use crate::store::{new_id, Cols, Source, Store};
use crate::text::{self, InvalidInput};
use crate::{Error, Result};

labelled_enum! {
    /// Where the check was made.
    pub enum PlaceKind {
        /// Cơ sở sản xuất, kinh doanh.
        Business = ("business", "Cơ sở sản xuất, kinh doanh"),
        /// Hộ gia đình.
        Household = ("household", "Hộ gia đình"),
    }
}

/// A child found working.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ChildAtWork {
    /// Name.
    pub name: String,
    /// Age in years.
    pub age: u8,
    /// The work done.
    pub work: String,
    /// Hours, place, danger.
    pub conditions: String,
}

/// A check as typed.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct CheckInput {
    /// dd/mm/yyyy.
    pub checked_on: String,
    /// A business or a household.
    pub kind: PlaceKind,
    /// Its name and address.
    pub place: String,
    /// The units of the team.
    pub team_units: Vec<String>,
    /// The people of the team, in words.
    pub team_people: String,
    /// Children found working.
    pub found: Vec<ChildAtWork>,
    /// What was found.
    pub findings: String,
    /// What was required.
    pub required: String,
    /// The follow-up.
    pub follow_up: String,
    /// By when, dd/mm/yyyy; empty for none.
    pub follow_up_on: String,
}

/// A check recorded.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct LabourCheck {
    /// Id.
    pub id: String,
    /// When.
    pub checked_on: NaiveDate,
    /// A business or a household.
    pub kind: PlaceKind,
    /// Its name and address.
    pub place: String,
    /// The units of the team, by name.
    pub team_units: Vec<String>,
    /// The people of the team.
    pub team_people: String,
    /// Children found working.
    pub found: Vec<ChildAtWork>,
    /// What was found.
    pub findings: String,
    /// What was required.
    pub required: String,
    /// The follow-up.
    pub follow_up: String,
    /// By when.
    pub follow_up_on: Option<NaiveDate>,
    /// Who recorded it.
    pub recorded_by: String,
}

#[derive(sqlx::FromRow)]
struct CheckDb {
    id: String,
    checked_on: NaiveDate,
    kind: PlaceKind,
    place: String,
    team_units: String,
    team_people: String,
    found: String,
    findings: String,
    required: String,
    follow_up: String,
    follow_up_on: Option<NaiveDate>,
    recorded_by: String,
}

/// The checks of a year, in order.
pub async fn list(store: &Store, actor: &Actor, year: i32) -> Result<Vec<LabourCheck>> {
    actor.require(Need::ReadCases)?;
    year_in(store.pool(), year).await
}

pub(crate) async fn year_in(pool: &sqlx::SqlitePool, year: i32) -> Result<Vec<LabourCheck>> {
    let rows = sqlx::query_as::<_, CheckDb>(
        "SELECT id, checked_on, kind, place, team_units, team_people, found, findings, required, follow_up, follow_up_on, recorded_by
         FROM labour_checks WHERE deleted_at IS NULL AND checked_on BETWEEN ? AND ? ORDER BY checked_on, created_at",
    )
    .bind(format!("{year:04}-01-01"))
    .bind(format!("{year:04}-12-31"))
    .fetch_all(pool)
    .await?;
    let units: Vec<(String, String)> = sqlx::query_as("SELECT id, name FROM units").fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let ids: Vec<String> = serde_json::from_str(&r.team_units).unwrap_or_default();
            LabourCheck {
                team_units: ids.iter().filter_map(|id| units.iter().find(|(u, _)| u == id).map(|(_, n)| n.clone())).collect(),
                found: serde_json::from_str(&r.found).unwrap_or_default(),
                id: r.id,
                checked_on: r.checked_on,
                kind: r.kind,
                place: r.place,
                team_people: r.team_people,
                findings: r.findings,
                required: r.required,
                follow_up: r.follow_up,
                follow_up_on: r.follow_up_on,
                recorded_by: r.recorded_by,
            }
        })
        .collect())
}

/// Records a check.
pub async fn record(store: &Store, actor: &Actor, source: Source, input: &CheckInput, today: NaiveDate) -> Result<LabourCheck> {
    actor.require(Need::EditCases)?;
    let checked_on = text::happened("checked_on", "Ngày kiểm tra", text::parse_date("checked_on", &input.checked_on)?, today)?;
    let place = text::required("place", "tên và địa chỉ cơ sở, hộ gia đình", &input.place, 300)?;
    let findings = text::required("findings", "kết quả kiểm tra", &input.findings, 10_000)?;
    let follow_up_on = match input.follow_up_on.trim() {
        "" => None,
        s => {
            let d = text::parse_date("follow_up_on", s)?;
            if d < checked_on {
                return Err(InvalidInput::new("follow_up_on", "Hạn khắc phục trước ngày kiểm tra; hãy kiểm tra lại.").into());
            }
            Some(d)
        }
    };
    let mut found = Vec::new();
    for (i, c) in input.found.iter().enumerate() {
        let name = text::required("found", &format!("tên trẻ thứ {}", i + 1), &c.name, 120)?;
        if c.age >= 18 {
            return Err(InvalidInput::new("found", format!("{name}: {} tuổi không còn là trẻ em hay người chưa thành niên; hãy kiểm tra lại.", c.age)).into());
        }
        found.push(ChildAtWork {
            name,
            age: c.age,
            work: text::optional("found", "Công việc", &c.work, 500)?,
            conditions: text::optional("found", "Điều kiện làm việc", &c.conditions, 2_000)?,
        });
    }
    let team_people = text::optional("team_people", "Thành phần đoàn kiểm tra", &input.team_people, 2_000)?;
    let required = text::optional("required", "Yêu cầu đối với cơ sở", &input.required, 10_000)?;
    let follow_up = text::optional("follow_up", "Việc theo dõi, khắc phục", &input.follow_up, 10_000)?;
    let mut w = store.write(actor, source).await?;
    for u in &input.team_units {
        let ok: Option<String> = sqlx::query_scalar("SELECT id FROM units WHERE id = ? AND deleted_at IS NULL").bind(u).fetch_optional(w.conn()).await?;
        if ok.is_none() {
            return Err(InvalidInput::new("team_units", "Chọn đơn vị trong danh sách đơn vị của phường.").into());
        }
    }
    let id = new_id();
    let cols = Cols::new()
        .set("checked_on", checked_on)
        .set("kind", input.kind)
        .set("place", &place)
        .set("team_units", &input.team_units)
        .set("team_people", &team_people)
        .set("found", &found)
        .set("findings", &findings)
        .set("required", &required)
        .set("follow_up", &follow_up)
        .set("follow_up_on", follow_up_on)
        .set("recorded_by", actor.name());
    w.insert("labour_checks", &id, cols).await?;
    w.commit().await?;
    year_in(store.pool(), checked_on.year()).await?.into_iter().find(|c| c.id == id).ok_or(Error::NotFound { what: "lần kiểm tra" })
}
