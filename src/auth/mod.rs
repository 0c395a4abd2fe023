//! Who uses the app: the ward's accounts and their roles, logging in, and the check every core
//! function makes of who is acting.
//!
//! An [`Actor`] exists only after a password was checked ([`set_up`], [`log_in`]); every core
//! function that reads or writes the ward's records takes one and asks [`Actor::require`] for
//! what it does, so no command, import or CLI call gets around a role. The database is
//! encrypted with a random master key that each account's password unwraps from its slot in the
//! [key ring](keyring). Stopping an account or changing a password changes that key at the next
//! login, so a copy of the key ring taken before opens nothing.
//!
//! Each laptop has its own master key. A collaborator holds a slot only on the laptop joined for
//! them, whose database holds their residential group and nothing more: on a laptop that holds
//! the whole ward their account has no slot, so their password opens nothing there. The office's
//! people (officer, leader, viewer) share the office laptop's key: roles among them hold inside
//! the app, and a person with such an account and tools of their own could open the database
//! outside it. Give those accounts only to the ward's own staff.

pub mod keyring;

use std::path::Path;

use serde::Serialize;
use sqlx::SqlitePool;
use ts_rs::TS;

use crate::store::{natural_id, Cols, Source, Store};
use crate::text::{self, InvalidInput};
use crate::{Error, Result};
use crate::backup::recovery::RecoveryCode;
use keyring::{KeyRing, MasterKey};

labelled_enum! {
    /// What an account may do.
    pub enum UserRole {
        /// Everything: the plan, the children, the cases, the accounts.
        Officer = ("officer", "Cán bộ"),
        /// Reads everything; approves, issues and signs documents.
        Leader = ("leader", "Lãnh đạo"),
        /// Reads the plan; records progress and keeps the children of their own residential group.
        Collaborator = ("collaborator", "Cộng tác viên"),
        /// Reads the plan, the reports and the statistics.
        Viewer = ("viewer", "Chỉ xem"),
    }
}

labelled_enum! {
    /// What a core function does, as a role is allowed it or not. The label completes
    /// "Vai trò “…” không được …".
    pub enum Need {
        /// The plan, its progress, the reports, the documents and the statistics.
        ReadPlan = ("read_plan", "xem kế hoạch và báo cáo"),
        /// Status, notes and evidence of an activity's unit.
        RecordProgress = ("record_progress", "ghi tiến độ hoạt động"),
        /// The plan itself, units, deadlines and the reports units send.
        EditPlan = ("edit_plan", "sửa kế hoạch, đơn vị và báo cáo của đơn vị"),
        /// The ward's details, signers, seal and trust list.
        SetUpWard = ("set_up_ward", "sửa thông tin phường, người ký và danh sách tin cậy"),
        /// Drafts of documents.
        DraftDocuments = ("draft_documents", "soạn văn bản"),
        /// Numbering, issuing and signing documents.
        IssueDocuments = ("issue_documents", "cấp số, phát hành và ký văn bản"),
        /// Accounts and passwords of others.
        ManageUsers = ("manage_users", "quản lý tài khoản"),
        /// The audit trail.
        ReadAudit = ("read_audit", "xem nhật ký truy cập"),
        /// The register of children (a collaborator: their residential group's, without notes).
        ReadChildren = ("read_children", "xem hồ sơ trẻ em"),
        /// Adding children and changing their records, groups and consents.
        EditChildren = ("edit_children", "thêm, sửa hồ sơ trẻ em"),
        /// Importing, exporting, merging and removing records of children.
        ManageChildren = ("manage_children", "nhập, xuất, gộp và xóa hồ sơ trẻ em"),
        /// Opening cases of abuse: their list, pages, forms and decisions.
        ReadCases = ("read_cases", "xem hồ sơ vụ việc xâm hại trẻ em"),
        /// Receiving reports and recording the steps of cases.
        EditCases = ("edit_cases", "tiếp nhận và xử lý vụ việc xâm hại trẻ em"),
        /// Sending this laptop's changes to another and receiving theirs; backups.
        Sync = ("sync", "gửi, nhận dữ liệu giữa các máy và sao lưu"),
        /// Joining laptops to the ward, choosing between conflicting values, restoring backups.
        ManageDevices = ("manage_devices", "kết nạp máy, xử lý xung đột dữ liệu và khôi phục bản sao lưu"),
        /// Campaigns of gifts and scholarships (their funds and recipients), and commendations.
        ManageCampaigns = ("manage_campaigns", "lập đợt thăm, tặng quà, học bổng và đề nghị khen thưởng"),
        /// Recording that a gift was handed over (a collaborator: in their residential group).
        HandOver = ("hand_over", "ghi nhận trao quà"),
    }
}

