//! Any bytes given to the reader of Word plans: paragraphs or a clear refusal, never a panic,
//! an abort or memory beyond the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = treem::plan::docx::paragraphs(data) {
        let _ = treem::plan::import::parse(&text);
    }
});
