use std::time::Instant;
use futures_util::StreamExt;
use tweetstream::{AsyncStreamingClient, Event, StreamParams};
use tweetstream_emulator::{data::Source, Emulator};
fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(300_000);
    let gzip = std::env::args().any(|a| a == "--gzip");
    let emu_rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let src = Source::from_path(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/twitter.json"))).unwrap();
    let emu = emu_rt.block_on(Emulator::builder().bearer_token("t").source(src).rate(0.0).start()).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let client = AsyncStreamingClient::builder("t").api_base(emu.base_url()).gzip(gzip).build().unwrap();
        let params = StreamParams::new()
            .tweet_fields(["author_id","created_at","conversation_id","entities","lang","public_metrics","referenced_tweets","attachments","source","possibly_sensitive"])
            .expansions(["author_id","referenced_tweets.id","attachments.media_keys"])
            .user_fields(["created_at","description","public_metrics","verified","profile_image_url"])
            .media_fields(["url","width","height"]);
        let mut s = client.sample(params).unwrap();
        let mut count = 0usize; let mut bytes = 0usize; let mut t0 = None;
        while let Some(item) = s.next().await {
            if let Ok(Event::Message(m)) = item {
                if t0.is_none() { t0 = Some(Instant::now()); }
                bytes += m.raw.len(); count += 1;
                if m.data.is_none() { panic!("no data"); }
                if count == n { break; }
            }
        }
        let e = t0.unwrap().elapsed().as_secs_f64();
        println!("v2{}: {} msgs in {:.2}s: {:.0} msg/s, {:.0} MB/s (avg {} B)", if gzip {" gzip"} else {""}, count, e, count as f64 / e, bytes as f64 / e / 1e6, bytes / count);
        let _ = std::fs::read("/proc/self/status").map(|s| { let s = String::from_utf8_lossy(&s).to_string(); for l in s.lines() { if l.starts_with("VmHWM") { println!("{l}"); } } });
    });
}
