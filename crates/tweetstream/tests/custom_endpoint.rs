//! A stream described outside the crate (as hbc's `RawEndpoint`), read against the emulator.

mod common;

use bytes::Bytes;
use common::{emulator, ids_sent, start, TOKEN};
use futures_util::TryStreamExt;
use tweetstream::endpoint::{Attempt, Endpoint};
use tweetstream::models::{decode_json, DecodeError};
use tweetstream::{AsyncStreamingClient, Error, Event};

/// Any line-delimited JSON stream under the API base, as generic JSON values.
struct JsonLines(&'static str);

impl Endpoint for JsonLines {
    type Message = serde_json::Value;

    fn request(&self, attempt: &Attempt<'_>) -> Result<http::Request<Bytes>, Error> {
        attempt.get(self.0, &[("tweet.fields".into(), "lang".into())])
    }

    fn decode(&self, raw: &Bytes) -> Result<serde_json::Value, DecodeError> {
        decode_json(raw)
    }
}

#[tokio::test(start_paused = true)]
async fn a_custom_endpoint_streams_through_the_same_supervisor() -> Result<(), Error> {
    let emu = start(emulator().rate(100.0)).await;
    let client = AsyncStreamingClient::builder(TOKEN)
        .api_base(emu.base_url())
        .build()?;
    let mut stream = client.open(JsonLines("2/tweets/sample/stream"))?;
    let mut ids = Vec::new();
    while let Some(event) = stream.try_next().await? {
        if let Event::Message(value) = event {
            ids.push(value["data"]["id"].as_str().unwrap_or_default().to_string());
            if ids.len() == 5 {
                stream.disconnect();
            }
        }
    }
    assert_eq!(ids, ids_sent(&emu)[..5]);
    let query = &emu.requests()[0].query;
    assert!(query
        .iter()
        .any(|(k, v)| k == "tweet.fields" && v == "lang"));
    emu.shutdown().await;
    Ok(())
}
