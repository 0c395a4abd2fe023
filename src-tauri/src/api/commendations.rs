//! The commands of commendations: a year's proposals, the review, the decision, the Giấy khen
//! printed or saved, and the positions of its fields on the ward's blanks.

use serde::Deserialize;
use treem::auth::Actor;
use treem::commendations::{self, Layout, Nomination, NominationInput};
use treem::documents::commendation_docs;
use treem::documents::register::{self, Document};
use treem::{Result, Source, Store};
use ts_rs::TS;

use super::open_in_system_viewer;

/// A year.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct YearRequest {
    /// The year.
    pub year: i32,
}

pub async fn nominations(store: &Store, actor: &Actor, req: YearRequest) -> Result<Vec<Nomination>> {
    commendations::list(store, actor, req.year).await
}

pub async fn nominate(store: &Store, actor: &Actor, req: NominationInput) -> Result<Nomination> {
    commendations::nominate(store, actor, Source::Window, &req).await
}

/// A proposal changed.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct NominationUpdateRequest {
    /// The proposal.
    pub id: String,
    /// Its details.
    pub input: NominationInput,
}

pub async fn nomination_update(store: &Store, actor: &Actor, req: NominationUpdateRequest) -> Result<Nomination> {
    commendations::update(store, actor, Source::Window, &req.id, &req.input).await
}

/// The review of a proposal.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct ReviewRequest {
    /// The proposal.
    pub id: String,
    /// Agreed or not.
    pub approved: bool,
    /// What the review said (the reason, when not agreed).
    pub note: String,
}

pub async fn nomination_review(store: &Store, actor: &Actor, req: ReviewRequest) -> Result<Nomination> {
    commendations::review(store, actor, Source::Window, &req.id, req.approved, &req.note).await
}

pub async fn nomination_remove(store: &Store, actor: &Actor, req: super::RecordRequest) -> Result<()> {
    commendations::remove(store, actor, Source::Window, &req.id).await
}

/// One unit.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct UnitRequest {
    /// The unit.
    pub unit_id: String,
}

pub async fn commendations_of_unit(store: &Store, actor: &Actor, req: UnitRequest) -> Result<Vec<Nomination>> {
    commendations::history(store, actor, Some(&req.unit_id), None).await
}

pub async fn commendation_decision(store: &Store, actor: &Actor, req: YearRequest) -> Result<Document> {
    register::create_commendation_decision(store, actor, Source::Window, req.year).await
}

/// The Giấy khen of some proposals.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct CertificatesRequest {
    /// The proposals (each in an issued decision).
    pub ids: Vec<String>,
    /// Only the fields, onto the ward's pre-printed blanks.
    pub on_blanks: bool,
    /// Where to write the PDF; empty to open it in the system's viewer to print.
    pub path: String,
}

pub async fn certificates_pdf(store: &Store, actor: &Actor, req: CertificatesRequest) -> Result<()> {
    let bytes = commendation_docs::certificates_pdf(store, actor, &req.ids, req.on_blanks).await?;
    if req.path.is_empty() {
        open_in_system_viewer("giay-khen.pdf", &bytes)
    } else {
        treem::files::write_whole_to(std::path::Path::new(&req.path), &bytes).await
    }
}

pub async fn certificate_layout(store: &Store, actor: &Actor, _req: ()) -> Result<Layout> {
    commendations::layout(store, actor).await
}

pub async fn certificate_layout_set(store: &Store, actor: &Actor, req: Layout) -> Result<()> {
    commendations::set_layout(store, actor, Source::Window, &req).await
}

pub async fn certificate_test_print(store: &Store, actor: &Actor, _req: ()) -> Result<()> {
    open_in_system_viewer("giay-khen-in-thu.pdf", &commendation_docs::test_print(store, actor).await?)
}
