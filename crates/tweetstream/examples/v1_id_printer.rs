//! tweepy's `IDPrinter` over `sample`: print the id of every status.
//!
//! ```python
//! class IDPrinter(tweepy.Stream):
//!     def on_status(self, status):
//!         print(status.id)
//!
//! printer = IDPrinter("Consumer Key here", "Consumer Secret here",
//!                     "Access Token here", "Access Token Secret here")
//! printer.sample()
//! ```
//!
//! `cargo run -p tweetstream --example v1_id_printer -- --limit 5` (see `support` for the
//! environment variables; without them an emulator runs in the process).

#[path = "support_v1/mod.rs"]
mod support;

use tweetstream::blocking::Stream;
use tweetstream::models::v1::Status;
use tweetstream::v1::{SampleParams, StreamHandler};
use tweetstream::ConnectionHandler;

struct IdPrinter {
    /// Used to stop after `limit` statuses (tweepy would call `self.disconnect()`).
    stream: Stream,
    printed: usize,
    limit: Option<usize>,
}

impl ConnectionHandler for IdPrinter {}

impl StreamHandler for IdPrinter {
    fn on_status(&mut self, status: &Status) {
        println!("{}", status.id);
        self.printed += 1;
        if self.limit.is_some_and(|l| self.printed >= l) {
            self.stream.disconnect();
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    support::init_logging();
    let args = support::Args::parse();
    let target = support::Target::from_env(&args, |b| b)?;
    let stream = Stream::from_builder(target.builder())?;
    let printer = IdPrinter {
        stream: stream.clone(),
        printed: 0,
        limit: target.limit,
    };
    // Blocks until disconnect() or a fatal error, like tweepy's `printer.sample()`.
    stream.sample(SampleParams::new())?.run(printer)?;
    Ok(())
}
