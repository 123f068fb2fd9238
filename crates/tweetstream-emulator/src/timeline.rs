//! The emulator's tweet timeline: which tweet (sequence number) is "posted" when.
//!
//! With a rate R > 0, tweet `seq` is posted at `start + seq / R`; every connection sees the
//! same tweets at the same time. With rate 0 ("as fast as possible") the timeline advances
//! as fast as the fastest reader: `head` is one past the highest sequence number any
//! connection has produced, and a new connection starts there. Checkpoints (time → head)
//! let backfill and recovery find "the tweets served since time T" in both modes.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use tokio::time::Instant;

/// Checkpoint granularity.
const BUCKET_MS: u64 = 10;
/// At most this many checkpoints (about 2.8 h of continuous activity at 10 ms; older ones
/// are dropped).
const MAX_CHECKPOINTS: usize = 1_000_000;

pub(crate) struct Timeline {
    pub start: Instant,
    pub start_wall: SystemTime,
    pub rate: f64,
    head: AtomicU64,
    /// One past the last sequence number sent by a connection that has ended.
    retired: AtomicU64,
    /// (milliseconds since start, bucketed; head at the end of that bucket)
    checkpoints: Mutex<VecDeque<(u64, u64)>>,
}

impl Timeline {
    pub fn new(rate: f64) -> Timeline {
        let rate = if rate.is_finite() && rate > 0.0 {
            rate
        } else {
            0.0
        };
        Timeline {
            start: Instant::now(),
            start_wall: SystemTime::now(),
            rate,
            head: AtomicU64::new(0),
            retired: AtomicU64::new(0),
            checkpoints: Mutex::new(VecDeque::new()),
        }
    }

    pub fn paced(&self) -> bool {
        self.rate > 0.0
    }

    fn elapsed_secs(&self, t: Instant) -> f64 {
        t.saturating_duration_since(self.start).as_secs_f64()
    }

    /// The first sequence number a connection opened at `t` gets: the first posted at or after
    /// `t`, but never one a connection that has ended already sent (so a client that reconnects
    /// at the very instant a tweet was posted does not get it twice). Connections open at the
    /// same time share the timeline and see the same tweets.
    pub fn live_seq(&self, t: Instant) -> u64 {
        if self.paced() {
            let posted = (self.elapsed_secs(t) * self.rate).ceil() as u64;
            posted.max(self.retired.load(Ordering::Acquire))
        } else {
            self.head.load(Ordering::Acquire)
        }
    }

    /// One past the last sequence number posted at or before `now` (paced mode).
    pub fn due_end(&self, now: Instant) -> u64 {
        if self.paced() {
            // Agree exactly with `post_time` (float rounding must never make a tweet "not yet
            // due" at its own post time, or a writer sleeping until then would spin).
            let mut last = (self.elapsed_secs(now) * self.rate).floor() as u64;
            while self.post_time(last.saturating_add(1)) <= now && last < u64::MAX - 1 {
                last += 1;
            }
            while last > 0 && self.post_time(last) > now {
                last -= 1;
            }
            last + 1
        } else {
            u64::MAX
        }
    }

    /// When `seq` is posted (paced mode).
    pub fn post_time(&self, seq: u64) -> Instant {
        if self.paced() {
            let secs = seq as f64 / self.rate;
            if secs.is_finite() && secs < 1e12 {
                return self.start + Duration::from_secs_f64(secs);
            }
            return self.start + Duration::from_secs(1_000_000_000_000);
        }
        self.start
    }

    /// Record that a connection that sent every sequence number below `end` has ended.
    pub fn retire(&self, end: u64) {
        if self.paced() {
            self.retired.fetch_max(end, Ordering::AcqRel);
        }
    }

    /// Record that a connection produced every sequence number below `end`.
    pub fn advance(&self, end: u64, now: Instant) {
        let prev = self.head.fetch_max(end, Ordering::AcqRel);
        if end <= prev || self.paced() {
            return;
        }
        let ms = now.saturating_duration_since(self.start).as_millis() as u64;
        let bucket = ms / BUCKET_MS * BUCKET_MS;
        let mut cps = self.checkpoints.lock().unwrap_or_else(|p| p.into_inner());
        match cps.back_mut() {
            Some((b, h)) if *b == bucket => *h = (*h).max(end),
            _ => {
                if cps.len() >= MAX_CHECKPOINTS {
                    cps.pop_front();
                }
                cps.push_back((bucket, end));
            }
        }
    }

    /// The first sequence number served after time `t` (the head at `t`). Unlike
    /// [`live_seq`](Self::live_seq), it may be one an ended connection already sent: a replay
    /// (backfill, recovery) is meant to send those again.
    pub fn seq_at(&self, t: Instant) -> u64 {
        if self.paced() {
            return (self.elapsed_secs(t) * self.rate).ceil() as u64;
        }
        if t <= self.start {
            return 0;
        }
        let ms = t.saturating_duration_since(self.start).as_millis() as u64;
        let cps = self.checkpoints.lock().unwrap_or_else(|p| p.into_inner());
        // The head at the end of the last bucket that ended at or before t.
        let ix = cps.partition_point(|(b, _)| b + BUCKET_MS <= ms);
        if ix == 0 {
            // Nothing recorded before t: either nothing happened yet (0), or the history
            // was trimmed (the oldest known point).
            return match cps.front() {
                Some((b, _)) if *b == 0 => 0,
                Some((_, h)) if cps.len() >= MAX_CHECKPOINTS => *h,
                _ => 0,
            };
        }
        cps[ix - 1].1
    }

    /// Wall-clock time → timeline instant.
    pub fn instant_of(&self, wall: SystemTime) -> Instant {
        match wall.duration_since(self.start_wall) {
            Ok(d) => self.start + d,
            Err(_) => self.start,
        }
    }

    /// Timeline instant → wall-clock time.
    pub fn wall_of(&self, t: Instant) -> SystemTime {
        self.start_wall + t.saturating_duration_since(self.start)
    }
}
