//! `tweetstream demo`: the whole product on a fresh machine, with no credentials: an emulator
//! in this process, a few rules, a filtered stream, a readable line per tweet.

use std::io::Write;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tweetstream::models::v2::StreamResponse;
use tweetstream::{AsyncStreamingClient, Event, StreamParams, StreamRule};
use tweetstream_emulator::Emulator;

use crate::archive::Stopper;
use crate::cli::{DemoArgs, GlobalArgs};
use crate::error::CliError;
use crate::progress::{Live, Progress, StatsFn};
use crate::units::human_duration;

/// The demo's rules: (value, tag).
pub const DEMO_RULES: [(&str, &str); 3] = [
    (
        "cat OR cats OR dog OR dogs OR #CatsOfTwitter OR #DogsOfTwitter",
        "pets",
    ),
    ("rust OR rustlang OR #rustlang", "rust"),
    ("music OR #NowPlaying OR #newmusic", "music"),
];

/// Run the demo.
pub async fn run(global: &GlobalArgs, args: &DemoArgs, stopper: Stopper) -> Result<(), CliError> {
    if !(args.rate.is_finite() && args.rate >= 0.0) {
        return Err(CliError::usage("--rate must be 0 or a positive number"));
    }
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
    });
    let emu = Emulator::builder()
        .rate(args.rate)
        .seed(seed)
        .keep_alive(Duration::from_secs(5))
        .connect_rate_limit(0, Duration::from_secs(900))
        .start()
        .await
        .map_err(|e| CliError::failure(format!("cannot start the emulator on 127.0.0.1: {e}")))?;
    let result = stream(global, args, &emu.base_url(), stopper).await;
    emu.shutdown().await;
    result
}

async fn stream(
    global: &GlobalArgs,
    args: &DemoArgs,
    base: &str,
    stopper: Stopper,
) -> Result<(), CliError> {
    let mut b = AsyncStreamingClient::builder("demo-token")
        .api_base(base)
        .user_agent(crate::v2::USER_AGENT)
        .max_retries(global.max_retries.unwrap_or(5));
    if let Some(d) = global.stall_timeout {
        b = b.stall_timeout(d);
    }
    let client = b
        .build()
        .map_err(|e| CliError::from_lib("cannot build the client", &e))?;
    let lib = |what: &'static str| move |e: tweetstream::Error| CliError::from_lib(what, &e);

    let live = Arc::new(Live::default());
    let stats: StatsFn = {
        let c = client.clone();
        Arc::new(move || c.stats())
    };
    let progress = Progress::start(live.clone(), stats, global.quiet, "tweets", false);
    progress.info(format!(
        "demo: an emulator of the X API is running at {base} ({}; no credentials, nothing leaves this machine)",
        if args.rate > 0.0 { format!("{} tweets/s", args.rate) } else { "tweets as fast as it goes".to_string() }
    ));
    let rules: Vec<StreamRule> = DEMO_RULES
        .iter()
        .map(|(v, t)| StreamRule::tagged(*v, *t))
        .collect();
    client
        .add_rules(rules, false)
        .await
        .map_err(lib("cannot add the demo rules"))?;
    let active = client
        .get_rules(&[] as &[&str])
        .await
        .map_err(lib("cannot list the rules"))?;
    let mut text = String::from("rules added:");
    for r in &active.data {
        text.push_str(&format!(
            "\n  [{}] {}",
            r.tag.as_deref().unwrap_or(""),
            r.value
        ));
    }
    progress.info(text);
    progress.info(format!(
        "streaming /2/tweets/search/stream until {} match{} (Ctrl-C stops)…",
        tweets(args.limit),
        if args.limit == 1 { "es" } else { "" }
    ));

    let params = StreamParams::new()
        .expansions(["author_id", "referenced_tweets.id"])
        .user_fields(["username", "name"])
        .tweet_fields(["created_at", "lang", "author_id", "referenced_tweets"]);
    let mut events = client
        .filter(params)
        .map_err(lib("cannot open the stream"))?;
    let started = Instant::now();
    let mut shown = 0u64;
    let mut stdout = std::io::stdout().lock();
    let mut stopped_by = None;
    if args.limit > 0 {
        loop {
            let item = tokio::select! {
                biased;
                _ = stopper.stopped() => { stopped_by = Some("stopped"); break; }
                item = events.next() => item,
            };
            match item {
                None => break,
                Some(Ok(Event::Message(resp))) => {
                    let Some(line) = readable(&resp) else {
                        continue;
                    };
                    if progress
                        .suspend(|| writeln!(stdout, "{line}").and_then(|_| stdout.flush()))
                        .is_err()
                    {
                        break;
                    }
                    shown += 1;
                    live.messages.store(shown, Relaxed);
                    if shown >= args.limit {
                        break;
                    }
                }
                Some(Ok(Event::Connected { .. })) => progress.status("connected"),
                Some(Ok(Event::Reconnecting { reason, delay, .. })) => progress.warn(format!(
                    "{reason}; reconnecting in {}",
                    human_duration(delay)
                )),
                Some(Ok(_)) => {}
                Some(Err(_)) => {}
            }
        }
    }
    let _ = stdout.flush();
    events.disconnect();
    let exit = events.exit_error();
    drop(events);
    progress.finish().await;
    if let Some(e) = exit {
        return Err(CliError::from_lib("the demo stream stopped", &e));
    }
    if !global.quiet {
        eprintln!(
            "tweetstream: demo: {} matched in {}{}.",
            tweets(shown),
            human_duration(started.elapsed()),
            if stopped_by.is_some() {
                " (stopped)"
            } else {
                ""
            }
        );
        eprintln!(
            "tweetstream: next: `tweetstream emulate` serves the same API on a port; `tweetstream --api-base http://127.0.0.1:PORT filter --rule cat --output cats.jsonl` archives it byte-for-byte."
        );
    }
    Ok(())
}

