//! Helpers shared by the emulator's integration tests.
#![allow(dead_code)]

use std::sync::OnceLock;

use serde_json::{json, Value};
use tweetstream_emulator::data::Source;

/// A file of the shared data directory (a sibling of the repository).
pub fn data_path(name: &str) -> String {
    format!("{}/../../../shared/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The twitter.json corpus (100 statuses).
pub fn corpus() -> Source {
    static S: OnceLock<Source> = OnceLock::new();
    S.get_or_init(|| {
        Source::from_path(std::path::Path::new(&data_path("twitter.json")))
            .expect("shared/data/twitter.json")
    })
    .clone()
}

/// A plain client: no automatic gzip, so tests see the bytes the server sent.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_gzip()
        .build()
        .expect("client")
}

pub fn bearer(rb: reqwest::RequestBuilder, token: &str) -> reqwest::RequestBuilder {
    rb.header("Authorization", format!("Bearer {token}"))
}

/// Reads a streamed body line by line (lines end with CRLF).
pub struct Lines {
    pub resp: reqwest::Response,
    buf: Vec<u8>,
    /// The body ended cleanly.
    pub ended: bool,
    /// The body failed (connection reset, truncated chunk).
    pub error: Option<String>,
    /// All raw bytes received.
    pub raw: Vec<u8>,
}

impl Lines {
    pub fn new(resp: reqwest::Response) -> Lines {
        Lines {
            resp,
            buf: Vec::new(),
            ended: false,
            error: None,
            raw: Vec::new(),
        }
    }

    /// Bytes received after the last complete line.
    pub fn pending(&self) -> &[u8] {
        &self.buf
    }

    /// The next line without its CRLF (empty = keep-alive); None at the end of the body.
    pub async fn next_line(&mut self) -> Option<Vec<u8>> {
        loop {
            if let Some(p) = self.buf.windows(2).position(|w| w == b"\r\n") {
                let line = self.buf[..p].to_vec();
                self.buf.drain(..p + 2);
                return Some(line);
            }
            if self.ended || self.error.is_some() {
                return None;
            }
            match self.resp.chunk().await {
                Ok(Some(c)) => {
                    self.raw.extend_from_slice(&c);
                    self.buf.extend_from_slice(&c);
                }
                Ok(None) => self.ended = true,
                Err(e) => self.error = Some(format!("{e:?}")),
            }
        }
    }

    /// The next non-empty line.
    pub async fn next_message(&mut self) -> Option<Vec<u8>> {
        loop {
            let l = self.next_line().await?;
            if !l.is_empty() {
                return Some(l);
            }
        }
    }

    /// The next non-empty line as JSON.
    pub async fn next_json(&mut self) -> Option<Value> {
        let l = self.next_message().await?;
        Some(
            serde_json::from_slice(&l)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&l))),
        )
    }

    /// `n` JSON messages (panics if the body ends first).
    pub async fn take_json(&mut self, n: usize) -> Vec<Value> {
        let mut v = Vec::with_capacity(n);
        for i in 0..n {
            match self.next_json().await {
                Some(x) => v.push(x),
                None => panic!(
                    "body ended after {i} of {n} messages (error: {:?})",
                    self.error
                ),
            }
        }
        v
    }

    /// Read until the body ends; returns the remaining lines.
    pub async fn rest(&mut self) -> Vec<Vec<u8>> {
        let mut v = Vec::new();
        while let Some(l) = self.next_line().await {
            v.push(l);
        }
        v
    }
}

/// The OpenAPI spec of X's streaming endpoints.
pub fn spec() -> &'static Value {
    static S: OnceLock<Value> = OnceLock::new();
    S.get_or_init(|| {
        let text =
            std::fs::read_to_string(data_path("x-v2-openapi-2.159-streaming-subset.xdk.json"))
                .expect("OpenAPI spec");
        serde_json::from_str(&text).expect("spec JSON")
    })
}

fn validator(name: &str) -> std::sync::Arc<jsonschema::Validator> {
    cached_validator(name, false)
}

/// The validator of `#/components/schemas/<name>`; `formats`: also check `format`s
/// (`date-time`, `uri`, …).
fn cached_validator(name: &str, formats: bool) -> std::sync::Arc<jsonschema::Validator> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    type Cache = Mutex<HashMap<(String, bool), Arc<jsonschema::Validator>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = cache.lock().unwrap_or_else(|p| p.into_inner());
    Arc::clone(map.entry((name.to_string(), formats)).or_insert_with(|| {
        let schema = json!({
            "$ref": format!("#/components/schemas/{name}"),
            "components": spec()["components"].clone(),
        });
        Arc::new(
            jsonschema::options()
                .should_validate_formats(formats)
                .build(&schema)
                .expect("schema compiles"),
        )
    }))
}

/// Whether the format-checking validator of `name` rejects `instance`.
pub fn schema_rejects_strict(name: &str, instance: &Value) -> bool {
    !cached_validator(name, true).is_valid(instance)
}

/// [`assert_schema`] checking `format`s as well.
pub fn assert_schema_strict(name: &str, instance: &Value) {
    let errors: Vec<String> = cached_validator(name, true)
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{instance} does not validate against {name}: {errors:?}"
    );
}

/// Validate `instance` against `#/components/schemas/<name>` of the spec.
pub fn assert_schema(name: &str, instance: &Value) {
    let validator = validator(name);
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{instance} does not validate against {name}: {errors:?}"
    );
}

/// A problem that the spec's `Problem` schema rejects must not validate (checks that the
/// validator really validates).
pub fn schema_rejects(name: &str, instance: &Value) -> bool {
    !validator(name).is_valid(instance)
}

/// Tweet ids of v2 payloads.
pub fn v2_ids(msgs: &[Value]) -> Vec<u64> {
    msgs.iter()
        .map(|m| {
            m["data"]["id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("no data.id in {m}"))
        })
        .collect()
}
