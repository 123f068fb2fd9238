//! v1.1 `statuses/filter` and `statuses/sample` predicates (§2.2 of the reference).

use std::collections::HashSet;
use std::fmt;

use tweetstream_rules::RuleTweet;

use super::source::Tweet;

/// Default-access limits of `statuses/filter`: the library's, so client and emulator agree.
pub use tweetstream::v1::{
    MAX_FOLLOW_IDS, MAX_LOCATION_BOXES, MAX_TRACK_PHRASES, MAX_TRACK_PHRASE_BYTES,
};

/// A v1.1 parameter error: HTTP status (406, 413, 416) and X's short text body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct V1ParamError {
    /// 406 (invalid value / no predicate) or 413 (too many items).
    pub status: u16,
    /// The response body (plain text, without trailing CRLF).
    pub message: String,
}

impl fmt::Display for V1ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl std::error::Error for V1ParamError {}

fn e406(message: String) -> V1ParamError {
    V1ParamError {
        status: 406,
        message,
    }
}

fn e413(message: String) -> V1ParamError {
    V1ParamError {
        status: 413,
        message,
    }
}

/// v1.1 statuses/filter predicates (track OR follow OR locations, AND language / filter_level).
///
/// * `track`: comma = OR, space = AND; a term matches a whole token of the text, of a hashtag,
///   of a mentioned screen name, or of a URL entity's `expanded_url`/`display_url`,
///   case-insensitively. Punctuation around words of the tweet is ignored (`hello` matches
///   "hello."), punctuation in a term is kept (`hello.` does not match "hello"). A URL counts
///   as one token (scheme and `www.` removed) plus its words: `example.com/foo` matches
///   `https://www.example.com/foo`, a bare `example.com` does not, `example com` does.
///   Hashtags/mentions contribute their word only (`twitter` matches "#twitter" and "@twitter",
///   not "#newtwitter"). No Unicode folding; text without spaces (CJK) is one token.
/// * `follow`: tweets by the users (retweets they make included), replies to them (also
///   "manual" replies starting with `@user`), retweets of their tweets; not mere mentions.
/// * `locations`: the tweet's exact point when it has one, else its place's bounding box
///   intersecting a box; retweets never match.
/// * `language`: the tweet's `lang` must be one of the codes (AND).
/// * `filter_level`: the tweet's `filter_level` (`none` < `low` < `medium`; `low` when
///   absent) must be at least the requested one.
///
/// `V1Filter::default()` delivers every tweet (an unfiltered sample).
#[derive(Clone, Debug, Default)]
pub struct V1Filter {
    track: Vec<Vec<String>>,
    follow: HashSet<u64>,
    boxes: Vec<[f64; 4]>,
    languages: Vec<String>,
    min_level: u8,
    predicates: bool,
}

fn level(s: &str) -> Option<u8> {
    match s {
        "none" => Some(0),
        "low" => Some(1),
        "medium" => Some(2),
        _ => None,
    }
}

/// Collect a parameter given once or several times (joined with commas); empty values are
/// treated as absent.
fn param(pairs: &[(String, String)], name: &str) -> Option<String> {
    let vals: Vec<&str> = pairs
        .iter()
        .filter(|(k, v)| k == name && !v.trim().is_empty())
        .map(|(_, v)| v.as_str())
        .collect();
    (!vals.is_empty()).then(|| vals.join(","))
}

