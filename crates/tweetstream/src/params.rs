//! Parameters of the v2 streams, validated before any request against the names X accepts.

use crate::streams::StreamInfo;
use crate::Error;

static EMPTY: Vec<String> = Vec::new();

/// A clock time as RFC 3339 (UTC, seconds).
fn rfc3339(at: std::time::SystemTime) -> String {
    let t = time::OffsetDateTime::from(at);
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    t.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_default()
}

/// Accepted `tweet.fields` (X API v2 OpenAPI 2.159).
pub const TWEET_FIELDS: &[&str] = &[
    "article",
    "attachments",
    "author_id",
    "card_uri",
    "community_id",
    "context_annotations",
    "conversation_id",
    "created_at",
    "display_text_range",
    "edit_controls",
    "edit_history_tweet_ids",
    "entities",
    "geo",
    "id",
    "in_reply_to_user_id",
    "lang",
    "media_metadata",
    "non_public_metrics",
    "note_tweet",
    "organic_metrics",
    "possibly_sensitive",
    "promoted_metrics",
    "public_metrics",
    "referenced_tweets",
    "reply_settings",
    "scopes",
    "source",
    "suggested_source_links",
    "suggested_source_links_with_counts",
    "text",
    "withheld",
];

/// Accepted `expansions`.
pub const EXPANSIONS: &[&str] = &[
    "article.cover_media",
    "article.media_entities",
    "attachments.media_keys",
    "attachments.media_source_tweet",
    "attachments.poll_ids",
    "author_id",
    "edit_history_tweet_ids",
    "entities.mentions.username",
    "geo.place_id",
    "in_reply_to_user_id",
    "entities.note.mentions.username",
    "referenced_tweets.id",
    "referenced_tweets.id.attachments.media_keys",
    "referenced_tweets.id.author_id",
];

/// Accepted `media.fields`.
pub const MEDIA_FIELDS: &[&str] = &[
    "alt_text",
    "duration_ms",
    "height",
    "media_key",
    "non_public_metrics",
    "organic_metrics",
    "preview_image_url",
    "promoted_metrics",
    "public_metrics",
    "type",
    "url",
    "variants",
    "width",
];

/// Accepted `poll.fields`.
pub const POLL_FIELDS: &[&str] = &[
    "duration_minutes",
    "end_datetime",
    "id",
    "options",
    "voting_status",
];

/// Accepted `user.fields`.
pub const USER_FIELDS: &[&str] = &[
    "affiliation",
    "confirmed_email",
    "connection_status",
    "created_at",
    "description",
    "entities",
    "id",
    "is_identity_verified",
    "location",
    "most_recent_tweet_id",
    "name",
    "parody",
    "pinned_tweet_id",
    "profile_banner_url",
    "profile_image_url",
    "protected",
    "public_metrics",
    "receives_your_dm",
    "subscription",
    "subscription_type",
    "url",
    "username",
    "verified",
    "verified_followers_count",
    "verified_type",
    "withheld",
];

/// Accepted `place.fields`.
pub const PLACE_FIELDS: &[&str] = &[
    "contained_within",
    "country",
    "country_code",
    "full_name",
    "geo",
    "id",
    "name",
    "place_type",
];

