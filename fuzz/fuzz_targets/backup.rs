//! Any bytes given as a backup: what it says of itself, or a clear refusal, read before any
//! password is asked — never a panic, an abort or memory beyond the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = treem::backup::inspect(std::io::Cursor::new(data));
});
