//! The v1.1 clients (`AsyncStream`, blocking `Stream`, threaded mode) against the emulator over
//! loopback: OAuth 1.0a on every (re)connect, validation before any request, every message type
//! to its callback, tweepy's parameter encoding, `delimited=length`, and every fault with
//! tokio's paused clock (no real sleeps; the blocking tests poll with short bounded sleeps).

mod common;
use common::v1 as common_v1;

use std::collections::HashSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common_v1::*;
use futures_util::StreamExt;
use tokio::time::Instant;
use tweetstream::blocking;
use tweetstream::oauth::Credentials;
use tweetstream::v1::{FilterLevel, FilterParams, Message, SampleParams};
use tweetstream::{Error, Event};
use tweetstream_emulator::{
    AfterStall, AuthScheme, CloseReason, EmulatorHandle, Fate, Scenario, StreamEndpoint,
};

/// Every distinct author of the corpus (100 users): `follow` with them matches every status.
fn corpus_authors() -> Vec<u64> {
    let src = corpus();
    let mut seen = HashSet::new();
    (0..src.base_len() as u64)
        .map(|s| src.get(s).author_id())
        .filter(|a| seen.insert(*a))
        .collect()
}

fn kinds_of(rec: &V1Recorder) -> std::collections::HashMap<String, usize> {
    let kinds = check_dispatch(rec);
    check_notice_targets(rec);
    kinds
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

// ---------------------------------------------------------------------------------------------
// OAuth 1.0a
// ---------------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn every_connect_is_signed_afresh_and_verified_by_the_emulator() {
    let emu = start(
        emulator().rate(500.0).scenario(
            Scenario::new()
                .then(Fate::CloseAfter { messages: 3 })
                .then(Fate::ResetAfter { messages: 2 })
                .then(Fate::status(503))
                .then(Fate::v1_disconnect(2, 12))
                .then(Fate::status(420)),
        ),
    )
    .await;
    // Through a recording proxy, to read the Authorization header of every request.
    let proxy = RecordingProxy::start(emu.addr()).await;
    let stream = stream_for(&emu).proxy(proxy.url.clone()).build().unwrap();
    let rec = V1Recorder::stopping_after(12, stopper(&stream));
    // Form parameters that need percent-encoding (space, comma-joined lists, non-ASCII,
    // negative decimals) are part of the signature base string.
    let params = FilterParams::new()
        .follow(corpus_authors())
        .track(["tweet stream", "日本語"])
        .locations([-122.75, 36.8, -121.75, 37.8])
        .languages(["ja", "zh"]);
    stream
        .filter(params)
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap();

    let reqs = emu.requests();
    // close, reset, 503, disconnect(12), 420, then the good one.
    assert_eq!(reqs.len(), 6, "{:?}", rec.log());
    for r in &reqs {
        assert_eq!(r.method, "POST");
        assert_eq!(r.path, "/1.1/statuses/filter.json");
        assert_eq!(r.auth.scheme, AuthScheme::OAuth1);
        assert!(
            r.auth.verified && r.auth.accepted,
            "request {} not verified: {:?}",
            r.id,
            r.auth.error
        );
        assert_eq!(
            r.auth.identity.as_deref(),
            Some(&*format!("{CONSUMER_KEY}:{ACCESS_TOKEN}"))
        );
    }
    assert_eq!(
        reqs.iter().map(|r| r.status).collect::<Vec<_>>(),
        [200, 200, 503, 200, 420, 200]
    );
    // Every request had its own nonce and a current timestamp.
    let nonces = proxy.oauth_nonces();
    assert_eq!(nonces.len(), reqs.len());
    let distinct: HashSet<&str> = nonces.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        distinct.len(),
        nonces.len(),
        "a nonce was reused: {nonces:?}"
    );
    assert!(nonces.iter().all(|(n, _)| n.len() >= 32));
    let now = unix_now();
    assert!(nonces.iter().all(|(_, ts)| now.abs_diff(*ts) < 60));
    // The same signed form reached the server each time.
    assert!(reqs.windows(2).all(|w| w[0].form == w[1].form));
    no_loss_no_dup(&emu, &rec.statuses()).await;
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn sample_get_with_query_parameters_is_signed_too() {
    let emu = start(emulator().rate(200.0)).await;
    let stream = stream(&emu);
    let rec = V1Recorder::stopping_after(3, stopper(&stream));
    stream
        .sample(
            SampleParams::new()
                .languages(["ja", "zh"])
                .stall_warnings(true)
                .delimited(true),
        )
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap();
    let r = &emu.requests()[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.path, "/1.1/statuses/sample.json");
    assert!(r.auth.verified && r.auth.accepted);
    assert_eq!(
        r.query,
        [
            ("language".to_string(), "ja,zh".to_string()),
            ("stall_warnings".to_string(), "true".to_string()),
            ("delimited".to_string(), "length".to_string()),
        ]
    );
    assert!(r.form.is_empty());
    assert_eq!(rec.statuses().len(), 3);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn wrong_consumer_secret_is_a_fatal_401_with_the_body() {
    let emu = start(emulator().rate(100.0)).await;
    let bad = Credentials::new(
        CONSUMER_KEY,
        "not-the-secret",
        ACCESS_TOKEN,
        ACCESS_TOKEN_SECRET,
    );
    let stream = tweetstream::v1::AsyncStream::builder(bad)
        .api_base(emu.base_url())
        .build()
        .unwrap();
    let rec = V1Recorder::default();
    let t0 = Instant::now();
    let err = stream
        .filter(FilterParams::new().track(["a"]))
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap_err();
    match &err {
        Error::Http(h) => {
            assert_eq!(h.status, 401);
            assert!(
                h.body.contains("Unauthorized") && h.body.contains("could not authenticate you"),
                "{}",
                h.body
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(!err.to_string().contains("not-the-secret"));
    assert!(!format!("{err:?}").contains("not-the-secret"));
    assert_eq!(rec.log(), ["request_error:401", "disconnect"]);
    assert_eq!(
        Instant::now() - t0,
        Duration::ZERO,
        "no wait before a fatal stop"
    );
    let reqs = emu.requests();
    assert_eq!(reqs.len(), 1, "no retry of a 401");
    assert!(!reqs[0].auth.accepted && reqs[0].auth.error.is_some());
    assert!(!stream.is_running());
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

fn invalid_name(r: Result<(), Error>) -> String {
    match r {
        Err(Error::InvalidParameter { name, message }) => {
            assert!(!message.is_empty());
            name
        }
        other => panic!("expected InvalidParameter, got {other:?}"),
    }
}

#[test]
fn validation_boundaries_exactly_at_the_limit_pass_one_past_fail() {
    let t = || FilterParams::new().track(["x"]);
    // follow: 5,000 ids.
    assert!(FilterParams::new().follow(1..=5000).validate().is_ok());
    assert_eq!(
        invalid_name(FilterParams::new().follow(1..=5001).validate()),
        "follow"
    );
    // track: 400 phrases of at most 60 bytes (bytes, not characters), no commas, not blank.
    let phrases: Vec<String> = (0..400).map(|i| format!("p{i}")).collect();
    assert!(FilterParams::new()
        .track(phrases.clone())
        .validate()
        .is_ok());
    let mut more = phrases;
    more.push("one more".into());
    let e = FilterParams::new().track(more).validate().unwrap_err();
    assert!(e.to_string().contains("400"), "{e}");
    assert!(FilterParams::new()
        .track(["é".repeat(30)])
        .validate()
        .is_ok());
    let e = FilterParams::new()
        .track(["é".repeat(30) + "a"])
        .validate()
        .unwrap_err();
    assert!(e.to_string().contains("60"), "{e}");
    assert_eq!(
        invalid_name(FilterParams::new().track(["a,b"]).validate()),
        "track"
    );
    assert_eq!(
        invalid_name(FilterParams::new().track(["   "]).validate()),
        "track"
    );
    // locations: a multiple of 4, at most 25 boxes.
    for n in [1usize, 2, 3, 5, 7] {
        let coords: Vec<f64> = [-1.0, -1.0, 1.0, 1.0]
            .iter()
            .copied()
            .cycle()
            .take(n)
            .collect();
        let e = FilterParams::new()
            .locations(coords)
            .validate()
            .unwrap_err();
        assert!(e.to_string().contains("multiple of 4"), "{n}: {e}");
    }
    let boxes = |n: usize| -> Vec<f64> {
        (0..n)
            .flat_map(|i| {
                let x = i as f64;
                [x, 0.0, x + 0.5, 1.0]
            })
            .collect()
    };
    assert!(FilterParams::new().locations(boxes(25)).validate().is_ok());
    let e = FilterParams::new()
        .locations(boxes(26))
        .validate()
        .unwrap_err();
    assert!(e.to_string().contains("25"), "{e}");
    // Coordinates: exactly ±180 / ±90 pass, a hair beyond fails, on every corner.
    assert!(FilterParams::new()
        .locations([-180.0, -90.0, 180.0, 90.0])
        .validate()
        .is_ok());
    for bad in [
        [-180.0001, 0.0, 1.0, 1.0],
        [0.0, 0.0, 180.0001, 1.0],
        [0.0, -90.0001, 1.0, 1.0],
        [0.0, 0.0, 1.0, 90.0001],
        [f64::NAN, 0.0, 1.0, 1.0],
        [0.0, 0.0, f64::INFINITY, 1.0],
    ] {
        let e = FilterParams::new().locations(bad).validate().unwrap_err();
        let s = e.to_string();
        assert!(
            s.contains("longitude") || s.contains("latitude"),
            "{bad:?}: {s}"
        );
    }
    // South-west strictly below and left of north-east.
    for bad in [
        [1.0, 0.0, 0.0, 1.0],
        [0.0, 1.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 1.0],
        [0.0, 1.0, 1.0, 1.0],
    ] {
        let e = FilterParams::new().locations(bad).validate().unwrap_err();
        assert!(e.to_string().contains("south-west"), "{bad:?}: {e}");
    }
    assert!(FilterParams::new()
        .locations([0.0, 0.0, 0.0001, 0.0001])
        .validate()
        .is_ok());
    // filter_level: none, low, medium.
    for ok in ["none", "low", "medium"] {
        assert!(t().filter_level(ok.parse().unwrap()).validate().is_ok());
        let level: FilterLevel = ok.parse().unwrap();
        assert!(SampleParams::new().filter_level(level).validate().is_ok());
    }
    // An invalid level cannot be built: parsing one is the error, naming the parameter.
    for bad in ["high", "", "Low"] {
        assert_eq!(
            invalid_name(bad.parse::<FilterLevel>().map(|_| ())),
            "filter_level"
        );
    }
    // languages: codes, not lists.
    assert_eq!(
        invalid_name(t().languages(["en,ja"]).validate()),
        "languages"
    );
    assert_eq!(invalid_name(t().languages([""]).validate()), "languages");
    assert_eq!(
        invalid_name(SampleParams::new().languages(["e n"]).validate()),
        "languages"
    );
    // An empty filter, and filters with one predicate each.
    assert_eq!(
        invalid_name(FilterParams::new().validate()),
        "follow/track/locations"
    );
    assert_eq!(
        invalid_name(
            FilterParams::new()
                .languages(["en"])
                .stall_warnings(true)
                .validate()
        ),
        "follow/track/locations"
    );
    assert!(FilterParams::new().follow([1]).validate().is_ok());
    assert!(t().validate().is_ok());
    assert!(FilterParams::new()
        .locations([0.0, 0.0, 1.0, 1.0])
        .validate()
        .is_ok());
}

fn invalid_filters() -> Vec<FilterParams> {
    vec![
        FilterParams::new(),
        FilterParams::new().follow(1..=5001),
        FilterParams::new().track((0..401).map(|i| format!("p{i}"))),
        FilterParams::new().track(["a".repeat(61)]),
        FilterParams::new().track(["a,b"]),
        FilterParams::new().locations([1.0, 2.0, 3.0]),
        FilterParams::new().locations([0.0, 0.0, 181.0, 1.0]),
        FilterParams::new().locations([0.0, 0.0, 1.0, 91.0]),
        FilterParams::new().locations([1.0, 1.0, 0.0, 0.0]),
        FilterParams::new().locations((0..26).flat_map(|_| [0.0, 0.0, 1.0, 1.0])),
        FilterParams::new().track(["a"]).languages(["en,ja"]),
    ]
}

#[tokio::test(start_paused = true)]
async fn invalid_parameters_make_no_request() {
    let emu = start(emulator()).await;
    let stream = stream(&emu);
    for p in invalid_filters() {
        let e = stream.filter(p.clone()).unwrap_err();
        assert!(matches!(e, Error::InvalidParameter { .. }), "{p:?}: {e:?}");
        assert!(!stream.is_running());
    }
    let bad_sample = SampleParams::new().languages(["e n"]);
    assert!(matches!(
        stream.sample(bad_sample),
        Err(Error::InvalidParameter { .. })
    ));
    // A valid stream still works afterwards: validation did not leave it "running".
    let mut s = stream.sample(SampleParams::new()).unwrap();
    assert!(matches!(s.next().await, Some(Ok(Event::Connected { .. }))));
    drop(s);
    assert_eq!(
        emu.requests().len(),
        1,
        "only the valid stream made a request"
    );
    emu.shutdown().await;
}

#[test]
fn invalid_parameters_make_no_request_blocking() {
    let (emu, rt) = emulator_thread(emulator());
    let stream = blocking::Stream::from_builder(stream_for(&emu)).unwrap();
    for p in invalid_filters() {
        let e = stream.filter(p).unwrap_err();
        assert!(matches!(e, Error::InvalidParameter { .. }), "{e:?}");
    }
    assert!(emu.requests().is_empty());
    rt.block_on(emu.shutdown());
}

#[tokio::test(start_paused = true)]
async fn a_second_stream_while_running_is_already_connected() {
    let emu = start(emulator().rate(10.0)).await;
    let stream = stream(&emu);
    let mut running = stream.sample(SampleParams::new()).unwrap();
    assert!(matches!(
        running.next().await,
        Some(Ok(Event::Connected { .. }))
    ));
    let e = stream
        .clone()
        .filter(FilterParams::new().track(["a"]))
        .unwrap_err();
    assert!(matches!(e, Error::AlreadyRunning), "{e:?}");
    assert!(e.to_string().contains("already connected"));
    assert!(matches!(
        stream.sample(SampleParams::new()),
        Err(Error::AlreadyRunning)
    ));
    assert_eq!(emu.requests().len(), 1);
    drop(running);
    emu.wait_for_active_connections(0).await;
    let mut again = stream.filter(FilterParams::new().track(["a"])).unwrap();
    assert!(matches!(
        again.next().await,
        Some(Ok(Event::Connected { .. }))
    ));
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Dispatch and encoding
// ---------------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn sample_sends_every_message_type_to_its_callback() {
    let emu = start(
        emulator()
            .rate(500.0)
            .v1_notices(all_notices())
            // A JSON object of no known type → on_unknown.
            .scenario(Scenario::new().then(Fate::OversizedLine {
                after_messages: 5,
                bytes: 64,
            })),
    )
    .await;
    let stream = stream(&emu);
    let rec = V1Recorder::stopping_after(42, stopper(&stream));
    stream
        .sample(SampleParams::new().stall_warnings(true))
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap();
    let kinds = kinds_of(&rec);
    // Notices follow the status that triggers them (every 2nd, 4th, … status): those due after
    // the 42nd status are not read.
    assert_eq!(kinds["status"], 42);
    assert_eq!(kinds["delete"], 20);
    assert_eq!(kinds["scrub_geo"], 10);
    assert_eq!(kinds["status_withheld"], 8);
    assert_eq!(kinds["user_withheld"], 6);
    assert_eq!(kinds["warning"], 5);
    assert_eq!(kinds["unknown"], 1);
    assert!(!kinds.contains_key("limit"), "no limit notices on sample");
    let log = rec.log();
    let unknown = log.iter().find(|l| l.starts_with("unknown:")).unwrap();
    assert_eq!(unknown.len(), "unknown:".len() + 64);
    assert!(unknown.starts_with("unknown:{\"padding\":\"xxx"));
    assert!(log.contains(&"warning:FALLING_BEHIND:60".to_string()));
    assert!(log
        .iter()
        .any(|l| l.starts_with("status_withheld:") && l.ends_with(":DE+AR")));
    assert_eq!(log.first().map(String::as_str), Some("connect"));
    assert_eq!(log.last().map(String::as_str), Some("disconnect"));
    assert_eq!(rec.count("exception"), 0);
    no_loss_no_dup(&emu, &rec.statuses()).await;
    let c = &emu.connections()[0];
    assert_eq!(c.endpoint, StreamEndpoint::V1Sample);
    assert!(!c.delimited);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn filter_sends_tweepys_form_and_every_message_type_to_its_callback() {
    let emu = start(emulator().rate(500.0).v1_notices(all_notices())).await;
    let stream = stream(&emu);
    let rec = V1Recorder::stopping_after(30, stopper(&stream));
    let authors = corpus_authors();
    let params = FilterParams::new()
        .follow(authors.iter().copied().take(3))
        .track(["RT", "tweet stream"])
        .locations([-122.75, 36.8, -121.75, 37.8, -74.0, 40.0, -73.0, 41.0])
        .filter_level(FilterLevel::None)
        .languages(["ja", "zh"])
        .stall_warnings(true);
    stream
        .filter(params)
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap();

    let r = &emu.requests()[0];
    assert_eq!((r.method.as_str(), r.status), ("POST", 200));
    assert!(r.query.is_empty(), "filter parameters go in the body");
    let want: Vec<(String, String)> = [
        (
            "follow",
            authors[..3]
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(","),
        ),
        ("track", "RT,tweet stream".to_string()),
        (
            "locations",
            "-122.7500,36.8000,-121.7500,37.8000,-74.0000,40.0000,-73.0000,41.0000".to_string(),
        ),
        ("filter_level", "none".to_string()),
        ("language", "ja,zh".to_string()),
        ("stall_warnings", "true".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(r.form, want);

    let kinds = kinds_of(&rec);
    assert_eq!(kinds["status"], 30);
    for k in [
        "delete",
        "limit",
        "scrub_geo",
        "status_withheld",
        "user_withheld",
        "warning",
    ] {
        assert!(kinds.get(k).copied().unwrap_or(0) > 0, "no {k}: {kinds:?}");
    }
    assert_eq!(kinds["limit"], 9);
    assert_eq!(emu.connections()[0].endpoint, StreamEndpoint::V1Filter);
    no_loss_no_dup(&emu, &rec.statuses()).await;
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_stream_of_messages_is_the_iterator_style_alternative() {
    let emu = start(emulator().rate(500.0).v1_notices(all_notices())).await;
    let stream = stream(&emu);
    let mut events = stream
        .filter(FilterParams::new().follow(corpus_authors()))
        .unwrap();
    let (mut statuses, mut deletes, mut limits) = (Vec::new(), 0, 0);
    while let Some(item) = events.next().await {
        if let Event::Message(m) = item.unwrap() {
            // The raw bytes are kept next to the decoded message.
            let v: serde_json::Value = serde_json::from_slice(m.raw()).unwrap();
            match &m.message() {
                Message::Status(s) => {
                    assert_eq!(v["id"].as_u64(), Some(s.id));
                    assert!(!s.user.screen_name.is_empty());
                    assert!(s.text.is_some() || s.full_text.is_some());
                    statuses.push(s.id);
                    if statuses.len() == 10 {
                        stream.disconnect();
                    }
                }
                Message::Delete(d) => {
                    assert_eq!(v["delete"]["status"]["id"].as_u64(), Some(d.status.id));
                    deletes += 1;
                }
                Message::Limit(l) => {
                    assert_eq!(v["limit"]["track"].as_u64(), Some(l.track));
                    limits += 1;
                }
                _ => {}
            }
        }
    }
    assert_eq!(statuses.len(), 10);
    assert_eq!((deletes, limits), (4, 3));
    assert!(events.exit_error().is_none());
    no_loss_no_dup(&emu, &statuses).await;
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn delimited_length_works_end_to_end_plain_and_gzip_across_reconnects() {
    for gzip in [false, true] {
        let emu = start(
            emulator().rate(500.0).v1_notices(all_notices()).scenario(
                Scenario::new()
                    .then(Fate::CloseAfter { messages: 7 })
                    .then(Fate::OversizedLine {
                        after_messages: 3,
                        bytes: 40,
                    }),
            ),
        )
        .await;
        let stream = stream_for(&emu).gzip(gzip).build().unwrap();
        let rec = V1Recorder::stopping_after(25, stopper(&stream));
        stream
            .filter(
                FilterParams::new()
                    .follow(corpus_authors())
                    .stall_warnings(true)
                    .delimited(true),
            )
            .unwrap()
            .run(rec.clone())
            .await
            .unwrap();
        let conns = emu.connections();
        assert_eq!(conns.len(), 2);
        assert!(conns.iter().all(|c| c.delimited && c.gzip == gzip));
        assert_eq!(
            emu.requests()[0].form.last(),
            Some(&("delimited".to_string(), "length".to_string()))
        );
        let kinds = kinds_of(&rec);
        assert_eq!(kinds["status"], 25);
        assert_eq!(kinds["unknown"], 1);
        assert!(kinds["limit"] > 0 && kinds["delete"] > 0 && kinds["warning"] > 0);
        assert_eq!(rec.count("exception"), 0, "{:?}", rec.log());
        assert_eq!(
            only(&rec.log(), &["connect", "closed", "reconnect"]),
            ["connect", "closed", "reconnect:closed:0ms", "connect"]
        );
        no_loss_no_dup(&emu, &rec.statuses()).await;
        emu.shutdown().await;
    }
}

#[tokio::test(start_paused = true)]
async fn delimited_length_survives_frames_cut_into_pieces_and_keep_alives() {
    // Every write dripped 7 bytes at a time: length prefixes and messages are cut anywhere.
    let emu = start(
        emulator()
            .rate(500.0)
            .v1_notices(all_notices())
            .scenario(Scenario::new().then(Fate::drip(7, Duration::from_millis(1)))),
    )
    .await;
    let stream = stream_for(&emu).gzip(false).build().unwrap();
    let rec = V1Recorder::stopping_after(6, stopper(&stream));
    stream
        .sample(SampleParams::new().stall_warnings(true).delimited(true))
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap();
    let kinds = kinds_of(&rec);
    assert_eq!(kinds["status"], 6);
    assert_eq!(kinds["delete"], 2);
    assert_eq!(rec.count("exception"), 0, "{:?}", rec.log());
    // The emulator records a dripped batch once it is out or cut: compare after the close.
    emu.wait_for_active_connections(0).await;
    no_loss_no_dup(&emu, &rec.statuses()).await;

    // Keep-alives on a delimited stream: blank lines between frames, never a stall.
    emu.set_scenario(Scenario::new().then(Fate::KeepAlivesOnly));
    let mut events = stream.sample(SampleParams::new().delimited(true)).unwrap();
    let t0 = Instant::now();
    let mut keep_alives = 0;
    while let Some(item) = events.next().await {
        match item.unwrap() {
            Event::KeepAlive => {
                keep_alives += 1;
                if keep_alives == 3 {
                    stream.disconnect();
                }
            }
            Event::Connected { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(Instant::now() - t0, Duration::from_secs(90));
    assert_eq!(stream.stats().stalls, 0);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_bad_message_is_reported_and_the_stream_goes_on() {
    let emu = start(
        emulator()
            .rate(200.0)
            .scenario(Scenario::new().then(Fate::MalformedJson { after_messages: 2 })),
    )
    .await;
    let stream = stream(&emu);
    let rec = V1Recorder::stopping_after(5, stopper(&stream));
    stream
        .sample(SampleParams::new())
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap();
    assert_eq!(
        only(&rec.log(), &["exception", "reconnect", "status"])
            .iter()
            .map(|l| l.split(':').next().unwrap())
            .collect::<Vec<_>>(),
        [
            "status",
            "status",
            "exception",
            "status",
            "status",
            "status"
        ]
    );
    assert_eq!(stream.stats().decode_errors, 1);
    no_loss_no_dup(&emu, &rec.statuses()).await;
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Faults, with the paused clock
// ---------------------------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn clean_close_reconnects_at_once_and_loses_nothing() {
    let emu = start(
        emulator().rate(500.0).v1_notices(all_notices()).scenario(
            Scenario::new()
                .then(Fate::CloseAfter { messages: 5 })
                .then(Fate::CloseAfter { messages: 5 }),
        ),
    )
    .await;
    let stream = stream(&emu);
    let rec = V1Recorder::stopping_after(15, stopper(&stream));
    let t0 = Instant::now();
    stream
        .sample(SampleParams::new())
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap();
    assert_eq!(
        only(&rec.log(), &["closed", "reconnect", "connect"]),
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
    assert!(Instant::now() - t0 < Duration::from_secs(1));
    kinds_of(&rec);
    no_loss_no_dup(&emu, &rec.statuses()).await;
    assert_eq!(stream.stats().closed_by_server, 2);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn reset_mid_message_is_a_connection_error_and_recovers_at_once() {
    let emu = start(
        emulator()
            .rate(500.0)
            .scenario(Scenario::new().then(Fate::ResetAfter { messages: 3 })),
    )
    .await;
    let stream = stream(&emu);
    let rec = V1Recorder::stopping_after(8, stopper(&stream));
    stream
        .filter(FilterParams::new().follow(corpus_authors()))
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap();
    assert_eq!(
        only(&rec.log(), &["connection_error", "reconnect", "connect"]),
        [
            "connect",
            "connection_error:net",
            "reconnect:network:0ms",
            "connect"
        ]
    );
    assert_eq!(rec.count("exception"), 0, "the cut message is not reported");
    no_loss_no_dup(&emu, &rec.statuses()).await;
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_stall_is_detected_at_the_v1_default_of_90_seconds() {
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
    let stream = stream(&emu); // default stall timeout
    let mut events = stream.sample(SampleParams::new()).unwrap();
    let t0 = Instant::now();
    let (mut statuses, mut stalled_at, mut delays) = (Vec::new(), None, Vec::new());
    while let Some(item) = events.next().await {
        match item {
            Ok(Event::Message(m)) => {
                if let Message::Status(s) = &m.message() {
                    statuses.push(s.id);
                }
                if stalled_at.is_some() && statuses.len() >= 4 {
                    stream.disconnect();
                }
            }
            Ok(Event::Error(Error::Stall(d))) => {
                assert_eq!(d, Duration::from_secs(90));
                stalled_at = Some(Instant::now() - t0);
            }
            Ok(Event::Reconnecting { delay, .. }) => delays.push(delay),
            _ => {}
        }
    }
    let stalled_at = stalled_at.expect("a stall was reported");
    assert!(
        stalled_at >= Duration::from_secs(90) && stalled_at < Duration::from_secs(91),
        "{stalled_at:?}"
    );
    assert_eq!(delays, [Duration::ZERO]);
    assert_eq!(stream.stats().stalls, 1);
    no_loss_no_dup(&emu, &statuses).await;
    emu.wait_for_closed_connections(2).await;
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn keep_alives_every_30_seconds_are_not_a_stall() {
    let emu = start(emulator().scenario(Scenario::new().then(Fate::KeepAlivesOnly))).await;
    let stream = stream(&emu);
    let s2 = stream.clone();
    let mut events = stream.sample(SampleParams::new()).unwrap();
    let t0 = Instant::now();
    let mut keep_alives = 0;
    while let Some(item) = events.next().await {
        if let Event::KeepAlive = item.unwrap() {
            keep_alives += 1;
            if keep_alives == 4 {
                s2.disconnect();
            }
        }
    }
    assert_eq!(Instant::now() - t0, Duration::from_secs(120));
    assert_eq!(stream.stats().stalls, 0);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn enhance_your_calm_420_waits_60_then_120_seconds() {
    let emu = start(
        emulator().rate(100.0).scenario(
            Scenario::new()
                .then(Fate::status(420))
                .then(Fate::status(420)),
        ),
    )
    .await;
    let stream = stream(&emu);
    let rec = V1Recorder::stopping_after(1, stopper(&stream));
    let t0 = Instant::now();
    stream
        .filter(FilterParams::new().follow(corpus_authors()))
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap();
    assert_eq!(
        only(&rec.log(), &["request_error", "reconnect", "connect"]),
        [
            "request_error:420",
            "reconnect:rate_limited:60000ms",
            "request_error:420",
            "reconnect:rate_limited:120000ms",
            "connect"
        ]
    );
    let elapsed = Instant::now() - t0;
    assert!(
        elapsed >= Duration::from_secs(180) && elapsed < Duration::from_secs(181),
        "{elapsed:?}"
    );
    let bodies: Vec<String> = rec
        .errors()
        .iter()
        .filter_map(|e| match e {
            Error::Http(h) => Some(h.body.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(bodies.len(), 2);
    assert!(bodies.iter().all(|b| b.contains("Enhance your calm")));
    assert_eq!(stream.stats().rate_limited, 2);
    let at: Vec<Duration> = emu.requests().iter().map(|r| r.at).collect();
    assert_eq!(at.len(), 3);
    assert!(at[1] - at[0] >= Duration::from_secs(60) && at[2] - at[1] >= Duration::from_secs(120));
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn service_unavailable_503_waits_5_then_10_seconds() {
    let emu = start(
        emulator().rate(100.0).scenario(
            Scenario::new()
                .then(Fate::status(503))
                .then(Fate::status(503)),
        ),
    )
    .await;
    let stream = stream(&emu);
    let rec = V1Recorder::stopping_after(1, stopper(&stream));
    let t0 = Instant::now();
    stream
        .sample(SampleParams::new())
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap();
    assert_eq!(
        only(&rec.log(), &["request_error", "reconnect", "connect"]),
        [
            "request_error:503",
            "reconnect:http:5000ms",
            "request_error:503",
            "reconnect:http:10000ms",
            "connect"
        ]
    );
    let elapsed = Instant::now() - t0;
    assert!(elapsed >= Duration::from_secs(15) && elapsed < Duration::from_secs(16));
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn fatal_statuses_stop_at_once() {
    for status in [401u16, 406, 413, 416] {
        let emu = start(emulator().scenario(Scenario::new().then(Fate::status(status)))).await;
        let stream = stream(&emu);
        let rec = V1Recorder::default();
        let t0 = Instant::now();
        let err = stream
            .filter(FilterParams::new().track(["a"]))
            .unwrap()
            .run(rec.clone())
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(status));
        match &err {
            Error::Http(h) => assert!(!h.body.is_empty()),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            Instant::now() - t0,
            Duration::ZERO,
            "no wait before a fatal stop ({status})"
        );
        assert_eq!(
            rec.log(),
            [format!("request_error:{status}"), "disconnect".into()]
        );
        assert_eq!(emu.requests().len(), 1);
        assert!(!stream.is_running());
        emu.shutdown().await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_disconnect_message_with_a_reconnect_code_reconnects() {
    // 1 shutdown, 4 stall, 5 normal, 8 reserved, 10 internal error, 11 queue full, 12 shed load.
    for code in [1u32, 4, 5, 8, 10, 11, 12] {
        let emu = start(
            emulator()
                .rate(500.0)
                .v1_notices(all_notices())
                .scenario(Scenario::new().then(Fate::v1_disconnect(6, code))),
        )
        .await;
        let stream = stream(&emu);
        let rec = V1Recorder::stopping_after(8, stopper(&stream));
        let t0 = Instant::now();
        stream
            .sample(SampleParams::new())
            .unwrap()
            .run(rec.clone())
            .await
            .unwrap();
        let log = only(
            &rec.log(),
            &["disconnect_message", "reconnect", "connect", "exception"],
        );
        assert_eq!(log.len(), 4, "{code}: {log:?}");
        assert_eq!(log[0], "connect");
        assert!(
            log[1].starts_with(&format!("disconnect_message:{code}:emulator-")),
            "{log:?}"
        );
        // Code 4 ("stall": the client read too slowly) is told apart from the others.
        let kind = if code == 4 {
            "slow_reader"
        } else {
            "server_disconnect"
        };
        assert_eq!(
            log[2..],
            [format!("reconnect:{kind}:0ms"), "connect".into()]
        );
        assert!(Instant::now() - t0 < Duration::from_secs(1));
        kinds_of(&rec);
        assert_eq!(
            emu.connections()[0].close_reason,
            Some(CloseReason::V1Disconnect { code })
        );
        assert_eq!(stream.stats().server_disconnects, 1);
        no_loss_no_dup(&emu, &rec.statuses()).await;
        emu.shutdown().await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_disconnect_message_with_a_stop_code_ends_the_stream() {
    // 2 duplicate stream, 3 control request, 6 token revoked, 7 admin logout, 9 max message limit.
    for code in [2u32, 3, 6, 7, 9] {
        let emu = start(
            emulator()
                .rate(500.0)
                .scenario(Scenario::new().then(Fate::v1_disconnect(3, code))),
        )
        .await;
        let stream = stream(&emu);
        let rec = V1Recorder::default();
        let err = stream
            .sample(SampleParams::new())
            .unwrap()
            .run(rec.clone())
            .await
            .unwrap_err();
        match &err {
            Error::ServerDisconnect(why) => {
                assert!(why.contains(&format!("code {code}")), "{why}")
            }
            other => panic!("{code}: {other:?}"),
        }
        let log = rec.log();
        let tail = &log[log.len() - 3..];
        assert!(tail[0].starts_with(&format!("disconnect_message:{code}:")));
        assert_eq!(tail[1..], ["exception:server_disconnect", "disconnect"]);
        assert_eq!(rec.count("status"), 3);
        assert_eq!(rec.count("reconnect"), 0);
        assert_eq!(emu.requests().len(), 1, "no reconnect after code {code}");
        assert!(!stream.is_running());
        emu.shutdown().await;
    }
}

#[tokio::test(start_paused = true)]
async fn disconnect_in_on_connection_error_prevents_the_reconnect() {
    let emu = start(
        emulator()
            .rate(100.0)
            .scenario(Scenario::new().then(Fate::ResetAfter { messages: 1 })),
    )
    .await;
    let stream = stream(&emu);
    let rec = V1Recorder {
        stop_on_connection_error: Some(stopper(&stream)),
        ..V1Recorder::default()
    };
    stream
        .sample(SampleParams::new())
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
async fn max_retries_gives_up_after_the_last_failure() {
    let emu = start(
        emulator().scenario(
            Scenario::new()
                .then(Fate::status(503))
                .then(Fate::status(420))
                .then(Fate::status(500)),
        ),
    )
    .await;
    let stream = stream_for(&emu).max_retries(2).build().unwrap();
    let rec = V1Recorder::default();
    let err = stream
        .sample(SampleParams::new())
        .unwrap()
        .run(rec.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::GaveUp { attempts: 3, .. }), "{err:?}");
    assert_eq!(err.status(), Some(500));
    // 503 → 5 s; 420 → 60 s (at least a minute); 500 → give up at once.
    assert_eq!(
        rec.waits(),
        [Duration::from_secs(5), Duration::from_secs(60)]
    );
    assert_eq!(emu.requests().len(), 3);
    emu.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Blocking and threaded
// ---------------------------------------------------------------------------------------------

/// An emulator on its own runtime, for the blocking clients (which own theirs).
fn emulator_thread(
    builder: tweetstream_emulator::EmulatorBuilder,
) -> (EmulatorHandle, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let emu = rt.block_on(start(builder));
    (emu, rt)
}

fn blocking_stopper(s: &blocking::Stream) -> Stopper {
    let s = s.clone();
    std::sync::Arc::new(move || s.disconnect())
}

#[test]
fn blocking_filter_runs_a_handler_with_every_message_type() {
    let (emu, rt) = emulator_thread(emulator().rate(2000.0).v1_notices(all_notices()).scenario(
        Scenario::new().then(Fate::OversizedLine {
            after_messages: 4,
            bytes: 50,
        }),
    ));
    let stream = blocking::Stream::from_builder(stream_for(&emu)).unwrap();
    let rec = V1Recorder::stopping_after(30, blocking_stopper(&stream));
    stream
        .filter(
            FilterParams::new()
                .follow(corpus_authors())
                .track(["RT"])
                .stall_warnings(true),
        )
        .unwrap()
        .run(rec.clone())
        .unwrap();
    let kinds = kinds_of(&rec);
    assert_eq!(kinds["status"], 30);
    for k in [
        "delete",
        "limit",
        "scrub_geo",
        "status_withheld",
        "user_withheld",
        "warning",
        "unknown",
    ] {
        assert!(kinds.get(k).copied().unwrap_or(0) > 0, "no {k}: {kinds:?}");
    }
    assert!(!stream.is_running());
    assert_eq!(rec.log().last().map(String::as_str), Some("disconnect"));
    rt.block_on(no_loss_no_dup(&emu, &rec.statuses()));
    rt.block_on(emu.shutdown());
}

#[test]
fn threaded_sample_runs_a_handler_reconnects_and_can_be_disconnected() {
    let (emu, rt) = emulator_thread(
        emulator().rate(2000.0).v1_notices(all_notices()).scenario(
            Scenario::new()
                .then(Fate::v1_disconnect(5, 12))
                .then(Fate::CloseAfter { messages: 6 }),
        ),
    );
    let stream = blocking::Stream::from_builder(stream_for(&emu)).unwrap();
    let rec = V1Recorder::default();
    let thread = stream
        .sample(SampleParams::new().stall_warnings(true).delimited(true))
        .unwrap()
        .run_threaded(rec.clone())
        .unwrap();
    // Wait until statuses flow on the third connection, then stop from this thread.
    rec.status_signal.wait_for(20, || false);
    assert!(stream.is_running());
    assert!(!thread.is_finished());
    thread.disconnect();
    thread.join().unwrap();
    assert!(!stream.is_running());
    let log = rec.log();
    assert_eq!(log.last().map(String::as_str), Some("disconnect"));
    assert_eq!(
        only(&log, &["connect", "reconnect", "closed"]),
        [
            "connect",
            "reconnect:server_disconnect:0ms",
            "connect",
            "closed",
            "reconnect:closed:0ms",
            "connect"
        ]
    );
    let kinds = kinds_of(&rec);
    assert!(kinds["status"] >= 20);
    for k in [
        "delete",
        "scrub_geo",
        "status_withheld",
        "user_withheld",
        "warning",
        "disconnect_message",
    ] {
        assert!(kinds.get(k).copied().unwrap_or(0) > 0, "no {k}: {kinds:?}");
    }
    rt.block_on(no_loss_no_dup(&emu, &rec.statuses()));
    rt.block_on(emu.wait_for_active_connections(0));
    rt.block_on(emu.shutdown());
}

#[test]
fn threaded_filter_follow_delivers_every_notice_and_limit() {
    // tweepy: `thread = stream.filter(follow=[...], threaded=True)`.
    let (emu, rt) = emulator_thread(emulator().rate(2000.0).v1_notices(all_notices()));
    let stream = blocking::Stream::from_builder(stream_for(&emu)).unwrap();
    let rec = V1Recorder::default();
    let thread = stream
        .filter(
            FilterParams::new()
                .follow(corpus_authors())
                .stall_warnings(true),
        )
        .unwrap()
        .run_threaded(rec.clone())
        .unwrap();
    rec.status_signal.wait_for(15, || thread.is_finished());
    thread.disconnect();
    thread.join().unwrap();
    let kinds = kinds_of(&rec);
    assert!(kinds["status"] >= 15);
    for k in [
        "delete",
        "limit",
        "scrub_geo",
        "status_withheld",
        "user_withheld",
        "warning",
    ] {
        assert!(kinds.get(k).copied().unwrap_or(0) > 0, "no {k}: {kinds:?}");
    }
    assert_eq!(emu.requests()[0].form[0].0, "follow");
    rt.block_on(no_loss_no_dup(&emu, &rec.statuses()));
    rt.block_on(emu.shutdown());
}

#[test]
fn blocking_iterator_yields_typed_messages() {
    let (emu, rt) = emulator_thread(emulator().rate(2000.0).v1_notices(all_notices()));
    let stream = blocking::Stream::from_builder(stream_for(&emu)).unwrap();
    let mut statuses = Vec::new();
    let mut deletes = 0;
    for item in stream.sample(SampleParams::new()).unwrap() {
        match item.unwrap() {
            Event::Message(m) => match m.message() {
                Message::Status(s) => {
                    statuses.push(s.id);
                    if statuses.len() == 10 {
                        stream.disconnect();
                    }
                }
                Message::Delete(_) => deletes += 1,
                _ => {}
            },
            Event::Connected { .. } | Event::KeepAlive => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(statuses.len(), 10);
    assert_eq!(deletes, 4);
    rt.block_on(no_loss_no_dup(&emu, &statuses));
    rt.block_on(emu.shutdown());
}

#[test]
fn blocking_run_returns_the_fatal_error_and_the_server_disconnect() {
    let (emu, rt) = emulator_thread(
        emulator()
            .rate(1000.0)
            .scenario(Scenario::new().then(Fate::v1_disconnect(2, 6))),
    );
    // Code 6 (token revoked): the stream ends with ServerDisconnect.
    let stream = blocking::Stream::from_builder(stream_for(&emu)).unwrap();
    let rec = V1Recorder::default();
    let err = stream
        .sample(SampleParams::new())
        .unwrap()
        .run(rec.clone())
        .unwrap_err();
    assert!(matches!(err, Error::ServerDisconnect(_)), "{err:?}");
    assert_eq!(rec.count("disconnect_message:6:"), 1);
    // Wrong credentials: 401, in threaded mode too.
    let bad = Credentials::new(CONSUMER_KEY, CONSUMER_SECRET, ACCESS_TOKEN, "wrong");
    let stream = blocking::Stream::from_builder(
        tweetstream::v1::AsyncStream::builder(bad).api_base(emu.base_url()),
    )
    .unwrap();
    let err = stream
        .filter(FilterParams::new().track(["a"]))
        .unwrap()
        .run_threaded(V1Recorder::default())
        .unwrap()
        .join()
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert_eq!(emu.requests().len(), 2);
    rt.block_on(emu.shutdown());
}
