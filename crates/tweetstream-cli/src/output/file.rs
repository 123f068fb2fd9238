//! One output file (or stdout), written so that it always ends on a complete line.
//!
//! Plain files are written directly, a batch of whole lines per system call, with the number
//! of bytes the kernel accepted counted exactly; when a write fails part way, the file is cut
//! back to the last complete line. With gzip, each batch becomes one complete gzip member
//! (built in memory, then written); a failed write cuts the file back to the end of the last
//! complete member, so `gzip -t` passes on whatever is left. Nothing is buffered outside the
//! batch, so the counts are the lines on disk.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::gz_member::GzMembers;
use super::FileReport;

/// A write that failed: the file, and what happened to it.
#[derive(Debug)]
pub struct WriteFailure {
    /// The file ("-" for stdout).
    pub path: String,
    /// The error.
    pub error: io::Error,
    /// What was done about it (e.g. "cut back to the last complete line"), if anything.
    pub repair: Option<String>,
}

impl WriteFailure {
    pub(crate) fn new(path: &str, error: io::Error) -> WriteFailure {
        WriteFailure {
            path: path.to_string(),
            error,
            repair: None,
        }
    }

    /// Whether this is stdout closed by its reader (`| head`).
    pub fn is_closed_stdout(&self) -> bool {
        self.path == "-" && self.error.kind() == io::ErrorKind::BrokenPipe
    }
}

