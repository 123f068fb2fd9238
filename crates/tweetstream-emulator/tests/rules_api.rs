//! The rules API: round trips, every error kind, dry runs, concurrency, schemas.

mod common;

use common::*;
use serde_json::{json, Value};
use tweetstream_emulator::{Emulator, EmulatorHandle};

async fn emu_with(max_len: usize, max_rules: usize) -> EmulatorHandle {
    Emulator::builder()
        .bearer_token("tok")
        .bearer_token("other")
        .source(corpus())
        .max_rule_length(max_len)
        .max_rules(max_rules)
        .start()
        .await
        .unwrap()
}

fn url(emu: &EmulatorHandle, q: &str) -> String {
    format!("{}/2/tweets/search/stream/rules{q}", emu.base_url())
}

async fn post(emu: &EmulatorHandle, q: &str, body: &str) -> (u16, Value) {
    let resp = bearer(client().post(url(emu, q)), "tok")
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

async fn get(emu: &EmulatorHandle, q: &str) -> (u16, Value) {
    let resp = bearer(client().get(url(emu, q)), "tok")
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

fn assert_sent(meta: &Value) {
    let s = meta["sent"].as_str().expect("meta.sent");
    // 2024-01-01T00:00:00.000Z
    assert_eq!(s.len(), 24, "{s}");
    assert!(s.ends_with('Z') && &s[19..20] == ".", "{s}");
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap();
}

#[tokio::test]
async fn add_list_delete_round_trip() {
    let emu = emu_with(512, 1000).await;
    let (status, body) = get(&emu, "").await;
    assert_eq!(status, 200);
    assert_eq!(body["meta"]["result_count"], 0);
    assert!(body.get("data").is_none());
    assert_sent(&body["meta"]);
    assert_schema("RulesLookupResponse", &body);

    let (status, body) = post(
        &emu,
        "",
        r#"{"add":[{"value":"cat has:media","tag":"cats"},{"value":"meme"},{"value":"dog","tag":"dogs"}]}"#,
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_schema("AddOrDeleteRulesResponse", &body);
    assert_sent(&body["meta"]);
    assert_eq!(
        body["meta"]["summary"],
        json!({"created":3,"not_created":0,"valid":3,"invalid":0})
    );
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 3);
    let ids: Vec<String> = data
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    for id in &ids {
        assert_eq!(id.len(), 19, "{id}");
        assert!(id.bytes().all(|b| b.is_ascii_digit()));
    }
    assert_eq!(data[0]["tag"], "cats");
    assert!(data[1].get("tag").is_none(), "no tag → no tag member");

    let (_, body) = get(&emu, "").await;
    assert_schema("RulesLookupResponse", &body);
    assert_eq!(body["meta"]["result_count"], 3);
    assert_eq!(body["data"][0]["value"], "cat has:media");
    let (_, body) = get(&emu, &format!("?ids={},{}", ids[0], ids[2])).await;
    assert_eq!(body["meta"]["result_count"], 2);
    assert_eq!(body["data"][1]["value"], "dog");
    // Pagination.
    let (_, p1) = get(&emu, "?max_results=2").await;
    assert_eq!(p1["meta"]["result_count"], 2);
    let token = p1["meta"]["next_token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 16);
    let (_, p2) = get(&emu, &format!("?max_results=2&pagination_token={token}")).await;
    assert_eq!(p2["meta"]["result_count"], 1);
    assert!(p2["meta"].get("next_token").is_none());
    assert_schema("RulesLookupResponse", &p2);

    // The handle sees the same rules; another app has none.
    assert_eq!(emu.rules().len(), 3);
    assert!(emu.rules_for("other").is_empty());

    // Delete by id and by value.
    let (status, body) = post(
        &emu,
        "",
        &format!(r#"{{"delete":{{"ids":["{}"]}}}}"#, ids[0]),
    )
    .await;
    assert_eq!(status, 200);
    assert_schema("AddOrDeleteRulesResponse", &body);
    assert_eq!(
        body["meta"]["summary"],
        json!({"deleted":1,"not_deleted":0})
    );
    let (_, body) = post(&emu, "", r#"{"delete":{"values":["meme","nope"]}}"#).await;
    assert_eq!(
        body["meta"]["summary"],
        json!({"deleted":1,"not_deleted":1})
    );
    assert_eq!(
        body["errors"][0]["type"],
        "https://api.twitter.com/2/problems/invalid-request"
    );
    assert_schema("AddOrDeleteRulesResponse", &body);
    let (_, body) = post(&emu, "", r#"{"delete":{"ids":["1"]}}"#).await;
    assert_eq!(
        body["meta"]["summary"],
        json!({"deleted":0,"not_deleted":1})
    );
    assert_eq!(emu.rules().len(), 1);
    // delete_all.
    let (status, body) = post(&emu, "?delete_all=true", "").await;
    assert_eq!(status, 200);
    assert_eq!(
        body["meta"]["summary"],
        json!({"deleted":1,"not_deleted":0})
    );
    assert!(emu.rules().is_empty());
    let c = emu.counters();
    assert_eq!((c.rules_added, c.rules_deleted), (3, 3));
    emu.shutdown().await;
}

#[tokio::test]
async fn dry_run_changes_nothing() {
    let emu = emu_with(512, 1000).await;
    let (status, body) = post(&emu, "?dry_run=true", r#"{"add":[{"value":"cat"}]}"#).await;
    assert_eq!(status, 201);
    assert_eq!(body["meta"]["summary"]["created"], 1);
    assert!(emu.rules().is_empty());
    let r = emu.add_rule("cat", Some("c")).unwrap();
    let (_, body) = post(
        &emu,
        "?dry_run=true",
        &format!(r#"{{"delete":{{"ids":["{}"]}}}}"#, r.id),
    )
    .await;
    assert_eq!(body["meta"]["summary"]["deleted"], 1);
    assert_eq!(emu.rules().len(), 1);
    let (_, body) = post(&emu, "?dry_run=true&delete_all=true", "").await;
    assert_eq!(body["meta"]["summary"]["deleted"], 1);
    assert_eq!(emu.rules().len(), 1);
    let (status, _) = post(&emu, "?dry_run=maybe", r#"{"add":[{"value":"x"}]}"#).await;
    assert_eq!(status, 400);
    emu.shutdown().await;
}

/// A value the rule parser rejects, whatever the parser's details.
fn invalid_value() -> &'static str {
    ["--b", "(", "\"", "   "]
        .into_iter()
        .find(|v| tweetstream_rules::Rule::parse(v).is_err())
        .unwrap()
}

#[tokio::test]
async fn per_rule_errors_duplicate_invalid_too_long_cap() {
    let emu = emu_with(20, 3).await;
    let (status, body) = post(&emu, "", r#"{"add":[{"value":"cat","tag":"c"}]}"#).await;
    assert_eq!(status, 201);
    let cat_id = body["data"][0]["id"].as_str().unwrap().to_string();

    // Duplicate: the id of the existing rule, nothing created.
    let (status, body) = post(&emu, "", r#"{"add":[{"value":"cat"}]}"#).await;
    assert_eq!(status, 200);
    assert_schema("AddOrDeleteRulesResponse", &body);
    assert_eq!(
        body["meta"]["summary"],
        json!({"created":0,"not_created":1,"valid":0,"invalid":1})
    );
    assert_eq!(
        body["errors"][0],
        json!({"value":"cat","id":cat_id,"title":"DuplicateRule","type":"https://api.twitter.com/2/problems/duplicate-rules"})
    );
    // A duplicate does not block the others.
    let (status, body) = post(&emu, "", r#"{"add":[{"value":"cat"},{"value":"dog"}]}"#).await;
    assert_eq!(status, 201);
    assert_eq!(
        body["meta"]["summary"],
        json!({"created":1,"not_created":1,"valid":1,"invalid":1})
    );

    // Invalid syntax: details from the parser; nothing of the request is created.
    let bad = invalid_value();
    let expected = tweetstream_rules::Rule::parse(bad).unwrap_err();
    let req = json!({"add":[{"value":"bird"},{"value":bad}]}).to_string();
    let (status, body) = post(&emu, "", &req).await;
    assert_eq!(status, 200);
    assert_schema("AddOrDeleteRulesResponse", &body);
    let e = &body["errors"][0];
    assert_eq!(e["title"], "UnprocessableEntity");
    assert_eq!(
        e["type"],
        "https://api.twitter.com/2/problems/invalid-rules"
    );
    assert_eq!(e["value"], bad);
    assert_eq!(e["details"], json!(expected.details));
    assert_eq!(body["meta"]["summary"]["created"], 0);
    assert!(emu.rules().iter().all(|r| r.value != "bird"));

    // Too long (limit 20 here).
    let (_, body) = post(&emu, "", r#"{"add":[{"value":"aaaaaaaaaa bbbbbbbbbb c"}]}"#).await;
    assert_eq!(body["errors"][0]["title"], "UnprocessableEntity");
    assert_eq!(body["meta"]["summary"]["invalid"], 1);

    // Rule cap (3 here; 2 exist): adding two → RulesCapProblem, nothing created.
    let (status, body) = post(&emu, "", r#"{"add":[{"value":"fish"},{"value":"frog"}]}"#).await;
    assert_eq!(status, 200);
    assert_schema("AddOrDeleteRulesResponse", &body);
    let e = body["errors"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(e["title"], "RulesCapProblem");
    assert_eq!(e["type"], "https://api.twitter.com/2/problems/rule-cap");
    assert_eq!(emu.rules().len(), 2);
    let (status, _) = post(&emu, "", r#"{"add":[{"value":"fish"}]}"#).await;
    assert_eq!(status, 201);
    emu.shutdown().await;
}

#[tokio::test]
async fn malformed_requests_get_400_invalid_request() {
    let emu = emu_with(512, 1000).await;
    let real: Value = serde_json::from_str(
        &std::fs::read_to_string(data_path(
            "x-v2-rules-delete-empty-400-invalid-request.pytwitter.json",
        ))
        .unwrap(),
    )
    .unwrap();
    let (status, body) = post(&emu, "", r#"{"delete":{}}"#).await;
    assert_eq!(status, 400);
    assert_eq!(body, real, "the real body for {{\"delete\":{{}}}}");
    for bad in [
        "",
        "not json",
        "[]",
        "{}",
        r#"{"add":[]}"#,
        r#"{"add":{}}"#,
        r#"{"add":[{"tag":"x"}]}"#,
        r#"{"add":[{"value":1}]}"#,
        r#"{"add":[{"value":"a","extra":1}]}"#,
        r#"{"add":[{"value":"a"}],"delete":{"ids":["1"]}}"#,
        r#"{"delete":{"ids":[]}}"#,
        r#"{"delete":{"ids":["abc"]}}"#,
        r#"{"delete":{"ids":"1"}}"#,
        r#"{"delete":[]}"#,
        r#"{"bogus":1}"#,
        "\u{0}\u{1}",
    ] {
        let (status, body) = post(&emu, "", bad).await;
        assert_eq!(status, 400, "{bad:?} → {body}");
        assert_eq!(
            body["type"],
            "https://api.twitter.com/2/problems/invalid-request"
        );
        assert_eq!(body["title"], "Invalid Request");
        assert_schema("Problem", &body);
    }
    let (status, _) = post(&emu, "?foo=1", r#"{"add":[{"value":"a"}]}"#).await;
    assert_eq!(status, 400);
    for q in [
        "?ids=abc",
        "?max_results=0",
        "?max_results=1001",
        "?pagination_token=x",
        "?foo=1",
    ] {
        let (status, body) = get(&emu, q).await;
        assert_eq!(status, 400, "{q}");
        assert_eq!(
            body["type"],
            "https://api.twitter.com/2/problems/invalid-request"
        );
    }
    // Auth is checked on the rules endpoints too.
    let resp = client().get(url(&emu, "")).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let resp = client()
        .post(url(&emu, ""))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(emu.rules().is_empty());
    // The request log keeps the bodies.
    let reqs = emu.requests();
    assert!(reqs
        .iter()
        .any(|r| r.body.as_deref() == Some(r#"{"delete":{}}"#)));
    // Sanity: the schema check does reject a body without the required members.
    assert!(schema_rejects("Problem", &json!({"detail":"x"})));
    emu.shutdown().await;
}

#[tokio::test]
async fn per_app_rules_and_counts() {
    let emu = emu_with(512, 1000).await;
    post(&emu, "", r#"{"add":[{"value":"cat"}]}"#).await;
    let resp = bearer(client().post(url(&emu, "")), "other")
        .body(r#"{"add":[{"value":"dog"},{"value":"cow"}]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(emu.rules().len(), 1);
    assert_eq!(emu.rules_for("other").len(), 2);
    let resp = bearer(
        client().get(format!(
            "{}/2/tweets/search/stream/rules/counts",
            emu.base_url()
        )),
        "other",
    )
    .send()
    .await
    .unwrap();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["data"]["project_rules_count"], 2);
    assert_eq!(body["data"]["cap_per_project"], 1000);
    assert_schema("Get2TweetsSearchStreamRulesCountsResponse", &body);
    emu.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_changes_lose_no_rule() {
    let emu = emu_with(512, 10_000).await;
    let mut tasks = Vec::new();
    for i in 0..64 {
        let u = url(&emu, "");
        tasks.push(tokio::spawn(async move {
            let resp = bearer(client().post(u), "tok")
                .body(format!(
                    r#"{{"add":[{{"value":"word{i}"}},{{"value":"other{i}"}}]}}"#
                ))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), 201);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let rules = emu.rules();
    assert_eq!(rules.len(), 128);
    let ids: std::collections::HashSet<_> = rules.iter().map(|r| r.id.clone()).collect();
    assert_eq!(ids.len(), 128, "ids are unique");
    // Concurrent deletes of the same rule: exactly one succeeds.
    let target = rules[0].id.clone();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let u = url(&emu, "");
        let body = format!(r#"{{"delete":{{"ids":["{target}"]}}}}"#);
        tasks.push(tokio::spawn(async move {
            let resp = bearer(client().post(u), "tok")
                .body(body)
                .send()
                .await
                .unwrap();
            let v: Value = resp.json().await.unwrap();
            v["meta"]["summary"]["deleted"].as_u64().unwrap()
        }));
    }
    let mut deleted = 0;
    for t in tasks {
        deleted += t.await.unwrap();
    }
    assert_eq!(deleted, 1);
    assert_eq!(emu.rules().len(), 127);
    emu.shutdown().await;
}

#[tokio::test]
async fn paging_over_2500_rules_delete_all_and_counts() {
    let emu = emu_with(512, 3000).await;
    for i in 0..2500 {
        emu.add_rule_for("tok", &format!("word{i}"), Some(&format!("t{i}")))
            .unwrap();
    }
    // Default page size: 1000, as X.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let q = match &token {
            Some(t) => format!("?pagination_token={t}"),
            None => String::new(),
        };
        let (status, body) = get(&emu, &q).await;
        assert_eq!(status, 200);
        assert_schema("RulesLookupResponse", &body);
        let data = body["data"].as_array().unwrap();
        assert_eq!(body["meta"]["result_count"], data.len());
        pages.push(data.len());
        seen.extend(data.iter().map(|r| r["id"].as_str().unwrap().to_string()));
        match body["meta"]["next_token"].as_str() {
            Some(t) => {
                assert_eq!(t.len(), 16, "X's tokens are 16 characters");
                token = Some(t.to_string());
            }
            None => break,
        }
    }
    assert_eq!(pages, vec![1000, 1000, 500]);
    let unique: std::collections::HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), 2500, "every rule once");
    // A smaller page size, to the last page.
    let (_, body) = get(&emu, "?max_results=700").await;
    assert_eq!(body["meta"]["result_count"], 700);
    let mut t = body["meta"]["next_token"].as_str().unwrap().to_string();
    let mut n = 700;
    loop {
        let (_, b) = get(&emu, &format!("?max_results=700&pagination_token={t}")).await;
        n += b["meta"]["result_count"].as_u64().unwrap();
        match b["meta"]["next_token"].as_str() {
            Some(x) => t = x.to_string(),
            None => break,
        }
    }
    assert_eq!(n, 2500);
    for q in ["?max_results=0", "?max_results=1001"] {
        let (status, body) = get(&emu, q).await;
        assert_eq!(status, 400, "{q}");
        assert!(body.to_string().contains("max_results"));
    }
    // Counts: every field, or those asked for.
    let counts = |q: &str| {
        let u = format!("{}/2/tweets/search/stream/rules/counts{q}", emu.base_url());
        async move {
            let resp = bearer(client().get(u), "tok").send().await.unwrap();
            (resp.status().as_u16(), resp.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = counts("").await;
    assert_eq!(status, 200);
    assert_schema("Get2TweetsSearchStreamRulesCountsResponse", &body);
    assert_eq!(body["data"]["project_rules_count"], 2500);
    assert_eq!(body["data"]["client_app_rules_count"]["rule_count"], 2500);
    assert_eq!(body["data"]["cap_per_project"], 3000);
    let (_, body) = counts("?rules_count.fields=project_rules_count,cap_per_client_app").await;
    assert_eq!(
        body,
        json!({"data": {"cap_per_client_app": 3000, "project_rules_count": 2500}})
    );
    let (status, body) = counts("?rules_count.fields=nope").await;
    assert_eq!(status, 400);
    assert!(body.to_string().contains("rules_count.fields"));
    assert_schema("InvalidRequestProblem", &body);
    // delete_all (X's query parameter) removes every rule.
    let (status, body) = post(&emu, "?delete_all=true", "").await;
    assert_eq!(status, 200);
    assert_eq!(body["meta"]["summary"]["deleted"], 2500);
    assert_schema("AddOrDeleteRulesResponse", &body);
    let (_, body) = get(&emu, "").await;
    assert_eq!(body["meta"]["result_count"], 0);
    assert!(body.get("data").is_none());
    let (_, body) = counts("").await;
    assert_eq!(body["data"]["project_rules_count"], 0);
    emu.shutdown().await;
}
