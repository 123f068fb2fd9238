//! Connection limits per credential and the connect rate limit.

use std::collections::HashMap;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use crate::config::ConnectionPolicy;
use crate::observe::CloseReason;

/// A command to a running stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Control {
    Run,
    Close(CloseReason),
}

struct Slot {
    conn_id: u64,
    control: watch::Sender<Control>,
    /// `Some` once the connection is gone but still counts (ghost period).
    ghost_until: Option<Instant>,
}

/// Open stream connections by credential key.
#[derive(Default)]
pub(crate) struct Registry {
    by_key: HashMap<String, Vec<Slot>>,
}

pub(crate) enum OpenOutcome {
    Accepted { evicted: Vec<u64> },
    Refused,
}

impl Registry {
    fn prune(&mut self, key: &str, now: Instant) {
        if let Some(slots) = self.by_key.get_mut(key) {
            slots.retain(|s| s.ghost_until.is_none_or_after(now));
        }
    }

    /// Try to open connection `conn_id` for `key`.
    pub fn try_open(
        &mut self,
        key: &str,
        max: usize,
        policy: ConnectionPolicy,
        now: Instant,
        conn_id: u64,
        control: watch::Sender<Control>,
    ) -> OpenOutcome {
        self.prune(key, now);
        let slots = self.by_key.entry(key.to_string()).or_default();
        let mut evicted = Vec::new();
        if slots.len() >= max {
            if policy == ConnectionPolicy::RefuseNew {
                return OpenOutcome::Refused;
            }
            // Ghosts go first, then the oldest live connections.
            slots.sort_by_key(|s| (s.ghost_until.is_none(), s.conn_id));
            while slots.len() >= max.max(1) {
                let s = slots.remove(0);
                if s.ghost_until.is_none() {
                    let _ = s.control.send(Control::Close(CloseReason::Evicted));
                    evicted.push(s.conn_id);
                }
            }
        }
        slots.push(Slot {
            conn_id,
            control,
            ghost_until: None,
        });
        OpenOutcome::Accepted { evicted }
    }

    /// A connection ended; it keeps counting for `ghost` (if non-zero).
    pub fn release(&mut self, conn_id: u64, ghost: Duration, now: Instant) {
        for slots in self.by_key.values_mut() {
            if let Some(ix) = slots.iter().position(|s| s.conn_id == conn_id) {
                if ghost.is_zero() {
                    slots.remove(ix);
                } else {
                    slots[ix].ghost_until = Some(now + ghost);
                }
                return;
            }
        }
    }

    /// Ask one connection to close.
    pub fn close(&self, conn_id: u64, reason: CloseReason) -> bool {
        for slots in self.by_key.values() {
            if let Some(s) = slots
                .iter()
                .find(|s| s.conn_id == conn_id && s.ghost_until.is_none())
            {
                return s.control.send(Control::Close(reason)).is_ok();
            }
        }
        false
    }

    /// Ask every connection to close.
    pub fn close_all(&self, reason: CloseReason) {
        for slots in self.by_key.values() {
            for s in slots.iter().filter(|s| s.ghost_until.is_none()) {
                let _ = s.control.send(Control::Close(reason.clone()));
            }
        }
    }
}

trait GhostExt {
    fn is_none_or_after(&self, now: Instant) -> bool;
}

impl GhostExt for Option<Instant> {
    fn is_none_or_after(&self, now: Instant) -> bool {
        match self {
            None => true,
            Some(t) => *t > now,
        }
    }
}

/// Fixed-window connect rate limit per key (X: 50 per 15 minutes per app and endpoint).
#[derive(Default)]
pub(crate) struct RateLimiter {
    windows: HashMap<String, (Instant, u32)>,
}

/// The result of a rate-limit check, with the values for the `x-rate-limit-*` headers.
pub(crate) struct RateCheck {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// When the window restarts.
    pub reset_at: Instant,
}

impl RateLimiter {
    pub fn check(&mut self, key: &str, limit: u32, window: Duration, now: Instant) -> RateCheck {
        if limit == 0 {
            return RateCheck {
                allowed: true,
                limit: 0,
                remaining: 0,
                reset_at: now + window,
            };
        }
        let entry = self.windows.entry(key.to_string()).or_insert((now, 0));
        if now >= entry.0 + window {
            *entry = (now, 0);
        }
        let allowed = entry.1 < limit;
        if allowed {
            entry.1 += 1;
        }
        RateCheck {
            allowed,
            limit,
            remaining: limit - entry.1,
            reset_at: entry.0 + window,
        }
    }
}
