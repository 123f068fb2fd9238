//! The end-to-end benchmark shared by `e2e_bench` (system allocator) and
//! `e2e_bench_mimalloc`; see `e2e_bench.rs` for what it measures.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tweetstream::oauth::Credentials;
use tweetstream::v1::{AsyncStream, Message, SampleParams};
use tweetstream::{AsyncStreamingClient, Event, StreamParams};
use tweetstream_emulator::data::Source;
use tweetstream_emulator::{Emulator, V1Notices};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    V1,
    V2,
}

#[derive(Debug, Clone)]
struct Opts {
    mode: Mode,
    messages: u64,
    warmup: u64,
    gzip: bool,
    data: PathBuf,
    delete_every: u64,
    api_base: Option<String>,
    /// v2 only: the fields and expansions requested.
    shape: Shape,
    /// The global allocator of the binary (for the report).
    allocator: &'static str,
    /// The raw path: no typed decode (`EventStream::raw`), what an archiver uses.
    raw: bool,
}

/// What a v2 benchmark asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// A typical application's fields (about 2.5 KB per payload from twitter.json).
    Typical,
    /// Every field and expansion X has (about 2.9 KB per payload).
    Full,
}

fn usage(msg: &str) -> ! {
    if !msg.is_empty() {
        eprintln!("error: {msg}");
    }
    eprintln!(
        "usage: e2e_bench v1|v2 [--messages N] [--gzip] [--raw] [--warmup N] [--data PATH] [--delete-every N] [--api-base URL] [--shape typical|full]"
    );
    std::process::exit(2)
}

fn parse_args() -> Opts {
    let mut args = std::env::args().skip(1);
    let mode = match args.next().as_deref() {
        Some("v1") => Mode::V1,
        Some("v2") => Mode::V2,
        Some("-h" | "--help") => usage(""),
        other => usage(&format!(
            "the first argument must be v1 or v2, not {other:?}"
        )),
    };
    let mut o = Opts {
        mode,
        messages: 300_000,
        warmup: 5_000,
        gzip: false,
        data: PathBuf::from(format!(
            "{}/../../../shared/data/twitter.json",
            env!("CARGO_MANIFEST_DIR")
        )),
        delete_every: 10,
        api_base: None,
        shape: Shape::Typical,
        allocator: "system",
        raw: false,
    };
    while let Some(a) = args.next() {
        let mut num = |name: &str| -> u64 {
            args.next()
                .and_then(|v| v.replace('_', "").parse().ok())
                .unwrap_or_else(|| usage(&format!("{name} needs a number")))
        };
        match a.as_str() {
            "--messages" => o.messages = num("--messages").max(1),
            "--warmup" => o.warmup = num("--warmup"),
            "--delete-every" => o.delete_every = num("--delete-every"),
            "--gzip" => o.gzip = true,
            "--raw" => o.raw = true,
            "--shape" => {
                o.shape = match args.next().as_deref() {
                    Some("typical") => Shape::Typical,
                    Some("full") => Shape::Full,
                    _ => usage("--shape needs typical or full"),
                }
            }
            "--api-base" => {
                o.api_base = Some(
                    args.next()
                        .unwrap_or_else(|| usage("--api-base needs a URL")),
                )
            }
            "--data" => {
                o.data = args
                    .next()
                    .map(PathBuf::from)
                    .unwrap_or_else(|| usage("--data needs a path"))
            }
            other => usage(&format!("unknown argument {other}")),
        }
    }
    o
}

/// CPU time of the calling thread (Linux; `None` elsewhere).
fn thread_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

#[derive(Debug, Default)]
struct Tally {
    messages: u64,
    statuses: u64,
    deletes: u64,
    other_notices: u64,
    /// Message bytes after framing and decompression (the JSON the decoder read).
    bytes: u64,
    /// Something computed from every status, so that nothing is optimised away.
    checksum: u64,
}

struct Report {
    tally: Tally,
    elapsed: Duration,
    client_cpu: Option<Duration>,
    decode_errors: u64,
}

impl Report {
    /// The figures since `start` (the end of the warm-up; now if it never ended).
    fn new(tally: Tally, start: Option<(Instant, Option<Duration>)>, decode_errors: u64) -> Report {
        let (t0, cpu0) = start.unwrap_or((Instant::now(), thread_cpu()));
        let elapsed = t0.elapsed();
        let client_cpu = match (cpu0, thread_cpu()) {
            (Some(a), Some(b)) => Some(b.saturating_sub(a)),
            _ => None,
        };
        Report {
            tally,
            elapsed,
            client_cpu,
            decode_errors,
        }
    }
}

