//! The v2 filtered stream's rules API: add, delete, list (tweepy's `add_rules`,
//! `delete_rules`, `get_rules`), on the async client and, blocking, on
//! [`StreamingClient`](crate::blocking::StreamingClient).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use futures_util::StreamExt;

use crate::auth::{Auth, Bearer};
use crate::blocking::Blocking;
use crate::client::{Async, Client};
use crate::endpoint::Attempt;
use crate::error::{http_error, ConnectionError, ConnectionErrorKind, RateLimit};
use crate::models::v2::{RuleCounts, RulesResponse, StreamRule};
use crate::Error;

const RULES_PATH: &str = "2/tweets/search/stream/rules";

/// Which rules to delete: by id or by value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuleSelector {
    /// Rule ids.
    Ids(Vec<String>),
    /// Rule values (the rule text).
    Values(Vec<String>),
}

impl RuleSelector {
    /// Select by ids.
    pub fn ids<I: IntoIterator<Item = S>, S: ToString>(ids: I) -> RuleSelector {
        RuleSelector::Ids(ids.into_iter().map(|s| s.to_string()).collect())
    }
    /// Select by values.
    pub fn values<I: IntoIterator<Item = S>, S: Into<String>>(values: I) -> RuleSelector {
        RuleSelector::Values(values.into_iter().map(Into::into).collect())
    }
}

impl From<&[StreamRule]> for RuleSelector {
    /// Rules with an id are selected by id; all of them must have one (else by value).
    fn from(rules: &[StreamRule]) -> RuleSelector {
        if rules.iter().all(|r| r.id.is_some()) {
            RuleSelector::Ids(rules.iter().filter_map(|r| r.id.clone()).collect())
        } else {
            RuleSelector::Values(rules.iter().map(|r| r.value.clone()).collect())
        }
    }
}

impl From<Vec<StreamRule>> for RuleSelector {
    fn from(rules: Vec<StreamRule>) -> RuleSelector {
        RuleSelector::from(rules.as_slice())
    }
}

/// One page of `GET /2/tweets/search/stream/rules`: which rules, how many, from where.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RulesQuery {
    /// Only these rule ids (at most 1,000).
    pub ids: Vec<String>,
    /// Rules per page, 1–1000 (X's default 1,000).
    pub max_results: Option<u32>,
    /// The `meta.next_token` of the previous page (16 characters).
    pub pagination_token: Option<String>,
}

impl RulesQuery {
    /// The first page, X's defaults.
    pub fn new() -> RulesQuery {
        RulesQuery::default()
    }

    /// Only these rule ids.
    pub fn ids<I: IntoIterator<Item = S>, S: ToString>(mut self, ids: I) -> Self {
        self.ids = ids.into_iter().map(|s| s.to_string()).collect();
        self
    }

    /// Rules per page (1–1000).
    pub fn max_results(mut self, n: u32) -> Self {
        self.max_results = Some(n);
        self
    }

    /// The page after the one whose `meta.next_token` this is.
    pub fn pagination_token(mut self, token: impl Into<String>) -> Self {
        self.pagination_token = Some(token.into());
        self
    }

    /// Check the values against X's limits, before any request.
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(n) = self.max_results {
            if !(1..=1000).contains(&n) {
                return Err(Error::invalid(
                    "max_results",
                    format!("{n} is out of range: it must be between 1 and 1000"),
                ));
            }
        }
        if let Some(t) = &self.pagination_token {
            if t.len() != 16 || !t.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(Error::invalid(
                    "pagination_token",
                    "must be the 16-character meta.next_token of a previous page",
                ));
            }
        }
        if self.ids.len() > 1000 {
            return Err(Error::invalid(
                "ids",
                format!("{} ids given; the limit is 1000", self.ids.len()),
            ));
        }
        Ok(())
    }

    fn pairs(&self) -> Vec<(String, String)> {
        let mut q = Vec::new();
        if !self.ids.is_empty() {
            q.push(("ids".to_string(), self.ids.join(",")));
        }
        if let Some(n) = self.max_results {
            q.push(("max_results".to_string(), n.to_string()));
        }
        if let Some(t) = &self.pagination_token {
            q.push(("pagination_token".to_string(), t.clone()));
        }
        q
    }
}

