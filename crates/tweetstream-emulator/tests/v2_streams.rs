//! v2 streams: payloads, parameters, auth, partitions, backfill, keep-alives, rate limits, gzip.

mod common;

use std::time::Duration;

use common::*;
use tweetstream_emulator::{Emulator, EmulatorHandle};

async fn emu() -> EmulatorHandle {
    Emulator::builder()
        .bearer_token("tok")
        .source(corpus())
        .start()
        .await
        .unwrap()
}

async fn get(emu: &EmulatorHandle, path_query: &str) -> reqwest::Response {
    bearer(
        client().get(format!("{}{path_query}", emu.base_url())),
        "tok",
    )
    .send()
    .await
    .unwrap()
}

#[tokio::test]
async fn sample_stream_serves_the_source_in_order_with_x_payloads() {
    let emu = emu().await;
    let resp = get(&emu, "/2/tweets/sample/stream").await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert_eq!(resp.headers()["x-rate-limit-limit"], "50");
    assert_eq!(resp.headers()["x-rate-limit-remaining"], "49");
    assert!(resp.headers().contains_key("x-rate-limit-reset"));
    let mut lines = Lines::new(resp);
    let msgs = lines.take_json(250).await;
    let src = corpus();
    let expected: Vec<u64> = (0..250).map(|s| src.get(s).id()).collect();
    assert_eq!(
        v2_ids(&msgs),
        expected,
        "first connection starts at seq 0; loops renumber"
    );
    let unique: std::collections::HashSet<_> = expected.iter().collect();
    assert_eq!(unique.len(), 250, "ids stay unique across loops");
    for m in &msgs {
        assert_schema("StreamingTweetResponse", m);
        assert!(m.get("matching_rules").is_none());
    }
    let c = emu.connections();
    assert_eq!(c.len(), 1);
    let recorded = emu.tweet_ids_sent(c[0].id);
    assert_eq!(
        &recorded[..250],
        &expected[..],
        "the handle records the exact ids sent"
    );
    drop(lines);
    emu.wait_for_closed_connections(1).await;
    let c = emu.connection(c[0].id).unwrap();
    assert_eq!(
        c.close_reason,
        Some(tweetstream_emulator::CloseReason::ClientDisconnected)
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn fields_and_expansions_shape_payloads_and_validate() {
    let emu = emu().await;
    let resp = get(
        &emu,
        "/2/tweets/sample/stream?tweet.fields=author_id,created_at,lang&expansions=author_id&user.fields=username",
    )
    .await;
    assert_eq!(resp.status(), 200);
    let mut lines = Lines::new(resp);
    for m in lines.take_json(20).await {
        assert_schema("StreamingTweetResponse", &m);
        assert!(m["data"]["author_id"].is_string(), "{m}");
        assert!(m["includes"]["users"][0]["id"].is_string(), "{m}");
    }
    emu.shutdown().await;
}

#[tokio::test]
async fn bad_parameters_get_x_invalid_request() {
    let emu = emu().await;
    for (pq, needle) in [
        ("/2/tweets/sample/stream?foo=bar", "[foo]"),
        (
            "/2/tweets/sample/stream?backfill_minutes=6",
            "backfill_minutes",
        ),
        (
            "/2/tweets/sample/stream?backfill_minutes=x",
            "backfill_minutes",
        ),
        ("/2/tweets/sample/stream?tweet.fields=nope", "tweet.fields"),
        (
            "/2/tweets/sample/stream?start_time=2020-01-01T00:00:00Z",
            "start_time",
        ),
        ("/2/tweets/firehose/stream", "partition"),
        ("/2/tweets/firehose/stream?partition=21", "partition"),
        ("/2/tweets/firehose/stream?partition=0", "partition"),
        ("/2/tweets/sample10/stream?partition=3", "partition"),
        ("/2/tweets/search/stream?partition=1", "partition"),
        ("/2/tweets/search/stream?start_time=yesterday", "start_time"),
    ] {
        let resp = get(&emu, pq).await;
        assert_eq!(resp.status(), 400, "{pq}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(
            body["type"], "https://api.twitter.com/2/problems/invalid-request",
            "{pq}: {body}"
        );
        assert_eq!(body["title"], "Invalid Request");
        assert!(body.to_string().contains(needle), "{pq}: {body}");
        assert_schema("Problem", &body);
    }
    assert_eq!(emu.counters().connections_opened, 0);
    emu.shutdown().await;
}

#[tokio::test]
async fn auth_failures() {
    let emu = emu().await;
    let url = format!("{}/2/tweets/sample/stream", emu.base_url());
    let expected_401 = serde_json::json!({"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"});
    // No header, wrong token, wrong scheme.
    for rb in [
        client().get(&url),
        bearer(client().get(&url), "wrong"),
        client()
            .get(&url)
            .header("Authorization", "Basic dXNlcjpwYXNz"),
        client().get(&url).header("Authorization", "Bearer"),
    ] {
        let resp = rb.send().await.unwrap();
        assert_eq!(resp.status(), 401);
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body, expected_401);
    }
    // OAuth 1.0a on an app-only endpoint.
    let resp = client()
        .get(&url)
        .header("Authorization", r#"OAuth oauth_consumer_key="k""#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        body["type"],
        "https://api.twitter.com/2/problems/unsupported-authentication"
    );
    let reqs = emu.requests();
    assert_eq!(reqs.len(), 5);
    assert!(reqs
        .iter()
        .all(|r| !r.auth.accepted && r.auth.error.is_some()));
    assert_eq!(reqs[1].auth.identity.as_deref(), Some("wrong"));
    assert_eq!(emu.counters().auth_failures, 5);
    // The right token.
    let resp = get(&emu, "/2/tweets/sample/stream").await;
    assert_eq!(resp.status(), 200);
    let r = emu.requests().pop().unwrap();
    assert!(r.auth.verified && r.auth.accepted);
    assert_eq!(r.auth.scheme, tweetstream_emulator::AuthScheme::Bearer);
    emu.shutdown().await;
}

#[tokio::test]
async fn unknown_routes_and_methods() {
    let emu = emu().await;
    // A v2 path that does not exist: a v2 problem (it used to be v1.1's `{"errors":[{"code":34}]}`).
    let resp = get(&emu, "/2/tweets/nope/stream").await;
    assert_eq!(resp.status(), 404);
    assert_eq!(resp.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["title"], "Not Found Error");
    assert_eq!(
        body["type"],
        "https://api.twitter.com/2/problems/resource-not-found"
    );
    assert_eq!(body["value"], "/2/tweets/nope/stream");
    assert_schema("Problem", &body);
    // v1.1 paths keep v1.1's body.
    let resp = get(&emu, "/1.1/statuses/nope.json").await;
    assert_eq!(resp.status(), 404);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], 34);
    let resp = bearer(
        client().post(format!("{}/2/tweets/sample/stream", emu.base_url())),
        "tok",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 405);
    emu.shutdown().await;
}

