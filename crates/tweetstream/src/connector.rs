//! The connector stage: turns an `http::Request` into a response whose body is a stream of
//! `Bytes`. [`ReqwestConnector`] (rustls, proxies, timeouts) is the default; the supervisor only
//! sees the [`Connector`] trait, so its reconnect logic can be tested without sockets, and a
//! user can bring another HTTP stack.
//!
//! ```
//! use std::pin::Pin;
//! use bytes::Bytes;
//! use tweetstream::connector::{Body, Connector, ConnectorFuture};
//!
//! /// Answers every request with the same two messages, then ends the body.
//! struct Canned;
//!
//! impl Connector for Canned {
//!     fn send(&self, _request: http::Request<Bytes>) -> ConnectorFuture {
//!         Box::pin(async {
//!             let chunks = vec![Ok(Bytes::from_static(b"{\"data\":{\"id\":\"1\",\"text\":\"a\"}}\r\n\r\n"))];
//!             Ok(http::Response::new(Body::from_stream(futures_util::stream::iter(chunks))))
//!         })
//!     }
//! }
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use futures_util::StreamExt;

use crate::error::{ConnectionError, ConnectionErrorKind};
use crate::settings::Settings;
use crate::Error;

pub use crate::settings::Secret;

/// A response body: a stream of byte chunks, or the network error that cut it.
pub struct Body(Pin<Box<dyn Stream<Item = Result<Bytes, ConnectionError>> + Send>>);

impl Body {
    /// A body from any stream of chunks.
    pub fn from_stream<S>(stream: S) -> Body
    where
        S: Stream<Item = Result<Bytes, ConnectionError>> + Send + 'static,
    {
        Body(Box::pin(stream))
    }

    /// An empty body.
    pub fn empty() -> Body {
        Body::from_stream(futures_util::stream::empty())
    }
}

impl Stream for Body {
    type Item = Result<Bytes, ConnectionError>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.0.as_mut().poll_next(cx)
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Body")
    }
}

/// What [`Connector::send`] returns.
pub type ConnectorFuture =
    Pin<Box<dyn Future<Output = Result<http::Response<Body>, ConnectionError>> + Send>>;

/// Sends one request and answers with the response head and a streaming body. Errors carry no
/// URL (a URL may hold credentials).
pub trait Connector: Send + Sync + 'static {
    /// Send `request` (already authenticated) and return the response once its head arrived.
    fn send(&self, request: http::Request<Bytes>) -> ConnectorFuture;
}

/// The default connector: a shared `reqwest::Client` (rustls, HTTP proxies and SOCKS, the proxy
/// environment variables, the connect timeout and `User-Agent` of the client's settings).
#[derive(Clone, Debug)]
pub struct ReqwestConnector {
    client: reqwest::Client,
}

impl ReqwestConnector {
    /// A connector around an existing `reqwest::Client` (its own settings apply).
    pub fn new(client: reqwest::Client) -> ReqwestConnector {
        ReqwestConnector { client }
    }

    pub(crate) fn from_settings(settings: &Settings) -> Result<ReqwestConnector, Error> {
        Ok(ReqwestConnector::new(settings.http_client()?))
    }
}

impl Connector for ReqwestConnector {
    fn send(&self, request: http::Request<Bytes>) -> ConnectorFuture {
        let client = self.client.clone();
        Box::pin(async move {
            let request = reqwest::Request::try_from(request).map_err(|e| {
                ConnectionError::with_source(ConnectionErrorKind::Other, e.without_url())
            })?;
            let resp = client
                .execute(request)
                .await
                .map_err(|e| ConnectionError::from_reqwest(e, false))?;
            let mut head = http::Response::builder().status(resp.status());
            if let Some(h) = head.headers_mut() {
                *h = resp.headers().clone();
            }
            let body = resp
                .bytes_stream()
                .map(|r| r.map_err(|e| ConnectionError::from_reqwest(e, true)));
            head.body(Body::from_stream(body))
                .map_err(|e| ConnectionError::with_source(ConnectionErrorKind::Other, e))
        })
    }
}
