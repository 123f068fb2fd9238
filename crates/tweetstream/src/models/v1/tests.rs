//! Tests of the v1.1 models against real payloads.

use super::*;
use serde_json::value::RawValue;
use serde_json::Value;
use std::path::PathBuf;

/// The shared data directory (override with `TWEETSTREAM_DATA_DIR`).
fn data_dir() -> PathBuf {
    std::env::var_os("TWEETSTREAM_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        })
}

fn read(name: &str) -> Vec<u8> {
    let path = data_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Every top-level JSON text in a file (blank lines, CRLF, LF and trailing spaces allowed).
fn messages(bytes: &[u8]) -> Vec<&[u8]> {
    serde_json::Deserializer::from_slice(bytes)
        .into_iter::<&RawValue>()
        .map(|r| r.expect("file holds JSON texts").get().as_bytes())
        .collect()
}

fn twitter_json_statuses(bytes: &[u8]) -> Vec<&RawValue> {
    #[derive(Deserialize)]
    struct Search<'a> {
        #[serde(borrow)]
        statuses: Vec<&'a RawValue>,
    }
    serde_json::from_slice::<Search<'_>>(bytes)
        .expect("twitter.json is a search response")
        .statuses
}

fn decode(raw: &[u8]) -> Message {
    Message::decode(raw).unwrap_or_else(|e| panic!("{e}"))
}

fn status(raw: &[u8]) -> Box<Status> {
    match decode(raw) {
        Message::Status(s) => s,
        other => panic!("expected a Status, got {other:?}"),
    }
}

fn variant(m: &Message) -> &'static str {
    match m {
        Message::Status(_) => "status",
        Message::Delete(_) => "delete",
        Message::Limit(_) => "limit",
        Message::ScrubGeo(_) => "scrub_geo",
        Message::StatusWithheld(_) => "status_withheld",
        Message::UserWithheld(_) => "user_withheld",
        Message::Disconnect(_) => "disconnect",
        Message::Warning(_) => "warning",
        Message::Unknown(_) => "unknown",
    }
}

/// Serialising a decoded message and decoding it again gives the same message.
fn assert_round_trip(m: &Message) {
    let json = serde_json::to_vec(m).expect("serialises");
    assert_eq!(&decode(&json), m, "{}", String::from_utf8_lossy(&json));
}

#[test]
fn every_status_in_twitter_json_decodes() {
    let bytes = read("twitter.json");
    let raws = twitter_json_statuses(&bytes);
    assert_eq!(raws.len(), 100);
    let mut retweets = 0;
    for raw in raws {
        let s = status(raw.get().as_bytes());
        let v: Value = serde_json::from_str(raw.get()).expect("valid JSON");
        // Cross-check against a generic parse.
        assert_eq!(Some(s.id), v["id"].as_u64());
        assert_eq!(s.id_str.as_deref(), v["id_str"].as_str());
        assert_eq!(s.text.as_deref(), v["text"].as_str());
        assert_eq!(s.full_text(), v["text"].as_str().unwrap_or_default());
        assert_eq!(Some(s.user.id), v["user"]["id"].as_u64());
        assert_eq!(
            s.user.screen_name,
            v["user"]["screen_name"].as_str().unwrap_or_default()
        );
        assert_eq!(
            s.user.followers_count,
            v["user"]["followers_count"].as_i64()
        );
        assert_eq!(s.in_reply_to_status_id, v["in_reply_to_status_id"].as_u64());
        assert_eq!(s.in_reply_to_user_id, v["in_reply_to_user_id"].as_u64());
        assert_eq!(s.retweet_count, v["retweet_count"].as_i64());
        assert_eq!(s.place.is_some(), v["place"].is_object());
        assert_eq!(s.coordinates.is_some(), v["coordinates"].is_object());
        for (list, n) in [
            ("hashtags", s.entities.hashtags.len()),
            ("urls", s.entities.urls.len()),
            ("user_mentions", s.entities.user_mentions.len()),
            ("symbols", s.entities.symbols.len()),
            ("media", s.entities.media.len()),
        ] {
            let expected = v["entities"][list].as_array().map_or(0, Vec::len);
            assert_eq!(n, expected, "{list} of {}", s.id);
        }
        assert_eq!(s.is_retweet(), v.get("retweeted_status").is_some());
        if let Some(rt) = &s.retweeted_status {
            retweets += 1;
            assert_eq!(Some(rt.id), v["retweeted_status"]["id"].as_u64());
            assert_eq!(
                Some(rt.user.id),
                v["retweeted_status"]["user"]["id"].as_u64()
            );
        }
        // The compact form a stream would send decodes to the same thing.
        let compact = serde_json::to_vec(&v).expect("re-serialises");
        assert_eq!(status(&compact), s);
        assert_round_trip(&Message::Status(s));
    }
    assert!(retweets > 0);
}

