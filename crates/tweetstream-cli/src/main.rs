//! `tweetstream`: archive the X (Twitter) streaming APIs to JSONL, manage filtered-stream
//! rules, run the local emulator, or watch a demo. See `tweetstream --help`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod archive;
mod cli;
mod config;
mod demo;
mod error;
mod nats;
mod output;
mod progress;
mod provenance;
mod rules;
mod sink;
mod stream_cmd;
mod v1;
mod v2;

use tweetstream_cli::{config_file, units};

use std::process::ExitCode;
use std::time::Duration;

use clap::{ArgMatches, CommandFactory, FromArgMatches};
use tweetstream::StreamRule;

use crate::archive::Stopper;
use crate::cli::{Cli, Command};
use crate::error::{CliError, Exit};

fn main() -> ExitCode {
    let matches = match Cli::command().try_get_matches() {
        Ok(m) => m,
        Err(e) => return usage_error(e),
    };
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    init_logging(cli.global.verbosity);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tweetstream: error: cannot start the async runtime: {e}");
            return ExitCode::from(Exit::Failure as u8);
        }
    };
    let result = rt.block_on(dispatch(cli, &matches));
    rt.shutdown_timeout(Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::from(Exit::Done as u8),
        Err(e) => {
            eprintln!("tweetstream: error: {}", e.message);
            ExitCode::from(e.exit as u8)
        }
    }
}

async fn dispatch(cli: Cli, matches: &ArgMatches) -> Result<(), CliError> {
    let global = cli.global;
    let stopper = Stopper::default();
    match &cli.command {
        Command::Demo(a) => {
            stopper.catch_signals();
            demo::run(&global, a, stopper).await
        }
        Command::Sample(a) => {
            stopper.catch_signals();
            v2::sample(&global, a, stopper).await
        }
        Command::Filter(a) => {
            let sub = matches
                .subcommand_matches("filter")
                .ok_or_else(|| CliError::failure("internal error: no filter arguments"))?;
            let rules = pair_rules(sub, &a.rules, &a.tags)?;
            stopper.catch_signals();
            v2::filter(&global, a, rules, stopper).await
        }
        Command::Consume(a) => {
            stopper.catch_signals();
            nats::consume::run(a, stopper, global.quiet).await
        }
        Command::Stream(a) => {
            stopper.catch_signals();
            stream_cmd::run(&global, a, stopper).await
        }
        Command::Rules(cmd) => rules::run(&global, cmd).await,
        Command::V1(cmd) => {
            stopper.catch_signals();
            v1::run(&global, cmd, stopper).await
        }
        Command::Emulate(args) => tweetstream_emulator::cli::run(args.clone())
            .await
            .map_err(CliError::failure),
        Command::Configure(a) => config::configure(&global, a),
    }
}

/// A command line clap refused: help and version go out as clap prints them; every other error
/// is the documented one line, `tweetstream: error: …`, with clap's tip, and exit code 2.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
        _ => {
            eprintln!(
                "tweetstream: error: {}",
                usage_line(&e.render().to_string())
            );
            ExitCode::from(Exit::Usage as u8)
        }
    }
}

/// clap's multi-line error text as one line: the error, then its tips; the usage block and
/// the "For more information" line give way to a pointer to --help.
fn usage_line(rendered: &str) -> String {
    let mut error = String::new();
    let mut tips = Vec::new();
    for line in rendered.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("error:") {
            error = rest.trim().to_string();
        } else if let Some(tip) = line.strip_prefix("tip:") {
            tips.push(tip.trim().to_string());
        } else if line.starts_with("Usage:") || line.starts_with("For more information") {
            continue;
        } else if !line.is_empty() && tips.is_empty() && !error.is_empty() && !line.contains("  ") {
            error.push(' ');
            error.push_str(line);
        }
    }
    tips.push("see --help".to_string());
    format!("{error} ({})", tips.join("; "))
}

