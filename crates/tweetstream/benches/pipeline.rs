//! Micro-benchmarks of the pure stages: gzip decompression, framing and decoding.
//!
//! Run with `cargo bench -p tweetstream --bench pipeline`.

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use tweetstream::framer::{Frame, Framer};
use tweetstream::inflate::GzipDecoder;
use tweetstream::models::v1::Message;
use tweetstream::models::v2::StreamResponse;

fn shared(name: &str) -> Vec<u8> {
    let path = format!("{}/../../../shared/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The real 2021 v2 payloads (without the truncated last line), CRLF-terminated.
fn v2_lines() -> Vec<Vec<u8>> {
    let body = shared("x-v2-filtered-stream-2021-with-truncated-last-line.twarc.jsonl");
    body.split(|b| *b == b'\n')
        .filter(|l| l.len() > 100)
        .take(7)
        .map(|l| l.to_vec())
        .collect()
}

fn body(lines: &[Vec<u8>], total: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(total + 8192);
    let mut i = 0;
    while out.len() < total {
        out.extend_from_slice(&lines[i % lines.len()]);
        out.extend_from_slice(b"\r\n");
        if i % 50 == 0 {
            out.extend_from_slice(b"\r\n");
        }
        i += 1;
    }
    out
}

fn framer(c: &mut Criterion) {
    let lines = v2_lines();
    let data = body(&lines, 8 << 20);
    let mut g = c.benchmark_group("framer");
    g.throughput(Throughput::Bytes(data.len() as u64));
    for chunk in [1460usize, 16 * 1024, 64 * 1024] {
        let chunks: Vec<Bytes> = data.chunks(chunk).map(Bytes::copy_from_slice).collect();
        g.bench_function(format!("chunks_of_{chunk}"), |b| {
            b.iter_batched(
                || chunks.clone(),
                |chunks| {
                    let mut f = Framer::new(16 << 20);
                    let mut n = 0usize;
                    for c in chunks {
                        f.push(c);
                        while let Some(fr) = f.next_frame() {
                            if let Ok(Frame::Message(m)) = fr {
                                n += m.len();
                            }
                        }
                    }
                    n
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

fn decoder(c: &mut Criterion) {
    let lines: Vec<Bytes> = v2_lines().into_iter().map(Bytes::from).collect();
    let total: usize = lines.iter().map(|l| l.len()).sum();
    let mut g = c.benchmark_group("decode_v2");
    g.throughput(Throughput::Bytes(total as u64));
    g.bench_function("stream_response_x7", |b| {
        b.iter(|| {
            let mut n = 0;
            for l in &lines {
                if let Ok(r) = StreamResponse::decode(l) {
                    n += r.data.map_or(0, |t| t.text.len());
                }
            }
            n
        })
    });
    g.bench_function("parse_floor_x7", |b| b.iter(|| parse_floor(&lines)));
    g.finish();
}

/// The floor under any typed decode: serde_json parsing the same bytes into `IgnoredAny`
/// (after the same one-pass UTF-8 check), building nothing. Typed decode costs about 2.5 to 3
/// times this; see docs/performance.md.
fn parse_floor(lines: &[Bytes]) -> usize {
    let mut n = 0;
    for l in lines {
        if let Ok(text) = simdutf8::basic::from_utf8(l) {
            n += serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok() as usize;
        }
    }
    n
}

/// The 100 real v1.1 statuses of twitter.json, one compact JSON line each.
fn v1_lines() -> Vec<Bytes> {
    let doc: serde_json::Value = serde_json::from_slice(&shared("twitter.json")).unwrap();
    doc["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| Bytes::from(serde_json::to_vec(s).unwrap()))
        .collect()
}

fn decoder_v1(c: &mut Criterion) {
    let lines = v1_lines();
    let total: usize = lines.iter().map(|l| l.len()).sum();
    let mut g = c.benchmark_group("decode_v1");
    g.throughput(Throughput::Bytes(total as u64));
    g.bench_function("twitter_json_statuses_x100", |b| {
        b.iter(|| {
            let mut n = 0;
            for l in &lines {
                if let Ok(Message::Status(s)) = Message::decode(l) {
                    n += s.user.screen_name.len();
                }
            }
            n
        })
    });
    g.bench_function("parse_floor_x100", |b| b.iter(|| parse_floor(&lines)));
    g.finish();
}

/// Decompression as a server sends it: 64 KiB writes, each followed by a sync flush.
fn inflate(c: &mut Criterion) {
    use std::io::Write;
    let mut raw = Vec::new();
    while raw.len() < 8 << 20 {
        for l in v1_lines() {
            raw.extend_from_slice(&l);
            raw.extend_from_slice(b"\r\n");
        }
    }
    let mut g = c.benchmark_group("inflate");
    g.throughput(Throughput::Bytes(raw.len() as u64));
    for level in [1u32, 6] {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
        for part in raw.chunks(64 * 1024) {
            enc.write_all(part).unwrap();
            enc.flush().unwrap();
        }
        let compressed = enc.get_ref().clone();
        // As it arrives from the network: about 16 KiB reads.
        let chunks: Vec<Bytes> = compressed
            .chunks(16 * 1024)
            .map(Bytes::copy_from_slice)
            .collect();
        g.bench_function(format!("gzip_level_{level}"), |b| {
            b.iter(|| {
                let mut gz = GzipDecoder::new();
                let mut n = 0;
                for c in &chunks {
                    gz.push(c.clone());
                    while let Some(out) = gz.next_chunk().unwrap() {
                        n += out.len();
                    }
                }
                n
            })
        });
    }
    g.finish();
}

/// `n` raw messages of the stream `name`, as the emulator serves them (real HTTP on loopback,
/// through the client's raw path).
fn emulated(name: &str, params: tweetstream::StreamParams, n: usize) -> Vec<Bytes> {
    use futures_util::StreamExt;
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let emu = tweetstream_emulator::Emulator::builder()
            .bearer_token("bench")
            .rate(0.0)
            .start()
            .await
            .unwrap();
        let client = tweetstream::AsyncStreamingClient::builder("bench")
            .api_base(emu.base_url())
            .build()
            .unwrap();
        let mut s = client.stream(name, params).unwrap().raw();
        let mut out = Vec::with_capacity(n);
        while let Some(Ok(e)) = s.next().await {
            if let tweetstream::Event::Message(m) = e {
                out.push(m.into_bytes());
                if out.len() == n {
                    break;
                }
            }
        }
        drop(s);
        emu.shutdown().await;
        out
    })
}

/// Typed decode of the event families, per byte, beside the tweets' (`decode_v2`).
fn decoder_events(c: &mut Criterion) {
    use tweetstream::models::activity::ActivityMessage;
    use tweetstream::models::compliance::{TweetComplianceMessage, UserComplianceMessage};
    use tweetstream::models::labels::TweetLabelMessage;
    use tweetstream::models::likes::LikeMessage;
    use tweetstream::StreamParams;
    let p1 = || StreamParams::new().partition(1);
    let mut g = c.benchmark_group("decode_events");
    macro_rules! family {
        ($name:literal, $params:expr, $ty:ty) => {{
            let lines = emulated($name, $params, 2000);
            let total: usize = lines.iter().map(|l| l.len()).sum();
            g.throughput(Throughput::Bytes(total as u64));
            g.bench_function($name, |b| {
                b.iter(|| {
                    lines
                        .iter()
                        .filter(|l| <$ty>::decode(l).is_ok_and(|m| m.data.is_some()))
                        .count()
                })
            });
            g.bench_function(concat!($name, " parse_floor"), |b| {
                b.iter(|| parse_floor(&lines))
            });
        }};
    }
    family!("tweets/compliance", p1(), TweetComplianceMessage);
    family!("users/compliance", p1(), UserComplianceMessage);
    family!(
        "likes/firehose",
        StreamParams::all_like_fields().partition(1),
        LikeMessage
    );
    family!("tweets/label", StreamParams::new(), TweetLabelMessage);
    family!("activity", StreamParams::new(), ActivityMessage);
    g.finish();
}

criterion_group!(
    benches,
    inflate,
    framer,
    decoder,
    decoder_v1,
    decoder_events
);
criterion_main!(benches);
