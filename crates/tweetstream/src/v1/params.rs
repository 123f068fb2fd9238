//! Parameters of the v1.1 streams, validated before any request against X's limits.

use std::time::Duration;

use crate::Error;

/// The default v1.1 stream base URL.
pub const DEFAULT_STREAM_BASE: &str = "https://stream.twitter.com";
/// The default v1.1 stall timeout: 90 s (three missed 30 s keep-alives).
pub const DEFAULT_V1_STALL_TIMEOUT: Duration = Duration::from_secs(90);
/// Most `track` phrases on default access.
pub const MAX_TRACK_PHRASES: usize = 400;
/// Longest `track` phrase, in bytes.
pub const MAX_TRACK_PHRASE_BYTES: usize = 60;
/// Most `follow` ids on default access.
pub const MAX_FOLLOW_IDS: usize = 5000;
/// Most `locations` boxes on default access.
pub const MAX_LOCATION_BOXES: usize = 25;

/// `filter_level`: the minimum quality of tweets to deliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterLevel {
    /// Every tweet.
    None,
    /// Tweets X rates low or better.
    Low,
    /// Tweets X rates medium (the fewest).
    Medium,
}

impl FilterLevel {
    /// The value as sent: `none`, `low` or `medium`.
    pub fn as_str(self) -> &'static str {
        match self {
            FilterLevel::None => "none",
            FilterLevel::Low => "low",
            FilterLevel::Medium => "medium",
        }
    }
}

impl std::str::FromStr for FilterLevel {
    type Err = Error;
    /// `none`, `low` or `medium`; anything else is an error naming `filter_level`.
    fn from_str(s: &str) -> Result<FilterLevel, Error> {
        match s {
            "none" => Ok(FilterLevel::None),
            "low" => Ok(FilterLevel::Low),
            "medium" => Ok(FilterLevel::Medium),
            other => Err(Error::invalid(
                "filter_level",
                format!("{other:?} is not one of none, low, medium"),
            )),
        }
    }
}

impl std::fmt::Display for FilterLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parameters of `statuses/filter` (tweepy's keywords).
///
/// ```
/// use tweetstream::v1::FilterParams;
///
/// let p = FilterParams::new().track(["rust"]).locations([-122.75, 36.8, -121.75, 37.8]);
/// assert!(p.validate().is_ok());
/// let err = FilterParams::new().locations([1.0, 2.0, 3.0]).validate().unwrap_err();
/// assert!(err.to_string().contains("multiple of 4"));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilterParams {
    /// User ids to follow.
    pub follow: Vec<u64>,
    /// Phrases to track (comma = OR, space inside a phrase = AND).
    pub track: Vec<String>,
    /// Bounding boxes as a flat list `sw_lon, sw_lat, ne_lon, ne_lat, …`.
    pub locations: Vec<f64>,
    /// Minimum `filter_level`.
    pub filter_level: Option<FilterLevel>,
    /// BCP 47 language codes (sent as `language`).
    pub languages: Vec<String>,
    /// Ask for stall warnings.
    pub stall_warnings: bool,
    /// Use `delimited=length` framing.
    pub delimited: bool,
}

impl FilterParams {
    /// Empty parameters (at least one of follow/track/locations is required).
    pub fn new() -> FilterParams {
        FilterParams::default()
    }
    /// Set `follow`.
    pub fn follow<I: IntoIterator<Item = u64>>(mut self, ids: I) -> Self {
        self.follow = ids.into_iter().collect();
        self
    }
    /// Set `track`.
    pub fn track<I: IntoIterator<Item = S>, S: Into<String>>(mut self, phrases: I) -> Self {
        self.track = phrases.into_iter().map(Into::into).collect();
        self
    }
    /// Set `locations` (a flat list, 4 numbers per box).
    pub fn locations<I: IntoIterator<Item = f64>>(mut self, coords: I) -> Self {
        self.locations = coords.into_iter().collect();
        self
    }
    /// Set `filter_level`.
    pub fn filter_level(mut self, level: FilterLevel) -> Self {
        self.filter_level = Some(level);
        self
    }
    /// Set `languages`.
    pub fn languages<I: IntoIterator<Item = S>, S: Into<String>>(mut self, langs: I) -> Self {
        self.languages = langs.into_iter().map(Into::into).collect();
        self
    }
    /// Set `stall_warnings`.
    pub fn stall_warnings(mut self, on: bool) -> Self {
        self.stall_warnings = on;
        self
    }
    /// Use `delimited=length` framing.
    pub fn delimited(mut self, on: bool) -> Self {
        self.delimited = on;
        self
    }

