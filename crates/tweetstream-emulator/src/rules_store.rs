//! The v2 filtered-stream rules, stored per app (bearer token).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::watch;
use tweetstream_rules::{Rule, RuleError};

/// A stored rule, as returned by [`crate::EmulatorHandle::rules`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    /// The rule id (a 19-digit string).
    pub id: String,
    /// The rule text.
    pub value: String,
    /// The tag, if one was given.
    pub tag: Option<String>,
}

pub(crate) struct StoredRule {
    pub id: String,
    pub value: String,
    pub tag: Option<String>,
    pub rule: Rule,
}

impl StoredRule {
    fn info(&self) -> RuleInfo {
        RuleInfo {
            id: self.id.clone(),
            value: self.value.clone(),
            tag: self.tag.clone(),
        }
    }

    fn json(&self) -> Value {
        let mut v = json!({"id": self.id, "value": self.value});
        if let Some(t) = &self.tag {
            v["tag"] = json!(t);
        }
        v
    }

    /// The tag for `matching_rules` (`""` when none).
    pub fn tag_str(&self) -> &str {
        self.tag.as_deref().unwrap_or("")
    }
}

/// The rules of one app. Readers take an `Arc` snapshot; writers replace it under the lock
/// and bump `version` (which also wakes streams waiting for a change).
pub(crate) struct AppRules {
    rules: RwLock<Arc<Vec<Arc<StoredRule>>>>,
    version: watch::Sender<u64>,
    /// Serialises read-modify-write cycles so that no concurrent change is lost.
    write: Mutex<()>,
}

impl AppRules {
    fn new() -> AppRules {
        AppRules {
            rules: RwLock::new(Arc::new(Vec::new())),
            version: watch::Sender::new(0),
            write: Mutex::new(()),
        }
    }

    pub fn snapshot(&self) -> Arc<Vec<Arc<StoredRule>>> {
        match self.rules.read() {
            Ok(g) => Arc::clone(&g),
            Err(p) => Arc::clone(&p.into_inner()),
        }
    }

    pub fn version(&self) -> u64 {
        *self.version.borrow()
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.version.subscribe()
    }

    /// Run `f` on the current rules; when it returns `Some(new)`, store it atomically.
    fn modify<R>(
        &self,
        f: impl FnOnce(&Arc<Vec<Arc<StoredRule>>>) -> (Option<Vec<Arc<StoredRule>>>, R),
    ) -> R {
        let _w = self.write.lock().unwrap_or_else(|p| p.into_inner());
        let current = self.snapshot();
        let (new, r) = f(&current);
        if let Some(new) = new {
            let mut g = self.rules.write().unwrap_or_else(|p| p.into_inner());
            *g = Arc::new(new);
            drop(g);
            self.version.send_modify(|v| *v += 1);
        }
        r
    }
}

/// All apps' rules plus the id generator.
pub(crate) struct RulesStore {
    apps: Mutex<HashMap<String, Arc<AppRules>>>,
    next_id: Mutex<u64>,
}

/// Why one rule of an add request was not created.
enum AddProblem {
    Invalid(RuleError),
    Duplicate(String),
}

/// The outcome of a rules POST: HTTP status, body, and (added, deleted) counts.
pub(crate) struct PostOutcome {
    pub status: u16,
    pub body: Value,
    pub added: usize,
    pub deleted: usize,
}

pub(crate) enum DeleteSelector {
    Ids(Vec<String>),
    Values(Vec<String>),
    Both(Vec<String>, Vec<String>),
    All,
}

impl RulesStore {
    pub fn new(seed: u64) -> RulesStore {
        // Snowflake-like 19-digit ids; the seed moves the starting point deterministically.
        let start = 1_600_000_000_000_000_000u64 + (seed % 1_000_000) * 1_000_000_000;
        RulesStore {
            apps: Mutex::new(HashMap::new()),
            next_id: Mutex::new(start),
        }
    }

    pub fn app(&self, name: &str) -> Arc<AppRules> {
        let mut apps = self.apps.lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(
            apps.entry(name.to_string())
                .or_insert_with(|| Arc::new(AppRules::new())),
        )
    }

    fn new_id(&self) -> String {
        let mut n = self.next_id.lock().unwrap_or_else(|p| p.into_inner());
        *n += 1 + (*n % 7) * 4096;
        n.to_string()
    }

    pub fn list(&self, app: &str) -> Vec<RuleInfo> {
        self.app(app).snapshot().iter().map(|r| r.info()).collect()
    }

    /// `GET /2/tweets/search/stream/rules` body data (filtered by ids).
    pub fn lookup(&self, app: &str, ids: Option<&[String]>) -> Vec<Value> {
        self.app(app)
            .snapshot()
            .iter()
            .filter(|r| ids.map_or(true, |ids| ids.iter().any(|i| *i == r.id)))
            .map(|r| r.json())
            .collect()
    }

