//! Sources: input formats, the synthetic generator, id renumbering, robustness.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use tweetstream_emulator::data::{
    MatchedRule, Shape, Source, V1Filter, V2Renderer, SYNTHETIC_BASE_LEN,
};

fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("TWEETSTREAM_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        });
    if dir.join("twitter.json").exists() {
        Some(dir)
    } else {
        panic!(
            "shared data not found at {} (clone the repository with shared/ beside it, or set TWEETSTREAM_DATA_DIR)",
            dir.display()
        )
    }
}

fn read(name: &str) -> Option<Vec<u8>> {
    Some(std::fs::read(data_dir()?.join(name)).unwrap())
}

const TWARC: &str = "x-v2-filtered-stream-2021-with-truncated-last-line.twarc.jsonl";

fn v2(src: &Source, r: &mut V2Renderer, seq: u64) -> Value {
    let mut out = Vec::new();
    r.write(&src.get(seq), None, &mut out);
    serde_json::from_slice(&out).unwrap()
}

fn v1(src: &Source, seq: u64) -> Value {
    let mut out = Vec::new();
    src.get(seq).write_v1(&mut out);
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn synthetic_is_deterministic() {
    let a = Source::synthetic(42);
    let b = Source::synthetic(42);
    let c = Source::synthetic(43);
    assert_eq!(a.base_len(), SYNTHETIC_BASE_LEN);
    let (mut ra, mut rb, mut rc) = (
        V2Renderer::new(Shape::full()),
        V2Renderer::new(Shape::full()),
        V2Renderer::new(Shape::full()),
    );
    let mut differs = 0;
    for seq in (0..12_000).step_by(7) {
        let (mut x, mut y, mut z) = (Vec::new(), Vec::new(), Vec::new());
        a.get(seq).write_v1(&mut x);
        b.get(seq).write_v1(&mut y);
        c.get(seq).write_v1(&mut z);
        assert_eq!(x, y, "v1 seq {seq}");
        differs += usize::from(x != z);
        x.clear();
        y.clear();
        ra.write(&a.get(seq), None, &mut x);
        rb.write(&b.get(seq), None, &mut y);
        rc.write(&c.get(seq), None, &mut z);
        assert_eq!(x, y, "v2 seq {seq}");
        assert_eq!(a.get(seq).rule_input().text, b.get(seq).rule_input().text);
    }
    assert!(differs > 1000, "another seed gives another sequence");
}

#[test]
fn synthetic_construction_is_fast() {
    let t = Instant::now();
    let s = Source::synthetic(7);
    let took = t.elapsed();
    eprintln!(
        "Source::synthetic: {took:?} for {} base tweets",
        s.base_len()
    );
    let limit = if cfg!(debug_assertions) { 3_000 } else { 100 };
    assert!(took.as_millis() < limit, "{took:?}");
}

fn words(text: &str) -> HashSet<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[test]
fn synthetic_variety() {
    let src = Source::synthetic(1);
    let mut r = V2Renderer::new(Shape::full());
    let mut langs = HashMap::new();
    let mut word_hits: HashMap<&str, usize> = HashMap::new();
    let (mut rts, mut replies, mut quotes, mut polls, mut places, mut coords, mut verified) =
        (0, 0, 0, 0, 0, 0, 0);
    let (mut multibyte, mut emoji, mut cashtags, mut hashtags, mut mentions, mut urls) =
        (0, 0, 0, 0, 0, 0);
    let mut media_kinds = HashSet::new();
    let mut levels = HashSet::new();
    let mut authors = HashSet::new();
    let mut nullcasts = 0;
    for seq in 0..src.base_len() as u64 {
        let t = src.get(seq);
        let ri = t.rule_input();
        *langs
            .entry(ri.lang.clone().unwrap_or_default())
            .or_insert(0) += 1;
        let w = words(&ri.text);
        for k in ["cat", "dog", "rust", "music", "news"] {
            if w.contains(k) {
                *word_hits.entry(k).or_default() += 1;
            }
        }
        rts += usize::from(ri.retweet_of.is_some());
        replies += usize::from(ri.in_reply_to_tweet_id.is_some());
        quotes += usize::from(ri.quoted.is_some());
        places += usize::from(ri.place.is_some());
        coords += usize::from(ri.coordinates.is_some());
        verified += usize::from(ri.author_verified);
        multibyte += usize::from(ri.text.len() != ri.text.chars().count());
        emoji += usize::from(ri.text.chars().any(|c| c as u32 >= 0x1F300));
        cashtags += usize::from(!ri.cashtags.is_empty());
        hashtags += usize::from(!ri.hashtags.is_empty());
        mentions += usize::from(!ri.mentions.is_empty());
        urls += usize::from(!ri.urls.is_empty());
        authors.insert(ri.author_id);
        for m in &ri.media {
            media_kinds.insert(format!("{m:?}"));
        }
        let p = v2(&src, &mut r, seq);
        polls += usize::from(p["data"]["attachments"]["poll_ids"].is_array());
        // A nullcast Post says so in `scopes` (rendered by Shape::full()).
        assert_eq!(
            ri.nullcast,
            p["data"]["scopes"]["followers"] == false,
            "{}",
            p["data"]
        );
        nullcasts += usize::from(ri.nullcast);
        levels.insert(v1(&src, seq)["filter_level"].as_str().unwrap().to_string());
    }
    eprintln!(
        "langs {langs:?} words {word_hits:?} rt {rts} replies {replies} quotes {quotes} nullcasts {nullcasts} polls {polls} places {places} \
         coords {coords} verified {verified} authors {}",
        authors.len()
    );
    assert!(langs.len() >= 8, "{langs:?}");
    for k in ["cat", "dog", "rust", "music", "news"] {
        assert!(
            word_hits.get(k).copied().unwrap_or(0) >= 50,
            "{k}: {word_hits:?}"
        );
    }
    assert!(rts > 400 && replies > 400 && quotes > 150 && polls > 30);
    // About 1% of the originals are nullcast (promoted-only) Posts.
    assert!((10..100).contains(&nullcasts), "{nullcasts} nullcast Posts");
    assert!(places > 200 && coords > 50 && verified > 100);
    assert!(
        multibyte > 1000
            && emoji > 500
            && cashtags > 50
            && hashtags > 1000
            && mentions > 1000
            && urls > 500
    );
    assert_eq!(media_kinds.len(), 3, "{media_kinds:?}");
    assert_eq!(levels.len(), 3, "{levels:?}");
    assert!(authors.len() > 300);
}

fn check_unique_ids(src: &Source, loops: u64) {
    let n = src.base_len() as u64;
    let mut seen = HashSet::new();
    let mut r = V2Renderer::new(
        Shape::from_query(&[("expansions".into(), "referenced_tweets.id".into())]).unwrap(),
    );
    for seq in 0..loops * n {
        let t = src.get(seq);
        let id = t.id();
        assert!(id <= i64::MAX as u64);
        assert!(seen.insert(id), "id {id} repeated at seq {seq}");
        let p = v2(src, &mut r, seq);
        assert_eq!(p["data"]["id"], id.to_string());
        let s = v1(src, seq);
        assert_eq!(s["id_str"], id.to_string());
        if seq < n {
            assert_eq!(id, t.rule_input().id, "loop 0 keeps the original id");
        } else {
            assert_ne!(id, t.rule_input().id);
        }
        // Referenced tweets of the corpus are renumbered with the same mapping everywhere.
        for rt in p["data"]["referenced_tweets"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let rid = rt["id"].as_str().unwrap();
            if let Some(inc) = p["includes"]["tweets"].as_array() {
                if let Some(t) = inc.iter().find(|x| x["id"] == rid) {
                    assert_eq!(t["edit_history_tweet_ids"][0], rid);
                }
            }
            if rt["type"] == "retweeted" {
                assert_eq!(s["retweeted_status"]["id_str"], rid);
                assert_eq!(
                    s["retweeted_status"]["id"].as_u64().unwrap().to_string(),
                    rid
                );
            }
            if rt["type"] == "replied_to" {
                assert_eq!(s["in_reply_to_status_id_str"], rid);
            }
            if rt["type"] == "quoted" {
                assert_eq!(s["quoted_status_id_str"], rid);
            }
        }
    }
}

#[test]
fn ids_unique_over_three_loops_synthetic() {
    check_unique_ids(&Source::synthetic_with_len(5, 3000), 3);
}

#[test]
fn ids_unique_over_three_loops_corpora() {
    for name in ["twitter.json", TWARC] {
        let Some(bytes) = read(name) else { return };
        check_unique_ids(&Source::from_bytes(&bytes).unwrap(), 3);
    }
}

#[test]
fn renumbering_keeps_threads_together() {
    let src = Source::synthetic_with_len(8, 2000);
    let n = src.base_len() as u64;
    // Map loop-0 id → base index.
    let base: HashMap<u64, u64> = (0..n).map(|s| (src.get(s).id(), s)).collect();
    let shape = Shape::from_query(&[(
        "tweet.fields".into(),
        "conversation_id,referenced_tweets".into(),
    )])
    .unwrap();
    let mut r = V2Renderer::new(shape);
    let mut checked = 0;
    for lp in [1u64, 2, 5] {
        for s in 0..n {
            let t = src.get(lp * n + s);
            let p = v2(&src, &mut r, lp * n + s);
            for rt in p["data"]["referenced_tweets"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let orig0 = match rt["type"].as_str().unwrap() {
                    "retweeted" => t.rule_input().retweet_of.as_ref().unwrap().0,
                    "quoted" => t.rule_input().quoted.as_ref().unwrap().id,
                    _ => t.rule_input().in_reply_to_tweet_id.unwrap(),
                };
                let target = base[&orig0];
                assert_eq!(rt["id"], src.get(lp * n + target).id().to_string());
                checked += 1;
            }
            let conv0 = t.rule_input().conversation_id.unwrap();
            assert_eq!(
                p["data"]["conversation_id"],
                src.get(lp * n + base[&conv0]).id().to_string()
            );
        }
    }
    assert!(checked > 1000);
}

#[test]
fn input_formats() {
    let Some(dir) = data_dir() else { return };
    let tw: Value =
        serde_json::from_slice(&std::fs::read(dir.join("twitter.json")).unwrap()).unwrap();
    let statuses = tw["statuses"].as_array().unwrap();
    // A JSON array of statuses.
    let arr = serde_json::to_vec(statuses).unwrap();
    assert_eq!(Source::from_bytes(&arr).unwrap().base_len(), 100);
    // JSONL with garbage, stream messages, blank lines, CRLF, a BOM, a truncated last line.
    let mut jl = b"\xEF\xBB\xBF".to_vec();
    jl.extend_from_slice(b"{\"delete\":{\"status\":{\"id\":1,\"user_id\":3}}}\r\n\r\nnot json\n");
    for s in statuses.iter().take(10) {
        jl.extend_from_slice(&serde_json::to_vec(s).unwrap());
        jl.extend_from_slice(b"\r\n{\"limit\":{\"track\":12}}\n");
    }
    jl.extend_from_slice(b"{\"id\":5,\"text\":\"trunc");
    let s = Source::from_bytes(&jl).unwrap();
    assert_eq!(s.base_len(), 10);
    assert_eq!(s.get(0).id(), 505874924095815681);
    // Real captures.
    for (name, expected) in [
        ("x-v1.1-filter-two-tweets.sferik.jsonl", 1), // the same status twice
        ("x-v1.1-stream-2009-delete-status-limit.twitter4j.jsonl", 3),
        ("x-v1.1-common-tweets.twitter4s.json", 5), // blank-line separated objects
        (
            "x-v1.1-userstream-friends-tweet-dm-event-delete-warning.crlf.sferik.txt",
            1,
        ),
        (TWARC, 7),
    ] {
        let s = Source::from_path(&dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(s.base_len(), expected, "{name}");
        let mut r = V2Renderer::new(Shape::full());
        for seq in 0..2 * expected as u64 {
            v2(&s, &mut r, seq);
            v1(&s, seq);
        }
    }
    // v2 payload whose data is an array.
    let p = json!({"data": [{"id": "10", "text": "a cat"}, {"id": "11", "text": "a dog", "author_id": "5"}],
                   "includes": {"users": [{"id": "5", "name": "Five", "username": "five"}]}});
    let s = Source::from_bytes(&serde_json::to_vec(&p).unwrap()).unwrap();
    assert_eq!(s.base_len(), 2);
    assert_eq!(s.get(1).rule_input().author_username, "five");
    // Nothing usable.
    for bad in [
        &b""[..],
        b"   ",
        b"[]",
        b"{}",
        b"{\"statuses\":[]}",
        b"\xff\xfe garbage",
        b"{\"delete\":{}}\n{\"limit\":{}}",
    ] {
        assert!(
            Source::from_bytes(bad).is_err(),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    assert!(Source::from_path(&dir.join("does-not-exist.json")).is_err());
}

/// Replace random members of the statuses with values of the wrong type / range.
fn mutate(v: &mut Value, rng: &mut StdRng, depth: u32) {
    const WEIRD: fn(&mut StdRng) -> Value = |rng| match rng.gen_range(0..12) {
        0 => Value::Null,
        1 => json!(-1),
        2 => json!(u64::MAX),
        3 => json!("9999999999999999999999"),
        4 => json!([]),
        5 => json!({}),
        6 => json!([5, 2]),
        7 => json!([0, 100000]),
        8 => json!("é\u{0}\r\n"),
        9 => json!(1e308),
        10 => json!([[[1e9, -1e9]]]),
        _ => json!(true),
    };
    match v {
        Value::Object(o) => {
            let keys: Vec<String> = o.keys().cloned().collect();
            for k in keys {
                if rng.gen_bool(0.08) {
                    o.insert(k, WEIRD(rng));
                } else if let Some(x) = o.get_mut(&k) {
                    if depth < 12 {
                        mutate(x, rng, depth + 1);
                    }
                }
            }
        }
        Value::Array(a) => {
            for x in a.iter_mut() {
                if depth < 12 {
                    mutate(x, rng, depth + 1);
                }
            }
        }
        _ => {}
    }
}

fn exercise(src: &Source) {
    let mut r = V2Renderer::new(Shape::full());
    let f = V1Filter::from_params(
        &[
            ("track".into(), "cat,the dog,example.com/x".into()),
            ("follow".into(), "1,2,3".into()),
            ("locations".into(), "-180,-90,180,90".into()),
            ("language".into(), "en,ja".into()),
            ("filter_level".into(), "low".into()),
        ],
        true,
    )
    .unwrap();
    for seq in 0..2 * src.base_len() as u64 {
        let t = src.get(seq);
        let mut out = Vec::new();
        r.write(&t, Some(&[MatchedRule { id: "1", tag: "x" }]), &mut out);
        serde_json::from_slice::<Value>(&out).expect("valid JSON");
        out.clear();
        t.write_v1(&mut out);
        serde_json::from_slice::<Value>(&out).expect("valid JSON");
        let _ = f.matches(&t);
    }
}

#[test]
fn hostile_input_never_panics() {
    let Some(dir) = data_dir() else { return };
    let tw: Value =
        serde_json::from_slice(&std::fs::read(dir.join("twitter.json")).unwrap()).unwrap();
    let twarc = std::fs::read_to_string(dir.join(TWARC)).unwrap();
    let lines: Vec<Value> = twarc
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let mut rng = StdRng::seed_from_u64(99);
    for round in 0..25 {
        let mut v = tw.clone();
        mutate(&mut v, &mut rng, 0);
        if let Ok(src) = Source::from_bytes(&serde_json::to_vec(&v).unwrap()) {
            exercise(&src);
        }
        let mut body = Vec::new();
        for l in &lines {
            let mut l = l.clone();
            mutate(&mut l, &mut rng, 0);
            body.extend_from_slice(&serde_json::to_vec(&l).unwrap());
            body.push(b'\n');
        }
        if let Ok(src) = Source::from_bytes(&body) {
            exercise(&src);
        }
        // Byte-level damage.
        let mut raw = serde_json::to_vec(&tw["statuses"]).unwrap();
        let cut = rng.gen_range(0..raw.len());
        raw.truncate(cut.max(round));
        if let Ok(src) = Source::from_bytes(&raw) {
            exercise(&src);
        }
    }
}

#[test]
fn thread_safety() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<Source>();
    send_sync::<tweetstream_emulator::data::Tweet<'static>>();
    send::<V2Renderer>();
    send_sync::<V1Filter>();
    // A source shared by threads renders the same bytes.
    let src = Source::synthetic_with_len(2, 300);
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let s = src.clone();
            std::thread::spawn(move || {
                let mut out = Vec::new();
                for seq in 0..900 {
                    s.get(seq).write_v1(&mut out);
                }
                out
            })
        })
        .collect();
    let outs: Vec<Vec<u8>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert!(outs.windows(2).all(|w| w[0] == w[1]));
}
