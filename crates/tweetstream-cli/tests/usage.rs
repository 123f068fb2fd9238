//! End-to-end: help, bad usage (exit 2), credentials (environment, config file, `configure`),
//! and that no credential ever appears in any output, even with -vv.

mod common;

use common::*;
use predicates::prelude::*;

#[test]
fn every_command_has_help_with_examples() {
    let home = tempfile::tempdir().unwrap();
    let cmds: &[&[&str]] = &[
        &[],
        &["rules"],
        &["v1"],
        &["demo"],
        &["sample"],
        &["filter"],
        &["rules", "list"],
        &["rules", "add"],
        &["rules", "delete"],
        &["rules", "clear"],
        &["rules", "sync"],
        &["rules", "validate"],
        &["v1", "sample"],
        &["v1", "filter"],
        &["emulate"],
        &["configure"],
    ];
    for c in cmds {
        let out = cmd(home.path()).args(*c).arg("--help").assert().success();
        let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
        assert!(
            text.contains("Examples:"),
            "{c:?} --help has examples:\n{text}"
        );
        // One style: --help is the compact form -h gives (sample and v1 used to be long).
        assert!(
            !text.contains("see a summary with '-h'") && !text.contains("Possible values:"),
            "{c:?} --help is compact:\n{text}"
        );
    }
    // Docs and help agree on the verbosity levels (the README lists -vvv).
    cmd(home.path())
        .args(["sample", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("-vvv (trace)"));
    // Commands refuse the global options they would ignore.
    let out = cmd(home.path())
        .args(["emulate", "--max-retries", "3"])
        .assert()
        .code(2);
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stderr),
        "tweetstream: error: --max-retries does not apply to `tweetstream emulate` (see `tweetstream emulate --help`)\n"
    );
    cmd(home.path())
        .args(["--proxy", "http://127.0.0.1:9", "configure", "--show"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--proxy does not apply"));
    cmd(home.path())
        .args(["emulate", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--max-retries").not())
        .stdout(predicate::str::contains("--rate"));
    cmd(home.path())
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes:"))
        .stdout(predicate::str::contains("3  authentication"))
        .stdout(predicate::str::contains("4  gave up"));
}

#[test]
fn bad_usage_exits_2_with_a_reason() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    // Exit 2 and the documented format: one line, `tweetstream: error: …`, naming the problem.
    let two = |args: &[&str], says: &str| {
        let out = cmd(h)
            .env("X_BEARER_TOKEN", TOKEN)
            .env("X_API_BASE", "http://127.0.0.1:9")
            .env("X_CONSUMER_KEY", CK)
            .env("X_CONSUMER_SECRET", CS)
            .env("X_ACCESS_TOKEN", AT)
            .env("X_ACCESS_TOKEN_SECRET", ATS)
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says));
        let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        let last = err.lines().last().unwrap_or_default();
        assert!(
            last.starts_with("tweetstream: error: ") && err.ends_with('\n'),
            "{args:?}: {err}"
        );
        assert!(
            !err.lines()
                .any(|l| l.starts_with("error:") || l.starts_with("Usage:")),
            "{args:?}: {err}"
        );
    };
    two(&["sample", "--bogus"], "--bogus");
    two(&["nonsense"], "nonsense");
    two(&["sample", "--limit", "many"], "many");
    // Numbers out of range name the flag and the limit (clap used to say "unexpected argument").
    two(
        &["sample", "--limit", "-5"],
        "--limit <N>': must be at least 1",
    );
    two(
        &["sample", "--limit", "0"],
        "--limit <N>': must be at least 1",
    );
    two(
        &["--max-retries", "-1", "sample"],
        "--max-retries <N>': must be 0 or more",
    );
    two(&["sample", "--duration", "-1s"], "must be positive");
    two(
        &["sample", "--backfill-minutes", "-2"],
        "--backfill-minutes",
    );
    two(
        &["sample", "-o", "x.jsonl", "--rotate-size", "99999999TiB"],
        "too large",
    );
    two(
        &["rules", "validate", "--max-length", "0", "cat"],
        "--max-length <CHARS>': must be at least 1",
    );
    two(&["sample", "--duration", "soon"], "soon");
    two(
        &["sample", "--output", "x.jsonl", "--rotate-size", "12XB"],
        "unit",
    );
    two(&["sample", "--rotate-size", "1MB"], "--output");
    two(&["sample", "--provenance"], "--output");
    two(&["sample", "--tweet-fields", "created"], "created_at");
    two(&["sample", "--backfill-minutes", "9"], "backfill_minutes");
    two(&["sample", "--endpoint", "firehose"], "partition");
    two(
        &["sample", "--endpoint", "sample10", "--partition", "3"],
        "partition",
    );
    two(
        &["sample", "--partition", "3"],
        "--partition needs --endpoint firehose or sample10",
    );
    two(&["filter", "--tag", "x", "--rule", "cat"], "--tag");
    two(&["--api-base", "ftp://nope", "sample"], "api_base");
    two(&["--proxy", "gopher://nope", "sample"], "proxy");
    two(&["--ca-bundle", "/no/such/ca.pem", "sample"], "ca_bundle");
    two(
        &["--ca-bundle", "/no/such/ca.pem", "v1", "sample"],
        "/no/such/ca.pem",
    );
    two(
        &["v1", "filter"],
        "at least one of follow, track or locations",
    );
    two(&["v1", "filter", "--locations", "1,2,3"], "multiple of 4");
    two(
        &["v1", "filter", "--track", "a", "--filter-level", "high"],
        "high",
    );
    two(&["v1", "filter", "--follow", "abc"], "abc");
    two(&["rules", "validate"], "VALUE");
    two(&["demo", "--rate=-1"], "rate");
}

