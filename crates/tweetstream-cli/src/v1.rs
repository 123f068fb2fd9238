//! `tweetstream v1 sample` and `tweetstream v1 filter` (API v1.1, OAuth 1.0a).

use std::sync::Arc;

use tweetstream::v1::{AsyncStream, FilterParams, SampleParams};

use crate::archive::{self, Job, RequestInfo, Stopper};
use crate::cli::{GlobalArgs, OutputArgs, V1Command};
use crate::config;
use crate::error::CliError;
use crate::output::OutputSpec;
use crate::progress::{Live, Progress, StatsFn};
use crate::sink::Output;

const DEFAULT_BASE: &str = tweetstream::v1::DEFAULT_STREAM_BASE;

fn client(global: &GlobalArgs, compression: bool) -> Result<(AsyncStream, String), CliError> {
    let creds = config::oauth_credentials(global)?;
    let base = config::api_base(global)?;
    let stream = crate::v2::configure(
        AsyncStream::builder(creds).gzip(compression),
        global,
        base.as_deref(),
        DEFAULT_BASE,
    )?;
    Ok((
        stream,
        base.unwrap_or_else(|| tweetstream::v1::DEFAULT_STREAM_BASE.to_string()),
    ))
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
            if let Some(l) = c.filter_level {
                p = p.filter_level(l.into());
            }
            p.validate().map_err(|e| CliError::from_lib("", &e))?;
            let q = p.query_pairs();
            let (client, base) = client(global, !c.no_compression)?;
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
                p = p.filter_level(l.into());
            }
            p.validate().map_err(|e| CliError::from_lib("", &e))?;
            let form = p.form_pairs();
            let (client, base) = client(global, !c.no_compression)?;
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
    let sink = Output::open(&spec).await?;
    tracing::info!("{} {}", request.method, request.url);
    let live = Arc::new(Live::default());
    let progress = Progress::start(
        live.clone(),
        stats.clone(),
        global.quiet,
        "messages",
        spec.path.is_none(),
    );
    let (source, names) = crate::stream_cmd::single(stream);
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
