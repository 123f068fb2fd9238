//! Interpretation of terms: which operator, which value, standalone or not.

use super::ast::{CountKind, HasKind, IsKind, Leaf, Pred, ProfileField, UserRef};
use super::lexer::{OpValue, RawKind, RawTerm};
use super::tokens::{is_word_char, PTok, Pattern};
use crate::error::{Problem, RuleErrorKind};

/// Operators (and operator forms) this module parses and evaluates, aliases included.
///
/// Besides these, a rule may contain keywords, emoji, `"exact phrases"` and
/// `"proximity phrases"~N` (N ≤ 6), combined with spaces (AND), `OR`, `-` (NOT) and
/// parentheses.
pub const SUPPORTED_OPERATORS: &[&str] = &[
    "#",
    "@",
    "$",
    "from:",
    "to:",
    "retweets_of:",
    "retweets_of_user:",
    "url:",
    "url_contains:",
    "conversation_id:",
    "in_reply_to_tweet_id:",
    "in_reply_to_status_id:",
    "retweets_of_tweet_id:",
    "retweets_of_status_id:",
    "bio:",
    "user_bio:",
    "bio_name:",
    "bio_location:",
    "user_bio_location:",
    "place:",
    "place_country:",
    "point_radius:",
    "bounding_box:",
    "geo_bounding_box:",
    "source:",
    "lang:",
    "sample:",
    "is:retweet",
    "is:reply",
    "is:quote",
    "is:verified",
    "-is:nullcast",
    "has:hashtags",
    "has:cashtags",
    "has:links",
    "has:mentions",
    "has:media",
    "has:media_link",
    "has:images",
    "has:video_link",
    "has:videos",
    "has:geo",
    "followers_count:",
    "min_followers:",
    "tweets_count:",
    "statuses_count:",
    "following_count:",
    "friends_count:",
    "listed_count:",
    "user_in_lists_count:",
];

/// Operators X documents but this evaluator cannot answer, with the reason. A rule using one
/// is rejected with an error naming it, never silently treated as a non-match.
pub const UNSUPPORTED_OPERATORS: &[(&str, &str)] = &[
    (
        "context:",
        "it matches Post context annotations, which RuleTweet does not carry",
    ),
    (
        "entity:",
        "it matches Post entity annotations, which RuleTweet does not carry",
    ),
    ("embedding:", "semantic matching needs X's embedding model"),
    (
        "embedding_threshold:",
        "it only tunes `embedding:`, which is not supported",
    ),
    (
        "url_title:",
        "it matches the HTML title of linked pages, which RuleTweet does not carry",
    ),
    (
        "within_url_title:",
        "it matches the HTML title of linked pages, which RuleTweet does not carry",
    ),
    (
        "url_description:",
        "it matches the HTML description of linked pages, which RuleTweet does not carry",
    ),
    (
        "within_url_description:",
        "it matches the HTML description of linked pages, which RuleTweet does not carry",
    ),
    (
        "from_affiliate_of:",
        "it needs account affiliation data, which RuleTweet does not carry",
    ),
    (
        "to_affiliate_of:",
        "it needs account affiliation data, which RuleTweet does not carry",
    ),
];

