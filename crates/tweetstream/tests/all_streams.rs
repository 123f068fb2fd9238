//! Every stream of X's API through the client: a round trip against the emulator (async and
//! blocking), a mid-stream reset with nothing lost or duplicated, every event kind decoded, a
//! recovery window replayed exactly, and parameters checked before any request.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use tweetstream::models::activity::ActivityPayload;
use tweetstream::models::compliance::{LikeCompliance, TweetCompliance, UserCompliance};
use tweetstream::models::labels::TweetLabel;
use tweetstream::streams::{Family, StreamInfo, STREAMS};
use tweetstream::{Error, Event, Lang, RawLine, ReconnectReason, StreamParams};
use tweetstream_emulator::{event_id, EmulatorHandle, Fate, Scenario, StreamEndpoint};

fn endpoint(info: &StreamInfo) -> StreamEndpoint {
    StreamEndpoint::from_path(&format!("/{}", info.path)).expect("the emulator serves it")
}

fn params(info: &StreamInfo) -> StreamParams {
    if info.partitions > 0 {
        StreamParams::new().partition(1)
    } else {
        StreamParams::new()
    }
}

/// Every id the emulator recorded as sent on `info`'s connections, in order.
fn recorded(emu: &EmulatorHandle) -> Vec<u64> {
    emu.connections()
        .iter()
        .flat_map(|c| c.tweet_ids.clone())
        .collect()
}

