//! The gzip stage: compressed body chunks in, decompressed chunks out. Pure (no I/O), like the
//! framer it feeds.
//!
//! X compresses streams with gzip and flushes after each write, so every chunk that arrives
//! can be decompressed at once. This stage decompresses into large output buffers (64 KiB) that
//! are handed to the framer without a copy; most messages then lie inside one buffer, so the
//! framer slices them out instead of reassembling them. (Letting the HTTP stack decompress gave
//! 8 KiB pieces, so about half of all v1.1 messages had to be copied together again.)
//!
//! Output is produced on demand, one buffer per call to [`GzipDecoder::next_chunk`], so a
//! small chunk that inflates to gigabytes (a "zip bomb") never sits in memory all at once: the
//! caller takes one buffer, lets the framer consume it (the framer bounds message sizes), and
//! only then asks for more.
//!
//! ```
//! use std::io::Write;
//! use tweetstream::inflate::GzipDecoder;
//!
//! let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
//! enc.write_all(b"{\"a\":1}\r\n").unwrap();
//! enc.flush().unwrap(); // a sync flush, as a streaming server does after each write
//! let compressed = bytes::Bytes::from(enc.get_ref().clone());
//!
//! let mut gz = GzipDecoder::new();
//! gz.push(compressed);
//! let mut out = Vec::new();
//! while let Some(chunk) = gz.next_chunk().unwrap() {
//!     out.extend_from_slice(&chunk);
//! }
//! assert_eq!(out, b"{\"a\":1}\r\n");
//! ```

use bytes::{Buf, Bytes, BytesMut};
use flate2::{Decompress, FlushDecompress, Status};

/// Size of each decompressed buffer.
pub const OUTPUT_CHUNK: usize = 64 * 1024;

/// The gzip data could not be decompressed (corrupt or not gzip).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid gzip data: {0}")]
pub struct InflateError(String);

/// Streaming gzip decompression with bounded output per step. See the [module docs](self).
pub struct GzipDecoder {
    inflater: Decompress,
    /// Compressed bytes not yet consumed.
    input: Bytes,
    /// The last call filled its output buffer, so the inflater may hold more output even
    /// without new input.
    may_have_output: bool,
    /// An unused output buffer, kept to avoid an allocation when a call produces nothing.
    spare: Vec<u8>,
    chunk: usize,
}

impl std::fmt::Debug for GzipDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GzipDecoder")
            .field("pending_input", &self.input.len())
            .field("total_in", &self.inflater.total_in())
            .field("total_out", &self.inflater.total_out())
            .finish()
    }
}

impl Default for GzipDecoder {
    fn default() -> Self {
        GzipDecoder::new()
    }
}

impl GzipDecoder {
    /// A decoder producing buffers of [`OUTPUT_CHUNK`] bytes.
    pub fn new() -> GzipDecoder {
        GzipDecoder::with_chunk_size(OUTPUT_CHUNK)
    }

    /// A decoder producing buffers of at most `chunk` bytes (at least 1).
    pub fn with_chunk_size(chunk: usize) -> GzipDecoder {
        GzipDecoder {
            inflater: Decompress::new_gzip(15),
            input: Bytes::new(),
            may_have_output: false,
            spare: Vec::new(),
            chunk: chunk.max(1),
        }
    }

    /// Add compressed bytes (as they arrived).
    pub fn push(&mut self, compressed: Bytes) {
        if self.input.is_empty() {
            self.input = compressed;
        } else {
            let mut joined = BytesMut::with_capacity(self.input.len() + compressed.len());
            joined.extend_from_slice(&self.input);
            joined.extend_from_slice(&compressed);
            self.input = joined.freeze();
        }
    }

