//! End-to-end: `tweetstream rules …` against the emulator, and `filter --rule`.

mod common;

use common::*;
use predicates::prelude::*;

fn values(emu: &Emu) -> Vec<(String, Option<String>)> {
    let mut v: Vec<_> = emu
        .h()
        .rules()
        .into_iter()
        .map(|r| (r.value, r.tag))
        .collect();
    v.sort();
    v
}

fn listed_id(emu: &Emu, value: &str) -> String {
    emu.h()
        .rules()
        .into_iter()
        .find(|r| r.value == value)
        .map(|r| r.id)
        .unwrap_or_default()
}

fn stdout(a: assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stdout).into_owned()
}

#[test]
fn rules_round_trip() {
    let home = tempfile::tempdir().unwrap();
    let emu = Emu::start(builder());
    let h = home.path();

    // add, with and without a tag
    let out = stdout(
        v2_cmd(h, &emu)
            .args(["rules", "add", "cat has:images", "--tag", "cat pictures"])
            .assert()
            .success(),
    );
    let cat_id = out.split('\t').next().unwrap().to_string();
    assert!(
        cat_id.len() >= 10 && cat_id.bytes().all(|b| b.is_ascii_digit()),
        "{out}"
    );
    assert_eq!(
        out.trim_end(),
        format!("{cat_id}\tcat has:images\tcat pictures")
    );
    v2_cmd(h, &emu)
        .args(["rules", "add", "dog"])
        .assert()
        .success();
    v2_cmd(h, &emu)
        .args(["rules", "add", "rust"])
        .assert()
        .success();
    // a dry run adds nothing, and prints no id for a rule that does not exist
    let dry = v2_cmd(h, &emu)
        .args(["rules", "add", "music", "--tag", "m", "--dry-run"])
        .assert()
        .success()
        .stderr(predicate::str::contains("dry-run"));
    assert_eq!(stdout(dry), "-\tmusic\tm\n");
    // a duplicate is reported, not an error, and stdout names the rule that is active
    let dog_id = listed_id(&emu, "dog");
    let dup = v2_cmd(h, &emu)
        .args(["rules", "add", "dog"])
        .assert()
        .success()
        .stderr(predicate::str::contains("already active"))
        .stderr(predicate::str::contains("warning").not());
    assert_eq!(stdout(dup), format!("{dog_id}\tdog\t\n"));
    // the same value with another tag: X keeps the first; a warning says how to change it
    let other = v2_cmd(h, &emu)
        .args(["rules", "add", "cat has:images", "--tag", "kittens"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: rule \"cat has:images\" is active with [cat pictures], not [kittens]",
        ))
        .stderr(predicate::str::contains(format!(
            "tweetstream rules delete {cat_id} && tweetstream rules add 'cat has:images' --tag kittens"
        )));
    assert_eq!(
        stdout(other),
        format!("{cat_id}\tcat has:images\tcat pictures\n")
    );
    assert_eq!(values(&emu).len(), 3);

    // list
    let listed = stdout(v2_cmd(h, &emu).args(["rules", "list"]).assert().success());
    assert_eq!(listed.lines().count(), 3, "{listed}");
    assert!(listed.contains(&format!("{cat_id}\tcat has:images\tcat pictures")));
    let json = stdout(
        v2_cmd(h, &emu)
            .args(["rules", "list", "--json"])
            .assert()
            .success(),
    );
    for l in json.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert!(v["id"].is_string() && v["value"].is_string());
    }

    // delete by id and by value
    v2_cmd(h, &emu)
        .args(["rules", "delete", &cat_id, "dog"])
        .assert()
        .success()
        .stdout(predicate::str::contains("cat has:images"))
        .stderr(predicate::str::contains("deleted 2"));
    assert_eq!(values(&emu), vec![("rust".to_string(), None)]);
    // an unknown one deletes nothing and fails
    v2_cmd(h, &emu)
        .args(["rules", "delete", "rust", "no such rule"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("\"no such rule\""));
    assert_eq!(values(&emu).len(), 1);

    // sync: keeps what matches, deletes and adds the rest, shows the diff
    let file = h.join("rules.tsv");
    std::fs::write(
        &file,
        "# my rules\nrust\ncat\tpets\n\nmusic lang:en\tmusic\n",
    )
    .unwrap();
    let rust_id = emu.h().rules()[0].id.clone();
    let dry = stdout(
        v2_cmd(h, &emu)
            .args(["rules", "sync", "--dry-run"])
            .arg(&file)
            .assert()
            .success(),
    );
    assert!(
        dry.contains("+ cat\tpets") && dry.contains("+ music lang:en\tmusic"),
        "{dry}"
    );
    assert_eq!(values(&emu).len(), 1, "--dry-run changes nothing");
    let diff = stdout(
        v2_cmd(h, &emu)
            .args(["rules", "sync"])
            .arg(&file)
            .assert()
            .success()
            .stderr(predicate::str::contains("1 unchanged")),
    );
    assert_eq!(diff.lines().count(), 2, "only the two additions: {diff}");
    assert!(!diff.contains("rust"), "rust was kept: {diff}");
    assert_eq!(
        values(&emu),
        vec![
            ("cat".to_string(), Some("pets".to_string())),
            ("music lang:en".to_string(), Some("music".to_string())),
            ("rust".to_string(), None),
        ]
    );
    assert!(
        emu.h().rules().iter().any(|r| r.id == rust_id),
        "kept, not re-created"
    );
    // a changed tag is a delete and an add; a removed line a delete
    std::fs::write(&file, "rust\trustlang\ncat\tpets\n").unwrap();
    let diff = stdout(
        v2_cmd(h, &emu)
            .args(["rules", "sync"])
            .arg(&file)
            .assert()
            .success(),
    );
    let mut d: Vec<&str> = diff.lines().collect();
    d.sort();
    assert_eq!(d.len(), 3, "{diff}");
    assert!(d[0].starts_with("+ rust\trustlang"), "{diff}");
    assert!(d[1].starts_with("- music lang:en\tmusic\t(id "), "{diff}");
    assert!(d[2].starts_with("- rust\t\t(id "), "{diff}");
    // in sync: nothing to do
    let none = stdout(
        v2_cmd(h, &emu)
            .args(["rules", "sync"])
            .arg(&file)
            .assert()
            .success()
            .stderr(predicate::str::contains("2 unchanged, deleted 0, added 0")),
    );
    assert!(none.is_empty());
    // an invalid line is named and nothing changes
    std::fs::write(&file, "cat\tpets\n(dog OR\n").unwrap();
    v2_cmd(h, &emu)
        .args(["rules", "sync"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line 2"));
    assert_eq!(values(&emu).len(), 2);

    // clear
    v2_cmd(h, &emu)
        .args(["rules", "clear"])
        .assert()
        .success()
        .stderr(predicate::str::contains("deleted 2"));
    assert!(emu.h().rules().is_empty());
    v2_cmd(h, &emu)
        .args(["rules", "list"])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("no active rules"));
}

#[test]
fn validate_is_offline_and_names_the_problem() {
    let home = tempfile::tempdir().unwrap();
    // No credentials and no API: validation needs neither.
    cmd(home.path())
        .args([
            "rules",
            "validate",
            "cat has:images",
            "(rust OR go) lang:en",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("valid\tcat has:images"));
    cmd(home.path())
        .args(["rules", "validate", "cat", "(dog OR"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("(dog OR"))
        .stderr(predicate::str::contains("position"));
    // Said once, on one line, with its position once.
    cmd(home.path())
        .args(["rules", "validate", "(rust OR go"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            "tweetstream: error: invalid rule \"(rust OR go\": Unbalanced parentheses: this '(' \
             is never closed (at position 1)\n",
        );
    // Several: one line each, the last as the error line.
    let out = cmd(home.path())
        .args(["rules", "validate", "(a", "ok", "b)"])
        .assert()
        .code(2)
        .stdout("valid\tok\n");
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(err.starts_with("tweetstream: invalid rule \"(a\""), "{err}");
    assert!(
        err.contains("tweetstream: error: invalid rule \"b)\""),
        "{err}"
    );
    cmd(home.path())
        .args(["rules", "validate", "has:images"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has:"));
    cmd(home.path())
        .args(["rules", "validate", "--max-length", "5", "kittens"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("too long"));
}

#[test]
fn invalid_rules_are_refused_before_anything_is_sent() {
    let home = tempfile::tempdir().unwrap();
    let emu = Emu::start(builder());
    v2_cmd(home.path(), &emu)
        .args(["rules", "add", "cat OR"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid rule"));
    v2_cmd(home.path(), &emu)
        .args(["filter", "--rule", "dog", "--rule", "-cat", "--limit", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("\"-cat\""));
    assert!(emu.h().rules().is_empty());
    assert_eq!(emu.h().counters().requests, 0, "nothing reached the API");
}

#[test]
fn filter_rule_flags_add_tagged_rules_and_print_the_active_ones() {
    let home = tempfile::tempdir().unwrap();
    let emu = Emu::start(builder());
    emu.h().add_rule("music", Some("tunes")).unwrap();
    v2_cmd(home.path(), &emu)
        .args([
            "filter", "--rule", "cat", "--tag", "pets", "--rule", "dog", "--limit", "5", "--output",
        ])
        .arg(home.path().join("f.jsonl"))
        .assert()
        .success()
        .stderr(predicate::str::contains("3 active rules"))
        .stderr(predicate::str::contains("[tunes]"))
        .stderr(predicate::str::contains("[pets]"));
    assert_eq!(
        values(&emu),
        vec![
            ("cat".to_string(), Some("pets".to_string())),
            ("dog".to_string(), None),
            ("music".to_string(), Some("tunes".to_string())),
        ]
    );
    // Running again with the same rules: they are already active, which is fine.
    v2_cmd(home.path(), &emu)
        .args([
            "filter", "--rule", "cat", "--tag", "pets", "--limit", "2", "--output",
        ])
        .arg(home.path().join("g.jsonl"))
        .assert()
        .success()
        .stderr(predicate::str::contains("already active"))
        .stderr(predicate::str::contains("warning").not());
    // The same rule with another tag: X keeps the first tag; a warning says so and how to
    // change it, and the run goes on.
    let cat_id = listed_id(&emu, "cat");
    v2_cmd(home.path(), &emu)
        .args([
            "filter", "--rule", "cat", "--tag", "animals", "--limit", "1", "--output",
        ])
        .arg(home.path().join("h.jsonl"))
        .assert()
        .success()
        .stderr(predicate::str::contains(format!(
            "warning: rule \"cat\" is active with [pets], not [animals] (X keeps the first tag); \
             to change it: tweetstream rules delete {cat_id} && tweetstream rules add cat --tag animals"
        )));
}

#[test]
fn list_sync_and_clear_see_every_page_of_2500_rules() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let emu = Emu::start(builder().max_rules(5000));
    for i in 0..2500 {
        emu.h()
            .add_rule(&format!("word{i}"), Some(&format!("t{i}")))
            .unwrap();
    }
    // list: all 2,500 (X pages at 1,000 at most).
    let listed = stdout(v2_cmd(h, &emu).args(["rules", "list"]).assert().success());
    assert_eq!(listed.lines().count(), 2500);
    // sync to a file that keeps 2,499 of them and adds one: one delete, one add.
    let mut file = String::new();
    for i in 1..2500 {
        file.push_str(&format!("word{i}\tt{i}\n"));
    }
    file.push_str("newword\tnew\n");
    let path = h.join("rules.tsv");
    std::fs::write(&path, file).unwrap();
    let diff = stdout(
        v2_cmd(h, &emu)
            .args(["rules", "sync"])
            .arg(&path)
            .assert()
            .success(),
    );
    assert_eq!(diff.lines().count(), 2, "{diff}");
    assert!(diff.contains("- word0\t"), "{diff}");
    assert!(diff.contains("+ newword\t"), "{diff}");
    assert_eq!(emu.h().rules().len(), 2500);
    // clear: every page.
    v2_cmd(h, &emu).args(["rules", "clear"]).assert().success();
    assert!(emu.h().rules().is_empty());
}

/// A file whose tags are separated by spaces instead of a TAB would make each whole line a
/// rule value and delete every active rule: refused without --yes, nothing deleted.
#[test]
fn sync_deletes_nothing_without_confirmation_when_the_file_looks_malformed() {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let emu = Emu::start(builder());
    for (v, t) in [
        ("cat", "pets"),
        ("dog", "pets"),
        ("rust", "lang"),
        ("go", "lang"),
    ] {
        emu.h().add_rule(v, Some(t)).unwrap();
    }
    let file = h.join("rules.tsv");
    std::fs::write(
        &file,
        "cat    pets\ndog    pets\nrust    lang\ngo    lang\n",
    )
    .unwrap();
    // The dry run warns.
    v2_cmd(h, &emu)
        .args(["rules", "sync", "--dry-run"])
        .arg(&file)
        .assert()
        .success()
        .stderr(predicate::str::contains("would need --yes"))
        .stderr(predicate::str::contains("deletes every active rule (4)"));
    // The real run refuses and changes nothing.
    v2_cmd(h, &emu)
        .args(["rules", "sync"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing was changed"))
        .stderr(predicate::str::contains("--yes"));
    assert_eq!(emu.h().rules().len(), 4);
    // Mixed lines are named.
    std::fs::write(&file, "cat\tpets\ndog    pets\nrust\tlang\ngo    lang\n").unwrap();
    v2_cmd(h, &emu)
        .args(["rules", "sync"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line(s) 2, 4"));
    assert_eq!(emu.h().rules().len(), 4);
    // Confirmed, it is applied.
    v2_cmd(h, &emu)
        .args(["rules", "sync", "--yes"])
        .arg(&file)
        .assert()
        .success();
    let mut values: Vec<String> = emu.h().rules().into_iter().map(|r| r.value).collect();
    values.sort();
    assert_eq!(values, ["cat", "dog    pets", "go    lang", "rust"]);
    // A missing file is a file error (exit 1), as the README says.
    v2_cmd(h, &emu)
        .args(["rules", "sync"])
        .arg(h.join("nofile.tsv"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nofile.tsv"));
    // A line with two TABs would make a tag holding a TAB: an error naming the line.
    std::fs::write(&file, "cat\tpets\ndog\tdoggos\textra\n").unwrap();
    v2_cmd(h, &emu)
        .args(["rules", "sync", "--yes"])
        .arg(&file)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("line 2"));
    assert_eq!(emu.h().rules().len(), 4, "nothing changed");
}