/// "1 tweet", "7 tweets".
fn tweets(n: u64) -> String {
    if n == 1 {
        "1 tweet".to_string()
    } else {
        format!("{n} tweets")
    }
}

/// `@username (Name): text  [tags]`, on one line.
pub fn readable(resp: &StreamResponse) -> Option<String> {
    let tweet = resp.data.as_ref()?;
    let user = tweet.author_id.as_ref().and_then(|id| {
        resp.includes
            .as_ref()
            .and_then(|i| i.users.iter().find(|u| u.id == id))
    });
    let author = match user {
        Some(u) => format!("@{} ({})", u.username, u.name),
        None => format!("user {}", tweet.author_id.as_deref().unwrap_or("?")),
    };
    let text: String = tweet
        .full_text()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let tags: Vec<&str> = resp
        .matching_rules
        .iter()
        .map(|m| m.tag.as_deref().unwrap_or(m.id.as_str()))
        .collect();
    Some(format!(
        "{author}: {text}{}  [{}]",
        reference_hint(resp),
        tags.join(", ")
    ))
}

/// Why a Post whose own text does not show the rule may still match: it quotes or replies to
/// one that does (X matches a quote on the quoted Post's text too). A short hint with
/// the start of that Post's text, or nothing.
fn reference_hint(resp: &StreamResponse) -> String {
    let Some(refs) = resp
        .data
        .as_ref()
        .and_then(|t| t.referenced_tweets.as_ref())
    else {
        return String::new();
    };
    let Some(r) = refs.first() else {
        return String::new();
    };
    let what = match r.kind.as_deref() {
        Some("quoted") => "quotes",
        Some("replied_to") => "replies to",
        // A repost's text already starts with "RT @user: " and the reposted text.
        _ => return String::new(),
    };
    let text = resp
        .includes
        .as_ref()
        .and_then(|i| i.tweets.iter().find(|t| t.id == r.id))
        .map(|t| {
            t.full_text()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        });
    match text {
        Some(t) => {
            let short: String = t.chars().take(40).collect();
            let more = if t.chars().count() > 40 { "…" } else { "" };
            format!(" ({what} \"{short}{more}\")")
        }
        None => format!(" ({what} post {})", r.id),
    }
}
