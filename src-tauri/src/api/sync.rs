//! The commands of working across laptops: the devices and their join files, sync files sent
//! and received (with the merge's progress), conflicts, backups, restoring, the integrity check.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};
use treem::auth::Actor;
use treem::backup;
use treem::sync::{self, join, Conflict, ConflictChoice, Device, Incoming, Outgoing};
use treem::{Result, Store};
use ts_rs::TS;

use super::read_chosen;
use crate::AppState;

/// Larger than any ward's sync file or backup; a file beyond it is not one.
const MAX_FILE: u64 = 4 << 30;

pub async fn devices(store: &Store, actor: &Actor, _req: ()) -> Result<Vec<Device>> {
    sync::devices(store, actor).await
}

/// A join file for a new laptop, saved where the officer chose.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct InviteRequest {
    /// The laptop's name.
    pub name: String,
    /// The account that will use it.
    pub login: String,
    /// Where to save the join file.
    pub path: String,
}

/// The passphrase to give the user apart from the file.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct InviteAnswer {
    /// The one-time passphrase.
    pub passphrase: String,
}

pub async fn device_invite(store: &Store, actor: &Actor, req: InviteRequest) -> Result<InviteAnswer> {
    let invitation = join::invite(store, actor, &req.name, &req.login).await?;
    treem::files::write_whole_to(Path::new(&req.path), &invitation.bytes).await?;
    Ok(InviteAnswer { passphrase: invitation.passphrase })
}

/// A file for another laptop: for which (none: the office's laptops), and whether everything.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct ExportRequest {
    /// The laptop it is for.
    pub device_id: Option<String>,
    /// Everything, rather than what that laptop lacks.
    pub everything: bool,
    /// Where to save it (ignored when only asking what it would hold).
    pub path: Option<String>,
}

pub async fn sync_plan_export(store: &Store, actor: &Actor, req: ExportRequest) -> Result<Outgoing> {
    sync::plan_export(store, actor, req.device_id.as_deref(), req.everything).await
}

pub async fn sync_export(store: &Store, actor: &Actor, req: ExportRequest) -> Result<Outgoing> {
    let path = req.path.ok_or_else(|| treem::text::InvalidInput::new("path", "Hãy chọn nơi lưu tệp đồng bộ."))?;
    let (bytes, plan) = sync::export(store, actor, req.device_id.as_deref(), req.everything).await?;
    treem::files::write_whole_to(Path::new(&path), &bytes).await?;
    Ok(plan)
}

/// A file chosen in the system's dialog.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct ChosenFile {
    /// Its path.
    pub path: String,
}

pub async fn sync_plan_import(store: &Store, actor: &Actor, req: ChosenFile) -> Result<Incoming> {
    let (_, bytes) = read_chosen(&req.path, MAX_FILE)?;
    sync::plan_import(store, actor, &bytes).await
}

/// How far the merge running now has come: records merged of all.
#[derive(Debug, Default, Serialize, TS)]
#[ts(export)]
pub struct Progress {
    /// Records merged.
    #[ts(type = "number")]
    pub done: usize,
    /// Records in all (0: nothing running).
    #[ts(type = "number")]
    pub total: usize,
}

static MERGED: AtomicUsize = AtomicUsize::new(0);
static TO_MERGE: AtomicUsize = AtomicUsize::new(0);

pub async fn sync_import(store: &Store, actor: &Actor, req: ChosenFile) -> Result<Incoming> {
    let (_, bytes) = read_chosen(&req.path, MAX_FILE)?;
    let done = sync::import(store, actor, &bytes, &mut |done, total| {
        MERGED.store(done, Ordering::Relaxed);
        TO_MERGE.store(total, Ordering::Relaxed);
    })
    .await;
    TO_MERGE.store(0, Ordering::Relaxed);
    done
}

/// Asked by the window every moment while a file is received.
pub async fn sync_progress(_store: &Store, _actor: &Actor, _req: ()) -> Result<Progress> {
    Ok(Progress { done: MERGED.load(Ordering::Relaxed), total: TO_MERGE.load(Ordering::Relaxed) })
}

