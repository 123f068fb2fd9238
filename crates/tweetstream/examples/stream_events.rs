//! The Rust way: the stream as a `futures::Stream` of events, with lifecycle events and
//! errors in the same loop.
//!
//! ```text
//! cargo run -p tweetstream --example stream_events
//! ```

#[path = "support/mod.rs"]
mod support;

use futures_util::StreamExt;
use tweetstream::{AsyncStreamingClient, Event, StreamParams};

#[tokio::main]
async fn main() -> Result<(), tweetstream::Error> {
    let target = support::target().await;
    let client = AsyncStreamingClient::builder(target.bearer_token.as_str())
        .api_base(&target.api_base)
        .build()?;
    let params = StreamParams::new()
        .tweet_fields(["created_at", "lang", "author_id"])
        .expansions(["author_id"])
        .user_fields(["verified"]);
    let mut stream = client.sample(params)?;
    let mut tweets = 0;
    while let Some(item) = stream.next().await {
        match item {
            Ok(Event::Connected { rate_limit }) => {
                eprintln!("connected (rate limit {rate_limit:?})")
            }
            Ok(Event::KeepAlive) => eprintln!("keep-alive"),
            Ok(Event::Message(m)) => {
                let Some(tweet) = &m.data else { continue };
                let author = m
                    .includes
                    .as_ref()
                    .and_then(|i| {
                        i.users
                            .iter()
                            .find(|u| Some(&u.id) == tweet.author_id.as_ref())
                    })
                    .map(|u| u.username.as_str())
                    .unwrap_or("?");
                println!(
                    "@{author} [{}]: {}",
                    tweet.lang.as_deref().unwrap_or("?"),
                    tweet.text.replace('\n', " ")
                );
                tweets += 1;
                if tweets >= support::limit(10) {
                    stream.disconnect();
                }
            }
            Ok(Event::Closed) => eprintln!("closed by the server"),
            Ok(Event::Reconnecting { delay, reason, .. }) => {
                eprintln!("reconnecting in {delay:?}: {reason}")
            }
            Ok(Event::Error(e)) => eprintln!("recovered from: {e}"),
            Ok(_) => {}
            Err(e) => eprintln!("the stream ended: {e}"),
        }
    }
    if let Some(e) = stream.exit_error() {
        return Err(e);
    }
    Ok(())
}