/// The ids of the messages of a raw stream, as the emulator computes them.
fn ids_of(info: &StreamInfo, lines: &[RawLine]) -> Vec<u64> {
    lines
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_slice(l.bytes()).expect("JSON");
            event_id(endpoint(info), &v).expect("an id")
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn every_stream_survives_a_mid_stream_reset_with_nothing_lost_or_duplicated() {
    for info in STREAMS {
        let emu = start(
            emulator()
                .rate(200.0)
                .scenario(Scenario::new().then(Fate::ResetAfter { messages: 12 })),
        )
        .await;
        if info.name == "tweets/search" {
            emu.add_rule("the OR a OR to OR I OR you OR is OR de OR la", None)
                .unwrap();
        }
        let client = client(&emu);
        // Typed: the stream's own method would do; by name, every stream is the same loop.
        let mut stream = client.stream(info.name, params(info)).unwrap().raw();
        let (mut lines, mut reconnects) = (Vec::new(), Vec::new());
        while let Some(item) = stream.next().await {
            match item.unwrap() {
                Event::Message(line) => {
                    lines.push(line);
                    if lines.len() == 30 {
                        stream.disconnect();
                    }
                }
                Event::Reconnecting { reason, .. } => reconnects.push(reason),
                Event::Error(Error::Connection(_)) => {}
                other => assert!(
                    !matches!(other, Event::Error(_)),
                    "{}: {other:?}",
                    info.name
                ),
            }
        }
        assert!(
            matches!(&reconnects[..], [ReconnectReason::Network(_)]),
            "{}: {reconnects:?}",
            info.name
        );
        let got = ids_of(info, &lines);
        let sent = recorded(&emu);
        assert_eq!(got, sent[..got.len()], "{}: in order, none lost", info.name);
        let distinct: BTreeSet<u64> = got.iter().copied().collect();
        assert_eq!(distinct.len(), got.len(), "{}: none twice", info.name);
        assert_eq!(emu.connections().len(), 2, "{}", info.name);
        emu.shutdown().await;
    }
}

/// The names of the event kinds in a typed message, and whether it decoded as data.
fn kinds<T>(events: &[T], kind: impl Fn(&T) -> &'static str) -> BTreeSet<&'static str> {
    events.iter().map(kind).collect()
}

/// Up to `n` typed messages of a blocking stream (which is then disconnected).
fn take<M: Send + 'static>(stream: tweetstream::blocking::BlockingStream<M>, n: usize) -> Vec<M> {
    let mut out = Vec::new();
    let handle = stream.handle();
    for item in stream {
        match item.expect("no end") {
            Event::Message(m) => {
                out.push(m);
                if out.len() == n {
                    handle.disconnect();
                }
            }
            Event::Error(e) => panic!("{e}"),
            _ => {}
        }
    }
    out
}

#[test]
fn every_family_decodes_every_event_kind_blocking() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = rt.block_on(start(emulator().rate(4000.0)));
    let client = tweetstream::blocking::StreamingClient::from_builder(client_for(&emu)).unwrap();
    let p1 = || StreamParams::new().partition(1);

    let c = take(client.tweets_compliance(p1()).unwrap(), 40);
    let k = kinds(&c, |m| match m.data.as_ref().expect("an event") {
        TweetCompliance::Delete(_) => "delete",
        TweetCompliance::Withheld(w) => {
            assert!(!w.withheld_in_countries.is_empty());
            "withheld"
        }
        TweetCompliance::Drop(_) => "drop",
        TweetCompliance::Undrop(_) => "undrop",
        TweetCompliance::Edit(e) => {
            assert!(!e.edit_tweet_ids.is_empty());
            "edit"
        }
        _ => "unknown",
    });
    assert_eq!(k, ["delete", "drop", "edit", "undrop", "withheld"].into());

    let u = take(client.users_compliance(p1()).unwrap(), 60);
    let k = kinds(&u, |m| match m.data.as_ref().expect("an event") {
        UserCompliance::Protect(_) => "protect",
        UserCompliance::Unprotect(_) => "unprotect",
        UserCompliance::Delete(_) => "delete",
        UserCompliance::Undelete(_) => "undelete",
        UserCompliance::Suspend(_) => "suspend",
        UserCompliance::Unsuspend(_) => "unsuspend",
        UserCompliance::Withheld(_) => "withheld",
        UserCompliance::ScrubGeo(_) => "scrub_geo",
        UserCompliance::ProfileModification(p) => {
            assert!(!p.profile_field.is_empty());
            "profile"
        }
        _ => "unknown",
    });
    assert_eq!(k.len(), 9, "{k:?}");
    assert!(!k.contains("unknown"));

    let l = take(client.likes_compliance(StreamParams::new()).unwrap(), 10);
    assert!(l
        .iter()
        .all(|m| matches!(m.data, Some(LikeCompliance::Delete(_)))));

    let t = take(client.tweet_labels(StreamParams::new()).unwrap(), 20);
    let k = kinds(&t, |m| match m.data.as_ref().expect("an event") {
        TweetLabel::Notice(_) => "notice",
        TweetLabel::Unviewable(_) => "unviewable",
        _ => "unknown",
    });
    assert_eq!(k, ["notice", "unviewable"].into());

    let a = take(client.activity(StreamParams::new()).unwrap(), 40);
    let k = kinds(&a, |m| {
        let e = m.data.as_ref().expect("an event");
        match e.payload().expect("a payload").expect("its shape") {
            ActivityPayload::ProfileUpdate { .. } => "profile",
            ActivityPayload::Follow { .. } => "follow",
            ActivityPayload::News { .. } => "news",
            _ => "unknown",
        }
    });
    assert_eq!(k, ["follow", "news", "profile"].into());

    let likes = take(
        client
            .likes_firehose(StreamParams::all_like_fields().partition(1))
            .unwrap(),
        10,
    );
    for m in &likes {
        let like = m.data.as_ref().expect("a like");
        assert!(like.id.is_some() && like.liked_tweet_id.is_some() && like.created_at.is_some());
    }
    assert!(likes.iter().any(|m| m.includes.is_some()), "expansions");
    let s = take(client.likes_sample10(p1()).unwrap(), 5);
    assert_eq!(s.len(), 5);

    for lang in [Lang::En, Lang::Ja, Lang::Ko, Lang::Pt] {
        let tweets = take(
            client
                .firehose_lang(lang, p1().tweet_fields(["lang"]))
                .unwrap(),
            5,
        );
        let want = format!("{lang:?}").to_lowercase();
        for t in &tweets {
            let tweet = t.data.as_ref().expect("a tweet");
            assert_eq!(tweet.lang.as_deref(), Some(want.as_str()));
        }
    }
    assert_eq!(client.stats().decode_errors, 0);
    rt.block_on(emu.shutdown());
}

