//! JSONL output: a [`Sink`] that batches lines in memory and hands 1 MiB chunks to a writer
//! thread, which writes them to stdout or to files, rotating by size or time, optionally
//! gzipped. Each rolled file is flushed, finished (gzip trailer), fsynced and closed before the
//! next one opens.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use flate2::write::GzEncoder;
use flate2::Compression;
use tokio::sync::mpsc;

use crate::cli::OutputArgs;
use crate::error::CliError;

/// Lines are handed to the writer thread in chunks of about this size.
const CHUNK: usize = 1 << 20;
/// Buffer of each open file.
const FILE_BUFFER: usize = 1 << 20;
/// Chunks in flight between the stream and the writer thread.
const QUEUE: usize = 8;

/// Where and how to write.
#[derive(Debug, Clone)]
pub struct OutputSpec {
    /// The file as given, `None` for stdout.
    pub path: Option<PathBuf>,
    /// gzip each file.
    pub gzip: bool,
    /// Roll at this size (bytes on disk).
    pub rotate_size: Option<u64>,
    /// Roll after this long.
    pub rotate_interval: Option<Duration>,
    /// Append to an existing file.
    pub append: bool,
    /// Replace an existing file.
    pub overwrite: bool,
}

impl OutputSpec {
    /// From the command-line options; checks the combinations.
    pub fn from_args(a: &OutputArgs) -> Result<OutputSpec, CliError> {
        let path = a
            .output
            .clone()
            .filter(|p| p.as_os_str() != "-" && !p.as_os_str().is_empty());
        let rotating = a.rotate_size.is_some() || a.rotate_interval.is_some();
        if path.is_none() {
            if rotating {
                return Err(CliError::usage(
                    "--rotate-size and --rotate-interval need --output FILE",
                ));
            }
            if a.provenance {
                return Err(CliError::usage("--provenance needs --output FILE"));
            }
        }
        if rotating && a.append {
            return Err(CliError::usage(
                "--append cannot be combined with rotation (rotated files are numbered after the existing ones)",
            ));
        }
        Ok(OutputSpec {
            path,
            gzip: a.gzip,
            rotate_size: a.rotate_size,
            rotate_interval: a.rotate_interval,
            append: a.append,
            overwrite: a.overwrite,
        })
    }

    fn rotating(&self) -> bool {
        self.rotate_size.is_some() || self.rotate_interval.is_some()
    }

    /// Human-readable destination.
    pub fn describe(&self) -> String {
        match &self.path {
            None => "stdout".to_string(),
            Some(p) if self.rotating() => {
                format!("{} (rotated)", numbered(p, 1, self.gzip).display())
            }
            Some(p) => self.single_path(p).display().to_string(),
        }
    }

    fn single_path(&self, p: &Path) -> PathBuf {
        if self.gzip && !has_gz(p) {
            append_ext(p, "gz")
        } else {
            p.to_path_buf()
        }
    }
}

