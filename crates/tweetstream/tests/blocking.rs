//! The blocking client and threaded mode, against the emulator.

mod common;

use common::*;
use tweetstream::blocking::StreamingClient;
use tweetstream::{Event, StreamParams, StreamRule};

fn emulator_thread() -> (
    tweetstream_emulator::EmulatorHandle,
    tokio::runtime::Runtime,
) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let emu = rt.block_on(start(emulator().rate(2000.0)));
    (emu, rt)
}

#[test]
fn blocking_iterator_and_rules() {
    let (emu, rt) = emulator_thread();
    let client = StreamingClient::from_builder(client_for(&emu)).unwrap();
    let r = client
        .add_rules(
            [StreamRule::new("cat OR dog OR music OR news OR rust")],
            false,
        )
        .unwrap();
    assert_eq!(r.data.len(), 1);
    let mut n = 0;
    for item in client.filter(StreamParams::new()).unwrap() {
        if let Ok(Event::Message(m)) = item {
            assert!(!m.matching_rules.is_empty());
            n += 1;
            if n == 10 {
                client.disconnect();
            }
        }
    }
    assert_eq!(n, 10);
    assert_eq!(client.get_rules(&[] as &[&str]).unwrap().data.len(), 1);
    rt.block_on(emu.shutdown());
}

#[test]
fn threaded_mode_runs_a_handler_and_can_be_disconnected() {
    let (emu, rt) = emulator_thread();
    let client = StreamingClient::from_builder(client_for(&emu)).unwrap();
    let rec = Recorder::default();
    let thread = client
        .sample(StreamParams::new())
        .unwrap()
        .run_threaded(rec.clone())
        .unwrap();
    // Wait until tweets flow, then stop from this thread.
    rec.tweet_signal.wait_for(5, || false);
    assert!(client.is_running());
    thread.disconnect();
    thread.join().unwrap();
    assert!(rec.tweets().len() >= 5);
    assert_eq!(rec.log().last().map(String::as_str), Some("disconnect"));
    assert!(!client.is_running());
    rt.block_on(emu.wait_for_active_connections(0));
    rt.block_on(emu.shutdown());
}

#[test]
fn blocking_run_returns_the_fatal_error() {
    let (emu, rt) = emulator_thread();
    let client = StreamingClient::from_builder(
        tweetstream::AsyncStreamingClient::builder("bad").api_base(emu.base_url()),
    )
    .unwrap();
    let err = client
        .sample(StreamParams::new())
        .unwrap()
        .run(Recorder::default())
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
    rt.block_on(emu.shutdown());
}
