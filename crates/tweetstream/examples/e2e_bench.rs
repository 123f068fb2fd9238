//! End-to-end benchmark: the emulator serves real statuses over loopback HTTP as fast as the
//! client reads; the library's client frames and decodes every message into typed values.
//!
//! ```text
//! cargo run --release -p tweetstream --example e2e_bench -- v1 --messages 300000 [--gzip]
//! cargo run --release -p tweetstream --example e2e_bench -- v2 --messages 300000 [--gzip]
//! ```
//!
//! v2 mode: `sample` with a typical shape (`tweet.fields` author_id, created_at, conversation_id,
//! entities, lang, public_metrics, referenced_tweets, attachments, source, possibly_sensitive;
//! `expansions` author_id, referenced_tweets.id, referenced_tweets.id.author_id,
//! attachments.media_keys; `user.fields` and `media.fields`), so each payload built from
//! twitter.json is about 2.5 KB (the issue's reference stream: about 2.6 KB), decoded into
//! `StreamResponse` (tweet, includes, matching rules).
//!
//! `--api-base URL` connects to an emulator started separately (e.g.
//! `tweetstream-emulator --rate 0 --corpus …/twitter.json --bearer-token bench
//! --consumer-key bench-ck --consumer-secret bench-cs --access-token bench-at
//! --access-token-secret bench-ats`), so that the peak RSS printed is the client's alone.
//!
//! * The emulator runs on its own multi-thread runtime with one worker thread, serving
//!   `shared/data/twitter.json` (100 real v1.1 statuses, replayed with fresh ids) at rate 0,
//!   with the v1.1 notices of X's sample (a `delete` per 10 statuses, rarer others).
//! * The client (`v1::AsyncStream` on `statuses/sample`) runs on a current-thread runtime on the
//!   main thread: HTTP, gzip, framing and decoding into `Status`/notices all happen there, so the
//!   client's figures are for one core. Its CPU time is read from `/proc/thread-self/schedstat`.
//! * The first `--warmup` messages (default 5,000) are not timed.
//!
//! Options: `v1|v2` (first argument), `--messages N` (default 300,000), `--gzip`,
//! `--warmup N`, `--data PATH`, `--delete-every N` (default 10), `--api-base URL`,
//! `--shape typical|full` (v2: the typical fields above, or every field and expansion X has,
//! about 4.0 KB per payload).
//!
//! `e2e_bench_mimalloc` is the same benchmark in a binary that uses mimalloc as its allocator.

#[path = "support_bench/mod.rs"]
mod bench;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    bench::main("system")
}
