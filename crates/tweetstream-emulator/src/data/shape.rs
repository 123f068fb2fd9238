//! The `tweet.fields` / `user.fields` / `media.fields` / `place.fields` / `poll.fields` /
//! `expansions` parameters of the v2 stream endpoints.

use serde_json::{json, Value};

/// The field and expansion names X accepts on the v2 stream endpoints (X API v2 OpenAPI 2.159):
/// the library's lists, so client and emulator agree.
pub use tweetstream::{
    EXPANSIONS, MEDIA_FIELDS, PLACE_FIELDS, POLL_FIELDS, TWEET_FIELDS, USER_FIELDS,
};

/// The six list parameters, with their accepted values and the always-present defaults.
const PARAMS: [(&str, &[&str], &[&str]); 6] = [
    (
        "tweet.fields",
        TWEET_FIELDS,
        &["id", "text", "edit_history_tweet_ids"],
    ),
    ("user.fields", USER_FIELDS, &["id", "name", "username"]),
    ("media.fields", MEDIA_FIELDS, &["media_key", "type"]),
    ("place.fields", PLACE_FIELDS, &["id", "full_name"]),
    ("poll.fields", POLL_FIELDS, &["id", "options"]),
    ("expansions", EXPANSIONS, &[]),
];

/// The requested shape of v2 payloads: `tweet.fields`, `user.fields`, `media.fields`,
/// `place.fields`, `poll.fields`, `expansions`.
///
/// Each set always includes the object's default fields (`id,text,edit_history_tweet_ids` for
/// tweets, `id,name,username` for users, `media_key,type` for media, `id,full_name` for places,
/// `id,options` for polls).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    /// One bit mask per entry of `PARAMS`, bit i = i-th name of that list.
    masks: [u64; 6],
}

impl Default for Shape {
    fn default() -> Self {
        let mut masks = [0u64; 6];
        for (m, (_, names, defaults)) in masks.iter_mut().zip(PARAMS.iter()) {
            *m = mask_of(names, defaults);
        }
        Shape { masks }
    }
}

fn mask_of(names: &[&str], wanted: &[&str]) -> u64 {
    wanted
        .iter()
        .filter_map(|w| names.iter().position(|n| n == w))
        .fold(0, |m, i| m | (1 << i))
}

fn invalid(param: &str, values: &[&str], accepted: &[&str]) -> Value {
    let list = accepted.join(",");
    let errors: Vec<Value> = values
        .iter()
        .map(|v| {
            json!({
                "parameters": { param: [v] },
                "message": format!("The `{param}` query parameter value [{v}] is not one of [{list}]"),
            })
        })
        .collect();
    json!({
        "errors": errors,
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    })
}

/// Parse comma-separated list parameters (`tweet.fields=a,b`, `expansions=…`, …): for each
/// `(name, accepted)` of `lists`, the bit mask of the accepted values given (bit i = the i-th
/// accepted value; a parameter given twice is the union). Other parameters are ignored.
///
/// Lists are comma-separated without spaces: an empty item or an item with a space is an
/// invalid value. Err = X's 400 invalid-request body with one entry per bad value.
pub(crate) fn parse_lists(
    pairs: &[(String, String)],
    lists: &[(&str, &[&str])],
) -> Result<Vec<u64>, Value> {
    let mut masks = vec![0u64; lists.len()];
    let mut errors: Vec<Value> = Vec::new();
    for (k, v) in pairs {
        let Some(li) = lists.iter().position(|l| l.0 == k) else {
            continue;
        };
        let (param, names) = lists[li];
        let mut bad: Vec<&str> = Vec::new();
        for item in v.split(',') {
            match names.iter().position(|n| *n == item) {
                Some(i) => masks[li] |= 1 << i,
                None => bad.push(item),
            }
        }
        if !bad.is_empty() {
            if let Some(Value::Array(errs)) = invalid(param, &bad, names).get_mut("errors") {
                errors.append(errs);
            }
        }
    }
    if errors.is_empty() {
        Ok(masks)
    } else {
        let mut body = invalid("", &[], &[]);
        body["errors"] = Value::Array(errors);
        Err(body)
    }
}

