//! `tweetstream stream NAME`: any of X's v2 streams by name, with partition fan-in
//! (`--partition 1-20` or `all`: one connection per partition, one output) and redundant
//! connections (`--redundant N`, each message written once).

use std::str::FromStr;

use clap::Args;
use tweetstream::merge::Merge;
use tweetstream::streams::{stream_info, Family, StreamInfo, STREAMS};
use tweetstream::{AsyncStreamingClient, RawLine, StreamParams};

use crate::archive::Stopper;
use crate::cli::{FieldsArgs, GlobalArgs, OutputArgs};
use crate::error::CliError;
use crate::output::OutputSpec;
use crate::sink::Output;
use crate::units::parse_size;

/// The window of message ids `--redundant` remembers to drop copies (about 2 MB).
pub const REDUNDANT_WINDOW: usize = 100_000;

/// Partitions to read: one, a range, or all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partitions {
    /// `N`, or `A-B`.
    Range(u32, u32),
    /// `all`.
    All,
}

impl FromStr for Partitions {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("all") {
            return Ok(Partitions::All);
        }
        let num = |t: &str| {
            t.trim()
                .parse::<u32>()
                .map_err(|_| format!("{t:?} is not a partition: give N, A-B or all"))
        };
        let (a, b) = match s.split_once('-') {
            Some((a, b)) => (num(a)?, num(b)?),
            None => {
                let n = num(s)?;
                (n, n)
            }
        };
        if a == 0 || b < a {
            return Err(format!(
                "{s:?} is not a partition range: partitions start at 1 and A-B needs A ≤ B"
            ));
        }
        Ok(Partitions::Range(a, b))
    }
}

impl Partitions {
    /// The partition numbers for `info`, checked against its range.
    pub fn resolve(self, info: &StreamInfo) -> Result<Vec<u32>, CliError> {
        let max = info.partitions;
        if max == 0 {
            return Err(CliError::usage(format!(
                "--partition: {} is not partitioned; remove --partition",
                info.name
            )));
        }
        let (a, b) = match self {
            Partitions::All => (1, max),
            Partitions::Range(a, b) => (a, b),
        };
        if b > max {
            return Err(CliError::usage(format!(
                "--partition {b} is out of range: {} has partitions 1 to {max}",
                info.name
            )));
        }
        Ok((a..=b).collect())
    }
}

/// How many connections, and how far to read ahead of the writer.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Connections")]
pub struct ConnArgs {
    /// Keep N connections to the stream and write each message once (deduplicated by id
    /// within the last 100,000): X's redundant connections, for tiers that allow N.
    #[arg(long, value_name = "N", default_value_t = 1, allow_negative_numbers = true,
          value_parser = clap::value_parser!(u32).range(1..=16))]
    pub redundant: u32,
    /// Read ahead of the writer into a buffer of at most SIZE per connection (e.g. 64MB):
    /// a slow disk then does not slow the connection until the buffer is full. Off by default.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub read_ahead: Option<u64>,
    /// With --read-ahead: when the buffer is full, drop the oldest messages (counted, shown in
    /// the progress line and the provenance record) instead of pausing the connection.
    #[arg(long, requires = "read_ahead")]
    pub drop_oldest: bool,
    /// Ask for an uncompressed stream. X recommends gzip over the internet (the default);
    /// on a fast private link this saves the CPU of decompressing.
    #[arg(long)]
    pub no_compression: bool,
    /// Skip (with a warning) any message larger than SIZE [default: 16MiB]: the memory a
    /// single message may take.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_message_size: Option<u64>,
}

impl Default for ConnArgs {
    fn default() -> Self {
        ConnArgs {
            redundant: 1,
            read_ahead: None,
            drop_oldest: false,
            no_compression: false,
            max_message_size: None,
        }
    }
}

impl ConnArgs {
    /// Apply to a client builder.
    pub fn apply<A: tweetstream::Auth>(
        &self,
        mut b: tweetstream::Builder<A>,
    ) -> tweetstream::Builder<A> {
        b = b
            .connections_per_stream(self.redundant as usize)
            .gzip(!self.no_compression);
        if let Some(n) = self.max_message_size {
            b = b.max_message_size(usize::try_from(n).unwrap_or(usize::MAX));
        }
        if let Some(bytes) = self.read_ahead {
            let when = if self.drop_oldest {
                tweetstream::WhenFull::DropOldest
            } else {
                tweetstream::WhenFull::Wait
            };
            b = b.read_ahead(usize::try_from(bytes).unwrap_or(usize::MAX), when);
        }
        b
    }
}

