//! Shared by the examples: where to connect.
//!
//! With `X_BEARER_TOKEN` set, the examples talk to X (or to `X_API_BASE` if set). Without it
//! they start the local emulator in-process, so they run anywhere with no credentials.
#![allow(dead_code)]

use tweetstream_emulator::{Emulator, EmulatorHandle};

/// Where to connect, and the emulator to keep alive while the example runs.
pub struct Target {
    pub api_base: String,
    pub bearer_token: String,
    pub emulator: Option<EmulatorHandle>,
}

/// The number given with `--limit N` (default `default`).
pub fn limit(default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2)
        .find(|w| w[0] == "--limit")
        .and_then(|w| w[1].parse().ok())
        .unwrap_or(default)
}

/// Connect to X when `X_BEARER_TOKEN` is set, else to a fresh local emulator.
pub async fn target() -> Target {
    if let Ok(token) = std::env::var("X_BEARER_TOKEN") {
        let api_base = std::env::var("X_API_BASE")
            .unwrap_or_else(|_| tweetstream::DEFAULT_API_BASE.to_string());
        return Target {
            api_base,
            bearer_token: token,
            emulator: None,
        };
    }
    let emu = Emulator::builder()
        .bearer_token("example-token")
        .rate(50.0)
        .start()
        .await
        .expect("the emulator starts on 127.0.0.1");
    eprintln!(
        "(no X_BEARER_TOKEN: using the local emulator at {})",
        emu.base_url()
    );
    Target {
        api_base: emu.base_url(),
        bearer_token: "example-token".into(),
        emulator: Some(emu),
    }
}

/// For blocking examples: the target, with the emulator on its own runtime.
pub fn target_blocking() -> (Target, tokio::runtime::Runtime) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let t = rt.block_on(target());
    (t, rt)
}
