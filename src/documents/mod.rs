//! Official documents: the Decree 30 frame ([`frame`]) and each kind of document, built from
//! domain data into layout blocks for the PDF engine. Adding a document is adding a module
//! that fills a [`frame::Frame`] (or builds blocks) and a [`register::Kind`].

pub mod attachments;
pub mod campaign_docs;
pub mod case_docs;
pub mod commendation_docs;
pub mod delivery;
pub mod frame;
pub mod plan_doc;
pub mod protection_docs;
pub mod progress;
pub mod register;
pub mod reminder;
pub mod report;

use sqlx::SqlitePool;

use crate::auth::{Actor, Need};
use crate::{Result, Store};

/// Renders the plan as a PDF.
pub async fn plan_pdf(store: &Store, actor: &Actor, plan_id: &str) -> Result<Vec<u8>> {
    actor.require(Need::ReadPlan)?;
    plan_pdf_in(store.pool(), plan_id).await
}

pub(crate) async fn plan_pdf_in(pool: &SqlitePool, plan_id: &str) -> Result<Vec<u8>> {
    let blocks = plan_doc::blocks(pool, plan_id).await?;
    Ok(crate::pdf::render("Kế hoạch", &blocks))
}

/// The plan as layout blocks (what [`plan_pdf`] prints), for a look at its styled runs.
pub async fn plan_blocks(store: &Store, actor: &Actor, plan_id: &str) -> Result<Vec<crate::pdf::Block>> {
    actor.require(Need::ReadPlan)?;
    plan_doc::blocks(store.pool(), plan_id).await
}
