//! The loop shared by every archiving command: read the event stream, write each message's
//! raw bytes as one JSONL line, report progress, stop on `--limit`, `--duration`, Ctrl-C or
//! SIGTERM, then flush, fsync and close everything, write the provenance record and a summary.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{FutureExt, StreamExt};
use serde::Serialize;
use tokio_util::sync::CancellationToken;
use tweetstream::{AsRaw, Event, EventStream};

use crate::error::{CliError, Exit};
use crate::output::{FileReport, OutputSpec, Sink};
use crate::progress::{Live, Progress, StatsFn};
use crate::units::{human_bytes, human_duration};

/// The output is flushed this often (and on rotation and at exit).
const FLUSH_EVERY: Duration = Duration::from_secs(1);

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

#[derive(Serialize)]
struct ProvenanceRecord<'a> {
    tool: &'static str,
    version: &'static str,
    library: &'static str,
    #[serde(flatten)]
    request: &'a RequestInfo,
    output: String,
    gzip: bool,
    started_at: String,
    ended_at: Option<String>,
    complete: bool,
    stop_reason: Option<String>,
    messages: u64,
    bytes: u64,
    connects: u64,
    reconnects: u64,
    keep_alives: u64,
    decode_errors: u64,
    last_error: Option<String>,
    files: &'a [FileReport],
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// Everything one archiving run needs.
pub struct Job<M> {
    /// The stream (not yet polled: it connects on the first read).
    pub stream: EventStream<M>,
    /// The client's counters.
    pub stats: StatsFn,
    /// The open output.
    pub sink: Sink,
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
    WriterStopped,
}

