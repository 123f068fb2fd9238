use std::time::Instant;
fn main() {
    let path = format!("{}/../../../shared/data/x-v2-filtered-stream-2021-with-truncated-last-line.twarc.jsonl", env!("CARGO_MANIFEST_DIR"));
    let body = std::fs::read(path).unwrap();
    let lines: Vec<bytes::Bytes> = body.split(|b| *b == b'\n').filter(|l| l.len() > 100).take(7).map(|l| bytes::Bytes::copy_from_slice(l)).collect();
    let total: usize = lines.iter().map(|l| l.len()).sum();
    for round in 0..2 {
        let n = 20000;
        let t = Instant::now();
        for _ in 0..n { for l in &lines { let _: serde::de::IgnoredAny = serde_json::from_slice(l).unwrap(); } }
        let e = t.elapsed().as_secs_f64();
        println!("{round} ignored: {:.0} MB/s {:.2} us/msg", (n*total) as f64/e/1e6, e*1e6/(n*7) as f64);
        let t = Instant::now();
        for _ in 0..n { for l in &lines { let _: serde_json::Value = serde_json::from_slice(l).unwrap(); } }
        let e = t.elapsed().as_secs_f64();
        println!("{round} value: {:.0} MB/s {:.2} us/msg", (n*total) as f64/e/1e6, e*1e6/(n*7) as f64);
        let t = Instant::now();
        for _ in 0..n { for l in &lines { let _ = tweetstream::models::v2::StreamResponse::decode(l.clone()).unwrap(); } }
        let e = t.elapsed().as_secs_f64();
        println!("{round} typed: {:.0} MB/s {:.2} us/msg", (n*total) as f64/e/1e6, e*1e6/(n*7) as f64);
    }
    println!("avg len {}", total/7);
}
