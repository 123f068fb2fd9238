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

/// 2,500 rules: more than two pages of X's 1,000.
async fn many_rules() -> tweetstream_emulator::EmulatorHandle {
    let emu = start(emulator().max_rules(3000)).await;
    for i in 0..2500 {
        emu.add_rule(&format!("word{i:04}"), Some("t")).unwrap();
    }
    emu
}

#[tokio::test(start_paused = true)]
async fn every_page_of_rules_is_walked() {
    use futures_util::StreamExt;
    use tweetstream::RulesQuery;
    let emu = many_rules().await;
    let client = client(&emu);
    // The first page only, as tweepy's get_rules.
    let first = client.get_rules(&[] as &[&str]).await.unwrap();
    assert_eq!(first.data.len(), 1000);
    assert!(first.meta.next_token.is_some());
    // Every page, in order.
    let pages: Vec<_> = client.rule_pages(Some(1000)).collect().await;
    let sizes: Vec<usize> = pages
        .iter()
        .map(|p| p.as_ref().unwrap().data.len())
        .collect();
    assert_eq!(sizes, [1000, 1000, 500]);
    let all = client.all_rules().await.unwrap();
    let values: Vec<String> = all.iter().map(|r| r.value.clone()).collect();
    let want: Vec<String> = (0..2500).map(|i| format!("word{i:04}")).collect();
    assert_eq!(values, want);
    // Limits before any request.
    let before = emu.requests().len();
    for q in [
        RulesQuery::new().max_results(0),
        RulesQuery::new().max_results(1001),
        RulesQuery::new().pagination_token("short"),
    ] {
        let e = client.rules_page(&q).await.unwrap_err();
        assert!(matches!(e, Error::InvalidParameter { .. }), "{e}");
    }
    assert_eq!(emu.requests().len(), before);
    // Counts.
    let counts = client
        .rule_counts(&["project_rules_count", "cap_per_project"])
        .await
        .unwrap();
    let data = counts.data.unwrap();
    assert_eq!(data.project_rules_count, Some(2500));
    assert_eq!(data.cap_per_project, Some(3000));
    assert!(client.rule_counts(&["nope"]).await.is_err());
    // delete_all: a dry run changes nothing; the real one is one request.
    let dry = client.delete_all_rules(true).await.unwrap();
    assert_eq!(dry.meta.summary.unwrap().deleted, 2500);
    assert_eq!(emu.rules().len(), 2500);
    let before = emu.requests().len();
    client.delete_all_rules(false).await.unwrap();
    assert_eq!(emu.rules().len(), 0);
    let reqs = emu.requests();
    assert_eq!(reqs.len(), before + 1);
    assert!(reqs[before]
        .query
        .iter()
        .any(|(k, v)| k == "delete_all" && v == "true"));
    emu.shutdown().await;
}

#[test]
fn every_page_of_rules_is_walked_blocking() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let emu = rt.block_on(many_rules());
    let client = tweetstream::blocking::StreamingClient::from_builder(client_for(&emu)).unwrap();
    let sizes: Vec<usize> = client
        .rule_pages(Some(900))
        .map(|p| p.unwrap().data.len())
        .collect();
    assert_eq!(sizes, [900, 900, 700]);
    assert_eq!(client.all_rules().unwrap().len(), 2500);
    rt.block_on(emu.shutdown());
}
