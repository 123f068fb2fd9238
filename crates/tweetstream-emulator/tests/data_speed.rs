//! Rendering throughput on one core. Run with
//! `cargo test --release -p tweetstream-emulator --test data_speed -- --ignored --nocapture`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::Instant;

use tweetstream_emulator::data::{MatchedRule, Shape, Source, V1Filter, V2Renderer};

fn corpus() -> Option<Source> {
    let dir = std::env::var_os("TWEETSTREAM_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        });
    Source::from_path(&dir.join("twitter.json")).ok()
}

fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// A typical client shape (payloads of about 2.5 KB on twitter.json).
fn typical() -> Shape {
    Shape::from_query(&q(&[
        (
            "tweet.fields",
            "author_id,created_at,conversation_id,entities,lang,public_metrics,referenced_tweets,attachments,source,possibly_sensitive",
        ),
        ("expansions", "author_id,referenced_tweets.id,attachments.media_keys"),
        ("user.fields", "created_at,description,public_metrics,verified,profile_image_url"),
        ("media.fields", "url,width,height"),
    ]))
    .unwrap()
}

fn v2(name: &str, src: &Source, shape: Shape, n: u64) {
    let mut r = V2Renderer::new(shape);
    let rules = [MatchedRule {
        id: "1273026480692322304",
        tag: "cats with images",
    }];
    let mut out = Vec::with_capacity(1 << 16);
    // Warm the template cache (first loop).
    for seq in 0..src.base_len() as u64 {
        out.clear();
        r.write(&src.get(seq), Some(&rules), &mut out);
    }
    let mut bytes = 0usize;
    let t = Instant::now();
    for seq in 0..n {
        out.clear();
        r.write(&src.get(seq), Some(&rules), &mut out);
        bytes += out.len();
        black_box(&out);
    }
    let s = t.elapsed().as_secs_f64();
    eprintln!(
        "v2 {name}: {:.0} payloads/s, {:.0} MB/s, {:.0} bytes/payload",
        n as f64 / s,
        bytes as f64 / s / 1e6,
        bytes as f64 / n as f64
    );
}

fn v1(name: &str, src: &Source, n: u64) {
    let mut out = Vec::with_capacity(1 << 16);
    for seq in 0..src.base_len() as u64 {
        out.clear();
        src.get(seq).write_v1(&mut out);
    }
    let mut bytes = 0usize;
    let t = Instant::now();
    for seq in 0..n {
        out.clear();
        src.get(seq).write_v1(&mut out);
        bytes += out.len();
        black_box(&out);
    }
    let s = t.elapsed().as_secs_f64();
    eprintln!(
        "v1 {name}: {:.0} statuses/s, {:.0} MB/s, {:.0} bytes/status",
        n as f64 / s,
        bytes as f64 / s / 1e6,
        bytes as f64 / n as f64
    );
}

fn filter(name: &str, src: &Source, n: u64) {
    let f = V1Filter::from_params(
        &q(&[
            ("track", "cat,the dog,rust,music news,example.com/foo"),
            ("follow", "1,2,3,2244994945"),
        ]),
        true,
    )
    .unwrap();
    let t = Instant::now();
    let mut hits = 0u64;
    for seq in 0..n {
        hits += u64::from(f.matches(&src.get(seq)));
    }
    let s = t.elapsed().as_secs_f64();
    eprintln!(
        "V1Filter {name}: {:.0} tweets/s ({hits} matched)",
        n as f64 / s
    );
}

#[test]
#[ignore = "timing; run in --release with --ignored --nocapture"]
fn throughput() {
    let n = 2_000_000;
    let t = Instant::now();
    let syn = Source::synthetic(1);
    eprintln!("Source::synthetic(1): {:?}", t.elapsed());
    if let Some(tw) = corpus() {
        v2("twitter.json typical shape", &tw, typical(), n);
        v2("twitter.json full shape", &tw, Shape::full(), n);
        v2("twitter.json default shape", &tw, Shape::default(), n);
        v1("twitter.json", &tw, n);
        filter("twitter.json", &tw, n);
    }
    v2("synthetic typical shape", &syn, typical(), n);
    v2("synthetic full shape", &syn, Shape::full(), n);
    v1("synthetic", &syn, n);
    filter("synthetic", &syn, n);
}
