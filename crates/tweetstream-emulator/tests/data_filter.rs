//! v1.1 statuses/filter semantics (`V1Filter`): track tokenisation, follow, locations, language,
//! filter_level and the parameter limits.

use serde_json::{json, Value};
use tweetstream_emulator::data::{Source, V1Filter, V1ParamError};

fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn filter(pairs: &[(&str, &str)]) -> V1Filter {
    V1Filter::from_params(&p(pairs), true).unwrap_or_else(|e| panic!("{pairs:?}: {e}"))
}

fn err(pairs: &[(String, String)]) -> V1ParamError {
    V1Filter::from_params(pairs, true).expect_err("should be rejected")
}

fn user(id: u64, screen: &str) -> Value {
    json!({"id": id, "id_str": id.to_string(), "name": screen.to_uppercase(), "screen_name": screen,
           "protected": false, "followers_count": 1, "friends_count": 1, "statuses_count": 1})
}

fn status(id: u64, author: (u64, &str), text: &str, extra: Value) -> Value {
    let mut s = json!({
        "created_at": "Sun Aug 31 00:29:15 +0000 2014",
        "id": id, "id_str": id.to_string(), "text": text,
        "user": user(author.0, author.1),
        "entities": {"hashtags": [], "urls": [], "user_mentions": [], "symbols": []},
        "lang": "en",
    });
    if let (Some(o), Some(e)) = (s.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            o.insert(k.clone(), v.clone());
        }
    }
    s
}

fn source(statuses: &[Value]) -> Source {
    Source::from_bytes(&serde_json::to_vec(&json!({ "statuses": statuses })).unwrap()).unwrap()
}

/// Which base tweets (by index) the filter delivers.
fn delivered(src: &Source, f: &V1Filter) -> Vec<usize> {
    (0..src.base_len())
        .filter(|&i| f.matches(&src.get(i as u64)))
        .collect()
}

fn track_table(text: &str, term: &str) -> bool {
    let src = source(&[status(1, (9, "someone"), text, json!({}))]);
    filter(&[("track", term)]).matches(&src.get(0))
}

#[test]
fn track_tokenisation_reference_cases() {
    let cases: &[(&str, &str, bool)] = &[
        ("TWITTER", "Twitter", true),
        ("twitter", "Twitter", true),
        ("\"Twitter\"", "Twitter", true),
        ("twitter.", "Twitter", true),
        ("#twitter", "Twitter", true),
        ("@twitter", "Twitter", true),
        ("http://twitter.com", "Twitter", true),
        ("TwitterTracker", "Twitter", false),
        ("#newtwitter", "Twitter", false),
        ("I like Twitter's new design", "Twitter's", true),
        ("@Twitter's office", "Twitter's", false),
        ("he says hello.", "hello", true),
        ("hello", "hello.", false),
        ("hello.", "hello.", true),
        ("touche", "touché", false),
        ("touché!", "touché", true),
        // Comma = OR, space = AND, any order.
        ("the bird is on twitter", "the twitter", true),
        ("twitter only", "the twitter", false),
        ("only the", "the,twitter", true),
        ("twitter is where the birds are", "birds twitter", true),
        // Whole tokens only; no substring matching.
        ("cats are great", "cat", false),
        ("a cat, a hat", "cat", true),
        ("(cat)", "cat", true),
        // CJK: no word segmentation.
        ("今日は猫と一緒", "猫", false),
        ("猫 かわいい", "猫", true),
        // URLs in the text.
        (
            "read https://www.example.com/foobarbaz now",
            "example.com/foobarbaz",
            true,
        ),
        (
            "read https://example.com/foobarbaz now",
            "example.com",
            false,
        ),
        (
            "read https://example.com/foobarbaz now",
            "example com",
            true,
        ),
        (
            "read https://www.example.com/foobarbaz now",
            "www.example.com/foobarbaz",
            false,
        ),
    ];
    for &(text, term, want) in cases {
        assert_eq!(
            track_table(text, term),
            want,
            "track={term:?} text={text:?}"
        );
    }
}

