//! A handler that overrides nothing logs every event through `tracing` at tweepy's levels
//! (INFO connected/disconnected, ERROR for closes and errors, DEBUG for keep-alives and
//! responses), in the order the events happened.

mod common;

use common::*;
use tweetstream::models::v2::Tweet;
use tweetstream::{AsyncStreamingClient, ConnectionHandler, StreamParams, StreamingHandler};
use tweetstream_emulator::{Fate, Scenario};

/// Overrides only `on_tweet`, to stop after `stop_after` tweets; every other callback keeps its
/// default (logging) behaviour.
struct Defaults {
    client: AsyncStreamingClient,
    seen: usize,
    stop_after: usize,
}

impl ConnectionHandler for Defaults {}
impl StreamingHandler for Defaults {
    fn on_tweet(&mut self, _tweet: &Tweet) {
        self.seen += 1;
        if self.seen == self.stop_after {
            self.client.disconnect();
        }
    }
}

#[tokio::test(start_paused = true)]
async fn default_callbacks_log_at_tweepys_levels_in_order() {
    let (logs, _guard) = capture_logs(tracing::Level::DEBUG);

    // One tweet every 25 s, so X's 20 s keep-alives fall between them.
    let emu = start(
        emulator().rate(0.04).scenario(
            Scenario::new()
                .then(Fate::status(503))
                .then(Fate::CloseAfter { messages: 2 })
                .then(Fate::operational_disconnect(1)),
        ),
    )
    .await;
    let client = client(&emu);
    let handler = Defaults {
        client: client.clone(),
        seen: 0,
        stop_after: 5,
    };
    client
        .sample(StreamParams::new())
        .unwrap()
        .run(handler)
        .await
        .unwrap();

    let logs = logs.text();
    let lines: Vec<(String, String)> = logs
        .lines()
        .filter_map(|l| {
            let (level, rest) = l.trim_start().split_once(' ')?;
            let msg = rest.strip_prefix("tweetstream::handler: ")?;
            Some((level.to_string(), msg.to_string()))
        })
        .collect();
    let above_debug: Vec<String> = lines
        .iter()
        .filter(|(level, _)| level != "DEBUG")
        .map(|(level, msg)| format!("{level} {msg}"))
        .collect();
    let expected_prefixes = [
        "ERROR Stream encountered HTTP error: 503",
        "ERROR HTTP error response text: {",
        "INFO Reconnecting in 5s",
        "INFO Stream connected",
        "ERROR Stream connection closed by X",
        "INFO Reconnecting in 0ns",
        "INFO Stream connected",
        "ERROR Received errors: [Problem",
        "INFO Reconnecting in 0ns",
        "INFO Stream connected",
        "INFO Stream disconnected",
    ];
    assert_eq!(
        above_debug.len(),
        expected_prefixes.len(),
        "{above_debug:#?}"
    );
    for (line, want) in above_debug.iter().zip(expected_prefixes) {
        assert!(
            line.starts_with(want),
            "{line:?} should start with {want:?}"
        );
    }
    let debug = |prefix: &str| {
        lines
            .iter()
            .filter(|(level, msg)| level == "DEBUG" && msg.starts_with(prefix))
            .count()
    };
    // Every message (5 tweets and the disconnect notice) is a response.
    assert_eq!(debug("Received response"), 6, "{lines:#?}");
    assert!(debug("Received keep-alive signal") >= 3, "{lines:#?}");
}
