//! The command line of the `tweetstream-emulator` binary, also embeddable (e.g. as
//! `tweetstream emulate`): parse [`Args`] with clap and call [`run`].

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::config::{
    ConnectionPolicy, NoRulesPolicy, SlowReaders, V1Notices, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_QUEUE_BYTES,
};
use crate::data::Source;
use crate::scenario::Scenario;
use crate::Emulator;

/// Run a local emulator of the X streaming API (v2 and v1.1 streams, rules, faults).
///
/// Prints its base URL (`http://127.0.0.1:PORT`) as the first line of stdout, then serves
/// until interrupted (Ctrl-C / SIGTERM).
///
/// Streams (bearer token; `partition` required where a range is given):
/// /2/tweets/search/stream (+ /rules, /rules/counts), /2/tweets/sample/stream,
/// /2/tweets/sample10/stream (1-2), /2/tweets/firehose/stream (1-20),
/// /2/tweets/firehose/stream/lang/en (1-8), …/lang/ja, …/lang/ko, …/lang/pt (1-2),
/// /2/likes/firehose/stream (1-20), /2/likes/sample10/stream (1-2), /2/likes/compliance/stream,
/// /2/tweets/compliance/stream (1-4), /2/users/compliance/stream (1-4), /2/tweets/label/stream,
/// /2/activity/stream; OAuth 1.0a: /1.1/statuses/filter.json, /1.1/statuses/sample.json.
/// At --rate N every stream carries N events per second (the filtered ones the share that
/// matches).
#[derive(Debug, Clone, Parser)]
#[command(name = "tweetstream-emulator", version)]
pub struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Port to listen on (0 = a free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Corpus to replay: a v1.1 search response `{"statuses":[…]}`, a JSON array of
    /// statuses, or JSONL of v1.1 statuses or v2 payloads. Default: synthetic tweets.
    #[arg(long, value_name = "FILE")]
    pub corpus: Option<PathBuf>,
    /// Timeline positions per second: tweets per second on the tweet streams, events per second
    /// on the like, compliance, label and activity streams (0 = as fast as each client reads).
    #[arg(long, default_value_t = 0.0)]
    pub rate: f64,
    /// Keep-alive interval in seconds for every stream (default: 20 on v2, 30 on v1.1).
    #[arg(long, value_name = "SECS")]
    pub keep_alive: Option<f64>,
    /// Bearer token accepted on the v2 endpoints (repeatable; default: any token).
    #[arg(long = "bearer-token", value_name = "TOKEN")]
    pub bearer_tokens: Vec<String>,
    /// OAuth 1.0a consumer key accepted on v1.1 (with the three options below; default:
    /// any OAuth header, unverified).
    #[arg(long, requires_all = ["consumer_secret", "access_token", "access_token_secret"])]
    pub consumer_key: Option<String>,
    /// OAuth 1.0a consumer secret.
    #[arg(long, requires = "consumer_key")]
    pub consumer_secret: Option<String>,
    /// OAuth 1.0a access token.
    #[arg(long, requires = "consumer_key")]
    pub access_token: Option<String>,
    /// OAuth 1.0a access token secret.
    #[arg(long, requires = "consumer_key")]
    pub access_token_secret: Option<String>,
    /// Scripted faults: a scenario file, JSON or TOML (by extension).
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Seed of the synthetic tweets and rule ids. Without it each run picks a new seed
    /// (printed on stderr) and serves a --corpus from a fresh block of ids, so a restarted
    /// emulator never re-sends a tweet id a client already stored; give --seed to replay a run
    /// exactly (same tweets, same ids).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Maximum rule length.
    #[arg(long, default_value_t = tweetstream_rules::DEFAULT_MAX_RULE_LENGTH)]
    pub max_rule_length: usize,
    /// Maximum number of rules per app.
    #[arg(long, default_value_t = 1000)]
    pub max_rules: usize,
    /// Stream connections allowed per credential.
    #[arg(long, default_value_t = 1)]
    pub max_connections: usize,
    /// Above the limit: refuse-new (429) or evict-oldest.
    #[arg(long, default_value = "refuse-new")]
    pub connection_policy: ConnectionPolicy,
    /// Seconds a dropped connection still counts against the limit.
    #[arg(long, default_value_t = 0.0, value_name = "SECS")]
    pub ghost: f64,
    /// Connect attempts allowed per 15 minutes per credential and stream (0 = unlimited).
    #[arg(long, default_value_t = 50)]
    pub connect_rate_limit: u32,
    /// Filtered stream without rules: refuse (409) or keep-alive.
    #[arg(long, default_value = "refuse")]
    pub no_rules: NoRulesPolicy,
    /// v1.1: one `delete` notice per N statuses (0 = none).
    #[arg(long, default_value_t = V1Notices::default().delete_every)]
    pub delete_every: u64,
    /// At most N messages per write (0 = fill ~64 KiB writes).
    #[arg(long, default_value_t = 0)]
    pub messages_per_write: usize,
    /// Target bytes per write (messages are batched up to this size).
    #[arg(long, default_value_t = 64 * 1024)]
    pub write_bytes: usize,
    /// Most bytes queued per stream connection before it waits for (or disconnects) its client.
    #[arg(long, default_value_t = DEFAULT_MAX_QUEUE_BYTES, value_name = "BYTES")]
    pub max_queue_bytes: usize,
    /// A client whose queue is full: wait for it, or disconnect it as X does (v1.1 FALLING_BEHIND
    /// warning at 60% with stall_warnings, then disconnect code 4; v2 an operational-disconnect
    /// SlowReader line); at --rate 0 streams always wait.
    #[arg(long, default_value = "wait")]
    pub slow_readers: SlowReaders,
    /// Largest request body accepted (larger: 413).
    #[arg(long, default_value_t = DEFAULT_MAX_BODY_BYTES, value_name = "BYTES")]
    pub max_body_bytes: usize,
    /// Largest request line and headers accepted (larger: 431).
    #[arg(long, default_value_t = DEFAULT_MAX_HEADER_BYTES, value_name = "BYTES")]
    pub max_header_bytes: usize,
    /// zlib level (0–9) for gzip responses: 1 is fastest; X's own servers compress harder.
    #[arg(long, default_value_t = 1)]
    pub gzip_level: u32,
    /// Log every request to stderr.
    #[arg(long)]
    pub verbose: bool,
    /// At exit (Ctrl-C / SIGTERM), write what each stream connection sent to FILE: one JSON
    /// object per line (`id`, `endpoint`, `partition`, `fate`, `close_reason`,
    /// `messages_sent`, `tweet_ids`…): the oracle of soak tests.
    #[arg(long, value_name = "FILE")]
    pub record: Option<std::path::PathBuf>,
    /// With --record: at most N event ids kept per connection (beyond it they are counted in
    /// `tweet_ids_dropped`); 8 bytes each.
    #[arg(long, value_name = "N", default_value_t = 1_000_000)]
    pub max_recorded_ids: usize,
}

