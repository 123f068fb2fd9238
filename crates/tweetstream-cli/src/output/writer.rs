//! The writer thread: receives batches of whole lines and writes them to stdout or to files,
//! rotating by size or on the stream side's interval ticks, with gzip members, stopping at
//! the first failed write (see [`super::file`] for what the files hold then).

use std::io;
use std::path::Path;

use tokio::sync::mpsc;

use super::file::{still_there, OpenFile, WriteFailure};
use super::{numbered, FileReport, OutputSpec};
use crate::error::CliError;

/// What the stream side sends.
pub(super) enum Cmd {
    /// Whole lines and how many.
    Data(Vec<u8>, u64),
    /// Make everything received so far readable on disk (periodic flush).
    Flush,
    /// An interval boundary: start a new file for what comes next.
    Rotate,
}

/// What the writer thread reports at the end.
#[derive(Debug, Default)]
pub struct Written {
    /// Every file of the run, with the lines it holds.
    pub files: Vec<FileReport>,
    /// The write that failed and stopped the writer.
    pub failure: Option<WriteFailure>,
    /// A sink's own account of a failure (NATS), said as it is.
    pub sink_error: Option<CliError>,
}

impl Written {
    /// Lines stored in all files.
    pub fn messages(&self) -> u64 {
        self.files.iter().map(|f| f.messages).sum()
    }
    /// Uncompressed bytes stored in all files.
    pub fn bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes).sum()
    }
}

pub(super) struct Writer {
    spec: OutputSpec,
    /// Written chunks go back to the stream side for reuse.
    give_back: std::sync::mpsc::SyncSender<Vec<u8>>,
    current: Option<OpenFile>,
    next_index: u32,
    done: Vec<FileReport>,
}

impl Writer {
    /// Check the destination and open the first file (so a bad path fails before any
    /// request; a file that never receives a line is removed at the end).
    pub(super) fn new(
        spec: OutputSpec,
        give_back: std::sync::mpsc::SyncSender<Vec<u8>>,
    ) -> Result<Writer, CliError> {
        let mut w = Writer {
            give_back,
            next_index: 1,
            current: None,
            done: Vec::new(),
            spec,
        };
        if let Some(p) = w.spec.path.clone() {
            prepare_directory(&p)?;
            if w.spec.rotating() {
                w.next_index = first_free_index(&p, w.spec.gzip);
            } else {
                check_existing(&w.spec.single_path(&p), &w.spec)?;
            }
        }
        w.open_next()
            .map_err(|f| CliError::failure(format!("cannot create {}: {}", f.path, f.error)))?;
        Ok(w)
    }

    fn open_next(&mut self) -> Result<(), WriteFailure> {
        let path = match &self.spec.path {
            None => None,
            Some(p) if self.spec.rotating() => {
                let n = numbered(p, self.next_index, self.spec.gzip);
                self.next_index += 1;
                Some(n)
            }
            Some(p) => Some(self.spec.single_path(p)),
        };
        let f = OpenFile::open(path.as_deref(), self.spec.gzip, self.spec.append).map_err(|e| {
            let shown = path
                .as_ref()
                .map_or_else(|| "-".to_string(), |p| p.display().to_string());
            let e = match path.as_ref().and_then(|p| p.parent()) {
                Some(dir) if e.kind() == io::ErrorKind::NotFound && !dir.exists() => {
                    io::Error::other(format!(
                        "its directory {} was removed during the run",
                        dir.display()
                    ))
                }
                _ => e,
            };
            WriteFailure::new(&shown, e)
        })?;
        self.current = Some(f);
        Ok(())
    }

    fn close_current(&mut self) -> Result<(), WriteFailure> {
        if let Some(f) = self.current.take() {
            let (report, failure) = f.close();
            self.done.push(report);
            if let Some(failure) = failure {
                return Err(failure);
            }
        }
        Ok(())
    }

