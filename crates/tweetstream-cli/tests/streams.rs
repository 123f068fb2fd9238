//! End-to-end: the demo, archiving v2 and v1.1 streams against the emulator (byte identity,
//! rotation, gzip, provenance, SIGTERM), and the exit codes of stream failures.

mod common;

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;

use common::*;
use predicates::prelude::*;
use tweetstream::StreamParams;
use tweetstream_emulator::{Fate, Scenario, V1Notices};

#[test]
fn demo_shows_tweets_and_exits_0() {
    let home = tempfile::tempdir().unwrap();
    let out = cmd(home.path())
        .args(["demo", "--limit", "7", "--rate", "0", "--seed", "3"])
        .assert()
        .success();
    let o = out.get_output();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let shown: Vec<&str> = stdout.lines().collect();
    assert_eq!(shown.len(), 7, "{stdout}");
    for l in shown {
        assert!(l.starts_with('@'), "author first: {l}");
        assert!(
            l.ends_with("[pets]")
                || l.ends_with("[rust]")
                || l.ends_with("[music]")
                || l.contains(", "),
            "matched tags last: {l}"
        );
    }
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("until 7 tweets match"), "{stderr}");
    assert!(stderr.contains("demo: 7 tweets matched in"), "{stderr}");
    // One tweet, as fast as it goes: the words agree with the numbers.
    let one = cmd(home.path())
        .args(["demo", "--limit", "1", "--rate", "0", "--seed", "3"])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&one.get_output().stderr).into_owned();
    assert!(stderr.contains("(tweets as fast as it goes;"), "{stderr}");
    assert!(stderr.contains("until 1 tweet matches"), "{stderr}");
    assert!(stderr.contains("demo: 1 tweet matched in"), "{stderr}");
    // A quote or a reply says what it quotes or answers: the reason it matched may be there.
    let out = cmd(home.path())
        .args(["demo", "--limit", "60", "--rate", "0", "--seed", "3"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let hinted: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains(" (quotes \"") || l.contains(" (replies to \""))
        .collect();
    assert!(!hinted.is_empty(), "{stdout}");
    for l in hinted {
        assert!(l.contains("\")  ["), "the hint comes before the tags: {l}");
    }
}

#[test]
fn filter_limit_writes_exactly_n_lines_byte_identical_to_what_was_sent() {
    let home = tempfile::tempdir().unwrap();
    let rules = [("cat OR dog", Some("pets")), ("music", None)];
    let a = Emu::start(builder());
    let b = Emu::start(builder());
    for emu in [&a, &b] {
        for (v, t) in rules {
            emu.h().add_rule(v, t).unwrap();
        }
    }
    let n = 300;
    let file = home.path().join("out/pets.jsonl");
    v2_cmd(home.path(), &a)
        .args([
            "filter",
            "--limit",
            &n.to_string(),
            "--minimal-fields",
            "--tweet-fields",
            "created_at,lang",
            "--expansions",
            "author_id",
            "--user-fields",
            "username",
            "--output",
        ])
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains("2 active rules"))
        .stderr(predicate::str::contains(format!("wrote {n} messages")));
    let params = StreamParams::new()
        .tweet_fields(["created_at", "lang"])
        .expansions(["author_id"])
        .user_fields(["username"]);
    let reference = b.block_on(reference_v2(&b.base(), true, params, n));
    assert_eq!(reference.len(), n);
    let data = std::fs::read(&file).unwrap();
    let got = lines(&data);
    assert_eq!(got.len(), n, "exactly --limit lines");
    for (i, (line, want)) in got.iter().zip(&reference).enumerate() {
        assert_eq!(
            *line,
            &want[..],
            "line {i} is byte-identical to the message sent"
        );
    }
    // And they are the tweets the emulator recorded sending, in order.
    let sent = a.h().tweet_ids_sent(1);
    let ids: Vec<u64> = got.iter().map(|l| tweet_id(l).unwrap()).collect();
    assert_eq!(&sent[..n], &ids[..]);
}

#[test]
fn sample_to_stdout_is_byte_identical() {
    let home = tempfile::tempdir().unwrap();
    let a = Emu::start(builder());
    let b = Emu::start(builder());
    let out = v2_cmd(home.path(), &a)
        .args(["sample", "--limit", "500", "--quiet"])
        .assert()
        .success();
    let stdout = &out.get_output().stdout;
    // Every field and expansion by default (an archive cannot be fetched again).
    let reference = b.block_on(reference_v2(
        &b.base(),
        false,
        StreamParams::all_fields(),
        500,
    ));
    let got = lines(stdout);
    assert_eq!(got.len(), 500);
    assert!(got.iter().zip(&reference).all(|(l, r)| *l == &r[..]));
    assert!(out.get_output().stderr.is_empty(), "--quiet");
}

