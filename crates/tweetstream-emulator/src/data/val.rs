//! Small, panic-free accessors and sanitisers for input JSON.

use serde_json::{json, Map, Value};

pub(crate) type Obj = Map<String, Value>;

/// A non-negative integer id given as a JSON number or a decimal string.
pub(crate) fn as_id(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s)
            if !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()) =>
        {
            s.parse().ok()
        }
        _ => None,
    }
}

/// `name_str` if it is a valid id, else `name`.
pub(crate) fn id_field(o: &Obj, name: &str) -> Option<u64> {
    as_id(o.get(&format!("{name}_str"))).or_else(|| as_id(o.get(name)))
}

pub(crate) fn s<'a>(o: &'a Obj, k: &str) -> Option<&'a str> {
    o.get(k)?.as_str()
}

/// A non-empty string member.
pub(crate) fn ne<'a>(o: &'a Obj, k: &str) -> Option<&'a str> {
    s(o, k).filter(|x| !x.is_empty())
}

/// A count: negative (v1.1 sends `-1` for "unknown") and non-integers become 0.
pub(crate) fn count(o: &Obj, k: &str) -> Option<u64> {
    let v = o.get(k)?;
    match v {
        Value::Number(n) => Some(n.as_u64().unwrap_or(0)),
        Value::String(_) => as_id(Some(v)),
        _ => None,
    }
}

pub(crate) fn b(o: &Obj, k: &str) -> Option<bool> {
    o.get(k)?.as_bool()
}

pub(crate) fn obj<'a>(o: &'a Obj, k: &str) -> Option<&'a Obj> {
    o.get(k)?.as_object()
}

pub(crate) fn arr<'a>(o: &'a Obj, k: &str) -> &'a [Value] {
    match o.get(k) {
        Some(Value::Array(a)) => a,
        _ => &[],
    }
}

pub(crate) fn f(v: Option<&Value>) -> Option<f64> {
    v?.as_f64().filter(|x| x.is_finite())
}

/// `[lon, lat]` within range.
pub(crate) fn point(v: Option<&Value>) -> Option<[f64; 2]> {
    let a = v?.as_array()?;
    let lon = f(a.first())?;
    let lat = f(a.get(1))?;
    ((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)).then_some([lon, lat])
}

/// A `[start, end]` pair of character offsets with `start <= end <= nchars`.
pub(crate) fn span(v: Option<&Value>, nchars: usize) -> Option<(u32, u32)> {
    let a = v?.as_array()?;
    let st = a.first()?.as_u64()?;
    let en = a.get(1)?.as_u64()?;
    (st <= en && en <= nchars as u64).then_some((st as u32, en as u32))
}

/// Whether `s` matches X's username pattern `^[A-Za-z0-9_]{1,15}$`.
pub(crate) fn valid_username(s: &str) -> bool {
    !s.is_empty() && s.len() <= 15 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Force a screen name into the username pattern (keeps valid names unchanged).
pub(crate) fn fix_username(s: &str, id: u64) -> String {
    if valid_username(s) {
        return s.to_string();
    }
    let cleaned: String = s
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(15)
        .collect();
    if cleaned.is_empty() {
        format!("user{}", id % 100_000_000_000)
    } else {
        cleaned
    }
}

/// An ISO country code `^[A-Z]{2}$` (upper-cased), or None.
pub(crate) fn country_code(s: &str) -> Option<String> {
    let up = s.to_ascii_uppercase();
    (up.len() == 2 && up.bytes().all(|b| b.is_ascii_uppercase())).then_some(up)
}

/// A URI acceptable to JSON-schema `format: uri`: needs a scheme; bytes that may not appear in
/// a URI (non-ASCII, spaces, quotes, …) are percent-encoded.
pub(crate) fn clean_uri(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let colon = s.find(':')?;
    let scheme = s.get(..colon)?;
    if scheme.is_empty()
        || !scheme
            .as_bytes()
            .first()
            .is_some_and(u8::is_ascii_alphabetic)
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        return None;
    }
    let ok = |b: u8| {
        b.is_ascii_graphic()
            && !matches!(
                b,
                b'"' | b'<' | b'>' | b'\\' | b'^' | b'`' | b'{' | b'|' | b'}'
            )
    };
    if bytes.iter().all(|&b| ok(b)) {
        return Some(s.to_string());
    }
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len() + 16);
    for &b in bytes {
        if ok(b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 0xf) as usize] as char);
        }
    }
    Some(out)
}

/// The client name inside a v1.1 `source` anchor (`<a href="…" rel="nofollow">Name</a>`).
pub(crate) fn source_name(html: &str) -> String {
    let inner = match (html.find('>'), html.rfind("</a>")) {
        (Some(a), Some(b)) if a < b => html.get(a + 1..b).unwrap_or(html),
        _ => html,
    };
    inner
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
}

/// The v1.1 anchor for a plain client name.
pub(crate) fn source_html(name: &str) -> String {
    let esc = name
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let href = match name {
        "Twitter for iPhone" => "http://twitter.com/download/iphone",
        "Twitter for Android" => "http://twitter.com/download/android",
        "Twitter for iPad" => "http://twitter.com/#!/download/ipad",
        "Twitter Web App" => "https://mobile.twitter.com",
        "TweetDeck" | "TweetDeck Web App" => "https://tweetdeck.twitter.com",
        _ => "https://help.twitter.com/en/using-twitter/how-to-tweet#source-labels",
    };
    format!("<a href=\"{href}\" rel=\"nofollow\">{esc}</a>")
}