fn has_gz(p: &Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

fn append_ext(p: &Path, ext: &str) -> PathBuf {
    let mut s = p.as_os_str().to_os_string();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

/// `dir/name.jsonl` → `dir/name.0007.jsonl` (`.gz` added or kept with gzip).
pub fn numbered(p: &Path, index: u32, gzip: bool) -> PathBuf {
    let base = if has_gz(p) {
        p.with_extension("")
    } else {
        p.to_path_buf()
    };
    let stem = base
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match base.extension() {
        Some(ext) => format!("{stem}.{index:04}.{}", ext.to_string_lossy()),
        None => format!("{stem}.{index:04}"),
    };
    let out = base.with_file_name(name);
    if gzip || has_gz(p) {
        append_ext(&out, "gz")
    } else {
        out
    }
}

/// One file written, for the summary and the provenance record.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FileReport {
    /// Path (or "-" for stdout).
    pub path: String,
    /// Lines written.
    pub messages: u64,
    /// Bytes of JSONL written (before compression).
    pub bytes: u64,
    /// Bytes on disk (after compression; equal to `bytes` without gzip).
    pub bytes_on_disk: u64,
}

enum Cmd {
    Data(Vec<u8>, u64),
    Flush,
}

/// Why the writer thread stopped early.
#[derive(Debug)]
pub struct WriteFailure {
    /// The file.
    pub path: String,
    /// The error.
    pub error: io::Error,
}

impl WriteFailure {
    /// The exit error: a closed stdout (a pipe whose reader left) is not an error.
    pub fn into_cli(self) -> Option<CliError> {
        if self.path == "-" && self.error.kind() == io::ErrorKind::BrokenPipe {
            return None;
        }
        Some(CliError::failure(format!(
            "cannot write {}: {}",
            self.path, self.error
        )))
    }
}

/// What the writer thread returns: the files written, and why it stopped early if it did.
type WriterResult = Result<Vec<FileReport>, (Vec<FileReport>, WriteFailure)>;

/// The stream side: collects lines, sends chunks to the writer thread.
pub struct Sink {
    buf: Vec<u8>,
    lines: u64,
    tx: mpsc::Sender<Cmd>,
    thread: Option<JoinHandle<WriterResult>>,
}

impl Sink {
    /// Open the first file now (so a bad path fails before connecting) and start the writer.
    pub fn open(spec: &OutputSpec) -> Result<Sink, CliError> {
        let writer = Writer::new(spec.clone())?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("tweetstream-writer".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| CliError::failure(format!("cannot start the writer thread: {e}")))?;
        Ok(Sink {
            buf: Vec::with_capacity(CHUNK + 64 * 1024),
            lines: 0,
            tx,
            thread: Some(thread),
        })
    }

    /// Add one message and its newline. Returns `false` when the writer has stopped (an
    /// error, reported by [`Sink::finish`]).
    #[inline]
    pub async fn push(&mut self, message: &[u8]) -> bool {
        self.buf.extend_from_slice(message);
        self.buf.push(b'\n');
        self.lines += 1;
        if self.buf.len() >= CHUNK {
            return self.send().await;
        }
        true
    }

    async fn send(&mut self) -> bool {
        if self.buf.is_empty() {
            return true;
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK + 64 * 1024));
        let lines = std::mem::take(&mut self.lines);
        self.tx.send(Cmd::Data(chunk, lines)).await.is_ok()
    }

    /// Hand over what is buffered and ask the writer to flush its file (periodic flush).
    pub async fn flush(&mut self) -> bool {
        self.send().await && self.tx.send(Cmd::Flush).await.is_ok()
    }

    /// Hand over the rest, then wait for the writer to flush, fsync and close everything.
    pub async fn finish(mut self) -> (Vec<FileReport>, Option<WriteFailure>) {
        let _ = self.send().await;
        let Sink { tx, thread, .. } = self;
        drop(tx);
        let Some(thread) = thread else {
            return (Vec::new(), None);
        };
        let joined = tokio::task::spawn_blocking(move || thread.join()).await;
        match joined {
            Ok(Ok(Ok(files))) => (files, None),
            Ok(Ok(Err((files, failure)))) => (files, Some(failure)),
            _ => (
                Vec::new(),
                Some(WriteFailure {
                    path: "output".into(),
                    error: io::Error::other("the writer thread panicked"),
                }),
            ),
        }
    }
}

/// Counts the bytes that reach the file (after compression).
struct Counting<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }
    /// Does not flush the file buffer: a gzip sync flush (to learn the compressed size) must
    /// not cost a system call. [`OpenFile::flush`] flushes the buffer explicitly.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

enum Target {
    File(File),
    Stdout(io::Stdout),
}

impl Write for Target {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Target::File(f) => f.write(buf),
            Target::Stdout(s) => s.write(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Target::File(f) => f.write_all(buf),
            Target::Stdout(s) => s.write_all(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Target::File(f) => f.flush(),
            Target::Stdout(s) => s.flush(),
        }
    }
}

enum Enc {
    Plain(Counting<BufWriter<Target>>),
    Gz(Box<GzEncoder<Counting<BufWriter<Target>>>>),
}

struct OpenFile {
    path: String,
    enc: Enc,
    opened: Instant,
    messages: u64,
    bytes: u64,
    /// gzip: input bytes since the last sync flush.
    unsynced: u64,
}

