//! Bounds: a stream's queue (wait for a slow client, or disconnect it as X does), request
//! bodies and request heads.

mod common;

use std::time::Duration;

use common::*;
use serde_json::Value;
use tweetstream_emulator::{
    event_id, CloseReason, Emulator, EmulatorBuilder, EmulatorHandle, SlowReaders, StreamEndpoint,
    V1Notices, DEFAULT_MAX_QUEUE_BYTES,
};

fn builder() -> EmulatorBuilder {
    Emulator::builder()
        .bearer_token("tok")
        .source(corpus())
        .rate(2_000.0)
        .max_queue_bytes(32 * 1024)
}

/// A request whose response nobody reads (yet).
async fn open(emu: &EmulatorHandle, path_query: &str, v1: bool) -> reqwest::Response {
    let rb = client().get(format!("{}{path_query}", emu.base_url()));
    let rb = if v1 {
        rb.header(
            "Authorization",
            r#"OAuth oauth_consumer_key="k", oauth_token="t""#,
        )
    } else {
        bearer(rb, "tok")
    };
    let resp = rb.send().await.unwrap();
    assert_eq!(resp.status(), 200);
    resp
}

#[tokio::test(start_paused = true)]
async fn a_slow_v2_reader_is_disconnected_with_slow_reader_and_loses_nothing_queued() {
    let emu = builder()
        .slow_readers(SlowReaders::Disconnect)
        .start()
        .await
        .unwrap();
    let resp = open(
        &emu,
        "/2/tweets/sample/stream?tweet.fields=entities,created_at&expansions=author_id",
        false,
    )
    .await;
    // The client does not read: the socket, then the queue fill, and the stream is closed.
    emu.wait_for_closed_connections(1).await;
    let c = emu.connections().pop().unwrap();
    assert_eq!(c.close_reason, Some(CloseReason::SlowReader));
    assert!(c.tweets_sent > 100, "{}", c.tweets_sent);
    // Reading now: everything queued, then X's notice, then the end.
    let mut lines = Lines::new(resp);
    let mut msgs = Vec::new();
    while let Some(m) = lines.next_json().await {
        msgs.push(m);
    }
    assert!(lines.ended && lines.error.is_none(), "{:?}", lines.error);
    let notice = msgs.pop().unwrap();
    assert_schema("StreamingTweetResponse", &notice);
    assert_eq!(notice["errors"][0]["disconnect_type"], "SlowReader");
    assert_eq!(
        notice["errors"][0]["type"],
        "https://api.twitter.com/2/problems/operational-disconnect"
    );
    let ids: Vec<u64> = msgs
        .iter()
        .map(|m| event_id(StreamEndpoint::V2Sample, m).unwrap())
        .collect();
    assert_eq!(ids, c.tweet_ids, "what was queued arrives, nothing more");
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_slow_v1_reader_gets_falling_behind_then_disconnect_code_4() {
    // A queue several writes deep, so that a write leaves it over 60% full before one does
    // not fit.
    let emu = builder()
        .v1_notices(V1Notices::none())
        .max_queue_bytes(512 * 1024)
        .slow_readers(SlowReaders::Disconnect)
        .start()
        .await
        .unwrap();
    let resp = open(&emu, "/1.1/statuses/sample.json?stall_warnings=true", true).await;
    emu.wait_for_closed_connections(1).await;
    let c = emu.connections().pop().unwrap();
    assert_eq!(c.close_reason, Some(CloseReason::SlowReader));
    let mut lines = Lines::new(resp);
    let mut msgs = Vec::new();
    while let Some(m) = lines.next_json().await {
        msgs.push(m);
    }
    assert!(lines.ended);
    let warnings: Vec<&Value> = msgs.iter().filter(|m| m.get("warning").is_some()).collect();
    assert_eq!(warnings.len(), 1, "one warning per connection");
    assert_eq!(warnings[0]["warning"]["code"], "FALLING_BEHIND");
    assert!(warnings[0]["warning"]["percent_full"].as_u64().unwrap() >= 60);
    let last = msgs.last().unwrap();
    assert_eq!(last["disconnect"]["code"], 4, "{last}");
    assert_eq!(last["disconnect"]["reason"], "stall");
    assert_eq!(c.notices_sent, 2);
    // Without stall_warnings: no warning, the same disconnect.
    let resp = open(&emu, "/1.1/statuses/sample.json", true).await;
    emu.wait_for_closed_connections(2).await;
    let mut lines = Lines::new(resp);
    let rest: Vec<Value> = {
        let mut v = Vec::new();
        while let Some(m) = lines.next_json().await {
            v.push(m);
        }
        v
    };
    assert!(rest.iter().all(|m| m.get("warning").is_none()));
    assert_eq!(rest.last().unwrap()["disconnect"]["code"], 4);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn by_default_a_slow_reader_is_waited_for_within_the_bound() {
    let emu = builder().start().await.unwrap();
    let resp = open(&emu, "/2/tweets/sample/stream?tweet.fields=entities", false).await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    let a = emu.connections().pop().unwrap();
    tokio::time::sleep(Duration::from_secs(30)).await;
    let b = emu.connections().pop().unwrap();
    assert!(b.closed_at.is_none(), "still open");
    assert_eq!(a.bytes_sent, b.bytes_sent, "blocked: nothing more goes out");
    // The stream resumes where it stopped once the client reads.
    let mut lines = Lines::new(resp);
    let msgs = lines.take_json(b.tweets_sent as usize + 50).await;
    let ids: Vec<u64> = msgs
        .iter()
        .map(|m| event_id(StreamEndpoint::V2Sample, m).unwrap())
        .collect();
    let all = emu.tweet_ids_sent(b.id);
    assert_eq!(&all[..ids.len()], &ids[..]);
    assert_eq!(DEFAULT_MAX_QUEUE_BYTES, 128 * 1024);
    drop(lines);
    emu.shutdown().await;
}

#[tokio::test]
async fn request_heads_and_bodies_are_bounded() {
    let emu = Emulator::builder()
        .bearer_token("tok")
        .source(corpus())
        .max_header_bytes(4 * 1024)
        .max_body_bytes(1000)
        .start()
        .await
        .unwrap();
    let rules = format!("{}/2/tweets/search/stream/rules", emu.base_url());
    let resp = bearer(client().get(&rules), "tok")
        .header("X-Padding", "p".repeat(8 * 1024))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 431, "a head past the bound");
    let resp = bearer(client().get(&rules), "tok").send().await.unwrap();
    assert_eq!(resp.status(), 200, "a new connection is served");
    let body = format!(r#"{{"add":[{{"value":"{}"}}]}}"#, "x".repeat(2000));
    let resp = bearer(client().post(&rules), "tok")
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413, "a body past the bound");
    let resp = client()
        .post(format!("{}/1.1/statuses/filter.json", emu.base_url()))
        .header(
            "Authorization",
            r#"OAuth oauth_consumer_key="k", oauth_token="t""#,
        )
        .form(&[("track", "a".repeat(2000))])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 413);
    emu.shutdown().await;
}