impl UserRole {
    /// Whether this role may do `need` at all (a collaborator's group is checked apart).
    pub fn allows(self, need: Need) -> bool {
        use Need::*;
        match self {
            UserRole::Officer => true,
            UserRole::Leader => matches!(need, ReadPlan | IssueDocuments | ReadAudit | ReadChildren | ReadCases | Sync),
            UserRole::Collaborator => matches!(need, ReadPlan | RecordProgress | ReadChildren | EditChildren | Sync | HandOver),
            UserRole::Viewer => matches!(need, ReadPlan),
        }
    }
}

/// The person acting, with their role: made only by logging in.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Actor {
    id: String,
    login: String,
    name: String,
    role: UserRole,
    group_unit_id: Option<String>,
    /// What this person may do, for the window to hide the rest.
    can: Vec<Need>,
    /// Whether the notes on a child are shown to this person.
    sees_child_notes: bool,
    /// Whether the sensitive groups of special circumstances are shown to this person.
    sees_sensitive_groups: bool,
}

impl Actor {
    /// The account a laptop is being joined for, acting before its records have arrived.
    pub(crate) fn joining(id: &str, login: &str, name: &str, role: UserRole) -> Actor {
        let user = User {
            id: id.to_owned(),
            login: login.to_owned(),
            name: name.to_owned(),
            role,
            group_unit_id: None,
            group_name: None,
            disabled_at: None,
            last_login: None,
            last_login_text: None,
        };
        Actor::new(&user)
    }

    fn new(user: &User) -> Actor {
        Actor {
            id: user.id.clone(),
            login: user.login.clone(),
            name: user.name.clone(),
            role: user.role,
            group_unit_id: user.group_unit_id.clone(),
            can: Need::ALL.iter().copied().filter(|n| user.role.allows(*n)).collect(),
            sees_child_notes: user.role != UserRole::Collaborator,
            // Those who read the register whole; a viewer reads no child, nor figures that tell them.
            sees_sensitive_groups: matches!(user.role, UserRole::Officer | UserRole::Leader),
        }
    }

    /// The account's id, written into the change log.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The account's login name.
    pub fn login(&self) -> &str {
        &self.login
    }

    /// The person's full name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The role.
    pub fn role(&self) -> UserRole {
        self.role
    }

    /// Refuses, with a message naming the role and the action, what the role may not do.
    pub fn require(&self, need: Need) -> Result<()> {
        if self.role.allows(need) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!("Vai trò “{}” không được {}.", self.role.label(), need.label())))
        }
    }

    /// As [`require`](Actor::require), for work on one unit's part: a collaborator acts only
    /// for their own residential group.
    pub fn require_for_unit(&self, need: Need, unit_id: &str) -> Result<()> {
        self.require_for_group(need, Some(unit_id))
    }

    /// As [`require`](Actor::require), for a record of a residential group (a child): a
    /// collaborator reaches only those of their own group.
    pub fn require_for_group(&self, need: Need, group_unit_id: Option<&str>) -> Result<()> {
        self.require(need)?;
        if let Some(own) = self.only_group() {
            if group_unit_id != Some(own) {
                return Err(Error::Forbidden("Cộng tác viên chỉ làm việc với tổ dân phố của mình.".into()));
            }
        }
        Ok(())
    }

    /// The residential group this person is limited to: a collaborator's own. A collaborator
    /// with no group set reaches none (the empty id matches no unit).
    pub fn only_group(&self) -> Option<&str> {
        match self.role {
            UserRole::Collaborator => Some(self.group_unit_id.as_deref().unwrap_or("")),
            _ => None,
        }
    }

    /// Whether this person reads the notes on a child (collaborators do not).
    pub fn sees_child_notes(&self) -> bool {
        self.sees_child_notes
    }

    /// Whether this person sees a child's sensitive groups of special circumstances
    /// ([`crate::children::Circumstance::sensitive`]; collaborators do not).
    pub fn sees_sensitive_groups(&self) -> bool {
        self.sees_sensitive_groups
    }
}

