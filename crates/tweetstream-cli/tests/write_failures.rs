//! When a write fails (full disk, a file or directory removed, stdout closed, a file that
//! cannot be written), every file still ends on a complete line (gzip files pass `gzip -t`),
//! the summary and the provenance record count exactly the lines on disk, the error names the
//! file, and the exit code is 5. A small disk is a real 64 KiB tmpfs when the tests run as
//! root, else the CLI's in-process fault (`TWEETSTREAM_TEST_DISK_BYTES`).

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::*;

/// A directory that holds at most `bytes`.
struct SmallDisk {
    dir: tempfile::TempDir,
    mounted: bool,
    bytes: u64,
}

impl SmallDisk {
    fn new(bytes: u64) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        SmallDisk {
            dir,
            mounted,
            bytes,
        }
    }
    /// The in-process fault only (what non-root runs use).
    fn simulated(bytes: u64) -> SmallDisk {
        SmallDisk {
            dir: tempfile::tempdir().unwrap(),
            mounted: false,
            bytes,
        }
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    /// The command, with the in-process fault when no tmpfs could be mounted.
    fn cmd(&self, home: &Path, emu: &Emu) -> assert_cmd::Command {
        let mut c = v2_cmd(home, emu);
        if !self.mounted {
            c.env("TWEETSTREAM_TEST_DISK_BYTES", self.bytes.to_string());
        }
        c
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        if self.mounted {
            let _ = Command::new("umount").arg(self.path()).status();
        }
    }
}

/// The binary in the background, archiving to `out`, its stderr piped.
fn spawn(home: &Path, emu: &Emu, args: &[&str], out: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_tweetstream"))
        .env("X_BEARER_TOKEN", TOKEN)
        .env("X_API_BASE", emu.base())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .args(args)
        .arg(out)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The count N in the summary's "wrote N" / "stored N".
fn stored_count(stderr: &str) -> u64 {
    for word in ["sent ", "stored ", "wrote "] {
        if let Some(at) = stderr.find(&format!("tweetstream: {word}")) {
            let rest = &stderr[at + "tweetstream: ".len() + word.len()..];
            return rest
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("no count in the summary: {stderr}"));
        }
    }
    panic!("no summary in stderr: {stderr}")
}

/// Lines of a plain or (multi-member) gzip file, checking it ends on a complete line and
/// every gzip member is complete.
fn file_lines(p: &Path) -> usize {
    let raw = std::fs::read(p).unwrap();
    let data = if p.to_string_lossy().ends_with(".gz") {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap_or_else(|e| panic!("{} is a complete gzip file: {e}", p.display()));
        if let Ok(s) = Command::new("gzip").arg("-t").arg(p).status() {
            assert!(s.success(), "gzip -t {}", p.display());
        }
        out
    } else {
        raw
    };
    lines(&data).len()
}

fn files_in(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    v.sort();
    v
}

fn no_temp_files(dir: &Path) {
    let stray = files_in(dir, ".tmp");
    assert!(stray.is_empty(), "stray temporary files: {stray:?}");
}

/// The last run's record of `FILE.meta.json`.
fn last_record(meta: &Path) -> serde_json::Value {
    let all: serde_json::Value = serde_json::from_slice(&std::fs::read(meta).unwrap()).unwrap();
    all.as_array().unwrap().last().unwrap().clone()
}

#[test]
fn a_full_disk_leaves_complete_lines_and_exact_counts() {
    full_disk(SmallDisk::new(64 << 10));
}

#[test]
fn a_simulated_full_disk_leaves_complete_lines_and_exact_counts() {
    full_disk(SmallDisk::simulated(64 << 10));
}

fn full_disk(disk: SmallDisk) {
    let home = tempfile::tempdir().unwrap();
    let emu = Emu::start(builder());
    let out = disk.path().join("out.jsonl");
    let r = disk
        .cmd(home.path(), &emu)
        .args([
            "sample",
            "--all-fields",
            "--limit",
            "2000",
            "--provenance",
            "-o",
        ])
        .arg(&out)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot write {}", out.display())),
        "{stderr}"
    );
    assert!(stderr.contains("No space left on device"), "{stderr}");
    let on_disk = file_lines(&out) as u64;
    assert!(on_disk > 0, "something was stored before the disk filled");
    assert_eq!(stored_count(&stderr), on_disk, "{stderr}");
    let rec = last_record(&disk.path().join("out.jsonl.meta.json"));
    assert_eq!(rec["messages"], on_disk, "{rec}");
    assert_eq!(rec["files"][0]["messages"], on_disk);
    assert_eq!(rec["complete"], true);
    assert!(rec["write_error"].as_str().unwrap().contains("out.jsonl"));
    no_temp_files(disk.path());
}