/// Which `rules_count.fields` to ask `GET /2/tweets/search/stream/rules/counts` for.
pub const RULES_COUNT_FIELDS: &[&str] = &[
    "all_project_client_apps",
    "cap_per_client_app",
    "cap_per_project",
    "client_app_rules_count",
    "project_rules_count",
];

impl Client<Bearer, Async> {
    /// Add rules (`POST /2/tweets/search/stream/rules` with `{"add": […]}`). Each value is
    /// validated offline first ([`rules::validate`](crate::rules::validate)); per-rule rejections
    /// by X (duplicate, invalid) come back in `errors` of the response, not as an `Err`.
    pub async fn add_rules<I, R>(&self, rules: I, dry_run: bool) -> Result<RulesResponse, Error>
    where
        I: IntoIterator<Item = R>,
        R: Into<StreamRule>,
    {
        let rules: Vec<StreamRule> = rules.into_iter().map(Into::into).collect();
        if rules.is_empty() {
            return Err(Error::invalid("add", "at least one rule is required"));
        }
        let max = self.settings().max_rule_length;
        for r in &rules {
            crate::rules::check_before_sending(&r.value, max).map_err(|source| {
                Error::InvalidRule {
                    value: r.value.clone(),
                    source,
                }
            })?;
        }
        let add: Vec<serde_json::Value> = rules
            .iter()
            .map(|r| match &r.tag {
                Some(t) => serde_json::json!({"value": r.value, "tag": t}),
                None => serde_json::json!({"value": r.value}),
            })
            .collect();
        self.post_rules(serde_json::json!({ "add": add }), dry_run)
            .await
    }

    /// Delete rules by id or by value (`POST … {"delete": {"ids"|"values": […]}}`).
    pub async fn delete_rules(
        &self,
        which: impl Into<RuleSelector>,
        dry_run: bool,
    ) -> Result<RulesResponse, Error> {
        let body = match which.into() {
            RuleSelector::Ids(ids) if ids.is_empty() => {
                return Err(Error::invalid("ids", "at least one rule id is required"))
            }
            RuleSelector::Values(v) if v.is_empty() => {
                return Err(Error::invalid(
                    "values",
                    "at least one rule value is required",
                ))
            }
            RuleSelector::Ids(ids) => {
                if let Some(bad) = ids.iter().find(|i| {
                    i.is_empty() || i.len() > 19 || !i.bytes().all(|b| b.is_ascii_digit())
                }) {
                    return Err(Error::invalid(
                        "ids",
                        format!("{bad:?} is not a rule id (1 to 19 digits)"),
                    ));
                }
                serde_json::json!({"delete": {"ids": ids}})
            }
            RuleSelector::Values(values) => serde_json::json!({"delete": {"values": values}}),
        };
        self.post_rules(body, dry_run).await
    }

