//! JSONL output: a [`Sink`] that batches lines in memory and hands 1 MiB chunks to a writer
//! thread, which writes them to stdout or to files, rotating by size or time, optionally
//! gzipped. Each rolled file is finished (gzip trailer), fsynced and closed before the next
//! one opens. Every file always ends on a complete line, and the counts reported are the lines
//! on disk, also when a write fails (see [`file`]).

mod file;
mod gz_member;
mod writer;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::cli::OutputArgs;
use crate::error::CliError;
pub use file::WriteFailure;
pub use writer::Written;
use writer::{Cmd, Writer};

/// Lines are handed to the writer thread in chunks of about this size.
const CHUNK: usize = 256 << 10;
/// Chunks in flight between the stream and the writer thread. The writer hands each chunk's
/// buffer back once written, so the same few buffers are reused for the whole run (no fresh
/// pages to fault in; memory stays at about (QUEUE + 2) × CHUNK).
const QUEUE: usize = 4;
/// What is buffered reaches the file at least this often.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

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
    /// Publish to NATS JetStream instead (`--output nats://…`).
    pub nats: Option<crate::nats::NatsOutput>,
}

impl OutputSpec {
    /// From the command-line options; checks the combinations.
    pub fn from_args(a: &OutputArgs) -> Result<OutputSpec, CliError> {
        if let Some(url) = a
            .output
            .as_ref()
            .and_then(|p| p.to_str())
            .filter(|p| crate::nats::is_nats(p))
        {
            let flag = [
                (a.rotate_size.is_some(), "--rotate-size"),
                (a.rotate_interval.is_some(), "--rotate-interval"),
                (a.gzip, "--gzip"),
                (a.append, "--append"),
                (a.overwrite, "--overwrite"),
                (a.provenance, "--provenance"),
            ]
            .into_iter()
            .find(|(on, _)| *on);
            if let Some((_, flag)) = flag {
                return Err(CliError::usage(format!(
                    "{flag} applies to files, not to --output nats://…"
                )));
            }
            return Ok(OutputSpec {
                path: None,
                gzip: false,
                rotate_size: None,
                rotate_interval: None,
                append: false,
                overwrite: false,
                nats: Some(crate::nats::NatsOutput::parse(url, &a.nats)?),
            });
        }
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
        if path.is_none() && a.gzip && std::io::stdout().is_terminal() {
            return Err(CliError::usage(
                "refusing to write gzip to a terminal: give --output FILE or pipe it",
            ));
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
            nats: None,
        })
    }

    pub(crate) fn rotating(&self) -> bool {
        self.rotate_size.is_some() || self.rotate_interval.is_some()
    }

    /// Human-readable destination.
    pub fn describe(&self) -> String {
        if let Some(n) = &self.nats {
            return n.describe();
        }
        match &self.path {
            None => "stdout".to_string(),
            Some(p) if self.rotating() => {
                format!("{} (rotated)", numbered(p, 1, self.gzip).display())
            }
            Some(p) => self.single_path(p).display().to_string(),
        }
    }

    pub(crate) fn single_path(&self, p: &Path) -> PathBuf {
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
    /// Complete lines of this run in the file.
    pub messages: u64,
    /// Bytes of JSONL of this run in the file (before compression).
    pub bytes: u64,
    /// Bytes on disk (after compression; equal to `bytes` without gzip).
    pub bytes_on_disk: u64,
    /// The file is not there: it received nothing (and was removed), or it was removed or
    /// replaced during the run.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
    /// The file and its identity on disk, to check at the end that it is still there.
    #[serde(skip)]
    pub identity: Option<(PathBuf, (u64, u64))>,
}

/// The stream side: collects lines, sends chunks to the writer thread, and keeps the clock of
/// the periodic flush and of time-based rotation.
pub struct Sink {
    buf: Vec<u8>,
    lines: u64,
    tx: mpsc::Sender<Cmd>,
    /// Buffers the writer is done with.
    spare: std::sync::mpsc::Receiver<Vec<u8>>,
    thread: Option<JoinHandle<Written>>,
    next_flush: Instant,
    rotate_every: Option<Duration>,
    next_rotation: Option<Instant>,
}

