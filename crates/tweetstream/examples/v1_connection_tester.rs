//! tweepy's `ConnectionTester`: disconnect on the first connection error instead of
//! reconnecting.
//!
//! ```python
//! class ConnectionTester(tweepy.Stream):
//!     def on_connection_error(self):
//!         self.disconnect()
//! ```
//!
//! With the in-process emulator the first connection is reset after three messages, so the
//! tester sees a connection error and stops.
//! `cargo run -p tweetstream --example v1_connection_tester`

#[path = "support_v1/mod.rs"]
mod support;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use tweetstream::blocking::Stream;
use tweetstream::models::v1::Status;
use tweetstream::v1::{SampleParams, StreamHandler};
use tweetstream::{ConnectionHandler, Error};
use tweetstream_emulator::{Fate, Scenario};

struct ConnectionTester {
    stream: Stream,
    statuses: Arc<AtomicUsize>,
    limit: Option<usize>,
    saw_error: Arc<AtomicBool>,
}

impl ConnectionHandler for ConnectionTester {
    fn on_connection_error(&mut self, error: &Error) {
        eprintln!("{error}: disconnecting");
        self.saw_error.store(true, Ordering::Relaxed);
        self.stream.disconnect();
    }
}

impl StreamHandler for ConnectionTester {
    fn on_status(&mut self, status: &Status) {
        println!("{}", status.id);
        let n = self.statuses.fetch_add(1, Ordering::Relaxed) + 1;
        if self.limit.is_some_and(|l| n >= l) {
            self.stream.disconnect();
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    support::init_logging();
    let args = support::Args::parse();
    let target = support::Target::from_env(&args, |b| {
        b.scenario(Scenario::new().then(Fate::ResetAfter { messages: 3 }))
    })?;
    let stream = Stream::from_builder(target.builder())?;
    let statuses = Arc::new(AtomicUsize::new(0));
    let saw_error = Arc::new(AtomicBool::new(false));
    let tester = ConnectionTester {
        stream: stream.clone(),
        statuses: statuses.clone(),
        limit: target.limit,
        saw_error: saw_error.clone(),
    };
    stream.sample(SampleParams::new())?.run(tester)?;
    let saw_error = saw_error.load(Ordering::Relaxed);
    eprintln!(
        "stopped after {} statuses; connection error seen: {saw_error}",
        statuses.load(Ordering::Relaxed)
    );
    if target.emulated() && !saw_error {
        return Err("the emulator's reset did not reach on_connection_error".into());
    }
    Ok(())
}
