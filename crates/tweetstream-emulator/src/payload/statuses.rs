//! The v1.1 streams: statuses matching the connection's `track`/`follow`/`locations` (or all of
//! them on `statuses/sample`), with the notices X interleaves (`delete`, `limit`, `scrub_geo`,
//! `status_withheld`, `user_withheld`, `warning`), serialised from the library's models.

use std::collections::VecDeque;

use tweetstream::models::v1::{
    Delete, DeletedStatus, Disconnect, Limit, Message, ScrubGeo, StatusWithheld, UserWithheld,
    Warning,
};
use tweetstream::CompactString;

use super::{Cx, Payload};
use crate::config::V1Notices;
use crate::data::V1Filter;
use crate::scenario::StreamEndpoint;

/// Statuses seen recently, for the ids the notices name.
const RECENT: usize = 64;

/// The FALLING_BEHIND text X sends with `stall_warnings=true`.
pub(crate) const FALLING_BEHIND: &str = "Your connection is falling behind and messages are being queued for delivery to you. Your queue is now over 60% full. You will be disconnected when the queue is full.";

/// v1.1 status payloads and notices.
pub(crate) struct Statuses {
    filter: V1Filter,
    notices: V1Notices,
    stall_warnings: bool,
    /// `limit` notices (statuses/filter only).
    limit_notices: bool,
    /// Statuses delivered.
    statuses: u64,
    /// (status id, author id) of the latest statuses, oldest first.
    recent: VecDeque<(u64, u64)>,
    /// The cumulative `limit.track` count.
    limit_track: u64,
    pending: VecDeque<Message>,
    /// A FALLING_BEHIND warning was sent for a filling queue.
    warned: bool,
}

impl Statuses {
    pub(crate) fn new(
        filter: V1Filter,
        notices: V1Notices,
        stall_warnings: bool,
        limit_notices: bool,
    ) -> Statuses {
        Statuses {
            filter,
            notices,
            stall_warnings,
            limit_notices,
            statuses: 0,
            recent: VecDeque::with_capacity(RECENT),
            limit_track: 0,
            pending: VecDeque::new(),
            warned: false,
        }
    }

    /// Queue the notices due after the `statuses`-th status.
    fn queue_notices(&mut self, ts_ms: u64) {
        let k = self.statuses;
        let due = |every: u64| every > 0 && k % every == 0;
        let (id, user) = self.recent.front().copied().unwrap_or((0, 0));
        let ts = || Some(CompactString::from(ts_ms.to_string()));
        let s = |n: u64| Some(CompactString::from(n.to_string()));
        let countries = || vec![CompactString::from("DE"), CompactString::from("AR")];
        let cfg = self.notices;
        if due(cfg.delete_every) {
            self.pending.push_back(Message::Delete(Delete {
                status: DeletedStatus {
                    id,
                    id_str: s(id),
                    user_id: user,
                    user_id_str: s(user),
                },
                timestamp_ms: ts(),
            }));
        }
        if self.limit_notices && due(cfg.limit_every) {
            self.limit_track += 1 + (k.wrapping_mul(7919) % 97);
            self.pending.push_back(Message::Limit(Limit {
                track: self.limit_track,
                timestamp_ms: ts(),
            }));
        }
        if due(cfg.scrub_geo_every) {
            self.pending.push_back(Message::ScrubGeo(ScrubGeo {
                user_id: user,
                user_id_str: s(user),
                up_to_status_id: id,
                up_to_status_id_str: s(id),
                timestamp_ms: ts(),
            }));
        }
        if due(cfg.status_withheld_every) {
            self.pending
                .push_back(Message::StatusWithheld(StatusWithheld {
                    id,
                    user_id: user,
                    withheld_in_countries: countries(),
                    timestamp_ms: ts(),
                }));
        }
        if due(cfg.user_withheld_every) {
            self.pending.push_back(Message::UserWithheld(UserWithheld {
                id: user,
                withheld_in_countries: countries(),
                timestamp_ms: ts(),
            }));
        }
        if self.stall_warnings && due(cfg.warning_every) {
            self.pending.push_back(falling_behind(60));
        }
    }
}

impl Payload for Statuses {
    fn write_event(&mut self, cx: &Cx<'_>, seq: u64, out: &mut Vec<u8>) -> Option<u64> {
        let tweet = cx.source.get(seq);
        if !self.filter.matches(&tweet) {
            return None;
        }
        tweet.write_v1(out);
        self.statuses += 1;
        if self.recent.len() >= RECENT {
            self.recent.pop_front();
        }
        self.recent.push_back((tweet.id(), tweet.author_id()));
        self.queue_notices(cx.now_ms());
        Some(tweet.id())
    }

    fn falling_behind(&mut self, percent_full: u32) {
        // Once per connection (X: at most about once every 5 minutes).
        if self.stall_warnings && !self.warned {
            self.warned = true;
            self.pending.push_back(falling_behind(percent_full));
        }
    }

    fn write_notice(&mut self, _cx: &Cx<'_>, out: &mut Vec<u8>) -> bool {
        match self.pending.pop_front() {
            Some(m) => {
                write_message(&m, out);
                true
            }
            None => false,
        }
    }
}

/// The id recorded for a v1.1 message: the status id (notices have none).
pub(crate) fn id_of(message: &serde_json::Value) -> Option<u64> {
    message.get("id_str")?.as_str()?.parse().ok()
}

/// A `warning` FALLING_BEHIND notice at `percent_full`.
pub(crate) fn falling_behind(percent_full: u32) -> Message {
    Message::Warning(Warning {
        code: "FALLING_BEHIND".into(),
        message: FALLING_BEHIND.into(),
        percent_full: Some(percent_full),
        user_id: None,
    })
}

/// Serialise a v1.1 message in its wire shape.
pub(crate) fn write_message(m: &Message, out: &mut Vec<u8>) {
    // Serialising these models into a Vec cannot fail.
    let _ = serde_json::to_writer(out, m);
}

/// The `disconnect` notice of connection `conn_id` on `endpoint`.
pub(crate) fn disconnect_line(
    endpoint: StreamEndpoint,
    conn_id: u64,
    code: u32,
    reason: &str,
) -> Vec<u8> {
    let stream = endpoint.path().trim_start_matches('/').replace('/', "-");
    let m = Message::Disconnect(Disconnect {
        code,
        stream_name: format!("emulator-{stream}-{conn_id}").into(),
        reason: reason.into(),
    });
    let mut out = Vec::new();
    write_message(&m, &mut out);
    out
}