impl V1Filter {
    /// Parse decoded form/query pairs of statuses/filter (`follow`, `track`, `locations`,
    /// `language`, `filter_level`; others ignored). `require_predicate`: true for filter (406 when
    /// none of follow/track/locations), false for sample (which only uses language/filter_level).
    ///
    /// Errors (bodies in X's style): more than 5,000 follow ids, 400 track phrases or 25 boxes →
    /// 413; a follow item that is not a numeric id, a track phrase outside 1–60 bytes (after
    /// trimming), a malformed or out-of-range box (each side 0.1°–360°, SW corner first), an
    /// unknown `filter_level`, or no predicate → 406.
    pub fn from_params(
        pairs: &[(String, String)],
        require_predicate: bool,
    ) -> Result<V1Filter, V1ParamError> {
        let mut f = V1Filter::default();
        if let Some(lv) = param(pairs, "filter_level") {
            let lv = lv.trim();
            f.min_level = level(lv).ok_or_else(|| {
                e406(format!("Parameter filter_level has an invalid value: {lv}"))
            })?;
        }
        if let Some(langs) = param(pairs, "language") {
            f.languages = langs
                .split(',')
                .map(|l| l.trim().to_lowercase())
                .filter(|l| !l.is_empty())
                .collect();
        }
        if !require_predicate {
            return Ok(f);
        }
        if let Some(follow) = param(pairs, "follow") {
            let items: Vec<&str> = follow.split(',').collect();
            if items.len() > MAX_FOLLOW_IDS {
                return Err(e413(format!(
                    "Parameter follow item count {} exceeds the limit of {MAX_FOLLOW_IDS}",
                    items.len()
                )));
            }
            for (i, item) in items.iter().enumerate() {
                let item = item.trim();
                match item.parse::<u64>() {
                    Ok(id) if !item.starts_with('+') => {
                        f.follow.insert(id);
                    }
                    _ => {
                        return Err(e406(format!(
                            "Parameter follow item index {i} is not a valid user id: {item}"
                        )))
                    }
                }
            }
        }
        if let Some(track) = param(pairs, "track") {
            let items: Vec<&str> = track.split(',').collect();
            if items.len() > MAX_TRACK_PHRASES {
                return Err(e413(format!(
                    "Parameter track item count {} exceeds the limit of {MAX_TRACK_PHRASES}",
                    items.len()
                )));
            }
            for (i, phrase) in items.iter().enumerate() {
                let phrase = phrase.trim();
                if phrase.is_empty() {
                    return Err(e406(format!(
                        "Parameter track item index {i} too short: {phrase}"
                    )));
                }
                if phrase.len() > MAX_TRACK_PHRASE_BYTES {
                    return Err(e406(format!(
                        "Parameter track item index {i} too long: {phrase}"
                    )));
                }
                f.track
                    .push(phrase.split_whitespace().map(str::to_lowercase).collect());
            }
        }
        if let Some(loc) = param(pairs, "locations") {
            let items: Vec<&str> = loc.split(',').collect();
            if items.len() > MAX_LOCATION_BOXES * 4 {
                return Err(e413(format!(
                    "Parameter locations item count {} exceeds the limit of {MAX_LOCATION_BOXES} bounding boxes",
                    items.len().div_ceil(4)
                )));
            }
            let mut nums = Vec::with_capacity(items.len());
            for item in &items {
                match item.trim().parse::<f64>() {
                    Ok(x) if x.is_finite() => nums.push(x),
                    _ => {
                        return Err(e406(format!(
                            "Parameter locations has an unparseable value: {}",
                            item.trim()
                        )))
                    }
                }
            }
            if nums.len() % 4 != 0 {
                return Err(e406(format!(
                    "Parameter locations must have a multiple of 4 values (sw_lon,sw_lat,ne_lon,ne_lat per box), got {}",
                    nums.len()
                )));
            }
            for (i, b) in nums.chunks_exact(4).enumerate() {
                let (w, s, e, n) = (b[0], b[1], b[2], b[3]);
                let lon_ok = |x: f64| (-180.0..=180.0).contains(&x);
                let lat_ok = |x: f64| (-90.0..=90.0).contains(&x);
                // Sides of 0.1°–360° (with a little slack for decimal input like 0.1 = 36.9 − 36.8).
                let side_ok = |d: f64| (0.1 - 1e-9..=360.0).contains(&d);
                let valid = lon_ok(w)
                    && lon_ok(e)
                    && lat_ok(s)
                    && lat_ok(n)
                    && side_ok(e - w)
                    && side_ok(n - s);
                if !valid {
                    return Err(e406(format!(
                        "Parameter locations item index {i} is not a valid bounding box: {w},{s},{e},{n}"
                    )));
                }
                f.boxes.push([w, s, e, n]);
            }
        }
        if f.follow.is_empty() && f.track.is_empty() && f.boxes.is_empty() {
            return Err(e406(
                "No filter parameters found. Expect at least one parameter: follow track locations"
                    .into(),
            ));
        }
        f.predicates = true;
        Ok(f)
    }

