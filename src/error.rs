//! The one error type of the core: a stable machine code and a Vietnamese message.

use serde::Serialize;
use ts_rs::TS;

/// The stable codes the UI branches on. Add one only when the UI needs to act differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// The database could not be opened, read or written.
    Database,
    /// The database was written by a newer version of the app.
    NewerDatabase,
    /// A file could not be read or written.
    File,
    /// A plan document could not be understood.
    UnreadablePlan,
    /// The record asked for does not exist (or was deleted).
    NotFound,
    /// The user's input is not valid; the message says how to fix it.
    InvalidInput,
    /// A certificate could not be opened or used (wrong password, expired …).
    Certificate,
    /// A PDF's signature could not be read.
    Signature,
    /// Only the ward office's laptop numbers and issues documents.
    NotIssuingOffice,
    /// The acting account's role may not do this.
    Forbidden,
    /// The login name or the password is wrong.
    WrongPassword,
    /// Too many wrong passwords in a row: the next try must wait.
    TooManyTries,
    /// The account is disabled (or no longer exists).
    AccountDisabled,
    /// The key ring beside the database is missing or damaged.
    KeyRing,
    /// The window is locked: log in again.
    Locked,
    /// A sync, join or backup file was refused; nothing changed.
    SyncFile,
    /// The backup chosen is another ward's: restoring it needs the officer's confirmation.
    OtherWardBackup,
    /// The data was kept aside by a restore and nothing is in its place: no new ward is made.
    DataKeptAside,
}

/// What crosses to the UI: `{code, message, field}`.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ErrorPayload {
    /// Machine code.
    pub code: ErrorCode,
    /// Vietnamese message for the user.
    pub message: String,
    /// The form field the message is about, so the window shows it beside that field.
    pub field: Option<String>,
}

