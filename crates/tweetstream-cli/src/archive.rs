//! The loop shared by every archiving command: read the event stream, write each message's
//! raw bytes as one JSONL line, report progress, stop on `--limit`, `--duration`, Ctrl-C or
//! SIGTERM, then flush, fsync and close everything, write the provenance record and a summary.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use std::sync::atomic::Ordering::Relaxed;

use futures_util::{FutureExt, StreamExt};
use serde::Serialize;
use tokio_util::sync::CancellationToken;
use tweetstream::merge::Merge;
use tweetstream::{Event, RawLine};

use crate::error::{CliError, Exit};
use crate::output::{OutputSpec, WriteFailure, Written};
use crate::progress::{Live, Progress, StatsFn};
use crate::provenance::{Provenance, SourceReport};
use crate::sink::Output;
use crate::units::{human_bytes, human_duration};

/// Stop requests: Ctrl-C, SIGTERM, `--duration`. Holds the reason of the first one.
#[derive(Clone, Default)]
pub struct Stopper {
    token: CancellationToken,
    reason: Arc<Mutex<Option<String>>>,
}

impl Stopper {
    /// Request a stop (the first reason wins).
    pub fn stop(&self, reason: &str) {
        if let Ok(mut r) = self.reason.lock() {
            if r.is_none() {
                *r = Some(reason.to_string());
            }
        }
        self.token.cancel();
    }

    /// Whether a stop was requested.
    pub fn is_stopped(&self) -> bool {
        self.token.is_cancelled()
    }

    /// Resolves when a stop is requested.
    pub async fn stopped(&self) {
        self.token.cancelled().await
    }

    fn reason(&self) -> Option<String> {
        self.reason.lock().ok().and_then(|r| r.clone())
    }

    /// Catch Ctrl-C and SIGTERM: the first one stops gracefully, a second one exits at once
    /// (code 130).
    pub fn catch_signals(&self) {
        let me = self.clone();
        tokio::spawn(async move {
            let first = next_signal().await;
            me.stop(first);
            let second = next_signal().await;
            eprintln!("tweetstream: {second} again: exiting without waiting");
            std::process::exit(130);
        });
    }

    /// Stop after `d`.
    pub fn stop_after(&self, d: Duration) {
        let me = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(d).await;
            me.stop("--duration reached");
        });
    }
}

async fn next_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => return "Ctrl-C",
                _ = term.recv() => return "SIGTERM",
            }
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    "Ctrl-C"
}

/// What the provenance record says about the request.
#[derive(Debug, Clone, Serialize)]
pub struct RequestInfo {
    /// The command (`sample`, `filter`, `v1 filter`…).
    pub command: String,
    /// HTTP method.
    pub method: &'static str,
    /// The request URL, without credentials.
    pub url: String,
    /// The request parameters (query or form).
    pub parameters: serde_json::Value,
    /// The active rules at start (filtered stream).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<serde_json::Value>,
}

/// `base` + `path` + the query, with any user name or password removed from the URL.
pub fn request_url(base: &str, path: &str, query: &[(String, String)]) -> String {
    let Ok(mut url) = url::Url::parse(base) else {
        return format!("{}/{path}", base.trim_end_matches('/'));
    };
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_fragment(None);
    let joined = format!("{}/{}", url.path().trim_end_matches('/'), path);
    url.set_path(&joined);
    url.set_query(None);
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    url.to_string()
}

/// What an archiving run reads: one stream, or several merged (partitions, redundant
/// connections), each message as the raw bytes received.
pub type Source = Merge<RawLine>;

/// Everything one archiving run needs.
pub struct Job {
    /// The streams (not yet polled: they connect on the first read).
    pub source: Source,
    /// A name per stream when there are several ("partition 3", "connection 2").
    pub names: Vec<String>,
    /// The client's counters (every stream of the run).
    pub stats: StatsFn,
    /// The open output.
    pub sink: Output,
    /// Its description.
    pub output: OutputSpec,
    /// Stop after this many messages.
    pub limit: Option<u64>,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// Stop requests.
    pub stopper: Stopper,
    /// Write `FILE.meta.json`.
    pub provenance: Option<RequestInfo>,
    /// `--quiet`.
    pub quiet: bool,
    /// Progress already started by the command (it printed the rules through it).
    pub progress: Progress,
    /// The live counters the progress shows.
    pub live: Arc<Live>,
}

