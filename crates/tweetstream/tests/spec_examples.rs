//! Every response schema of every stream in X's OpenAPI (2.159) decodes: instances are built
//! from the schemas themselves (their `example` values, every `oneOf` branch), then decoded
//! with the family's types, which must recognise every event kind.

use serde_json::{json, Map, Value};
use tweetstream::models::activity::{ActivityMessage, ActivityPayload};
use tweetstream::models::compliance::{
    LikeComplianceMessage, TweetCompliance, TweetComplianceMessage, UserCompliance,
    UserComplianceMessage,
};
use tweetstream::models::labels::{TweetLabel, TweetLabelMessage};
use tweetstream::models::likes::LikeMessage;
use tweetstream::models::v2::StreamResponse;
use tweetstream::streams::{Family, STREAMS};

fn spec() -> Value {
    let path = format!(
        "{}/../../../shared/data/x-v2-openapi-2.159-streaming-subset.xdk.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_slice(&std::fs::read(path).expect("the spec")).expect("JSON")
}

struct Gen<'a> {
    spec: &'a Value,
    /// The schemas being expanded (a schema inside itself stops the recursion).
    stack: std::cell::RefCell<Vec<String>>,
}

impl Gen<'_> {
    fn new(spec: &Value) -> Gen<'_> {
        Gen {
            spec,
            stack: Default::default(),
        }
    }

    /// Instances of `schema`: one per `oneOf` branch reachable through it (at least one).
    fn instances(&self, schema: &Value) -> Vec<Value> {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next().unwrap().to_string();
            if self.stack.borrow().contains(&name) {
                return vec![Value::Null];
            }
            self.stack.borrow_mut().push(name.clone());
            let out = self.instances(&self.spec["components"]["schemas"][&name]);
            self.stack.borrow_mut().pop();
            return out;
        }
        let s = schema;
        if let Some(branches) = s.get("oneOf").and_then(Value::as_array) {
            return branches.iter().flat_map(|b| self.instances(b)).collect();
        }
        if let Some(parts) = s.get("allOf").and_then(Value::as_array) {
            let mut merged = Map::new();
            for p in parts {
                if let Some(Value::Object(o)) = self.instances(p).into_iter().next() {
                    merged.extend(o);
                }
            }
            return vec![Value::Object(merged)];
        }
        if let Some(e) = s.get("example") {
            if !e.is_object() {
                return vec![e.clone()];
            }
        }
        match s.get("type").and_then(Value::as_str) {
            Some("object") | None if s.get("properties").is_some() => {
                let props = s["properties"].as_object().unwrap();
                let each: Vec<(String, Vec<Value>)> = props
                    .iter()
                    .map(|(k, v)| (k.clone(), self.instances(v)))
                    .filter(|(_, v)| !v[0].is_null())
                    .collect();
                let n = each.iter().map(|(_, v)| v.len()).max().unwrap_or(1);
                (0..n)
                    .map(|i| {
                        Value::Object(
                            each.iter()
                                .map(|(k, v)| (k.clone(), v[i % v.len()].clone()))
                                .collect(),
                        )
                    })
                    .collect()
            }
            Some("array") => self
                .instances(&s["items"])
                .into_iter()
                .map(|v| json!([v]))
                .collect(),
            Some("string") => vec![match (s.get("enum"), s.get("format")) {
                (Some(e), _) => e[0].clone(),
                (_, Some(f)) if f == "date-time" => json!("2021-07-06T18:40:40.000Z"),
                (_, Some(f)) if f == "uri" => json!("https://example.com/"),
                _ if s
                    .get("pattern")
                    .is_some_and(|p| p.as_str().unwrap().contains("[0-9]")) =>
                {
                    json!("1234")
                }
                _ => json!("text"),
            }],
            Some("integer") | Some("number") => {
                vec![json!(s.get("minimum").and_then(Value::as_i64).unwrap_or(1))]
            }
            Some("boolean") => vec![json!(true)],
            _ => vec![json!({})],
        }
    }
}

/// The 200 response schema of a stream path.
fn response_schema<'a>(spec: &'a Value, path: &str) -> &'a Value {
    &spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
}