    /// Add rules. `rules` = (value, tag).
    pub fn add(
        &self,
        app: &str,
        rules: Vec<(String, Option<String>)>,
        dry_run: bool,
        max_len: usize,
        max_rules: usize,
        sent: &str,
    ) -> PostOutcome {
        let total = rules.len();
        self.app(app).modify(|current| {
            let mut problems: Vec<(String, AddProblem)> = Vec::new();
            let mut fresh: Vec<Arc<StoredRule>> = Vec::new();
            for (value, tag) in rules {
                if let Err(e) = tweetstream_rules::validate(&value, max_len) {
                    problems.push((value, AddProblem::Invalid(e)));
                    continue;
                }
                let existing = current
                    .iter()
                    .chain(fresh.iter())
                    .find(|r| r.value == value)
                    .map(|r| r.id.clone());
                if let Some(id) = existing {
                    problems.push((value, AddProblem::Duplicate(id)));
                    continue;
                }
                match Rule::parse(&value) {
                    Ok(rule) => fresh.push(Arc::new(StoredRule {
                        id: self.new_id(),
                        value,
                        tag,
                        rule,
                    })),
                    Err(e) => problems.push((value, AddProblem::Invalid(e))),
                }
            }
            let mut errors: Vec<Value> = problems
                .iter()
                .map(|(value, p)| match p {
                    AddProblem::Invalid(e) => json!({
                        "value": value,
                        "details": e.details,
                        "title": "UnprocessableEntity",
                        "type": "https://api.twitter.com/2/problems/invalid-rules"
                    }),
                    AddProblem::Duplicate(id) => json!({
                        "value": value,
                        "id": id,
                        "title": "DuplicateRule",
                        "type": "https://api.twitter.com/2/problems/duplicate-rules"
                    }),
                })
                .collect();
            let any_invalid = problems
                .iter()
                .any(|(_, p)| matches!(p, AddProblem::Invalid(_)));
            let invalid = problems.len();
            // X validates the whole request: one rule with bad syntax (or too long) and
            // nothing is created. Duplicates only skip themselves.
            if any_invalid {
                fresh.clear();
            } else if current.len() + fresh.len() > max_rules && !fresh.is_empty() {
                errors.push(json!({
                    "title": "RulesCapProblem",
                    "detail": format!(
                        "Rule creation would exceed the maximum number of rules ({max_rules}); the app has {} rules and the request adds {}.",
                        current.len(),
                        fresh.len()
                    ),
                    "type": "https://api.twitter.com/2/problems/rule-cap"
                }));
                fresh.clear();
            }
            let created = fresh.len();
            let mut body = json!({
                "meta": {
                    "sent": sent,
                    "summary": {
                        "created": created,
                        "not_created": total - created,
                        "valid": total - invalid,
                        "invalid": invalid
                    }
                }
            });
            if created > 0 {
                body["data"] = Value::Array(fresh.iter().map(|r| r.json()).collect());
            }
            if !errors.is_empty() {
                body["errors"] = Value::Array(errors);
            }
            let status = if created > 0 { 201 } else { 200 };
            let new = if created > 0 && !dry_run {
                let mut v: Vec<Arc<StoredRule>> = Vec::with_capacity(current.len() + created);
                v.extend(current.iter().cloned());
                v.extend(fresh);
                Some(v)
            } else {
                None
            };
            let added = if dry_run { 0 } else { created };
            (
                new,
                PostOutcome {
                    status,
                    body,
                    added,
                    deleted: 0,
                },
            )
        })
    }

    /// Delete rules.
    pub fn delete(&self, app: &str, sel: DeleteSelector, dry_run: bool, sent: &str) -> PostOutcome {
        self.app(app).modify(|current| {
            let (ids, values, all) = match sel {
                DeleteSelector::Ids(i) => (i, Vec::new(), false),
                DeleteSelector::Values(v) => (Vec::new(), v, false),
                DeleteSelector::Both(i, v) => (i, v, false),
                DeleteSelector::All => (Vec::new(), Vec::new(), true),
            };
            let mut missing_ids = Vec::new();
            let mut missing_values = Vec::new();
            let mut remove: Vec<bool> = vec![all; current.len()];
            for id in &ids {
                match current.iter().position(|r| r.id == *id) {
                    Some(ix) if !remove[ix] => remove[ix] = true,
                    Some(_) => {}
                    None => missing_ids.push(id.clone()),
                }
            }
            for value in &values {
                match current.iter().position(|r| r.value == *value) {
                    Some(ix) if !remove[ix] => remove[ix] = true,
                    Some(_) => {}
                    None => missing_values.push(value.clone()),
                }
            }
            let deleted = remove.iter().filter(|r| **r).count();
            let not_deleted = missing_ids.len() + missing_values.len();
            let mut body = json!({
                "meta": {"sent": sent, "summary": {"deleted": deleted, "not_deleted": not_deleted}}
            });
            let mut errors = Vec::new();
            for (param, list) in [("ids", &missing_ids), ("values", &missing_values)] {
                for item in list.iter() {
                    errors.push(json!({
                        "errors": [{"parameters": {param: [item]}, "message": "Rule does not exist"}],
                        "title": "Invalid Request",
                        "detail": "One or more parameters to your request was invalid.",
                        "type": "https://api.twitter.com/2/problems/invalid-request"
                    }));
                }
            }
            if !errors.is_empty() {
                body["errors"] = Value::Array(errors);
            }
            let new = if deleted > 0 && !dry_run {
                Some(
                    current
                        .iter()
                        .zip(remove.iter())
                        .filter(|(_, rm)| !**rm)
                        .map(|(r, _)| Arc::clone(r))
                        .collect(),
                )
            } else {
                None
            };
            (
                new,
                PostOutcome {
                    status: 200,
                    body,
                    added: 0,
                    deleted: if dry_run { 0 } else { deleted },
                },
            )
        })
    }
}