impl Sink {
    /// Check the destination, open the first file (so a bad path fails before connecting)
    /// and start the writer. Time-based rotation counts from now.
    pub fn open(spec: &OutputSpec) -> Result<Sink, CliError> {
        let (give_back, spare) = std::sync::mpsc::sync_channel(QUEUE + 2);
        let writer = Writer::new(spec.clone(), give_back)?;
        let (tx, rx) = mpsc::channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("tweetstream-writer".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| CliError::failure(format!("cannot start the writer thread: {e}")))?;
        let now = Instant::now();
        Ok(Sink {
            buf: Vec::with_capacity(CHUNK + 64 * 1024),
            lines: 0,
            tx,
            spare,
            thread: Some(thread),
            next_flush: now + FLUSH_EVERY,
            rotate_every: spec.rotate_interval,
            next_rotation: spec.rotate_interval.map(|d| now + d),
        })
    }

    /// Add one message and its newline. Returns `false` when the writer has stopped (a
    /// failure, reported by [`Sink::finish`]).
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
        let next = match self.spare.try_recv() {
            Ok(mut b) => {
                b.clear();
                b
            }
            Err(_) => Vec::with_capacity(CHUNK + 64 * 1024),
        };
        let chunk = std::mem::replace(&mut self.buf, next);
        let lines = std::mem::take(&mut self.lines);
        self.tx.send(Cmd::Data(chunk, lines)).await.is_ok()
    }

    /// When [`Sink::tick`] has work next (a flush or an interval boundary).
    pub fn next_deadline(&self) -> Instant {
        match self.next_rotation {
            Some(r) => r.min(self.next_flush),
            None => self.next_flush,
        }
    }

    /// At or after [`Sink::next_deadline`]: flush what is buffered, and on an interval
    /// boundary start a new file (the lines received before the boundary end the old one).
    /// Returns `false` when the writer has stopped.
    pub async fn tick(&mut self) -> bool {
        let now = Instant::now();
        if let (Some(at), Some(every)) = (self.next_rotation, self.rotate_every) {
            if now >= at {
                let mut next = at + every;
                while next <= now {
                    next += every;
                }
                self.next_rotation = Some(next);
                if !(self.send().await && self.tx.send(Cmd::Rotate).await.is_ok()) {
                    return false;
                }
            }
        }
        if now >= self.next_flush {
            self.next_flush = now + FLUSH_EVERY;
            return self.send().await && self.tx.send(Cmd::Flush).await.is_ok();
        }
        true
    }

    /// Hand over the rest, then wait for the writer to write, fsync and close everything.
    pub async fn finish(mut self) -> Written {
        let _ = self.send().await;
        let Sink { tx, thread, .. } = self;
        drop(tx);
        let Some(thread) = thread else {
            return Written::default();
        };
        match tokio::task::spawn_blocking(move || thread.join()).await {
            Ok(Ok(written)) => written,
            _ => Written {
                files: Vec::new(),
                failure: Some(WriteFailure::new(
                    "output",
                    std::io::Error::other("the writer thread panicked"),
                )),
                sink_error: None,
            },
        }
    }
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

    /// Rotation by time happens on the interval's boundaries, counted from the start: the
    /// lines received before a boundary end the old file, the ones after start the next.
    #[tokio::test(start_paused = true)]
    async fn rotation_on_interval_boundaries() {
        let dir = tempfile::tempdir().unwrap();
        let spec = OutputSpec {
            path: Some(dir.path().join("t.jsonl")),
            gzip: false,
            rotate_size: None,
            rotate_interval: Some(Duration::from_secs(3)),
            append: false,
            overwrite: false,
            nats: None,
        };
        let mut sink = Sink::open(&spec).unwrap();
        let t0 = Instant::now();
        assert_eq!(sink.next_deadline(), t0 + FLUSH_EVERY);
        // Two lines in the first interval, ticking as the archive loop does.
        for (at, line) in [
            (500u64, "a"),
            (2_900, "b"),
            (3_000, "c"),
            (5_999, "d"),
            (6_000, "e"),
        ] {
            tokio::time::sleep_until(t0 + Duration::from_millis(at)).await;
            while Instant::now() >= sink.next_deadline() {
                assert!(sink.tick().await);
            }
            assert!(sink.push(line.as_bytes()).await);
        }
        let written = sink.finish().await;
        assert!(written.failure.is_none());
        let contents: Vec<String> = written
            .files
            .iter()
            .map(|f| std::fs::read_to_string(&f.path).unwrap())
            .collect();
        assert_eq!(contents, ["a\nb\n", "c\nd\n", "e\n"]);
    }
}