/// Largest `~N` accepted in a proximity phrase.
pub(crate) const MAX_PROXIMITY: u64 = 6;
/// Largest number of keywords in one proximity phrase.
pub(crate) const MAX_PROXIMITY_WORDS: usize = 50;
/// 25 miles in km: the limit for `point_radius:` radii and `bounding_box:` sides.
const MAX_GEO_KM: f64 = 25.0 * 1.609_344;
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Character-wise Unicode lower-casing (the same as the tokeniser's).
pub(crate) fn lower(s: &str) -> String {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// Great-circle distance in km.
pub(crate) fn haversine_km(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().clamp(0.0, 1.0).asin()
}

struct Ctx<'a> {
    pos: usize,
    src: String,
    negated: bool,
    problems: &'a mut Vec<Problem>,
}

impl Ctx<'_> {
    fn leaf(&self, standalone: bool, family: &'static str, pred: Pred) -> Leaf {
        Leaf {
            pos: self.pos,
            src: self.src.clone(),
            negated: self.negated,
            standalone,
            family,
            pred,
        }
    }

    /// Records an invalid value of `family` and returns a placeholder leaf.
    fn fail(&mut self, standalone: bool, family: &'static str, msg: String) -> Leaf {
        let operator = family.to_string();
        self.fail_as(
            standalone,
            family,
            RuleErrorKind::InvalidValue { operator },
            msg,
        )
    }

    /// Records a problem of `kind` and returns a placeholder leaf.
    fn fail_as(
        &mut self,
        standalone: bool,
        family: &'static str,
        kind: RuleErrorKind,
        msg: String,
    ) -> Leaf {
        self.problems.push(Problem::new(kind, msg, self.pos));
        self.leaf(standalone, family, Pred::Invalid)
    }
}

/// Interpret one term. Problems are recorded in `problems`; the returned leaf is then
/// `Pred::Invalid` (classified so that follow-up checks stay meaningful).
pub(crate) fn build_leaf(t: RawTerm, problems: &mut Vec<Problem>) -> Leaf {
    let mut cx = Ctx {
        pos: t.pos,
        src: t.src,
        negated: t.negated,
        problems,
    };
    match t.kind {
        RawKind::Word(w) => word(&mut cx, &w),
        RawKind::Quoted { text, proximity } => quoted(&mut cx, &text, proximity),
        RawKind::Operator { name, value } => operator(&mut cx, &name, value),
    }
}

fn is_username(s: &str) -> bool {
    !s.is_empty() && s.len() <= 50 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn word(cx: &mut Ctx<'_>, w: &str) -> Leaf {
    if let Some(tag) = w.strip_prefix('#') {
        if tag.is_empty() || !tag.chars().all(is_word_char) {
            return cx.fail(
                true,
                "#",
                format!("Invalid hashtag '{w}': '#' must be followed by letters, digits or '_'"),
            );
        }
        return cx.leaf(true, "#", Pred::Hashtag(lower(tag)));
    }
    if let Some(user) = w.strip_prefix('@') {
        if !is_username(user) {
            return cx.fail(
                true,
                "@",
                format!("Invalid mention '{w}': '@' must be followed by a username (letters, digits, '_')"),
            );
        }
        return cx.leaf(true, "@", Pred::Mention(lower(user)));
    }
    if let Some(sym) = w.strip_prefix('$') {
        if sym.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
            if !sym
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            {
                return cx.fail(
                    true,
                    "$",
                    format!(
                        "Invalid cashtag '{w}': '$' must be followed by a symbol such as $TWTR"
                    ),
                );
            }
            return cx.leaf(true, "$", Pred::Cashtag(lower(sym)));
        }
    }
    let p = Pattern::new(w, false);
    if !p.has_word() {
        return cx.fail(
            true,
            "keyword",
            format!(
                "Keyword '{w}' has no letters, digits or emoji to match; quote it (\"{w}\") to match punctuation"
            ),
        );
    }
    cx.leaf(true, "keyword", Pred::Text(p))
}

