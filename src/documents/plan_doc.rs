//! The plan itself (Kế hoạch), printed from the plan tree as a faithful official copy.

use crate::plan::import::NodeKind;
use sqlx::SqlitePool;

use super::frame::{heading, para, para_with, Frame, Signature};
use crate::pdf::Block;
use crate::plan;
use crate::{ward, Error, Result};

/// The frame every document of the ward starts from: header and place from the settings.
pub(crate) async fn ward_frame(pool: &SqlitePool, year: i32) -> Result<Frame> {
    let w = ward::get_in(pool).await?.ok_or(Error::NotFound { what: "thông tin phường; hãy nhập ở mục Thông tin phường" })?;
    Ok(Frame {
        parent_authority: w.parent_authority,
        ward: w.name,
        place: w.place_name,
        number: None,
        symbol: String::new(),
        date: None,
        year,
        doc_type: String::new(),
        summary: String::new(),
        addressees: vec![],
        issuer: String::new(),
        bases: vec![],
        body: vec![],
        signature: Signature::default(),
        recipients: vec![],
        counter_signature: None,
    })
}

/// The plan as a document frame.
pub(crate) async fn frame(pool: &SqlitePool, plan_id: &str) -> Result<Frame> {
    let tree = plan::tree_in(pool, plan_id).await?;
    let p = &tree.plan;
    let mut body = vec![];
    for line in p.preamble.lines().filter(|l| !l.trim().is_empty()) {
        body.push(para(line));
    }
    for n in &tree.nodes {
        let labelled = |sep: &str| if n.label.is_empty() { n.text.clone() } else { format!("{}{sep} {}", n.label, n.text) };
        let has_children = tree.nodes.iter().any(|c| c.parent_id.as_deref() == Some(n.id.as_str()));
        let emphasis: Vec<crate::plan::import::Emphasis> = serde_json::from_str(&n.emphasis).unwrap_or_default();
        let text = labelled(".");
        let offset = text.chars().count() - n.text.chars().count();
        body.push(match n.kind {
            NodeKind::Part | NodeKind::UnitEntry => heading(&text),
            NodeKind::Item if has_children => heading(&text),
            _ => para_with(&text, offset, &emphasis),
        });
    }
    if !p.closing.is_empty() {
        body.push(para(&p.closing));
    }
    Ok(Frame {
        number: p.number,
        symbol: p.symbol.clone(),
        date: p.issued_on,
        doc_type: "KẾ HOẠCH".into(),
        summary: p.title.clone(),
        bases: serde_json::from_str(&p.legal_bases).unwrap_or_default(),
        body,
        signature: Signature::from_parts(&p.signer_prefix, &p.signer_title, &p.signer_name),
        recipients: serde_json::from_str(&p.recipients).unwrap_or_default(),
        ..ward_frame(pool, p.year).await?
    })
}

/// The plan's blocks.
pub(crate) async fn blocks(pool: &SqlitePool, plan_id: &str) -> Result<Vec<Block>> {
    Ok(frame(pool, plan_id).await?.blocks())
}
