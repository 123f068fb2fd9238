//! The gzip stage on arbitrary bytes, and on real gzip streams truncated or corrupted at an
//! arbitrary place: an error or the data, never a panic, and never more than was put in.
#![no_main]

use std::io::Write;

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use tweetstream::inflate::GzipDecoder;

fn drain(d: &mut GzipDecoder) -> Result<Vec<u8>, ()> {
    let mut out = Vec::new();
    loop {
        match d.next_chunk() {
            Ok(Some(c)) => {
                out.extend_from_slice(&c);
                assert!(out.len() < 64 << 20, "bounded output");
            }
            Ok(None) => return Ok(out),
            Err(_) => return Err(()),
        }
    }
}

fuzz_target!(|input: &[u8]| {
    if input.is_empty() {
        return;
    }
    let mode = input[0] % 3;
    let data = &input[1..];
    let mut d = GzipDecoder::with_chunk_size(1 + (data.len() % 4096));
    match mode {
        // Arbitrary bytes.
        0 => {
            for c in data.chunks(7) {
                d.push(Bytes::copy_from_slice(c));
                if drain(&mut d).is_err() {
                    return;
                }
            }
        }
        // A real stream of the input, cut or flipped at a place the input chooses.
        _ => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(data).unwrap();
            let mut stream = gz.finish().unwrap();
            let at = data.first().copied().unwrap_or(0) as usize % stream.len();
            if mode == 1 {
                stream.truncate(at);
            } else {
                stream[at] ^= data.last().copied().unwrap_or(1) | 1;
            }
            let mut got = Vec::new();
            for c in stream.chunks(1 + at % 13) {
                d.push(Bytes::copy_from_slice(c));
                match drain(&mut d) {
                    Ok(o) => got.extend(o),
                    Err(()) => return,
                }
            }
            // Whatever came out is a prefix of the original (corruption may be caught
            // only at the trailer's CRC).
            if mode == 1 {
                assert!(data.starts_with(&got), "a truncated stream yields a prefix");
            }
        }
    }
});
