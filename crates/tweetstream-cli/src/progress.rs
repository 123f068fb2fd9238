//! Progress on stderr: a live indicatif line when stderr is a terminal, a plain periodic log
//! line otherwise, nothing with `--quiet`. Also the channel for informational lines and
//! warnings, so they do not garble the live line.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio_util::sync::CancellationToken;
use tweetstream::Stats;

use crate::units::{human_bytes, human_duration};

/// How often the live line is redrawn.
const BAR_EVERY: Duration = Duration::from_millis(250);
/// How often the plain log line is printed.
const PLAIN_EVERY: Duration = Duration::from_secs(10);

/// Counters the stream loop updates.
#[derive(Debug, Default)]
pub struct Live {
    /// Messages written (or shown).
    pub messages: AtomicU64,
    /// Copies dropped by `--redundant`.
    pub duplicates: AtomicU64,
    /// With several connections: a short name for each ("p3", "c2") and its handle.
    pub sources: std::sync::OnceLock<Vec<(String, tweetstream::StreamHandle)>>,
}

impl Live {
    /// The part of the progress line about drops, duplicates and each connection.
    pub fn detail(&self, stats: &Stats) -> String {
        let mut out = String::new();
        if stats.dropped_slow > 0 {
            out.push_str(&format!(" · {} dropped (slow reader)", stats.dropped_slow));
        }
        let dups = self.duplicates.load(Relaxed);
        if dups > 0 {
            out.push_str(&format!(" · {dups} duplicates dropped"));
        }
        if let Some(sources) = self.sources.get() {
            out.push_str(" ·");
            for (name, h) in sources {
                let s = h.stats();
                let state = if h.is_disconnected() {
                    "✗"
                } else if s.connects == 0 {
                    "…"
                } else {
                    ""
                };
                out.push_str(&format!(" {name}:{}{state}", s.messages));
                if s.reconnects > 0 {
                    out.push_str(&format!("↻{}", s.reconnects));
                }
            }
        }
        out
    }
}

/// A function returning the client's counters.
pub type StatsFn = Arc<dyn Fn() -> Stats + Send + Sync>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Bar,
    Plain,
    Off,
}

/// The progress reporter of one command.
pub struct Progress {
    mode: Mode,
    quiet: bool,
    bar: Option<ProgressBar>,
    stop: CancellationToken,
    task: Option<tokio::task::JoinHandle<()>>,
    fold: std::sync::Mutex<Fold>,
}

impl Progress {
    /// Start reporting; `unit` names what is counted ("messages", "tweets"). When the output
    /// goes to stdout and stdout is the same terminal, the live line would be torn by it, so
    /// the plain log line is used instead.
    pub fn start(
        live: Arc<Live>,
        stats: StatsFn,
        quiet: bool,
        unit: &'static str,
        writes_stdout: bool,
    ) -> Progress {
        let mode = if quiet {
            Mode::Off
        } else if std::io::stderr().is_terminal()
            && !(writes_stdout && std::io::stdout().is_terminal())
        {
            Mode::Bar
        } else {
            Mode::Plain
        };
        let bar = (mode == Mode::Bar).then(|| {
            let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            pb.set_style(
                ProgressStyle::with_template("{spinner:.green} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            pb.set_message("connecting…");
            pb
        });
        let stop = CancellationToken::new();
        let task = (mode != Mode::Off).then(|| {
            let bar = bar.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let every = if mode == Mode::Bar {
                    BAR_EVERY
                } else {
                    PLAIN_EVERY
                };
                let mut meter = Meter::new();
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                tick.tick().await;
                loop {
                    tokio::select! {
                        _ = stop.cancelled() => break,
                        _ = tick.tick() => {}
                    }
                    let st = stats();
                    let mut line = meter.line(live.messages.load(Relaxed), &st, unit);
                    line.push_str(&live.detail(&st));
                    match &bar {
                        Some(pb) => {
                            pb.set_message(line);
                            pb.tick();
                        }
                        None => eprintln!("tweetstream: {line}"),
                    }
                }
            })
        });
        Progress {
            mode,
            quiet,
            bar,
            stop,
            task,
            fold: std::sync::Mutex::new(Fold::default()),
        }
    }