impl OpenFile {
    fn create(path: Option<&Path>, gzip: bool, append: bool) -> io::Result<OpenFile> {
        let target = match path {
            None => Target::Stdout(io::stdout()),
            Some(p) => {
                if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)?;
                }
                let mut o = std::fs::OpenOptions::new();
                o.write(true).create(true);
                if append {
                    o.append(true);
                } else {
                    o.truncate(true);
                }
                Target::File(o.open(p)?)
            }
        };
        let counting = Counting {
            inner: BufWriter::with_capacity(FILE_BUFFER, target),
            count: 0,
        };
        let enc = if gzip {
            Enc::Gz(Box::new(GzEncoder::new(counting, Compression::fast())))
        } else {
            Enc::Plain(counting)
        };
        Ok(OpenFile {
            path: path.map_or_else(|| "-".to_string(), |p| p.display().to_string()),
            enc,
            opened: Instant::now(),
            messages: 0,
            bytes: 0,
            unsynced: 0,
        })
    }

    fn write(&mut self, data: &[u8], lines: u64) -> io::Result<()> {
        match &mut self.enc {
            Enc::Plain(w) => w.write_all(data)?,
            Enc::Gz(w) => w.write_all(data)?,
        }
        self.bytes += data.len() as u64;
        self.unsynced += data.len() as u64;
        self.messages += lines;
        Ok(())
    }

    /// Bytes on disk so far (for gzip: what the compressor has emitted).
    fn size(&self) -> u64 {
        match &self.enc {
            Enc::Plain(w) => w.count,
            Enc::Gz(w) => w.get_ref().count,
        }
    }

    /// Flush everything to the file (for gzip, a sync flush: the file is readable so far).
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.enc {
            Enc::Plain(w) => w.inner.flush(),
            Enc::Gz(w) => {
                w.flush()?;
                w.get_mut().inner.flush()
            }
        }
    }

    /// gzip: make the compressor emit what it holds (into memory), so [`OpenFile::size`] is
    /// exact to within the last few KiB.
    fn sync_gz(&mut self) -> io::Result<()> {
        self.unsynced = 0;
        match &mut self.enc {
            Enc::Plain(_) => Ok(()),
            Enc::Gz(w) => w.flush(),
        }
    }

    /// Flush, finish the gzip stream, fsync, close.
    fn close(self) -> io::Result<FileReport> {
        let counting = match self.enc {
            Enc::Plain(w) => w,
            Enc::Gz(w) => w.finish()?,
        };
        let on_disk = counting.count;
        let target = counting.inner.into_inner().map_err(|e| e.into_error())?;
        match target {
            Target::File(f) => {
                f.sync_all().or_else(|e| {
                    // /dev/null and pipes cannot be fsynced; that is not a failure.
                    if e.kind() == io::ErrorKind::InvalidInput {
                        Ok(())
                    } else {
                        Err(e)
                    }
                })?;
            }
            Target::Stdout(mut s) => s.flush()?,
        }
        Ok(FileReport {
            path: self.path,
            messages: self.messages,
            bytes: self.bytes,
            bytes_on_disk: on_disk,
        })
    }
}

/// The writer thread's state.
struct Writer {
    spec: OutputSpec,
    current: Option<OpenFile>,
    next_index: u32,
    done: Vec<FileReport>,
}

impl Writer {
    fn new(spec: OutputSpec) -> Result<Writer, CliError> {
        let mut w = Writer {
            next_index: 1,
            current: None,
            done: Vec::new(),
            spec,
        };
        if let Some(p) = w.spec.path.clone() {
            if w.spec.rotating() {
                w.next_index = first_free_index(&p, w.spec.gzip);
            } else {
                let target = w.spec.single_path(&p);
                check_existing(&target, &w.spec)?;
            }
        }
        w.open_next()
            .map_err(|(path, e)| CliError::failure(format!("cannot create {path}: {e}")))?;
        Ok(w)
    }

    fn open_next(&mut self) -> Result<(), (String, io::Error)> {
        let path = match &self.spec.path {
            None => None,
            Some(p) if self.spec.rotating() => {
                let n = numbered(p, self.next_index, self.spec.gzip);
                self.next_index += 1;
                Some(n)
            }
            Some(p) => Some(self.spec.single_path(p)),
        };
        let f =
            OpenFile::create(path.as_deref(), self.spec.gzip, self.spec.append).map_err(|e| {
                (
                    path.as_ref()
                        .map_or_else(|| "-".to_string(), |p| p.display().to_string()),
                    e,
                )
            })?;
        self.current = Some(f);
        Ok(())
    }

    fn close_current(&mut self) -> Result<(), WriteFailure> {
        if let Some(f) = self.current.take() {
            let path = f.path.clone();
            let report = f.close().map_err(|error| WriteFailure { path, error })?;
            self.done.push(report);
        }
        Ok(())
    }