/// An account as the officer's page lists it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, TS)]
#[ts(export)]
pub struct User {
    /// Id.
    pub id: String,
    /// Login name (folded).
    pub login: String,
    /// Full name.
    pub name: String,
    /// Role.
    pub role: UserRole,
    /// A collaborator's residential group.
    pub group_unit_id: Option<String>,
    /// The group's name.
    pub group_name: Option<String>,
    /// When the account was disabled (UTC), if it was.
    pub disabled_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The last successful login (UTC).
    pub last_login: Option<chrono::DateTime<chrono::Utc>>,
    /// The same, as a clock in Vietnam shows it: dd/mm/yyyy hh:mm.
    #[sqlx(skip)]
    pub last_login_text: Option<String>,
}

impl User {
    fn with_texts(mut self) -> User {
        self.last_login_text = self.last_login.map(crate::vietnam_clock);
        self
    }
}

const USER_SELECT: &str = "SELECT u.id, u.login, u.name, u.role, u.group_unit_id, g.name AS group_name, u.disabled_at,
        (SELECT MAX(at) FROM change_log l WHERE l.user_id = u.id AND l.event = 'login') AS last_login
     FROM users u LEFT JOIN units g ON g.id = u.group_unit_id WHERE u.deleted_at IS NULL";

/// A new account (no `Debug`: it carries a password).
#[derive(Clone)]
pub struct NewUser<'a> {
    /// Login name, e.g. "hoa" or "canbo".
    pub login: &'a str,
    /// Full name.
    pub name: &'a str,
    /// Role.
    pub role: UserRole,
    /// A collaborator's residential group (a unit of that kind).
    pub group_unit_id: Option<&'a str>,
    /// The first password; empty for a collaborator, who sets theirs on the laptop joined for
    /// them.
    pub password: &'a str,
}

/// Why a collaborator's account has no password on this laptop.
const COLLABORATOR_ELSEWHERE: &str = "Cộng tác viên không đăng nhập trên máy giữ dữ liệu cả phường: hãy kết nạp máy cho cộng tác viên (trang Thiết bị); họ đặt mật khẩu trên máy của mình.";

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// The fewest guesses a password must take, as a power of ten. A stolen key ring is guessed
/// offline, where no lockout holds: at the ring's Argon2id cost a laptop tries a few passwords a
/// second, so 10^10 guesses are about a century of its work (and weeks even for dedicated
/// hardware).
const MIN_GUESSES_LOG10: f64 = 10.0;

/// Words a guesser of a Vietnamese ward's passwords tries first (folded), beside the English
/// words, names and patterns the estimator knows.
const GUESSED_FIRST: &[&str] = &[
    "mat khau", "matkhau", "tre em", "treem", "cong tac", "congtac", "phuong", "ubnd", "viet nam", "vietnam", "anh yeu em", "anhyeuem",
    "em yeu anh", "emyeuanh", "can bo", "canbo", "quang ngai", "ha noi", "hanoi", "sai gon", "saigon", "moi", "thu", "demo", "nguyen",
    "tran", "le", "pham", "hoang", "huynh", "vo", "dang", "bui", "do", "ho", "ngo", "duong", "ly", "thi", "van",
];

/// What a password should be like, for the forms.
pub fn password_hint() -> String {
    format!("Ít nhất {MIN_PASSWORD_CHARS} ký tự và khó đoán: dễ nhớ nhất là một câu ngắn bốn, năm từ không liền nghĩa (kiểu «sen hồng nở sớm mai», đừng dùng đúng câu này).")
}

