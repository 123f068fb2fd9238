//! The `tweetstream-emulator` binary: flags, first stdout line, scenario files.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use common::*;

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn(args: &[&str]) -> (Kill, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tweetstream-emulator"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    (Kill(child), line.trim().to_string())
}

#[tokio::test]
async fn binary_prints_its_base_url_and_serves() {
    let dir = std::env::temp_dir().join(format!("tweetstream-emu-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let scenario = dir.join("scenario.toml");
    std::fs::write(
        &scenario,
        "[[steps]]\nfate = \"status\"\nstatus = 503\n\n[[steps]]\nfate = \"close_after\"\nmessages = 3\n",
    )
    .unwrap();
    let corpus_path = data_path("twitter.json");
    let (_child, base) = spawn(&[
        "--corpus",
        &corpus_path,
        "--bearer-token",
        "secret",
        "--keep-alive",
        "5",
        "--seed",
        "7",
        "--scenario",
        scenario.to_str().unwrap(),
        "--consumer-key",
        "ck",
        "--consumer-secret",
        "cs",
        "--access-token",
        "at",
        "--access-token-secret",
        "ats",
    ]);
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let url = format!("{base}/2/tweets/sample/stream");
    let resp = client().get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 401, "the bearer token is enforced");
    let resp = bearer(client().get(&url), "secret").send().await.unwrap();
    assert_eq!(resp.status(), 503, "scenario step 1");
    let mut lines = Lines::new(bearer(client().get(&url), "secret").send().await.unwrap());
    let msgs = lines.take_json(3).await;
    assert_eq!(
        v2_ids(&msgs)[0],
        corpus().get(0).id(),
        "the corpus is served"
    );
    assert!(
        lines.rest().await.is_empty() && lines.ended,
        "scenario step 2"
    );
    // OAuth is enforced on v1.1.
    let resp = client()
        .get(format!("{base}/1.1/statuses/sample.json"))
        .header(
            "Authorization",
            r#"OAuth oauth_consumer_key="ck", oauth_token="at""#,
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_flags_fail_with_a_message() {
    let out = Command::new(env!("CARGO_BIN_EXE_tweetstream-emulator"))
        .args(["--corpus", "/nonexistent/file.json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nonexistent"));
    let out = Command::new(env!("CARGO_BIN_EXE_tweetstream-emulator"))
        .args(["--connection-policy", "whatever"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let out = Command::new(env!("CARGO_BIN_EXE_tweetstream-emulator"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--port",
        "--corpus",
        "--rate",
        "--keep-alive",
        "--bearer-token",
        "--consumer-key",
        "--consumer-secret",
        "--access-token",
        "--access-token-secret",
        "--scenario",
        "--seed",
    ] {
        assert!(help.contains(flag), "{flag} in --help");
    }
}

#[tokio::test]
async fn without_seed_each_run_serves_fresh_ids() {
    let corpus_path = data_path("twitter.json");
    let mut firsts = Vec::new();
    for _ in 0..2 {
        let (_child, base) = spawn(&["--corpus", &corpus_path]);
        let url = format!("{base}/2/tweets/sample/stream");
        let mut lines = Lines::new(bearer(client().get(&url), "any").send().await.unwrap());
        firsts.push(v2_ids(&lines.take_json(1).await)[0]);
    }
    let original = corpus().get(0).id();
    assert!(
        !firsts.contains(&original),
        "a run without --seed does not re-send the file's ids"
    );
    assert_ne!(firsts[0], firsts[1], "two runs, two id blocks");
}
