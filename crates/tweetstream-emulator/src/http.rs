//! Response bodies, the connection's I/O, and helpers.

use std::io::{self, Write};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;
use http::header::{HeaderValue, CONTENT_ENCODING, CONTENT_TYPE};
use http::{Response, StatusCode};
use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, Notify};

/// What a stream's producer hands to its response body.
#[derive(Debug)]
pub(crate) enum Chunk {
    /// Bytes for the body.
    Data(Bytes),
    /// Abort the connection once everything before has reached the socket (a scripted reset:
    /// the chunked body never gets its terminating chunk).
    Reset,
}

/// The bytes handed to a stream's body and not yet taken by hyper: the connection's queue, which
/// the producer keeps within a bound.
#[derive(Debug, Default)]
pub(crate) struct Queue {
    bytes: AtomicUsize,
    taken: Notify,
}

impl Queue {
    /// Bytes queued now.
    pub(crate) fn len(&self) -> usize {
        self.bytes.load(Ordering::Acquire)
    }

    /// `n` more bytes were queued.
    pub(crate) fn add(&self, n: usize) {
        self.bytes.fetch_add(n, Ordering::AcqRel);
    }

    /// `n` bytes left the queue (hyper took them, or they were never handed over).
    pub(crate) fn take(&self, n: usize) {
        self.bytes.fetch_sub(n, Ordering::AcqRel);
        self.taken.notify_one();
    }

    /// Completes once hyper has taken bytes (since the last call, or from now).
    pub(crate) async fn taken(&self) {
        self.taken.notified().await
    }
}

/// A per-TCP-connection switch shared by the connection's I/O and its response bodies: once a
/// body has seen [`Chunk::Reset`], the next flush of the connection (which hyper makes only after
/// writing out everything it buffered) fails, and hyper drops the connection.
///
/// This is how a reset mid-message reaches the client deterministically: the partial message is
/// on the wire before the connection dies, with no timer involved (it works under tokio's paused
/// clock as well).
#[derive(Clone, Debug, Default)]
pub(crate) struct ResetSwitch(Arc<AtomicBool>);

impl ResetSwitch {
    fn arm(&self) {
        self.0.store(true, Ordering::Release);
    }

    fn armed(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// The TCP stream of one HTTP connection, failing its flushes once the [`ResetSwitch`] is armed.
pub(crate) struct ConnIo {
    inner: TcpStream,
    reset: ResetSwitch,
}

impl ConnIo {
    pub(crate) fn new(inner: TcpStream, reset: ResetSwitch) -> ConnIo {
        ConnIo { inner, reset }
    }

    fn reset_error() -> io::Error {
        io::Error::new(io::ErrorKind::ConnectionReset, "scripted reset")
    }
}

impl AsyncRead for ConnIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(Pin::new(&mut self.inner).poll_flush(cx))?;
        if self.reset.armed() {
            return Poll::Ready(Err(ConnIo::reset_error()));
        }
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The body of every emulator response.
pub(crate) struct EmuBody {
    inner: Inner,
}

enum Inner {
    Full(Option<Bytes>),
    Stream {
        rx: mpsc::UnboundedReceiver<Chunk>,
        queue: Arc<Queue>,
        reset: ResetSwitch,
        /// A reset was requested: nothing more, ever (the connection is about to fail).
        dead: bool,
    },
}

impl EmuBody {
    pub(crate) fn full(b: impl Into<Bytes>) -> EmuBody {
        let b = b.into();
        EmuBody {
            inner: Inner::Full(if b.is_empty() { None } else { Some(b) }),
        }
    }

    pub(crate) fn stream(
        rx: mpsc::UnboundedReceiver<Chunk>,
        queue: Arc<Queue>,
        reset: ResetSwitch,
    ) -> EmuBody {
        EmuBody {
            inner: Inner::Stream {
                rx,
                queue,
                reset,
                dead: false,
            },
        }
    }
}

impl std::fmt::Debug for EmuBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EmuBody")
    }
}