    /// Delete every rule, however many pages they fill: X's `delete_all=true`. With `dry_run`
    /// (which X does not combine with `delete_all`), every rule is listed and a dry-run
    /// delete of their ids is sent instead.
    pub async fn delete_all_rules(&self, dry_run: bool) -> Result<RulesResponse, Error> {
        if dry_run {
            let ids: Vec<String> = self
                .all_rules()
                .await?
                .into_iter()
                .filter_map(|r| r.id)
                .collect();
            if ids.is_empty() {
                return Ok(RulesResponse::default());
            }
            return self.delete_rules(RuleSelector::Ids(ids), true).await;
        }
        let query = [("delete_all".to_string(), "true".to_string())];
        let url = Attempt::new(&self.settings().api_base, None).url(RULES_PATH, &query);
        // X's schema wants a body; with delete_all it names nothing.
        self.rest(json_post(url.as_str(), r#"{"delete":{}}"#.into())?)
            .await
    }

    /// List rules (`GET /2/tweets/search/stream/rules`), optionally only the given ids: the
    /// first page (up to 1,000 rules; see [`rules_page`](Self::rules_page) and
    /// [`all_rules`](Self::all_rules) for more).
    pub async fn get_rules<S: AsRef<str>>(&self, ids: &[S]) -> Result<RulesResponse, Error> {
        self.rules_page(&RulesQuery::new().ids(ids.iter().map(|s| s.as_ref())))
            .await
    }

    /// One page of rules; its `meta.next_token` is the next page's `pagination_token`.
    pub async fn rules_page(&self, query: &RulesQuery) -> Result<RulesResponse, Error> {
        query.validate()?;
        let req = Attempt::new(&self.settings().api_base, None).get(RULES_PATH, &query.pairs())?;
        self.rest(req).await
    }

    /// Every page of rules, in order, as a stream (`max_results` rules per page, X's 1,000 by
    /// default). It ends after the last page or the first error.
    pub fn rule_pages(
        &self,
        max_results: Option<u32>,
    ) -> impl futures_core::Stream<Item = Result<RulesResponse, Error>> + Send + '_ {
        let first = RulesQuery {
            max_results,
            ..RulesQuery::default()
        };
        futures_util::stream::unfold(Some(first), move |next| async move {
            let query = next?;
            match self.rules_page(&query).await {
                Ok(page) => {
                    let after = page.meta.next_token.clone().map(|t| RulesQuery {
                        pagination_token: Some(t),
                        ..query.clone()
                    });
                    Some((Ok(page), after))
                }
                Err(e) => Some((Err(e), None)),
            }
        })
    }

    /// Every rule, however many pages they fill (enterprise apps hold up to 25,000).
    pub async fn all_rules(&self) -> Result<Vec<StreamRule>, Error> {
        let mut all = Vec::new();
        let mut pages = std::pin::pin!(self.rule_pages(None));
        while let Some(page) = pages.next().await {
            all.extend(page?.data);
        }
        Ok(all)
    }

    /// The app's and project's rule counts and caps (`GET
    /// /2/tweets/search/stream/rules/counts`), with these `rules_count.fields` (empty: X's
    /// defaults; see [`RULES_COUNT_FIELDS`]).
    pub async fn rule_counts<S: AsRef<str>>(&self, fields: &[S]) -> Result<RuleCounts, Error> {
        let fields: Vec<String> = fields.iter().map(|f| f.as_ref().to_string()).collect();
        if let Some(bad) = fields
            .iter()
            .find(|f| !RULES_COUNT_FIELDS.contains(&f.as_str()))
        {
            return Err(Error::invalid(
                "rules_count.fields",
                format!(
                    "unknown value `{bad}`; accepted values are: {}",
                    RULES_COUNT_FIELDS.join(", ")
                ),
            ));
        }
        let mut query = Vec::new();
        if !fields.is_empty() {
            query.push(("rules_count.fields".to_string(), fields.join(",")));
        }
        let req = Attempt::new(&self.settings().api_base, None)
            .get(&format!("{RULES_PATH}/counts"), &query)?;
        self.rest(req).await
    }

    async fn post_rules(
        &self,
        body: serde_json::Value,
        dry_run: bool,
    ) -> Result<RulesResponse, Error> {
        let mut query = Vec::new();
        if dry_run {
            query.push(("dry_run".to_string(), "true".to_string()));
        }
        let url = Attempt::new(&self.settings().api_base, None).url(RULES_PATH, &query);
        self.rest(json_post(url.as_str(), body.to_string())?).await
    }

    /// One REST call with the bearer token, the request timeout and the 429 policy.
    async fn rest<T: serde::de::DeserializeOwned>(
        &self,
        request: http::Request<Bytes>,
    ) -> Result<T, Error> {
        const MAX_RATE_LIMIT_WAITS: u32 = 16;
        let timeout = self.settings().request_timeout;
        let mut waits = 0;
        loop {
            let mut req = request.clone();
            self.auth().authorize(&mut req)?;
            let call = async {
                let resp = self.connector().send(req).await?;
                let status = resp.status().as_u16();
                let rate_limit = RateLimit::from_headers(resp.headers());
                let mut body = Vec::new();
                let mut stream = resp.into_body();
                while let Some(chunk) = stream.next().await {
                    body.extend_from_slice(&chunk?);
                }
                Ok::<_, ConnectionError>((status, rate_limit, body))
            };
            let (status, rate_limit, body) = match tokio::time::timeout(timeout, call).await {
                Ok(r) => r.map_err(Error::Connection)?,
                Err(_) => {
                    return Err(Error::Connection(ConnectionError::new(
                        ConnectionErrorKind::Timeout,
                        format!("no complete answer within {timeout:?}"),
                    )))
                }
            };
            if (200..300).contains(&status) {
                return crate::models::decode_json::<T>(&body)
                    .map_err(|e| Error::decode(e, Bytes::from(body)));
            }
            if status == 429 && self.settings().wait_on_rate_limit && waits < MAX_RATE_LIMIT_WAITS {
                let Some(reset) = rate_limit.and_then(|r| r.reset) else {
                    return Err(Error::RateLimitedNoReset);
                };
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                // At least one second, so a reset in the past never causes a hot loop.
                let wait = Duration::from_secs(reset.saturating_sub(now) + 1);
                tracing::warn!(
                    "Rate limit exceeded. Sleeping for {} seconds.",
                    wait.as_secs()
                );
                tokio::time::sleep(wait).await;
                waits += 1;
                continue;
            }
            return Err(Error::Http(Box::new(http_error(status, &body, rate_limit))));
        }
    }
}

/// A JSON `POST`.
fn json_post(url: &str, body: String) -> Result<http::Request<Bytes>, Error> {
    http::Request::post(url)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(Bytes::from(body))
        .map_err(|_| Error::invalid("api_base", "not a valid HTTP request target"))
}

impl Client<Bearer, Blocking> {
    /// Add rules; see [`Client::add_rules`](Client#method.add_rules-1).
    pub fn add_rules<I, R>(&self, rules: I, dry_run: bool) -> Result<RulesResponse, Error>
    where
        I: IntoIterator<Item = R>,
        R: Into<StreamRule>,
    {
        self.block_on(self.as_async().add_rules(rules, dry_run))
    }

