//! The reconnect policy: a pure state machine that decides how long to wait before the next
//! connection attempt, or to give up. No I/O, no clock: the supervisor tells it what happened
//! and sleeps for what it answers.
//!
//! [`Backoff`] implements X's connection guidelines (see the crate's README):
//!
//! | what happened | wait |
//! |---|---|
//! | an established connection dropped (error, stall or clean close after data) | reconnect **at once**, once |
//! | network error (connect, timeout, lost before any data, stall before any data) | 250 ms, 500 ms, 750 ms … +250 ms each, capped at 16 s |
//! | HTTP error (5xx, other retryable statuses) | 5 s, 10 s, 20 s … doubling, capped at 320 s |
//! | rate limited (429 on v2, 420 on v1.1) | 60 s, 120 s, 240 s … doubling, capped at 960 s (configurable) |
//! | a 200 that closed cleanly with nothing sent | at once the first time; the next such close in a row waits as a network error |
//! | a fatal status (400, 401, 403, 404, 406, 409, 413, 416 by default) | stop at once |
//!
//! Where tweepy does otherwise, tweetstream does better:
//! * `max_retries` counts **every** failed attempt since the last good connection (network
//!   errors too), and the policy gives up **without sleeping** after the last permitted failure;
//! * counters reset only when data (a message or a keep-alive) arrives, not on a bare 200, so a
//!   server that accepts and drops at once cannot cause a hot reconnect loop;
//! * statuses that cannot succeed on retry end the stream instead of being retried forever.
//!
//! ```
//! use std::time::Duration;
//! use tweetstream::policy::{Backoff, Decision, Failure, ReconnectPolicy};
//!
//! let mut policy = Backoff::default();
//! assert_eq!(policy.on_failure(&Failure::Http(503)), Decision::Retry(Duration::from_secs(5)));
//! assert_eq!(policy.on_failure(&Failure::Http(503)), Decision::Retry(Duration::from_secs(10)));
//! assert_eq!(policy.on_failure(&Failure::Http(401)), Decision::Stop);
//! ```

use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

/// What went wrong with a connection attempt or an open connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// A network error: connect failure, timeout, connection lost while reading, or a stall.
    Network,
    /// The server answered with a non-200 status that is not a rate limit.
    Http(u16),
    /// The server answered with a rate-limit status (429, or 420 on v1.1).
    RateLimited(u16),
    /// The server closed the body cleanly (or announced a disconnect in-band).
    Closed,
}

/// The policy's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Wait this long, then reconnect.
    Retry(Duration),
    /// Give up: the retry budget is spent.
    GiveUp,
    /// Stop at once: this failure cannot be cured by retrying.
    Stop,
}

/// Why the supervisor is reconnecting (reported with each scheduled reconnect).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReconnectReason {
    /// The server closed the stream cleanly.
    Closed,
    /// A network error.
    Network(String),
    /// No data within the stall timeout.
    StallTimeout(Duration),
    /// An HTTP error status.
    Http(u16),
    /// A rate-limit status (429 / 420).
    RateLimited(u16),
    /// The server announced a disconnect in the stream (v2 operational-disconnect, v1.1 `disconnect`).
    ServerDisconnect(String),
    /// The server disconnected this client for reading too slowly (v2 `SlowReader`, v1.1
    /// disconnect code 4): the consumer, not the network, is the problem.
    SlowReader(String),
}

impl fmt::Display for ReconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReconnectReason::Closed => f.write_str("stream closed by the server"),
            ReconnectReason::Network(e) => write!(f, "network error: {e}"),
            ReconnectReason::StallTimeout(d) => write!(f, "stall: no data for {d:?}"),
            ReconnectReason::Http(s) => write!(f, "HTTP error {s}"),
            ReconnectReason::RateLimited(s) => write!(f, "rate limited (HTTP {s})"),
            ReconnectReason::ServerDisconnect(r) => write!(f, "server disconnect: {r}"),
            ReconnectReason::SlowReader(r) => {
                write!(f, "disconnected for reading too slowly: {r}")
            }
        }
    }
}

