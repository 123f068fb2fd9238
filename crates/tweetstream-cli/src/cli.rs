//! The command line: every command, flag and help text.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::error::EXIT_CODES_HELP;
use crate::units::{parse_duration, parse_positive, parse_positive_u32, parse_size, parse_u32};

const ABOUT: &str =
    "Archive the X (Twitter) streaming APIs to JSONL, manage filtered-stream rules, \
run a local emulator of the API, or watch a demo.";

const MAIN_HELP: &str = "\
Examples:
  tweetstream demo                                  # no credentials needed: an in-process emulator
  export X_BEARER_TOKEN=...                         # or: tweetstream configure
  tweetstream rules add 'cat has:images' --tag cats
  tweetstream filter --output cats.jsonl --rotate-interval 1d --gzip --provenance
  tweetstream sample --limit 1000 > sample.jsonl
  tweetstream emulate --rate 50                     # then: --api-base http://127.0.0.1:PORT

Credentials (never printed, not even with -vv):
  v2 (sample, filter, rules): X_BEARER_TOKEN (or TWITTER_BEARER_TOKEN)
  v1.1 (v1 sample, v1 filter): X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN, X_ACCESS_TOKEN_SECRET
  Environment variables win over the config file written by `tweetstream configure`
  ($XDG_CONFIG_HOME/tweetstream/config.toml, else ~/.config/tweetstream/config.toml).
";

/// `tweetstream`: the command line of the tweetstream toolkit.
#[derive(Debug, Parser)]
#[command(
    name = "tweetstream",
    version,
    about = ABOUT,
    after_help = format!("{MAIN_HELP}\n{EXIT_CODES_HELP}"),
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes (they may appear before or after the command name).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// More logging on stderr: -v (info), -vv (debug), -vvv (trace). Credentials are never
    /// logged.
    #[arg(short = 'v', action = clap::ArgAction::Count, global = true)]
    pub verbosity: u8,
    /// No progress display and no informational lines (warnings and errors still show).
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,
    /// API base URL, e.g. the emulator's http://127.0.0.1:PORT
    /// [default: https://api.x.com for v2, https://stream.twitter.com for v1.1]
    #[arg(
        long,
        env = "X_API_BASE",
        hide_env_values = true,
        value_name = "URL",
        global = true
    )]
    pub api_base: Option<String>,
    /// Proxy for every request: http://, https:// or socks5:// (credentials in the URL are
    /// never logged). Without it, HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY apply.
    #[arg(long, value_name = "URL", global = true)]
    pub proxy: Option<String>,
    /// Also trust the certificate authorities in this PEM file (e.g. a TLS-inspecting
    /// corporate proxy's).
    #[arg(long, value_name = "PATH", global = true)]
    pub ca_bundle: Option<PathBuf>,
    /// Do not check server certificates at all. Dangerous: for tests and debugging only.
    #[arg(long, global = true)]
    pub insecure: bool,
    /// Retry a failed connection at most N times in a row, then give up (exit code 4); 0 gives
    /// up at the first failure [default: retry forever, with back-off].
    #[arg(long, value_name = "N", global = true, value_parser = parse_u32, allow_negative_numbers = true)]
    pub max_retries: Option<u32>,
    /// Reconnect when no byte (not even a keep-alive) arrives for this long
    /// [default: 30s on v2, 90s on v1.1].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, global = true, allow_hyphen_values = true)]
    pub stall_timeout: Option<Duration>,
    /// Config file to read credentials from [default: $XDG_CONFIG_HOME/tweetstream/config.toml].
    #[arg(
        long,
        env = "TWEETSTREAM_CONFIG",
        value_name = "FILE",
        global = true,
        hide_env_values = true
    )]
    pub config: Option<PathBuf>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Watch tweets flow: an in-process emulator, three rules, a filtered stream. No credentials.
    #[command(after_help = "\
Examples:
  tweetstream demo                  # 50 tweets at about 20 tweets/s, then a summary
  tweetstream demo --limit 10 --rate 100
  tweetstream demo --rate 0         # as fast as it goes

Stops after --limit matching tweets or at Ctrl-C. Exit code 0 when done.")]
    Demo(DemoArgs),

    /// Archive the v2 sample stream (or a firehose / sample10 partition) to JSONL.
    #[command(after_help = format!("\
Examples:
  tweetstream sample --output sample.jsonl --limit 10000
  tweetstream sample --output sample.jsonl --rotate-size 1GB --gzip
  tweetstream sample --minimal-fields --limit 100     # X's default fields: id and text
  tweetstream sample --endpoint firehose --partition 3 --output part3.jsonl
  tweetstream sample --api-base http://127.0.0.1:8080 --duration 1m > sample.jsonl

