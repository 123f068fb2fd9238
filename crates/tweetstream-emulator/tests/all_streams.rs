//! Every stream of X's OpenAPI (2.159): payloads valid against the spec's response schema of
//! each path with every event kind, partitions disjoint and complete, `start_time`/`end_time`
//! windows, backfill, parameter errors, scripted faults on the new paths, and the record of
//! what was sent.

mod common;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::*;
use serde_json::Value;
use tweetstream_emulator::data::Source;
use tweetstream_emulator::{
    event_id, CloseReason, Emulator, EmulatorHandle, Endpoints, Fate, Scenario, StreamEndpoint,
    EVENT_LAG,
};

/// The v2 stream endpoints.
fn v2_endpoints() -> impl Iterator<Item = StreamEndpoint> {
    StreamEndpoint::ALL.into_iter().filter(|e| !e.is_v1())
}

/// The GET operation of `path` in the spec.
fn operation(path: &str) -> &'static Value {
    let op = &spec()["paths"][path]["get"];
    assert!(op.is_object(), "{path} is in the spec");
    op
}

/// The parameters of `path` (references resolved).
fn parameters(path: &str) -> Vec<&'static Value> {
    operation(path)["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| match p["$ref"].as_str() {
            Some(r) => &spec()["components"]["parameters"][r.rsplit('/').next().unwrap()],
            None => p,
        })
        .collect()
}

/// `partition`'s maximum when the path requires one.
fn partitions(path: &str) -> Option<u64> {
    parameters(path)
        .into_iter()
        .find(|p| p["name"] == "partition")
        .map(|p| {
            assert_eq!(p["required"], true, "{path}: partition is required");
            p["schema"]["maximum"].as_u64().unwrap()
        })
}

/// Every list parameter of `path` with all the values the spec allows (`tweet.fields=…`).
fn every_field(path: &str) -> Vec<(String, String)> {
    parameters(path)
        .into_iter()
        .filter_map(|p| {
            let values: Vec<&str> = p["schema"]["items"]["enum"]
                .as_array()?
                .iter()
                .filter_map(Value::as_str)
                .collect();
            Some((p["name"].as_str()?.to_string(), values.join(",")))
        })
        .collect()
}

/// The schema of the 200 response of `path`.
fn response_schema(path: &str) -> String {
    let r = operation(path)["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        .as_str()
        .unwrap();
    r.rsplit('/').next().unwrap().to_string()
}

fn schema(name: &str) -> &'static Value {
    &spec()["components"]["schemas"][name]
}

/// The keys the alternatives of a `oneOf` schema require: the event kinds of a compliance
/// or label schema.
fn one_of_kinds(name: &str) -> BTreeSet<String> {
    schema(name)["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|alt| {
            let r = alt["$ref"].as_str().unwrap().rsplit('/').next().unwrap();
            schema(r)["required"][0].as_str().unwrap().to_string()
        })
        .collect()
}