/// Refuses a password that is too short, too long, or that a guesser would reach: estimated by
/// zxcvbn on the folded password (tone marks give a guesser little), with the person's own
/// login and name and common Vietnamese words counted as guessed first.
pub(crate) fn check_password(field: &'static str, password: &str, login: &str, name: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(InvalidInput::new(field, format!("Mật khẩu cần ít nhất {MIN_PASSWORD_CHARS} ký tự.")).into());
    }
    if password.len() > 1024 {
        return Err(InvalidInput::new(field, "Mật khẩu quá dài.").into());
    }
    let folded = text::fold(password);
    let own_name = text::fold(name);
    let mut known: Vec<String> = GUESSED_FIRST.iter().map(|w| w.to_string()).collect();
    known.extend([login.to_owned(), own_name.clone(), own_name.replace(' ', "")]);
    known.extend(own_name.split_whitespace().map(str::to_owned));
    let known: Vec<&str> = known.iter().map(String::as_str).filter(|w| !w.is_empty()).collect();
    if zxcvbn::zxcvbn(&folded, &known).guesses_log10() < MIN_GUESSES_LOG10 {
        return Err(InvalidInput::new(
            field,
            "Mật khẩu này dễ bị dò ra (từ thông dụng, tên, ngày tháng hoặc dãy phím quen). Hãy dùng một câu ngắn bốn, năm từ không liền nghĩa mà chỉ bạn nghĩ ra, ví dụ kiểu «sen hồng nở sớm mai» (đừng dùng đúng câu này).",
        )
        .into());
    }
    Ok(())
}

/// A login name as stored and compared: folded (no tone marks, đ → d, lower case), no spaces.
pub fn login_key(login: &str) -> Result<String> {
    let key = text::fold(login.trim());
    if key.is_empty() || key.chars().count() > 64 || !key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')) {
        return Err(InvalidInput::new("login", "Tên đăng nhập gồm chữ cái không dấu, chữ số, dấu chấm, gạch dưới hoặc gạch ngang, không có khoảng trắng (ví dụ: canbo, hoa.nt).").into());
    }
    Ok(key)
}

/// Whether this data folder has no account yet: the window asks for the officer's name and
/// password (the app's first start, or the first start of a version with accounts).
pub fn first_start(db_path: &Path) -> bool {
    !keyring::path_beside(db_path).exists()
}

/// Finishes a restore interrupted midway, then refuses to make a new ward where no data is in
/// place but a restore kept the earlier data aside: the officer gets it back instead.
pub(crate) fn refuse_over_kept_data(db_path: &Path) -> Result<()> {
    crate::backup::finish_interrupted(db_path)?;
    match crate::backup::data_kept_aside(db_path) {
        Some(folder) => Err(Error::DataKeptAside { folder: folder.display().to_string() }),
        None => Ok(()),
    }
}

/// First start: creates the officer's account and the key ring, and encrypts the database
/// (a new one, or the unencrypted one an older version left, which is copied encrypted,
/// checked, then swapped in), and makes the ward's recovery code for its backups. Returns the
/// opened store, the officer, and the recovery code, to be shown once and printed.
pub async fn set_up(db_path: &Path, login: &str, name: &str, password: &str) -> Result<(Store, Actor, RecoveryCode)> {
    let login = login_key(login)?;
    let name = text::required("name", "Họ và tên", name, 200)?;
    check_password("password", password, &login, &name)?;
    refuse_over_kept_data(db_path)?;
    // Two windows (or the window and the command line) setting up at once must not make two keys.
    let lock = keyring::lock_ring(db_path)?;
    if !first_start(db_path) {
        return Err(InvalidInput::new("login", "Dữ liệu này đã có tài khoản; hãy đăng nhập.").into());
    }
    let key = MasterKey::generate();
    let pending = keyring::pending_path(db_path);
    // A copy left by a set-up that died before its key ring was written has no key: start again.
    keyring::remove_with_sidecars(&pending, true)?;
    keyring::encrypt_copy(db_path, &pending, &key).await?;
    let user_id = natural_id("user", &[&login]);
    let code = {
        let store = Store::open(&pending, &key).await?;
        crate::sync::set_ward_tag(&store, None).await?;
        let code = crate::backup::recovery::first(&store).await?;
        let officer = User {
            id: user_id.clone(),
            login: login.clone(),
            name: name.clone(),
            role: UserRole::Officer,
            group_unit_id: None,
            group_name: None,
            disabled_at: None,
            last_login: None,
            last_login_text: None,
        };
        let actor = Actor::new(&officer);
        let mut w = store.write(&actor, Source::Window).await?;
        let cols = Cols::new().set("login", &login).set("name", &name).set("role", UserRole::Officer.as_str());
        w.insert("users", &user_id, cols).await?;
        w.commit().await?;
        store.close().await;
        code
    };
    let mut ring = KeyRing::default();
    ring.add(&user_id, &login, password, &key)?;
    ring.save(db_path)?;
    keyring::finish_pending(db_path, &key).await?;
    drop(lock);
    let (store, officer) = log_in(db_path, &login, password).await?;
    Ok((store, officer, code))
}