/// A reconnect policy. Implement it to replace [`Backoff`]; the supervisor calls it from one
/// task at a time.
pub trait ReconnectPolicy: Send + 'static {
    /// A connection got a 200 response.
    fn on_connected(&mut self) {}
    /// Data (a message or a keep-alive) arrived on the current connection.
    fn on_data(&mut self) {}
    /// A failure happened; `established` is true when the connection had received data.
    /// Answer how long to wait, or to stop.
    fn on_failure_after(&mut self, failure: &Failure, established: bool) -> Decision;
    /// Shorthand for a failure of a connection attempt that never got data.
    fn on_failure(&mut self, failure: &Failure) -> Decision {
        self.on_failure_after(failure, false)
    }
    /// Failed attempts since the last good connection.
    fn failed_attempts(&self) -> u32;
    /// Whether a non-200 status is a rate limit or another HTTP error. The supervisor asks
    /// this for every status. Default: 429 is a rate limit.
    fn classify(&self, status: u16) -> Failure {
        if status == 429 {
            Failure::RateLimited(status)
        } else {
            Failure::Http(status)
        }
    }
}

/// X's back-off schedule with tweetstream's fixes; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Backoff {
    /// Give up after this many failed attempts since the last good connection (`None`: never).
    pub max_retries: Option<u32>,
    /// Network-error step (and first wait): 250 ms.
    pub network_step: Duration,
    /// Network-error cap: 16 s.
    pub network_cap: Duration,
    /// First HTTP-error wait: 5 s.
    pub http_start: Duration,
    /// HTTP-error cap: 320 s.
    pub http_cap: Duration,
    /// First rate-limit wait: 60 s.
    pub rate_limit_start: Duration,
    /// Rate-limit cap: 960 s.
    pub rate_limit_cap: Duration,
    /// Statuses that end the stream at once.
    pub fatal_statuses: BTreeSet<u16>,
    /// Statuses treated as rate limits (429; add 420 for v1.1).
    pub rate_limit_statuses: BTreeSet<u16>,
    /// Random jitter as a fraction of each wait (0.0 = none; 0.2 = ±20 %).
    pub jitter: f64,
    failed: u32,
    network_failures: u32,
    empty_closes: u32,
    next_http: Duration,
    next_rate: Duration,
    rng: u64,
}

/// The statuses that end a stream at once by default.
pub const DEFAULT_FATAL_STATUSES: [u16; 8] = [400, 401, 403, 404, 406, 409, 413, 416];

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            max_retries: None,
            network_step: Duration::from_millis(250),
            network_cap: Duration::from_secs(16),
            http_start: Duration::from_secs(5),
            http_cap: Duration::from_secs(320),
            rate_limit_start: Duration::from_secs(60),
            rate_limit_cap: Duration::from_secs(960),
            fatal_statuses: DEFAULT_FATAL_STATUSES.into_iter().collect(),
            rate_limit_statuses: [429].into_iter().collect(),
            jitter: 0.0,
            failed: 0,
            network_failures: 0,
            empty_closes: 0,
            next_http: Duration::from_secs(5),
            next_rate: Duration::from_secs(60),
            rng: 0x9E37_79B9_7F4A_7C15,
        }
    }
}

impl Backoff {
    /// The v2 defaults with a retry budget.
    pub fn with_max_retries(max_retries: Option<u32>) -> Backoff {
        Backoff {
            max_retries,
            ..Backoff::default()
        }
    }

    /// The v1.1 variant: 420 ("Enhance your calm") is a rate limit too.
    pub fn v1(max_retries: Option<u32>) -> Backoff {
        let mut b = Backoff::with_max_retries(max_retries);
        b.rate_limit_statuses.insert(420);
        b
    }

    /// Classify a status into a [`Failure`] using this policy's rate-limit set.
    pub fn classify_status(&self, status: u16) -> Failure {
        if self.rate_limit_statuses.contains(&status) {
            Failure::RateLimited(status)
        } else {
            Failure::Http(status)
        }
    }