fn gz_lines(path: &std::path::Path) -> Vec<Vec<u8>> {
    let mut data = Vec::new();
    // Checks every member's CRC and length trailer: a truncated file is an error here. The
    // files are multi-member gzip (one member per batch), as `gzip -t` and `zcat` read them.
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).unwrap())
        .read_to_end(&mut data)
        .unwrap_or_else(|e| panic!("{} decodes fully: {e}", path.display()));
    lines(&data).into_iter().map(<[u8]>::to_vec).collect()
}

#[test]
fn rotation_by_size_with_gzip_produces_complete_files() {
    let home = tempfile::tempdir().unwrap();
    let a = Emu::start(builder());
    let b = Emu::start(builder());
    let n = 4000;
    let base = home.path().join("arch/sample.jsonl");
    v2_cmd(home.path(), &a)
        .args([
            "sample",
            "--limit",
            &n.to_string(),
            "--rotate-size",
            "20KB",
            "--gzip",
            "--provenance",
            "--output",
        ])
        .arg(&base)
        .assert()
        .success();
    let mut files: Vec<_> = std::fs::read_dir(home.path().join("arch"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".jsonl.gz"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "{files:?}");
    for (i, f) in files.iter().enumerate() {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(name, format!("sample.{:04}.jsonl.gz", i + 1));
        let size = std::fs::metadata(f).unwrap().len();
        if i + 1 < files.len() {
            assert!(
                (15_000..=24_000).contains(&size),
                "{name} is about the rotation size: {size}"
            );
        }
    }
    let all: Vec<Vec<u8>> = files.iter().flat_map(|f| gz_lines(f)).collect();
    assert_eq!(all.len(), n, "line counts add up");
    let reference = b.block_on(reference_v2(
        &b.base(),
        false,
        StreamParams::all_fields(),
        n,
    ));
    assert!(
        all.iter().zip(&reference).all(|(l, r)| l[..] == r[..]),
        "lossless"
    );
    // The provenance record lists the files and counts.
    let runs: serde_json::Value = serde_json::from_slice(
        &std::fs::read(home.path().join("arch/sample.jsonl.meta.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(runs.as_array().unwrap().len(), 1, "one record per run");
    let meta = &runs[0];
    assert_eq!(meta["messages"], n as u64);
    assert_eq!(meta["complete"], true);
    assert_eq!(meta["files"].as_array().unwrap().len(), files.len());
    let url = meta["url"].as_str().unwrap();
    assert!(url.contains("/2/tweets/sample/stream?"), "{url}");
    assert!(url.contains("expansions="), "every field by default: {url}");
    assert!(
        meta["version"].is_string()
            && meta["started_at"].is_string()
            && meta["ended_at"].is_string()
    );
}

#[test]
fn rotation_by_time_rolls_complete_files() {
    let home = tempfile::tempdir().unwrap();
    let a = Emu::start(builder().rate(300.0));
    let base = home.path().join("t.jsonl");
    let out = v2_cmd(home.path(), &a)
        .args([
            "sample",
            "--rotate-interval",
            "1s",
            "--duration",
            "3500ms",
            "--output",
        ])
        .arg(&base)
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let mut files: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".jsonl"))
        .collect();
    files.sort();
    assert!(files.len() >= 3, "{files:?}");
    let mut total = 0;
    for f in &files {
        let data = std::fs::read(f).unwrap();
        let ls = lines(&data);
        assert!(!ls.is_empty());
        for l in &ls {
            serde_json::from_slice::<serde_json::Value>(l).expect("complete JSON lines");
        }
        total += ls.len() as u64;
    }
    assert_eq!(total, summary_count(&stderr), "{stderr}");
}

#[test]
fn sigterm_mid_stream_leaves_a_complete_file_and_exits_0() {
    let home = tempfile::tempdir().unwrap();
    let a = Emu::start(builder().rate(2000.0));
    let file = home.path().join("live.jsonl");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tweetstream"))
        .env("X_BEARER_TOKEN", TOKEN)
        .env("HOME", home.path())
        .env_remove("X_API_BASE")
        .args(["--api-base", &a.base(), "sample", "--output"])
        .arg(&file)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the periodic flush has put data on disk, then a bit more is in flight.
    assert!(wait_for(Duration::from_secs(20), || std::fs::metadata(
        &file
    )
    .map(|m| m.len() > 10_000)
    .unwrap_or(false)));
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut exited = None;
    assert!(wait_for(Duration::from_secs(20), || {
        exited = child.try_wait().unwrap();
        exited.is_some()
    }));
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(exited.unwrap().code(), Some(0), "{stderr}");
    assert!(stderr.contains("stopped: SIGTERM"), "{stderr}");
    let data = std::fs::read(&file).unwrap();
    let got = lines(&data);
    assert_eq!(
        got.len() as u64,
        summary_count(&stderr),
        "the summary counts every line"
    );
    let ids: Vec<u64> = got
        .iter()
        .map(|l| tweet_id(l).expect("complete JSON"))
        .collect();
    let sent = a.h().tweet_ids_sent(1);
    assert!(sent.len() >= ids.len());
    assert_eq!(
        &sent[..ids.len()],
        &ids[..],
        "in arrival order, nothing skipped"
    );
}

#[test]
fn v1_filter_archives_byte_identical_lines_delimited_or_not() {
    let home = tempfile::tempdir().unwrap();
    let emu = || {
        Emu::start(
            builder()
                .oauth_credentials(CK, CS, AT, ATS)
                .v1_notices(V1Notices::default()),
        )
    };
    // Without notices: delete notices carry the wall-clock `timestamp_ms`, so two emulators
    // send different bytes for them.
    let quiet_emu = || {
        Emu::start(
            builder()
                .oauth_credentials(CK, CS, AT, ATS)
                .v1_notices(V1Notices::none()),
        )
    };
    for delimited in [false, true] {
        let a = quiet_emu();
        let b = quiet_emu();
        let file = home.path().join(format!("v1-{delimited}.jsonl"));
        let mut c = cmd(home.path());
        c.env("X_CONSUMER_KEY", CK)
            .env("X_CONSUMER_SECRET", CS)
            .env("X_ACCESS_TOKEN", AT)
            .env("X_ACCESS_TOKEN_SECRET", ATS)
            .args([
                "--api-base",
                &a.base(),
                "v1",
                "filter",
                "--track",
                "cat,dog",
                "--language",
                "en",
                "--limit",
                "60",
                "--output",
            ])
            .arg(&file);
        if delimited {
            c.arg("--delimited");
        }
        c.assert().success();
        let reference = b.block_on(async {
            use futures_util::StreamExt;
            let s = tweetstream::v1::AsyncStream::builder(tweetstream::oauth::Credentials::new(
                CK, CS, AT, ATS,
            ))
            .api_base(b.base())
            .build()
            .unwrap();
            let mut events = s
                .filter(
                    tweetstream::v1::FilterParams::new()
                        .track(["cat", "dog"])
                        .languages(["en"])
                        .delimited(delimited),
                )
                .unwrap();
            let mut out = Vec::new();
            while out.len() < 60 {
                match events.next().await {
                    Some(Ok(tweetstream::Event::Message(m))) => out.push(m.raw().clone()),
                    Some(Ok(tweetstream::Event::Error(e))) => panic!("{e}"),
                    Some(Ok(_)) => {}
                    other => panic!("{other:?}"),
                }
            }
            out
        });
        let data = std::fs::read(&file).unwrap();
        let got = lines(&data);
        assert_eq!(got.len(), 60);
        assert!(got.iter().zip(&reference).all(|(l, r)| *l == &r[..]));
    }
    // With notices: they are archived too, as received, in order.
    let a = emu();
    let file = home.path().join("v1-notices.jsonl");
    cmd(home.path())
        .env("X_CONSUMER_KEY", CK)
        .env("X_CONSUMER_SECRET", CS)
        .env("X_ACCESS_TOKEN", AT)
        .env("X_ACCESS_TOKEN_SECRET", ATS)
        .args([
            "--api-base",
            &a.base(),
            "v1",
            "sample",
            "--stall-warnings",
            "--limit",
            "100",
            "--output",
        ])
        .arg(&file)
        .assert()
        .success();
    let data = std::fs::read(&file).unwrap();
    let got = lines(&data);
    assert_eq!(got.len(), 100);
    assert!(
        got.iter().any(|l| l.starts_with(b"{\"delete\"")),
        "notices are archived too"
    );
    let ids: Vec<u64> = got.iter().filter_map(|l| tweet_id(l)).collect();
    assert_eq!(&a.h().tweet_ids_sent(1)[..ids.len()], &ids[..]);
}

#[test]
fn filter_without_rules_stops_before_connecting_and_says_how_to_add_one() {
    let home = tempfile::tempdir().unwrap();
    let a = Emu::start(builder());
    v2_cmd(home.path(), &a)
        .args(["filter", "--limit", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no active rules"))
        .stderr(predicate::str::contains("--rule VALUE"))
        .stderr(predicate::str::contains("409"));
    assert!(a.h().connections().is_empty(), "no stream was opened");
}

#[test]
fn unauthorized_exits_3_and_forbidden_exits_3() {
    let home = tempfile::tempdir().unwrap();
    let a = Emu::start(builder());
    cmd(home.path())
        .env("X_BEARER_TOKEN", "not-the-right-token")
        .args(["--api-base", &a.base(), "sample", "--limit", "1"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "HTTP 401 Unauthorized (check X_BEARER_TOKEN",
        ))
        .stderr(predicate::str::contains("Unauthorized: Unauthorized").not());
    let b = Emu::start(builder().scenario(Scenario::new().then(Fate::status(403))));
    v2_cmd(home.path(), &b)
        .args(["sample", "--limit", "1"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("403"));
    // Rules calls too.
    cmd(home.path())
        .env("X_BEARER_TOKEN", "not-the-right-token")
        .args(["--api-base", &a.base(), "rules", "list"])
        .assert()
        .code(3);
}

#[test]
fn giving_up_after_max_retries_exits_4() {
    let home = tempfile::tempdir().unwrap();
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    cmd(home.path())
        .env("X_BEARER_TOKEN", TOKEN)
        .args([
            "--api-base",
            &format!("http://127.0.0.1:{port}"),
            "--max-retries",
            "2",
            "sample",
            "--limit",
            "1",
        ])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("gave up"));
    // HTTP errors count too: 503 once, then give up at once with --max-retries 0.
    let a = Emu::start(builder().scenario(Scenario::new().then(Fate::status(503))));
    v2_cmd(home.path(), &a)
        .args(["--max-retries", "0", "sample", "--limit", "1"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("503"));
}

#[test]
fn an_existing_output_file_is_not_clobbered() {
    let home = tempfile::tempdir().unwrap();
    let a = Emu::start(builder());
    let file = home.path().join("keep.jsonl");
    std::fs::write(&file, b"{\"old\":1}\n").unwrap();
    v2_cmd(home.path(), &a)
        .args(["sample", "--limit", "3", "--output"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--append"));
    v2_cmd(home.path(), &a)
        .args(["sample", "--limit", "3", "--append", "--output"])
        .arg(&file)
        .assert()
        .success();
    let data = std::fs::read(&file).unwrap();
    let ls = lines(&data);
    assert_eq!(ls.len(), 4);
    assert_eq!(ls[0], b"{\"old\":1}");
}

#[test]
fn backfill_on_reconnect_archives_each_tweet_once_across_a_reset() {
    let home = tempfile::tempdir().unwrap();
    // The stream is reset after 40 tweets; the reconnect replays the last minute.
    let a = Emu::start(
        builder()
            .rate(400.0)
            .scenario(Scenario::new().then(Fate::ResetAfter { messages: 40 })),
    );
    let out = v2_cmd(home.path(), &a)
        .args([
            "sample",
            "--limit",
            "100",
            "--quiet",
            "--backfill-on-reconnect",
        ])
        .assert()
        .success();
    let got: Vec<u64> = lines(&out.get_output().stdout)
        .iter()
        .map(|l| tweet_id(l).unwrap())
        .collect();
    let reqs = a.h().requests();
    assert_eq!(reqs.len(), 2);
    assert!(!reqs[0].query.iter().any(|(k, _)| k == "backfill_minutes"));
    assert!(reqs[1]
        .query
        .contains(&("backfill_minutes".to_string(), "1".to_string())));
    // The second stream replayed (at least) the first one's 40; each is written once.
    a.block_on(a.h().wait_for_closed_connections(2));
    let first = a.h().tweet_ids_sent(1);
    let second = a.h().tweet_ids_sent(2);
    let at = second
        .iter()
        .position(|id| *id == first[0])
        .expect("the replay covers the first stream");
    assert_eq!(second[at..at + 40], first[..40], "the replay overlaps");
    assert_eq!(got[..40], first[..40]);
    // Then the rest of the replay, minus what was written already (it may start before the
    // first stream did: a minute back is a minute back). The emulator records a write once it
    // went out whole, so its record of the last one may be missing.
    let rest: Vec<u64> = second
        .iter()
        .filter(|id| !first.contains(id))
        .copied()
        .collect();
    let n = rest.len().min(got.len() - 40);
    assert!(n >= 30, "{n}");
    assert_eq!(got[40..40 + n], rest[..n]);
}