/// Parameters of `sample` and `filter` (tweepy's keyword arguments).
///
/// ```
/// use tweetstream::StreamParams;
///
/// let params = StreamParams::new()
///     .tweet_fields(["created_at", "author_id"])
///     .expansions(["author_id"])
///     .user_fields(["username", "verified"]);
/// assert!(params.validate().is_ok());
/// let bad = StreamParams::new().tweet_fields(["created"]);
/// let err = bad.validate().unwrap_err().to_string();
/// assert!(err.contains("tweet.fields") && err.contains("created") && err.contains("created_at"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamParams {
    /// Minutes of recent tweets to replay first (0–5), on every connection (tweepy's
    /// parameter). See also `backfill_on_reconnect`.
    pub backfill_minutes: Option<u32>,
    /// Gapless reconnects: each reconnect after data asks X to replay the minutes since the
    /// connection last received anything (`backfill_minutes`, 1–5), and tweets already delivered are dropped (a
    /// window of the last 100,000 ids; counted in `Stats::duplicates_dropped`). The first
    /// connection asks for `backfill_minutes` only if that is set. The replay works in whole
    /// minutes, so it can also bring tweets posted shortly before the first connection. X
    /// grants backfill to some access levels only.
    pub backfill_on_reconnect: bool,
    /// `expansions`.
    pub expansions: Vec<String>,
    /// `media.fields`.
    pub media_fields: Vec<String>,
    /// `place.fields`.
    pub place_fields: Vec<String>,
    /// `poll.fields`.
    pub poll_fields: Vec<String>,
    /// `tweet.fields`.
    pub tweet_fields: Vec<String>,
    /// `user.fields`.
    pub user_fields: Vec<String>,
    /// `partition` for partitioned streams (firehose 1–20, sample10 1–2, …; see
    /// [`STREAMS`](crate::streams::STREAMS)).
    pub partition: Option<u32>,
    /// `start_time` (RFC 3339): replay from this moment (recovery after an outage longer than
    /// backfill covers; X keeps a few days, depending on access).
    pub start_time: Option<String>,
    /// `end_time` (RFC 3339, after `start_time`): the stream ends cleanly when the window has
    /// been delivered.
    pub end_time: Option<String>,
    /// `like_with_tweet_author.fields` (likes streams).
    pub like_fields: Vec<String>,
    /// Extra query parameters sent as they are (not validated).
    pub extra: Vec<(String, String)>,
}

fn strings<I, S>(v: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    v.into_iter().map(|s| s.as_ref().to_string()).collect()
}

impl StreamParams {
    /// No parameters: X's default fields (`id`, `text`, `edit_history_tweet_ids`).
    pub fn new() -> StreamParams {
        StreamParams::default()
    }

    /// Replay what a reconnect missed, without duplicates (see the field's docs).
    pub fn backfill_on_reconnect(mut self) -> Self {
        self.backfill_on_reconnect = true;
        self
    }

    /// Set `backfill_minutes` (0–5).
    pub fn backfill_minutes(mut self, minutes: u32) -> Self {
        self.backfill_minutes = Some(minutes);
        self
    }