Every field and expansion is requested unless --minimal-fields (an archive cannot be fetched
again later). Each message is written byte-for-byte as X sent it, one per line, keep-alives
excluded.

{EXIT_CODES_HELP}"))]
    Sample(SampleArgs),

    /// Archive the v2 filtered stream (tweets matching your rules) to JSONL.
    #[command(after_help = format!("\
Examples:
  tweetstream filter --rule 'cat has:images' --tag cats --rule 'dog' --output pets.jsonl
  tweetstream filter --output week.jsonl --rotate-interval 1d --gzip --provenance --duration 7d
  tweetstream filter --expansions author_id --user-fields username,verified --limit 100

--rule adds the rule before connecting (rules stay active afterwards; see `tweetstream rules`);
a --tag applies to the --rule before it. The active rules are printed on stderr at start.
Every field and expansion is requested unless --minimal-fields.

{EXIT_CODES_HELP}"))]
    Filter(FilterArgs),

    /// Archive any v2 stream by name: tweets, likes, compliance, labels, activity.
    #[command(after_help = format!("\
Examples:
  tweetstream stream --list                               # every NAME, what it is, its partitions
  tweetstream stream tweets/compliance --partition 1-4 --output compliance.jsonl
  tweetstream stream tweets/firehose --partition all --output firehose.jsonl --rotate-size 1GB --gzip
  tweetstream stream likes/sample10 --partition 1 --limit 1000
  tweetstream stream tweets/firehose/lang/ja --partition 2 --start-time 2026-12-01T00:00:00Z
  tweetstream stream tweets/sample --redundant 2 --output sample.jsonl

NAME is the path between /2/ and /stream. Every field and expansion the stream offers is
requested unless --minimal-fields. With --partition A-B or all, each partition has its own
connection (reconnected on its own) and all go to one output; the progress line counts each,
and a partition that fails for good ends the run, naming it. With --redundant N, each message
is written once, in order of first arrival.
Each message is written byte-for-byte as X sent it, one per line, keep-alives excluded.

{EXIT_CODES_HELP}"))]
    Stream(crate::stream_cmd::StreamArgs),

    /// Read a NATS JetStream stream (written with --output nats://…) back into JSONL.
    #[command(after_help = format!("\
Examples:
  tweetstream consume nats://127.0.0.1:4222/x.tweets --output tweets.jsonl --idle 10s
  tweetstream consume nats://user:pass@nats.example:4222/x.tweets --durable research-1 | jq .data.text

A durable pull consumer (--durable NAME) remembers where a run stopped: the next run with the
same name goes on from there. Lines are written, flushed and fsynced before their messages are
acknowledged, so a crash may repeat the last batch but never loses it.

{EXIT_CODES_HELP}"))]
    Consume(crate::nats::consume::ConsumeArgs),

    /// Manage the filtered stream's rules: list, add, delete, clear, sync, validate.
    #[command(
        subcommand,
        after_help = "\
Examples:
  tweetstream rules list
  tweetstream rules add 'cat has:images' --tag cats
  tweetstream rules delete 'cat has:images' 1734587001237012480
  tweetstream rules sync rules.tsv --dry-run
  tweetstream rules validate '(rust OR go) lang:en'

Needs X_BEARER_TOKEN (except validate)."
    )]
    Rules(RulesCommand),

    /// API v1.1 streams (OAuth 1.0a): statuses/sample and statuses/filter.
    #[command(
        subcommand,
        after_help = "\
Examples:
  tweetstream v1 sample --output sample.jsonl
  tweetstream v1 filter --track rust,tokio --output rust.jsonl

Needs X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET."
    )]
    V1(V1Command),

    /// Run the local emulator of the X streaming API (same options as tweetstream-emulator).
    #[command(after_help = "\
Examples:
  tweetstream emulate                         # prints http://127.0.0.1:PORT, serves until Ctrl-C
  tweetstream emulate --port 8080 --rate 50 --bearer-token t
  tweetstream emulate --corpus tweets.jsonl --scenario faults.toml

Then point any command at it: tweetstream --api-base http://127.0.0.1:8080 sample --limit 10
(with no --bearer-token configured the emulator accepts any bearer token).")]
    Emulate(tweetstream_emulator::cli::Args),

    /// Save credentials to the config file (permissions 0600); values are never echoed.
    #[command(after_help = "\
