//! `tweetstream rules …`: list, add, delete, clear, sync, validate.

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

use tweetstream::models::v2::RulesResponse;
use tweetstream::{AsyncStreamingClient, RuleSelector, StreamRule};

use crate::cli::{GlobalArgs, RulesCommand};
use crate::error::CliError;

/// Run a `rules` subcommand.
pub async fn run(global: &GlobalArgs, cmd: &RulesCommand) -> Result<(), CliError> {
    if let RulesCommand::Validate { values, max_length } = cmd {
        return validate(values, *max_length);
    }
    let (client, _) = crate::v2::client(global)?;
    match cmd {
        RulesCommand::List { json } => list(&client, *json).await,
        RulesCommand::Add {
            value,
            tag,
            dry_run,
        } => add(&client, value, tag.as_deref(), *dry_run).await,
        RulesCommand::Delete { rules, dry_run } => delete(&client, rules, *dry_run).await,
        RulesCommand::Clear { dry_run } => clear(&client, *dry_run).await,
        RulesCommand::Sync { file, dry_run, yes } => sync(&client, file, *dry_run, *yes).await,
        RulesCommand::Validate { .. } => Ok(()),
    }
}

fn lib(context: &str) -> impl Fn(tweetstream::Error) -> CliError + '_ {
    move |e| CliError::from_lib(context, &e)
}

/// Every active rule, however many pages X splits them into.
async fn active(client: &AsyncStreamingClient) -> Result<Vec<StreamRule>, CliError> {
    client
        .all_rules()
        .await
        .map_err(lib("cannot list the rules"))
}

fn tsv(r: &StreamRule) -> String {
    format!(
        "{}\t{}\t{}",
        r.id.as_deref().unwrap_or(""),
        r.value,
        r.tag.as_deref().unwrap_or("")
    )
}

async fn list(client: &AsyncStreamingClient, json: bool) -> Result<(), CliError> {
    let rules = active(client).await?;
    for r in &rules {
        if json {
            println!("{}", serde_json::to_string(r).unwrap_or_default());
        } else {
            println!("{}", tsv(r));
        }
    }
    if rules.is_empty() {
        eprintln!("tweetstream: no active rules");
    }
    Ok(())
}

fn check_offline(value: &str) -> Result<(), CliError> {
    tweetstream::rules::check_before_sending(value, tweetstream::rules::DEFAULT_MAX_RULE_LENGTH)
        .map_err(|e| CliError::usage(format!("invalid rule {value:?}: {e}")))
}