pub async fn conflicts(store: &Store, actor: &Actor, _req: ()) -> Result<Vec<Conflict>> {
    sync::conflicts(store, actor).await
}

/// The officer's choice for one conflict.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct ChooseRequest {
    /// The conflict.
    pub conflict_id: String,
    /// The value kept.
    pub choice: ConflictChoice,
}

pub async fn conflict_choose(store: &Store, actor: &Actor, req: ChooseRequest) -> Result<()> {
    sync::choose(store, actor, &req.conflict_id, req.choice).await
}

/// The backups page: the backups kept, where, and the second folder.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct Backups {
    /// The backups in the data folder, newest first.
    pub list: Vec<backup::Listed>,
    /// The data folder's backup folder.
    pub folder: String,
    /// The second folder (a USB stick), if chosen.
    pub extra_folder: Option<String>,
    /// How many are kept.
    #[ts(type = "number")]
    pub kept: usize,
    /// Whether the ward has a recovery code that opens its backups; none for an account that
    /// does not manage the ward's laptops.
    pub has_recovery_code: Option<bool>,
}

pub async fn backups(store: &Store, actor: &Actor, _req: ()) -> Result<Backups> {
    Ok(Backups {
        list: backup::list(store, actor).await?,
        folder: backup::folder_of(store).display().to_string(),
        extra_folder: backup::extra_folder(store).await?.map(|p| p.display().to_string()),
        kept: backup::KEPT,
        has_recovery_code: match actor.require(treem::auth::Need::ManageDevices) {
            Ok(()) => Some(backup::recovery::exists(store, actor).await?),
            Err(_) => None,
        },
    })
}

/// A new recovery code for the ward's backups, shown this once.
pub async fn recovery_code_renew(store: &Store, actor: &Actor, _req: ()) -> Result<String> {
    Ok(backup::recovery::renew(store, actor).await?.text())
}

pub async fn backup_now(store: &Store, actor: &Actor, _req: ()) -> Result<backup::Made> {
    backup::automatic(store, actor).await
}

/// Asked once the window opens: the day's backup, if none was made today.
pub async fn backup_daily(store: &Store, actor: &Actor, _req: ()) -> Result<Option<backup::Made>> {
    if !actor.role().allows(treem::auth::Need::Sync) {
        return Ok(None);
    }
    backup::daily(store, actor).await
}

/// The second folder for backups; none stops copying there.
#[derive(Debug, Deserialize, TS)]
#[ts(export)]
pub struct BackupFolderRequest {
    /// The folder.
    pub path: Option<String>,
}

pub async fn backup_set_folder(store: &Store, actor: &Actor, req: BackupFolderRequest) -> Result<()> {
    actor.require(treem::auth::Need::Sync)?;
    store.set_preference(backup::FOLDER_PREFERENCE, req.path.as_deref().unwrap_or("")).await
}

/// What the integrity check found.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct Health {
    /// The first problem, in Vietnamese; none when all holds.
    pub problem: Option<String>,
    /// What was checked, line by line.
    pub lines: Vec<String>,
}

fn health(report: &treem::check::Report) -> Health {
    let mut lines = vec![
        format!("Tính toàn vẹn của tệp dữ liệu: {}", if report.integrity == ["ok"] { "tốt" } else { "hỏng" }),
        format!(
            "Chuỗi nhật ký truy cập: {} mục của {} máy, {}",
            report.chains.entries,
            report.chains.devices,
            if report.chains.whole() { "nguyên vẹn" } else { "bị đứt" }
        ),
        format!("Tệp lưu trữ: {} tệp, {} tệp hỏng hoặc mất", report.files, report.damaged_files.len()),
    ];
    if let Some(r) = &report.replay {
        lines.push(format!("Dựng lại từ nhật ký thay đổi: {} mục, {} dòng dữ liệu, {}", r.entries, r.rows, if r.difference.is_none() { "khớp" } else { "không khớp" }));
    }
    Health { problem: report.first_problem(), lines }
}