/// Write all of `data`, counting what the kernel accepted: `(bytes written, the error that
/// stopped it)`.
fn write_counted(file: &mut File, data: &[u8]) -> (usize, Option<io::Error>) {
    let mut done = 0;
    while done < data.len() {
        let room = fault::room(data.len() - done);
        if room == 0 {
            return (done, Some(fault::full()));
        }
        match file.write(&data[done..done + room]) {
            Ok(0) => return (done, Some(io::ErrorKind::WriteZero.into())),
            Ok(n) => {
                fault::used(n);
                done += n
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (done, Some(e)),
        }
    }
    (done, None)
}

/// A full disk, simulated for the tests where a small filesystem cannot be mounted (not
/// root): with `TWEETSTREAM_TEST_DISK_BYTES=N` in the environment, the process's outputs
/// together accept N bytes, then every write fails with "No space left on device".
mod fault {
    use std::io;
    use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
    use std::sync::OnceLock;

    static LIMIT: OnceLock<Option<u64>> = OnceLock::new();
    static USED: AtomicU64 = AtomicU64::new(0);

    fn limit() -> Option<u64> {
        *LIMIT.get_or_init(|| {
            std::env::var("TWEETSTREAM_TEST_DISK_BYTES")
                .ok()
                .and_then(|v| v.parse().ok())
        })
    }

    /// How much of `want` bytes may be written now.
    pub fn room(want: usize) -> usize {
        match limit() {
            None => want,
            Some(l) => want.min(l.saturating_sub(USED.load(Relaxed)) as usize),
        }
    }

    pub fn used(n: usize) {
        if limit().is_some() {
            USED.fetch_add(n as u64, Relaxed);
        }
    }

    pub fn full() -> io::Error {
        io::Error::from_raw_os_error(28)
    }
}

/// Stdout as an unbuffered file of its own (a duplicate of descriptor 1).
#[cfg(unix)]
fn stdout_file() -> io::Result<File> {
    use std::os::fd::AsFd;
    Ok(File::from(io::stdout().as_fd().try_clone_to_owned()?))
}
#[cfg(not(unix))]
fn stdout_file() -> io::Result<File> {
    Err(io::Error::other("writing to stdout needs a Unix system"))
}

/// The identity of a file on disk, to notice it being removed or replaced.
#[cfg(unix)]
fn identity(m: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}
#[cfg(not(unix))]
fn identity(_: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// Whether `path` still names the file of identity `id`.
pub fn still_there(path: Option<&Path>, id: Option<(u64, u64)>) -> bool {
    match (path, id) {
        (Some(p), Some(id)) => std::fs::metadata(p).is_ok_and(|m| identity(&m) == id),
        _ => true,
    }
}

/// An open output.
pub struct OpenFile {
    /// The path as shown ("-" for stdout).
    pub path: String,
    file_path: Option<PathBuf>,
    /// The file, or a duplicate of the stdout descriptor (unbuffered: every batch is one
    /// write, and what the kernel accepted is known).
    file: File,
    id: Option<(u64, u64)>,
    /// The file did not exist before this run.
    created: bool,
    /// `--overwrite`: the old content is cut on the first write, not at open (a run that
    /// stores nothing leaves the file as it was).
    truncate_on_write: bool,
    /// Length of the file at open (`--append`).
    base: u64,
    /// Bytes of this run on disk (compressed with gzip).
    on_disk: u64,
    /// Complete lines of this run on disk.
    messages: u64,
    /// Uncompressed bytes of those lines.
    bytes: u64,
    /// gzip: the member being built (in memory) and what it holds.
    member: Option<GzMembers>,
    member_lines: u64,
    member_bytes: u64,
    gzip: bool,
}

impl OpenFile {
    /// Open `path` (stdout for `None`). The file is created if missing; an existing one is
    /// appended to with `append`, and cut to empty on the first write otherwise (the caller
    /// has checked that replacing it is allowed).
    pub fn open(path: Option<&Path>, gzip: bool, append: bool) -> io::Result<OpenFile> {
        let (target, file_path, id, created, base, regular) = match path {
            None => (stdout_file()?, None, None, false, 0, false),
            Some(p) => {
                let existed = std::fs::symlink_metadata(p).is_ok();
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .create(true)
                    .append(append)
                    .open(p)?;
                let m = f.metadata()?;
                let base = if append { m.len() } else { 0 };
                let regular = m.is_file();
                (
                    f,
                    Some(p.to_path_buf()),
                    Some(identity(&m)),
                    !existed,
                    base,
                    regular,
                )
            }
        };
        Ok(OpenFile {
            path: path.map_or_else(|| "-".to_string(), |p| p.display().to_string()),
            // Only a regular file is cut (not /dev/null, a FIFO or a terminal).
            truncate_on_write: !append && !created && regular,
            file_path,
            file: target,
            id,
            created,
            base,
            on_disk: 0,
            messages: 0,
            bytes: 0,
            member: None,
            member_lines: 0,
            member_bytes: 0,
            gzip,
        })
    }

    /// Lines of this run in the file, including a gzip member not yet written.
    pub fn lines(&self) -> u64 {
        self.messages + self.member_lines
    }

    /// Bytes of this run on disk, plus what the pending gzip member holds so far (compressed).
    pub fn size(&self) -> u64 {
        self.on_disk
            + self
                .member
                .as_ref()
                .map_or(0, |m| m.compressed_len() as u64)
    }

    /// Uncompressed bytes in the pending gzip member.
    pub fn pending(&self) -> u64 {
        self.member_bytes
    }

    /// Add whole lines (`data` ends with a newline; `lines` newlines in it). Plain: written
    /// now. gzip: added to the pending member, written by [`OpenFile::commit`].
    pub fn write_lines(&mut self, data: &[u8], lines: u64) -> Result<(), WriteFailure> {
        if data.is_empty() {
            return Ok(());
        }
        if self.gzip {
            let m = self.member.get_or_insert_with(GzMembers::new);
            // Into memory: cannot fail.
            m.write(data)
                .map_err(|e| WriteFailure::new(&self.path, e))?;
            self.member_lines += lines;
            self.member_bytes += data.len() as u64;
            return Ok(());
        }
        self.before_first_write()?;
        let (n, err) = write_counted(&mut self.file, data);
        match err {
            None => {
                self.on_disk += n as u64;
                self.bytes += n as u64;
                self.messages += lines;
                Ok(())
            }
            Some(error) => {
                let keep = data[..n]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1);
                self.messages += data[..keep].iter().filter(|&&b| b == b'\n').count() as u64;
                self.bytes += keep as u64;
                self.on_disk += keep as u64;
                let mut f = WriteFailure::new(&self.path, error);
                if keep < n {
                    f.repair = Some(self.cut_back());
                }
                Err(f)
            }
        }
    }

    /// gzip: write the pending member (complete, with its trailer). Plain: nothing to do.
    pub fn commit(&mut self) -> Result<(), WriteFailure> {
        let Some(m) = self.member.as_mut().filter(|m| m.is_open()) else {
            return Ok(());
        };
        let lines = std::mem::take(&mut self.member_lines);
        let bytes = std::mem::take(&mut self.member_bytes);
        let data = m.finish().map_err(|e| WriteFailure::new(&self.path, e))?;
        self.before_first_write()?;
        let (n, err) = write_counted(&mut self.file, &data);
        if let Some(m) = self.member.as_mut() {
            m.give_back(data);
        }
        match err {
            None => {
                self.on_disk += n as u64;
                self.messages += lines;
                self.bytes += bytes;
                Ok(())
            }
            Some(error) => {
                let mut f = WriteFailure::new(&self.path, error);
                if n > 0 {
                    f.repair = Some(self.cut_back());
                }
                Err(f)
            }
        }
    }

    fn before_first_write(&mut self) -> Result<(), WriteFailure> {
        if self.truncate_on_write {
            self.truncate_on_write = false;
            self.file
                .set_len(0)
                .map_err(|e| WriteFailure::new(&self.path, e))?;
        }
        Ok(())
    }

    /// Cut the file back to what this run completed; says what happened.
    fn cut_back(&mut self) -> String {
        if self.file_path.is_none() {
            return "a partial line may have reached stdout".to_string();
        }
        match self.file.set_len(self.base + self.on_disk) {
            Ok(()) => "cut back to its last complete line".to_string(),
            Err(e) => format!("could not be cut back to its last complete line ({e})"),
        }
    }

    /// Whether the path still names this file (not removed or replaced since it was opened).
    pub fn still_there(&self) -> bool {
        still_there(self.file_path.as_deref(), self.id)
    }

    /// After a failed write: drop what the pending gzip member holds (not stored), fsync
    /// what is complete, and report it.
    pub fn abandon(mut self) -> FileReport {
        if let Some(m) = self.member.as_mut() {
            m.discard();
        }
        self.member_lines = 0;
        self.member_bytes = 0;
        self.close().0
    }

    /// Commit, fsync and close: the report, and the failure if one happened. A file that
    /// received nothing and did not exist before is removed (no empty files from a run that
    /// failed before its first message).
    pub fn close(mut self) -> (FileReport, Option<WriteFailure>) {
        let committed = self.commit();
        let synced = committed.and_then(|()| {
            self.file.sync_all().or_else(|e| {
                // /dev/null, pipes and terminals cannot be fsynced; that is not a failure.
                if e.kind() == io::ErrorKind::InvalidInput {
                    Ok(())
                } else {
                    Err(WriteFailure::new(&self.path, e))
                }
            })
        });
        let gone = !self.still_there();
        if self.messages == 0 && self.created && !gone {
            if let Some(p) = &self.file_path {
                let _ = std::fs::remove_file(p);
            }
        }
        let mut report = FileReport {
            path: self.path.clone(),
            messages: self.messages,
            bytes: self.bytes,
            bytes_on_disk: self.on_disk,
            removed: false,
            identity: self.file_path.clone().zip(self.id),
        };
        if self.messages == 0 && self.created {
            report.removed = true;
        }
        if gone && self.messages > 0 {
            report.removed = true;
            let lost = report.messages;
            report.messages = 0;
            report.bytes = 0;
            report.bytes_on_disk = 0;
            let err = io::Error::other(format!(
                "the file was removed or replaced during the run; the {lost} messages written to it are not there"
            ));
            return (report, Some(WriteFailure::new(&self.path, err)));
        }
        (report, synced.err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_members_concatenate() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.jsonl.gz");
        let mut f = OpenFile::open(Some(&p), true, false).unwrap();
        f.write_lines(b"{\"a\":1}\n{\"a\":2}\n", 2).unwrap();
        f.commit().unwrap();
        f.write_lines(b"{\"a\":3}\n", 1).unwrap();
        let (r, failure) = f.close();
        assert!(failure.is_none());
        assert_eq!(r.messages, 3);
        let mut d = flate2::read::MultiGzDecoder::new(std::fs::File::open(&p).unwrap());
        let mut s = String::new();
        std::io::Read::read_to_string(&mut d, &mut s).unwrap();
        assert_eq!(s, "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
        assert_eq!(r.bytes_on_disk, std::fs::metadata(&p).unwrap().len());
    }

    #[test]
    fn an_empty_new_file_is_removed_and_overwrite_waits_for_data() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("new.jsonl");
        let f = OpenFile::open(Some(&p), false, false).unwrap();
        assert!(p.exists());
        assert!(f.close().0.removed);
        assert!(!p.exists());

        std::fs::write(&p, "old\n").unwrap();
        let f = OpenFile::open(Some(&p), false, false).unwrap();
        assert!(f.close().1.is_none());
        assert_eq!(std::fs::read(&p).unwrap(), b"old\n");
        let mut f = OpenFile::open(Some(&p), false, false).unwrap();
        f.write_lines(b"new\n", 1).unwrap();
        assert!(f.close().1.is_none());
        assert_eq!(std::fs::read(&p).unwrap(), b"new\n");
    }

    #[test]
    fn a_removed_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("gone.jsonl");
        let mut f = OpenFile::open(Some(&p), false, false).unwrap();
        f.write_lines(b"x\n", 1).unwrap();
        std::fs::remove_file(&p).unwrap();
        let (report, failure) = f.close();
        assert_eq!(report.messages, 0);
        assert!(failure.unwrap().error.to_string().contains("removed"));
    }
}
