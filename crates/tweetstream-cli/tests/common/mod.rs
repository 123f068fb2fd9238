//! Helpers of the end-to-end tests: an emulator on its own runtime in the test process, the
//! `tweetstream` binary with a clean environment, and a library-side reference reader.
#![allow(dead_code)]

use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use tweetstream::{AsyncStreamingClient, Event, StreamParams};
use tweetstream_emulator::{Emulator, EmulatorBuilder, EmulatorHandle};

/// The bearer token the test emulators accept.
pub const TOKEN: &str = "tok-Bearer-5ecret-7f3a9c";
/// OAuth 1.0a credentials of the v1.1 tests.
pub const CK: &str = "ck-Consumer-Key-a1b2";
pub const CS: &str = "cs-Consumer-5ecret-c3d4";
pub const AT: &str = "at-Access-Token-e5f6";
pub const ATS: &str = "ats-Access-5ecret-g7h8";

/// An emulator running on its own tokio runtime, for as long as this value lives.
pub struct Emu {
    pub handle: Option<EmulatorHandle>,
    pub rt: tokio::runtime::Runtime,
}

/// The tests' emulator defaults: a known token, a fixed seed, no connect rate limit, and
/// room for the connection a previous command is still closing.
pub fn builder() -> EmulatorBuilder {
    Emulator::builder()
        .bearer_token(TOKEN)
        .seed(42)
        .connect_rate_limit(0, Duration::from_secs(900))
        .max_connections(8)
}

impl Emu {
    pub fn start(b: EmulatorBuilder) -> Emu {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let handle = rt.block_on(b.start()).expect("emulator starts");
        Emu {
            handle: Some(handle),
            rt,
        }
    }

    pub fn h(&self) -> &EmulatorHandle {
        self.handle.as_ref().expect("running")
    }

    pub fn base(&self) -> String {
        self.h().base_url()
    }

    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }
}

impl Drop for Emu {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            self.rt.block_on(h.shutdown());
        }
    }
}

/// The binary with no credentials, no API base and no user config from the environment.
pub fn cmd(home: &Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::new(env!("CARGO_BIN_EXE_tweetstream"));
    for v in [
        "X_BEARER_TOKEN",
        "TWITTER_BEARER_TOKEN",
        "X_CONSUMER_KEY",
        "X_CONSUMER_SECRET",
        "X_ACCESS_TOKEN",
        "X_ACCESS_TOKEN_SECRET",
        "X_API_BASE",
        "TWEETSTREAM_CONFIG",
        "RUST_LOG",
    ] {
        c.env_remove(v);
    }
    c.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .timeout(Duration::from_secs(120));
    c
}

/// [`cmd`] with the bearer token and the emulator's base URL.
pub fn v2_cmd(home: &Path, emu: &Emu) -> assert_cmd::Command {
    let mut c = cmd(home);
    c.env("X_BEARER_TOKEN", TOKEN).env("X_API_BASE", emu.base());
    c
}

/// The first `n` messages of a v2 stream as the library receives them.
pub async fn reference_v2(
    base: &str,
    filtered: bool,
    params: StreamParams,
    n: usize,
) -> Vec<Bytes> {
    let client = AsyncStreamingClient::builder(TOKEN)
        .api_base(base)
        .max_retries(3)
        .build()
        .expect("client");
    let mut s = if filtered {
        client.filter(params)
    } else {
        client.sample(params)
    }
    .expect("stream");
    let mut out = Vec::new();
    while out.len() < n {
        match tokio::time::timeout(Duration::from_secs(30), s.next()).await {
            Ok(Some(Ok(Event::Message(m)))) => out.push(m.raw().clone()),
            Ok(Some(Ok(Event::Error(e)))) => panic!("reference stream: {e}"),
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(e))) => panic!("reference stream: {e}"),
            Ok(None) | Err(_) => break,
        }
    }
    s.disconnect();
    out
}

/// Split a JSONL file's bytes into lines; panics unless it ends with a newline.
pub fn lines(data: &[u8]) -> Vec<&[u8]> {
    if data.is_empty() {
        return Vec::new();
    }
    assert_eq!(
        data.last(),
        Some(&b'\n'),
        "the file ends with a complete line"
    );
    data[..data.len() - 1].split(|&b| b == b'\n').collect()
}

/// Poll `f` every 20 ms until it holds or `limit` passes.
pub fn wait_for(limit: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if f() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    f()
}

/// The number N in "wrote N messages" of the summary on stderr.
pub fn summary_count(stderr: &str) -> u64 {
    let at = stderr
        .find("wrote ")
        .unwrap_or_else(|| panic!("no summary in stderr: {stderr}"));
    stderr[at + 6..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in the summary: {stderr}"))
}

/// The id of a v2 message (`data.id`) or a v1.1 status (`id_str`).
pub fn tweet_id(line: &[u8]) -> Option<u64> {
    let v: serde_json::Value = serde_json::from_slice(line).expect("a JSON line");
    v.get("data")
        .and_then(|d| d.get("id"))
        .and_then(|i| i.as_str())
        .or_else(|| v.get("id_str").and_then(|i| i.as_str()))
        .and_then(|s| s.parse().ok())
}