Examples:
  tweetstream configure                # prompts for each value (input hidden; Enter keeps the current one)
  tweetstream configure --from-env     # saves X_BEARER_TOKEN, X_CONSUMER_KEY, ... from the environment
  tweetstream configure --show         # which values are set, and where (values are never shown)

When stdin is not a terminal, one value per line is read in this order: bearer token,
consumer key, consumer secret, access token, access token secret (an empty line keeps the
current value).")]
    Configure(ConfigureArgs),
}

/// `demo` options.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Stop after this many matching tweets.
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = parse_positive, allow_negative_numbers = true)]
    pub limit: u64,
    /// Tweets per second the emulator posts (0 = as fast as possible).
    #[arg(long, value_name = "PER_SECOND", default_value_t = 20.0)]
    pub rate: f64,
    /// Seed of the emulator's synthetic tweets [default: a new one each run].
    #[arg(long)]
    pub seed: Option<u64>,
}

/// Output options of every streaming command.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Write JSONL here ("-" = stdout) [default: stdout].
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Stop after N messages (1 or more).
    #[arg(long, value_name = "N", value_parser = parse_positive, allow_negative_numbers = true)]
    pub limit: Option<u64>,
    /// Stop after this long (30s, 15min, 2h, 7days…).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, allow_hyphen_values = true)]
    pub duration: Option<Duration>,
    /// Also write FILE.meta.json: request URL (no secrets), tool version, times, counts.
    #[arg(long)]
    pub provenance: bool,
    /// Start a new file (name.0001.jsonl, name.0002.jsonl…) when the current one reaches SIZE
    /// (on disk, i.e. compressed with --gzip): 500MB, 1GiB…
    #[arg(long, value_name = "SIZE", value_parser = parse_size, allow_hyphen_values = true)]
    pub rotate_size: Option<u64>,
    /// Start a new file every DURATION (1h, 1d…).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, allow_hyphen_values = true)]
    pub rotate_interval: Option<Duration>,
    /// gzip each file (".gz" is added to the name).
    #[arg(long)]
    pub gzip: bool,
    /// Append to an existing output file instead of refusing to touch it.
    #[arg(long, conflicts_with = "overwrite")]
    pub append: bool,
    /// Replace an existing output file instead of refusing to touch it.
    #[arg(long)]
    pub overwrite: bool,
    /// NATS JetStream.
    #[command(flatten)]
    pub nats: crate::nats::NatsArgs,
}

/// The v2 `*.fields`, `expansions` and `backfill_minutes` parameters.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Fields")]
pub struct FieldsArgs {
    /// tweet.fields, comma-separated (created_at,author_id,lang…).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub tweet_fields: Vec<String>,
    /// user.fields, comma-separated (username,verified…).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub user_fields: Vec<String>,
    /// media.fields, comma-separated.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub media_fields: Vec<String>,
    /// place.fields, comma-separated.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub place_fields: Vec<String>,
    /// poll.fields, comma-separated.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub poll_fields: Vec<String>,
    /// expansions, comma-separated (author_id,referenced_tweets.id…).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub expansions: Vec<String>,
    /// X's default fields only: `id` and `text` for a Post (and `edit_history_tweet_ids`),
    /// no expansions. The lists above are added to them.
    #[arg(long, conflicts_with = "all_fields")]
    pub minimal_fields: bool,
    /// Every field and expansion the stream offers: the default, as an archive cannot be
    /// fetched again later (the lists above are added to it).
    #[arg(long)]
    pub all_fields: bool,
    /// First replay up to 5 minutes of tweets missed while disconnected (0–5).
    #[arg(long, value_name = "MINUTES", value_parser = parse_u32, allow_negative_numbers = true)]
    pub backfill_minutes: Option<u32>,
    /// Gapless reconnects: each reconnect asks X to replay the minutes since the last tweet
    /// and skips tweets already written (needs an access level with backfill).
    #[arg(long)]
    pub backfill_on_reconnect: bool,
}

/// Which v2 sampled stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Endpoint {
    /// The 1% sample, /2/tweets/sample/stream.
    Sample,
    /// The firehose, /2/tweets/firehose/stream (--partition 1–20).
    Firehose,
    /// The 10% sample, /2/tweets/sample10/stream (--partition 1–2).
    Sample10,
}

