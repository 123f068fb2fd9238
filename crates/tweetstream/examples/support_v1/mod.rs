//! Shared by the v1.1 examples: where to connect and with which credentials.
//!
//! * With `X_CONSUMER_KEY`, `X_CONSUMER_SECRET`, `X_ACCESS_TOKEN` and `X_ACCESS_TOKEN_SECRET` set,
//!   the examples connect to X (or to `X_API_BASE` when it is set too).
//! * With only `X_API_BASE` set (e.g. an emulator started with `tweetstream-emulator`), they
//!   connect there with placeholder credentials.
//! * With neither, they start an emulator in the process (it verifies the OAuth 1.0a signature
//!   of every request) and stop after `--limit` statuses (default 10), so they run anywhere.
#![allow(dead_code)]

use std::time::Duration;

use tweetstream::oauth::Credentials;
use tweetstream::v1::{AsyncStream, StreamBuilder};
use tweetstream_emulator::data::Source;
use tweetstream_emulator::{Emulator, EmulatorBuilder, EmulatorHandle};

const EMULATOR_CREDENTIALS: [&str; 4] = [
    "emulator-consumer-key",
    "emulator-consumer-secret",
    "emulator-access-token",
    "emulator-access-token-secret",
];

/// Seed of the in-process emulator's synthetic tweets.
pub const EMULATOR_SEED: u64 = 42;

/// Command-line options common to the examples: `--limit N`, `--track a,b`, `--follow 1,2`.
#[derive(Debug, Default)]
pub struct Args {
    pub limit: Option<usize>,
    pub track: Vec<String>,
    pub follow: Vec<u64>,
}

impl Args {
    pub fn parse() -> Args {
        let mut args = Args::default();
        let mut it = std::env::args().skip(1);
        while let Some(a) = it.next() {
            let (name, inline) = match a.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (a.clone(), None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| it.next())
                    .unwrap_or_else(|| usage(&format!("{name} needs a value")))
            };
            match name.as_str() {
                "--limit" => {
                    args.limit = Some(
                        value()
                            .parse::<usize>()
                            .unwrap_or_else(|_| usage("bad --limit")),
                    )
                }
                "--track" => args.track.extend(value().split(',').map(str::to_string)),
                "--follow" => args.follow.extend(value().split(',').map(|v| {
                    v.trim()
                        .parse::<u64>()
                        .unwrap_or_else(|_| usage("bad --follow"))
                })),
                "-h" | "--help" => usage(""),
                other => usage(&format!("unknown argument {other}")),
            }
        }
        args
    }
}

fn usage(msg: &str) -> ! {
    if !msg.is_empty() {
        eprintln!("error: {msg}");
    }
    eprintln!(
        "options: --limit N (stop after N statuses), --track a,b (filter examples), --follow ID,ID\n\
         environment: X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET, \
         X_API_BASE; without them an emulator runs in the process"
    );
    std::process::exit(2)
}

/// An emulator on its own runtime thread, stopped when dropped.
pub struct LocalEmulator {
    pub handle: Option<EmulatorHandle>,
    rt: Option<tokio::runtime::Runtime>,
}

impl Drop for LocalEmulator {
    fn drop(&mut self) {
        if let (Some(h), Some(rt)) = (self.handle.take(), self.rt.take()) {
            drop(h);
            // Safe to call from inside another runtime too.
            rt.shutdown_background();
        }
    }
}

/// Where the example connects.
pub struct Target {
    pub credentials: Credentials,
    pub api_base: Option<String>,
    /// The in-process emulator, when there is one.
    pub emulator: Option<LocalEmulator>,
    /// Stop after this many statuses (`--limit`, default 10 with the in-process emulator).
    pub limit: Option<usize>,
}

impl Target {
    /// Read the environment; start an emulator (configured by `configure`) when there is
    /// nothing to connect to.
    pub fn from_env(
        args: &Args,
        configure: impl FnOnce(EmulatorBuilder) -> EmulatorBuilder,
    ) -> std::io::Result<Target> {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let creds = (
            var("X_CONSUMER_KEY"),
            var("X_CONSUMER_SECRET"),
            var("X_ACCESS_TOKEN"),
            var("X_ACCESS_TOKEN_SECRET"),
        );
        let api_base = var("X_API_BASE");
        if let (Some(ck), Some(cs), Some(at), Some(ats)) = creds {
            return Ok(Target {
                credentials: Credentials::new(ck, cs, at, ats),
                api_base,
                emulator: None,
                limit: args.limit,
            });
        }
        let [ck, cs, at, ats] = EMULATOR_CREDENTIALS;
        if let Some(base) = api_base {
            eprintln!("connecting to {base} with placeholder credentials");
            return Ok(Target {
                credentials: Credentials::new(ck, cs, at, ats),
                api_base: Some(base),
                emulator: None,
                limit: args.limit,
            });
        }
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("emulator")
            .enable_all()
            .build()?;
        let builder = Emulator::builder()
            .seed(EMULATOR_SEED)
            .rate(50.0)
            .oauth_credentials(ck, cs, at, ats);
        let handle = rt.block_on(configure(builder).start())?;
        let base = handle.base_url();
        eprintln!("no X credentials in the environment: using an emulator at {base}");
        Ok(Target {
            credentials: Credentials::new(ck, cs, at, ats),
            api_base: Some(base),
            emulator: Some(LocalEmulator {
                handle: Some(handle),
                rt: Some(rt),
            }),
            limit: args.limit.or(Some(10)),
        })
    }

    /// Whether the in-process emulator is used.
    pub fn emulated(&self) -> bool {
        self.emulator.is_some()
    }

    /// The async builder for this target (the blocking `Stream` is built from it too).
    pub fn builder(&self) -> StreamBuilder {
        let b = AsyncStream::builder(self.credentials.clone());
        match &self.api_base {
            Some(base) => b.api_base(base.clone()),
            None => b,
        }
    }
}

/// Authors of the first tweets the in-process emulator serves (for `follow` examples).
pub fn emulator_authors(n: usize) -> Vec<u64> {
    let src = Source::synthetic(EMULATOR_SEED);
    let mut out = Vec::new();
    let mut seq = 0;
    while out.len() < n && seq < src.base_len() as u64 {
        let a = src.get(seq).author_id();
        if !out.contains(&a) {
            out.push(a);
        }
        seq += 1;
    }
    out
}

/// Logging through `tracing` (the handlers' default callbacks log like tweepy's);
/// `RUST_LOG` overrides the default level.
pub fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// How long the threaded example waits at most for its statuses before giving up.
pub const MAX_WAIT: Duration = Duration::from_secs(120);