    /// Whether the tweet is delivered on a stream with these parameters.
    pub fn matches(&self, tweet: &Tweet<'_>) -> bool {
        let r = tweet.rule_input();
        if !self.languages.is_empty() {
            let lang = r.lang.as_deref().unwrap_or("").to_lowercase();
            if !self.languages.contains(&lang) {
                return false;
            }
        }
        if self.min_level > 0 {
            let lv = tweet
                .rec()
                .and_then(|t| t.filter_level.as_deref())
                .and_then(level)
                .unwrap_or(1);
            if lv < self.min_level {
                return false;
            }
        }
        if !self.predicates {
            return true;
        }
        self.follow_matches(tweet, r) || self.track_matches(tweet, r) || self.location_matches(r)
    }

    fn follow_matches(&self, tweet: &Tweet<'_>, r: &RuleTweet) -> bool {
        if self.follow.is_empty() {
            return false;
        }
        let c = &tweet.inner().corpus;
        if c.user(r.author_id).and_then(|u| u.protected) == Some(true) {
            return false;
        }
        if self.follow.contains(&r.author_id) {
            return true;
        }
        if r.in_reply_to_user_id
            .is_some_and(|u| self.follow.contains(&u))
        {
            return true;
        }
        if r.retweet_of
            .as_ref()
            .is_some_and(|(_, a, _)| self.follow.contains(a))
        {
            return true;
        }
        // A "manual" reply: the text starts with @user.
        if r.retweet_of.is_none() {
            if let Some(rest) = r.text.strip_prefix('@') {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if let Some(u) = c
                    .user_index_by_name(&name)
                    .and_then(|i| c.users.get(i as usize))
                {
                    return self.follow.contains(&u.id);
                }
            }
        }
        false
    }

    fn track_matches(&self, tweet: &Tweet<'_>, r: &RuleTweet) -> bool {
        if self.track.is_empty() {
            return false;
        }
        let Some(b) = tweet.base_rec() else {
            return false;
        };
        let tokens = b.tokens.get_or_init(|| tokens(r));
        let has = |t: &str| tokens.binary_search_by(|x| (**x).cmp(t)).is_ok();
        self.track
            .iter()
            .any(|phrase| !phrase.is_empty() && phrase.iter().all(|t| has(t)))
    }

    fn location_matches(&self, r: &RuleTweet) -> bool {
        if self.boxes.is_empty() || r.retweet_of.is_some() {
            return false;
        }
        if let Some([lon, lat]) = r.coordinates {
            return self
                .boxes
                .iter()
                .any(|&[w, s, e, n]| (w..=e).contains(&lon) && (s..=n).contains(&lat));
        }
        if let Some([pw, ps, pe, pn]) = r.place.as_ref().and_then(|p| p.bbox) {
            return self
                .boxes
                .iter()
                .any(|&[w, s, e, n]| pw <= e && pe >= w && ps <= n && pn >= s);
        }
        false
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// URL → canonical token (no scheme, no `www.`, no trailing punctuation or `/`) and its words.
fn add_url(out: &mut Vec<String>, url: &str) {
    let lower = url.to_lowercase();
    let mut s = lower.as_str();
    for scheme in ["https://", "http://"] {
        if let Some(rest) = s.strip_prefix(scheme) {
            s = rest;
        }
    }
    s = s.strip_prefix("www.").unwrap_or(s);
    let s = s.trim_end_matches(|c: char| !c.is_alphanumeric());
    if s.is_empty() {
        return;
    }
    out.push(s.to_string());
    out.extend(
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string),
    );
}

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://") || s.starts_with("www.")
}