/// Logs in: the password unwraps the master key from the account's slot and opens the
/// database. A wrong password changes nothing in the database; five in a row make the next
/// tries wait.
pub async fn log_in(db_path: &Path, login: &str, password: &str) -> Result<(Store, Actor)> {
    let login = login_key(login).map_err(|_| Error::WrongPassword)?;
    crate::backup::finish_interrupted(db_path)?;
    // A key ring whose database is gone opens nothing: no empty database is made in its place.
    if keyring::path_beside(db_path).exists() && !db_path.exists() && !keyring::pending_path(db_path).exists() {
        return Err(Error::NotFound { what: "tệp dữ liệu treem.db bên cạnh tệp khóa treem.keys; hãy chép lại tệp dữ liệu hoặc khôi phục từ bản sao lưu" });
    }
    // One hold of the ring's lock from the password to the open database: no other process
    // changes the key in between.
    let lock = keyring::lock_ring(db_path)?;
    let (mut key, failures) = KeyRing::unlock_held(db_path, &login, password)?;
    keyring::finish_pending(db_path, &key).await?;
    let unchanged_because = match keyring::change_key(db_path, &key).await? {
        keyring::KeyChange::Changed(new) => {
            key = new;
            None
        }
        keyring::KeyChange::Failed(why) => Some(why),
        keyring::KeyChange::Kept => None,
    };
    let store = Store::open(db_path, &key).await?;
    drop(lock);
    let user = sqlx::query_as::<_, User>(&format!("{USER_SELECT} AND u.login = ?"))
        .bind(&login)
        .fetch_optional(store.pool())
        .await?;
    let Some(user) = user.filter(|u| u.disabled_at.is_none()) else {
        store.close().await;
        return Err(Error::AccountDisabled);
    };
    if crate::sync::holds_whole_ward(&store).await? {
        forget_collaborators(&store, db_path).await?;
        if user.role == UserRole::Collaborator {
            store.close().await;
            return Err(Error::Forbidden(COLLABORATOR_ELSEWHERE.to_owned()));
        }
    }
    let actor = Actor::new(&user);
    // A damaged file takes no write, not even this login's record: the officer still gets in,
    // to read and to restore a backup.
    if store.damaged_pages().await.is_some() {
        return Ok((store, actor));
    }
    let mut w = store.write(&actor, Source::Window).await?;
    // Written by the first login that can write after the change, whoever made it.
    let key_changed = KeyRing::load(db_path)?.key_changed();
    if key_changed {
        w.event("users", &user.id, crate::audit::Event::KeyChanged, serde_json::json!({})).await?;
    }
    if let Some(why) = unchanged_because {
        w.event("users", &user.id, crate::audit::Event::KeyChangeFailed, serde_json::json!({ "lỗi": why })).await?;
    }
    if failures > 0 {
        w.event("users", &user.id, crate::audit::Event::LoginFailed, serde_json::json!({ "lần": failures })).await?;
    }
    w.event("users", &user.id, crate::audit::Event::Login, serde_json::json!({})).await?;
    w.commit().await?;
    if key_changed {
        keyring::update(db_path, |ring| {
            ring.key_change_written();
            Ok(())
        })?;
    }
    Ok((store, actor))
}

/// Removes the slots collaborators were given by earlier versions on this laptop, which holds
/// the whole ward: their passwords no longer open it.
async fn forget_collaborators(store: &Store, db_path: &Path) -> Result<()> {
    let collaborators: Vec<String> = sqlx::query_scalar("SELECT id FROM users WHERE role = 'collaborator'").fetch_all(store.pool()).await?;
    let ring = KeyRing::load(db_path)?;
    if !collaborators.iter().any(|id| ring.holds(id)) {
        return Ok(());
    }
    keyring::update(db_path, |ring| {
        collaborators.iter().for_each(|id| ring.remove(id));
        ring.change_key_soon();
        Ok(())
    })
}

/// Records a lock; the caller then drops the store, and with it the key. Unlocking is
/// logging in again.
pub async fn lock(store: &Store, actor: &Actor) -> Result<()> {
    let mut w = store.write(actor, Source::Window).await?;
    w.event("users", actor.id(), crate::audit::Event::Lock, serde_json::json!({})).await?;
    w.commit().await
}