    /// Set `expansions`.
    pub fn expansions<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, v: I) -> Self {
        self.expansions = strings(v);
        self
    }

    /// Set `media.fields`.
    pub fn media_fields<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, v: I) -> Self {
        self.media_fields = strings(v);
        self
    }

    /// Set `place.fields`.
    pub fn place_fields<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, v: I) -> Self {
        self.place_fields = strings(v);
        self
    }

    /// Set `poll.fields`.
    pub fn poll_fields<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, v: I) -> Self {
        self.poll_fields = strings(v);
        self
    }

    /// Set `tweet.fields`.
    pub fn tweet_fields<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, v: I) -> Self {
        self.tweet_fields = strings(v);
        self
    }

    /// Set `user.fields`.
    pub fn user_fields<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, v: I) -> Self {
        self.user_fields = strings(v);
        self
    }

    /// Set `partition` (partitioned streams only).
    pub fn partition(mut self, partition: u32) -> Self {
        self.partition = Some(partition);
        self
    }

    /// Set `start_time` (RFC 3339, such as `2026-12-03T07:00:00Z`), checked before any request.
    pub fn start_time(mut self, rfc3339: impl Into<String>) -> Self {
        self.start_time = Some(rfc3339.into());
        self
    }

    /// Set `end_time` (RFC 3339, after `start_time`), checked before any request.
    pub fn end_time(mut self, rfc3339: impl Into<String>) -> Self {
        self.end_time = Some(rfc3339.into());
        self
    }

    /// Set `start_time` from a clock time.
    pub fn start_at(self, at: std::time::SystemTime) -> Self {
        self.start_time(rfc3339(at))
    }

    /// Set `end_time` from a clock time.
    pub fn end_at(self, at: std::time::SystemTime) -> Self {
        self.end_time(rfc3339(at))
    }

    /// Set `like_with_tweet_author.fields` (likes streams).
    pub fn like_fields<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, v: I) -> Self {
        self.like_fields = strings(v);
        self
    }

    /// Every field and expansion the likes streams offer.
    pub fn all_like_fields() -> StreamParams {
        StreamParams::new()
            .like_fields(crate::models::likes::LIKE_FIELDS)
            .expansions(crate::models::likes::LIKE_EXPANSIONS)
            .user_fields(
                USER_FIELDS
                    .iter()
                    .filter(|f| !matches!(**f, "confirmed_email")),
            )
            .tweet_fields(TWEET_FIELDS.iter().filter(|f| {
                !matches!(
                    **f,
                    "non_public_metrics" | "organic_metrics" | "promoted_metrics"
                )
            }))
    }

    /// Every field and expansion X offers that a stream can fill (useful for archiving).
    pub fn all_fields() -> StreamParams {
        StreamParams::new()
            .tweet_fields(TWEET_FIELDS.iter().filter(|f| {
                !matches!(
                    **f,
                    "non_public_metrics" | "organic_metrics" | "promoted_metrics"
                )
            }))
            .expansions(EXPANSIONS)
            .media_fields(MEDIA_FIELDS.iter().filter(|f| {
                !matches!(
                    **f,
                    "non_public_metrics" | "organic_metrics" | "promoted_metrics"
                )
            }))
            .place_fields(PLACE_FIELDS)
            .poll_fields(POLL_FIELDS)
            .user_fields(
                USER_FIELDS
                    .iter()
                    .filter(|f| !matches!(**f, "confirmed_email")),
            )
    }

    /// Check every value against the names X accepts and the numeric ranges.
    pub fn validate(&self) -> Result<(), Error> {
        if let Some(m) = self.backfill_minutes {
            if m > 5 {
                return Err(Error::invalid(
                    "backfill_minutes",
                    format!("{m} is out of range: it must be between 0 and 5"),
                ));
            }
        }
        check_list("expansions", &self.expansions, EXPANSIONS)?;
        check_list("media.fields", &self.media_fields, MEDIA_FIELDS)?;
        check_list("place.fields", &self.place_fields, PLACE_FIELDS)?;
        check_list("poll.fields", &self.poll_fields, POLL_FIELDS)?;
        check_list("tweet.fields", &self.tweet_fields, TWEET_FIELDS)?;
        check_list("user.fields", &self.user_fields, USER_FIELDS)?;
        check_list(
            "like_with_tweet_author.fields",
            &self.like_fields,
            crate::models::likes::LIKE_FIELDS,
        )?;
        Ok(())
    }

    /// Check every parameter against what the stream `info` accepts, before any request:
    /// the partition range, the fields and expansions of its family, the time window.
    pub fn validate_for(&self, info: &StreamInfo) -> Result<(), Error> {
        self.validate_partition(info)?;
        if let Some(m) = self.backfill_minutes {
            if m > 5 {
                return Err(Error::invalid(
                    "backfill_minutes",
                    format!("{m} is out of range: it must be between 0 and 5"),
                ));
            }
        }
        let accepts = info.family.accepts();
        for (name, values) in self.lists() {
            if values.is_empty() {
                continue;
            }
            match accepts.iter().find(|(n, _)| *n == name) {
                Some((_, allowed)) => check_list(name, values, allowed)?,
                None => {
                    return Err(Error::invalid(
                        name,
                        format!("{} does not take {name}", info.name),
                    ))
                }
            }
        }
        self.validate_times(info)
    }

    /// Check `partition` against the stream's range.
    fn validate_partition(&self, info: &StreamInfo) -> Result<(), Error> {
        let max = info.partitions;
        match self.partition {
            None if max > 0 => Err(Error::invalid(
                "partition",
                format!("{} requires a partition between 1 and {max}", info.name),
            )),
            Some(p) if max > 0 && (p == 0 || p > max) => Err(Error::invalid(
                "partition",
                format!(
                    "{p} is out of range: {} has partitions 1 to {max}",
                    info.name
                ),
            )),
            Some(_) if max == 0 => Err(Error::invalid(
                "partition",
                format!(
                    "{} is not partitioned; remove the partition parameter",
                    info.name
                ),
            )),
            _ => Ok(()),
        }
    }

    /// `start_time` and `end_time`: RFC 3339, accepted by the stream, end after start.
    fn validate_times(&self, info: &StreamInfo) -> Result<(), Error> {
        let mut parsed = [None, None];
        for (i, (name, value)) in [
            ("start_time", &self.start_time),
            ("end_time", &self.end_time),
        ]
        .into_iter()
        .enumerate()
        {
            let Some(v) = value else { continue };
            if !info.time_window {
                return Err(Error::invalid(
                    name,
                    format!("{} does not take {name} (only backfill_minutes)", info.name),
                ));
            }
            let t = time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339)
                .map_err(|e| {
                    Error::invalid(
                        name,
                        format!("{v:?} is not an RFC 3339 time such as 2026-12-03T07:00:00Z ({e})"),
                    )
                })?;
            parsed[i] = Some(t);
        }
        if let [Some(s), Some(e)] = parsed {
            if e <= s {
                return Err(Error::invalid(
                    "end_time",
                    format!(
                        "{} is not after start_time {}",
                        self.end_time.as_deref().unwrap_or_default(),
                        self.start_time.as_deref().unwrap_or_default()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The list parameters and their values.
    fn lists(&self) -> [(&'static str, &Vec<String>); 8] {
        [
            ("expansions", &self.expansions),
            ("media.fields", &self.media_fields),
            ("place.fields", &self.place_fields),
            ("poll.fields", &self.poll_fields),
            ("tweet.fields", &self.tweet_fields),
            ("user.fields", &self.user_fields),
            ("like_with_tweet_author.fields", &self.like_fields),
            ("", &EMPTY),
        ]
    }

    /// The query pairs, in a fixed order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let mut q = Vec::new();
        if let Some(m) = self.backfill_minutes {
            q.push(("backfill_minutes".to_string(), m.to_string()));
        }
        for (name, list) in self.lists() {
            if !list.is_empty() {
                q.push((name.to_string(), list.join(",")));
            }
        }
        if let Some(p) = self.partition {
            q.push(("partition".to_string(), p.to_string()));
        }
        for (name, value) in [
            ("start_time", &self.start_time),
            ("end_time", &self.end_time),
        ] {
            if let Some(v) = value {
                q.push((name.to_string(), v.clone()));
            }
        }
        q.extend(self.extra.iter().cloned());
        q
    }
}

fn check_list(name: &str, values: &[String], accepted: &[&str]) -> Result<(), Error> {
    let bad: Vec<&str> = values
        .iter()
        .map(String::as_str)
        .filter(|v| !accepted.contains(v))
        .collect();
    if bad.is_empty() {
        return Ok(());
    }
    let hint = bad
        .iter()
        .filter_map(|b| closest(b, accepted).map(|c| format!("`{b}` (did you mean `{c}`?)")))
        .collect::<Vec<_>>();
    let shown = if hint.is_empty() {
        bad.iter()
            .map(|b| format!("`{b}`"))
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        hint.join(", ")
    };
    Err(Error::invalid(
        name,
        format!(
            "unknown value {shown}; accepted values are: {}",
            accepted.join(", ")
        ),
    ))
}

/// The accepted name with the smallest edit distance, if it is close.
fn closest<'a>(bad: &str, accepted: &[&'a str]) -> Option<&'a str> {
    accepted
        .iter()
        .map(|a| (levenshtein(bad, a), *a))
        .filter(|(d, a)| *d <= 3.max(a.len() / 3))
        .min()
        .map(|(_, a)| a)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backfill_boundaries() {
        assert!(StreamParams::new().backfill_minutes(0).validate().is_ok());
        assert!(StreamParams::new().backfill_minutes(5).validate().is_ok());
        let e = StreamParams::new()
            .backfill_minutes(6)
            .validate()
            .unwrap_err();
        assert!(e.to_string().contains("backfill_minutes") && e.to_string().contains("0 and 5"));
    }

    #[test]
    fn every_list_is_checked() {
        for p in [
            StreamParams::new().expansions(["author"]),
            StreamParams::new().media_fields(["x"]),
            StreamParams::new().place_fields(["x"]),
            StreamParams::new().poll_fields(["x"]),
            StreamParams::new().tweet_fields(["x"]),
            StreamParams::new().user_fields(["x"]),
        ] {
            assert!(matches!(p.validate(), Err(Error::InvalidParameter { .. })));
        }
        assert!(StreamParams::all_fields().validate().is_ok());
    }

    #[test]
    fn typo_suggests() {
        let e = StreamParams::new()
            .expansions(["author"])
            .validate()
            .unwrap_err()
            .to_string();
        assert!(e.contains("did you mean `author_id`"), "{e}");
    }

    fn info(name: &str) -> &'static StreamInfo {
        crate::streams::stream_info(name).unwrap()
    }

    #[test]
    fn partitions() {
        let firehose = info("tweets/firehose");
        let ok = |p: StreamParams, i| p.validate_for(i).is_ok();
        assert!(ok(StreamParams::new().partition(1), firehose));
        assert!(ok(StreamParams::new().partition(20), firehose));
        assert!(!ok(StreamParams::new().partition(21), firehose));
        assert!(!ok(StreamParams::new().partition(0), firehose));
        assert!(!ok(StreamParams::new(), info("tweets/sample10")));
        assert!(!ok(StreamParams::new().partition(1), info("tweets/sample")));
        for (name, max) in [
            ("tweets/firehose/lang/en", 8),
            ("tweets/firehose/lang/ja", 2),
            ("likes/firehose", 20),
            ("likes/sample10", 2),
            ("tweets/compliance", 4),
            ("users/compliance", 4),
        ] {
            let i = info(name);
            assert!(ok(StreamParams::new().partition(max), i), "{name}");
            let e = StreamParams::new()
                .partition(max + 1)
                .validate_for(i)
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("partition") && e.contains(&format!("1 to {max}")),
                "{e}"
            );
        }
    }

    #[test]
    fn each_stream_takes_its_own_parameters() {
        let compliance = info("tweets/compliance");
        let e = StreamParams::new()
            .partition(1)
            .tweet_fields(["lang"])
            .validate_for(compliance)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("tweet.fields") && e.contains("tweets/compliance"),
            "{e}"
        );
        let likes = info("likes/firehose");
        assert!(StreamParams::all_like_fields()
            .partition(1)
            .validate_for(likes)
            .is_ok());
        let e = StreamParams::new()
            .partition(1)
            .expansions(["author_id"])
            .validate_for(likes)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("liked_tweet_id"),
            "the accepted likes expansions: {e}"
        );
        assert!(StreamParams::all_fields()
            .validate_for(info("tweets/sample"))
            .is_ok());
    }

    #[test]
    fn time_windows() {
        let labels = info("tweets/label");
        let w = |s: &str, e: &str| {
            StreamParams::new()
                .start_time(s)
                .end_time(e)
                .validate_for(labels)
        };
        assert!(w("2026-12-01T00:00:00Z", "2026-12-01T00:00:01Z").is_ok());
        assert!(w("2026-12-01T00:00:00+01:00", "2026-12-01T00:00:00Z").is_ok());
        let e = w("2026-12-01T00:00:00Z", "2026-12-01T00:00:00Z").unwrap_err();
        assert!(e.to_string().contains("end_time"), "{e}");
        let e = w("yesterday", "2026-12-01T00:00:00Z").unwrap_err();
        assert!(e.to_string().contains("start_time") && e.to_string().contains("RFC 3339"));
        let e = StreamParams::new()
            .start_time("2026-12-01T00:00:00Z")
            .validate_for(info("tweets/sample"))
            .unwrap_err();
        assert!(e.to_string().contains("start_time"), "{e}");
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000);
        let p = StreamParams::new().start_at(at);
        assert_eq!(p.start_time.as_deref(), Some("2027-01-15T08:00:00Z"));
    }

    #[test]
    fn query() {
        let q = StreamParams::new()
            .backfill_minutes(2)
            .tweet_fields(["a", "b"])
            .query_pairs();
        assert_eq!(
            q,
            vec![
                ("backfill_minutes".into(), "2".into()),
                ("tweet.fields".into(), "a,b".into())
            ]
        );
    }
}
