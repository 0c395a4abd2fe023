//! The commands of campaigns: the list and a campaign's page, its funds, the recipient picker,
//! the hand-over screen, the sign-off lists saved and printed, and the campaign report.

use serde::Deserialize;
use treem::auth::Actor;
use treem::campaigns::recipients::{self, CampaignPage, Candidates, Criteria, GiftInput, HandOverInput, Recipient};
use treem::campaigns::{self, Campaign, CampaignInput, FundInput};
use treem::documents::register::{self, Document};
use treem::{Result, Source, Store};
use ts_rs::TS;

use super::open_in_system_viewer;

pub async fn campaigns(store: &Store, actor: &Actor, _req: ()) -> Result<Vec<Campaign>> {
    campaigns::list(store, actor).await
}

/// One campaign.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct CampaignRequest {
    /// The campaign.
    pub id: String,
}

pub async fn campaign_page(store: &Store, actor: &Actor, req: CampaignRequest) -> Result<CampaignPage> {
    recipients::page(store, actor, &req.id).await
}

pub async fn campaign_create(store: &Store, actor: &Actor, req: CampaignInput) -> Result<String> {
    campaigns::create(store, actor, Source::Window, &req).await
}

/// A campaign's changed details.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct CampaignUpdateRequest {
    /// The campaign.
    pub id: String,
    /// The details.
    pub input: CampaignInput,
}

pub async fn campaign_update(store: &Store, actor: &Actor, req: CampaignUpdateRequest) -> Result<()> {
    campaigns::update(store, actor, Source::Window, &req.id, &req.input).await
}

pub async fn campaign_remove(store: &Store, actor: &Actor, req: CampaignRequest) -> Result<()> {
    campaigns::remove(store, actor, Source::Window, &req.id).await
}

/// A fund added to a campaign.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct FundAddRequest {
    /// The campaign.
    pub campaign_id: String,
    /// The fund.
    pub input: FundInput,
}

pub async fn fund_add(store: &Store, actor: &Actor, req: FundAddRequest) -> Result<String> {
    campaigns::add_fund(store, actor, Source::Window, &req.campaign_id, &req.input).await
}

/// A fund's changed details.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct FundUpdateRequest {
    /// The fund.
    pub id: String,
    /// The details.
    pub input: FundInput,
}

pub async fn fund_update(store: &Store, actor: &Actor, req: FundUpdateRequest) -> Result<()> {
    campaigns::update_fund(store, actor, Source::Window, &req.id, &req.input).await
}

/// One fund, gift or recipient.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct RecordRequest {
    /// Its id.
    pub id: String,
}

pub async fn fund_remove(store: &Store, actor: &Actor, req: RecordRequest) -> Result<()> {
    campaigns::remove_fund(store, actor, Source::Window, &req.id).await
}

/// The picker's question: who the criteria choose for a campaign.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct CandidatesRequest {
    /// The campaign.
    pub campaign_id: String,
    /// The criteria.
    pub criteria: Criteria,
}

pub async fn campaign_candidates(store: &Store, actor: &Actor, req: CandidatesRequest) -> Result<Candidates> {
    recipients::candidates(store, actor, &req.campaign_id, &req.criteria).await
}

/// Children chosen to receive a gift.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct RecipientsAddRequest {
    /// The campaign.
    pub campaign_id: String,
    /// The children.
    pub child_ids: Vec<String>,
    /// The gift each gets.
    pub gift: GiftInput,
}

pub async fn recipients_add(store: &Store, actor: &Actor, req: RecipientsAddRequest) -> Result<u32> {
    Ok(recipients::add(store, actor, Source::Window, &req.campaign_id, &req.child_ids, &req.gift).await? as u32)
}

/// A gift changed.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct RecipientUpdateRequest {
    /// The recipient.
    pub id: String,
    /// The gift.
    pub gift: GiftInput,
}

pub async fn recipient_update(store: &Store, actor: &Actor, req: RecipientUpdateRequest) -> Result<()> {
    recipients::update(store, actor, Source::Window, &req.id, &req.gift).await
}

pub async fn recipient_remove(store: &Store, actor: &Actor, req: RecordRequest) -> Result<()> {
    recipients::remove(store, actor, Source::Window, &req.id).await
}

/// The hand-over screen's list.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct HandOverListRequest {
    /// The campaign.
    pub campaign_id: String,
    /// The residential group (a collaborator's own whatever is asked); none for all.
    pub group_unit_id: Option<String>,
    /// Letters of a name.
    pub query: String,
}

pub async fn hand_over_list(store: &Store, actor: &Actor, req: HandOverListRequest) -> Result<Vec<Recipient>> {
    recipients::to_hand_over(store, actor, &req.campaign_id, req.group_unit_id.as_deref(), &req.query).await
}

/// A gift handed over.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct HandOverRequest {
    /// The recipient.
    pub id: String,
    /// The day and who received it.
    pub input: HandOverInput,
}

pub async fn hand_over(store: &Store, actor: &Actor, req: HandOverRequest) -> Result<()> {
    recipients::hand_over(store, actor, Source::Window, &req.id, &req.input, treem::today_in_vietnam()).await
}

pub async fn hand_over_undo(store: &Store, actor: &Actor, req: RecordRequest) -> Result<()> {
    recipients::undo_hand_over(store, actor, Source::Window, &req.id).await
}

/// A campaign's sign-off lists: of one residential group, or of each.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct SignoffRequest {
    /// The campaign.
    pub campaign_id: String,
    /// The residential group; none for every group, each on pages of its own.
    pub group_unit_id: Option<String>,
    /// Where to write the PDF; empty to open it in the system's viewer to print.
    pub path: String,
}

pub async fn signoff_pdf(store: &Store, actor: &Actor, req: SignoffRequest) -> Result<()> {
    let bytes = treem::documents::campaign_docs::signoff_pdf(store, actor, &req.campaign_id, req.group_unit_id.as_deref()).await?;
    if req.path.is_empty() {
        open_in_system_viewer("danh-sach-ky-nhan.pdf", &bytes)
    } else {
        treem::files::write_whole_to(std::path::Path::new(&req.path), &bytes).await
    }
}

pub async fn campaigns_of_activity(store: &Store, actor: &Actor, req: super::NodeRequest) -> Result<Vec<Campaign>> {
    campaigns::for_activity(store, actor, &req.node_id).await
}

pub async fn campaign_report(store: &Store, actor: &Actor, req: CampaignRequest) -> Result<Document> {
    register::create_campaign_report(store, actor, Source::Window, &req.id).await
}