impl Body for EmuBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match &mut self.get_mut().inner {
            Inner::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            Inner::Stream { dead: true, .. } => Poll::Pending,
            Inner::Stream {
                rx,
                queue,
                reset,
                dead,
            } => match rx.poll_recv(cx) {
                Poll::Ready(Some(Chunk::Data(b))) => {
                    queue.take(b.len());
                    Poll::Ready(Some(Ok(Frame::data(b))))
                }
                Poll::Ready(Some(Chunk::Reset)) => {
                    // Everything before is in hyper's buffer; its next flush writes it out and
                    // then fails (see `ResetSwitch`). Poll again so that flush comes soon.
                    *dead = true;
                    reset.arm();
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self.inner, Inner::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match &self.inner {
            Inner::Full(Some(b)) => SizeHint::with_exact(b.len() as u64),
            Inner::Full(None) => SizeHint::with_exact(0),
            Inner::Stream { .. } => SizeHint::default(),
        }
    }
}

/// Whether `Accept-Encoding` allows gzip.
pub(crate) fn accepts_gzip(headers: &http::HeaderMap) -> bool {
    headers
        .get_all(http::header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let q_zero = parts.any(|p| {
                let p = p.trim().replace(' ', "");
                p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !q_zero
        })
}

/// A gzip stream whose every write is flushed (sync flush), so each write decodes on arrival.
pub(crate) struct Gzip {
    enc: GzEncoder<Vec<u8>>,
}

impl Gzip {
    pub(crate) fn new(level: u32) -> Gzip {
        Gzip {
            enc: GzEncoder::new(Vec::with_capacity(16 * 1024), Compression::new(level)),
        }
    }

    /// The compressed form of `data`, flushed.
    pub(crate) fn encode(&mut self, data: &[u8]) -> Vec<u8> {
        // Writing into a Vec cannot fail.
        let _ = self.enc.write_all(data);
        let _ = self.enc.flush();
        std::mem::take(self.enc.get_mut())
    }

    /// The end of the gzip stream (trailer).
    pub(crate) fn finish(self) -> Vec<u8> {
        self.enc.finish().unwrap_or_default()
    }
}

/// gzip a whole body.
pub(crate) fn gzip_all(data: &[u8], level: u32) -> Vec<u8> {
    let mut enc = GzEncoder::new(
        Vec::with_capacity(data.len() / 3 + 64),
        Compression::new(level),
    );
    if enc.write_all(data).is_err() {
        return data.to_vec();
    }
    enc.finish().unwrap_or_else(|_| data.to_vec())
}

/// A complete (non-streamed) response.
pub(crate) fn full(
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    gzip: Option<u32>,
) -> Response<EmuBody> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut b = Response::builder()
        .status(status)
        .header(CONTENT_TYPE, HeaderValue::from_static(content_type));
    let body = match gzip {
        Some(level) if !body.is_empty() => {
            b = b.header(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            gzip_all(&body, level)
        }
        _ => body,
    };
    b.body(EmuBody::full(body))
        .unwrap_or_else(|_| Response::new(EmuBody::full(Bytes::new())))
}

/// A JSON response (`application/json; charset=utf-8`).
pub(crate) fn json(status: u16, v: &serde_json::Value, gzip: Option<u32>) -> Response<EmuBody> {
    full(
        status,
        "application/json; charset=utf-8",
        serde_json::to_vec(v).unwrap_or_default(),
        gzip,
    )
}

/// A problem response (`application/problem+json`).
pub(crate) fn problem(status: u16, body: String, gzip: Option<u32>) -> Response<EmuBody> {
    full(status, "application/problem+json", body.into_bytes(), gzip)
}

/// A text response (v1.1 errors).
pub(crate) fn text(status: u16, body: &str, gzip: Option<u32>) -> Response<EmuBody> {
    full(
        status,
        "text/plain; charset=utf-8",
        body.as_bytes().to_vec(),
        gzip,
    )
}