/// Rejections in a rules response other than duplicates, as one message.
fn rejections(resp: &RulesResponse) -> Vec<String> {
    resp.errors
        .iter()
        .filter(|p| !p.title.as_deref().unwrap_or("").contains("Duplicate"))
        .map(|p| {
            let details = p
                .extra
                .get("details")
                .and_then(|d| d.as_array())
                .map(|d| {
                    d.iter()
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .filter(|d| !d.is_empty())
                .or_else(|| p.detail.clone())
                .unwrap_or_default();
            let value = p
                .extra_str("value")
                .map(|v| format!("{v:?}: "))
                .unwrap_or_default();
            format!(
                "{value}{} {details}",
                p.title.as_deref().unwrap_or("rejected")
            )
            .trim()
            .to_string()
        })
        .collect()
}

/// `rules add`. Its stdout is one line, `ID<TAB>VALUE<TAB>TAG` as `rules list` prints it, for
/// the rule now active: the new one, or the one already active with that value (its id and
/// its tag). With `--dry-run` nothing is added and the id column is `-`.
async fn add(
    client: &AsyncStreamingClient,
    value: &str,
    tag: Option<&str>,
    dry_run: bool,
) -> Result<(), CliError> {
    check_offline(value)?;
    let rule = match tag {
        Some(t) => StreamRule::tagged(value, t),
        None => StreamRule::new(value),
    };
    let resp = client
        .add_rules([rule.clone()], dry_run)
        .await
        .map_err(lib("cannot add the rule"))?;
    let bad = rejections(&resp);
    if !bad.is_empty() {
        return Err(CliError::usage(format!(
            "X rejected the rule: {}",
            bad.join("; ")
        )));
    }
    if resp.data.is_empty() && !resp.errors.is_empty() {
        // A duplicate: say which rule is active, and whether its tag is the one asked for.
        let id = resp.errors.iter().find_map(|p| p.extra_str("id"));
        let all = active(client).await?;
        let current = all
            .iter()
            .find(|r| id.is_some() && r.id.as_deref() == id)
            .or_else(|| all.iter().find(|r| r.value == value));
        let Some(current) = current else {
            return Err(CliError::failure(format!(
                "X says rule {value:?} is already active, but it is not in the rule list"
            )));
        };
        eprintln!(
            "tweetstream: rule {value:?} is already active (id {}); nothing was added",
            current.id.as_deref().unwrap_or("?")
        );
        for w in tag_mismatches(std::slice::from_ref(&rule), &all) {
            eprintln!("tweetstream: warning: {w}");
        }
        println!("{}", tsv(current));
        return Ok(());
    }
    for r in &resp.data {
        if dry_run {
            let mut shown = r.clone();
            shown.id = Some("-".into());
            println!("{}", tsv(&shown));
        } else {
            println!("{}", tsv(r));
        }
    }
    if dry_run {
        eprintln!("tweetstream: --dry-run: X validated the rule; nothing was added");
    }
    Ok(())
}

/// Warnings for rules asked for with one tag while the rule with that value is active with
/// another (X compares values only, so the tag asked for was not applied), with the way to
/// change it.
pub fn tag_mismatches(asked: &[StreamRule], active: &[StreamRule]) -> Vec<String> {
    let mut out = Vec::new();
    for a in asked {
        let Some(cur) = active.iter().find(|r| r.value == a.value) else {
            continue;
        };
        if cur.tag == a.tag {
            continue;
        }
        let shown = |t: &Option<String>| match t {
            Some(t) => format!("[{t}]"),
            None => "no tag".to_string(),
        };
        let id = cur.id.as_deref().unwrap_or("ID");
        let re_add = match &a.tag {
            Some(t) => format!(
                "tweetstream rules add {} --tag {}",
                quote(&a.value),
                quote(t)
            ),
            None => format!("tweetstream rules add {}", quote(&a.value)),
        };
        out.push(format!(
            "rule {:?} is active with {}, not {} (X keeps the first tag); to change it: \
             tweetstream rules delete {id} && {re_add}",
            a.value,
            shown(&cur.tag),
            shown(&a.tag),
        ));
    }
    out
}

/// A shell word: single-quoted unless it is plainly safe.
fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:@#/".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

async fn delete(
    client: &AsyncStreamingClient,
    args: &[String],
    dry_run: bool,
) -> Result<(), CliError> {
    let rules = active(client).await?;
    let mut ids = Vec::new();
    let mut values = Vec::new();
    let mut chosen: Vec<&StreamRule> = Vec::new();
    let mut missing = Vec::new();
    for a in args {
        if let Some(r) = rules.iter().find(|r| r.id.as_deref() == Some(a.as_str())) {
            ids.push(a.clone());
            chosen.push(r);
        } else if let Some(r) = rules.iter().find(|r| r.value == *a) {
            values.push(a.clone());
            chosen.push(r);
        } else {
            missing.push(format!("{a:?}"));
        }
    }
    if !missing.is_empty() {
        return Err(CliError::failure(format!(
            "no active rule has the id or value {}; nothing was deleted (see `tweetstream rules list`)",
            missing.join(", ")
        )));
    }
    let mut deleted = 0;
    if !ids.is_empty() {
        let resp = client
            .delete_rules(RuleSelector::ids(&ids), dry_run)
            .await
            .map_err(lib("cannot delete the rules"))?;
        check_deleted(&resp)?;
        deleted += summary_deleted(&resp, ids.len());
    }
    if !values.is_empty() {
        let resp = client
            .delete_rules(RuleSelector::values(values.clone()), dry_run)
            .await
            .map_err(lib("cannot delete the rules"))?;
        check_deleted(&resp)?;
        deleted += summary_deleted(&resp, values.len());
    }
    for r in chosen {
        println!("- {}", tsv(r));
    }
    if dry_run {
        eprintln!(
            "tweetstream: --dry-run: {deleted} rule(s) would be deleted; nothing was changed"
        );
    } else {
        eprintln!("tweetstream: deleted {deleted} rule(s)");
    }
    Ok(())
}

fn summary_deleted(resp: &RulesResponse, asked: usize) -> usize {
    resp.meta
        .summary
        .as_ref()
        .map(|s| s.deleted as usize)
        .unwrap_or(asked)
}

fn check_deleted(resp: &RulesResponse) -> Result<(), CliError> {
    let bad = rejections(resp);
    if bad.is_empty() {
        Ok(())
    } else {
        Err(CliError::failure(format!(
            "X did not delete every rule: {}",
            bad.join("; ")
        )))
    }
}

async fn clear(client: &AsyncStreamingClient, dry_run: bool) -> Result<(), CliError> {
    let before = active(client).await?;
    if before.is_empty() {
        eprintln!("tweetstream: no active rules; nothing to clear");
        return Ok(());
    }
    let resp = client
        .delete_all_rules(dry_run)
        .await
        .map_err(lib("cannot delete the rules"))?;
    check_deleted(&resp)?;
    for r in &before {
        println!("- {}", tsv(r));
    }
    let n = summary_deleted(&resp, before.len());
    if dry_run {
        eprintln!("tweetstream: --dry-run: {n} rule(s) would be deleted; nothing was changed");
    } else {
        eprintln!("tweetstream: deleted {n} rule(s)");
    }
    Ok(())
}

/// One wanted rule of a sync file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    /// Rule value.
    pub value: String,
    /// Tag.
    pub tag: Option<String>,
}

/// A parsed sync file: the rules, and the lines that look like a formatting mistake.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RulesFile {
    /// The wanted rules, in file order.
    pub wanted: Vec<Wanted>,
    /// Lines (1-based) of several words without a TAB, in a file whose other rule lines have
    /// one: most likely a tag separated by spaces, which would make the whole line the value.
    pub lines_without_tab: Vec<usize>,
}