/// Pair each `--tag` with the `--rule` before it on the command line.
fn pair_rules(
    m: &ArgMatches,
    rules: &[String],
    tags: &[String],
) -> Result<Vec<StreamRule>, CliError> {
    let rule_at: Vec<usize> = m
        .indices_of("rules")
        .map(|i| i.collect())
        .unwrap_or_default();
    let tag_at: Vec<usize> = m
        .indices_of("tags")
        .map(|i| i.collect())
        .unwrap_or_default();
    let mut out: Vec<StreamRule> = rules.iter().map(StreamRule::new).collect();
    for (tag, at) in tags.iter().zip(tag_at) {
        let Some(ix) = rule_at.iter().rposition(|&r| r < at) else {
            return Err(CliError::usage(format!(
                "--tag {tag:?} must follow the --rule it tags"
            )));
        };
        let Some(rule) = out.get_mut(ix) else {
            return Err(CliError::usage("--tag without a --rule"));
        };
        if rule.tag.is_some() {
            return Err(CliError::usage(format!(
                "two --tag options follow --rule {:?}",
                rule.value
            )));
        }
        rule.tag = Some(tag.clone());
    }
    Ok(out)
}

/// Logging on stderr: the library's warnings by default, more with -v / -vv / -vvv. Only
/// tweetstream's own crates log at debug level, and none of them logs a credential.
fn init_logging(verbosity: u8) {
    let directive = match verbosity {
        // async-nats warns about each pending acknowledgement when a run ends during an
        // outage; the CLI reports those messages itself, as counts.
        0 => "warn,async_nats=error,tweetstream=warn",
        1 => {
            "warn,async_nats=error,tweetstream=info,tweetstream_cli=info,tweetstream_emulator=info"
        }
        2 => "warn,tweetstream=debug,tweetstream_cli=debug,tweetstream_emulator=debug",
        _ => "info,tweetstream=trace,tweetstream_cli=trace,tweetstream_emulator=trace",
    };
    let filter = tracing_subscriber::EnvFilter::new(directive);
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter_matches(args: &[&str]) -> (Cli, ArgMatches) {
        let mut argv = vec!["tweetstream", "filter"];
        argv.extend_from_slice(args);
        let m = Cli::command().try_get_matches_from(argv).unwrap();
        (Cli::from_arg_matches(&m).unwrap(), m)
    }

    #[test]
    fn usage_errors_are_one_line() {
        let e = Cli::command()
            .try_get_matches_from(["tweetstream", "sample", "--bogus"])
            .unwrap_err();
        let line = usage_line(&e.render().to_string());
        assert!(!line.contains('\n'), "{line}");
        assert!(
            line.starts_with("unexpected argument '--bogus' found ("),
            "{line}"
        );
        assert!(line.ends_with("see --help)"), "{line}");
        let e = Cli::command()
            .try_get_matches_from(["tweetstream", "sample", "--limit", "-5"])
            .unwrap_err();
        let line = usage_line(&e.render().to_string());
        assert_eq!(
            line,
            "invalid value '-5' for '--limit <N>': must be at least 1 (see --help)"
        );
    }

    #[test]
    fn tags_follow_their_rules() {
        let (cli, m) = filter_matches(&["--rule", "cat", "--tag", "pets", "--rule", "dog"]);
        let Command::Filter(a) = &cli.command else {
            panic!()
        };
        let sub = m.subcommand_matches("filter").unwrap();
        let r = pair_rules(sub, &a.rules, &a.tags).unwrap();
        assert_eq!(r[0].tag.as_deref(), Some("pets"));
        assert_eq!(r[1].tag, None);
        let (cli, m) = filter_matches(&["--tag", "pets", "--rule", "cat"]);
        let Command::Filter(a) = &cli.command else {
            panic!()
        };
        let sub = m.subcommand_matches("filter").unwrap();
        assert!(pair_rules(sub, &a.rules, &a.tags).is_err());
    }
}
