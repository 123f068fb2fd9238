//! Cheap looks into a message's bytes without decoding it: its first key, and the value at a
//! short path of object keys (`data.id`). Pure, no allocation, never panics on any input.
//!
//! The raw path uses these to recognise in-band disconnects and to read ids for dedupe without
//! a typed decode. They are deliberately not a JSON parser: they skip over values by their
//! brackets and quotes, and give up (`None`) on anything unexpected.
//!
//! ```
//! use tweetstream::sniff::{first_key, id_at};
//!
//! let line = br#"{"data":{"edit_history_tweet_ids":["5"],"id":"1212092628029698048","text":"hi"}}"#;
//! assert_eq!(first_key(line), Some(&b"data"[..]));
//! assert_eq!(id_at(line, &["data", "id"]), Some(1212092628029698048));
//! assert_eq!(id_at(line, &["includes", "id"]), None);
//! ```

use std::hash::{Hash, Hasher};

fn skip_ws(raw: &[u8], mut i: usize) -> usize {
    while matches!(raw.get(i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        i += 1;
    }
    i
}

/// The index just past the string starting at `i` (which holds `"`), or `None` if it does not end.
fn skip_string(raw: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    loop {
        let k = j + memchr::memchr2(b'"', b'\\', raw.get(j..)?)?;
        if raw[k] == b'\\' {
            j = k + 2;
        } else {
            return Some(k + 1);
        }
    }
}

/// The index just past the value starting at `i`, or `None` if it is cut or not a value.
fn skip_value(raw: &[u8], i: usize) -> Option<usize> {
    match raw.get(i)? {
        b'"' => skip_string(raw, i),
        &open @ (b'{' | b'[') => {
            // Only this kind of bracket needs counting: the other kind balances itself inside,
            // and strings are skipped whole.
            let close = if open == b'{' { b'}' } else { b']' };
            let mut depth = 0usize;
            let mut j = i;
            loop {
                let k = j + memchr::memchr3(b'"', open, close, raw.get(j..)?)?;
                match raw[k] {
                    b'"' => j = skip_string(raw, k)?,
                    b if b == open => {
                        depth += 1;
                        j = k + 1;
                    }
                    _ => {
                        depth = depth.checked_sub(1)?;
                        j = k + 1;
                        if depth == 0 {
                            return Some(j);
                        }
                    }
                }
            }
        }
        _ => {
            // A number, true, false or null: up to the next delimiter.
            let rest = raw.get(i..)?;
            let n = rest
                .iter()
                .position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n'))
                .unwrap_or(rest.len());
            (n > 0).then_some(i + n)
        }
    }
}

/// The value (its bytes, quotes included for a string) of `key` in the object starting at `i`.
fn member(raw: &[u8], i: usize, key: &[u8]) -> Option<(usize, usize)> {
    if raw.get(i) != Some(&b'{') {
        return None;
    }
    let mut j = skip_ws(raw, i + 1);
    if raw.get(j) == Some(&b'}') {
        return None;
    }
    loop {
        if raw.get(j) != Some(&b'"') {
            return None;
        }
        let end = skip_string(raw, j)?;
        let name = raw.get(j + 1..end - 1)?;
        j = skip_ws(raw, end);
        if raw.get(j) != Some(&b':') {
            return None;
        }
        let start = skip_ws(raw, j + 1);
        let stop = skip_value(raw, start)?;
        if name == key {
            return Some((start, stop));
        }
        j = skip_ws(raw, stop);
        match raw.get(j)? {
            b',' => j = skip_ws(raw, j + 1),
            _ => return None,
        }
    }
}

/// The first key of a JSON object, if it has one and it has no escapes.
pub fn first_key(raw: &[u8]) -> Option<&[u8]> {
    let i = skip_ws(raw, 0);
    if raw.get(i) != Some(&b'{') {
        return None;
    }
    let i = skip_ws(raw, i + 1);
    if raw.get(i) != Some(&b'"') {
        return None;
    }
    let rest = raw.get(i + 1..)?;
    let end = memchr::memchr2(b'"', b'\\', rest)?;
    (rest[end] == b'"').then(|| &rest[..end])
}

/// The bytes of the value at `path` (object keys, outermost first), quotes included for a
/// string; `None` if any step is missing or the input is not what the path expects.
pub fn value_at<'a>(raw: &'a [u8], path: &[&str]) -> Option<&'a [u8]> {
    let mut span = (skip_ws(raw, 0), raw.len());
    for key in path {
        span = member(raw, span.0, key.as_bytes())?;
    }
    raw.get(span.0..span.1)
}

