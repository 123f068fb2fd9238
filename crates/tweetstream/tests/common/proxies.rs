//! Proxies on 127.0.0.1 for the integration tests: a recording HTTP forward proxy and a SOCKS5
//! proxy (RFC 1928, with the username/password method of RFC 1929). Both are real servers the
//! client talks to over loopback; each records what it saw so tests can assert the traffic
//! went through it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A plain HTTP forward proxy on 127.0.0.1 that records every byte clients send through it,
/// so tests can read the `Authorization` headers of every request (the emulator keeps only
/// whether they verified). Only for `http://` targets: reqwest sends absolute-form requests to
/// it, which it passes on unchanged.
pub struct RecordingProxy {
    pub url: String,
    sent: Arc<Mutex<Vec<u8>>>,
    task: tokio::task::JoinHandle<()>,
}

impl RecordingProxy {
    pub async fn start(upstream: SocketAddr) -> RecordingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let sent = Arc::new(Mutex::new(Vec::new()));
        let rec = sent.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                // No Nagle delay: with the paused clock, a segment held back for an ACK would
                // let the clock jump to the next timer (a stall timeout) meanwhile.
                let _ = client.set_nodelay(true);
                let _ = server.set_nodelay(true);
                let rec = rec.clone();
                tokio::spawn(async move {
                    let (mut cr, mut cw) = client.into_split();
                    let (mut sr, mut sw) = server.into_split();
                    let up = async move {
                        let mut buf = vec![0u8; 16 * 1024];
                        loop {
                            match cr.read(&mut buf).await {
                                Ok(0) | Err(_) => break,
                                Ok(n) => {
                                    rec.lock().unwrap().extend_from_slice(&buf[..n]);
                                    if sw.write_all(&buf[..n]).await.is_err() {
                                        break;
                                    }
                                }
                            }
                        }
                        let _ = sw.shutdown().await;
                    };
                    let down = async move {
                        let _ = tokio::io::copy(&mut sr, &mut cw).await;
                        let _ = cw.shutdown().await;
                    };
                    tokio::join!(up, down);
                });
            }
        });
        RecordingProxy { url, sent, task }
    }

    /// The `oauth_nonce` and `oauth_timestamp` of every request sent through the proxy, in order.
    pub fn oauth_nonces(&self) -> Vec<(String, u64)> {
        let text = String::from_utf8_lossy(&self.sent.lock().unwrap()).into_owned();
        text.split("\r\n")
            .filter_map(|line| {
                let (name, value) = line.split_once(':')?;
                if !name.eq_ignore_ascii_case("authorization") {
                    return None;
                }
                let pairs = tweetstream::oauth::parse_authorization_header(value.trim()).ok()?;
                let get = |k: &str| {
                    pairs
                        .iter()
                        .find(|(n, _)| n == k)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                };
                Some((get("oauth_nonce"), get("oauth_timestamp").parse().ok()?))
            })
            .collect()
    }

    /// The request lines (`POST http://… HTTP/1.1`) sent through the proxy, in order. A
    /// request on a reused connection follows the previous body with no line break, so lines
    /// are found by their method and absolute-form target, not by line starts.
    pub fn request_lines(&self) -> Vec<String> {
        let text = String::from_utf8_lossy(&self.sent.lock().unwrap()).into_owned();
        let mut found: Vec<(usize, String)> = Vec::new();
        for method in ["GET", "POST", "PUT", "DELETE"] {
            let needle = format!("{method} http://");
            for (at, _) in text.match_indices(&needle) {
                let line = text[at..].split("\r\n").next().unwrap_or_default();
                found.push((at, line.to_string()));
            }
        }
        found.sort();
        found.into_iter().map(|(_, l)| l).collect()
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A SOCKS5 proxy that connects wherever the client asks (`CONNECT` only) and records each
/// target and the credentials offered. With `credentials`, it requires the username/password
/// method and refuses other ones or a wrong pair.
pub struct Socks5Proxy {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Socks5Log>>,
    task: tokio::task::JoinHandle<()>,
}

/// What a [`Socks5Proxy`] saw.
#[derive(Debug, Default, Clone)]
pub struct Socks5Log {
    /// `host:port` of every `CONNECT`, in order.
    pub targets: Vec<String>,
    /// Username/password pairs offered.
    pub logins: Vec<(String, String)>,
    /// Handshakes refused (bad method or credentials).
    pub refused: usize,
}

impl Socks5Proxy {
    pub async fn start(credentials: Option<(&str, &str)>) -> Socks5Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Socks5Log::default()));
        let log = seen.clone();
        let creds = credentials.map(|(u, p)| (u.to_string(), p.to_string()));
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let _ = client.set_nodelay(true);
                let log = log.clone();
                let creds = creds.clone();
                tokio::spawn(async move {
                    if let Some((mut client, mut server)) =
                        socks5_handshake(client, creds, &log).await
                    {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Socks5Proxy { addr, seen, task }
    }

    /// `socks5://[user:pass@]127.0.0.1:port`.
    pub fn url(&self, login: Option<(&str, &str)>) -> String {
        match login {
            Some((u, p)) => format!("socks5://{u}:{p}@{}", self.addr),
            None => format!("socks5://{}", self.addr),
        }
    }

    pub fn log(&self) -> Socks5Log {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Socks5Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn read_exact<const N: usize>(s: &mut TcpStream) -> Option<[u8; N]> {
    let mut b = [0u8; N];
    s.read_exact(&mut b).await.ok()?;
    Some(b)
}

async fn read_vec(s: &mut TcpStream, n: usize) -> Option<Vec<u8>> {
    let mut b = vec![0u8; n];
    s.read_exact(&mut b).await.ok()?;
    Some(b)
}

/// Greeting, optional login, `CONNECT`; returns both ends ready to pipe.
async fn socks5_handshake(
    mut c: TcpStream,
    creds: Option<(String, String)>,
    log: &Mutex<Socks5Log>,
) -> Option<(TcpStream, TcpStream)> {
    let [ver, n] = read_exact::<2>(&mut c).await?;
    if ver != 5 {
        return None;
    }
    let methods = read_vec(&mut c, n as usize).await?;
    let want = if creds.is_some() { 2u8 } else { 0u8 };
    if !methods.contains(&want) {
        log.lock().unwrap().refused += 1;
        let _ = c.write_all(&[5, 0xFF]).await;
        return None;
    }
    c.write_all(&[5, want]).await.ok()?;
    if let Some((user, pass)) = &creds {
        let [_ver, ulen] = read_exact::<2>(&mut c).await?;
        let u = String::from_utf8_lossy(&read_vec(&mut c, ulen as usize).await?).into_owned();
        let [plen] = read_exact::<1>(&mut c).await?;
        let p = String::from_utf8_lossy(&read_vec(&mut c, plen as usize).await?).into_owned();
        let ok = &u == user && &p == pass;
        {
            let mut l = log.lock().unwrap();
            l.logins.push((u, p));
            if !ok {
                l.refused += 1;
            }
        }
        c.write_all(&[1, if ok { 0 } else { 1 }]).await.ok()?;
        if !ok {
            return None;
        }
    }
    let [_ver, cmd, _rsv, atyp] = read_exact::<4>(&mut c).await?;
    let host = match atyp {
        1 => {
            let a = read_exact::<4>(&mut c).await?;
            std::net::Ipv4Addr::from(a).to_string()
        }
        3 => {
            let [len] = read_exact::<1>(&mut c).await?;
            String::from_utf8_lossy(&read_vec(&mut c, len as usize).await?).into_owned()
        }
        4 => {
            let a = read_exact::<16>(&mut c).await?;
            format!("[{}]", std::net::Ipv6Addr::from(a))
        }
        _ => return None,
    };
    let port = u16::from_be_bytes(read_exact::<2>(&mut c).await?);
    let target = format!("{host}:{port}");
    log.lock().unwrap().targets.push(target.clone());
    let server = match (cmd, TcpStream::connect(&target).await) {
        (1, Ok(s)) => s,
        _ => {
            // General failure / command not supported.
            let _ = c.write_all(&[5, 1, 0, 1, 0, 0, 0, 0, 0, 0]).await;
            return None;
        }
    };
    let _ = server.set_nodelay(true);
    c.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).await.ok()?;
    Some((c, server))
}
