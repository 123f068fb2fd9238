//! Scripted faults: every fate, and their record in the handle's log.

mod common;

use std::time::Duration;

use common::*;
use serde_json::Value;
use tweetstream_emulator::{
    AfterStall, CloseReason, Emulator, EmulatorHandle, Endpoints, Event, Fate, Scenario,
    StatusVariant,
};

async fn start(scenario: Scenario) -> EmulatorHandle {
    Emulator::builder()
        .bearer_token("tok")
        .source(corpus())
        .scenario(scenario)
        .max_connections(10)
        .start()
        .await
        .unwrap()
}

async fn sample(emu: &EmulatorHandle) -> reqwest::Response {
    bearer(
        client().get(format!("{}/2/tweets/sample/stream", emu.base_url())),
        "tok",
    )
    .send()
    .await
    .unwrap()
}

fn fault_events(emu: &EmulatorHandle) -> Vec<String> {
    emu.events()
        .into_iter()
        .filter_map(|e| match e.event {
            Event::Fault { description, .. } => Some(description),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn close_after_n_messages_is_a_clean_end() {
    let emu = start(Scenario::new().then(Fate::CloseAfter { messages: 7 })).await;
    let mut lines = Lines::new(sample(&emu).await);
    let msgs = lines.take_json(7).await;
    assert!(lines.rest().await.is_empty());
    assert!(lines.ended && lines.error.is_none());
    emu.wait_for_closed_connections(1).await;
    let c = &emu.connections()[0];
    assert_eq!(c.close_reason, Some(CloseReason::ScenarioClose));
    assert_eq!(c.tweets_sent, 7);
    assert_eq!(c.tweet_ids, v2_ids(&msgs), "ids sent == ids received");
    assert_eq!(c.faults.len(), 1);
    assert_eq!(fault_events(&emu).len(), 1);
    // After the script: normal.
    let mut lines = Lines::new(sample(&emu).await);
    lines.take_json(20).await;
    drop(lines);
    emu.shutdown().await;
}

#[tokio::test]
async fn reset_in_the_middle_of_a_message() {
    let emu = start(Scenario::new().then(Fate::ResetAfter { messages: 3 })).await;
    let mut lines = Lines::new(sample(&emu).await);
    let msgs = lines.take_json(3).await;
    assert!(lines.next_line().await.is_none());
    assert!(
        lines.error.is_some(),
        "the body fails, it does not end cleanly"
    );
    assert!(!lines.ended);
    let partial = lines.pending().to_vec();
    assert!(!partial.is_empty(), "half a message arrived");
    assert!(serde_json::from_slice::<Value>(&partial).is_err());
    let src = corpus();
    let mut next = Vec::new();
    next.extend_from_slice(&{
        let mut r = tweetstream_emulator::data::V2Renderer::new(Default::default());
        let mut out = Vec::new();
        r.write(&src.get(3), None, &mut out);
        out
    });
    assert!(
        next.starts_with(&partial),
        "the cut message is a prefix of tweet 3"
    );
    emu.wait_for_closed_connections(1).await;
    let c = &emu.connections()[0];
    assert_eq!(c.close_reason, Some(CloseReason::ScenarioReset));
    assert_eq!(
        c.tweet_ids,
        v2_ids(&msgs),
        "the cut tweet is not counted as sent"
    );
    assert!(c.faults[0].contains("reset_after"));
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn stall_then_close_and_stall_then_continue() {
    let emu = start(
        Scenario::new()
            .then(Fate::stall(2, Duration::from_secs(90), AfterStall::Close))
            .then(Fate::stall(
                1,
                Duration::from_secs(45),
                AfterStall::Continue,
            )),
    )
    .await;
    let t0 = tokio::time::Instant::now();
    let mut lines = Lines::new(sample(&emu).await);
    lines.take_json(2).await;
    let rest = lines.rest().await;
    assert!(
        rest.is_empty(),
        "no bytes at all during the stall, not even keep-alives"
    );
    assert!(lines.ended);
    let e = t0.elapsed();
    assert!(
        e >= Duration::from_secs(90) && e < Duration::from_secs(92),
        "{e:?}"
    );
    assert_eq!(
        emu.connections()[0].close_reason,
        Some(CloseReason::StallClose)
    );
    assert_eq!(emu.connections()[0].keep_alives_sent, 0);

    let t1 = tokio::time::Instant::now();
    let mut lines = Lines::new(sample(&emu).await);
    lines.take_json(1).await;
    let next = lines.next_line().await.unwrap();
    assert!(!next.is_empty(), "data, not a keep-alive, after the stall");
    assert!(t1.elapsed() >= Duration::from_secs(45));
    drop(lines);
    assert_eq!(fault_events(&emu).len(), 2);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn drip_sends_tiny_pieces_slowly() {
    let emu = start(Scenario::new().then(Fate::drip(16, Duration::from_millis(50)))).await;
    let t0 = tokio::time::Instant::now();
    let resp = sample(&emu).await;
    let mut resp = resp;
    let mut got = Vec::new();
    let mut max_chunk = 0;
    while !got.windows(2).any(|w| w == b"\r\n") {
        let c = resp.chunk().await.unwrap().unwrap();
        max_chunk = max_chunk.max(c.len());
        got.extend_from_slice(&c);
    }
    let end = got.windows(2).position(|w| w == b"\r\n").unwrap();
    let first: Value = serde_json::from_slice(&got[..end]).unwrap();
    assert_eq!(v2_ids(&[first])[0], corpus().get(0).id());
    let pieces = (end + 2).div_ceil(16) as u32;
    assert!(
        t0.elapsed() >= Duration::from_millis(50) * (pieces - 1),
        "{pieces} pieces in {:?}",
        t0.elapsed()
    );
    assert!(max_chunk <= 16 * 4, "chunks stay small ({max_chunk})");
    drop(resp);
    emu.shutdown().await;
}

#[tokio::test]
async fn scripted_statuses_with_x_bodies() {
    let cases: Vec<(Fate, u16, &str)> = vec![
        (Fate::status(400), 400, "invalid-request"),
        (Fate::status(401), 401, "\"Unauthorized\""),
        (Fate::status(403), 403, "client-forbidden"),
        (Fate::status(404), 404, "Sorry, that page does not exist"),
        (Fate::status(406), 406, "Not Acceptable"),
        (Fate::status(409), 409, "RuleConfigurationIssue"),
        (Fate::status(413), 413, "Payload Too Large"),
        (Fate::status(416), 416, "Range Not Satisfiable"),
        (Fate::status(420), 420, "Enhance your calm"),
        (Fate::status(429), 429, "TooManyConnections"),
        (
            Fate::status_variant(429, StatusVariant::UsageCapped),
            429,
            "UsageCapExceeded",
        ),
        (
            Fate::status_variant(429, StatusVariant::RateLimit),
            429,
            "Too Many Requests",
        ),
        (Fate::status(500), 500, "Internal Server Error"),
        (Fate::status(503), 503, "ProvisioningSubscription"),
        (
            Fate::Status {
                status: 502,
                variant: None,
                body: Some("custom".into()),
            },
            502,
            "custom",
        ),
    ];
    let mut scenario = Scenario::new();
    for (f, _, _) in &cases {
        scenario = scenario.then(f.clone());
    }
    let emu = start(scenario).await;
    let too_many = std::fs::read_to_string(data_path(
        "x-v2-stream-connect-429-too-many-connections.observed.json",
    ))
    .unwrap();
    for (i, (_, status, needle)) in cases.iter().enumerate() {
        let resp = sample(&emu).await;
        assert_eq!(resp.status().as_u16(), *status, "case {i}");
        assert!(resp.headers().contains_key("x-rate-limit-limit"));
        let text = resp.text().await.unwrap();
        assert!(text.contains(needle), "case {i}: {text}");
        if i == 9 {
            assert_eq!(text, too_many, "the observed 429 body, byte for byte");
        }
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            if v.get("title").is_some() {
                assert_schema("Problem", &v);
            }
        }
    }
    assert_eq!(emu.counters().connections_opened, 0);
    assert_eq!(fault_events(&emu).len(), cases.len());
    assert!(emu.requests().iter().all(|r| r.fault.is_some()));
    assert_eq!(emu.scenario_remaining(), 0);
    // The script is used up: normal service.
    assert_eq!(sample(&emu).await.status(), 200);
    emu.shutdown().await;
}

#[tokio::test]
async fn operational_disconnect_lines_then_close() {
    let emu = start(Scenario::new().then(Fate::OperationalDisconnect {
        after_messages: 4,
        disconnect_type: "UpstreamOperationalDisconnect".into(),
        lines: 2,
    }))
    .await;
    let mut lines = Lines::new(sample(&emu).await);
    lines.take_json(4).await;
    for _ in 0..2 {
        let e = lines.next_json().await.unwrap();
        assert_schema("StreamingTweetResponse", &e);
        assert_eq!(
            e["errors"][0]["disconnect_type"],
            "UpstreamOperationalDisconnect"
        );
        assert_eq!(
            e["errors"][0]["type"],
            "https://api.twitter.com/2/problems/operational-disconnect"
        );
        assert!(e.get("data").is_none());
    }
    assert!(lines.rest().await.is_empty() && lines.ended);
    emu.wait_for_closed_connections(1).await;
    assert_eq!(
        emu.connections()[0].close_reason,
        Some(CloseReason::OperationalDisconnect)
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn bad_lines_then_the_stream_continues() {
    let emu = start(
        Scenario::new()
            .then(Fate::MalformedJson { after_messages: 2 })
            .then(Fate::InvalidUtf8 { after_messages: 1 })
            .then(Fate::OversizedLine {
                after_messages: 0,
                bytes: 100_000,
            }),
    )
    .await;
    // Malformed JSON.
    let mut lines = Lines::new(sample(&emu).await);
    lines.take_json(2).await;
    let bad = lines.next_message().await.unwrap();
    assert!(serde_json::from_slice::<Value>(&bad).is_err());
    lines.take_json(5).await;
    drop(lines);
    // Invalid UTF-8.
    let mut lines = Lines::new(sample(&emu).await);
    lines.take_json(1).await;
    let bad = lines.next_message().await.unwrap();
    assert!(std::str::from_utf8(&bad).is_err());
    lines.take_json(5).await;
    drop(lines);
    // Oversized line of exactly N bytes.
    let mut lines = Lines::new(sample(&emu).await);
    let big = lines.next_message().await.unwrap();
    assert_eq!(big.len(), 100_000);
    serde_json::from_slice::<Value>(&big).unwrap();
    lines.take_json(5).await;
    drop(lines);
    let conns = emu.connections();
    assert!(conns.iter().all(|c| c.faults.len() == 1), "{conns:?}");
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn keep_alives_only() {
    let emu = start(Scenario::new().then(Fate::KeepAlivesOnly)).await;
    let t0 = tokio::time::Instant::now();
    let mut lines = Lines::new(sample(&emu).await);
    for k in 1..=3u64 {
        assert_eq!(lines.next_line().await.unwrap(), b"");
        let e = t0.elapsed().as_secs_f64();
        assert!((e - 20.0 * k as f64).abs() < 0.5, "{e}");
    }
    drop(lines);
    emu.wait_for_closed_connections(1).await;
    assert_eq!(emu.connections()[0].keep_alives_sent, 3);
    assert_eq!(emu.connections()[0].messages_sent, 0);
    emu.shutdown().await;
}

#[tokio::test]
async fn steps_per_endpoint_family_and_repeat() {
    let scenario = Scenario::new()
        .then_on(Endpoints::V1, Fate::status(503), 1)
        .then_on(Endpoints::V2Sample, Fate::status(500), 2)
        .after(Fate::status(418));
    let emu = start(scenario).await;
    let firehose = bearer(
        client().get(format!(
            "{}/2/tweets/firehose/stream?partition=1",
            emu.base_url()
        )),
        "tok",
    );
    // No step for firehose: `after`.
    assert_eq!(firehose.send().await.unwrap().status(), 418);
    assert_eq!(sample(&emu).await.status(), 500);
    assert_eq!(sample(&emu).await.status(), 500);
    assert_eq!(sample(&emu).await.status(), 418);
    assert_eq!(emu.scenario_remaining(), 1, "the v1 step is still there");
    emu.set_scenario(Scenario::new());
    assert_eq!(sample(&emu).await.status(), 200);
    emu.shutdown().await;
}

#[test]
fn scenario_files_json_and_toml() {
    let json = r#"{
        "steps": [
            {"fate": "close_after", "messages": 5},
            {"fate": "status", "status": 429, "variant": "too_many_connections"},
            {"fate": "reset_after", "messages": 10, "endpoints": "v2", "repeat": 2},
            {"fate": "v1_disconnect", "after_messages": 3, "code": 12, "endpoints": "v1"},
            {"fate": "stall", "after_messages": 2, "duration_ms": 90000, "then": "close"},
            {"fate": "drip"},
            {"fate": "operational_disconnect"},
            {"fate": "malformed_json"}, {"fate": "invalid_utf8"},
            {"fate": "oversized_line", "bytes": 1000000}, {"fate": "keep_alives_only"}
        ],
        "after": {"fate": "normal"}
    }"#;
    let s = Scenario::from_json(json).unwrap();
    assert_eq!(s.steps.len(), 11);
    assert_eq!(s.steps[2].repeat, 2);
    assert_eq!(s.steps[2].endpoints, Endpoints::V2);
    assert_eq!(
        s.steps[5].fate,
        Fate::Drip {
            bytes: 1,
            interval_ms: 100
        }
    );
    let toml = r#"
        [[steps]]
        fate = "close_after"
        messages = 5

        [[steps]]
        fate = "status"
        status = 503
        endpoints = "v2_filtered"

        [after]
        fate = "keep_alives_only"
    "#;
    let t = Scenario::from_toml(toml).unwrap();
    assert_eq!(t.steps[1].fate, Fate::status(503));
    assert_eq!(t.after, Fate::KeepAlivesOnly);
    // Round trip.
    let back = Scenario::from_json(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(back, s);
    // Unknown fates and fields are errors, not silently ignored.
    assert!(Scenario::from_json(r#"{"steps":[{"fate":"explode"}]}"#).is_err());
    assert!(Scenario::from_json(r#"{"after":{"fate":"close_after","messages":1,"x":2}}"#).is_err());
}

#[tokio::test(start_paused = true)]
async fn reset_mid_message_is_deterministic_under_a_paused_clock_with_gzip() {
    // No timer decides when the connection dies: the half message reaches the client, then
    // the connection fails, with tokio's clock paused and the body compressed.
    let emu = start(Scenario::new().then(Fate::ResetAfter { messages: 5 })).await;
    let mut resp = bearer(
        client().get(format!("{}/2/tweets/sample/stream", emu.base_url())),
        "tok",
    )
    .header("Accept-Encoding", "gzip")
    .send()
    .await
    .unwrap();
    let t0 = tokio::time::Instant::now();
    use std::io::Write;
    let mut dec = flate2::write::GzDecoder::new(Vec::new());
    let error = loop {
        match resp.chunk().await {
            Ok(Some(c)) => {
                dec.write_all(&c).unwrap();
                dec.flush().unwrap();
            }
            Ok(None) => panic!("the body must fail, not end"),
            Err(e) => break e,
        }
    };
    assert!(error.is_body() || error.is_decode(), "{error:?}");
    assert_eq!(t0.elapsed(), Duration::ZERO, "no time passes");
    let text = dec.get_ref().clone();
    let lines: Vec<&[u8]> = text.split(|b| *b == b'\n').collect();
    assert_eq!(lines.len(), 6, "five complete lines and a partial one");
    let partial = lines[5];
    assert!(!partial.is_empty() && serde_json::from_slice::<Value>(partial).is_err());
    emu.wait_for_closed_connections(1).await;
    let c = &emu.connections()[0];
    assert_eq!(c.close_reason, Some(CloseReason::ScenarioReset));
    assert_eq!(c.tweets_sent, 5);
    emu.shutdown().await;
}
