//! tweepy's `ConnectionTester`: stop at the first connection error instead of reconnecting.
//!
//! Against the emulator, the stream is reset after a few tweets, so the handler sees a
//! connection error and disconnects.
//!
//! ```text
//! cargo run -p tweetstream --example connection_tester
//! ```

#[path = "support/mod.rs"]
mod support;

use tweetstream::{AsyncStreamingClient, ConnectionHandler, Error, StreamParams, StreamingHandler};
use tweetstream_emulator::{Fate, Scenario};

struct ConnectionTester {
    client: AsyncStreamingClient,
}

impl ConnectionHandler for ConnectionTester {
    fn on_connection_error(&mut self, error: &Error) {
        eprintln!("connection error: {error}; disconnecting");
        self.client.disconnect();
    }
}

impl StreamingHandler for ConnectionTester {
    fn on_tweet(&mut self, tweet: &tweetstream::models::v2::Tweet) {
        println!("{}: {}", tweet.id, tweet.text.replace('\n', " "));
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let target = support::target().await;
    if let Some(emu) = &target.emulator {
        emu.set_scenario(Scenario::new().then(Fate::ResetAfter { messages: 3 }));
    }
    let client = AsyncStreamingClient::builder(target.bearer_token.as_str())
        .api_base(&target.api_base)
        .build()?;
    let tester = ConnectionTester {
        client: client.clone(),
    };
    client.sample(StreamParams::new())?.run(tester).await?;
    eprintln!("stopped after the first connection error");
    Ok(())
}