fn query(pairs: &[(String, String)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

async fn get(emu: &EmulatorHandle, path: &str, pairs: &[(String, String)]) -> reqwest::Response {
    bearer(
        client().get(format!("{}{path}?{}", emu.base_url(), query(pairs))),
        "tok",
    )
    .send()
    .await
    .unwrap()
}

fn p(k: &str, v: impl ToString) -> (String, String) {
    (k.to_string(), v.to_string())
}

/// The kind of a message, for coverage: its `data` member (compliance, labels) with the label
/// application, the activity event type, or "tweet"/"like".
fn kind_of(endpoint: StreamEndpoint, m: &Value) -> String {
    use StreamEndpoint as E;
    let d = &m["data"];
    match endpoint {
        E::V2Activity => d["event_type"].as_str().unwrap().to_string(),
        E::V2TweetsCompliance | E::V2UsersCompliance | E::V2LikesCompliance => {
            let (k, v) = d.as_object().unwrap().iter().next().unwrap();
            match v["profile_field"].as_str() {
                Some(f) => format!("{k} {f}"),
                None => k.clone(),
            }
        }
        E::V2TweetsLabel => {
            let (k, v) = d.as_object().unwrap().iter().next().unwrap();
            format!("{k} {}", v["application"].as_str().unwrap())
        }
        E::V2LikesFirehose | E::V2LikesSample10 => "like".into(),
        _ => "tweet".into(),
    }
}

/// The kinds every stream must show over a long enough run (from the spec where it says).
fn expected_kinds(endpoint: StreamEndpoint) -> BTreeSet<String> {
    use StreamEndpoint as E;
    match endpoint {
        E::V2TweetsCompliance => one_of_kinds("TweetComplianceData"),
        E::V2LikesCompliance => ["delete".to_string()].into(),
        E::V2UsersCompliance => {
            let mut k = one_of_kinds("UserComplianceData");
            k.remove("user_profile_modification");
            // Every profile field of the reference.
            for f in [
                "profile.name",
                "profile.location",
                "profile.description",
                "profile.url",
                "profile.profileBanner",
                "profile.profileBanner.url",
                "profile.profileImage",
                "profile.profileImage.url",
            ] {
                k.insert(format!("user_profile_modification {f}"));
            }
            k
        }
        E::V2TweetsLabel => one_of_kinds("TweetLabelData")
            .into_iter()
            .flat_map(|k| [format!("{k} apply"), format!("{k} remove")])
            .collect(),
        E::V2Activity => schema("ActivityStreamingResponsePayload")["discriminator"]["mapping"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect(),
        E::V2LikesFirehose | E::V2LikesSample10 => ["like".to_string()].into(),
        _ => ["tweet".to_string()].into(),
    }
}

#[tokio::test]
async fn every_path_of_the_spec_validates_with_every_event_kind() {
    // The subset of the spec lists 17 paths: 15 streams and the two rules paths.
    let stream_paths: BTreeSet<&str> = spec()["paths"]
        .as_object()
        .unwrap()
        .keys()
        .filter(|p| !p.contains("/rules"))
        .map(String::as_str)
        .collect();
    let ours: BTreeSet<&str> = v2_endpoints().map(|e| e.path()).collect();
    assert_eq!(
        ours, stream_paths,
        "the emulator serves every stream of the spec"
    );

    let emu = Emulator::builder()
        .bearer_token("tok")
        .source(Source::synthetic_with_len(1, 800))
        .start()
        .await
        .unwrap();
    emu.add_rule("cat OR dog OR rust OR music OR news", Some("demo"))
        .unwrap();
    for endpoint in v2_endpoints() {
        let path = endpoint.path();
        let mut pairs = every_field(path);
        if partitions(path).is_some() {
            pairs.push(p("partition", 1));
        }
        let resp = get(&emu, path, &pairs).await;
        assert_eq!(resp.status(), 200, "{path}?{}", query(&pairs));
        let mut lines = Lines::new(resp);
        let msgs = lines.take_json(150).await;
        let root = response_schema(path);
        let mut kinds = BTreeSet::new();
        let mut ids = Vec::new();
        for m in &msgs {
            assert_schema_strict(&root, m);
            kinds.insert(kind_of(endpoint, m));
            ids.push(event_id(endpoint, m).unwrap_or_else(|| panic!("{path}: no id in {m}")));
        }
        assert_eq!(kinds, expected_kinds(endpoint), "{path}: every event kind");
        let unique: HashSet<_> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "{path}: ids are unique");
        drop(lines);
        let conn = emu.connections().pop().unwrap();
        emu.wait_for_close(conn.id).await;
        let rec = emu.tweet_ids_sent(conn.id);
        assert_eq!(
            &rec[..ids.len()],
            &ids[..],
            "{path}: the record holds what was sent"
        );
        // The validator does check: a bad time or a missing member is rejected.
        let mut bad = msgs[0].clone();
        if let Some(ev) = bad["data"]
            .as_object_mut()
            .and_then(|d| d.values_mut().next())
        {
            if ev.get("event_at").is_some() {
                ev["event_at"] = "yesterday".into();
                assert!(schema_rejects_strict(&root, &bad), "{path}: {bad}");
            }
        }
        // Specific shapes.
        let first = &msgs[0];
        match endpoint {
            StreamEndpoint::V2LikesFirehose | StreamEndpoint::V2LikesSample10 => {
                let d = &first["data"];
                for f in [
                    "id",
                    "liked_tweet_id",
                    "tweet_author_id",
                    "created_at",
                    "timestamp_ms",
                ] {
                    assert!(d.get(f).is_some(), "{path}: {f} in {d}");
                }
                assert_eq!(first["includes"]["tweets"][0]["id"], d["liked_tweet_id"]);
                assert_eq!(first["includes"]["users"][0]["id"], d["tweet_author_id"]);
            }
            StreamEndpoint::V2FirehoseEn
            | StreamEndpoint::V2FirehoseJa
            | StreamEndpoint::V2FirehoseKo
            | StreamEndpoint::V2FirehosePt => {
                let lang = path.rsplit('/').next().unwrap();
                assert!(msgs.iter().all(|m| m["data"]["lang"] == lang), "{path}");
            }
            StreamEndpoint::V2Filtered => {
                assert!(msgs.iter().all(|m| m["matching_rules"][0]["tag"] == "demo"));
            }
            _ => {}
        }
    }
    emu.shutdown().await;
}

/// An RFC 3339 time, second granularity.
fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    time::OffsetDateTime::from_unix_timestamp(secs)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// The whole seconds of `t`.
fn floor(t: SystemTime) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(t.duration_since(UNIX_EPOCH).unwrap().as_secs())
}

/// The first timeline position at or after `wall` at `rate` (the emulator's rule).
fn seq_at(emu: &EmulatorHandle, wall: SystemTime, rate: f64) -> u64 {
    let d = wall.duration_since(emu.started_at()).unwrap_or_default();
    (d.as_secs_f64() * rate).ceil() as u64
}

/// Read a replay to its end; it must end cleanly.
async fn replay(emu: &EmulatorHandle, path: &str, pairs: &[(String, String)]) -> Vec<Value> {
    let resp = get(emu, path, pairs).await;
    assert_eq!(resp.status(), 200, "{path}?{}", query(pairs));
    let mut lines = Lines::new(resp);
    let mut msgs = Vec::new();
    while let Some(m) = lines.next_json().await {
        msgs.push(m);
    }
    assert!(
        lines.ended && lines.error.is_none(),
        "{path}: a window in the past ends cleanly ({:?})",
        lines.error
    );
    msgs
}

#[tokio::test(start_paused = true)]
async fn partitions_are_disjoint_and_complete_on_every_partitioned_path() {
    let rate = 50.0;
    let src = Source::synthetic_with_len(2, 600);
    let emu = Emulator::builder()
        .bearer_token("tok")
        .source(src.clone())
        .rate(rate)
        .start()
        .await
        .unwrap();
    tokio::time::advance(Duration::from_secs(8)).await;
    // A fixed timeline: the window [start, start + 6 s) is in the past.
    let start = floor(emu.started_at());
    let end = start + Duration::from_secs(6);
    let end_seq = seq_at(&emu, end, rate);
    assert!(end_seq >= 250, "{end_seq}");
    let window = [p("start_time", rfc3339(start)), p("end_time", rfc3339(end))];
    let positions = 0..end_seq;
    let derived = EVENT_LAG..end_seq;
    for endpoint in v2_endpoints() {
        let path = endpoint.path();
        let Some(n) = partitions(path) else { continue };
        let mut seen: HashMap<u64, u64> = HashMap::new();
        // What identifies the position an event comes from.
        let mut subjects: Vec<String> = Vec::new();
        for part in 1..=n {
            let mut pairs = window.to_vec();
            pairs.push(p("partition", part));
            for m in replay(&emu, path, &pairs).await {
                let id = event_id(endpoint, &m).unwrap();
                if let Some(other) = seen.insert(id, part) {
                    panic!("{path}: {id} in partitions {other} and {part}");
                }
                let d = &m["data"];
                subjects.push(match endpoint {
                    StreamEndpoint::V2LikesFirehose | StreamEndpoint::V2LikesSample10 => {
                        d["liked_tweet_id"].as_str().unwrap().to_string()
                    }
                    StreamEndpoint::V2UsersCompliance => {
                        d.as_object().unwrap().values().next().unwrap()["event_at"]
                            .as_str()
                            .unwrap()
                            .to_string()
                    }
                    _ => id.to_string(),
                });
            }
        }
        let got: BTreeSet<String> = subjects.iter().cloned().collect();
        assert_eq!(got.len(), subjects.len(), "{path}: disjoint");
        let want: BTreeSet<String> = match endpoint {
            StreamEndpoint::V2FirehoseEn
            | StreamEndpoint::V2FirehoseJa
            | StreamEndpoint::V2FirehoseKo
            | StreamEndpoint::V2FirehosePt => {
                let lang = path.rsplit('/').next().unwrap();
                positions
                    .clone()
                    .map(|s| src.get(s))
                    .filter(|t| t.lang() == Some(lang))
                    .map(|t| t.id().to_string())
                    .collect()
            }
            StreamEndpoint::V2UsersCompliance => {
                assert_eq!(got.len() as u64, derived.end - derived.start, "{path}");
                got.clone()
            }
            StreamEndpoint::V2Firehose | StreamEndpoint::V2Sample10 => positions
                .clone()
                .map(|s| src.get(s).id().to_string())
                .collect(),
            _ => derived
                .clone()
                .map(|s| src.get(s - EVENT_LAG).id().to_string())
                .collect(),
        };
        assert!(!want.is_empty(), "{path}");
        assert_eq!(
            got, want,
            "{path}: the partitions together are the whole stream"
        );
    }
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn start_and_end_time_replay_exactly_the_window() {
    let rate = 20.0;
    let src = Source::synthetic_with_len(3, 500);
    let emu = Emulator::builder()
        .bearer_token("tok")
        .source(src.clone())
        .rate(rate)
        .start()
        .await
        .unwrap();
    tokio::time::advance(Duration::from_secs(30)).await;
    let base = floor(emu.started_at());
    let (from, to) = (
        base + Duration::from_secs(5),
        base + Duration::from_secs(12),
    );
    let (a, b) = (seq_at(&emu, from, rate), seq_at(&emu, to, rate));
    assert!(b - a >= 130, "{a}..{b}");
    let window = [p("start_time", rfc3339(from)), p("end_time", rfc3339(to))];
    // A tweet stream and a derived one.
    let mut pairs = window.to_vec();
    pairs.push(p("partition", 1));
    let tweets = replay(&emu, "/2/tweets/sample10/stream", &pairs).await;
    let want: Vec<u64> = (a..b)
        .filter(|s| s % 2 == 0)
        .map(|s| src.get(s).id())
        .collect();
    assert_eq!(v2_ids(&tweets), want, "partition 1 of the window");
    let labels = replay(&emu, "/2/tweets/label/stream", &window).await;
    let got: Vec<u64> = labels
        .iter()
        .map(|m| event_id(StreamEndpoint::V2TweetsLabel, m).unwrap())
        .collect();
    let want: Vec<u64> = (a..b).map(|s| src.get(s - EVENT_LAG).id()).collect();
    assert_eq!(got, want, "exactly the window, in order");
    // event_at is the position's time on the timeline, inside the window.
    let first = labels[0]["data"]
        .as_object()
        .unwrap()
        .values()
        .next()
        .unwrap()["event_at"]
        .as_str()
        .unwrap()
        .to_string();
    let at = time::OffsetDateTime::parse(&first, &time::format_description::well_known::Rfc3339)
        .unwrap();
    let from_t = time::OffsetDateTime::from(from);
    assert!(
        at >= from_t && at < from_t + time::Duration::seconds(1),
        "{first}"
    );
    let conns = emu.connections();
    assert!(conns
        .iter()
        .all(|c| c.close_reason == Some(CloseReason::RecoveryComplete)));
    // A window reaching into the future ends when its end has been posted.
    let t0 = tokio::time::Instant::now();
    let now = emu.now();
    let live = [
        p("start_time", rfc3339(now - Duration::from_secs(2))),
        p("end_time", rfc3339(now + Duration::from_secs(3))),
    ];
    let msgs = replay(&emu, "/2/users/compliance/stream", &{
        let mut v = live.to_vec();
        v.push(p("partition", 1));
        v
    })
    .await;
    assert!(!msgs.is_empty());
    assert!(
        t0.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        t0.elapsed()
    );
    emu.shutdown().await;
}

#[tokio::test]
async fn parameters_of_every_path_are_checked_with_x_errors() {
    let emu = Emulator::builder()
        .bearer_token("tok")
        .source(corpus())
        .start()
        .await
        .unwrap();
    type Case = (&'static str, Vec<(String, String)>, &'static str);
    let cases: Vec<Case> = vec![
        (
            "/2/tweets/label/stream",
            vec![p("start_time", "yesterday")],
            "start_time",
        ),
        (
            "/2/activity/stream",
            vec![p("end_time", "2020-13-01T00:00:00Z")],
            "end_time",
        ),
        (
            "/2/likes/compliance/stream",
            vec![p("partition", 1)],
            "[partition]",
        ),
        ("/2/users/compliance/stream", vec![], "partition"),
        (
            "/2/users/compliance/stream",
            vec![p("partition", 5)],
            "partition",
        ),
        (
            "/2/tweets/compliance/stream",
            vec![p("partition", 0)],
            "partition",
        ),
        (
            "/2/tweets/firehose/stream/lang/en",
            vec![p("partition", 9)],
            "partition",
        ),
        (
            "/2/tweets/firehose/stream/lang/ja",
            vec![p("partition", 3)],
            "partition",
        ),
        (
            "/2/likes/sample10/stream",
            vec![p("partition", 3)],
            "partition",
        ),
        (
            "/2/likes/firehose/stream",
            vec![p("partition", 21)],
            "partition",
        ),
        (
            "/2/likes/firehose/stream",
            vec![p("partition", 1), p("expansions", "author_id")],
            "expansions",
        ),
        (
            "/2/likes/firehose/stream",
            vec![
                p("partition", 1),
                p("like_with_tweet_author.fields", "text"),
            ],
            "like_with_tweet_author.fields",
        ),
        (
            "/2/likes/firehose/stream",
            vec![p("partition", 1), p("media.fields", "url")],
            "[media.fields]",
        ),
        (
            "/2/tweets/label/stream",
            vec![p("tweet.fields", "id")],
            "[tweet.fields]",
        ),
        (
            "/2/activity/stream",
            vec![p("backfill_minutes", 6)],
            "backfill_minutes",
        ),
        (
            "/2/tweets/compliance/stream",
            vec![p("partition", 1), p("foo", "bar")],
            "[foo]",
        ),
    ];
    for (path, pairs, needle) in cases {
        let resp = get(&emu, path, &pairs).await;
        assert_eq!(resp.status(), 400, "{path}?{}", query(&pairs));
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["title"], "Invalid Request", "{body}");
        assert!(
            body.to_string().contains(needle),
            "{path}: {needle} in {body}"
        );
        assert_schema("InvalidRequestProblem", &body);
    }
    assert_eq!(emu.counters().connections_opened, 0);
    emu.shutdown().await;
}

#[tokio::test]
async fn scripted_faults_on_the_new_paths() {
    let emu = Emulator::builder()
        .bearer_token("tok")
        .source(corpus())
        .scenario(
            Scenario::new()
                .then_on(Endpoints::V2Compliance, Fate::ResetAfter { messages: 4 }, 1)
                .then_on(
                    Endpoints::V2LikesFirehose,
                    Fate::OperationalDisconnect {
                        after_messages: 3,
                        disconnect_type: "ForceDisconnect".into(),
                        lines: 1,
                    },
                    1,
                )
                .then_on(Endpoints::V2Activity, Fate::status(503), 1),
        )
        .start()
        .await
        .unwrap();
    // Reset in the middle of the fifth compliance event.
    let path = "/2/tweets/compliance/stream";
    let mut lines = Lines::new(get(&emu, path, &[p("partition", 2)]).await);
    let msgs = lines.take_json(4).await;
    assert!(lines.next_line().await.is_none());
    assert!(lines.error.is_some() && !lines.ended, "the body fails");
    assert!(!lines.pending().is_empty(), "half an event arrived");
    emu.wait_for_closed_connections(1).await;
    let c = emu.connections().pop().unwrap();
    assert_eq!(c.endpoint, StreamEndpoint::V2TweetsCompliance);
    assert_eq!(c.close_reason, Some(CloseReason::ScenarioReset));
    let ids: Vec<u64> = msgs
        .iter()
        .map(|m| event_id(StreamEndpoint::V2TweetsCompliance, m).unwrap())
        .collect();
    assert_eq!(c.tweet_ids, ids, "the cut event is not recorded");
    // An operational disconnect on the likes firehose.
    let path = "/2/likes/firehose/stream";
    let mut lines = Lines::new(get(&emu, path, &[p("partition", 3)]).await);
    lines.take_json(3).await;
    let e = lines.next_json().await.unwrap();
    assert_schema("StreamingLikeResponseV2", &e);
    assert_eq!(e["errors"][0]["disconnect_type"], "ForceDisconnect");
    assert!(lines.rest().await.is_empty() && lines.ended);
    emu.wait_for_closed_connections(2).await;
    assert_eq!(
        emu.connections().pop().unwrap().close_reason,
        Some(CloseReason::OperationalDisconnect)
    );
    // A status on the activity stream, with X's body.
    let resp = get(&emu, "/2/activity/stream", &[]).await;
    assert_eq!(resp.status(), 503);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["connection_issue"], "ProvisioningSubscription");
    // Scenario files name the new endpoints.
    let s = Scenario::from_toml(
        "[[steps]]\nfate = \"close_after\"\nmessages = 1\nendpoints = \"v2_users_compliance\"\n",
    )
    .unwrap();
    assert!(s.steps[0]
        .endpoints
        .matches(StreamEndpoint::V2UsersCompliance));
    assert!(!s.steps[0]
        .endpoints
        .matches(StreamEndpoint::V2TweetsCompliance));
    emu.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn backfill_works_on_the_new_paths() {
    let emu = Emulator::builder()
        .bearer_token("tok")
        .source(corpus())
        .rate(10.0)
        .scenario(Scenario::new().then(Fate::CloseAfter { messages: 20 }))
        .start()
        .await
        .unwrap();
    let path = "/2/users/compliance/stream";
    let part = [p("partition", 3)];
    let mut a = Lines::new(get(&emu, path, &part).await);
    let first = a.take_json(20).await;
    assert!(a.rest().await.is_empty() && a.ended);
    emu.wait_for_closed_connections(1).await;
    tokio::time::advance(Duration::from_secs(5)).await;
    // Live: after what the first connection sent.
    let mut b = Lines::new(get(&emu, path, &part).await);
    let live = b.take_json(1).await;
    assert!(!first.contains(&live[0]));
    drop(b);
    emu.wait_for_closed_connections(2).await;
    // One minute of backfill reaches back to the start: the first connection's events again.
    let mut c = Lines::new(get(&emu, path, &[part[0].clone(), p("backfill_minutes", 1)]).await);
    let again = c.take_json(20).await;
    assert_eq!(
        again, first,
        "the same events, byte for byte (event_at included)"
    );
    emu.shutdown().await;
}
