//! v1.1 streams: OAuth 1.0a verification, parameters, framing, notices, disconnects.

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

use common::*;
use serde_json::Value;
use tweetstream::oauth::{authorization_header, Credentials};
use tweetstream_emulator::data::V1Filter;
use tweetstream_emulator::{
    AuthScheme, CloseReason, ConnectionPolicy, Emulator, EmulatorHandle, Fate, Scenario, V1Notices,
};

fn creds() -> Credentials {
    Credentials::new("ck", "cs", "at", "ats")
}

fn builder() -> tweetstream_emulator::EmulatorBuilder {
    Emulator::builder()
        .source(corpus())
        .oauth_credentials("ck", "cs", "at", "ats")
        .v1_notices(V1Notices::none())
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn nonce() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    format!("nonce{}x{}", N.fetch_add(1, Ordering::Relaxed), now())
}

/// A signed POST to statuses/filter.
async fn filter(
    emu: &EmulatorHandle,
    form: &[(&str, &str)],
    creds: &Credentials,
    nonce: &str,
    ts: u64,
) -> reqwest::Response {
    let url = format!("{}/1.1/statuses/filter.json", emu.base_url());
    let pairs: Vec<(String, String)> = form
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let auth = authorization_header(
        "POST",
        &url::Url::parse(&url).unwrap(),
        &pairs,
        creds,
        nonce,
        ts,
    );
    client()
        .post(&url)
        .header("Authorization", auth)
        .form(&pairs)
        .send()
        .await
        .unwrap()
}

/// A signed GET (query parameters are signed too).
async fn get_signed(emu: &EmulatorHandle, path_query: &str) -> reqwest::Response {
    let url = format!("{}{path_query}", emu.base_url());
    let auth = authorization_header(
        "GET",
        &url::Url::parse(&url).unwrap(),
        &[],
        &creds(),
        &nonce(),
        now(),
    );
    client()
        .get(&url)
        .header("Authorization", auth)
        .send()
        .await
        .unwrap()
}

fn track_word() -> &'static str {
    let src = corpus();
    ["RT", "the", "http", "a"]
        .into_iter()
        .find(|w| {
            let f = V1Filter::from_params(&[("track".into(), w.to_string())], true)
                .ok()
                .unwrap();
            (0..100).any(|s| f.matches(&src.get(s))) && !(0..100).all(|s| f.matches(&src.get(s)))
        })
        .expect("a track word")
}

