//! A real external client: tweepy 4.17's StreamingClient, only its host redirected.
//!
//! Needs `<repo>/.venv/bin/python` with tweepy 4.17.0 (create it with
//! `scripts/setup-python`), or a Python with tweepy in `TWEETSTREAM_PYTHON`.

mod common;

use std::path::PathBuf;
use std::time::Duration;

use common::*;
use serde_json::Value;
use tweetstream_emulator::Emulator;
use tweetstream_rules::Rule;

fn python() -> PathBuf {
    if let Ok(p) = std::env::var("TWEETSTREAM_PYTHON") {
        return PathBuf::from(p);
    }
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../.venv/bin/python"
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tweepy_streaming_client_adds_lists_streams_and_deletes() {
    let py = python();
    let check = std::process::Command::new(&py)
        .args(["-c", "import tweepy; print(tweepy.__version__)"])
        .output();
    let version = match check {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_string(),
        other => panic!(
            "Python with tweepy not found at {} ({:?}).\n\
             Create it with `scripts/setup-python` (python3 -m venv .venv && \
             .venv/bin/pip install tweepy==4.17.0), or point TWEETSTREAM_PYTHON at a Python \
             that has tweepy 4.17 installed.",
            py.display(),
            other.map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        ),
    };
    assert_eq!(version, "4.17.0", "tweepy version");

    let emu = Emulator::builder()
        .bearer_token("interop-token")
        .source(corpus())
        .rate(200.0)
        .start()
        .await
        .unwrap();
    // A keyword that matches some tweets of the corpus.
    let src = corpus();
    let rule = ["RT", "the", "http", "a"]
        .into_iter()
        .find(|v| {
            Rule::parse(v).is_ok_and(|r| (0..100).any(|s| r.matches(src.get(s).rule_input())))
        })
        .unwrap();
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/tweepy/tweepy_interop.py"
    );
    let base = emu.base_url();
    let run = tokio::task::spawn_blocking(move || {
        std::process::Command::new(&py)
            .args([script, &base, "interop-token", rule, "10"])
            .output()
    });
    let out = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("tweepy finished within 2 minutes")
        .unwrap()
        .expect("python runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "tweepy script failed:\n{stderr}");
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "bad summary ({e}): {}\n{stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });

    assert_eq!(summary["added"].as_array().unwrap().len(), 2, "{summary}");
    assert_eq!(summary["add_summary"]["created"], 2);
    assert_eq!(summary["duplicate_errors"][0]["title"], "DuplicateRule");
    assert_eq!(summary["listed"].as_array().unwrap().len(), 2);
    assert_eq!(summary["listed"][0]["tag"], "interop");
    let responses = summary["responses"].as_array().unwrap();
    assert_eq!(responses.len(), 10, "{summary}");
    assert_eq!(summary["stream_errors"], serde_json::json!([]));
    let rule_id = summary["added"][0]["id"].as_str().unwrap();
    for r in responses {
        assert!(r["author_id"].is_string());
        assert_eq!(r["users"][0], r["author_id"]);
        assert!(r["matching_rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == rule_id && m["tag"] == "interop"));
    }
    assert_eq!(summary["delete_summary"]["deleted"], 2);
    assert_eq!(summary["after_delete"], 0);

    // The emulator saw tweepy's requests, and the stream's ids match what tweepy got.
    let reqs = emu.requests();
    assert!(reqs
        .iter()
        .any(|r| r.path == "/2/tweets/search/stream" && r.status == 200));
    assert!(reqs.iter().all(|r| r.auth.accepted));
    let conn = emu.connections()[0].clone();
    let got: Vec<u64> = responses
        .iter()
        .map(|r| r["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(conn.tweet_ids[..10], got[..]);
    assert!(emu.rules().is_empty());
    emu.shutdown().await;
}
