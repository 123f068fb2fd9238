//! `tweetstream v1 sample` and `tweetstream v1 filter` (API v1.1, OAuth 1.0a).

use std::sync::Arc;

use tweetstream::v1::{AsyncStream, FilterParams, SampleParams};

use crate::archive::{self, Job, RequestInfo, Stopper};
use crate::cli::{GlobalArgs, OutputArgs, V1Command, V1CommonArgs};
use crate::config;
use crate::error::CliError;
use crate::output::{OutputSpec, Sink};
use crate::progress::{Live, Progress, StatsFn};

const DEFAULT_BASE: &str = tweetstream::v1::DEFAULT_STREAM_BASE;

fn client(global: &GlobalArgs) -> Result<(AsyncStream, String), CliError> {
    let creds = config::oauth_credentials(global)?;
    let base = config::api_base(global)?;
    let stream =
        crate::configure_builder!(AsyncStream::builder(creds), global, base, DEFAULT_BASE)?;
    Ok((
        stream,
        base.unwrap_or_else(|| tweetstream::v1::DEFAULT_STREAM_BASE.to_string()),
    ))
}

fn common_pairs(c: &V1CommonArgs, out: &mut Vec<(String, String)>) {
    if let Some(l) = c.filter_level {
        out.push(("filter_level".into(), l.as_str().into()));
    }
    if !c.language.is_empty() {
        out.push(("language".into(), c.language.join(",")));
    }
    if c.stall_warnings {
        out.push(("stall_warnings".into(), "true".into()));
    }
    if c.delimited {
        out.push(("delimited".into(), "length".into()));
    }
}

fn pairs_json(pairs: &[(String, String)]) -> serde_json::Value {
    serde_json::Value::Object(
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect(),
    )
}

/// Run a `v1` subcommand.
pub async fn run(global: &GlobalArgs, cmd: &V1Command, stopper: Stopper) -> Result<(), CliError> {
    let (stream, request, out) = match cmd {
        V1Command::Sample(a) => {
            let c = &a.common;
            let mut p = SampleParams::new()
                .languages(c.language.clone())
                .stall_warnings(c.stall_warnings)
                .delimited(c.delimited);
            p.filter_level = c.filter_level.map(|l| l.as_str().to_string());
            p.validate().map_err(|e| CliError::from_lib("", &e))?;
            let mut q = Vec::new();
            common_pairs(c, &mut q);
            let (client, base) = client(global)?;
            let stream = client.sample(p).map_err(|e| CliError::from_lib("", &e))?;
            let request = RequestInfo {
                command: "v1 sample".into(),
                method: "GET",
                url: archive::request_url(&base, "1.1/statuses/sample.json", &q),
                parameters: pairs_json(&q),
                rules: None,
            };
            (stream_with_stats(client, stream), request, &a.output)
        }
        V1Command::Filter(a) => {
            let c = &a.common;
            let mut p = FilterParams::new()
                .track(a.track.iter().map(|t| t.trim().to_string()))
                .follow(a.follow.iter().copied())
                .locations(a.locations.iter().copied())
                .languages(c.language.clone())
                .stall_warnings(c.stall_warnings)
                .delimited(c.delimited);
            if let Some(l) = c.filter_level {
                p = p.filter_level(l.as_str());
            }
            p.validate().map_err(|e| CliError::from_lib("", &e))?;
            let mut form = Vec::new();
            if !a.follow.is_empty() {
                let ids: Vec<String> = a.follow.iter().map(|i| i.to_string()).collect();
                form.push(("follow".to_string(), ids.join(",")));
            }
            if !p.track.is_empty() {
                form.push(("track".to_string(), p.track.join(",")));
            }
            if !a.locations.is_empty() {
                let c: Vec<String> = a.locations.iter().map(|c| format!("{c:.4}")).collect();
                form.push(("locations".to_string(), c.join(",")));
            }
            common_pairs(c, &mut form);
            let (client, base) = client(global)?;
            let stream = client.filter(p).map_err(|e| CliError::from_lib("", &e))?;
            let request = RequestInfo {
                command: "v1 filter".into(),
                method: "POST",
                url: archive::request_url(&base, "1.1/statuses/filter.json", &[]),
                parameters: pairs_json(&form),
                rules: None,
            };
            (stream_with_stats(client, stream), request, &a.output)
        }
    };
    archive_run(global, stream, request, out, stopper).await
}

type V1Stream = (
    tweetstream::EventStream<tweetstream::v1::RawMessage>,
    StatsFn,
);

fn stream_with_stats(
    client: AsyncStream,
    stream: tweetstream::EventStream<tweetstream::v1::RawMessage>,
) -> V1Stream {
    (stream, Arc::new(move || client.stats()))
}

async fn archive_run(
    global: &GlobalArgs,
    (stream, stats): V1Stream,
    request: RequestInfo,
    out: &OutputArgs,
    stopper: Stopper,
) -> Result<(), CliError> {
    let spec = OutputSpec::from_args(out)?;
    let sink = Sink::open(&spec)?;
    tracing::info!("{} {}", request.method, request.url);
    let live = Arc::new(Live::default());
    let progress = Progress::start(
        live.clone(),
        stats.clone(),
        global.quiet,
        "messages",
        spec.path.is_none(),
    );
    archive::run(Job {
        stream,
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