fn quoted(cx: &mut Ctx<'_>, text: &str, proximity: Option<u64>) -> Leaf {
    match proximity {
        None => {
            let p = Pattern::new(text, true);
            if p.is_empty() {
                return cx.fail(true, "\"phrase\"", "Empty quoted phrase".to_string());
            }
            cx.leaf(true, "\"phrase\"", Pred::Text(p))
        }
        Some(n) => {
            if n > MAX_PROXIMITY {
                return cx.fail(
                    true,
                    "\"phrase\"~N",
                    format!(
                        "Proximity distance ~{n} is too large: N must be at most {MAX_PROXIMITY}"
                    ),
                );
            }
            let words = Pattern::new(text, false).words();
            if words.is_empty() {
                return cx.fail(
                    true,
                    "\"phrase\"~N",
                    "A proximity phrase needs at least one keyword".to_string(),
                );
            }
            if words.len() > MAX_PROXIMITY_WORDS {
                return cx.fail(
                    true,
                    "\"phrase\"~N",
                    format!("A proximity phrase may hold at most {MAX_PROXIMITY_WORDS} keywords"),
                );
            }
            if words.len() == 1 {
                let toks = words
                    .into_iter()
                    .map(|text| PTok { text, punct: false })
                    .collect();
                return cx.leaf(true, "\"phrase\"~N", Pred::Text(Pattern { toks }));
            }
            let slop = usize::try_from(n).unwrap_or(usize::MAX);
            cx.leaf(true, "\"phrase\"~N", Pred::Near { words, slop })
        }
    }
}

/// The text of a non-bracket value, or an error message.
fn text_value(name: &str, value: &OpValue) -> Result<(String, bool), String> {
    let (s, quoted) = match value {
        OpValue::Bare(s) => (s, false),
        OpValue::Quoted(s) => (s, true),
        OpValue::Bracket(_) => {
            return Err(format!(
                "Operator '{name}:' does not take a [bracketed] value"
            ))
        }
    };
    if s.trim().is_empty() {
        return Err(format!("Operator '{name}:' needs a value"));
    }
    Ok((s.trim().to_string(), quoted))
}

fn parse_num(s: &str) -> Option<f64> {
    if !s
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
    {
        return None;
    }
    s.parse::<f64>().ok().filter(|x| x.is_finite())
}

fn parse_lon_lat(lon: &str, lat: &str) -> Option<(f64, f64)> {
    let lon = parse_num(lon).filter(|x| (-180.0..=180.0).contains(x))?;
    let lat = parse_num(lat).filter(|x| (-90.0..=90.0).contains(x))?;
    Some((lon, lat))
}

fn point_radius(inner: &str) -> Result<Pred, String> {
    const FORM: &str = "point_radius: expects [longitude latitude radius], e.g. point_radius:[2.355128 48.861118 16km]";
    let parts: Vec<&str> = inner.split_whitespace().collect();
    let [lon, lat, r] = parts.as_slice() else {
        return Err(FORM.to_string());
    };
    let Some((lon, lat)) = parse_lon_lat(lon, lat) else {
        return Err(format!(
            "{FORM}; longitude must be within -180..180 and latitude within -90..90"
        ));
    };
    let r = r.to_ascii_lowercase();
    let (num, factor) = if let Some(n) = r.strip_suffix("km") {
        (n, 1.0)
    } else if let Some(n) = r.strip_suffix("mi") {
        (n, 1.609_344)
    } else {
        return Err(format!("{FORM}; the radius needs a unit, mi or km"));
    };
    let Some(radius) = parse_num(num).filter(|x| *x > 0.0) else {
        return Err(format!("{FORM}; the radius must be a positive number"));
    };
    let radius_km = radius * factor;
    if radius_km >= MAX_GEO_KM {
        return Err("point_radius: the radius must be less than 25 miles (40.2 km)".to_string());
    }
    Ok(Pred::PointRadius {
        lon,
        lat,
        radius_km,
    })
}

