//! `tweetstream sample` and `tweetstream filter` (API v2).

use std::sync::Arc;

use tweetstream::merge::Merge;
use tweetstream::models::v2::RulesResponse;
use tweetstream::{AsyncStreamingClient, RawLine, StreamParams, StreamRule};

use crate::archive::{self, Job, RequestInfo, Stopper};
use crate::cli::{Endpoint, FieldsArgs, FilterArgs, GlobalArgs, OutputArgs, SampleArgs};
use crate::config;
use crate::error::CliError;
use crate::output::OutputSpec;
use crate::progress::{Live, Progress, StatsFn};
use crate::sink::Output;
use crate::stream_cmd::{self, ConnArgs};

const DEFAULT_BASE: &str = tweetstream::DEFAULT_API_BASE;

/// The User-Agent of the command line.
pub const USER_AGENT: &str = concat!("tweetstream-cli/", env!("CARGO_PKG_VERSION"));

/// Apply the global options to a client builder of either API version (User-Agent, base URL,
/// retries, stall timeout, proxy, TLS), log them without secrets, and build.
pub fn configure<A: tweetstream::Auth>(
    builder: tweetstream::Builder<A>,
    global: &GlobalArgs,
    base: Option<&str>,
    default_base: &str,
) -> Result<tweetstream::Client<A>, CliError> {
    let mut b = builder.user_agent(USER_AGENT);
    if let Some(u) = base {
        b = b.api_base(u);
    }
    if let Some(n) = global.max_retries {
        b = b.max_retries(n);
    }
    if let Some(d) = global.stall_timeout {
        b = b.stall_timeout(d);
    }
    if let Some(p) = &global.proxy {
        b = b.proxy(p.clone());
    }
    if let Some(path) = &global.ca_bundle {
        b = b.ca_bundle(path.clone());
    }
    if global.insecure {
        tracing::warn!("--insecure: server certificates are not checked");
        b = b.danger_accept_invalid_certs(true);
    }
    tracing::debug!(
        "settings: api base {}, max retries {:?}, stall timeout {:?}",
        archive::request_url(base.unwrap_or(default_base), "", &[]),
        global.max_retries,
        global.stall_timeout
    );
    b.build()
        .map_err(|e| CliError::from_lib("invalid settings", &e))
}

/// A v2 client from the global options and the bearer token; also returns the API base used.
pub fn client(global: &GlobalArgs) -> Result<(AsyncStreamingClient, String), CliError> {
    client_with(global, &ConnArgs::default())
}

/// [`client`] with the connection options (redundant connections, read-ahead).
pub fn client_with(
    global: &GlobalArgs,
    conn: &ConnArgs,
) -> Result<(AsyncStreamingClient, String), CliError> {
    let token = config::bearer_token(global)?;
    let base = config::api_base(global)?;
    let client = configure(
        conn.apply(AsyncStreamingClient::builder(token)),
        global,
        base.as_deref(),
        DEFAULT_BASE,
    )?;
    Ok((
        client,
        base.unwrap_or_else(|| tweetstream::DEFAULT_API_BASE.to_string()),
    ))
}

/// The stream parameters of a tweets stream from the field flags: every field and expansion
/// unless `--minimal-fields`.
pub fn params(f: &FieldsArgs) -> StreamParams {
    let p = if f.minimal_fields {
        StreamParams::new()
    } else {
        StreamParams::all_fields()
    };
    params_onto(p, f)
}

/// The field flags added to `p`.
pub fn params_onto(mut p: StreamParams, f: &FieldsArgs) -> StreamParams {
    let add = |into: &mut Vec<String>, more: &[String]| {
        for m in more.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            if !into.iter().any(|x| x == m) {
                into.push(m.to_string());
            }
        }
    };
    add(&mut p.tweet_fields, &f.tweet_fields);
    add(&mut p.user_fields, &f.user_fields);
    add(&mut p.media_fields, &f.media_fields);
    add(&mut p.place_fields, &f.place_fields);
    add(&mut p.poll_fields, &f.poll_fields);
    add(&mut p.expansions, &f.expansions);
    p.backfill_minutes = f.backfill_minutes;
    p.backfill_on_reconnect = f.backfill_on_reconnect;
    p
}