    fn reset(&mut self) {
        self.failed = 0;
        self.network_failures = 0;
        self.empty_closes = 0;
        self.next_http = self.http_start;
        self.next_rate = self.rate_limit_start;
    }

    fn network_wait(&mut self) -> Duration {
        self.network_failures = self.network_failures.saturating_add(1);
        (self.network_step * self.network_failures).min(self.network_cap)
    }

    fn jittered(&mut self, d: Duration) -> Duration {
        if self.jitter <= 0.0 || d.is_zero() {
            return d;
        }
        // xorshift64*: deterministic, no I/O.
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let r = (self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64;
        let factor = 1.0 + self.jitter.min(1.0) * (2.0 * r - 1.0);
        d.mul_f64(factor.max(0.0))
    }
}

impl ReconnectPolicy for Backoff {
    fn on_data(&mut self) {
        self.reset();
    }

    fn on_failure_after(&mut self, failure: &Failure, established: bool) -> Decision {
        if let Failure::Http(s) | Failure::RateLimited(s) = failure {
            if self.fatal_statuses.contains(s) {
                return Decision::Stop;
            }
        }
        if established {
            // X: "an established connection drops → reconnect immediately once".
            // The good connection reset the counters already; this drop is not a failed attempt.
            return Decision::Retry(Duration::ZERO);
        }
        self.failed = self.failed.saturating_add(1);
        if let Some(max) = self.max_retries {
            if self.failed > max {
                return Decision::GiveUp;
            }
        }
        let wait = match failure {
            Failure::Network => self.network_wait(),
            Failure::Closed => {
                self.empty_closes += 1;
                if self.empty_closes == 1 {
                    Duration::ZERO
                } else {
                    self.network_wait()
                }
            }
            Failure::Http(_) => {
                let w = self.next_http;
                self.next_http = (self.next_http * 2).min(self.http_cap);
                w
            }
            Failure::RateLimited(_) => {
                let w = self
                    .next_rate
                    .max(self.rate_limit_start)
                    .max(self.next_http);
                self.next_rate = (w * 2).min(self.rate_limit_cap);
                // A rate limit also lengthens later HTTP waits, as tweepy does.
                self.next_http = (self.next_http * 2).min(self.http_cap);
                w.min(self.rate_limit_cap)
            }
        };
        Decision::Retry(self.jittered(wait))
    }

    fn failed_attempts(&self) -> u32 {
        self.failed
    }