    /// An informational line (suppressed by `--quiet`).
    pub fn info(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            self.line(msg.as_ref());
        }
    }

    /// A warning (always shown).
    pub fn warn(&self, msg: impl AsRef<str>) {
        self.line(&format!("warning: {}", msg.as_ref()));
    }

    /// A warning that may repeat (a reconnect that keeps failing the same way): the first is
    /// shown in full; identical ones after it (same `key`) are folded into one line at the 2nd,
    /// 4th, 8th… repeat, "KEY ×N, still retrying"; with `--quiet` only the first shows.
    /// [`settled`](Self::settled) starts over.
    pub fn warn_repeated(&self, key: &str, full: impl AsRef<str>, still: impl AsRef<str>) {
        let show = match self.fold.lock() {
            Ok(mut f) => f.see(key, self.quiet),
            Err(_) => Show::Full,
        };
        match show {
            Show::Full => self.warn(full),
            Show::Folded(n) => self.warn(format!("{key} ×{n}, {}", still.as_ref())),
            Show::Hidden => {}
        }
    }

    /// Replace the live line's text until its next refresh ("connected" instead of the
    /// "connecting…" it starts with). Nothing without a live line.
    pub fn status(&self, msg: &str) {
        if let Some(pb) = &self.bar {
            pb.set_message(msg.to_string());
        }
    }

    /// The condition behind repeated warnings is over (a connection was made).
    pub fn settled(&self) {
        if let Ok(mut f) = self.fold.lock() {
            *f = Fold::default();
        }
    }

    fn line(&self, msg: &str) {
        match &self.bar {
            Some(pb) if self.mode == Mode::Bar => pb.println(format!("tweetstream: {msg}")),
            _ => eprintln!("tweetstream: {msg}"),
        }
    }

    /// Run `f` (which writes to stdout) with the live line cleared, then redraw it.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(pb) => pb.suspend(f),
            None => f(),
        }
    }

    /// Stop the live line and clear it.
    pub async fn finish(mut self) {
        self.stop.cancel();
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
        if let Some(pb) = self.bar.take() {
            pb.finish_and_clear();
        }
    }
}

/// What to show of a warning that may repeat.
#[derive(Debug, PartialEq, Eq)]
enum Show {
    Full,
    Folded(u64),
    Hidden,
}

/// Counts identical warnings in a row (pure: the folding rule of [`Progress::warn_repeated`]).
#[derive(Debug, Default)]
struct Fold {
    key: Option<String>,
    count: u64,
}

impl Fold {
    fn see(&mut self, key: &str, quiet: bool) -> Show {
        if self.key.as_deref() == Some(key) {
            self.count += 1;
            if !quiet && self.count.is_power_of_two() {
                Show::Folded(self.count)
            } else {
                Show::Hidden
            }
        } else {
            self.key = Some(key.to_string());
            self.count = 1;
            Show::Full
        }
    }
}

/// Rates and "seconds since the last byte", from successive samples.
struct Meter {
    start: Instant,
    last_sample: Instant,
    last_messages: u64,
    rate: Option<f64>,
    last_bytes: u64,
    last_byte_at: Option<Instant>,
}

impl Meter {
    fn new() -> Meter {
        let now = Instant::now();
        Meter {
            start: now,
            last_sample: now,
            last_messages: 0,
            rate: None,
            last_bytes: 0,
            last_byte_at: None,
        }
    }

    fn line(&mut self, messages: u64, stats: &Stats, unit: &str) -> String {
        let now = Instant::now();
        let dt = now.duration_since(self.last_sample).as_secs_f64();
        if dt > 0.0 {
            let r = (messages.saturating_sub(self.last_messages)) as f64 / dt;
            // Smooth over about a second of samples.
            let alpha = (dt / 1.0).min(1.0);
            self.rate = Some(match self.rate {
                Some(prev) => prev + alpha * (r - prev),
                None => r,
            });
        }
        self.last_sample = now;
        self.last_messages = messages;
        if stats.bytes != self.last_bytes || (self.last_byte_at.is_none() && stats.bytes > 0) {
            self.last_bytes = stats.bytes;
            self.last_byte_at = Some(now);
        }
        let since = match self.last_byte_at {
            Some(t) => format!("last byte {:.1}s ago", now.duration_since(t).as_secs_f64()),
            None => "waiting for the first byte".to_string(),
        };
        let reconnects = match (stats.connects, stats.reconnects) {
            (0, _) => "not connected yet".to_string(),
            (_, 1) => "1 reconnect".to_string(),
            (_, n) => format!("{n} reconnects"),
        };
        format!(
            "{messages} {unit} · {:.1}/s · {} received · {reconnects} · {since} · {}",
            self.rate.unwrap_or(0.0),
            human_bytes(stats.bytes),
            human_duration(now.duration_since(self.start)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_warnings_fold() {
        let mut f = Fold::default();
        let shown: Vec<Show> = (0..9).map(|_| f.see("refused", false)).collect();
        assert_eq!(
            shown,
            [
                Show::Full,
                Show::Folded(2),
                Show::Hidden,
                Show::Folded(4),
                Show::Hidden,
                Show::Hidden,
                Show::Hidden,
                Show::Folded(8),
                Show::Hidden
            ]
        );
        assert_eq!(f.see("HTTP 503", false), Show::Full);
        assert_eq!(f.see("refused", false), Show::Full);
        let mut q = Fold::default();
        let shown: Vec<Show> = (0..8).map(|_| q.see("refused", true)).collect();
        assert_eq!(shown[0], Show::Full);
        assert!(shown[1..].iter().all(|s| *s == Show::Hidden));
    }
}