#[test]
fn twitter_json_spot_checks() {
    let bytes = read("twitter.json");
    let raws = twitter_json_statuses(&bytes);
    let first = status(raws[0].get().as_bytes());
    assert_eq!(first.id, 505874924095815681);
    assert_eq!(first.created_at, "Sun Aug 31 00:29:15 +0000 2014");
    assert_eq!(first.user.screen_name, "ayuu0123");
    assert_eq!(first.in_reply_to_user_id, Some(866260188));
    assert_eq!(first.in_reply_to_status_id, None);
    assert!(first.full_text().starts_with("@aym0566x"));
    assert_eq!(
        first
            .metadata
            .as_ref()
            .and_then(|m| m.iso_language_code.as_deref()),
        Some("ja")
    );
    let all: Vec<Box<Status>> = raws.iter().map(|r| status(r.get().as_bytes())).collect();
    let media = all
        .iter()
        .flat_map(|s| s.entities.media.iter())
        .next()
        .expect("some media");
    assert_eq!(media.kind, "photo");
    assert!(media
        .sizes
        .as_ref()
        .and_then(|s| s.large.as_ref())
        .is_some());
}

/// Expected message variants for every `x-v1.1-*` file.
const EXPECTED: &[(&str, &[&str])] = &[
    (
        "x-v1.1-common-disconnect_messages.twitter4s.json",
        &["disconnect", "disconnect"],
    ),
    (
        "x-v1.1-common-limit_notices.twitter4s.json",
        &["limit", "limit"],
    ),
    (
        "x-v1.1-common-location_deletion_notices.twitter4s.json",
        &["scrub_geo", "scrub_geo"],
    ),
    (
        "x-v1.1-common-status_deletion_notices.twitter4s.json",
        &["delete", "delete"],
    ),
    (
        "x-v1.1-common-status_withheld_notices.twitter4s.json",
        &["status_withheld", "status_withheld"],
    ),
    (
        "x-v1.1-common-tweets.twitter4s.json",
        &["status", "status", "status", "status", "status"],
    ),
    (
        "x-v1.1-common-user_withheld_notices.twitter4s.json",
        &["user_withheld", "user_withheld"],
    ),
    (
        "x-v1.1-common-warning_messages.twitter4s.json",
        &["warning"],
    ),
    (
        "x-v1.1-filter-two-tweets.sferik.jsonl",
        &["status", "status"],
    ),
    (
        "x-v1.1-sitestream-control_messages.twitter4s.json",
        &["unknown"],
    ),
    (
        "x-v1.1-sitestream-user_envelop_simple_event.twitter4s.json",
        &["unknown"],
    ),
    (
        "x-v1.1-sitestream-user_envelop_warning_message.twitter4s.json",
        &["unknown"],
    ),
    (
        "x-v1.1-sitestream-user_envelops_friends_list.twitter4s.json",
        &["unknown"],
    ),
    (
        "x-v1.1-stream-2009-delete-status-limit.twitter4j.jsonl",
        &["delete", "status", "status", "limit", "status"],
    ),
    (
        "x-v1.1-userstream-direct_messages.twitter4s.json",
        &["unknown"],
    ),
    (
        "x-v1.1-userstream-events.twitter4s.json",
        &["unknown", "unknown"],
    ),
    (
        "x-v1.1-userstream-friends-tweet-dm-event-delete-warning.crlf.sferik.txt",
        &[
            "unknown", "status", "unknown", "unknown", "delete", "warning",
        ],
    ),
    (
        "x-v1.1-userstream-friends_lists.twitter4s.json",
        &["unknown"],
    ),
    (
        "x-v1.1-userstream-friends_lists_stringified.twitter4s.json",
        &["unknown"],
    ),
];