    fn classify(&self, status: u16) -> Failure {
        self.classify_status(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(v: &[f64]) -> Vec<Decision> {
        v.iter()
            .map(|s| Decision::Retry(Duration::from_secs_f64(*s)))
            .collect()
    }

    fn run(p: &mut Backoff, fs: &[Failure]) -> Vec<Decision> {
        fs.iter().map(|f| p.on_failure(f)).collect()
    }

    #[test]
    fn network_is_linear_to_16s() {
        let mut p = Backoff::default();
        let got = run(&mut p, &[Failure::Network; 66]);
        let mut want: Vec<f64> = (1..=64).map(|i| i as f64 * 0.25).collect();
        want.extend([16.0, 16.0]);
        assert_eq!(got, secs(&want));
    }

    #[test]
    fn http_doubles_to_320s() {
        let mut p = Backoff::default();
        let got = run(&mut p, &[Failure::Http(503); 9]);
        assert_eq!(got, secs(&[5., 10., 20., 40., 80., 160., 320., 320., 320.]));
    }

    #[test]
    fn rate_limit_starts_at_60_and_doubles_capped() {
        let mut p = Backoff::default();
        let got = run(&mut p, &[Failure::RateLimited(429); 7]);
        assert_eq!(got, secs(&[60., 120., 240., 480., 960., 960., 960.]));
    }

    #[test]
    fn mixes() {
        // 503 then 429: 5, then 60 (at least 60), then HTTP continues from its own curve.
        let mut p = Backoff::default();
        let got = run(
            &mut p,
            &[
                Failure::Http(503),
                Failure::RateLimited(429),
                Failure::Http(500),
                Failure::Network,
                Failure::RateLimited(429),
            ],
        );
        assert_eq!(got, secs(&[5., 60., 20., 0.25, 120.]));
        // four 503s then 429: the HTTP wait (80) is already above 60.
        let mut p = Backoff::default();
        let got = run(
            &mut p,
            &[
                Failure::Http(503),
                Failure::Http(503),
                Failure::Http(503),
                Failure::Http(503),
                Failure::RateLimited(429),
            ],
        );
        assert_eq!(got, secs(&[5., 10., 20., 40., 80.]));
    }

    #[test]
    fn fatal_statuses_stop() {
        for s in DEFAULT_FATAL_STATUSES {
            assert_eq!(
                Backoff::default().on_failure(&Failure::Http(s)),
                Decision::Stop,
                "{s}"
            );
        }
        let mut p = Backoff::default();
        p.fatal_statuses.remove(&401);
        assert_eq!(
            p.on_failure(&Failure::Http(401)),
            Decision::Retry(Duration::from_secs(5))
        );
    }

    #[test]
    fn max_retries_counts_every_failure_and_gives_up_without_waiting() {
        let mut p = Backoff::with_max_retries(Some(3));
        let got = run(
            &mut p,
            &[
                Failure::Network,
                Failure::Http(503),
                Failure::Closed,
                Failure::Network,
            ],
        );
        assert_eq!(got[..3], secs(&[0.25, 5., 0.])[..]);
        assert_eq!(got[3], Decision::GiveUp);
        assert_eq!(p.failed_attempts(), 4);

        let mut p = Backoff::with_max_retries(Some(0));
        assert_eq!(p.on_failure(&Failure::Network), Decision::GiveUp);
    }

    #[test]
    fn reset_after_good_connection() {
        let mut p = Backoff::with_max_retries(Some(2));
        run(&mut p, &[Failure::Http(503), Failure::Http(503)]);
        p.on_connected();
        p.on_data();
        assert_eq!(p.failed_attempts(), 0);
        // An established connection dropping: immediate, and not counted.
        assert_eq!(
            p.on_failure_after(&Failure::Network, true),
            Decision::Retry(Duration::ZERO)
        );
        assert_eq!(
            p.on_failure_after(&Failure::Closed, true),
            Decision::Retry(Duration::ZERO)
        );
        assert_eq!(p.failed_attempts(), 0);
        // Then the curves start over.
        assert_eq!(
            run(&mut p, &[Failure::Http(503), Failure::Network]),
            secs(&[5., 0.25])
        );
        assert_eq!(p.on_failure(&Failure::Http(503)), Decision::GiveUp);
    }

    #[test]
    fn a_200_alone_does_not_reset() {
        let mut p = Backoff::default();
        run(&mut p, &[Failure::Network, Failure::Network]);
        p.on_connected();
        assert_eq!(
            p.on_failure(&Failure::Network),
            Decision::Retry(Duration::from_millis(750))
        );
    }

    #[test]
    fn empty_closes_do_not_loop_hot() {
        let mut p = Backoff::default();
        let got = run(&mut p, &[Failure::Closed, Failure::Closed, Failure::Closed]);
        assert_eq!(got, secs(&[0., 0.25, 0.5]));
    }

    #[test]
    fn v1_treats_420_as_rate_limit() {
        let p = Backoff::v1(None);
        assert_eq!(p.classify_status(420), Failure::RateLimited(420));
        assert_eq!(Backoff::default().classify_status(420), Failure::Http(420));
    }

    #[test]
    fn jitter_stays_in_bounds() {
        let mut p = Backoff {
            jitter: 0.2,
            ..Backoff::default()
        };
        for _ in 0..50 {
            p.reset();
            match p.on_failure(&Failure::Http(503)) {
                Decision::Retry(d) => assert!(
                    d >= Duration::from_secs(4) && d <= Duration::from_secs(6),
                    "{d:?}"
                ),
                other => panic!("{other:?}"),
            }
        }
    }
}
