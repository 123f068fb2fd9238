//! A bounded window of recently seen tweet ids (pure; no I/O), to drop the duplicates a
//! backfilled reconnect delivers: X replays the minutes before the reconnect, and some of those
//! tweets arrived before the connection dropped.
//!
//! ```
//! use tweetstream::dedupe::Dedupe;
//!
//! let mut seen = Dedupe::new(2);
//! assert!(seen.insert("1"));
//! assert!(seen.insert("2"));
//! assert!(!seen.insert("2"), "a duplicate");
//! assert!(seen.insert("3"));      // "1" leaves the window
//! assert!(seen.insert("1"));
//! ```

use std::collections::{HashSet, VecDeque};
use std::hash::{Hash, Hasher};

/// The last `capacity` distinct ids, oldest first out. Ids are kept as 8-byte keys (the number
/// itself for X's numeric ids, a hash otherwise), so a full window of 100,000 takes about 2 MB.
#[derive(Debug, Clone)]
pub struct Dedupe {
    capacity: usize,
    order: VecDeque<u64>,
    set: HashSet<u64>,
}

fn key(id: &str) -> u64 {
    id.parse().unwrap_or_else(|_| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        id.hash(&mut h);
        h.finish()
    })
}

impl Dedupe {
    /// A window of `capacity` ids (at least one).
    pub fn new(capacity: usize) -> Dedupe {
        let capacity = capacity.max(1);
        Dedupe {
            capacity,
            order: VecDeque::with_capacity(capacity.min(4096)),
            set: HashSet::with_capacity(capacity.min(4096)),
        }
    }

    /// Record `id`; false if it is already in the window (a duplicate).
    pub fn insert(&mut self, id: &str) -> bool {
        self.insert_id(key(id))
    }

    /// Record a numeric id (or any 8-byte key, such as [`sniff::id_at`](crate::sniff::id_at)
    /// gives); false if it is already in the window.
    pub fn insert_id(&mut self, id: u64) -> bool {
        if self.set.contains(&id) {
            return false;
        }
        if self.order.len() == self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        self.order.push_back(id);
        self.set.insert(id);
        true
    }

    /// Ids in the window.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether the window is empty.
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Against a model: an id is new iff it is not among the last `cap` distinct new ids.
        #[test]
        fn matches_a_model(
            cap in 1usize..8,
            ids in proptest::collection::vec(0u8..12, 0..64),
            numeric in any::<bool>(),
        ) {
            let mut d = Dedupe::new(cap);
            let mut model: Vec<u8> = Vec::new();
            for id in ids {
                let new = !model.contains(&id);
                // Numeric ids (X's) and any other text.
                let text = if numeric { id.to_string() } else { format!("k{id}") };
                prop_assert_eq!(d.insert(&text), new);
                if new {
                    model.push(id);
                    if model.len() > cap {
                        model.remove(0);
                    }
                }
                prop_assert_eq!(d.len(), model.len());
            }
        }
    }
}
