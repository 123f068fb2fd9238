//! The provenance record, `FILE.meta.json`: a JSON array with one record per run (runs that
//! append to the file, or continue its rotation numbering, add theirs), each saying what was
//! requested (no secrets), when, and exactly how many lines each file received in that run,
//! so the counts of all records add up to the files' contents.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;
use tweetstream::Stats;

use crate::archive::RequestInfo;
use crate::error::{CliError, Exit};
use crate::output::{FileReport, OutputSpec, Written};

#[derive(Serialize)]
struct Record<'a> {
    tool: &'static str,
    version: &'static str,
    library: &'static str,
    #[serde(flatten)]
    request: &'a RequestInfo,
    output: String,
    gzip: bool,
    started_at: &'a str,
    ended_at: Option<String>,
    complete: bool,
    stop_reason: Option<&'a str>,
    messages: u64,
    bytes: u64,
    connects: u64,
    reconnects: u64,
    keep_alives: u64,
    decode_errors: u64,
    #[serde(skip_serializing_if = "is_zero")]
    duplicates_dropped: u64,
    #[serde(skip_serializing_if = "is_zero")]
    dropped_slow: u64,
    last_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    write_error: Option<String>,
    files: &'a [FileReport],
    #[serde(skip_serializing_if = "<[SourceReport]>::is_empty")]
    sources: &'a [SourceReport],
}

/// One connection of a run with several (partitions, redundant connections).
#[derive(Debug, Clone, Serialize)]
pub struct SourceReport {
    /// "partition 3", "connection 2"…
    pub name: String,
    /// Messages it received.
    pub messages: u64,
    /// Its successful connections.
    pub connects: u64,
    /// Its reconnects.
    pub reconnects: u64,
    /// Its last error.
    pub last_error: Option<String>,
}

impl SourceReport {
    /// From a connection's counters.
    pub fn new(name: &str, s: &Stats) -> SourceReport {
        SourceReport {
            name: name.to_string(),
            messages: s.messages,
            connects: s.connects,
            reconnects: s.reconnects,
            last_error: s.last_error.clone(),
        }
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The record of this run, and those of earlier runs on the same output.
pub struct Provenance {
    /// `FILE.meta.json`.
    pub path: PathBuf,
    earlier: Vec<Value>,
    request: RequestInfo,
    output: String,
    gzip: bool,
    started_at: String,
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl Provenance {
    /// Read the earlier records (an older single-record file counts as one) and write this
    /// run's opening record (`complete: false` until the run ends).
    pub fn start(
        data: &Path,
        request: &RequestInfo,
        output: &OutputSpec,
    ) -> Result<Provenance, CliError> {
        let mut s = data.as_os_str().to_os_string();
        s.push(".meta.json");
        let path = PathBuf::from(s);
        let earlier = match std::fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Array(records)) => records,
                Ok(one @ Value::Object(_)) => vec![one],
                _ => {
                    return Err(CliError::usage(format!(
                        "{} is not a provenance record this tool wrote: move it away, or choose another --output",
                        path.display()
                    )))
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                return Err(CliError::failure(format!(
                    "cannot read {}: {e}",
                    path.display()
                )))
            }
        };
        let p = Provenance {
            path,
            earlier,
            request: request.clone(),
            output: output.describe(),
            gzip: output.gzip,
            started_at: now_rfc3339(),
        };
        p.write(None, &[])?;
        Ok(p)
    }

    /// Write the final record: the counts are the lines each file holds.
    pub fn finish(
        &self,
        stats: &Stats,
        written: &Written,
        reason: &str,
        duplicates: u64,
        sources: &[SourceReport],
    ) -> Result<(), CliError> {
        self.write(Some((stats, written, reason, duplicates)), sources)
    }

    fn write(
        &self,
        end: Option<(&Stats, &Written, &str, u64)>,
        sources: &[SourceReport],
    ) -> Result<(), CliError> {
        let empty = Stats::default();
        let (stats, files, reason, duplicates) = match end {
            Some((s, w, r, d)) => (s, &w.files[..], Some(r), d),
            None => (&empty, &[][..], None, 0),
        };
        let kept: Vec<FileReport> = files.iter().filter(|f| !f.removed).cloned().collect();
        let record = Record {
            tool: "tweetstream",
            version: env!("CARGO_PKG_VERSION"),
            library: concat!("tweetstream ", env!("CARGO_PKG_VERSION")),
            request: &self.request,
            output: self.output.clone(),
            gzip: self.gzip,
            started_at: &self.started_at,
            ended_at: end.map(|_| now_rfc3339()),
            complete: end.is_some(),
            stop_reason: reason,
            messages: kept.iter().map(|f| f.messages).sum(),
            bytes: kept.iter().map(|f| f.bytes).sum(),
            connects: stats.connects,
            reconnects: stats.reconnects,
            keep_alives: stats.keep_alives,
            decode_errors: stats.decode_errors,
            duplicates_dropped: duplicates,
            dropped_slow: stats.dropped_slow,
            last_error: stats.last_error.clone(),
            write_error: end
                .and_then(|(_, w, _, _)| w.failure.as_ref())
                .map(|f| format!("{}: {}", f.path, f.error)),
            files: &kept,
            sources,
        };
        let record = serde_json::to_value(&record).map_err(|e| {
            CliError::failure(format!("cannot encode {}: {e}", self.path.display()))
        })?;
        let mut all = self.earlier.clone();
        all.push(record);
        let mut text = serde_json::to_vec_pretty(&Value::Array(all)).map_err(|e| {
            CliError::failure(format!("cannot encode {}: {e}", self.path.display()))
        })?;
        text.push(b'\n');
        let exact = text.len();
        // Room for the final record, reserved while the disk has some: on a full disk the
        // final record is then written over the padded one in place.
        text.resize(exact + RESERVE, b' ');
        if end.is_some() {
            text.truncate(exact);
        }
        match write_atomically(&self.path, &text) {
            Ok(()) => Ok(()),
            Err(e) => match overwrite_in_place(&self.path, &text) {
                Ok(()) => Ok(()),
                Err(_) => Err(CliError::new(
                    Exit::Write,
                    format!("cannot write {}: {e}", self.path.display()),
                )),
            },
        }
    }
}

/// Spaces after the opening record (valid JSON whitespace), so the final one fits in place.
const RESERVE: usize = 8 << 10;

/// Replace the content of `path` with `text`, writing over the old bytes (no new blocks when
/// it is not longer): the fallback on a full disk.
fn overwrite_in_place(path: &Path, text: &[u8]) -> std::io::Result<()> {
    use std::io::{Seek, Write};
    let mut f = std::fs::OpenOptions::new().write(true).open(path)?;
    if f.metadata()?.len() < text.len() as u64 {
        return Err(std::io::Error::other("no room reserved"));
    }
    f.seek(std::io::SeekFrom::Start(0))?;
    f.write_all(text)?;
    f.set_len(text.len() as u64)?;
    f.sync_all()
}

/// Write `text` to `path` through a temporary file (so a reader never sees half a record);
/// on failure the temporary file is removed and the old content stays.
fn write_atomically(path: &Path, text: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let result = (|| -> std::io::Result<()> {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
