//! Connection limits (refuse-new, evict-oldest, ghost period) and observability.

mod common;

use std::time::Duration;

use common::*;
use tweetstream_emulator::{CloseReason, ConnectionPolicy, Emulator, EmulatorHandle, Event};

async fn sample(emu: &EmulatorHandle) -> reqwest::Response {
    bearer(
        client().get(format!("{}/2/tweets/sample/stream", emu.base_url())),
        "tok",
    )
    .send()
    .await
    .unwrap()
}

#[tokio::test]
async fn refuse_new_answers_the_observed_429() {
    let emu = Emulator::builder()
        .bearer_token("tok")
        .source(corpus())
        .start()
        .await
        .unwrap();
    let a = sample(&emu).await;
    assert_eq!(a.status(), 200);
    let b = sample(&emu).await;
    assert_eq!(b.status(), 429);
    let body = b.text().await.unwrap();
    let real = std::fs::read_to_string(data_path(
        "x-v2-stream-connect-429-too-many-connections.observed.json",
    ))
    .unwrap();
    assert_eq!(body, real);
    assert_eq!(emu.counters().connections_refused, 1);
    assert!(emu
        .events()
        .iter()
        .any(|e| matches!(e.event, Event::ConnectionRefused { .. })));
    // Another stream path has its own allowance.
    let c = bearer(
        client().get(format!(
            "{}/2/tweets/sample10/stream?partition=1",
            emu.base_url()
        )),
        "tok",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(c.status(), 200);
    // Once the first is gone, a new one is accepted.
    drop(a);
    emu.wait_until(|o| o.connection(1).is_some_and(|c| c.closed_at.is_some()))
        .await;
    assert_eq!(sample(&emu).await.status(), 200);
    drop(c);
    emu.shutdown().await;
}

#[tokio::test]
async fn evict_oldest_closes_the_old_stream() {
    let emu = Emulator::builder()
        .bearer_token("tok")
        .source(corpus())
        .connection_policy(ConnectionPolicy::EvictOldest)
        .start()
        .await
        .unwrap();
    let mut a = Lines::new(sample(&emu).await);
    a.take_json(1).await;
    let reader = tokio::spawn(async move {
        a.rest().await;
        a.ended
    });
    let mut b = Lines::new(sample(&emu).await);
    b.take_json(5).await;
    assert!(reader.await.unwrap(), "the old stream ended cleanly");
    emu.wait_for_close(1).await;
    assert_eq!(
        emu.connection(1).unwrap().close_reason,
        Some(CloseReason::Evicted)
    );
    assert!(emu.connection(2).unwrap().closed_at.is_none());
    assert!(emu.events().iter().any(|e| e.event
        == Event::ConnectionEvicted {
            id: 1,
            by_request: 2
        }));
    drop(b);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn ghost_connections_count_for_a_while() {
    let emu = Emulator::builder()
        .bearer_token("tok")
        .source(corpus())
        .ghost_period(Duration::from_secs(60))
        .start()
        .await
        .unwrap();
    let mut a = Lines::new(sample(&emu).await);
    a.take_json(2).await;
    drop(a);
    emu.wait_for_closed_connections(1).await;
    // The dead connection still counts: 429 TooManyConnections.
    let r = sample(&emu).await;
    assert_eq!(r.status(), 429);
    tokio::time::advance(Duration::from_secs(61)).await;
    let r = sample(&emu).await;
    assert_eq!(r.status(), 200);
    drop(r);
    emu.shutdown().await;
}

#[tokio::test]
async fn close_connection_from_the_handle_and_ids_across_reconnects() {
    let emu = Emulator::builder()
        .bearer_token("tok")
        .source(corpus())
        .scenario(
            tweetstream_emulator::Scenario::new()
                .then(tweetstream_emulator::Fate::CloseAfter { messages: 25 }),
        )
        .start()
        .await
        .unwrap();
    // First connection: closed by the scenario after 25 tweets; the client saw all of them.
    let mut a = Lines::new(sample(&emu).await);
    let ma = a.take_json(25).await;
    a.rest().await;
    assert!(a.ended);
    // Second connection: closed from the handle.
    let mut b = Lines::new(sample(&emu).await);
    let mb = b.take_json(10).await;
    emu.wait_for_tweets(2, 10).await;
    assert!(emu.close_connection(2));
    let mut more = Vec::new();
    while let Some(m) = b.next_json().await {
        more.push(m);
    }
    assert!(b.ended);
    emu.wait_for_close(2).await;
    let c2 = emu.connection(2).unwrap();
    assert_eq!(c2.close_reason, Some(CloseReason::ClosedByHandle));
    // The client received exactly what the handle says was sent.
    let mut received_b = v2_ids(&mb);
    received_b.extend(v2_ids(&more));
    assert_eq!(c2.tweet_ids, received_b);
    assert_eq!(emu.tweet_ids_sent(1), v2_ids(&ma));
    // No duplicates or losses between the two connections of the timeline (rate 0: the
    // second starts where the first stopped producing).
    let src = corpus();
    let all: Vec<u64> = emu
        .tweet_ids_sent(1)
        .into_iter()
        .chain(c2.tweet_ids.clone())
        .collect();
    let expected: Vec<u64> = (0..all.len() as u64).map(|s| src.get(s).id()).collect();
    assert_eq!(all, expected);
    let c = emu.counters();
    assert_eq!(c.connections_opened, 2);
    assert_eq!(c.connections_closed, 2);
    assert_eq!(c.connections_active, 0);
    assert_eq!(c.tweets_sent, all.len() as u64);
    assert!(c.bytes_sent > 0 && c.wire_bytes_sent == c.bytes_sent);
    assert!(!emu.close_connection(2), "already closed");
    emu.shutdown().await;
}

#[tokio::test]
async fn never_panics_on_odd_requests() {
    let emu = Emulator::builder().source(corpus()).start().await.unwrap();
    let base = emu.base_url();
    let odd = [
        "/2/tweets/sample/stream?%ff%fe=%00",
        "/2/tweets/sample/stream?tweet.fields=&expansions=",
        "/2/tweets/sample/stream?backfill_minutes=99999999999999999999",
        "/2/tweets/firehose/stream?partition=-1",
        "/2/tweets/search/stream/rules?ids=,,,",
        "/2/tweets/search/stream/rules?max_results=1e9",
        "/1.1/statuses/sample.json?delimited=length&count=-5",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/",
    ];
    for p in odd {
        for auth in [
            None,
            Some("Bearer x"),
            Some("OAuth oauth_consumer_key=\"%zz\""),
        ] {
            let mut rb = client().get(format!("{base}{p}"));
            if let Some(a) = auth {
                rb = rb.header("Authorization", a);
            }
            let resp = rb.send().await.unwrap();
            let s = resp.status().as_u16();
            assert!((200..600).contains(&s));
            assert_ne!(s, 500, "{p}");
            drop(resp);
        }
    }
    // Raw garbage on the socket.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(emu.addr()).await.unwrap();
    s.write_all(b"GARBAGE \x00\xff HTTP/9\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf)).await;
    // A huge rules body.
    let big = "x".repeat(2 * 1024 * 1024);
    let resp = bearer(
        client().post(format!("{base}/2/tweets/search/stream/rules")),
        "x",
    )
    .body(big)
    .send()
    .await;
    if let Ok(r) = resp {
        assert_eq!(r.status(), 413);
    }
    // Still serving.
    let resp = bearer(
        client().get(format!("{base}/2/tweets/search/stream/rules")),
        "x",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    emu.shutdown().await;
}
