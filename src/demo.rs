//! The demo ward: Nguyễn Nghiêm ward and its 2024 plan, imported from the seed text by the
//! same importer a user runs.

use crate::plan::{self, import};
use crate::store::{Source, Store};
use crate::ward::{self, Signer, UnitKind, Ward};
use crate::Result;

/// The seed plan's text.
pub const SEED_PLAN: &str = include_str!("../assets/seed/ke-hoach-2024-nguyen-nghiem.txt");

/// Fills an empty database with the demo ward. Does nothing if a ward is already set.
/// Returns whether it loaded anything.
pub async fn load(store: &Store) -> Result<bool> {
    if ward::get(store.pool()).await?.is_some() {
        return Ok(false);
    }
    let draft = import::parse(SEED_PLAN)?;
    ward::save(
        store,
        Source::Import,
        &Ward {
            name: "Phường Nguyễn Nghiêm".into(),
            parent_authority: "Thành phố Quảng Ngãi".into(),
            place_name: "Phường Nguyễn Nghiêm".into(),
            has_seal: false,
        },
    )
    .await?;
    ward::save_signer(store, Source::Import, &Signer { id: String::new(), full_name: draft.signer_name.clone(), title: "Phó Chủ tịch".into(), has_signature_image: false }).await?;
    plan::save_draft(store, Source::Import, &draft).await?;
    for n in 1..=4 {
        ward::add_unit(store, Source::Import, &format!("Tổ dân phố {n}"), UnitKind::ResidentialGroup).await?;
    }
    Ok(true)
}