    pub(super) fn run(mut self, mut rx: mpsc::Receiver<Cmd>) -> Written {
        let result = (|| -> Result<(), WriteFailure> {
            while let Some(cmd) = rx.blocking_recv() {
                match cmd {
                    Cmd::Data(chunk, lines) => {
                        self.write_chunk(&chunk, lines)?;
                        if let Some(f) = self.current.as_mut() {
                            f.commit()?;
                        }
                        // Full (the stream side holds enough): let this one go.
                        let _ = self.give_back.try_send(chunk);
                    }
                    Cmd::Flush => {
                        if let Some(f) = self.current.as_mut() {
                            f.commit()?;
                            if !f.still_there() {
                                // Found now rather than at the end: reported by close.
                                self.close_current()?;
                            }
                        }
                    }
                    Cmd::Rotate => {
                        if self.current.as_ref().is_some_and(|f| f.lines() > 0) {
                            self.close_current()?;
                        }
                    }
                }
            }
            self.close_current()
        })();
        let mut failure = result.err();
        if failure.is_some() {
            // Keep what is complete; what the failed file was still building is not stored.
            if let Some(f) = self.current.take() {
                self.done.push(f.abandon());
            }
        }
        // A closed file removed later (its directory too) holds nothing any more.
        for r in &mut self.done {
            let Some((path, id)) = &r.identity else {
                continue;
            };
            if r.messages > 0 && !still_there(Some(path), Some(*id)) {
                let lost = std::mem::take(&mut r.messages);
                r.bytes = 0;
                r.bytes_on_disk = 0;
                r.removed = true;
                failure.get_or_insert_with(|| {
                    WriteFailure::new(
                        &r.path,
                        io::Error::other(format!(
                            "the file was removed during the run, with the {lost} messages written to it"
                        )),
                    )
                });
            }
        }
        Written {
            files: self.done,
            failure,
            sink_error: None,
        }
    }

    fn ensure_open(&mut self) -> Result<&mut OpenFile, WriteFailure> {
        if self.current.is_none() {
            self.open_next()?;
        }
        match self.current.as_mut() {
            Some(f) => Ok(f),
            None => Err(WriteFailure::new(
                "output",
                io::Error::other("no output file"),
            )),
        }
    }

    fn write_chunk(&mut self, chunk: &[u8], lines: u64) -> Result<(), WriteFailure> {
        let Some(limit) = self.spec.rotate_size else {
            return self.ensure_open()?.write_lines(chunk, lines);
        };
        if self.spec.gzip {
            return self.write_gzip_rotating(chunk, limit);
        }
        // Plain: runs of lines that fit go out in one write each; roll before a line that
        // would not fit (a file holds at least one line).
        let mut start = 0;
        let mut run_lines = 0u64;
        let mut pos = 0;
        for line in chunk.split_inclusive(|&b| b == b'\n') {
            let f = self.ensure_open()?;
            let size = f.size() + (pos - start) as u64;
            let has_lines = f.lines() > 0 || run_lines > 0;
            if has_lines && size + line.len() as u64 > limit {
                f.write_lines(&chunk[start..pos], run_lines)?;
                self.close_current()?;
                start = pos;
                run_lines = 0;
            }
            pos += line.len();
            run_lines += 1;
        }
        self.ensure_open()?
            .write_lines(&chunk[start..pos], run_lines)
    }

    fn write_gzip_rotating(&mut self, chunk: &[u8], limit: u64) -> Result<(), WriteFailure> {
        // The size on disk is known once a member is written: members of about an eighth of
        // the limit (uncompressed) keep each file within a member of it.
        let member_every = (limit / 8).clamp(1024, 1 << 20);
        for line in chunk.split_inclusive(|&b| b == b'\n') {
            let full = matches!(&self.current, Some(f) if f.lines() > 0 && f.size() >= limit);
            if full {
                self.close_current()?;
            }
            let f = self.ensure_open()?;
            f.write_lines(line, 1)?;
            if f.pending() >= member_every {
                f.commit()?;
            }
        }
        Ok(())
    }
}

/// The output's directory exists (created if missing); a file in the way is named.
fn prepare_directory(path: &Path) -> Result<(), CliError> {
    if path.is_dir() {
        return Err(CliError::usage(format!(
            "{} is a directory: give a file name (for example {}/stream.jsonl)",
            path.display(),
            path.display()
        )));
    }
    let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    let mut ancestor: Option<&Path> = Some(dir);
    while let Some(a) = ancestor {
        if let Ok(m) = std::fs::metadata(a) {
            if !m.is_dir() {
                return Err(CliError::usage(format!(
                    "{} is not a directory (in --output {})",
                    a.display(),
                    path.display()
                )));
            }
            break;
        }
        ancestor = a.parent().filter(|d| !d.as_os_str().is_empty());
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        CliError::failure(format!(
            "cannot create the directory {}: {e}",
            dir.display()
        ))
    })
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
