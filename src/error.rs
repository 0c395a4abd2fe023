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
}

/// What crosses to the UI: `{code, message}`.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ErrorPayload {
    /// Machine code.
    pub code: ErrorCode,
    /// Vietnamese message for the user.
    pub message: String,
}

/// Every error of the core library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite failed.
    #[error("Lỗi cơ sở dữ liệu: {0}")]
    Database(#[from] sqlx::Error),
    /// Applying the migrations failed.
    #[error("Không nâng cấp được cơ sở dữ liệu: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    /// The file holds migrations this build does not know.
    #[error("Tệp dữ liệu này do phiên bản mới hơn của ứng dụng tạo ra. Hãy cài phiên bản mới nhất rồi mở lại.")]
    NewerDatabase,
    /// A file could not be read or written.
    #[error("Không đọc/ghi được tệp {path}: {source}")]
    File {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A plan file could not be understood.
    #[error(transparent)]
    Import(#[from] crate::plan::import::ImportError),
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
            Error::Database(_) | Error::Migrate(_) => ErrorCode::Database,
            Error::NewerDatabase => ErrorCode::NewerDatabase,
            Error::File { .. } => ErrorCode::File,
            Error::Import(_) => ErrorCode::UnreadablePlan,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::Invalid(_) => ErrorCode::InvalidInput,
            Error::Sign(_) => ErrorCode::Certificate,
            Error::Verify(_) => ErrorCode::Signature,
            Error::NotIssuingOffice => ErrorCode::NotIssuingOffice,
        }
    }

    /// The error as it crosses to the UI.
    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload { code: self.code(), message: self.to_string() }
    }

    pub(crate) fn file(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        Error::File { path: path.as_ref().display().to_string(), source }
    }
}

/// Result with the core error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
