//! Any bytes given as a sync file (its layout and header, read before it is opened) and as the
//! body of an opened one (which someone holding the ward's key could write by hand): read or
//! refused, never a panic, an abort or memory beyond the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = treem::sync::file::header(data);
    let _ = treem::sync::read_body(data);
});