    /// Check every limit before any request.
    pub fn validate(&self) -> Result<(), Error> {
        if self.follow.is_empty() && self.track.is_empty() && self.locations.is_empty() {
            return Err(Error::invalid(
                "follow/track/locations",
                "statuses/filter needs at least one of follow, track or locations",
            ));
        }
        if self.follow.len() > MAX_FOLLOW_IDS {
            return Err(Error::invalid(
                "follow",
                format!(
                    "{} ids given; the limit is {MAX_FOLLOW_IDS}",
                    self.follow.len()
                ),
            ));
        }
        if self.track.len() > MAX_TRACK_PHRASES {
            return Err(Error::invalid(
                "track",
                format!(
                    "{} phrases given; the limit is {MAX_TRACK_PHRASES}",
                    self.track.len()
                ),
            ));
        }
        for p in &self.track {
            let len = p.trim().len();
            if len == 0 || len > MAX_TRACK_PHRASE_BYTES {
                return Err(Error::invalid(
                    "track",
                    format!("phrase {p:?} is {len} bytes; each phrase must be 1 to {MAX_TRACK_PHRASE_BYTES} bytes"),
                ));
            }
            if p.contains(',') {
                return Err(Error::invalid(
                    "track",
                    format!("phrase {p:?} contains a comma; pass phrases separately"),
                ));
            }
        }
        validate_locations(&self.locations)?;
        validate_common(&self.languages)
    }

    /// The form body pairs as sent (tweepy's encoding: lists comma-joined, coordinates with
    /// four decimals, `languages` as `language`, `stall_warnings=true`).
    pub fn form_pairs(&self) -> Vec<(String, String)> {
        let mut f = Vec::new();
        if !self.follow.is_empty() {
            f.push(("follow".into(), join(self.follow.iter())));
        }
        if !self.track.is_empty() {
            f.push(("track".into(), self.track.join(",")));
        }
        if !self.locations.is_empty() {
            let coords: Vec<String> = self.locations.iter().map(|c| format!("{c:.4}")).collect();
            f.push(("locations".into(), coords.join(",")));
        }
        common_params(
            &mut f,
            self.filter_level,
            &self.languages,
            self.stall_warnings,
            self.delimited,
        );
        f
    }
}

/// Parameters of `statuses/sample`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SampleParams {
    /// BCP 47 language codes (sent as `language`).
    pub languages: Vec<String>,
    /// Ask for stall warnings.
    pub stall_warnings: bool,
    /// Use `delimited=length` framing.
    pub delimited: bool,
    /// Minimum `filter_level`.
    pub filter_level: Option<FilterLevel>,
}

impl SampleParams {
    /// No parameters.
    pub fn new() -> SampleParams {
        SampleParams::default()
    }
    /// Set `languages`.
    pub fn languages<I: IntoIterator<Item = S>, S: Into<String>>(mut self, langs: I) -> Self {
        self.languages = langs.into_iter().map(Into::into).collect();
        self
    }
    /// Set `stall_warnings`.
    pub fn stall_warnings(mut self, on: bool) -> Self {
        self.stall_warnings = on;
        self
    }
    /// Use `delimited=length` framing.
    pub fn delimited(mut self, on: bool) -> Self {
        self.delimited = on;
        self
    }
    /// Set `filter_level`.
    pub fn filter_level(mut self, level: FilterLevel) -> Self {
        self.filter_level = Some(level);
        self
    }
    /// Check the parameters.
    pub fn validate(&self) -> Result<(), Error> {
        validate_common(&self.languages)
    }
    /// The query pairs as sent.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let mut q = Vec::new();
        common_params(
            &mut q,
            self.filter_level,
            &self.languages,
            self.stall_warnings,
            self.delimited,
        );
        q
    }
}

fn join<T: ToString>(it: impl Iterator<Item = T>) -> String {
    it.map(|v| v.to_string()).collect::<Vec<_>>().join(",")
}

fn common_params(
    out: &mut Vec<(String, String)>,
    level: Option<FilterLevel>,
    langs: &[String],
    stall: bool,
    delimited: bool,
) {
    if let Some(l) = level {
        out.push(("filter_level".into(), l.as_str().to_string()));
    }
    if !langs.is_empty() {
        out.push(("language".into(), langs.join(",")));
    }
    if stall {
        out.push(("stall_warnings".into(), "true".into()));
    }
    if delimited {
        out.push(("delimited".into(), "length".into()));
    }
}

fn validate_common(langs: &[String]) -> Result<(), Error> {
    if let Some(bad) = langs
        .iter()
        .find(|l| l.is_empty() || l.contains(',') || l.contains(' '))
    {
        return Err(Error::invalid(
            "languages",
            format!("{bad:?} is not a BCP 47 language code"),
        ));
    }
    Ok(())
}

