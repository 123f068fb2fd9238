//! The framer on arbitrary bytes in arbitrary chunkings, newline and `delimited=length`,
//! against a simple reference: any chunking gives the frames of the whole buffer at once.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use tweetstream::framer::{Frame, FrameError, Framer};

/// A frame or error, with a too-large size reduced to "too large" (the size seen when the
/// limit is crossed depends on the chunking by design).
#[derive(Debug, PartialEq)]
enum Out {
    Frame(Frame),
    TooLarge,
    Other(FrameError),
}

fn run(mut f: Framer, chunks: &[&[u8]]) -> Vec<Out> {
    let mut out = Vec::new();
    for c in chunks {
        f.push(Bytes::copy_from_slice(c));
        while let Some(r) = f.next_frame() {
            out.push(match r {
                Ok(fr) => Out::Frame(fr),
                Err(FrameError::TooLarge { .. }) => Out::TooLarge,
                Err(e) => Out::Other(e),
            });
        }
    }
    out
}

fuzz_target!(|input: &[u8]| {
    if input.len() < 3 {
        return;
    }
    let (head, data) = input.split_at(3);
    let delimited = head[0] & 1 == 1;
    let max = 1 + (head[1] as usize) * 4; // small limits reach the oversize paths
    let step = 1 + head[2] as usize % 17;
    let make = || {
        if delimited {
            Framer::length_delimited(max)
        } else {
            Framer::new(max)
        }
    };
    let whole = run(make(), &[data]);
    let pieces: Vec<&[u8]> = data.chunks(step).collect();
    let chunked = run(make(), &pieces);
    assert_eq!(whole, chunked, "chunking changed the frames");
    // Every message is what the spec says: non-empty, valid UTF-8, within the limit.
    for o in &whole {
        if let Out::Frame(Frame::Message(m)) = o {
            assert!(!m.is_empty() && m.len() <= max);
            assert!(std::str::from_utf8(m).is_ok());
        }
    }
});
