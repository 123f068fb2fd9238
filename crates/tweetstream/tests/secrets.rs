//! The bearer token never appears in logs (at any level), errors or Debug output.

mod common;

use common::*;
use futures_util::StreamExt;
use tweetstream::{Event, StreamParams, StreamRule};
use tweetstream_emulator::{Fate, Scenario};

#[tokio::test(start_paused = true)]
async fn the_token_is_never_logged_or_shown() {
    let (logs, _guard) = capture_logs(tracing::Level::TRACE);

    let emu = start(
        emulator().rate(100.0).scenario(
            Scenario::new()
                .then(Fate::status(503))
                .then(Fate::ResetAfter { messages: 2 }),
        ),
    )
    .await;
    let proxied = client_for(&emu)
        .proxy("http://user:proxy-password@127.0.0.1:1")
        .build()
        .unwrap();
    let shown = format!("{proxied:?} {:?}", client_for(&emu));
    assert!(
        !shown.contains(TOKEN) && !shown.contains("proxy-password"),
        "{shown}"
    );

    // Through the (dead) proxy: a connection error whose text must not show the proxy password.
    let mut s = proxied.sample(StreamParams::new()).unwrap();
    while let Some(item) = s.next().await {
        if let Ok(Event::Error(e)) | Err(e) = item {
            let text = format!("{e} {e:?}");
            assert!(
                !text.contains("proxy-password") && !text.contains(TOKEN),
                "{text}"
            );
            proxied.disconnect();
        }
    }

    let client = client(&emu);
    client
        .add_rules([StreamRule::new("cat")], false)
        .await
        .unwrap();
    let mut s = client.sample(StreamParams::new()).unwrap();
    let mut n = 0;
    while let Some(item) = s.next().await {
        match item {
            Ok(Event::Message(_)) => {
                n += 1;
                if n == 4 {
                    client.disconnect();
                }
            }
            Ok(Event::Error(e)) | Err(e) => assert!(!format!("{e} {e:?}").contains(TOKEN)),
            _ => {}
        }
    }
    let bad = tweetstream::AsyncStreamingClient::builder("wrong-secret-token")
        .api_base(emu.base_url())
        .build()
        .unwrap();
    let e = bad.get_rules(&[] as &[&str]).await.unwrap_err();
    assert!(!format!("{e} {e:?}").contains("wrong-secret-token"));
    emu.shutdown().await;

    let logs = logs.text();
    assert!(logs.len() > 100, "logging was captured");
    assert!(!logs.contains(TOKEN), "token found in logs");
    assert!(!logs.contains("proxy-password"));
}
