//! The supervisor's reconnect logic without sockets: a scripted [`Connector`] answers each
//! attempt, and the paused clock shows the waits.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::time::Instant;
use tweetstream::connector::{Body, Connector, ConnectorFuture};
use tweetstream::{
    AsyncStreamingClient, ConnectionError, ConnectionErrorKind, Error, Event, StreamParams,
};

/// One scripted answer: a status and the body's chunks.
type Answer = (u16, Vec<Result<&'static [u8], &'static str>>);

#[derive(Clone, Default)]
struct Scripted {
    answers: Arc<Mutex<VecDeque<Answer>>>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Connector for Scripted {
    fn send(&self, request: http::Request<Bytes>) -> ConnectorFuture {
        let auth = request
            .headers()
            .get(http::header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap_or("").to_string())
            .unwrap_or_default();
        self.requests
            .lock()
            .unwrap()
            .push(format!("{} {auth}", request.uri()));
        let next = self.answers.lock().unwrap().pop_front();
        Box::pin(async move {
            let Some((status, chunks)) = next else {
                return Err(ConnectionError::new(
                    ConnectionErrorKind::Connect,
                    "refused",
                ));
            };
            let chunks = chunks.into_iter().map(|c| match c {
                Ok(b) => Ok(Bytes::from_static(b)),
                Err(e) => Err(ConnectionError::new(ConnectionErrorKind::Body, e)),
            });
            let body = Body::from_stream(futures_util::stream::iter(chunks));
            Ok(http::Response::builder().status(status).body(body).unwrap())
        })
    }
}

fn name(item: &Result<Event<tweetstream::Raw<tweetstream::StreamResponse>>, Error>) -> String {
    match item {
        Ok(Event::Connected { .. }) => "connected".into(),
        Ok(Event::KeepAlive) => "keep_alive".into(),
        Ok(Event::Message(m)) => format!("tweet:{}", m.data.as_ref().map_or("-", |t| &t.id)),
        Ok(Event::Closed) => "closed".into(),
        Ok(Event::Reconnecting { delay, .. }) => format!("reconnect:{}ms", delay.as_millis()),
        Ok(Event::Error(Error::Http(h))) => format!("http:{}", h.status),
        Ok(Event::Error(Error::Connection(_))) => "network".into(),
        Ok(Event::Error(e)) => format!("error:{e}"),
        Ok(_) => "other".into(),
        Err(e) => format!("END:{e}"),
    }
}

#[tokio::test(start_paused = true)]
async fn reconnects_follow_the_policy_without_any_socket() {
    let connector = Scripted::default();
    connector.answers.lock().unwrap().extend([
        (503, vec![Ok(&b"{\"title\":\"Service Unavailable\"}"[..])]),
        (
            200,
            vec![
                Ok(&b"{\"data\":{\"id\":\"1\",\"text\":\"a\"}}\r\n{\"da"[..]),
                Ok(&b"ta\":{\"id\":\"2\",\"text\":\"b\"}}\r\n\r\n"[..]),
            ],
        ),
        (200, vec![Err("reset by peer")]),
        (401, vec![]),
    ]);
    let client = AsyncStreamingClient::builder("t0ken")
        .connector(connector.clone())
        .build()
        .unwrap();
    let t0 = Instant::now();
    let mut stream = client.sample(StreamParams::new()).unwrap();
    let mut log = Vec::new();
    while let Some(item) = stream.next().await {
        log.push(format!("{}@{}s", name(&item), t0.elapsed().as_secs()));
    }
    assert_eq!(
        log,
        [
            "http:503@0s",
            "reconnect:5000ms@0s",
            "connected@5s",
            "tweet:1@5s",
            "tweet:2@5s",
            "keep_alive@5s",
            "closed@5s",
            "reconnect:0ms@5s", // an established connection: at once
            "connected@5s",
            "network@5s",
            "reconnect:250ms@5s", // no data on that one: a network back-off
            "END:HTTP 401 Unauthorized@5s",
        ]
    );
    let requests = connector.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 4);
    assert!(requests
        .iter()
        .all(|r| r == "https://api.x.com/2/tweets/sample/stream Bearer t0ken"));
}