/// Run to the end. `Ok` = exit code 0.
pub async fn run<M: AsRaw + Send + 'static>(job: Job<M>) -> Result<(), CliError> {
    let Job {
        mut stream,
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
    progress.info(format!("writing to {}", output.describe()));
    let started = Instant::now();
    let started_at = now_rfc3339();
    let meta_path = match (&provenance, &output.path) {
        (Some(_), Some(p)) => {
            let mut s = p.as_os_str().to_os_string();
            s.push(".meta.json");
            Some(PathBuf::from(s))
        }
        _ => None,
    };
    let write_meta =
        |files: &[FileReport], end: Option<(&str, u64, u64)>| -> Result<(), CliError> {
            let (Some(path), Some(req)) = (&meta_path, &provenance) else {
                return Ok(());
            };
            let s = stats();
            let (reason, messages, bytes) = match end {
                Some((r, m, b)) => (Some(r.to_string()), m, b),
                None => (None, 0, 0),
            };
            let rec = ProvenanceRecord {
                tool: "tweetstream",
                version: env!("CARGO_PKG_VERSION"),
                library: concat!("tweetstream ", env!("CARGO_PKG_VERSION")),
                request: req,
                output: output.describe(),
                gzip: output.gzip,
                started_at: started_at.clone(),
                ended_at: end.map(|_| now_rfc3339()),
                complete: end.is_some(),
                stop_reason: reason,
                messages,
                bytes,
                connects: s.connects,
                reconnects: s.reconnects,
                keep_alives: s.keep_alives,
                decode_errors: s.decode_errors,
                last_error: s.last_error,
                files,
            };
            write_json(path, &rec)
        };
    write_meta(&[], None)?;

    if limit == Some(0) {
        stopper.stop("--limit reached");
    }
    let mut written: u64 = 0;
    let mut written_bytes: u64 = 0;
    let mut pending_error: Option<tweetstream::Error> = None;
    let mut connects = 0u64;
    let mut next_flush = tokio::time::Instant::now() + FLUSH_EVERY;
    let mut since_check = 0u32;

    // (A stop may already have been requested, e.g. SIGTERM while the rules were set up.)
    let outcome = if stopper.is_stopped() {
        Outcome::Stopped
    } else {
        loop {
            // Fast path: a message the client can produce without waiting. Stop requests and
            // the periodic flush are then checked every few hundred messages, which keeps the
            // per-message cost to copying the bytes.
            let item = match stream.next().now_or_never() {
                Some(item) => {
                    since_check += 1;
                    if since_check >= 256 {
                        since_check = 0;
                        if stopper.is_stopped() {
                            break Outcome::Stopped;
                        }
                        if tokio::time::Instant::now() >= next_flush {
                            next_flush = tokio::time::Instant::now() + FLUSH_EVERY;
                            if !sink.flush().await {
                                break Outcome::WriterStopped;
                            }
                        }
                    }
                    item
                }
                None => tokio::select! {
                    biased;
                    _ = stopper.stopped() => break Outcome::Stopped,
                    item = stream.next() => item,
                    _ = tokio::time::sleep_until(next_flush) => {
                        next_flush = tokio::time::Instant::now() + FLUSH_EVERY;
                        if !sink.flush().await {
                            break Outcome::WriterStopped;
                        }
                        continue;
                    }
                },
            };
            match item {
                None => break Outcome::Ended,
                Some(Ok(Event::Message(m))) => {
                    let raw = m.as_raw();
                    written_bytes += raw.len() as u64 + 1;
                    if !sink.push(raw).await {
                        break Outcome::WriterStopped;
                    }
                    written += 1;
                    live.messages
                        .store(written, std::sync::atomic::Ordering::Relaxed);
                    if limit == Some(written) {
                        break Outcome::Limit;
                    }
                }
                Some(Ok(Event::Connected { .. })) => {
                    connects += 1;
                    progress.info(if connects == 1 {
                        "connected"
                    } else {
                        "reconnected"
                    });
                }
                Some(Ok(Event::Reconnecting {
                    delay,
                    reason,
                    failed_attempts,
                })) => {
                    let why = pending_error
                        .take()
                        .map_or_else(|| reason.to_string(), |e| e.to_string());
                    let attempt = if failed_attempts > 0 {
                        format!(" (failed attempts: {failed_attempts})")
                    } else {
                        String::new()
                    };
                    progress.warn(format!(
                        "{why}; reconnecting in {}{attempt}",
                        human_duration(delay)
                    ));
                }
                Some(Ok(Event::Error(e))) | Some(Err(e)) => match e {
                    tweetstream::Error::Decode { ref raw, .. } if !raw.is_empty() => {
                        // A message the library cannot decode is still archived as received.
                        progress.warn(format!("archived a message that does not decode: {e}"));
                        written_bytes += raw.len() as u64 + 1;
                        if !sink.push(raw).await {
                            break Outcome::WriterStopped;
                        }
                        written += 1;
                        live.messages
                            .store(written, std::sync::atomic::Ordering::Relaxed);
                        if limit == Some(written) {
                            break Outcome::Limit;
                        }
                    }
                    tweetstream::Error::Decode { .. }
                    | tweetstream::Error::MessageTooLarge { .. } => {
                        progress.warn(format!("skipped a message: {e}"));
                    }
                    other => pending_error = Some(other),
                },
                Some(Ok(_)) => {}
            }
        }
    };

    // The event stream must not be polled again once it has ended.
    let mut ended = matches!(outcome, Outcome::Ended);
    if let Outcome::Stopped = outcome {
        // Keep what already reached the process: messages the client has buffered or can
        // decode without waiting on the network, within bounds.
        let deadline = Instant::now() + Duration::from_millis(250);
        let mut drained = 0usize;
        while limit != Some(written) && Instant::now() < deadline && drained < 16 << 20 {
            match stream.next().now_or_never() {
                Some(Some(Ok(Event::Message(m)))) => {
                    let raw = m.as_raw();
                    drained += raw.len();
                    written_bytes += raw.len() as u64 + 1;
                    if !sink.push(raw).await {
                        break;
                    }
                    written += 1;
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
    stream.disconnect();
    if !ended && !matches!(outcome, Outcome::Limit | Outcome::WriterStopped) {
        // Messages the client had already decoded when it was told to stop.
        let rest = async {
            while let Some(item) = stream.next().await {
                if let Ok(Event::Message(m)) = item {
                    if limit == Some(written) {
                        break;
                    }
                    let raw = m.as_raw();
                    written_bytes += raw.len() as u64 + 1;
                    if !sink.push(raw).await {
                        break;
                    }
                    written += 1;
                }
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(2), rest).await;
    }
    let exit_error = match outcome {
        Outcome::Ended => stream.exit_error().or(pending_error),
        _ => None,
    };
    drop(stream);
    live.messages
        .store(written, std::sync::atomic::Ordering::Relaxed);

    let (files, failure) = sink.finish().await;
    progress.finish().await;
    let write_error = failure.and_then(|f| f.into_cli());

    let reason = match (&outcome, &exit_error, &write_error) {
        (_, _, Some(w)) => w.message.clone(),
        (Outcome::Limit, _, _) => "--limit reached".to_string(),
        (Outcome::Stopped, _, _) => stopper.reason().unwrap_or_else(|| "stopped".into()),
        (Outcome::WriterStopped, _, None) => "the output was closed".to_string(),
        (Outcome::Ended, Some(e), _) => e.to_string(),
        (Outcome::Ended, None, _) => "the stream ended".to_string(),
    };
    write_meta(&files, Some((&reason, written, written_bytes)))?;

    let s = stats();
    if !quiet {
        let dest = match files.as_slice() {
            [] => output.describe(),
            [one] if one.path == "-" => "stdout".to_string(),
            [one] => one.path.clone(),
            many => format!(
                "{} files ({} … {})",
                many.len(),
                many[0].path,
                many[many.len() - 1].path
            ),
        };
        let elapsed = started.elapsed();
        let rate = written as f64 / elapsed.as_secs_f64().max(1e-9);
        eprintln!(
            "tweetstream: wrote {written} messages ({}) to {dest} in {} ({rate:.1}/s); {} reconnect{}; stopped: {}",
            human_bytes(written_bytes),
            human_duration(elapsed),
            s.reconnects,
            if s.reconnects == 1 { "" } else { "s" },
            crate::error::one_line(&reason),
        );
        if let Some(p) = &meta_path {
            eprintln!("tweetstream: provenance: {}", p.display());
        }
    }
    if let Some(w) = write_error {
        return Err(w);
    }
    match exit_error {
        Some(e) => Err(CliError::from_lib("the stream stopped", &e)),
        None => Ok(()),
    }
}

/// Write JSON to `path` through a temporary file (so a reader never sees half a record).
pub fn write_json<T: Serialize>(path: &std::path::Path, value: &T) -> Result<(), CliError> {
    let text = serde_json::to_vec_pretty(value)
        .map_err(|e| CliError::failure(format!("cannot encode {}: {e}", path.display())))?;
    let mut tmp = path.as_os_str().to_os_string();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let fail = |e: std::io::Error| {
        CliError::new(
            Exit::Failure,
            format!("cannot write {}: {e}", path.display()),
        )
    };
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp).map_err(fail)?;
        f.write_all(&text).map_err(fail)?;
        f.write_all(b"\n").map_err(fail)?;
        f.sync_all().map_err(fail)?;
    }
    std::fs::rename(&tmp, path).map_err(fail)
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
