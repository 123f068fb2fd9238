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
use crate::models::v2::{RulesResponse, StreamRule};
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

    /// Delete every rule: lists them, then deletes them by id.
    pub async fn delete_all_rules(&self, dry_run: bool) -> Result<RulesResponse, Error> {
        let rules = self.get_rules(&[] as &[&str]).await?;
        if rules.data.is_empty() {
            return Ok(rules);
        }
        let ids: Vec<String> = rules.data.iter().filter_map(|r| r.id.clone()).collect();
        self.delete_rules(RuleSelector::Ids(ids), dry_run).await
    }

    /// List rules (`GET /2/tweets/search/stream/rules`), optionally only the given ids.
    pub async fn get_rules<S: AsRef<str>>(&self, ids: &[S]) -> Result<RulesResponse, Error> {
        let mut query = Vec::new();
        if !ids.is_empty() {
            let joined = ids.iter().map(|s| s.as_ref()).collect::<Vec<_>>().join(",");
            query.push(("ids".to_string(), joined));
        }
        let req = Attempt::new(&self.settings().api_base, None).get(RULES_PATH, &query)?;
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
        let req = http::Request::post(url.as_str())
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(Bytes::from(body.to_string()))
            .map_err(|_| Error::invalid("api_base", "not a valid HTTP request target"))?;
        self.rest(req).await
    }

    /// One REST call with the bearer token, the request timeout and the 429 policy.
    async fn rest(&self, request: http::Request<Bytes>) -> Result<RulesResponse, Error> {
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
                return crate::models::decode_json::<RulesResponse>(&body)
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

    /// List rules.
    pub fn get_rules<S: AsRef<str>>(&self, ids: &[S]) -> Result<RulesResponse, Error> {
        self.block_on(self.as_async().get_rules(ids))
    }
}
