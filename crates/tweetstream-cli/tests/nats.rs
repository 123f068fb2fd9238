//! `--output nats://…` and `tweetstream consume` against a real `nats-server -js` on a free
//! 127.0.0.1 port with a temporary store (started by scripts/nats-server, which scripts/test
//! installs). These tests fail, not skip, when nats-server is missing.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

/// A nats-server with JetStream, for as long as this value lives.
struct Nats {
    dir: tempfile::TempDir,
    url: String,
}

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/nats-server")
}

impl Nats {
    fn start() -> Nats {
        let dir = tempfile::tempdir().unwrap();
        let url = Nats::run(dir.path());
        Nats { dir, url }
    }
    fn run(dir: &Path) -> String {
        let out = Command::new(script())
            .arg("start")
            .arg(dir)
            .output()
            .expect("scripts/nats-server runs");
        assert!(
            out.status.success(),
            "nats-server must be installed (scripts/nats-server install): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }
    fn stop(&self) {
        let s = Command::new(script())
            .arg("stop")
            .arg(self.dir.path())
            .status()
            .unwrap();
        assert!(s.success());
    }
    fn restart(&self) {
        assert_eq!(
            Nats::run(self.dir.path()),
            self.url,
            "same port, same store"
        );
    }
    fn target(&self, subject: &str) -> String {
        format!("{}/{subject}", self.url)
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Everything in the JetStream stream, read back with `consume`.
fn consume(home: &Path, target: &str, durable: &str) -> Vec<Vec<u8>> {
    let out = cmd(home)
        .args(["consume", target, "--idle", "2s", "--durable", durable])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    lines(&out.stdout).into_iter().map(<[u8]>::to_vec).collect()
}

fn ids(lines: &[Vec<u8>]) -> Vec<u64> {
    lines
        .iter()
        .map(|l| tweet_id(l).expect("a tweet"))
        .collect()
}

fn archiver(home: &Path, emu: &Emu, args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_tweetstream"))
        .env("X_BEARER_TOKEN", TOKEN)
        .env("X_API_BASE", emu.base())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .args(args)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn two_archivers_store_each_tweet_once_byte_identical_and_consume_reads_it_back() {
    let home = tempfile::tempdir().unwrap();
    let nats = Nats::start();
    let emu = Emu::start(builder().rate(400.0));
    let target = nats.target("x.tweets");
    let file = home.path().join("ref.jsonl");
    let a = archiver(
        home.path(),
        &emu,
        &["sample", "--limit", "400", "-o", &target],
    );
    let b = archiver(
        home.path(),
        &emu,
        &["sample", "--limit", "400", "-o", &target],
    );
    // A file archive of the same stream, to compare bytes.
    let r = archiver(
        home.path(),
        &emu,
        &["sample", "--limit", "400", "-o", file.to_str().unwrap()],
    );
    for p in [a, b, r] {
        let out = p.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let stored = consume(home.path(), &target, "t1");
    let got = ids(&stored);
    let distinct: BTreeSet<u64> = got.iter().copied().collect();
    assert_eq!(distinct.len(), got.len(), "each tweet stored once");
    assert!(got.len() >= 400, "{}", got.len());
    // Byte-identical to what an archiver writes to a file.
    let reference = std::fs::read(&file).unwrap();
    let by_id: std::collections::HashMap<u64, &[u8]> = lines(&reference)
        .into_iter()
        .map(|l| (tweet_id(l).unwrap(), l))
        .collect();
    let mut compared = 0;
    for l in &stored {
        if let Some(r) = by_id.get(&tweet_id(l).unwrap()) {
            assert_eq!(&l[..], *r);
            compared += 1;
        }
    }
    assert!(compared > 300, "{compared}");
    // The durable consumer goes on where it stopped: nothing new.
    assert!(consume(home.path(), &target, "t1").is_empty());
    // A consumer whose output fails (a full disk: /dev/full) acknowledges nothing it could
    // not write: the next run with the same durable name gets every message.
    let out = cmd(home.path())
        .args(["consume", &target, "--idle", "2s", "--durable", "t2"])
        .args(["-o", "/dev/full"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("/dev/full"), "{stderr}");
    assert!(stderr.contains("stay in JetStream"), "{stderr}");
    assert_eq!(consume(home.path(), &target, "t2").len(), stored.len());
    // The stream exists for x.tweets: another subject is refused before any request to X.
    let out = cmd(home.path())
        .env("X_BEARER_TOKEN", TOKEN)
        .env("X_API_BASE", emu.base())
        .args(["sample", "--limit", "10", "-o", &nats.target("other.y")])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--nats-stream"), "{stderr}");
}

#[test]
fn a_broker_outage_mid_stream_loses_nothing() {
    let home = tempfile::tempdir().unwrap();
    let nats = Nats::start();
    let emu = Emu::start(builder().rate(300.0));
    let target = nats.target("x.outage");
    let p = archiver(
        home.path(),
        &emu,
        &["sample", "--duration", "8s", "-o", &target],
    );
    std::thread::sleep(Duration::from_secs(2));
    nats.stop();
    std::thread::sleep(Duration::from_secs(2));
    nats.restart();
    let out = p.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let got = ids(&consume(home.path(), &target, "o1"));
    let distinct: BTreeSet<u64> = got.iter().copied().collect();
    assert_eq!(distinct.len(), got.len(), "none twice");
    // Everything the emulator sent, up to the last stored tweet, is stored.
    let max = *got.iter().max().unwrap();
    let sent: Vec<u64> = emu
        .h()
        .connections()
        .iter()
        .flat_map(|c| c.tweet_ids.clone())
        .filter(|id| *id <= max)
        .collect();
    let missing: Vec<_> = sent.iter().filter(|id| !distinct.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "lost during the outage: {}",
        missing.len()
    );
    assert!(
        sent.len() > 1500,
        "the stream went on through the outage: {}",
        sent.len()
    );
    assert_eq!(summary_count(&stderr), got.len() as u64, "{stderr}");
}

#[test]
fn a_full_buffer_while_the_broker_is_down_stops_with_the_count_not_stored() {
    let home = tempfile::tempdir().unwrap();
    let nats = Nats::start();
    let emu = Emu::start(builder().rate(2000.0));
    let target = nats.target("x.full");
    let p = archiver(
        home.path(),
        &emu,
        &[
            "sample",
            "--all-fields",
            "--duration",
            "30s",
            "--nats-buffer",
            "1MiB",
            "--nats-ack-wait",
            "2s",
            "-o",
            &target,
        ],
    );
    std::thread::sleep(Duration::from_secs(1));
    nats.stop();
    let out = p.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("not stored"), "{stderr}");
    assert!(stderr.contains("--nats-buffer"), "{stderr}");
}

#[test]
fn sigterm_waits_for_every_ack() {
    let home = tempfile::tempdir().unwrap();
    let nats = Nats::start();
    let emu = Emu::start(builder().rate(3000.0));
    let target = nats.target("x.term");
    let p = archiver(
        home.path(),
        &emu,
        &["sample", "--duration", "60s", "-o", &target],
    );
    std::thread::sleep(Duration::from_secs(2));
    let s = Command::new("kill")
        .args(["-TERM", &p.id().to_string()])
        .status()
        .unwrap();
    assert!(s.success());
    let out = p.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let n = summary_count(&stderr);
    assert!(n > 1000, "{stderr}");
    assert_eq!(
        consume(home.path(), &target, "s1").len() as u64,
        n,
        "every message written was acknowledged and stored"
    );
}

#[test]
fn bad_targets_and_flags_exit_2_before_any_request() {
    let home = tempfile::tempdir().unwrap();
    for (args, needle) in [
        (vec!["sample", "-o", "nats://127.0.0.1:1/"], "no subject"),
        (
            vec!["sample", "-o", "nats://127.0.0.1:1/a.>"],
            "not a subject",
        ),
        (
            vec!["sample", "--gzip", "-o", "nats://127.0.0.1:1/a"],
            "--gzip",
        ),
        (
            vec![
                "sample",
                "--nats-stream",
                "a.b",
                "-o",
                "nats://127.0.0.1:1/a",
            ],
            "--nats-stream",
        ),
    ] {
        let out = cmd(home.path())
            .env("X_BEARER_TOKEN", TOKEN)
            .env("X_API_BASE", "http://127.0.0.1:1")
            .args(&args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    let out = cmd(home.path())
        .env("X_BEARER_TOKEN", TOKEN)
        .args(["sample", "-o", "nats://user:hunter2@127.0.0.1:1/a"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("hunter2"));
}