#[test]
fn a_full_disk_with_gzip_and_rotation_leaves_complete_members() {
    let home = tempfile::tempdir().unwrap();
    let emu = Emu::start(builder());
    let disk = SmallDisk::new(64 << 10);
    let out = disk.path().join("out.jsonl");
    let r = disk
        .cmd(home.path(), &emu)
        .args([
            "sample",
            "--all-fields",
            "--limit",
            "20000",
            "--gzip",
            "--rotate-size",
            "20KB",
            "-o",
        ])
        .arg(&out)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(5), "{stderr}");
    let files = files_in(disk.path(), ".jsonl.gz");
    assert!(files.len() >= 2, "{files:?}");
    let total: usize = files.iter().map(|f| file_lines(f)).sum();
    assert_eq!(stored_count(&stderr), total as u64, "{stderr}");
    let n = files
        .iter()
        .filter(|f| std::fs::metadata(f).unwrap().len() > 0)
        .count();
    assert_eq!(n, files.len(), "no empty file is left");
    assert!(
        stderr.contains(&format!("in {} files", files.len())),
        "{stderr}"
    );
    no_temp_files(disk.path());
}

#[test]
fn a_file_removed_mid_run_is_reported() {
    let home = tempfile::tempdir().unwrap();
    let emu = Emu::start(builder().rate(200.0));
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gone.jsonl");
    let child = spawn(
        home.path(),
        &emu,
        &["sample", "--duration", "20s", "-o"],
        &out,
    );
    assert!(wait_for(Duration::from_secs(10), || std::fs::metadata(
        &out
    )
    .is_ok_and(|m| m.len() > 0)));
    std::fs::remove_file(&out).unwrap();
    let r = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("gone.jsonl") && stderr.contains("removed"),
        "{stderr}"
    );
    assert_eq!(
        stored_count(&stderr),
        0,
        "nothing is stored under that name: {stderr}"
    );
}

#[test]
fn rotation_into_a_removed_directory_is_reported() {
    let home = tempfile::tempdir().unwrap();
    let emu = Emu::start(builder().rate(200.0));
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("arch");
    let out = sub.join("r.jsonl");
    let child = spawn(
        home.path(),
        &emu,
        &[
            "sample",
            "--duration",
            "20s",
            "--rotate-interval",
            "1s",
            "-o",
        ],
        &out,
    );
    assert!(wait_for(Duration::from_secs(10), || std::fs::metadata(
        sub.join("r.0001.jsonl")
    )
    .is_ok_and(|m| m.len() > 0)));
    std::fs::remove_dir_all(&sub).unwrap();
    let r = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("arch"), "{stderr}");
    assert_eq!(
        stored_count(&stderr),
        0,
        "the files went with the directory: {stderr}"
    );
}