pub async fn integrity_check(store: &Store, actor: &Actor, _req: ()) -> Result<Health> {
    Ok(health(&treem::check::run(store, actor).await?))
}

/// The check made when the window opens (all but the replay).
pub async fn integrity_on_start(store: &Store, _actor: &Actor, _req: ()) -> Result<Health> {
    Ok(health(&treem::check::quick(store).await?))
}

/// A backup to restore, with the officer's login in it.
// No `Debug`: it carries a password.
#[derive(Deserialize, TS)]
#[ts(export)]
pub struct RestoreRequest {
    /// The backup chosen.
    pub path: String,
    /// An officer's login name in the backup.
    pub login: String,
    /// Its password in the backup; with a recovery code, its new password.
    pub password: String,
    /// The ward's recovery code, when no officer's password is known.
    #[serde(default)]
    pub recovery_code: Option<String>,
    /// The new password again (with a recovery code).
    #[serde(default)]
    pub repeat: String,
    /// The officer confirmed restoring another ward's backup over this one's data.
    #[serde(default)]
    pub other_ward_confirmed: bool,
}

/// Where the data it replaced was kept.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct Restored {
    /// The folder holding the data before the restore.
    pub kept_aside: Option<String>,
    /// The person logged in on the restored data.
    pub me: super::Me,
}

/// Checks the backup, closes the data, restores, and logs in on the restored data.
pub async fn restore(state: &AppState, req: RestoreRequest) -> Result<Restored> {
    let opener = match &req.recovery_code {
        Some(code) => {
            if req.password != req.repeat {
                return Err(treem::text::InvalidInput::new("repeat", "Hai lần nhập mật khẩu mới không giống nhau.").into());
            }
            backup::Opener::RecoveryCode { code, login: &req.login, new_password: &req.password }
        }
        None => backup::Opener::Officer { login: &req.login, password: &req.password },
    };
    let checked = backup::check(Path::new(&req.path), opener, &state.db_path).await?;
    let session = state.session().await.ok();
    backup::may_restore(&checked, session.as_deref().map(|s| (&s.store, &s.actor)), req.other_ward_confirmed).await?;
    drop(session);
    state.close().await;
    let kept_aside = backup::restore(checked, &state.db_path).await?;
    let (store, actor) = treem::auth::log_in(&state.db_path, &req.login, &req.password).await?;
    let me = super::me_of(&store, &actor).await?;
    state.unlock(store, actor).await;
    Ok(Restored { kept_aside: kept_aside.map(|p| p.display().to_string()), me })
}

/// A join file opened on a new laptop.
// No `Debug`: it carries passwords.
#[derive(Deserialize, TS)]
#[ts(export)]
pub struct JoinRequest {
    /// The join file chosen.
    pub path: String,
    /// The one-time passphrase the officer gave.
    pub passphrase: String,
    /// The account's new password on this laptop.
    pub password: String,
    /// The same, again.
    pub repeat: String,
}

pub async fn join_ward(state: &AppState, req: JoinRequest) -> Result<super::Me> {
    if req.password != req.repeat {
        return Err(treem::text::InvalidInput::new("repeat", "Hai lần nhập mật khẩu không giống nhau.").into());
    }
    let (_, bytes) = read_chosen(&req.path, MAX_FILE)?;
    let (store, actor) = join::join(&state.db_path, &bytes, &req.passphrase, &req.password).await?;
    let me = super::me_of(&store, &actor).await?;
    state.unlock(store, actor).await;
    Ok(me)
}

/// Who a join file is for, shown before the passphrase is asked.
pub async fn join_facts(_state: &AppState, req: ChosenFile) -> Result<join::JoinFacts> {
    let (_, bytes) = read_chosen(&req.path, MAX_FILE)?;
    join::facts(&bytes)
}