fn secs(s: f64) -> Duration {
    if s.is_finite() && s > 0.0 {
        Duration::from_secs_f64(s.min(1e9))
    } else {
        Duration::ZERO
    }
}

/// A seed for a run without `--seed`: the clock and the process id.
fn run_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    // SplitMix64's finaliser spreads close clock values apart.
    let mut z = nanos ^ (u64::from(std::process::id()) << 32);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Start an emulator from `args`, print its base URL, serve until Ctrl-C / SIGTERM.
pub async fn run(args: Args) -> Result<(), String> {
    let seed = match args.seed {
        Some(s) => s,
        None => {
            let s = run_seed();
            eprintln!("tweetstream-emulator: seed {s} (pass --seed {s} to replay this run)");
            s
        }
    };
    let mut b = Emulator::builder()
        .bind(SocketAddr::new(args.host, args.port))
        .rate(args.rate)
        .seed(seed)
        .max_rule_length(args.max_rule_length)
        .max_rules(args.max_rules)
        .max_connections(args.max_connections)
        .connection_policy(args.connection_policy)
        .ghost_period(secs(args.ghost))
        .connect_rate_limit(args.connect_rate_limit, Duration::from_secs(15 * 60))
        .no_rules(args.no_rules)
        .messages_per_write(args.messages_per_write)
        .write_bytes(args.write_bytes)
        .gzip_level(args.gzip_level)
        .max_queue_bytes(args.max_queue_bytes)
        .slow_readers(args.slow_readers)
        .max_body_bytes(args.max_body_bytes)
        .max_header_bytes(args.max_header_bytes)
        .v1_notices(V1Notices {
            delete_every: args.delete_every,
            ..V1Notices::default()
        });
    if let Some(k) = args.keep_alive {
        b = b.keep_alive(secs(k).max(Duration::from_millis(1)));
    }
    for t in &args.bearer_tokens {
        b = b.bearer_token(t.clone());
    }
    if let (Some(ck), Some(cs), Some(at), Some(ats)) = (
        &args.consumer_key,
        &args.consumer_secret,
        &args.access_token,
        &args.access_token_secret,
    ) {
        b = b.oauth_credentials(ck, cs, at, ats);
    }
    if let Some(path) = &args.corpus {
        let source = Source::from_path(path)?;
        b = b.source(match args.seed {
            Some(_) => source,
            // A fresh block of ids for this run (loop 0 would be the file's own ids).
            None => source.from_loop(1 + seed % (1 << 32)),
        });
    }
    b = b.max_recorded_ids(args.max_recorded_ids);
    if let Some(path) = &args.scenario {
        b = b.scenario(Scenario::from_path(path)?);
    }
    let emu = b
        .start()
        .await
        .map_err(|e| format!("cannot listen on {}:{}: {e}", args.host, args.port))?;
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", emu.base_url());
        let _ = out.flush();
    }
    if args.verbose {
        let mut seen = 0u64;
        let log = async {
            loop {
                emu.wait_until(|o| o.counters.requests > seen).await;
                for r in emu.with_observed(|o| {
                    o.requests
                        .iter()
                        .filter(|r| r.id > seen)
                        .cloned()
                        .collect::<Vec<_>>()
                }) {
                    seen = seen.max(r.id);
                    eprintln!(
                        "#{} {} {} {:?} -> {}{}",
                        r.id,
                        r.method,
                        r.path,
                        r.query,
                        r.status,
                        r.error.map(|e| format!(" ({e})")).unwrap_or_default()
                    );
                }
            }
        };
        tokio::select! {
            _ = log => {}
            _ = stop_signal() => {}
        }
    } else {
        stop_signal().await;
    }
    let record = args.record.as_ref().map(|path| {
        let mut out = String::new();
        for c in emu.connections() {
            out.push_str(&serde_json::to_string(&c).unwrap_or_default());
            out.push('\n');
        }
        (path.clone(), out)
    });
    emu.shutdown().await;
    if let Some((path, text)) = record {
        std::fs::write(&path, text)
            .map_err(|e| format!("cannot write the record {}: {e}", path.display()))?;
    }
    Ok(())
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