/// What the provenance record says of a v2 GET request (and the info log line).
pub fn v2_request(
    command: impl Into<String>,
    base: &str,
    path: &str,
    p: &StreamParams,
    rules: Option<serde_json::Value>,
) -> RequestInfo {
    let request = RequestInfo {
        command: command.into(),
        method: "GET",
        url: archive::request_url(base, path, &p.query_pairs()),
        parameters: params_json(p),
        rules,
    };
    tracing::info!("GET {}", request.url);
    request
}

/// The query parameters as a JSON object (the provenance record's `parameters`).
pub fn params_json(p: &StreamParams) -> serde_json::Value {
    let map: serde_json::Map<String, serde_json::Value> = p
        .query_pairs()
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    serde_json::Value::Object(map)
}

/// `tweetstream sample`.
pub async fn sample(
    global: &GlobalArgs,
    args: &SampleArgs,
    stopper: Stopper,
) -> Result<(), CliError> {
    let spec = OutputSpec::from_args(&args.output)?;
    let (client, base) = client_with(global, &args.conn)?;
    let mut p = params(&args.fields);
    if let Some(n) = args.partition {
        if args.endpoint == Endpoint::Sample {
            return Err(CliError::usage(
                "--partition needs --endpoint firehose or sample10 (tweets/sample is not \
                 partitioned; `tweetstream stream --list` shows every stream's partitions)",
            ));
        }
        p = p.partition(n);
    }
    let (name, path) = match args.endpoint {
        Endpoint::Sample => ("tweets/sample", "2/tweets/sample/stream"),
        Endpoint::Firehose => ("tweets/firehose", "2/tweets/firehose/stream"),
        Endpoint::Sample10 => ("tweets/sample10", "2/tweets/sample10/stream"),
    };
    let (source, names) = open_tweets(&client, name, &p, args.conn.redundant)?;
    let sink = Output::open(&spec).await?;
    let request = v2_request("sample", &base, path, &p, None);
    archive(
        global,
        client,
        source,
        names,
        sink,
        spec,
        &args.output,
        request,
        stopper,
        None,
    )
    .await
}

/// A tweets stream (checked before any request), with `redundant` connections.
fn open_tweets(
    client: &AsyncStreamingClient,
    name: &str,
    p: &StreamParams,
    redundant: u32,
) -> Result<(Merge<RawLine>, Vec<String>), CliError> {
    let info = tweetstream::streams::stream_info(name)
        .ok_or_else(|| CliError::failure(format!("unknown stream {name}")))?;
    p.validate_for(info)
        .map_err(|e| CliError::from_lib("", &e))?;
    stream_cmd::open(client, info, p, &[p.partition], redundant)
}

/// `tweetstream filter`: `rules` are the `--rule`/`--tag` pairs.
pub async fn filter(
    global: &GlobalArgs,
    args: &FilterArgs,
    rules: Vec<StreamRule>,
    stopper: Stopper,
) -> Result<(), CliError> {
    let spec = OutputSpec::from_args(&args.output)?;
    let p = params(&args.fields);
    p.validate().map_err(|e| CliError::from_lib("", &e))?;
    for r in &rules {
        tweetstream::rules::check_before_sending(
            &r.value,
            tweetstream::rules::DEFAULT_MAX_RULE_LENGTH,
        )
        .map_err(|e| CliError::usage(format!("invalid rule {:?}: {e}", r.value)))?;
    }
    let (client, base) = client_with(global, &args.conn)?;
    let sink = Output::open(&spec).await?;
    let live = Arc::new(Live::default());
    let stats: StatsFn = {
        let c = client.clone();
        Arc::new(move || c.stats())
    };
    let progress = Progress::start(
        live.clone(),
        stats,
        global.quiet,
        "messages",
        spec.path.is_none(),
    );
    if !rules.is_empty() {
        let resp = client
            .add_rules(rules.clone(), false)
            .await
            .map_err(|e| CliError::from_lib("cannot add the rules", &e))?;
        report_add(&resp, &progress)?;
    }
    // Every page of rules (X returns at most 1,000 per page).
    let active = client
        .all_rules()
        .await
        .map_err(|e| CliError::from_lib("cannot list the rules", &e))?;
    if active.is_empty() {
        progress.finish().await;
        return Err(CliError::usage(
            "no active rules: the filtered stream would deliver nothing (X refuses it with 409). Add one with --rule VALUE [--tag TAG], or `tweetstream rules add VALUE`",
        ));
    }
    print_active(&active, &progress);
    for w in crate::rules::tag_mismatches(&rules, &active) {
        progress.warn(w);
    }
    let (source, names) = open_tweets(&client, "tweets/search", &p, args.conn.redundant)?;
    let rules = Some(serde_json::to_value(&active).unwrap_or_default());
    let request = v2_request("filter", &base, "2/tweets/search/stream", &p, rules);
    archive(
        global,
        client,
        source,
        names,
        sink,
        spec,
        &args.output,
        request,
        stopper,
        Some((progress, live)),
    )
    .await
}

