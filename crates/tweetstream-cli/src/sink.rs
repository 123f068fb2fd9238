//! Where an archiving run writes: JSONL files (or stdout) through [`Sink`], or NATS
//! JetStream through [`NatsSink`]. One small enum, so another sink (Kafka) is one more arm.

use std::time::Duration;

use tokio::time::Instant;
use tweetstream::RawLine;

use crate::error::CliError;
use crate::nats::publish::NatsSink;
use crate::output::{FileReport, OutputSpec, Sink, Written};

/// The output of a run.
pub enum Output {
    /// Files or stdout.
    File(Sink),
    /// JetStream: the sink, how long to wait for the last acks, and the first failure.
    Nats(Box<NatsSink>, Duration, Option<CliError>),
}

impl Output {
    /// Open the output described by `spec` (before any request to X).
    pub async fn open(spec: &OutputSpec) -> Result<Output, CliError> {
        match &spec.nats {
            Some(n) => Ok(Output::Nats(
                Box::new(NatsSink::open(n).await?),
                n.args.nats_ack_wait,
                None,
            )),
            None => Sink::open(spec).map(Output::File),
        }
    }

    /// Hand over one message. `false`: the output failed (reported by [`Output::finish`]).
    #[inline]
    pub async fn push(&mut self, line: &RawLine) -> bool {
        match self {
            Output::File(s) => s.push(line.bytes()).await,
            Output::Nats(s, _, failure) => {
                let id = match line.id() {
                    Some(id) => id.to_string(),
                    None => format!("h{:016x}", tweetstream::sniff::hash_of(line.bytes())),
                };
                match s.publish(line.bytes().clone(), id).await {
                    Ok(()) => true,
                    Err(e) => {
                        *failure = Some(e);
                        false
                    }
                }
            }
        }
    }

    /// When [`Output::tick`] has work next.
    pub fn next_deadline(&self) -> Instant {
        match self {
            Output::File(s) => s.next_deadline(),
            Output::Nats(..) => Instant::now() + Duration::from_secs(3600),
        }
    }

    /// Periodic work (flush, time rotation).
    pub async fn tick(&mut self) -> bool {
        match self {
            Output::File(s) => s.tick().await,
            Output::Nats(..) => true,
        }
    }

    /// Close: write, fsync and close the files, or wait for JetStream's acknowledgements.
    pub async fn finish(self) -> Written {
        match self {
            Output::File(s) => s.finish().await,
            Output::Nats(s, within, failure) => {
                let path = s.describe();
                let report = s.finish(within).await;
                let error = failure.or(report.error).or_else(|| {
                    (report.not_stored > 0).then(|| {
                        CliError::new(
                            crate::error::Exit::Write,
                            format!("{} messages were not stored in {path}", report.not_stored),
                        )
                    })
                });
                if report.duplicates > 0 || report.republished > 0 {
                    tracing::info!(
                        "{path}: {} already stored by another archiver, {} published again after an outage",
                        report.duplicates,
                        report.republished
                    );
                }
                Written {
                    files: vec![FileReport {
                        path,
                        messages: report.stored,
                        bytes: report.bytes,
                        bytes_on_disk: 0,
                        removed: false,
                        identity: None,
                    }],
                    failure: None,
                    sink_error: error,
                }
            }
        }
    }
}