/// `sample` options.
#[derive(Debug, Clone, Args)]
pub struct SampleArgs {
    /// The stream: sample (the 1%), firehose (all Posts, --partition 1–20) or sample10 (the
    /// 10%, --partition 1–2).
    #[arg(long, value_enum, default_value_t = Endpoint::Sample, hide_possible_values = true)]
    pub endpoint: Endpoint,
    /// Partition of a partitioned stream (firehose 1–20, sample10 1–2).
    #[arg(long, value_name = "N", value_parser = parse_positive_u32, allow_negative_numbers = true)]
    pub partition: Option<u32>,
    /// Fields.
    #[command(flatten)]
    pub fields: FieldsArgs,
    /// Connections.
    #[command(flatten)]
    pub conn: crate::stream_cmd::ConnArgs,
    /// Output.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `filter` options.
#[derive(Debug, Clone, Args)]
pub struct FilterArgs {
    /// Add this rule before connecting (repeatable).
    #[arg(
        long = "rule",
        value_name = "VALUE",
        action = clap::ArgAction::Append,
        allow_hyphen_values = true
    )]
    pub rules: Vec<String>,
    /// Tag of the --rule just before it.
    #[arg(long = "tag", value_name = "TAG", action = clap::ArgAction::Append)]
    pub tags: Vec<String>,
    /// Fields.
    #[command(flatten)]
    pub fields: FieldsArgs,
    /// Connections.
    #[command(flatten)]
    pub conn: crate::stream_cmd::ConnArgs,
    /// Output.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `rules` subcommands.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the active rules: ID<TAB>VALUE<TAB>TAG per line.
    #[command(after_help = "\
Examples:
  tweetstream rules list
  tweetstream rules list --json
  tweetstream rules list | cut -f2- > rules.tsv      # a file for `rules sync`")]
    List {
        /// One JSON object per rule instead.
        #[arg(long)]
        json: bool,
    },
    /// Add a rule.
    #[command(after_help = "\
Examples:
  tweetstream rules add 'cat has:images -is:retweet' --tag 'cat pictures'
  tweetstream rules add '(rust OR rustlang) lang:en' --dry-run

The rule is checked offline first; an invalid rule exits with code 2.
stdout is one line, ID<TAB>VALUE<TAB>TAG as `rules list` prints it, for the rule now active:
the one added, or the one already active with that value (its id and tag; exit code 0, and a
warning on stderr when its tag is not the one asked for). With --dry-run nothing is added
and the ID column is `-`.")]
    Add {
        /// The rule.
        #[arg(allow_hyphen_values = true)]
        value: String,
        /// Its tag.
        #[arg(long)]
        tag: Option<String>,
        /// Let X validate without adding.
        #[arg(long)]
        dry_run: bool,
    },
    /// Delete rules by id or by value.
    #[command(after_help = "\
Examples:
  tweetstream rules delete 1734587001237012480
  tweetstream rules delete 'cat has:images' dog
  tweetstream rules delete -- '-is:retweet cat'     # `--` before values that start with -

An argument that is the id of an active rule deletes that rule; otherwise it is taken as a rule
value. An argument that matches no active rule is an error (exit code 1) and nothing is deleted.")]
    Delete {
        /// Rule ids or values.
        #[arg(required = true, value_name = "ID_OR_VALUE")]
        rules: Vec<String>,
        /// Let X validate without deleting.
        #[arg(long)]
        dry_run: bool,
    },
    /// Delete every rule.
    #[command(
        after_help = "Examples:\n  tweetstream rules clear\n  tweetstream rules clear --dry-run"
    )]
    Clear {
        /// Let X validate without deleting.
        #[arg(long)]
        dry_run: bool,
    },
    /// Make the active rules equal to a file of `VALUE<TAB>TAG` lines, with the fewest changes.
    #[command(after_help = "\
Examples:
  tweetstream rules sync rules.tsv
  tweetstream rules sync rules.tsv --dry-run      # only show the diff
  printf 'cat has:images\\tcats\\ndog\\n' | tweetstream rules sync -

The file has one rule per line: the value, optionally a TAB and the tag. Blank lines and lines
starting with # are ignored. Rules already active with the same value and tag are kept; the
others are deleted and the missing ones added. The diff is printed on stdout: `- ` deleted,
`+ ` added.

Safety: a plan that deletes every active rule, or a file where some lines have a TAB and
others of several words do not (a tag separated by spaces would become part of the rule), is
refused (exit 2, nothing changed, the lines named) unless --yes is given. End a line with a
TAB to say \"no tag\" explicitly. --dry-run shows the plan and the warning.")]
    Sync {
        /// The rules file ("-" = stdin).
        file: PathBuf,
        /// Show the diff without changing anything.
        #[arg(long)]
        dry_run: bool,
        /// Apply a plan that deletes every active rule, or a file with lines missing their TAB.
        #[arg(long)]
        yes: bool,
    },
    /// Check rules offline (no network, no credentials).
    #[command(after_help = "\
