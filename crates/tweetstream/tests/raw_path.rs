//! The raw path (`EventStream::raw`, what archivers use) through the same faults as the typed
//! path: clean closes, resets mid-message, stalls, HTTP errors with back-off, `max_retries`,
//! fatal statuses, corrupt gzip, in-band disconnects (v2 and v1.1), backfill dedupe by id, and
//! byte identity with the typed path. Paused time throughout.

mod common;

use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use tokio::time::Instant;
use tweetstream::{Error, Event, RawLine, ReconnectReason, StreamParams};
use tweetstream_emulator::{AfterStall, Fate, Scenario};

/// Read `n` messages of a raw stream (then disconnect), with the reasons of its reconnects.
async fn take(
    mut s: tweetstream::EventStream<RawLine>,
    n: usize,
) -> (Vec<RawLine>, Vec<ReconnectReason>, Option<Error>) {
    let (mut lines, mut reasons) = (Vec::new(), Vec::new());
    while let Some(item) = s.next().await {
        match item {
            Ok(Event::Message(l)) => {
                lines.push(l);
                if lines.len() == n {
                    s.disconnect();
                }
            }
            Ok(Event::Reconnecting { reason, .. }) => reasons.push(reason),
            Ok(_) => {}
            Err(e) => return (lines, reasons, Some(e)),
        }
    }
    (lines, reasons, None)
}

/// The tweet ids of raw v2 lines, read the cheap way (as dedupe does).
fn ids(lines: &[RawLine]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l.id().expect("a tweet id").to_string())
        .collect()
}