/// Character count of `s` as u32 (saturating).
pub(crate) fn nchars(s: &str) -> usize {
    s.chars().count()
}

/// Clean a v2 `FullTextEntities`-shaped object (`hashtags`, `cashtags`, `mentions`, `urls`,
/// `annotations`) so that it fits X's schema: entries without their required members, mentions
/// whose username does not fit the username pattern (real data has some), and URLs that are not
/// URIs are dropped; empty lists are removed. None when nothing is left.
pub(crate) fn sanitize_entities(v: &Value) -> Option<Value> {
    let o = v.as_object()?;
    let mut out = Map::new();
    for (kind, list) in o {
        let Some(list) = list.as_array() else {
            continue;
        };
        let kept: Vec<Value> = list
            .iter()
            .filter_map(|e| sanitize_entity(kind, e))
            .collect();
        if !kept.is_empty() {
            out.insert(kind.clone(), Value::Array(kept));
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

fn sanitize_entity(kind: &str, e: &Value) -> Option<Value> {
    let mut o = e.as_object()?.clone();
    o.get("start")?.as_u64()?;
    o.get("end")?.as_u64()?;
    match kind {
        "mentions" => {
            if !valid_username(s(&o, "username")?) {
                return None;
            }
            if o.contains_key("id") && as_id(o.get("id")).is_none() {
                o.remove("id");
            }
        }
        "hashtags" | "cashtags" => {
            s(&o, "tag")?;
        }
        "urls" => sanitize_url_entity(&mut o)?,
        _ => {}
    }
    Some(Value::Object(o))
}

/// Clean the members of a URL entity in place; None when `url` is unusable.
pub(crate) fn sanitize_url_entity(o: &mut Obj) -> Option<()> {
    let url = clean_uri(s(o, "url")?)?;
    o.insert("url".into(), url.into());
    for k in ["expanded_url", "unwound_url"] {
        match o.get(k).and_then(Value::as_str).and_then(clean_uri) {
            Some(u) => {
                o.insert(k.into(), u.into());
            }
            None => {
                o.remove(k);
            }
        }
    }
    if !o
        .get("status")
        .and_then(Value::as_u64)
        .is_some_and(|x| (100..=599).contains(&x))
    {
        o.remove("status");
    }
    if !o
        .get("media_key")
        .and_then(Value::as_str)
        .is_some_and(valid_media_key)
    {
        o.remove("media_key");
    }
    for k in ["display_url", "title", "description"] {
        if o.get(k).is_some_and(|v| !v.is_string()) {
            o.remove(k);
        }
    }
    if let Some(Value::Array(imgs)) = o.get_mut("images") {
        imgs.retain(|i| {
            i.get("url")
                .and_then(Value::as_str)
                .and_then(clean_uri)
                .is_some()
        });
    }
    let bad_images = match o.get("images") {
        Some(Value::Array(a)) => a.is_empty(),
        Some(_) => true,
        None => false,
    };
    if bad_images {
        o.remove("images");
    }
    Some(())
}

/// `^([0-9]+)_([0-9]+)$`
pub(crate) fn valid_media_key(k: &str) -> bool {
    match k.split_once('_') {
        Some((a, b)) => {
            !a.is_empty()
                && !b.is_empty()
                && a.bytes().all(|c| c.is_ascii_digit())
                && b.bytes().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

/// Clean v2 user `entities` (`url.urls`, `description`).
pub(crate) fn sanitize_user_entities(v: &Value) -> Option<Value> {
    let o = v.as_object()?;
    let mut out = Map::new();
    if let Some(d) = o.get("description").and_then(sanitize_entities) {
        out.insert("description".into(), d);
    }
    if let Some(u) = o.get("url") {
        let urls = json!({ "urls": u.get("urls").cloned().unwrap_or(Value::Null) });
        if let Some(clean) = sanitize_entities(&urls) {
            out.insert("url".into(), clean);
        }
    }
    (!out.is_empty()).then_some(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(as_id(Some(&Value::from("123"))), Some(123));
        assert_eq!(as_id(Some(&Value::from("12a"))), None);
        assert_eq!(as_id(Some(&Value::from(-1))), None);
        assert_eq!(
            source_name("<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">Twitter for iPhone</a>"),
            "Twitter for iPhone"
        );
        assert_eq!(source_name("web"), "web");
        assert_eq!(
            clean_uri("http://ex.com/a b/é").as_deref(),
            Some("http://ex.com/a%20b/%C3%A9")
        );
        assert_eq!(clean_uri("ex.com/a"), None);
        assert_eq!(fix_username("ok_name", 1), "ok_name");
        assert_eq!(fix_username("bad name!!", 1), "badname");
        assert_eq!(fix_username("日本", 7), "user7");
        assert_eq!(country_code("jp").as_deref(), Some("JP"));
        assert_eq!(country_code("JPN"), None);
    }
}
