//! Công tác Trẻ em: the core of the ward child-protection app. Everything that is not a window
//! lives here, so the desktop shell, the command line and the tests share one implementation.
//!
//! Open a [`Store`], then call the domain modules: [`ward`] (settings, units, signers),
//! [`plan`] (the year's plan, its import and reporting), [`children`] (the register of children), [`campaigns`] (gifts and scholarships, with [`money`]), [`commendations`], [`cases`] (cases through the legal process) with
//! [`calendar`] (working days), [`overview`] (what is due and late),
//! [`unit_page`] (one unit's activities, reports and counts),
//! [`documents`] (official documents and their register), [`signing`], [`certificates`] and [`trust`].
#![deny(missing_docs)]

#[macro_use]
pub mod vocabulary;
pub mod about;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod calendar;
pub mod campaigns;
pub mod cases;
pub mod certificates;
pub mod children;
pub mod commendations;
pub mod check;
pub mod demo;
pub mod documents;
pub mod error;
mod failpoint;
pub mod files;
pub mod history;
pub mod injuries;
pub mod labour;
pub mod limits;
pub mod money;
pub mod overview;
pub mod pdf;
pub mod plan;
mod seal;
pub mod sheet;
pub mod signing;
pub mod stats;
pub mod store;
pub mod sync;
pub mod text;
pub mod token;
pub mod trust;
pub mod unit_page;
pub mod ward;

pub use error::{Error, ErrorCode, ErrorPayload, Result};
pub use store::{Source, Store};

/// The database file in the user's data folder (e.g. `~/.local/share/cong-tac-tre-em/treem.db`,
/// `%APPDATA%\cong-tac-tre-em\treem.db` on Windows). `TREEM_DATA_DIR` overrides the folder.
pub fn default_db_path() -> std::path::PathBuf {
    let dir = std::env::var_os("TREEM_DATA_DIR")
        .map(std::path::PathBuf::from)
        .or_else(|| dirs::data_dir().map(|d| d.join("cong-tac-tre-em")))
        .unwrap_or_else(|| std::path::PathBuf::from("."));
    dir.join("treem.db")
}

/// The folder of a database file, which also holds its key ring and kept files.
pub fn data_dir_of(db_path: &std::path::Path) -> std::path::PathBuf {
    db_path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new(".")).to_path_buf()
}

/// An instant as a clock in Vietnam shows it, "dd/mm/yyyy hh:mm".
pub fn vietnam_clock(t: chrono::DateTime<chrono::Utc>) -> String {
    vietnam_time(t).format("%d/%m/%Y %H:%M").to_string()
}

/// An instant as a clock in Vietnam shows it (UTC+7, no daylight saving).
pub fn vietnam_time(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::FixedOffset> {
    t.with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset"))
}

/// The instant a clock in Vietnam shows as `local` (the one place UTC+7 is undone).
pub fn instant_in_vietnam(local: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    local.and_utc() - chrono::Duration::hours(7)
}

/// Today in Vietnam, the reference day for "due" and "late".
pub fn today_in_vietnam() -> chrono::NaiveDate {
    vietnam_time(chrono::Utc::now()).date_naive()
}