#[test]
fn every_v11_fixture_decodes_to_the_right_variant() {
    // Every x-v1.1-* file in the directory has an expectation.
    let mut on_disk: Vec<String> = std::fs::read_dir(data_dir())
        .expect("data dir")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("x-v1.1-"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = EXPECTED.iter().map(|(f, _)| (*f).to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed);

    for (file, expected) in EXPECTED {
        let bytes = read(file);
        let got: Vec<Message> = messages(&bytes).into_iter().map(decode).collect();
        let kinds: Vec<&str> = got.iter().map(variant).collect();
        assert_eq!(&kinds, expected, "{file}");
        for m in &got {
            assert_round_trip(m);
        }
    }
}

#[test]
fn wire_framing_of_the_stream_captures() {
    // The real CRLF stream: split on CRLF exactly like a stream reader.
    let bytes = read("x-v1.1-userstream-friends-tweet-dm-event-delete-warning.crlf.sferik.txt");
    let lines: Vec<&[u8]> = bytes
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .collect();
    let got: Vec<Message> = lines.iter().map(|l| decode(l)).collect();
    assert_eq!(got.len(), 6);
    let Message::Status(s) = &got[1] else {
        panic!("status expected")
    };
    assert_eq!(s.id, 55709764298092545);
    assert_eq!(s.lon_lat(), Some((-122.39362884, 37.78349999)));
    let place = s.place.as_ref().expect("place");
    assert_eq!(place.full_name, "South Beach, San Francisco");
    assert_eq!(place.country_code.as_deref(), Some("US"));
    assert_eq!(place.attributes, Some(serde_json::json!({})));
    assert_eq!(
        place.bounding_box.as_ref().and_then(BoundingBox::origin),
        Some([-122.403482, 37.777529])
    );
    let Message::Unknown(dm) = &got[2] else {
        panic!("unknown expected")
    };
    assert!(dm.get("direct_message").is_some());
    let Message::Delete(d) = &got[4] else {
        panic!("delete expected")
    };
    assert_eq!(d.status.id, 272691609211117568);
    assert_eq!(d.status.user_id_str.as_deref(), Some("478569062"));
    let Message::Warning(w) = &got[5] else {
        panic!("warning expected")
    };
    assert_eq!(w.code, "FALLING_BEHIND");
    assert_eq!(w.percent_full, Some(60));
    assert_eq!(w.user_id, None);

    // The 2009 capture: LF-separated, trailing space after the last object.
    let bytes = read("x-v1.1-stream-2009-delete-status-limit.twitter4j.jsonl");
    let got: Vec<Message> = bytes.split(|&b| b == b'\n').map(decode).collect();
    assert_eq!(got.len(), 5);
    let Message::Delete(d) = &got[0] else {
        panic!("delete expected")
    };
    assert_eq!((d.status.id, d.status.user_id), (6832057002, 18378841));
    assert_eq!(d.status.id_str, None);
    assert_eq!(d.timestamp_ms, None);
    let Message::Limit(l) = &got[3] else {
        panic!("limit expected")
    };
    assert_eq!(l.track, 121564);
    let Message::Status(s) = &got[1] else {
        panic!("status expected")
    };
    assert_eq!(s.id_str, None);
    assert_eq!(s.user.id_str, None);
    assert_eq!(s.source, "web");

    // twitter4s tweets: no in_reply_to_status_id, "coordinates": [] and "contributors": [].
    let bytes = read("x-v1.1-common-tweets.twitter4s.json");
    for raw in messages(&bytes) {
        let s = status(raw);
        assert_eq!(s.coordinates, None);
    }
}

#[test]
fn notice_fixture_values() {
    let bytes = read("x-v1.1-common-disconnect_messages.twitter4s.json");
    let got: Vec<Message> = messages(&bytes).into_iter().map(decode).collect();
    assert_eq!(
        got[0],
        Message::Disconnect(Disconnect {
            code: 4,
            stream_name: "my-stream-name".into(),
            reason: "something-went-wrong".into(),
        })
    );
    let Message::Disconnect(d) = &got[1] else {
        panic!()
    };
    assert_eq!(d.kind(), DisconnectKind::DuplicateStream);
    assert!(!d.should_reconnect());

    let bytes = read("x-v1.1-common-location_deletion_notices.twitter4s.json");
    let Message::ScrubGeo(g) = decode(messages(&bytes)[0]) else {
        panic!()
    };
    assert_eq!(g.user_id, 14090452);
    assert_eq!(g.up_to_status_id, 23260136625);
    assert_eq!(g.up_to_status_id_str.as_deref(), Some("23260136625"));

    let bytes = read("x-v1.1-common-status_withheld_notices.twitter4s.json");
    let Message::StatusWithheld(w) = decode(messages(&bytes)[0]) else {
        panic!()
    };
    assert_eq!((w.id, w.user_id), (1234567890, 123456));
    assert_eq!(w.withheld_in_countries, ["DE", "AR"]);

    let bytes = read("x-v1.1-common-user_withheld_notices.twitter4s.json");
    let Message::UserWithheld(w) = decode(messages(&bytes)[1]) else {
        panic!()
    };
    assert_eq!(w.id, 123457);
    assert_eq!(w.withheld_in_countries, ["IT"]);

    let Message::Limit(l) = decode(br#"{"limit":{"track":22,"timestamp_ms":"1477757470194"}}"#)
    else {
        panic!()
    };
    assert_eq!(l.timestamp_ms.as_deref(), Some("1477757470194"));
    let Message::Delete(d) = decode(
        br#"{"delete":{"status":{"id":1234,"id_str":"1234","user_id":3,"user_id_str":"3"},"timestamp_ms":1482242573699}}"#,
    ) else {
        panic!()
    };
    assert_eq!(d.timestamp_ms.as_deref(), Some("1482242573699"));
    let Message::Warning(w) =
        decode(br#"{"warning":{"code":"FOLLOWS_OVER_LIMIT","message":"m","user_id":13}}"#)
    else {
        panic!()
    };
    assert_eq!((w.user_id, w.percent_full), (Some(13), None));
}

#[test]
fn disconnect_kinds() {
    let table = [
        (1, DisconnectKind::Shutdown, true),
        (2, DisconnectKind::DuplicateStream, false),
        (3, DisconnectKind::ControlRequest, false),
        (4, DisconnectKind::Stall, true),
        (5, DisconnectKind::Normal, true),
        (6, DisconnectKind::TokenRevoked, false),
        (7, DisconnectKind::AdminLogout, false),
        (8, DisconnectKind::Reserved, true),
        (9, DisconnectKind::MaxMessageLimit, false),
        (10, DisconnectKind::StreamException, true),
        (11, DisconnectKind::BrokerStall, true),
        (12, DisconnectKind::ShedLoad, true),
        (13, DisconnectKind::Other(13), true),
        (0, DisconnectKind::Other(0), true),
    ];
    for (code, kind, reconnect) in table {
        let d = Disconnect {
            code,
            ..Default::default()
        };
        assert_eq!(d.kind(), kind);
        assert_eq!(kind.code(), code);
        assert_eq!(d.should_reconnect(), reconnect, "code {code}");
    }
}

#[test]
fn extended_tweet_and_video() {
    let raw = br#"{"created_at":"Wed Oct 10 20:19:24 +0000 2018","id":1050118621198921728,
        "id_str":"1050118621198921728","text":"To make room for more expression, we will now count all emojis as equal\u2026 https://t.co/x",
        "truncated":true,"in_reply_to_status_id":null,"user":{"id":6253282,"screen_name":"TwitterAPI","followers_count":-1},
        "extended_tweet":{"full_text":"To make room for more expression, we will now count all emojis as equal\u2014including those with gender and skin tone modifiers \ud83d\udc4d\ud83c\udffb #emoji https://t.co/y",
          "display_text_range":[0,140],
          "entities":{"hashtags":[{"text":"emoji","indices":[119,125]}],"urls":[],"user_mentions":[],"symbols":[],
            "media":[{"id":1,"id_str":"1","indices":[126,149],"media_url_https":"https://pbs.twimg.com/x.jpg","url":"https://t.co/y","type":"video"}]},
          "extended_entities":{"media":[{"id":1,"type":"video","url":"https://t.co/y","indices":[126,149],
            "video_info":{"aspect_ratio":[16,9],"duration_millis":10704,"variants":[
              {"bitrate":320000,"content_type":"video/mp4","url":"https://video.twimg.com/a.mp4"},
              {"content_type":"application/x-mpegURL","url":"https://video.twimg.com/a.m3u8"}]}}]}},
        "entities":{"hashtags":[],"urls":[{"url":"https://t.co/x","expanded_url":null,"indices":[117,140]}],"user_mentions":[],"symbols":[]},
        "filter_level":"low","lang":"en","timestamp_ms":"1539202764000","quote_count":0,"reply_count":-1}"#;
    let s = status(raw);
    assert!(s.truncated);
    assert!(s.full_text().ends_with("#emoji https://t.co/y"));
    assert!(s.full_text().contains('\u{1F44D}'));
    assert_eq!(s.full_entities().hashtags[0].text, "emoji");
    assert_eq!(s.full_entities().hashtags[0].indices, [119, 125]);
    assert_eq!(s.entities.urls[0].expanded_url, None);
    let ext = s.extended_tweet.as_ref().expect("extended");
    assert_eq!(ext.display_text_range, Some([0, 140]));
    let video = ext
        .extended_entities
        .as_ref()
        .and_then(|e| e.media.first())
        .and_then(|m| m.video_info.as_ref())
        .expect("video");
    assert_eq!(video.aspect_ratio, Some([16, 9]));
    assert_eq!(video.variants.len(), 2);
    assert_eq!(video.variants[1].bitrate, None);
    assert_eq!(s.user.followers_count, Some(-1));
    assert_eq!(s.reply_count, Some(-1));
    assert_eq!(s.timestamp_millis(), Some(1539202764000));
    assert_eq!(s.filter_level.as_deref(), Some("low"));
    assert_round_trip(&Message::Status(s));

    // REST extended mode: full_text instead of text, no in_reply_to_status_id.
    let s = status(br#"{"id":5,"full_text":"long","user":{"id":1}}"#);
    assert_eq!((s.text.as_deref(), s.full_text()), (None, "long"));
}

#[test]
fn classification_rules() {
    let kind = |raw: &str| variant(&decode(raw.as_bytes()));
    // tweepy order among notices, regardless of key order.
    assert_eq!(
        kind(r#"{"limit":{"track":1},"delete":{"status":{"id":1,"user_id":2}}}"#),
        "delete"
    );
    assert_eq!(
        kind(r#"{"warning":{"code":"X"},"disconnect":{"code":1}}"#),
        "disconnect"
    );
    assert_eq!(
        kind(r#"{"scrub_geo":{"user_id":1,"up_to_status_id":2},"limit":{"track":1}}"#),
        "limit"
    );
    // Status first, even when a notice key comes first.
    assert_eq!(
        kind(
            r#"{"delete":{"status":{"id":1,"user_id":2}},"in_reply_to_status_id":null,"id":1,"user":{"id":2}}"#
        ),
        "status"
    );
    assert_eq!(
        kind(r#"{"warning":{},"id":1,"user":{"id":2},"text":"t"}"#),
        "status"
    );
    assert_eq!(
        kind(r#"{"id":1,"user":{"id":2},"in_reply_to_status_id":null}"#),
        "status"
    );
    assert_eq!(kind(r#"{"id":1,"user":{"id":2},"text":null}"#), "status");
    // Not statuses.
    assert_eq!(kind(r#"{"id":1,"user":{"id":2}}"#), "unknown");
    assert_eq!(kind(r#"{"id":1,"text":"no user"}"#), "unknown");
    assert_eq!(
        kind(r#"{"id":1,"user":{"id":2},"delete":{"status":{"id":1,"user_id":2}}}"#),
        "delete"
    );
    assert_eq!(kind(r#"{"delete":null}"#), "unknown");
    assert_eq!(kind(r#"{"delete":null,"limit":{"track":3}}"#), "limit");
    assert_eq!(
        kind(r#"{"\u0064elete":{"status":{"id":1,"user_id":2}}}"#),
        "delete"
    );
    assert_eq!(kind(r#"  {"limit":{"track":1}}  "#), "limit");
    assert_eq!(kind("{\"limit\":{\"track\":1}}\r\n"), "limit");
    for other in [
        "{}",
        "[]",
        "[1,2]",
        "42",
        "\"x\"",
        "null",
        "true",
        r#"{"friends_str":["1"]}"#,
    ] {
        assert_eq!(kind(other), "unknown", "{other}");
    }
}

#[test]
fn odd_shapes_do_not_panic() {
    // Nulls everywhere a Tweet can have them, and -1 counts.
    let s = status(
        br#"{"created_at":null,"id":1,"id_str":null,"text":null,"source":null,"truncated":null,
        "in_reply_to_status_id":null,"in_reply_to_status_id_str":null,"in_reply_to_user_id":null,
        "in_reply_to_user_id_str":null,"in_reply_to_screen_name":null,
        "user":{"id":2,"name":null,"screen_name":null,"location":null,"description":null,"url":null,
          "entities":{"url":{"urls":[{"url":"u","expanded_url":null,"indices":[0,1]}]},"description":null},
          "protected":null,"verified":null,"followers_count":-1,"friends_count":-1,"listed_count":null,
          "favourites_count":-1,"statuses_count":-1,"created_at":null,"following":null,"notifications":null,
          "withheld_in_countries":null},
        "geo":null,"coordinates":[],"place":null,"contributors":null,"is_quote_status":null,
        "quoted_status":null,"retweeted_status":null,"retweet_count":-1,"favorite_count":null,
        "entities":{"hashtags":null,"urls":null,"user_mentions":[{"id":null,"indices":[0,3]}],"symbols":null,"media":null},
        "extended_entities":null,"extended_tweet":null,"favorited":null,"retweeted":null,
        "possibly_sensitive":null,"lang":null,"timestamp_ms":null,"metadata":null}"#,
    );
    assert_eq!(s.full_text(), "");
    assert_eq!(s.user.followers_count, Some(-1));
    assert_eq!(s.user.listed_count, None);
    assert_eq!(s.retweet_count, Some(-1));
    assert_eq!(s.entities.user_mentions[0].id, None);
    assert!(!s.is_retweet());
    assert_eq!(s.lon_lat(), None);
    assert_eq!(s.timestamp_millis(), None);
    // Entities null as a whole.
    let s =
        status(br#"{"id":1,"text":"t","user":{"id":2},"entities":null,"coordinates":[1.0,2.0]}"#);
    assert_eq!(s.entities, Entities::default());
    assert_eq!(s.coordinates, None);

    // A Tweet-shaped object without a usable user is an error, not a panic.
    for raw in [
        r#"{"id":1,"text":"x","in_reply_to_status_id":null}"#,
        r#"{"id":1,"text":"x","user":null}"#,
        r#"{"id":1,"text":"x","user":{"id":"2"}}"#,
        r#"{"id":-1,"text":"x","user":{"id":2}}"#,
        r#"{"id":1e300,"text":"x","user":{"id":2}}"#,
        r#"{"id":18446744073709551616,"text":"x","user":{"id":2}}"#,
        r#"{"id":1,"text":"x","user":{"id":2},"coordinates":{"type":"Point"}}"#,
        r#"{"id":1,"text":5,"user":{"id":2}}"#,
        r#"{"in_reply_to_status_id":null}"#,
    ] {
        let err = Message::decode(raw.as_bytes()).expect_err(raw);
        assert_eq!(err.category(), serde_json::error::Category::Data, "{raw}");
    }
    // Malformed notices are errors naming the notice.
    for raw in [
        r#"{"limit":{}}"#,
        r#"{"limit":{"track":-1}}"#,
        r#"{"delete":{"status":{"id":"x","user_id":1}}}"#,
        r#"{"disconnect":{"code":"4"}}"#,
        r#"{"warning":"FALLING_BEHIND"}"#,
        r#"{"id":1,"status_withheld":{"id":1}}"#,
    ] {
        let err = Message::decode(raw.as_bytes()).expect_err(raw);
        assert_eq!(err.category(), serde_json::error::Category::Data, "{raw}");
    }
    let err = Message::decode(br#"{"limit":[]}"#).expect_err("array limit");
    assert!(err.message().contains("limit"), "{}", err.message());
}

#[test]
fn invalid_json_is_an_error_with_a_preview() {
    let err = Message::decode(b"{\"created_at\":\"Wed Oct 10\", ").expect_err("truncated");
    assert_eq!(err.category(), serde_json::error::Category::Eof);
    assert_eq!(err.preview(), "{\"created_at\":\"Wed Oct 10\", ");
    assert!(err.to_string().contains("created_at"));

    let long = format!("{{\"text\":\"{}\" oops}}", "é".repeat(200));
    let err = Message::decode(long.as_bytes()).expect_err("syntax");
    assert_eq!(err.category(), serde_json::error::Category::Syntax);
    assert!(err.preview().len() <= PREVIEW_BYTES);
    assert!(long.starts_with(err.preview()));
    assert!(!err.message().is_empty());

    let err = Message::decode(b"\xff\xfe{not json").expect_err("binary");
    assert!(err.preview().starts_with('\u{FFFD}'));
    let err = Message::decode(b"{\"limit\":{\"track\":1}} {\"limit\":{\"track\":2}}")
        .expect_err("two messages");
    assert_eq!(err.category(), serde_json::error::Category::Syntax);
    for keep_alive in [&b""[..], b"\r\n", b"   "] {
        let err = Message::decode(keep_alive).expect_err("keep-alive");
        assert_eq!(err.category(), serde_json::error::Category::Eof);
    }
    // Invalid UTF-8 inside a string.
    assert!(Message::decode(b"{\"id\":1,\"text\":\"\xc3\x28\",\"user\":{\"id\":2}}").is_err());
    // Deep nesting hits serde_json's recursion limit instead of the stack.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(Message::decode(deep.as_bytes()).is_err());
    let deep = format!(
        "{{\"id\":1,\"text\":\"t\",\"user\":{{\"id\":2}},\"x\":{}1{}}}",
        "{\"a\":".repeat(50_000),
        "}".repeat(50_000)
    );
    // (An ignored field is skipped without recursion, so this one is a valid Tweet.)
    assert_eq!(variant(&decode(deep.as_bytes())), "status");
    let deep = format!(
        "{{\"friends\":{}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(Message::decode(deep.as_bytes()).is_err());
    // Tweets nested in Tweets: limited well below serde_json's recursion limit.
    let nested = |depth: usize, key: &str| {
        format!(
            "{}null{}",
            format!("{{\"id\":1,\"text\":\"t\",\"user\":{{\"id\":2}},\"{key}\":").repeat(depth),
            "}".repeat(depth)
        )
    };
    for key in ["retweeted_status", "quoted_status"] {
        let ok = nested(MAX_NESTED_STATUSES as usize + 1, key);
        assert_eq!(variant(&decode(ok.as_bytes())), "status");
        for depth in [MAX_NESTED_STATUSES as usize + 2, 100, 130, 20_000] {
            let err = Message::decode(nested(depth, key).as_bytes()).expect_err("too deep");
            assert!(
                err.message().contains("nested too deeply")
                    || err.message().contains("recursion limit"),
                "{}",
                err.message()
            );
        }
    }
    // The nesting counter is reset after errors.
    let ok = nested(MAX_NESTED_STATUSES as usize + 1, "quoted_status");
    assert_eq!(variant(&decode(ok.as_bytes())), "status");
}

#[test]
fn truncated_and_mutated_inputs_never_panic() {
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    let twitter = read("twitter.json");
    for raw in twitter_json_statuses(&twitter).into_iter().take(10) {
        let v: Value = serde_json::from_str(raw.get()).expect("json");
        inputs.push(serde_json::to_vec(&v).expect("compact"));
    }
    for (file, _) in EXPECTED {
        inputs.extend(messages(&read(file)).into_iter().map(<[u8]>::to_vec));
    }
    let mut rng: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    for input in &inputs {
        // Every prefix (sampled for long inputs) is an error or a valid message.
        let step = (input.len() / 300).max(1);
        for cut in (0..input.len()).step_by(step) {
            let _ = Message::decode(&input[..cut]);
        }
        // Random byte mutations.
        for _ in 0..40 {
            let mut m = input.clone();
            for _ in 0..3 {
                let len = m.len() as u64;
                if len == 0 {
                    break;
                }
                let i = (next() % len) as usize;
                m[i] = (next() & 0xff) as u8;
            }
            let _ = Message::decode(&m);
        }
    }
}