#[test]
fn closed_stdout_is_reported_as_such() {
    let home = tempfile::tempdir().unwrap();
    let emu = Emu::start(builder());
    let mut child = Command::new(env!("CARGO_BIN_EXE_tweetstream"))
        .env("X_BEARER_TOKEN", TOKEN)
        .env("X_API_BASE", emu.base())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .args(["sample", "--limit", "200000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read three lines, then close the pipe (as `| head -3` does).
    let mut stdout = child.stdout.take().unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while got.iter().filter(|&&b| b == b'\n').count() < 3 {
        let n = stdout.read(&mut buf).unwrap();
        assert!(n > 0);
        got.extend_from_slice(&buf[..n]);
    }
    drop(stdout);
    let r = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("stdout was closed by its reader"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("tweetstream: wrote "),
        "never 'wrote': {stderr}"
    );
}

#[test]
fn an_unwritable_file_is_never_reported_as_written() {
    let home = tempfile::tempdir().unwrap();
    let emu = Emu::start(builder());
    let r = v2_cmd(home.path(), &emu)
        .args([
            "sample",
            "--limit",
            "3",
            "--overwrite",
            "-o",
            "/proc/version",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_ne!(r.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("wrote 3"), "{stderr}");
    assert!(stderr.contains("/proc/version"), "{stderr}");
}

#[test]
fn dev_null_is_an_output_like_any_other() {
    let home = tempfile::tempdir().unwrap();
    let emu = Emu::start(builder());
    let r = v2_cmd(home.path(), &emu)
        .args(["sample", "--limit", "500", "-o", "/dev/null"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(r.status.success(), "{stderr}");
    assert_eq!(stored_count(&stderr), 500, "{stderr}");
}

#[test]
fn provenance_keeps_one_record_per_run() {
    let home = tempfile::tempdir().unwrap();
    let emu = Emu::start(builder());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a.jsonl");
    for _ in 0..2 {
        v2_cmd(home.path(), &emu)
            .args(["sample", "--limit", "3", "--append", "--provenance", "-o"])
            .arg(&out)
            .assert()
            .success();
    }
    let all: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("a.jsonl.meta.json")).unwrap())
            .unwrap();
    let runs = all.as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_ne!(runs[0]["started_at"], serde_json::Value::Null);
    let sum: u64 = runs.iter().map(|r| r["messages"].as_u64().unwrap()).sum();
    assert_eq!(sum, file_lines(&out) as u64);
    assert_eq!(sum, 6);

    // Rotation numbering continued by a second run: each record lists its own files.
    let rot = dir.path().join("r.jsonl");
    for _ in 0..2 {
        v2_cmd(home.path(), &emu)
            .args([
                "sample",
                "--limit",
                "5",
                "--rotate-size",
                "1MB",
                "--provenance",
                "-o",
            ])
            .arg(&rot)
            .assert()
            .success();
    }
    let all: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("r.jsonl.meta.json")).unwrap())
            .unwrap();
    let runs = all.as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(
        runs[0]["files"][0]["path"].as_str().unwrap(),
        dir.path().join("r.0001.jsonl").display().to_string()
    );
    assert_eq!(
        runs[1]["files"][0]["path"].as_str().unwrap(),
        dir.path().join("r.0002.jsonl").display().to_string()
    );
    no_temp_files(dir.path());
}

#[test]
fn no_file_is_left_when_nothing_was_stored() {
    let home = tempfile::tempdir().unwrap();
    let emu = Emu::start(builder());
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never.jsonl");
    let r = cmd(home.path())
        .env("X_BEARER_TOKEN", "wrong-token")
        .env("X_API_BASE", emu.base())
        .args(["sample", "--limit", "3", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(r.status.code(), Some(3));
    assert!(!out.exists(), "no 0-byte file after a 401");
    let r = cmd(home.path())
        .env("X_BEARER_TOKEN", TOKEN)
        .env("X_API_BASE", "http://127.0.0.1:1")
        .args(["--max-retries", "1", "sample", "--limit", "3", "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert_ne!(r.status.code(), Some(0));
    assert!(!out.exists(), "no 0-byte file when the host is unreachable");
}

#[test]
fn output_path_problems_are_named() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("g.json"), "x").unwrap();
    let r = cmd(home.path())
        .env("X_BEARER_TOKEN", TOKEN)
        .env("X_API_BASE", "http://127.0.0.1:1")
        .args(["sample", "-o"])
        .arg(dir.path().join("g.json/out.jsonl"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("g.json is not a directory"), "{stderr}");
}

#[test]
fn gzip_to_a_terminal_is_refused() {
    let home = tempfile::tempdir().unwrap();
    // `script` gives the command a terminal for stdout (util-linux, on every Debian).
    let bin = env!("CARGO_BIN_EXE_tweetstream");
    let r = Command::new("script")
        .args([
            "-qec",
            &format!("{bin} sample --gzip --limit 1"),
            "/dev/null",
        ])
        .env("X_BEARER_TOKEN", TOKEN)
        .env("X_API_BASE", "http://127.0.0.1:1")
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path())
        .output()
        .expect("script(1) runs");
    let out = String::from_utf8_lossy(&r.stdout);
    assert_eq!(r.status.code(), Some(2), "{out}");
    assert!(
        out.contains("refusing to write gzip to a terminal"),
        "{out}"
    );
}
