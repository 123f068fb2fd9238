//! The filtered stream: rule matching, matching_rules, rule changes on open streams,
//! no-rules behaviour, backfill.

mod common;

use std::time::Duration;

use common::*;
use serde_json::Value;
use tweetstream_emulator::data::Source;
use tweetstream_emulator::{Emulator, EmulatorHandle, NoRulesPolicy};
use tweetstream_rules::Rule;

async fn start(rate: f64, policy: NoRulesPolicy) -> EmulatorHandle {
    Emulator::builder()
        .bearer_token("tok")
        .source(corpus())
        .rate(rate)
        .no_rules(policy)
        .start()
        .await
        .unwrap()
}

async fn connect(emu: &EmulatorHandle, q: &str) -> reqwest::Response {
    bearer(
        client().get(format!("{}/2/tweets/search/stream{q}", emu.base_url())),
        "tok",
    )
    .send()
    .await
    .unwrap()
}

async fn add_rules(emu: &EmulatorHandle, rules: &[(&str, &str)]) -> Vec<String> {
    let add: Vec<Value> = rules
        .iter()
        .map(|(v, t)| serde_json::json!({"value": v, "tag": t}))
        .collect();
    let resp = bearer(
        client().post(format!("{}/2/tweets/search/stream/rules", emu.base_url())),
        "tok",
    )
    .json(&serde_json::json!({ "add": add }))
    .send()
    .await
    .unwrap();
    let body: Value = resp.json().await.unwrap();
    body["data"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

/// Candidate keyword rules that match some but not all tweets of the corpus.
fn pick_rules() -> Vec<&'static str> {
    let src = corpus();
    let n = src.base_len() as u64;
    let picked: Vec<&str> = ["RT", "the", "http", "love", "@", "a"]
        .into_iter()
        .filter(|v| {
            let r = match Rule::parse(v) {
                Ok(r) => r,
                Err(_) => return false,
            };
            let m = (0..n)
                .filter(|s| r.matches(src.get(*s).rule_input()))
                .count();
            m > 0 && (m as u64) < n
        })
        .take(2)
        .collect();
    assert_eq!(picked.len(), 2, "two usable rules");
    picked
}

#[tokio::test]
async fn no_rules_refuses_with_409_by_default() {
    let emu = start(0.0, NoRulesPolicy::Refuse).await;
    let resp = connect(&emu, "").await;
    assert_eq!(resp.status(), 409);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["connection_issue"], "RuleConfigurationIssue");
    assert_eq!(
        body["type"],
        "https://api.twitter.com/2/problems/streaming-connection"
    );
    assert_schema("Problem", &body);
    assert_eq!(emu.counters().connections_opened, 0);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn no_rules_keep_alive_policy_then_rules_arrive() {
    let emu = start(0.0, NoRulesPolicy::KeepAlive).await;
    let t0 = tokio::time::Instant::now();
    let mut lines = Lines::new(connect(&emu, "").await);
    assert_eq!(lines.next_line().await.unwrap(), b"");
    assert!(t0.elapsed() >= Duration::from_secs(20));
    // A rule added while connected takes effect at once.
    let rules = pick_rules();
    let id = emu.add_rule(rules[0], Some("late")).unwrap().id;
    let m = lines.next_json().await.unwrap();
    assert_eq!(m["matching_rules"][0]["id"], id.as_str());
    assert_eq!(m["matching_rules"][0]["tag"], "late");
    assert_schema("FilteredStreamingTweetResponse", &m);
    drop(lines);
    emu.shutdown().await;
}

#[tokio::test]
async fn delivers_exactly_the_matching_tweets_with_all_matching_rules() {
    let emu = start(0.0, NoRulesPolicy::Refuse).await;
    let rules = pick_rules();
    let ids = add_rules(&emu, &[(rules[0], "first"), (rules[1], "")]).await;
    let parsed: Vec<Rule> = rules.iter().map(|r| Rule::parse(r).unwrap()).collect();
    let src = corpus();
    // Expected: the matching tweets of the sequence from seq 0, each with its rules.
    let mut expected = Vec::new();
    let mut seq = 0u64;
    while expected.len() < 150 {
        let t = src.get(seq);
        let m: Vec<usize> = (0..2)
            .filter(|i| parsed[*i].matches(t.rule_input()))
            .collect();
        if !m.is_empty() {
            expected.push((t.id(), m));
        }
        seq += 1;
    }
    let resp = connect(&emu, "?tweet.fields=author_id&expansions=author_id").await;
    assert_eq!(resp.status(), 200);
    let mut lines = Lines::new(resp);
    let msgs = lines.take_json(150).await;
    for (m, (id, which)) in msgs.iter().zip(&expected) {
        assert_schema("FilteredStreamingTweetResponse", m);
        assert_eq!(m["data"]["id"], id.to_string());
        let got: Vec<(String, String)> = m["matching_rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["id"].as_str().unwrap().to_string(),
                    r["tag"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let want: Vec<(String, String)> = which
            .iter()
            .map(|i| {
                (
                    ids[*i].clone(),
                    if *i == 0 {
                        "first".into()
                    } else {
                        String::new()
                    },
                )
            })
            .collect();
        assert_eq!(got, want, "tweet {id}");
    }
    assert_eq!(
        emu.tweet_ids_sent(emu.connections()[0].id)[..150],
        expected.iter().map(|e| e.0).collect::<Vec<_>>()[..]
    );
    drop(lines);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn rule_changes_apply_to_open_streams() {
    let emu = start(20.0, NoRulesPolicy::Refuse).await;
    let rules = pick_rules();
    let r0 = emu.add_rule(rules[0], Some("r0")).unwrap().id;
    let mut lines = Lines::new(connect(&emu, "").await);
    for m in lines.take_json(3).await {
        assert_eq!(m["matching_rules"][0]["id"], r0.as_str());
    }
    // Add a second rule: tweets matching it start to arrive.
    let r1 = add_rules(&emu, &[(rules[1], "r1")]).await.remove(0);
    let mut seen_r1 = false;
    for _ in 0..300 {
        let m = lines.next_json().await.unwrap();
        if m["matching_rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == r1.as_str())
        {
            seen_r1 = true;
            break;
        }
    }
    assert!(seen_r1, "the new rule matched on the open stream");
    // Delete the first: soon only r1 matches remain.
    let resp = bearer(
        client().post(format!("{}/2/tweets/search/stream/rules", emu.base_url())),
        "tok",
    )
    .body(format!(r#"{{"delete":{{"ids":["{r0}"]}}}}"#))
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    let mut clean = 0;
    for _ in 0..300 {
        let m = lines.next_json().await.unwrap();
        let has_r0 = m["matching_rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == r0.as_str());
        if has_r0 {
            assert_eq!(clean, 0, "r0 came back after a tweet without it");
        } else {
            clean += 1;
            if clean == 20 {
                break;
            }
        }
    }
    assert_eq!(clean, 20);
    drop(lines);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn backfill_replays_matching_tweets() {
    let emu = Emulator::builder()
        .bearer_token("tok")
        .source(corpus())
        .scenario(
            tweetstream_emulator::Scenario::new()
                .then(tweetstream_emulator::Fate::CloseAfter { messages: 10 }),
        )
        .start()
        .await
        .unwrap();
    let rules = pick_rules();
    emu.add_rule(rules[0], None).unwrap();
    let mut a = Lines::new(connect(&emu, "").await);
    let first = v2_ids(&a.take_json(10).await);
    a.rest().await;
    assert!(a.ended);
    tokio::time::advance(Duration::from_secs(60)).await;
    let mut b = Lines::new(connect(&emu, "?backfill_minutes=2").await);
    let replay = v2_ids(&b.take_json(12).await);
    assert_eq!(
        replay[..10],
        first[..],
        "the 10 matching tweets again, then live"
    );
    assert_eq!(
        emu.requests().last().unwrap().query,
        vec![("backfill_minutes".to_string(), "2".to_string())]
    );
    drop(b);
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn recovery_replays_a_window_then_closes() {
    let emu = Emulator::builder()
        .bearer_token("tok")
        .source(corpus())
        .rate(1.0)
        .start()
        .await
        .unwrap();
    let rules = pick_rules();
    emu.add_rule(rules[0], None).unwrap();
    emu.add_rule(rules[1], None).unwrap();
    tokio::time::advance(Duration::from_secs(300)).await;
    // The window [now-200 s, now-100 s) holds the tweets posted then (seq 100..200).
    let fmt = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let start_wall = emu_start_wall(&emu) + time::Duration::seconds(100);
    let end_wall = start_wall + time::Duration::seconds(100);
    let q = format!("?start_time={}&end_time={}", fmt(start_wall), fmt(end_wall));
    let resp = connect(&emu, &q.replace('+', "%2B")).await;
    assert_eq!(resp.status(), 200);
    let mut lines = Lines::new(resp);
    let mut got = Vec::new();
    while let Some(m) = lines.next_json().await {
        got.push(v2_ids(&[m])[0]);
    }
    assert!(lines.ended, "closed after the window");
    let src = corpus();
    let parsed: Vec<Rule> = rules.iter().map(|r| Rule::parse(r).unwrap()).collect();
    let expected: Vec<u64> = (100..200u64)
        .filter(|s| parsed.iter().any(|r| r.matches(src.get(*s).rule_input())))
        .map(|s| src.get(s).id())
        .collect();
    assert_eq!(got, expected);
    assert_eq!(
        emu.connections()[0].close_reason,
        Some(tweetstream_emulator::CloseReason::RecoveryComplete)
    );
    emu.shutdown().await;
}

/// The wall-clock time the emulator started (its timeline's origin).
fn emu_start_wall(emu: &EmulatorHandle) -> time::OffsetDateTime {
    time::OffsetDateTime::from(emu.started_at())
}

/// X matches a Quote Tweet on the quoted Post's content too: a rule on a hashtag that only the
/// quoted Post has delivers the quote, with the quoted Post in `includes.tweets`.
#[tokio::test]
async fn delivers_a_quote_whose_quoted_post_matches() {
    let src = Source::synthetic(3);
    let lacks = |ri: &tweetstream_rules::RuleTweet, tag: &str| {
        !ri.hashtags.iter().any(|h| h.eq_ignore_ascii_case(tag))
            && !ri.text.to_lowercase().contains(&tag.to_lowercase())
    };
    let (seq, tag) = (0..src.base_len() as u64)
        .find_map(|s| {
            let ri = src.get(s).rule_input();
            let quoted = ri.quoted.as_ref()?;
            let tag = quoted.hashtags.iter().find(|h| lacks(ri, h))?;
            Some((s, tag.clone()))
        })
        .expect("a quote whose quoted Post has a hashtag of its own");
    let rule = format!("#{tag} is:quote");
    let parsed = Rule::parse(&rule).unwrap();
    // Without its quoted part the quote would not match: the match comes from the quoted Post.
    let own_only = tweetstream_rules::RuleTweet {
        quoted: None,
        ..src.get(seq).rule_input().clone()
    };
    assert!(!parsed.matches(&own_only));
    let expected: Vec<u64> = (0..=seq)
        .map(|s| src.get(s))
        .filter(|t| parsed.matches(t.rule_input()))
        .map(|t| t.id())
        .collect();
    assert_eq!(expected.last(), Some(&src.get(seq).id()));

    let emu = Emulator::builder()
        .bearer_token("tok")
        .source(src)
        .start()
        .await
        .unwrap();
    emu.add_rule(&rule, Some("quoted")).unwrap();
    let resp = connect(
        &emu,
        "?tweet.fields=entities,referenced_tweets&expansions=referenced_tweets.id",
    )
    .await;
    assert_eq!(resp.status(), 200);
    let mut lines = Lines::new(resp);
    let msgs = lines.take_json(expected.len()).await;
    assert_eq!(v2_ids(&msgs), expected);

    let quote = msgs.last().unwrap();
    assert_schema("FilteredStreamingTweetResponse", quote);
    assert_eq!(quote["matching_rules"][0]["tag"], "quoted");
    let tags = |tweet: &Value| -> Vec<String> {
        tweet["entities"]["hashtags"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|h| h["tag"].as_str().unwrap().to_lowercase())
            .collect()
    };
    let data = &quote["data"];
    assert!(!tags(data).contains(&tag.to_lowercase()), "{data}");
    let refs = data["referenced_tweets"].as_array().unwrap();
    let quoted_ref = refs.iter().find(|r| r["type"] == "quoted").unwrap();
    let quoted = quote["includes"]["tweets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == quoted_ref["id"])
        .unwrap();
    assert!(tags(quoted).contains(&tag.to_lowercase()), "{quoted}");
    drop(lines);
    emu.shutdown().await;
}
