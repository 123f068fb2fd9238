//! `tweetstream stream NAME`: every stream by name, partition fan-in (one connection per
//! partition, one output) with one partition reset mid-stream, redundant connections written
//! once, and the parameter checks before any request.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use common::*;
use tweetstream_emulator::{Fate, Scenario};

fn ids(data: &[u8]) -> Vec<u64> {
    lines(data)
        .iter()
        .map(|l| tweet_id(l).expect("a tweet id"))
        .collect()
}

#[test]
fn list_names_every_stream_with_its_partitions() {
    let home = tempfile::tempdir().unwrap();
    let out = cmd(home.path())
        .args(["stream", "--list"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for s in tweetstream::streams::STREAMS {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(s.name))
            .unwrap_or_else(|| panic!("{} listed", s.name));
        if s.partitions > 0 {
            assert!(
                line.contains(&format!("partitions 1-{}", s.partitions)),
                "{line}"
            );
        }
    }
}

#[test]
fn invalid_values_exit_2_before_any_request_naming_the_parameter() {
    let home = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["stream", "tweets/nope"], "stream --list"),
        (&["stream", "tweets/firehose"], "--partition"),
        (
            &["stream", "tweets/firehose", "--partition", "21"],
            "1 to 20",
        ),
        (
            &["stream", "tweets/firehose", "--partition", "0"],
            "partition",
        ),
        (
            &["stream", "tweets/sample", "--partition", "1"],
            "not partitioned",
        ),
        (
            &[
                "stream",
                "tweets/compliance",
                "--partition",
                "1",
                "--start-time",
                "yesterday",
            ],
            "start_time",
        ),
        (
            &[
                "stream",
                "users/compliance",
                "--partition",
                "1",
                "--start-time",
                "2026-12-02T00:00:00Z",
                "--end-time",
                "2026-12-01T00:00:00Z",
            ],
            "end_time",
        ),
        (
            &["stream", "likes/compliance", "--tweet-fields", "lang"],
            "tweet.fields",
        ),
        (
            &["stream", "tweets/sample", "--redundant", "0"],
            "--redundant",
        ),
    ];
    for (args, needle) in cases {
        // Port 1: any request would fail differently (exit 1 or 4), not with 2.
        let out = cmd(home.path())
            .env("X_BEARER_TOKEN", TOKEN)
            .env("X_API_BASE", "http://127.0.0.1:1")
            .args(*args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?} names {needle}: {stderr}");
    }
}

#[test]
fn every_stream_archives_by_name() {
    let home = tempfile::tempdir().unwrap();
    let emu = Emu::start(builder());
    for s in tweetstream::streams::STREAMS {
        if s.name == "tweets/search" {
            continue; // needs rules: covered by the filter tests
        }
        let mut c = v2_cmd(home.path(), &emu);
        c.args(["stream", s.name, "--limit", "5"]);
        if s.partitions > 0 {
            c.args(["--partition", "1"]);
        }
        let out = c.timeout(Duration::from_secs(30)).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{}: {stderr}", s.name);
        assert_eq!(lines(&out.stdout).len(), 5, "{}", s.name);
        for l in lines(&out.stdout) {
            serde_json::from_slice::<serde_json::Value>(l).expect("JSON");
        }
    }
}