Examples:
  tweetstream rules validate 'cat has:images' '(rust OR go'
  tweetstream rules validate --max-length 2048 \"$(cat long-rule.txt)\"
  tweetstream rules validate -- '-is:retweet cat'   # `--` before values that start with -

Exit code 0 when every rule is valid, 2 when one is not (the problem is named on stderr).")]
    Validate {
        /// The rules.
        #[arg(required = true, value_name = "VALUE")]
        values: Vec<String>,
        /// Maximum length in characters (1024 on pay-per-use and Pro, 2048 on Enterprise, 512 on
        /// the old Essential and Elevated tiers).
        #[arg(long, value_name = "CHARS", default_value_t = tweetstream::rules::DEFAULT_MAX_RULE_LENGTH,
              value_parser = |s: &str| crate::units::parse_count::<usize>(s, 1), allow_negative_numbers = true)]
        max_length: usize,
    },
}

/// `v1` subcommands.
#[derive(Debug, Subcommand)]
pub enum V1Command {
    /// Archive statuses/sample.json to JSONL.
    #[command(after_help = format!("\
Examples:
  tweetstream v1 sample --output sample.jsonl --language en
  tweetstream v1 sample --stall-warnings --limit 1000 > sample.jsonl

Needs X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET.

{EXIT_CODES_HELP}"))]
    Sample(V1SampleArgs),
    /// Archive statuses/filter.json to JSONL.
    #[command(after_help = format!("\
Examples:
  tweetstream v1 filter --track rust,tokio --output rust.jsonl
  tweetstream v1 filter --follow 12,783214 --language en
  tweetstream v1 filter --locations -122.75,36.8,-121.75,37.8 --filter-level low --delimited

Needs X_CONSUMER_KEY, X_CONSUMER_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET.

{EXIT_CODES_HELP}"))]
    Filter(V1FilterArgs),
}

/// Minimum `filter_level` of v1.1 streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FilterLevel {
    /// Everything.
    None,
    /// Low and medium.
    Low,
    /// Medium only.
    Medium,
}

impl From<FilterLevel> for tweetstream::v1::FilterLevel {
    fn from(l: FilterLevel) -> tweetstream::v1::FilterLevel {
        match l {
            FilterLevel::None => tweetstream::v1::FilterLevel::None,
            FilterLevel::Low => tweetstream::v1::FilterLevel::Low,
            FilterLevel::Medium => tweetstream::v1::FilterLevel::Medium,
        }
    }
}

/// Options both v1.1 streams take.
#[derive(Debug, Clone, Args)]
pub struct V1CommonArgs {
    /// Ask for an uncompressed stream. X recommends gzip over the internet (the default);
    /// on a fast private link this saves the CPU of decompressing.
    #[arg(long)]
    pub no_compression: bool,
    /// Languages (BCP 47), comma-separated.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub language: Vec<String>,
    /// Minimum filter_level: none, low or medium.
    #[arg(long, value_enum, hide_possible_values = true)]
    pub filter_level: Option<FilterLevel>,
    /// Ask for stall warnings (written to the archive like any message).
    #[arg(long)]
    pub stall_warnings: bool,
    /// Use delimited=length framing (the archive stays JSONL).
    #[arg(long)]
    pub delimited: bool,
}

/// `v1 sample` options.
#[derive(Debug, Clone, Args)]
pub struct V1SampleArgs {
    /// Common v1.1 options.
    #[command(flatten)]
    pub common: V1CommonArgs,
    /// Output.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `v1 filter` options.
#[derive(Debug, Clone, Args)]
pub struct V1FilterArgs {
    /// Phrases to track, comma-separated (a space inside a phrase means AND).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub track: Vec<String>,
    /// User ids to follow, comma-separated.
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub follow: Vec<u64>,
    /// Bounding boxes: west,south,east,north[,west,south,east,north…].
    #[arg(
        long,
        value_name = "W,S,E,N",
        value_delimiter = ',',
        allow_hyphen_values = true
    )]
    pub locations: Vec<f64>,
    /// Common v1.1 options.
    #[command(flatten)]
    pub common: V1CommonArgs,
    /// Output.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `configure` options.
#[derive(Debug, Clone, Args)]
pub struct ConfigureArgs {
    /// Save the credentials found in the environment instead of prompting.
    #[arg(long, conflicts_with = "show")]
    pub from_env: bool,
    /// Show which credentials are set and where they come from (never their values).
    #[arg(long)]
    pub show: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
