//! Crash testing. In debug builds, `TREEM_CRASH_AFTER_LOG_ENTRIES=N` ends the process at once,
//! as a power cut would, when the N-th change-log entry of the process is about to be written;
//! the tests use it to prove that an interrupted action leaves the database whole. Release
//! builds carry no such hook.

#[cfg(debug_assertions)]
pub(crate) fn hit() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;
    static LIMIT: OnceLock<Option<u64>> = OnceLock::new();
    static COUNT: AtomicU64 = AtomicU64::new(0);
    let limit = LIMIT.get_or_init(|| std::env::var("TREEM_CRASH_AFTER_LOG_ENTRIES").ok().and_then(|v| v.parse().ok()));
    if let Some(limit) = *limit {
        if COUNT.fetch_add(1, Ordering::SeqCst) + 1 >= limit {
            std::process::abort();
        }
    }
}

#[cfg(not(debug_assertions))]
pub(crate) fn hit() {}

/// `TREEM_CRASH_AT=NAME` ends the process at the named point (debug builds only): the tests
/// kill the move into the encrypted database at each of its steps.
#[cfg(debug_assertions)]
pub(crate) fn hit_named(name: &str) {
    if std::env::var("TREEM_CRASH_AT").is_ok_and(|v| v == name) {
        std::process::abort();
    }
}

#[cfg(not(debug_assertions))]
pub(crate) fn hit_named(_name: &str) {}

/// `TREEM_DISK_FULL_AT=NAME` makes the named write fail as on a full disk (debug builds only):
/// the tests fill the disk at each step of a restore.
#[cfg(debug_assertions)]
pub(crate) fn disk_full_at(name: &str) -> std::io::Result<()> {
    if std::env::var("TREEM_DISK_FULL_AT").is_ok_and(|v| v == name) {
        return Err(std::io::Error::from(std::io::ErrorKind::StorageFull));
    }
    Ok(())
}

#[cfg(not(debug_assertions))]
pub(crate) fn disk_full_at(_name: &str) -> std::io::Result<()> {
    Ok(())
}
