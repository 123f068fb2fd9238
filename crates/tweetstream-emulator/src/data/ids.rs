//! Tweet ids: snowflakes and the per-loop renumbering.
//!
//! The corpus holds `N` distinct tweet ids (base tweets plus the tweets they embed or refer to
//! that are themselves in the corpus). Sorting them gives each a rank `r` in `0..N`.
//!
//! * Loop 0 keeps the original ids.
//! * Loop `k ≥ 1` maps the id of rank `r` to `START + (k − 1)·N + r`, where `START` is the largest
//!   corpus id plus one. Every loop therefore uses a fresh block of `N` ids above everything seen
//!   before, ids grow with `k`, and the order of ids inside a loop is the original order.
//! * Ids stay within `i64` (`≤ 9,223,372,036,854,775,807`): after `CAP = (i64::MAX − START + 1) / N`
//!   loops the blocks are reused (for twitter.json that is ~8.7·10¹⁶ loops, i.e. never in practice).
//!   If the corpus ids leave no room above them, the blocks are taken below the smallest id instead;
//!   if there is no room at all, ids are not renumbered.
//! * Ids that are not corpus tweets (users, media, a replied-to tweet that is not in the file, …)
//!   are left as they are.

/// Twitter's snowflake epoch (ms).
pub(crate) const TWEPOCH: i64 = 1_288_834_974_657;

/// A snowflake id: milliseconds since [`TWEPOCH`], a 10-bit worker and a 12-bit sequence.
pub(crate) fn snowflake(ms: i64, worker: u64, seq: u64) -> u64 {
    let t = (ms - TWEPOCH).max(0) as u64;
    (t << 22) | ((worker & 0x3ff) << 12) | (seq & 0xfff)
}

/// Creation time of a snowflake id (ids before 2010-11 give None).
pub(crate) fn snowflake_ms(id: u64) -> Option<i64> {
    let ms = (id >> 22) as i64;
    (id > (1u64 << 40)).then_some(ms + TWEPOCH)
}

/// The renumbering function of one corpus.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Renumber {
    start: u64,
    n: u64,
    cap: u64,
}

const I64_MAX: u64 = i64::MAX as u64;

impl Renumber {
    /// Build from the sorted, de-duplicated corpus tweet ids.
    pub(crate) fn new(sorted_ids: &[u64]) -> Renumber {
        let n = sorted_ids.len() as u64;
        let none = Renumber {
            start: 0,
            n: 1,
            cap: 0,
        };
        let (Some(&min), Some(&max)) = (sorted_ids.first(), sorted_ids.last()) else {
            return none;
        };
        if max < I64_MAX {
            let start = max + 1;
            let cap = (I64_MAX - start + 1) / n;
            if cap > 0 {
                return Renumber { start, n, cap };
            }
        }
        // No room above: use the space below the smallest id.
        let below = min.min(I64_MAX.saturating_add(1)).saturating_sub(1);
        let cap = below / n;
        if cap > 0 {
            return Renumber { start: 1, n, cap };
        }
        none
    }

    /// The id of the tweet of rank `rank` (original id `orig`) in loop `lp`.
    #[inline]
    pub(crate) fn map(&self, orig: u64, rank: u32, lp: u64) -> u64 {
        if lp == 0 || self.cap == 0 {
            return orig;
        }
        let k = (lp - 1) % self.cap;
        self.start + k * self.n + u64::from(rank)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks() {
        let r = Renumber::new(&[10, 20, 30]);
        assert_eq!(r.map(20, 1, 0), 20);
        assert_eq!(r.map(20, 1, 1), 32);
        assert_eq!(r.map(10, 0, 2), 34);
        assert_eq!(r.map(30, 2, u64::MAX), r.map(30, 2, u64::MAX));
        let top = Renumber::new(&[5, I64_MAX]);
        assert!(top.map(5, 0, 1) < 5);
        let full = Renumber::new(&[0, u64::MAX]);
        assert_eq!(full.map(7, 0, 3), 7);
        let r = Renumber::new(&[505874924095815681]);
        assert!(r.map(505874924095815681, 0, u64::MAX) <= I64_MAX);
    }
}