#[test]
fn missing_credentials_exit_2_with_a_clear_message() {
    let home = tempfile::tempdir().unwrap();
    cmd(home.path())
        .args(["--api-base", "http://127.0.0.1:9", "sample", "--limit", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no bearer token"))
        .stderr(predicate::str::contains("X_BEARER_TOKEN"))
        .stderr(predicate::str::contains("tweetstream configure"));
    cmd(home.path())
        .args(["rules", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("X_BEARER_TOKEN"));
    cmd(home.path())
        .env("X_CONSUMER_KEY", CK)
        .env("X_ACCESS_TOKEN", AT)
        .args(["v1", "sample"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "X_CONSUMER_SECRET, X_ACCESS_TOKEN_SECRET",
        ));
    // TWITTER_BEARER_TOKEN is accepted too (and then the API is reached: 401 here).
    let emu = Emu::start(builder());
    cmd(home.path())
        .env("TWITTER_BEARER_TOKEN", TOKEN)
        .args(["--api-base", &emu.base(), "rules", "list"])
        .assert()
        .success();
}

#[test]
fn configure_writes_a_private_config_file_that_is_used() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let emu = Emu::start(builder().oauth_credentials(CK, CS, AT, ATS));
    let out = cmd(h)
        .env("X_BEARER_TOKEN", TOKEN)
        .env("X_CONSUMER_KEY", CK)
        .env("X_CONSUMER_SECRET", CS)
        .env("X_ACCESS_TOKEN", AT)
        .env("X_ACCESS_TOKEN_SECRET", ATS)
        .args(["configure", "--from-env"])
        .assert()
        .success();
    let o = out.get_output();
    let path = h.join("config/tweetstream/config.toml");
    assert!(path.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir, 0o700);
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(TOKEN) && text.contains(ATS));
    for s in [TOKEN, CK, CS, AT, ATS] {
        assert!(!String::from_utf8_lossy(&o.stdout).contains(s));
        assert!(!String::from_utf8_lossy(&o.stderr).contains(s));
    }
    // Used without any credential in the environment, for v2 and v1.1.
    cmd(h)
        .args(["--api-base", &emu.base(), "rules", "add", "cat"])
        .assert()
        .success();
    cmd(h)
        .args([
            "--api-base",
            &emu.base(),
            "v1",
            "sample",
            "--limit",
            "3",
            "--quiet",
        ])
        .assert()
        .success();
    // --show tells where values come from, never the values.
    let shown = cmd(h)
        .env("X_BEARER_TOKEN", "from-env-xyz")
        .args(["configure", "--show"])
        .assert()
        .success();
    let shown = String::from_utf8_lossy(&shown.get_output().stdout).into_owned();
    assert!(
        shown.contains("set in the environment (X_BEARER_TOKEN)"),
        "{shown}"
    );
    assert!(shown.contains("set in the config file"), "{shown}");
    for s in [TOKEN, CK, CS, AT, ATS, "from-env-xyz"] {
        assert!(!shown.contains(s));
    }
    // Values from stdin (not a terminal): one per line, empty keeps the current value.
    cmd(h)
        .args(["configure"])
        .write_stdin("new-bearer-value\n\n\n\n\n")
        .assert()
        .success();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("new-bearer-value") && text.contains(CS));
    // A malformed file is reported without quoting it.
    std::fs::write(&path, "bearer_token = \"oops-5ecret\nwat").unwrap();
    cmd(h)
        .args(["--api-base", &emu.base(), "rules", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not valid"))
        .stderr(predicate::str::contains("oops-5ecret").not());
    // `configure` repairs it: the lines that can be read are kept, the others named by number
    // (never quoted), and the file is rewritten.
    std::fs::write(
        &path,
        format!("consumer_secret = \"{CS}\"\nbearer_token = \"oops-5ecret\nwat\n"),
    )
    .unwrap();
    cmd(h)
        .args(["configure", "--show"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "not valid: lines 2, 3 cannot be read",
        ))
        .stdout(predicate::str::contains("oops-5ecret").not());
    cmd(h)
        .args(["configure", "--from-env"])
        .env("X_BEARER_TOKEN", TOKEN)
        .assert()
        .success()
        .stderr(predicate::str::contains("repaired"))
        .stderr(predicate::str::contains("lines 2, 3 could not be read"))
        .stderr(predicate::str::contains("oops-5ecret").not());
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(TOKEN) && text.contains(CS), "values kept");
    assert!(!text.contains("oops-5ecret") && !text.contains("wat"));
    cmd(h)
        .args(["--api-base", &emu.base(), "rules", "list"])
        .assert()
        .success();
}

#[test]
fn credentials_never_appear_in_any_output_even_with_vv() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let emu = Emu::start(builder().oauth_credentials(CK, CS, AT, ATS));
    let secrets = [TOKEN, CS, AT, ATS, "wrong-Token-5ecret-zz"];
    let check = |a: assert_cmd::assert::Assert| {
        let o = a.get_output();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            all.contains("DEBUG") || all.contains("error"),
            "-vv logs: {all}"
        );
        for s in secrets {
            assert!(!all.contains(s), "{s} leaked:\n{all}");
        }
    };
    let v1env = |c: &mut assert_cmd::Command| {
        c.env("X_CONSUMER_KEY", CK)
            .env("X_CONSUMER_SECRET", CS)
            .env("X_ACCESS_TOKEN", AT)
            .env("X_ACCESS_TOKEN_SECRET", ATS);
    };
    let file = h.join("out.jsonl");
    check(
        v2_cmd(h, &emu)
            .args([
                "-vv",
                "filter",
                "--rule",
                "cat",
                "--tag",
                "c",
                "--limit",
                "5",
                "--provenance",
                "--output",
            ])
            .arg(&file)
            .assert()
            .success(),
    );
    let meta = std::fs::read_to_string(h.join("out.jsonl.meta.json")).unwrap();
    for s in secrets {
        assert!(!meta.contains(s));
    }
    check(
        v2_cmd(h, &emu)
            .args(["-vv", "rules", "list"])
            .assert()
            .success(),
    );
    check(
        v2_cmd(h, &emu)
            .args(["-vvv", "sample", "--limit", "5"])
            .assert()
            .success(),
    );
    check(
        cmd(h)
            .env("X_BEARER_TOKEN", "wrong-Token-5ecret-zz")
            .args(["-vv", "--api-base", &emu.base(), "sample", "--limit", "1"])
            .assert()
            .code(3),
    );
    let mut c = cmd(h);
    v1env(&mut c);
    check(
        c.args([
            "-vv",
            "--api-base",
            &emu.base(),
            "v1",
            "filter",
            "--track",
            "cat",
            "--limit",
            "5",
        ])
        .assert()
        .success(),
    );
    // Wrong OAuth secret: 401, still nothing printed.
    let mut c = cmd(h);
    v1env(&mut c);
    check(
        c.env("X_ACCESS_TOKEN_SECRET", "wrong-Token-5ecret-zz")
            .args([
                "-vv",
                "--api-base",
                &emu.base(),
                "v1",
                "sample",
                "--limit",
                "1",
            ])
            .assert()
            .code(3),
    );
}

