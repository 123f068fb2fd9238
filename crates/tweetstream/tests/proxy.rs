//! Streams and rules calls through real proxies on 127.0.0.1: an HTTP forward proxy and a
//! SOCKS5 proxy (with and without a login). Each test checks that the traffic really went
//! through the proxy and that nothing was lost on the way.
//!
//! These tests use the real clock: nothing in them waits on a back-off or a stall timeout, and
//! a paused clock would jump ahead while the client and the proxies wait on sockets.

mod common;
use common::v1 as common_v1;

use common::{client_for, emulator, ids_sent, start, take_tweets, TOKEN};
use common_v1::proxies::{RecordingProxy, Socks5Proxy};
use futures_util::StreamExt;
use tweetstream::v1::SampleParams;
use tweetstream::{Error, Event, RuleSelector, StreamParams, StreamRule};

#[tokio::test]
async fn http_proxy_carries_the_stream_and_every_rules_call() {
    let emu = start(emulator().rate(500.0)).await;
    let proxy = RecordingProxy::start(emu.addr()).await;
    let client = client_for(&emu).proxy(proxy.url.clone()).build().unwrap();

    let added = client
        .add_rules([StreamRule::tagged("cat OR dog OR music", "p")], false)
        .await
        .unwrap();
    let id = added.data[0].id.clone().unwrap();
    assert_eq!(
        client.get_rules(&[] as &[&str]).await.unwrap().data.len(),
        1
    );
    let got = take_tweets(client.filter(StreamParams::new()).unwrap(), 10).await;
    client
        .delete_rules(RuleSelector::ids([id]), false)
        .await
        .unwrap();

    assert_eq!(got.len(), 10);
    assert_eq!(got, ids_sent(&emu)[..10]);
    let base = format!("http://{}", emu.addr());
    let lines = proxy.request_lines();
    let expected = [
        format!("POST {base}/2/tweets/search/stream/rules"),
        format!("GET {base}/2/tweets/search/stream/rules"),
        format!("GET {base}/2/tweets/search/stream"),
        format!("POST {base}/2/tweets/search/stream/rules"),
    ];
    assert_eq!(lines.len(), expected.len(), "{lines:?}");
    for (line, want) in lines.iter().zip(&expected) {
        assert!(line.starts_with(want.as_str()), "{line:?} is not {want:?}");
    }
    // The bearer token went to the server through the proxy, as a header (never in a URL).
    assert!(lines.iter().all(|l| !l.contains(TOKEN)));
}

#[tokio::test]
async fn socks5_proxy_with_a_login_carries_the_stream_and_the_rules_calls() {
    let emu = start(emulator().rate(500.0)).await;
    let socks = Socks5Proxy::start(Some(("alice", "s0cks-pa55"))).await;
    let client = client_for(&emu)
        .proxy(socks.url(Some(("alice", "s0cks-pa55"))))
        .build()
        .unwrap();

    client
        .add_rules([StreamRule::new("cat OR dog OR music")], false)
        .await
        .unwrap();
    let got = take_tweets(client.filter(StreamParams::new()).unwrap(), 10).await;

    assert_eq!(got, ids_sent(&emu)[..10]);
    let log = socks.log();
    assert!(!log.targets.is_empty());
    assert!(
        log.targets.iter().all(|t| *t == emu.addr().to_string()),
        "{:?}",
        log.targets
    );
    assert_eq!(log.refused, 0);
    assert_eq!(log.logins.len(), log.targets.len());
    assert!(log
        .logins
        .iter()
        .all(|(u, p)| u == "alice" && p == "s0cks-pa55"));
    // The emulator saw the requests (rules call, then the stream).
    let paths: Vec<String> = emu.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(
        paths,
        ["/2/tweets/search/stream/rules", "/2/tweets/search/stream"]
    );
}

#[tokio::test]
async fn socks5_login_refused_is_a_connection_error_that_hides_the_password() {
    let emu = start(emulator()).await;
    let socks = Socks5Proxy::start(Some(("alice", "right-pa55"))).await;
    let client = client_for(&emu)
        .proxy(socks.url(Some(("alice", "wrong-pa55"))))
        .max_retries(2)
        .build()
        .unwrap();

    let err = client
        .get_rules(&[] as &[&str])
        .await
        .expect_err("the proxy refuses the login");
    let shown = format!("{err} {err:?}");
    assert!(matches!(err, Error::Connection(_)), "{shown}");
    assert!(!shown.contains("wrong-pa55"), "{shown}");

    let mut stream = client.sample(StreamParams::new()).unwrap();
    let mut errors = Vec::new();
    let mut reconnects = 0;
    while let Some(item) = stream.next().await {
        match item {
            Ok(Event::Reconnecting { .. }) => reconnects += 1,
            Ok(Event::Message(_)) => panic!("no message can come through a refused proxy"),
            Ok(Event::Error(e)) | Err(e) => errors.push(format!("{e} {e:?}")),
            Ok(_) => {}
        }
    }
    // max_retries(2): the first attempt and two retries, a wait before each retry, then the
    // stream ends.
    assert_eq!(reconnects, 2, "{errors:?}");
    assert!(!errors.is_empty());
    assert!(
        errors.iter().all(|e| !e.contains("wrong-pa55")),
        "{errors:?}"
    );
    assert!(emu.requests().is_empty(), "nothing reached the server");
    assert_eq!(
        socks.log().refused,
        4,
        "the rules call, then three stream attempts"
    );
}

#[tokio::test]
async fn v1_sample_through_a_socks5_proxy() {
    let emu = common_v1::start(common_v1::emulator().rate(500.0)).await;
    let socks = Socks5Proxy::start(None).await;
    let stream = common_v1::stream_for(&emu)
        .proxy(socks.url(None))
        .build()
        .unwrap();
    let ids = common_v1::take_statuses(stream.sample(SampleParams::new()).unwrap(), 10).await;
    common_v1::assert_no_loss_no_dup(&emu, &ids);
    assert_eq!(socks.log().targets, [emu.addr().to_string()]);
    let reqs = emu.requests();
    assert_eq!(reqs.len(), 1);
    assert!(
        reqs[0].auth.verified,
        "the OAuth signature survives the proxy"
    );
}

#[tokio::test]
async fn a_proxy_url_with_an_unknown_scheme_fails_at_build() {
    let emu = start(emulator()).await;
    for bad in [
        "gopher://user:pa55@127.0.0.1:70",
        "ftp://127.0.0.1:21",
        "not a url",
    ] {
        let err = client_for(&emu).proxy(bad).build().unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(
            matches!(&err, Error::InvalidParameter { name, .. } if name == "proxy"),
            "{shown}"
        );
        assert!(!shown.contains("pa55"), "{shown}");
    }
    for good in [
        "http://127.0.0.1:1",
        "socks5h://u:p@127.0.0.1:1",
        "HTTPS://127.0.0.1:1",
        "127.0.0.1:8080",
    ] {
        client_for(&emu).proxy(good).build().unwrap();
    }
}