/// The id at `path` as a number: a decimal id (string or number) as itself, any other string
/// hashed, so that it can key a dedupe window.
pub fn id_at(raw: &[u8], path: &[&str]) -> Option<u64> {
    let v = value_at(raw, path)?;
    let text = match v {
        [b'"', inner @ .., b'"'] => inner,
        _ => v,
    };
    if text.is_empty() || matches!(v, b"null" | b"true" | b"false") {
        return None;
    }
    match std::str::from_utf8(text)
        .ok()
        .and_then(|t| t.parse::<u64>().ok())
    {
        Some(n) => Some(n),
        None => {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            text.hash(&mut h);
            Some(h.finish())
        }
    }
}

/// A hash of the whole message: the id of a message that carries none.
pub fn hash_of(raw: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    raw.hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn paths() {
        let raw = br#" { "a" : [1, {"id":"x"}, "]}\"" ], "data" : { "n": {"id": 3}, "id" : 42 , "z":null} }"#;
        assert_eq!(first_key(raw), Some(&b"a"[..]));
        assert_eq!(value_at(raw, &["data", "id"]), Some(&b"42"[..]));
        assert_eq!(id_at(raw, &["data", "id"]), Some(42));
        assert_eq!(id_at(raw, &["data", "n", "id"]), Some(3));
        assert_eq!(id_at(raw, &["data", "z"]), None);
        assert_eq!(id_at(raw, &["data", "missing"]), None);
        assert_eq!(
            id_at(br#"{"data":{"id":"abc"}}"#, &["data", "id"]),
            id_at(br#"{"data":{"id":"abc"}}"#, &["data", "id"])
        );
        assert!(id_at(br#"{"data":{"id":"abc"}}"#, &["data", "id"]).is_some());
        assert_eq!(first_key(br#"{"da\"ta":1}"#), None);
        assert_eq!(first_key(b"[1]"), None);
        assert_eq!(value_at(b"{}", &["a"]), None);
    }

    #[test]
    fn real_tweets() {
        let path = format!(
            "{}/../../../shared/data/x-v2-filtered-stream-2021-with-truncated-last-line.twarc.jsonl",
            env!("CARGO_MANIFEST_DIR")
        );
        let body = std::fs::read(path).expect("shared data");
        for line in body
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .take(7)
        {
            let v: serde_json::Value = serde_json::from_slice(line).expect("json");
            let want: u64 = v["data"]["id"]
                .as_str()
                .expect("id")
                .parse()
                .expect("numeric");
            assert_eq!(id_at(line, &["data", "id"]), Some(want));
        }
    }

    proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = first_key(&data);
            let _ = id_at(&data, &["data", "id"]);
            let _ = value_at(&data, &["a"]);
        }

        #[test]
        fn agrees_with_serde(id in any::<u64>(), pad in "[a-z ]{0,20}", nested in any::<bool>()) {
            let inner = if nested { format!(r#""x":{{"id":"{pad}"}},"#) } else { String::new() };
            let raw = format!(r#"{{"data":{{"text":"{pad}\"}}",{inner}"id":"{id}"}},"includes":{{}}}}"#);
            prop_assert_eq!(id_at(raw.as_bytes(), &["data", "id"]), Some(id));
        }
    }
}