/// The ward's accounts.
pub async fn users(store: &Store, actor: &Actor) -> Result<Vec<User>> {
    actor.require(Need::ManageUsers)?;
    Ok(sqlx::query_as::<_, User>(&format!("{USER_SELECT} ORDER BY u.disabled_at IS NOT NULL, u.role, u.login"))
        .fetch_all(store.pool())
        .await?
        .into_iter()
        .map(User::with_texts)
        .collect())
}

async fn user(pool: &SqlitePool, id: &str) -> Result<User> {
    sqlx::query_as::<_, User>(&format!("{USER_SELECT} AND u.id = ?"))
        .bind(id)
        .fetch_optional(pool)
        .await?
        .ok_or(Error::NotFound { what: "tài khoản" })
        .map(User::with_texts)
}

/// Adds an account with its first password.
pub async fn add_user(store: &Store, actor: &Actor, new: NewUser<'_>) -> Result<User> {
    actor.require(Need::ManageUsers)?;
    let login = login_key(new.login)?;
    let name = text::required("name", "Họ và tên", new.name, 200)?;
    // A collaborator's password would open this laptop's database, which holds the whole ward.
    let slot_here = new.role != UserRole::Collaborator;
    if slot_here {
        check_password("password", new.password, &login, &name)?;
    } else if !new.password.is_empty() {
        return Err(InvalidInput::new("password", COLLABORATOR_ELSEWHERE).into());
    }
    let group = match (new.role, new.group_unit_id) {
        (UserRole::Collaborator, Some(g)) => {
            let unit = crate::ward::unit_in(store.pool(), g).await?;
            if unit.kind != crate::ward::UnitKind::ResidentialGroup {
                return Err(InvalidInput::new("group", "Cộng tác viên thuộc một tổ dân phố; hãy chọn tổ.").into());
            }
            Some(unit.id)
        }
        (UserRole::Collaborator, None) => return Err(InvalidInput::new("group", "Chọn tổ dân phố của cộng tác viên.").into()),
        _ => None,
    };
    let mut w = store.write(actor, Source::Window).await?;
    let taken: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE login = ? AND deleted_at IS NULL")
        .bind(&login)
        .fetch_optional(w.conn())
        .await?;
    if taken.is_some() {
        return Err(InvalidInput::new("login", format!("Đã có tài khoản “{login}”; hãy chọn tên đăng nhập khác.")).into());
    }
    let id = w.natural_or_new_id("users", "user", &[&login]).await?;
    let cols = Cols::new().set("login", &login).set("name", &name).set("role", new.role.as_str()).set("group_unit_id", &group);
    w.insert("users", &id, cols).await?;
    if slot_here {
        keyring::update(store.db_path(), |ring| ring.add(&id, &login, new.password, store.key()))?;
    }
    w.commit().await?;
    user(store.pool(), &id).await
}

/// Changes one's own password: the old one must be right.
pub async fn change_password(store: &Store, actor: &Actor, old: &str, new: &str) -> Result<()> {
    check_password("new_password", new, actor.login(), actor.name())?;
    let mut w = store.write(actor, Source::Window).await?;
    KeyRing::unlock(store.db_path(), actor.login(), old).map_err(|e| match e {
        Error::WrongPassword => InvalidInput::new("old_password", "Mật khẩu hiện tại không đúng.").into(),
        other => other,
    })?;
    keyring::update(store.db_path(), |ring| {
        ring.change_key_soon();
        ring.add(actor.id(), actor.login(), new, store.key())
    })?;
    w.event("users", actor.id(), crate::audit::Event::PasswordChanged, serde_json::json!({})).await?;
    w.commit().await
}

/// The officer sets another account's password (and so enables it again if it was disabled).
pub async fn reset_password(store: &Store, actor: &Actor, user_id: &str, new: &str) -> Result<()> {
    actor.require(Need::ManageUsers)?;
    let target = user(store.pool(), user_id).await?;
    if target.role == UserRole::Collaborator {
        return Err(InvalidInput::new("password", COLLABORATOR_ELSEWHERE).into());
    }
    check_password("password", new, &target.login, &target.name)?;
    let mut w = store.write(actor, Source::Window).await?;
    w.update("users", user_id, Cols::new().set("disabled_at", None::<String>)).await?;
    keyring::update(store.db_path(), |ring| {
        ring.change_key_soon();
        ring.add(&target.id, &target.login, new, store.key())
    })?;
    w.event("users", user_id, crate::audit::Event::PasswordReset, serde_json::json!({})).await?;
    w.commit().await
}