/// Parse a sync file: `VALUE[<TAB>TAG]` per line; blank lines and `#` comments ignored.
pub fn parse_rules_file(text: &str) -> Result<RulesFile, CliError> {
    let mut out: Vec<Wanted> = Vec::new();
    let mut seen = HashSet::new();
    let (mut with_tab, mut without_tab) = (0usize, Vec::new());
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let (value, tag) = match line.split_once('\t') {
            Some((v, t)) => {
                with_tab += 1;
                if t.contains('\t') {
                    return Err(CliError::usage(format!(
                        "line {}: more than one TAB (the format is VALUE<TAB>TAG; a rule value cannot contain a TAB)",
                        i + 1
                    )));
                }
                (v.trim(), Some(t.trim()).filter(|t| !t.is_empty()))
            }
            None => {
                // A single word cannot hide a tag; `VALUE<TAB>` says "no tag" explicitly.
                if line.trim().contains(char::is_whitespace) {
                    without_tab.push(i + 1);
                }
                (line.trim(), None)
            }
        };
        if let Err(e) = tweetstream::rules::check_before_sending(
            value,
            tweetstream::rules::DEFAULT_MAX_RULE_LENGTH,
        ) {
            return Err(CliError::usage(format!(
                "line {}: invalid rule {value:?}: {e}",
                i + 1
            )));
        }
        if !seen.insert(value.to_string()) {
            return Err(CliError::usage(format!(
                "line {}: the rule {value:?} appears twice (X allows each value once)",
                i + 1
            )));
        }
        out.push(Wanted {
            value: value.to_string(),
            tag: tag.map(str::to_string),
        });
    }
    Ok(RulesFile {
        wanted: out,
        lines_without_tab: if with_tab > 0 {
            without_tab
        } else {
            Vec::new()
        },
    })
}

/// Why a sync plan needs `--yes`, if it does: lines that look mistyped, or a plan that
/// deletes every active rule (what a file whose tags are separated by spaces produces).
pub fn needs_confirmation(file: &RulesFile, active: usize, delete: usize) -> Option<String> {
    let mut why = Vec::new();
    if !file.lines_without_tab.is_empty() {
        let shown: Vec<String> = file
            .lines_without_tab
            .iter()
            .take(10)
            .map(usize::to_string)
            .collect();
        why.push(format!(
            "line(s) {}{} have several words and no TAB while the file's other lines have one (a tag separated by spaces becomes part of the rule's value)",
            shown.join(", "),
            if file.lines_without_tab.len() > 10 { ", …" } else { "" }
        ));
    }
    if active > 0 && delete == active {
        why.push(format!(
            "it deletes every active rule ({active}), keeping none"
        ));
    }
    (!why.is_empty()).then(|| why.join("; and "))
}