/// `--max-retries N`: the help, the behaviour and the summary agree (the first attempt and N
/// retries); repeated identical warnings are folded, and `-q` shows only the first; a run
/// that never connected leaves no output file and says so.
#[test]
fn max_retries_means_retries_and_repeated_warnings_fold() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    // A port nothing listens on: every attempt is refused.
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let out_file = h.join("r.jsonl");
    let run = |quiet: bool| {
        let mut c = cmd(h);
        c.env("X_BEARER_TOKEN", TOKEN)
            .args(["--api-base", &refused, "--max-retries", "4", "sample", "-o"])
            .arg(&out_file);
        if quiet {
            c.arg("-q");
        }
        let out = c.assert().code(4);
        String::from_utf8_lossy(&out.get_output().stderr).into_owned()
    };
    let err = run(false);
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("warning:")).collect();
    assert_eq!(warnings.len(), 3, "{err}");
    assert!(
        warnings[0].ends_with("reconnecting in 0.2s (failed attempts: 1)"),
        "{err}"
    );
    assert!(
        warnings[1].contains(" ×2, still retrying (failed attempts: 2, next in"),
        "{err}"
    );
    assert!(
        warnings[2].contains(" ×4, still retrying (failed attempts: 4, next in"),
        "{err}"
    );
    assert!(err.contains("(not created)"), "{err}");
    assert!(
        err.contains("never connected; stopped: gave up after 5 failed attempt(s)"),
        "{err}"
    );
    assert!(
        err.contains("(the first attempt and --max-retries 4 retries;"),
        "{err}"
    );
    assert!(!out_file.exists());
    // --quiet: the first warning and the error line only.
    let err = run(true);
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(err.lines().next().unwrap().contains("warning:"), "{err}");
    assert!(
        err.lines()
            .nth(1)
            .unwrap()
            .starts_with("tweetstream: error: the stream stopped: gave up"),
        "{err}"
    );
    // The help says what N means and that the default is to retry forever.
    cmd(h)
        .args(["sample", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Retry a failed connection at most N times",
        ))
        .stdout(predicate::str::contains("retry forever"));
}
