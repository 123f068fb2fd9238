//! tweepy's `IDPrinter`: print the id of every tweet of the sample stream (blocking client).
//!
//! ```text
//! cargo run -p tweetstream --example id_printer -- --limit 10
//! ```

#[path = "support/mod.rs"]
mod support;

use tweetstream::blocking::StreamingClient;
use tweetstream::models::v2::Tweet;
use tweetstream::{AsyncStreamingClient, ConnectionHandler, StreamParams, StreamingHandler};

struct IdPrinter {
    seen: usize,
    limit: usize,
    client: StreamingClient,
}

impl ConnectionHandler for IdPrinter {}

impl StreamingHandler for IdPrinter {
    fn on_tweet(&mut self, tweet: &Tweet) {
        println!("{}", tweet.id);
        self.seen += 1;
        if self.seen >= self.limit {
            self.client.disconnect();
        }
    }
}

fn main() -> Result<(), tweetstream::Error> {
    let (target, _rt) = support::target_blocking();
    let client = StreamingClient::from_builder(
        AsyncStreamingClient::builder(target.bearer_token.as_str()).api_base(&target.api_base),
    )?;
    let printer = IdPrinter {
        seen: 0,
        limit: support::limit(10),
        client: client.clone(),
    };
    client.sample(StreamParams::new())?.run(printer)
}
