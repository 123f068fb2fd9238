//! tweepy's `stream.filter(track=["Tweepy"])`, with the async client.
//!
//! `cargo run -p tweetstream --example v1_filter_track -- --track Tweepy,rust --limit 5`
//!
//! The in-process emulator's synthetic tweets seldom mention Tweepy, so without `--track` it
//! also tracks "music".

#[path = "support_v1/mod.rs"]
mod support;

use tweetstream::models::v1::Status;
use tweetstream::v1::{AsyncStream, FilterParams, StreamHandler};
use tweetstream::ConnectionHandler;

struct Printer {
    stream: AsyncStream,
    printed: usize,
    limit: Option<usize>,
}

impl ConnectionHandler for Printer {}

impl StreamHandler for Printer {
    fn on_status(&mut self, status: &Status) {
        let text: String = status.full_text().chars().take(80).collect();
        println!(
            "{} @{}: {}",
            status.id,
            status.user.screen_name,
            text.replace('\n', " ")
        );
        self.printed += 1;
        if self.limit.is_some_and(|l| self.printed >= l) {
            self.stream.disconnect();
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    support::init_logging();
    let args = support::Args::parse();
    let target = support::Target::from_env(&args, |b| b)?;
    let mut track = args.track.clone();
    if track.is_empty() {
        track.push("Tweepy".into());
        if target.emulated() {
            track.push("music".into());
        }
    }
    // The stream runs on a current-thread runtime on this thread.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let stream = target.builder().build()?;
        let printer = Printer {
            stream: stream.clone(),
            printed: 0,
            limit: target.limit,
        };
        eprintln!("tracking {track:?}");
        stream
            .filter(FilterParams::new().track(track))?
            .run(printer)
            .await
    })?;
    Ok(())
}
