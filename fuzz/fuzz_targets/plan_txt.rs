//! Any bytes given to the importer of plans typed as text: a draft or a clear refusal, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = treem::plan::import::read_file("ke-hoach.txt", data);
});