impl Shape {
    /// Parse the stream request's query pairs (other params are ignored). Unknown field or
    /// expansion names → `Err(body)` where body is X's 400 invalid-request problem JSON, e.g.
    /// `{"errors":[{"parameters":{"tweet.fields":["foo"]},"message":"The `tweet.fields` query
    /// parameter value [foo] is not one of [article,attachments,…]"}],"title":"Invalid Request",
    /// "detail":"One or more parameters to your request was invalid.",
    /// "type":"https://api.twitter.com/2/problems/invalid-request"}`.
    ///
    /// Lists are comma-separated without spaces: an empty item (`tweet.fields=`, `a,,b`) or an
    /// item with a space is reported as an invalid value. A parameter given twice is the union.
    /// Every bad value of every parameter gets its own entry in `errors`.
    pub fn from_query(pairs: &[(String, String)]) -> Result<Shape, Value> {
        let lists: Vec<(&str, &[&str])> = PARAMS.iter().map(|(n, names, _)| (*n, *names)).collect();
        let given = parse_lists(pairs, &lists)?;
        let mut shape = Shape::default();
        for (m, g) in shape.masks.iter_mut().zip(given) {
            *m |= g;
        }
        Ok(shape)
    }

    /// Every field and every expansion of the spec.
    pub fn full() -> Shape {
        let mut masks = [0u64; 6];
        for (m, (_, names, _)) in masks.iter_mut().zip(PARAMS.iter()) {
            *m = (1u64 << names.len()) - 1;
        }
        Shape { masks }
    }

    fn has(&self, p: usize, name: &str) -> bool {
        match PARAMS
            .get(p)
            .and_then(|(_, names, _)| names.iter().position(|n| *n == name))
        {
            Some(i) => self.masks[p] & (1 << i) != 0,
            None => false,
        }
    }

    /// Whether `tweet.fields` includes `name` (defaults included).
    pub fn tweet_field(&self, name: &str) -> bool {
        self.has(0, name)
    }

    /// Whether `user.fields` includes `name` (defaults included).
    pub fn user_field(&self, name: &str) -> bool {
        self.has(1, name)
    }

    /// Whether `media.fields` includes `name` (defaults included).
    pub fn media_field(&self, name: &str) -> bool {
        self.has(2, name)
    }

    /// Whether `place.fields` includes `name` (defaults included).
    pub fn place_field(&self, name: &str) -> bool {
        self.has(3, name)
    }

    /// Whether `poll.fields` includes `name` (defaults included).
    pub fn poll_field(&self, name: &str) -> bool {
        self.has(4, name)
    }

    /// Whether `expansions` includes `name`.
    pub fn expansion(&self, name: &str) -> bool {
        self.has(5, name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn defaults_and_parse() {
        let s = Shape::default();
        assert!(
            s.tweet_field("id") && s.tweet_field("text") && s.tweet_field("edit_history_tweet_ids")
        );
        assert!(!s.tweet_field("author_id"));
        assert!(s.user_field("username") && !s.user_field("created_at"));
        assert!(s.media_field("type") && s.place_field("full_name") && s.poll_field("options"));
        let s = Shape::from_query(&q(&[
            ("tweet.fields", "author_id,created_at"),
            ("expansions", "author_id"),
            ("backfill_minutes", "3"),
        ]))
        .unwrap();
        assert!(
            s.tweet_field("author_id") && s.tweet_field("created_at") && s.expansion("author_id")
        );
        assert!(!s.expansion("geo.place_id"));
        assert!(Shape::full().expansion("referenced_tweets.id.author_id"));
        assert!(Shape::full().tweet_field("withheld"));
    }

    #[test]
    fn errors() {
        let e = Shape::from_query(&q(&[("tweet.fields", "foo,id"), ("expansions", "a, b")]))
            .unwrap_err();
        assert_eq!(e["title"], "Invalid Request");
        assert_eq!(
            e["type"],
            "https://api.twitter.com/2/problems/invalid-request"
        );
        assert_eq!(
            e["detail"],
            "One or more parameters to your request was invalid."
        );
        let errs = e["errors"].as_array().unwrap();
        assert_eq!(errs.len(), 3);
        assert_eq!(errs[0]["parameters"]["tweet.fields"][0], "foo");
        assert!(errs[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("The `tweet.fields` query parameter value [foo] is not one of [article,attachments,author_id,"));
        assert_eq!(errs[2]["parameters"]["expansions"][0], " b");
        let e = Shape::from_query(&q(&[("user.fields", "")])).unwrap_err();
        assert_eq!(e["errors"][0]["parameters"]["user.fields"][0], "");
        let e = Shape::from_query(&q(&[("poll.fields", "id,,options")])).unwrap_err();
        assert_eq!(e["errors"].as_array().unwrap().len(), 1);
    }
}
