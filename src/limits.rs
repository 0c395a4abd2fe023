//! How much a reader of a user's file may build, as one value handed to the readers (the
//! spreadsheets of children, the plan documents) and checked while they read: bytes inflated
//! from a zip, cells, bytes of text, characters of text made by expanding what the file says.
//!
//! A reader counts what it has built and stops at the first count past its limit, with a
//! message that names the limit; it never reserves memory from a size the file declares (a
//! sheet's `dimension`, a repeat count, a record length), so a small hostile file is refused at
//! once instead of exhausting the laptop's memory.

use crate::text;

/// The limits of one read. [`Limits::DEFAULT`] holds the numbers the app uses; tests and fuzz
/// targets may pass smaller ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes read from a file, or inflated from all the parts of a zipped one.
    pub max_file_bytes: u64,
    /// The most bytes of XML read from one part of a Word document.
    pub max_part_bytes: u64,
    /// The most cells a sheet is read into, counted as the importer lays them out: in each row
    /// with data, every cell up to its last filled one, a repeated cell as many times as it is
    /// repeated.
    pub max_cells: u64,
    /// The most columns: a filled cell further right is refused.
    pub max_columns: u32,
    /// The most bytes of text in the cells read (a shared string counts at every use).
    pub max_text_bytes: u64,
    /// The most data rows one import of children takes.
    pub max_rows: usize,
    /// The most characters of text a document is read into, list labels included.
    pub max_expanded_chars: u64,
}

impl Limits {
    /// The limits of the app: far above any ward's register or plan.
    pub const DEFAULT: Limits = Limits {
        max_file_bytes: 64 * 1024 * 1024,
        max_part_bytes: 32 * 1024 * 1024,
        max_cells: 2_000_000,
        max_columns: 1024,
        max_text_bytes: 64 * 1024 * 1024,
        max_rows: 20_000,
        max_expanded_chars: 8 * 1024 * 1024,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// A limit a file went past; its message names the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Exceeded {
    /// Unzipped or read, the file is larger than [`Limits::max_file_bytes`].
    #[error("Tệp giải nén ra hơn {} MB, vượt giới hạn {} MB của tệp nhập (có thể là tệp độc hại); tệp không được mở.", mb(*.limit), mb(*.limit))]
    FileBytes {
        /// The limit, in bytes.
        limit: u64,
    },
    /// More cells than [`Limits::max_cells`].
    #[error("Trang tính có hơn {} ô, vượt giới hạn {} ô của một lần nhập (có thể là tệp độc hại); tệp không được mở. Hãy chép phần danh sách sang một sổ tính mới rồi nhập.", grouped(*.limit), grouped(*.limit))]
    Cells {
        /// The limit.
        limit: u64,
    },
    /// A filled cell right of [`Limits::max_columns`].
    #[error("Trang tính có dữ liệu ở cột {column}, vượt giới hạn {} cột của một lần nhập; tệp không được mở. Hãy xóa các cột thừa rồi nhập.", grouped(u64::from(*.limit)))]
    Columns {
        /// The column's letters, "AMK".
        column: String,
        /// The limit.
        limit: u32,
    },
    /// More text in the cells than [`Limits::max_text_bytes`].
    #[error("Các ô của trang tính chứa hơn {} MB chữ, vượt giới hạn {} MB chữ của một lần nhập (có thể là tệp độc hại); tệp không được mở.", mb(*.limit), mb(*.limit))]
    TextBytes {
        /// The limit, in bytes.
        limit: u64,
    },
    /// A document read into more than [`Limits::max_expanded_chars`] characters.
    #[error("Văn bản đọc ra hơn {} ký tự (kể cả số thứ tự tự động), vượt giới hạn {} ký tự của một kế hoạch (có thể là tệp độc hại); tệp không được mở.", grouped(*.limit), grouped(*.limit))]
    ExpandedChars {
        /// The limit.
        limit: u64,
    },
}

fn mb(bytes: u64) -> u64 {
    bytes / 1024 / 1024
}

fn grouped(n: u64) -> String {
    text::grouped(i64::try_from(n).unwrap_or(i64::MAX))
}

/// A running count against one limit, which says which limit when it is passed.
#[derive(Debug, Clone)]
pub struct Counter {
    used: u64,
    limit: u64,
    over: Exceeded,
}

impl Counter {
    /// A count from zero up to `limit`, refused as `over` past it.
    pub fn new(limit: u64, over: Exceeded) -> Self {
        Counter { used: 0, limit, over }
    }

    /// Counts `n` more; the limit's error once the count is past it.
    pub fn add(&mut self, n: u64) -> Result<(), Exceeded> {
        self.used = self.used.saturating_add(n);
        if self.used > self.limit {
            Err(self.over.clone())
        } else {
            Ok(())
        }
    }

    /// What has been counted.
    pub fn used(&self) -> u64 {
        self.used
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_limit() {
        assert!(Exceeded::Cells { limit: 2_000_000 }.to_string().contains("vượt giới hạn 2.000.000 ô"));
        assert!(Exceeded::FileBytes { limit: 64 * 1024 * 1024 }.to_string().contains("giải nén ra hơn 64 MB"));
        assert!(Exceeded::ExpandedChars { limit: 1000 }.to_string().contains("vượt giới hạn 1.000 ký tự"));
        let mut c = Counter::new(3, Exceeded::Cells { limit: 3 });
        assert!(c.add(3).is_ok());
        assert_eq!(c.add(1), Err(Exceeded::Cells { limit: 3 }));
        assert!(Counter::new(1, Exceeded::Cells { limit: 1 }).add(u64::MAX).is_err());
    }
}
