//! Response bodies and helpers.

use std::io::{self, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;
use http::header::{HeaderValue, CONTENT_ENCODING, CONTENT_TYPE};
use http::{Response, StatusCode};
use hyper::body::{Body, Frame, SizeHint};
use tokio::sync::mpsc;

/// A chunk of a streamed body, or the error that aborts the connection.
pub(crate) type Chunk = Result<Bytes, io::Error>;

/// The body of every emulator response.
pub(crate) struct EmuBody {
    inner: Inner,
}

enum Inner {
    Full(Option<Bytes>),
    Stream(mpsc::Receiver<Chunk>),
}

impl EmuBody {
    pub(crate) fn full(b: impl Into<Bytes>) -> EmuBody {
        let b = b.into();
        EmuBody {
            inner: Inner::Full(if b.is_empty() { None } else { Some(b) }),
        }
    }

    pub(crate) fn stream(rx: mpsc::Receiver<Chunk>) -> EmuBody {
        EmuBody {
            inner: Inner::Stream(rx),
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
            Inner::Stream(rx) => match rx.poll_recv(cx) {
                Poll::Ready(Some(Ok(b))) => Poll::Ready(Some(Ok(Frame::data(b)))),
                Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
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
            Inner::Stream(_) => SizeHint::default(),
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
