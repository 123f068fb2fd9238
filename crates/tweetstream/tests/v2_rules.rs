//! Rules calls against the emulator: add, get, delete (ids and values), dry_run, X's per-rule
//! errors, offline validation, rate limits.

mod common;

use common::*;
use futures_util::StreamExt;
use tweetstream::{Error, Event, RuleSelector, StreamParams, StreamRule};

#[tokio::test]
async fn add_get_delete_round_trip() {
    let emu = start(emulator()).await;
    let client = client(&emu);

    let dry = client
        .add_rules([StreamRule::tagged("cat has:images", "cats")], true)
        .await
        .unwrap();
    assert_eq!(dry.meta.summary.unwrap().valid, 1);
    assert!(
        client
            .get_rules(&[] as &[&str])
            .await
            .unwrap()
            .data
            .is_empty(),
        "dry_run created nothing"
    );

    let added = client
        .add_rules(
            [
                StreamRule::tagged("cat has:images", "cats"),
                StreamRule::new("dog -grumpy"),
            ],
            false,
        )
        .await
        .unwrap();
    assert_eq!(added.data.len(), 2);
    assert_eq!(added.meta.summary.unwrap().created, 2);
    assert!(added.meta.sent.is_some());
    let ids: Vec<String> = added.data.iter().map(|r| r.id.clone().unwrap()).collect();
    assert!(ids
        .iter()
        .all(|i| i.len() == 19 && i.bytes().all(|b| b.is_ascii_digit())));

    let all = client.get_rules(&[] as &[&str]).await.unwrap();
    assert_eq!(all.data.len(), 2);
    assert_eq!(all.meta.result_count, Some(2));
    let one = client.get_rules(&[ids[0].as_str()]).await.unwrap();
    assert_eq!(one.data.len(), 1);
    assert_eq!(one.data[0].tag.as_deref(), Some("cats"));

    // Duplicate: reported in `errors` with the existing id, not as an Err.
    let dup = client
        .add_rules([StreamRule::new("dog -grumpy")], false)
        .await
        .unwrap();
    assert!(dup.data.is_empty());
    assert_eq!(dup.errors[0].title.as_deref(), Some("DuplicateRule"));
    assert_eq!(dup.errors[0].extra_str("id"), Some(ids[1].as_str()));

    // Delete by value (dry run first), then by id.
    let d = client
        .delete_rules(RuleSelector::values(["dog -grumpy"]), true)
        .await
        .unwrap();
    assert_eq!(d.meta.summary.unwrap().deleted, 1);
    assert_eq!(
        client.get_rules(&[] as &[&str]).await.unwrap().data.len(),
        2
    );
    client
        .delete_rules(RuleSelector::values(["dog -grumpy"]), false)
        .await
        .unwrap();
    let d = client
        .delete_rules(RuleSelector::ids([&ids[0]]), false)
        .await
        .unwrap();
    assert_eq!(d.meta.summary.unwrap().deleted, 1);
    assert!(client
        .get_rules(&[] as &[&str])
        .await
        .unwrap()
        .data
        .is_empty());
    emu.shutdown().await;
}

#[tokio::test]
async fn invalid_rules_fail_offline_before_any_request() {
    let emu = start(emulator()).await;
    let client = client(&emu);
    for bad in ["has:media", "-cat", "(cat", "\"open", "foo:bar", ""] {
        match client.add_rules([bad], false).await {
            Err(Error::InvalidRule { value, .. }) => assert_eq!(value, bad),
            Err(Error::InvalidParameter { .. }) if bad.is_empty() => {}
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    let long = "a ".repeat(600);
    assert!(matches!(
        client.add_rules([long.trim()], false).await,
        Err(Error::InvalidRule { .. })
    ));
    assert!(client
        .delete_rules(RuleSelector::ids(["abc"]), false)
        .await
        .is_err());
    assert!(client
        .delete_rules(RuleSelector::Ids(vec![]), false)
        .await
        .is_err());
    assert!(emu.requests().is_empty(), "nothing was sent");
    // Operators X accepts but our evaluator cannot run are sent (X judges them).
    let r = client
        .add_rules(["cat context:10.799022225751871488"], false)
        .await;
    assert!(r.is_ok(), "{r:?}");
    emu.shutdown().await;
}

#[tokio::test]
async fn the_servers_limits_come_back_as_errors_in_the_response() {
    let emu = start(emulator().max_rule_length(20)).await;
    let client = client(&emu);
    let r = client
        .add_rules(["cat OR dog OR bird OR fish OR horse"], false)
        .await
        .unwrap();
    assert!(r.data.is_empty());
    assert_eq!(r.meta.summary.unwrap().not_created, 1);
    assert!(!r.errors.is_empty());
    emu.shutdown().await;
}

#[tokio::test]
async fn rule_changes_apply_to_an_open_stream() {
    let emu = start(emulator().rate(500.0)).await;
    let client = client(&emu);
    client
        .add_rules([StreamRule::tagged("cat", "a")], false)
        .await
        .unwrap();
    let mut stream = client.filter(StreamParams::new()).unwrap();
    let mut tags = std::collections::BTreeSet::new();
    let mut n = 0;
    while let Some(item) = stream.next().await {
        if let Ok(Event::Message(r)) = item {
            n += 1;
            for m in &r.matching_rules {
                tags.insert(m.tag.clone().unwrap_or_default());
            }
            if n == 3 {
                // Rules calls work during a stream.
                client
                    .add_rules(
                        [StreamRule::tagged("dog OR music OR news OR rust", "b")],
                        false,
                    )
                    .await
                    .unwrap();
            }
            if tags.contains("b") {
                client.disconnect();
            }
        }
    }
    assert!(tags.contains("a") && tags.contains("b"));
    // And after it.
    assert_eq!(
        client.get_rules(&[] as &[&str]).await.unwrap().data.len(),
        2
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn rules_http_errors_carry_status_and_body() {
    let emu = start(emulator()).await;
    let client = tweetstream::AsyncStreamingClient::builder("nope")
        .api_base(emu.base_url())
        .build()
        .unwrap();
    match client.get_rules(&[] as &[&str]).await {
        Err(Error::Http(h)) => {
            assert_eq!(h.status, 401);
            assert!(h.body.contains("Unauthorized"));
        }
        other => panic!("{other:?}"),
    }
    emu.shutdown().await;
}
