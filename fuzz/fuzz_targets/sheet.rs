//! Any bytes given to the reader of children's spreadsheets (.xlsx, .xls, .ods): a sheet or a
//! clear refusal, never a panic, an abort or memory beyond the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use treem::limits::Limits;

fuzz_target!(|data: &[u8]| {
    if let Ok(sheet) = treem::sheet::read(data, None, &Limits::DEFAULT) {
        // Every sheet named can be read again by its name.
        for name in sheet.sheets.iter().take(4) {
            let _ = treem::sheet::read(data, Some(name), &Limits::DEFAULT);
        }
    }
});