/// Every error of the core library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite failed.
    #[error("{}", database_message(.0))]
    Database(#[from] sqlx::Error),
    /// Applying the migrations failed.
    #[error("Không nâng cấp được cơ sở dữ liệu lên phiên bản này. Hãy giữ nguyên tệp dữ liệu và liên hệ người hỗ trợ kỹ thuật; dữ liệu chưa bị thay đổi.")]
    Migrate(sqlx::migrate::MigrateError),
    /// The file holds migrations this build does not know.
    #[error("Tệp dữ liệu này do phiên bản mới hơn của ứng dụng tạo ra, nên phiên bản đang cài ({}) không mở được tệp này. Hãy cài phiên bản mới nhất rồi mở lại; dữ liệu chưa bị thay đổi.", crate::about::VERSION)]
    NewerDatabase,
    /// A file could not be read or written.
    #[error("Không đọc/ghi được tệp {path}: {}.", io_message(.source))]
    File {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A plan file could not be understood.
    #[error(transparent)]
    Import(#[from] crate::plan::import::ImportError),
    /// A spreadsheet that could not be read, or that went past a limit.
    #[error(transparent)]
    Sheet(#[from] crate::sheet::SheetError),
    /// A record is missing.
    #[error("Không tìm thấy {what}.")]
    NotFound {
        /// What was looked for, in Vietnamese ("hoạt động", "đơn vị" …).
        what: &'static str,
    },
    /// Input that breaks a rule; the message says how to fix it.
    #[error("{0}")]
    Invalid(#[from] crate::text::InvalidInput),
    /// A signer's certificate could not be used.
    #[error(transparent)]
    Sign(#[from] crate::signing::SignError),
    /// A PDF's signature could not be read.
    #[error(transparent)]
    Verify(#[from] crate::signing::VerifyError),
    /// This laptop is not the one that numbers the ward's documents.
    #[error("Máy này chỉ lập bản nháp: cấp số và phát hành văn bản làm trên máy văn thư của phường (đặt trong Thông tin phường), để không có hai văn bản trùng số.")]
    NotIssuingOffice,
    /// The acting account's role may not do this; the message names the role and the action.
    #[error("{0}")]
    Forbidden(String),
    /// The login name or the password is wrong (which of them is not said).
    #[error("Tên đăng nhập hoặc mật khẩu không đúng.")]
    WrongPassword,
    /// Too many wrong passwords in a row.
    #[error("Đã nhập sai mật khẩu nhiều lần. Hãy chờ {} rồi thử lại.", wait_words(*.seconds))]
    TooManyTries {
        /// How long to wait.
        seconds: u64,
    },
    /// The account is disabled.
    #[error("Tài khoản này đã ngừng sử dụng. Hãy nhờ cán bộ phụ trách đặt lại mật khẩu để dùng lại.")]
    AccountDisabled,
    /// The key ring cannot be read.
    #[error("Tệp khóa (treem.keys) bên cạnh dữ liệu bị hỏng, nên không mở được dữ liệu. Hãy khôi phục tệp khóa từ bản sao lưu.")]
    DamagedKeyRing,
    /// An encrypted copy left by an interrupted move does not open whole.
    #[error("Lần mã hóa dữ liệu trước chưa xong và bản mã hóa (treem.db.new) không mở được; dữ liệu cũ vẫn còn nguyên trong treem.db. Hãy giữ nguyên các tệp và liên hệ người hỗ trợ kỹ thuật.")]
    UnfinishedEncryption,
    /// An unencrypted database sits beside a key ring, which belongs to other data.
    #[error("Tệp dữ liệu treem.db chưa được mã hóa nhưng bên cạnh đã có tệp khóa treem.keys của dữ liệu khác. Hãy chuyển tệp treem.keys sang thư mục khác rồi mở lại ứng dụng để thiết lập lần đầu.")]
    PlainDatabaseBesideKeyRing,
    /// The database is encrypted but its key ring is gone.
    #[error("Dữ liệu đã được mã hóa nhưng thiếu tệp khóa (treem.keys) bên cạnh. Hãy chép lại tệp khóa từ bản sao lưu vào cùng thư mục.")]
    MissingKeyRing,
    /// The window is locked.
    #[error("Ứng dụng đang khóa; hãy đăng nhập lại.")]
    Locked,
    /// A sync, join or backup file refused.
    #[error(transparent)]
    Sync(#[from] crate::sync::SyncError),
    /// Pages of the database file are not as they were written, or it lost committed
    /// transactions.
    #[error("Tệp dữ liệu bị hỏng ({0}), nên ứng dụng không ghi thêm gì vào đó. Hãy khôi phục từ bản sao lưu mới nhất: Đồng bộ, sao lưu → Sao lưu, kiểm tra → Khôi phục từ bản sao lưu.")]
    DamagedPages(String),
    /// Another ward's backup, chosen to replace this ward's data.
    #[error("Bản sao lưu này là của «{backup}», khác phường đang dùng trên máy này («{current}»). Khôi phục sẽ thay toàn bộ dữ liệu của «{current}» bằng dữ liệu của «{backup}»; dữ liệu hiện có được cất sang một thư mục riêng. Chỉ khôi phục khi chắc chắn muốn như vậy.")]
    OtherWardBackup {
        /// The backup's ward.
        backup: String,
        /// The ward in use.
        current: String,
    },
    /// No data in place, but a restore kept the earlier data aside in `folder`.
    #[error("Không thấy dữ liệu của phường ở thư mục dữ liệu, nhưng dữ liệu trước một lần khôi phục vẫn được giữ tại {folder}. Ứng dụng không tạo phường mới đè lên: hãy chép các tệp treem.db và treem.keys trong thư mục đó về thư mục dữ liệu rồi mở lại, hoặc khôi phục từ một bản sao lưu.")]
    DataKeptAside {
        /// The folder holding it.
        folder: String,
    },
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        match e {
            sqlx::migrate::MigrateError::VersionMissing(_) => Error::NewerDatabase,
            other => Error::Migrate(other),
        }
    }
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Database(_) | Error::Migrate(_) | Error::DamagedPages(_) => ErrorCode::Database,
            Error::NewerDatabase => ErrorCode::NewerDatabase,
            Error::File { .. } => ErrorCode::File,
            Error::Import(_) => ErrorCode::UnreadablePlan,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::Invalid(_) | Error::Sheet(_) => ErrorCode::InvalidInput,
            Error::Sign(_) => ErrorCode::Certificate,
            Error::Verify(_) => ErrorCode::Signature,
            Error::NotIssuingOffice => ErrorCode::NotIssuingOffice,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::WrongPassword => ErrorCode::WrongPassword,
            Error::TooManyTries { .. } => ErrorCode::TooManyTries,
            Error::AccountDisabled => ErrorCode::AccountDisabled,
            Error::DamagedKeyRing | Error::MissingKeyRing | Error::UnfinishedEncryption | Error::PlainDatabaseBesideKeyRing => ErrorCode::KeyRing,
            Error::Locked => ErrorCode::Locked,
            Error::Sync(_) => ErrorCode::SyncFile,
            Error::OtherWardBackup { .. } => ErrorCode::OtherWardBackup,
            Error::DataKeptAside { .. } => ErrorCode::DataKeptAside,
        }
    }

    /// The error as it crosses to the UI.
    pub fn payload(&self) -> ErrorPayload {
        let field = match self {
            Error::Invalid(i) => Some(i.field.to_owned()),
            Error::Sheet(_) => Some("file".to_owned()),
            Error::Sign(s) => s.field().map(str::to_owned),
            _ => None,
        };
        ErrorPayload { code: self.code(), message: self.to_string(), field }
    }

    pub(crate) fn file(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        Error::File { path: path.as_ref().display().to_string(), source }
    }
}

/// What a database failure means to the user, in Vietnamese; SQLite's own words are English.
fn database_message(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(d) => {
            let code: i64 = d.code().and_then(|c| c.parse().ok()).unwrap_or(0);
            // Primary result codes are the low byte of SQLite's extended codes.
            match code & 0xff {
                5 | 6 => "Cơ sở dữ liệu đang bận vì một thao tác khác đang ghi. Hãy thử lại sau giây lát.".into(),
                8 => "Không ghi được vào tệp dữ liệu: tệp hoặc thư mục chỉ cho phép đọc.".into(),
                10 => format!("Lỗi đọc/ghi ổ đĩa khi truy cập dữ liệu (mã {code}). Hãy kiểm tra ổ đĩa rồi thử lại."),
                11 | 26 => "Tệp dữ liệu bị hỏng hoặc không phải dữ liệu của ứng dụng. Hãy khôi phục từ bản sao lưu.".into(),
                13 => "Ổ đĩa đã đầy, không ghi được dữ liệu. Hãy giải phóng dung lượng rồi thử lại.".into(),
                14 => "Không mở được tệp dữ liệu. Hãy kiểm tra thư mục dữ liệu còn đó và có quyền ghi.".into(),
                19 => "Dữ liệu này trùng hoặc tham chiếu đến một mục không còn; chưa có gì được lưu.".into(),
                _ => format!("Lỗi cơ sở dữ liệu (mã {code}); chưa có gì được lưu. Hãy thử lại; nếu vẫn lỗi, hãy khởi động lại ứng dụng."),
            }
        }
        sqlx::Error::Io(io) => format!("Lỗi đọc/ghi dữ liệu: {}.", io_message(io)),
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => "Cơ sở dữ liệu không phản hồi. Hãy khởi động lại ứng dụng.".into(),
        _ => "Lỗi cơ sở dữ liệu; chưa có gì được lưu. Hãy thử lại; nếu vẫn lỗi, hãy khởi động lại ứng dụng.".into(),
    }
}

/// A wait in words: "45 giây", "2 phút 30 giây", "15 phút".
fn wait_words(seconds: u64) -> String {
    match (seconds / 60, seconds % 60) {
        (0, s) => format!("{s} giây"),
        (m, 0) => format!("{m} phút"),
        (m, s) => format!("{m} phút {s} giây"),
    }
}

/// What an operating-system error means, in Vietnamese.
fn io_message(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => "không tìm thấy tệp".into(),
        PermissionDenied => "không có quyền truy cập (tệp đang mở ở chương trình khác, hoặc thư mục chỉ cho phép đọc)".into(),
        AlreadyExists => "tệp đã có".into(),
        StorageFull => "ổ đĩa đã đầy".into(),
        InvalidData | UnexpectedEof => "nội dung tệp bị hỏng hoặc không đầy đủ".into(),
        InvalidInput => "đường dẫn không hợp lệ".into(),
        _ => match e.raw_os_error() {
            Some(code) => format!("lỗi của hệ điều hành (mã {code})"),
            None => "lỗi của hệ điều hành".into(),
        },
    }
}

/// Result with the core error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_errors_reach_the_user_in_vietnamese() {
        let e = Error::file("/khong/co/tep.pdf", std::io::Error::from(std::io::ErrorKind::NotFound));
        assert_eq!(e.to_string(), "Không đọc/ghi được tệp /khong/co/tep.pdf: không tìm thấy tệp.");
        let e = Error::file("d.db", std::io::Error::from_raw_os_error(28));
        assert!(e.to_string().contains("ổ đĩa đã đầy") || e.to_string().contains("mã 28"), "{e}");
        let e = Error::Database(sqlx::Error::PoolTimedOut);
        assert!(e.to_string().starts_with("Cơ sở dữ liệu không phản hồi"));
        let invalid = Error::from(crate::text::InvalidInput::new("name", "Nhập tên phường."));
        assert_eq!(invalid.payload().field.as_deref(), Some("name"));
        assert_eq!(Error::NotFound { what: "tệp" }.payload().field, None);
    }
}