#[test]
fn track_looks_at_url_entities_hashtags_and_mentions() {
    let with_url = status(
        1,
        (9, "someone"),
        "look https://t.co/abc123",
        json!({"entities": {"hashtags": [], "user_mentions": [], "symbols": [], "urls": [{
            "url": "https://t.co/abc123", "expanded_url": "https://www.example.com/foobarbaz",
            "display_url": "example.com/foobarbaz", "indices": [5, 24]}]}}),
    );
    let with_media = status(
        2,
        (9, "someone"),
        "pic https://t.co/m1",
        json!({"entities": {"hashtags": [], "user_mentions": [], "symbols": [], "urls": [], "media": [{
            "id": 77, "id_str": "77", "type": "photo", "url": "https://t.co/m1",
            "media_url_https": "https://pbs.twimg.com/media/x.jpg",
            "expanded_url": "https://twitter.com/someone/status/2/photo/1",
            "display_url": "pic.twitter.com/m1", "indices": [4, 19]}]}}),
    );
    let src = source(&[with_url, with_media]);
    assert_eq!(
        delivered(&src, &filter(&[("track", "example.com/foobarbaz")])),
        vec![0]
    );
    assert_eq!(delivered(&src, &filter(&[("track", "foobarbaz")])), vec![0]);
    assert_eq!(
        delivered(&src, &filter(&[("track", "example.com")])),
        Vec::<usize>::new()
    );
    assert_eq!(
        delivered(&src, &filter(&[("track", "pic.twitter.com/m1")])),
        vec![1]
    );
    assert_eq!(
        delivered(
            &src,
            &filter(&[("track", "twitter.com/someone/status/2/photo/1")])
        ),
        vec![1]
    );
}

fn follow_corpus() -> Source {
    let alice = (100, "alice");
    let bob = (200, "bob");
    let carol = (300, "carol");
    let orig = status(10, alice, "alice says hi", json!({}));
    source(&[
        orig.clone(), // 0 authored by alice
        status(
            11,
            bob,
            "RT @alice: alice says hi",
            json!({"retweeted_status": orig}),
        ), // 1 retweet of alice
        status(
            12,
            bob,
            "@alice hello",
            json!({"in_reply_to_status_id": 10, "in_reply_to_status_id_str": "10",
            "in_reply_to_user_id": 100, "in_reply_to_user_id_str": "100", "in_reply_to_screen_name": "alice"}),
        ), // 2 reply
        status(13, carol, "@alice manual reply", json!({})), // 3 manual reply (text starts with @alice)
        status(
            14,
            carol,
            "I met @alice today",
            json!({"entities": {"hashtags": [], "urls": [], "symbols": [],
            "user_mentions": [{"id": 100, "id_str": "100", "name": "Alice", "screen_name": "alice", "indices": [6, 12]}]}}),
        ), // 4 mention
        status(15, carol, "RT @alice: alice says hi", json!({})), // 5 manual RT copy
        status(
            16,
            alice,
            "RT @bob: something",
            json!({"retweeted_status": status(9, bob, "something", json!({}))}),
        ), // 6 retweet made by alice
        status(17, (400, "dave"), "unrelated", json!({})),   // 7
        status(
            18,
            (500, "eve"),
            "secret",
            json!({"user": {"id": 500, "id_str": "500", "name": "Eve", "screen_name": "eve", "protected": true}}),
        ), // 8 protected
    ])
}

#[test]
fn follow_semantics() {
    let src = follow_corpus();
    assert_eq!(
        delivered(&src, &filter(&[("follow", "100")])),
        vec![0, 1, 2, 3, 6]
    );
    // bob: his retweet (1), his reply (2), alice's retweet of his tweet (6); dave: 7.
    assert_eq!(
        delivered(&src, &filter(&[("follow", "400, 200")])),
        vec![1, 2, 6, 7]
    );
    assert_eq!(
        delivered(&src, &filter(&[("follow", "500")])),
        Vec::<usize>::new(),
        "protected"
    );
    // OR with track.
    assert_eq!(
        delivered(&src, &filter(&[("follow", "400"), ("track", "secret")])),
        vec![7, 8]
    );
}