#[test]
fn fan_in_over_4_partitions_with_one_reset_loses_nothing() {
    let home = tempfile::tempdir().unwrap();
    let emu = Emu::start(
        builder()
            .rate(400.0)
            .scenario(Scenario::new().then(Fate::ResetAfter { messages: 12 })),
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("fh.jsonl");
    let r = v2_cmd(home.path(), &emu)
        .args([
            "stream",
            "tweets/firehose",
            "--minimal-fields",
            "--partition",
            "1-4",
            "--limit",
            "400",
            "--provenance",
            "-o",
        ])
        .arg(&out)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(r.status.success(), "{stderr}");
    let got = ids(&std::fs::read(&out).unwrap());
    assert_eq!(got.len(), 400);
    let distinct: BTreeSet<u64> = got.iter().copied().collect();
    assert_eq!(distinct.len(), got.len(), "none twice");

    let conns = emu.h().connections();
    // Every archived id was sent, and each partition is in the output.
    let mut partition_of: HashMap<u64, u32> = HashMap::new();
    for c in &conns {
        for id in &c.tweet_ids {
            partition_of.insert(*id, c.partition.expect("partitioned"));
        }
    }
    let parts: BTreeSet<u32> = got.iter().map(|id| partition_of[id]).collect();
    assert_eq!(parts, BTreeSet::from([1, 2, 3, 4]));
    // The reset connection: everything it sent before the reset is archived, and its
    // partition reconnected and went on.
    let reset = conns
        .iter()
        .find(|c| matches!(c.fate, Fate::ResetAfter { .. }))
        .expect("a reset connection");
    assert!(reset.tweet_ids.len() >= 12);
    for id in &reset.tweet_ids {
        assert!(
            distinct.contains(id),
            "{id} sent before the reset is archived"
        );
    }
    let same: Vec<_> = conns
        .iter()
        .filter(|c| c.partition == reset.partition)
        .collect();
    assert_eq!(same.len(), 2, "the reset partition reconnected once");
    // Within each partition, the archived ids are in the order sent.
    for p in 1..=4 {
        let sent: Vec<u64> = conns
            .iter()
            .filter(|c| c.partition == Some(p))
            .flat_map(|c| c.tweet_ids.clone())
            .collect();
        let archived: Vec<u64> = got
            .iter()
            .copied()
            .filter(|id| partition_of[id] == p)
            .collect();
        assert_eq!(
            archived,
            sent[..archived.len()],
            "partition {p}: in order, none lost"
        );
    }
    // Per-partition counters in the provenance record.
    let all: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("fh.jsonl.meta.json")).unwrap())
            .unwrap();
    let rec = &all[0];
    assert_eq!(rec["messages"], 400);
    assert_eq!(rec["sources"].as_array().map(Vec::len), Some(4), "{rec}");
    assert!(stderr.contains("partition"), "{stderr}");
}

#[test]
fn a_partition_failing_for_good_ends_the_run_naming_it() {
    let home = tempfile::tempdir().unwrap();
    let emu = Emu::start(
        builder()
            .rate(100.0)
            .scenario(Scenario::new().then(Fate::status(403))),
    );
    let r = v2_cmd(home.path(), &emu)
        .args([
            "stream",
            "tweets/firehose",
            "--partition",
            "1-3",
            "--duration",
            "20s",
        ])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("error:") && stderr.contains("(partition "),
        "{stderr}"
    );
}

#[test]
fn redundant_connections_write_each_tweet_once() {
    let home = tempfile::tempdir().unwrap();
    let emu = Emu::start(
        builder().rate(300.0).scenario(
            Scenario::new()
                .then(Fate::ResetAfter { messages: 20 })
                .then(Fate::Normal)
                .then(Fate::ResetAfter { messages: 25 }),
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.jsonl");
    let r = v2_cmd(home.path(), &emu)
        .args(["sample", "--redundant", "2", "--limit", "300", "-o"])
        .arg(&out)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(r.status.success(), "{stderr}");
    let got = ids(&std::fs::read(&out).unwrap());
    assert_eq!(got.len(), 300);
    let distinct: BTreeSet<u64> = got.iter().copied().collect();
    assert_eq!(distinct.len(), 300, "each tweet once");
    let conns = emu.h().connections();
    assert!(conns.len() >= 3, "connections were reset and reopened");
    // None missing: every id any connection sent up to the last archived one is archived.
    let max = *got.iter().max().unwrap();
    let sent: BTreeSet<u64> = conns
        .iter()
        .flat_map(|c| c.tweet_ids.clone())
        .filter(|id| *id <= max)
        .collect();
    let missing: Vec<_> = sent.difference(&distinct).collect();
    assert!(missing.is_empty(), "missing: {missing:?}");
    assert!(stderr.contains("duplicates dropped"), "{stderr}");
}