/// Report the outcome of adding rules: duplicates are fine, other rejections are errors.
pub fn report_add(resp: &RulesResponse, progress: &Progress) -> Result<(), CliError> {
    for r in &resp.data {
        progress.info(format!(
            "added rule {} {:?}{}",
            r.id.as_deref().unwrap_or("?"),
            r.value,
            r.tag
                .as_ref()
                .map(|t| format!(" [{t}]"))
                .unwrap_or_default()
        ));
    }
    let mut problems = Vec::new();
    for p in &resp.errors {
        let value = p.extra_str("value").unwrap_or("?");
        let title = p.title.as_deref().unwrap_or("rejected");
        if title.contains("Duplicate") {
            progress.info(format!(
                "rule {value:?} is already active{}",
                p.extra_str("id")
                    .map(|i| format!(" (id {i})"))
                    .unwrap_or_default()
            ));
        } else {
            let details = p
                .extra
                .get("details")
                .and_then(|d| d.as_array())
                .map(|d| {
                    d.iter()
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .filter(|d| !d.is_empty())
                .or_else(|| p.detail.clone())
                .unwrap_or_default();
            problems.push(format!("{value:?}: {title} {details}").trim().to_string());
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "X rejected the rule(s): {}",
            problems.join("; ")
        )))
    }
}

/// The active rules on stderr (the first 20; `tweetstream rules list` shows them all).
fn print_active(active: &[StreamRule], progress: &Progress) {
    const SHOWN: usize = 20;
    let n = active.len();
    let mut text = format!("{n} active rule{}:", if n == 1 { "" } else { "s" });
    for r in active.iter().take(SHOWN) {
        text.push_str(&format!(
            "\n  {}  {}{}",
            r.id.as_deref().unwrap_or("?"),
            r.value,
            r.tag
                .as_ref()
                .map(|t| format!("  [{t}]"))
                .unwrap_or_default()
        ));
    }
    if n > SHOWN {
        text.push_str(&format!(
            "\n  … and {} more (`tweetstream rules list` shows them all)",
            n - SHOWN
        ));
    }
    progress.info(text);
}

/// Archive `source` (one or several merged streams of `client`) to `sink`.
#[allow(clippy::too_many_arguments)]
pub async fn archive(
    global: &GlobalArgs,
    client: AsyncStreamingClient,
    source: Merge<RawLine>,
    names: Vec<String>,
    sink: Output,
    spec: OutputSpec,
    out: &OutputArgs,
    request: RequestInfo,
    stopper: Stopper,
    progress: Option<(Progress, Arc<Live>)>,
) -> Result<(), CliError> {
    let stats: StatsFn = {
        let c = client.clone();
        Arc::new(move || c.stats())
    };
    let (progress, live) = match progress {
        Some(p) => p,
        None => {
            let live = Arc::new(Live::default());
            (
                Progress::start(
                    live.clone(),
                    stats.clone(),
                    global.quiet,
                    "messages",
                    spec.path.is_none(),
                ),
                live,
            )
        }
    };
    archive::run(Job {
        source,
        names,
        stats,
        sink,
        output: spec,
        limit: out.limit,
        duration: out.duration,
        stopper,
        provenance: out.provenance.then_some(request),
        quiet: global.quiet,
        progress,
        live,
    })
    .await
}
