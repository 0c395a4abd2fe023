//! The demo ward: Nguyễn Nghiêm ward and its 2024 plan, imported from the seed text by the
//! same importer a user runs, a register of fictional children, their 2024 campaigns and the year's
//! proposals for commendation.

use crate::auth::{Actor, Need};
use crate::plan::{self, import};
use crate::store::{Source, Store};
use crate::ward::{self, Signer, UnitKind, Ward};
use crate::Result;

/// The seed plan's text.
pub const SEED_PLAN: &str = include_str!("../assets/seed/ke-hoach-2024-nguyen-nghiem.txt");

/// How many fictional children the demo ward's register holds.
pub const DEMO_CHILDREN: usize = 300;
/// The seed of the demo's fictional children.
pub(crate) const DEMO_SEED: u64 = 2024;

/// The day the demo's children are born before (within sixteen years): the end of the demo
/// plan's year, the same on every laptop.
fn demo_day() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2024, 12, 31).expect("a real day")
}

/// Fills an empty database with the demo ward, in one transaction: interrupted at any moment,
/// it leaves nothing, and running it again completes. Does nothing if a ward is already set.
/// Returns whether it loaded anything.
pub async fn load(store: &Store, actor: &Actor) -> Result<bool> {
    actor.require(Need::EditPlan)?;
    let draft = import::parse(SEED_PLAN)?;
    let mut w = store.write(actor, Source::Import).await?;
    let has_ward: Option<String> = sqlx::query_scalar("SELECT id FROM ward WHERE deleted_at IS NULL LIMIT 1").fetch_optional(w.conn()).await?;
    if has_ward.is_some() {
        return Ok(false);
    }
    let ward = Ward {
        name: "Phường Nguyễn Nghiêm".into(),
        parent_authority: "Thành phố Quảng Ngãi".into(),
        place_name: "Phường Nguyễn Nghiêm".into(),
        has_seal: false,
    };
    ward::save_in(&mut w, &ward).await?;
    let signer = Signer { id: String::new(), full_name: draft.signer_name.clone(), title: "Phó Chủ tịch".into(), has_signature_image: false };
    ward::save_signer_in(&mut w, &signer).await?;
    plan::save_draft_in(&mut w, &draft).await?;
    for n in 1..=4 {
        ward::ensure_unit(&mut w, &format!("Tổ dân phố {n}"), UnitKind::ResidentialGroup).await?;
    }
    crate::children::generate::add_in(&mut w, DEMO_CHILDREN, DEMO_SEED, demo_day()).await?;
    crate::campaigns::demo::add_in(&mut w).await?;
    crate::commendations::add_demo_in(&mut w).await?;
    w.commit().await?;
    Ok(true)
}
