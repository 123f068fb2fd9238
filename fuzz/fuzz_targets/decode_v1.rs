//! The v1.1 message decoder (statuses and every notice): arbitrary bytes decode or fail
//! with an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tweetstream::v1::Message;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Message::decode(data) {
        // Whatever decodes can be looked at.
        let _ = format!("{m:?}");
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Message::decode_str(text);
    }
});
