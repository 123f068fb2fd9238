//! tweepy's `threaded=True`: run the stream on its own thread, do other work, then stop it.
//!
//! ```text
//! cargo run -p tweetstream --example threaded
//! ```

#[path = "support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tweetstream::blocking::StreamingClient;
use tweetstream::{AsyncStreamingClient, ConnectionHandler, StreamParams, StreamingHandler};

struct Counter(Arc<AtomicUsize>);

impl ConnectionHandler for Counter {}

impl StreamingHandler for Counter {
    fn on_tweet(&mut self, tweet: &tweetstream::models::v2::Tweet) {
        self.0.fetch_add(1, Ordering::Relaxed);
        println!("{}", tweet.id);
    }
}

fn main() -> Result<(), tweetstream::Error> {
    let (target, _rt) = support::target_blocking();
    let client = StreamingClient::from_builder(
        AsyncStreamingClient::builder(target.bearer_token.as_str()).api_base(&target.api_base),
    )?;
    let count = Arc::new(AtomicUsize::new(0));
    let thread = client
        .sample(StreamParams::new())?
        .run_threaded(Counter(count.clone()))?;
    // The main thread is free: wait (at most 10 s) until enough tweets arrived.
    let limit = support::limit(10);
    for _ in 0..1000 {
        if count.load(Ordering::Relaxed) >= limit {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    thread.disconnect();
    thread.join()?;
    eprintln!(
        "{} tweets received on the stream thread",
        count.load(Ordering::Relaxed)
    );
    Ok(())
}
