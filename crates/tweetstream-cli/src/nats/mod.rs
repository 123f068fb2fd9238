//! NATS JetStream: `--output nats://[user:pass@]HOST:PORT/SUBJECT` publishes every message to
//! a JetStream stream ([`publish`]), and `tweetstream consume` reads one back to JSONL
//! ([`consume`]). The sink side is one more output next to files (see `archive`), so a Kafka
//! sink could be added the same way.

pub mod consume;
pub mod publish;

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

use crate::error::CliError;
use crate::units::{parse_duration, parse_size};

/// The JetStream options of the archiving commands and of `consume`.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "NATS JetStream (with --output nats://HOST:PORT/SUBJECT)")]
pub struct NatsArgs {
    /// The JetStream stream to publish to (created with the subject and a 2-minute
    /// duplicate window if missing; an existing stream is used as it is).
    #[arg(long, value_name = "NAME", default_value = "tweetstream")]
    pub nats_stream: String,
    /// A NATS credentials file (JWT and seed). Never printed.
    #[arg(long, value_name = "FILE")]
    pub nats_creds: Option<PathBuf>,
    /// Messages held until the broker acknowledges them, at most SIZE; while the broker is
    /// down the archiver keeps reading into it, and stops with an error when it is full.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "256MiB")]
    pub nats_buffer: u64,
    /// Publishes awaiting an acknowledgement at once (more: faster on a distant broker).
    #[arg(long, value_name = "N", default_value_t = 1024,
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub nats_max_in_flight: u64,
    /// At exit (limit, duration, Ctrl-C, SIGTERM), how long to wait for the last
    /// acknowledgements.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "30s")]
    pub nats_ack_wait: Duration,
}

/// Where to publish: parsed and checked before any request.
#[derive(Clone)]
pub struct NatsOutput {
    /// `HOST:PORT`.
    pub server: String,
    /// The subject.
    pub subject: String,
    user: Option<(String, String)>,
    /// The options.
    pub args: NatsArgs,
}

impl std::fmt::Debug for NatsOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsOutput")
            .field("server", &self.server)
            .field("subject", &self.subject)
            .field("user", &self.user.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}

/// Whether `--output` names a NATS server.
pub fn is_nats(output: &str) -> bool {
    output.starts_with("nats://")
}

impl NatsOutput {
    /// From `nats://[user:pass@]HOST:PORT/SUBJECT` and the flags.
    pub fn parse(url: &str, args: &NatsArgs) -> Result<NatsOutput, CliError> {
        let bad = |why: &str| {
            CliError::usage(format!(
                "--output {}: {why} (expected nats://[user:pass@]HOST:PORT/SUBJECT)",
                redact(url)
            ))
        };
        let u = url::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
        if u.scheme() != "nats" {
            return Err(bad("not a nats:// URL"));
        }
        let host = u
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("no host"))?;
        let port = u.port().unwrap_or(4222);
        // The URL parser percent-encodes some characters of the path ('>' among them).
        let subject = percent_encoding::percent_decode_str(u.path().trim_start_matches('/'))
            .decode_utf8_lossy()
            .into_owned();
        if subject.is_empty() {
            return Err(bad("no subject"));
        }
        if subject
            .split('.')
            .any(|t| t.is_empty() || t.contains(['*', '>', ' ']))
        {
            return Err(bad(&format!(
                "{subject:?} is not a subject to publish to (dot-separated tokens, no wildcards)"
            )));
        }
        if args.nats_stream.is_empty() || args.nats_stream.contains(['.', '*', '>', ' ']) {
            return Err(CliError::usage(format!(
                "--nats-stream {:?}: a stream name has no dots, wildcards or spaces",
                args.nats_stream
            )));
        }
        if args.nats_buffer < 1 << 20 {
            return Err(CliError::usage(
                "--nats-buffer must be at least 1MiB (it holds unacknowledged messages)",
            ));
        }
        let user = (!u.username().is_empty()).then(|| {
            let dec = |s: &str| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            };
            (dec(u.username()), dec(u.password().unwrap_or("")))
        });
        if user.is_some() && args.nats_creds.is_some() {
            return Err(CliError::usage(
                "give either user:pass@ in the nats:// URL or --nats-creds, not both",
            ));
        }
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        Ok(NatsOutput {
            server: format!("{host}:{port}"),
            subject,
            user,
            args: args.clone(),
        })
    }

    /// For messages and the provenance record: no credentials.
    pub fn describe(&self) -> String {
        format!(
            "nats://{}/{} (JetStream stream {})",
            self.server, self.subject, self.args.nats_stream
        )
    }

    /// Connect (the client reconnects by itself afterwards).
    pub async fn connect(&self) -> Result<async_nats::Client, CliError> {
        let mut o = async_nats::ConnectOptions::new()
            .name(concat!("tweetstream-cli/", env!("CARGO_PKG_VERSION")))
            .max_reconnects(None)
            .connection_timeout(Duration::from_secs(5));
        if let Some((u, p)) = &self.user {
            o = o.user_and_password(u.clone(), p.clone());
        }
        if let Some(f) = &self.args.nats_creds {
            o = o
                .credentials_file(f)
                .await
                .map_err(|e| CliError::usage(format!("--nats-creds {}: {e}", f.display())))?;
        }
        o.connect(self.server.as_str()).await.map_err(|e| {
            CliError::failure(format!(
                "cannot connect to NATS at {}: {}",
                self.server,
                redact(&e.to_string())
            ))
        })
    }
}

