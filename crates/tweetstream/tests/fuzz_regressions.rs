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

/// framer, `delimited=length`: a count of up to the limit + 2 is accepted (X counts the
/// frame's CRLF), but a frame of that many bytes that does not end with CRLF was delivered
/// over the limit. Found by `scripts/fuzz framer` in a 10-minute run.
#[test]
fn a_delimited_frame_without_its_crlf_over_the_limit_is_too_large() {
    let mut f = Framer::length_delimited(5);
    f.push(Bytes::from_static(b"7\r\n1234567"));
    assert!(matches!(
        f.next_frame(),
        Some(Err(FrameError::TooLarge { limit: 5, .. }))
    ));
    f.push(Bytes::from_static(b"7\r\n12345\r\n"));
    assert_eq!(
        f.next_frame(),
        Some(Ok(Frame::Message(Bytes::from_static(b"12345"))))
    );
    // The fuzzer's input, in every chunking: no message over the limit.
    let input = [
        10u8, 55, 13, 13, 10, 55, 13, 13, 10, 0, 23, 0, 0, 0, 2, 147, 0, 23, 0, 0, 0, 2, 147, 130,
        242, 10,
    ];
    for step in 1..=input.len() {
        let mut f = Framer::length_delimited(5);
        for c in input.chunks(step) {
            f.push(Bytes::copy_from_slice(c));
            while let Some(r) = f.next_frame() {
                if let Ok(Frame::Message(m)) = r {
                    assert!(m.len() <= 5, "{m:?}");
                }
            }
        }
    }
}