/// Disables an account: recorded first (a login refuses a disabled account), then its slot is
/// removed, so its password no longer opens the data, and the master key changes at the next
/// login here, so that neither does a copy of the key ring taken before.
pub async fn disable(store: &Store, actor: &Actor, user_id: &str) -> Result<()> {
    actor.require(Need::ManageUsers)?;
    if user_id == actor.id() {
        return Err(InvalidInput::new("user", "Không thể tự khóa tài khoản đang dùng.").into());
    }
    user(store.pool(), user_id).await?;
    let mut w = store.write(actor, Source::Window).await?;
    let stamp = w.stamp().to_owned();
    w.update("users", user_id, Cols::new().set("disabled_at", stamp)).await?;
    w.commit().await?;
    keyring::update(store.db_path(), |ring| {
        ring.remove(user_id);
        ring.change_key_soon();
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "đồng hồ cát xanh lá";

    /// A ward as an earlier version left it: a collaborator with a slot on the office laptop.
    async fn with_old_collaborator_slot(dir: &Path) -> (Store, Actor, String) {
        let db = dir.join("treem.db");
        let (store, officer, _) = set_up(&db, "canbo", "Nguyễn Thị Hoa", PASSWORD).await.unwrap();
        let group = crate::ward::add_unit(&store, &officer, Source::Window, "Tổ dân phố 1", crate::ward::UnitKind::ResidentialGroup).await.unwrap();
        add_user(&store, &officer, NewUser { login: "ctv", name: "Lê Thị Mai", role: UserRole::Collaborator, group_unit_id: Some(&group.id), password: "" }).await.unwrap();
        let id: String = sqlx::query_scalar("SELECT id FROM users WHERE login = 'ctv'").fetch_one(store.pool()).await.unwrap();
        keyring::update(&db, |ring| ring.add(&id, "ctv", PASSWORD, store.key())).unwrap();
        (store, officer, id)
    }

    #[tokio::test]
    async fn a_collaborators_slot_on_the_whole_wards_laptop_is_refused_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _, id) = with_old_collaborator_slot(dir.path()).await;
        let db = store.db_path().to_path_buf();
        store.close().await;
        let err = log_in(&db, "ctv", PASSWORD).await.err().unwrap();
        assert!(matches!(&err, Error::Forbidden(m) if m.contains("kết nạp máy")), "{err}");
        assert!(!KeyRing::load(&db).unwrap().holds(&id), "the slot is gone");
        assert!(matches!(log_in(&db, "ctv", PASSWORD).await.err(), Some(Error::WrongPassword)));

        // The officer's login removes such a slot too, before the collaborator ever tries.
        let dir = tempfile::tempdir().unwrap();
        let (store, _, id) = with_old_collaborator_slot(dir.path()).await;
        let db = store.db_path().to_path_buf();
        store.close().await;
        assert!(KeyRing::load(&db).unwrap().holds(&id));
        let (store, _) = log_in(&db, "canbo", PASSWORD).await.unwrap();
        assert!(!KeyRing::load(&db).unwrap().holds(&id));
        store.close().await;
    }

    #[test]
    fn passwords_a_guesser_reaches_are_refused() {
        for weak in ["demo-2024", "matkhau123", "canbo2024!", "mật khẩu thử", "nguyenthihoa", "Nguyễn Thị Hoa 1", "12345678", "password1"] {
            let err = check_password("password", weak, "canbo", "Nguyễn Thị Hoa").expect_err(weak);
            assert!(err.to_string().contains("dễ bị dò"), "{weak}: {err}");
        }
        for strong in [PASSWORD, "hoa-phuong-do-ruc-ro", "sen hồng nở sớm mai", "gió thổi qua rặng tre"] {
            check_password("password", strong, "canbo", "Nguyễn Thị Hoa").unwrap_or_else(|e| panic!("{strong}: {e}"));
        }
        assert!(check_password("password", "ngắn", "canbo", "").unwrap_err().to_string().contains("ít nhất"));
    }
}
