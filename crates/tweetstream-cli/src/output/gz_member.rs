//! gzip members built in memory, one after another, with one deflate state for all of them.
//!
//! A file with gzip is a series of complete members (RFC 1952): a 10-byte header, a raw
//! deflate stream, then the CRC-32 and the length of what it holds. flate2's `GzEncoder` makes
//! a fresh deflate state for each member (about 270 KB to allocate and set up, for members that
//! may hold 32 KB); here one state is reset between members, and the output buffer is reused.

use std::io::{self, Write};

use flate2::write::DeflateEncoder;
use flate2::{Compression, Crc};

/// The fixed header of every member: no name, no time, OS "unknown".
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

/// Builds gzip members in memory.
pub struct GzMembers {
    deflate: DeflateEncoder<Vec<u8>>,
    crc: Crc,
    /// A member has been started (its header written).
    open: bool,
    /// The output buffer of a finished member, handed back for the next one.
    spare: Vec<u8>,
}

impl Default for GzMembers {
    fn default() -> GzMembers {
        GzMembers::new()
    }
}

impl GzMembers {
    /// A builder at gzip level 1 (fast: archiving must keep up with the stream).
    pub fn new() -> GzMembers {
        GzMembers {
            deflate: DeflateEncoder::new(Vec::new(), Compression::fast()),
            crc: Crc::new(),
            open: false,
            spare: Vec::new(),
        }
    }

    /// Add bytes to the current member (starting one if needed). Into memory: cannot fail
    /// short of allocation.
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        if !self.open {
            self.deflate.get_mut().extend_from_slice(&HEADER);
            self.open = true;
        }
        self.deflate.write_all(data)?;
        self.crc.update(data);
        Ok(())
    }

    /// Whether a member is being built.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Compressed bytes of the current member so far (the deflater may hold some more).
    pub fn compressed_len(&self) -> usize {
        self.deflate.get_ref().len()
    }

    /// Finish the current member: its complete bytes. Give the buffer back with
    /// [`give_back`](Self::give_back) once written.
    pub fn finish(&mut self) -> io::Result<Vec<u8>> {
        let mut out = self.deflate.reset(std::mem::take(&mut self.spare))?;
        out.extend_from_slice(&self.crc.sum().to_le_bytes());
        out.extend_from_slice(&self.crc.amount().to_le_bytes());
        self.crc.reset();
        self.open = false;
        Ok(out)
    }

    /// Drop the current member (its lines were not stored).
    pub fn discard(&mut self) {
        if self.open {
            if let Ok(out) = self.deflate.reset(std::mem::take(&mut self.spare)) {
                self.give_back(out);
            }
            self.crc.reset();
            self.open = false;
        }
    }

    /// Reuse a finished member's buffer for a later one.
    pub fn give_back(&mut self, mut buf: Vec<u8>) {
        buf.clear();
        self.spare = buf;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn members_are_complete_gzip_and_concatenate() {
        let mut m = GzMembers::new();
        let mut file = Vec::new();
        for part in [&b"{\"a\":1}\n"[..], b"", b"{\"b\":2}\n{\"c\":3}\n"] {
            m.write(part).unwrap();
            let member = m.finish().unwrap();
            // Each member alone is a gzip file.
            let mut one = String::new();
            flate2::read::GzDecoder::new(&member[..])
                .read_to_string(&mut one)
                .unwrap();
            assert_eq!(one.as_bytes(), part);
            file.extend_from_slice(&member);
            m.give_back(member);
        }
        m.write(b"dropped\n").unwrap();
        m.discard();
        assert!(!m.is_open());
        let mut all = String::new();
        flate2::read::MultiGzDecoder::new(&file[..])
            .read_to_string(&mut all)
            .unwrap();
        assert_eq!(all, "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
    }
}