const CREDS: [&str; 4] = ["bench-ck", "bench-cs", "bench-at", "bench-ats"];

const BEARER: &str = "bench";

/// Peak resident memory of this process (Linux `VmHWM`), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Read `events` to the end of the warm-up plus `o.messages`, tallying each message with
/// `count`. The one loop of every mode.
async fn tally<M: Send + 'static>(
    mut events: tweetstream::EventStream<M>,
    o: &Opts,
    mut count: impl FnMut(&mut Tally, M),
) -> (Tally, Option<(Instant, Option<Duration>)>) {
    let mut t = Tally::default();
    let mut seen = 0u64;
    let mut start: Option<(Instant, Option<Duration>)> = None;
    let total = o.warmup + o.messages;
    while let Some(item) = events.next().await {
        let m = match item {
            Ok(Event::Message(m)) => m,
            Ok(Event::Error(e)) | Err(e) => {
                eprintln!("stream error: {e}");
                continue;
            }
            Ok(_) => continue,
        };
        seen += 1;
        if seen == o.warmup + 1 {
            start = Some((Instant::now(), thread_cpu()));
        }
        if seen > o.warmup {
            t.messages += 1;
            count(&mut t, m);
        }
        if seen >= total {
            break;
        }
    }
    (t, start)
}

/// The raw path: every message's bytes, nothing decoded.
fn count_raw(t: &mut Tally, line: tweetstream::RawLine) {
    let b = line.bytes();
    t.bytes += b.len() as u64;
    t.statuses += 1;
    t.checksum = t.checksum.wrapping_add(u64::from(b[b.len() / 2]));
}

async fn run_v2(base: &str, o: &Opts) -> Result<Report, tweetstream::Error> {
    let client = AsyncStreamingClient::builder(BEARER)
        .api_base(base)
        .gzip(o.gzip)
        .build()?;
    let params = match o.shape {
        Shape::Typical => StreamParams::new()
            .tweet_fields([
                "author_id",
                "created_at",
                "conversation_id",
                "entities",
                "lang",
                "public_metrics",
                "referenced_tweets",
                "attachments",
                "source",
                "possibly_sensitive",
            ])
            .expansions([
                "author_id",
                "referenced_tweets.id",
                "referenced_tweets.id.author_id",
                "attachments.media_keys",
            ])
            .user_fields([
                "created_at",
                "description",
                "public_metrics",
                "verified",
                "profile_image_url",
            ])
            .media_fields(["url", "width", "height"]),
        Shape::Full => StreamParams::all_fields(),
    };
    let events = client.sample(params)?;
    let (t, start) = if o.raw {
        tally(events.raw(), o, count_raw).await
    } else {
        tally(events, o, |t, m| {
            t.bytes += m.raw().len() as u64;
            if let Some(tweet) = &m.data {
                t.statuses += 1;
                let users = m.includes.as_ref().map_or(0, |i| i.users.len() as u64);
                t.checksum = t
                    .checksum
                    .wrapping_add(tweet.text.len() as u64)
                    .wrapping_add(users);
            }
        })
        .await
    };
    let decode_errors = client.stats().decode_errors;

    Ok(Report::new(t, start, decode_errors))
}

async fn run_v1(base: &str, o: &Opts) -> Result<Report, tweetstream::Error> {
    let [ck, cs, at, ats] = CREDS;
    let stream = AsyncStream::builder(Credentials::new(ck, cs, at, ats))
        .api_base(base)
        .gzip(o.gzip)
        .build()?;
    let events = stream.sample(SampleParams::new())?;
    let (t, start) = if o.raw {
        tally(events.raw(), o, count_raw).await
    } else {
        tally(events, o, |t, m| {
            t.bytes += m.raw().len() as u64;
            match m.message() {
                Message::Status(s) => {
                    t.statuses += 1;
                    t.checksum = t
                        .checksum
                        .wrapping_add(s.id ^ s.user.id)
                        .wrapping_add(s.full_text().len() as u64);
                }
                Message::Delete(d) => {
                    t.deletes += 1;
                    t.checksum = t.checksum.wrapping_add(d.status.id);
                }
                _ => t.other_notices += 1,
            }
        })
        .await
    };
    let decode_errors = stream.stats().decode_errors;

    Ok(Report::new(t, start, decode_errors))
}