fn bounding_box(inner: &str) -> Result<Pred, String> {
    const FORM: &str = "bounding_box: expects [west_long south_lat east_long north_lat], e.g. bounding_box:[-105.301758 39.964069 -105.178505 40.09455]";
    let parts: Vec<&str> = inner.split_whitespace().collect();
    let [w, s, e, n] = parts.as_slice() else {
        return Err(FORM.to_string());
    };
    let (Some((west, south)), Some((east, north))) = (parse_lon_lat(w, s), parse_lon_lat(e, n))
    else {
        return Err(format!(
            "{FORM}; longitudes must be within -180..180 and latitudes within -90..90"
        ));
    };
    if west > east || south > north {
        return Err(format!(
            "{FORM}; west must not exceed east and south must not exceed north"
        ));
    }
    let height = haversine_km(west, south, west, north);
    let width = haversine_km(west, south, east, south).max(haversine_km(west, north, east, north));
    if height >= MAX_GEO_KM || width >= MAX_GEO_KM {
        return Err(
            "bounding_box: width and height must each be less than 25 miles (40.2 km)".to_string(),
        );
    }
    Ok(Pred::BoundingBox {
        west,
        south,
        east,
        north,
    })
}

fn count_range(v: &str, range_ok: bool) -> Option<(u64, u64)> {
    let digits = |s: &str| -> Option<u64> {
        if !s.is_empty() && s.chars().all(|c| c.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    match v.split_once("..") {
        Some((a, b)) if range_ok => {
            let (a, b) = (digits(a)?, digits(b)?);
            (a <= b).then_some((a, b))
        }
        Some(_) => None,
        None => Some((digits(v)?, u64::MAX)),
    }
}

fn valid_lang(v: &str) -> bool {
    let mut parts = v.split('-');
    let first_ok = parts
        .next()
        .is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphabetic()));
    first_ok
        && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn operator(cx: &mut Ctx<'_>, name: &str, value: OpValue) -> Leaf {
    let op = name.to_ascii_lowercase();
    if let Some((family, reason)) = UNSUPPORTED_OPERATORS
        .iter()
        .find(|(n, _)| n.strip_suffix(':') == Some(op.as_str()))
    {
        let standalone = matches!(op.as_str(), "context" | "entity" | "embedding")
            || op.ends_with("affiliate_of");
        let operator = family.to_string();
        return cx.fail_as(
            standalone,
            family,
            RuleErrorKind::UnsupportedOperator { operator },
            format!("operator `{op}:` is not supported by tweetstream's evaluator: {reason}"),
        );
    }
    macro_rules! value_or_fail {
        ($standalone:expr, $family:expr) => {
            match text_value(&op, &value) {
                Ok(v) => v,
                Err(msg) => return cx.fail($standalone, $family, msg),
            }
        };
    }
    match op.as_str() {
        "from" | "to" | "retweets_of" | "retweets_of_user" => {
            let family = match op.as_str() {
                "from" => "from:",
                "to" => "to:",
                _ => "retweets_of:",
            };
            let (v, _) = value_or_fail!(true, family);
            let v = v.strip_prefix('@').unwrap_or(&v);
            if !is_username(v) {
                return cx.fail(
                    true,
                    family,
                    format!("Operator '{op}:' needs one username (without '@') or numeric user id, got '{v}'"),
                );
            }
            let user = UserRef {
                name: v.to_ascii_lowercase(),
                id: if v.chars().all(|c| c.is_ascii_digit()) {
                    v.parse().ok()
                } else {
                    None
                },
            };
            let pred = match op.as_str() {
                "from" => Pred::From(user),
                "to" => Pred::To(user),
                _ => Pred::RetweetsOf(user),
            };
            cx.leaf(true, family, pred)
        }
        "conversation_id"
        | "in_reply_to_tweet_id"
        | "in_reply_to_status_id"
        | "retweets_of_tweet_id"
        | "retweets_of_status_id" => {
            let (family, standalone) = match op.as_str() {
                "conversation_id" => ("conversation_id:", true),
                "in_reply_to_tweet_id" | "in_reply_to_status_id" => {
                    ("in_reply_to_tweet_id:", false)
                }
                _ => ("retweets_of_tweet_id:", false),
            };
            let (v, _) = value_or_fail!(standalone, family);
            let id = if v.chars().all(|c| c.is_ascii_digit()) {
                v.parse::<u64>().ok()
            } else {
                None
            };
            let Some(id) = id else {
                return cx.fail(
                    standalone,
                    family,
                    format!("Operator '{op}:' needs a numeric Post id, got '{v}'"),
                );
            };
            let pred = match family {
                "conversation_id:" => Pred::ConversationId(id),
                "in_reply_to_tweet_id:" => Pred::InReplyToTweetId(id),
                _ => Pred::RetweetsOfTweetId(id),
            };
            cx.leaf(standalone, family, pred)
        }
        "url" => {
            let (v, _) = value_or_fail!(true, "url:");
            let p = Pattern::new(&v, true);
            if p.is_empty() {
                return cx.fail(true, "url:", "Operator 'url:' needs a value".to_string());
            }
            cx.leaf(true, "url:", Pred::Url(p))
        }
        "url_contains" => {
            let (v, _) = value_or_fail!(false, "url_contains:");
            cx.leaf(false, "url_contains:", Pred::UrlContains(lower(&v)))
        }
        "bio" | "user_bio" | "bio_name" | "bio_location" | "user_bio_location" => {
            let (family, field) = match op.as_str() {
                "bio" | "user_bio" => ("bio:", ProfileField::Description),
                "bio_name" => ("bio_name:", ProfileField::Name),
                _ => ("bio_location:", ProfileField::Location),
            };
            let (v, quoted) = value_or_fail!(true, family);
            let p = Pattern::new(&v, quoted);
            let usable = p.has_word() || (quoted && !p.is_empty());
            if !usable {
                return cx.fail(
                    true,
                    family,
                    format!("Operator '{op}:' needs letters, digits or emoji to match (quote the value to match punctuation)"),
                );
            }
            cx.leaf(true, family, Pred::Profile(field, p))
        }
        "place" => {
            let (v, _) = value_or_fail!(true, "place:");
            cx.leaf(true, "place:", Pred::Place(lower(&v)))
        }
        "place_country" => {
            let (v, _) = value_or_fail!(true, "place_country:");
            if v.len() != 2 || !v.chars().all(|c| c.is_ascii_alphabetic()) {
                return cx.fail(
                    true,
                    "place_country:",
                    format!("Operator 'place_country:' needs an ISO 3166-1 alpha-2 country code such as US, got '{v}'"),
                );
            }
            cx.leaf(
                true,
                "place_country:",
                Pred::PlaceCountry(v.to_ascii_uppercase()),
            )
        }
        "point_radius" | "bounding_box" | "geo_bounding_box" => {
            let family = if op == "point_radius" {
                "point_radius:"
            } else {
                "bounding_box:"
            };
            let OpValue::Bracket(inner) = &value else {
                let msg = if op == "point_radius" {
                    "point_radius: expects [longitude latitude radius], e.g. point_radius:[2.355128 48.861118 16km]"
                } else {
                    "bounding_box: expects [west_long south_lat east_long north_lat], e.g. bounding_box:[-105.301758 39.964069 -105.178505 40.09455]"
                };
                return cx.fail(true, family, msg.to_string());
            };
            let parsed = if op == "point_radius" {
                point_radius(inner)
            } else {
                bounding_box(inner)
            };
            match parsed {
                Ok(pred) => cx.leaf(true, family, pred),
                Err(msg) => cx.fail(true, family, msg),
            }
        }
        "source" => {
            let (v, _) = value_or_fail!(false, "source:");
            cx.leaf(false, "source:", Pred::Source(lower(&v)))
        }
        "lang" => {
            let (v, _) = value_or_fail!(false, "lang:");
            if !valid_lang(&v) {
                return cx.fail(
                    false,
                    "lang:",
                    format!("Operator 'lang:' needs one BCP 47 language code such as en or zh-CN, got '{v}'"),
                );
            }
            cx.leaf(false, "lang:", Pred::Lang(v.to_ascii_lowercase()))
        }
        "sample" => {
            let (v, _) = value_or_fail!(false, "sample:");
            let n = if v.chars().all(|c| c.is_ascii_digit()) {
                v.parse::<u8>().ok().filter(|n| (1..=100).contains(n))
            } else {
                None
            };
            let Some(n) = n else {
                return cx.fail(
                    false,
                    "sample:",
                    format!("Operator 'sample:' needs a whole number from 1 to 100, got '{v}'"),
                );
            };
            if cx.negated {
                return cx.fail_as(
                    false,
                    "sample:",
                    RuleErrorKind::CannotBeNegated {
                        operator: "sample:".to_string(),
                    },
                    "Operator 'sample:' cannot be negated".to_string(),
                );
            }
            cx.leaf(false, "sample:", Pred::Sample(n))
        }
        "is" => {
            let (v, _) = value_or_fail!(false, "is:");
            let kind = match v.to_ascii_lowercase().as_str() {
                "retweet" => IsKind::Retweet,
                "reply" => IsKind::Reply,
                "quote" => IsKind::Quote,
                "verified" => IsKind::Verified,
                "nullcast" => IsKind::Nullcast,
                _ => {
                    return cx.fail_as(
                        false,
                        "is:",
                        RuleErrorKind::UnknownOperator {
                            operator: format!("is:{v}"),
                        },
                        format!("Reference to invalid operator 'is:{v}'"),
                    )
                }
            };
            if kind == IsKind::Nullcast && !cx.negated {
                return cx.fail_as(
                    false,
                    "is:",
                    RuleErrorKind::MustBeNegated {
                        operator: "is:nullcast".to_string(),
                    },
                    "Operator 'is:nullcast' must always be negated: use -is:nullcast".to_string(),
                );
            }
            cx.leaf(false, "is:", Pred::Is(kind))
        }
        "has" => {
            let (v, _) = value_or_fail!(false, "has:");
            let kind = match v.to_ascii_lowercase().as_str() {
                "links" => HasKind::Links,
                "media" | "media_link" => HasKind::Media,
                "images" => HasKind::Images,
                "video_link" | "videos" => HasKind::Videos,
                "hashtags" => HasKind::Hashtags,
                "cashtags" => HasKind::Cashtags,
                "mentions" => HasKind::Mentions,
                "geo" => HasKind::Geo,
                _ => {
                    return cx.fail_as(
                        false,
                        "has:",
                        RuleErrorKind::UnknownOperator {
                            operator: format!("has:{v}"),
                        },
                        format!("Reference to invalid operator 'has:{v}'"),
                    )
                }
            };
            cx.leaf(false, "has:", Pred::Has(kind))
        }
        "followers_count"
        | "min_followers"
        | "tweets_count"
        | "statuses_count"
        | "following_count"
        | "friends_count"
        | "listed_count"
        | "user_in_lists_count" => {
            let (family, kind) = match op.as_str() {
                "followers_count" => ("followers_count:", CountKind::Followers),
                "min_followers" => ("min_followers:", CountKind::Followers),
                "tweets_count" | "statuses_count" => ("tweets_count:", CountKind::Tweets),
                "following_count" | "friends_count" => ("following_count:", CountKind::Following),
                _ => ("listed_count:", CountKind::Listed),
            };
            let (v, _) = value_or_fail!(false, family);
            let range_ok = op != "min_followers";
            let Some((min, max)) = count_range(&v, range_ok) else {
                let form = if range_ok {
                    "N (at least N) or a range a..b"
                } else {
                    "N (at least N)"
                };
                return cx.fail(
                    false,
                    family,
                    format!("Operator '{op}:' needs {form}, got '{v}'"),
                );
            };
            cx.leaf(false, family, Pred::Count { kind, min, max })
        }
        _ => {
            let standalone = !matches!(op.as_str(), "is" | "has" | "lang");
            cx.fail_as(
                standalone,
                "unknown",
                RuleErrorKind::UnknownOperator {
                    operator: name.to_string(),
                },
                format!("Reference to invalid operator '{name}'"),
            )
        }
    }
}