#[tokio::test]
async fn partitions_are_disjoint_slices() {
    let src = corpus();
    let mut all = std::collections::HashSet::new();
    for (path, p, n) in [
        ("sample10", 1u64, 2u64),
        ("sample10", 2, 2),
        ("firehose", 1, 20),
        ("firehose", 7, 20),
        ("firehose", 20, 20),
    ] {
        // A fresh emulator: its timeline starts at seq 0.
        let emu = emu().await;
        let resp = get(&emu, &format!("/2/tweets/{path}/stream?partition={p}")).await;
        assert_eq!(resp.status(), 200, "{path} {p}");
        let mut lines = Lines::new(resp);
        let msgs = lines.take_json(30).await;
        for m in &msgs {
            assert_schema("StreamingTweetResponse", m);
        }
        let ids = v2_ids(&msgs);
        let expected: Vec<u64> = (0..30).map(|k| src.get(p - 1 + k * n).id()).collect();
        assert_eq!(ids, expected, "{path} {p}: seq % {n} == {}", p - 1);
        assert_eq!(emu.connections()[0].partition, Some(p as u32));
        if path == "sample10" {
            for id in &ids {
                assert!(all.insert(*id), "sample10 partitions overlap on {id}");
            }
        }
        drop(lines);
        emu.shutdown().await;
    }
}