/// All of every connection the server ended, then a prefix of the last one.
fn assert_no_loss_no_dup(emu: &tweetstream_emulator::EmulatorHandle, got: &[String]) {
    let sent = ids_sent(emu);
    assert_eq!(got, &sent[..got.len()], "in order, none lost");
    let mut unique = got.to_vec();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), got.len(), "none twice");
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
    let (lines, reasons, end) = take(client.sample(StreamParams::new()).unwrap().raw(), 15).await;
    assert!(end.is_none());
    assert_eq!(reasons, [ReconnectReason::Closed, ReconnectReason::Closed]);
    assert_no_loss_no_dup(&emu, &ids(&lines));
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn reset_mid_message_recovers_without_loss() {
    let emu = start(
        emulator()
            .rate(500.0)
            .scenario(Scenario::new().then(Fate::ResetAfter { messages: 3 })),
    )
    .await;
    let client = client(&emu);
    let (lines, reasons, _) = take(client.sample(StreamParams::new()).unwrap().raw(), 8).await;
    assert!(
        matches!(&reasons[..], [ReconnectReason::Network(_)]),
        "{reasons:?}"
    );
    assert_no_loss_no_dup(&emu, &ids(&lines));
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_stall_is_detected_and_the_connection_replaced() {
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
    let t0 = Instant::now();
    let (lines, reasons, _) = take(client.sample(StreamParams::new()).unwrap().raw(), 4).await;
    assert!(
        matches!(&reasons[..], [ReconnectReason::StallTimeout(_)]),
        "{reasons:?}"
    );
    assert!(Instant::now() - t0 >= Duration::from_secs(30));
    assert_eq!(client.stats().stalls, 1);
    assert_eq!(lines.len(), 4);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn http_errors_back_off_and_max_retries_gives_up() {
    let emu = start(
        emulator().rate(100.0).scenario(
            Scenario::new()
                .then(Fate::status(503))
                .then(Fate::status(503))
                .then(Fate::status(503)),
        ),
    )
    .await;
    let client = client_for(&emu).max_retries(2).build().unwrap();
    let t0 = Instant::now();
    let (lines, reasons, end) = take(client.sample(StreamParams::new()).unwrap().raw(), 5).await;
    assert!(lines.is_empty());
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(matches!(end, Some(Error::GaveUp { .. })), "{end:?}");
    // 5 s then 10 s, on the paused clock.
    assert_eq!((Instant::now() - t0).as_secs(), 15);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_fatal_status_ends_the_raw_stream_with_the_error() {
    let emu = start(emulator().scenario(Scenario::new().then(Fate::status(403)))).await;
    let client = client(&emu);
    let (lines, reasons, end) = take(client.sample(StreamParams::new()).unwrap().raw(), 5).await;
    assert!(lines.is_empty() && reasons.is_empty());
    match end {
        Some(Error::Http(h)) => assert_eq!(h.status, 403),
        other => panic!("{other:?}"),
    }
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn an_operational_disconnect_in_band_reconnects() {
    let emu = start(emulator().rate(200.0).scenario(Scenario::new().then(
        Fate::OperationalDisconnect {
            after_messages: 4,
            disconnect_type: "OperationalDisconnect".into(),
            lines: 1,
        },
    )))
    .await;
    let client = client(&emu);
    let (lines, reasons, _) = take(client.sample(StreamParams::new()).unwrap().raw(), 10).await;
    assert!(
        matches!(&reasons[..], [ReconnectReason::ServerDisconnect(_)]),
        "{reasons:?}"
    );
    let tweets: Vec<RawLine> = lines
        .into_iter()
        .filter(|l| !l.bytes().starts_with(b"{\"errors\""))
        .collect();
    assert_no_loss_no_dup(&emu, &ids(&tweets));
    assert_eq!(emu.connections().len(), 2);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn corrupt_gzip_reconnects_without_loss() {
    let emu = start(
        emulator()
            .rate(500.0)
            .scenario(Scenario::new().then(Fate::CorruptGzip { after_messages: 5 })),
    )
    .await;
    let client = client_for(&emu).gzip(true).build().unwrap();
    let (lines, reasons, _) = take(client.sample(StreamParams::new()).unwrap().raw(), 12).await;
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert_no_loss_no_dup(&emu, &ids(&lines));
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn backfill_dedupe_reads_only_the_id() {
    // As the typed test: a reset, a 503, a backfilled replay that overlaps.
    let emu = start(
        emulator().rate(10.0).scenario(
            Scenario::new()
                .then(Fate::ResetAfter { messages: 1000 })
                .then(Fate::status(503)),
        ),
    )
    .await;
    let client = client(&emu);
    let s = client
        .sample(StreamParams::new().backfill_on_reconnect())
        .unwrap()
        .raw();
    let (lines, _, _) = take(s, 1200).await;
    let got = ids(&lines);
    let conns = emu.connections();
    assert_eq!(conns.len(), 2);
    let first: Vec<String> = conns[0].tweet_ids.iter().map(|i| i.to_string()).collect();
    let second: Vec<String> = conns[1].tweet_ids.iter().map(|i| i.to_string()).collect();
    let last = first.last().unwrap();
    let overlap = second.iter().position(|i| i == last).expect("overlap") + 1;
    let mut expected = first.clone();
    expected.extend(second[overlap..].iter().cloned());
    assert_eq!(got, expected[..got.len()]);
    assert_eq!(client.stats().duplicates_dropped, overlap as u64);
    assert_eq!(client.stats().decode_errors, 0, "nothing was decoded");
}

#[tokio::test(start_paused = true)]
async fn raw_bytes_are_the_typed_paths_raw_bytes() {
    let emu = start(emulator().rate(500.0)).await;
    let c1 = client(&emu);
    let params = StreamParams::all_fields();
    let (raw, _, _) = take(c1.sample(params.clone()).unwrap().raw(), 50).await;
    let emu2 = start(emulator().rate(500.0)).await;
    let client2 = client(&emu2);
    let mut typed = client2.sample(params).unwrap();
    let mut typed_raw = Vec::new();
    while let Some(Ok(e)) = typed.next().await {
        if let Event::Message(m) = e {
            typed_raw.push(m.raw().clone());
            if typed_raw.len() == 50 {
                typed.disconnect();
            }
        }
    }
    assert_eq!(raw.len(), 50);
    for (a, b) in raw.iter().zip(&typed_raw) {
        assert_eq!(a.bytes(), b, "byte-identical");
    }
    emu.shutdown().await;
    emu2.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn v1_disconnect_notices_reconnect_on_the_raw_path() {
    use common::v1 as v1c;
    let emu = v1c::start(
        v1c::emulator()
            .rate(500.0)
            .scenario(Scenario::new().then(Fate::v1_disconnect(6, 12))),
    )
    .await;
    let stream = v1c::stream(&emu);
    let s = stream
        .sample(tweetstream::v1::SampleParams::new())
        .unwrap()
        .raw();
    let (lines, reasons, end) = take_any(s, 12).await;
    assert!(end.is_none());
    assert!(
        matches!(&reasons[..], [ReconnectReason::ServerDisconnect(_)]),
        "{reasons:?}"
    );
    // The notice itself passes through, byte for byte.
    assert!(lines
        .iter()
        .any(|l| l.bytes().starts_with(b"{\"disconnect\"")));
    assert_eq!(emu.connections().len(), 2);
    emu.shutdown().await;
}

/// As [`take`], for any raw stream.
async fn take_any(
    s: tweetstream::EventStream<RawLine>,
    n: usize,
) -> (Vec<RawLine>, Vec<ReconnectReason>, Option<Error>) {
    take(s, n).await
}

#[tokio::test(start_paused = true)]
async fn redundant_connections_merge_each_tweet_once_through_resets() {
    use tweetstream::merge::Merge;
    // One of the two connections is reset three times (the scenario's fates go to the
    // connections in the order they open).
    let emu = start(
        emulator().rate(200.0).max_connections(2).scenario(
            Scenario::new()
                .then(Fate::ResetAfter { messages: 15 })
                .then(Fate::Normal)
                .then(Fate::ResetAfter { messages: 10 })
                .then(Fate::ResetAfter { messages: 10 }),
        ),
    )
    .await;
    let client = client_for(&emu).connections_per_stream(2).build().unwrap();
    let streams = vec![
        client.sample(StreamParams::new()).unwrap().raw(),
        client.sample(StreamParams::new()).unwrap().raw(),
    ];
    let mut merged = Merge::redundant(streams, 10_000);
    let mut got = Vec::new();
    let mut reconnects = 0;
    while let Some((_, item)) = merged.next().await {
        match item.unwrap() {
            Event::Message(l) => {
                got.push(l.id().unwrap());
                if got.len() == 200 {
                    merged.disconnect();
                }
            }
            Event::Reconnecting { reason, .. } => {
                assert!(matches!(reason, ReconnectReason::Network(_)), "{reason:?}");
                reconnects += 1
            }
            _ => {}
        }
    }
    assert!(reconnects >= 3, "{reconnects}");
    let mut unique = got.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), got.len(), "each tweet once");
    // Nothing missing: every tweet either connection sent, up to the last one merged.
    let last = *got.iter().max().unwrap();
    let mut sent: Vec<u64> = emu
        .connections()
        .iter()
        .flat_map(|c| c.tweet_ids.clone())
        .filter(|id| *id <= last)
        .collect();
    sent.sort();
    sent.dedup();
    assert_eq!(unique, sent, "none missing");
    assert!(merged.duplicates() > 100, "{}", merged.duplicates());
    emu.shutdown().await;
}