enum Outcome {
    Limit,
    Stopped,
    Ended,
    /// A stream ended with an error (with several, the run ends: none shrinks silently).
    Failed(usize, tweetstream::Error),
    WriterStopped,
}

/// Counts what the loop handed to the sink.
struct Counts {
    messages: u64,
    live: Arc<Live>,
}

impl Counts {
    #[inline]
    fn add(&mut self) {
        self.messages += 1;
        self.live.messages.store(self.messages, Relaxed);
    }
}

/// Run to the end. `Ok` = exit code 0.
pub async fn run(job: Job) -> Result<(), CliError> {
    let Job {
        mut source,
        names,
        stats,
        mut sink,
        output,
        limit,
        duration,
        stopper,
        provenance,
        quiet,
        progress,
        live,
    } = job;
    if let Some(d) = duration {
        stopper.stop_after(d);
    }
    if names.len() > 1 {
        let short: Vec<(String, tweetstream::StreamHandle)> = names
            .iter()
            .zip(source.handles())
            .map(|(n, h)| (short_name(n), h.clone()))
            .collect();
        let _ = live.sources.set(short);
    }
    progress.info(format!("writing to {}", output.describe()));
    let started = Instant::now();
    let meta = provenance
        .as_ref()
        .zip(output.path.as_ref())
        .map(|(req, p)| Provenance::start(p, req, &output))
        .transpose()?;

    if limit == Some(0) {
        stopper.stop("--limit reached");
    }
    let mut n = Counts {
        messages: 0,
        live: live.clone(),
    };
    let mut pending_error: Option<tweetstream::Error> = None;
    let mut connects = 0u64;
    let mut since_check = 0u32;

    // (A stop may already have been requested, e.g. SIGTERM while the rules were set up.)
    let outcome = if stopper.is_stopped() {
        Outcome::Stopped
    } else {
        loop {
            // Fast path: a message the client can produce without waiting. Stop requests and
            // the sink's clock (flush, rotation) are then checked every few hundred messages,
            // which keeps the per-message cost to copying the bytes.
            let item = match source.next().now_or_never() {
                Some(item) => {
                    since_check += 1;
                    if since_check >= 256 {
                        since_check = 0;
                        if stopper.is_stopped() {
                            break Outcome::Stopped;
                        }
                        if tokio::time::Instant::now() >= sink.next_deadline() && !sink.tick().await
                        {
                            break Outcome::WriterStopped;
                        }
                    }
                    item
                }
                None => tokio::select! {
                    biased;
                    _ = stopper.stopped() => break Outcome::Stopped,
                    item = source.next() => item,
                    _ = tokio::time::sleep_until(sink.next_deadline()) => {
                        if !sink.tick().await {
                            break Outcome::WriterStopped;
                        }
                        live.duplicates.store(source.duplicates(), Relaxed);
                        continue;
                    }
                },
            };
            let Some((from, item)) = item else {
                break Outcome::Ended;
            };
            match item {
                Ok(Event::Message(m)) => {
                    if !sink.push(&m).await {
                        break Outcome::WriterStopped;
                    }
                    n.add();
                    if limit == Some(n.messages) {
                        break Outcome::Limit;
                    }
                }
                Ok(Event::Connected { .. }) => {
                    connects += 1;
                    progress.settled();
                    progress.status("connected, waiting for the first message…");
                    let who = names
                        .get(from)
                        .map(|s| format!("{s}: "))
                        .unwrap_or_default();
                    progress.info(if connects <= names.len().max(1) as u64 {
                        format!("{who}connected")
                    } else {
                        format!("{who}reconnected")
                    });
                }
                Ok(Event::Reconnecting {
                    delay,
                    reason,
                    failed_attempts,
                }) => {
                    let why = pending_error
                        .take()
                        .map_or_else(|| reason.to_string(), |e| e.to_string());
                    let attempt = if failed_attempts > 0 {
                        format!(" (failed attempts: {failed_attempts})")
                    } else {
                        String::new()
                    };
                    let who = names
                        .get(from)
                        .map(|s| format!("{s}: "))
                        .unwrap_or_default();
                    progress.warn_repeated(
                        &format!("{who}{why}"),
                        format!(
                            "{who}{why}; reconnecting in {}{attempt}",
                            human_duration(delay)
                        ),
                        format!(
                            "still retrying (failed attempts: {failed_attempts}, next in {})",
                            human_duration(delay)
                        ),
                    );
                }
                Ok(Event::Dropped { messages }) => {
                    progress.warn(format!(
                        "{messages} messages dropped: this process read too slowly (read-ahead buffer full)"
                    ));
                }
                Ok(Event::Error(e)) => match e {
                    tweetstream::Error::Decode { .. }
                    | tweetstream::Error::MessageTooLarge { .. } => {
                        progress.warn(format!("skipped a message: {e}"));
                    }
                    other => pending_error = Some(other),
                },
                Err(e) => break Outcome::Failed(from, e),
                Ok(_) => {}
            }
        }
    };

    // The event stream must not be polled again once it has ended.
    let mut ended = matches!(outcome, Outcome::Ended | Outcome::Failed(..));
    if let Outcome::Stopped = outcome {
        // Keep what already reached the process: messages the client has buffered or can
        // produce without waiting on the network, within bounds.
        let deadline = Instant::now() + Duration::from_millis(250);
        let mut drained = 0usize;
        while limit != Some(n.messages) && Instant::now() < deadline && drained < 16 << 20 {
            match source.next().now_or_never() {
                Some(Some((_, Ok(Event::Message(m))))) => {
                    drained += m.bytes().len();
                    if !sink.push(&m).await {
                        break;
                    }
                    n.add();
                }
                Some(Some(_)) => {}
                Some(None) => {
                    ended = true;
                    break;
                }
                None => break,
            }
        }
    }
    source.disconnect();
    if !ended && !matches!(outcome, Outcome::Limit | Outcome::WriterStopped) {
        // Messages the client had already read when it was told to stop.
        let rest = async {
            while let Some((_, item)) = source.next().await {
                if let Ok(Event::Message(m)) = item {
                    if limit == Some(n.messages) || !sink.push(&m).await {
                        break;
                    }
                    n.add();
                }
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(2), rest).await;
    }
    live.duplicates.store(source.duplicates(), Relaxed);
    let duplicates = source.duplicates();
    let per_source: Vec<SourceReport> = if names.len() > 1 {
        names
            .iter()
            .zip(source.handles())
            .map(|(name, h)| SourceReport::new(name, &h.stats()))
            .collect()
    } else {
        Vec::new()
    };
    drop(source);

    let mut written = sink.finish().await;
    progress.finish().await;
    let received = n.messages;
    let stored = written.messages();
    let stored_bytes = written.bytes();
    let closed_stdout = written
        .failure
        .as_ref()
        .is_some_and(WriteFailure::is_closed_stdout);
    let write_error = written
        .failure
        .as_ref()
        .map(|f| write_error(f, &written, received))
        .or_else(|| written.sink_error.take());
    let exit_error = match &outcome {
        Outcome::Failed(from, e) => {
            let (from, e) = (*from, e.clone());
            let who = names
                .get(from)
                .map(|s| format!(" ({s})"))
                .unwrap_or_default();
            Some((who, e))
        }
        Outcome::Ended => pending_error.clone().map(|e| (String::new(), e)),
        _ => None,
    };

    let reason = match (&outcome, &exit_error, &write_error) {
        (_, _, Some(w)) => w.message.clone(),
        (Outcome::Limit, _, _) => "--limit reached".to_string(),
        (Outcome::Stopped, _, _) => stopper.reason().unwrap_or_else(|| "stopped".into()),
        (Outcome::WriterStopped, _, None) => "the output was closed".to_string(),
        (_, Some((who, e)), _) => format!("{e}{who}"),
        _ => "the stream ended".to_string(),
    };
    let s = stats();
    let meta_written = meta
        .as_ref()
        .map(|m| m.finish(&s, &written, &reason, duplicates, &per_source));

    if !quiet {
        let dest = match written
            .files
            .iter()
            .filter(|f| !f.removed)
            .collect::<Vec<_>>()[..]
        {
            [] if output.path.is_some() => format!("{} (not created)", output.describe()),
            [] => output.describe(),
            [one] if one.path == "-" => "stdout".to_string(),
            [one] => one.path.clone(),
            ref many => format!(
                "{} files ({} … {})",
                many.len(),
                many[0].path,
                many[many.len() - 1].path
            ),
        };
        let elapsed = started.elapsed();
        let rate = stored as f64 / elapsed.as_secs_f64().max(1e-9);
        let verb = if closed_stdout {
            "sent"
        } else if written.failure.is_some() || written.sink_error.is_some() {
            "stored"
        } else {
            "wrote"
        };
        let dups = if duplicates > 0 {
            format!("; {duplicates} duplicates dropped")
        } else {
            String::new()
        };
        eprintln!(
            "tweetstream: {verb} {stored} messages ({}) to {dest} in {} ({rate:.1}/s); {}{dups}; stopped: {}",
            human_bytes(stored_bytes),
            human_duration(elapsed),
            connections(&s),
            crate::error::one_line(&reason),
        );
        if let (Some(m), Some(Ok(()))) = (&meta, &meta_written) {
            eprintln!("tweetstream: provenance: {}", m.path.display());
        }
    }
    if let Some(w) = write_error {
        return Err(w);
    }
    if let Some(Err(e)) = meta_written {
        return Err(e);
    }
    match exit_error {
        Some((who, e)) => Err(CliError::from_lib(&format!("the stream stopped{who}"), &e)),
        None => Ok(()),
    }
}

/// "partition 3" → "p3", "partition 3 connection 2" → "p3c2".
fn short_name(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    words
        .chunks(2)
        .map(|w| match w {
            [kind, n] => format!("{}{n}", kind.chars().next().unwrap_or('?')),
            [one] => one.to_string(),
            _ => String::new(),
        })
        .collect()
}

/// The exit error for a failed write: which file, why, and exactly what is stored.
fn write_error(f: &WriteFailure, written: &Written, received: u64) -> CliError {
    let stored = written.messages();
    if f.is_closed_stdout() {
        return CliError::new(
            Exit::Write,
            format!(
                "stdout was closed by its reader after {stored} messages were written to it ({} not written)",
                received.saturating_sub(stored)
            ),
        );
    }
    let repair = f
        .repair
        .as_ref()
        .map(|r| format!("; the file was {r}"))
        .unwrap_or_default();
    let files = written.files.iter().filter(|f| !f.removed).count();
    CliError::new(
        Exit::Write,
        format!(
            "cannot write {}: {}{repair}; stored {stored} complete messages in {files} file{} ({} received were not stored)",
            f.path,
            f.error,
            if files == 1 { "" } else { "s" },
            received.saturating_sub(stored),
        ),
    )
}

/// The summary's word on connections: "never connected" when no attempt succeeded, else how
/// many connections were made ("1 connection", "3 connections": 2 reconnects).
fn connections(s: &tweetstream::Stats) -> String {
    match s.connects {
        0 => "never connected".to_string(),
        1 => "1 connection".to_string(),
        n => format!("{n} connections"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_urls_carry_no_credentials() {
        let u = request_url(
            "http://user:pw@127.0.0.1:8080/base/",
            "2/tweets/sample/stream",
            &[("tweet.fields".into(), "created_at,lang".into())],
        );
        assert_eq!(
            u,
            "http://127.0.0.1:8080/base/2/tweets/sample/stream?tweet.fields=created_at%2Clang"
        );
        assert_eq!(
            request_url("https://api.x.com", "2/tweets/search/stream", &[]),
            "https://api.x.com/2/tweets/search/stream"
        );
    }
}