fn geo_corpus() -> Source {
    let sf_place = json!({"id": "5a110d312052166f", "full_name": "San Francisco, CA", "name": "San Francisco",
        "country": "United States", "country_code": "US", "place_type": "city",
        "bounding_box": {"type": "Polygon", "coordinates": [[[-122.514926, 37.708075], [-122.357031, 37.708075],
            [-122.357031, 37.833238], [-122.514926, 37.833238]]]}});
    let ny_place = json!({"id": "27485069891a7938", "full_name": "New York, NY", "name": "New York",
        "country_code": "US", "place_type": "city",
        "bounding_box": {"type": "Polygon", "coordinates": [[[-74.255641, 40.495865], [-73.699793, 40.495865],
            [-73.699793, 40.91533], [-74.255641, 40.91533]]]}});
    let a = (1, "a");
    let orig = status(
        20,
        a,
        "original in SF",
        json!({"coordinates": {"type": "Point", "coordinates": [-122.42, 37.77]}}),
    );
    source(&[
        status(
            21,
            a,
            "point in SF",
            json!({"coordinates": {"type": "Point", "coordinates": [-122.42, 37.77]}}),
        ),
        status(22, a, "place SF only", json!({"place": sf_place})),
        status(23, a, "place NY only", json!({"place": ny_place.clone()})),
        // Point outside the box wins over a place that intersects it.
        status(
            24,
            a,
            "point in NY, place SF",
            json!({"coordinates": {"type": "Point", "coordinates": [-73.99, 40.73]},
            "place": sf_place}),
        ),
        status(25, a, "no geo", json!({})),
        status(
            26,
            (2, "b"),
            "RT @a: original in SF",
            json!({"retweeted_status": orig,
            "coordinates": {"type": "Point", "coordinates": [-122.42, 37.77]}}),
        ),
        status(
            27,
            a,
            "legacy geo only",
            json!({"geo": {"type": "Point", "coordinates": [37.77, -122.42]}}),
        ),
    ])
}

#[test]
fn locations_point_then_place_retweets_never() {
    let src = geo_corpus();
    let sf = filter(&[("locations", "-122.75,36.8,-121.75,37.8")]);
    assert_eq!(delivered(&src, &sf), vec![0, 1]);
    let ny = filter(&[("locations", "-74,40,-73,41")]);
    assert_eq!(delivered(&src, &ny), vec![2, 3]);
    let both = filter(&[("locations", "-122.75,36.8,-121.75,37.8,-74,40,-73,41")]);
    assert_eq!(delivered(&src, &both), vec![0, 1, 2, 3]);
    // A box overlapping only the corner of the SF place bounding box.
    let corner = filter(&[("locations", "-122.4,37.8,-122.2,38.0")]);
    assert_eq!(delivered(&src, &corner), vec![1]);
    // Boxes do not narrow track.
    let f = filter(&[("locations", "-74,40,-73,41"), ("track", "geo")]);
    assert_eq!(delivered(&src, &f), vec![2, 3, 4, 6]);
}

#[test]
fn language_and_filter_level_are_and_conditions() {
    let a = (1, "a");
    let src = source(&[
        status(
            1,
            a,
            "cat one",
            json!({"lang": "en", "filter_level": "none"}),
        ),
        status(
            2,
            a,
            "cat two",
            json!({"lang": "ja", "filter_level": "low"}),
        ),
        status(
            3,
            a,
            "cat three",
            json!({"lang": "en", "filter_level": "medium"}),
        ),
        status(4, a, "cat four", json!({"lang": "EN"})), // no filter_level: counts as low
        status(
            5,
            a,
            "dog five",
            json!({"lang": "en", "filter_level": "medium"}),
        ),
    ]);
    assert_eq!(
        delivered(&src, &filter(&[("track", "cat")])),
        vec![0, 1, 2, 3]
    );
    assert_eq!(
        delivered(&src, &filter(&[("track", "cat"), ("language", "en")])),
        vec![0, 2, 3]
    );
    assert_eq!(
        delivered(&src, &filter(&[("track", "cat"), ("language", "fr,ja")])),
        vec![1]
    );
    assert_eq!(
        delivered(&src, &filter(&[("track", "cat"), ("filter_level", "none")])),
        vec![0, 1, 2, 3]
    );
    assert_eq!(
        delivered(&src, &filter(&[("track", "cat"), ("filter_level", "low")])),
        vec![1, 2, 3]
    );
    assert_eq!(
        delivered(
            &src,
            &filter(&[("track", "cat"), ("filter_level", "medium")])
        ),
        vec![2]
    );
    // Sample: predicates ignored, language / filter_level apply.
    let sample =
        V1Filter::from_params(&p(&[("language", "en"), ("filter_level", "medium")]), false)
            .unwrap();
    assert_eq!(delivered(&src, &sample), vec![2, 4]);
    let all = V1Filter::from_params(&[], false).unwrap();
    assert_eq!(delivered(&src, &all).len(), 5);
}

fn list(n: usize, f: impl Fn(usize) -> String) -> String {
    (0..n).map(f).collect::<Vec<_>>().join(",")
}

