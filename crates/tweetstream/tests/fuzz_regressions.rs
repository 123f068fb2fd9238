//! Inputs the fuzzers (`scripts/fuzz`) found, kept as tests of the normal suite.

use bytes::Bytes;
use tweetstream::framer::{Frame, FrameError, Framer};

/// framer: a line ended by a bare LF was accepted one byte over the limit (the check
/// counted the terminator as CRLF). Found by `scripts/fuzz framer`.
#[test]
fn a_lf_terminated_line_one_byte_over_the_limit_is_too_large() {
    let mut f = Framer::new(1);
    f.push(Bytes::from_static(b"ab\nc\n"));
    assert!(matches!(
        f.next_frame(),
        Some(Err(FrameError::TooLarge { limit: 1, .. }))
    ));
    assert_eq!(
        f.next_frame(),
        Some(Ok(Frame::Message(Bytes::from_static(b"c"))))
    );
    assert_eq!(f.next_frame(), None);
    // And as the fuzzer fed it: the whole input must frame the same in any chunking.
    let input = b"\x01\n\x03\x01@\xa5\x05\x01\n\t\n\x02l\x00\r\r\x00e{]\n{\x13";
    let frames = |step: usize| {
        let mut f = Framer::new(1);
        let mut out = Vec::new();
        for c in input.chunks(step) {
            f.push(Bytes::copy_from_slice(c));
            while let Some(r) = f.next_frame() {
                out.push(r.map_err(|e| matches!(e, FrameError::TooLarge { .. })));
            }
        }
        out
    };
    assert_eq!(frames(input.len()), frames(3));
    for r in frames(1) {
        if let Ok(Frame::Message(m)) = r {
            assert!(m.len() <= 1, "{m:?}");
        }
    }
}
