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
    /// Stop after N messages (1 or more).
    #[arg(long, value_name = "N", value_parser = crate::units::parse_positive, allow_negative_numbers = true)]
    pub limit: Option<u64>,
    /// Stop when nothing new arrived for this long (default: wait for more until Ctrl-C).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, allow_hyphen_values = true)]
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
    let js = async_nats::jetstream::new(client.clone());
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
    let mut written = 0u64;
    let mut batch = Vec::with_capacity(BATCH);
    let mut last_message = tokio::time::Instant::now();
    let fail = |e: std::io::Error| CliError::new(Exit::Write, format!("cannot write {shown}: {e}"));
    // One pull request per batch (no prefetch beyond it), so every message this run is given
    // is written and acknowledged, or given back, before it stops.
    while !stopper.is_stopped() && !args.limit.is_some_and(|l| written >= l) {
        let want = args
            .limit
            .map_or(BATCH, |l| (l - written).min(BATCH as u64) as usize);
        let mut pulled = consumer
            .batch()
            .max_messages(want)
            .expires(Duration::from_millis(500))
            .messages()
            .await
            .map_err(|e| CliError::failure(format!("cannot read from {}: {e}", out.describe())))?;
        while let Some(m) = pulled.next().await {
            match m {
                Ok(m) => batch.push(m),
                // The pull request ended (expired, or the broker went away): write what came.
                Err(_) => break,
            }
        }
        if batch.is_empty() {
            if args.idle.is_some_and(|idle| last_message.elapsed() >= idle) {
                break;
            }
            continue;
        }
        last_message = tokio::time::Instant::now();
        // Where the file ended before this batch: a failed write is cut back to it, so
        // the file ends on a complete line and holds exactly the acknowledged messages.
        let before = match &file {
            Some(f) => Some(f.get_ref().metadata().map_err(fail)?.len()),
            None => None,
        };
        let w: &mut dyn Write = match file.as_mut() {
            Some(f) => f,
            None => &mut stdout,
        };
        let wrote = write_batch(w, &batch).and_then(|()| match &file {
            Some(f) => f.get_ref().sync_data(),
            None => Ok(()),
        });
        if let Err(e) = wrote {
            // Take the file out of its buffer without flushing it (a flush on drop would
            // append the rest of the failed batch after the cut).
            if let (Some(buffered), Some(len)) = (file.take(), before) {
                let (f, _unwritten) = buffered.into_parts();
                let _ = f.set_len(len);
            }
            // Give the batch back at once (not after the consumer's ack wait), so the
            // next run gets it.
            for m in &batch {
                let _ = m.ack_with(async_nats::jetstream::AckKind::Nak(None)).await;
            }
            // The NAKs are published without a reply: send them before exiting.
            let _ = tokio::time::timeout(Duration::from_secs(5), client.flush()).await;
            let mut err = fail(e);
            err.message.push_str(&format!(
                "; {written} messages were written and acknowledged, the {} of this batch were not (they stay in JetStream for the next run)",
                batch.len()
            ));
            return Err(err);
        }
        for m in batch.drain(..) {
            m.ack()
                .await
                .map_err(|e| CliError::failure(format!("cannot acknowledge a message: {e}")))?;
            written += 1;
        }
    }
    // Acknowledgements are published without a reply: make sure they left before exiting.
    client
        .flush()
        .await
        .map_err(|e| CliError::failure(format!("cannot send the last acknowledgements: {e}")))?;
    if !quiet {
        eprintln!(
            "tweetstream: consumed {written} messages from {} to {shown}",
            out.describe()
        );
    }
    Ok(())
}

/// Write a batch as JSONL lines and flush.
fn write_batch(w: &mut dyn Write, batch: &[async_nats::jetstream::Message]) -> std::io::Result<()> {
    for m in batch {
        w.write_all(&m.payload)?;
        w.write_all(b"\n")?;
    }
    w.flush()
}
