//! The v2 client against the emulator over loopback: every callback and every fault, with
//! tokio's paused clock (no real sleeps).

mod common;

use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use tokio::time::Instant;
use tweetstream::{Error, Event, StreamParams, StreamRule};
use tweetstream_emulator::{AfterStall, Fate, Scenario, StatusVariant};

/// Received ids must be exactly what the emulator sent: all of every connection the server
/// ended, then a prefix of the last one (which the client ended).
fn assert_no_loss_no_dup(emu: &tweetstream_emulator::EmulatorHandle, received: &[String]) {
    let conns = emu.connections();
    let mut expected: Vec<String> = Vec::new();
    for (i, c) in conns.iter().enumerate() {
        let ids: Vec<String> = c.tweet_ids.iter().map(|i| i.to_string()).collect();
        if i + 1 == conns.len() {
            let rest = received.len().saturating_sub(expected.len());
            assert!(
                rest <= ids.len(),
                "received more than sent on the last connection"
            );
            expected.extend(ids.into_iter().take(rest));
        } else {
            expected.extend(ids);
        }
    }
    assert_eq!(
        received,
        &expected[..],
        "tweets received differ from tweets sent"
    );
    let mut dedup = received.to_vec();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), received.len(), "duplicates received");
}

#[tokio::test(start_paused = true)]
async fn filter_delivers_matching_tweets_with_their_rules() {
    let emu = start(emulator().rate(200.0)).await;
    let client = client(&emu);
    let added = client
        .add_rules(
            [StreamRule::tagged(
                "cat OR dog OR music OR rust OR news",
                "pets",
            )],
            false,
        )
        .await
        .unwrap();
    assert_eq!(added.data.len(), 1);
    let rule_id = added.data[0].id.clone().unwrap();
    let mut stream = client
        .filter(
            StreamParams::new()
                .expansions(["author_id"])
                .tweet_fields(["author_id", "created_at"]),
        )
        .unwrap();
    let mut got = Vec::new();
    while let Some(item) = stream.next().await {
        if let Event::Message(r) = item.unwrap() {
            let t = r.data.as_ref().expect("a tweet");
            assert_eq!(r.matching_rules.len(), 1);
            assert_eq!(r.matching_rules[0].id, rule_id);
            assert_eq!(r.matching_rules[0].tag.as_deref(), Some("pets"));
            let author = t.author_id.as_ref().expect("author_id asked for");
            let inc = r.includes.as_ref().expect("includes for author_id");
            assert!(inc.users.iter().any(|u| u.id == author));
            assert!(t.created_at.is_some());
            got.push(t.id.to_string());
            if got.len() == 20 {
                client.disconnect();
            }
        }
    }
    assert_eq!(got.len(), 20);
    assert_no_loss_no_dup(&emu, &got);
    emu.wait_for_closed_connections(1).await;
    assert!(!client.is_running());
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn handler_callbacks_come_in_tweepys_order() {
    let emu = start(emulator().rate(100.0)).await;
    let client = client(&emu);
    let rec = Recorder {
        stop_after: Some((3, client.clone())),
        ..Recorder::default()
    };
    client
        .sample(StreamParams::new().expansions(["author_id"]))
        .unwrap()
        .run_with(&mut rec.clone())
        .await
        .unwrap();
    let log = rec.log();
    assert_eq!(log.first().map(String::as_str), Some("connect"));
    assert_eq!(log.last().map(String::as_str), Some("disconnect"));
    assert_eq!(log.iter().filter(|l| *l == "disconnect").count(), 1);
    let msgs = only(&log, &["data", "tweet", "includes", "response"]);
    assert_eq!(msgs[..4], ["data", "tweet", "includes", "response"]);
    assert_eq!(rec.tweets().len(), 3);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn clean_close_reconnects_at_once_and_loses_nothing() {
    let emu = start(
        emulator().rate(500.0).scenario(
            Scenario::new()
                .then(Fate::CloseAfter { messages: 5 })
                .then(Fate::CloseAfter { messages: 5 }),
        ),
    )
    .await;
    let client = client(&emu);
    let rec = Recorder {
        stop_after: Some((15, client.clone())),
        ..Recorder::default()
    };
    client
        .sample(StreamParams::new())
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap();
    let log = rec.log();
    assert_eq!(
        only(&log, &["closed", "reconnect", "connect"]),
        [
            "connect",
            "closed",
            "reconnect:closed:0ms",
            "connect",
            "closed",
            "reconnect:closed:0ms",
            "connect"
        ]
    );
    assert_no_loss_no_dup(&emu, &rec.tweets());
    assert_eq!(client.stats().closed_by_server, 2);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn reset_in_the_middle_of_a_message_is_a_connection_error_and_recovers() {
    let emu = start(
        emulator()
            .rate(500.0)
            .scenario(Scenario::new().then(Fate::ResetAfter { messages: 3 })),
    )
    .await;
    let client = client(&emu);
    let rec = Recorder {
        stop_after: Some((8, client.clone())),
        ..Recorder::default()
    };
    client
        .sample(StreamParams::new())
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap();
    let log = rec.log();
    assert_eq!(
        only(&log, &["connection_error", "reconnect", "connect"]),
        [
            "connect",
            "connection_error:net",
            "reconnect:network:0ms",
            "connect"
        ]
    );
    assert_no_loss_no_dup(&emu, &rec.tweets());
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_stall_is_detected_after_the_timeout_and_the_connection_replaced() {
    let emu = start(
        emulator()
            .rate(100.0)
            .scenario(Scenario::new().then(Fate::stall(
                2,
                Duration::from_secs(600),
                AfterStall::Close,
            ))),
    )
    .await;
    let client = client_for(&emu)
        .stall_timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut stream = client.sample(StreamParams::new()).unwrap();
    let mut tweets = 0;
    let mut stalled_at = None;
    let t0 = Instant::now();
    while let Some(item) = stream.next().await {
        match item {
            Ok(Event::Message(_)) => {
                tweets += 1;
                if stalled_at.is_some() && tweets >= 4 {
                    client.disconnect();
                }
            }
            Ok(Event::Error(Error::Stall(d))) => {
                assert_eq!(d, Duration::from_secs(30));
                stalled_at = Some(Instant::now() - t0);
            }
            Ok(Event::Reconnecting { delay, .. }) => assert_eq!(delay, Duration::ZERO),
            _ => {}
        }
    }
    let stalled_at = stalled_at.expect("a stall was reported");
    // Two tweets at 100/s, then 30 s of silence.
    assert!(
        stalled_at >= Duration::from_secs(30) && stalled_at < Duration::from_secs(31),
        "{stalled_at:?}"
    );
    assert_eq!(client.stats().stalls, 1);
    emu.wait_for_closed_connections(2).await;
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn http_errors_back_off_5_then_10_seconds() {
    let emu = start(
        emulator().rate(100.0).scenario(
            Scenario::new()
                .then(Fate::status(503))
                .then(Fate::status(500)),
        ),
    )
    .await;
    let client = client(&emu);
    let rec = Recorder {
        stop_after: Some((1, client.clone())),
        ..Recorder::default()
    };
    let t0 = Instant::now();
    client
        .sample(StreamParams::new())
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap();
    assert_eq!(
        rec.waits(),
        [Duration::from_secs(5), Duration::from_secs(10)]
    );
    assert_eq!(
        only(&rec.log(), &["request_error", "reconnect", "connect"]),
        [
            "request_error:503",
            "reconnect:http:5000ms",
            "request_error:500",
            "reconnect:http:10000ms",
            "connect"
        ]
    );
    assert!(Instant::now() - t0 >= Duration::from_secs(15));
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn too_many_connections_429_waits_a_minute_then_doubles() {
    let emu = start(
        emulator().rate(100.0).scenario(
            Scenario::new()
                .then(Fate::status(429))
                .then(Fate::status_variant(429, StatusVariant::RateLimit)),
        ),
    )
    .await;
    let client = client(&emu);
    let mut stream = client.sample(StreamParams::new()).unwrap();
    let mut waits = Vec::new();
    let mut bodies = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(Event::Reconnecting { delay, .. }) => waits.push(delay),
            Ok(Event::Error(Error::Http(h))) => bodies.push(h),
            Ok(Event::Message(_)) => client.disconnect(),
            _ => {}
        }
    }
    assert_eq!(waits, [Duration::from_secs(60), Duration::from_secs(120)]);
    assert_eq!(bodies[0].status, 429);
    assert_eq!(
        bodies[0].problems[0].extra_str("connection_issue"),
        Some("TooManyConnections")
    );
    assert_eq!(client.stats().rate_limited, 2);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn wrong_token_is_fatal_with_xs_body() {
    let emu = start(emulator()).await;
    let client = tweetstream::AsyncStreamingClient::builder("wrong-token")
        .api_base(emu.base_url())
        .build()
        .unwrap();
    let rec = Recorder::default();
    let err = client
        .sample(StreamParams::new())
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap_err();
    match &err {
        Error::Http(h) => {
            assert_eq!(h.status, 401);
            assert_eq!(h.problems[0].title.as_deref(), Some("Unauthorized"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(rec.log(), ["request_error:401", "disconnect"]);
    assert!(!err.to_string().contains("wrong-token"));
    assert_eq!(emu.requests().len(), 1, "no retry of a fatal status");
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn every_fatal_status_ends_the_stream_at_once() {
    for status in [400u16, 401, 403, 404, 406, 409, 413, 416] {
        let emu = start(emulator().scenario(Scenario::new().then(Fate::status(status)))).await;
        let client = client(&emu);
        let t0 = Instant::now();
        let err = client
            .sample(StreamParams::new())
            .unwrap()
            .run(Recorder::default())
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(
            Instant::now() - t0,
            Duration::ZERO,
            "no wait before a fatal stop ({status})"
        );
        assert_eq!(emu.requests().len(), 1);
        emu.shutdown().await;
    }
}

#[tokio::test(start_paused = true)]
async fn filter_without_rules_gets_409_and_stops() {
    let emu = start(emulator()).await;
    let client = client(&emu);
    let err = client
        .filter(StreamParams::new())
        .unwrap()
        .run(Recorder::default())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(409));
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn operational_disconnect_reaches_on_errors_and_reconnects() {
    let emu = start(
        emulator()
            .rate(200.0)
            .scenario(Scenario::new().then(Fate::operational_disconnect(2))),
    )
    .await;
    let client = client(&emu);
    let rec = Recorder {
        stop_after: Some((5, client.clone())),
        ..Recorder::default()
    };
    client
        .sample(StreamParams::new())
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap();
    let log = only(&rec.log(), &["errors", "reconnect", "connect", "tweet"]);
    assert_eq!(
        log[..6],
        [
            "connect",
            "tweet",
            "tweet",
            "errors",
            "reconnect:server_disconnect:0ms",
            "connect"
        ]
    );
    assert_no_loss_no_dup(&emu, &rec.tweets());
    assert_eq!(client.stats().server_disconnects, 1);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn bad_messages_are_reported_and_the_stream_goes_on() {
    let emu = start(
        emulator().rate(200.0).scenario(
            Scenario::new()
                .then(Fate::MalformedJson { after_messages: 1 })
                .then(Fate::InvalidUtf8 { after_messages: 1 })
                .then(Fate::OversizedLine {
                    after_messages: 1,
                    bytes: 300_000,
                }),
        ),
    )
    .await;
    // One bad message per connection; each connection is closed by the client after 3 tweets.
    for _ in 0..3 {
        let client = client_for(&emu).max_message_size(100_000).build().unwrap();
        let rec = Recorder {
            stop_after: Some((3, client.clone())),
            ..Recorder::default()
        };
        client
            .sample(StreamParams::new())
            .unwrap()
            .run(rec.clone())
            .await
            .unwrap();
        let log = only(&rec.log(), &["exception", "reconnect", "tweet"]);
        assert_eq!(log.iter().filter(|l| l.starts_with("reconnect")).count(), 0);
        assert_eq!(
            log.iter().filter(|l| l.starts_with("exception")).count(),
            1,
            "{log:?}"
        );
        assert_eq!(rec.tweets().len(), 3);
        assert_eq!(client.stats().decode_errors, 1);
        emu.wait_for_active_connections(0).await;
    }
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn keep_alives_keep_a_quiet_stream_alive() {
    let emu = start(emulator().scenario(Scenario::new().then(Fate::KeepAlivesOnly))).await;
    let client = client(&emu);
    let mut stream = client.sample(StreamParams::new()).unwrap();
    let t0 = Instant::now();
    let mut keep_alives = 0;
    while let Some(item) = stream.next().await {
        match item.unwrap() {
            Event::KeepAlive => {
                keep_alives += 1;
                if keep_alives == 5 {
                    client.disconnect();
                }
            }
            Event::Connected { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(Instant::now() - t0, Duration::from_secs(100));
    assert_eq!(client.stats().stalls, 0);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn max_retries_counts_every_failure_and_gives_up_without_sleeping() {
    let emu = start(
        emulator().scenario(
            Scenario::new()
                .then(Fate::status(503))
                .then(Fate::CloseAfter { messages: 0 })
                .then(Fate::status(503)),
        ),
    )
    .await;
    let client = client_for(&emu).max_retries(2).build().unwrap();
    let rec = Recorder::default();
    let t0 = Instant::now();
    let err = client
        .sample(StreamParams::new())
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap_err();
    match err {
        Error::GaveUp { attempts, last } => {
            assert_eq!(attempts, 3);
            assert_eq!(last.status(), Some(503));
        }
        other => panic!("{other:?}"),
    }
    // 503 → 5 s; empty close → at once; 503 → give up with no sleep.
    assert_eq!(rec.waits(), [Duration::from_secs(5), Duration::ZERO]);
    assert_eq!(Instant::now() - t0, Duration::from_secs(5));
    assert_eq!(emu.requests().len(), 3);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn network_errors_back_off_linearly_and_count_toward_max_retries() {
    // A port with nothing listening.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = tweetstream::AsyncStreamingClient::builder(TOKEN)
        .api_base(format!("http://127.0.0.1:{port}"))
        .max_retries(3)
        .build()
        .unwrap();
    let rec = Recorder::default();
    let err = client
        .sample(StreamParams::new())
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::GaveUp { attempts: 4, .. }), "{err:?}");
    assert_eq!(
        rec.waits(),
        [
            Duration::from_millis(250),
            Duration::from_millis(500),
            Duration::from_millis(750)
        ]
    );
    assert_eq!(only(&rec.log(), &["connection_error"]).len(), 4);
}

#[tokio::test(start_paused = true)]
async fn servers_that_accept_then_close_do_not_cause_a_hot_loop() {
    let emu = start(
        emulator().rate(100.0).scenario(
            Scenario::new()
                .then(Fate::CloseAfter { messages: 0 })
                .then(Fate::CloseAfter { messages: 0 })
                .then(Fate::CloseAfter { messages: 0 }),
        ),
    )
    .await;
    let client = client(&emu);
    let rec = Recorder {
        stop_after: Some((1, client.clone())),
        ..Recorder::default()
    };
    client
        .sample(StreamParams::new())
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap();
    assert_eq!(
        rec.waits(),
        [
            Duration::ZERO,
            Duration::from_millis(250),
            Duration::from_millis(500)
        ]
    );
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn disconnect_during_a_back_off_wait_stops_at_once() {
    let emu = start(emulator().scenario(Scenario::new().then(Fate::status(429)))).await;
    let client = client(&emu);
    let mut stream = client.sample(StreamParams::new()).unwrap();
    let t0 = Instant::now();
    let c2 = client.clone();
    let mut saw_wait = false;
    while let Some(item) = stream.next().await {
        if let Ok(Event::Reconnecting { delay, .. }) = item {
            assert_eq!(delay, Duration::from_secs(60));
            saw_wait = true;
            // Disconnect from another task while the stream sleeps.
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(1)).await;
                c2.disconnect();
            });
            break;
        }
    }
    assert!(saw_wait);
    assert!(stream.next().await.is_none());
    assert_eq!(Instant::now() - t0, Duration::from_secs(1));
    assert_eq!(emu.requests().len(), 1);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn disconnect_in_on_connection_error_prevents_the_reconnect() {
    let emu = start(
        emulator()
            .rate(100.0)
            .scenario(Scenario::new().then(Fate::ResetAfter { messages: 1 })),
    )
    .await;
    let client = client(&emu);
    let rec = Recorder {
        stop_on_connection_error: Some(client.clone()),
        ..Recorder::default()
    };
    client
        .sample(StreamParams::new())
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap();
    let log = rec.log();
    assert!(!log.iter().any(|l| l.starts_with("reconnect")), "{log:?}");
    assert_eq!(log.last().map(String::as_str), Some("disconnect"));
    assert_eq!(emu.connections().len(), 1);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_second_stream_while_running_is_an_error() {
    let emu = start(emulator().rate(10.0)).await;
    let client = client(&emu);
    let stream = client.sample(StreamParams::new()).unwrap();
    assert!(matches!(
        client.sample(StreamParams::new()),
        Err(Error::AlreadyRunning)
    ));
    // Another endpoint, or another partition, is another stream: a client runs several at
    // once (X limits connections per endpoint and partition, not per client).
    let other = client.clone().filter(StreamParams::new()).unwrap();
    let p1 = client.firehose(StreamParams::new().partition(1)).unwrap();
    let p2 = client.firehose(StreamParams::new().partition(2)).unwrap();
    assert!(matches!(
        client.firehose(StreamParams::new().partition(1)),
        Err(Error::AlreadyRunning)
    ));
    drop((other, p1, p2));
    drop(stream);
    let mut again = client.sample(StreamParams::new()).unwrap();
    assert!(matches!(
        again.next().await,
        Some(Ok(Event::Connected { .. }))
    ));
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn invalid_parameters_fail_before_any_request() {
    let emu = start(emulator()).await;
    let client = client(&emu);
    for p in [
        StreamParams::new().backfill_minutes(6),
        StreamParams::new().tweet_fields(["created"]),
        StreamParams::new().expansions(["author"]),
        StreamParams::new().partition(1),
    ] {
        let e = client.sample(p).unwrap_err();
        assert!(matches!(e, Error::InvalidParameter { .. }), "{e:?}");
    }
    assert!(client.firehose(StreamParams::new().partition(21)).is_err());
    assert!(client.sample10(StreamParams::new()).is_err());
    assert!(emu.requests().is_empty());
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn gzip_streams_decode() {
    let emu = start(emulator().rate(100.0)).await;
    let client = client_for(&emu).gzip(true).build().unwrap();
    let rec = Recorder {
        stop_after: Some((5, client.clone())),
        ..Recorder::default()
    };
    client
        .sample(StreamParams::new())
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap();
    assert!(emu.connections()[0].gzip);
    assert_no_loss_no_dup(&emu, &rec.tweets());
    emu.shutdown().await;
}

/// A compressed stream that stops being valid gzip is a lost connection: reported, dropped,
/// replaced at once (the first network error waits 0 ms after an established connection), and
/// no tweet is lost or repeated.
#[tokio::test(start_paused = true)]
async fn corrupt_gzip_data_reconnects_without_loss() {
    let emu = start(
        emulator()
            .rate(500.0)
            .scenario(Scenario::new().then(Fate::CorruptGzip { after_messages: 3 })),
    )
    .await;
    let client = client_for(&emu).gzip(true).build().unwrap();
    let rec = Recorder {
        stop_after: Some((8, client.clone())),
        ..Recorder::default()
    };
    client
        .sample(StreamParams::new())
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap();
    let log = rec.log();
    assert_eq!(
        only(&log, &["connection_error", "reconnect", "connect"]),
        [
            "connect",
            "connection_error:net",
            "reconnect:network:0ms",
            "connect"
        ]
    );
    assert!(emu.connections().iter().all(|c| c.gzip));
    assert_eq!(client.stats().network_errors, 1);
    assert_no_loss_no_dup(&emu, &rec.tweets());
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn partitions_of_the_firehose_and_sample10() {
    let emu = start(emulator().rate(100.0)).await;
    let client = client(&emu);
    let mut ids = std::collections::HashSet::new();
    for (p, firehose) in [(1u32, true), (2, true), (1, false)] {
        let params = StreamParams::new().partition(p);
        let mut s = if firehose {
            client.firehose(params)
        } else {
            client.sample10(params)
        }
        .unwrap();
        let mut n = 0;
        while let Some(item) = s.next().await {
            if let Ok(Event::Message(r)) = item {
                if firehose {
                    assert!(ids.insert(r.data.clone().unwrap().id), "partitions overlap");
                }
                n += 1;
                if n == 5 {
                    client.disconnect();
                }
            }
        }
        emu.wait_for_active_connections(0).await;
    }
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn requests_carry_the_user_agent_and_ask_for_gzip() {
    let emu = start(emulator().rate(100.0)).await;
    let client = client(&emu);
    let mut s = client.sample(StreamParams::new()).unwrap();
    assert!(matches!(s.next().await, Some(Ok(Event::Connected { .. }))));
    drop(s);
    client.get_rules(&[] as &[&str]).await.unwrap();
    let custom = client_for(&emu)
        .user_agent("my-app/2.0")
        .gzip(false)
        .build()
        .unwrap();
    custom.get_rules(&[] as &[&str]).await.unwrap();
    let reqs = emu.requests();
    let want = format!("tweetstream/{}", env!("CARGO_PKG_VERSION"));
    assert_eq!(reqs[0].user_agent.as_deref(), Some(want.as_str()));
    assert!(reqs[0].accept_gzip);
    assert_eq!(reqs[1].user_agent.as_deref(), Some(want.as_str()));
    assert_eq!(reqs[2].user_agent.as_deref(), Some("my-app/2.0"));
    assert!(!reqs[2].accept_gzip);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn undecodable_messages_keep_their_raw_bytes() {
    let emu = start(
        emulator().rate(100.0).scenario(
            Scenario::new()
                .then(Fate::MalformedJson { after_messages: 1 })
                .then(Fate::InvalidUtf8 { after_messages: 1 }),
        ),
    )
    .await;
    for _ in 0..2 {
        let client = client(&emu);
        let mut s = client.sample(StreamParams::new()).unwrap();
        while let Some(item) = s.next().await {
            if let Ok(Event::Error(Error::Decode { raw, preview, .. })) = item {
                assert!(raw.len() > 1, "the whole message is kept");
                assert!(!preview.is_empty());
                client.disconnect();
            }
        }
        emu.wait_for_active_connections(0).await;
    }
    emu.shutdown().await;
}

/// A server that never completes the TCP handshake: the connect timeout ends the attempt, which
/// counts as a network error (250 ms, then 500 ms), and `max_retries` still applies.
#[tokio::test(start_paused = true)]
async fn connect_timeout_is_a_network_error() {
    // A listener with a backlog of one that never accepts: once its queue is full, the kernel
    // drops further SYNs and their connects hang.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..4 {
        fillers.push(tokio::spawn(tokio::net::TcpStream::connect(addr)));
    }
    for _ in 0..10 {
        tokio::task::yield_now().await; // let the fillers take the queue first
    }

    let client = tweetstream::AsyncStreamingClient::builder(TOKEN)
        .api_base(format!("http://{addr}"))
        .connect_timeout(Duration::from_secs(3))
        .max_retries(2)
        .build()
        .unwrap();
    let started = Instant::now();
    let mut stream = client.sample(StreamParams::new()).unwrap();
    let mut waits = Vec::new();
    let mut errors = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(Event::Reconnecting { delay, .. }) => waits.push(delay),
            Ok(Event::Error(e)) | Err(e) => errors.push(e),
            Ok(e) => panic!("nothing else can happen: {e:?}"),
        }
    }
    assert_eq!(
        waits,
        [Duration::from_millis(250), Duration::from_millis(500)]
    );
    assert_eq!(errors.len(), 3, "{errors:?}");
    for e in &errors[..2] {
        let Error::Connection(ce) = e else {
            panic!("{e:?}")
        };
        assert_eq!(ce.kind, tweetstream::ConnectionErrorKind::Timeout, "{ce}");
    }
    assert!(matches!(errors[2], Error::GaveUp { attempts: 3, .. }));
    // Three attempts of 3 s each, plus the two waits.
    assert_eq!(started.elapsed(), Duration::from_millis(9_750));
    assert_eq!(client.stats().network_errors, 3);
    drop(fillers);
}

/// `backfill_on_reconnect`: after a drop, the reconnect asks X to replay the minutes since the
/// last message, and what was already delivered is dropped: every tweet arrives exactly once,
/// in order, including the ones posted while the client was away.
#[tokio::test(start_paused = true)]
async fn backfill_on_reconnect_recovers_the_gap_without_duplicates() {
    // 100 s of tweets, a reset, a 503 (5 s wait): 50 tweets are posted while disconnected.
    let emu = start(
        emulator().rate(10.0).scenario(
            Scenario::new()
                .then(Fate::ResetAfter { messages: 1000 })
                .then(Fate::status(503)),
        ),
    )
    .await;
    let client = client(&emu);
    let mut stream = client
        .sample(StreamParams::new().backfill_on_reconnect())
        .unwrap();
    let mut got: Vec<String> = Vec::new();
    while let Some(item) = stream.next().await {
        if let Ok(Event::Message(r)) = item {
            got.push(r.data.as_ref().unwrap().id.to_string());
            if got.len() == 1200 {
                client.disconnect();
            }
        }
    }

    let reqs = emu.requests();
    let backfill = |i: usize| {
        reqs[i]
            .query
            .iter()
            .find(|(k, _)| k == "backfill_minutes")
            .map(|(_, v)| v.clone())
    };
    assert_eq!(reqs.len(), 3);
    assert_eq!(backfill(0), None, "the first connection is not backfilled");
    assert_eq!(backfill(1).as_deref(), Some("1"));
    assert_eq!(backfill(2).as_deref(), Some("1"), "5 s away: one minute");

    let conns = emu.connections();
    assert_eq!(
        conns.len(),
        2,
        "two streams: the reset one and the backfilled one"
    );
    let first: Vec<String> = conns[0].tweet_ids.iter().map(|i| i.to_string()).collect();
    let second: Vec<String> = conns[1].tweet_ids.iter().map(|i| i.to_string()).collect();
    // The replay overlaps what was delivered (so nothing in between is missing)…
    let last = first.last().unwrap();
    let overlap = second
        .iter()
        .position(|i| i == last)
        .expect("the replay overlaps")
        + 1;
    assert!(overlap > 500, "a minute of replay: {overlap}");
    // …and the client delivered each tweet once: the first stream, then the rest of the replay.
    let mut expected = first.clone();
    expected.extend(second[overlap..].iter().cloned());
    assert_eq!(got, expected[..got.len()]);
    let mut unique = got.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), got.len());
    assert_eq!(client.stats().duplicates_dropped, overlap as u64);
}