    /// Delete rules by id or value.
    pub fn delete_rules(
        &self,
        which: impl Into<RuleSelector>,
        dry_run: bool,
    ) -> Result<RulesResponse, Error> {
        self.block_on(self.as_async().delete_rules(which, dry_run))
    }

    /// Delete every rule.
    pub fn delete_all_rules(&self, dry_run: bool) -> Result<RulesResponse, Error> {
        self.block_on(self.as_async().delete_all_rules(dry_run))
    }

    /// List rules (the first page).
    pub fn get_rules<S: AsRef<str>>(&self, ids: &[S]) -> Result<RulesResponse, Error> {
        self.block_on(self.as_async().get_rules(ids))
    }

    /// One page of rules.
    pub fn rules_page(&self, query: &RulesQuery) -> Result<RulesResponse, Error> {
        self.block_on(self.as_async().rules_page(query))
    }

    /// Every page of rules, in order, as an iterator (it stops after the first error).
    pub fn rule_pages(
        &self,
        max_results: Option<u32>,
    ) -> impl Iterator<Item = Result<RulesResponse, Error>> + '_ {
        let client = self.as_async();
        let mut next = Some(RulesQuery {
            max_results,
            ..RulesQuery::default()
        });
        std::iter::from_fn(move || {
            let query = next.take()?;
            let page = self.block_on(client.rules_page(&query));
            if let Ok(p) = &page {
                next = p.meta.next_token.clone().map(|t| RulesQuery {
                    pagination_token: Some(t),
                    ..query
                });
            }
            Some(page)
        })
    }

    /// Every rule, however many pages they fill.
    pub fn all_rules(&self) -> Result<Vec<StreamRule>, Error> {
        self.block_on(self.as_async().all_rules())
    }

    /// Rule counts and caps.
    pub fn rule_counts<S: AsRef<str>>(&self, fields: &[S]) -> Result<RuleCounts, Error> {
        self.block_on(self.as_async().rule_counts(fields))
    }
}