#[test]
fn limits_at_the_boundary_and_one_past() {
    // track: 400 phrases of 1–60 bytes.
    let ok = list(400, |i| format!("w{i}"));
    assert!(V1Filter::from_params(&p(&[("track", &ok)]), true).is_ok());
    let e = err(&p(&[("track", &list(401, |i| format!("w{i}")))]));
    assert_eq!(e.status, 413);
    let sixty = "a".repeat(60);
    assert!(V1Filter::from_params(&p(&[("track", &sixty)]), true).is_ok());
    let e = err(&p(&[("track", &format!("ok,{}", "a".repeat(61)))]));
    assert_eq!(
        (e.status, e.message.as_str()),
        (
            406,
            format!("Parameter track item index 1 too long: {}", "a".repeat(61)).as_str()
        )
    );
    // Bytes, not characters: 20 × 3-byte characters = 60 bytes.
    assert!(V1Filter::from_params(&p(&[("track", &"猫".repeat(20))]), true).is_ok());
    assert_eq!(err(&p(&[("track", &"猫".repeat(21))])).status, 406);
    let e = err(&p(&[("track", "a,,b")]));
    assert_eq!(
        (e.status, e.message.as_str()),
        (406, "Parameter track item index 1 too short: ")
    );
    // follow: 5,000 numeric ids.
    assert!(V1Filter::from_params(
        &p(&[("follow", &list(5000, |i| (i + 1).to_string()))]),
        true
    )
    .is_ok());
    assert_eq!(
        err(&p(&[("follow", &list(5001, |i| (i + 1).to_string()))])).status,
        413
    );
    let e = err(&p(&[("follow", "12,abc")]));
    assert_eq!(e.status, 406);
    assert!(e.message.contains("follow") && e.message.contains("abc"));
    assert_eq!(err(&p(&[("follow", "-5")])).status, 406);
    // locations: 25 boxes.
    let b = "-122.75,36.8,-121.75,37.8";
    assert!(
        V1Filter::from_params(&p(&[("locations", &list(25, |_| b.to_string()))]), true).is_ok()
    );
    assert_eq!(
        err(&p(&[("locations", &list(26, |_| b.to_string()))])).status,
        413
    );
    assert_eq!(
        err(&p(&[("locations", "-122.75,36.8,-121.75")])).status,
        406
    );
    assert_eq!(
        err(&p(&[("locations", "-122.75,36.8,-121.75,north")])).status,
        406
    );
    assert_eq!(
        err(&p(&[("locations", "-121.75,37.8,-122.75,36.8")])).status,
        406,
        "NE corner first"
    );
    assert_eq!(
        err(&p(&[("locations", "-122.75,36.8,-122.70,37.8")])).status,
        406,
        "narrower than 0.1°"
    );
    assert_eq!(
        err(&p(&[("locations", "-200,36.8,-121.75,37.8")])).status,
        406
    );
    assert!(V1Filter::from_params(&p(&[("locations", "-180,-90,180,90")]), true).is_ok());
    assert!(V1Filter::from_params(&p(&[("locations", "-122.75,36.8,-122.65,36.9")]), true).is_ok());
    // No predicate.
    let e = err(&p(&[("language", "en"), ("delimited", "length")]));
    assert_eq!(
        (e.status, e.message.as_str()),
        (
            406,
            "No filter parameters found. Expect at least one parameter: follow track locations"
        )
    );
    assert_eq!(
        err(&p(&[("track", "")])).status,
        406,
        "empty value = absent"
    );
    assert_eq!(
        err(&p(&[("track", "cat"), ("filter_level", "high")])).status,
        406
    );
    // Sample accepts no predicate but still checks filter_level.
    assert!(V1Filter::from_params(&p(&[("stall_warnings", "true")]), false).is_ok());
    assert!(V1Filter::from_params(&p(&[("filter_level", "bogus")]), false).is_err());
}

#[test]
fn synthetic_demo_words_match() {
    let src = Source::synthetic(1);
    for word in ["cat", "dog", "rust", "music", "news"] {
        let f = filter(&[("track", word)]);
        let n = (0..src.base_len() as u64)
            .filter(|&s| f.matches(&src.get(s)))
            .count();
        assert!(n >= 50, "{word}: {n}");
    }
    let sf = filter(&[("locations", "-122.75,36.8,-121.75,37.8")]);
    assert!((0..src.base_len() as u64).any(|s| sf.matches(&src.get(s))));
    let famous = filter(&[("follow", "2244994945")]);
    assert!(
        (0..src.base_len() as u64)
            .filter(|&s| famous.matches(&src.get(s)))
            .count()
            > 20
    );
}