fn add_chunk(out: &mut Vec<String>, chunk: &str, depth: u32) {
    if chunk.is_empty() || depth > 8 {
        return;
    }
    let lower = chunk.to_lowercase();
    // Skip opening punctuation such as quotes or brackets.
    let core = lower.trim_start_matches(|c: char| !is_word(c) && !matches!(c, '#' | '@' | '$'));
    if is_url(core) {
        add_url(out, core);
        return;
    }
    if let Some(sigil) = core.chars().next().filter(|c| matches!(c, '#' | '@' | '$')) {
        let rest = core.get(sigil.len_utf8()..).unwrap_or("");
        let word_len: usize = rest
            .chars()
            .take_while(|c| is_word(*c))
            .map(char::len_utf8)
            .sum();
        let word = rest.get(..word_len).unwrap_or("");
        if !word.is_empty() {
            out.push(word.to_string());
            out.push(format!("{sigil}{word}"));
            add_chunk(out, rest.get(word_len..).unwrap_or(""), depth + 1);
            return;
        }
    }
    out.push(lower.clone());
    let trimmed = lower.trim_matches(|c: char| !c.is_alphanumeric());
    if trimmed.is_empty() {
        return;
    }
    out.push(trimmed.to_string());
    out.extend(
        trimmed
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string),
    );
}

/// The sorted token set `track` terms are matched against.
pub(crate) fn tokens(r: &RuleTweet) -> Box<[Box<str>]> {
    let mut out: Vec<String> = Vec::new();
    for chunk in r.text.split(char::is_whitespace) {
        add_chunk(&mut out, chunk, 0);
    }
    // v1.1 `track` looks at the tweet's own text only (not the quoted Post's, `r.quoted`).
    for h in &r.hashtags {
        let h = h.to_lowercase();
        out.push(format!("#{h}"));
        out.push(h);
    }
    for m in &r.mentions {
        let m = m.to_lowercase();
        out.push(format!("@{m}"));
        out.push(m);
    }
    for u in &r.urls {
        for x in [&u.expanded_url, &u.display_url].into_iter().flatten() {
            add_url(&mut out, x);
        }
    }
    out.sort_unstable();
    out.dedup();
    out.into_iter().map(String::into_boxed_str).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tweetstream_rules::RuleUrl;

    fn toks(text: &str) -> Vec<String> {
        let r = RuleTweet {
            text: text.into(),
            ..RuleTweet::default()
        };
        tokens(&r).iter().map(|s| s.to_string()).collect()
    }

    fn m(text: &str, term: &str) -> bool {
        toks(text).iter().any(|t| t == &term.to_lowercase())
    }

    #[test]
    fn reference_cases() {
        for t in [
            "TWITTER",
            "twitter",
            "\"Twitter\"",
            "twitter.",
            "#twitter",
            "@twitter",
            "http://twitter.com",
        ] {
            assert!(m(t, "Twitter"), "{t}");
        }
        assert!(!m("TwitterTracker", "twitter"));
        assert!(!m("#newtwitter", "twitter"));
        assert!(m("I like Twitter's new design", "Twitter's"));
        assert!(!m("@Twitter's office", "Twitter's"));
        assert!(m("he says hello.", "hello"));
        assert!(!m("hello", "hello."));
        assert!(!m("touche", "touché"));
        assert!(m(
            "see https://www.example.com/foobarbaz",
            "example.com/foobarbaz"
        ));
        assert!(!m("see https://example.com/foobarbaz", "example.com"));
        assert!(!m(
            "see https://www.example.com/foobarbaz",
            "www.example.com/foobarbaz"
        ));
        assert!(m("see https://example.com/foobarbaz", "example"));
        assert!(m("see https://example.com/foobarbaz", "com"));
    }

    #[test]
    fn url_entities() {
        let r = RuleTweet {
            text: "look https://t.co/abc".into(),
            urls: vec![RuleUrl {
                url: "https://t.co/abc".into(),
                expanded_url: Some("https://www.example.com/foobarbaz".into()),
                display_url: Some("example.com/foobarbaz".into()),
            }],
            ..RuleTweet::default()
        };
        let t = tokens(&r);
        assert!(t.iter().any(|x| &**x == "example.com/foobarbaz"));
        assert!(!t.iter().any(|x| &**x == "example.com"));
    }
}
