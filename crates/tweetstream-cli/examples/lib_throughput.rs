//! The library's own end-to-end throughput, to compare with `tweetstream sample --output
//! /dev/null`: read N messages of the v2 sample stream and touch each one's raw bytes.
//!
//! ```text
//! tweetstream emulate --rate 0 --connect-rate-limit 0 --port 8080 &
//! cargo run --release -p tweetstream-cli --example lib_throughput -- http://127.0.0.1:8080 1000000
//! time tweetstream --api-base http://127.0.0.1:8080 sample --output /dev/null --limit 1000000
//! ```

use std::time::Instant;

use futures_util::StreamExt;
use tweetstream::{AsyncStreamingClient, Event, StreamParams};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:8080".into());
    let n: u64 = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    // The same runtime as the command line's.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let started = Instant::now();
        let client = AsyncStreamingClient::builder("benchmark")
            .api_base(base)
            .build()?;
        let mut stream = client.sample(StreamParams::new())?;
        let (mut messages, mut bytes) = (0u64, 0u64);
        while let Some(item) = stream.next().await {
            if let Event::Message(m) = item? {
                bytes += m.raw().len() as u64 + 1;
                messages += 1;
                if messages == n {
                    break;
                }
            }
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "library: {messages} messages, {:.1} MB in {secs:.2}s: {:.0} messages/s, {:.1} MB/s",
            bytes as f64 / 1e6,
            messages as f64 / secs,
            bytes as f64 / 1e6 / secs
        );
        Ok::<_, Box<dyn std::error::Error>>(())
    })
}