    /// The next decompressed buffer, or `None` when more input is needed.
    pub fn next_chunk(&mut self) -> Result<Option<Bytes>, InflateError> {
        loop {
            if self.input.is_empty() && !self.may_have_output {
                return Ok(None);
            }
            let mut out = std::mem::take(&mut self.spare);
            if out.capacity() < self.chunk {
                out = Vec::with_capacity(self.chunk);
            }
            let before = self.inflater.total_in();
            let status = self
                .inflater
                .decompress_vec(&self.input, &mut out, FlushDecompress::None)
                .map_err(|e| InflateError(e.to_string()))?;
            let used = usize::try_from(self.inflater.total_in() - before)
                .unwrap_or(usize::MAX)
                .min(self.input.len());
            self.input.advance(used);
            self.may_have_output = out.len() == out.capacity();
            if status == Status::StreamEnd {
                // The end of a gzip member; another may follow (concatenated gzip).
                self.inflater = Decompress::new_gzip(15);
                self.may_have_output = false;
            }
            if !out.is_empty() {
                return Ok(Some(Bytes::from(out)));
            }
            self.spare = out;
            if used == 0 && status != Status::StreamEnd {
                // Nothing consumed, nothing produced: wait for more input.
                self.may_have_output = false;
                return Ok(None);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::io::Write;

    /// gzip `parts`, with a sync flush after each (as a streaming server writes).
    fn gzip_flushed(parts: &[&[u8]], level: u32) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
        for p in parts {
            enc.write_all(p).unwrap();
            enc.flush().unwrap();
        }
        enc.get_ref().clone()
    }

    fn drain(gz: &mut GzipDecoder, out: &mut Vec<u8>) -> Result<(), InflateError> {
        while let Some(c) = gz.next_chunk()? {
            assert!(c.len() <= gz.chunk);
            out.extend_from_slice(&c);
        }
        Ok(())
    }

    fn sample_text(n: usize) -> Vec<u8> {
        (0..n)
            .flat_map(|i| {
                format!("{{\"id\":{i},\"text\":\"héllo wörld {}\"}}\r\n", i * 7919).into_bytes()
            })
            .collect()
    }

    #[test]
    fn each_flushed_write_is_available_on_arrival() {
        let a = b"{\"a\":1}\r\n".as_slice();
        let b = b"{\"b\":2}\r\n".as_slice();
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(a).unwrap();
        enc.flush().unwrap();
        let first = enc.get_ref().len();
        enc.write_all(b).unwrap();
        enc.flush().unwrap();
        let all = enc.get_ref().clone();
        let mut gz = GzipDecoder::new();
        let mut out = Vec::new();
        gz.push(Bytes::copy_from_slice(&all[..first]));
        drain(&mut gz, &mut out).unwrap();
        assert_eq!(out, a, "the first write decodes before the second arrives");
        gz.push(Bytes::copy_from_slice(&all[first..]));
        drain(&mut gz, &mut out).unwrap();
        assert_eq!(out, [a, b].concat());
    }

    #[test]
    fn output_comes_in_bounded_chunks() {
        // 4 MiB of zeros compresses to a few KiB; the decoder hands it out 64 KiB at a time.
        let zeros = vec![0u8; 4 << 20];
        let gz_bytes = gzip_flushed(&[&zeros], 6);
        assert!(gz_bytes.len() < 16 << 10);
        let mut gz = GzipDecoder::new();
        gz.push(Bytes::from(gz_bytes));
        let mut total = 0;
        let mut calls = 0;
        while let Some(c) = gz.next_chunk().unwrap() {
            assert!(c.len() <= OUTPUT_CHUNK);
            total += c.len();
            calls += 1;
        }
        assert_eq!(total, 4 << 20);
        assert!(calls >= 64);
    }

    #[test]
    fn corrupt_data_is_an_error() {
        let mut good = gzip_flushed(&[&sample_text(50)], 1);
        let mut gz = GzipDecoder::new();
        gz.push(Bytes::from_static(b"not gzip at all, not even close"));
        assert!(gz.next_chunk().is_err());
        // Damage the middle of a real stream.
        let mid = good.len() / 2;
        for b in &mut good[mid..mid + 8] {
            *b ^= 0x5a;
        }
        let mut gz = GzipDecoder::new();
        gz.push(Bytes::from(good));
        let mut out = Vec::new();
        assert!(drain(&mut gz, &mut out).is_err());
    }

    #[test]
    fn concatenated_members_and_trailers() {
        let a = sample_text(10);
        let b = sample_text(3);
        let mut one = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        one.write_all(&a).unwrap();
        let mut two = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        two.write_all(&b).unwrap();
        let both = [one.finish().unwrap(), two.finish().unwrap()].concat();
        let mut gz = GzipDecoder::new();
        gz.push(Bytes::from(both));
        let mut out = Vec::new();
        drain(&mut gz, &mut out).unwrap();
        assert_eq!(out, [a, b].concat());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Any split of the compressed bytes, any output chunk size: the same output.
        #[test]
        fn any_chunking_gives_the_same_output(
            n in 1usize..400,
            level in prop_oneof![Just(1u32), Just(6u32)],
            cuts in proptest::collection::vec(1usize..3000, 0..40),
            chunk in prop_oneof![Just(7usize), Just(1000usize), Just(OUTPUT_CHUNK)],
        ) {
            let text = sample_text(n);
            let parts: Vec<&[u8]> = text.chunks(977).collect();
            let compressed = gzip_flushed(&parts, level);
            let mut gz = GzipDecoder::with_chunk_size(chunk);
            let mut out = Vec::new();
            let mut rest = &compressed[..];
            for c in cuts {
                let k = c.min(rest.len());
                gz.push(Bytes::copy_from_slice(&rest[..k]));
                rest = &rest[k..];
                drain(&mut gz, &mut out).unwrap();
            }
            gz.push(Bytes::copy_from_slice(rest));
            drain(&mut gz, &mut out).unwrap();
            prop_assert_eq!(out, text);
        }
    }
}