#[tokio::test(start_paused = true)]
async fn a_recovery_window_is_replayed_exactly_then_the_stream_ends() {
    let emu = start(emulator().rate(50.0)).await;
    tokio::time::sleep(Duration::from_secs(8)).await;
    // Whole seconds: start_at/end_at send RFC 3339 times to the second.
    let since = (emu.started_at() + Duration::from_secs(1))
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let start_at = std::time::UNIX_EPOCH + Duration::from_secs(since.as_secs());
    let end_at = start_at + Duration::from_secs(4);
    let client = client(&emu);
    let mut stream = client
        .tweets_compliance(
            StreamParams::new()
                .partition(2)
                .start_at(start_at)
                .end_at(end_at),
        )
        .unwrap();
    let mut events = Vec::new();
    let mut reconnects = 0;
    while let Some(item) = stream.next().await {
        match item.unwrap() {
            Event::Message(m) => events.push(m),
            Event::Reconnecting { .. } => reconnects += 1,
            _ => {}
        }
    }
    assert!(stream.exit_error().is_none(), "a window ends cleanly");
    assert_eq!(
        reconnects, 0,
        "the end of the window is not a reason to reconnect"
    );
    // Exactly the window: every event time is inside it, and the emulator sent nothing else.
    assert!(!events.is_empty());
    for e in &events {
        let at = match e.data.as_ref().unwrap() {
            TweetCompliance::Delete(d) | TweetCompliance::Drop(d) | TweetCompliance::Undrop(d) => {
                d.event_at.clone()
            }
            TweetCompliance::Withheld(w) => w.event_at.clone(),
            TweetCompliance::Edit(x) => x.event_at.clone(),
            other => panic!("{other:?}"),
        };
        let t = time::OffsetDateTime::parse(&at, &time::format_description::well_known::Rfc3339)
            .unwrap();
        assert!(
            t >= time::OffsetDateTime::from(start_at) && t < time::OffsetDateTime::from(end_at),
            "{at}"
        );
    }
    assert_eq!(recorded(&emu).len(), events.len());
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn parameters_are_checked_against_each_stream_before_any_request() {
    let emu = start(emulator()).await;
    let client = client(&emu);
    for info in STREAMS {
        // Partitions: 0 and max + 1 are refused, as is one for a stream without them.
        if info.partitions > 0 {
            for bad in [0, info.partitions + 1] {
                let e = client
                    .stream(info.name, StreamParams::new().partition(bad))
                    .unwrap_err();
                assert!(e.to_string().contains("partition"), "{}: {e}", info.name);
            }
            assert!(client.stream(info.name, StreamParams::new()).is_err());
        } else {
            assert!(client
                .stream(info.name, StreamParams::new().partition(1))
                .is_err());
        }
        // Fields of another family.
        let foreign = match info.family {
            Family::Tweets => StreamParams::new().like_fields(["id"]),
            _ => StreamParams::new().poll_fields(["id"]),
        };
        let mut p = foreign;
        p.partition = params(info).partition;
        let e = client.stream(info.name, p).unwrap_err();
        assert!(
            matches!(e, Error::InvalidParameter { .. }),
            "{}: {e}",
            info.name
        );
        // Backfill 0–5.
        let e = client
            .stream(info.name, params(info).backfill_minutes(6))
            .unwrap_err();
        assert!(e.to_string().contains("backfill_minutes"));
        assert!(client
            .stream(info.name, params(info).backfill_minutes(5))
            .is_ok());
        // Windows: RFC 3339, end after start, and only where X takes them.
        let w = params(info)
            .start_time("2026-12-01T00:00:00Z")
            .end_time("2026-12-01T00:00:00Z");
        assert!(client.stream(info.name, w).is_err());
        let w = params(info).start_time("2026-12-01T00:00:00Z");
        assert_eq!(
            client.stream(info.name, w).is_ok(),
            info.time_window,
            "{}",
            info.name
        );
    }
    assert!(client
        .stream("tweets/nonesuch", StreamParams::new())
        .is_err());
    assert!(emu.requests().is_empty(), "nothing was sent");
    emu.shutdown().await;
}
