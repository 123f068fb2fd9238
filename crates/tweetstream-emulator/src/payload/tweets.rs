//! The v2 tweet streams: `search` (the app's rules, with `matching_rules`), `sample`,
//! `sample10`, `firehose` and the language firehoses (only tweets in that language).

use std::sync::Arc;

use serde_json::Value;
use tokio::sync::watch;

use super::{id_num, Cx, Open, Payload, StreamKind};
use crate::data::{MatchedRule, Shape, V2Renderer};
use crate::rules_store::{AppRules, StoredRule};
use crate::scenario::StreamEndpoint;

/// The field and expansion parameters of the tweet streams.
pub(crate) const PARAMS: &[&str] = &[
    "expansions",
    "media.fields",
    "place.fields",
    "poll.fields",
    "tweet.fields",
    "user.fields",
];

pub(crate) const KIND: StreamKind = StreamKind {
    params: PARAMS,
    open,
    id_of,
};

fn open(req: &Open<'_>) -> Result<Box<dyn Payload>, Value> {
    let shape = Shape::from_query(req.query)?;
    let select = match req.endpoint {
        StreamEndpoint::V2Filtered => Select::Rules(req.shared.rules.app(req.app)),
        StreamEndpoint::V2FirehoseEn => Select::Lang("en"),
        StreamEndpoint::V2FirehoseJa => Select::Lang("ja"),
        StreamEndpoint::V2FirehoseKo => Select::Lang("ko"),
        StreamEndpoint::V2FirehosePt => Select::Lang("pt"),
        _ => Select::All,
    };
    Ok(Box::new(Tweets::new(V2Renderer::new(shape), select)))
}

fn id_of(message: &Value) -> Option<u64> {
    id_num(message.get("data")?.get("id")?)
}

/// What a tweet stream lets through.
pub(crate) enum Select {
    /// Every tweet.
    All,
    /// Tweets matching the app's rules (the filtered stream).
    Rules(Arc<AppRules>),
    /// Tweets in this language (BCP 47 code).
    Lang(&'static str),
}

/// v2 tweet payloads: `{"data":…,"includes":…,"matching_rules":…}`.
pub(crate) struct Tweets {
    renderer: V2Renderer,
    select: Select,
    rules_rx: Option<watch::Receiver<u64>>,
    /// The rules as of the current batch (version, rules).
    snapshot: Option<(u64, Arc<Vec<Arc<StoredRule>>>)>,
}

impl Tweets {
    pub(crate) fn new(renderer: V2Renderer, select: Select) -> Tweets {
        let rules_rx = match &select {
            Select::Rules(app) => Some(app.subscribe()),
            _ => None,
        };
        Tweets {
            renderer,
            select,
            rules_rx,
            snapshot: None,
        }
    }
}

impl Payload for Tweets {
    fn begin_batch(&mut self, _cx: &Cx<'_>) {
        let Select::Rules(app) = &self.select else {
            return;
        };
        let v = app.version();
        if !matches!(&self.snapshot, Some((ver, _)) if *ver == v) {
            self.snapshot = Some((v, app.snapshot()));
        }
    }

    fn write_event(&mut self, cx: &Cx<'_>, seq: u64, out: &mut Vec<u8>) -> Option<u64> {
        let tweet = cx.source.get(seq);
        match &self.select {
            Select::All => self.renderer.write(&tweet, None, out),
            Select::Lang(lang) => {
                if tweet.lang() != Some(*lang) {
                    return None;
                }
                self.renderer.write(&tweet, None, out);
            }
            Select::Rules(_) => {
                let rules = self
                    .snapshot
                    .as_ref()
                    .map(|s| s.1.as_slice())
                    .unwrap_or(&[]);
                let input = tweet.rule_input();
                let matched: Vec<MatchedRule<'_>> = rules
                    .iter()
                    .filter(|r| r.rule.matches(input))
                    .map(|r| MatchedRule {
                        id: &r.id,
                        tag: r.tag_str(),
                    })
                    .collect();
                if matched.is_empty() {
                    return None;
                }
                self.renderer.write(&tweet, Some(&matched), out);
            }
        }
        Some(tweet.id())
    }

    fn changes(&mut self) -> Option<&mut watch::Receiver<u64>> {
        self.rules_rx.as_mut()
    }
}