fn validate_locations(c: &[f64]) -> Result<(), Error> {
    if c.len() % 4 != 0 {
        return Err(Error::invalid(
            "locations",
            format!("{} numbers given; the number of location coordinates must be a multiple of 4 (sw_lon, sw_lat, ne_lon, ne_lat per box)", c.len()),
        ));
    }
    let boxes = c.len() / 4;
    if boxes > MAX_LOCATION_BOXES {
        return Err(Error::invalid(
            "locations",
            format!("{boxes} boxes given; the limit is {MAX_LOCATION_BOXES}"),
        ));
    }
    for (i, b) in c.chunks(4).enumerate() {
        let (w, s, e, n) = (b[0], b[1], b[2], b[3]);
        if b.iter().any(|v| !v.is_finite())
            || !(-180.0..=180.0).contains(&w)
            || !(-180.0..=180.0).contains(&e)
        {
            return Err(Error::invalid(
                "locations",
                format!("box {}: longitudes must be between -180 and 180", i + 1),
            ));
        }
        if !(-90.0..=90.0).contains(&s) || !(-90.0..=90.0).contains(&n) {
            return Err(Error::invalid(
                "locations",
                format!("box {}: latitudes must be between -90 and 90", i + 1),
            ));
        }
        if w >= e || s >= n {
            return Err(Error::invalid(
                "locations",
                format!("box {}: the south-west corner ({w},{s}) must be below and left of the north-east corner ({e},{n})", i + 1),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(p: FilterParams) -> String {
        p.validate().unwrap_err().to_string()
    }

    #[test]
    fn empty_filter_is_rejected() {
        assert!(err(FilterParams::new()).contains("at least one"));
    }

    #[test]
    fn follow_limit() {
        assert!(FilterParams::new().follow(1..=5000).validate().is_ok());
        assert!(err(FilterParams::new().follow(1..=5001)).contains("5000"));
    }

    #[test]
    fn track_limits() {
        let ok: Vec<String> = (0..400).map(|i| format!("t{i}")).collect();
        assert!(FilterParams::new().track(ok.clone()).validate().is_ok());
        let mut bad = ok;
        bad.push("x".into());
        assert!(err(FilterParams::new().track(bad)).contains("400"));
        assert!(FilterParams::new()
            .track(["a".repeat(60)])
            .validate()
            .is_ok());
        assert!(err(FilterParams::new().track(["a".repeat(61)])).contains("60"));
        // bytes, not characters: 20 three-byte characters = 60 bytes, 21 = 63
        assert!(FilterParams::new()
            .track(["日".repeat(20)])
            .validate()
            .is_ok());
        assert!(FilterParams::new()
            .track(["日".repeat(21)])
            .validate()
            .is_err());
        assert!(FilterParams::new().track([""]).validate().is_err());
    }

    #[test]
    fn location_rules() {
        let sf = [-122.75, 36.8, -121.75, 37.8];
        assert!(FilterParams::new().locations(sf).validate().is_ok());
        assert!(
            err(FilterParams::new().locations([1.0, 2.0, 3.0, 4.0, 5.0])).contains("multiple of 4")
        );
        let boxes: Vec<f64> = (0..25).flat_map(|_| sf).collect();
        assert!(FilterParams::new()
            .locations(boxes.clone())
            .validate()
            .is_ok());
        let mut more = boxes;
        more.extend(sf);
        assert!(err(FilterParams::new().locations(more)).contains("25"));
        assert!(err(FilterParams::new().locations([-181.0, 0.0, 0.0, 1.0])).contains("longitude"));
        assert!(err(FilterParams::new().locations([0.0, -91.0, 1.0, 1.0])).contains("latitude"));
        assert!(err(FilterParams::new().locations([1.0, 0.0, 0.0, 1.0])).contains("south-west"));
        assert!(err(FilterParams::new().locations([0.0, 1.0, 1.0, 0.0])).contains("south-west"));
        assert!(FilterParams::new()
            .locations([-180.0, -90.0, 180.0, 90.0])
            .validate()
            .is_ok());
    }

    #[test]
    fn filter_level() {
        for l in ["none", "low", "medium"] {
            let level: FilterLevel = l.parse().unwrap();
            assert_eq!(level.as_str(), l);
            assert!(FilterParams::new()
                .track(["a"])
                .filter_level(level)
                .validate()
                .is_ok());
        }
        let e = "high".parse::<FilterLevel>().unwrap_err().to_string();
        assert!(e.contains("filter_level"), "{e}");
        let q = SampleParams::new()
            .filter_level(FilterLevel::Low)
            .query_pairs();
        assert!(q.contains(&("filter_level".to_string(), "low".to_string())));
    }

    #[test]
    fn form_encoding_is_tweepys() {
        let f = FilterParams::new()
            .follow([1, 2])
            .track(["a b", "c"])
            .locations([-122.75, 36.8, -121.75, 37.8])
            .filter_level(FilterLevel::Low)
            .languages(["en", "ja"])
            .stall_warnings(true)
            .form_pairs();
        let want: Vec<(String, String)> = [
            ("follow", "1,2"),
            ("track", "a b,c"),
            ("locations", "-122.7500,36.8000,-121.7500,37.8000"),
            ("filter_level", "low"),
            ("language", "en,ja"),
            ("stall_warnings", "true"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(f, want);
    }
}