/// A URL or message with any `user:pass@` removed.
pub fn redact(s: &str) -> String {
    match (s.find("://"), s.find('@')) {
        (Some(a), Some(b)) if b > a => format!("{}{}", &s[..a + 3], &s[b + 1..]),
        _ => s.to_string(),
    }
}

/// Whether a NATS subject filter (`*` one token, `>` the rest) takes `subject`.
pub fn subject_matches(filter: &str, subject: &str) -> bool {
    let mut f = filter.split('.');
    let mut s = subject.split('.');
    loop {
        match (f.next(), s.next()) {
            (Some(">"), Some(_)) => return true,
            (Some("*"), Some(_)) => {}
            (Some(a), Some(b)) if a == b => {}
            (None, None) => return true,
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_filters() {
        assert!(subject_matches("x.tweets", "x.tweets"));
        assert!(subject_matches("x.*", "x.tweets"));
        assert!(subject_matches("x.>", "x.a.b"));
        assert!(!subject_matches("x.>", "x"));
        assert!(!subject_matches("x.tweets", "other.y"));
        assert!(!subject_matches("x.*", "x.a.b"));
        assert!(!subject_matches("x.a", "x.a.b"));
    }
    use clap::Parser;

    #[derive(Parser)]
    struct T {
        #[command(flatten)]
        n: NatsArgs,
    }

    fn args() -> NatsArgs {
        T::parse_from(["t"]).n
    }

    #[test]
    fn targets_parse_and_never_show_credentials() {
        let o = NatsOutput::parse("nats://bob:s3cret@127.0.0.1:4333/x.tweets", &args()).unwrap();
        assert_eq!(o.server, "127.0.0.1:4333");
        assert_eq!(o.subject, "x.tweets");
        assert!(!format!("{o:?}").contains("s3cret"));
        assert!(!o.describe().contains("s3cret"));
        assert_eq!(
            NatsOutput::parse("nats://h/s", &args()).unwrap().server,
            "h:4222"
        );
        for bad in [
            "nats://h:1/",
            "nats://h:1/a.*",
            "nats://h:1/a..b",
            "http://h/s",
        ] {
            let e = NatsOutput::parse(bad, &args()).unwrap_err();
            assert!(e.message.contains("--output"), "{bad}: {}", e.message);
        }
        let e = NatsOutput::parse("nats://u:pw@h:1/a.*", &args()).unwrap_err();
        assert!(!e.message.contains("pw"), "{}", e.message);
    }
}
