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
    if let Err(e) = check_global_scope(&matches) {
        eprintln!("tweetstream: error: {}", e.message);
        return ExitCode::from(e.exit as u8);
    }
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

/// The global options about connecting to X (and the config file of credentials).
const CONNECTION: &[&str] = &[
    "api_base",
    "proxy",
    "ca_bundle",
    "insecure",
    "max_retries",
    "stall_timeout",
];

/// The global options a command has no use for: hidden from its help, and refused when given
/// on the command line (an environment variable such as X_API_BASE is simply not used).
fn not_for(command: &[&str]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    match command {
        ["emulate"] | ["consume"] | ["rules", "validate"] => {
            out.extend(CONNECTION);
            out.push("config");
        }
        ["configure"] => out.extend(CONNECTION),
        // The demo runs its own emulator in-process: only its retry and stall settings apply.
        ["demo"] => {
            out.extend(["api_base", "proxy", "ca_bundle", "insecure", "config"]);
        }
        _ => {}
    }
    out
}

/// The help of the command `argv` asks help for, when that command has global options it does
/// not use: rendered without them (clap propagates every global option into every command's
/// help). `None` for the other commands, whose help clap prints as usual.
fn help_without_unused_globals(argv: &[String], long: bool) -> Option<String> {
    let mut root = Cli::command();
    root.build();
    let mut path = Vec::new();
    let mut cur = &root;
    for a in argv.iter().skip(1).filter(|a| !a.starts_with('-')) {
        match cur.find_subcommand(a) {
            Some(sub) => {
                path.push(a.as_str());
                cur = sub;
            }
            None => break,
        }
    }
    let hide = not_for(&path);
    if hide.is_empty() {
        return None;
    }
    // Only rendered, never parsed with: hiding an argument of a built command is safe for help.
    let mut c = hide
        .iter()
        .fold(cur.clone(), |c, id| c.mut_arg(*id, |a| a.hide(true)));
    Some(
        if long {
            c.render_long_help()
        } else {
            c.render_help()
        }
        .to_string(),
    )
}

/// Refuse a global option given on the command line to a command that has no use for it
/// (it used to be silently ignored).
fn check_global_scope(matches: &ArgMatches) -> Result<(), CliError> {
    let mut path = Vec::new();
    let mut m = matches;
    while let Some((name, sub)) = m.subcommand() {
        path.push(name);
        m = sub;
    }
    for id in not_for(&path) {
        if m.value_source(id) == Some(clap::parser::ValueSource::CommandLine) {
            let flag = format!("--{}", id.replace('_', "-"));
            let cmd = path.join(" ");
            return Err(CliError::usage(format!(
                "{flag} does not apply to `tweetstream {cmd}` (see `tweetstream {cmd} --help`)"
            )));
        }
    }
    Ok(())
}

/// A command line clap refused: help and version go out as clap prints them; every other error
/// is the documented one line, `tweetstream: error: …`, with clap's tip, and exit code 2.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp => {
            let argv: Vec<String> = std::env::args().collect();
            let long = argv.iter().any(|a| a == "--help");
            match help_without_unused_globals(&argv, long) {
                Some(help) => {
                    print!("{help}");
                    ExitCode::SUCCESS
                }
                None => e.exit(),
            }
        }
        ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => e.exit(),
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

    #[test]
    fn global_options_only_where_they_apply() {
        let check = |argv: &[&str]| {
            let m = Cli::command().try_get_matches_from(argv).unwrap();
            check_global_scope(&m).map_err(|e| e.message)
        };
        assert_eq!(
            check(&["tweetstream", "emulate", "--max-retries", "3"]).unwrap_err(),
            "--max-retries does not apply to `tweetstream emulate` (see `tweetstream emulate --help`)"
        );
        assert!(check(&["tweetstream", "--proxy", "http://p:1", "emulate"]).is_err());
        assert!(check(&["tweetstream", "configure", "--stall-timeout", "5s"]).is_err());
        assert!(check(&[
            "tweetstream",
            "rules",
            "validate",
            "--api-base",
            "http://x",
            "a"
        ])
        .is_err());
        assert!(check(&["tweetstream", "demo", "--api-base", "http://x"]).is_err());
        assert!(check(&["tweetstream", "demo", "--max-retries", "2"]).is_ok());
        assert!(check(&["tweetstream", "configure", "--config", "c.toml"]).is_ok());
        assert!(check(&["tweetstream", "--max-retries", "3", "sample"]).is_ok());
        assert!(check(&["tweetstream", "-q", "-v", "emulate"]).is_ok());
        // Their help does not list them; a streaming command's does (clap's own help).
        let help = |argv: &[&str]| {
            let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
            help_without_unused_globals(&argv, true)
        };
        let emulate = help(&["tweetstream", "emulate", "--help"]).unwrap();
        assert!(!emulate.contains("--max-retries") && !emulate.contains("--config"));
        assert!(
            emulate.contains("--rate") && emulate.contains("--quiet"),
            "{emulate}"
        );
        assert!(emulate.contains("Usage: tweetstream emulate"), "{emulate}");
        let configure = help(&["tweetstream", "-q", "configure", "-h"]).unwrap();
        assert!(!configure.contains("--proxy") && configure.contains("--config"));
        let validate = help(&["tweetstream", "rules", "validate", "--help"]).unwrap();
        assert!(!validate.contains("--api-base") && validate.contains("--max-length"));
        assert!(help(&["tweetstream", "sample", "--help"]).is_none());
        assert!(help(&["tweetstream", "--help"]).is_none());
    }

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