/// The fewest changes from `active` to `wanted`: rules to delete and rules to add. A rule
/// whose value is wanted with another tag is deleted and added again (tags cannot be edited).
pub fn plan(active: &[StreamRule], wanted: &[Wanted]) -> (Vec<StreamRule>, Vec<Wanted>) {
    let same = |r: &StreamRule, w: &Wanted| r.value == w.value && r.tag == w.tag;
    let delete: Vec<StreamRule> = active
        .iter()
        .filter(|r| !wanted.iter().any(|w| same(r, w)))
        .cloned()
        .collect();
    let add: Vec<Wanted> = wanted
        .iter()
        .filter(|w| !active.iter().any(|r| same(r, w)))
        .cloned()
        .collect();
    (delete, add)
}

async fn sync(
    client: &AsyncStreamingClient,
    file: &Path,
    dry_run: bool,
    yes: bool,
) -> Result<(), CliError> {
    let text = if file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| CliError::failure(format!("cannot read stdin: {e}")))?;
        s
    } else {
        std::fs::read_to_string(file).map_err(|e| {
            // A file error, like every other (exit 1, as the README says).
            CliError::failure(format!("cannot read {}: {e}", file.display()))
        })?
    };
    let parsed = parse_rules_file(&text)?;
    let current = active(client).await?;
    let (delete, add) = plan(&current, &parsed.wanted);
    let confirm = needs_confirmation(&parsed, current.len(), delete.len());
    let kept = current.len() - delete.len();
    for r in &delete {
        println!(
            "- {}\t{}\t(id {})",
            r.value,
            r.tag.as_deref().unwrap_or(""),
            r.id.as_deref().unwrap_or("?")
        );
    }
    for w in &add {
        println!("+ {}\t{}", w.value, w.tag.as_deref().unwrap_or(""));
    }
    let verb = if dry_run { "would delete" } else { "deleted" };
    let verb2 = if dry_run { "would add" } else { "added" };
    if let Some(why) = &confirm {
        if dry_run {
            eprintln!("tweetstream: warning: this sync would need --yes: {why}");
        } else if !yes {
            return Err(CliError::usage(format!(
                "{}: nothing was changed: {why}. Check the file (VALUE<TAB>TAG per line; see `tweetstream rules sync --help`), or pass --yes to apply this plan",
                file.display()
            )));
        }
    }
    if dry_run || (delete.is_empty() && add.is_empty()) {
        eprintln!(
            "tweetstream: sync: {kept} unchanged, {verb} {}, {verb2} {}{}",
            delete.len(),
            add.len(),
            if dry_run {
                " (--dry-run: nothing was changed)"
            } else {
                ""
            }
        );
        return Ok(());
    }
    if !delete.is_empty() {
        let resp = client
            .delete_rules(RuleSelector::from(delete.as_slice()), false)
            .await
            .map_err(lib("cannot delete the rules"))?;
        check_deleted(&resp)?;
    }
    if !add.is_empty() {
        let rules: Vec<StreamRule> = add
            .iter()
            .map(|w| match &w.tag {
                Some(t) => StreamRule::tagged(w.value.clone(), t.clone()),
                None => StreamRule::new(w.value.clone()),
            })
            .collect();
        let resp = client
            .add_rules(rules, false)
            .await
            .map_err(lib("cannot add the rules"))?;
        let bad = rejections(&resp);
        if !bad.is_empty() {
            return Err(CliError::failure(format!(
                "X rejected rule(s) of the file: {}",
                bad.join("; ")
            )));
        }
    }
    eprintln!(
        "tweetstream: sync: {kept} unchanged, {verb} {}, {verb2} {}",
        delete.len(),
        add.len()
    );
    Ok(())
}

