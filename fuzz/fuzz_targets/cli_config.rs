//! The CLI's config file, durations and sizes: arbitrary text parses or fails with an error
//! (with a line number, never the text), never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tweetstream_cli::{config_file, units};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = config_file::parse(text) {
        if let Some(line) = e.line {
            assert!(line >= 1 && line <= text.lines().count().max(1) + 1);
        }
    }
    if let Ok(n) = units::parse_size(text) {
        let _ = units::human_bytes(n);
    }
    if let Ok(d) = units::parse_duration(text) {
        let _ = units::human_duration(d);
    }
});
