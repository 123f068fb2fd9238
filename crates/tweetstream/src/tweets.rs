//! The v2 tweet streams (`sample`, `filter`, `firehose`, `sample10`): one [`Endpoint`].

use std::time::Duration;

use bytes::Bytes;

use crate::auth::Bearer;
use crate::client::{Client, Mode};
use crate::endpoint::{Attempt, Control, Endpoint};
use crate::models::v2::StreamResponse;
use crate::models::DecodeError;
use crate::params::StreamParams;
use crate::raw::Raw;
use crate::stream::EventStream;
use crate::Error;

/// A v2 tweet stream: its path and validated parameters. What `sample`, `filter`, `firehose`
/// and `sample10` open; usable with [`Client::open`] too.
#[derive(Debug, Clone)]
pub struct TweetStream {
    path: &'static str,
    query: Vec<(String, String)>,
    backfill_on_reconnect: bool,
}

impl TweetStream {
    /// `GET /2/tweets/sample/stream`, the 1% sample.
    pub fn sample(params: &StreamParams) -> Result<TweetStream, Error> {
        TweetStream::new("2/tweets/sample/stream", params, 0)
    }

    /// `GET /2/tweets/search/stream`, the filtered stream.
    pub fn filter(params: &StreamParams) -> Result<TweetStream, Error> {
        TweetStream::new("2/tweets/search/stream", params, 0)
    }

    /// `GET /2/tweets/firehose/stream` (partition 1–20 required).
    pub fn firehose(params: &StreamParams) -> Result<TweetStream, Error> {
        TweetStream::new("2/tweets/firehose/stream", params, 20)
    }

    /// `GET /2/tweets/sample10/stream` (partition 1–2 required).
    pub fn sample10(params: &StreamParams) -> Result<TweetStream, Error> {
        TweetStream::new("2/tweets/sample10/stream", params, 2)
    }

    /// The stream at `path` (such as `2/tweets/sample/stream`) with `params`, validated for a
    /// stream with `partitions` partitions (0: not partitioned).
    fn new(
        path: &'static str,
        params: &StreamParams,
        partitions: u32,
    ) -> Result<TweetStream, Error> {
        params.validate_partition(partitions, partitions > 0)?;
        params.validate()?;
        Ok(TweetStream {
            path,
            query: params.query_pairs(),
            backfill_on_reconnect: params.backfill_on_reconnect,
        })
    }

    /// The query of an attempt: with `backfill_on_reconnect`, a reconnect after data asks for
    /// the minutes since the last bytes arrived (rounded up; X allows 1 to 5).
    fn query_for(&self, since_last_data: Option<Duration>) -> Vec<(String, String)> {
        match since_last_data.filter(|_| self.backfill_on_reconnect) {
            None => self.query.clone(),
            Some(gap) => {
                let minutes = gap.as_secs().div_ceil(60).clamp(1, 5);
                std::iter::once(("backfill_minutes".to_string(), minutes.to_string()))
                    .chain(
                        self.query
                            .iter()
                            .filter(|(k, _)| k != "backfill_minutes")
                            .cloned(),
                    )
                    .collect()
            }
        }
    }
}

impl Endpoint for TweetStream {
    type Message = StreamResponse;

    fn request(&self, attempt: &Attempt<'_>) -> Result<http::Request<Bytes>, Error> {
        attempt.get(self.path, &self.query_for(attempt.since_last_data))
    }

    fn decode(&self, raw: &Bytes) -> Result<StreamResponse, DecodeError> {
        StreamResponse::decode(raw)
    }

    fn control(&self, m: &Raw<StreamResponse>) -> Control {
        match m.disconnect_notice() {
            Some(p) if m.data.is_none() => Control::Reconnect(
                p.extra_str("disconnect_type")
                    .or(p.detail.as_deref())
                    .unwrap_or("operational-disconnect")
                    .to_string(),
            ),
            _ => Control::Data,
        }
    }

    fn message_id(&self, m: &Raw<StreamResponse>) -> Option<u64> {
        let id = &m.data.as_ref()?.id;
        id.parse().ok().or_else(|| v2_data_id(m.raw()))
    }

    fn dedupe(&self) -> bool {
        self.backfill_on_reconnect
    }
}

/// X v2's in-band disconnect, from the bytes: a message whose first key is `data` is data
/// (the common case, decided at once); anything else is parsed for an `errors` array with an
/// operational-disconnect problem and no `data`.
pub(crate) fn v2_inspect(raw: &[u8]) -> Control {
    if crate::sniff::first_key(raw) == Some(b"data") {
        return Control::Data;
    }
    #[derive(serde::Deserialize)]
    struct ErrorsOnly {
        #[serde(default)]
        data: Option<serde::de::IgnoredAny>,
        #[serde(default)]
        errors: Vec<crate::models::v2::Problem>,
    }
    match serde_json::from_slice::<ErrorsOnly>(raw) {
        Ok(ErrorsOnly { data: None, errors }) => match errors.iter().find(|p| p.is_disconnect()) {
            Some(p) => Control::Reconnect(
                p.extra_str("disconnect_type")
                    .or(p.detail.as_deref())
                    .unwrap_or("operational-disconnect")
                    .to_string(),
            ),
            None => Control::Data,
        },
        _ => Control::Data,
    }
}

/// `data.id`, the id of a v2 message.
pub(crate) fn v2_data_id(raw: &[u8]) -> Option<u64> {
    crate::sniff::id_at(raw, &["data", "id"])
}

impl<Md: Mode> Client<Bearer, Md> {
    /// The 1% sample stream, `GET /2/tweets/sample/stream`.
    pub fn sample(
        &self,
        params: StreamParams,
    ) -> Result<EventStream<Raw<StreamResponse>, Md>, Error> {
        self.open(TweetStream::sample(&params)?)
    }

    /// The filtered stream, `GET /2/tweets/search/stream`: tweets matching the app's rules.
    pub fn filter(
        &self,
        params: StreamParams,
    ) -> Result<EventStream<Raw<StreamResponse>, Md>, Error> {
        self.open(TweetStream::filter(&params)?)
    }

    /// The firehose, `GET /2/tweets/firehose/stream` (partition 1–20 required).
    pub fn firehose(
        &self,
        params: StreamParams,
    ) -> Result<EventStream<Raw<StreamResponse>, Md>, Error> {
        self.open(TweetStream::firehose(&params)?)
    }

    /// The 10% sample, `GET /2/tweets/sample10/stream` (partition 1–2 required).
    pub fn sample10(
        &self,
        params: StreamParams,
    ) -> Result<EventStream<Raw<StreamResponse>, Md>, Error> {
        self.open(TweetStream::sample10(&params)?)
    }
}
