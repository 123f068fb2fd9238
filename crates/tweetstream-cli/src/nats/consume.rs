//! `tweetstream consume nats://HOST:PORT/SUBJECT`: read a JetStream stream back into JSONL
//! through a durable pull consumer (so a second run goes on where the first stopped). Each
//! batch of lines is written, flushed and fsynced before its messages are acknowledged:
//! a crash can repeat the last batch, never lose it.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use futures_util::StreamExt;

use super::{NatsArgs, NatsOutput};
use crate::archive::Stopper;
use crate::error::{CliError, Exit};
use crate::units::parse_duration;

/// `consume` options.
#[derive(Debug, Clone, Args)]
pub struct ConsumeArgs {
    /// nats://[user:pass@]HOST:PORT/SUBJECT
    #[arg(value_name = "URL")]
    pub url: String,
    /// Write JSONL here (appended to; created if missing) [default: stdout].
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The durable consumer's name: a later run with the same name goes on after the last
    /// message this one acknowledged.
    #[arg(long, value_name = "NAME", default_value = "tweetstream-consume")]
    pub durable: String,
    /// Stop after N messages.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
    /// Stop when nothing new arrived for this long (default: wait for more until Ctrl-C).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub idle: Option<Duration>,
    /// NATS options.
    #[command(flatten)]
    pub nats: NatsArgs,
}

/// Messages written per flush, fsync and acknowledgement.
const BATCH: usize = 1000;

/// Run `consume`.
pub async fn run(args: &ConsumeArgs, stopper: Stopper, quiet: bool) -> Result<(), CliError> {
    let out = NatsOutput::parse(&args.url, &args.nats)?;
    if args.limit == Some(0) {
        return Err(CliError::usage("--limit must be at least 1"));
    }
    let mut file: Option<std::io::BufWriter<std::fs::File>> = match &args.output {
        Some(p) => Some(std::io::BufWriter::with_capacity(
            1 << 20,
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .map_err(|e| CliError::failure(format!("cannot open {}: {e}", p.display())))?,
        )),
        None => None,
    };
    let mut stdout = std::io::stdout();
    let shown = args
        .output
        .as_ref()
        .map_or_else(|| "stdout".to_string(), |p| p.display().to_string());
    let client = out.connect().await?;
    let js = async_nats::jetstream::new(client);
    let stream = js.get_stream(&out.args.nats_stream).await.map_err(|e| {
        CliError::failure(format!(
            "no JetStream stream {} on {}: {e}",
            out.args.nats_stream, out.server
        ))
    })?;
    let consumer: async_nats::jetstream::consumer::PullConsumer = stream
        .get_or_create_consumer(
            &args.durable,
            async_nats::jetstream::consumer::pull::Config {
                durable_name: Some(args.durable.clone()),
                filter_subject: out.subject.clone(),
                ..Default::default()
            },
        )
        .await
        .map_err(|e| {
            CliError::failure(format!("cannot create the consumer {}: {e}", args.durable))
        })?;
    let mut messages = consumer
        .messages()
        .await
        .map_err(|e| CliError::failure(format!("cannot read from {}: {e}", out.describe())))?;
    let mut written = 0u64;
    let mut batch = Vec::with_capacity(BATCH);
    let idle = args.idle.unwrap_or(Duration::from_secs(u64::MAX / 4));
    let fail = |e: std::io::Error| CliError::new(Exit::Write, format!("cannot write {shown}: {e}"));
    loop {
        let next = tokio::select! {
            _ = stopper.stopped() => None,
            m = tokio::time::timeout(if batch.is_empty() { idle } else { Duration::from_millis(200) }, messages.next()) => match m {
                Ok(m) => m,
                Err(_) if batch.is_empty() => None,
                Err(_) => Some(Err(async_nats::jetstream::consumer::pull::MessagesError::new(
                    async_nats::jetstream::consumer::pull::MessagesErrorKind::Other,
                ))),
            },
        };
        let (done, pending) = match next {
            Some(Ok(m)) => {
                batch.push(m);
                let full = batch.len() >= BATCH
                    || args
                        .limit
                        .is_some_and(|l| written + batch.len() as u64 >= l);
                (
                    args.limit
                        .is_some_and(|l| written + batch.len() as u64 >= l),
                    full,
                )
            }
            // A quiet moment (or an error): write what is pending.
            Some(Err(_)) => (false, true),
            None => (true, true),
        };
        if pending && !batch.is_empty() {
            let w: &mut dyn Write = match file.as_mut() {
                Some(f) => f,
                None => &mut stdout,
            };
            for m in &batch {
                w.write_all(&m.payload).map_err(fail)?;
                w.write_all(b"\n").map_err(fail)?;
            }
            w.flush().map_err(fail)?;
            if let Some(f) = &file {
                f.get_ref().sync_data().map_err(fail)?;
            }
            for m in batch.drain(..) {
                m.ack()
                    .await
                    .map_err(|e| CliError::failure(format!("cannot acknowledge a message: {e}")))?;
                written += 1;
            }
        }
        if done {
            break;
        }
    }
    if !quiet {
        eprintln!(
            "tweetstream: consumed {written} messages from {} to {shown}",
            out.describe()
        );
    }
    Ok(())
}