/// Run the benchmark with the arguments of this process; `allocator` names the global
/// allocator of the calling binary, for the report.
pub fn main(allocator: &'static str) -> Result<(), Box<dyn std::error::Error>> {
    let mut o = parse_args();
    o.allocator = allocator;
    if let Some(base) = &o.api_base {
        // An emulator in another process: only the client runs here.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let r = rt.block_on(async {
            match o.mode {
                Mode::V1 => run_v1(base, &o).await,
                Mode::V2 => run_v2(base, &o).await,
            }
        })?;
        print_report(&o, &r, None, None);
        return Ok(());
    }
    let source = Source::from_path(&o.data)?;

    // The emulator: its own runtime, one worker thread.
    let emu_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("emulator")
        .enable_all()
        .build()?;
    let [ck, cs, at, ats] = CREDS;
    let emu = emu_rt.block_on(
        Emulator::builder()
            .source(source.clone())
            .rate(0.0)
            .oauth_credentials(ck, cs, at, ats)
            .bearer_token(BEARER)
            .v1_notices(V1Notices {
                delete_every: o.delete_every,
                ..V1Notices::default()
            })
            .max_recorded_ids(0)
            .start(),
    )?;

    // The client: a current-thread runtime on this thread.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let base = emu.base_url();
    let r = rt.block_on(async {
        match o.mode {
            Mode::V1 => run_v1(&base, &o).await,
            Mode::V2 => run_v2(&base, &o).await,
        }
    })?;
    drop(rt);

    let conns = emu.connections();
    let wire: u64 = conns.iter().map(|c| c.wire_bytes_sent).sum();
    let body: u64 = conns.iter().map(|c| c.bytes_sent).sum();
    emu_rt.block_on(emu.shutdown());

    print_report(&o, &r, Some((body, wire)), Some(source.base_len()));
    if r.decode_errors > 0 {
        return Err("some messages did not decode".into());
    }
    Ok(())
}

fn print_report(o: &Opts, r: &Report, sent: Option<(u64, u64)>, corpus: Option<usize>) {
    let secs = r.elapsed.as_secs_f64();
    let t = &r.tally;
    let mb = |b: u64| b as f64 / 1e6;
    println!(
        "e2e_bench {} sample{}{}{}, {} allocator: {} messages ({} tweets/statuses, {} deletes, {} other notices), {:.1} MB of JSON, avg {:.0} B/message{}",
        if o.mode == Mode::V1 { "v1" } else { "v2" },
        if o.gzip { " --gzip" } else { "" },
        if o.raw { " --raw" } else { "" },
        if o.mode == Mode::V2 && o.shape == Shape::Full {
            " --shape full"
        } else {
            ""
        },
        o.allocator,
        t.messages,
        t.statuses,
        t.deletes,
        t.other_notices,
        mb(t.bytes),
        t.bytes as f64 / t.messages.max(1) as f64,
        corpus.map(|n| format!(", corpus of {n} statuses")).unwrap_or_default(),
    );
    println!(
        "  wall {:.3} s: {:.0} messages/s, {:.0} statuses/s, {:.1} MB/s of JSON",
        secs,
        t.messages as f64 / secs,
        t.statuses as f64 / secs,
        mb(t.bytes) / secs,
    );
    if let Some(cpu) = r.client_cpu {
        let c = cpu.as_secs_f64().max(1e-9);
        println!(
            "  client thread CPU {:.3} s ({:.0}% of wall): {:.0} messages per CPU-second, {:.1} MB per CPU-second",
            c,
            100.0 * c / secs,
            t.messages as f64 / c,
            mb(t.bytes) / c,
        );
    }
    if let Some((body, wire)) = sent {
        println!(
            "  emulator sent {:.1} MB of body, {:.1} MB on the wire{}",
            mb(body),
            mb(wire),
            if o.gzip {
                format!(" (gzip ratio {:.1})", body as f64 / wire.max(1) as f64)
            } else {
                String::new()
            },
        );
    }
    println!(
        "  decode errors: {}; checksum {:x}; peak RSS {} KiB{}",
        r.decode_errors,
        t.checksum,
        peak_rss_kib().unwrap_or(0),
        if sent.is_some() {
            " (client and emulator: use --api-base for the client alone)"
        } else {
            " (client alone)"
        },
    );
}
