//! The emulator's request handling: arbitrary methods, paths, queries, headers and bodies,
//! sent over loopback to one emulator started for the run. Never a panic (libFuzzer's panic
//! hook aborts on any, even one the server would catch), always an HTTP answer, and every
//! error answer has a JSON body (X's shapes) or is v1.1's plain text.
#![no_main]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::Duration;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input {
    method: u8,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

const METHODS: [&str; 6] = ["GET", "POST", "DELETE", "PUT", "HEAD", "OPTIONS"];
const PATHS: [&str; 6] = [
    "/2/tweets/search/stream/rules",
    "/2/tweets/sample/stream",
    "/2/tweets/firehose/stream",
    "/1.1/statuses/filter.json",
    "/2/tweets/search/stream/rules/counts",
    "/2/likes/compliance/stream",
];

fn emulator() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let h = tweetstream_emulator::Emulator::builder()
                    .rate(1000.0)
                    .seed(1)
                    .connect_rate_limit(0, Duration::from_secs(900))
                    .max_connections(1000)
                    .start()
                    .await
                    .unwrap();
                tx.send(h.addr()).unwrap();
                std::future::pending::<()>().await;
            });
        });
        rx.recv().unwrap()
    })
}

/// Printable ASCII without CR/LF (what an HTTP head can carry).
fn clean(s: &str) -> String {
    s.chars().filter(|c| (' '..='~').contains(c)).collect()
}

fuzz_target!(|i: Input| {
    let addr = emulator();
    let method = METHODS[i.method as usize % METHODS.len()];
    let mut path = clean(&i.path).replace(' ', "%20");
    if !path.starts_with('/') {
        // Half the time, a real path with the fuzzed rest as its query.
        path = format!(
            "{}{}",
            PATHS[i.method as usize % PATHS.len()],
            if path.is_empty() {
                String::new()
            } else {
                format!("?{path}")
            }
        );
    }
    let query = clean(&i.query).replace(' ', "+");
    let target = if query.is_empty() || path.contains('?') {
        path
    } else {
        format!("{path}?{query}")
    };
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n", i.body.len());
    for (k, v) in &i.headers {
        let k: String = clean(k)
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if k.is_empty()
            || k.eq_ignore_ascii_case("content-length")
            || k.eq_ignore_ascii_case("transfer-encoding")
            || k.eq_ignore_ascii_case("host")
        {
            continue;
        }
        head.push_str(&format!("{k}: {}\r\n", clean(v)));
    }
    head.push_str("\r\n");
    let Ok(mut s) = TcpStream::connect(addr) else {
        return;
    };
    // Generous: a loaded 2-core machine can starve the emulator's threads for seconds
    // (libFuzzer's own limit is 20 s).
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    if s.write_all(head.as_bytes())
        .and_then(|_| s.write_all(&i.body))
        .is_err()
    {
        return;
    }
    // The head, and for an error the body (the stream of a 200 is not read to its end).
    let mut got = Vec::new();
    let mut buf = [0u8; 8192];
    let end = loop {
        match s.read(&mut buf) {
            Ok(0) => break None,
            Ok(n) => {
                got.extend_from_slice(&buf[..n]);
                if let Some(p) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                    break Some(p + 4);
                }
            }
            // libFuzzer's timers interrupt reads: retry, as `read_exact` would.
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => panic!("no answer from the emulator: {e} (sent {head:?})"),
        }
    };
    let Some(end) = end else {
        // The server may refuse a head it cannot parse by closing (hyper does for some).
        return;
    };
    let text = String::from_utf8_lossy(&got[..end]).to_string();
    let status: u16 = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"));
    assert!((100..600).contains(&status), "{text}");
    if status >= 400 && method != "HEAD" {
        let len: usize = text
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().parse().unwrap_or(0))
            })
            .unwrap_or(0);
        let mut body = got[end..].to_vec();
        while body.len() < len {
            match s.read(&mut buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Ok(0) | Err(_) => break,
                Ok(n) => body.extend_from_slice(&buf[..n]),
            }
        }
        let gz = text.to_ascii_lowercase().contains("content-encoding: gzip");
        if len > 0 && !gz && !target.starts_with("/1.1/") {
            assert!(
                serde_json::from_slice::<serde_json::Value>(&body).is_ok(),
                "{status} without an X-shaped JSON body: {:?}",
                String::from_utf8_lossy(&body)
            );
        }
    }
});
