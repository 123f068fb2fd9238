//! A consumer slower than the stream, with paused time: the read-ahead buffer's two policies,
//! and the server's own slow-reader disconnect.

mod common;

use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use tweetstream::{Event, ReconnectReason, StreamParams, WhenFull};
use tweetstream_emulator::SlowReaders;

/// The tweet ids of the messages, in order.
fn id_of(m: &tweetstream::Raw<tweetstream::StreamResponse>) -> String {
    m.data
        .as_ref()
        .map(|t| t.id.to_string())
        .unwrap_or_default()
}

#[tokio::test(start_paused = true)]
async fn wait_loses_nothing() {
    let emu = start(emulator().rate(1000.0)).await;
    let client = client_for(&emu)
        .read_ahead(32 * 1024, WhenFull::Wait)
        .build()
        .unwrap();
    let mut s = client.sample(StreamParams::new()).unwrap();
    let mut got = Vec::new();
    while let Some(item) = s.next().await {
        match item.unwrap() {
            Event::Message(m) => {
                got.push(id_of(&m));
                // Ten times slower than the stream.
                tokio::time::sleep(Duration::from_millis(10)).await;
                if got.len() == 300 {
                    s.disconnect();
                }
            }
            Event::Dropped { .. } => panic!("Wait never drops"),
            _ => {}
        }
    }
    assert_eq!(got, ids_sent(&emu)[..300]);
    assert_eq!(client.stats().dropped_slow, 0);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn drop_oldest_drops_exactly_what_it_reports() {
    let emu = start(emulator().rate(2000.0)).await;
    let client = client_for(&emu)
        .read_ahead(16 * 1024, WhenFull::DropOldest)
        .build()
        .unwrap();
    let mut s = client.sample(StreamParams::new()).unwrap();
    let (mut got, mut reported, mut before_last) = (Vec::new(), 0u64, 0u64);
    while let Some(item) = s.next().await {
        match item.unwrap() {
            Event::Message(m) => {
                got.push(id_of(&m));
                before_last = reported;
                tokio::time::sleep(Duration::from_millis(20)).await;
                if got.len() == 100 {
                    s.disconnect();
                }
            }
            Event::Dropped { messages } => reported += messages,
            _ => {}
        }
    }
    let sent = ids_sent(&emu);
    // What arrived is in the order it was sent; every message sent before the last one that
    // arrived either arrived or was reported dropped.
    let last = sent
        .iter()
        .position(|id| *id == got[got.len() - 1])
        .unwrap();
    let mut it = sent[..=last].iter();
    for id in &got {
        assert!(it.any(|s| s == id), "{id} out of order");
    }
    let dropped_before_last = (last + 1 - got.len()) as u64;
    assert!(reported > 0, "a consumer this slow loses messages");
    // Each report covers drops older than the message that follows it; the last report, at
    // the end, the rest.
    assert_eq!(before_last, dropped_before_last);
    assert_eq!(
        client.stats().dropped_slow,
        reported,
        "every drop is reported"
    );
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn the_servers_slow_reader_disconnect_is_a_reconnect_of_its_own_kind() {
    let emu = start(
        emulator()
            .rate(2000.0)
            .slow_readers(SlowReaders::Disconnect)
            .max_queue_bytes(64 * 1024),
    )
    .await;
    let client = client(&emu);
    let mut s = client.sample(StreamParams::new()).unwrap();
    let mut reasons = Vec::new();
    let mut n = 0;
    while let Some(item) = s.next().await {
        match item.unwrap() {
            Event::Message(_) => {
                n += 1;
                if reasons.is_empty() {
                    // Far slower than the stream, until the server gives up on us.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
            Event::Reconnecting { reason, .. } => {
                reasons.push(reason);
                s.disconnect();
            }
            _ => {}
        }
    }
    assert!(n > 0);
    assert!(
        matches!(&reasons[..], [ReconnectReason::SlowReader(why)] if why == "SlowReader"),
        "{reasons:?}"
    );
    let stats = client.stats();
    assert_eq!(stats.slow_reader_disconnects, 1);
    emu.shutdown().await;
}