/// `stream` options.
#[derive(Debug, Clone, Args)]
pub struct StreamArgs {
    /// The stream: the path between /2/ and /stream (tweets/sample, likes/compliance,
    /// tweets/firehose/lang/en, activity…); `--list` prints them all.
    #[arg(value_name = "NAME", required_unless_present = "list")]
    pub name: Option<String>,
    /// Print every stream NAME with what it is and its partitions, then exit.
    #[arg(long)]
    pub list: bool,
    /// Partition(s) of a partitioned stream: N, A-B (one connection each, one output) or all.
    #[arg(long, value_name = "N|A-B|all")]
    pub partition: Option<Partitions>,
    /// Replay from this time (RFC 3339, e.g. 2026-12-01T00:00:00Z; recovery streams).
    #[arg(long, value_name = "TIME")]
    pub start_time: Option<String>,
    /// Replay until this time (RFC 3339, after --start-time); the stream ends there.
    #[arg(long, value_name = "TIME")]
    pub end_time: Option<String>,
    /// like_with_tweet_author.fields, comma-separated (likes streams).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub like_fields: Vec<String>,
    /// Fields.
    #[command(flatten)]
    pub fields: FieldsArgs,
    /// Connections.
    #[command(flatten)]
    pub conn: ConnArgs,
    /// Output.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `tweetstream stream --list`.
pub fn list() -> String {
    let width = STREAMS.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for s in STREAMS {
        let parts = if s.partitions > 0 {
            format!("partitions 1-{}", s.partitions)
        } else {
            "not partitioned".to_string()
        };
        out.push_str(&format!("{:width$}  {} ({parts})\n", s.name, s.description));
    }
    out
}

/// The parameters for `info` from the flags: every field the stream offers unless
/// `--minimal-fields`, plus the ones named.
fn params_for(info: &StreamInfo, args: &StreamArgs) -> StreamParams {
    let base = if args.fields.minimal_fields {
        StreamParams::new()
    } else {
        match info.family {
            Family::Tweets => StreamParams::all_fields(),
            Family::Likes => StreamParams::all_like_fields(),
            _ => StreamParams::new(),
        }
    };
    let mut p = crate::v2::params_onto(base, &args.fields);
    if !args.like_fields.is_empty() {
        let mut all = p.like_fields.clone();
        for f in &args.like_fields {
            if !all.contains(f) {
                all.push(f.clone());
            }
        }
        p = p.like_fields(all);
    }
    if let Some(t) = &args.start_time {
        p = p.start_time(t.clone());
    }
    if let Some(t) = &args.end_time {
        p = p.end_time(t.clone());
    }
    p
}

/// `tweetstream stream NAME`.
pub async fn run(global: &GlobalArgs, args: &StreamArgs, stopper: Stopper) -> Result<(), CliError> {
    if args.list {
        print!("{}", list());
        return Ok(());
    }
    let name = args.name.as_deref().unwrap_or_default();
    let info = stream_info(name.trim_matches('/')).ok_or_else(|| {
        CliError::usage(format!(
            "{name:?} is not a stream name: `tweetstream stream --list` prints them (e.g. tweets/sample, likes/compliance)"
        ))
    })?;
    let spec = OutputSpec::from_args(&args.output)?;
    let params = params_for(info, args);
    let partitions: Vec<Option<u32>> = match args.partition {
        Some(p) => p.resolve(info)?.into_iter().map(Some).collect(),
        None if info.partitions > 0 => {
            return Err(CliError::usage(format!(
                "--partition: {} needs a partition, 1 to {} (or a range such as 1-{}, or all)",
                info.name, info.partitions, info.partitions
            )))
        }
        None => vec![None],
    };
    // Every parameter checked before any request (the first partition stands for all).
    let first = match partitions[0] {
        Some(n) => params.clone().partition(n),
        None => params.clone(),
    };
    first
        .validate_for(info)
        .map_err(|e| CliError::from_lib("", &e))?;
    let (client, base) = crate::v2::client_with(global, &args.conn)?;
    let (source, names) = open(&client, info, &params, &partitions, args.conn.redundant)?;
    let sink = Output::open(&spec).await?;
    let command = format!("stream {}", info.name);
    let request = crate::v2::v2_request(command, &base, info.path, &first, None);
    crate::v2::archive(
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

/// One raw stream per partition and redundant connection, merged.
pub fn open(
    client: &AsyncStreamingClient,
    info: &StreamInfo,
    params: &StreamParams,
    partitions: &[Option<u32>],
    redundant: u32,
) -> Result<(Merge<RawLine>, Vec<String>), CliError> {
    let mut streams = Vec::new();
    let mut names = Vec::new();
    for p in partitions {
        for c in 1..=redundant {
            let params = match p {
                Some(n) => params.clone().partition(*n),
                None => params.clone(),
            };
            let s = client
                .stream(info.name, params)
                .map_err(|e| CliError::from_lib("", &e))?;
            streams.push(s.raw());
            names.push(match (p, redundant) {
                (Some(n), 1) => format!("partition {n}"),
                (Some(n), _) => format!("partition {n} connection {c}"),
                (None, _) => format!("connection {c}"),
            });
        }
    }
    if streams.len() == 1 {
        names.clear();
    }
    let merged = if redundant > 1 {
        Merge::redundant(streams, REDUNDANT_WINDOW)
    } else {
        Merge::new(streams)
    };
    Ok((merged, names))
}

/// A single stream of any raw-capable message type as an archiving source.
pub fn single<M: tweetstream::AsRaw + Send + 'static>(
    s: tweetstream::EventStream<M>,
) -> (Merge<RawLine>, Vec<String>) {
    (Merge::new(vec![s.raw()]), Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_parse_and_resolve() {
        let firehose = stream_info("tweets/firehose").unwrap();
        assert_eq!(
            "3".parse::<Partitions>()
                .unwrap()
                .resolve(firehose)
                .unwrap(),
            vec![3]
        );
        assert_eq!(
            "all"
                .parse::<Partitions>()
                .unwrap()
                .resolve(firehose)
                .unwrap()
                .len(),
            20
        );
        assert_eq!(
            "2-4"
                .parse::<Partitions>()
                .unwrap()
                .resolve(firehose)
                .unwrap(),
            vec![2, 3, 4]
        );
        assert!("0".parse::<Partitions>().is_err());
        assert!("4-2".parse::<Partitions>().is_err());
        assert!("x".parse::<Partitions>().is_err());
        let e = "1-21"
            .parse::<Partitions>()
            .unwrap()
            .resolve(firehose)
            .unwrap_err();
        assert!(e.message.contains("1 to 20"), "{}", e.message);
        let sample = stream_info("tweets/sample").unwrap();
        assert!(Partitions::All.resolve(sample).is_err());
        assert!(list().lines().count() >= 15);
    }
}
