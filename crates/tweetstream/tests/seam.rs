//! The shape around the core: run permits, several streams per client, policy overrides,
//! cancellation tokens, error sources, the raw path, and secrets in `Debug`.

mod common;

use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use tweetstream::policy::Backoff;
use tweetstream::{CancellationToken, Error, Event, ReconnectReason, StreamParams, TweetStream};
use tweetstream_emulator::{Fate, Scenario};

/// The bug: a run that ended with a fatal error released the client's shared running flag, and
/// dropping it later released it again while a new run was live, so a third stream could open
/// a second connection to the same endpoint.
#[tokio::test(start_paused = true)]
async fn a_finished_run_releases_only_its_own_permit() {
    let emu = start(
        emulator()
            .rate(50.0)
            .scenario(Scenario::new().then(Fate::status(401))),
    )
    .await;
    let client = client(&emu);
    let mut first = client.sample(StreamParams::new()).unwrap();
    let mut last = None;
    while let Some(item) = first.next().await {
        last = Some(item);
    }
    assert!(
        matches!(last, Some(Err(Error::Http(ref h))) if h.status == 401),
        "{last:?}"
    );
    assert!(!client.is_running(), "the ended run released its permit");

    let second = client.sample(StreamParams::new()).unwrap();
    drop(first); // must not release the second run's permit
    assert!(client.is_running());
    assert!(matches!(
        client.sample(StreamParams::new()),
        Err(Error::AlreadyRunning)
    ));
    drop(second);
    assert!(!client.is_running());
    assert!(client.sample(StreamParams::new()).is_ok());
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn several_streams_per_client_each_with_its_own_disconnect() {
    let emu = start(emulator().rate(200.0)).await;
    let client = client(&emu);
    let mut p1 = client.firehose(StreamParams::new().partition(1)).unwrap();
    let mut p2 = client.firehose(StreamParams::new().partition(2)).unwrap();
    let (mut n1, mut n2) = (0, 0);
    while n1 < 5 || n2 < 5 {
        tokio::select! {
            item = p1.next() => if let Some(Ok(Event::Message(_))) = item { n1 += 1 },
            item = p2.next() => if let Some(Ok(Event::Message(_))) = item { n2 += 1 },
        }
    }
    emu.wait_for_active_connections(2).await;
    p1.disconnect();
    while p1.next().await.is_some() {}
    emu.wait_for_active_connections(1).await;
    // The other partition goes on.
    let before = p2.stats().messages;
    while p2.stats().messages < before + 5 {
        p2.next().await;
    }
    assert!(client.is_running());
    assert!(client.stats().messages >= p2.stats().messages + 5);
    // The client's disconnect stops what is left.
    client.disconnect();
    while p2.next().await.is_some() {}
    assert!(!client.is_running());
    // And streams opened afterwards run.
    let mut again = client.firehose(StreamParams::new().partition(1)).unwrap();
    assert!(matches!(
        again.next().await,
        Some(Ok(Event::Connected { .. }))
    ));
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_users_policy_classifies_statuses() {
    let emu = start(
        emulator()
            .rate(50.0)
            .scenario(Scenario::new().then(Fate::status(503))),
    )
    .await;
    let client = client_for(&emu)
        .policy(|| {
            let mut b = Backoff::default();
            b.rate_limit_statuses.insert(503); // this user's proxy answers 503 when throttling
            b
        })
        .build()
        .unwrap();
    let mut s = client.sample(StreamParams::new()).unwrap();
    let mut reconnect = None;
    while let Some(item) = s.next().await {
        match item.unwrap() {
            Event::Reconnecting { delay, reason, .. } => reconnect = Some((delay, reason)),
            Event::Message(_) => break,
            _ => {}
        }
    }
    assert_eq!(
        reconnect,
        Some((Duration::from_secs(60), ReconnectReason::RateLimited(503)))
    );
    let stats = client.stats();
    assert_eq!((stats.rate_limited, stats.http_errors), (1, 0));
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_users_cancellation_token_stops_every_stream() {
    let emu = start(emulator().rate(50.0)).await;
    let token = CancellationToken::new();
    let client = client_for(&emu)
        .cancellation_token(token.clone())
        .build()
        .unwrap();
    let mut s = client.sample(StreamParams::new()).unwrap();
    let mut f = client.filter(StreamParams::new()).unwrap();
    while !matches!(s.next().await, Some(Ok(Event::Message(_)))) {}
    token.cancel();
    while s.next().await.is_some() {}
    while f.next().await.is_some() {}
    assert!(s.exit_error().is_none(), "a cancellation is not an error");
    assert!(!client.is_running());
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn errors_keep_their_source() {
    let client = tweetstream::AsyncStreamingClient::builder(TOKEN)
        .api_base("http://127.0.0.1:1")
        .max_retries(0)
        .build()
        .unwrap();
    let mut s = client.sample(StreamParams::new()).unwrap();
    let mut last = None;
    while let Some(item) = s.next().await {
        last = Some(item);
    }
    let Some(Err(Error::GaveUp { last, .. })) = last else {
        panic!("{last:?}")
    };
    let connection = std::error::Error::source(last.as_ref()).expect("a connection error");
    assert!(
        std::error::Error::source(connection).is_some(),
        "the HTTP stack's error is kept: {connection}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_raw_path_passes_bytes_through_and_still_reconnects() {
    let emu = start(
        emulator().rate(100.0).scenario(
            Scenario::new()
                .then(Fate::OperationalDisconnect {
                    after_messages: 3,
                    disconnect_type: "OperationalDisconnect".into(),
                    lines: 1,
                })
                .then(Fate::InvalidUtf8 { after_messages: 2 }),
        ),
    )
    .await;
    let client = client(&emu);
    let mut s = client.sample(StreamParams::new()).unwrap().raw();
    let mut lines = Vec::new();
    let mut reconnects = Vec::new();
    while let Some(item) = s.next().await {
        match item.unwrap() {
            Event::Message(line) => {
                lines.push(line);
                if lines.len() == 10 {
                    s.disconnect();
                }
            }
            Event::Reconnecting { reason, .. } => reconnects.push(reason),
            Event::Error(e) => panic!("the raw path judges no message: {e}"),
            _ => {}
        }
    }
    assert!(
        matches!(&reconnects[..], [ReconnectReason::ServerDisconnect(_)]),
        "{reconnects:?}"
    );
    // The disconnect notice and the invalid UTF-8 line pass through byte for byte.
    assert!(lines.iter().any(|l| l.bytes().starts_with(b"{\"errors\"")));
    assert!(lines
        .iter()
        .any(|l| std::str::from_utf8(l.bytes()).is_err()));
    let ids: Vec<String> = lines
        .iter()
        .filter(|l| std::str::from_utf8(l.bytes()).is_ok())
        .filter_map(|l| l.id())
        .map(|i| i.to_string())
        .collect();
    let sent = ids_sent(&emu);
    assert_eq!(
        ids,
        sent[..ids.len()],
        "the tweets, in order, with their ids"
    );
    assert_eq!(client.stats().decode_errors, 0);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_stream_can_be_opened_from_its_endpoint() {
    let emu = start(emulator().rate(100.0)).await;
    let client = client(&emu);
    let ep = TweetStream::firehose(&StreamParams::new().partition(3)).unwrap();
    let ids = take_tweets(client.open(ep).unwrap(), 4).await;
    assert_eq!(ids.len(), 4);
    assert_eq!(emu.connections()[0].partition, Some(3));
    emu.shutdown().await;
}

#[test]
fn debug_never_shows_credentials_in_the_base_url() {
    let base = "http://alice:hunter2@127.0.0.1:9";
    let builder = tweetstream::AsyncStreamingClient::builder(TOKEN).api_base(base);
    let client = builder.clone().build().unwrap();
    let blocking = tweetstream::blocking::StreamingClient::from_builder(builder.clone()).unwrap();
    let stream = client.sample(StreamParams::new()).unwrap();
    let shown = format!("{builder:?} {client:?} {blocking:?} {stream:?}");
    for secret in ["hunter2", "alice", TOKEN] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}

#[tokio::test]
async fn a_blocking_client_can_be_dropped_in_async_code() {
    let client = tweetstream::blocking::StreamingClient::new(TOKEN).unwrap();
    let clone = client.clone();
    drop(client);
    drop(clone); // the last owner of the runtime: shut down in the background, no panic
}