#[tokio::test]
async fn signed_filter_delivers_matching_statuses() {
    let emu = builder().start().await.unwrap();
    let word = track_word();
    let resp = filter(&emu, &[("track", word)], &creds(), &nonce(), now()).await;
    assert_eq!(resp.status(), 200);
    let mut lines = Lines::new(resp);
    let msgs = lines.take_json(30).await;
    let f = V1Filter::from_params(&[("track".into(), word.into())], true)
        .ok()
        .unwrap();
    let src = corpus();
    let expected: Vec<u64> = (0..10_000u64)
        .map(|s| src.get(s))
        .filter(|t| f.matches(t))
        .take(30)
        .map(|t| t.id())
        .collect();
    let got: Vec<u64> = msgs
        .iter()
        .map(|m| m["id_str"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(got, expected);
    let r = emu.requests().pop().unwrap();
    assert_eq!(r.auth.scheme, AuthScheme::OAuth1);
    assert!(r.auth.verified && r.auth.accepted);
    assert_eq!(r.auth.identity.as_deref(), Some("ck:at"));
    assert_eq!(r.form, vec![("track".to_string(), word.to_string())]);
    assert_eq!(emu.connections()[0].tweet_ids[..30], expected[..]);
    drop(lines);
    // GET with query parameters works as well.
    emu.wait_for_closed_connections(1).await;
    let resp = get_signed(&emu, &format!("/1.1/statuses/filter.json?track={word}")).await;
    assert_eq!(resp.status(), 200);
    drop(resp);
    emu.shutdown().await;
}

#[tokio::test]
async fn oauth_failures_are_401_with_a_reason() {
    let emu = builder().start().await.unwrap();
    let wrong_secret = Credentials::new("ck", "nope", "at", "ats");
    let wrong_key = Credentials::new("other", "cs", "at", "ats");
    let n = nonce();
    let cases: Vec<(reqwest::Response, &str)> = vec![
        (
            filter(&emu, &[("track", "a")], &wrong_secret, &nonce(), now()).await,
            "signature",
        ),
        (
            filter(&emu, &[("track", "a")], &wrong_key, &nonce(), now()).await,
            "unknown consumer key",
        ),
        (
            filter(&emu, &[("track", "a")], &creds(), &nonce(), now() - 3600).await,
            "Timestamp out of bounds",
        ),
        (
            filter(&emu, &[("track", "a")], &creds(), &nonce(), now() + 900).await,
            "Timestamp out of bounds",
        ),
    ];
    for (resp, needle) in cases {
        assert_eq!(resp.status(), 401);
        let text = resp.text().await.unwrap();
        assert!(text.contains(needle), "{needle}: {text}");
    }
    // A nonce can be used once.
    let ok = filter(&emu, &[("track", "a")], &creds(), &n, now()).await;
    assert_eq!(ok.status(), 200);
    drop(ok);
    emu.wait_for_closed_connections(1).await;
    let again = filter(&emu, &[("track", "a")], &creds(), &n, now()).await;
    assert_eq!(again.status(), 401);
    assert!(again.text().await.unwrap().contains("Nonce"));
    // A tampered body breaks the signature.
    let url = format!("{}/1.1/statuses/filter.json", emu.base_url());
    let pairs = vec![("track".to_string(), "a".to_string())];
    let auth = authorization_header(
        "POST",
        &url::Url::parse(&url).unwrap(),
        &pairs,
        &creds(),
        &nonce(),
        now(),
    );
    let resp = client()
        .post(&url)
        .header("Authorization", auth)
        .form(&[("track", "b")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    // Bearer and no auth.
    let resp = bearer(
        client().get(format!("{}/1.1/statuses/sample.json", emu.base_url())),
        "t",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 401);
    let resp = client()
        .get(format!("{}/1.1/statuses/sample.json", emu.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let resp = client()
        .get(format!("{}/1.1/statuses/sample.json", emu.base_url()))
        .header("Authorization", "OAuth garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let reqs = emu.requests();
    let failures = reqs.iter().filter(|r| r.status == 401).count();
    assert_eq!(failures, 9);
    assert!(reqs
        .iter()
        .filter(|r| r.status == 401)
        .all(|r| !r.auth.accepted && r.auth.error.is_some()));
    assert_eq!(emu.counters().auth_failures, 9);
    emu.shutdown().await;
}

#[tokio::test]
async fn parameter_errors() {
    let emu = builder().start().await.unwrap();
    for (form, status) in [
        (vec![], 406),
        (vec![("language", "en")], 406),
        (vec![("track", "a"), ("delimited", "bytes")], 406),
        (vec![("track", "a"), ("count", "100")], 416),
        (vec![("track", "a"), ("stall_warnings", "maybe")], 406),
    ] {
        let resp = filter(&emu, &form, &creds(), &nonce(), now()).await;
        assert_eq!(resp.status().as_u16(), status, "{form:?}");
        assert!(!resp.text().await.unwrap().is_empty());
    }
    let resp = get_signed(&emu, "/1.1/statuses/nope.json").await;
    assert_eq!(resp.status(), 404);
    emu.shutdown().await;
}

#[tokio::test]
async fn delimited_length_framing_and_notices() {
    let emu = builder()
        .v1_notices(V1Notices {
            delete_every: 3,
            limit_every: 4,
            scrub_geo_every: 5,
            status_withheld_every: 6,
            user_withheld_every: 7,
            warning_every: 8,
        })
        .start()
        .await
        .unwrap();
    let resp = get_signed(
        &emu,
        "/1.1/statuses/sample.json?delimited=length&stall_warnings=true",
    )
    .await;
    assert_eq!(resp.status(), 200);
    let mut lines = Lines::new(resp);
    // Read raw frames: "<len>\r\n<len bytes ending in \r\n>".
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    let mut statuses = 0;
    let mut buf = Vec::new();
    while statuses < 60 {
        let len_line = loop {
            let l = lines.next_line().await.expect("stream continues");
            if !l.is_empty() {
                break l;
            }
        };
        let len: usize = std::str::from_utf8(&len_line).unwrap().parse().unwrap();
        // The frame is in the reader's buffer or still to come; read it byte-exactly.
        buf.clear();
        while buf.len() < len {
            let l = lines.next_line().await.unwrap();
            buf.extend_from_slice(&l);
            buf.extend_from_slice(b"\r\n");
        }
        assert_eq!(
            buf.len(),
            len,
            "length counts the JSON and its CRLF, in bytes"
        );
        let v: Value = serde_json::from_slice(&buf[..len - 2]).unwrap();
        let kind = if v.get("id_str").is_some() {
            statuses += 1;
            "status".to_string()
        } else {
            v.as_object().unwrap().keys().next().unwrap().clone()
        };
        match kind.as_str() {
            "delete" => assert!(
                v["delete"]["status"]["id_str"].is_string()
                    && v["delete"]["timestamp_ms"].is_string()
            ),
            "limit" => panic!("no limit notices on sample"),
            "scrub_geo" => assert!(v["scrub_geo"]["up_to_status_id_str"].is_string()),
            "status_withheld" => assert_eq!(v["status_withheld"]["withheld_in_countries"][0], "DE"),
            "user_withheld" => assert!(v["user_withheld"]["id"].is_u64()),
            "warning" => assert_eq!(v["warning"]["code"], "FALLING_BEHIND"),
            _ => {}
        }
        *kinds.entry(kind).or_default() += 1;
    }
    // Notices follow the status that triggers them: those after status 60 are not read.
    assert_eq!(kinds["delete"], 19);
    assert_eq!(kinds["scrub_geo"], 11);
    assert_eq!(kinds["status_withheld"], 9);
    assert_eq!(kinds["user_withheld"], 8);
    assert_eq!(kinds["warning"], 7);
    let c = &emu.connections()[0];
    assert!(c.delimited);
    drop(lines);
    emu.shutdown().await;
}

#[tokio::test]
async fn limit_notices_on_filter_are_cumulative() {
    let emu = builder()
        .v1_notices(V1Notices {
            limit_every: 5,
            ..V1Notices::none()
        })
        .start()
        .await
        .unwrap();
    let resp = filter(&emu, &[("track", track_word())], &creds(), &nonce(), now()).await;
    let mut lines = Lines::new(resp);
    let mut last = 0;
    let mut seen = 0;
    while seen < 4 {
        let v = lines.next_json().await.unwrap();
        if let Some(t) = v["limit"]["track"].as_u64() {
            assert!(t > last, "cumulative");
            last = t;
            seen += 1;
        }
    }
    drop(lines);
    emu.shutdown().await;
}

#[tokio::test]
async fn scripted_v1_disconnect_and_eviction_code_7() {
    let emu = builder()
        .scenario(Scenario::new().then(Fate::v1_disconnect(2, 12)))
        .connection_policy(ConnectionPolicy::EvictOldest)
        .start()
        .await
        .unwrap();
    let mut lines = Lines::new(get_signed(&emu, "/1.1/statuses/sample.json").await);
    lines.take_json(2).await;
    let d = lines.next_json().await.unwrap();
    assert_eq!(d["disconnect"]["code"], 12);
    assert!(lines.rest().await.is_empty() && lines.ended);
    emu.wait_for_closed_connections(1).await;
    assert_eq!(
        emu.connections()[0].close_reason,
        Some(CloseReason::V1Disconnect { code: 12 })
    );

    // Same credentials again → the older stream gets code 7 and is closed.
    let mut a = Lines::new(get_signed(&emu, "/1.1/statuses/sample.json").await);
    a.take_json(1).await;
    let reader = tokio::spawn(async move {
        let mut last = None;
        while let Some(l) = a.next_message().await {
            last = Some(l);
        }
        (last, a.ended)
    });
    let mut b = Lines::new(get_signed(&emu, "/1.1/statuses/filter.json?track=rt").await);
    b.take_json(1).await;
    let (last, ended) = reader.await.unwrap();
    let last: Value = serde_json::from_slice(&last.unwrap()).unwrap();
    assert_eq!(last["disconnect"]["code"], 7);
    assert!(ended);
    let conns = emu.connections();
    assert_eq!(conns[1].close_reason, Some(CloseReason::Evicted));
    assert_eq!(emu.counters().connections_evicted, 1);
    drop(b);
    emu.shutdown().await;
}

#[tokio::test]
async fn refuse_new_on_v1_is_420() {
    let emu = builder().start().await.unwrap();
    let a = get_signed(&emu, "/1.1/statuses/sample.json").await;
    assert_eq!(a.status(), 200);
    let b = get_signed(&emu, "/1.1/statuses/filter.json?track=x").await;
    assert_eq!(b.status(), 420);
    assert!(b.text().await.unwrap().contains("Enhance your calm"));
    drop(a);
    emu.shutdown().await;
}

#[tokio::test]
async fn unverified_mode_accepts_any_oauth_header() {
    let emu = Emulator::builder().source(corpus()).start().await.unwrap();
    let resp = client()
        .get(format!("{}/1.1/statuses/sample.json", emu.base_url()))
        .header(
            "Authorization",
            r#"OAuth oauth_consumer_key="k", oauth_token="t""#,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let r = emu.requests().pop().unwrap();
    assert!(r.auth.accepted && !r.auth.verified);
    // Default notices: X's sample carries many deletes (1 per 10 statuses).
    let mut lines = Lines::new(resp);
    let msgs = lines.take_json(55).await;
    assert_eq!(msgs.iter().filter(|m| m.get("delete").is_some()).count(), 5);
    drop(lines);
    emu.shutdown().await;
}