    fn run(mut self, mut rx: mpsc::Receiver<Cmd>) -> WriterResult {
        let result = (|| -> Result<(), WriteFailure> {
            while let Some(cmd) = rx.blocking_recv() {
                self.rotate_if_due()?;
                match cmd {
                    Cmd::Data(chunk, lines) => self.write_chunk(&chunk, lines)?,
                    Cmd::Flush => {
                        if let Some(f) = self.current.as_mut() {
                            f.flush().map_err(failure(&f.path))?;
                        }
                    }
                }
            }
            self.close_current()
        })();
        match result {
            Ok(()) => Ok(self.done),
            Err(e) => {
                // Keep what can be kept: close the current file as well as possible.
                if let Some(f) = self.current.take() {
                    if let Ok(r) = f.close() {
                        self.done.push(r);
                    }
                }
                Err((self.done, e))
            }
        }
    }

    /// Time-based rotation: the current file is old enough and not empty.
    fn rotate_if_due(&mut self) -> Result<(), WriteFailure> {
        let Some(every) = self.spec.rotate_interval else {
            return Ok(());
        };
        if let Some(f) = &self.current {
            if f.messages > 0 && f.opened.elapsed() >= every {
                self.close_current()?;
            }
        }
        Ok(())
    }

    fn ensure_open(&mut self) -> Result<&mut OpenFile, WriteFailure> {
        if self.current.is_none() {
            self.open_next()
                .map_err(|(path, error)| WriteFailure { path, error })?;
        }
        match self.current.as_mut() {
            Some(f) => Ok(f),
            None => Err(WriteFailure {
                path: "output".into(),
                error: io::Error::other("no output file"),
            }),
        }
    }

    fn write_chunk(&mut self, chunk: &[u8], lines: u64) -> Result<(), WriteFailure> {
        let Some(limit) = self.spec.rotate_size else {
            let f = self.ensure_open()?;
            return f.write(chunk, lines).map_err(failure(&f.path));
        };
        let gzip = self.spec.gzip;
        let sync_every = (limit / 8).clamp(1024, 1 << 20);
        // Fast path (plain files): the whole chunk fits in the current file.
        if let Some(f) = self.current.as_mut() {
            if !gzip && f.size() + chunk.len() as u64 <= limit {
                return f.write(chunk, lines).map_err(failure(&f.path));
            }
        }
        // Line by line: roll before a line that would not fit (a file holds at least one).
        for line in chunk.split_inclusive(|&b| b == b'\n') {
            let full = match &self.current {
                Some(f) if f.messages > 0 => {
                    if gzip {
                        f.size() >= limit
                    } else {
                        f.size() + line.len() as u64 > limit
                    }
                }
                _ => false,
            };
            if full {
                self.close_current()?;
            }
            let f = self.ensure_open()?;
            f.write(line, 1).map_err(failure(&f.path))?;
            // gzip: the size is what the compressor has emitted; a sync flush (into memory)
            // every `sync_every` input bytes keeps it within a few KiB of the truth.
            if gzip && f.unsynced >= sync_every {
                f.sync_gz().map_err(failure(&f.path))?;
            }
        }
        Ok(())
    }
}

fn failure(path: &str) -> impl FnOnce(io::Error) -> WriteFailure + '_ {
    move |error| WriteFailure {
        path: path.to_string(),
        error,
    }
}

/// Refuse to clobber or silently extend a non-empty regular file unless asked to.
fn check_existing(path: &Path, spec: &OutputSpec) -> Result<(), CliError> {
    if spec.append || spec.overwrite {
        return Ok(());
    }
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() && m.len() > 0 => Err(CliError::usage(format!(
            "{} already exists and is not empty: pass --append to add to it or --overwrite to replace it",
            path.display()
        ))),
        _ => Ok(()),
    }
}

/// The first index after every existing numbered file, so rotation never overwrites.
fn first_free_index(p: &Path, gzip: bool) -> u32 {
    let mut i = 1;
    while i < 9999 && (numbered(p, i, gzip).exists() || numbered(p, i, !gzip).exists()) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_names() {
        let p = Path::new("/a/archive.jsonl");
        assert_eq!(numbered(p, 1, false), Path::new("/a/archive.0001.jsonl"));
        assert_eq!(numbered(p, 12, true), Path::new("/a/archive.0012.jsonl.gz"));
        assert_eq!(
            numbered(Path::new("x.jsonl.gz"), 2, false),
            Path::new("x.0002.jsonl.gz")
        );
        assert_eq!(numbered(Path::new("out"), 3, false), Path::new("out.0003"));
    }
}