fn validate(values: &[String], max_length: usize) -> Result<(), CliError> {
    let mut invalid = Vec::new();
    for v in values {
        match tweetstream::rules::validate(v, max_length) {
            Ok(()) => println!("valid\t{v}"),
            Err(e) if e.is_unsupported_operator() => println!(
                "valid\t{v}\t(X accepts it; tweetstream's local evaluator cannot run: {e})"
            ),
            Err(e) => invalid.push(format!("invalid rule {v:?}: {e}")),
        }
    }
    // One line per invalid rule: the last one is the error line itself.
    let last = invalid.pop();
    for line in &invalid {
        eprintln!("tweetstream: {line}");
    }
    match last {
        None => Ok(()),
        Some(line) => Err(CliError::usage(line)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(id: &str, v: &str, t: Option<&str>) -> StreamRule {
        let mut r = match t {
            Some(t) => StreamRule::tagged(v, t),
            None => StreamRule::new(v),
        };
        r.id = Some(id.into());
        r
    }

    #[test]
    fn a_tag_that_differs_is_named_with_the_fix() {
        let active = vec![rule("7", "cat OR dog", Some("pets"))];
        let w = tag_mismatches(&[StreamRule::tagged("cat OR dog", "animals")], &active);
        assert_eq!(
            w,
            ["rule \"cat OR dog\" is active with [pets], not [animals] (X keeps the first tag); \
              to change it: tweetstream rules delete 7 && tweetstream rules add 'cat OR dog' --tag animals"]
        );
        assert!(tag_mismatches(&[StreamRule::tagged("cat OR dog", "pets")], &active).is_empty());
        assert!(tag_mismatches(&[StreamRule::new("bird")], &active).is_empty());
        let w = tag_mismatches(&[StreamRule::new("cat OR dog")], &active);
        assert!(w[0].contains("with [pets], not no tag"), "{w:?}");
        assert_eq!(quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn sync_plans_the_fewest_changes() {
        let active = vec![
            rule("1", "cat", Some("pets")),
            rule("2", "dog", None),
            rule("3", "rust", Some("old")),
        ];
        let file = parse_rules_file("# comment\ncat\tpets\n\nrust\tnew\nmusic\n").unwrap();
        assert!(file.lines_without_tab.is_empty(), "one word: no tag hidden");
        let (del, add) = plan(&active, &file.wanted);
        let del: Vec<_> = del.iter().map(|r| r.id.clone().unwrap()).collect();
        assert_eq!(del, ["2", "3"]);
        let add: Vec<_> = add.iter().map(|w| w.value.as_str()).collect();
        assert_eq!(add, ["rust", "music"]);
    }

    #[test]
    fn sync_files_are_checked() {
        let e = parse_rules_file("cat\n(dog\n").unwrap_err();
        assert!(e.message.contains("line 2"), "{}", e.message);
        let e = parse_rules_file("cat\tx\ncat\ty\n").unwrap_err();
        assert!(e.message.contains("twice"), "{}", e.message);
        let e = parse_rules_file("cat\tx\ty\n").unwrap_err();
        assert!(
            e.message.contains("line 1: more than one TAB"),
            "{}",
            e.message
        );
    }

    #[test]
    fn plans_that_look_like_mistakes_need_confirmation() {
        // Tags separated by spaces everywhere: no TAB anywhere, but every rule is deleted.
        let spaces = parse_rules_file("cat has:images    cats\ndog    dogs\n").unwrap();
        assert!(spaces.lines_without_tab.is_empty());
        let why = needs_confirmation(&spaces, 4, 4).unwrap();
        assert!(why.contains("deletes every active rule (4)"), "{why}");
        // Mixed: the lines without a TAB are named.
        let mixed = parse_rules_file("cat\tcats\ndog  dogs\nbird\tbirds\nfish  fish\n").unwrap();
        let why = needs_confirmation(&mixed, 4, 1).unwrap();
        assert!(why.contains("line(s) 2, 4"), "{why}");
        // A normal sync needs nothing; neither does a first sync (no active rules).
        assert_eq!(
            needs_confirmation(
                &RulesFile {
                    lines_without_tab: vec![],
                    ..mixed
                },
                4,
                1
            ),
            None
        );
        assert_eq!(needs_confirmation(&spaces, 0, 0), None);
    }
}
