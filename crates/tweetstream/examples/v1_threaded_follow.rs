//! tweepy's `thread = stream.filter(follow=[1072250532645998596], threaded=True)`: the stream
//! runs on its own thread while the main thread goes on, then stops it.
//!
//! `cargo run -p tweetstream --example v1_threaded_follow -- --follow 1072250532645998596`
//!
//! With the in-process emulator it also follows the authors of the emulator's first tweets.

#[path = "support_v1/mod.rs"]
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tweetstream::blocking::Stream;
use tweetstream::models::v1::Status;
use tweetstream::v1::{FilterParams, StreamHandler};
use tweetstream::ConnectionHandler;

struct Printer {
    count: Arc<AtomicUsize>,
}

impl ConnectionHandler for Printer {}

impl StreamHandler for Printer {
    fn on_status(&mut self, status: &Status) {
        println!("{} by user {}", status.id, status.user.id);
        self.count.fetch_add(1, Ordering::Relaxed);
    }
    fn on_delete(&mut self, status_id: u64, user_id: u64) {
        println!("deleted: {status_id} by user {user_id}");
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    support::init_logging();
    let args = support::Args::parse();
    let target = support::Target::from_env(&args, |b| b)?;
    let mut follow = args.follow.clone();
    if follow.is_empty() {
        follow.push(1072250532645998596);
        if target.emulated() {
            follow.extend(support::emulator_authors(5));
        }
    }
    let stream = Stream::from_builder(target.builder())?;
    let count = Arc::new(AtomicUsize::new(0));
    eprintln!("following {follow:?} on a thread");
    let thread = stream
        .filter(FilterParams::new().follow(follow))?
        .run_threaded(Printer {
            count: count.clone(),
        })?;

    // The main thread is free meanwhile; here it just watches the count.
    let started = Instant::now();
    while !thread.is_finished() {
        if let Some(limit) = target.limit {
            if count.load(Ordering::Relaxed) >= limit {
                break;
            }
            if started.elapsed() > support::MAX_WAIT {
                eprintln!("no {limit} statuses within {:?}", support::MAX_WAIT);
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    thread.disconnect();
    thread.join()?;
    eprintln!("{} statuses", count.load(Ordering::Relaxed));
    Ok(())
}