#[tokio::test(start_paused = true)]
async fn keep_alives_every_20_seconds_and_rate_pacing() {
    let emu = Emulator::builder()
        .bearer_token("tok")
        .source(corpus())
        .rate(0.01) // one tweet per 100 s
        .start()
        .await
        .unwrap();
    let t0 = tokio::time::Instant::now();
    let resp = get(&emu, "/2/tweets/sample/stream").await;
    let mut lines = Lines::new(resp);
    // Tweet 0 is due at once, then keep-alives at 20, 40, 60, 80 s, tweet 1 at 100 s.
    let first = lines.next_line().await.unwrap();
    assert!(!first.is_empty());
    let mut keepalives = 0;
    loop {
        let l = lines.next_line().await.unwrap();
        if !l.is_empty() {
            break;
        }
        keepalives += 1;
        let e = t0.elapsed().as_secs_f64();
        assert!(
            (e - 20.0 * keepalives as f64).abs() < 1.0,
            "keep-alive {keepalives} at {e} s"
        );
    }
    assert_eq!(keepalives, 4);
    let e = t0.elapsed().as_secs_f64();
    assert!((99.0..101.5).contains(&e), "second tweet at {e} s");
    let c = &emu.connections()[0];
    assert_eq!(c.keep_alives_sent, 4);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn paced_rate_with_shared_timeline() {
    let emu = Emulator::builder()
        .bearer_token("tok")
        .source(corpus())
        .rate(10.0)
        .max_connections(2)
        .start()
        .await
        .unwrap();
    let t0 = tokio::time::Instant::now();
    let mut a = Lines::new(get(&emu, "/2/tweets/sample/stream").await);
    let mut b = Lines::new(get(&emu, "/2/tweets/sample/stream").await);
    let ma = a.take_json(21).await;
    let mb = b.take_json(21).await;
    let e = t0.elapsed().as_secs_f64();
    assert!((1.9..2.5).contains(&e), "21 tweets at 10/s took {e} s");
    // Both connections see the same tweets (one timeline).
    assert_eq!(v2_ids(&ma), v2_ids(&mb));
    emu.shutdown().await;
}

#[tokio::test]
async fn connect_rate_limit_429_with_headers() {
    let emu = Emulator::builder()
        .bearer_token("tok")
        .source(corpus())
        .connect_rate_limit(2, Duration::from_secs(900))
        .max_connections(5)
        .start()
        .await
        .unwrap();
    let r1 = get(&emu, "/2/tweets/sample/stream").await;
    assert_eq!(r1.headers()["x-rate-limit-remaining"], "1");
    let r2 = get(&emu, "/2/tweets/sample/stream").await;
    assert_eq!(r2.headers()["x-rate-limit-remaining"], "0");
    let r3 = get(&emu, "/2/tweets/sample/stream").await;
    assert_eq!(r3.status(), 429);
    assert_eq!(r3.headers()["x-rate-limit-remaining"], "0");
    let reset: u64 = r3.headers()["x-rate-limit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(reset > now && reset <= now + 901);
    let body: serde_json::Value = r3.json().await.unwrap();
    assert_eq!(
        body,
        serde_json::json!({"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429})
    );
    // Another endpoint has its own window.
    let r4 = get(&emu, "/2/tweets/firehose/stream?partition=1").await;
    assert_eq!(r4.status(), 200);
    assert_eq!(emu.counters().rate_limited, 1);
    drop((r1, r2, r4));
    emu.shutdown().await;
}

#[tokio::test]
async fn gzip_streams_are_flushed_per_write() {
    let emu = Emulator::builder()
        .bearer_token("tok")
        .source(corpus())
        .messages_per_write(1)
        .start()
        .await
        .unwrap();
    let resp = bearer(
        client().get(format!("{}/2/tweets/sample/stream", emu.base_url())),
        "tok",
    )
    .header("Accept-Encoding", "gzip")
    .send()
    .await
    .unwrap();
    assert_eq!(resp.headers()["content-encoding"], "gzip");
    let mut resp = resp;
    // Decode incrementally: a complete first message is available from the first chunks,
    // long before the (endless) stream ends.
    use std::io::Write;
    let mut dec = flate2::write::GzDecoder::new(Vec::new());
    let mut chunks = 0;
    while !dec.get_ref().windows(2).any(|w| w == b"\r\n") {
        let c = resp.chunk().await.unwrap().expect("stream continues");
        dec.write_all(&c).unwrap();
        dec.flush().unwrap();
        chunks += 1;
        assert!(chunks < 10, "no complete message after {chunks} chunks");
    }
    let text = dec.get_ref().clone();
    let end = text.windows(2).position(|w| w == b"\r\n").unwrap();
    let first: serde_json::Value = serde_json::from_slice(&text[..end]).unwrap();
    assert_eq!(v2_ids(&[first])[0], corpus().get(0).id());
    let c = &emu.connections()[0];
    assert!(c.gzip);
    drop(resp);
    // The client library's gzip stage reads the same stream.
    let mut resp = bearer(
        client().get(format!("{}/2/tweets/sample/stream", emu.base_url())),
        "tok",
    )
    .header("Accept-Encoding", "gzip")
    .send()
    .await
    .unwrap();
    emu.wait_for_closed_connections(1).await;
    let mut gz = tweetstream::inflate::GzipDecoder::new();
    let mut text = Vec::new();
    while text.windows(2).filter(|w| *w == b"\r\n").count() < 5 {
        gz.push(resp.chunk().await.unwrap().expect("stream continues"));
        while let Some(c) = gz.next_chunk().unwrap() {
            text.extend_from_slice(&c);
        }
    }
    for line in text.split(|b| *b == b'\n').take(5) {
        let m: serde_json::Value = serde_json::from_slice(line).unwrap();
        assert_schema("StreamingTweetResponse", &m);
    }
    drop(resp);
    let c = emu.connections().pop().unwrap();
    assert!(c.gzip && c.wire_bytes_sent > 0 && c.wire_bytes_sent < c.bytes_sent);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn backfill_replays_recent_tweets_then_live() {
    let emu = Emulator::builder()
        .bearer_token("tok")
        .source(corpus())
        .scenario(
            tweetstream_emulator::Scenario::new()
                .then(tweetstream_emulator::Fate::CloseAfter { messages: 40 }),
        )
        .start()
        .await
        .unwrap();
    let src = corpus();
    // Connection 1 reads 40 tweets (seq 0..40) and is closed.
    let mut a = Lines::new(get(&emu, "/2/tweets/sample/stream").await);
    let ma = a.take_json(40).await;
    assert!(a.rest().await.is_empty() && a.ended);
    tokio::time::advance(Duration::from_secs(120)).await;
    // Without backfill: live, from seq 40.
    let mut b = Lines::new(get(&emu, "/2/tweets/sample/stream").await);
    let mb = b.take_json(3).await;
    assert_eq!(v2_ids(&mb)[0], src.get(40).id());
    drop(b);
    emu.wait_for_closed_connections(2).await;
    // backfill_minutes=1: the head one minute ago was 40 → nothing older is replayed.
    let head_now = emu.connections()[1].tweets_sent + 40;
    let mut c = Lines::new(get(&emu, "/2/tweets/sample/stream?backfill_minutes=1").await);
    let mc = c.take_json(2).await;
    assert_eq!(v2_ids(&mc)[0], src.get(40).id(), "head at t-1min was 40");
    drop(c);
    emu.wait_for_closed_connections(3).await;
    // backfill_minutes=5 reaches back before the start: everything from seq 0 again.
    let mut d = Lines::new(get(&emu, "/2/tweets/sample/stream?backfill_minutes=5").await);
    let md = d.take_json(45).await;
    assert_eq!(
        v2_ids(&md)[..40],
        v2_ids(&ma)[..],
        "replay of the first 40, duplicates"
    );
    assert!(head_now >= 43);
    emu.shutdown().await;
}

#[tokio::test]
async fn shutdown_ends_streams_cleanly() {
    let emu = emu().await;
    let mut lines = Lines::new(get(&emu, "/2/tweets/sample/stream").await);
    lines.take_json(3).await;
    let reader = tokio::spawn(async move {
        let _ = lines.rest().await;
        (lines.ended, lines.error)
    });
    let id = emu.connections()[0].id;
    let obs_before = emu.counters();
    assert_eq!(obs_before.connections_active, 1);
    let emu2 = emu.observed();
    emu.shutdown().await;
    let (ended, error) = reader.await.unwrap();
    assert!(ended, "clean end of the chunked body (error: {error:?})");
    assert!(emu2.connection(id).is_some());
}

#[tokio::test(start_paused = true)]
async fn paced_backfill_replays_what_an_ended_connection_sent() {
    // Regression: at a fixed rate, a backfill started at the first tweet no ended connection
    // had sent, so a reconnect's replay skipped exactly the tweets it was asked for.
    let emu = Emulator::builder()
        .bearer_token("tok")
        .source(corpus())
        .rate(10.0)
        .scenario(
            tweetstream_emulator::Scenario::new()
                .then(tweetstream_emulator::Fate::CloseAfter { messages: 30 }),
        )
        .start()
        .await
        .unwrap();
    let mut a = Lines::new(get(&emu, "/2/tweets/sample/stream").await);
    let ma = a.take_json(30).await;
    assert!(a.rest().await.is_empty() && a.ended);
    emu.wait_for_closed_connections(1).await;
    tokio::time::advance(Duration::from_secs(2)).await;
    // 3 s after the start, one minute of backfill reaches back to seq 0.
    let mut b = Lines::new(get(&emu, "/2/tweets/sample/stream?backfill_minutes=1").await);
    let mb = b.take_json(35).await;
    assert_eq!(
        v2_ids(&mb)[..30],
        v2_ids(&ma)[..],
        "the replay starts at seq 0"
    );
    drop(b);
    emu.wait_for_closed_connections(2).await;
    // Without backfill, a new connection starts after what the ended one sent.
    let mut c = Lines::new(get(&emu, "/2/tweets/sample/stream").await);
    let mc = c.take_json(1).await;
    assert!(!v2_ids(&ma).contains(&v2_ids(&mc)[0]));
    emu.shutdown().await;
}