#[test]
fn every_example_of_every_stream_schema_decodes() {
    let spec = spec();
    let gen = Gen::new(&spec);
    let mut decoded = 0;
    for info in STREAMS {
        let schema = response_schema(&spec, &format!("/{}", info.path));
        let instances = gen.instances(schema);
        assert!(!instances.is_empty(), "{}", info.name);
        for inst in instances {
            let raw = serde_json::to_vec(&inst).unwrap();
            let has_data = inst.get("data").is_some();
            let ctx = format!("{}: {inst}", info.name);
            match info.family {
                Family::Tweets => {
                    let r = StreamResponse::decode(&raw).expect(&ctx);
                    assert_eq!(r.data.is_some(), has_data, "{ctx}");
                }
                Family::Likes => {
                    let m = LikeMessage::decode(&raw).expect(&ctx);
                    if let Some(l) = m.data {
                        assert!(l.id.is_some() && l.liked_tweet_id.is_some(), "{ctx}");
                    }
                }
                Family::TweetCompliance => {
                    let m = TweetComplianceMessage::decode(&raw).expect(&ctx);
                    assert!(
                        !matches!(m.data, Some(TweetCompliance::Unknown(_))),
                        "{ctx}"
                    );
                    assert_eq!(m.data.is_some(), has_data, "{ctx}");
                }
                Family::UserCompliance => {
                    let m = UserComplianceMessage::decode(&raw).expect(&ctx);
                    assert!(!matches!(m.data, Some(UserCompliance::Unknown(_))), "{ctx}");
                    assert_eq!(m.data.is_some(), has_data, "{ctx}");
                }
                Family::LikeCompliance => {
                    let m = LikeComplianceMessage::decode(&raw).expect(&ctx);
                    assert_eq!(m.data.is_some(), has_data, "{ctx}");
                }
                Family::TweetLabels => {
                    let m = TweetLabelMessage::decode(&raw).expect(&ctx);
                    assert!(!matches!(m.data, Some(TweetLabel::Unknown(_))), "{ctx}");
                    assert_eq!(m.data.is_some(), has_data, "{ctx}");
                }
                Family::Activity => {
                    ActivityMessage::decode(&raw).expect(&ctx);
                }
                _ => unreachable!("a new family needs its line here"),
            }
            decoded += 1;
        }
    }
    // 8 tweet paths, 2 likes paths, and every oneOf branch: tweet compliance 5 + errors,
    // user compliance 9 + errors, likes compliance 1 + errors, labels 2 + errors, activity 3.
    assert_eq!(decoded, 34);
}

#[test]
fn every_activity_event_type_has_its_payload_shape() {
    let spec = spec();
    let gen = Gen::new(&spec);
    let schemas = &spec["components"]["schemas"];
    let mapping = schemas["ActivityStreamingResponsePayload"]["discriminator"]["mapping"]
        .as_object()
        .unwrap();
    assert!(mapping.len() >= 12);
    for (event_type, target) in mapping {
        let payload = gen.instances(&json!({ "$ref": target })).remove(0);
        let raw = serde_json::to_vec(&json!({"data": {
            "event_type": event_type,
            "event_uuid": "1146654567674912769",
            "filter": {"user_id": "2244994945"},
            "payload": payload,
            "tag": "t",
        }}))
        .unwrap();
        let m = ActivityMessage::decode(&raw).unwrap();
        let p = m.data.unwrap().payload().unwrap().unwrap();
        let ok = match p {
            ActivityPayload::ProfileUpdate { .. } => event_type.starts_with("profile."),
            ActivityPayload::Follow { .. } => event_type.starts_with("follow."),
            ActivityPayload::News { .. } => event_type.starts_with("news."),
            _ => false,
        };
        assert!(ok, "{event_type}: {p:?}");
    }
}

#[test]
fn unknown_event_kinds_are_kept_raw() {
    let raw = br#"{"data":{"tweet_undelete":{"tweet":{"id":"1"},"event_at":"x"}}}"#;
    match TweetComplianceMessage::decode(raw).unwrap().data.unwrap() {
        TweetCompliance::Unknown(u) => {
            assert_eq!(u.kind, "tweet_undelete");
            assert_eq!(u.value.get(), r#"{"tweet":{"id":"1"},"event_at":"x"}"#);
        }
        other => panic!("{other:?}"),
    }
    // Written back in the wire shape.
    let m = TweetComplianceMessage::decode(raw).unwrap();
    assert_eq!(serde_json::to_vec(&m).unwrap(), &raw[..]);
    // An empty event object is an error, not a panic.
    assert!(TweetComplianceMessage::decode(br#"{"data":{}}"#).is_err());
}
